#include "failing_alloc.h"

#include <execinfo.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Allocations still to succeed before the one that fails; -1: disarmed. */
static atomic_long countdown = -1;
static atomic_bool failed;

static bool fail_this_one(void)
{
    long left = atomic_load(&countdown);
    while (left >= 0) {
        if (atomic_compare_exchange_weak(&countdown, &left, left - 1)) {
            if (left > 0) return false;
            atomic_store(&failed, true);
            if (getenv("CCI_ALLOC_TRACE")) { /* where the failed allocation was asked for */
                void *frames[16];
                backtrace_symbols_fd(frames, backtrace(frames, 16), STDERR_FILENO);
            }
            return true;
        }
    }
    return false;
}

void *cci_failing_malloc(size_t size)
{
    return fail_this_one() ? NULL : malloc(size);
}

void *cci_failing_calloc(size_t count, size_t size)
{
    return fail_this_one() ? NULL : calloc(count, size);
}

void *cci_failing_realloc(void *memory, size_t size)
{
    return fail_this_one() ? NULL : realloc(memory, size);
}

char *cci_failing_strdup(const char *text)
{
    return fail_this_one() ? NULL : strdup(text);
}

char *cci_failing_strndup(const char *text, size_t len)
{
    return fail_this_one() ? NULL : strndup(text, len);
}

void failing_alloc_arm(unsigned long nth)
{
    atomic_store(&failed, false);
    atomic_store(&countdown, (long)nth - 1);
}

bool failing_alloc_disarm(void)
{
    atomic_store(&countdown, -1);
    return atomic_load(&failed);
}
