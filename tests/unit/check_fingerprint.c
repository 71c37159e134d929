/* Fingerprints: the same user gives the same one whatever the file's shape; a change changes it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cci/util/fingerprint.h"
#include "cci/rules/mapping.h"
#include "rules/user.h"
#include "check_main.h"
#include "test_records.h"

/* The fingerprint of a row built from record under header. */
static void fingerprint_of(const cci_record *header, const cci_record *row, char out[33])
{
    cci_mapping mapping;
    cci_user user;
    char problems[512], why[256];
    ck_assert_msg(cci_mapping_init(&mapping, header, NULL, 0, true, why, sizeof why) == CCI_OK, "%s", why);
    ck_assert_msg(cci_user_build(&user, &mapping, row, true, problems, sizeof problems), "%s", problems);
    ck_assert(cci_fingerprint(user.fields, out));
    /* the text the import hashes is the same canonical form */
    char *body = cci_user_body(&user, false), from_text[33];
    cci_fingerprint_of_text(body, strlen(body), from_text);
    ck_assert_str_eq(from_text, out);
    free(body);
    cci_user_cleanup(&user);
    cci_mapping_cleanup(&mapping);
}

START_TEST(the_same_row_has_the_same_fingerprint_whatever_the_column_order)
{
    test_record h1, r1, h2, r2;
    char a[33], b[33], c[33];
    fingerprint_of(RECORD(h1, 1, "uid", "name", "tags", "metadata.b", "metadata.a"),
                   RECORD(r1, 2, "ana", "Ana", "x;y", "2", "1"), a);
    fingerprint_of(RECORD(h2, 1, "Metadata.a", "Tags", "Name", "UID", "metadata.b", "extra"),
                   RECORD(r2, 7, "1", " x , y ", "Ana ", "ANA", "2", "ignored"), b);
    ck_assert_str_eq(a, b);
    /* a metadata cell with the same object in another key order */
    fingerprint_of(RECORD(h1, 1, "uid", "name", "tags", "metadata"),
                   RECORD(r1, 2, "ana", "Ana", "[\"x\",\"y\"]", "{\"b\":\"2\",\"a\":\"1\"}"), c);
    ck_assert_str_eq(a, c);
    /* and a real change changes it */
    fingerprint_of(RECORD(h1, 1, "uid", "name", "tags"), RECORD(r1, 2, "ana", "Ana", "y;x"), c);
    ck_assert_str_ne(a, c);
    ck_assert_uint_eq(strlen(a), 32);
}
END_TEST

START_TEST(canonical_json_sorts_keys_at_every_depth)
{
    cJSON *value = cJSON_Parse("{\"z\":1,\"a\":{\"y\":[{\"d\":1,\"c\":2}],\"b\":null}}");
    char *text = cci_canonical_json(value);
    ck_assert_str_eq(text, "{\"a\":{\"b\":null,\"y\":[{\"c\":2,\"d\":1}]},\"z\":1}");
    free(text);
    cJSON_Delete(value);
}
END_TEST

START_TEST(the_text_fingerprint_is_the_fields_fingerprint)
{
    cJSON *fields = cJSON_Parse("{\"tags\":[\"x\"],\"name\":\"Ana\"}");
    char from_fields[CCI_FINGERPRINT_LEN + 1], from_text[CCI_FINGERPRINT_LEN + 1];
    ck_assert(cci_fingerprint(fields, from_fields));
    char *canonical = cci_canonical_json(fields);
    cci_fingerprint_of_text(canonical, strlen(canonical), from_text);
    ck_assert_str_eq(from_fields, from_text);
    /* FNV-1a continues across pieces: hashing in two goes is hashing the whole */
    ck_assert_uint_eq(cci_fnv1a("ab", 2, CCI_FNV_SEED), cci_fnv1a("b", 1, cci_fnv1a("a", 1, CCI_FNV_SEED)));
    ck_assert_uint_ne(cci_fnv1a("ab", 2, CCI_FNV_SEED), cci_fnv1a("ba", 2, CCI_FNV_SEED));
    free(canonical);
    cJSON_Delete(fields);
}
END_TEST

static Suite *fingerprint_suite(void)
{
    Suite *suite = suite_create("fingerprint");
    TCase *tc = tcase_create("fingerprint");
    tcase_add_test(tc, the_same_row_has_the_same_fingerprint_whatever_the_column_order);
    tcase_add_test(tc, canonical_json_sorts_keys_at_every_depth);
    tcase_add_test(tc, the_text_fingerprint_is_the_fields_fingerprint);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(fingerprint_suite)
