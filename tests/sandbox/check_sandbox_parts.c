/* The sandbox's store, rate windows and fault rolls, without HTTP. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check_main.h"
#include "sbx_faults.h"
#include "sbx_limits.h"
#include "sbx_store.h"

static cJSON *parse(const char *json)
{
    return cJSON_Parse(json);
}

START_TEST(store_lowercases_uids_and_refuses_duplicates)
{
    sbx_store *store = sbx_store_new();
    cJSON *body = parse("{\"uid\":\"Ana_1\",\"name\":\"Ana\",\"tags\":[\"x\"]}");
    char *json = NULL;
    ck_assert_int_eq(sbx_store_create(store, body, 1000, &json), SBX_STORE_OK);
    cJSON *user = cJSON_Parse(json);
    ck_assert_str_eq(cJSON_GetObjectItem(user, "uid")->valuestring, "ana_1");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "role")->valuestring, "default");
    ck_assert_str_eq(cJSON_GetObjectItem(user, "status")->valuestring, "offline");
    ck_assert_int_eq(cJSON_GetObjectItem(user, "createdAt")->valueint, 1000);
    ck_assert_ptr_null(cJSON_GetObjectItem(user, "avatar"));
    cJSON_Delete(user);
    free(json);
    cJSON *again = parse("{\"uid\":\"ANA_1\",\"name\":\"Other\"}");
    ck_assert_int_eq(sbx_store_create(store, again, 1001, &json), SBX_STORE_EXISTS);
    ck_assert_uint_eq(sbx_store_user_count(store), 1);
    cJSON_Delete(again);
    cJSON_Delete(body);
    sbx_store_free(store);
}
END_TEST

START_TEST(store_update_replaces_and_unsets)
{
    sbx_store *store = sbx_store_new();
    cJSON *body = parse("{\"uid\":\"a\",\"name\":\"A\",\"avatar\":\"https://x\",\"metadata\":{\"k\":1,\"j\":2}}");
    char *json = NULL;
    sbx_store_create(store, body, 1, &json);
    free(json);
    cJSON *change = parse("{\"name\":\"B\",\"metadata\":{\"k\":3},\"unset\":[\"avatar\"]}");
    ck_assert_int_eq(sbx_store_update(store, "a", change, 2, &json), SBX_STORE_OK);
    cJSON *user = cJSON_Parse(json);
    ck_assert_str_eq(cJSON_GetObjectItem(user, "name")->valuestring, "B");
    ck_assert_ptr_null(cJSON_GetObjectItem(user, "avatar"));
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(user, "metadata"), "j"));
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(user, "metadata"), "k")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(user, "updatedAt")->valueint, 2);
    cJSON_Delete(user);
    free(json);
    ck_assert_int_eq(sbx_store_update(store, "nobody", change, 2, &json), SBX_STORE_NOT_FOUND);
    cJSON_Delete(change);
    cJSON_Delete(body);
    sbx_store_free(store);
}
END_TEST

START_TEST(store_deactivated_uid_stays_taken_until_permanent_delete)
{
    sbx_store *store = sbx_store_new();
    cJSON *body = parse("{\"uid\":\"a\",\"name\":\"A\"}");
    char *json = NULL;
    sbx_store_create(store, body, 1, &json);
    free(json);
    ck_assert_int_eq(sbx_store_delete(store, "a", false, 7), SBX_STORE_OK);
    ck_assert_int_eq(sbx_store_get(store, "a", &json), SBX_STORE_NOT_FOUND);
    ck_assert_int_eq(sbx_store_create(store, body, 1, &json), SBX_STORE_EXISTS);
    ck_assert_int_eq(sbx_store_delete(store, "a", true, 8), SBX_STORE_OK);
    ck_assert_int_eq(sbx_store_create(store, body, 1, &json), SBX_STORE_OK);
    free(json);
    cJSON_Delete(body);
    sbx_store_free(store);
}
END_TEST

/* a, b active (b with @private metadata), c deactivated at 50 */
static sbx_store *three_users(void)
{
    sbx_store *store = sbx_store_new();
    const char *bodies[] = {"{\"uid\":\"a\",\"name\":\"A\"}",
                            "{\"uid\":\"b\",\"name\":\"B\",\"metadata\":{\"@private\":{\"email\":\"b@x\"},\"k\":1}}",
                            "{\"uid\":\"c\",\"name\":\"C\",\"tags\":[\"t\"]}"};
    for (int i = 0; i < 3; i++) {
        cJSON *body = parse(bodies[i]);
        char *json = NULL;
        ck_assert_int_eq(sbx_store_create(store, body, 1, &json), SBX_STORE_OK);
        free(json);
        cJSON_Delete(body);
    }
    ck_assert_int_eq(sbx_store_delete(store, "c", false, 50), SBX_STORE_OK);
    return store;
}

