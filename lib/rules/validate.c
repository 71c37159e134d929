#include "rules/validate.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

bool cci_validate_text(const char *text, size_t len, char *why, size_t why_len)
{
    if (memchr(text, '\0', len)) {
        snprintf(why, why_len, "holds a NUL byte, which no CometChat field accepts");
        return false;
    }
    if (!cci_utf8_valid(text, len)) {
        snprintf(why, why_len,
                 "not valid UTF-8: is the file in another encoding? Try --encoding "
                 "windows-1252 (or the encoding it was saved in)");
        return false;
    }
    return true;
}

/* A letter a-z or A-Z, a digit, _ or -: what a uid may hold (tested by ranges, not by a search
 * of the 64 allowed: this runs on every byte of every row's uid). */
static bool uid_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool cci_validate_uid(const char *uid, size_t len, char *why, size_t why_len)
{
    if (len == 0) {
        snprintf(why, why_len, "empty: every user needs a uid");
        return false;
    }
    if (len > CCI_UID_MAX) {
        snprintf(why, why_len, "%zu characters long; CometChat allows at most %d", len, CCI_UID_MAX);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!uid_byte((unsigned char)uid[i])) {
            unsigned char c = (unsigned char)uid[i];
            if (c >= 0x20 && c < 0x7F)
                snprintf(why, why_len,
                         "\"%.*s\" holds '%c', which a uid may not: use only letters a-z, digits, "
                         "_ and -",
                         (int)len, uid, c);
            else
                snprintf(why, why_len,
                         "\"%.*s\" holds a character a uid may not (a space, accent or symbol): use "
                         "only letters a-z, digits, _ and -",
                         (int)len, uid);
            return false;
        }
    }
    return true;
}

bool cci_validate_name(const char *name, size_t len, char *why, size_t why_len)
{
    size_t units = 0;
    if (len == 0) {
        snprintf(why, why_len, "empty: CometChat requires a name");
        return false;
    }
    cci_utf8_utf16_units(name, len, &units);
    if (units > CCI_NAME_MAX) {
        snprintf(why, why_len,
                 "%zu characters long (an emoji counts 2); CometChat allows at most %d", units,
                 CCI_NAME_MAX);
        return false;
    }
    return true;
}

cci_status cci_validate_url(const char *url, size_t len, char *why, size_t why_len)
{
    if (len > CCI_URL_MAX) {
        return cci_fail(CCI_INVALID, why, why_len, "%zu characters long; CometChat allows at most %d", len, CCI_URL_MAX);
    }
    char *copy = strndup(url, len);
    CURLU *parsed = curl_url();
    bool ok = false, out_of_memory = !copy || !parsed;
    char *scheme = NULL, *host = NULL;
    CURLUcode code = out_of_memory ? CURLUE_OUT_OF_MEMORY : curl_url_set(parsed, CURLUPART_URL, copy, 0);
    if (code == CURLUE_OK) code = curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0);
    if (code == CURLUE_OK) code = curl_url_get(parsed, CURLUPART_HOST, &host, 0);
    if (code == CURLUE_OK) ok = (strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0) && *host;
    cci_status status = code == CURLUE_OUT_OF_MEMORY ? cci_fail(CCI_NOMEM, why, why_len, "out of memory")
                        : !ok ? cci_fail(CCI_INVALID, why, why_len, "\"%.*s%s\" is not an absolute http:// or https:// URL",
                                         (int)cci_utf8_cut(url, len, 60), url, len > 60 ? "..." : "")
                              : CCI_OK;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(parsed);
    free(copy);
    return status;
}

static bool check_tag(const char *tag, size_t len, char *why, size_t why_len)
{
    size_t units = 0;
    cci_utf8_utf16_units(tag, len, &units);
    if (units > CCI_TAG_MAX) {
        snprintf(why, why_len, "tag \"%.*s...\" is %zu characters long; CometChat allows at most %d",
                 (int)cci_utf8_cut(tag, len, 30), tag, units, CCI_TAG_MAX);
        return false;
    }
    return true;
}

