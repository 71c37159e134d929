#include "cci/import.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cci/client.h"
#include "cci/csv_reader.h"
#include "cci/fingerprint.h"
#include "cci/journal.h"
#include "cci/mapping.h"
#include "cci/pool.h"
#include "cci/progress.h"
#include "cci/reorder.h"
#include "cci/report.h"
#include "cci/send.h"
#include "cci/signals.h"
#include "cci/stop.h"
#include "cci/strmap.h"
#include "cci/user.h"

enum { ROWS_PER_WORKER_IN_FLIGHT = 64, FIRST_PROBLEMS = 10, DRY_RUN_SAMPLES = 3 };

/* Everything the reader, the workers and the emitter share for one run. */
typedef struct run {
    const cci_options *opts; /* read-only */
    cci_mapping mapping;     /* read-only once built */
    cci_reorder *reorder;    /* thread-safe inside */
    /* touched only by emit_row, which the reorder serialises */
    cci_report *report;
    cci_rejects *rejects;
    /* rows finished per action: written by emit_row only, read by the progress display too */
    atomic_ulong counts[CCI_ACTION_COUNT];
    bool write_failed;
    char **problems; /* "line N: message" of the first invalid or failed rows (all with --verbose) */
    size_t problem_count, problem_cap;
    char *samples[DRY_RUN_SAMPLES]; /* the first rows a dry run would send */
    size_t sample_count;
    cci_dialect dialect; /* how the input is written; set once the header is read */
    cci_stop *stop;         /* thread-safe: a fatal answer or an interruption, once for everyone */
    cci_journal *journal;   /* lookups read-only, appends thread-safe; NULL when there is none */
    const char *state_path; /* the journal's file, for the summary */
    cci_send_shared shared; /* the workers' limiter, retry budget, update gate and counters */
} run;

/* One row on its way from the reader to the report. */
typedef struct row_item {
    run *run;
    size_t seq;
    cci_outcome outcome;
    cci_saved_row *saved; /* the original cells, for the rejects file */
    char *create_body, *update_body;
    char fingerprint[CCI_FINGERPRINT_LEN + 1];
    bool known; /* the journal knows the uid in this target */
} row_item;

static void say(FILE *messages, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *messages, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cometchat-import: ", messages);
    vfprintf(messages, fmt, ap);
    fputc('\n', messages);
    va_end(ap);
}

/* ---- the key ---- */

static void trim_end(char *text)
{
    size_t len = strlen(text);
    while (len && strchr(" \t\r\n", text[len - 1])) text[--len] = '\0';
}

char *cci_read_api_key(const cci_options *opts, char *err, size_t errlen)
{
    if (opts->api_key_file) {
        FILE *file = fopen(opts->api_key_file, "r");
        if (!file) {
            snprintf(err, errlen, "cannot read --api-key-file %s: %s", opts->api_key_file, strerror(errno));
            return NULL;
        }
        char buffer[1024] = "";
        size_t got = fread(buffer, 1, sizeof buffer - 1, file);
        fclose(file);
        buffer[got] = '\0';
        trim_end(buffer);
        char *start = buffer + strspn(buffer, " \t\r\n");
        if (!*start || strpbrk(start, "\r\n")) {
            snprintf(err, errlen, "--api-key-file %s must hold the key alone on one line", opts->api_key_file);
            return NULL;
        }
        char *key = strdup(start);
        memset(buffer, 0, sizeof buffer);
        return key;
    }
    const char *env = getenv("COMETCHAT_API_KEY");
    if (!env || !*env) {
        snprintf(err, errlen, "no API key: set COMETCHAT_API_KEY or use --api-key-file PATH");
        return NULL;
    }
    char *key = strdup(env);
    if (key) trim_end(key);
    return key;
}

/* ---- paths ---- */

/* INPUT with its extension replaced by suffix (".report.csv"); "stdin" for standard input. */
static char *derived_path(const char *input, const char *suffix)
{
    const char *base = strcmp(input, "-") == 0 ? "stdin" : input;
    const char *slash = strrchr(base, '/');
    const char *dot = strrchr(base, '.');
    size_t stem = dot && (!slash || dot > slash + 1) ? (size_t)(dot - base) : strlen(base);
    size_t len = stem + strlen(suffix) + 1;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%.*s%s", (int)stem, base, suffix);
    return path;
}

