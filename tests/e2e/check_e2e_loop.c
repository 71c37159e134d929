/* The fix-and-rerun loop of docs/usage.md, literally: import the master with --map, fix the
 * rejects file, feed it back as it is, rerun the master. The app ends with every user's mapped
 * fields, nothing is sent twice, the rejects file being edited is never renamed or removed, and the
 * last rerun sends nothing. */
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check_main.h"
#include "e2e_support.h"

static const char MASTER[] = "User ID,Full Name,E-mail,Phone,Avatar\n"
                             "ana,Ana Lopez,ana@x.io,111,https://cdn.x.io/ana.png\n"
                             "bola,Bola Okafor,bola@x.io,222,cdn.x.io/bola.png\n" /* not a URL */
                             "chen,Chen Wei,chen@x.io,333,\n"
                             "dana,,dana@x.io,444,\n"                              /* no name */
                             "elif,Elif Yilmaz,elif@x.io,555,\n";

/* The rejects file as a person leaves it after fixing the two cells (the error column stays). */
static const char FIXED_REJECTS[] = "User ID,Full Name,E-mail,Phone,Avatar,error\n"
                                    "bola,Bola Okafor,bola@x.io,222,https://cdn.x.io/bola.png,fixed\n"
                                    "dana,Dana Cohen,dana@x.io,444,,fixed\n";

static char *read_whole(const char *path)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "%s is missing", path);
    static char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, file);
    text[n] = '\0';
    fclose(file);
    return text;
}

/* A person's edit, seconds after the run: the file's time is set as such, since a test edits
 * within the file system's clock tick of the run's last write. */
static void edit_as_a_person(const char *name, const char *text)
{
    const char *path = e2e_write(&fixture, name, text);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_sec += 2;
    struct timespec times[2] = {now, now};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

START_TEST(the_documented_loop_converges_and_sends_nothing_twice)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", MASTER);
    const char *messages;
    /* 1. the master, with the mappings */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--map", "E-mail=metadata.email", "--map",
                             "Phone=metadata.phone", "users.csv", NULL), 1);
    /* three users written, one a request or in a Data Import batch, and nothing else */
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), 3);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);
    ck_assert_msg(strstr(messages, "users.runs/") && strstr(messages, "/rejects.csv (2 rows to fix"), "%s", messages);
    ck_assert_ptr_nonnull(strstr(read_whole(e2e_path(&fixture, "users.runs/latest/rejects.csv")), "bola"));

    /* 2. the rejects fixed in place, 3. fed back as they are: no --map on this command line */
    edit_as_a_person("users.runs/latest/rejects.csv", FIXED_REJECTS);
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.runs/latest/rejects.csv", NULL), 0);
    ck_assert_msg(strstr(messages, "settings read from users.runs/latest/rejects.conf"), "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), 5);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 2); /* the loop's runs stay together */

    /* 4. the master again, unchanged: the two rows fixed elsewhere are not the file's to reject,
     * and the rejects file that was edited stays as it is, where it is */
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--map", "E-mail=metadata.email", "--map",
                             "Phone=metadata.phone", "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_writes(&fixture), 0);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), e2e_listing_pages(&fixture)); /* the app read */
    ck_assert_str_eq(read_whole(e2e_path(&fixture, e2e_run_file(&fixture, "users.runs", 0, "rejects.csv"))),
                     FIXED_REJECTS);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged"), 3);
    ck_assert_int_eq(e2e_count_action(rows, n, "superseded"), 2);
    free(rows);

    /* every user holds its mapped fields, the fixed ones included */
    cJSON *dump = e2e_users(&fixture);
    const char *uids[] = {"ana", "bola", "chen", "dana", "elif"};
    const char *phones[] = {"111", "222", "333", "444", "555"};
    for (size_t i = 0; i < 5; i++) {
        const cJSON *user = e2e_find_user(dump, uids[i]);
        ck_assert_msg(user != NULL, "%s missing", uids[i]);
        const cJSON *metadata = cJSON_GetObjectItem(user, "metadata");
        ck_assert_str_eq(e2e_field(metadata, "phone"), phones[i]);
        char email[32];
        snprintf(email, sizeof email, "%s@x.io", uids[i]);
        ck_assert_str_eq(e2e_field(metadata, "email"), email);
    }
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "dana"), "name"), "Dana Cohen");
    cJSON_Delete(dump);

    /* 5. the master once fixed as the rejects were: the same users, nothing to send; keeping one
     * run removes the others, but never the one whose rejects file was edited */
    char fixed_master[sizeof MASTER + 64];
    snprintf(fixed_master, sizeof fixed_master, "%s", MASTER);
    char *bola = strstr(fixed_master, "cdn.x.io/bola.png");
    memmove(bola + 8, bola, strlen(bola) + 1);
    memcpy(bola, "https://", 8);
    char *dana = strstr(fixed_master, "dana,,");
    memmove(dana + 15, dana + 5, strlen(dana + 5) + 1);
    memcpy(dana + 5, ",Dana Cohen", 11);
    e2e_write(&fixture, "users.csv", fixed_master);
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--map", "E-mail=metadata.email", "--map",
                             "Phone=metadata.phone", "--keep-runs", "1", "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_writes(&fixture), 0);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), e2e_listing_pages(&fixture)); /* the app read */
    ck_assert_msg(strstr(messages, "removed the 2 oldest runs") && strstr(messages, "rejects.csv was changed"), "%s",
                  messages);
    ck_assert_int_eq(e2e_run_count(&fixture, "users.runs"), 2);
    ck_assert_str_eq(read_whole(e2e_path(&fixture, e2e_run_file(&fixture, "users.runs", 0, "rejects.csv"))),
                     FIXED_REJECTS);
}
END_TEST

