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
