/* The Data Import channel against the real sandbox, in-process: what it takes from the queue, how
 * a batch's answers settle each row, and how it falls back when the endpoint is not there. The
 * channel runs on the test's thread and no worker runs: every row is sent by the channel, in a
 * batch or one request at a time (cci_send_job_send), and the sandbox counts which. */
#include <check.h>
#include <curl/curl.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "send/data_import.h"
#include "check_main.h"
#include "http_client.h"
#include "sandbox_fixture.h"

enum { MOST_JOBS = 120 };

/* One row, and what became of it. */
typedef struct job {
    cci_send_job sent; /* first: `finished` finds its job */
    int finished;      /* times handed on: exactly once */
} job;

static job jobs[MOST_JOBS];
static int notes;

static void finished(cci_send_job *j)
{
    const cci_outcome *outcome = &j->row.outcome;
    if (outcome->action == CCI_ACTION_CREATED || outcome->action == CCI_ACTION_UPDATED)
        ck_assert_ptr_eq(j->confirmed, j->row.journal_record); /* what the app holds goes to the journal */
    ((job *)j)->finished++;
}

/* Handed on once, by the channel's batch ("via data import") or one request at a time. */
static bool batched(int i)
{
    const char *message = jobs[i].sent.row.outcome.message;
    ck_assert_int_eq(jobs[i].finished, 1);
    return message && strncmp(message, "via data import", 15) == 0;
}

static void note(void *context, const char *text)
{
    (void)context;
    ck_assert_ptr_nonnull(strstr(text, "Data Import is not available"));
    notes++;
}

/* n new users n0000.. (every third dated), queued and the queue closed; the channel run over it. */
static cci_data_import run_channel(int n)
{
    cci_queue *queue = cci_queue_new(MOST_JOBS);
    memset(jobs, 0, sizeof jobs);
    notes = 0;
    for (int i = 0; i < n; i++) {
        jobs[i].sent.finished = finished;
        cci_planned_row *row = &jobs[i].sent.row;
        snprintf(row->outcome.uid, sizeof row->outcome.uid, "n%04d", i);
        char body[128];
        snprintf(body, sizeof body, "{\"name\":\"New %d\",\"uid\":\"n%04d\"}", i, i);
        row->create_body = strdup(body);
        snprintf(body, sizeof body, "{\"name\":\"New %d\"}", i);
        row->update_body = strdup(body);
        row->journal_record = strdup("fingerprint");
        row->new_user = row->absent = true;
        if (i % 3 == 0) row->created_at = 1614834367;
        ck_assert(cci_queue_push(queue, &jobs[i]));
    }
    cci_queue_close(queue);
    cci_data_import channel;
    cci_data_import_init(&channel, &fixture_shared, fixture_worker, note, NULL);
    cci_data_import_consume(queue, &channel);
    cci_queue_free(queue);
    return channel;
}

static void free_jobs(int n)
{
    for (int i = 0; i < n; i++) cci_planned_row_cleanup(&jobs[i].sent.row);
}

static void preload(const char *users)
{
    long status;
    cJSON_Delete(http_admin(sbx_server_port(fixture.server), "POST", "/admin/users", users, &status));
    ck_assert_int_eq(status, 200);
}

