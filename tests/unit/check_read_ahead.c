/* Records read ahead by a thread: every one in order with its own cells (the source's buffer is
 * reused at each call, as a reader's is), then the source's END or ERROR; finishing early ends the
 * thread without reading the source to its end. */
#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "read/read_ahead.h"

/* A source of numbered records, cells rewritten in one buffer at each call: one after another, as
 * a reader keeps them, or (every third record) a byte apart. */
typedef struct counting_source {
    unsigned long given, total;
    cci_read_status last;
    char text[300000];
    cci_cell cells[8];
} counting_source;

/* Record n's cell c: its length varies with n (now and then past a batch), its bytes say n and c. */
static size_t cell_len(unsigned long n, size_t c)
{
    return n % 1000 == 999 && c == 1 ? 200000 : (n * 7 + c * 13) % 50;
}

static size_t cell_count(unsigned long n)
{
    return n % 17 == 5 ? 0 : 1 + n % 8; /* now and then no cells at all */
}

static char cell_byte(unsigned long n, size_t c, size_t i)
{
    return (char)('A' + (n + c + i) % 26);
}

static cci_read_status next_counted(void *arg, cci_record *record)
{
    counting_source *source = arg;
    if (source->given == source->total) return source->last;
    unsigned long n = source->given++;
    size_t count = cell_count(n), used = 0;
    for (size_t c = 0; c < count; c++) {
        size_t len = cell_len(n, c);
        for (size_t i = 0; i < len; i++) source->text[used + i] = cell_byte(n, c, i);
        source->text[used + len] = '\0';
        source->cells[c] = (cci_cell){source->text + used, len};
        used += len + 1;
        if (n % 3 == 1) source->text[used++] = '#'; /* cells apart, as a reader's are not */
    }
    *record = (cci_record){.line = n + 2, .count = count, .cells = source->cells};
    return CCI_READ_RECORD;
}

static void check_record(const cci_record *record, unsigned long n)
{
    ck_assert_uint_eq(record->line, n + 2);
    ck_assert_uint_eq(record->count, cell_count(n));
    for (size_t c = 0; c < record->count; c++) {
        ck_assert_uint_eq(record->cells[c].len, cell_len(n, c));
        bool same = true; /* one assertion a cell: Check marks each one it passes */
        for (size_t i = 0; i < record->cells[c].len; i++) same = same && record->cells[c].text[i] == cell_byte(n, c, i);
        ck_assert_msg(same, "line %lu, cell %zu", record->line, c);
        ck_assert_int_eq(record->cells[c].text[record->cells[c].len], '\0');
    }
}

/* _i: 0 the source ends, 1 it breaks */
START_TEST(every_record_arrives_in_order_then_how_the_source_ended)
{
    static counting_source source;
    source = (counting_source){.total = 20000, .last = _i ? CCI_READ_ERROR : CCI_READ_END};
    cci_read_ahead *ahead = cci_read_ahead_start(next_counted, &source, NULL);
    ck_assert_ptr_nonnull(ahead);
    cci_record record;
    unsigned long n = 0;
    cci_read_status status;
    while ((status = cci_read_ahead_next(ahead, &record, NULL)) == CCI_READ_RECORD) check_record(&record, n++);
    ck_assert_uint_eq(n, source.total);
    ck_assert_int_eq(status, source.last);
    ck_assert_int_eq(cci_read_ahead_next(ahead, &record, NULL), source.last); /* and again if asked again */
    ck_assert(cci_read_ahead_finish(ahead));
}
END_TEST

/* How many records are taken before the consumer stops: none, one, about a batch, several. */
static const unsigned long taken_before_stop[] = {0, 1, 511, 512, 513, 1999, 5000};

START_TEST(finishing_early_ends_the_thread_before_the_source_does)
{
    unsigned long taken = taken_before_stop[_i];
    static counting_source source;
    source = (counting_source){.total = 10000000, .last = CCI_READ_END};
    cci_read_ahead *ahead = cci_read_ahead_start(next_counted, &source, NULL);
    ck_assert_ptr_nonnull(ahead);
    cci_record record;
    for (unsigned long n = 0; n < taken; n++) {
        ck_assert_int_eq(cci_read_ahead_next(ahead, &record, NULL), CCI_READ_RECORD);
        check_record(&record, n);
    }
    ck_assert(cci_read_ahead_finish(ahead));
    ck_assert_uint_lt(source.given, source.total); /* read ahead only a few batches */
}
END_TEST

START_TEST(an_empty_source_says_so)
{
    static counting_source source;
    source = (counting_source){.total = 0, .last = CCI_READ_END};
    cci_read_ahead *ahead = cci_read_ahead_start(next_counted, &source, NULL);
    ck_assert_ptr_nonnull(ahead);
    cci_record record;
    ck_assert_int_eq(cci_read_ahead_next(ahead, &record, NULL), CCI_READ_END);
    ck_assert(cci_read_ahead_finish(ahead));
}
END_TEST

