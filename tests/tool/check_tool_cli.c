#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool_cli.h"
#include "tool_options.h"
#include "check_main.h"
#include "test_files.h"

static tool_options opts;
static char err[1024];

static void clear_environment(void)
{
    unsetenv("COMETCHAT_APP_ID");
    unsetenv("COMETCHAT_REGION");
    unsetenv("COMETCHAT_BASE_URL");
    setenv("XDG_CONFIG_HOME", "/nonexistent/cci-config", 1); /* never the person's own settings */
}

static void teardown(void)
{
    tool_options_cleanup(&opts);
}

/* Parses the arguments given after the program name. */
static tool_cli_result parse_args(const char *first, ...)
{
    static char *argv[64];
    int argc = 0;
    argv[argc++] = "cometchat-import";
    va_list ap;
    va_start(ap, first);
    for (const char *arg = first; arg && argc < 63; arg = va_arg(ap, const char *))
        argv[argc++] = (char *)arg;
    va_end(ap);
    argv[argc] = NULL;
    tool_options_cleanup(&opts); /* what an earlier parse of the test holds */
    return tool_cli_parse(argc, argv, &opts, err, sizeof err);
}
#define PARSE(...) parse_args(__VA_ARGS__, (const char *)NULL)

START_TEST(defaults_follow_the_contract)
{
    ck_assert_int_eq(PARSE("--base-url", "http://127.0.0.1:1/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.input, "users.csv");
    ck_assert_int_eq(opts.mode, CCI_MODE_UPSERT);
    ck_assert_uint_eq(opts.workers, 8);
    ck_assert_uint_eq(opts.rate_per_minute, 0);
    ck_assert_int_eq(opts.delimiter, 0);
    ck_assert_int_eq(opts.progress, TOOL_PROGRESS_AUTO);
    ck_assert(!opts.dry_run && !opts.force && !opts.quiet);
    ck_assert_ptr_null(opts.report_path);
}
END_TEST

START_TEST(the_options_of_a_typical_run_reach_their_fields)
{
    ck_assert_int_eq(PARSE("--app-id", "app1", "--region", "eu", "--api-key-file", "k.txt",
                           "--report", "r.csv", "--rejects", "x.csv", "--mode", "update",
                           "--dry-run", "--workers", "16", "--rate", "500", "--map",
                           "E-mail=metadata.email", "--map", "Full Name=name", "--delimiter",
                           "TAB", "--encoding", "windows-1252", "--force", "--quiet", "--verbose",
                           "--progress=never", "-"),
                     TOOL_CLI_RUN);
    ck_assert_str_eq(opts.app_id, "app1");
    ck_assert_str_eq(opts.region, "eu");
    ck_assert_str_eq(opts.api_key_file, "k.txt");
    ck_assert_str_eq(opts.report_path, "r.csv");
    ck_assert_str_eq(opts.rejects_path, "x.csv");
    ck_assert_int_eq(opts.mode, CCI_MODE_UPDATE);
    ck_assert(opts.dry_run && opts.force && opts.quiet && opts.verbose);
    ck_assert_uint_eq(opts.workers, 16);
    ck_assert_uint_eq(opts.rate_per_minute, 500);
    ck_assert_uint_eq(opts.map_count, 2);
    ck_assert_int_eq((int)opts.maps[0].column_len, 6);
    ck_assert(strncmp(opts.maps[0].column, "E-mail", opts.maps[0].column_len) == 0);
    ck_assert_str_eq(opts.maps[0].field, "metadata.email");
    ck_assert_str_eq(opts.maps[1].field, "name");
    ck_assert_int_eq(opts.delimiter, '\t');
    ck_assert_str_eq(opts.encoding, "windows-1252");
    ck_assert_int_eq(opts.progress, TOOL_PROGRESS_NEVER);
    ck_assert_str_eq(opts.input, "-");
}
END_TEST

START_TEST(environment_supplies_the_target)
{
    setenv("COMETCHAT_APP_ID", "envapp", 1);
    setenv("COMETCHAT_REGION", "in", 1);
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.app_id, "envapp");
    ck_assert_str_eq(opts.region, "in");
}
END_TEST

START_TEST(a_command_line_value_beats_the_environment)
{
    setenv("COMETCHAT_BASE_URL", "https://env.example/v3", 1);
    ck_assert_int_eq(PARSE("--base-url", "https://cli.example/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.base_url, "https://cli.example/v3");
}
END_TEST

START_TEST(missing_target_is_refused_unless_dry_run)
{
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--app-id"));
    ck_assert_int_eq(PARSE("--dry-run", "users.csv"), TOOL_CLI_RUN);
}
END_TEST

START_TEST(help_and_version_end_parsing)
{
    ck_assert_int_eq(PARSE("--help"), TOOL_CLI_EXIT);
    ck_assert(opts.show_help);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--version"), TOOL_CLI_EXIT);
    ck_assert(opts.show_version);
}
END_TEST

START_TEST(plain_http_is_refused_unless_to_this_machine_or_asked_for)
{
    ck_assert_int_eq(PARSE("--base-url", "http://api.example.com/v3", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "api.example.com") && strstr(err, "unencrypted") && strstr(err, "--insecure-http"),
                  "%s", err);
    ck_assert_int_eq(PARSE("--base-url", "HTTP://10.0.0.5:8080/v3", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "ftp://127.0.0.1/v3", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "not a url", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "http://127.0.0.1:8080/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_int_eq(PARSE("--base-url", "http://localhost:8080/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_int_eq(PARSE("--base-url", "http://[::1]:8080/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert(opts.loopback); /* and never through a proxy */
    ck_assert_int_eq(PARSE("--base-url", "http://127.1:8080/v3", "users.csv"), TOOL_CLI_RUN);
    /* loopback is an address, not a name that starts like one */
    const char *not_here[] = {"http://127.evil.example/v3", "http://127.0.0.1.evil.example/v3",
                              "http://localhost.evil.example/v3", "http://[::2]/v3"};
    for (size_t i = 0; i < sizeof not_here / sizeof *not_here; i++) {
        ck_assert_int_eq(PARSE("--base-url", not_here[i], "users.csv"), TOOL_CLI_ERROR);
        ck_assert_msg(strstr(err, "not this machine"), "%s: %s", not_here[i], err);
    }
    ck_assert_int_eq(PARSE("--base-url", "https://api.example.com/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_int_eq(PARSE("--insecure-http", "--base-url", "http://api.example.com/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert(opts.insecure_http);
    setenv("COMETCHAT_BASE_URL", "http://proxy.internal/v3", 1);
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_ERROR); /* from the environment too */
    unsetenv("COMETCHAT_BASE_URL");
}
END_TEST

START_TEST(bad_values_are_named)
{
    struct {
        const char *option, *value, *expected;
    } cases[] = {
        {"--mode", "merge", "--mode"},        {"--workers", "0", "--workers"},
        {"--workers", "9999", "--workers"},   {"--workers", "8x", "--workers"},
        {"--rate", "-5", "--rate"},           {"--delimiter", "::", "--delimiter"},
        {"--progress", "sometimes", "--progress"}, {"--map", "nameonly", "--map"},
        {"--map", "Col=nickname", "unknown field"},  {"--map", "Col=metadata..x", "unknown field"},
        {"--region", "mars", "--region"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[] = {"cometchat-import", "--base-url", "http://x/v3", (char *)cases[i].option,
                        (char *)cases[i].value, "users.csv", NULL};
        ck_assert_int_eq(tool_cli_parse(6, argv, &opts, err, sizeof err), TOOL_CLI_ERROR);
        ck_assert_msg(strstr(err, cases[i].expected), "case %zu: %s", i, err);
        ck_assert_ptr_null(strchr(err, '\n'));
        tool_options_cleanup(&opts);
    }
}
END_TEST

START_TEST(an_api_key_on_the_command_line_is_refused_without_echo)
{
    ck_assert_int_eq(PARSE("--api-key=sk_live_0123456789abcdef", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "COMETCHAT_API_KEY"));
    ck_assert_ptr_null(strstr(err, "0123456789abcdef"));
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--api-key", "sk_live_0123456789abcdef", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_null(strstr(err, "0123456789abcdef"));
}
END_TEST

START_TEST(unknown_options_are_named_without_their_value)
{
    ck_assert_int_eq(PARSE("--token=secret123", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--token"));
    ck_assert_ptr_null(strstr(err, "secret123"));
}
END_TEST

START_TEST(input_count_is_checked)
{
    ck_assert_int_eq(PARSE("--dry-run"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "no input"));
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--dry-run", "a.csv", "b.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "one input"));
}
END_TEST

START_TEST(missing_value_is_named)
{
    ck_assert_int_eq(PARSE("users.csv", "--workers"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--workers needs a value"));
}
END_TEST

START_TEST(short_options_follow_gnu_and_curl)
{
    ck_assert_int_eq(PARSE("-n", "-q", "-v", "users.csv"), TOOL_CLI_RUN);
    ck_assert(opts.dry_run && opts.quiet && opts.verbose);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-h"), TOOL_CLI_EXIT);
    ck_assert(opts.show_help);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-V"), TOOL_CLI_EXIT);
    ck_assert(opts.show_version);
}
END_TEST

START_TEST(a_rate_is_read_per_minute_or_per_second)
{
    const char *given[] = {"100", "100/min", "100/m", "5/s", "5/sec"};
    const unsigned per_minute[] = {100, 100, 100, 300, 300};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(PARSE("-n", "--rate", given[i], "users.csv"), TOOL_CLI_RUN);
        ck_assert_uint_eq(opts.rate_per_minute, per_minute[i]);
        tool_options_cleanup(&opts);
    }
    const char *refused[] = {"0", "5/h", "/s", "-5/s", "100/min/s", "99999999/s"};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(PARSE("-n", "--rate", refused[i], "users.csv"), TOOL_CLI_ERROR);
        ck_assert_ptr_nonnull(strstr(err, "100/min or 5/s"));
        tool_options_cleanup(&opts);
    }
}
END_TEST

/* ---- the settings files: which may say what (tool_trust.h) ---- */

static test_path settings_dir, config_home;
static char here[PATH_MAX];

/* A fresh working folder with no settings file, the own settings in it, out of the real home. */
static void settings_setup(void)
{
    clear_environment();
    test_dir_new(settings_dir, "cli-settings");
    ck_assert_ptr_nonnull(getcwd(here, sizeof here));
    ck_assert_int_eq(chdir(settings_dir), 0);
    test_dir_file(config_home, settings_dir, "config");
    setenv("XDG_CONFIG_HOME", config_home, 1);
    ck_assert_int_eq(mkdir(config_home, 0700), 0);
    ck_assert_int_eq(mkdir("config/cometchat-import", 0700), 0);
}

static void settings_teardown(void)
{
    tool_options_cleanup(&opts);
    ck_assert_int_eq(chdir(here), 0);
    test_dir_remove(settings_dir);
}

/* Writes a settings file with mode (the marker first: a companion needs it). */
static void write_settings(const char *path, mode_t mode, const char *lines)
{
    char text[512];
    snprintf(text, sizeof text, "# cometchat-import: test\n%s", lines);
    test_file_write(path, text);
    ck_assert_int_eq(chmod(path, mode), 0);
}

#define WORKING "cometchat-import.conf"
#define COMPANION "users.conf"
#define OWN "config/cometchat-import/config"
#define NAMED "mine.conf"

/* "uid,name" is the header of the tool's uid lists and of the plainest export: the settings'
 * encoding is skipped only for a file in UTF-8, as the tool writes them. */
START_TEST(a_plain_export_in_another_encoding_keeps_the_settings_encoding)
{
    write_settings(WORKING, 0644, "encoding = windows-1252\n");
    test_file_write("users.csv", "uid,name\nw1,Jos\xe9\n");
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.encoding, "windows-1252");
    tool_options_cleanup(&opts);
    test_file_write("users.csv", "uid,name\nw1,Jos\xc3\xa9\n"); /* UTF-8: a uid list the tool wrote */
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_ptr_null(opts.encoding);
    ck_assert_msg(strstr(opts.settings_note, "the settings' encoding is skipped"), "%s", opts.settings_note);
    remove("users.csv");
    remove(WORKING);
}
END_TEST

/* A setting in every file, and on the command line: each wins over those below it, one by one,
 * the command line over all; the working folder's file is the lowest. */
START_TEST(each_setting_follows_the_precedence_of_its_files)
{
    write_settings(WORKING, 0644, "workers = 3\n");
    write_settings(COMPANION, 0644, "workers = 4\n");
    write_settings(OWN, 0600, "workers = 5\n");
    write_settings(NAMED, 0600, "workers = 6\n");
    ck_assert_int_eq(PARSE("-n", "--config", NAMED, "--workers", "7", "users.csv"), TOOL_CLI_RUN);
    ck_assert_uint_eq(opts.workers, 7);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-n", "--config", NAMED, "users.csv"), TOOL_CLI_RUN);
    ck_assert_uint_eq(opts.workers, 6);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN); /* no --config: the working folder's is read */
    ck_assert_uint_eq(opts.workers, 5);
    ck_assert(opts.settings[TOOL_SETTINGS_WORKING].text && opts.settings[TOOL_SETTINGS_OWN].text);
    tool_options_cleanup(&opts);
    remove(OWN);
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_uint_eq(opts.workers, 4);
    tool_options_cleanup(&opts);
    remove(COMPANION);
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_uint_eq(opts.workers, 3);
    ck_assert_ptr_null(strstr(opts.settings_note, COMPANION));
    tool_options_cleanup(&opts);
    /* a companion the tool did not write is not read, and that is said */
    test_file_write(COMPANION, "workers = 9\n");
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_uint_eq(opts.workers, 3);
    ck_assert_msg(strstr(opts.settings_note, COMPANION " was not written by cometchat-import, so it is not read"), "%s",
                  opts.settings_note);
    remove(COMPANION);
}
END_TEST

/* The target, part by part, from each kind of source against a file that travels with the data. */
START_TEST(a_travelling_file_never_chooses_the_target)
{
    write_settings(WORKING, 0644, "base-url = https://evil.example/v3\napp-id = EVIL\nregion = in\n");
    /* the command line: its kind of target, whole; the file's parts said and ignored */
    ck_assert_int_eq(PARSE("--app-id", "PROD", "--region", "eu", "users.csv"), TOOL_CLI_RUN);
    ck_assert_ptr_null(opts.base_url);
    ck_assert_str_eq(opts.app_id, "PROD");
    ck_assert_str_eq(opts.region, "eu");
    ck_assert_msg(strstr(opts.target_conflict, "--app-id PROD") && strstr(opts.target_conflict, "evil.example") &&
                      strstr(opts.target_conflict, WORKING " line 2"), "%s", opts.target_conflict);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--base-url", "https://api.example/v3", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.base_url, "https://api.example/v3");
    ck_assert_ptr_null(opts.app_id);
    tool_options_cleanup(&opts);
    /* the environment, likewise */
    setenv("COMETCHAT_BASE_URL", "https://env.example/v3", 1);
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.base_url, "https://env.example/v3");
    ck_assert_ptr_nonnull(strstr(opts.target_conflict, "COMETCHAT_BASE_URL=https://env.example/v3"));
    tool_options_cleanup(&opts);
    unsetenv("COMETCHAT_BASE_URL");
    /* an app ID typed, its region only in the file: the file would choose a part, and is refused */
    ck_assert_int_eq(PARSE("--app-id", "PROD", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "region = in (" WORKING " line 4)") && strstr(err, "--trust-settings") &&
                      strstr(err, "nothing was sent"), "%s", err);
    tool_options_cleanup(&opts);
    /* the file alone: refused, named, unless confirmed; a dry run sends nothing, so it may go on */
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "base-url = https://evil.example/v3 (" WORKING " line 2)") &&
                      strstr(err, "working folder"), "%s", err);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--plan", "users.csv"), TOOL_CLI_ERROR); /* --plan reads the app: it sends the key */
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--trust-settings", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.base_url, "https://evil.example/v3");
    tool_options_cleanup(&opts);
    /* a companion is refused the same way */
    remove(WORKING);
    write_settings(COMPANION, 0600, "base-url = https://evil.example/v3\n");
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, COMPANION " line 2") && strstr(err, "travels with users.csv"), "%s", err);
}
END_TEST

