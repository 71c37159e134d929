/* End to end over real spreadsheet exports (tests/data/exports, made by LibreOffice Calc): every
 * form imports to the same users as the UTF-8 original, or is refused with a message that says
 * what to do. */
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "read/workbook.h"
#include "e2e_support.h"

/* Copies a fixture of tests/data/FOLDER into the test's directory. */
static void copy_fixture(const char *folder, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", CCI_TEST_DATA_DIR, folder, name);
    FILE *in = fopen(path, "rb");
    ck_assert_msg(in != NULL, "no fixture %s", path);
    FILE *out = fopen(e2e_path(&fixture, name), "wb");
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, in))) fwrite(buffer, 1, n, out);
    fclose(in);
    fclose(out);
}

static void copy_export(const char *name)
{
    copy_fixture("exports", name);
}

/* Imports an export into a fresh sandbox; returns the users and the report. */
typedef struct imported {
    cJSON *users;
    e2e_report_row *rows;
    size_t count;
    int status;
} imported;

static imported import_fixture(const char *folder, const char *name, const char *encoding)
{
    imported result;
    e2e_init(&fixture);
    e2e_start_sandbox(&fixture);
    copy_fixture(folder, name);
    const char *messages;
    result.status = encoding ? e2e_run(&fixture, E2E_KEY, true, &messages, "--encoding", encoding, name, NULL)
                             : e2e_run(&fixture, E2E_KEY, true, &messages, name, NULL);
    char report[256];
    snprintf(report, sizeof report, "%.*s.runs/latest/report.csv", (int)(strrchr(name, '.') - name), name);
    result.rows = e2e_read_report(&fixture, report, &result.count);
    result.users = e2e_users(&fixture);
    e2e_cleanup(&fixture);
    return result;
}

static imported import_export(const char *name, const char *encoding)
{
    return import_fixture("exports", name, encoding);
}

/* True when text can be written in windows-1252 as it is. */
static bool fits_cp1252(const char *text)
{
    iconv_t cd = iconv_open("WINDOWS-1252", "UTF-8");
    char *in = (char *)text, out[4096], *o = out;
    size_t in_left = strlen(text), out_left = sizeof out;
    bool ok = iconv(cd, &in, &in_left, &o, &out_left) != (size_t)-1;
    iconv_close(cd);
    return ok;
}

/* The users must be those of the original, field by field; with lossy, a field whose original
 * windows-1252 cannot hold is not compared. */
static void expect_same_users(const cJSON *original, const cJSON *other, const char *name, bool lossy)
{
    const cJSON *users = cJSON_GetObjectItem(original, "users");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(other, "users")), cJSON_GetArraySize(users));
    const cJSON *user;
    int compared = 0, skipped = 0;
    cJSON_ArrayForEach(user, users)
    {
        const char *uid = e2e_field(user, "uid");
        const cJSON *twin = e2e_find_user(other, uid);
        ck_assert_msg(twin != NULL, "%s: no user %s", name, uid);
        const char *fields[] = {"name", "avatar", "link", "role", "statusMessage", "tags", "metadata"};
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
            char *a = cJSON_PrintUnformatted(cJSON_GetObjectItem(user, fields[f]));
            char *b = cJSON_PrintUnformatted(cJSON_GetObjectItem(twin, fields[f]));
            if (lossy && a && !fits_cp1252(a)) {
                skipped++;
            } else {
                ck_assert_msg((!a && !b) || (a && b && strcmp(a, b) == 0), "%s: %s.%s is %s, not %s",
                              name, uid, fields[f], b ? b : "(absent)", a ? a : "(absent)");
                compared++;
            }
            free(a);
            free(b);
        }
    }
    ck_assert_int_gt(compared, 40);
    if (lossy) ck_assert_int_gt(skipped, 0);
}

