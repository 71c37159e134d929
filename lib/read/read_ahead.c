/* pthread_setname_np */
#define _GNU_SOURCE
#include "read/read_ahead.h"
#include "util/grow.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Records copied back to back: cells and texts in arrays of their own, pointed at once full. */
typedef struct batch {
    cci_record *records;
    size_t count, records_cap;
    cci_cell *cells;
    size_t cells_used, cells_cap;
    char *text; /* each cell's bytes and its NUL */
    size_t text_used, text_cap;
    bool preparing;      /* work was done on this batch's records */
    size_t *prepared_at; /* then where each record's prepared bytes start in prepared */
    size_t prepared_at_cap;
    max_align_t *prepared; /* aligned for whatever prepare writes */
    size_t prepared_used;  /* in bytes */
    size_t prepared_cap;   /* in max_align_t units */
    cci_read_status last; /* CCI_READ_RECORD while batches follow; END or ERROR after the last */
} batch;

enum { BATCHES = 4, BATCH_RECORDS = 512, BATCH_TEXT = 128 * 1024 };

struct cci_read_ahead {
    cci_next_record_fn next; /* the reader's */
    void *source;
    cci_read_ahead_work work; /* prepare NULL: none */
    pthread_t thread;
    batch batches[BATCHES]; /* a ring: the reader fills from filled, the consumer takes from taken */
    /* the consumer's own: */
    size_t taken;   /* batches taken, the one being read included */
    size_t reading; /* its next record in batches[(taken - 1) % BATCHES]; 0 when none is held */
    bool holding;
    /* shared, under lock: */
    pthread_mutex_t lock;
    pthread_cond_t changed; /* a batch filled or given back, or the end */
    size_t filled;          /* batches filled */
    size_t given_back;      /* batches the consumer is done with */
    bool closing;           /* the consumer wants no more */
    bool oom;               /* the reader could not copy a record */
};

/* Whether record's cells lie one after another, each with its NUL, as a reader keeps them: then
 * they are copied at once, not a cell at a time. */
static bool cells_in_a_row(const cci_record *record)
{
    for (size_t i = 1; i < record->count; i++)
        if (record->cells[i].text != record->cells[i - 1].text + record->cells[i - 1].len + 1) return false;
    return true;
}

/* Copies record into b; false when memory ran out. Cells are pointed at their text only once the
 * batch is full (the arrays may move while it fills): until then, a cell's text is an offset. */
static bool keep(batch *b, const cci_record *record)
{
    size_t bytes = 0;
    for (size_t i = 0; i < record->count; i++) bytes += record->cells[i].len + 1;
    if (!cci_grow((void **)&b->records, &b->records_cap, b->count + 1, sizeof *b->records) ||
        !cci_grow((void **)&b->cells, &b->cells_cap, b->cells_used + record->count, sizeof *b->cells) ||
        !cci_grow((void **)&b->text, &b->text_cap, b->text_used + bytes, 1))
        return false;
    b->records[b->count++] = (cci_record){.line = record->line, .count = record->count,
                                          .cells = (const cci_cell *)(uintptr_t)b->cells_used};
    bool at_once = record->count && cells_in_a_row(record);
    if (at_once) memcpy(b->text + b->text_used, record->cells[0].text, bytes);
    for (size_t i = 0; i < record->count; i++) {
        size_t len = record->cells[i].len;
        if (!at_once) memcpy(b->text + b->text_used, record->cells[i].text, len + 1);
        b->cells[b->cells_used++] = (cci_cell){.text = (const char *)(uintptr_t)b->text_used, .len = len};
        b->text_used += len + 1;
    }
    return true;
}

/* Runs the work on record (the source's, before it is copied) into b's prepared bytes, each
 * record's starting aligned. False when memory ran out. */
static bool prepare(const cci_read_ahead_work *work, batch *b, const cci_record *record)
{
    const size_t align = sizeof(max_align_t);
    size_t at = (b->prepared_used + align - 1) / align * align, room = work->bound(work->context, record);
    if (!cci_grow((void **)&b->prepared_at, &b->prepared_at_cap, b->count + 1, sizeof *b->prepared_at) ||
        !cci_grow((void **)&b->prepared, &b->prepared_cap, (at + room + align - 1) / align, align))
        return false;
    b->prepared_at[b->count] = at;
    b->prepared_used = at + work->prepare(work->context, record, (char *)b->prepared + at);
    return true;
}

static void point_cells(batch *b)
{
    for (size_t i = 0; i < b->cells_used; i++) b->cells[i].text = b->text + (uintptr_t)b->cells[i].text;
    for (size_t r = 0; r < b->count; r++) b->records[r].cells = b->cells + (uintptr_t)b->records[r].cells;
}

/* Fills b from the source: until it is full, or the source ends. ahead_by: batches filled that
 * the consumer has not given back (the one it reads included). */
