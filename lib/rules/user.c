/* mempcpy */
#define _GNU_SOURCE
#include "rules/user.h"

#include "rules/damage.h"
#include "cci/util/fingerprint.h"
#include "util/utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Problems found in one row, joined with "; ". */
typedef struct problem_list {
    char *text;
    size_t len, used;
} problem_list;

__attribute__((format(printf, 2, 3))) static void add_problem(problem_list *list,
                                                              const char *fmt, ...)
{
    if (list->used + 3 >= list->len) return;
    if (list->used) list->used += (size_t)snprintf(list->text + list->used, list->len - list->used, "; ");
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(list->text + list->used, list->len - list->used, fmt, ap);
    va_end(ap);
    if (n > 0) list->used += (size_t)n;
    if (list->used >= list->len) list->used = list->len - 1;
}

/* What a trim takes off: a space, a tab or a line end (and a NUL, as strchr(" \t\r\n", c) has
 * always taken it: a cell with NUL bytes is invalid anyway, said by cci_validate_text). */
static bool trimmed_off(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

void cci_trim(const char **text, size_t *len)
{
    while (*len && trimmed_off(**text)) (*text)++, (*len)--;
    while (*len && trimmed_off((*text)[*len - 1])) (*len)--;
}

/* Sets object[name] to the text; false when out of memory. */
static bool add_string(cJSON *object, const char *name, const char *text, size_t len)
{
    char *copy = strndup(text, len);
    bool added = copy && cJSON_AddStringToObject(object, name, copy);
    free(copy);
    return added;
}

/* Sets metadata[path] (dotted) to value, making objects on the way; a non-object in the way
 * is replaced, since the column is the more specific source. False when out of memory. */
static bool set_metadata_path(cJSON *metadata, const char *path, const char *text, size_t len)
{
    char *keys = strdup(path);
    if (!keys) return false;
    cJSON *node = metadata;
    char *save = NULL;
    char *key = strtok_r(keys, ".", &save);
    while (key && node) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            cJSON_DeleteItemFromObjectCaseSensitive(node, key);
            if (!add_string(node, key, text, len)) node = NULL;
        } else {
            cJSON *child = cJSON_GetObjectItemCaseSensitive(node, key);
            if (!cJSON_IsObject(child)) {
                cJSON_DeleteItemFromObjectCaseSensitive(node, key);
                child = cJSON_AddObjectToObject(node, key);
            }
            node = child;
        }
        key = next;
    }
    free(keys);
    return node != NULL;
}

/* A check of validate.h failed: a problem of the cell (of the row when header is NULL), or no
 * memory to tell. */
static void add_cell_problem(cci_user *user, problem_list *problems, const char *header, cci_status status,
                             const char *why)
{
    if (status == CCI_NOMEM) user->out_of_memory = true;
    else if (header) add_problem(problems, "column \"%s\": %s", header, why);
    else add_problem(problems, "%s", why);
}

/* A valid uid cell, lowercased as the service stores it, into uid; false with why. */
static bool canonical_uid(const char *text, size_t len, char uid[CCI_UID_MAX + 1], char *why, size_t why_len)
{
    if (!cci_validate_uid(text, len, why, why_len)) return false;
    for (size_t i = 0; i < len; i++) uid[i] = (char)tolower((unsigned char)text[i]);
    uid[len] = '\0';
    return true;
}

/* A name cell: the name, or the next part of it (several columns mapped to name join in column
 * order with a space), validated as the whole name so far. */
static void take_name_part(cci_user *user, const char *header, const char *text, size_t len, problem_list *problems)
{
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(user->fields, "name");
    size_t before_len = cJSON_IsString(before) ? strlen(before->valuestring) : 0;
    char *name = malloc(before_len + len + 2);
    if (!name) {
        user->out_of_memory = true;
        return;
    }
    if (before_len) memcpy(name, before->valuestring, before_len);
    if (before_len) name[before_len++] = ' ';
    memcpy(name + before_len, text, len);
    name[before_len + len] = '\0';
    char why[512];
    if (!cci_validate_name(name, before_len + len, why, sizeof why)) {
        add_problem(problems, "column \"%s\": %s", header, why);
    } else {
        cJSON_DeleteItemFromObjectCaseSensitive(user->fields, "name");
        if (!add_string(user->fields, "name", name, before_len + len)) user->out_of_memory = true;
    }
    free(name);
}

