/* A create body written from the cells is cci_user_body's text, or the row is declined. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/body_text.h"
#include "rules/user.h"
#include "check_main.h"
#include "test_records.h"

static cci_mapping mapping_of(const char *const *header, size_t count)
{
    cci_record record = {.line = 1, .count = count};
    cci_cell cells[64];
    for (size_t i = 0; i < count; i++) cells[i] = (cci_cell){header[i], strlen(header[i])};
    record.cells = cells;
    cci_mapping mapping;
    char err[256];
    ck_assert_msg(cci_mapping_init(&mapping, &record, NULL, 0, true, err, sizeof err) == CCI_OK, "%s", err);
    return mapping;
}

/* What cci_user_build and cci_user_body say of record: the body after before, or NULL when the
 * row is invalid. */
static char *expected_text(const cci_mapping *mapping, const cci_record *record, const char *before,
                           cci_user *user)
{
    char problems[2048];
    bool valid = cci_user_build(user, mapping, record, true, problems, sizeof problems);
    return valid ? cci_user_body_after(user, true, before) : NULL;
}

/* Writes record both ways; returns whether the writer took it, failing when it took it otherwise
 * than cci_user_body, or took an invalid row. */
static bool agrees(const cci_body_shape *shape, const cci_mapping *mapping, const cci_record *record)
{
    static const char before[] = "dry run: would create ";
    cci_user user;
    char *expected = expected_text(mapping, record, before, &user);
    char *written = malloc(cci_body_bound(shape, record, strlen(before)));
    ck_assert_ptr_nonnull(written);
    cci_written_row row;
    bool taken = cci_body_write(shape, record, before, written, &row);
    if (taken) {
        ck_assert_msg(expected != NULL, "an invalid row was written: %s", written);
        ck_assert_str_eq(written, expected);
        ck_assert_uint_eq(row.len, strlen(expected));
        ck_assert_str_eq(row.uid, user.uid);
        ck_assert_int_eq(row.created_at, user.created_at);
        ck_assert_int_eq(row.last_active_at, user.last_active_at);
    }
    cci_user_cleanup(&user);
    free(expected);
    free(written);
    return taken;
}

START_TEST(a_plain_row_is_written_as_cci_user_body_prints_it)
{
    static const char *const header[] = {"uid", "name", "avatar", "role", "Status Message", "tags",
                                         "metadata.department", "metadata.@private.email", "notes"};
    cci_mapping mapping = mapping_of(header, 9);
    cci_body_shape *shape = cci_body_shape_new(&mapping);
    ck_assert_ptr_nonnull(shape);
    test_record r;
    ck_assert(agrees(shape, &mapping, RECORD(r, 2, "User01", " Ana López ", "https://e.com/a.png", "moderator",
                                             "Away, \"back\"\tsoon\\", "emea; latam,,", "Sales", "a@e.com", "x")));
    ck_assert(agrees(shape, &mapping, RECORD(r, 3, "bob", "Bob", "", "", "", "", "", "", "")));
    ck_assert(agrees(shape, &mapping, RECORD(r, 4, "cy", "Cy\n2", "", "", "\x01", " ; ", "", "c@e.com", "")));
    /* each problem declines the row: cci_user_build words it */
    ck_assert(!agrees(shape, &mapping, RECORD(r, 5, "bad uid", "A", "", "", "", "", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 6, "a", "", "", "", "", "", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 7, "a", "A", "not a url", "", "", "", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 8, "a", "A\xff", "", "", "", "", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 9, "1.23457E+11", "A", "", "", "", "", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 10, "a", "A", "", "", "", "[\"x\"]", "", "", "")));
    ck_assert(!agrees(shape, &mapping, RECORD(r, 11, "a", "A", "", "", "", "", "", "")));
    cci_body_shape_free(shape);
    cci_mapping_cleanup(&mapping);
}
END_TEST

/* The mappings only cci_user_build takes have no shape. */
START_TEST(mappings_the_writer_does_not_take_have_no_shape)
{
    static const char *const json[] = {"uid", "name", "metadata"};
    static const char *const nested[] = {"uid", "name", "metadata.a", "metadata.a.b"};
    static const char *const nested_after[] = {"uid", "name", "metadata.a.b", "metadata.a"};
    static const char *const plain[] = {"uid", "name", "metadata.a.b", "metadata.a.c", "metadata.ab"};
    const char *const *headers[] = {json, nested, nested_after, plain};
    size_t counts[] = {3, 4, 4, 5};
    for (size_t h = 0; h < 4; h++) {
        cci_mapping mapping = mapping_of(headers[h], counts[h]);
        cci_body_shape *shape = cci_body_shape_new(&mapping);
        ck_assert_msg((shape != NULL) == (h == 3), "header %zu", h);
        cci_body_shape_free(shape);
        cci_mapping_cleanup(&mapping);
    }
}
END_TEST

