/* The sandbox on loopback and one client of it, for the suites that talk to it in-process
 * (check_client, check_send, check_run). Used from the test's own thread only. */
#ifndef SANDBOX_FIXTURE_H
#define SANDBOX_FIXTURE_H

#include "send/client.h"
#include "send/send.h"
#include "sandbox.h"

#define FIXTURE_KEY "client-test-key-0123456789"

typedef struct sandbox_fixture {
    sbx_config config;
    sbx_server *server;
    cci_client *client; /* of the sandbox, with FIXTURE_KEY */
    char base[128];     /* the sandbox's URL up to /v3 */
} sandbox_fixture;

extern sandbox_fixture fixture;

/* A checked fixture's setup and teardown: the sandbox with its defaults and FIXTURE_KEY. */
void fixture_setup(void);
void fixture_teardown(void);

/* Restarts the sandbox with its settings adjusted, and a client of its new port. */
void fixture_restart(void (*adjust)(sbx_config *));

/* Adjustments for fixture_restart: every create answered 200 with an HTML page (a proxy's sign-in
 * page); FIXTURE_KEY no longer known, so every request is refused as unauthorised. */
void fixture_serve_html_200(sbx_config *config);
void fixture_know_another_key(sbx_config *config);

/* A counter of /admin/counters (group NULL: a top-level one). The test fails when it does not
 * exist: a renamed counter must not read as 0. */
double fixture_counter(const char *group, const char *name);

/* What a run's workers share, set up for mode with two retries a request; and its release. */
void fixture_shared_init(cci_send_shared *shared, cci_mode mode);
void fixture_shared_cleanup(cci_send_shared *shared);

/* A checked fixture for suites that send as a run's reader does: the sandbox, the shared state
 * (upsert) and a worker on the fixture's client. */
extern cci_send_shared fixture_shared;
extern cci_worker fixture_worker;
void fixture_setup_sending(void);
void fixture_teardown_sending(void);

/* Loads n active users a0000.. (name "A") and n deactivated ones d0000.. (name "D"). */
void fixture_load_active_and_deactivated(int n);

#endif
