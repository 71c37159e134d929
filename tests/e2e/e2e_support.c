#define _DEFAULT_SOURCE /* syscall(), for pidfd_open */
#include "e2e_support.h"

#include "cci/state/journal.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cci/read/csv_reader.h"
#include "http_client.h"

/* The documented variants, each point where the docs disagree set one way or the other. */
static const struct {
    const char *name;
    sbx_rate_headers headers;
    unsigned auth_error_status;
    bool role_error_not_found, html_429;
    const char *prefix;
} profiles[] = {
    {"current", SBX_HEADERS_CURRENT, 401, false, false, "/v3"},
    {"legacy", SBX_HEADERS_LEGACY, 404, true, true, "/v3.0"},
    {"retry-after", SBX_HEADERS_RETRY_AFTER, 401, true, true, "/v3"},
    {"none", SBX_HEADERS_NONE, 404, false, false, "/v3.0"},
};

int e2e_profile_count(void)
{
    return (int)(sizeof profiles / sizeof *profiles);
}

const char *e2e_profile_name(int index)
{
    ck_assert_int_lt(index, e2e_profile_count());
    return profiles[index].name;
}

void e2e_use_profile(e2e *t, int index)
{
    ck_assert_int_lt(index, e2e_profile_count());
    t->profile = profiles[index].name;
    t->prefix = profiles[index].prefix;
    t->config.rate_headers = profiles[index].headers;
    t->config.auth_error_status = profiles[index].auth_error_status;
    t->config.role_error_not_found = profiles[index].role_error_not_found;
    t->config.html_429 = profiles[index].html_429;
}

static void apply_profile(e2e *t)
{
    const char *wanted = getenv("CCI_E2E_PROFILE");
    int i = 0;
    if (wanted && *wanted) {
        while (i < e2e_profile_count() && strcmp(profiles[i].name, wanted) != 0) i++;
        ck_assert_msg(i < e2e_profile_count(), "no profile %s", wanted);
    }
    e2e_use_profile(t, i);
}

char *e2e_read_text(e2e *t, const char *name)
{
    FILE *file = fopen(e2e_path(t, name), "rb");
    ck_assert_msg(file != NULL, "%s: %s", name, strerror(errno));
    fseek(file, 0, SEEK_END);
    long len = ftell(file);
    rewind(file);
    char *text = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(text);
    text[fread(text, 1, (size_t)len, file)] = '\0';
    fclose(file);
    return text;
}

void e2e_init(e2e *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/cci-e2e-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    sbx_config_defaults(&t->config);
    t->config.keys = calloc(1, sizeof *t->config.keys);
    t->config.keys[0] = (sbx_key){.key = strdup(E2E_KEY)};
    t->config.key_count = 1;
    sbx_config_set_roles(&t->config, "admin,moderator");
    t->config.core_limit = t->config.standard_limit = 4000000000u;
    apply_profile(t);
}

void e2e_start_sandbox(e2e *t)
{
    char err[256];
    t->server = sbx_server_start(&t->config, err, sizeof err);
    ck_assert_msg(t->server != NULL, "%s", err);
    snprintf(t->base_url, sizeof t->base_url, "http://127.0.0.1:%u%s", sbx_server_port(t->server), t->prefix);
}

void e2e_cleanup(e2e *t)
{
    if (t->server) sbx_server_stop(t->server);
    sbx_config_cleanup(&t->config);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", t->dir);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", t->dir);
}

const char *e2e_path(e2e *t, const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    return path;
}

/* A run folder's name (tool_runs.h): STAMP or STAMP-N, ordered by time, then N. */
static int is_run_entry(const struct dirent *entry)
{
    return strlen(entry->d_name) >= 20 && entry->d_name[19] == 'Z' && isdigit((unsigned char)entry->d_name[0]);
}

static int oldest_first(const struct dirent **a, const struct dirent **b)
{
    int by_time = strncmp((*a)->d_name, (*b)->d_name, 20);
    long na = (*a)->d_name[20] ? atol((*a)->d_name + 21) : 1, nb = (*b)->d_name[20] ? atol((*b)->d_name + 21) : 1;
    return by_time ? by_time : (na > nb) - (na < nb);
}

