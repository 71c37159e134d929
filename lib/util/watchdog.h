/* The run's pulse, and a watchdog that names a stall.
 *
 * Every thread of the pipeline says when it starts and ends work that is bounded and visible (a
 * request in flight, a wait the limiter or a backoff announced, the reader at its input), and
 * every finished row beats. The pipeline is built so that it cannot deadlock (docs/design.md,
 * "Who may wait for whom"); the watchdog is the proof's safety net: when no row finishes and
 * nothing is busy for longer than the largest bounded wait, something waits for something that
 * cannot come, and the run ends the way a fatal stop does, saying which stage holds what.
 *
 * Thread-safety: cci_pulse is atomics, used from any thread; a watchdog is started and stopped
 * by one thread, and its own thread only reads the pulse and calls describe. */
#ifndef CCI_WATCHDOG_H
#define CCI_WATCHDOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cci/util/stop.h"

typedef struct cci_pulse {
    atomic_ulong beats; /* a row finished, or work began or ended */
    atomic_long busy;   /* requests in flight, announced waits, the reader at its input */
} cci_pulse;

void cci_pulse_init(cci_pulse *pulse);
/* Work that is bounded and visible begins / ends; a row finished. NULL pulse: nothing. */
void cci_pulse_begin(cci_pulse *pulse);
void cci_pulse_end(cci_pulse *pulse);
void cci_pulse_beat(cci_pulse *pulse);

/* The watchdog's judgement, pure (time is an argument): what it saw last. */
typedef struct cci_stall_clock {
    unsigned long beats; /* the beats when last seen moving */
    uint64_t since_ms;   /* since when they have not moved, or something was busy */
} cci_stall_clock;

/* Starts the clock at now. */
void cci_stall_clock_start(cci_stall_clock *clock, const cci_pulse *pulse, uint64_t now_ms);
/* True when, for stall_ms up to now, no beat came and nothing was busy whenever it looked. */
bool cci_stall_clock_stalled(cci_stall_clock *clock, const cci_pulse *pulse, uint64_t now_ms, uint64_t stall_ms);

/* Writes which stage holds what into out (for the stop's reason). */
typedef void (*cci_describe_fn)(void *context, char *out, size_t len);

typedef struct cci_watchdog cci_watchdog;

/* Watches pulse from a thread of its own, looking every tick (a quarter of stall_ms, at most a
 * second); at a stall it requests a fatal stop of stop, whose reason says "stalled" and what
 * describe says, once. NULL when the thread cannot start (the run goes on unwatched). */
cci_watchdog *cci_watchdog_start(cci_pulse *pulse, uint64_t stall_ms, cci_stop *stop, cci_describe_fn describe,
                                 void *context);
/* Ends and joins the thread, frees it; true when it fired. NULL: false. */
bool cci_watchdog_finish(cci_watchdog *watchdog);

#endif