/* ---- work done ahead: by the read-ahead's thread while the consumer has a batch waiting ---- */

/* A source of small records that says when it has been asked for `signal_at` of them. */
typedef struct gated_source {
    pthread_mutex_t lock;
    pthread_cond_t reached;
    unsigned long given, total, signal_at;
    char text[32];
    cci_cell cell;
} gated_source;

static cci_read_status next_gated(void *arg, cci_record *record)
{
    gated_source *source = arg;
    pthread_mutex_lock(&source->lock);
    unsigned long n = source->given < source->total ? source->given++ : source->total;
    if (source->given == source->signal_at) pthread_cond_signal(&source->reached);
    pthread_mutex_unlock(&source->lock);
    if (n == source->total) return CCI_READ_END;
    int len = snprintf(source->text, sizeof source->text, "row %lu", n);
    source->cell = (cci_cell){source->text, (size_t)len};
    *record = (cci_record){.line = n + 2, .count = 1, .cells = &source->cell};
    return CCI_READ_RECORD;
}

/* What the work writes: the record's line, then its cell's text. */
typedef struct prepared_line {
    unsigned long line;
    size_t len;
} prepared_line;

static size_t bound_line(const void *context, const cci_record *record)
{
    (void)context;
    return sizeof(prepared_line) + record->cells[0].len + 1;
}

static size_t prepare_line(const void *context, const cci_record *record, void *out)
{
    (void)context;
    prepared_line *line = out;
    *line = (prepared_line){record->line, record->cells[0].len};
    memcpy(line + 1, record->cells[0].text, line->len + 1);
    return sizeof *line + line->len + 1;
}

/* The consumer lets the reader fill batches before it takes any: the reader is then ahead, and
 * prepares; the first batch it filled with no batch waiting, so not its records. What was
 * prepared is each record's own. (The reader is asked to be 1,537 records ahead: at least a third
 * batch, of at most 512 records each, started while two waited.) */
START_TEST(a_reader_ahead_of_its_consumer_prepares_and_each_record_gets_its_own)
{
    static gated_source source;
    source = (gated_source){.total = 20000, .signal_at = 1537};
    pthread_mutex_init(&source.lock, NULL);
    pthread_cond_init(&source.reached, NULL);
    cci_read_ahead_work work = {bound_line, prepare_line, NULL};
    cci_read_ahead *ahead = cci_read_ahead_start(next_gated, &source, &work);
    ck_assert_ptr_nonnull(ahead);
    pthread_mutex_lock(&source.lock);
    while (source.given < source.signal_at) pthread_cond_wait(&source.reached, &source.lock);
    pthread_mutex_unlock(&source.lock);
    cci_record record;
    const void *prepared;
    unsigned long n = 0, prepared_count = 0, later_count = 0;
    while (cci_read_ahead_next(ahead, &record, &prepared) == CCI_READ_RECORD) {
        ck_assert_uint_eq(record.line, n + 2);
        if (n == 0) ck_assert_ptr_null(prepared); /* the first batch: nothing was waiting */
        if (prepared) {
            const prepared_line *line = prepared;
            ck_assert_uint_eq(line->line, record.line);
            ck_assert_uint_eq(line->len, record.cells[0].len);
            ck_assert_str_eq((const char *)(line + 1), record.cells[0].text);
            prepared_count++;
        }
        /* a later record's, where it is known already: that record's own */
        ck_assert_ptr_eq(cci_read_ahead_prepared_later(ahead, 0), prepared);
        for (size_t later = 1; later <= 9; later += 8) {
            const prepared_line *ahead_line = cci_read_ahead_prepared_later(ahead, later);
            if (!ahead_line) continue;
            ck_assert_uint_eq(ahead_line->line, record.line + later);
            later_count++;
        }
        n++;
    }
    ck_assert_uint_eq(n, source.total);
    ck_assert_uint_gt(prepared_count, 0);
    ck_assert_uint_gt(later_count, 0);
    ck_assert(cci_read_ahead_finish(ahead));
    pthread_cond_destroy(&source.reached);
    pthread_mutex_destroy(&source.lock);
}
END_TEST

static Suite *read_ahead_suite(void)
{
    Suite *suite = suite_create("read_ahead");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, every_record_arrives_in_order_then_how_the_source_ended, 0, 2);
    tcase_add_loop_test(tc, finishing_early_ends_the_thread_before_the_source_does, 0,
                        (int)(sizeof taken_before_stop / sizeof *taken_before_stop));
    tcase_add_test(tc, an_empty_source_says_so);
    tcase_add_test(tc, a_reader_ahead_of_its_consumer_prepares_and_each_record_gets_its_own);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(read_ahead_suite)
