/* stpcpy */
#define _GNU_SOURCE
#include "rules/body_text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/damage.h"
#include "rules/user.h"
#include "util/utf8.h"

/* A member of an object of the body: a cell's value, or an object of members sorted by key. */
typedef struct member {
    char *key; /* owned */
    size_t key_len;
    int column; /* a value's column; -1: an object */
    struct member *members;
    size_t count;
} member;

struct cci_body_shape {
    const cci_mapping *mapping; /* borrowed */
    member root;                /* the body's fields; the uid is written first, apart */
    int uid_column;             /* -1: none (a mapping always has one) */
    size_t keys_bound;          /* the most bytes the keys and their punctuation take */
};

/* ---- the shape, compiled once ---- */

static member *find_member(member *object, const char *key, size_t key_len)
{
    for (size_t i = 0; i < object->count; i++)
        if (object->members[i].key_len == key_len && memcmp(object->members[i].key, key, key_len) == 0)
            return &object->members[i];
    return NULL;
}

static member *add_member(member *object, const char *key, size_t key_len, int column)
{
    member *grown = realloc(object->members, (object->count + 1) * sizeof *grown);
    if (!grown) return NULL;
    object->members = grown;
    member *added = &grown[object->count];
    *added = (member){.key = strndup(key, key_len), .key_len = key_len, .column = column};
    if (!added->key) return NULL;
    object->count++;
    return added;
}

/* Places a metadata.KEY[.KEY] column's value in metadata; false when a value is where an object
 * goes or the other way round (cci_user_build would replace one with the other, in column order),
 * or when memory ran out. */
