/* --help, made from the option table: every option in it once, with its value and default, on one
 * screen of 24 lines and 100 columns. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "cci/rules/mapping.h"
#include "cci/util/defaults.h"
#include "check_main.h"
#include "tool_help.h"
#include "tool_options.h"

/* Times needle occurs in text as a whole option: not followed by more of a name ("--rejects" is
 * not found in "--rejects-encoding"). */
static int occurrences(const char *text, const char *needle)
{
    int count = 0;
    size_t len = strlen(needle);
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        if (at[len] != '-' && at[len] != '.' && (at[len] < 'a' || at[len] > 'z')) count++;
    return count;
}

START_TEST(every_option_of_the_table_is_in_the_help_once_with_its_value)
{
    const char *help = tool_help_text();
    int options = 0;
    for (const tool_option *o = tool_option_table; o->name; o++, options++) {
        char spelled[96];
        snprintf(spelled, sizeof spelled, "--%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "");
        ck_assert_msg(occurrences(help, spelled) == 1, "\"%s\" is in the help %d times:\n%s", spelled,
                      occurrences(help, spelled), help);
        if (o->short_name) {
            snprintf(spelled, sizeof spelled, "-%c, --%s", o->short_name, o->name);
            ck_assert_msg(strstr(help, spelled), "no \"%s\" in the help", spelled);
        }
    }
    ck_assert_int_eq(options, TOOL_OPTION_COUNT);
}
END_TEST

START_TEST(the_help_fits_one_screen)
{
    int lines = 0, column = 0, widest = 0;
    for (const char *p = tool_help_text(); *p; p++) {
        if (*p == '\n') {
            lines++;
            column = 0;
        } else if (++column > widest) {
            widest = column;
        }
    }
    ck_assert_int_le(lines, 24);
    ck_assert_int_le(widest, TOOL_HELP_WIDTH);
    ck_assert_int_eq(column, 0); /* it ends with a newline */
}
END_TEST

START_TEST(the_help_lists_the_fields_the_library_knows)
{
    ck_assert_ptr_nonnull(strstr(tool_help_text(), cci_mapping_template()));
    ck_assert_ptr_nonnull(strstr(cci_mapping_template(), "createdAt,lastActiveAt"));
}
END_TEST

/* Issue 30: --help says the defaults the run uses, from cci/util/defaults.h. */
START_TEST(the_help_says_the_defaults_from_the_one_header)
{
    const char *help = tool_help_text();
    char expected[7][64];
    snprintf(expected[0], sizeof expected[0], "--workers N (%d)", CCI_DEFAULT_WORKERS);
    snprintf(expected[1], sizeof expected[1], "--timeout SECONDS (%d)", CCI_DEFAULT_TIMEOUT_MS / 1000);
    snprintf(expected[2], sizeof expected[2], "--retries N (%d)", CCI_DEFAULT_RETRIES);
    snprintf(expected[3], sizeof expected[3], "--max-wait SECONDS (%d;", CCI_DEFAULT_MAX_WAIT_MS / 1000);
    snprintf(expected[4], sizeof expected[4], "--max-columns N (%d)", CCI_DEFAULT_MAX_COLUMNS);
    snprintf(expected[5], sizeof expected[5], "--max-record-size BYTES (%d)", CCI_DEFAULT_MAX_RECORD_BYTES);
    snprintf(expected[6], sizeof expected[6], "--keep-runs N (%d;", CCI_DEFAULT_KEEP_RUNS);
    for (int i = 0; i < 7; i++) ck_assert_msg(strstr(help, expected[i]), "no \"%s\" in:\n%s", expected[i], help);
}
END_TEST

static Suite *help_suite(void)
{
    Suite *suite = suite_create("help");
    TCase *tc = tcase_create("help");
    tcase_add_test(tc, every_option_of_the_table_is_in_the_help_once_with_its_value);
    tcase_add_test(tc, the_help_fits_one_screen);
    tcase_add_test(tc, the_help_lists_the_fields_the_library_knows);
    tcase_add_test(tc, the_help_says_the_defaults_from_the_one_header);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(help_suite)
