/* Who may choose where the API key goes: the target's precedence, loopback as an address, and
 * whose a settings file is. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "test_files.h"
#include "tool_trust.h"

static const tool_target_source COMMAND_LINE = {.kind = TOOL_SOURCE_COMMAND_LINE};
static const tool_target_source ENVIRONMENT = {.kind = TOOL_SOURCE_ENVIRONMENT};

static tool_target_source travelling(const char *base_url, const char *app_id, const char *region)
{
    return (tool_target_source){.kind = TOOL_SOURCE_FILE, .path = "cometchat-import.conf",
                               .untrusted = "is a settings file of the working folder", .base_url = base_url,
                               .base_url_line = 2, .app_id = app_id, .app_id_line = 3, .region = region,
                               .region_line = 4};
}

START_TEST(nothing_named_is_no_target_and_no_refusal)
{
    tool_target_source sources[] = {COMMAND_LINE, ENVIRONMENT};
    tool_target_choice choice;
    tool_trust_choose_target(sources, 2, false, &choice);
    ck_assert(!choice.base_url && !choice.app_id && !choice.region);
    ck_assert_str_eq(choice.refusal, "");
    ck_assert_str_eq(choice.conflict, "");
}
END_TEST

/* The first source naming a part decides the kind; an app's parts come from the sources below it. */
START_TEST(the_highest_source_decides_and_an_app_is_completed_below_it)
{
    tool_target_source sources[] = {COMMAND_LINE, ENVIRONMENT, travelling(NULL, NULL, NULL)};
    sources[0].app_id = "PROD";
    sources[1].region = "eu";
    sources[1].base_url = "http://127.0.0.1:9/v3";
    tool_target_choice choice;
    tool_trust_choose_target(sources, 3, false, &choice);
    ck_assert_ptr_null(choice.base_url);
    ck_assert_str_eq(choice.app_id, "PROD");
    ck_assert_str_eq(choice.region, "eu");
    ck_assert_str_eq(choice.refusal, "");
    ck_assert_str_eq(choice.conflict, "the target is --app-id PROD and COMETCHAT_REGION=eu; ignored: "
                                      "COMETCHAT_BASE_URL=http://127.0.0.1:9/v3");
    /* a base URL in the deciding source: the app's parts below are ignored */
    sources[0] = (tool_target_source){.kind = TOOL_SOURCE_COMMAND_LINE, .base_url = "https://a.example/v3"};
    tool_trust_choose_target(sources, 3, false, &choice);
    ck_assert_str_eq(choice.base_url, "https://a.example/v3");
    ck_assert(!choice.app_id && !choice.region);
    ck_assert_ptr_nonnull(strstr(choice.conflict, "ignored: COMETCHAT_BASE_URL=http://127.0.0.1:9/v3; COMETCHAT_REGION=eu"));
}
END_TEST

