/* Whole lines written to an outfile by a thread of its own, a batch at a time, while the next
 * batch is composed: the kernel's copy of a dry run's report (a large share of its time) then
 * overlaps the reading and planning of the rows after. The writer streams the file out as it goes
 * (cci_outfile_stream_out): a batch behind, it waits for the disk and frees the pages, so the next
 * batches are copied into pages touched moments ago.
 *
 * Who waits for whom: the composing thread waits for the writer only to get the other buffer back
 * (cci_write_behind_room, cci_write_behind_finish); the writer waits for a batch or the end, and
 * for the kernel. A batch handed over is written whole or, after the first failure, not at all.
 * Thread-safety: one thread composes (all the calls below); the outfile belongs to the writer from
 * cci_write_behind_start to cci_write_behind_finish, and to no one else. */
#ifndef CCI_WRITE_BEHIND_H
#define CCI_WRITE_BEHIND_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/util/outfile.h"

typedef struct cci_write_behind cci_write_behind;

/* Two buffers of batch_bytes for out. threaded false writes each batch in the composing thread,
 * when it is handed over (what a report does when no thread can be started). NULL when memory or
 * the thread could not be had. */
cci_write_behind *cci_write_behind_start(cci_outfile *out, size_t batch_bytes, bool threaded);

/* Where the next line goes: at least bound bytes, the current batch handed over first when they
 * might not fit. NULL once a write failed (the outfile then holds the error, from
 * cci_write_behind_finish on) or memory ran out. */
char *cci_write_behind_room(cci_write_behind *behind, size_t bound);

/* The line of len bytes (at most the bound asked for) is in the room given. */
void cci_write_behind_wrote(cci_write_behind *behind, size_t len);

/* Hands over what is left, waits for it to be written, ends the thread and frees. True when every
 * line reached the kernel; otherwise the outfile says why. Safe on NULL. */
bool cci_write_behind_finish(cci_write_behind *behind);

#endif