/* A dry run and runs that never started (exit 2) write nothing. */
START_TEST(runs_that_send_nothing_write_nothing)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", MASTER);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "-n", "users.csv", NULL), 1);
    ck_assert_msg(strstr(messages, "a dry run writes no file"), "%s", messages);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--encoding", "no-such-code", "users.csv", NULL), 2);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--map", "Nope=name", "users.csv", NULL), 2);
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), 0);
}
END_TEST

/* --save-config remembers the mappings for the next run in this folder; never the key. */
START_TEST(saved_settings_are_read_by_the_next_run)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "users.csv", "User ID,Full Name,E-mail\nana,Ana,ana@x.io\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--map", "E-mail=metadata.email", "--save-config",
                             "--dry-run", "users.csv", NULL), 0);
    char *saved = read_whole(e2e_path(&fixture, "cometchat-import.conf"));
    ck_assert_ptr_nonnull(strstr(saved, "map = E-mail=metadata.email"));
    ck_assert_ptr_null(strstr(saved, E2E_KEY));
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    ck_assert_ptr_nonnull(strstr(messages, "settings read from cometchat-import.conf"));
    cJSON *dump = e2e_users(&fixture);
    ck_assert_str_eq(e2e_field(cJSON_GetObjectItem(e2e_find_user(dump, "ana"), "metadata"), "email"), "ana@x.io");
    cJSON_Delete(dump);
    /* a broken settings file stops the run, naming its line */
    e2e_write(&fixture, "cometchat-import.conf", "# mine\nmode = upsert\napi-key = oops\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 2);
    ck_assert_ptr_nonnull(strstr(messages, "cometchat-import.conf line 3: \"api-key\" is not a setting"));
    ck_assert_ptr_null(strstr(messages, "oops"));
}
END_TEST

static Suite *loop_suite(void)
{
    Suite *suite = suite_create("e2e_loop");
    TCase *tc = tcase_create("loop");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_documented_loop_converges_and_sends_nothing_twice);
    tcase_add_test(tc, saved_settings_are_read_by_the_next_run);
    tcase_add_test(tc, runs_that_send_nothing_write_nothing);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(loop_suite)