/* ---- the report side: runs under the reorder's lock, one row at a time, in order ---- */

static void emit_row(void *item_ptr, void *ctx)
{
    row_item *item = item_ptr;
    run *r = ctx;
    cci_outcome *o = &item->outcome;
    atomic_fetch_add(&r->counts[o->action], 1);
    bool problem = o->action == CCI_ACTION_INVALID || o->action == CCI_ACTION_FAILED;
    if (problem && r->problem_count == r->problem_cap && (r->opts->verbose || r->problem_cap < FIRST_PROBLEMS)) {
        size_t cap = r->problem_cap ? r->problem_cap * 2 : FIRST_PROBLEMS;
        char **grown = realloc(r->problems, cap * sizeof *grown);
        if (grown) r->problems = grown, r->problem_cap = cap;
    }
    char **kept = problem && r->problem_count < r->problem_cap ? &r->problems[r->problem_count++]
                  : r->opts->dry_run && o->action == CCI_ACTION_SKIPPED && r->sample_count < DRY_RUN_SAMPLES
                      ? &r->samples[r->sample_count++]
                      : NULL;
    if (kept) {
        const char *text = o->message ? o->message : o->error_code;
        size_t len = strlen(text) + 32;
        if ((*kept = malloc(len))) snprintf(*kept, len, "line %lu: %s", o->line, text);
    }
    if (!cci_report_write(r->report, o)) r->write_failed = true;
    if ((o->action == CCI_ACTION_INVALID || o->action == CCI_ACTION_FAILED) && r->rejects && item->saved &&
        !cci_rejects_write(r->rejects, item->saved, o->message ? o->message : o->error_code))
        r->write_failed = true;
    free(o->message);
    free(item->saved);
    free(item->create_body);
    free(item->update_body);
    free(item);
}

static void skip(cci_outcome *outcome, const char *why)
{
    outcome->action = CCI_ACTION_SKIPPED;
    free(outcome->message);
    outcome->message = strdup(why);
}

/* ---- the workers ---- */

static void send_job(void *job, void *worker_state)
{
    row_item *item = job;
    run *r = item->run;
    cci_send_request request = {item->outcome.uid, item->create_body, item->update_body,
                                item->fingerprint, item->known};
    cci_send_row(&r->shared, worker_state, &request, &item->outcome);
    cci_reorder_complete(r->reorder, item->seq, item);
}

/* ---- the reader side ---- */

static bool empty_record(const cci_record *record)
{
    for (size_t i = 0; i < record->count; i++)
        for (size_t j = 0; j < record->cells[i].len; j++)
            if (!strchr(" \t\r\n", record->cells[i].text[j])) return false;
    return true;
}

/* An input being read: the file (or standard input) and its CSV reader. */
typedef struct input {
    FILE *file;
    cci_csv_reader *reader;
} input;

static bool open_reader(const cci_options *opts, input *in, FILE *messages)
{
    *in = (input){0};
    if (strcmp(opts->input, "-") == 0) {
        in->file = stdin;
    } else if (!(in->file = fopen(opts->input, "rb"))) {
        say(messages, "cannot open %s: %s", opts->input, strerror(errno));
        return false;
    }
    char err[400];
    in->reader = cci_csv_reader_new(in->file, opts->delimiter, opts->encoding, err, sizeof err);
    if (!in->reader) say(messages, "%s", err);
    return in->reader != NULL;
}

static void close_reader(input *in)
{
    cci_csv_reader_free(in->reader);
    if (in->file && in->file != stdin) fclose(in->file);
    *in = (input){0};
}

