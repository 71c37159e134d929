#include "send/retry.h"

uint64_t cci_backoff_ms(unsigned attempt, uint64_t base_ms, uint64_t cap_ms, uint64_t random_bits)
{
    uint64_t ceiling = base_ms;
    for (unsigned i = 1; i < attempt && ceiling < cap_ms; i++) ceiling *= 2;
    if (ceiling > cap_ms) ceiling = cap_ms;
    return random_bits % (ceiling + 1);
}

uint64_t cci_random_next(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void cci_retry_budget_init(cci_retry_budget *budget, unsigned long total,
                           unsigned long unreachable_after)
{
    atomic_init(&budget->left, total);
    atomic_init(&budget->consecutive_failures, 0);
    atomic_init(&budget->spent, 0);
    budget->unreachable_after = unreachable_after;
}

void cci_retry_expect_answers(cci_retry_budget *budget, uint64_t silence_ms, uint64_t now_ms)
{
    atomic_init(&budget->unanswered, 0);
    atomic_init(&budget->heard_ms, now_ms);
    atomic_init(&budget->heard_any, false);
    budget->silence_ms = silence_ms;
}

void cci_retry_note_heard(cci_retry_budget *budget, uint64_t now_ms)
{
    atomic_store(&budget->unanswered, 0);
    atomic_store(&budget->heard_ms, now_ms);
    atomic_store(&budget->heard_any, true);
}

bool cci_retry_note_unanswered(cci_retry_budget *budget, uint64_t now_ms)
{
    unsigned long in_a_row = atomic_fetch_add(&budget->unanswered, 1) + 1;
    uint64_t heard = atomic_load(&budget->heard_ms);
    return in_a_row >= CCI_UNANSWERED_IN_A_ROW || (budget->silence_ms && now_ms >= heard + budget->silence_ms);
}

bool cci_retry_budget_take(cci_retry_budget *budget)
{
    unsigned long left = atomic_load(&budget->left);
    while (left > 0)
        if (atomic_compare_exchange_weak(&budget->left, &left, left - 1)) {
            atomic_fetch_add(&budget->spent, 1);
            return true;
        }
    return false;
}

void cci_retry_note_answer(cci_retry_budget *budget)
{
    atomic_store(&budget->consecutive_failures, 0);
}

bool cci_retry_note_failure(cci_retry_budget *budget)
{
    return atomic_fetch_add(&budget->consecutive_failures, 1) + 1 >= budget->unreachable_after;
}