/* Cells a spreadsheet may hold, good and bad, for every field. */
static const char *const palette[] = {
    "", " ", "ana", "Ana López", "  padded  ", "x\"y", "back\\slash", "tab\there", "line\nbreak", "\x01" "ctl",
    "\x7f", "陈伟 😀", "https://cdn.example.com/a.png", "http://e.com", "ftp://e.com/x", "not a url", "a;b",
    " ;; ", "a, b ;c", "[\"a\"]", "[1]", "1.23457E+11", "45234", "2021-03-04", "2021-03-04T12:00:00Z", "000123",
    "789", "\xff bad", "a\xc3", "-p3", "'-p3", "=1+1", "{\"k\":1}", "moderator", "_under-score",
};

static const char *pick(unsigned *seed)
{
    static char long_cell[200];
    unsigned n = (unsigned)(sizeof palette / sizeof *palette);
    unsigned choice = (unsigned)rand_r(seed) % (n + 2);
    if (choice < n) return palette[choice];
    size_t len = choice == n ? 101 : 26 * 2; /* a name or uid past 100; 26 tags */
    for (size_t i = 0; i < len; i++) long_cell[i] = choice == n ? 'a' : (i % 2 ? ';' : 't');
    long_cell[len] = '\0';
    return long_cell;
}

/* Random headers from the fields and a few metadata paths, random rows from the palette: every
 * row written is cci_user_body's text, and plain rows are taken. */
START_TEST(random_rows_are_written_as_cci_user_body_prints_them_or_declined)
{
    static const char *const fields[] = {"name", "avatar", "link", "role", "statusMessage", "tags",
                                         "metadata.z", "metadata.b.c", "metadata.b.a", "metadata.@private.email",
                                         "createdAt", "lastActiveAt", "ignore me"};
    unsigned seed = 20261207;
    size_t taken = 0, rows = 0;
    for (int round = 0; round < 300; round++) {
        const char *header[16] = {"uid"};
        size_t count = 1;
        for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
            if (f == 0 || rand_r(&seed) % 2) header[count++] = fields[f];
        for (size_t i = count - 1; i > 0; i--) { /* the uid anywhere */
            size_t j = (size_t)rand_r(&seed) % (i + 1);
            const char *swap = header[i];
            header[i] = header[j], header[j] = swap;
        }
        cci_mapping mapping = mapping_of(header, count);
        cci_body_shape *shape = cci_body_shape_new(&mapping);
        ck_assert_ptr_nonnull(shape);
        for (int row = 0; row < 100; row++, rows++) {
            test_record r = {.record = {.line = 2 + (unsigned long)row, .count = count, .cells = r.cells}};
            for (size_t i = 0; i < count; i++) {
                const char *cell = pick(&seed);
                r.cells[i] = (cci_cell){cell, strlen(cell)};
            }
            if (row % 4 == 0) { /* a plain row, which the writer must take */
                for (size_t i = 0; i < count; i++) r.cells[i] = (cci_cell){strcmp(header[i], "uid") ? "" : "ana", 0};
                for (size_t i = 0; i < count; i++) r.cells[i].len = strlen(r.cells[i].text);
                for (size_t i = 0; i < count; i++)
                    if (!strcmp(header[i], "name")) r.cells[i] = (cci_cell){"Ana", 3};
                ck_assert(agrees(shape, &mapping, &r.record));
            }
            taken += agrees(shape, &mapping, &r.record);
        }
        cci_body_shape_free(shape);
        cci_mapping_cleanup(&mapping);
    }
    ck_assert_uint_gt(taken, rows / 4); /* the plain ones at least */
    ck_assert_uint_lt(taken, rows);     /* and the palette's bad cells declined some */
}
END_TEST

static Suite *body_text_suite(void)
{
    Suite *suite = suite_create("body_text");
    TCase *tc = tcase_create("body_text");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_plain_row_is_written_as_cci_user_body_prints_it);
    tcase_add_test(tc, mappings_the_writer_does_not_take_have_no_shape);
    tcase_add_test(tc, random_rows_are_written_as_cci_user_body_prints_them_or_declined);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(body_text_suite)
