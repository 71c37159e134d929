/* A row's metadata.KEY cells and a listed user's metadata, compared by signature. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rules/key_signature.h"
#include "check_main.h"
#include "test_records.h"

static cci_mapping mapping;
static cci_key_columns keys;

static void map(const cci_record *header)
{
    char err[256];
    ck_assert_msg(cci_mapping_init(&mapping, header, NULL, 0, false, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert(cci_key_columns_of(&mapping, &keys));
}

static void teardown(void)
{
    cci_key_columns_cleanup(&keys);
    cci_mapping_cleanup(&mapping);
}

/* Whether the row's keys hold in metadata (JSON text). */
static bool holds(const cci_record *row, const cci_clears *clears, const char *metadata_json)
{
    uint32_t mask, signature = cci_key_signature_of_row(&keys, row, clears, &mask);
    cJSON *metadata = cJSON_Parse(metadata_json);
    uint32_t listed;
    bool equal = cci_key_signature_of_listed(&keys, metadata, mask, &listed) && listed == signature;
    cJSON_Delete(metadata);
    return equal;
}

START_TEST(keys_equal_whatever_else_the_metadata_holds)
{
    test_record h, r;
    map(RECORD(h, 1, "uid", "metadata.email", "metadata.team.floor"));
    ck_assert(keys.usable);
    ck_assert_uint_eq(keys.count, 2);
    const cci_record *row = RECORD(r, 2, "ana", " a@x.io ", "3");
    ck_assert(holds(row, NULL, "{\"email\":\"a@x.io\",\"phone\":\"1\",\"team\":{\"floor\":\"3\",\"name\":\"red\"}}"));
    ck_assert(!holds(row, NULL, "{\"email\":\"b@x.io\",\"team\":{\"floor\":\"3\"}}"));
    ck_assert(!holds(row, NULL, "{\"email\":\"a@x.io\",\"team\":{\"floor\":3}}")); /* a number is not the text */
    ck_assert(!holds(row, NULL, "{\"email\":\"a@x.io\"}"));
    ck_assert(!holds(row, NULL, NULL));
}
END_TEST

START_TEST(an_empty_cell_is_left_alone_unless_it_clears)
{
    test_record h, r;
    map(RECORD(h, 1, "uid", "metadata.email", "metadata.phone"));
    const cci_record *row = RECORD(r, 2, "ana", "a@x.io", "");
    ck_assert(holds(row, NULL, "{\"email\":\"a@x.io\",\"phone\":\"1\"}")); /* phone: not the row's to say */
    cci_clears clears = {.key_count = 1, .keys = {"phone"}};
    ck_assert(!holds(row, &clears, "{\"email\":\"a@x.io\",\"phone\":\"1\"}")); /* phone must go */
    ck_assert(holds(row, &clears, "{\"email\":\"a@x.io\"}"));
}
END_TEST

START_TEST(what_a_listing_hides_is_never_proven)
{
    test_record h, r;
    map(RECORD(h, 1, "uid", "metadata.@private.email"));
    ck_assert(keys.usable);
    const cci_record *row = RECORD(r, 2, "ana", "a@x.io");
    ck_assert(holds(row, NULL, "{\"@private\":{\"email\":\"a@x.io\"}}"));
    cci_clears clears = {.key_count = 1, .keys = {"@private.email"}};
    row = RECORD(r, 2, "ana", "");
    ck_assert(!holds(row, &clears, "{\"team\":\"red\"}")); /* hidden, not gone: unknown */
    teardown();
    map(RECORD(h, 1, "uid", "name", "metadata"));
    ck_assert(!keys.usable); /* no keys: a whole object replaces */
}
END_TEST

static Suite *key_signature_suite(void)
{
    Suite *s = suite_create("key_signature");
    TCase *tc = tcase_create("key_signature");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, keys_equal_whatever_else_the_metadata_holds);
    tcase_add_test(tc, an_empty_cell_is_left_alone_unless_it_clears);
    tcase_add_test(tc, what_a_listing_hides_is_never_proven);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(key_signature_suite)
