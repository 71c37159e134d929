/* The allocation-failure sweep, the way curl tests it: a small import against the sandbox (run as
 * its own process, so that only the importer's allocations count), with the Nth allocation of the
 * library, and of libcurl, cJSON and libcsv under it, failing; N = 1, 2, ... until a run makes
 * fewer than N allocations. Every run must end without a crash or a leak (the sweep runs under
 * AddressSanitizer too), must never send wrong data (every user the sandbox holds equals its row),
 * and must account for what it did: a run that never started says why, one that started reports
 * every row, and every row called created or updated is in the sandbox. */
#include <check.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cci/run/import.h"
#include "failing_alloc.h"
#include "http_client.h"
#include "test_files.h"

#define SWEEP_KEY "alloc-sweep-key-7c2e"
enum { MOST_ALLOCATIONS = 100000, ROWS = 5 };

extern char **environ;

/* The file's rows, and what the sandbox may hold of each. */
static const char INPUT[] = "uid,name,tags,metadata.team\n"
                            "ana,Ana Lopez,a;b,red\n"
                            "bob,Bob Stone,,blue\n"
                            "bad uid,Bad,,x\n"
                            "ANA,Ana Again,,red\n"
                            "cy,Cy Twain,c,green\n";
/* Line 5 repeats line 2's uid: when line 2 cannot be read for want of memory, line 5 is the
 * uid's first row, and is sent. */
static const struct { const char *uid, *name, *tags, *team; } valid[] = {
    {"ana", "Ana Lopez", "a", "red"}, {"bob", "Bob Stone", "", "blue"}, {"cy", "Cy Twain", "c", "green"},
    {"ana", "Ana Again", "", "red"}};

static test_path dir, input, report, rejects, state;
static pid_t sandbox_pid;
static unsigned sandbox_port;