/* Handles one non-empty trimmed cell of a known field. */
static void take_cell(cci_user *user, const cci_column *column, const char *text, size_t len,
                      const cci_date_rules *date_rules, cJSON **metadata, problem_list *problems)
{
    char why[512];
    const char *header = column->header;
    switch (column->field) {
    case CCI_FIELD_UID:
        /* a report fed back: its uid "-p3" was written '-p3 so that no spreadsheet evaluates it */
        if (column->neutralised && len > 1 && text[0] == '\'' && strchr("=+-@\t\r", text[1])) text++, len--;
        if (!canonical_uid(text, len, user->uid, why, sizeof why)) add_problem(problems, "column \"%s\": %s", header, why);
        return;
    case CCI_FIELD_NAME:
        take_name_part(user, header, text, len, problems);
        return;
    case CCI_FIELD_AVATAR:
    case CCI_FIELD_LINK: {
        cci_status valid = cci_validate_url(text, len, why, sizeof why);
        if (valid != CCI_OK) add_cell_problem(user, problems, header, valid, why);
        else if (!add_string(user->fields, cci_field_name(column->field), text, len)) user->out_of_memory = true;
        return;
    }
    case CCI_FIELD_ROLE:
    case CCI_FIELD_STATUS_MESSAGE:
        if (!add_string(user->fields, cci_field_name(column->field), text, len)) user->out_of_memory = true;
        return;
    case CCI_FIELD_TAGS: {
        cJSON *tags;
        cci_status parsed = cci_parse_tags(text, len, &tags, why, sizeof why);
        if (parsed != CCI_OK) {
            add_cell_problem(user, problems, header, parsed, why);
        } else if (!cJSON_AddItemToObject(user->fields, "tags", tags)) {
            cJSON_Delete(tags);
            user->out_of_memory = true;
        }
        return;
    }
    case CCI_FIELD_METADATA: {
        cJSON *parsed;
        cci_status status = cci_parse_metadata(text, len, &parsed, why, sizeof why);
        if (status != CCI_OK) {
            add_cell_problem(user, problems, header, status, why);
            return;
        }
        /* keys set by metadata.KEY columns already win over the object's */
        if (*metadata) {
            cJSON *item = (*metadata)->child;
            while (item) {
                cJSON *next = item->next;
                cJSON_DeleteItemFromObjectCaseSensitive(parsed, item->string);
                cJSON *moved = cJSON_DetachItemViaPointer(*metadata, item);
                if (!cJSON_AddItemToObject(parsed, moved->string, moved)) {
                    cJSON_Delete(moved);
                    user->out_of_memory = true;
                }
                item = next;
            }
            cJSON_Delete(*metadata);
        }
        *metadata = parsed;
        return;
    }
    case CCI_FIELD_METADATA_KEY:
        if (!*metadata) *metadata = cJSON_CreateObject();
        if (!*metadata || !set_metadata_path(*metadata, column->metadata_path, text, len)) user->out_of_memory = true;
        return;
    case CCI_FIELD_CREATED_AT:
    case CCI_FIELD_LAST_ACTIVE_AT: {
        int64_t seconds;
        if (!cci_date_parse(text, len, date_rules, &seconds, why, sizeof why))
            add_cell_problem(user, problems, header, CCI_INVALID, why);
        else if (column->field == CCI_FIELD_CREATED_AT) user->created_at = seconds;
        else user->last_active_at = seconds;
        return;
    }
    case CCI_FIELD_IGNORE:
        return;
    }
}

