/* End to end: liveness under seeded random scenarios (issue 26). Each seed draws a file (new,
 * existing the same or otherwise, dated and undated, invalid rows), a documented variant of the
 * rate headers with budgets small enough that 429s happen, Data Import on or off, workers,
 * --verify, users deactivated or deleted behind the tool's back (before the run, mid-run at a
 * counted request, between runs) and sometimes a SIGINT at a counted request. Every run must end
 * (e2e_wait's watchdog; a bound on the requests counted), exit as documented, and write one report
 * line per row; a rerun without a signal must leave the sandbox holding exactly the file's valid
 * rows. Two deterministic tests are the reproductions, scaled down.
 *
 * Which seeds run: CCI_LIVENESS_SEED=N (that one alone) or CCI_LIVENESS_SEEDS=A-B (inclusive;
 * default 1-50); CK_RUN_CASE=seeds or reproductions picks a part (ctest: check_e2e_liveness runs
 * the reproductions, check_e2e_liveness_seeds_1..5 ten seeds each, side by side under -j). A failing seed's files (the CSV,
 * each run's messages, scenario.txt with the command that reruns it) stay in its directory, which
 * its failure message names (CCI_LIVENESS_KEEP=1 keeps a passing seed's too). Moments are counted
 * in requests the sandbox answered, never in time. */
#include <check.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

/* ---- the sandbox hook: acting after the Kth request of a run ---- */

typedef struct hook {
    sbx_server *server;
    atomic_int pid;          /* the run being watched; 0: none (set last, cleared first) */
    atomic_ulong seen;       /* the highest request count seen */
    /* read by the hook only while pid is set; written only while it is not */
    unsigned long base;      /* the count before the run began */
    unsigned long sigint_at; /* the run's Kth request sends SIGINT; 0: never */
    unsigned long remove_at; /* the run's Kth request removes remove_uid behind its back; 0: never */
    char remove_uid[32];
    bool remove_permanent;
    unsigned long bound; /* a run past this many requests is a runaway: SIGINT, and SIGKILL at twice */
    atomic_bool signalled, runaway;
} hook;

static hook watch;

static void on_api_request(void *arg, unsigned long count)
{
    hook *h = arg;
    unsigned long seen = atomic_load(&h->seen);
    while (seen < count && !atomic_compare_exchange_weak(&h->seen, &seen, count)) {
    }
    int pid = atomic_load(&h->pid);
    if (!pid) return;
    unsigned long at = count - h->base;
    if (h->remove_at && at == h->remove_at) /* the user may not be there (yet, or any more): so be it */
        sbx_server_remove_user(h->server, h->remove_uid, h->remove_permanent);
    if (h->sigint_at && at == h->sigint_at) {
        atomic_store(&h->signalled, true);
        kill(pid, SIGINT);
    }
    if (h->bound && at == h->bound) {
        atomic_store(&h->runaway, true);
        kill(pid, SIGINT);
    }
    if (h->bound && at == 2 * h->bound) kill(pid, SIGKILL);
}

/* Sets the hook up on a config before the sandbox starts. */
static void hook_install(e2e *t)
{
    memset(&watch, 0, sizeof watch);
    t->config.on_api_request = on_api_request;
    t->config.on_api_request_arg = &watch;
}

static void hook_arm(e2e *t, unsigned long sigint_at, unsigned long bound, const char *remove_uid,
                     unsigned long remove_at, bool permanent)
{
    watch.server = t->server;
    watch.base = atomic_load(&watch.seen);
    watch.sigint_at = sigint_at;
    watch.bound = bound;
    watch.remove_at = remove_uid ? remove_at : 0;
    snprintf(watch.remove_uid, sizeof watch.remove_uid, "%s", remove_uid ? remove_uid : "");
    watch.remove_permanent = permanent;
    atomic_store(&watch.signalled, false);
    atomic_store(&watch.runaway, false);
}

/* Spawns the tool with args (NULL-terminated, at most 23) under the armed hook; its exit status. */
static int hooked_run(e2e *t, const char **args, const char **messages)
{
    const char *a[24] = {0};
    for (int i = 0; i < 23 && args[i]; i++) a[i] = args[i];
    int pid = e2e_spawn(t, E2E_KEY, true, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                        a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], NULL);
    atomic_store(&watch.pid, pid);
    int status = e2e_wait(t, pid, messages);
    atomic_store(&watch.pid, 0);
    return status;
}

static unsigned long run_requests(void)
{
    return atomic_load(&watch.seen) - watch.base;
}

/* ---- the scenario ---- */

static uint64_t next_random(uint64_t *state) /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned below(uint64_t *state, unsigned n) /* 0 .. n-1 */
{
    return n ? (unsigned)(next_random(state) % n) : 0;
}

static bool chance(uint64_t *state, unsigned percent)
{
    return below(state, 100) < percent;
}

typedef enum {
    ROW_NEW,       /* absent from the app */
    ROW_SAME,      /* preloaded holding what the row says */
    ROW_DIFFERENT, /* preloaded under another name */
    ROW_BAD_UID,   /* invalid: the uid cell breaks the rules */
    ROW_NO_NAME,   /* invalid: no name */
    ROW_REPEATED,  /* invalid: an earlier valid row's uid, in other letter case */
} row_kind;

static const char *const kind_names[] = {"new", "same", "different", "bad-uid", "no-name", "repeated"};