static void expect_same_reports(const imported *original, const imported *other, const char *name)
{
    ck_assert_uint_eq(other->count, original->count);
    for (size_t i = 0; i < original->count; i++) {
        const e2e_report_row *a = &original->rows[i], *b = &other->rows[i];
        /* a row refused inside a Data Import batch says the batch's 200, one refused alone its 400:
         * which way a new user goes depends on which thread takes it first */
        bool same_status = a->http_status == b->http_status || strcmp(a->action, "failed") == 0;
        ck_assert_msg(a->line == b->line && strcmp(a->uid, b->uid) == 0 &&
                          strcmp(a->action, b->action) == 0 && same_status &&
                          strcmp(a->error_code, b->error_code) == 0,
                      "%s, report row %zu: %lu %s %s %ld %s, original %lu %s %s %ld %s", name, i, b->line, b->uid,
                      b->action, b->http_status, b->error_code, a->line, a->uid, a->action, a->http_status, a->error_code);
    }
}

static void release(imported *result)
{
    cJSON_Delete(result->users);
    free(result->rows);
}

START_TEST(every_export_imports_to_the_users_of_the_original)
{
    e2e_cleanup(&fixture); /* import_export makes a fresh sandbox per file */
    imported original = import_export("utf8-comma.csv", NULL);
    ck_assert_int_eq(original.status, 1); /* the sheet has invalid rows on purpose */
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(original.users, "users")), 9);
    /* the hard cases arrived whole */
    const cJSON *elif = e2e_find_user(original.users, "elif");
    ck_assert_str_eq(e2e_field(elif, "statusMessage"), "Line one\nline two");
    const cJSON *dana = e2e_find_user(original.users, "dana_cohen");
    ck_assert_str_eq(e2e_field(dana, "name"), "דנה כהן");
    ck_assert_str_eq(e2e_field(dana, "statusMessage"), "שלום; עולם");
    ck_assert_str_eq(e2e_field(e2e_find_user(original.users, "bjorn"), "statusMessage"), "Quote: \"always ship\"");
    ck_assert_str_eq(e2e_field(e2e_find_user(original.users, "chen_wei"), "name"), "陈伟 \xF0\x9F\x98\x80");

    const struct {
        const char *file, *encoding;
        bool lossy;
    } exports[] = {
        {"utf8-semicolon.csv", NULL, false},
        {"excel-utf8-bom-crlf.csv", NULL, false},
        {"utf16-tab.csv", NULL, false},
        {"cp1252-semicolon.csv", "windows-1252", true},
    };
    for (size_t i = 0; i < sizeof exports / sizeof *exports; i++) {
        imported other = import_export(exports[i].file, exports[i].encoding);
        ck_assert_int_eq(other.status, original.status);
        expect_same_users(original.users, other.users, exports[i].file, exports[i].lossy);
        expect_same_reports(&original, &other, exports[i].file);
        release(&other);
    }
    release(&original);
    e2e_init(&fixture); /* for teardown */
}
END_TEST

START_TEST(windows_1252_without_encoding_is_refused_with_the_line_and_a_hint)
{
    e2e_start_sandbox(&fixture);
    copy_export("cp1252-semicolon.csv");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "cp1252-semicolon.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "line 2: bytes that are not valid UTF-8"), "%s", messages);
    ck_assert_ptr_nonnull(strstr(messages, "--encoding windows-1252"));
    ck_assert_ptr_nonnull(strstr(messages, "nothing was sent"));
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--encoding", "windows-1252",
                             "cp1252-semicolon.csv", NULL), 1);
    ck_assert_int_eq((int)e2e_counter(&fixture, NULL, "users"), 9);
}
END_TEST

START_TEST(an_unterminated_quote_on_line_5_of_1000_is_refused_before_any_request)
{
    e2e_start_sandbox(&fixture);
    FILE *file = fopen(e2e_path(&fixture, "broken.csv"), "w");
    fprintf(file, "uid,name\n");
    for (int line = 2; line <= 1000; line++)
        fprintf(file, line == 5 ? "u%d,\"Broken name\n" : "u%d,Name %d\n", line, line);
    fclose(file);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "broken.csv", NULL), 2);
    ck_assert_msg(strstr(messages, "line 5: a quoted cell"), "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    ck_assert_int_eq(access(e2e_path(&fixture, "broken.runs"), F_OK), -1); /* nothing started: nothing written */
}
END_TEST