static bool add_path(member *metadata, const char *path, int column)
{
    member *object = metadata;
    for (const char *segment = path;;) {
        const char *dot = strchr(segment, '.');
        size_t len = dot ? (size_t)(dot - segment) : strlen(segment);
        member *found = find_member(object, segment, len);
        if (!dot) return !found && add_member(object, segment, len, column);
        if (found && found->column >= 0) return false;
        if (!found && !(found = add_member(object, segment, len, -1))) return false;
        object = found;
        segment = dot + 1;
    }
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

/* Sorts every object's members as cci_json_sort_keys does, and sums what their keys take. */
static size_t sort_members(member *object)
{
    size_t bound = 0;
    if (object->count > 1) qsort(object->members, object->count, sizeof *object->members, by_key);
    for (size_t i = 0; i < object->count; i++) {
        bound += 6 * object->members[i].key_len + 8; /* escaped, quoted, ':', ',', an object's braces */
        bound += sort_members(&object->members[i]);
    }
    return bound;
}

static void free_members(member *object)
{
    for (size_t i = 0; i < object->count; i++) {
        free_members(&object->members[i]);
        free(object->members[i].key);
    }
    free(object->members);
}

void cci_body_shape_free(cci_body_shape *shape)
{
    if (!shape) return;
    free_members(&shape->root);
    free(shape);
}

/* Adds column i's member to the shape; false when the writer does not take the column. */
static bool add_column(cci_body_shape *shape, size_t i, bool *named)
{
    const cci_column *column = &shape->mapping->columns[i];
    const char *name = cci_field_name(column->field);
    member *metadata;
    switch (column->field) {
    case CCI_FIELD_NAME:
        if (*named) return false; /* a name in parts */
        *named = true;
        return add_member(&shape->root, name, strlen(name), (int)i) != NULL;
    case CCI_FIELD_AVATAR:
    case CCI_FIELD_LINK:
    case CCI_FIELD_ROLE:
    case CCI_FIELD_STATUS_MESSAGE:
    case CCI_FIELD_TAGS:
        return add_member(&shape->root, name, strlen(name), (int)i) != NULL;
    case CCI_FIELD_METADATA_KEY:
        metadata = find_member(&shape->root, "metadata", 8);
        if (!metadata && !(metadata = add_member(&shape->root, "metadata", 8, -1))) return false;
        return add_path(metadata, column->metadata_path, (int)i);
    case CCI_FIELD_METADATA:
        return false; /* a JSON cell, merged with the keys' columns */
    case CCI_FIELD_UID:
    case CCI_FIELD_CREATED_AT:
    case CCI_FIELD_LAST_ACTIVE_AT:
    case CCI_FIELD_IGNORE:
        return true; /* not members of the body's fields */
    }
    return false;
}

cci_body_shape *cci_body_shape_new(const cci_mapping *mapping)
{
    if (mapping->count > CCI_BODY_COLUMNS) return NULL;
    cci_body_shape *shape = calloc(1, sizeof *shape);
    if (!shape) return NULL;
    shape->mapping = mapping;
    shape->root.column = -1;
    shape->uid_column = -1;
    for (size_t i = 0; i < mapping->count; i++)
        if (mapping->columns[i].field == CCI_FIELD_UID) shape->uid_column = (int)i;
    bool named = false, taken = true;
    for (size_t i = 0; i < mapping->count && taken; i++) taken = add_column(shape, i, &named);
    if (!taken) {
        cci_body_shape_free(shape);
        return NULL;
    }
    shape->keys_bound = sort_members(&shape->root);
    return shape;
}

/* ---- a row ---- */

static bool count_valid_tag(void *context, const char *tag, size_t len)
{
    size_t *count = context, units = 0;
    return ++*count <= CCI_TAGS_MAX && cci_utf8_utf16_units(tag, len, &units) && units <= CCI_TAG_MAX;
}

/* Whether a trimmed, non-empty cell passes its field's checks as cci_user_build makes them; the
 * uid and the dates go into row. */
static bool cell_valid(const cci_column *column, const char *text, size_t len, const cci_date_rules *rules,
                       cci_written_row *row)
{
    char why[2]; /* the problem is cci_user_build's to word */
    int64_t seconds;
    size_t tags = 0;
    switch (column->field) {
    case CCI_FIELD_UID:
        /* a fed-back report's mark before = + - @: cci_user_build takes it off */
        if ((column->neutralised && len > 1 && text[0] == '\'' && strchr("=+-@\t\r", text[1])) ||
            !cci_validate_uid(text, len, why, sizeof why))
            return false;
        for (size_t i = 0; i < len; i++) row->uid[i] = (char)tolower((unsigned char)text[i]);
        row->uid[len] = '\0';
        return true;
    case CCI_FIELD_NAME:
        return cci_validate_name(text, len, why, sizeof why);
    case CCI_FIELD_AVATAR:
    case CCI_FIELD_LINK:
        return cci_validate_url(text, len, why, sizeof why) == CCI_OK;
    case CCI_FIELD_TAGS:
        return text[0] != '[' && cci_each_tag(text, len, count_valid_tag, &tags);
    case CCI_FIELD_CREATED_AT:
    case CCI_FIELD_LAST_ACTIVE_AT:
        if (!cci_date_parse(text, len, rules, &seconds, why, sizeof why)) return false;
        if (column->field == CCI_FIELD_CREATED_AT) row->created_at = seconds;
        else row->last_active_at = seconds;
        return true;
    case CCI_FIELD_METADATA:
        return false;
    default:
        return true;
    }
}

/* The row's trimmed cells into cells (empty where the body has nothing), every one checked;
 * false when the row is not plainly valid. */
static bool take_cells(const cci_body_shape *shape, const cci_record *record, cci_cell *cells, cci_written_row *row)
{
    const cci_mapping *mapping = shape->mapping;
    char why[2];
    if (record->count != mapping->count) return false;
    for (size_t i = 0; i < mapping->count; i++) {
        const cci_column *column = &mapping->columns[i];
        cells[i] = (cci_cell){"", 0};
        if (column->field == CCI_FIELD_IGNORE) continue;
        const char *text = record->cells[i].text;
        size_t len = record->cells[i].len;
        cci_trim(&text, &len);
        if (!len && (column->field == CCI_FIELD_UID || column->field == CCI_FIELD_NAME)) return false; /* required */
        if (!len) continue;
        if (!cci_validate_text(text, len, why, sizeof why) || cci_damage_of_cell(column, text, len, why, sizeof why) ||
            !cell_valid(column, text, len, &mapping->date_rules, row))
            return false;
        cells[i] = (cci_cell){text, len};
    }
    return true;
}

/* A JSON string as cJSON prints one: '"' and '\' escaped, control characters as \b \f \n \r \t
 * or \u00XX, every other byte as it is. */
static char *put_string(char *at, const char *text, size_t len)
{
    *at++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c > 31 && c != '"' && c != '\\') {
            *at++ = (char)c;
            continue;
        }
        *at++ = '\\';
        switch (c) {
        case '"': *at++ = '"'; break;
        case '\\': *at++ = '\\'; break;
        case '\b': *at++ = 'b'; break;
        case '\f': *at++ = 'f'; break;
        case '\n': *at++ = 'n'; break;
        case '\r': *at++ = 'r'; break;
        case '\t': *at++ = 't'; break;
        default: at += sprintf(at, "u%04x", c);
        }
    }
    *at++ = '"';
    return at;
}

