#include "tool_signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Sent by cci_signals_finish to end the watcher. */
#define DONE_SIGNAL SIGUSR2

struct cci_signals {
    pthread_t watcher;
    sigset_t watched;
    sigset_t previous_mask;
    cci_stop *stop;  /* thread-safe */
    FILE *messages;  /* written by the watcher only */
};

static void *watch(void *arg)
{
    cci_signals *signals = arg;
    int received, count = 0;
    while (sigwait(&signals->watched, &received) == 0 && received != DONE_SIGNAL) {
        if (++count > 1) _exit(3); /* the second one: at once, as the user asked */
        fprintf(signals->messages,
                "\ncometchat-import: %s: finishing the requests in flight and writing the report "
                "(press Ctrl-C again to quit at once)\n",
                received == SIGINT ? "interrupted" : "terminated");
        fflush(signals->messages);
        cci_stop_request(signals->stop, CCI_STOP_INTERRUPTED,
                         received == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)");
    }
    return NULL;
}

cci_signals *cci_signals_start(cci_stop *stop, FILE *messages)
{
    cci_signals *signals = calloc(1, sizeof *signals);
    if (!signals) return NULL;
    signals->stop = stop;
    signals->messages = messages;
    sigemptyset(&signals->watched);
    sigaddset(&signals->watched, SIGINT);
    sigaddset(&signals->watched, SIGTERM);
    sigaddset(&signals->watched, DONE_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &signals->watched, &signals->previous_mask);
    if (pthread_create(&signals->watcher, NULL, watch, signals) != 0) {
        pthread_sigmask(SIG_SETMASK, &signals->previous_mask, NULL);
        free(signals);
        return NULL;
    }
    return signals;
}

void cci_signals_finish(cci_signals *signals)
{
    if (!signals) return;
    pthread_kill(signals->watcher, DONE_SIGNAL);
    pthread_join(signals->watcher, NULL);
    pthread_sigmask(SIG_SETMASK, &signals->previous_mask, NULL);
    free(signals);
}