/* Replaces the first occurrence of from with to in text (to may be longer: text has room). */
static void replace(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "no \"%s\" in the rejects file", from);
    memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    memcpy(at, to, strlen(to));
}

START_TEST(fixed_rejects_fed_back_create_those_rows_and_touch_nothing_else)
{
    e2e_start_sandbox(&fixture);
    copy_export("utf8-semicolon.csv");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "utf8-semicolon.csv", NULL), 1);
    cJSON *before = e2e_users(&fixture);

    /* the person's fixes, made the way a script (or a spreadsheet) would */
    static char text[16384];
    FILE *file = fopen(e2e_path(&fixture, "utf8-semicolon.runs/latest/rejects.csv"), "rb");
    ck_assert_ptr_nonnull(file);
    text[fread(text, 1, sizeof text - 1, file)] = '\0';
    fclose(file);
    ck_assert(strncmp(text, "\"uid\";\"name\"", 12) == 0 || strncmp(text, "uid;name", 8) == 0);
    replace(text, "bad uid", "bad_uid");
    replace(text, "no_name;", "no_name;No Name");
    replace(text, "not-a-url", "https://cdn.example.com/a/ivan.png");
    replace(text, "{not json", "{}");
    replace(text, "ANA_LOPEZ", "ana_lopez_2");
    e2e_write(&fixture, "fixed.csv", text);
    e2e_reset_counters(&fixture);

    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "fixed.csv", NULL), 0);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "fixed.runs/latest/report.csv", &n);
    ck_assert_uint_eq(n, 5);
    int batched = 0; /* new users go one a request or in a Data Import batch, as each channel is free */
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(strcmp(rows[i].action, "created") == 0, "%s: %s %s", rows[i].uid, rows[i].action, rows[i].message);
        batched += strstr(rows[i].message, "via data import") != NULL;
    }
    free(rows);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "create"), 5 - batched);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "update"), 0);

    cJSON *after = e2e_users(&fixture);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(after, "users")), 14);
    const cJSON *user;
    cJSON_ArrayForEach(user, cJSON_GetObjectItem(before, "users"))
    {
        char *a = cJSON_PrintUnformatted(user);
        char *b = cJSON_PrintUnformatted(e2e_find_user(after, e2e_field(user, "uid")));
        ck_assert_str_eq(a, b); /* untouched, updatedAt included */
        free(a);
        free(b);
    }
    ck_assert_str_eq(e2e_field(e2e_find_user(after, "no_name"), "name"), "No Name");
    ck_assert_str_eq(e2e_field(e2e_find_user(after, "ana_lopez_2"), "name"), "Ana Duplicate");
    cJSON_Delete(before);
    cJSON_Delete(after);
}
END_TEST

/* Issue 31: a workbook is read as it is. LibreOffice's users.xlsx, .ods and .xls of samples/users.csv give the
 * same report, line for line, and the same users; its export of the master holds the users of
 * the master's CSV (its lines are the sheet's rows, so the report is not compared: the CSV's
 * quoted line break shifts its later lines by one). */