typedef struct row {
    row_kind kind;
    char uid_cell[48], uid[48]; /* as written; as sent (lowercased, "" for a bad uid) */
    char name[48], preloaded_name[48];
    long created_at, last_active_at; /* the cells; 0: empty */
    long preloaded_created_at;
    bool deactivated_before; /* preloaded, then deactivated before the first run */
} row;

enum { MAX_ROWS = 600, MAX_BETWEEN = 3 };

/* Rows the importer keeps between reading and reporting (its reorder window, lib/run.c): 64 a
 * worker, and 200 more with Data Import on. A row stuck at its head with a window's worth of rows
 * after it is what the scenarios look for; nothing is checked against this figure. */
static int reorder_window(int workers, bool data_import)
{
    return 64 * workers + (data_import ? 200 : 0);
}

typedef struct scenario {
    unsigned seed;
    int n;
    row rows[MAX_ROWS];
    bool created_column, last_active_column;
    int profile;
    unsigned window_ms, core_limit, standard_limit, import_limit;
    bool data_import;
    int workers;
    bool verify_first, reactivate_first;
    unsigned long sigint_at;      /* of the first run; 0: none */
    int midrun_row;               /* -1: none */
    bool midrun_permanent;
    unsigned long midrun_at;
    int between[MAX_BETWEEN];     /* rows whose users go between two runs */
    bool between_permanent[MAX_BETWEEN];
    int between_count;
    bool between_late;            /* after the rerun converged (a third run follows), not after the first */
    bool verify_second, reactivate_second, verify_third, reactivate_third;
    int counts[6];
    char text[1024];              /* the scenario in words */
} scenario;

static bool kind_valid(row_kind kind)
{
    return kind == ROW_NEW || kind == ROW_SAME || kind == ROW_DIFFERENT;
}

/* A valid row at random, or -1 when there is none. */
static int some_valid_row(const scenario *s, uint64_t *state)
{
    int valid = 0;
    for (int i = 0; i < s->n; i++) valid += kind_valid(s->rows[i].kind);
    if (!valid) return -1;
    int pick = (int)below(state, (unsigned)valid);
    for (int i = 0; i < s->n; i++)
        if (kind_valid(s->rows[i].kind) && pick-- == 0) return i;
    return -1;
}

static void describe(scenario *s)
{
    size_t used = 0, len = sizeof s->text;
#define SAY(...) used += (size_t)snprintf(s->text + used, used < len ? len - used : 0, __VA_ARGS__)
    SAY("seed %u: %d rows (", s->seed, s->n);
    for (int k = 0; k < 6; k++) SAY("%s%s %d", k ? ", " : "", kind_names[k], s->counts[k]);
    int dated = 0, deactivated = 0;
    for (int i = 0; i < s->n; i++) {
        dated += s->rows[i].created_at || s->rows[i].last_active_at;
        deactivated += s->rows[i].deactivated_before;
    }
    SAY("; %d dated%s%s; %d deactivated before), profile %s, window %u ms, core %u, standard %u, data import %u "
        "a window, --data-import %s, --workers %d; first run%s%s",
        dated, s->created_column ? ", createdAt" : "", s->last_active_column ? ", lastActiveAt" : "", deactivated,
        e2e_profile_name(s->profile), s->window_ms, s->core_limit, s->standard_limit, s->import_limit,
        s->data_import ? "auto" : "off", s->workers, s->verify_first ? " --verify" : "",
        s->reactivate_first ? " --reactivate" : "");
    if (s->sigint_at) SAY(", SIGINT at request %lu", s->sigint_at);
    if (s->midrun_row >= 0)
        SAY(", %s %s at request %lu", s->midrun_permanent ? "deletes" : "deactivates", s->rows[s->midrun_row].uid,
            s->midrun_at);
    char between[160] = "";
    size_t at = 0;
    for (int b = 0; b < s->between_count; b++)
        at += (size_t)snprintf(between + at, at < sizeof between ? sizeof between - at : 0, "; then %s %s",
                               s->between_permanent[b] ? "deletes" : "deactivates", s->rows[s->between[b]].uid);
    if (!s->between_late) SAY("%s", between);
    SAY("; rerun%s%s", s->verify_second ? " --verify" : "", s->reactivate_second ? " --reactivate" : "");
    if (s->between_late)
        SAY("%s; third run%s%s", between, s->verify_third ? " --verify" : "",
            s->reactivate_third ? " --reactivate" : "");
#undef SAY
}

/* Copies text between fields of one scenario (snprintf's restrict forbids a source inside the
 * destination's object, which GCC cannot tell apart from an overlap). */
static void copy_text(char *out, size_t len, const char *text)
{
    size_t n = strnlen(text, len - 1);
    memmove(out, text, n);
    out[n] = '\0';
}