/* The run folders' names, oldest first (free each and the list). */
static int list_runs(e2e *t, const char *runs, struct dirent ***names)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", t->dir, runs);
    int n = scandir(path, names, is_run_entry, oldest_first);
    return n < 0 ? 0 : n;
}

int e2e_run_count(e2e *t, const char *runs)
{
    struct dirent **names = NULL;
    int n = list_runs(t, runs, &names);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return n;
}

const char *e2e_run_file(e2e *t, const char *runs, int index, const char *file)
{
    static char name[256];
    struct dirent **names = NULL;
    int n = list_runs(t, runs, &names), at = index < 0 ? n + index : index;
    ck_assert_msg(at >= 0 && at < n, "no run %d in %s/%s: %d runs", index, t->dir, runs, n);
    int len = snprintf(name, sizeof name, "%s/%.64s/%s", runs, names[at]->d_name, file);
    ck_assert_int_lt(len, (int)sizeof name);
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
    return name;
}

const char *e2e_write(e2e *t, const char *name, const char *text)
{
    const char *path = e2e_path(t, name);
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
    return path;
}

/* The variables the harness sets or clears for every run: the person's own never reach the tool. */
static const char *const harness_owned[] = {"COMETCHAT_API_KEY", "COMETCHAT_BASE_URL", "COMETCHAT_APP_ID",
                                            "COMETCHAT_REGION", "XDG_STATE_HOME", "XDG_CONFIG_HOME"};

static bool names_variable(const char *entry, const char *name_eq)
{
    size_t len = strcspn(name_eq, "=");
    return strncmp(entry, name_eq, len) == 0 && entry[len] == '=';
}

static bool named_in(const char *entry, const char *const *env)
{
    for (size_t i = 0; env && env[i]; i++)
        if (names_variable(entry, env[i])) return true;
    return false;
}

static bool overridden(const char *entry, const char *const *env)
{
    for (size_t i = 0; i < sizeof harness_owned / sizeof *harness_owned; i++)
        if (names_variable(entry, harness_owned[i])) return true;
    return named_in(entry, env); /* a test's own setting wins */
}

static char *joined(const char *name, const char *value, const char *suffix)
{
    size_t len = strlen(name) + strlen(value) + strlen(suffix) + 2;
    char *entry = malloc(len);
    ck_assert_ptr_nonnull(entry);
    snprintf(entry, len, "%s=%s%s", name, value, suffix);
    return entry;
}

/* The tool's whole environment, built before the fork: the child of this multithreaded process
 * (the sandbox's threads) may only make async-signal-safe calls, since a sandbox thread may hold
 * malloc's or ASan's allocator lock at the fork, and setenv in the child could wait for ever.
 * made[] holds the strings to free; the result and made are freed by free_environment. */
static char **tool_environment(e2e *t, const char *const *env, const char *key, char *made[3])
{
    extern char **environ;
    size_t inherited = 0, extra = 0, n = 0;
    while (environ[inherited]) inherited++;
    while (env && env[extra]) extra++;
    char **out = calloc(inherited + extra + 4, sizeof *out);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < inherited; i++)
        if (!overridden(environ[i], env)) out[n++] = environ[i];
    made[0] = joined("XDG_STATE_HOME", t->dir, ""); /* the app's journal in the test's folder, never in $HOME */
    made[1] = joined("XDG_CONFIG_HOME", t->dir, "/config"); /* nor the person's own settings */
    made[2] = key ? joined("COMETCHAT_API_KEY", key, "") : NULL;
    for (size_t i = 0; i < 3; i++)
        if (made[i] && !named_in(made[i], env)) out[n++] = made[i];
    for (size_t i = 0; i < extra; i++)
        if (strchr(env[i], '=')) out[n++] = (char *)env[i];
    out[n] = NULL;
    return out;
}

static void free_environment(char **environment, char *made[3])
{
    for (size_t i = 0; i < 3; i++) free(made[i]);
    free(environment);
}

