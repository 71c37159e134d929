/* CometChat's rules for a user's fields (shared/cometchat-api.md), checked before anything is
 * sent. Each check returns true when the value passes, or false with a reason in `why` that a
 * person can act on (the caller adds the column's name).
 * Thread-safety: pure functions. */
#ifndef CCI_VALIDATE_H
#define CCI_VALIDATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "cci/util/status.h"

#define CCI_UID_MAX 100
#define CCI_NAME_MAX 100      /* UTF-16 code units: an emoji counts 2 */
#define CCI_URL_MAX 3000
#define CCI_TAGS_MAX 25
#define CCI_TAG_MAX 100
#define CCI_METADATA_MAX 5120 /* bytes of the metadata object as compact JSON */

/* Text of any field: valid UTF-8 and no NUL byte. */
bool cci_validate_text(const char *text, size_t len, char *why, size_t why_len);

/* 1-100 characters of a-z A-Z 0-9 _ -. */
bool cci_validate_uid(const char *uid, size_t len, char *why, size_t why_len);

/* Non-empty, at most 100 UTF-16 units. */
bool cci_validate_name(const char *name, size_t len, char *why, size_t why_len);

/* The functions below tell an invalid cell (CCI_INVALID, why says what is wrong) from no memory
 * (CCI_NOMEM): the row is then not invalid, only not buildable, and says so in its own words. */

/* An absolute http or https URL of at most 3000 characters (parsed by libcurl's URL API). */
cci_status cci_validate_url(const char *url, size_t len, char *why, size_t why_len);

/* A tags cell: a JSON array of strings, or a list split on ',' and ';' (items trimmed, empty
 * ones dropped); at most 25 tags of at most 100 characters, into *tags (NULL on failure). */
cci_status cci_parse_tags(const char *cell, size_t len, cJSON **tags, char *why, size_t why_len);
/* The items of a tags cell that is not JSON: split on ',' and ';', each trimmed of spaces and tabs,
 * empty ones dropped. Calls each on every item, in order; false as soon as it does. */
bool cci_each_tag(const char *cell, size_t len, bool (*each)(void *context, const char *tag, size_t len),
                  void *context);

/* A metadata cell: a JSON object, into *metadata (NULL on failure). */
cci_status cci_parse_metadata(const char *cell, size_t len, cJSON **metadata, char *why, size_t why_len);

/* The assembled metadata object within CCI_METADATA_MAX bytes. */
cci_status cci_validate_metadata_size(const cJSON *metadata, char *why, size_t why_len);

#endif
