/* A fingerprint of what is sent for a user: the same fields and values give the same
 * fingerprint, whatever the column order, the dialect or the encoding of the file they came from
 * (object keys are sorted before hashing; array order counts, as it does for the service).
 * Thread-safety: pure. */
#ifndef CCI_FINGERPRINT_H
#define CCI_FINGERPRINT_H

#include <cjson/cJSON.h>
#include <stdbool.h>

enum { CCI_FINGERPRINT_LEN = 32 }; /* hex digits of a 128-bit hash */

/* Writes the fingerprint of fields as 32 hex digits and a NUL into out. False when out of memory. */
bool cci_fingerprint(const cJSON *fields, char out[CCI_FINGERPRINT_LEN + 1]);

/* The same, from fields already printed canonically (keys sorted, compact), as
 * cci_user_body(user, false) prints them: hashing the text sent spares printing it twice. */
void cci_fingerprint_of_text(const char *text, size_t len, char out[CCI_FINGERPRINT_LEN + 1]);

/* Sorts the members of every object in item by key, in place, at every depth. False when out of
 * memory: then some objects may be left unsorted. */
bool cci_json_sort_keys(cJSON *item);

/* fields as compact JSON with every object's keys sorted; malloc'd. */
char *cci_canonical_json(const cJSON *fields);

/* 64-bit FNV-1a over len bytes, continuing from seed (use CCI_FNV_SEED to start). */
#define CCI_FNV_SEED 14695981039346656037ULL
unsigned long long cci_fnv1a(const void *data, size_t len, unsigned long long seed);

#endif
