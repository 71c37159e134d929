#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tool_cli.h"
#include "check_main.h"

static cci_options opts;
static char err[512];

static void clear_environment(void)
{
    unsetenv("COMETCHAT_APP_ID");
    unsetenv("COMETCHAT_REGION");
    unsetenv("COMETCHAT_BASE_URL");
}

static void teardown(void)
{
    cci_options_cleanup(&opts);
}

/* Parses the arguments given after the program name. */
static cci_cli_result parse_args(const char *first, ...)
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
    return cci_cli_parse(argc, argv, &opts, err, sizeof err);
}
#define PARSE(...) parse_args(__VA_ARGS__, (const char *)NULL)

START_TEST(defaults_follow_the_contract)
{
    ck_assert_int_eq(PARSE("--base-url", "http://127.0.0.1:1/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_str_eq(opts.input, "users.csv");
    ck_assert_int_eq(opts.mode, CCI_MODE_UPSERT);
    ck_assert_uint_eq(opts.workers, 8);
    ck_assert_uint_eq(opts.rate_per_minute, 0);
    ck_assert_int_eq(opts.delimiter, 0);
    ck_assert_int_eq(opts.progress, CCI_PROGRESS_AUTO);
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
                     CCI_CLI_RUN);
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
    ck_assert_int_eq(opts.progress, CCI_PROGRESS_NEVER);
    ck_assert_str_eq(opts.input, "-");
}
END_TEST

START_TEST(environment_supplies_the_target)
{
    setenv("COMETCHAT_APP_ID", "envapp", 1);
    setenv("COMETCHAT_REGION", "in", 1);
    ck_assert_int_eq(PARSE("users.csv"), CCI_CLI_RUN);
    ck_assert_str_eq(opts.app_id, "envapp");
    ck_assert_str_eq(opts.region, "in");
}
END_TEST

START_TEST(a_command_line_value_beats_the_environment)
{
    setenv("COMETCHAT_BASE_URL", "https://env.example/v3", 1);
    ck_assert_int_eq(PARSE("--base-url", "https://cli.example/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_str_eq(opts.base_url, "https://cli.example/v3");
}
END_TEST

START_TEST(missing_target_is_refused_unless_dry_run)
{
    ck_assert_int_eq(PARSE("users.csv"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--app-id"));
    ck_assert_int_eq(PARSE("--dry-run", "users.csv"), CCI_CLI_RUN);
}
END_TEST

START_TEST(help_and_version_end_parsing)
{
    ck_assert_int_eq(PARSE("--help"), CCI_CLI_EXIT);
    ck_assert(opts.show_help);
    cci_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--version"), CCI_CLI_EXIT);
    ck_assert(opts.show_version);
}
END_TEST

START_TEST(plain_http_is_refused_unless_to_this_machine_or_asked_for)
{
    ck_assert_int_eq(PARSE("--base-url", "http://api.example.com/v3", "users.csv"), CCI_CLI_ERROR);
    ck_assert_msg(strstr(err, "api.example.com") && strstr(err, "unencrypted") && strstr(err, "--insecure-http"),
                  "%s", err);
    ck_assert_int_eq(PARSE("--base-url", "HTTP://10.0.0.5:8080/v3", "users.csv"), CCI_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "ftp://127.0.0.1/v3", "users.csv"), CCI_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "not a url", "users.csv"), CCI_CLI_ERROR);
    ck_assert_int_eq(PARSE("--base-url", "http://127.0.0.1:8080/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_int_eq(PARSE("--base-url", "http://localhost:8080/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_int_eq(PARSE("--base-url", "http://[::1]:8080/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_int_eq(PARSE("--base-url", "https://api.example.com/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert_int_eq(PARSE("--insecure-http", "--base-url", "http://api.example.com/v3", "users.csv"), CCI_CLI_RUN);
    ck_assert(opts.insecure_http);
    setenv("COMETCHAT_BASE_URL", "http://proxy.internal/v3", 1);
    ck_assert_int_eq(PARSE("users.csv"), CCI_CLI_ERROR); /* from the environment too */
    unsetenv("COMETCHAT_BASE_URL");
}
END_TEST

START_TEST(help_fits_one_screen)
{
    int lines = 0;
    for (const char *p = cci_cli_usage(); *p; p++) lines += *p == '\n';
    ck_assert_int_le(lines, 24);
}
END_TEST

START_TEST(help_lists_the_fields_the_library_knows)
{
    ck_assert_ptr_nonnull(strstr(cci_cli_usage(), cci_mapping_template()));
    ck_assert_ptr_nonnull(strstr(cci_mapping_template(), "createdAt,lastActiveAt"));
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
        ck_assert_int_eq(cci_cli_parse(6, argv, &opts, err, sizeof err), CCI_CLI_ERROR);
        ck_assert_msg(strstr(err, cases[i].expected), "case %zu: %s", i, err);
        ck_assert_ptr_null(strchr(err, '\n'));
        cci_options_cleanup(&opts);
    }
}
END_TEST

START_TEST(an_api_key_on_the_command_line_is_refused_without_echo)
{
    ck_assert_int_eq(PARSE("--api-key=sk_live_0123456789abcdef", "users.csv"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "COMETCHAT_API_KEY"));
    ck_assert_ptr_null(strstr(err, "0123456789abcdef"));
    cci_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--api-key", "sk_live_0123456789abcdef", "users.csv"), CCI_CLI_ERROR);
    ck_assert_ptr_null(strstr(err, "0123456789abcdef"));
}
END_TEST

START_TEST(unknown_options_are_named_without_their_value)
{
    ck_assert_int_eq(PARSE("--token=secret123", "users.csv"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--token"));
    ck_assert_ptr_null(strstr(err, "secret123"));
}
END_TEST

START_TEST(input_count_is_checked)
{
    ck_assert_int_eq(PARSE("--dry-run"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "no input"));
    cci_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("--dry-run", "a.csv", "b.csv"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "one input"));
}
END_TEST

START_TEST(missing_value_is_named)
{
    ck_assert_int_eq(PARSE("users.csv", "--workers"), CCI_CLI_ERROR);
    ck_assert_ptr_nonnull(strstr(err, "--workers needs a value"));
}
END_TEST

START_TEST(short_options_follow_gnu_and_curl)
{
    ck_assert_int_eq(PARSE("-n", "-q", "-v", "users.csv"), CCI_CLI_RUN);
    ck_assert(opts.dry_run && opts.quiet && opts.verbose);
    cci_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-h"), CCI_CLI_EXIT);
    ck_assert(opts.show_help);
    cci_options_cleanup(&opts);
    ck_assert_int_eq(PARSE("-V"), CCI_CLI_EXIT);
    ck_assert(opts.show_version);
}
END_TEST

START_TEST(a_rate_is_read_per_minute_or_per_second)
{
    const char *given[] = {"100", "100/min", "100/m", "5/s", "5/sec"};
    const unsigned per_minute[] = {100, 100, 100, 300, 300};
    for (size_t i = 0; i < 5; i++) {
        ck_assert_int_eq(PARSE("-n", "--rate", given[i], "users.csv"), CCI_CLI_RUN);
        ck_assert_uint_eq(opts.rate_per_minute, per_minute[i]);
        cci_options_cleanup(&opts);
    }
    const char *refused[] = {"0", "5/h", "/s", "-5/s", "100/min/s", "99999999/s"};
    for (size_t i = 0; i < 6; i++) {
        ck_assert_int_eq(PARSE("-n", "--rate", refused[i], "users.csv"), CCI_CLI_ERROR);
        ck_assert_ptr_nonnull(strstr(err, "100/min or 5/s"));
        cci_options_cleanup(&opts);
    }
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
    tcase_add_test(tc, help_fits_one_screen);
    tcase_add_test(tc, help_lists_the_fields_the_library_knows);
    tcase_add_test(tc, bad_values_are_named);
    tcase_add_test(tc, an_api_key_on_the_command_line_is_refused_without_echo);
    tcase_add_test(tc, unknown_options_are_named_without_their_value);
    tcase_add_test(tc, input_count_is_checked);
    tcase_add_test(tc, missing_value_is_named);
    tcase_add_test(tc, plain_http_is_refused_unless_to_this_machine_or_asked_for);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(cli_suite)
