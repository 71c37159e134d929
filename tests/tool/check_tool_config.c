/* Remembered settings: reading NAME = VALUE lines, the companion's name, writing them back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "tool_cli.h"
#include "tool_config.h"
#include "tool_options.h"

static char path[64], err[512];

static void setup(void)
{
    snprintf(path, sizeof path, "/tmp/cci-config-%d.conf", (int)getpid());
}

static void teardown(void)
{
    remove(path);
}

static void write_file(const char *text)
{
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
}

typedef struct seen {
    char names[16][32], values[16][64];
    unsigned lines[16];
    int count;
} seen;

static bool collect(void *context, const char *name, const char *value, unsigned line, char *why, size_t why_len)
{
    seen *s = context;
    ck_assert_int_lt(s->count, 16);
    if (strcmp(name, "refuse") == 0) {
        snprintf(why, why_len, "refused");
        return false;
    }
    snprintf(s->names[s->count], sizeof s->names[0], "%s", name);
    snprintf(s->values[s->count], sizeof s->values[0], "%s", value);
    s->lines[s->count++] = line;
    return true;
}

/* What the tool does with a settings file: loaded whole, then applied line by line. */
static bool read_settings(const char *file, bool must_exist, bool only_ours, char **text, seen *s)
{
    struct stat st;
    return tool_config_load(file, must_exist, only_ours, text, &st, err, sizeof err) &&
           (!*text || tool_config_apply(file, *text, collect, s, err, sizeof err));
}

START_TEST(settings_are_name_value_lines_with_comments)
{
    write_file("# cometchat-import: kept\n\n  map = E-mail=metadata.email  \r\nmode=update\n# the end\n");
    seen s = {0};
    char *text;
    ck_assert_msg(read_settings(path, true, false, &text, &s), "%s", err);
    ck_assert_int_eq(s.count, 2);
    ck_assert_str_eq(s.names[0], "map");
    ck_assert_str_eq(s.values[0], "E-mail=metadata.email");
    ck_assert_uint_eq(s.lines[0], 3);
    ck_assert_str_eq(s.names[1], "mode");
    ck_assert_str_eq(s.values[1], "update");
    free(text);
}
END_TEST

START_TEST(a_bad_line_is_named_and_a_missing_file_is_no_error_unless_asked_for)
{
    write_file("mode = upsert\nno equals sign\n");
    seen s = {0};
    char *text;
    ck_assert(!read_settings(path, true, false, &text, &s));
    ck_assert_ptr_nonnull(strstr(err, "line 2: expected NAME = VALUE"));
    free(text);
    write_file("refuse = 1\n");
    ck_assert(!read_settings(path, true, false, &text, &s));
    ck_assert_ptr_nonnull(strstr(err, "line 1: refused"));
    free(text);
    remove(path);
    ck_assert(read_settings(path, false, false, &text, &s));
    ck_assert_ptr_null(text);
    ck_assert(!read_settings(path, true, false, &text, &s));
    ck_assert_ptr_nonnull(strstr(err, "cannot read the settings file"));
}
END_TEST

START_TEST(a_companion_not_written_by_this_tool_is_left_unread)
{
    write_file("[section]\nsomething = else\n");
    seen s = {0};
    char *text;
    ck_assert(read_settings(path, false, true, &text, &s));
    ck_assert_ptr_null(text);
    ck_assert_int_eq(s.count, 0);
}
END_TEST

START_TEST(the_companion_replaces_csv_with_conf)
{
    char *c = tool_config_companion("data/users.rejects.csv");
    ck_assert_str_eq(c, "data/users.rejects.conf");
    free(c);
    c = tool_config_companion("export.CSV");
    ck_assert_str_eq(c, "export.conf");
    free(c);
    c = tool_config_companion("users.txt");
    ck_assert_str_eq(c, "users.txt.conf");
    free(c);
    ck_assert_ptr_null(tool_config_companion("-"));
}
END_TEST