bool cci_user_build(cci_user *user, const cci_mapping *mapping, const cci_record *record,
                    bool name_required, char *problems_text, size_t problems_len)
{
    *user = (cci_user){.fields = cJSON_CreateObject()};
    user->out_of_memory = !user->fields;
    problem_list problems = {.text = problems_text, .len = problems_len};
    problems_text[0] = '\0';
    if (record->count < mapping->count) {
        add_problem(&problems,
                    "the row has %zu cells but the header has %zu columns (a missing delimiter or "
                    "a cell split in two?)",
                    record->count, mapping->count);
    } else if (record->count > mapping->count) {
        for (size_t i = mapping->count; i < record->count; i++) {
            const char *text = record->cells[i].text;
            size_t len = record->cells[i].len;
            cci_trim(&text, &len);
            if (len) { /* trailing empty cells are harmless; data past the header is not */
                add_problem(&problems,
                            "the row has %zu cells but the header has %zu columns (an unquoted "
                            "delimiter inside a cell?)",
                            record->count, mapping->count);
                break;
            }
        }
    }
    cJSON *metadata = NULL;
    for (size_t i = 0; !user->out_of_memory && i < mapping->count && i < record->count; i++) {
        const cci_column *column = &mapping->columns[i];
        if (column->field == CCI_FIELD_IGNORE) continue;
        const char *text = record->cells[i].text;
        size_t len = record->cells[i].len;
        cci_trim(&text, &len);
        if (!len) continue;
        char why[512];
        if (!cci_validate_text(text, len, why, sizeof why) || cci_damage_of_cell(column, text, len, why, sizeof why)) {
            add_problem(&problems, "column \"%s\": %s", column->header, why);
            continue;
        }
        take_cell(user, column, text, len, &mapping->date_rules, &metadata, &problems);
    }
    if (metadata) {
        char why[256];
        cci_status sized = cci_validate_metadata_size(metadata, why, sizeof why);
        if (sized != CCI_OK) add_cell_problem(user, &problems, NULL, sized, why);
        if (user->out_of_memory || !cJSON_AddItemToObject(user->fields, "metadata", metadata)) {
            cJSON_Delete(metadata);
            user->out_of_memory = true;
        }
    }
    /* every key in order: the payload is canonical, whatever the column order, so its text is
     * its fingerprint's input */
    if (!user->out_of_memory && !cci_json_sort_keys(user->fields)) user->out_of_memory = true;
    /* report a missing uid or name once, naming the column */
    bool name_problem_said = false;
    for (size_t i = 0; i < mapping->count; i++) {
        const cci_column *column = &mapping->columns[i];
        bool empty = i >= record->count;
        if (!empty) {
            const char *text = record->cells[i].text;
            size_t len = record->cells[i].len;
            cci_trim(&text, &len);
            empty = len == 0;
        }
        if (!empty) continue;
        if (column->field == CCI_FIELD_UID)
            add_problem(&problems, "column \"%s\": empty: every user needs a uid", column->header);
        /* a name built from parts needs one of them */
        if (column->field == CCI_FIELD_NAME && name_required && !cJSON_HasObjectItem(user->fields, "name") &&
            !name_problem_said) {
            add_problem(&problems, "column \"%s\": empty: CometChat requires a name", column->header);
            name_problem_said = true;
        }
    }
    if (user->out_of_memory) add_problem(&problems, "out of memory while reading the row");
    return problems.used == 0 && !user->out_of_memory;
}

char *cci_user_body(const cci_user *user, bool with_uid)
{
    return cci_user_body_after(user, with_uid, "");
}

char *cci_user_body_after(const cci_user *user, bool with_uid, const char *before)
{
    cJSON *without_unset = NULL; /* a create clears nothing: "unset" is an update's */
    if (with_uid && cJSON_GetObjectItemCaseSensitive(user->fields, "unset")) {
        if (!(without_unset = cJSON_Duplicate(user->fields, true))) return NULL;
        cJSON_DeleteItemFromObjectCaseSensitive(without_unset, "unset");
    }
    const cJSON *printed = without_unset ? without_unset : user->fields;
    /* most bodies fit on the stack; cJSON wants a few bytes to spare there */
    char small[4096];
    char *fields = cJSON_PrintPreallocated((cJSON *)printed, small, sizeof small - 8, false) ? small
                                                                                             : cJSON_PrintUnformatted(printed);
    cJSON_Delete(without_unset);
    if (!fields) return NULL;
    /* BEFORE + {"uid":"...", + the fields' members: the uid needs no escaping (a-z 0-9 _ -) */
    size_t before_len = strlen(before), fields_len = strlen(fields), uid_len = with_uid ? strlen(user->uid) : 0;
    char *body = malloc(before_len + fields_len + uid_len + 16);
    if (body) {
        char *at = mempcpy(body, before, before_len);
        if (with_uid) at += sprintf(at, "{\"uid\":\"%s\"%s", user->uid, fields[1] == '}' ? "" : ",");
        memcpy(at, with_uid ? fields + 1 : fields, fields_len + (with_uid ? 0 : 1));
    }
    if (fields != small) free(fields);
    return body;
}

void cci_user_cleanup(cci_user *user)
{
    cJSON_Delete(user->fields);
    user->fields = NULL;
}