/* Reads the header line and builds the mapping from it. */
static bool read_header(const cci_options *opts, input *in, cci_record *header,
                        cci_mapping *mapping, FILE *messages)
{
    cci_read_status read = cci_csv_reader_next(in->reader, header);
    if (read != CCI_READ_RECORD) {
        say(messages, "%s: %s; nothing was sent", opts->input,
            read == CCI_READ_ERROR ? cci_csv_reader_error(in->reader)
                                   : "empty: it needs a header line naming the columns");
        return false;
    }
    char err[512];
    if (!cci_mapping_init(mapping, header, opts->maps, opts->map_count,
                          opts->mode != CCI_MODE_UPDATE, err, sizeof err)) {
        say(messages, "%s: %s", opts->input, err);
        return false;
    }
    return true;
}

/* The preflight of a file, before anything is sent: the header maps, every line parses and
 * decodes. Returns the number of records after the header, or -1 (said why). */
static long preflight(const cci_options *opts, FILE *messages)
{
    input in;
    if (!open_reader(opts, &in, messages)) return -1;
    cci_record record;
    cci_mapping mapping = {0};
    long rows = -1;
    if (read_header(opts, &in, &record, &mapping, messages)) {
        cci_read_status status;
        rows = 0;
        while ((status = cci_csv_reader_next(in.reader, &record)) == CCI_READ_RECORD) rows++;
        if (status == CCI_READ_ERROR) {
            say(messages, "%s: %s; nothing was sent", opts->input, cci_csv_reader_error(in.reader));
            rows = -1;
        }
    }
    cci_mapping_cleanup(&mapping);
    close_reader(&in);
    return rows;
}

static void warn_unknown_columns(const cci_mapping *m, FILE *messages)
{
    for (size_t i = 0; i < m->unknown_count; i++) {
        if (m->unknown[i].suggestion)
            say(messages, "warning: column \"%s\" is not a CometChat field and is ignored; did you mean \"%s\"? (--map \"%s=%s\")",
                m->unknown[i].header, m->unknown[i].suggestion, m->unknown[i].header, m->unknown[i].suggestion);
        else
            say(messages, "warning: column \"%s\" is not a CometChat field and is ignored (--map \"%s=FIELD\" to use it)",
                m->unknown[i].header, m->unknown[i].header);
    }
}

static const char *dry_run_verb(cci_mode mode)
{
    return mode == CCI_MODE_CREATE ? "would create" : mode == CCI_MODE_UPDATE ? "would update"
                                                                               : "would create (or update if the uid exists)";
}

/* Decides one record: invalid, duplicate, dry run, skipped, or queued for the workers.
 * Returns the item when it must go to the pool, NULL when it was completed here. */
static row_item *decide(run *r, const cci_record *record, cci_strmap *uids)
{
    row_item *item = calloc(1, sizeof *item);
    if (!item) return NULL;
    item->run = r;
    item->outcome.line = record->line;
    item->seq = cci_reorder_reserve(r->reorder);

    char problems[2048];
    cci_user user;
    bool valid = cci_user_build(&user, &r->mapping, record, r->opts->mode != CCI_MODE_UPDATE,
                                problems, sizeof problems);
    snprintf(item->outcome.uid, sizeof item->outcome.uid, "%s", user.uid);
    /* the original cells, for the rejects file: for rows that may end there */
    uintptr_t first_line = user.uid[0] ? (uintptr_t)cci_strmap_get(uids, user.uid) : 0;
    if (!valid || first_line || !r->opts->dry_run) item->saved = cci_saved_row_new(record);
    if (!valid) {
        item->outcome.action = CCI_ACTION_INVALID;
        item->outcome.message = strdup(problems);
    } else if (first_line) {
        char message[256];
        snprintf(message, sizeof message,
                 "uid \"%s\" was already given on line %lu (uids ignore letter case); this row is not sent",
                 user.uid, (unsigned long)first_line);
        item->outcome.action = CCI_ACTION_INVALID;
        item->outcome.message = strdup(message);
    } else {
        cci_strmap_put(uids, user.uid, (void *)(uintptr_t)record->line);
        item->update_body = cci_user_body(&user, false);
        if (!item->update_body) item->update_body = strdup("{}");
        cci_fingerprint_of_text(item->update_body, strlen(item->update_body), item->fingerprint);
        const char *journaled = r->journal ? cci_journal_lookup(r->journal, user.uid) : NULL;
        item->known = journaled != NULL; /* --force still sends an update, not a create, first */
        if (journaled && !r->opts->force && strcmp(journaled, item->fingerprint) == 0) {
            /* the journal says this target already holds exactly this */
            item->outcome.action = CCI_ACTION_UNCHANGED;
            cci_user_cleanup(&user);
            cci_reorder_complete(r->reorder, item->seq, item);
            return NULL;
        }
        item->create_body = cci_user_body(&user, true);
        if (r->opts->dry_run) {
            bool as_update = r->opts->mode == CCI_MODE_UPDATE || (item->known && r->opts->mode == CCI_MODE_UPSERT);
            const char *body = as_update ? item->update_body : item->create_body;
            size_t len = strlen(body) + 128;
            item->outcome.message = malloc(len);
            if (item->outcome.message)
                snprintf(item->outcome.message, len, "dry run: %s %s",
                         as_update ? "would update" : dry_run_verb(r->opts->mode), body);
            item->outcome.action = CCI_ACTION_SKIPPED;
        } else if (cci_stop_requested(r->stop)) {
            skip(&item->outcome, "not sent: the run stopped early");
        } else {
            cci_user_cleanup(&user);
            return item;
        }
    }
    cci_user_cleanup(&user);
    cci_reorder_complete(r->reorder, item->seq, item);
    return NULL;
}

