/* Records read ahead by a thread of their own, a batch at a time, while the rows before them are
 * planned: a dry run's parse (libcsv, the UTF-8 check, the copies) then overlaps its planning and
 * its report.
 *
 * Who waits for whom: the consumer waits for a batch the reader has filled; the reader waits for a
 * batch the consumer has given back, or for the end, and otherwise only for next (so next must
 * never wait on anything but a regular file or memory: no pipe, no terminal). A record's cells
 * stay valid until the next cci_read_ahead_next, as a reader's do.
 * Thread-safety: one consumer thread makes all the calls below; the source behind next belongs to
 * the read-ahead's thread from cci_read_ahead_start until cci_read_ahead_finish returns. */
#ifndef CCI_READ_AHEAD_H
#define CCI_READ_AHEAD_H

#include <stdbool.h>

#include "cci/read/csv_reader.h"

/* The next record of source, valid until the next call (cci_input_next, cci_csv_reader_next). */
typedef cci_read_status (*cci_next_record_fn)(void *source, cci_record *record);

typedef struct cci_read_ahead cci_read_ahead;

/* Work the read-ahead's thread may do on a record, its result kept beside the record: what the
 * consumer's thread would otherwise do itself (a dry run's body, written from the cells). Whichever
 * thread has the time does it: the read-ahead prepares the records of a batch only while the
 * consumer has a whole batch still waiting (it is not the one holding the consumer up), so the
 * consumer must do the work itself for a record that comes without it. bound says how many bytes
 * prepare may write for record; prepare writes them at out (aligned for any type) and says how
 * many it wrote. Both must depend only on the record and on what context holds read-only while
 * the read-ahead runs. */
typedef struct cci_read_ahead_work {
    size_t (*bound)(const void *context, const cci_record *record);
    size_t (*prepare)(const void *context, const cci_record *record, void *out);
    const void *context;
} cci_read_ahead_work;

/* A thread calling next(source) until it says END or ERROR, and work's prepare on each record
 * (work NULL: none). NULL when memory or the thread could not be had: read source directly then. */
cci_read_ahead *cci_read_ahead_start(cci_next_record_fn next, void *source, const cci_read_ahead_work *work);

/* The next record, in the order next gave them, then next's END or ERROR. prepared (may be NULL)
 * is set to what work prepared for the record, valid as long as the record; NULL when it was not
 * prepared. */
cci_read_status cci_read_ahead_next(cci_read_ahead *ahead, cci_record *record, const void **prepared);

/* What work prepared for the record `later` records after the one cci_read_ahead_next gave last,
 * when it is in the same batch and was prepared; NULL otherwise. For a consumer to fetch what a
 * later record will need (its slot in a table larger than the caches) while it works on this one. */
const void *cci_read_ahead_prepared_later(const cci_read_ahead *ahead, size_t later);

/* Ends the thread (at its next record, when the records were not all taken), and frees. The source
 * is the caller's again. False when the ERROR was memory the read-ahead lacked to copy a record
 * (the source then knows of no error); true otherwise, and after an ERROR the source says why.
 * Safe on NULL. */
bool cci_read_ahead_finish(cci_read_ahead *ahead);

#endif