START_TEST(new_users_go_fifty_a_request_and_an_existing_one_is_passed_on)
{
    /* n0007 exists with another name; n0008 holds exactly what its row sends (a lost answer's work) */
    preload("[{\"uid\":\"n0007\",\"name\":\"Already\"},{\"uid\":\"n0008\",\"name\":\"New 8\"}]");
    cci_data_import channel = run_channel(70);
    ck_assert_int_eq((int)fixture_counter("requests", "data_import"), 2); /* 50, then 20 */
    for (int i = 0; i < 70; i++) {
        if (i == 7) { /* the listing was out of date: the service said it exists, so it goes as an update */
            ck_assert(!batched(i));
            ck_assert_int_eq(jobs[i].sent.row.outcome.action, CCI_ACTION_UPDATED);
            continue;
        }
        ck_assert_msg(batched(i), "row %d", i);
        ck_assert_int_eq(jobs[i].sent.row.outcome.action, CCI_ACTION_CREATED);
        const char *expected = i == 8  ? "via data import; it existed when the batch arrived, holding what was sent: an "
                                         "attempt of this run whose answer was lost wrote it"
                               : i % 3 ? "via data import"
                                       : "via data import, with createdAt";
        ck_assert_str_eq(jobs[i].sent.row.outcome.message, expected);
    }
    ck_assert_int_eq((int)fixture_counter("requests", "update"), 1); /* n0007, one request */
    ck_assert_int_eq((int)fixture_counter("requests", "create"), 0);
    ck_assert_uint_eq(atomic_load(&channel.created), 69);
    ck_assert_int_eq((int)fixture_counter("requests", "get"), 2); /* n0007 and n0008 read back */
    ck_assert(!atomic_load(&channel.refused));
    ck_assert_int_eq(notes, 0);
    long status;
    cJSON *dated = http_admin(sbx_server_port(fixture.server), "GET", "/admin/users", NULL, &status);
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(dated, "users"))
        if (strcmp(cJSON_GetObjectItem(user, "uid")->valuestring, "n0003") == 0)
            ck_assert_int_eq((long long)cJSON_GetObjectItem(user, "createdAt")->valuedouble, 1614834367);
    cJSON_Delete(dated);
    free_jobs(70);
}
END_TEST

static void without_endpoint(sbx_config *config)
{
    config->import_missing = true;
}

static void arrays_only(sbx_config *config)
{
    config->import_body = SBX_IMPORT_BODY_ARRAY;
    config->import_answer_array = true;
}

START_TEST(a_missing_endpoint_is_said_once_and_every_row_goes_one_at_a_time)
{
    fixture_restart(without_endpoint);
    fixture_worker.client = fixture.client;
    cci_data_import channel = run_channel(60);
    ck_assert(atomic_load(&channel.refused));
    ck_assert_int_eq(notes, 1);
    ck_assert_int_eq((int)fixture_counter("requests", "other"), 1); /* no such route */
    for (int i = 0; i < 60; i++) {
        ck_assert_msg(!batched(i), "row %d", i);
        ck_assert_int_eq(jobs[i].sent.row.outcome.action, CCI_ACTION_CREATED);
        const char *message = jobs[i].sent.row.outcome.message;
        /* one request at a time keeps no dates, and the dated rows say so */
        ck_assert_int_eq(message && strstr(message, "createdAt not set"), i % 3 == 0);
    }
    ck_assert_int_eq((int)fixture_counter("requests", "create"), 60);
    ck_assert_ptr_nonnull(strstr(channel.refusal, "HTTP 404"));
    free_jobs(60);
}
END_TEST

START_TEST(an_endpoint_that_takes_arrays_only_gets_arrays)
{
    fixture_restart(arrays_only);
    fixture_worker.client = fixture.client;
    cci_data_import channel = run_channel(10);
    ck_assert(!atomic_load(&channel.refused));
    ck_assert_int_eq((int)fixture_counter("requests", "data_import"), 2); /* the example's shape, then the array */
    for (int i = 0; i < 10; i++) ck_assert(batched(i) && jobs[i].sent.row.outcome.action == CCI_ACTION_CREATED);
    free_jobs(10);
}
END_TEST

static Suite *data_import_suite(void)
{
    Suite *suite = suite_create("data_import");
    TCase *tc = tcase_create("data_import");
    tcase_add_checked_fixture(tc, fixture_setup_sending, fixture_teardown_sending);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, new_users_go_fifty_a_request_and_an_existing_one_is_passed_on);
    tcase_add_test(tc, a_missing_endpoint_is_said_once_and_every_row_goes_one_at_a_time);
    tcase_add_test(tc, an_endpoint_that_takes_arrays_only_gets_arrays);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(data_import_suite)