typedef struct totals {
    unsigned long empty_rows;
    bool structural_error;
} totals;

/* The import pass. */
static bool import_rows(run *r, cci_csv_reader *reader, cci_pool *pool, totals *t, FILE *messages)
{
    cci_strmap *uids = cci_strmap_new(NULL);
    if (!uids) return false;
    cci_record record;
    cci_read_status status;
    while ((status = cci_csv_reader_next(reader, &record)) == CCI_READ_RECORD) {
        if (empty_record(&record)) {
            t->empty_rows++;
            continue;
        }
        row_item *item = decide(r, &record, uids);
        if (item && !cci_pool_submit(pool, item)) {
            skip(&item->outcome, "not sent: the run stopped early");
            cci_reorder_complete(r->reorder, item->seq, item);
        }
    }
    if (status == CCI_READ_ERROR) {
        say(messages, "%s: %s", r->opts->input, cci_csv_reader_error(reader));
        t->structural_error = true;
    }
    cci_strmap_free(uids);
    return true;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static const char *delimiter_name(char delimiter)
{
    switch (delimiter) {
    case ',': return "comma";
    case ';': return "semicolon";
    case '\t': return "TAB";
    case '|': return "pipe";
    default: return "other";
    }
}

/* Everything the summary says, gathered once for the table and for --summary-json. */
typedef struct summary {
    unsigned long rows, counts[CCI_ACTION_COUNT], empty_rows, rejected;
    unsigned long creates, updates, retries, rate_limited;
    double paused_s, seconds;
    const char *report, *rejects, *state;
    unsigned long known_before;
} summary;

static summary gather(const run *r, const totals *t, double seconds, const char *report_path,
                      const char *rejects_path, unsigned long rejected)
{
    summary s = {.empty_rows = t->empty_rows, .rejected = rejected, .seconds = seconds,
                 .report = report_path, .rejects = rejected ? rejects_path : NULL,
                 .state = r->journal && !r->opts->dry_run ? r->state_path : NULL};
    for (int a = 0; a < CCI_ACTION_COUNT; a++) s.rows += (s.counts[a] = atomic_load(&r->counts[a]));
    s.creates = atomic_load(&r->shared.requests[CCI_BUDGET_CORE]);
    s.updates = atomic_load(&r->shared.requests[CCI_BUDGET_STANDARD]);
    s.retries = atomic_load(&r->shared.retries.spent);
    cci_limiter_stats limits = r->shared.limiter ? cci_limiter_stats_of(r->shared.limiter) : (cci_limiter_stats){0};
    s.rate_limited = limits.rate_limited;
    s.paused_s = (double)limits.paused_ms / 1000.0;
    s.known_before = r->journal ? cci_journal_stats_of(r->journal).known : 0;
    return s;
}

static void print_summary(const run *r, const summary *s, FILE *messages)
{
    const cci_dialect *d = &r->dialect;
    say(messages, "read %s as %s%s, %s-separated%s, %s line ends", r->opts->input, d->encoding.name,
        d->encoding.bom ? " with a byte order mark" : "", delimiter_name(d->delimiter),
        d->sep_line ? " (by its sep= line)" : "",
        d->encoding.line_end == CCI_LINE_END_CRLF ? "CRLF" : d->encoding.line_end == CCI_LINE_END_CR ? "CR" : "LF");
    say(messages, "%lu rows read: %lu created, %lu updated, %lu unchanged, %lu exists, %lu invalid, %lu failed, %lu skipped",
        s->rows, s->counts[CCI_ACTION_CREATED], s->counts[CCI_ACTION_UPDATED],
        s->counts[CCI_ACTION_UNCHANGED], s->counts[CCI_ACTION_EXISTS], s->counts[CCI_ACTION_INVALID],
        s->counts[CCI_ACTION_FAILED], s->counts[CCI_ACTION_SKIPPED]);
    if (s->empty_rows) fprintf(messages, "  %-10s %lu empty rows ignored\n", "empty", s->empty_rows);
    if (s->counts[CCI_ACTION_UNCHANGED])
        fprintf(messages, "  %-10s %lu rows unchanged since the last run: nothing was sent for them\n",
                "unchanged", s->counts[CCI_ACTION_UNCHANGED]);
    if (r->opts->dry_run)
        fprintf(messages, "  %-10s nothing was sent; %lu rows would be sent (the report says what)\n",
                "dry run", s->counts[CCI_ACTION_SKIPPED]);
    fprintf(messages, "  %-10s %lu (core: %lu create, standard: %lu update); %lu retries, %lu rate-limited (429), %.1f s paused by rate limits\n",
            "requests", s->creates + s->updates, s->creates, s->updates, s->retries, s->rate_limited, s->paused_s);
    fprintf(messages, "  %-10s %.1f s (%.0f rows/s)\n", "time", s->seconds,
            s->seconds > 0 ? (double)s->rows / s->seconds : 0.0);
    fprintf(messages, "  %-10s %s\n", "report", s->report);
    if (s->rejects) fprintf(messages, "  %-10s %s (%lu rows to fix and feed back)\n", "rejects", s->rejects, s->rejected);
    if (s->state)
        fprintf(messages, "  %-10s %s (%lu users of this target known before the run)%s\n", "state", s->state,
                s->known_before, r->opts->force ? "; --force: every row was sent" : "");
}

/* --summary-json: the summary for scripts. */
static bool write_summary_json(const char *path, const run *r, const summary *s, int status)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "input", r->opts->input);
    cJSON_AddNumberToObject(root, "exit_status", status);
    cJSON_AddNumberToObject(root, "rows", (double)s->rows);
    cJSON *actions = cJSON_AddObjectToObject(root, "actions");
    for (int a = 0; a < CCI_ACTION_COUNT; a++) cJSON_AddNumberToObject(actions, cci_action_name(a), (double)s->counts[a]);
    cJSON_AddNumberToObject(root, "empty_rows", (double)s->empty_rows);
    cJSON *requests = cJSON_AddObjectToObject(root, "requests");
    cJSON_AddNumberToObject(requests, "core", (double)s->creates);
    cJSON_AddNumberToObject(requests, "standard", (double)s->updates);
    cJSON_AddNumberToObject(requests, "total", (double)(s->creates + s->updates));
    cJSON_AddNumberToObject(root, "retries", (double)s->retries);
    cJSON_AddNumberToObject(root, "rate_limited", (double)s->rate_limited);
    cJSON_AddNumberToObject(root, "paused_seconds", s->paused_s);
    cJSON_AddNumberToObject(root, "elapsed_seconds", s->seconds);
    cJSON_AddNumberToObject(root, "rows_per_second", s->seconds > 0 ? (double)s->rows / s->seconds : 0);
    cJSON_AddStringToObject(root, "report", s->report);
    if (s->rejects) cJSON_AddStringToObject(root, "rejects", s->rejects);
    if (s->state) cJSON_AddStringToObject(root, "state", s->state);
    cJSON_AddBoolToObject(root, "dry_run", r->opts->dry_run);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *file = text ? fopen(path, "w") : NULL;
    bool ok = file && fputs(text, file) >= 0 && fputc('\n', file) != EOF;
    if (file) ok = (fclose(file) == 0) && ok;
    free(text);
    return ok;
}