/* The uids of one listed page, joined by commas, into out. */
static cJSON *listed_page(sbx_store *store, const sbx_list_options *options, char *out, size_t len)
{
    char *text = sbx_store_list(store, 1, 10, options);
    cJSON *page = cJSON_Parse(text);
    free(text);
    out[0] = '\0';
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(page, "data"))
    {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", used ? "," : "", cJSON_GetObjectItem(user, "uid")->valuestring);
    }
    return page;
}

START_TEST(store_lists_active_all_or_only_deactivated)
{
    sbx_store *store = three_users();
    char uids[64];
    cJSON_Delete(listed_page(store, &(sbx_list_options){.which = SBX_LIST_ACTIVE}, uids, sizeof uids));
    ck_assert_str_eq(uids, "a,b");
    cJSON_Delete(listed_page(store, &(sbx_list_options){.which = SBX_LIST_ALL}, uids, sizeof uids));
    ck_assert_str_eq(uids, "a,b,c");
    cJSON *page = listed_page(store, &(sbx_list_options){.which = SBX_LIST_DEACTIVATED, .with_tags = true}, uids,
                              sizeof uids);
    ck_assert_str_eq(uids, "c");
    cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(page, "data"), 0);
    ck_assert_int_eq(cJSON_GetObjectItem(c, "deactivatedAt")->valueint, 50);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(c, "tags"));
    cJSON_Delete(page);
    ck_assert_int_eq(sbx_store_reactivate(store, "c"), SBX_STORE_OK);
    ck_assert_int_eq(sbx_store_reactivate(store, "a"), SBX_STORE_NOT_FOUND); /* active already */
    cJSON_Delete(listed_page(store, &(sbx_list_options){.which = SBX_LIST_ACTIVE}, uids, sizeof uids));
    ck_assert_str_eq(uids, "a,b,c");
    sbx_store_free(store);
}
END_TEST

START_TEST(store_listing_may_hide_private_metadata_and_the_total)
{
    sbx_store *store = three_users();
    char uids[64];
    cJSON *page = listed_page(store, &(sbx_list_options){.hide_private = true, .total_zero = true}, uids, sizeof uids);
    cJSON *metadata = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(page, "data"), 1), "metadata");
    ck_assert_ptr_null(cJSON_GetObjectItem(metadata, "@private"));
    ck_assert_int_eq(cJSON_GetObjectItem(metadata, "k")->valueint, 1);
    cJSON *pagination = cJSON_GetObjectItem(cJSON_GetObjectItem(page, "meta"), "pagination");
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total")->valueint, 0);
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "count")->valueint, 2);
    cJSON_Delete(page);
    page = listed_page(store, &(sbx_list_options){0}, uids, sizeof uids);
    metadata = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(page, "data"), 1), "metadata");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(metadata, "@private"));
    cJSON_Delete(page);
    sbx_store_free(store);
}
END_TEST

START_TEST(store_edit_changes_a_user_behind_the_importers_back)
{
    sbx_store *store = three_users();
    cJSON *edit = parse("{\"name\":\"Changed\",\"unset\":[\"metadata\"]}");
    ck_assert_int_eq(sbx_store_edit(store, "b", edit, 9), SBX_STORE_OK);
    ck_assert_int_eq(sbx_store_edit(store, "c", edit, 9), SBX_STORE_OK); /* deactivated ones too */
    ck_assert_int_eq(sbx_store_edit(store, "zz", edit, 9), SBX_STORE_NOT_FOUND);
    char *json = NULL;
    ck_assert_int_eq(sbx_store_get(store, "b", &json), SBX_STORE_OK);
    ck_assert_ptr_nonnull(strstr(json, "\"name\":\"Changed\""));
    ck_assert_ptr_null(strstr(json, "metadata"));
    free(json);
    cJSON_Delete(edit);
    sbx_store_free(store);
}
END_TEST