static void fill(cci_read_ahead *ahead, batch *b, size_t ahead_by)
{
    b->count = b->cells_used = b->text_used = b->prepared_used = 0;
    /* a whole batch waits beyond the one being read: the consumer, not this thread, is what the
     * reading waits for, so this thread takes on the work */
    b->preparing = ahead->work.prepare && ahead_by >= 2;
    b->last = CCI_READ_RECORD;
    while (b->count < BATCH_RECORDS && b->text_used < BATCH_TEXT) {
        cci_record record;
        cci_read_status status = ahead->next(ahead->source, &record);
        if (status != CCI_READ_RECORD) {
            b->last = status;
            break;
        }
        if ((b->preparing && !prepare(&ahead->work, b, &record)) || !keep(b, &record)) {
            pthread_mutex_lock(&ahead->lock);
            ahead->oom = true;
            pthread_mutex_unlock(&ahead->lock);
            b->last = CCI_READ_ERROR;
            break;
        }
    }
    point_cells(b);
}

static void *read_batches(void *arg)
{
    cci_read_ahead *ahead = arg;
    pthread_setname_np(pthread_self(), "cci-read-ahead"); /* for top -H and perf */
    for (;;) {
        pthread_mutex_lock(&ahead->lock);
        while (!ahead->closing && ahead->filled - ahead->given_back == BATCHES)
            pthread_cond_wait(&ahead->changed, &ahead->lock);
        bool closing = ahead->closing;
        size_t at = ahead->filled % BATCHES, ahead_by = ahead->filled - ahead->given_back;
        pthread_mutex_unlock(&ahead->lock);
        if (closing) return NULL;
        batch *b = &ahead->batches[at];
        fill(ahead, b, ahead_by); /* not the consumer's until filled counts it */
        pthread_mutex_lock(&ahead->lock);
        ahead->filled++;
        pthread_cond_broadcast(&ahead->changed);
        pthread_mutex_unlock(&ahead->lock);
        if (b->last != CCI_READ_RECORD) return NULL;
    }
}

cci_read_ahead *cci_read_ahead_start(cci_next_record_fn next, void *source, const cci_read_ahead_work *work)
{
    cci_read_ahead *ahead = calloc(1, sizeof *ahead);
    if (!ahead) return NULL;
    ahead->next = next;
    ahead->source = source;
    if (work) ahead->work = *work;
    pthread_mutex_init(&ahead->lock, NULL);
    pthread_cond_init(&ahead->changed, NULL);
    if (pthread_create(&ahead->thread, NULL, read_batches, ahead) != 0) {
        pthread_cond_destroy(&ahead->changed);
        pthread_mutex_destroy(&ahead->lock);
        free(ahead);
        return NULL;
    }
    return ahead;
}

cci_read_status cci_read_ahead_next(cci_read_ahead *ahead, cci_record *record, const void **prepared)
{
    for (;;) {
        batch *b = ahead->holding ? &ahead->batches[(ahead->taken - 1) % BATCHES] : NULL;
        if (b && ahead->reading < b->count) {
            if (prepared)
                *prepared = b->preparing ? (const char *)b->prepared + b->prepared_at[ahead->reading] : NULL;
            *record = b->records[ahead->reading++];
            return CCI_READ_RECORD;
        }
        if (b && b->last != CCI_READ_RECORD) return b->last; /* the end, said again if asked again */
        pthread_mutex_lock(&ahead->lock);
        if (b) { /* done with it: the reader may fill it again */
            ahead->given_back++;
            pthread_cond_broadcast(&ahead->changed);
        }
        while (ahead->filled == ahead->taken) pthread_cond_wait(&ahead->changed, &ahead->lock);
        pthread_mutex_unlock(&ahead->lock);
        ahead->taken++;
        ahead->holding = true;
        ahead->reading = 0;
    }
}

const void *cci_read_ahead_prepared_later(const cci_read_ahead *ahead, size_t later)
{
    const batch *b = ahead->holding ? &ahead->batches[(ahead->taken - 1) % BATCHES] : NULL;
    size_t at = ahead->reading - 1 + later; /* reading is one past the record given last */
    if (!b || !b->preparing || !ahead->reading || at >= b->count) return NULL;
    return (const char *)b->prepared + b->prepared_at[at];
}

bool cci_read_ahead_finish(cci_read_ahead *ahead)
{
    if (!ahead) return true;
    pthread_mutex_lock(&ahead->lock);
    ahead->closing = true;
    pthread_cond_broadcast(&ahead->changed);
    pthread_mutex_unlock(&ahead->lock);
    pthread_join(ahead->thread, NULL);
    bool copied = !ahead->oom;
    for (size_t i = 0; i < BATCHES; i++) {
        free(ahead->batches[i].records);
        free(ahead->batches[i].cells);
        free(ahead->batches[i].text);
        free(ahead->batches[i].prepared_at);
        free(ahead->batches[i].prepared);
    }
    pthread_cond_destroy(&ahead->changed);
    pthread_mutex_destroy(&ahead->lock);
    free(ahead);
    return copied;
}
