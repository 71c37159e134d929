#include "sandbox_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_client.h"

sandbox_fixture fixture;

static void start_server_and_client(void)
{
    char err[256];
    fixture.server = sbx_server_start(&fixture.config, err, sizeof err);
    ck_assert_msg(fixture.server != NULL, "%s", err);
    snprintf(fixture.base, sizeof fixture.base, "http://127.0.0.1:%u/v3", sbx_server_port(fixture.server));
    ck_assert_int_eq(cci_client_new(&fixture.client, fixture.base, FIXTURE_KEY, 5000, err, sizeof err), CCI_OK);
    ck_assert_ptr_nonnull(fixture.client);
}

void fixture_setup(void)
{
    sbx_config_defaults(&fixture.config);
    fixture.config.keys = calloc(1, sizeof *fixture.config.keys);
    fixture.config.keys[0] = (sbx_key){.key = strdup(FIXTURE_KEY)};
    fixture.config.key_count = 1;
    start_server_and_client();
}

void fixture_teardown(void)
{
    cci_client_free(fixture.client);
    sbx_server_stop(fixture.server);
    sbx_config_cleanup(&fixture.config);
}

void fixture_restart(void (*adjust)(sbx_config *))
{
    cci_client_free(fixture.client);
    sbx_server_stop(fixture.server);
    adjust(&fixture.config);
    start_server_and_client();
}

double fixture_counter(const char *group, const char *name)
{
    long status;
    cJSON *counters = http_admin(sbx_server_port(fixture.server), "GET", "/admin/counters", NULL, &status);
    ck_assert_msg(counters != NULL, "/admin/counters: HTTP %ld", status);
    double value;
    bool known = http_counter(counters, group, name, &value);
    cJSON_Delete(counters);
    ck_assert_msg(known, "the sandbox has no counter %s%s%s", group ? group : "", group ? "." : "", name);
    return value;
}

void fixture_serve_html_200(sbx_config *config)
{
    config->hostile = SBX_HOSTILE_HTML_200;
}

void fixture_know_another_key(sbx_config *config)
{
    free(config->keys[0].key);
    config->keys[0].key = strdup("some-other-key");
    ck_assert_ptr_nonnull(config->keys[0].key);
}

void fixture_shared_init(cci_send_shared *shared, cci_mode mode)
{
    *shared = (cci_send_shared){.mode = mode, .max_retries = 2};
    shared->limiter = cci_limiter_new((cci_limiter_config){0});
    shared->stop = cci_stop_new();
    ck_assert(shared->limiter && shared->stop);
    cci_retry_budget_init(&shared->retries, 10, 10);
    cci_update_gate_init(&shared->gate);
    cci_guess_init(&shared->guess);
}

void fixture_shared_cleanup(cci_send_shared *shared)
{
    cci_update_gate_cleanup(&shared->gate);
    cci_guess_cleanup(&shared->guess);
    cci_stop_free(shared->stop);
    cci_limiter_free(shared->limiter);
}

void fixture_load_active_and_deactivated(int n)
{
    for (int i = 0; i < n; i += 50) { /* 50 a request: the sandbox takes no larger body */
        char body[8192] = "[";
        for (int j = i; j < i + 50 && j < n; j++) {
            size_t used = strlen(body);
            snprintf(body + used, sizeof body - used,
                     "%s{\"uid\":\"a%04d\",\"name\":\"A\"},{\"uid\":\"d%04d\",\"name\":\"D\",\"deactivated\":true}",
                     j > i ? "," : "", j, j);
        }
        strcat(body, "]");
        long status;
        cJSON_Delete(http_admin(sbx_server_port(fixture.server), "POST", "/admin/users", body, &status));
        ck_assert_int_eq(status, 200);
    }
}

cci_send_shared fixture_shared;
cci_worker fixture_worker;

void fixture_setup_sending(void)
{
    fixture_setup();
    fixture_shared_init(&fixture_shared, CCI_MODE_UPSERT);
    fixture_worker = (cci_worker){.client = fixture.client, .random = 1};
}

void fixture_teardown_sending(void)
{
    fixture_shared_cleanup(&fixture_shared);
    fixture_teardown();
}