START_TEST(a_workbook_imports_the_users_and_the_report_of_its_csv)
{
    e2e_cleanup(&fixture);
    imported csv = import_fixture("../../samples", "users.csv", NULL);
    ck_assert_int_gt(cJSON_GetArraySize(cJSON_GetObjectItem(csv.users, "users")), 15);
    imported master = import_export("utf8-comma.csv", NULL);
    const char *kinds[] = {"xlsx", "ods", "xls"};
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "users.%s", kinds[i]);
        imported sheet = import_fixture("workbooks", name, NULL);
        ck_assert_int_eq(sheet.status, csv.status);
        expect_same_users(csv.users, sheet.users, name, false);
        expect_same_reports(&csv, &sheet, name);
        release(&sheet);
        snprintf(name, sizeof name, "master.%s", kinds[i]);
        sheet = import_export(name, NULL);
        ck_assert_int_eq(sheet.status, master.status);
        expect_same_users(master.users, sheet.users, name, false);
        release(&sheet);
    }
    release(&csv);
    release(&master);
    e2e_init(&fixture); /* for teardown */
}
END_TEST

/* Issue 31: a zip bomb and a billion laughs stop the run before anything is sent (exit 2), in one
 * line, within the caps (the bomb's sheet is refused as it inflates, not after). */
START_TEST(a_zip_bomb_and_a_billion_laughs_stop_the_run_in_one_line)
{
    e2e_start_sandbox(&fixture);
    const char *files[] = {"bomb.xlsx", "laughs.xlsx"};
    const char *why[] = {"200 times its compressed size", "DOCTYPE"};
    for (int i = 0; i < 2; i++) {
        copy_fixture("workbooks", files[i]);
        const char *messages;
        ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, files[i], NULL), 2);
        ck_assert_msg(strstr(messages, files[i]) && strstr(messages, why[i]), "%s", messages);
        const char *first = strstr(messages, why[i]);
        ck_assert_msg(!strstr(first + 1, why[i]), "said more than once: %s", messages);
        ck_assert_msg(!strchr(messages, '\n') || !strchr(strchr(messages, '\n') + 1, '\n'), "more than a line: %s",
                      messages);
    }
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
}
END_TEST

/* A workbook's rejects file is a workbook (rejects.xlsx), its cells text, with the error column:
 * fed back it reads as written, whatever the settings for CSV exports say. A CSV rejects file asked
 * for is UTF-8 and comma-separated, and its companion says so over those settings. */
START_TEST(a_workbooks_rejects_read_back_as_written_whatever_the_settings_say)
{
    e2e_start_sandbox(&fixture);
    copy_fixture("workbooks", "handmade.xlsx");
    e2e_write(&fixture, "cometchat-import.conf", "encoding = windows-1252\ndelimiter = ;\n");
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "handmade.xlsx", NULL), 1); /* a repeated uid */
    ck_assert_msg(strstr(messages, "handmade.runs/") && strstr(messages, "/rejects.xlsx (1 row to fix"), "%s", messages);
    ck_assert_int_eq(access(e2e_path(&fixture, "handmade.runs/latest/rejects.csv"), F_OK), -1);
    /* fed back: the repeated uid is repeated no more, and the row is sent from the workbook */
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "handmade.runs/latest/rejects.xlsx", NULL), 0);
    ck_assert_msg(strstr(messages, "read handmade.runs/latest/rejects.xlsx, sheet \"Rejects\""), "%s", messages);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "handmade.runs/latest/report.csv", &n);
    ck_assert_int_eq((int)n, 1);
    ck_assert_str_eq(rows[0].uid, "123456789012");
    ck_assert_str_eq(rows[0].action, "updated"); /* the first of the two made it on the first run */
    free(rows);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--rejects", "fix.csv", "handmade.xlsx", NULL), 1);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "fix.csv", NULL), 0);
    ck_assert_msg(strstr(messages, "read fix.csv as UTF-8, comma-separated"), "%s", messages);
}
END_TEST

/* A report asked for as a workbook (--report PATH.xlsx) holds the lines of the CSV report, cell
 * for cell (two dry runs of the same file, one asking for each). */
