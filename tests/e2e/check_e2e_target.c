/* Knowing the target (issue 13): the app's listing plans the run when the journal cannot, --plan
 * says what a run would do, --reactivate and --prune change who is active, metadata.KEY columns
 * merge; across the switches where the documents are silent (a listing that hides "@private", a
 * pagination whose total says 0). */
#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../check_main.h"
#include "target/listing.h"
#include "e2e_support.h"

/* The acceptance scenario, in uid blocks: */
enum {
    EQUAL = 1200,          /* e00000..: in the file and the app, equal */
    DIFFERENT = 300,       /* d00000..: in both, the app's name differs */
    DEACTIVATED = 100,     /* x00000..: in the file, deactivated in the app, equal */
    ABSENT_ACTIVE = 300,   /* a00000..: in the app only, active */
    ABSENT_DEACTIVATED = 200, /* z00000..: in the app only, deactivated */
    NEW = 400,             /* n00000..: in the file only */
};

typedef struct kind {
    bool old, deactivated;
} kind;

/* Name "User", or "Old" when old; metadata team and phone; made well before the run (--prune
 * leaves alone a user made in the second the run began). */
static void fill_user(cJSON *user, void *context)
{
    const kind *k = context;
    cJSON_AddStringToObject(user, "name", k->old ? "Old" : "User");
    cJSON *metadata = cJSON_AddObjectToObject(user, "metadata");
    cJSON_AddStringToObject(metadata, "team", "red");
    cJSON_AddStringToObject(metadata, "phone", "555");
    if (k->deactivated) cJSON_AddTrueToObject(user, "deactivated");
    cJSON_AddNumberToObject(user, "createdAt", 1700000000);
}

/* Loads n users "P00000".. into the sandbox. */
static void add_users(e2e *t, char prefix, int n, bool old, bool deactivated)
{
    kind k = {.old = old, .deactivated = deactivated};
    e2e_preload_users(t, prefix, n, fill_user, &k);
}

static void preload_scenario(e2e *t)
{
    add_users(t, 'e', EQUAL, false, false);
    add_users(t, 'd', DIFFERENT, true, false);
    add_users(t, 'x', DEACTIVATED, false, true);
    add_users(t, 'a', ABSENT_ACTIVE, false, false);
    add_users(t, 'z', ABSENT_DEACTIVATED, false, true);
}

static void write_rows(FILE *file, char prefix, int n)
{
    for (int i = 0; i < n; i++) fprintf(file, "%c%05d,User,red\n", prefix, i);
}

static void write_scenario_file(e2e *t)
{
    FILE *file = fopen(e2e_path(t, "users.csv"), "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file, "uid,name,metadata.team\n");
    write_rows(file, 'e', EQUAL);
    write_rows(file, 'd', DIFFERENT);
    write_rows(file, 'x', DEACTIVATED);
    write_rows(file, 'n', NEW);
    ck_assert_int_eq(fclose(file), 0);
}

/* Lines of a CSV file after its header. */
static int data_lines(e2e *t, const char *name)
{
    FILE *file = fopen(e2e_path(t, name), "r");
    ck_assert_msg(file != NULL, "%s is missing", name);
    int lines = 0, c;
    while ((c = fgetc(file)) != EOF) lines += c == '\n';
    fclose(file);
    return lines - 1;
}

static int active_users(const cJSON *dump, char prefix)
{
    int count = 0;
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(dump, "users"))
        if (e2e_field(user, "uid")[0] == prefix && !cJSON_IsTrue(cJSON_GetObjectItem(user, "deactivated"))) count++;
    return count;
}

