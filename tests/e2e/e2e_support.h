/* Helpers for end-to-end tests: a sandbox in-process on loopback, the real cometchat-import
 * binary run as a child process, and readers for its report and the sandbox's users. */
#ifndef E2E_SUPPORT_H
#define E2E_SUPPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "sandbox.h"

#define E2E_KEY "e2e-full-key-5d1f0c"

typedef struct e2e {
    char dir[64];        /* a fresh temporary directory */
    const char *profile; /* the variant of the documented API the sandbox speaks (CCI_E2E_PROFILE) */
    const char *prefix;  /* "/v3" or "/v3.0", as the profile has it */
    sbx_config config;   /* adjust before e2e_start_sandbox */
    sbx_server *server;
    char base_url[96];
} e2e;

/* Makes the directory and a sandbox config with E2E_KEY (full access) and roles admin,moderator
 * and budgets no test reaches, speaking the variant CCI_E2E_PROFILE names (ctest runs the rate,
 * fault and fatal-error suites once per variant):
 *   current      X-RateLimit-* with a reset on every answer; 401 for a bad key; unknown role
 *                ERR_BAD_REQUEST; JSON 429 bodies; /v3 (the default)
 *   legacy       X-Rate-Limit*, reset and Retry-After on 429 only; 404; ERR_ROLE_NOT_FOUND; HTML 429; /v3.0
 *   retry-after  only Retry-After, on 429; 401; ERR_ROLE_NOT_FOUND; HTML 429; /v3
 *   none         no rate-limit header at all; 404; ERR_BAD_REQUEST; JSON 429; /v3.0 */
void e2e_init(e2e *t);
/* The profiles in the order above, for a test that picks one itself (before e2e_start_sandbox). */
int e2e_profile_count(void);
const char *e2e_profile_name(int index);
void e2e_use_profile(e2e *t, int index);
void e2e_start_sandbox(e2e *t);
/* Stops the sandbox and removes the directory. */
void e2e_cleanup(e2e *t);

/* The suites' one fixture: e2e_fixture_setup inits it (e2e_init), teardown cleans it up. */
extern e2e fixture;
void e2e_fixture_setup(void);
void e2e_fixture_teardown(void);

/* Writes DIR/name: n users u00000.. (uid,name,tags,metadata.team); every changed_every-th row
 * (none when 0) is "Renamed" with other tags and team, so a rerun has changes to find. */
void e2e_write_users(e2e *t, const char *name, int n, int changed_every);
/* The sandbox holds exactly the users e2e_write_users wrote, field by field. */
void e2e_expect_users_of_file(e2e *t, int n, int changed_every);

/* Writes text to DIR/name and returns the full path (static buffer per call site: copy it). */
const char *e2e_write(e2e *t, const char *name, const char *text);
const char *e2e_path(e2e *t, const char *name);
/* DIR/name whole, NUL-terminated (malloc'd); fails the test when it cannot be read. */
char *e2e_read_text(e2e *t, const char *name);

/* Runs cometchat-import with the given NULL-terminated arguments, COMETCHAT_API_KEY=key (none
 * when key is NULL) and --base-url of the sandbox when with_target. Returns the exit status;
 * stderr text goes into DIR/stderr.txt and is returned in *messages (static). */
int e2e_run(e2e *t, const char *key, bool with_target, const char **messages, ...);

/* Like e2e_run, with the variables of env ("NAME=VALUE", NULL-terminated) set for the tool over
 * its defaults: no COMETCHAT_* target, XDG_STATE_HOME in DIR and XDG_CONFIG_HOME DIR/config. */
int e2e_run_env(e2e *t, const char *const *env, const char *key, bool with_target, const char **messages, ...);

/* Like e2e_run, without waiting: returns the child's pid. */
int e2e_spawn(e2e *t, const char *key, bool with_target, ...);
/* Waits for a child of e2e_spawn; returns its exit status (fails the test on a crash). A
 * watchdog kills the tool and fails the test, saying so, when it makes no progress (no request
 * reaches the sandbox and nothing is written to its messages or report) for E2E_STALL_S seconds:
 * a hang is a test failure, not a CI timeout. */
enum { E2E_STALL_S = 60 };
int e2e_wait(e2e *t, int pid, const char **messages);

/* A report, parsed with the project's own CSV reader. */
typedef struct e2e_report_row {
    unsigned long line;
    char uid[128], action[16], error_code[64], message[2048];
    long http_status;
    unsigned attempts;
} e2e_report_row;

/* The run folders in DIR/runs (users.runs), oldest first: how many, and the name, relative to DIR,
 * of file in run `index` (0 the oldest, -1 the newest) as "users.runs/STAMP/report.csv" (static);
 * fails the test when there is no such run. */
int e2e_run_count(e2e *t, const char *runs);
const char *e2e_run_file(e2e *t, const char *runs, int index, const char *file);

/* Reads DIR/name into rows (malloc'd, *count set); fails the test on a malformed report. */
e2e_report_row *e2e_read_report(e2e *t, const char *name, size_t *count);

/* GET /admin/users: {"users": [...]}; caller deletes. */
cJSON *e2e_users(e2e *t);
/* The user with uid in a dump, or NULL. */
const cJSON *e2e_find_user(const cJSON *dump, const char *uid);
/* A counter of /admin/counters: group may be NULL for top-level ones. */
double e2e_counter(e2e *t, const char *group, const char *name);
/* POST /admin/users with a JSON body of users. */
void e2e_preload(e2e *t, const char *users_json);
/* Loads n users "P00000".., 50 a request, each filled in by fill (uid set). */
void e2e_preload_users(e2e *t, char prefix, int n, void (*fill)(cJSON *user, void *context), void *context);
/* The requests that could change the app: every one but the listing's pages. A rerun of an
 * unchanged file sends none (it reads the app, one request a page, unless --trust-journal). */
double e2e_writes(e2e *t);
/* The pages a reading of the app the sandbox holds takes: 1,000 users a page. */
int e2e_listing_pages(e2e *t);
/* POST /admin/reset?keep=users: counters from zero. */
/* Edits a user behind the importer's back, as the dashboard would (PATCH /admin/users/UID). */
void e2e_edit_user(e2e *t, const char *uid, const char *fields_json);
/* The user's next count updates are answered 200 and not kept. */
void e2e_ignore_updates(e2e *t, const char *uid, int count);
void e2e_reset_counters(e2e *t);

/* Rows of a report with the given action. */
int e2e_count_action(const e2e_report_row *rows, size_t count, const char *action);
/* Waits until the sandbox has answered at least n creates, however slowly they come; fails the
 * test when their count stands still for E2E_STALL_S seconds. */
void e2e_wait_for_creates(e2e *t, double n);
/* Likewise, until the sandbox holds at least n users (however they were created). */
void e2e_wait_for_users(e2e *t, double n);

/* The path of the app's journal a run against the sandbox keeps (XDG_STATE_HOME is the test's
 * folder); static. */
const char *e2e_app_journal(e2e *t);

/* The string field of a user, or "" when absent. */
const char *e2e_field(const cJSON *user, const char *name);

#endif
