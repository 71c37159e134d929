/* What the sandbox counts, for tests and benchmarks to read through /admin/counters.
 *
 * Thread-safety: every function may be called from any thread; a mutex inside protects all
 * counts. */
#ifndef SBX_STATS_H
#define SBX_STATS_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>

#include "sbx_faults.h"

typedef enum {
    SBX_OP_CREATE,
    SBX_OP_UPDATE,
    SBX_OP_GET,
    SBX_OP_LIST,
    SBX_OP_DELETE,
    SBX_OP_DEACTIVATE_MANY, /* DELETE /users */
    SBX_OP_REACTIVATE_MANY, /* PUT /users */
    SBX_OP_DATA_IMPORT,     /* POST /data_import/users */
    SBX_OP_OTHER, /* unknown route or method under /v3 */
    SBX_OP_COUNT,
} sbx_op;

enum { SBX_STATUS_SLOTS = 600 };

typedef struct sbx_stats {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when in_flight drops to 0 */
    /* all below protected by lock */
    unsigned long requests[SBX_OP_COUNT];
    unsigned long statuses[SBX_STATUS_SLOTS];
    cJSON *codes; /* error code -> count */
    unsigned long rate_limited;
    unsigned long connections_opened;
    unsigned long in_flight;
    unsigned long max_in_flight;
    unsigned long faults[SBX_FAULT_KIND_COUNT];
} sbx_stats;

void sbx_stats_init(sbx_stats *stats);
void sbx_stats_cleanup(sbx_stats *stats);

void sbx_stats_connection_opened(sbx_stats *stats);
/* An API request begins: counts it for op and as in flight. */
void sbx_stats_request_begins(sbx_stats *stats, sbx_op op);
void sbx_stats_request_ends(sbx_stats *stats);
/* Waits until no API request is in flight (MHD ends a request after its answer is sent, so a
 * client may see the answer first), at most timeout_ms; whether none is. */
bool sbx_stats_wait_idle(sbx_stats *stats, unsigned timeout_ms);
/* API requests begun so far, of every operation. */
unsigned long sbx_stats_requests_total(sbx_stats *stats);
/* An answer was sent; code may be NULL for a success. */
void sbx_stats_answered(sbx_stats *stats, unsigned status, const char *code);
void sbx_stats_fault(sbx_stats *stats, sbx_fault_kind kind);

/* Adds the counts to object (requests, statuses, codes, rate_limited, connections_opened,
 * in_flight, max_in_flight, faults). */
void sbx_stats_to_json(sbx_stats *stats, cJSON *object);

/* Zeroes every count but in_flight, which belongs to requests still running. */
void sbx_stats_reset(sbx_stats *stats);

const char *sbx_op_name(sbx_op op);

#endif