bool cci_record_uid(const cci_mapping *mapping, const cci_record *record, char uid[CCI_UID_MAX + 1])
{
    uid[0] = '\0';
    for (size_t i = 0; i < mapping->count && i < record->count; i++) {
        if (mapping->columns[i].field != CCI_FIELD_UID) continue;
        const char *text = record->cells[i].text;
        size_t len = record->cells[i].len;
        cci_trim(&text, &len);
        char why[256];
        return len && canonical_uid(text, len, uid, why, sizeof why);
    }
    return false;
}

/* Sets every key of changes into into, object into object: a metadata.a.b column changes a.b and
 * keeps a's other keys. False when out of memory. */
static bool merge_into(cJSON *into, const cJSON *changes)
{
    for (const cJSON *change = changes->child; change; change = change->next) {
        cJSON *current = cJSON_GetObjectItemCaseSensitive(into, change->string);
        if (cJSON_IsObject(current) && cJSON_IsObject(change)) {
            if (!merge_into(current, change)) return false;
            continue;
        }
        cJSON *copy = cJSON_Duplicate(change, true);
        if (!copy) return false;
        bool placed = current ? cJSON_ReplaceItemViaPointer(into, current, copy)
                              : cJSON_AddItemToObject(into, change->string, copy);
        if (!placed) {
            cJSON_Delete(copy);
            return false;
        }
    }
    return true;
}

bool cci_user_merge_metadata(cci_user *user, const cJSON *current)
{
    cJSON *changes = cJSON_GetObjectItemCaseSensitive(user->fields, "metadata");
    if (!cJSON_IsObject(changes) || !cJSON_IsObject(current)) return true;
    cJSON *merged = cJSON_Duplicate(current, true);
    if (!merged || !merge_into(merged, changes) || !cci_json_sort_keys(merged) ||
        !cJSON_ReplaceItemInObjectCaseSensitive(user->fields, "metadata", merged)) { /* keeps the key */
        cJSON_Delete(merged);
        user->out_of_memory = true;
        return false;
    }
    return true;
}

bool cci_mapping_merges_metadata(const cci_mapping *mapping)
{
    bool keys = false;
    for (size_t i = 0; i < mapping->count; i++) {
        if (mapping->columns[i].field == CCI_FIELD_METADATA) return false;
        keys = keys || mapping->columns[i].field == CCI_FIELD_METADATA_KEY;
    }
    return keys;
}

/* The column that fed field ("role", "tags.3", "metadata.email"), or NULL. */
static const cci_column *column_of_field(const cci_mapping *mapping, const char *field, size_t *index)
{
    size_t base_len = strcspn(field, ".");
    const cci_column *any_metadata = NULL;
    for (size_t i = 0; i < mapping->count; i++) {
        const cci_column *column = &mapping->columns[i];
        const char *name = cci_field_name(column->field);
        if (column->field == CCI_FIELD_METADATA_KEY) {
            if (strncmp(field, "metadata", base_len) != 0 || base_len != 8) continue;
            if (field[base_len] == '.' && strcmp(column->metadata_path, field + base_len + 1) == 0) {
                *index = i;
                return column;
            }
            if (!any_metadata) {
                any_metadata = column;
                *index = i;
            }
            continue;
        }
        if (column->field != CCI_FIELD_IGNORE && strlen(name) == base_len && strncmp(name, field, base_len) == 0) {
            *index = i;
            return column;
        }
    }
    return any_metadata;
}

void cci_user_explain_refusal(cci_outcome *outcome, const cci_mapping *mapping, const cci_saved_row *saved)
{
    size_t index = 0;
    const cci_column *column = outcome->refused_field[0] ? column_of_field(mapping, outcome->refused_field, &index) : NULL;
    if (!column || !saved || index >= saved->count) return;
    const char *text = saved->cells[index].text;
    size_t len = saved->cells[index].len;
    cci_trim(&text, &len);
    bool role = column->field == CCI_FIELD_ROLE;
    char message[1024];
    snprintf(message, sizeof message, "column \"%s\": \"%.*s%s\": %s%s", column->header, (int)cci_utf8_cut(text, len, 80), text,
             len > 80 ? "..." : "", cci_outcome_text(outcome),
             role ? " (a role this app does not have: create it in the CometChat dashboard, or fix the cell)" : "");
    cci_outcome_say(outcome, message);
}