/* A part a travelling file would give is refused, each part alone, until confirmed. */
START_TEST(a_part_from_an_untrusted_source_is_refused_unless_confirmed)
{
    struct {
        tool_target_source file;
        const char *app_id; /* on the command line */
        const char *said;
    } cases[] = {
        {travelling("https://evil.example/v3", NULL, NULL), NULL, "base-url = https://evil.example/v3 (cometchat-import.conf line 2)"},
        {travelling(NULL, "EVIL", NULL), NULL, "app-id = EVIL (cometchat-import.conf line 3)"},
        {travelling(NULL, NULL, "in"), "PROD", "region = in (cometchat-import.conf line 4)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tool_target_source sources[] = {COMMAND_LINE, ENVIRONMENT, cases[i].file};
        sources[0].app_id = cases[i].app_id;
        tool_target_choice choice;
        tool_trust_choose_target(sources, 3, false, &choice);
        ck_assert_msg(strstr(choice.refusal, cases[i].said) && strstr(choice.refusal, "--trust-settings") &&
                          strstr(choice.refusal, "is a settings file of the working folder"),
                      "case %zu: %s", i, choice.refusal);
        tool_trust_choose_target(sources, 3, true, &choice);
        ck_assert_str_eq(choice.refusal, "");
    }
}
END_TEST

/* A source saying the same as the target is no conflict; a trusted file chooses without question. */
START_TEST(agreement_is_silent_and_a_trusted_file_may_choose)
{
    tool_target_source own = travelling("https://mine.example/v3", NULL, NULL);
    own.untrusted = NULL;
    tool_target_source sources[] = {COMMAND_LINE, ENVIRONMENT, own, travelling("https://mine.example/v3", NULL, NULL)};
    tool_target_choice choice;
    tool_trust_choose_target(sources, 4, false, &choice);
    ck_assert_str_eq(choice.base_url, "https://mine.example/v3");
    ck_assert_str_eq(choice.refusal, "");
    ck_assert_str_eq(choice.conflict, "");
}
END_TEST

START_TEST(loopback_is_an_address_not_a_name)
{
    const char *here[] = {"localhost", "LOCALHOST", "127.0.0.1", "127.200.3.4", "[::1]", "[::ffff:127.0.0.1]"};
    for (size_t i = 0; i < sizeof here / sizeof *here; i++)
        ck_assert_msg(tool_trust_is_loopback_host(here[i]), "%s", here[i]);
    const char *elsewhere[] = {"127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example",
                               "localhost.", "128.0.0.1", "10.0.0.1", "[::2]", "[::ffff:10.0.0.1]", "[]", "",
                               "::1"};
    for (size_t i = 0; i < sizeof elsewhere / sizeof *elsewhere; i++)
        ck_assert_msg(!tool_trust_is_loopback_host(elsewhere[i]), "%s", elsewhere[i]);
}
END_TEST

/* The URL is parsed by libcurl, as the requests will be: 127.1 and 0x7f.1 are 127.0.0.1 to it. */
START_TEST(a_base_url_is_judged_by_the_host_libcurl_sees)
{
    char err[600];
    bool loopback;
    const char *direct[] = {"http://127.1:8080/v3", "http://0x7f.1/v3", "http://[::1]:8/v3", "http://localhost/v3"};
    for (size_t i = 0; i < sizeof direct / sizeof *direct; i++) {
        ck_assert_msg(tool_trust_check_base_url(direct[i], false, &loopback, err, sizeof err), "%s", err);
        ck_assert(loopback);
    }
    ck_assert(tool_trust_check_base_url("https://api-eu.cometchat.io/v3", false, &loopback, err, sizeof err));
    ck_assert(!loopback);
    ck_assert(tool_trust_check_base_url("https://127.0.0.1:8443/v3", false, &loopback, err, sizeof err));
    ck_assert(loopback); /* https to this machine bypasses a proxy too */
    ck_assert(!tool_trust_check_base_url("http://127.evil.example/v3", false, &loopback, err, sizeof err));
    ck_assert_msg(strstr(err, "127.evil.example") && strstr(err, "--insecure-http"), "%s", err);
    ck_assert(tool_trust_check_base_url("http://127.evil.example/v3", true, &loopback, err, sizeof err));
    ck_assert(!loopback); /* asked for: a proxy may carry it */
    ck_assert(!tool_trust_check_base_url("ftp://127.0.0.1/v3", true, &loopback, err, sizeof err));
    ck_assert(!tool_trust_check_base_url("not a url", true, &loopback, err, sizeof err));
}
END_TEST

/* As ssh judges its config: the owner's alone, in a folder no one else can change it in. */
START_TEST(a_file_is_own_only_when_no_one_else_can_change_it)
{
    test_path dir, file, open_dir, inner;
    test_dir_new(dir, "trust-own");
    test_file_write(test_dir_file(file, dir, "config"), "mode = upsert\n");
    char why[256];
    struct stat st;
    const struct {
        mode_t mode;
        const char *why; /* NULL: own */
    } modes[] = {{0600, NULL}, {0644, NULL}, {0620, "its group may change it"}, {0602, "anyone may change it"}};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        ck_assert_int_eq(chmod(file, modes[i].mode), 0);
        ck_assert_int_eq(stat(file, &st), 0);
        bool own = tool_trust_file_is_own(&st, file, why, sizeof why);
        ck_assert_msg(modes[i].why ? !own && strstr(why, modes[i].why) : own, "%o: %s", modes[i].mode, why);
    }
    ck_assert_int_eq(chmod(file, 0600), 0);
    ck_assert_int_eq(mkdir(test_dir_file(open_dir, dir, "open"), 0700), 0);
    ck_assert_int_eq(chmod(open_dir, 0777), 0);
    test_file_write(test_dir_file(inner, open_dir, "config"), "mode = upsert\n");
    ck_assert_int_eq(chmod(inner, 0600), 0);
    ck_assert_int_eq(stat(inner, &st), 0);
    ck_assert(!tool_trust_file_is_own(&st, inner, why, sizeof why));
    ck_assert_msg(strstr(why, "others may replace it"), "%s", why);
    ck_assert_int_eq(chmod(open_dir, 01777), 0); /* sticky, as /tmp: only the owner may replace it */
    ck_assert(tool_trust_file_is_own(&st, inner, why, sizeof why));
    /* by its real path: a link into a folder others may change, or such a folder on the way */
    test_path link, deeper, deep_file;
    ck_assert_int_eq(chmod(open_dir, 0777), 0);
    ck_assert_int_eq(symlink(inner, test_dir_file(link, dir, "link")), 0);
    ck_assert_int_eq(stat(link, &st), 0);
    ck_assert(!tool_trust_file_is_own(&st, link, why, sizeof why));
    ck_assert_msg(strstr(why, "others may replace it"), "%s", why);
    ck_assert_int_eq(mkdir(test_dir_file(deeper, open_dir, "deeper"), 0700), 0);
    test_file_write(test_dir_file(deep_file, deeper, "config"), "mode = upsert\n");
    ck_assert_int_eq(chmod(deep_file, 0600), 0);
    ck_assert_int_eq(stat(deep_file, &st), 0);
    ck_assert(!tool_trust_file_is_own(&st, deep_file, why, sizeof why)); /* its folder is fine, the one above not */
    ck_assert_msg(strstr(why, open_dir), "%s", why);
    if (geteuid() == 0) { /* only root can give a file away */
        ck_assert_int_eq(chown(file, 65534, 65534), 0);
        ck_assert_int_eq(stat(file, &st), 0);
        ck_assert(!tool_trust_file_is_own(&st, file, why, sizeof why));
        ck_assert_msg(strstr(why, "belongs to user 65534"), "%s", why);
    }
    test_dir_remove(dir);
}
END_TEST

