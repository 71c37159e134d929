/* Issue 27: the key goes only where the person chose, and what the tool writes stays theirs.
 * A second sandbox plays the other host (a settings file's, a proxy's): the test counts what it
 * received. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <check.h>
#include <curl/curl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

static const char USERS[] = "uid,name\nana,Ana\nbola,Bola\n";

/* The other host: a sandbox of its own, that takes the same key. */
static e2e other;

static void setup(void)
{
    e2e_fixture_setup();
    e2e_start_sandbox(&fixture);
    e2e_init(&other);
    e2e_start_sandbox(&other);
    e2e_write(&fixture, "users.csv", USERS);
}

static void teardown(void)
{
    e2e_cleanup(&other);
    e2e_fixture_teardown();
}

static unsigned long requests_to(const e2e *t)
{
    return sbx_server_requests_total(t->server);
}

/* Every combination of the command line, the environment, the working folder's settings file and
 * the input's companion: the files name the other host, and it never hears from the tool. */
START_TEST(files_that_travel_with_the_data_never_move_the_key)
{
    char file_text[256], companion_text[256], environment[160];
    snprintf(file_text, sizeof file_text, "base-url = %s\n", other.base_url);
    snprintf(companion_text, sizeof companion_text, "# cometchat-import: kept\nbase-url = %s\n", other.base_url);
    snprintf(environment, sizeof environment, "COMETCHAT_BASE_URL=%s", fixture.base_url);
    for (int combination = 0; combination < 16; combination++) {
        bool command_line = combination & 1, in_environment = combination & 2, working = combination & 4,
             companion = combination & 8;
        remove(e2e_path(&fixture, "cometchat-import.conf"));
        remove(e2e_path(&fixture, "users.conf"));
        if (working) e2e_write(&fixture, "cometchat-import.conf", file_text);
        if (companion) e2e_write(&fixture, "users.conf", companion_text);
        const char *env[] = {in_environment ? environment : NULL, NULL};
        const char *messages;
        unsigned long before = requests_to(&fixture);
        /* --force: a rerun would send nothing, and the count would not tell where the key went */
        int status = e2e_run_env(&fixture, env, E2E_KEY, command_line, &messages, "--force", "users.csv", NULL);
        ck_assert_msg(requests_to(&other) == 0, "combination %d: the other host received %lu requests: %s",
                      combination, requests_to(&other), messages);
        if (command_line || in_environment) {
            ck_assert_msg(status == 0 && requests_to(&fixture) > before, "combination %d: %d: %s", combination,
                          status, messages);
            if (working || companion)
                ck_assert_msg(strstr(messages, "note: the target is") && strstr(messages, other.base_url),
                              "combination %d: the conflict is not said: %s", combination, messages);
        } else if (working || companion) {
            ck_assert_msg(status == 2 && strstr(messages, other.base_url) && strstr(messages, "--trust-settings") &&
                              strstr(messages, "nothing was sent"), "combination %d: %d: %s", combination, status,
                          messages);
        } else {
            ck_assert_msg(status == 2 && strstr(messages, "no target"), "combination %d: %s", combination, messages);
        }
    }
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 12); /* a refused run leaves no run folder */
}
END_TEST

/* The person's own settings choose over the travelling files; --trust-settings lets a travelling
 * file choose, and then the other host does hear (the count above can see it). */
START_TEST(own_settings_choose_and_a_confirmed_file_is_followed)
{
    char text[256];
    snprintf(text, sizeof text, "base-url = %s\n", other.base_url);
    e2e_write(&fixture, "cometchat-import.conf", text);
    ck_assert_int_eq(mkdir(e2e_path(&fixture, "config"), 0700), 0);
    ck_assert_int_eq(mkdir(e2e_path(&fixture, "config/cometchat-import"), 0700), 0);
    snprintf(text, sizeof text, "base-url = %s\n", fixture.base_url);
    ck_assert_int_eq(chmod(e2e_write(&fixture, "config/cometchat-import/config", text), 0600), 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, false, &messages, "users.csv", NULL), 0);
    ck_assert_uint_eq(requests_to(&other), 0);
    ck_assert_ptr_nonnull(strstr(messages, "(your own settings)"));
    cJSON *users = e2e_users(&fixture);
    ck_assert_ptr_nonnull(e2e_find_user(users, "bola"));
    cJSON_Delete(users);
    /* others may change it: it chooses nothing any more */
    ck_assert_int_eq(chmod(e2e_path(&fixture, "config/cometchat-import/config"), 0666), 0);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, false, &messages, "users.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "not only yours"), "%s", messages);
    ck_assert_uint_eq(requests_to(&other), 0);
    remove(e2e_path(&fixture, "config/cometchat-import/config"));
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, false, &messages, "--trust-settings", "users.csv", NULL), 0);
    ck_assert_uint_gt(requests_to(&other), 0);
}
END_TEST

/* http:// goes only to an address of this machine, and straight there: a proxy in the
 * environment (the other host) sees neither the refused URLs nor the accepted ones. */