static void print_problems(const run *r, FILE *messages)
{
    if (r->sample_count) say(messages, "what a run would send, for example:");
    for (size_t i = 0; i < r->sample_count; i++) fprintf(messages, "  %s\n", r->samples[i] ? r->samples[i] : "");
    if (!r->problem_count) return;
    unsigned long total = atomic_load(&r->counts[CCI_ACTION_INVALID]) + atomic_load(&r->counts[CCI_ACTION_FAILED]);
    say(messages, "%s problems%s:", total > r->problem_count ? "the first" : "the",
        total > r->problem_count ? " (all of them are in the report, or here with --verbose)" : "");
    for (size_t i = 0; i < r->problem_count; i++) fprintf(messages, "  %s\n", r->problems[i] ? r->problems[i] : "");
}

static int exit_status(const run *r, const totals *t)
{
    if (t->structural_error) return CCI_EXIT_USAGE;
    if (cci_stop_requested(r->stop) || r->write_failed) return CCI_EXIT_STOPPED;
    if (atomic_load(&r->counts[CCI_ACTION_INVALID]) || atomic_load(&r->counts[CCI_ACTION_FAILED]))
        return CCI_EXIT_ROWS_FAILED;
    return CCI_EXIT_OK;
}

/* Makes one worker state (its own client and random numbers) per worker. */
static bool make_workers(cci_worker *workers, size_t count, const cci_options *opts,
                         const char *api_key, FILE *messages)
{
    char err[256];
    char *base = cci_client_base_url(opts->base_url, opts->app_id, opts->region);
    if (!base) {
        say(messages, "out of memory");
        return false;
    }
    uint64_t seed = (uint64_t)cci_wall_ms() ^ ((uint64_t)getpid() << 32);
    for (size_t i = 0; i < count; i++) {
        workers[i].random = seed + 0x9E3779B97F4A7C15ULL * (i + 1);
        workers[i].client = cci_client_new(base, api_key, (long)opts->timeout_ms, err, sizeof err);
        if (!workers[i].client) {
            say(messages, "%s", err);
            free(base);
            return false;
        }
    }
    free(base);
    return true;
}

