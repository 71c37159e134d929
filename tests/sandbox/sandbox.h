/* The CometChat sandbox: a local emulator of the users REST API, served over HTTP on loopback.
 * Tests start it in-process; the cometchat-sandbox binary wraps it for scripts and users.
 *
 * Thread-safety: start, load and stop are called by the owning thread; the server answers
 * requests on its own threads, one per connection. */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "sbx_config.h"

typedef struct sbx_server sbx_server;

/* Starts serving. config is borrowed and must stay unchanged until sbx_server_stop.
 * Returns NULL with a reason in err on failure. */
sbx_server *sbx_server_start(const sbx_config *config, char *err, size_t errlen);

/* The port actually bound (useful with port 0). */
unsigned sbx_server_port(const sbx_server *server);

/* API requests begun so far (what GET /admin/counters calls requests.total, without a request
 * of its own: watchdogs use it). Any thread. */
unsigned long sbx_server_requests_total(sbx_server *server);

/* Waits until no API request is in flight, at most timeout_ms (a request ends after its answer is
 * sent: the client that read it may ask for the counters first). Whether none is. Any thread. */
bool sbx_server_wait_idle(sbx_server *server, unsigned timeout_ms);

/* Loads users from {"users":[...]} or a bare array, as /admin/users dumps them; each is checked
 * as a create would be. Returns false with the first problem in err. */
bool sbx_server_load(sbx_server *server, const char *json_text, char *err, size_t errlen);

/* What an administrator does in the dashboard behind the importer's back: deactivates the user
 * with uid (the uid stays taken), or with permanent deletes it (the uid is free again). Not
 * counted, no key, no budget. Returns false when there is no such user (for a deactivation: no
 * active one). Any thread, also from config->on_api_request. */
bool sbx_server_remove_user(sbx_server *server, const char *uid, bool permanent);

/* Stops serving, waits for the connection threads, frees everything. */
void sbx_server_stop(sbx_server *server);

#endif