static void draw_scenario(scenario *s, unsigned seed)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
    uint64_t state = 0x6c69766e657373ull ^ ((uint64_t)seed * 0x2545f4914f6cdd1dull);
    /* small files mostly; one in five past the reorder window of one or two workers */
    unsigned size = below(&state, 100);
    s->n = size < 40 ? 20 + (int)below(&state, 101) : size < 80 ? 121 + (int)below(&state, 180)
                                                      : 301 + (int)below(&state, MAX_ROWS - 300);
    /* the mix, as weights of new, same, different, invalid: mostly new (a first import), mostly
     * existing (a rerun of a corrected file), or anything */
    unsigned w_new, w_same, w_different, w_invalid = chance(&state, 60) ? below(&state, 3) : 0;
    switch (below(&state, 3)) {
    case 0: w_new = 6 + below(&state, 5), w_same = below(&state, 2), w_different = below(&state, 2); break;
    case 1: w_new = 1 + below(&state, 2), w_same = 2 + below(&state, 5), w_different = below(&state, 5); break;
    default: w_new = 1 + below(&state, 10), w_same = below(&state, 4), w_different = below(&state, 4); break;
    }
    unsigned dated_percent = (unsigned[]){0, 0, 10, 20, 30, 50, 50, 100}[below(&state, 8)];
    s->created_column = dated_percent > 0;
    s->last_active_column = dated_percent > 0 && chance(&state, 50);
    s->profile = (int)below(&state, (unsigned)e2e_profile_count());
    s->window_ms = (unsigned[]){250, 500, 1000}[below(&state, 3)];
    s->data_import = chance(&state, 70);
    /* few workers often: the reorder window (reorder_window) is then smaller than a big file */
    s->workers = s->n > 300 ? (int[]){1, 1, 2, 2, 3}[below(&state, 5)]
                            : (int[]){1, 1, 1, 2, 2, 2, 3, 4, 6, 8}[below(&state, 10)];
    s->verify_first = chance(&state, 25);
    unsigned deactivate_percent = chance(&state, 20) ? 10 + below(&state, 30) : 0;

    unsigned total = w_new + w_same + w_different + w_invalid;
    for (int i = 0; i < s->n; i++) {
        row *r = &s->rows[i];
        unsigned pick = below(&state, total);
        r->kind = pick < w_new                          ? ROW_NEW
                  : pick < w_new + w_same               ? ROW_SAME
                  : pick < w_new + w_same + w_different ? ROW_DIFFERENT
                                                        : (row_kind)(ROW_BAD_UID + below(&state, 3));
        if (r->kind == ROW_REPEATED) {
            int earlier = -1, valid = 0;
            for (int j = 0; j < i; j++) valid += kind_valid(s->rows[j].kind);
            if (valid) {
                int at = (int)below(&state, (unsigned)valid);
                for (int j = 0; j < i && earlier < 0; j++)
                    if (kind_valid(s->rows[j].kind) && at-- == 0) earlier = j;
            }
            if (earlier < 0) {
                r->kind = ROW_BAD_UID;
            } else {
                copy_text(r->uid, sizeof r->uid, s->rows[earlier].uid);
                copy_text(r->uid_cell, sizeof r->uid_cell, s->rows[earlier].uid);
                r->uid_cell[0] = (char)(r->uid_cell[0] - 'a' + 'A'); /* uids ignore letter case */
                snprintf(r->name, sizeof r->name, "Again %d", i);
            }
        }
        switch (r->kind) {
        case ROW_NEW:
        case ROW_SAME:
        case ROW_DIFFERENT:
            snprintf(r->uid, sizeof r->uid, "%c%05d", "nsd"[r->kind], i);
            copy_text(r->uid_cell, sizeof r->uid_cell, r->uid);
            if (chance(&state, 15)) r->uid_cell[0] = (char)(r->uid_cell[0] - 'a' + 'A');
            snprintf(r->name, sizeof r->name, "User %d%s", i, chance(&state, 10) ? " \xc3\xa9\xf0\x9f\x99\x82" : "");
            if (r->kind == ROW_SAME) copy_text(r->preloaded_name, sizeof r->preloaded_name, r->name);
            if (r->kind == ROW_DIFFERENT) snprintf(r->preloaded_name, sizeof r->preloaded_name, "Old %d", i);
            if (r->kind != ROW_NEW) {
                r->preloaded_created_at = 1200000000 + (long)below(&state, 100000000);
                r->deactivated_before = chance(&state, deactivate_percent);
            }
            break;
        case ROW_BAD_UID:
            switch (below(&state, 3)) {
            case 0: snprintf(r->uid_cell, sizeof r->uid_cell, "bad uid %d", i); break;
            case 1: snprintf(r->uid_cell, sizeof r->uid_cell, "bad!%d", i); break;
            default: snprintf(r->uid_cell, sizeof r->uid_cell, "b%d.x", i); break;
            }
            snprintf(r->name, sizeof r->name, "Bad %d", i);
            break;
        case ROW_NO_NAME:
            snprintf(r->uid, sizeof r->uid, "x%05d", i);
            copy_text(r->uid_cell, sizeof r->uid_cell, r->uid);
            break;
        case ROW_REPEATED:
            break;
        }
        if (s->created_column && chance(&state, dated_percent)) {
            r->created_at = 1300000000 + (long)below(&state, 400000000);
            if (s->last_active_column && chance(&state, 70))
                r->last_active_at = r->created_at + (long)below(&state, 9999999);
        }
        s->counts[r->kind]++;
    }

    /* budgets that run out once to three times in a run: 429s and waits happen, and a seed stays
     * short (a window's end is told in whole seconds, so each costs up to a second) */
    int news = s->counts[ROW_NEW], updates = s->counts[ROW_DIFFERENT];
    for (int i = 0; i < s->n; i++) updates += s->rows[i].deactivated_before;
    unsigned share = 1 + below(&state, 3);
    s->core_limit = chance(&state, 70) ? 8 + (unsigned)news / share + below(&state, 8) : 4000000000u;
    share = 1 + below(&state, 3);
    s->standard_limit = chance(&state, 50) ? 4 + (unsigned)updates / share + below(&state, 6) : 4000000000u;
    share = 1 + below(&state, 3);
    s->import_limit = chance(&state, 80) ? 1 + (unsigned)news / 50 / share : 60;

    /* the moments, in requests of the first run: about what it sends */
    int to_send = 0;
    for (int i = 0; i < s->n; i++) to_send += s->rows[i].kind == ROW_NEW || s->rows[i].kind == ROW_DIFFERENT;
    unsigned estimate = 2 + (unsigned)(s->data_import ? to_send / 4 : to_send);
    /* early more often than late: a run interrupted with much of its file still unread is the
     * one whose reader, queue and channels must all let go */
    if (chance(&state, 55)) s->sigint_at = 1 + below(&state, 1 + below(&state, estimate));
    s->midrun_row = -1;
    if (chance(&state, 25) && (s->midrun_row = some_valid_row(s, &state)) >= 0) {
        s->midrun_permanent = chance(&state, 50);
        s->midrun_at = 1 + below(&state, estimate);
    }
    if (chance(&state, 40)) {
        s->between_late = chance(&state, 60);
        int want = 1 + (int)below(&state, MAX_BETWEEN);
        for (int b = 0; b < want; b++) {
            int at = some_valid_row(s, &state);
            /* more often than not a dated user (the rerun must create it through Data Import) with
             * more rows after it than the reorder window holds */
            bool pick_stuck = chance(&state, 70);
            for (int tries = 0; tries < 50 && at >= 0 && pick_stuck &&
                                (!s->rows[at].created_at || s->n - at <= reorder_window(s->workers, s->data_import));
                 tries++)
                at = some_valid_row(s, &state);
            if (at < 0) break;
            s->between[s->between_count] = at;
            s->between_permanent[s->between_count++] = chance(&state, 60);
        }
    }
    bool deactivations = deactivate_percent > 0 || (s->midrun_row >= 0 && !s->midrun_permanent);
    bool behind = deactivate_percent > 0 || s->midrun_row >= 0, late_deactivations = false;
    for (int b = 0; b < s->between_count; b++) {
        if (s->between_late) {
            late_deactivations |= !s->between_permanent[b];
        } else {
            behind = true;
            deactivations |= !s->between_permanent[b];
        }
    }
    s->reactivate_first = deactivate_percent > 0 && chance(&state, 50);
    /* the documented way to a journal that no longer describes the app: --verify reads it, and
     * --reactivate brings back the deactivated users */
    s->verify_second = behind || chance(&state, 30);
    s->reactivate_second = deactivations || chance(&state, 10);
    s->verify_third = true;
    s->reactivate_third = late_deactivations || chance(&state, 10);
    describe(s);
}