START_TEST(a_report_asked_for_as_a_workbook_holds_the_csv_reports_lines)
{
    e2e_start_sandbox(&fixture); /* the dry runs read the app's users */
    copy_fixture("../../samples", "users.csv");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--dry-run", "--report", "report.xlsx", "users.csv", NULL), 1);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--dry-run", "--report", "report.csv", "users.csv", NULL), 1);
    char err[512];
    int fd = open(e2e_path(&fixture, "report.xlsx"), O_RDONLY);
    cci_workbook *sheet;
    ck_assert_int_eq(cci_workbook_open(&sheet, fd, NULL, 100, 1 << 20, err, sizeof err), CCI_OK);
    close(fd);
    FILE *file = fopen(e2e_path(&fixture, "report.csv"), "rb");
    cci_csv_reader *csv;
    ck_assert_int_eq(cci_csv_reader_new(&csv, file, ',', NULL, err, sizeof err), CCI_OK);
    cci_record from_sheet, from_csv;
    int rows = 0;
    while (cci_csv_reader_next(csv, &from_csv) == CCI_READ_RECORD) {
        ck_assert_int_eq(cci_workbook_next(sheet, &from_sheet), CCI_READ_RECORD);
        rows++;
        ck_assert_uint_eq(from_sheet.count, from_csv.count);
        for (size_t i = 0; i < from_csv.count; i++)
            ck_assert_msg(from_sheet.cells[i].len == from_csv.cells[i].len &&
                              memcmp(from_sheet.cells[i].text, from_csv.cells[i].text, from_csv.cells[i].len) == 0,
                          "row %d, cell %zu: \"%s\" against \"%s\"", rows, i, from_sheet.cells[i].text,
                          from_csv.cells[i].text);
    }
    ck_assert_int_eq(cci_workbook_next(sheet, &from_sheet), CCI_READ_END);
    ck_assert_int_eq(rows, 28); /* the header and 27 rows */
    cci_csv_reader_free(csv);
    fclose(file);
    cci_workbook_free(sheet);
}
END_TEST

/* An .xls is read by FreeXL in a child process: a damaged one (here cut short) stops the run
 * before anything is sent, in one line that names the file and what to save it as. */
START_TEST(a_damaged_xls_stops_the_run_in_one_line)
{
    e2e_start_sandbox(&fixture);
    copy_export("master.xls");
    FILE *file = fopen(e2e_path(&fixture, "master.xls"), "r+b");
    ck_assert_int_eq(ftruncate(fileno(file), 5000), 0);
    fclose(file);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "master.xls", NULL), 2);
    ck_assert_msg(strstr(messages, "master.xls: ") && strstr(messages, "save it as .xlsx") && strstr(messages, "CSV UTF-8"),
                  "%s", messages);
    ck_assert_msg(!strchr(messages, '\n') || !strchr(strchr(messages, '\n') + 1, '\n'), "more than a line: %s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
}
END_TEST

/* A workbook that cannot be read (here one cut short) stops the run before anything is sent, in one
 * line that names the file. */
START_TEST(a_damaged_workbook_stops_the_run_before_any_request)
{
    e2e_start_sandbox(&fixture);
    copy_fixture("workbooks", "users.xlsx");
    FILE *file = fopen(e2e_path(&fixture, "users.xlsx"), "r+b");
    ck_assert_int_eq(ftruncate(fileno(file), 3000), 0);
    fclose(file);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "users.xlsx", NULL), 2);
    ck_assert_msg(strstr(messages, "users.xlsx: not a readable workbook: the ZIP archive is damaged or cut short"),
                  "%s", messages);
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
}
END_TEST

/* Cells a spreadsheet damaged are invalid with what happened and what to do, and nothing is sent
 * for them: zeros-lost.csv is LibreOffice's (000789 typed as a number beside ids typed as text);
 * excel-damage.csv is Excel's (scientific notation, a date serial). */
