/* Without a journal, whether a uid exists is a guess: create first while most creates succeed,
 * update first while most of them meet ERR_UID_ALREADY_EXISTS, and back when the tide turns.
 *
 * Thread-safety: every function but init and cleanup may be called from any thread (a mutex
 * inside). */
#ifndef CCI_GUESS_H
#define CCI_GUESS_H

#include <pthread.h>
#include <stdbool.h>

typedef struct cci_guess {
    pthread_mutex_t lock;
    bool update_first;      /* protected by lock */
    double misses;          /* moving share of first attempts that guessed wrong; protected by lock */
    unsigned long switches; /* protected by lock */
} cci_guess;

void cci_guess_init(cci_guess *guess);
void cci_guess_cleanup(cci_guess *guess);
bool cci_guess_update_first(cci_guess *guess);
/* A first attempt made with update_first ended; miss: it met the other case. */
void cci_guess_note(cci_guess *guess, bool update_first, bool miss);
unsigned long cci_guess_switches(cci_guess *guess);

#endif