START_TEST(plan_then_run_then_undo_against_a_mixed_app)
{
    e2e_start_sandbox(&fixture);
    preload_scenario(&fixture);
    write_scenario_file(&fixture);
    e2e_reset_counters(&fixture);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--plan", "--reactivate", "--prune", "--prune-max",
                             "400", "--report", "plan.csv", "users.csv", NULL), 0);
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1); /* a plan writes only what it is asked */
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), (int)e2e_counter(&fixture, "requests", "list"));
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), 4);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "plan.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "create"), NEW);
    ck_assert_int_eq(e2e_count_action(rows, n, "update"), DIFFERENT);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged"), EQUAL);
    ck_assert_int_eq(e2e_count_action(rows, n, "reactivate"), DEACTIVATED);
    free(rows);
    ck_assert_int_eq(data_lines(&fixture, "plan.absent.csv"), ABSENT_ACTIVE);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_int_eq(active_users(dump, 'n'), 0); /* nothing was written */
    ck_assert_int_eq(active_users(dump, 'x'), 0);
    cJSON_Delete(dump);

    /* the default limit is a tenth of the 1,800 active users: refused, nothing sent or written */
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--reactivate", "--prune", "users.csv", NULL), 2);
    ck_assert_ptr_nonnull(strstr(messages, "--prune-max 300"));
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), (int)e2e_counter(&fixture, "requests", "list"));
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1);

    /* the real run, with no journal */
    e2e_reset_counters(&fixture);
    /* one create a new user, so that the requests can be counted (check_e2e_data_import has batches) */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--reactivate", "--prune", "--prune-max", "400",
                             "--data-import", "off", "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), NEW);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "update"), DIFFERENT + DEACTIVATED);
    ck_assert_int_le((int)(e2e_counter(&fixture, "requests", "list") + e2e_counter(&fixture, "requests", "deactivate_many") +
                           e2e_counter(&fixture, "requests", "reactivate_many")), 10);
    rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "created"), NEW);
    ck_assert_int_eq(e2e_count_action(rows, n, "updated"), DIFFERENT);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged"), EQUAL);
    ck_assert_int_eq(e2e_count_action(rows, n, "reactivated"), DEACTIVATED);
    free(rows);
    dump = e2e_users(&fixture);
    ck_assert_int_eq(active_users(dump, 'e'), EQUAL);
    ck_assert_int_eq(active_users(dump, 'd'), DIFFERENT);
    ck_assert_int_eq(active_users(dump, 'x'), DEACTIVATED);
    ck_assert_int_eq(active_users(dump, 'n'), NEW);
    ck_assert_int_eq(active_users(dump, 'a'), 0);
    ck_assert_int_eq(active_users(dump, 'z'), 0);
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "d00007"), "name"), "User");
    /* metadata.team merged: the phone the app held is kept */
    ck_assert_str_eq(e2e_field(cJSON_GetObjectItem(e2e_find_user(dump, "d00007"), "metadata"), "phone"), "555");
    cJSON_Delete(dump);
    ck_assert_int_eq(data_lines(&fixture, "users.runs/latest/pruned.csv"), ABSENT_ACTIVE);

    /* the pruned list fed back undoes the prune */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--reactivate", "--mode", "update",
                             "users.runs/latest/pruned.csv", NULL), 0);
    dump = e2e_users(&fixture);
    ck_assert_int_eq(active_users(dump, 'a'), ABSENT_ACTIVE);
    ck_assert_int_eq(active_users(dump, 'z'), 0);
    cJSON_Delete(dump);
}
END_TEST

/* The listing switches where the documents are silent: _i bit 0 hides "@private", bit 1 makes
 * the pagination's total 0. */
START_TEST(an_unchanged_file_with_no_journal_costs_only_the_listing)
{
    enum { ROWS = 2000 };
    e2e t;
    e2e_init(&t);
    t.config.listing_hides_private = _i & 1;
    t.config.listing_total_zero = _i & 2;
    e2e_start_sandbox(&t);
    e2e_write_users(&t, "users.csv", ROWS, 0);
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, NULL, "--state", "elsewhere.state", "users.csv", NULL), 0);
    e2e_reset_counters(&t);
    const char *messages;
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_counter(&t, "requests", "total"), (int)e2e_counter(&t, "requests", "list"));
    ck_assert_int_le((int)e2e_counter(&t, "requests", "list"), ROWS / 1000 + 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&t, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged"), ROWS);
    free(rows);
    /* the next rerun has the journal the last one wrote: nothing at all */
    e2e_reset_counters(&t);
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_writes(&t), 0);
    ck_assert_int_le((int)e2e_counter(&t, "requests", "list"), e2e_listing_pages(&t)); /* the app read */
    e2e_cleanup(&t);
}
END_TEST