/* The person's own settings may choose the target, over the travelling files; not when others
 * may change them. */
START_TEST(own_settings_choose_the_target_when_only_yours)
{
    write_settings(WORKING, 0644, "base-url = https://evil.example/v3\n");
    write_settings(OWN, 0600, "app-id = MINE\nregion = us\n");
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.app_id, "MINE");
    ck_assert_ptr_null(opts.base_url);
    ck_assert_ptr_nonnull(strstr(opts.target_conflict, "evil.example"));
    tool_options_cleanup(&opts);
    write_settings(NAMED, 0600, "base-url = https://named.example/v3\n");
    ck_assert_int_eq(PARSE("--config", NAMED, "users.csv"), TOOL_CLI_RUN); /* --config: over the own file */
    ck_assert_str_eq(opts.base_url, "https://named.example/v3");
    tool_options_cleanup(&opts);
    ck_assert_int_eq(chmod(OWN, 0620), 0);
    ck_assert_int_eq(PARSE("users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "is not only yours: its group may change it"), "%s", err);
    tool_options_cleanup(&opts);
    ck_assert_int_eq(chmod(NAMED, 0606), 0);
    ck_assert_int_eq(PARSE("--config", NAMED, "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "anyone may change it"), "%s", err);
}
END_TEST

/* Where the runs are written is the person's to say: a travelling file's runs-dir is ignored,
 * said. */
START_TEST(runs_dir_comes_only_from_the_person)
{
    write_settings(WORKING, 0644, "runs-dir = /tmp/elsewhere\nkeep-runs = 1\n");
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_ptr_null(opts.runs_dir);
    ck_assert_uint_eq(opts.keep_runs, CCI_DEFAULT_KEEP_RUNS); /* nor which runs are removed */
    ck_assert_msg(strstr(opts.settings_note, "runs-dir = /tmp/elsewhere (" WORKING " line 2) is ignored") &&
                      strstr(opts.settings_note, "keep-runs = 1 (" WORKING " line 3) is ignored"), "%s",
                  opts.settings_note);
    tool_options_cleanup(&opts);
    write_settings(OWN, 0600, "runs-dir = /tmp/mine\n");
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.runs_dir, "/tmp/mine");
    tool_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-n", "--runs-dir", "out", "users.csv"), TOOL_CLI_RUN);
    ck_assert_str_eq(opts.runs_dir, "out");
}
END_TEST

/* An app ID becomes part of a host name: one that could move the host is refused, wherever from. */
START_TEST(an_app_id_that_could_move_the_host_is_refused)
{
    ck_assert_int_eq(PARSE("--app-id", "127.0.0.1:8080/x#", "--region", "eu", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, "--app-id") && strstr(err, "letters, digits"), "%s", err);
    tool_options_cleanup(&opts);
    setenv("COMETCHAT_APP_ID", "abc@evil.example#", 1);
    ck_assert_int_eq(PARSE("--region", "eu", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "COMETCHAT_APP_ID"));
    tool_options_cleanup(&opts);
    unsetenv("COMETCHAT_APP_ID");
    write_settings(WORKING, 0644, "app-id = a/b\n");
    ck_assert_int_eq(PARSE("--trust-settings", "--region", "eu", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, WORKING " line 2: app-id"), "%s", err);
}
END_TEST

/* Only a regular file is read: a FIFO planted under a settings file's name cannot hold the run. */
START_TEST(a_settings_name_that_is_no_regular_file_is_refused_at_once)
{
    ck_assert_int_eq(mkfifo(WORKING, 0600), 0);
    ck_assert_int_eq(PARSE("-n", "users.csv"), TOOL_CLI_ERROR);
    ck_assert_msg(strstr(err, WORKING) && strstr(err, "not a regular file"), "%s", err);
}
END_TEST

/* Issue 30: the man page's option list (the lines after each .TP) names every option of the
 * table, and no option the table does not have. */
START_TEST(the_man_page_lists_every_option_and_no_other)
{
    FILE *page = fopen(CCI_MAN_PAGE, "r");
    ck_assert_ptr_nonnull(page);
    char line[1024], listed[128][32];
    size_t count = 0;
    bool after_tp = false;
    while (fgets(line, sizeof line, page)) {
        if (after_tp)
            for (const char *at = strstr(line, "\\-\\-"); at; at = strstr(at, "\\-\\-")) {
                at += 4;
                char name[32];
                size_t n = 0;
                /* the name, its hyphens written \- */
                while (n + 1 < sizeof name && (islower((unsigned char)*at) || *at == '\\')) {
                    if (*at == '\\' && at[1] == '-') at++;
                    else if (*at == '\\') break;
                    name[n++] = *at++;
                }
                name[n] = '\0';
                if (n && count < 128) snprintf(listed[count++], sizeof listed[0], "%s", name);
            }
        after_tp = strncmp(line, ".TP", 3) == 0;
    }
    fclose(page);
    for (const tool_option *o = tool_option_table; o->name; o++) {
        bool found = false;
        for (size_t i = 0; i < count && !found; i++) found = strcmp(listed[i], o->name) == 0;
        ck_assert_msg(found, "the man page does not list --%s", o->name);
    }
    for (size_t i = 0; i < count; i++)
        ck_assert_msg(tool_option_named(listed[i]), "the man page lists --%s, which the tool does not have", listed[i]);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *suite = suite_create("cli");
    TCase *tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, clear_environment, teardown);
    tcase_add_test(tc, defaults_follow_the_contract);
    tcase_add_test(tc, short_options_follow_gnu_and_curl);
    tcase_add_test(tc, a_rate_is_read_per_minute_or_per_second);
    tcase_add_test(tc, the_options_of_a_typical_run_reach_their_fields);
    tcase_add_test(tc, environment_supplies_the_target);
    tcase_add_test(tc, a_command_line_value_beats_the_environment);
    tcase_add_test(tc, missing_target_is_refused_unless_dry_run);
    tcase_add_test(tc, help_and_version_end_parsing);
    tcase_add_test(tc, bad_values_are_named);
    tcase_add_test(tc, an_api_key_on_the_command_line_is_refused_without_echo);
    tcase_add_test(tc, unknown_options_are_named_without_their_value);
    tcase_add_test(tc, input_count_is_checked);
    tcase_add_test(tc, missing_value_is_named);
    tcase_add_test(tc, plain_http_is_refused_unless_to_this_machine_or_asked_for);
    tcase_add_test(tc, the_man_page_lists_every_option_and_no_other);
    suite_add_tcase(suite, tc);
    TCase *settings = tcase_create("settings");
    tcase_add_checked_fixture(settings, settings_setup, settings_teardown);
    tcase_add_test(settings, each_setting_follows_the_precedence_of_its_files);
    tcase_add_test(settings, a_plain_export_in_another_encoding_keeps_the_settings_encoding);
    tcase_add_test(settings, a_travelling_file_never_chooses_the_target);
    tcase_add_test(settings, own_settings_choose_the_target_when_only_yours);
    tcase_add_test(settings, runs_dir_comes_only_from_the_person);
    tcase_add_test(settings, an_app_id_that_could_move_the_host_is_refused);
    tcase_add_test(settings, a_settings_name_that_is_no_regular_file_is_refused_at_once);
    suite_add_tcase(suite, settings);
    return suite;
}

CCI_CHECK_MAIN(cli_suite)