START_TEST(written_settings_read_back_and_hold_no_key)
{
    cci_column_map maps[] = {{.column = "E-mail=metadata.email", .column_len = 6, .field = "metadata.email"}};
    tool_options opts = {.app_id = "app1", .region = "eu", .mode = CCI_MODE_UPDATE, .workers = 16,
                        .keep_runs = 5, .rate_per_minute = 300, .delimiter = ';', .encoding = "windows-1252", .maps = maps,
                        .map_count = 1, .api_key_file = "/secret/key", .timeout_ms = CCI_DEFAULT_TIMEOUT_MS,
                        .retries = CCI_DEFAULT_RETRIES, .max_wait_ms = CCI_DEFAULT_MAX_WAIT_MS};
    ck_assert_msg(tool_config_write(path, &opts, true, "test", err, sizeof err), "%s", err);
    seen s = {0};
    char *text;
    ck_assert(read_settings(path, true, true, &text, &s));
    /* in the option table's order, defaults left out */
    const char *expected[][2] = {{"app-id", "app1"}, {"region", "eu"}, {"mode", "update"}, {"workers", "16"},
                                 {"rate", "300/min"}, {"map", "E-mail=metadata.email"}, {"delimiter", ";"},
                                 {"encoding", "windows-1252"}, {"keep-runs", "5"}};
    ck_assert_int_eq(s.count, 9);
    for (int i = 0; i < 9; i++) {
        ck_assert_str_eq(s.names[i], expected[i][0]);
        ck_assert_str_eq(s.values[i], expected[i][1]);
    }
    ck_assert_ptr_null(strstr(text, "secret"));
    free(text);
}
END_TEST

/* A value with a line break would read back as two lines, the second no setting: it is refused,
 * saying which, and no file is left behind. */
