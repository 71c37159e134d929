/* A create body written straight from a row's cells: the text cci_user_build and then
 * cci_user_body(user, true) give, without building the JSON document. For a dry run, where that
 * text is all a valid row needs, and most rows are valid.
 *
 * The mapping is compiled once into the body's members in key order (the order cci_user_build
 * sorts them into). A row is written only when it is plainly valid: any cell with a problem, and
 * any cell that needs what only cci_user_build does (a JSON array of tags, a fed-back report's
 * marked uid), declines it, and the caller builds that row as usual. The writer words no problem,
 * so it cannot word one differently; tests/unit/check_body_text.c holds it to cci_user_body's
 * text over random rows.
 * Thread-safety: a shape is read-only once made; writing uses only the caller's buffer. */
#ifndef CCI_BODY_TEXT_H
#define CCI_BODY_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "cci/rules/mapping.h"
#include "rules/validate.h"

typedef struct cci_body_shape cci_body_shape;

/* The shape of the bodies of mapping's rows (whose name is required: a create's). NULL when
 * memory ran out, or when the mapping has what only cci_user_build takes: a metadata column of
 * JSON, a name in parts, a metadata.KEY inside another's value (metadata.a beside metadata.a.b),
 * or more than CCI_BODY_COLUMNS columns. mapping must outlive the shape. */
cci_body_shape *cci_body_shape_new(const cci_mapping *mapping);
void cci_body_shape_free(cci_body_shape *shape);

enum { CCI_BODY_COLUMNS = 64 };

/* A row written: what it is besides its body's text. */
typedef struct cci_written_row {
    char uid[CCI_UID_MAX + 1]; /* lowercased, as the service stores it */
    long long created_at;      /* its dates in Unix seconds, as cci_user_build reads them; 0: none */
    long long last_active_at;
    size_t len; /* of the text written, before included */
} cci_written_row;

/* The uid cell of record as cci_body_write would take it, trimmed and lowercased, into uid
 * (CCI_UID_MAX + 1 bytes), unchecked: early, to look it up while the row is checked and written.
 * Its length; 0 when the row is no plain one (cci_body_write then declines it). */
size_t cci_body_uid(const cci_body_shape *shape, const cci_record *record, char *uid);

/* The most bytes cci_body_write writes for record after before_len bytes, its NUL included. */
size_t cci_body_bound(const cci_body_shape *shape, const cci_record *record, size_t before_len);

/* Writes before and then record's create body into dest (cci_body_bound bytes), NUL-terminated.
 * False when the row is not plainly valid or needs cci_user_build: dest is then undefined. */
bool cci_body_write(const cci_body_shape *shape, const cci_record *record, const char *before, char *dest,
                    cci_written_row *row);

#endif
