/* Knowing the target around the rows: the census of a file's uids (taken in the preflight), the
 * reactivation of the deactivated users the file names (--reactivate), the list of the app's
 * active users the file leaves out (--plan) and their deactivation (--prune). Each change is sent
 * in bulk, at most BULK_UIDS uids a request.
 * Thread-safety: used by the reader thread only, before the rows go or after they all went. */
#ifndef CCI_TARGET_H
#define CCI_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#include "state/app_users.h"
#include "cci/read/csv_reader.h"
#include "rules/damage.h"
#include "cci/state/journal.h"
#include "cci/util/stop.h"
#include "rules/key_signature.h"
#include "target/listing.h"
#include "cci/rules/mapping.h"
#include "send/send.h"

/* A bulk change names at most 100 uids, and its body stays under 8,000 bytes (long uids: the
 * service's body limit is not documented). */
enum { CCI_BULK_UIDS = 100, CCI_BULK_BYTES = 8000 };

/* What the preflight learns of the file's uids. */
typedef struct cci_census {
    const cci_journal *journal;   /* read-only; may be NULL */
    cci_uid_set uids;             /* every readable uid, with its line */
    unsigned long unreadable;     /* non-empty rows whose uid cell is empty or not a uid */
    unsigned long journal_knows;  /* rows whose uid the journal knows */
    bool to_send;                 /* some valid row is new to the journal, or differs from its record */
    bool name_required;           /* as the rows are built: false for --mode update */
    bool out_of_memory;
    cci_key_columns keys;         /* the metadata.KEY columns, each row's signature in uids */
    cci_padding padding;          /* how the file's numeric uids are zero-padded */
    bool keys_known;
    cci_stop *stop;               /* may be NULL; once requested, the reading stops (a Ctrl-C) */
} cci_census;

/* A cci_preflight_fn: context is a cci_census. */
bool cci_census_visit(void *context, const cci_mapping *mapping, const cci_record *record);

/* A cci_keep_metadata_fn (context: a sealed census whose keys are usable): a listed user's
 * metadata is kept only when the file has its uid and the row's metadata.KEY values differ from
 * it; equal ones are said so. */
bool cci_census_keep_metadata(void *context, const cJSON *listed, bool *keys_equal);
void cci_census_cleanup(cci_census *census);

/* Reactivates the listed deactivated users that the census holds and marks them
 * CCI_APP_USER_REACTIVATED (those the answer names, or every one sent when it names none). When a
 * request failed, err says why and the code is CCI_NETWORK, CCI_REFUSED (the key or the app
 * refused) or CCI_STOPPED; CCI_IO when the listing cannot be read back, CCI_NOMEM. The users of
 * the batches before it stay marked. */
cci_status cci_target_reactivate(cci_listing *listing, const cci_census *census, cci_send_shared *shared,
                                 cci_worker *worker, unsigned long *reactivated, char *err, size_t errlen);

/* How many listed active users the census does not hold. */
unsigned long cci_target_count_absent(const cci_listing *listing, const cci_census *census);

/* Writes the listed active users the census does not hold to path as CSV (uid,name). Otherwise
 * err says why and the code is cci_outfile_open's or commit's (CCI_IO, CCI_REFUSED, CCI_NOMEM). */
cci_status cci_target_write_absent(const cci_listing *listing, const cci_census *census, const char *path,
                                   unsigned long *written, char *err, size_t errlen);

/* The second look before deactivating: a fresh, proven listing taken just before, and when the run
 * began (Unix seconds). */
typedef struct cci_second_look {
    const cci_listing *listing;
    long long run_began;
} cci_second_look;

typedef struct cci_pruning {
    unsigned long deactivated;
    unsigned long left_alone; /* absent from the file, but changed, deactivated, gone or created since */
} cci_pruning;

/* Deactivates the active users of listing (proven) that the census does not hold and that the
 * second look still shows active and unchanged, created before the run began. path (CSV uid,name,
 * a file that --reactivate --mode update takes back) lists every user whose deactivation was sent,
 * written to the disk before each batch goes: a batch whose answer was lost is in it, and a run
 * killed mid-way leaves it whole to that batch. When a request or the file failed (an interruption
 * included), err says why and the code is a request's (CCI_NETWORK, CCI_REFUSED, CCI_STOPPED), the
 * file's (CCI_IO, CCI_REFUSED: a link at path) or CCI_NOMEM; pruning->deactivated counts what the
 * answers confirmed. */
cci_status cci_target_prune(const cci_listing *listing, const cci_census *census, const cci_second_look *again,
                            cci_send_shared *shared, cci_worker *worker, const char *path, cci_pruning *pruning,
                            char *err, size_t errlen);

#endif