static int spawn(e2e *t, const char *const *env, const char *key, bool with_target, va_list ap)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = CCI_IMPORT_BINARY;
    if (with_target) {
        argv[argc++] = "--base-url";
        argv[argc++] = t->base_url;
    }
    for (const char *arg; argc < 63 && (arg = va_arg(ap, const char *));) argv[argc++] = arg;
    argv[argc] = NULL;

    char stderr_path[256];
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr.txt", t->dir);
    char *made[3];
    char **environment = tool_environment(t, env, key, made);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* async-signal-safe calls only, up to the exec */
        int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, STDERR_FILENO);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        if (chdir(t->dir) != 0) _exit(126);
        execve(argv[0], (char *const *)argv, environment);
        _exit(127);
    }
    free_environment(environment, made);
    return pid;
}

int e2e_spawn(e2e *t, const char *key, bool with_target, ...)
{
    va_list ap;
    va_start(ap, with_target);
    int pid = spawn(t, NULL, key, with_target, ap);
    va_end(ap);
    return pid;
}

/* What shows the tool is getting on: requests the sandbox saw, and the bytes of the tool's
 * messages and of every file in the test's directory (reports, rejects, journal). */
static double progress_mark(e2e *t)
{
    double mark = 0;
    char command[160];
    snprintf(command, sizeof command, "du -sb '%s' 2>/dev/null", t->dir);
    FILE *du = popen(command, "r");
    double bytes = 0;
    if (du && fscanf(du, "%lf", &bytes) == 1) mark += bytes;
    if (du) pclose(du);
    if (t->server) mark += (double)sbx_server_requests_total(t->server) * 1e12;
    return mark;
}

/* Waits for pid to end, or kills it when it makes no progress for E2E_STALL_S seconds. */
static int watch(e2e *t, int pid, const char *stderr_path)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    ck_assert_msg(fd >= 0, "pidfd_open: %s", strerror(errno));
    double mark = progress_mark(t);
    time_t last_progress = time(NULL);
    struct pollfd ended = {.fd = fd, .events = POLLIN};
    /* poll() returns the moment the tool exits; the second between looks is only for the watch */
    while (poll(&ended, 1, 1000) == 0) {
        double now_mark = progress_mark(t);
        if (now_mark != mark) {
            mark = now_mark;
            last_progress = time(NULL);
        } else if (time(NULL) - last_progress >= E2E_STALL_S) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(fd);
            char tail[2048] = "";
            FILE *file = fopen(stderr_path, "rb");
            if (file) {
                fseek(file, -(long)(sizeof tail - 1), SEEK_END);
                tail[fread(tail, 1, sizeof tail - 1, file)] = '\0';
                fclose(file);
            }
            ck_abort_msg("the tool made no progress for %d s (no request reached the sandbox, nothing "
                         "was written): it hangs. Its last messages:\n%s", E2E_STALL_S, tail);
        }
    }
    close(fd);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

int e2e_wait(e2e *t, int pid, const char **messages)
{
    static char text[65536];
    char stderr_path[256];
    snprintf(stderr_path, sizeof stderr_path, "%s/stderr.txt", t->dir);
    int status = watch(t, pid, stderr_path);
    FILE *file = fopen(stderr_path, "rb");
    size_t n = file ? fread(text, 1, sizeof text - 1, file) : 0;
    text[n] = '\0';
    if (file) fclose(file);
    if (messages) *messages = text;
    ck_assert_msg(WIFEXITED(status), "the tool did not exit normally: %s", text);
    return WEXITSTATUS(status);
}

int e2e_run(e2e *t, const char *key, bool with_target, const char **messages, ...)
{
    va_list ap;
    va_start(ap, messages);
    int pid = spawn(t, NULL, key, with_target, ap);
    va_end(ap);
    return e2e_wait(t, pid, messages);
}

int e2e_run_env(e2e *t, const char *const *env, const char *key, bool with_target, const char **messages, ...)
{
    va_list ap;
    va_start(ap, messages);
    int pid = spawn(t, env, key, with_target, ap);
    va_end(ap);
    return e2e_wait(t, pid, messages);
}

static void copy_cell(char *out, size_t len, const cci_cell *cell)
{
    snprintf(out, len, "%.*s", (int)cell->len, cell->text);
}