/* An app ID becomes part of a host name: only what names an app. */
START_TEST(an_app_id_cannot_move_the_host)
{
    ck_assert(tool_trust_app_id_is_plain("12345abcde"));
    ck_assert(tool_trust_app_id_is_plain("my-app_2"));
    const char *moving[] = {"", "127.0.0.1:8080/x#", "abc@evil.example#", "a.b", "a/b", "a b", "a%40b", "a\nb"};
    for (size_t i = 0; i < sizeof moving / sizeof *moving; i++)
        ck_assert_msg(!tool_trust_app_id_is_plain(moving[i]), "%s", moving[i]);
}
END_TEST

static Suite *trust_suite(void)
{
    Suite *suite = suite_create("tool_trust");
    TCase *tc = tcase_create("trust");
    tcase_add_test(tc, nothing_named_is_no_target_and_no_refusal);
    tcase_add_test(tc, the_highest_source_decides_and_an_app_is_completed_below_it);
    tcase_add_test(tc, a_part_from_an_untrusted_source_is_refused_unless_confirmed);
    tcase_add_test(tc, agreement_is_silent_and_a_trusted_file_may_choose);
    tcase_add_test(tc, loopback_is_an_address_not_a_name);
    tcase_add_test(tc, a_base_url_is_judged_by_the_host_libcurl_sees);
    tcase_add_test(tc, a_file_is_own_only_when_no_one_else_can_change_it);
    tcase_add_test(tc, an_app_id_cannot_move_the_host);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(trust_suite)
