#include "send/guess.h"

enum { GUESS_SWITCH_AT_PERCENT = 50 };

void cci_guess_init(cci_guess *guess)
{
    pthread_mutex_init(&guess->lock, NULL);
    guess->update_first = false;
    guess->misses = 0;
    guess->switches = 0;
}

void cci_guess_cleanup(cci_guess *guess)
{
    pthread_mutex_destroy(&guess->lock);
}

bool cci_guess_update_first(cci_guess *guess)
{
    pthread_mutex_lock(&guess->lock);
    bool update_first = guess->update_first;
    pthread_mutex_unlock(&guess->lock);
    return update_first;
}

void cci_guess_note(cci_guess *guess, bool update_first, bool miss)
{
    pthread_mutex_lock(&guess->lock);
    if (update_first == guess->update_first) { /* answers to the other guess are stale */
        /* a moving average over about the last ten first attempts */
        guess->misses = guess->misses * 0.9 + (miss ? 0.1 : 0.0);
        if (guess->misses * 100 > GUESS_SWITCH_AT_PERCENT) {
            guess->update_first = !guess->update_first;
            guess->misses = 0;
            guess->switches++;
        }
    }
    pthread_mutex_unlock(&guess->lock);
}

unsigned long cci_guess_switches(cci_guess *guess)
{
    pthread_mutex_lock(&guess->lock);
    unsigned long switches = guess->switches;
    pthread_mutex_unlock(&guess->lock);
    return switches;
}