/* The progress display the options and the terminal call for, or none. */
static cci_progress_display *start_progress(run *r, long expected_rows, FILE *messages)
{
    const cci_options *opts = r->opts;
    bool terminal = isatty(fileno(messages));
    if (opts->progress == CCI_PROGRESS_NEVER || (opts->progress == CCI_PROGRESS_AUTO && opts->quiet))
        return NULL;
    bool live = opts->progress == CCI_PROGRESS_ALWAYS || terminal;
    cci_progress_source source = {.counts = r->counts, .total = expected_rows, .limiter = r->shared.limiter};
    return cci_progress_start(messages, live, source);
}

/* The journal beside the report: users.report.csv -> users.state. */
static char *derived_state_path(const char *report_path)
{
    if (!report_path) return NULL;
    size_t len = strlen(report_path);
    const char *suffix = ".report.csv";
    size_t stem = len >= strlen(suffix) && strcmp(report_path + len - strlen(suffix), suffix) == 0
                      ? len - strlen(suffix)
                      : len;
    if (stem == len) {
        const char *dot = strrchr(report_path, '.'), *slash = strrchr(report_path, '/');
        if (dot && (!slash || dot > slash + 1)) stem = (size_t)(dot - report_path);
    }
    char *path = malloc(stem + 8);
    if (path) snprintf(path, stem + 8, "%.*s.state", (int)stem, report_path);
    return path;
}