e2e_report_row *e2e_read_report(e2e *t, const char *name, size_t *count)
{
    FILE *file = fopen(e2e_path(t, name), "rb");
    ck_assert_msg(file != NULL, "no report %s", name);
    char err[256];
    cci_csv_reader *reader;
    ck_assert_int_eq(cci_csv_reader_new(&reader, file, ',', NULL, err, sizeof err), CCI_OK);
    cci_record record;
    ck_assert_int_eq(cci_csv_reader_next(reader, &record), CCI_READ_RECORD);
    ck_assert_uint_eq(record.count, 7);
    ck_assert_str_eq(record.cells[0].text, "line");
    size_t cap = 1024, n = 0;
    e2e_report_row *rows = malloc(cap * sizeof *rows);
    cci_read_status status;
    while ((status = cci_csv_reader_next(reader, &record)) == CCI_READ_RECORD) {
        ck_assert_uint_eq(record.count, 7);
        if (n == cap) rows = realloc(rows, (cap *= 2) * sizeof *rows);
        e2e_report_row *row = &rows[n++];
        row->line = strtoul(record.cells[0].text, NULL, 10);
        copy_cell(row->uid, sizeof row->uid, &record.cells[1]);
        copy_cell(row->action, sizeof row->action, &record.cells[2]);
        row->http_status = strtol(record.cells[3].text, NULL, 10);
        copy_cell(row->error_code, sizeof row->error_code, &record.cells[4]);
        copy_cell(row->message, sizeof row->message, &record.cells[5]);
        row->attempts = (unsigned)strtoul(record.cells[6].text, NULL, 10);
    }
    ck_assert_int_eq(status, CCI_READ_END);
    cci_csv_reader_free(reader);
    fclose(file);
    *count = n;
    return rows;
}

static cJSON *admin(e2e *t, const char *method, const char *path, const char *body)
{
    long status;
    cJSON *json = http_admin(sbx_server_port(t->server), method, path, body, &status);
    ck_assert_msg(json != NULL, "%s %s: HTTP %ld", method, path, status);
    return json;
}

cJSON *e2e_users(e2e *t)
{
    return admin(t, "GET", "/admin/users", NULL);
}

const cJSON *e2e_find_user(const cJSON *dump, const char *uid)
{
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(dump, "users"))
        if (strcmp(e2e_field(user, "uid"), uid) == 0) return user;
    return NULL;
}

double e2e_counter(e2e *t, const char *group, const char *name)
{
    cJSON *counters = admin(t, "GET", "/admin/counters?uids=false", NULL);
    double value;
    bool known = http_counter(counters, group, name, &value);
    cJSON_Delete(counters);
    ck_assert_msg(known, "the sandbox has no counter %s%s%s", group ? group : "", group ? "." : "", name);
    return value;
}

double e2e_writes(e2e *t)
{
    return e2e_counter(t, "requests", "total") - e2e_counter(t, "requests", "list");
}

int e2e_listing_pages(e2e *t)
{
    return (int)e2e_counter(t, NULL, "users") / 1000 + 1;
}

void e2e_preload(e2e *t, const char *users_json)
{
    cJSON_Delete(admin(t, "POST", "/admin/users", users_json));
}

void e2e_preload_users(e2e *t, char prefix, int n, void (*fill)(cJSON *user, void *context), void *context)
{
    cJSON *users = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        char uid[16];
        snprintf(uid, sizeof uid, "%c%05d", prefix, i);
        cJSON *user = cJSON_CreateObject();
        cJSON_AddStringToObject(user, "uid", uid);
        fill(user, context);
        cJSON_AddItemToArray(users, user);
        if (cJSON_GetArraySize(users) == 50 || i == n - 1) { /* the sandbox takes no larger body than the service */
            char *text = cJSON_PrintUnformatted(users);
            e2e_preload(t, text);
            free(text);
            cJSON_Delete(users);
            users = cJSON_CreateArray();
        }
    }
    cJSON_Delete(users);
}

void e2e_edit_user(e2e *t, const char *uid, const char *fields_json)
{
    char path[160];
    snprintf(path, sizeof path, "/admin/users/%s", uid);
    cJSON_Delete(admin(t, "PATCH", path, fields_json));
}

void e2e_ignore_updates(e2e *t, const char *uid, int count)
{
    char path[200];
    snprintf(path, sizeof path, "/admin/users/%s/ignore-updates?count=%d", uid, count);
    cJSON_Delete(admin(t, "POST", path, NULL));
}

