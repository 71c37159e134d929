/* Emptied cells: a field that an earlier import set and that a row now leaves empty is cleared;
 * a field no import set stays as the app holds it, whatever the row says.
 *
 * Which fields the imports set is kept per user in the journal (cci/journal.h), as the 8-hex-digit
 * hashes of the fields' names ("avatar", "metadata.team.floor", and "metadata.*" once any
 * metadata key was set), comma-separated: after a row, the set is what the earlier imports set
 * outside this file's columns, plus the row's non-empty cells. At most CCI_CLEARS_MOST_FIELDS are
 * kept; a field past them is treated as never set.
 *
 * Clearing, field by field (the API's rules): avatar, link and a whole metadata column are sent in
 * "unset"; tags as []; role as "default"; statusMessage as ""; a metadata.KEY column removes that
 * key from the metadata the app holds (read by the listing); name is never cleared (it is
 * required), nor uid.
 * Thread-safety: pure functions over their arguments. */
#ifndef CCI_CLEARS_H
#define CCI_CLEARS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "state/app_users.h"
#include "cci/read/csv_reader.h"
#include "cci/rules/mapping.h"
#include "rules/user.h"

enum { CCI_CLEARS_MOST_FIELDS = 64 };

typedef struct cci_clears {
    unsigned slots;                            /* 1 << cci_slot of each field to clear */
    const char *keys[CCI_CLEARS_MOST_FIELDS];  /* metadata key paths to remove ("team.floor"),
                                                * borrowed from the mapping */
    size_t key_count;
    char *fields; /* what the journal records after the row (comma-separated hashes); owned */
} cci_clears;

/* Finds what record's empty cells clear, given the fields recorded for its uid (NULL or "": none),
 * and the fields to record after it. False when out of memory. */
bool cci_clears_find(cci_clears *clears, const cci_mapping *mapping, const cci_record *record, const char *recorded);

/* True when the row clears something. */
bool cci_clears_any(const cci_clears *clears);

/* Applies the clears to user's fields, for an update: metadata keys are removed from the row's
 * metadata, or from current (the app's) when the row has none. False when out of memory. */
bool cci_clears_apply(const cci_clears *clears, cci_user *user, const cJSON *current);

void cci_clears_cleanup(cci_clears *clears);

#endif