static bool open_journal(run *r, const char *path, FILE *messages)
{
    const cci_options *opts = r->opts;
    char target[17], err[512];
    cci_journal_target(opts->base_url, opts->app_id, opts->region, target);
    r->journal = cci_journal_open(path, target, opts->dry_run, err, sizeof err);
    if (!r->journal) say(messages, "%s", err);
    return r->journal != NULL;
}

/* What the workers share, set up from the options. */
static bool init_shared(run *r, long expected_rows)
{
    const cci_options *opts = r->opts;
    r->shared.mode = opts->mode;
    r->shared.max_retries = opts->retries;
    r->shared.stop = r->stop;
    r->shared.limiter = cci_limiter_new((cci_limiter_config){.rate_per_minute = opts->rate_per_minute,
                                                             .max_wait_ms = opts->max_wait_ms});
    /* enough retries for a bad day of the service, few enough to end a hopeless run */
    unsigned long budget = expected_rows >= 0 ? (unsigned long)expected_rows + 1000 : 1000000;
    unsigned long in_a_row = (unsigned long)opts->workers * (opts->retries + 1) * 2;
    cci_retry_budget_init(&r->shared.retries, budget, in_a_row < 20 ? 20 : in_a_row);
    cci_update_gate_init(&r->shared.gate);
    cci_strategy_init(&r->shared.strategy);
    r->shared.journal = r->journal;
    for (int b = 0; b < CCI_BUDGET_COUNT; b++) atomic_init(&r->shared.requests[b], 0);
    return r->shared.limiter != NULL;
}