START_TEST(store_lists_in_uid_order_with_pagination)
{
    sbx_store *store = sbx_store_new();
    const char *uids[] = {"c", "a", "b", "e", "d"};
    for (int i = 0; i < 5; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"uid\":\"%s\",\"name\":\"N\",\"tags\":[\"t\"]}", uids[i]);
        cJSON *body = parse(text);
        char *json = NULL;
        sbx_store_create(store, body, 1, &json);
        free(json);
        cJSON_Delete(body);
    }
    char *text = sbx_store_list(store, 2, 2, &(sbx_list_options){.which = SBX_LIST_ACTIVE});
    cJSON *page = cJSON_Parse(text);
    cJSON *data = cJSON_GetObjectItem(page, "data");
    ck_assert_int_eq(cJSON_GetArraySize(data), 2);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "uid")->valuestring, "c");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 1), "uid")->valuestring, "d");
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(data, 0), "tags"));
    cJSON *pagination = cJSON_GetObjectItem(cJSON_GetObjectItem(page, "meta"), "pagination");
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total")->valueint, 5);
    ck_assert_int_eq(cJSON_GetObjectItem(pagination, "total_pages")->valueint, 3);
    cJSON_Delete(page);
    free(text);
    sbx_store_free(store);
}
END_TEST

START_TEST(store_counts_requests_per_uid_and_resets)
{
    sbx_store *store = sbx_store_new();
    ck_assert_uint_eq(sbx_store_count_request(store, "a"), 1);
    ck_assert_uint_eq(sbx_store_count_request(store, "a"), 2);
    ck_assert_uint_eq(sbx_store_next_roll(store, "a"), 0);
    ck_assert_uint_eq(sbx_store_next_roll(store, "a"), 1);
    cJSON *counts = sbx_store_request_counts(store);
    ck_assert_int_eq(cJSON_GetObjectItem(counts, "a")->valueint, 2);
    cJSON_Delete(counts);
    sbx_store_reset(store, true);
    ck_assert_uint_eq(sbx_store_count_request(store, "a"), 1);
    ck_assert_uint_eq(sbx_store_next_roll(store, "a"), 0);
    sbx_store_free(store);
}
END_TEST

START_TEST(limits_refuse_past_the_limit_and_reopen_next_window)
{
    sbx_limits limits;
    sbx_limits_init(&limits, 2, 5, 1, 1000);
    uint64_t t = 1700000000000ULL; /* the start of a window */
    sbx_limit_state s = sbx_limits_take(&limits, SBX_BUDGET_CORE, t);
    ck_assert(s.allowed);
    ck_assert_uint_eq(s.limit, 2);
    ck_assert_uint_eq(s.remaining, 1);
    ck_assert_uint_eq(s.reset_ms, t + 1000);
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 10).allowed);
    s = sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 20);
    ck_assert(!s.allowed);
    ck_assert_uint_eq(s.remaining, 0);
    /* the other budget is separate */
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_STANDARD, t + 30).allowed);
    /* peek takes nothing */
    ck_assert_uint_eq(sbx_limits_peek(&limits, SBX_BUDGET_STANDARD, t + 40).remaining, 4);
    /* the next window */
    s = sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 1000);
    ck_assert(s.allowed);
    ck_assert_uint_eq(s.reset_ms, t + 2000);
    sbx_limits_reset(&limits);
    ck_assert_uint_eq(sbx_limits_peek(&limits, SBX_BUDGET_CORE, t + 1000).remaining, 2);
    sbx_limits_cleanup(&limits);
}
END_TEST

START_TEST(limits_count_the_windows_that_saw_requests_and_those_between_that_did_not)
{
    sbx_limits limits;
    sbx_limits_init(&limits, 2, 5, 1, 1000);
    uint64_t t = 1700000000000ULL;
    unsigned seen, idle;
    sbx_limits_windows(&limits, SBX_BUDGET_CORE, &seen, &idle);
    ck_assert_uint_eq(seen + idle, 0);
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_CORE, t).allowed);
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 999).allowed);
    ck_assert(!sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 999).allowed); /* a 429 is seen too */
    sbx_limits_peek(&limits, SBX_BUDGET_CORE, t + 1500);                    /* and a peek */
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 4200).allowed); /* 2 and 3 saw nothing */
    sbx_limits_windows(&limits, SBX_BUDGET_CORE, &seen, &idle);
    ck_assert_uint_eq(seen, 3);
    ck_assert_uint_eq(idle, 2);
    /* a time read before the one above but counted after it opens its window again (and counts
     * it again), but no window is counted idle twice */
    sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 3990);
    ck_assert(sbx_limits_take(&limits, SBX_BUDGET_CORE, t + 5100).allowed);
    sbx_limits_windows(&limits, SBX_BUDGET_CORE, &seen, &idle);
    ck_assert_uint_eq(idle, 2);
    sbx_limits_windows(&limits, SBX_BUDGET_STANDARD, &seen, &idle); /* each budget apart */
    ck_assert_uint_eq(seen + idle, 0);
    cJSON *json = cJSON_CreateObject();
    sbx_limits_windows_to_json(&limits, json);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "windows_with_requests"), "core")->valueint, 5);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "idle_windows"), "core")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "idle_windows"), "data_import")->valueint, 0);
    cJSON_Delete(json);
    sbx_limits_reset(&limits);
    sbx_limits_windows(&limits, SBX_BUDGET_CORE, &seen, &idle);
    ck_assert_uint_eq(seen + idle, 0);
    sbx_limits_cleanup(&limits);
}
END_TEST