/* "@private" metadata that the listing may hide is unknown, never equal: with it hidden and no
 * journal, the rows carrying it are sent; with it shown, they are proven equal. */
START_TEST(private_metadata_the_listing_hides_is_never_called_equal)
{
    e2e t;
    e2e_init(&t);
    t.config.listing_hides_private = _i;
    e2e_start_sandbox(&t);
    e2e_write(&t, "p.csv", "uid,name,metadata\n"
                           "p1,P,\"{\"\"@private\"\":{\"\"email\"\":\"\"p@x.io\"\"},\"\"team\"\":\"\"red\"\"}\"\n"
                           "p2,Q,\"{\"\"team\"\":\"\"red\"\"}\"\n");
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, NULL, "--state", "elsewhere.state", "p.csv", NULL), 0);
    e2e_reset_counters(&t);
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, NULL, "--plan", "--report", "plan.csv", "p.csv", NULL), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&t, "plan.csv", &n);
    ck_assert_int_eq((int)n, 2);
    ck_assert_str_eq(rows[0].action, _i ? "update" : "unchanged");
    ck_assert_str_eq(rows[1].action, "unchanged");
    free(rows);
    e2e_cleanup(&t);
}
END_TEST

START_TEST(a_file_of_uid_and_one_metadata_key_keeps_the_other_keys)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"m1\",\"name\":\"M\",\"metadata\":{\"email\":\"old@x.io\",\"phone\":\"1\",\"dept\":\"ops\"}},"
                          "{\"uid\":\"m2\",\"name\":\"N\",\"metadata\":{\"email\":\"m2@x.io\",\"phone\":\"2\"}}]");
    e2e_write(&fixture, "emails.csv", "uid,metadata.email\nm1,new@x.io\nm2,m2@x.io\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--mode", "update", "emails.csv", NULL), 0);
    cJSON *dump = e2e_users(&fixture);
    const cJSON *metadata = cJSON_GetObjectItem(e2e_find_user(dump, "m1"), "metadata");
    ck_assert_str_eq(e2e_field(metadata, "email"), "new@x.io");
    ck_assert_str_eq(e2e_field(metadata, "phone"), "1");
    ck_assert_str_eq(e2e_field(metadata, "dept"), "ops");
    cJSON_Delete(dump);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "emails.runs/latest/report.csv", &n);
    ck_assert_str_eq(rows[0].action, "updated");
    ck_assert_str_eq(rows[1].action, "unchanged");
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 1);
}
END_TEST

/* The listing proves m1's metadata.team held and keeps none of its metadata: the update of its
 * name leaves the metadata whole. */
START_TEST(a_row_whose_keys_hold_updates_only_what_differs)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"m1\",\"name\":\"Old\",\"metadata\":{\"team\":\"red\",\"phone\":\"1\"}}]");
    e2e_write(&fixture, "t.csv", "uid,name,metadata.team\nm1,New,red\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "t.csv", NULL), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "t.runs/latest/report.csv", &n);
    ck_assert_str_eq(rows[0].action, "updated");
    ck_assert_str_eq(rows[0].message, "changed: name");
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    const cJSON *metadata = cJSON_GetObjectItem(e2e_find_user(dump, "m1"), "metadata");
    ck_assert_str_eq(e2e_field(metadata, "team"), "red");
    ck_assert_str_eq(e2e_field(metadata, "phone"), "1");
    cJSON_Delete(dump);
}
END_TEST