START_TEST(spreadsheet_damage_is_named_per_row)
{
    e2e_start_sandbox(&fixture);
    copy_export("zeros-lost.csv");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "zeros-lost.csv", NULL), 1);
    size_t n;
    e2e_report_row *rows = e2e_read_report(&fixture, "zeros-lost.runs/latest/report.csv", &n);
    ck_assert_int_eq((int)n, 3);
    ck_assert_str_eq(rows[2].action, "invalid");
    ck_assert_msg(strstr(rows[2].message, "column \"uid\": \"789\"") && strstr(rows[2].message, "\"000789\"?") &&
                      strstr(rows[2].message, "leading zeros"), "%s", rows[2].message);
    free(rows);
    cJSON *dump = e2e_users(&fixture);
    ck_assert_ptr_null(e2e_find_user(dump, "789"));
    ck_assert_ptr_nonnull(e2e_find_user(dump, "000123"));
    cJSON_Delete(dump);

    copy_export("excel-damage.csv");
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "--map", "Phone=metadata.phone", "--map",
                             "Join Date=metadata.joinDate", "excel-damage.csv", NULL), 1);
    rows = e2e_read_report(&fixture, "excel-damage.runs/latest/report.csv", &n);
    ck_assert_int_eq((int)n, 3);
    ck_assert_str_eq(rows[0].action, "created");
    ck_assert_str_eq(rows[1].action, "invalid");
    ck_assert_msg(strstr(rows[1].message, "column \"User ID\": \"1.23457E+11\" is a number in scientific notation"),
                  "%s", rows[1].message);
    ck_assert_str_eq(rows[2].action, "invalid");
    ck_assert_ptr_nonnull(strstr(rows[2].message, "column \"Phone\": \"4.47701E+11\""));
    ck_assert_ptr_nonnull(strstr(rows[2].message, "column \"Join Date\": \"45234\" looks like a date"));
    ck_assert_ptr_nonnull(strstr(rows[2].message, "format the column as Text"));
    free(rows);
}
END_TEST

/* Every kind of problem a row can have, repeats whose first row is invalid, spreadsheet damage,
 * and numeric ids the rest of the column pads with zeros (the last one lost them). */
static const char messy_csv[] =
    "uid,name,avatar,tags,metadata.team,metadata.joinDate\n"
    "000123,Ana,,a;b,x,\n"
    "bad uid,Bea,,,,\n"
    "cy,,,,,\n"
    "CY,Cy Again,,,,\n"
    "dee,Dee,not a url,,,\n"
    "eve,\"Eve \"\"E\"\"\",https://e.com/e.png,\"x, y;x\",\"t\tq\",\n"
    "eve,Eve Two,,,,\n"
    "1.23457E+11,Gus,,,,\n"
    "hal,Hal,,\"[\"\"h\"\"]\",,45234\n"
    "004567,Ivy,,,,\n"
    "ann,Ann,,,,,extra\n"
    "789,Jo,,,,\n";

/* The dry run's report against the run's, row by row: the rows the run calls invalid the dry run
 * calls invalid in the same words; the rows the run sends, the dry run says it would create; the
 * rows an earlier run sent are unchanged to both. */
static void expect_the_runs_verdicts(const char *dry_report, const char *run_report)
{
    size_t dry_n, run_n;
    e2e_report_row *dry = e2e_read_report(&fixture, dry_report, &dry_n);
    e2e_report_row *run = e2e_read_report(&fixture, run_report, &run_n);
    ck_assert_uint_eq(dry_n, run_n);
    size_t invalid = 0;
    for (size_t i = 0; i < run_n; i++) {
        ck_assert_uint_eq(dry[i].line, run[i].line);
        ck_assert_str_eq(dry[i].uid, run[i].uid);
        if (!strcmp(run[i].action, "invalid")) {
            invalid++;
            ck_assert_str_eq(dry[i].action, "invalid");
            ck_assert_str_eq(dry[i].message, run[i].message);
        } else if (!strcmp(run[i].action, "unchanged")) { /* the journal knows it from an earlier run */
            ck_assert_str_eq(dry[i].action, "unchanged");
        } else {
            ck_assert_str_eq(run[i].action, "created");
            ck_assert_str_eq(dry[i].action, "skipped");
            ck_assert_msg(!strncmp(dry[i].message, "dry run: would create (or update if the uid exists) {\"uid\":\"",
                                   55), "%s", dry[i].message);
        }
    }
    ck_assert_uint_ge(invalid, 5);
    free(dry);
    free(run);
}