void e2e_reset_counters(e2e *t)
{
    cJSON_Delete(admin(t, "POST", "/admin/reset?keep=users", NULL));
}

const char *e2e_field(const cJSON *user, const char *name)
{
    const cJSON *item = cJSON_GetObjectItem(user, name);
    return cJSON_IsString(item) ? item->valuestring : "";
}

int e2e_count_action(const e2e_report_row *rows, size_t count, const char *action)
{
    int n = 0;
    for (size_t i = 0; i < count; i++) n += strcmp(rows[i].action, action) == 0;
    return n;
}

/* Polls a counter of the other process's progress: the only way to act "halfway". Bounded by
 * progress, not by time, as the watchdog of e2e_wait is: a slow import (a loaded machine, the
 * sanitizers) only takes longer to get there; one whose count stands still for E2E_STALL_S
 * seconds hangs, or ended short of n, and fails the test. */
static void wait_for_counter(e2e *t, const char *group, const char *name, double n, const char *what)
{
    double seen = -1;
    time_t moved = time(NULL);
    for (;;) {
        double value = e2e_counter(t, group, name);
        if (value >= n) return;
        if (value != seen) {
            seen = value;
            moved = time(NULL);
        } else if (time(NULL) - moved >= E2E_STALL_S) {
            ck_abort_msg("the import never reached %.0f %s: it stood at %.0f for %d s", n, what, value, E2E_STALL_S);
        }
        struct timespec pause = {0, 25 * 1000000L};
        nanosleep(&pause, NULL);
    }
}

void e2e_wait_for_creates(e2e *t, double n)
{
    wait_for_counter(t, "requests", "create", n, "creates");
}

void e2e_wait_for_users(e2e *t, double n)
{
    wait_for_counter(t, NULL, "users", n, "users in the sandbox");
}

const char *e2e_app_journal(e2e *t)
{
    static char path[256];
    char target[17];
    cci_journal_target(t->base_url, NULL, NULL, target);
    snprintf(path, sizeof path, "%s/cometchat-import/%s.journal", t->dir, target);
    return path;
}

e2e fixture;

void e2e_fixture_setup(void)
{
    e2e_init(&fixture);
}

void e2e_fixture_teardown(void)
{
    e2e_cleanup(&fixture);
}

/* The row i of e2e_write_users's file. */
typedef struct written_user {
    char uid[16], name[32];
    const char *tags, *first_tag, *team;
} written_user;

static written_user user_of_row(int i, int changed_every)
{
    bool changed = changed_every && i % changed_every == 0;
    written_user user = {.tags = changed ? "new;tags" : "a;b", .first_tag = changed ? "new" : "a",
                         .team = changed ? "blue" : "red"};
    snprintf(user.uid, sizeof user.uid, "u%05d", i);
    snprintf(user.name, sizeof user.name, "%s %d", changed ? "Renamed" : "User", i);
    return user;
}

void e2e_write_users(e2e *t, const char *name, int n, int changed_every)
{
    FILE *file = fopen(e2e_path(t, name), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name,tags,metadata.team\n");
    for (int i = 0; i < n; i++) {
        written_user user = user_of_row(i, changed_every);
        fprintf(file, "%s,%s,%s,%s\n", user.uid, user.name, user.tags, user.team);
    }
    ck_assert_int_eq(fclose(file), 0);
}

void e2e_expect_users_of_file(e2e *t, int n, int changed_every)
{
    cJSON *users = e2e_users(t);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(users, "users")), n);
    for (int i = 0; i < n; i++) {
        written_user expected = user_of_row(i, changed_every);
        const cJSON *user = e2e_find_user(users, expected.uid);
        ck_assert_msg(user != NULL, "%s missing", expected.uid);
        ck_assert_str_eq(e2e_field(user, "name"), expected.name);
        ck_assert_str_eq(e2e_field(cJSON_GetObjectItem(user, "metadata"), "team"), expected.team);
        const cJSON *tags = cJSON_GetObjectItem(user, "tags");
        ck_assert_int_eq(cJSON_GetArraySize(tags), 2);
        ck_assert_str_eq(cJSON_GetArrayItem(tags, 0)->valuestring, expected.first_tag);
    }
    cJSON_Delete(users);
}