START_TEST(a_deactivated_uid_without_reactivate_names_the_option)
{
    e2e_start_sandbox(&fixture);
    e2e_preload(&fixture, "[{\"uid\":\"gone\",\"name\":\"G\",\"deactivated\":true}]");
    e2e_write(&fixture, "g.csv", "uid,name\ngone,G2\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--state", "s.state", "g.csv", NULL), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "g.runs/latest/report.csv", &n);
    ck_assert_str_eq(rows[0].action, "deactivated");
    ck_assert_ptr_nonnull(strstr(rows[0].message, "--reactivate"));
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update") + (int)e2e_counter(&fixture, "requests", "create"), 0);
}
END_TEST

/* Drift on 3 users behind the tool's back, with the journal saying all is unchanged: --verify
 * plans against the app, repairs exactly those 3, and reads back an app equal to the file. Across
 * the listing switches (_i as above). */
START_TEST(verify_repairs_exactly_the_drifted_users)
{
    enum { ROWS = 2000 };
    e2e t;
    e2e_init(&t);
    t.config.listing_hides_private = _i & 1;
    t.config.listing_total_zero = _i & 2;
    e2e_start_sandbox(&t);
    e2e_write_users(&t, "users.csv", ROWS, 0);
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, NULL, "users.csv", NULL), 0);
    e2e_edit_user(&t, "u00007", "{\"name\":\"Drifted\"}");
    e2e_edit_user(&t, "u00500", "{\"tags\":[\"x\"]}");
    e2e_edit_user(&t, "u01999", "{\"metadata\":{\"team\":\"green\"}}");
    e2e_reset_counters(&t);
    const char *messages;
    ck_assert_int_eq(e2e_run(&t, E2E_KEY, true, &messages, "--verify", "--summary-json", "s.json", "users.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_counter(&t, "requests", "update"), 3);
    ck_assert_int_eq((int)e2e_counter(&t, "requests", "create"), 0);
    ck_assert_int_eq((int)e2e_counter(&t, "requests", "total"), 3 + (int)e2e_counter(&t, "requests", "list"));
    size_t n;
    e2e_report_row *rows = e2e_read_report(&t, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq(e2e_count_action(rows, n, "updated"), 3);
    ck_assert_int_eq(e2e_count_action(rows, n, "unchanged"), ROWS - 3);
    ck_assert_str_eq(rows[7].action, "updated");
    ck_assert_ptr_nonnull(strstr(rows[7].message, "name"));
    ck_assert_ptr_nonnull(strstr(rows[500].message, "tags"));
    ck_assert_ptr_nonnull(strstr(rows[1999].message, "metadata"));
    free(rows);
    e2e_expect_users_of_file(&t, ROWS, 0);
    ck_assert_int_eq(data_lines(&t, "users.runs/latest/verify.csv"), 0);
    ck_assert_ptr_nonnull(strstr(messages, "2000 rows compared with the app read back: 0 differed"));
    e2e_cleanup(&t);
}
END_TEST

/* An update the service answers and loses is what the reading back is for: repaired once when
 * the second try keeps, reported `differs` (exit 1) when it does not. */
START_TEST(verify_repairs_once_and_reports_what_remains)
{
    enum { ROWS = 50 };
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", ROWS, 0);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "users.csv", NULL), 0);
    e2e_edit_user(&fixture, "u00001", "{\"name\":\"Drifted\"}");
    e2e_edit_user(&fixture, "u00002", "{\"name\":\"Drifted\"}");
    e2e_ignore_updates(&fixture, "u00001", 1); /* the run's update is lost, the repair keeps */
    e2e_ignore_updates(&fixture, "u00002", 2); /* both are lost */
    e2e_reset_counters(&fixture);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--verify", "users.csv", NULL), 1);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 4);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/verify.csv", &n);
    ck_assert_int_eq((int)n, 2);
    ck_assert_str_eq(rows[0].uid, "u00001");
    ck_assert_str_eq(rows[0].action, "repaired");
    ck_assert_str_eq(rows[1].uid, "u00002");
    ck_assert_str_eq(rows[1].action, "differs");
    ck_assert_ptr_nonnull(strstr(rows[1].message, "still differs after one repair: name"));
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "u00001"), "name"), "User 1");
    ck_assert_str_eq(e2e_field(e2e_find_user(dump, "u00002"), "name"), "Drifted");
    cJSON_Delete(dump);
    ck_assert_ptr_nonnull(strstr(messages, "2 differed, 1 repaired, 1 still differ"));
}
END_TEST

