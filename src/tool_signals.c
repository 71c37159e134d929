#include "tool_signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Sent by tool_signals_finish to end the watcher. */
#define DONE_SIGNAL SIGUSR2

struct tool_signals {
    pthread_t watcher;
    sigset_t watched;
    sigset_t previous_mask;
    cci_stop *stop;  /* thread-safe */
    FILE *messages;  /* written by the watcher only */
    bool dry_run;    /* read-only */
};

static const char *signal_name(int received)
{
    switch (received) {
    case SIGINT: return "interrupted (SIGINT)";
    case SIGTERM: return "terminated (SIGTERM)";
    case SIGHUP: return "hung up (SIGHUP)";
    default: return "asked to quit (SIGQUIT)";
    }
}

static void *watch(void *arg)
{
    tool_signals *signals = arg;
    int received, count = 0;
    while (sigwait(&signals->watched, &received) == 0 && received != DONE_SIGNAL) {
        const char *name = signal_name(received);
        if (++count == 1) {
            fprintf(signals->messages,
                    signals->dry_run ? "\ncometchat-import: %s: stopping the dry run (a file stopped before its end "
                                       "gets no report: its rows may not be what the whole file says; standard "
                                       "input or a pipe gets one of the rows read)\n"
                                     : "\ncometchat-import: %s: finishing the requests in flight and writing the "
                                       "report (interrupt again to abandon them)\n",
                    name);
            cci_stop_request(signals->stop, CCI_STOP_INTERRUPTED, name);
        } else if (count == 2) {
            fprintf(signals->messages,
                    "\ncometchat-import: %s again: abandoning the requests in flight and writing the report "
                    "(a third time quits at once, leaving the earlier report in place)\n", name);
            cci_stop_hurry(signals->stop, name);
        } else {
            /* at once, as asked: the outputs are renamed into place only when whole, so the
             * earlier ones stay, and this run's lines so far (each whole) are in *.partial */
            _exit(3);
        }
        fflush(signals->messages);
    }
    return NULL;
}

tool_signals *tool_signals_start(cci_stop *stop, FILE *messages, bool dry_run)
{
    tool_signals *signals = calloc(1, sizeof *signals);
    if (!signals) return NULL;
    signals->stop = stop;
    signals->messages = messages;
    signals->dry_run = dry_run;
    sigemptyset(&signals->watched);
    sigaddset(&signals->watched, SIGINT);
    sigaddset(&signals->watched, SIGTERM);
    sigaddset(&signals->watched, SIGHUP);
    sigaddset(&signals->watched, SIGQUIT);
    sigaddset(&signals->watched, DONE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &signals->watched, &signals->previous_mask);
    if (pthread_create(&signals->watcher, NULL, watch, signals) != 0) {
        pthread_sigmask(SIG_SETMASK, &signals->previous_mask, NULL);
        free(signals);
        return NULL;
    }
    return signals;
}

void tool_signals_finish(tool_signals *signals)
{
    if (!signals) return;
    pthread_kill(signals->watcher, DONE_SIGNAL);
    pthread_join(signals->watcher, NULL);
    pthread_sigmask(SIG_SETMASK, &signals->previous_mask, NULL);
    free(signals);
}
