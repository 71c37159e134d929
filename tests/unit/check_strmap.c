#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"
#include "check_main.h"

START_TEST(put_then_get_returns_the_value)
{
    cci_strmap *map = cci_strmap_new(NULL);
    int a = 1, b = 2;
    ck_assert(cci_strmap_put(map, "ana", &a));
    ck_assert(cci_strmap_put(map, "bob", &b));
    ck_assert_ptr_eq(cci_strmap_get(map, "ana"), &a);
    ck_assert_ptr_eq(cci_strmap_get(map, "bob"), &b);
    ck_assert_ptr_null(cci_strmap_get(map, "carol"));
    ck_assert_uint_eq(cci_strmap_count(map), 2);
    cci_strmap_free(map);
}
END_TEST

START_TEST(keys_are_copied)
{
    cci_strmap *map = cci_strmap_new(NULL);
    char key[8] = "ana";
    int a = 1;
    cci_strmap_put(map, key, &a);
    strcpy(key, "xyz");
    ck_assert(cci_strmap_contains(map, "ana"));
    ck_assert(!cci_strmap_contains(map, "xyz"));
    cci_strmap_free(map);
}
END_TEST

START_TEST(replacing_frees_the_old_value)
{
    cci_strmap *map = cci_strmap_new(free);
    cci_strmap_put(map, "k", strdup("old"));
    cci_strmap_put(map, "k", strdup("new"));
    ck_assert_str_eq(cci_strmap_get(map, "k"), "new");
    ck_assert_uint_eq(cci_strmap_count(map), 1);
    cci_strmap_free(map); /* LeakSanitizer fails the run if "old" leaked */
}
END_TEST

START_TEST(many_keys_survive_growth_and_removal)
{
    cci_strmap *map = cci_strmap_new(free);
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "user-%d", i);
        int *value = malloc(sizeof *value);
        *value = i;
        ck_assert(cci_strmap_put(map, key, value));
    }
    for (int i = 0; i < 20000; i += 2) {
        snprintf(key, sizeof key, "user-%d", i);
        ck_assert(cci_strmap_remove(map, key));
    }
    ck_assert_uint_eq(cci_strmap_count(map), 10000);
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof key, "user-%d", i);
        int *value = cci_strmap_get(map, key);
        if (i % 2) {
            ck_assert_ptr_nonnull(value);
            ck_assert_int_eq(*value, i);
        } else {
            ck_assert_ptr_null(value);
        }
    }
    ck_assert(!cci_strmap_remove(map, "user-0"));
    cci_strmap_free(map);
}
END_TEST

static bool count_visits(const char *key, void *value, void *ctx)
{
    (void)key, (void)value;
    (*(int *)ctx)++;
    return true;
}

START_TEST(foreach_visits_every_entry_and_clear_empties)
{
    cci_strmap *map = cci_strmap_new(NULL);
    int dummy, visits = 0;
    cci_strmap_put(map, "a", &dummy);
    cci_strmap_put(map, "b", &dummy);
    cci_strmap_put(map, "c", &dummy);
    cci_strmap_foreach(map, count_visits, &visits);
    ck_assert_int_eq(visits, 3);
    cci_strmap_clear(map);
    ck_assert_uint_eq(cci_strmap_count(map), 0);
    ck_assert(!cci_strmap_contains(map, "a"));
    cci_strmap_free(map);
}
END_TEST

static Suite *strmap_suite(void)
{
    Suite *suite = suite_create("strmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, put_then_get_returns_the_value);
    tcase_add_test(tc, keys_are_copied);
    tcase_add_test(tc, replacing_frees_the_old_value);
    tcase_add_test(tc, many_keys_survive_growth_and_removal);
    tcase_add_test(tc, foreach_visits_every_entry_and_clear_empties);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(strmap_suite)