/* Emptied cells clear what an import set, and nothing an import never set: e1's avatar, tags and
 * metadata.phone were imported, then emptied; its link was set in the dashboard and its column is
 * empty from the start; e2's avatar was set in the dashboard only. */
START_TEST(emptied_cells_clear_what_an_import_set_and_nothing_else)
{
    fixture.config.cleared_dropped = _i; /* the documents do not say which the service does */
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "u.csv", "uid,name,avatar,link,tags,metadata.team,metadata.phone\n"
                                 "e1,E,https://x.io/e.png,,a;b,red,555\n"
                                 "e2,F,,,c,blue,\n");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "u.csv", NULL), 0);
    e2e_edit_user(&fixture, "e1", "{\"link\":\"https://dash.io/e1\"}");
    e2e_edit_user(&fixture, "e2", "{\"avatar\":\"https://dash.io/e2.png\"}");
    e2e_write(&fixture, "u.csv", "uid,name,avatar,link,tags,metadata.team,metadata.phone\n"
                                 "e1,E,,,,red,\n"
                                 "e2,F,,,c,blue,\n");
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "u.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "u.runs/latest/report.csv", &n);
    ck_assert_str_eq(rows[0].action, "updated");
    ck_assert_str_eq(rows[1].action, "unchanged");
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    const cJSON *e1 = e2e_find_user(dump, "e1"), *e2 = e2e_find_user(dump, "e2");
    ck_assert_ptr_null(cJSON_GetObjectItem(e1, "avatar"));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(e1, "tags")), 0);
    ck_assert(_i ? !cJSON_HasObjectItem(e1, "tags") : cJSON_IsArray(cJSON_GetObjectItem(e1, "tags")));
    ck_assert_str_eq(e2e_field(cJSON_GetObjectItem(e1, "metadata"), "team"), "red");
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetObjectItem(e1, "metadata"), "phone"));
    ck_assert_str_eq(e2e_field(e1, "link"), "https://dash.io/e1"); /* never the imports' */
    ck_assert_str_eq(e2e_field(e2, "avatar"), "https://dash.io/e2.png");
    cJSON_Delete(dump);
    /* the clears are recorded: the next rerun sends nothing, and --verify finds all equal */
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "u.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_writes(&fixture), 0);
    ck_assert_int_le((int)e2e_counter(&fixture, "requests", "list"), e2e_listing_pages(&fixture)); /* the app read */
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--verify", "u.csv", NULL), 0);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);
    ck_assert_ptr_nonnull(strstr(messages, "2 rows compared with the app read back: 0 differed"));
}
END_TEST

/* Sanitizers keep shadow memory and a quarantine of freed blocks: a peak RSS there says nothing
 * of the tool's own. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PEAK_RSS_MEANINGFUL false
#else
#define PEAK_RSS_MEANINGFUL true
#endif

/* The largest peak RSS of this test's children so far, in bytes: the tool's (the only others are
 * the watchdog's du, a few MB). */
static double children_peak_rss(void)
{
    struct rusage usage;
    ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &usage), 0);
    return (double)usage.ru_maxrss * 1024;
}

