#include "sbx_rules.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { UID_MAX = 100, NAME_MAX_UNITS = 100, URL_MAX = 3000, TAGS_MAX = 25, TAG_MAX = 100 };


__attribute__((format(printf, 3, 4))) static void add_detail(sbx_verdict *v, const char *field,
                                                             const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (!v->details) v->details = cJSON_CreateObject();
    cJSON *list = cJSON_GetObjectItemCaseSensitive(v->details, field);
    if (!list) list = cJSON_AddArrayToObject(v->details, field);
    cJSON_AddItemToArray(list, cJSON_CreateString(text));
}

bool sbx_rules_uid_valid(const char *uid)
{
    size_t len = strlen(uid);
    if (len == 0 || len > UID_MAX) return false;
    return strspn(uid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

/* Laravel's "required": present, not null, not blank. */
static bool blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

static void check_uid(const cJSON *uid, sbx_verdict *v)
{
    if (!uid || cJSON_IsNull(uid) || (cJSON_IsString(uid) && blank(uid->valuestring))) {
        add_detail(v, "uid", "The uid field is required.");
    } else if (!cJSON_IsString(uid)) {
        add_detail(v, "uid", "The uid must be a string.");
    } else if (strlen(uid->valuestring) > UID_MAX) {
        add_detail(v, "uid", "The uid may not be greater than %d characters.", UID_MAX);
    } else if (!sbx_rules_uid_valid(uid->valuestring)) {
        add_detail(v, "uid", "The uid may only contain letters, numbers, dashes and underscores.");
    }
}

/* How many UTF-16 code units text takes (the service counts lengths so), converted by iconv
 * rather than by the importer's own counter, which this sandbox exists to check. False when text
 * is not UTF-8. */
static bool utf16_units(const char *text, size_t *units)
{
    iconv_t to_utf16 = iconv_open("UTF-16LE", "UTF-8");
    if (to_utf16 == (iconv_t)-1) return false;
    char *in = (char *)text;
    size_t in_left = strlen(text), bytes = 0;
    bool ok = true;
    while (in_left > 0) {
        char chunk[256], *out = chunk;
        size_t out_left = sizeof chunk;
        if (iconv(to_utf16, &in, &in_left, &out, &out_left) == (size_t)-1 && errno != E2BIG) ok = false;
        bytes += sizeof chunk - out_left;
        if (!ok) break;
    }
    iconv_close(to_utf16);
    *units = bytes / 2;
    return ok;
}

static void check_string(const cJSON *item, const char *field, size_t max_units, sbx_verdict *v)
{
    if (cJSON_IsNull(item)) {
        add_detail(v, field, "The %s must have a value.", field);
        return;
    }
    if (!cJSON_IsString(item)) {
        add_detail(v, field, "The %s must be a string.", field);
        return;
    }
    size_t units;
    const char *text = item->valuestring;
    if (!utf16_units(text, &units))
        add_detail(v, field, "The %s must be valid UTF-8.", field);
    else if (max_units && units > max_units)
        add_detail(v, field, "The %s may not be greater than %zu characters.", field,
                   max_units);
}

static void check_name(const cJSON *name, bool required, sbx_verdict *v)
{
    if (!name) {
        if (required) add_detail(v, "name", "The name field is required.");
        return;
    }
    if (cJSON_IsString(name) && blank(name->valuestring)) {
        add_detail(v, "name", "The name field is required.");
        return;
    }
    check_string(name, "name", NAME_MAX_UNITS, v);
}

static void check_role(const cJSON *role, const sbx_config *config, sbx_verdict *v,
                       bool *unknown_role)
{
    check_string(role, "role", 0, v);
    if (!cJSON_IsString(role)) return;
    if (strcmp(role->valuestring, "default") == 0) return; /* every app has it */
    for (size_t i = 0; i < config->role_count; i++)
        if (strcmp(config->roles[i], role->valuestring) == 0) return;
    if (config->role_error_not_found) *unknown_role = true;
    else add_detail(v, "role", "The selected role is invalid.");
}

static void check_metadata(const cJSON *metadata, const sbx_config *config, sbx_verdict *v)
{
    if (cJSON_IsNull(metadata)) {
        add_detail(v, "metadata", "The metadata must have a value.");
        return;
    }
    if (!cJSON_IsObject(metadata)) {
        add_detail(v, "metadata", "The metadata must be an object.");
        return;
    }
    char *text = cJSON_PrintUnformatted(metadata);
    if (text && strlen(text) > config->metadata_limit)
        add_detail(v, "metadata", "The metadata may not be greater than %zu bytes.",
                   config->metadata_limit);
    cJSON_free(text);
}

static void check_tags(const cJSON *tags, sbx_verdict *v)
{
    if (!cJSON_IsArray(tags)) {
        add_detail(v, "tags", "The tags must be an array.");
        return;
    }
    if (cJSON_GetArraySize(tags) > TAGS_MAX)
        add_detail(v, "tags", "The tags may not have more than %d items.", TAGS_MAX);
    int index = 0;
    const cJSON *tag;
    cJSON_ArrayForEach(tag, tags)
    {
        char field[32];
        snprintf(field, sizeof field, "tags.%d", index++);
        check_string(tag, field, TAG_MAX, v);
    }
}

static void check_unset(const cJSON *unset, sbx_verdict *v)
{
    if (!cJSON_IsArray(unset)) {
        add_detail(v, "unset", "The unset must be an array.");
        return;
    }
    const cJSON *field;
    cJSON_ArrayForEach(field, unset)
    {
        if (!cJSON_IsString(field) || (strcmp(field->valuestring, "avatar") != 0 &&
                                       strcmp(field->valuestring, "link") != 0 &&
                                       strcmp(field->valuestring, "metadata") != 0))
            add_detail(v, "unset", "The selected unset is invalid.");
    }
}

static sbx_verdict check_body(const cJSON *body, const sbx_config *config, bool create)
{
    sbx_verdict v = {.ok = true};
    if (!cJSON_IsObject(body)) {
        v = (sbx_verdict){.ok = false, .status = 400, .code = "ERR_BAD_REQUEST"};
        snprintf(v.message, sizeof v.message, "The request body must be a JSON object.");
        return v;
    }
    bool unknown_role = false;
    const cJSON *item;
    if (create) check_uid(cJSON_GetObjectItemCaseSensitive(body, "uid"), &v);
    check_name(cJSON_GetObjectItemCaseSensitive(body, "name"), create, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "avatar"))) check_string(item, "avatar", URL_MAX, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "link"))) check_string(item, "link", URL_MAX, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "statusMessage")))
        check_string(item, "statusMessage", 0, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "role")))
        check_role(item, config, &v, &unknown_role);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "metadata"))) check_metadata(item, config, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "tags"))) check_tags(item, &v);
    if ((item = cJSON_GetObjectItemCaseSensitive(body, "withAuthToken")) && !cJSON_IsBool(item))
        add_detail(&v, "withAuthToken", "The withAuthToken field must be true or false.");
    if (!create && (item = cJSON_GetObjectItemCaseSensitive(body, "unset"))) check_unset(item, &v);

    if (v.details) {
        v.ok = false;
        v.status = 400;
        v.code = "ERR_BAD_REQUEST";
        snprintf(v.message, sizeof v.message, "Failed to validate the data sent with the request.");
    } else if (unknown_role) {
        v.ok = false;
        v.status = 400;
        v.code = "ERR_ROLE_NOT_FOUND";
        snprintf(v.message, sizeof v.message, "The role %.100s does not exist.",
                 cJSON_GetObjectItemCaseSensitive(body, "role")->valuestring);
    }
    return v;
}

sbx_verdict sbx_rules_check_create(const cJSON *body, const sbx_config *config)
{
    return check_body(body, config, true);
}

sbx_verdict sbx_rules_check_update(const cJSON *body, const sbx_config *config)
{
    return check_body(body, config, false);
}

void sbx_verdict_cleanup(sbx_verdict *verdict)
{
    cJSON_Delete(verdict->details);
    verdict->details = NULL;
}