/* A dry run reads a file once; a run reads it twice, the preflight first. Their verdicts on every
 * row agree. Where the zero-padding of the ids shows only at the end, the dry run reads the file
 * again and says so; where it does not, it reads it once. */
START_TEST(a_dry_run_reports_every_row_as_the_run_does)
{
    e2e_start_sandbox(&fixture);
    e2e_write(&fixture, "messy.csv", messy_csv);
    const char *messages;
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--dry-run", "--report", "dry.csv", "--rejects",
                             "dry-rejects.csv", "messy.csv", NULL), 1);
    ck_assert_msg(strstr(messages, "padded with zeros: reading it again"), "%s", messages);
    ck_assert_msg(!strstr(messages, "not in dry-rejects.csv"), "%s", messages); /* every invalid row is there */
    ck_assert_int_eq((int)e2e_counter(&fixture, "requests", "total"), 0);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "messy.csv", NULL), 1);
    expect_the_runs_verdicts("dry.csv", "messy.runs/latest/report.csv");
    /* the rows to fix are the run's, the one that lost its zeros among them */
    char *dry_rejects = e2e_read_text(&fixture, "dry-rejects.csv");
    char *run_rejects = e2e_read_text(&fixture, "messy.runs/latest/rejects.csv");
    ck_assert_str_eq(dry_rejects, run_rejects);
    ck_assert_ptr_nonnull(strstr(dry_rejects, "789,Jo"));
    free(dry_rejects);
    free(run_rejects);

    /* without the padded ids, once */
    char *plain = strdup(messy_csv);
    for (char *at; (at = strstr(plain, "000123")) || (at = strstr(plain, "004567"));) memcpy(at, "ana_01", 6);
    e2e_write(&fixture, "plain.csv", plain);
    free(plain);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, &messages, "--dry-run", "--report", "dry-plain.csv",
                             "plain.csv", NULL), 1);
    ck_assert_msg(!strstr(messages, "reading it again"), "%s", messages);
    ck_assert_int_eq(e2e_run(&fixture, E2E_KEY, true, NULL, "plain.csv", NULL), 1);
    expect_the_runs_verdicts("dry-plain.csv", "plain.runs/latest/report.csv");
}
END_TEST

static Suite *exports_suite(void)
{
    Suite *suite = suite_create("e2e_exports");
    TCase *tc = tcase_create("exports");
    tcase_add_checked_fixture(tc, e2e_fixture_setup, e2e_fixture_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, every_export_imports_to_the_users_of_the_original);
    tcase_add_test(tc, windows_1252_without_encoding_is_refused_with_the_line_and_a_hint);
    tcase_add_test(tc, an_unterminated_quote_on_line_5_of_1000_is_refused_before_any_request);
    tcase_add_test(tc, fixed_rejects_fed_back_create_those_rows_and_touch_nothing_else);
    tcase_add_test(tc, a_workbook_imports_the_users_and_the_report_of_its_csv);
    tcase_add_test(tc, a_damaged_workbook_stops_the_run_before_any_request);
    tcase_add_test(tc, a_damaged_xls_stops_the_run_in_one_line);
    tcase_add_test(tc, a_workbooks_rejects_read_back_as_written_whatever_the_settings_say);
    tcase_add_test(tc, a_report_asked_for_as_a_workbook_holds_the_csv_reports_lines);
    tcase_add_test(tc, a_zip_bomb_and_a_billion_laughs_stop_the_run_in_one_line);
    tcase_add_test(tc, spreadsheet_damage_is_named_per_row);
    tcase_add_test(tc, a_dry_run_reports_every_row_as_the_run_does);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN_WITH_CURL(exports_suite)