START_TEST(loopback_is_an_address_and_no_proxy_carries_the_key)
{
    char proxy[128], all_proxy[128], url[160];
    snprintf(proxy, sizeof proxy, "http_proxy=http://127.0.0.1:%u", sbx_server_port(other.server));
    snprintf(all_proxy, sizeof all_proxy, "all_proxy=http://127.0.0.1:%u", sbx_server_port(other.server));
    const char *env[] = {proxy, all_proxy, NULL};
    unsigned port = sbx_server_port(fixture.server);
    const char *refused[] = {"127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example"};
    const char *messages;
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        snprintf(url, sizeof url, "http://%s:%u%s", refused[i], port, fixture.prefix);
        ck_assert_int_eq(e2e_run_env(&fixture, env, E2E_KEY, false, &messages, "--base-url", url, "users.csv", NULL), 2);
        ck_assert_msg(strstr(messages, "not this machine"), "%s: %s", url, messages);
    }
    ck_assert_uint_eq(requests_to(&fixture), 0);
    const char *accepted[] = {"127.1", "localhost"};
    for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
        unsigned long before = requests_to(&fixture);
        snprintf(url, sizeof url, "http://%s:%u%s", accepted[i], port, fixture.prefix);
        ck_assert_msg(e2e_run_env(&fixture, env, E2E_KEY, false, &messages, "--base-url", url, "users.csv", NULL) == 0,
                      "%s: %s", url, messages);
        ck_assert_uint_gt(requests_to(&fixture), before);
    }
    /* [::1], on a sandbox listening there, where the machine has IPv6 (check_tool_trust judges it too) */
    e2e v6;
    e2e_init(&v6);
    v6.config.bind_address = "::1";
    char err[256];
    if ((v6.server = sbx_server_start(&v6.config, err, sizeof err))) {
        snprintf(url, sizeof url, "http://[::1]:%u%s", sbx_server_port(v6.server), v6.prefix);
        ck_assert_msg(e2e_run_env(&fixture, env, E2E_KEY, false, &messages, "--base-url", url, "users.csv", NULL) == 0,
                      "%s: %s", url, messages);
        ck_assert_uint_gt(requests_to(&v6), 0);
    } else {
        fprintf(stderr, "check_e2e_trust: no IPv6 loopback on this machine (%s): [::1] not run end to end\n", err);
    }
    e2e_cleanup(&v6);
    ck_assert_uint_eq(requests_to(&other), 0);
}
END_TEST

/* A link planted at INPUT.runs is refused; nothing lands where it points, nothing is sent. */
START_TEST(a_link_at_the_runs_folder_is_refused)
{
    ck_assert_int_eq(mkdir(e2e_path(&fixture, "elsewhere"), 0700), 0);
    char target[256];
    snprintf(target, sizeof target, "%s", e2e_path(&fixture, "elsewhere"));
    ck_assert_int_eq(symlink(target, e2e_path(&fixture, "users.runs")), 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "users.runs is a symbolic link") && strstr(messages, "nothing was sent"), "%s",
                  messages);
    char command[400];
    snprintf(command, sizeof command, "test -z \"$(ls -A '%s')\"", target);
    ck_assert_msg(system(command) == 0, "something was written where the link points");
    ck_assert_uint_eq(requests_to(&fixture), 0);
    /* --runs-dir is the way out */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--runs-dir", "mine", "users.csv", NULL), 0);
    ck_assert_int_eq(e2e_run_count(&fixture, "mine/users.runs"), 1);
}
END_TEST

/* ---- private by default ---- */

static const char *walked_root;
static char open_to_others[2048];
static int private_count;

/* An nftw callback: notes what group or others may read, but for what the test itself wrote. */
static int note_open_entries(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    const char *name = path + strlen(walked_root);
    if (type == FTW_SL || strcmp(name, "") == 0 || strcmp(name, "/users.csv") == 0 || strcmp(name, "/stderr.txt") == 0)
        return 0;
    if (st->st_mode & 077) {
        size_t used = strlen(open_to_others);
        snprintf(open_to_others + used, sizeof open_to_others - used, " %s (%o)", name, (unsigned)(st->st_mode & 0777));
    } else {
        private_count++;
    }
    return 0;
}

START_TEST(under_umask_022_nothing_the_tool_writes_is_open_to_others)
{
    e2e_write(&fixture, "users.csv", "uid,name\nana,Ana\nbola,\n"); /* bola is rejected: rejects.csv, .conf */
    mode_t before = umask(022);
    const char *messages;
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--summary-json", "summary.json", "--save-config",
                          "users.csv", NULL) == 1, "%s", messages);
    ck_assert_msg(e2e_run(&fixture, E2E_KEY, true, &messages, "--config", "mine.conf", "--save-config", "--report",
                          "own-report.csv", "users.runs/latest/rejects.csv", NULL) == 1, "%s", messages);
    umask(before);
    const char *expected[] = {"summary.json", "cometchat-import.conf", "mine.conf", "own-report.csv",
                              "users.runs/latest/rejects.csv", "users.runs/latest/rejects.conf",
                              "users.runs/latest/summary.json", "cometchat-import"};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(access(e2e_path(&fixture, expected[i]), F_OK) == 0, "%s was not written", expected[i]);
    walked_root = fixture.dir;
    open_to_others[0] = '\0';
    private_count = 0;
    ck_assert_int_eq(nftw(fixture.dir, note_open_entries, 16, FTW_PHYS), 0);
    ck_assert_msg(open_to_others[0] == '\0', "open to group or others:%s", open_to_others);
    ck_assert_int_ge(private_count, 14); /* the files above, two runs' folders and files, the journal and its lock */
}
END_TEST

static Suite *trust_suite(void)
{
    Suite *suite = suite_create("e2e_trust");
    TCase *tc = tcase_create("trust");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, files_that_travel_with_the_data_never_move_the_key);
    tcase_add_test(tc, own_settings_choose_and_a_confirmed_file_is_followed);
    tcase_add_test(tc, loopback_is_an_address_and_no_proxy_carries_the_key);
    tcase_add_test(tc, a_link_at_the_runs_folder_is_refused);
    tcase_add_test(tc, under_umask_022_nothing_the_tool_writes_is_open_to_others);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(trust_suite)