static void write_file(e2e *t, const scenario *s)
{
    FILE *file = fopen(e2e_path(t, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name%s%s\n", s->created_column ? ",createdAt" : "",
            s->last_active_column ? ",lastActiveAt" : "");
    for (int i = 0; i < s->n; i++) {
        const row *r = &s->rows[i];
        fprintf(file, "%s,%s", r->uid_cell, r->name);
        if (s->created_column) fputc(',', file);
        if (r->created_at) fprintf(file, "%ld", r->created_at);
        if (s->last_active_column) fputc(',', file);
        if (r->last_active_at) fprintf(file, "%ld", r->last_active_at);
        fprintf(file, "\n");
    }
    ck_assert_int_eq(fclose(file), 0);
}

static void preload(e2e *t, const scenario *s)
{
    cJSON *users = cJSON_CreateArray();
    for (int i = 0; i < s->n; i++) {
        const row *r = &s->rows[i];
        if (r->kind != ROW_SAME && r->kind != ROW_DIFFERENT) continue;
        cJSON *user = cJSON_CreateObject();
        cJSON_AddStringToObject(user, "uid", r->uid);
        cJSON_AddStringToObject(user, "name", r->preloaded_name);
        cJSON_AddNumberToObject(user, "createdAt", (double)r->preloaded_created_at);
        cJSON_AddItemToArray(users, user);
    }
    if (cJSON_GetArraySize(users)) {
        char *text = cJSON_PrintUnformatted(users), err[512];
        bool loaded = sbx_server_load(t->server, text, err, sizeof err);
        free(text);
        ck_assert_msg(loaded, "preloading: %s", err);
    }
    cJSON_Delete(users);
    for (int i = 0; i < s->n; i++)
        if (s->rows[i].deactivated_before) ck_assert(sbx_server_remove_user(t->server, s->rows[i].uid, false));
}

/* ---- checks ---- */

static const char *const documented_actions[] = {"created",   "updated",     "unchanged",  "exists",
                                                 "invalid",   "failed",      "superseded", "skipped",
                                                 "deactivated", "reactivated"};

static bool documented(const char *action)
{
    for (size_t i = 0; i < sizeof documented_actions / sizeof *documented_actions; i++)
        if (strcmp(action, documented_actions[i]) == 0) return true;
    return false;
}

static void save_messages(e2e *t, const char *name)
{
    char *messages = e2e_read_text(t, "stderr.txt");
    e2e_write(t, name, messages);
    free(messages);
}

/* Fails the seed, saying its scenario, where its files are and how to rerun it alone. */
__attribute__((format(printf, 3, 4))) static void fail_seed(const scenario *s, const e2e *t, const char *fmt, ...)
{
    char what[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    ck_abort_msg("%s\n  [its files: %s; rerun it alone: CCI_LIVENESS_SEED=%u CK_RUN_CASE=seeds "
                 "BUILD/tests/check_e2e_liveness]\n  %s", s->text, t->dir, s->seed, what);
}

#define EXPECT(s, t, cond, ...)                                                                                    \
    do {                                                                                                           \
        if (!(cond)) fail_seed(s, t, __VA_ARGS__);                                                                 \
    } while (0)

/* One report line per row, in order, each row's uid, documented actions; "final" also says which. */
static e2e_report_row *check_report(e2e *t, const scenario *s, const char *run, bool interrupted, bool final,
                                    size_t *count)
{
    e2e_report_row *lines = e2e_read_report(t, "users.runs/latest/report.csv", count);
    EXPECT(s, t, *count == (size_t)s->n, "%s: %zu report lines for %d rows", run, *count, s->n);
    for (int i = 0; i < s->n; i++) {
        const row *r = &s->rows[i];
        const e2e_report_row *line = &lines[i];
        EXPECT(s, t, line->line == (unsigned long)i + 2, "%s: report line %d says line %lu", run, i + 2, line->line);
        EXPECT(s, t, strcmp(line->uid, r->uid) == 0, "%s: line %d: uid \"%s\", not \"%s\"", run, i + 2, line->uid,
               r->uid);
        EXPECT(s, t, documented(line->action), "%s: line %d: action \"%s\"", run, i + 2, line->action);
        /* skipped: never sent, or "not done" (its requests were all refused 429, nothing applied:
         * whether the user is held is checked against the sandbox) */
        if (strcmp(line->action, "skipped") == 0)
            EXPECT(s, t, interrupted && (line->attempts == 0 || strncmp(line->message, "not done", 8) == 0),
                   "%s: line %d skipped after %u requests: %s", run, i + 2, line->attempts, line->message);
        if (!kind_valid(r->kind))
            EXPECT(s, t, strcmp(line->action, "invalid") == 0 || (interrupted && strcmp(line->action, "skipped") == 0),
                   "%s: line %d (%s) is %s: %s", run, i + 2, kind_names[r->kind], line->action, line->message);
        else if (final)
            EXPECT(s, t,
                   strcmp(line->action, "created") == 0 || strcmp(line->action, "updated") == 0 ||
                       strcmp(line->action, "unchanged") == 0 || strcmp(line->action, "reactivated") == 0,
                   "%s: line %d (%s) is %s: %s", run, i + 2, kind_names[r->kind], line->action, line->message);
    }
    return lines;
}

static int invalid_rows(const scenario *s)
{
    return s->counts[ROW_BAD_UID] + s->counts[ROW_NO_NAME] + s->counts[ROW_REPEATED];
}

/* The last line of the reports (oldest first) that says the row's user was created. */
static const e2e_report_row *last_created(e2e_report_row *const reports[], const size_t counts[], int runs, int i)
{
    const e2e_report_row *found = NULL;
    for (int k = 0; k < runs; k++)
        if ((size_t)i < counts[k] && strcmp(reports[k][i].action, "created") == 0) found = &reports[k][i];
    return found;
}

static long number_field(const cJSON *user, const char *name)
{
    const cJSON *item = cJSON_GetObjectItem(user, name);
    return cJSON_IsNumber(item) ? (long)item->valuedouble : -1;
}

static bool removed_behind(const scenario *s, int i)
{
    if (s->midrun_row == i && s->midrun_permanent) return true;
    for (int b = 0; b < s->between_count; b++)
        if (s->between[b] == i && s->between_permanent[b]) return true;
    return false;
}

/* The sandbox holds exactly the users of the file's valid rows, active, with their names; a user
 * created through Data Import holds the row's dates, a preloaded one its own createdAt. */
static void check_final_state(e2e *t, const scenario *s, e2e_report_row *const reports[], const size_t counts[],
                              int runs)
{
    cJSON *dump = e2e_users(t);
    int expected = 0;
    for (int i = 0; i < s->n; i++) {
        const row *r = &s->rows[i];
        if (!kind_valid(r->kind)) {
            if (r->kind == ROW_NO_NAME)
                EXPECT(s, t, e2e_find_user(dump, r->uid) == NULL, "%s (no name) is in the sandbox", r->uid);
            continue;
        }
        expected++;
        const cJSON *user = e2e_find_user(dump, r->uid);
        EXPECT(s, t, user != NULL, "line %d: %s is not in the sandbox", i + 2, r->uid);
        EXPECT(s, t, !cJSON_IsTrue(cJSON_GetObjectItem(user, "deactivated")), "line %d: %s is deactivated", i + 2,
               r->uid);
        EXPECT(s, t, strcmp(e2e_field(user, "name"), r->name) == 0, "line %d: %s is named \"%s\", not \"%s\"", i + 2,
               r->uid, e2e_field(user, "name"), r->name);
        const e2e_report_row *created = last_created(reports, counts, runs, i);
        long created_at = number_field(user, "createdAt"), last_active_at = number_field(user, "lastActiveAt");
        if (r->kind != ROW_NEW && !removed_behind(s, i)) {
            EXPECT(s, t, created == NULL, "line %d: preloaded %s reported created: %s", i + 2, r->uid,
                   created->message);
            EXPECT(s, t, created_at == r->preloaded_created_at, "line %d: preloaded %s: createdAt %ld, not %ld",
                   i + 2, r->uid, created_at, r->preloaded_created_at);
            /* its date could not be set: every update of it says so */
            for (int k = 0; k < runs && r->created_at; k++)
                if ((size_t)i < counts[k] && strcmp(reports[k][i].action, "updated") == 0)
                    EXPECT(s, t, strstr(reports[k][i].message, "createdAt") && strstr(reports[k][i].message, "not set"),
                           "line %d: dated %s existed and was updated, and the report does not say its date was not "
                           "set: %s", i + 2, r->uid, reports[k][i].message);
        } else if (created && strstr(created->message, "via data import")) {
            if (r->created_at)
                EXPECT(s, t, created_at == r->created_at, "line %d: %s created via data import: createdAt %ld, not %ld",
                       i + 2, r->uid, created_at, r->created_at);
            if (r->last_active_at)
                EXPECT(s, t, last_active_at == r->last_active_at,
                       "line %d: %s created via data import: lastActiveAt %ld, not %ld", i + 2, r->uid,
                       last_active_at, r->last_active_at);
        } else if (created && r->created_at) {
            EXPECT(s, t, strstr(created->message, "createdAt") && strstr(created->message, "not set"),
                   "line %d: %s created without its date, and the report does not say so: %s", i + 2, r->uid,
                   created->message);
        }
    }
    int held = cJSON_GetArraySize(cJSON_GetObjectItem(dump, "users"));
    EXPECT(s, t, held == expected, "the sandbox holds %d users, the file's valid rows %d", held, expected);
    cJSON_Delete(dump);
}

/* After the first run: every user the sandbox holds that was not preloaded is reported created
 * (nothing written that the report does not say), and every row reported created is held (unless
 * removed behind the tool's back). */
static void check_first_run_state(e2e *t, const scenario *s, const e2e_report_row *lines)
{
    cJSON *dump = e2e_users(t);
    for (int i = 0; i < s->n; i++) {
        const row *r = &s->rows[i];
        if (!kind_valid(r->kind)) continue;
        const cJSON *user = e2e_find_user(dump, r->uid);
        bool reported = strcmp(lines[i].action, "created") == 0;
        if (r->kind == ROW_NEW && user)
            EXPECT(s, t, reported, "first run: line %d: %s is in the sandbox, reported %s: %s", i + 2, r->uid,
                   lines[i].action, lines[i].message);
        if (reported && !(s->midrun_row == i && s->midrun_permanent))
            EXPECT(s, t, user != NULL, "first run: line %d: %s reported created, not in the sandbox", i + 2, r->uid);
    }
    cJSON_Delete(dump);
}

static void write_scenario_file(e2e *t, const scenario *s)
{
    char text[2048];
    snprintf(text, sizeof text,
             "%s\nrerun this seed alone: CCI_LIVENESS_SEED=%u CK_RUN_CASE=seeds BUILD/tests/check_e2e_liveness\n",
             s->text, s->seed);
    e2e_write(t, "scenario.txt", text);
}

/* Adds args for a run to list (NULL-terminated). */
static void run_args(const char **list, const scenario *s, bool verify, bool reactivate)
{
    static char workers[8];
    snprintf(workers, sizeof workers, "%d", s->workers);
    int n = 0;
    list[n++] = "--progress=never";
    list[n++] = "--workers";
    list[n++] = workers;
    list[n++] = "--data-import";
    list[n++] = s->data_import ? "auto" : "off";
    if (verify) list[n++] = "--verify";
    if (reactivate) list[n++] = "--reactivate";
    list[n++] = "users.csv";
    list[n] = NULL;
}

static unsigned long request_bound(const scenario *s)
{
    return 200 + 12 * (unsigned long)s->n;
}

static void remove_between(e2e *t, const scenario *s)
{
    for (int b = 0; b < s->between_count; b++)
        sbx_server_remove_user(t->server, s->rows[s->between[b]].uid, s->between_permanent[b]);
}

/* A run without a signal that must converge: exit 0, or 1 for invalid rows alone; a whole report
 * of final actions; the sandbox holding exactly the file's valid rows. */
static void converge(e2e *t, const scenario *s, const char **args, const char *run, const char *keep,
                     e2e_report_row *reports[], size_t counts[], int *runs)
{
    const char *messages;
    fprintf(stderr, "liveness seed %u: %s\n", s->seed, run); /* a hang names the seed and the run */
    hook_arm(t, 0, request_bound(s), NULL, 0, false);
    int status = hooked_run(t, args, &messages);
    save_messages(t, keep);
    EXPECT(s, t, !atomic_load(&watch.runaway), "%s: past %lu requests (exit %d): %s", run, request_bound(s), status,
           messages);
    EXPECT(s, t, status == (invalid_rows(s) ? 1 : 0), "%s: exit %d with %d invalid rows: %s", run, status,
           invalid_rows(s), messages);
    reports[*runs] = check_report(t, s, run, false, true, &counts[*runs]);
    ++*runs;
    check_final_state(t, s, reports, counts, *runs);
}

static void run_seed(unsigned seed)
{
    static scenario s; /* large: not on the stack */
    draw_scenario(&s, seed);
    fprintf(stderr, "liveness %s\n", s.text);
    e2e t;
    e2e_init(&t);
    e2e_use_profile(&t, s.profile);
    t.config.window_ms = s.window_ms;
    t.config.core_limit = s.core_limit;
    t.config.standard_limit = s.standard_limit;
    t.config.data_import_limit = s.import_limit;
    hook_install(&t);
    e2e_start_sandbox(&t);
    write_file(&t, &s);
    write_scenario_file(&t, &s);
    preload(&t, &s);

    /* the first run: maybe interrupted, maybe a user removed behind its back */
    const char *args[16], *messages;
    run_args(args, &s, s.verify_first, s.reactivate_first);
    hook_arm(&t, s.sigint_at, request_bound(&s), s.midrun_row >= 0 ? s.rows[s.midrun_row].uid : NULL, s.midrun_at,
             s.midrun_permanent);
    fprintf(stderr, "liveness seed %u: first run\n", seed);
    int status = hooked_run(&t, args, &messages);
    save_messages(&t, "first.stderr.txt");
    int first_status = status;
    bool signalled = atomic_load(&watch.signalled);
    unsigned long first_requests = run_requests();
    EXPECT(&s, &t, !atomic_load(&watch.runaway), "first run: past %lu requests (exit %d): %s", request_bound(&s),
           status, messages);
    bool disturbed = s.midrun_row >= 0; /* a row may fail for a user gone behind its back */
    for (int i = 0; i < s.n; i++) disturbed |= s.rows[i].deactivated_before;
    if (signalled)
        EXPECT(&s, &t, status == 3 || status == 0 || status == 1, "first run: exit %d after SIGINT: %s", status,
               messages);
    else if (disturbed)
        EXPECT(&s, &t, status == 0 || status == 1, "first run: exit %d: %s", status, messages);
    else
        EXPECT(&s, &t, status == (invalid_rows(&s) ? 1 : 0), "first run: exit %d with %d invalid rows: %s", status,
               invalid_rows(&s), messages);
    if (status == 3)
        EXPECT(&s, &t, strstr(messages, "interrupted (SIGINT)") != NULL, "first run: exit 3: %s", messages);
    size_t counts[3];
    e2e_report_row *reports[3] = {NULL, NULL, NULL};
    int runs = 0;
    reports[runs] = check_report(&t, &s, "first run", status == 3, false, &counts[runs]);
    check_first_run_state(&t, &s, reports[runs++]);

    /* behind the tool's back, between the runs */
    if (!s.between_late) remove_between(&t, &s);
    /* the rerun: no signal, the same file and journal; it converges */
    run_args(args, &s, s.verify_second, s.reactivate_second);
    converge(&t, &s, args, "rerun", "second.stderr.txt", reports, counts, &runs);
    unsigned long second_requests = run_requests();
    if (s.between_late) { /* users lost after a converged run: the journal says they are there */
        remove_between(&t, &s);
        run_args(args, &s, s.verify_third, s.reactivate_third);
        converge(&t, &s, args, "third run", "third.stderr.txt", reports, counts, &runs);
    }
    fprintf(stderr,
            "liveness seed %u: passed (first run: %s exit %d, %lu requests; rerun: %lu requests%s; %.0f 429s)\n",
            seed, signalled ? "SIGINT," : "no signal,", first_status, first_requests, second_requests,
            s.between_late ? "; third run" : "", e2e_counter(&t, NULL, "rate_limited"));
    for (int k = 0; k < runs; k++) free(reports[k]);
    if (getenv("CCI_LIVENESS_KEEP") && *getenv("CCI_LIVENESS_KEEP")) { /* its files, to look at */
        sbx_server_stop(t.server);
        sbx_config_cleanup(&t.config);
        fprintf(stderr, "liveness seed %u: its files are in %s\n", seed, t.dir);
    } else {
        e2e_cleanup(&t);
    }
}

/* ---- which seeds ---- */

static unsigned first_seed = 1, end_seed = 51;

static void choose_seeds(void)
{
    const char *one = getenv("CCI_LIVENESS_SEED"), *range = getenv("CCI_LIVENESS_SEEDS");
    unsigned a, b;
    if (one && *one && sscanf(one, "%u", &a) == 1) {
        first_seed = a;
        end_seed = a + 1;
    } else if (range && *range && sscanf(range, "%u-%u", &a, &b) == 2 && b >= a) {
        first_seed = a;
        end_seed = b + 1;
    }
}

START_TEST(a_random_scenario_ends_accounts_for_every_row_and_converges)
{
    run_seed((unsigned)_i);
}
END_TEST

/* ---- the reproductions, scaled down ---- */

static void dated_half(e2e *t, int n)
{
    FILE *file = fopen(e2e_path(t, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name,createdAt\n");
    for (int i = 0; i < n; i++)
        i % 2 ? fprintf(file, "u%05d,User %d,\n", i, i) : fprintf(file, "u%05d,User %d,%d\n", i, i, 1500000000 + i);
    ck_assert_int_eq(fclose(file), 0);
}


/* (a) Data Import on, dated and undated new users, small budgets (the run takes several windows),
 * a SIGINT after some requests: the run ends with exit 3, a whole report, its summary, and latest
 * pointing at it; a rerun converges. */
START_TEST(a_sigint_during_a_mixed_dated_import_ends_with_a_whole_report)
{
    e2e_init(&fixture);
    hook_install(&fixture);
    fixture.config.core_limit = 15;
    fixture.config.data_import_limit = 1;
    fixture.config.window_ms = 500;
    e2e_start_sandbox(&fixture);
    enum { N = 600 };
    dated_half(&fixture, N);
    /* two workers: a reorder window of 128 rows, smaller than the file, beside a queue of 100 */
    const char *args[] = {"--progress=never", "--workers", "2", "--summary-json", "summary.json", "users.csv", NULL};
    hook_arm(&fixture, 25, 2000, NULL, 0, false);
    const char *messages;
    int status = hooked_run(&fixture, args, &messages);
    ck_assert_msg(atomic_load(&watch.signalled), "the run ended before its 25th request: %s", messages);
    ck_assert_msg(status == 3, "exit %d after SIGINT: %s", status, messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, N);
    int skipped = 0;
    for (size_t i = 0; i < count; i++) {
        ck_assert_uint_eq(rows[i].line, i + 2);
        ck_assert_msg(documented(rows[i].action), "line %zu: %s", i + 2, rows[i].action);
        if (strcmp(rows[i].action, "skipped") == 0) {
            skipped++;
            /* never sent, or its requests all refused 429 ("not done"): the sandbox count below says
             * nothing of it was applied */
            ck_assert_msg(rows[i].attempts == 0 || strncmp(rows[i].message, "not done", 8) == 0,
                          "line %zu skipped after %u requests: %s", i + 2, rows[i].attempts, rows[i].message);
        } else {
            ck_assert_msg(strcmp(rows[i].action, "created") == 0, "line %zu: %s: %s", i + 2, rows[i].action,
                          rows[i].message);
        }
    }
    ck_assert_int_gt(skipped, 0);
    ck_assert_int_eq(e2e_count_action(rows, count, "created"), (int)e2e_counter(&fixture, NULL, "users"));
    free(rows);
    /* the summary, and latest pointing at this run */
    char *summary_text = e2e_read_text(&fixture, "summary.json");
    cJSON *summary = cJSON_Parse(summary_text);
    free(summary_text);
    ck_assert_ptr_nonnull(summary);
    ck_assert_int_eq((int)cJSON_GetObjectItem(summary, "exit_status")->valuedouble, 3);
    ck_assert_int_eq((int)cJSON_GetObjectItem(summary, "rows")->valuedouble, N);
    const cJSON *actions = cJSON_GetObjectItem(summary, "actions");
    ck_assert_int_eq((int)cJSON_GetObjectItem(actions, "skipped")->valuedouble, skipped);
    cJSON_Delete(summary);
    char latest[256], run[256];
    ssize_t len = readlink(e2e_path(&fixture, "users.runs/latest"), latest, sizeof latest - 1);
    ck_assert_int_gt(len, 0);
    latest[len] = '\0';
    snprintf(run, sizeof run, "%s", e2e_run_file(&fixture, "users.runs", -1, "report.csv"));
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 1);
    ck_assert_msg(strncmp(run, "users.runs/", 11) == 0 && strncmp(run + 11, latest, strlen(latest)) == 0 &&
                      run[11 + strlen(latest)] == '/',
                  "latest -> %s, the run is %s", latest, run);
    /* and the rerun sends the rest */
    hook_arm(&fixture, 0, 2000, NULL, 0, false);
    const char *again[] = {"--progress=never", "--workers", "2", "users.csv", NULL};
    status = hooked_run(&fixture, again, &messages);
    ck_assert_msg(status == 0, "rerun: exit %d: %s", status, messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), N);
    e2e_cleanup(&fixture);
}
END_TEST

/* (b) A 300-row dated file imported whole; one user deleted behind the tool's back; a rerun with
 * --verify (only that row is new: one batch of one, while the reorder window is full) ends,
 * recreates it with its date, exit 0. */
START_TEST(a_rerun_with_one_dated_user_deleted_behind_its_back_recreates_it)
{
    e2e_init(&fixture);
    hook_install(&fixture);
    e2e_start_sandbox(&fixture);
    enum { N = 300 };
    FILE *file = fopen(e2e_path(&fixture, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name,createdAt\n");
    for (int i = 0; i < N; i++) fprintf(file, "u%05d,User %d,%d\n", i, i, 1500000000 + i);
    ck_assert_int_eq(fclose(file), 0);
    const char *args[] = {"--progress=never", "--workers", "1", "users.csv", NULL};
    hook_arm(&fixture, 0, 2000, NULL, 0, false);
    const char *messages;
    int status = hooked_run(&fixture, args, &messages);
    ck_assert_msg(status == 0, "exit %d: %s", status, messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), N);

    ck_assert(sbx_server_remove_user(fixture.server, "u00007", true));
    const char *verify[] = {"--progress=never", "--workers", "1", "--verify", "users.csv", NULL};
    hook_arm(&fixture, 0, 2000, NULL, 0, false);
    status = hooked_run(&fixture, verify, &messages);
    ck_assert_msg(status == 0, "rerun: exit %d: %s", status, messages);
    size_t count;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &count);
    ck_assert_uint_eq(count, N);
    ck_assert_str_eq(rows[7].action, "created");
    ck_assert_int_eq(e2e_count_action(rows, count, "unchanged"), N - 1);
    free(rows);
    cJSON *users = e2e_users(&fixture);
    const cJSON *user = e2e_find_user(users, "u00007");
    ck_assert_ptr_nonnull(user);
    ck_assert_str_eq(e2e_field(user, "name"), "User 7");
    ck_assert_int_eq(number_field(user, "createdAt"), 1500000007);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(users, "users")), N);
    cJSON_Delete(users);
    e2e_cleanup(&fixture);
}
END_TEST

static Suite *liveness_suite(void)
{
    choose_seeds();
    Suite *suite = suite_create("e2e_liveness");
    TCase *repro = tcase_create("reproductions");
    tcase_set_timeout(repro, 300);
    tcase_add_test(repro, a_sigint_during_a_mixed_dated_import_ends_with_a_whole_report);
    tcase_add_test(repro, a_rerun_with_one_dated_user_deleted_behind_its_back_recreates_it);
    suite_add_tcase(suite, repro);
    TCase *seeds = tcase_create("seeds");
    /* two runs, each ended by the watchdog at worst */
    tcase_set_timeout(seeds, 4 * E2E_STALL_S);
    tcase_add_loop_test(seeds, a_random_scenario_ends_accounts_for_every_row_and_converges, (int)first_seed,
                        (int)end_seed);
    suite_add_tcase(suite, seeds);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(liveness_suite)