/* Where the next tag goes, and whether one went before it. */
typedef struct tag_writer {
    char *at;
    bool first;
} tag_writer;

static bool put_tag(void *context, const char *tag, size_t len)
{
    tag_writer *w = context;
    if (!w->first) *w->at++ = ',';
    w->first = false;
    w->at = put_string(w->at, tag, len);
    return true;
}

typedef struct row_writer {
    const cci_body_shape *shape;
    const cci_mapping *mapping;
    const cci_cell *cells;
    bool metadata_too_big; /* over CCI_METADATA_MAX as JSON: cci_user_build's problem to word */
} row_writer;

/* Writes the members of object that the row has, each after a comma (but the first when
 * comma_first is false); returns the end, and says in *wrote whether any was written. */
static char *put_members(row_writer *w, const member *object, char *at, bool comma_first, bool *wrote)
{
    *wrote = false;
    for (size_t i = 0; i < object->count; i++) {
        const member *m = &object->members[i];
        if (m->column >= 0 && !w->cells[m->column].len) continue;
        char *start = at;
        if (*wrote || comma_first) *at++ = ',';
        at = put_string(at, m->key, m->key_len);
        *at++ = ':';
        if (m->column >= 0 && w->mapping->columns[m->column].field == CCI_FIELD_TAGS) {
            tag_writer tags = {.at = at, .first = true};
            *tags.at++ = '[';
            cci_each_tag(w->cells[m->column].text, w->cells[m->column].len, put_tag, &tags);
            at = tags.at;
            *at++ = ']';
        } else if (m->column >= 0) {
            at = put_string(at, w->cells[m->column].text, w->cells[m->column].len);
        } else {
            char *value = at;
            bool inner;
            *at++ = '{';
            at = put_members(w, m, at, false, &inner);
            if (!inner) { /* an object none of whose keys the row has is not there */
                at = start;
                continue;
            }
            *at++ = '}';
            if (object == &w->shape->root && (size_t)(at - value) > CCI_METADATA_MAX) w->metadata_too_big = true;
        }
        *wrote = true;
    }
    return at;
}

size_t cci_body_uid(const cci_body_shape *shape, const cci_record *record, char *uid)
{
    if (shape->uid_column < 0 || record->count != shape->mapping->count) return 0;
    const char *text = record->cells[shape->uid_column].text;
    size_t len = record->cells[shape->uid_column].len;
    cci_trim(&text, &len);
    if (len > CCI_UID_MAX) return 0;
    for (size_t i = 0; i < len; i++) uid[i] = (char)tolower((unsigned char)text[i]);
    uid[len] = '\0';
    return len;
}

size_t cci_body_bound(const cci_body_shape *shape, const cci_record *record, size_t before_len)
{
    size_t bound = before_len + sizeof "{\"uid\":\"\"}" + CCI_UID_MAX + shape->keys_bound;
    for (size_t i = 0; i < record->count; i++) bound += 8 * record->cells[i].len + 8;
    return bound;
}

bool cci_body_write(const cci_body_shape *shape, const cci_record *record, const char *before, char *dest,
                    cci_written_row *row)
{
    *row = (cci_written_row){0};
    cci_cell cells[CCI_BODY_COLUMNS];
    if (!take_cells(shape, record, cells, row)) return false;
    char *at = stpcpy(stpcpy(stpcpy(dest, before), "{\"uid\":\""), row->uid);
    *at++ = '"';
    row_writer w = {.shape = shape, .mapping = shape->mapping, .cells = cells};
    bool wrote;
    at = put_members(&w, &shape->root, at, true, &wrote);
    if (w.metadata_too_big) return false;
    *at++ = '}';
    *at = '\0';
    row->len = (size_t)(at - dest);
    return true;
}
