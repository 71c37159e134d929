/* Puts results finished in any order back into input order, within a bounded window.
 *
 * The producer reserves a sequence number per row (waiting while `window` rows are unfinished
 * ahead of the oldest), whoever finishes a row completes it, and every finished row is emitted
 * exactly once, in sequence order, by whichever thread completes the row that unblocks it, or by
 * a thread of the reorder's own (cci_reorder_emit_behind).
 * Who waits for whom: reserve waits for rows to be emitted, wait_all for all of them; the emitting
 * thread waits only for the oldest row to be finished, or for the end.
 * Thread-safety: reserve, complete and wait_all may be called from any thread; emit runs under
 * the reorder's mutex, or in the emitting thread alone, so emissions never overlap. */
#ifndef CCI_REORDER_H
#define CCI_REORDER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cci_reorder cci_reorder;

/* Called for each item in sequence order; takes ownership of item. */
typedef void (*cci_emit_fn)(void *item, void *ctx);

cci_reorder *cci_reorder_new(size_t window, cci_emit_fn emit, void *ctx);
/* Ends the emitting thread, if any: rows reserved and never finished are not emitted. */
void cci_reorder_free(cci_reorder *reorder);

/* From now on, rows are emitted by a thread of the reorder's own, not by the completing thread:
 * what emitting costs then overlaps the producer's work. Call before any row is reserved. False
 * when no thread could be had: the completing threads emit, as before. */
bool cci_reorder_emit_behind(cci_reorder *reorder);

/* The next sequence number; waits while the window is full. */
size_t cci_reorder_reserve(cci_reorder *reorder);

/* The next sequence number into *seq when the window has room; false, reserving nothing, when it
 * is full (cci_reorder_reserve would wait). */
bool cci_reorder_try_reserve(cci_reorder *reorder, size_t *seq);

/* Up to `want` sequence numbers in a run, the first into *first, when the window has room: how
 * many were reserved (0 when it is full). One lock for the run, where a reserve a row takes one
 * each. */
size_t cci_reorder_try_reserve_run(cci_reorder *reorder, size_t want, size_t *first);

/* Gives back the last `count` sequence numbers reserved, from first, none of them completed: the
 * producer reserved more than it had rows for. Only for a producer no other thread reserves
 * beside. */
void cci_reorder_unreserve(cci_reorder *reorder, size_t first, size_t count);

/* What the window holds now, for a watchdog's description: the oldest row not emitted (its
 * sequence number), how many are reserved and not emitted, and how many of those are finished. */
typedef struct cci_reorder_census {
    size_t oldest, unemitted, finished, window;
} cci_reorder_census;
cci_reorder_census cci_reorder_count(cci_reorder *reorder);

/* Hands in the item of seq (reserved earlier, completed once). */
void cci_reorder_complete(cci_reorder *reorder, size_t seq, void *item);

/* Hands in the items of first .. first + count - 1 (each reserved earlier, completed once): one
 * lock for the run. */
void cci_reorder_complete_run(cci_reorder *reorder, size_t first, size_t count, void *const *items);

/* Waits until every reserved row has been emitted. */
void cci_reorder_wait_all(cci_reorder *reorder);

#endif
