/* One row turned into a CometChat user: the canonical uid and the fields to send.
 *
 * Cells are trimmed; an empty cell means "not given" and is never sent (so an update leaves that
 * field as it is), and nothing is ever sent as null.
 * Thread-safety: a user is owned by one thread at a time; building reads the mapping only. */
#ifndef CCI_USER_H
#define CCI_USER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "cci/rules/mapping.h"
#include "cci/util/outcome.h"
#include "cci/output/report.h"
#include "rules/validate.h"

typedef struct cci_user {
    char uid[CCI_UID_MAX + 1]; /* lowercased, as the service stores it */
    cJSON *fields;             /* owned: name, avatar, link, role, statusMessage, metadata, tags, and
                                * "unset" when an update clears (cci/clears.h) */
    bool out_of_memory;        /* building ran out: the fields are incomplete and must not be sent */
    long long created_at;      /* createdAt and lastActiveAt in Unix seconds, 0: not given; never in */
    long long last_active_at;  /* fields (only a Data Import create sets them) */
} cci_user;

/* Cuts spaces, tabs and line ends from both ends of a cell, as every cell is read: what is left
 * empty was not given. */
void cci_trim(const char **text, size_t *len);

/* Builds user from record; name_required is false for --mode update. Returns false when the row
 * is invalid, with every problem found in problems ("column \"Name\" is empty: ...; column
 * \"tags\" ..."), or when memory ran out (user->out_of_memory); user->uid is set whenever the uid
 * cell itself was valid, so duplicates can still be told apart. */
bool cci_user_build(cci_user *user, const cci_mapping *mapping, const cci_record *record,
                    bool name_required, char *problems, size_t problems_len);

/* The JSON body: with_uid for a create (without any "unset"), without for an update. malloc'd;
 * NULL when out of memory. */
char *cci_user_body(const cci_user *user, bool with_uid);
/* The same body with the text before in front of it, in one allocation (a dry run's message). */
char *cci_user_body_after(const cci_user *user, bool with_uid, const char *before);

/* The canonical (lowercased) uid of record's uid cell into uid; false when the cell is empty or
 * not a valid uid. */
bool cci_record_uid(const cci_mapping *mapping, const cci_record *record, char uid[CCI_UID_MAX + 1]);

/* True when the mapping's metadata columns are metadata.KEY ones only: they change the keys they
 * name and keep the user's others. */
bool cci_mapping_merges_metadata(const cci_mapping *mapping);

/* Sets the row's metadata keys over current (what the app holds), keeping current's other keys,
 * nested objects merged the same way. Nothing changes when either is not an object. False when
 * out of memory (then user->out_of_memory is set). */
bool cci_user_merge_metadata(cci_user *user, const cJSON *current);

void cci_user_cleanup(cci_user *user);

/* A refusal the service explained by a field (outcome->refused_field) is said with the column and
 * the cell that fed it: `column "Role": "superuser": The selected role is invalid...`. saved holds
 * the row's cells; nothing changes when no column feeds that field. */
void cci_user_explain_refusal(cci_outcome *outcome, const cci_mapping *mapping, const cci_saved_row *saved);

#endif