/* A service that answers every page of its listing full of fresh users, for ever (issue 26).
 * _i 0: page 1 announces 3 pages / 3,000 users (and each later page two more); the tool reads one
 * page past page 1's word. _i 1: nothing is announced; it reads to its cap, a million users and
 * a page. Either way it ends, says why, deactivates nobody, and stays under 100 MB; a plain run
 * then still sends and reports every row. */
START_TEST(an_endless_listing_is_read_only_as_far_as_announced)
{
    enum { ROWS = 20 };
    fixture.config.hostile = SBX_HOSTILE_ENDLESS_LISTING;
    fixture.config.listing_total_zero = _i;
    e2e_start_sandbox(&fixture);
    e2e_write_users(&fixture, "users.csv", ROWS, 0);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--prune", "--prune-max", "100000000", "users.csv",
                             NULL), 2);
    char why[256];
    if (_i)
        snprintf(why, sizeof why, "the service announced no size (meta.pagination.total) and kept sending users past "
                                  "%d, the most read without one", CCI_LISTING_MOST_UNTOLD_USERS);
    else
        snprintf(why, sizeof why, "the service kept sending users past the 3 pages / 3000 users it announced");
    ck_assert_msg(strstr(messages, "--prune needs the app's users and ") && strstr(messages, why), "%s", messages);
    ck_assert_ptr_nonnull(strstr(messages, "nothing was sent"));
    double pages = _i ? CCI_LISTING_MOST_UNTOLD_USERS / CCI_LISTING_PER_PAGE + 1 : 4;
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "list"), pages);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "total"), pages); /* no deactivation, no create */
    ck_assert_int_eq(access(e2e_path(&fixture, "users.runs"), F_OK), -1); /* a run that did not start */
    double peak = children_peak_rss();
    fprintf(stderr, "an endless listing (%s): %.0f pages read, peak RSS %.1f MB\n",
            _i ? "nothing announced" : "3 pages announced", pages, peak / 1e6);
    if (PEAK_RSS_MEANINGFUL) ck_assert_msg(peak < 100e6, "peak RSS %.1f MB", peak / 1e6);

    /* a plain run (its metadata.team column merges, so it reads the whole listing): given up the
     * same way, every row sent as the journal says and reported */
    e2e_reset_counters(&fixture);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.csv", NULL), 0);
    ck_assert_msg(strstr(messages, "the app's users could not be read (") && strstr(messages, why), "%s", messages);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "list"), pages);
    ck_assert_double_eq(e2e_counter(&fixture, "requests", "deactivate_many"), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "users.runs/latest/report.csv", &n);
    ck_assert_int_eq((int)n, ROWS);
    ck_assert_int_eq(e2e_count_action(rows, n, "created"), ROWS);
    free(rows);
    e2e_expect_users_of_file(&fixture, ROWS, 0);
}
END_TEST

static Suite *target_suite(void)
{
    Suite *s = suite_create("e2e_target");
    TCase *tc = tcase_create("target");
    tcase_set_timeout(tc, 300);
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_add_test(tc, plan_then_run_then_undo_against_a_mixed_app);
    tcase_add_loop_test(tc, an_unchanged_file_with_no_journal_costs_only_the_listing, 0, 4);
    tcase_add_loop_test(tc, private_metadata_the_listing_hides_is_never_called_equal, 0, 2);
    tcase_add_test(tc, a_file_of_uid_and_one_metadata_key_keeps_the_other_keys);
    tcase_add_test(tc, a_deactivated_uid_without_reactivate_names_the_option);
    tcase_add_test(tc, a_row_whose_keys_hold_updates_only_what_differs);
    tcase_add_loop_test(tc, verify_repairs_exactly_the_drifted_users, 0, 4);
    tcase_add_test(tc, verify_repairs_once_and_reports_what_remains);
    tcase_add_loop_test(tc, emptied_cells_clear_what_an_import_set_and_nothing_else, 0, 2);
    tcase_add_loop_test(tc, an_endless_listing_is_read_only_as_far_as_announced, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN_WITH_CURL(target_suite)
