/* --verify: once the rows went, the app is read back and every valid row of the file compared with
 * it. A row the app holds otherwise (an update it lost, a user edited while the run went) is
 * repaired once, one request at a time; the app is read again and what still differs is what the
 * run could not make true. Each row that differed gets a line in the verify file (CSV: line, uid,
 * verify, message), verify one of `repaired`, `differs`, `failed`.
 * Thread-safety: runs on the reader thread once the workers are joined; it uses the run's shared
 * sending state and one worker's connection, and appends to the journal. */
#ifndef CCI_VERIFY_H
#define CCI_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "state/app_users.h"
#include "cci/target/verify_result.h"
#include "plan/input.h"
#include "cci/state/journal.h"
#include "target/listing.h"
#include "cci/util/mode.h"
#include "send/send.h"

typedef struct cci_verify_setup {
    const cci_input_spec *spec;   /* the input, read again from its start */
    cci_mode mode;
    bool merges;                  /* metadata.KEY columns merge into the listed metadata */
    cci_journal *journal;         /* told of the rows repaired; may be NULL */
    const cci_uid_set *file_uids; /* the file's uids, sealed (repeated uids are not compared); NULL: found anew */
    cci_send_shared *shared;
    cci_worker *worker;
    const char *path;             /* the verify file */
    cci_keep_metadata_fn keep_metadata; /* which users' metadata to keep (cci/listing.h); NULL: all */
    void *keep_context;
    cci_listing_progress_fn progress; /* may be NULL */
    void *context;
} cci_verify_setup;


/* Reads back, repairs and writes the verify file. When the check could not be done, err says why,
 * the result says how far it went, and the code tells the cause: CCI_NETWORK (the app could not
 * be read back), CCI_REFUSED (the key may not list users), the input's (CCI_IO, CCI_INVALID),
 * the verify file's (CCI_IO, CCI_REFUSED), CCI_NOMEM, or CCI_STOPPED (the run stopped). */
cci_status cci_verify(const cci_verify_setup *setup, cci_verify_result *result, char *err, size_t errlen);

#endif