bool cci_each_tag(const char *cell, size_t len, bool (*each)(void *context, const char *tag, size_t len),
                  void *context)
{
    for (size_t start = 0; start <= len;) {
        size_t end = start;
        while (end < len && cell[end] != ',' && cell[end] != ';') end++;
        size_t a = start, b = end;
        while (a < b && (cell[a] == ' ' || cell[a] == '\t')) a++;
        while (b > a && (cell[b - 1] == ' ' || cell[b - 1] == '\t')) b--;
        if (b > a && !each(context, cell + a, b - a)) return false;
        start = end + 1;
    }
    return true;
}

static bool add_tag(void *context, const char *text, size_t len)
{
    cJSON *tags = context;
    char *copy = strndup(text, len);
    cJSON *tag = copy ? cJSON_CreateString(copy) : NULL;
    free(copy);
    if (tag && cJSON_AddItemToArray(tags, tag)) return true;
    cJSON_Delete(tag);
    return false;
}

/* A list split by cci_each_tag; NULL when out of memory. */
static cJSON *split_tags(const char *cell, size_t len)
{
    cJSON *tags = cJSON_CreateArray();
    if (tags && !cci_each_tag(cell, len, add_tag, tags)) {
        cJSON_Delete(tags);
        tags = NULL;
    }
    return tags;
}

cci_status cci_parse_tags(const char *cell, size_t len, cJSON **parsed, char *why, size_t why_len)
{
    *parsed = NULL;
    cJSON *tags;
    if (len && cell[0] == '[') {
        tags = cJSON_ParseWithLength(cell, len);
        bool strings = cJSON_IsArray(tags);
        const cJSON *item;
        cJSON_ArrayForEach(item, tags) strings = strings && cJSON_IsString(item);
        if (!strings) {
            cJSON_Delete(tags);
            return cci_fail(CCI_INVALID, why, why_len, "starts with [ but is not a JSON array of strings, e.g. [\"a\",\"b\"]");
        }
    } else if (!(tags = split_tags(cell, len))) {
        return cci_fail(CCI_NOMEM, why, why_len, "out of memory");
    }
    int count = cJSON_GetArraySize(tags);
    if (count > CCI_TAGS_MAX) {
        cJSON_Delete(tags);
        return cci_fail(CCI_INVALID, why, why_len, "holds %d tags; CometChat allows at most %d", count, CCI_TAGS_MAX);
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, tags)
    {
        if (!check_tag(item->valuestring, strlen(item->valuestring), why, why_len)) {
            cJSON_Delete(tags);
            return CCI_INVALID;
        }
    }
    *parsed = tags;
    return CCI_OK;
}

cci_status cci_parse_metadata(const char *cell, size_t len, cJSON **parsed, char *why, size_t why_len)
{
    /* cJSON says NULL both for bad JSON and for no memory: what does not parse is called invalid */
    cJSON *metadata = cJSON_ParseWithLength(cell, len);
    *parsed = NULL;
    if (!cJSON_IsObject(metadata)) {
        cJSON_Delete(metadata);
        return cci_fail(CCI_INVALID, why, why_len, "not a JSON object such as {\"department\": \"Sales\"}");
    }
    *parsed = metadata;
    return CCI_OK;
}

cci_status cci_validate_metadata_size(const cJSON *metadata, char *why, size_t why_len)
{
    char *text = cJSON_PrintUnformatted(metadata);
    if (!text) return cci_fail(CCI_NOMEM, why, why_len, "out of memory");
    size_t size = strlen(text);
    cJSON_free(text);
    if (size > CCI_METADATA_MAX)
        return cci_fail(CCI_INVALID, why, why_len, "metadata is %zu bytes as JSON; CometChat allows at most %d", size,
                        CCI_METADATA_MAX);
    return CCI_OK;
}
