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

#include "cci/csv_reader.h"
#include "cci/mapping.h"
#include "cci/validate.h"

typedef struct cci_user {
    char uid[CCI_UID_MAX + 1]; /* lowercased, as the service stores it */
    cJSON *fields;             /* owned: name, avatar, link, role, statusMessage, metadata, tags */
    bool out_of_memory;        /* building ran out: the fields are incomplete and must not be sent */
} cci_user;

/* Builds user from record; name_required is false for --mode update. Returns false when the row
 * is invalid, with every problem found in problems ("column \"Name\" is empty: ...; column
 * \"tags\" ..."), or when memory ran out (user->out_of_memory); user->uid is set whenever the uid
 * cell itself was valid, so duplicates can still be told apart. */
bool cci_user_build(cci_user *user, const cci_mapping *mapping, const cci_record *record,
                    bool name_required, char *problems, size_t problems_len);

/* The JSON body: with_uid for a create, without for an update. malloc'd; NULL when out of memory. */
char *cci_user_body(const cci_user *user, bool with_uid);

void cci_user_cleanup(cci_user *user);

#endif
