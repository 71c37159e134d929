#include "util/watchdog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cci/util/latch.h"

void cci_pulse_init(cci_pulse *pulse)
{
    atomic_init(&pulse->beats, 0);
    atomic_init(&pulse->busy, 0);
}

void cci_pulse_begin(cci_pulse *pulse)
{
    if (!pulse) return;
    atomic_fetch_add(&pulse->busy, 1);
    atomic_fetch_add(&pulse->beats, 1);
}

void cci_pulse_end(cci_pulse *pulse)
{
    if (!pulse) return;
    atomic_fetch_sub(&pulse->busy, 1);
    atomic_fetch_add(&pulse->beats, 1);
}

void cci_pulse_beat(cci_pulse *pulse)
{
    if (pulse) atomic_fetch_add(&pulse->beats, 1);
}

void cci_stall_clock_start(cci_stall_clock *clock, const cci_pulse *pulse, uint64_t now_ms)
{
    clock->beats = atomic_load(&pulse->beats);
    clock->since_ms = now_ms;
}

bool cci_stall_clock_stalled(cci_stall_clock *clock, const cci_pulse *pulse, uint64_t now_ms, uint64_t stall_ms)
{
    unsigned long beats = atomic_load(&pulse->beats);
    if (beats != clock->beats || atomic_load(&pulse->busy) > 0) {
        clock->beats = beats;
        clock->since_ms = now_ms;
        return false;
    }
    return now_ms - clock->since_ms >= stall_ms;
}

struct cci_watchdog {
    pthread_t thread;
    cci_latch *done; /* released by cci_watchdog_finish */
    cci_pulse *pulse;
    uint64_t stall_ms;
    cci_stop *stop;
    cci_describe_fn describe;
    void *context;
    bool fired; /* the watchdog thread's until it is joined */
};

static void *watch(void *arg)
{
    cci_watchdog *watchdog = arg;
    uint64_t tick = watchdog->stall_ms / 4 < 1000 ? watchdog->stall_ms / 4 + 1 : 1000;
    cci_stall_clock clock;
    cci_stall_clock_start(&clock, watchdog->pulse, cci_now_ms());
    while (!cci_latch_wait(watchdog->done, tick)) {
        if (!cci_stall_clock_stalled(&clock, watchdog->pulse, cci_now_ms(), watchdog->stall_ms)) continue;
        char holds[700] = "";
        if (watchdog->describe) watchdog->describe(watchdog->context, holds, sizeof holds);
        char reason[900];
        snprintf(reason, sizeof reason, "stalled: no row finished and nothing was sent or waited for in %llu s (%s); "
                 "please report this", (unsigned long long)(watchdog->stall_ms / 1000), holds);
        cci_stop_request(watchdog->stop, CCI_STOP_FATAL, reason);
        watchdog->fired = true;
        break;
    }
    return NULL;
}

cci_watchdog *cci_watchdog_start(cci_pulse *pulse, uint64_t stall_ms, cci_stop *stop, cci_describe_fn describe,
                                 void *context)
{
    cci_watchdog *watchdog = calloc(1, sizeof *watchdog);
    if (!watchdog) return NULL;
    *watchdog = (cci_watchdog){.pulse = pulse, .stall_ms = stall_ms, .stop = stop, .describe = describe,
                               .context = context};
    if (!(watchdog->done = cci_latch_new())) {
        free(watchdog);
        return NULL;
    }
    if (pthread_create(&watchdog->thread, NULL, watch, watchdog) != 0) {
        cci_latch_free(watchdog->done);
        free(watchdog);
        return NULL;
    }
    return watchdog;
}

bool cci_watchdog_finish(cci_watchdog *watchdog)
{
    if (!watchdog) return false;
    cci_latch_release(watchdog->done);
    pthread_join(watchdog->thread, NULL);
    bool fired = watchdog->fired;
    cci_latch_free(watchdog->done);
    free(watchdog);
    return fired;
}
