#include "sbx_stats.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void sbx_stats_init(sbx_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    stats->codes = cJSON_CreateObject();
    pthread_mutex_init(&stats->lock, NULL);
    pthread_cond_init(&stats->idle, NULL);
}

void sbx_stats_cleanup(sbx_stats *stats)
{
    cJSON_Delete(stats->codes);
    pthread_cond_destroy(&stats->idle);
    pthread_mutex_destroy(&stats->lock);
}

void sbx_stats_connection_opened(sbx_stats *stats)
{
    pthread_mutex_lock(&stats->lock);
    stats->connections_opened++;
    pthread_mutex_unlock(&stats->lock);
}

void sbx_stats_request_begins(sbx_stats *stats, sbx_op op)
{
    pthread_mutex_lock(&stats->lock);
    stats->requests[op]++;
    if (++stats->in_flight > stats->max_in_flight) stats->max_in_flight = stats->in_flight;
    pthread_mutex_unlock(&stats->lock);
}

void sbx_stats_request_ends(sbx_stats *stats)
{
    pthread_mutex_lock(&stats->lock);
    if (--stats->in_flight == 0) pthread_cond_broadcast(&stats->idle);
    pthread_mutex_unlock(&stats->lock);
}

bool sbx_stats_wait_idle(sbx_stats *stats, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&stats->lock);
    int waited = 0;
    while (stats->in_flight && waited == 0) waited = pthread_cond_timedwait(&stats->idle, &stats->lock, &until);
    bool idle = stats->in_flight == 0;
    pthread_mutex_unlock(&stats->lock);
    return idle;
}

unsigned long sbx_stats_requests_total(sbx_stats *stats)
{
    pthread_mutex_lock(&stats->lock);
    unsigned long total = 0;
    for (int op = 0; op < SBX_OP_COUNT; op++) total += stats->requests[op];
    pthread_mutex_unlock(&stats->lock);
    return total;
}

void sbx_stats_answered(sbx_stats *stats, unsigned status, const char *code)
{
    pthread_mutex_lock(&stats->lock);
    if (status < SBX_STATUS_SLOTS) stats->statuses[status]++;
    if (status == 429) stats->rate_limited++;
    if (code) {
        cJSON *count = cJSON_GetObjectItemCaseSensitive(stats->codes, code);
        if (count) cJSON_SetNumberValue(count, count->valuedouble + 1);
        else cJSON_AddNumberToObject(stats->codes, code, 1);
    }
    pthread_mutex_unlock(&stats->lock);
}

void sbx_stats_fault(sbx_stats *stats, sbx_fault_kind kind)
{
    pthread_mutex_lock(&stats->lock);
    stats->faults[kind]++;
    pthread_mutex_unlock(&stats->lock);
}

const char *sbx_op_name(sbx_op op)
{
    static const char *const names[] = {"create", "update", "get", "list", "delete", "deactivate_many",
                                             "reactivate_many", "data_import", "other"};
    return op < SBX_OP_COUNT ? names[op] : "unknown";
}

void sbx_stats_to_json(sbx_stats *stats, cJSON *object)
{
    pthread_mutex_lock(&stats->lock);
    cJSON *requests = cJSON_AddObjectToObject(object, "requests");
    unsigned long total = 0;
    for (int op = 0; op < SBX_OP_COUNT; op++) {
        cJSON_AddNumberToObject(requests, sbx_op_name(op), (double)stats->requests[op]);
        total += stats->requests[op];
    }
    cJSON_AddNumberToObject(requests, "total", (double)total);
    cJSON *statuses = cJSON_AddObjectToObject(object, "statuses");
    for (unsigned s = 0; s < SBX_STATUS_SLOTS; s++) {
        if (!stats->statuses[s]) continue;
        char key[8];
        snprintf(key, sizeof key, "%u", s);
        cJSON_AddNumberToObject(statuses, key, (double)stats->statuses[s]);
    }
    cJSON_AddItemToObject(object, "codes", cJSON_Duplicate(stats->codes, true));
    cJSON_AddNumberToObject(object, "rate_limited", (double)stats->rate_limited);
    cJSON_AddNumberToObject(object, "connections_opened", (double)stats->connections_opened);
    cJSON_AddNumberToObject(object, "in_flight", (double)stats->in_flight);
    cJSON_AddNumberToObject(object, "max_in_flight", (double)stats->max_in_flight);
    cJSON *faults = cJSON_AddObjectToObject(object, "faults");
    for (int k = SBX_FAULT_ERROR; k < SBX_FAULT_KIND_COUNT; k++)
        cJSON_AddNumberToObject(faults, sbx_fault_name(k), (double)stats->faults[k]);
    pthread_mutex_unlock(&stats->lock);
}

void sbx_stats_reset(sbx_stats *stats)
{
    pthread_mutex_lock(&stats->lock);
    unsigned long in_flight = stats->in_flight;
    memset(stats->requests, 0, sizeof stats->requests);
    memset(stats->statuses, 0, sizeof stats->statuses);
    memset(stats->faults, 0, sizeof stats->faults);
    stats->rate_limited = stats->connections_opened = 0;
    stats->in_flight = stats->max_in_flight = in_flight;
    cJSON_Delete(stats->codes);
    stats->codes = cJSON_CreateObject();
    pthread_mutex_unlock(&stats->lock);
}