int cci_import_run(const cci_options *opts, const char *api_key, FILE *messages)
{
    struct timespec started;
    clock_gettime(CLOCK_MONOTONIC, &started);
    bool from_stdin = strcmp(opts->input, "-") == 0;
    cci_stop *stop = cci_stop_new();
    if (!stop) return CCI_EXIT_USAGE;
    /* first of all, before any thread exists: every thread inherits the blocked signals */
    cci_signals *signals = cci_signals_start(stop, messages);
    /* a file is read twice: nothing is sent unless the whole of it reads and decodes (a dry run
     * sends nothing anyway: its one pass finds the same problems) */
    bool one_pass = from_stdin || opts->dry_run;
    long expected_rows = one_pass ? -1 : preflight(opts, messages);
    if (!one_pass && expected_rows < 0) {
        cci_signals_finish(signals);
        cci_stop_free(stop);
        return CCI_EXIT_USAGE;
    }

    char *report_path = opts->report_path ? strdup(opts->report_path) : derived_path(opts->input, ".report.csv");
    char *rejects_path = opts->rejects_path ? strdup(opts->rejects_path) : derived_path(opts->input, ".rejects.csv");
    input in = {0};
    run r = {.opts = opts, .stop = stop};
    for (int a = 0; a < CCI_ACTION_COUNT; a++) atomic_init(&r.counts[a], 0);
    totals t = {0};
    int status = CCI_EXIT_USAGE;
    size_t workers = opts->dry_run ? 0 : opts->workers;
    cci_worker *worker_states = calloc(workers ? workers : 1, sizeof *worker_states);
    void **states = calloc(workers ? workers : 1, sizeof *states);
    cci_pool *pool = NULL;
    char err[512], kept[1024];
    cci_record header;

    char *state_path = opts->state_path ? strdup(opts->state_path) : derived_state_path(report_path);
    if (!report_path || !rejects_path || !state_path || !worker_states || !states || !r.stop) goto out;
    r.state_path = state_path;
    if (!open_journal(&r, state_path, messages) || !init_shared(&r, expected_rows)) goto out;
    if (!from_stdin && (strcmp(report_path, opts->input) == 0 || strcmp(rejects_path, opts->input) == 0)) {
        say(messages, "the report or rejects file would overwrite the input %s: choose another --report or --rejects", opts->input);
        goto out;
    }
    if (!open_reader(opts, &in, messages) || !read_header(opts, &in, &header, &r.mapping, messages)) goto out;
    if (!opts->quiet) warn_unknown_columns(&r.mapping, messages);
    r.dialect = cci_csv_reader_dialect(in.reader);
    if (!(r.rejects = cci_rejects_new(rejects_path, &r.dialect, opts->rejects_encoding, &header, kept,
                                      sizeof kept, err, sizeof err))) {
        say(messages, "%s", err);
        goto out;
    }
    if (kept[0] && !opts->quiet) say(messages, "the earlier rejects file was kept as %s", kept);
    if (!(r.report = cci_report_open(report_path, kept, sizeof kept, err, sizeof err))) {
        say(messages, "%s", err);
        goto out;
    }
    if (kept[0] && !opts->quiet) say(messages, "the earlier report was kept as %s", kept);
    if (!(r.reorder = cci_reorder_new(ROWS_PER_WORKER_IN_FLIGHT * (workers ? workers : 1), emit_row, &r))) goto out;
    if (workers) {
        if (!make_workers(worker_states, workers, opts, api_key, messages)) goto out;
        for (size_t i = 0; i < workers; i++) states[i] = &worker_states[i];
        if (!(pool = cci_pool_start(workers, workers * 4, send_job, states))) {
            say(messages, "cannot start %zu worker threads", workers);
            goto out;
        }
    }
    cci_progress_display *progress = start_progress(&r, expected_rows, messages);
    import_rows(&r, in.reader, pool, &t, messages);
    if (pool) cci_pool_finish(pool);
    pool = NULL;
    cci_reorder_wait_all(r.reorder);
    cci_progress_finish(progress);
    unsigned long rejected = cci_rejects_count(r.rejects);
    if (!cci_report_close(r.report)) r.write_failed = true;
    if (!cci_rejects_close(r.rejects)) r.write_failed = true;
    r.report = NULL;
    r.rejects = NULL;
    if (r.write_failed) say(messages, "could not write %s or %s completely", report_path, rejects_path);
    if (cci_stop_requested(r.stop)) {
        cci_stop_reason(r.stop, err, sizeof err);
        say(messages, "stopped early: %s; the rows not sent are marked skipped", err);
    }
    if (cci_update_gate_state(&r.shared.gate) == CCI_UPDATES_REFUSED)
        say(messages, "the API key may only create users (an Auth Key): rows whose uid already "
                      "existed were not updated and are marked failed; use a REST API key with "
                      "full access to update them");
    summary totals_said = gather(&r, &t, seconds_since(&started), report_path, rejects_path, rejected);
    if (!opts->quiet) {
        print_summary(&r, &totals_said, messages);
        print_problems(&r, messages);
    }
    status = exit_status(&r, &t);
    if (opts->summary_json && !write_summary_json(opts->summary_json, &r, &totals_said, status)) {
        say(messages, "cannot write --summary-json %s", opts->summary_json);
        if (status == CCI_EXIT_OK) status = CCI_EXIT_STOPPED;
    }
out:
    if (pool) cci_pool_finish(pool);
    cci_signals_finish(signals);
    for (size_t i = 0; i < workers; i++) cci_client_free(worker_states[i].client);
    free(worker_states);
    free(states);
    cci_report_close(r.report);
    cci_rejects_close(r.rejects);
    cci_reorder_free(r.reorder);
    cci_mapping_cleanup(&r.mapping);
    cci_limiter_free(r.shared.limiter);
    if (r.shared.limiter) {
        cci_update_gate_cleanup(&r.shared.gate);
        cci_strategy_cleanup(&r.shared.strategy);
    }
    if (!cci_journal_close(r.journal) && status == CCI_EXIT_OK) {
        say(messages, "could not write the state journal %s completely", state_path ? state_path : "");
        status = CCI_EXIT_STOPPED;
    }
    free(state_path);
    cci_stop_free(r.stop);
    for (size_t i = 0; i < r.problem_count; i++) free(r.problems[i]);
    free(r.problems);
    for (size_t i = 0; i < r.sample_count; i++) free(r.samples[i]);
    close_reader(&in);
    free(report_path);
    free(rejects_path);
    return status;
}
