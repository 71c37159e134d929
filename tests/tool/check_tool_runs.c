/* Run folders: one place per run, `latest`, and pruning that never takes what a person needs. */
/* realpath */
#define _XOPEN_SOURCE 700
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_main.h"
#include "test_files.h"
#include "tool_runs.h"

/* 2026-11-22T10:15:03Z */
static const time_t A_SECOND = 1795342503;

static void expect_runs_in(const char *input, const char *runs_dir, const char *expected)
{
    char *runs = tool_runs_of_input(input, runs_dir);
    ck_assert_ptr_nonnull(runs);
    ck_assert_str_eq(runs, expected);
    free(runs);
}

static void expect_runs_of(const char *input, const char *expected)
{
    expect_runs_in(input, NULL, expected);
}

START_TEST(the_runs_of_a_file_are_beside_it)
{
    expect_runs_of("users.csv", "users.runs");
    expect_runs_of("dir/users.csv", "dir/users.runs");
    expect_runs_of("-", "stdin.runs");
    expect_runs_of("x.runs/other/rejects.csv", "x.runs/other/rejects.runs"); /* "other" is no run */
    expect_runs_of("d/.runs/latest/rejects.csv", "d/.runs/latest/rejects.runs"); /* ".runs" names no input */
}
END_TEST

START_TEST(runs_dir_holds_the_runs_of_each_input_by_its_name)
{
    expect_runs_in("dir/users.csv", "/srv/runs", "/srv/runs/users.runs");
    expect_runs_in("users.csv", "out", "out/users.runs");
    expect_runs_in("-", "/srv/runs", "/srv/runs/stdin.runs");
    expect_runs_in("a/users.runs/latest/rejects.csv", "/srv/runs", "/srv/runs/users.runs"); /* one history */
}
END_TEST

START_TEST(a_file_fed_back_from_a_run_keeps_the_runs_of_its_master)
{
    expect_runs_of("users.runs/latest/rejects.csv", "users.runs");
    expect_runs_of("a/users.runs/2026-11-22T10-15-03Z-2/rejects.csv", "a/users.runs");
    expect_runs_of("/abs/users.runs/2026-11-22T10-15-03Z/rejects.csv", "/abs/users.runs");
}
END_TEST

START_TEST(a_file_fed_back_from_inside_its_run_folder_is_known_by_the_real_path)
{
    test_path dir, runs, run;
    test_dir_new(dir, "runs-inside");
    ck_assert_int_eq(mkdir(test_dir_file(runs, dir, "users.runs"), 0700), 0);
    ck_assert_int_eq(mkdir(test_dir_file(run, runs, "2026-11-22T10-15-03Z"), 0700), 0);
    char here[PATH_MAX], *real_runs = realpath(runs, NULL);
    ck_assert_ptr_nonnull(getcwd(here, sizeof here));
    ck_assert_int_eq(chdir(run), 0);
    expect_runs_of("rejects.csv", real_runs);
    ck_assert_int_eq(chdir(here), 0);
    free(real_runs);
    test_dir_remove(dir);
}
END_TEST

START_TEST(run_names_are_stamps_ordered_by_time_then_number)
{
    unsigned long number;
    ck_assert(tool_run_name_parse("2026-11-22T10-15-03Z", &number));
    ck_assert_uint_eq(number, 1);
    ck_assert(tool_run_name_parse("2026-11-22T10-15-03Z-12", &number));
    ck_assert_uint_eq(number, 12);
    const char *not_runs[] = {"latest", "2026-11-22T10-15-03", "2026-11-22T10-15-03Z-1", "2026-11-22T10-15-03Z-02",
                              "2026-11-22T10:15:03Z", "2026-11-22T10-15-03Z-", "2026-11-22T10-15-03Zx", ""};
    for (size_t i = 0; i < sizeof not_runs / sizeof *not_runs; i++)
        ck_assert_msg(!tool_run_name_parse(not_runs[i], &number), "%s", not_runs[i]);
    ck_assert_int_lt(tool_run_name_compare("2026-11-22T10-15-03Z", "2026-11-22T10-15-03Z-2"), 0);
    ck_assert_int_lt(tool_run_name_compare("2026-11-22T10-15-03Z-9", "2026-11-22T10-15-03Z-10"), 0); /* not by text */
    ck_assert_int_lt(tool_run_name_compare("2026-11-22T10-15-03Z-10", "2026-11-22T10-15-04Z"), 0);
    ck_assert_int_eq(tool_run_name_compare("2026-11-22T10-15-03Z-3", "2026-11-22T10-15-03Z-3"), 0);
}
END_TEST