/* Starts the sandbox binary and reads its port from the line it prints once listening. */
static void start_sandbox(void)
{
    test_path keys;
    test_file_write(test_dir_file(keys, dir, "keys"), "full " SWEEP_KEY "\n");
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    char *argv[] = {CCI_SANDBOX_BINARY, "--port", "0", "--keys-file", keys, NULL};
    ck_assert_int_eq(posix_spawn(&sandbox_pid, CCI_SANDBOX_BINARY, &actions, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    char said[1024] = "";
    size_t used = 0;
    const char *listening = NULL;
    while (!listening && used < sizeof said - 1) {
        struct pollfd ready = {.fd = out[0], .events = POLLIN};
        /* no time limit: a slow start (a loaded machine, the sanitizers) only waits longer; a
         * sandbox that ends closes the pipe (below), and one that hangs is the test's time-out */
        ck_assert_msg(poll(&ready, 1, -1) == 1, "poll: %s (the sandbox said: %s)", strerror(errno), said);
        ssize_t got = read(out[0], said + used, sizeof said - 1 - used);
        ck_assert_msg(got > 0, "the sandbox ended: %s", said);
        used += (size_t)got;
        said[used] = '\0';
        listening = strstr(said, "listening on http://127.0.0.1:");
        if (listening && !strchr(listening, '\n')) listening = NULL; /* not the whole line yet */
    }
    close(out[0]);
    ck_assert_ptr_nonnull(listening);
    sandbox_port = (unsigned)strtoul(listening + strlen("listening on http://127.0.0.1:"), NULL, 10);
    ck_assert_uint_gt(sandbox_port, 0);
}

static void stop_sandbox(void)
{
    kill(sandbox_pid, SIGTERM);
    int status;
    ck_assert_int_eq(waitpid(sandbox_pid, &status, 0), sandbox_pid);
}

static cJSON *admin(const char *method, const char *path)
{
    long status;
    cJSON *json = http_admin(sandbox_port, method, path, NULL, &status);
    ck_assert_msg(json != NULL, "%s %s: HTTP %ld", method, path, status);
    return json;
}

/* What the run said, for the checks. */
typedef struct heard {
    int problems;
    char first_problem[512];
    bool key_said;
} heard;

static void on_message(void *context, cci_message_kind kind, const char *text)
{
    heard *h = context;
    if (strstr(text, SWEEP_KEY)) h->key_said = true;
    if (kind == CCI_MESSAGE_PROBLEM && h->problems++ == 0)
        snprintf(h->first_problem, sizeof h->first_problem, "%s", text);
}

/* Every user the sandbox holds is one of the file's valid rows, field by field; returns how many. */
static int expect_only_right_users(unsigned long nth)
{
    cJSON *dump = admin("GET", "/admin/users");
    const cJSON *user;
    int held = 0;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(dump, "users")) {
        const char *uid = cJSON_GetStringValue(cJSON_GetObjectItem(user, "uid"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(user, "name"));
        size_t i = 0;
        while (i < sizeof valid / sizeof *valid &&
               (strcmp(valid[i].uid, uid ? uid : "") || strcmp(valid[i].name, name ? name : "")))
            i++;
        ck_assert_msg(i < sizeof valid / sizeof *valid, "allocation %lu: the sandbox holds %s named %s", nth, uid,
                      name);
        const cJSON *team = cJSON_GetObjectItem(cJSON_GetObjectItem(user, "metadata"), "team");
        ck_assert_msg(team && strcmp(cJSON_GetStringValue(team), valid[i].team) == 0,
                      "allocation %lu: %s has wrong metadata", nth, uid);
        const cJSON *tags = cJSON_GetObjectItem(user, "tags");
        const char *first_tag = cJSON_GetStringValue(cJSON_GetArrayItem(tags, 0));
        ck_assert_msg(strcmp(first_tag ? first_tag : "", valid[i].tags) == 0, "allocation %lu: %s has wrong tags",
                      nth, uid);
        held++;
    }
    cJSON_Delete(dump);
    return held;
}

static unsigned long lines_of(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) return 0;
    unsigned long lines = 0;
    for (int c; (c = fgetc(file)) != EOF;) lines += c == '\n';
    fclose(file);
    return lines;
}

/* One import with the nth allocation failing; false when the run made fewer than n. */
static bool import_failing_at(unsigned long nth, unsigned long *started_runs)
{
    cJSON_Delete(admin("POST", "/admin/reset"));
    unlink(report);
    unlink(rejects);
    unlink(state);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u/v3", sandbox_port);
    cci_stop *stop = cci_stop_new();
    ck_assert_ptr_nonnull(stop);
    heard h = {0};
    cci_import_config config = {
        .input = input, .report_path = report, .rejects_path = rejects, .state_path = state, .base_url = base,
        .api_key = SWEEP_KEY, .mode = CCI_MODE_UPSERT, .workers = 2, .timeout_ms = 10000, .max_wait_ms = 1000,
        .retries = 1, .problems_kept = 10, .random_seed = 1, .stop = stop,
        .callbacks = {.context = &h, .message = on_message}};
    cci_import_result result;
    failing_alloc_arm(nth);
    cci_import(&config, &result);
    bool failed = failing_alloc_disarm();
    cci_stop_free(stop);

    ck_assert_msg(!h.key_said, "allocation %lu: a message held the key", nth);
    int held = expect_only_right_users(nth);
    if (!result.started) {
        ck_assert_msg(h.problems > 0, "allocation %lu: the run never started and said nothing", nth);
    } else {
        (*started_runs)++;
        unsigned long done = result.counts[CCI_ACTION_CREATED] + result.counts[CCI_ACTION_UPDATED];
        ck_assert_msg(done <= (unsigned long)held, "allocation %lu: %lu rows sent but %d users held", nth, done, held);
        if (!result.write_failed) { /* the report holds every row the result counts */
            ck_assert_msg(lines_of(report) == result.rows + 1, "allocation %lu: the report has %lu lines for %lu rows",
                          nth, lines_of(report), result.rows);
        }
        if (!result.write_failed && !result.stopped && !result.input_broke) { /* and they are all the file's */
            ck_assert_msg(result.rows == ROWS, "allocation %lu: %lu rows of %d accounted for (%s)", nth, result.rows,
                          ROWS, h.first_problem);
        }
        if (result.stopped || result.input_broke || result.write_failed)
            ck_assert_msg(h.problems > 0, "allocation %lu: the run ended early and said nothing", nth);
    }
    if (!failed) { /* the run made fewer than nth allocations: it completed, and must be whole */
        ck_assert(result.started && !result.stopped && !result.write_failed && !result.journal_failed);
        ck_assert_uint_eq(result.counts[CCI_ACTION_CREATED], 3);
        ck_assert_uint_eq(result.counts[CCI_ACTION_INVALID], 2);
        ck_assert_int_eq(held, 3);
    }
    cci_import_result_cleanup(&result);
    return failed;
}

START_TEST(no_failed_allocation_crashes_leaks_or_sends_wrong_data)
{
    test_dir_new(dir, "alloc");
    test_dir_file(input, dir, "users.csv");
    test_dir_file(report, dir, "users.report.csv");
    test_dir_file(rejects, dir, "users.rejects.csv");
    test_dir_file(state, dir, "users.state");
    test_file_write(input, INPUT);
    start_sandbox();
    unsigned long nth = 1, started_runs = 0;
    while (import_failing_at(nth, &started_runs)) {
        ck_assert_msg(nth < MOST_ALLOCATIONS, "still failing after %d allocations", MOST_ALLOCATIONS);
        nth++;
    }
    printf("alloc sweep: %lu runs, each with one failed allocation (%lu of them started); the run after made %lu "
           "allocations and completed\n", nth - 1, started_runs, nth - 1);
    ck_assert_uint_gt(nth, 100); /* the sweep reached the sending, not only the start */
    stop_sandbox();
    test_dir_remove(dir);
}
END_TEST

int main(void)
{
    /* libcurl and cJSON allocate through the failing allocator too (it passes through until armed) */
    curl_global_init_mem(CURL_GLOBAL_DEFAULT, cci_failing_malloc, free, cci_failing_realloc, cci_failing_strdup,
                         cci_failing_calloc);
    cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = cci_failing_malloc, .free_fn = free});
    Suite *suite = suite_create("alloc_sweep");
    TCase *tc = tcase_create("sweep");
    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, no_failed_allocation_crashes_leaks_or_sends_wrong_data);
    suite_add_tcase(suite, tc);
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    curl_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