START_TEST(faults_are_reproducible_and_follow_the_rates)
{
    sbx_faults faults = {.seed = 42, .error_rate = 0.1, .drop_before_rate = 0.05,
                         .drop_after_rate = 0.05, .slow_rate = 0.02, .latency_ms = 5, .jitter_ms = 10};
    unsigned counts[SBX_FAULT_KIND_COUNT] = {0};
    int same_as_other_seed = 0;
    sbx_faults other = faults;
    other.seed = 43;
    for (int i = 0; i < 20000; i++) {
        char uid[32];
        snprintf(uid, sizeof uid, "user%d", i);
        sbx_fault a = sbx_faults_roll(&faults, uid, 0), b = sbx_faults_roll(&faults, uid, 0);
        ck_assert_int_eq(a.kind, b.kind);
        ck_assert_uint_eq(a.delay_ms, b.delay_ms);
        ck_assert(a.delay_ms >= 5 && a.delay_ms <= 15);
        counts[a.kind]++;
        same_as_other_seed += sbx_faults_roll(&other, uid, 0).kind == a.kind;
    }
    /* 20,000 draws: each share within 1.5 points of its rate */
    ck_assert(abs((int)counts[SBX_FAULT_ERROR] - 2000) < 300);
    ck_assert(abs((int)counts[SBX_FAULT_DROP_BEFORE] - 1000) < 300);
    ck_assert(abs((int)counts[SBX_FAULT_DROP_AFTER] - 1000) < 300);
    ck_assert(abs((int)counts[SBX_FAULT_SLOW] - 400) < 300);
    ck_assert_int_lt(same_as_other_seed, 19000); /* another seed, other faults */
}
END_TEST

START_TEST(no_rates_means_no_faults)
{
    sbx_faults faults = {.seed = 1};
    for (unsigned long roll = 0; roll < 1000; roll++) {
        sbx_fault f = sbx_faults_roll(&faults, "a", roll);
        ck_assert_int_eq(f.kind, SBX_FAULT_NONE);
        ck_assert_uint_eq(f.delay_ms, 0);
    }
}
END_TEST

static Suite *parts_suite(void)
{
    Suite *suite = suite_create("sandbox_parts");
    TCase *store = tcase_create("store");
    tcase_add_test(store, store_lowercases_uids_and_refuses_duplicates);
    tcase_add_test(store, store_update_replaces_and_unsets);
    tcase_add_test(store, store_deactivated_uid_stays_taken_until_permanent_delete);
    tcase_add_test(store, store_lists_in_uid_order_with_pagination);
    tcase_add_test(store, store_lists_active_all_or_only_deactivated);
    tcase_add_test(store, store_listing_may_hide_private_metadata_and_the_total);
    tcase_add_test(store, store_edit_changes_a_user_behind_the_importers_back);
    tcase_add_test(store, store_counts_requests_per_uid_and_resets);
    suite_add_tcase(suite, store);
    TCase *limits = tcase_create("limits");
    tcase_add_test(limits, limits_refuse_past_the_limit_and_reopen_next_window);
    tcase_add_test(limits, limits_count_the_windows_that_saw_requests_and_those_between_that_did_not);
    suite_add_tcase(suite, limits);
    TCase *faults = tcase_create("faults");
    tcase_add_test(faults, faults_are_reproducible_and_follow_the_rates);
    tcase_add_test(faults, no_rates_means_no_faults);
    suite_add_tcase(suite, faults);
    return suite;
}

CCI_CHECK_MAIN(parts_suite)
