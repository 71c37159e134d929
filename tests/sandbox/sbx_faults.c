#include "sbx_faults.h"

#include <stdint.h>


/* splitmix64: a well-mixed 64-bit value from any input. */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/* 64-bit FNV-1a of the uid: the same uid always rolls the same faults. */
static uint64_t hash_uid(const char *uid)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)uid; *p; p++) hash = (hash ^ *p) * 0x100000001b3ULL;
    return hash;
}

/* A uniform double in [0, 1) from 53 bits. */
static double unit(uint64_t bits)
{
    return (double)(bits >> 11) / 9007199254740992.0;
}

sbx_fault sbx_faults_roll(const sbx_faults *faults, const char *uid, unsigned long roll)
{
    uint64_t base = mix(faults->seed ^ mix(hash_uid(uid) ^ mix(roll)));
    sbx_fault fault = {.kind = SBX_FAULT_NONE, .delay_ms = faults->latency_ms};
    if (faults->jitter_ms) fault.delay_ms += (unsigned)(mix(base + 1) % (faults->jitter_ms + 1ULL));

    double draw = unit(base), edge = 0;
    const struct { double rate; sbx_fault_kind kind; } bands[] = {
        {faults->error_rate, SBX_FAULT_ERROR},
        {faults->drop_before_rate, SBX_FAULT_DROP_BEFORE},
        {faults->drop_after_rate, SBX_FAULT_DROP_AFTER},
        {faults->slow_rate, SBX_FAULT_SLOW},
    };
    for (size_t i = 0; i < sizeof bands / sizeof *bands; i++) {
        edge += bands[i].rate;
        if (draw < edge) {
            fault.kind = bands[i].kind;
            break;
        }
    }
    return fault;
}

const char *sbx_fault_name(sbx_fault_kind kind)
{
    static const char *const names[] = {"none", "error", "drop_before", "drop_after", "slow"};
    return kind < SBX_FAULT_KIND_COUNT ? names[kind] : "unknown";
}
