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
    fixture.client = cci_client_new(fixture.base, FIXTURE_KEY, 5000, err, sizeof err);
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
    http_client admin;
    http_client_init(&admin, sbx_server_port(fixture.server));
    http_answer a = http_call(&admin, "GET", "/admin/counters", NULL, NULL, 5000);
    const cJSON *holder = group ? cJSON_GetObjectItem(a.json, group) : a.json;
    const cJSON *item = cJSON_GetObjectItem(holder, name);
    ck_assert_msg(cJSON_IsNumber(item), "the sandbox has no counter %s%s%s", group ? group : "", group ? "." : "", name);
    double value = item->valuedouble;
    http_answer_cleanup(&a);
    http_client_cleanup(&admin);
    return value;
}