START_TEST(runs_begun_in_one_second_get_folders_of_their_own)
{
    test_path dir, input;
    test_dir_new(dir, "runs-make");
    test_dir_file(input, dir, "users.csv");
    tool_run_folder first, second;
    char err[256];
    ck_assert(tool_run_folder_make(&first, input, NULL, A_SECOND, err, sizeof err));
    ck_assert(tool_run_folder_make(&second, input, NULL, A_SECOND, err, sizeof err));
    ck_assert(first.made_runs && !second.made_runs);
    ck_assert_str_eq(first.name, "2026-11-22T10-15-03Z");
    ck_assert_str_eq(second.name, "2026-11-22T10-15-03Z-2");
    struct stat st;
    ck_assert_int_eq(stat(second.path, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    char *report = tool_run_folder_file(&second, "report.csv"), expected[512];
    snprintf(expected, sizeof expected, "%s/users.runs/2026-11-22T10-15-03Z-2/report.csv", dir);
    ck_assert_str_eq(report, expected);
    free(report);
    /* --keep-runs removed the second's first folder: a third run of that second takes a name after
     * the last that is there, never the freed one, which would sort before an older run */
    ck_assert_int_eq(rmdir(first.path), 0);
    tool_run_folder third;
    ck_assert(tool_run_folder_make(&third, input, NULL, A_SECOND, err, sizeof err));
    ck_assert_str_eq(third.name, "2026-11-22T10-15-03Z-3");
    tool_run_folder_cleanup(&third);
    tool_run_folder_cleanup(&first);
    tool_run_folder_cleanup(&second);
    test_dir_remove(dir);
}
END_TEST

START_TEST(a_folder_that_cannot_be_made_is_named)
{
    test_path dir, input, blocker;
    test_dir_new(dir, "runs-blocked");
    test_file_write(test_dir_file(blocker, dir, "users.runs"), "a file where the folder would be\n");
    tool_run_folder folder;
    char err[512];
    ck_assert(!tool_run_folder_make(&folder, test_dir_file(input, dir, "users.csv"), NULL, A_SECOND, err, sizeof err));
    ck_assert_msg(strstr(err, "users.runs is not a folder") && strstr(err, "--runs-dir"), "%s", err);
    test_dir_remove(dir);
}
END_TEST

/* No link is followed on the way out: the link is refused, its target left as it was. */
START_TEST(a_link_where_the_runs_would_be_is_refused)
{
    test_path dir, input, elsewhere, link;
    test_dir_new(dir, "runs-link");
    test_dir_new(elsewhere, "runs-link-target");
    ck_assert_int_eq(symlink(elsewhere, test_dir_file(link, dir, "users.runs")), 0);
    tool_run_folder folder;
    char err[512];
    ck_assert(!tool_run_folder_make(&folder, test_dir_file(input, dir, "users.csv"), NULL, A_SECOND, err, sizeof err));
    ck_assert_msg(strstr(err, "users.runs is a symbolic link") && strstr(err, "--runs-dir"), "%s", err);
    char command[600];
    snprintf(command, sizeof command, "test -z \"$(ls -A '%s')\"", elsewhere);
    ck_assert_msg(system(command) == 0, "something was written in the link's target %s", elsewhere);
    test_dir_remove(dir);
    test_dir_remove(elsewhere);
}
END_TEST

/* Whatever the umask, the runs are their owner's alone; a folder an earlier version left open is
 * closed. */
START_TEST(run_folders_are_private)
{
    test_path dir, input, runs;
    test_dir_new(dir, "runs-private");
    test_dir_file(input, dir, "users.csv");
    mode_t before = umask(022);
    tool_run_folder first, second;
    char err[512];
    ck_assert_msg(tool_run_folder_make(&first, input, NULL, A_SECOND, err, sizeof err), "%s", err);
    struct stat st;
    ck_assert_int_eq(stat(test_dir_file(runs, dir, "users.runs"), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(stat(first.path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(chmod(runs, 0755), 0);
    ck_assert_msg(tool_run_folder_make(&second, input, NULL, A_SECOND + 1, err, sizeof err), "%s", err);
    ck_assert_int_eq(stat(runs, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    umask(before);
    tool_run_folder_cleanup(&first);
    tool_run_folder_cleanup(&second);
    test_dir_remove(dir);
}
END_TEST

/* A folder the person cannot write is named with the system's reason and the way out; as root, a
 * child that is nobody tries it (root may write anywhere). */
START_TEST(a_folder_that_cannot_be_written_says_so_and_offers_runs_dir)
{
    test_path dir, input;
    test_dir_new(dir, "runs-denied");
    ck_assert_int_eq(chmod(dir, 0555), 0);
    int answer[2];
    ck_assert_int_eq(pipe(answer), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        if (geteuid() == 0 && setuid(65534) != 0) _exit(2);
        tool_run_folder folder;
        char err[512] = "";
        bool made = tool_run_folder_make(&folder, test_dir_file(input, dir, "users.csv"), NULL, A_SECOND, err, sizeof err);
        if (write(answer[1], err, strlen(err)) < 0) _exit(3);
        _exit(made ? 1 : 0);
    }
    close(answer[1]);
    char err[512] = "";
    ssize_t got = read(answer[0], err, sizeof err - 1);
    err[got > 0 ? got : 0] = '\0';
    close(answer[0]);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the folder was made, or the child failed: %s", err);
    ck_assert_msg(strstr(err, "cannot create") && strstr(err, "users.runs: Permission denied") &&
                      strstr(err, "--runs-dir DIR"), "%s", err);
    ck_assert_int_eq(chmod(dir, 0700), 0);
    test_dir_remove(dir);
}
END_TEST

START_TEST(a_run_that_never_started_leaves_nothing)
{
    test_path dir, input, runs;
    test_dir_new(dir, "runs-abandon");
    test_dir_file(input, dir, "users.csv");
    test_dir_file(runs, dir, "users.runs");
    tool_run_folder first, second;
    char err[256];
    ck_assert(tool_run_folder_make(&first, input, NULL, A_SECOND, err, sizeof err));
    tool_run_folder_abandon(&first);
    tool_run_folder_cleanup(&first);
    ck_assert_int_eq(access(runs, F_OK), -1); /* made by the run: gone with it */
    ck_assert(tool_run_folder_make(&first, input, NULL, A_SECOND, err, sizeof err));
    ck_assert(tool_run_folder_make(&second, input, NULL, A_SECOND + 1, err, sizeof err));
    tool_run_folder_abandon(&second);
    ck_assert_int_eq(access(second.path, F_OK), -1);
    ck_assert_int_eq(access(first.path, F_OK), 0); /* an earlier run's stays */
    tool_run_folder_cleanup(&first);
    tool_run_folder_cleanup(&second);
    test_dir_remove(dir);
}
END_TEST

START_TEST(latest_points_at_the_last_run_marked)
{
    test_path dir, input, latest;
    test_dir_new(dir, "runs-latest");
    test_dir_file(input, dir, "users.csv");
    test_dir_file(latest, dir, "users.runs/latest");
    tool_run_folder first, second;
    char err[256], target[64];
    ck_assert(tool_run_folder_make(&first, input, NULL, A_SECOND, err, sizeof err));
    ck_assert(tool_run_folder_mark_latest(&first, err, sizeof err));
    ck_assert(tool_run_folder_make(&second, input, NULL, A_SECOND + 60, err, sizeof err));
    ck_assert(tool_run_folder_mark_latest(&second, err, sizeof err));
    ssize_t len = readlink(latest, target, sizeof target - 1);
    ck_assert_int_gt(len, 0);
    target[len] = '\0';
    ck_assert_str_eq(target, "2026-11-22T10-16-03Z");
    tool_run_folder_cleanup(&first);
    tool_run_folder_cleanup(&second);
    test_dir_remove(dir);
}
END_TEST

/* A run folder with the files a whole run leaves, summary.json last; returns its name. */
static void make_run(const char *runs, const char *name, struct timespec written)
{
    test_path run, file;
    ck_assert_int_eq(mkdir(test_dir_file(run, runs, name), 0700), 0);
    const char *files[] = {"report.csv", "rejects.csv", "rejects.conf", "summary.json"};
    for (size_t i = 0; i < 4; i++) {
        test_file_write(test_dir_file(file, run, files[i]), "x\n");
        struct timespec times[2] = {written, written};
        ck_assert_int_eq(utimensat(AT_FDCWD, file, times, 0), 0);
    }
}

static bool run_exists(const char *runs, const char *name)
{
    test_path run;
    return access(test_dir_file(run, runs, name), F_OK) == 0;
}

static const char *const NAMES[] = {"2026-11-20T09-00-00Z", "2026-11-21T09-00-00Z", "2026-11-21T09-00-00Z-2",
                                    "2026-11-22T09-00-00Z", "2026-11-22T10-00-00Z"};
enum { RUNS = sizeof NAMES / sizeof *NAMES };

static void make_runs(test_path dir, test_path runs, const char *name)
{
    test_dir_new(dir, name);
    ck_assert_int_eq(mkdir(test_dir_file(runs, dir, "users.runs"), 0700), 0);
    for (int i = 0; i < RUNS; i++) make_run(runs, NAMES[i], (struct timespec){1795000000 + i * 100, 0});
}

START_TEST(the_oldest_runs_past_the_count_are_removed)
{
    test_path dir, runs;
    make_runs(dir, runs, "runs-prune");
    tool_runs_pruned pruned = tool_runs_prune(runs, 3, NAMES[RUNS - 1], "users.csv");
    ck_assert_uint_eq(pruned.removed, 2);
    ck_assert_uint_eq(pruned.kept, 0);
    for (int i = 0; i < RUNS; i++) ck_assert_msg(run_exists(runs, NAMES[i]) == (i >= 2), "%s", NAMES[i]);
    pruned = tool_runs_prune(runs, 0, NAMES[RUNS - 1], "users.csv"); /* 0: keep them all */
    ck_assert_uint_eq(pruned.removed, 0);
    ck_assert(run_exists(runs, NAMES[2]));
    test_dir_remove(dir);
}
END_TEST

START_TEST(runs_a_person_may_need_are_kept_and_one_is_named)
{
    test_path dir, runs, file, run;
    make_runs(dir, runs, "runs-keep");
    /* someone is fixing the oldest run's rejects file */
    struct timespec later[2] = {{1795009999, 0}, {1795009999, 0}};
    test_dir_file(run, runs, NAMES[0]);
    ck_assert_int_eq(utimensat(AT_FDCWD, test_dir_file(file, run, "rejects.csv"), later, 0), 0);
    /* the second lists users --prune deactivated */
    test_file_write(test_dir_file(file, test_dir_file(run, runs, NAMES[1]), "pruned.csv"), "uid\n");
    /* the third holds a file of the person's own */
    test_file_write(test_dir_file(file, test_dir_file(run, runs, NAMES[2]), "notes.txt"), "mine\n");
    /* a symlink that looks like a run is never followed */
    test_path link;
    ck_assert_int_eq(symlink(dir, test_dir_file(link, runs, "2026-01-01T00-00-00Z")), 0);
    tool_runs_pruned pruned = tool_runs_prune(runs, 1, NAMES[RUNS - 1], "users.csv");
    ck_assert_uint_eq(pruned.removed, 1); /* NAMES[3] only */
    ck_assert_uint_eq(pruned.kept, 3);
    ck_assert(!run_exists(runs, NAMES[3]));
    for (int i = 0; i < 3; i++) ck_assert_msg(run_exists(runs, NAMES[i]), "%s", NAMES[i]);
    ck_assert_msg(strstr(pruned.kept_example, NAMES[2]) && strstr(pruned.kept_example, "did not write"), "%s",
                  pruned.kept_example);
    ck_assert(run_exists(runs, "2026-01-01T00-00-00Z"));
    ck_assert_int_eq(access(test_dir_file(file, dir, "users.runs"), F_OK), 0); /* the link's target untouched */
    test_path kept_file;
    ck_assert_int_eq(access(test_dir_file(kept_file, test_dir_file(run, runs, NAMES[2]), "notes.txt"), F_OK), 0);
    test_dir_remove(dir);
}
END_TEST

START_TEST(the_run_being_fed_back_and_the_current_run_are_never_removed)
{
    test_path dir, runs, run, input;
    make_runs(dir, runs, "runs-input");
    test_dir_file(input, test_dir_file(run, runs, NAMES[0]), "rejects.csv");
    tool_runs_pruned pruned = tool_runs_prune(runs, 1, NAMES[1], input); /* as if NAMES[1] were this run */
    ck_assert(run_exists(runs, NAMES[0]) && run_exists(runs, NAMES[1]) && run_exists(runs, NAMES[4]));
    ck_assert(!run_exists(runs, NAMES[2]) && !run_exists(runs, NAMES[3]));
    ck_assert_uint_eq(pruned.removed, 2);
    ck_assert_msg(strstr(pruned.kept_example, "being imported"), "%s", pruned.kept_example);
    test_dir_remove(dir);
}
END_TEST

static Suite *runs_suite(void)
{
    Suite *suite = suite_create("tool_runs");
    TCase *tc = tcase_create("runs");
    tcase_add_test(tc, the_runs_of_a_file_are_beside_it);
    tcase_add_test(tc, runs_dir_holds_the_runs_of_each_input_by_its_name);
    tcase_add_test(tc, a_file_fed_back_from_a_run_keeps_the_runs_of_its_master);
    tcase_add_test(tc, a_file_fed_back_from_inside_its_run_folder_is_known_by_the_real_path);
    tcase_add_test(tc, run_names_are_stamps_ordered_by_time_then_number);
    tcase_add_test(tc, runs_begun_in_one_second_get_folders_of_their_own);
    tcase_add_test(tc, a_folder_that_cannot_be_made_is_named);
    tcase_add_test(tc, a_run_that_never_started_leaves_nothing);
    tcase_add_test(tc, a_link_where_the_runs_would_be_is_refused);
    tcase_add_test(tc, run_folders_are_private);
    tcase_add_test(tc, a_folder_that_cannot_be_written_says_so_and_offers_runs_dir);
    tcase_add_test(tc, latest_points_at_the_last_run_marked);
    tcase_add_test(tc, the_oldest_runs_past_the_count_are_removed);
    tcase_add_test(tc, runs_a_person_may_need_are_kept_and_one_is_named);
    tcase_add_test(tc, the_run_being_fed_back_and_the_current_run_are_never_removed);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(runs_suite)