START_TEST(a_value_with_a_line_break_is_not_written)
{
    cci_column_map maps[] = {{.column = "line\nbreak=metadata.lb", .column_len = 10, .field = "metadata.lb"}};
    tool_options opts = {.mode = CCI_MODE_UPSERT, .workers = CCI_DEFAULT_WORKERS, .keep_runs = CCI_DEFAULT_KEEP_RUNS,
                        .maps = maps, .map_count = 1, .timeout_ms = CCI_DEFAULT_TIMEOUT_MS,
                        .retries = CCI_DEFAULT_RETRIES, .max_wait_ms = CCI_DEFAULT_MAX_WAIT_MS};
    ck_assert(!tool_config_write(path, &opts, true, "test", err, sizeof err));
    ck_assert_msg(strstr(err, "map") && strstr(err, "line break"), "%s", err);
    ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

/* A file others may read (the working folder's, a companion) never names where requests go, and
 * every file written is its owner's alone, whatever the umask. */
START_TEST(a_file_for_others_holds_no_target_and_every_file_is_private)
{
    tool_options opts = {.app_id = "app1", .region = "eu", .base_url = "https://x.example/v3", .runs_dir = "/srv/runs",
                        .mode = CCI_MODE_UPSERT, .workers = CCI_DEFAULT_WORKERS, .keep_runs = CCI_DEFAULT_KEEP_RUNS,
                        .timeout_ms = CCI_DEFAULT_TIMEOUT_MS, .retries = CCI_DEFAULT_RETRIES,
                        .max_wait_ms = CCI_DEFAULT_MAX_WAIT_MS};
    mode_t before = umask(022);
    ck_assert_msg(tool_config_write(path, &opts, false, "test", err, sizeof err), "%s", err);
    umask(before);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    seen s = {0};
    char *text;
    ck_assert(read_settings(path, true, true, &text, &s));
    ck_assert_int_eq(s.count, 1); /* mode = upsert only */
    ck_assert_str_eq(s.names[0], "mode");
    free(text);
    ck_assert_msg(tool_config_write(path, &opts, true, "test", err, sizeof err), "%s", err);
    s.count = 0;
    ck_assert(read_settings(path, true, true, &text, &s));
    ck_assert_int_eq(s.count, 5);
    ck_assert_str_eq(s.names[2], "base-url");
    ck_assert_str_eq(s.names[4], "runs-dir");
    free(text);
}
END_TEST

/* Issue 30: --save-config writes every setting the reader takes, and reading what it wrote gives
 * the same options. Every setting of the option table is given a value other than its default
 * here: a setting added to the table without one fails this test. */
static const char *const every_setting[][2] = {
    {"app-id", "app-1"},      {"region", "in"},           {"mode", "update"},      {"workers", "3"},
    {"rate", "120/min"},      {"timeout", "2.5"},         {"retries", "7"},        {"max-wait", "45"},
    {"data-import", "off"},   {"map", "Employee ID=uid"}, {"map", "E-mail=metadata.email"},
    {"delimiter", ";"},       {"encoding", "windows-1252"}, {"date-order", "dmy"}, {"timezone", "+05:30"},
    {"runs-dir", "/tmp/runs"}, {"keep-runs", "3"},        {"rejects-encoding", "UTF-8"},
};

static void parse_with_settings(const char *file, tool_options *opts)
{
    char *argv[] = {"cometchat-import", "--config", (char *)file, "--dry-run", "users.csv", NULL};
    ck_assert_msg(tool_cli_parse(5, argv, opts, err, sizeof err) == TOOL_CLI_RUN, "%s", err);
}

/* Writes the settings (with target in place of the app ID and region), reads them, saves them and
 * reads the saved file: the same value for every setting. Marks the settings that had one. */
static void round_trip(const char *target, bool had_value[])
{
    char text[2048] = "";
    size_t used = 0;
    if (target) used += (size_t)snprintf(text, sizeof text, "%s\n", target);
    for (size_t i = target ? 2 : 0; i < sizeof every_setting / sizeof *every_setting; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s = %s\n", every_setting[i][0], every_setting[i][1]);
    write_file(text);
    chmod(path, 0600);
    tool_options first, second;
    parse_with_settings(path, &first);
    char saved[80];
    snprintf(saved, sizeof saved, "%s.saved", path);
    ck_assert_msg(tool_config_write(saved, &first, true, "test", err, sizeof err), "%s", err);
    parse_with_settings(saved, &second);
    size_t n = 0;
    for (const tool_option *o = tool_option_table; o->name; o++, n++) {
        if (o->setting == TOOL_SETTING_NO) continue;
        for (size_t i = 0;; i++) {
            char a[256], b[256];
            bool in_first = tool_option_value(o, &first, i, a, sizeof a);
            bool in_second = tool_option_value(o, &second, i, b, sizeof b);
            ck_assert_msg(in_first == in_second, "%s: written %d, read back %d", o->name, in_first, in_second);
            if (!in_first) break;
            ck_assert_msg(strcmp(a, b) == 0, "%s: %s became %s", o->name, a, b);
            had_value[n] = true;
            if (o->code != OPT_MAP) break; /* one value; a map has one a line */
        }
    }
    ck_assert_uint_eq(second.map_count, 2);
    ck_assert_uint_eq(second.timeout_ms, 2500);
    tool_options_cleanup(&first);
    tool_options_cleanup(&second);
    remove(saved);
}

START_TEST(save_config_round_trips_every_setting)
{
    setenv("XDG_CONFIG_HOME", "/nonexistent-cci-config", 1); /* no own file in the way */
    bool had_value[64] = {false};
    round_trip(NULL, had_value);
    round_trip("base-url = https://cometchat.example/v3", had_value); /* the target's other kind */
    size_t n = 0;
    for (const tool_option *o = tool_option_table; o->name; o++, n++)
        ck_assert_msg(o->setting == TOOL_SETTING_NO || had_value[n], "the test gives %s no value", o->name);
}
END_TEST

START_TEST(the_own_settings_are_in_the_config_folder)
{
    setenv("XDG_CONFIG_HOME", "/home/ana/.cfg", 1);
    char *own = tool_config_own_path();
    ck_assert_str_eq(own, "/home/ana/.cfg/cometchat-import/config");
    free(own);
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    setenv("HOME", "/home/ana", 1);
    own = tool_config_own_path();
    ck_assert_str_eq(own, "/home/ana/.config/cometchat-import/config");
    free(own);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    ck_assert_ptr_null(tool_config_own_path());
}
END_TEST

static Suite *config_suite(void)
{
    Suite *suite = suite_create("tool_config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, settings_are_name_value_lines_with_comments);
    tcase_add_test(tc, a_value_with_a_line_break_is_not_written);
    tcase_add_test(tc, a_bad_line_is_named_and_a_missing_file_is_no_error_unless_asked_for);
    tcase_add_test(tc, a_companion_not_written_by_this_tool_is_left_unread);
    tcase_add_test(tc, the_companion_replaces_csv_with_conf);
    tcase_add_test(tc, written_settings_read_back_and_hold_no_key);
    tcase_add_test(tc, a_file_for_others_holds_no_target_and_every_file_is_private);
    tcase_add_test(tc, the_own_settings_are_in_the_config_folder);
    tcase_add_test(tc, save_config_round_trips_every_setting);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(config_suite)
