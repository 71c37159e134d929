/* Seeded, reproducible fault decisions. A decision depends only on the seed, the uid a request
 * names and how many earlier requests for that uid were rolled, never on timing or thread order.
 *
 * Thread-safety: pure functions. */
#ifndef SBX_FAULTS_H
#define SBX_FAULTS_H

#include "sbx_config.h"

typedef enum {
    SBX_FAULT_NONE,
    SBX_FAULT_ERROR,       /* answer 500, apply nothing */
    SBX_FAULT_DROP_BEFORE, /* close the connection, apply nothing */
    SBX_FAULT_DROP_AFTER,  /* apply, then close the connection without an answer */
    SBX_FAULT_SLOW,        /* apply, then answer after slow_ms */
    SBX_FAULT_KIND_COUNT,
} sbx_fault_kind;

typedef struct sbx_fault {
    sbx_fault_kind kind;
    unsigned delay_ms; /* latency + jitter to add before anything else */
} sbx_fault;

sbx_fault sbx_faults_roll(const sbx_faults *faults, const char *uid, unsigned long roll);

const char *sbx_fault_name(sbx_fault_kind kind);

#endif
