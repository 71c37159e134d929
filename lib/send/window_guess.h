/* Where a rate-limit window ends when the service never says: learned from 429s and successes
 * alone. The service counts in fixed windows, so window n ends at phase + n * length. Each end
 * that was crossed is known to lie between the last request the service still counted in the
 * window before (or refused in it) and the first success after it; every such sighting, and every
 * pair of them, bounds where the next end can be.
 *
 * Thread-safety: none; the limiter holds its lock around every call. */
#ifndef CCI_WINDOW_GUESS_H
#define CCI_WINDOW_GUESS_H

#include <stdbool.h>
#include <stdint.h>

enum { CCI_WINDOW_GUESS_SEEN = 32 };

typedef struct cci_window_guess {
    struct {
        unsigned long window; /* the window that began at this end (the caller's count) */
        uint64_t after, by;   /* it ended after `after` and no later than `by` (ms) */
    } seen[CCI_WINDOW_GUESS_SEEN]; /* oldest first */
    unsigned count;
} cci_window_guess;

/* An end was crossed: window `window` began after `after` and by `by`. Sightings that do not fit
 * the ones before (a window passed unseen, or the service changed) start the learning afresh. */
void cci_window_guess_seen(cci_window_guess *guess, unsigned long window, uint64_t after, uint64_t by);

/* Forgets every sighting: what was learned no longer holds. */
void cci_window_guess_forget(cci_window_guess *guess);

/* Where window `window` (one after the last seen, or later) begins: after *after and by *by.
 * False while one sighting or none is known. */
bool cci_window_guess_start(const cci_window_guess *guess, unsigned long window, uint64_t *after, uint64_t *by);

/* The window's length lies in [*shortest, *longest]; false while unknown. */
bool cci_window_guess_length(const cci_window_guess *guess, uint64_t *shortest, uint64_t *longest);

#endif
