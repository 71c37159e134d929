/* S_ISVTX */
#define _DEFAULT_SOURCE
#include "tool_trust.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum field { BASE_URL, APP_ID, REGION, FIELDS };

static const char *value_of(const tool_target_source *source, enum field field)
{
    return field == BASE_URL ? source->base_url : field == APP_ID ? source->app_id : source->region;
}

/* A value as a message may show it: control characters (a carriage return could draw over the
 * line) as '?', and at most 200 bytes, so the file and line after it are always said. */
static void shown(const char *value, char *out, size_t len)
{
    size_t n = 0;
    for (; value[n] && n < 200 && n + 4 < len; n++)
        out[n] = (unsigned char)value[n] < 0x20 || value[n] == 0x7f ? '?' : value[n];
    snprintf(out + n, len - n, "%s", value[n] ? "..." : "");
}

/* How the source spelled the part: "--region eu", "COMETCHAT_REGION=eu", "region = eu (PATH line 3)". */
static void describe(const tool_target_source *source, enum field field, char *out, size_t len)
{
    static const char *const option[] = {"--base-url", "--app-id", "--region"};
    static const char *const variable[] = {"COMETCHAT_BASE_URL", "COMETCHAT_APP_ID", "COMETCHAT_REGION"};
    char value[208];
    shown(value_of(source, field), value, sizeof value);
    unsigned line = field == BASE_URL ? source->base_url_line
                    : field == APP_ID ? source->app_id_line
                                      : source->region_line;
    if (source->kind == TOOL_SOURCE_COMMAND_LINE) snprintf(out, len, "%s %s", option[field], value);
    else if (source->kind == TOOL_SOURCE_ENVIRONMENT) snprintf(out, len, "%s=%s", variable[field], value);
    else snprintf(out, len, "%s = %s (%s line %u)", option[field] + 2, value, source->path, line);
}

/* Appends to text (of len bytes) what fmt says, cut at the end rather than overflowing. */
static void append(char *text, size_t len, const char *fmt, ...)
{
    size_t used = strlen(text);
    if (used + 1 >= len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text + used, len - used, fmt, ap);
    va_end(ap);
}

static void refuse(tool_target_choice *choice, const tool_target_source *source, enum field field)
{
    char said[320];
    describe(source, field, said, sizeof said);
    snprintf(choice->refusal, sizeof choice->refusal,
             "the target would come from %.260s, and %.200s %.200s, so it cannot choose where the API key goes: nothing was "
             "sent. Name the target yourself (--base-url, or --app-id and --region, or COMETCHAT_BASE_URL, "
             "COMETCHAT_APP_ID and COMETCHAT_REGION), or add --trust-settings if that file is yours",
             said, source->path, source->untrusted);
}

void tool_trust_choose_target(const tool_target_source *sources, size_t count, bool confirmed,
                             tool_target_choice *choice)
{
    *choice = (tool_target_choice){0};
    size_t decider = 0;
    while (decider < count && !sources[decider].base_url && !sources[decider].app_id && !sources[decider].region)
        decider++;
    if (decider == count) return;
    const tool_target_source *used[FIELDS] = {0};
    if (sources[decider].base_url) {
        used[BASE_URL] = &sources[decider];
    } else {
        for (enum field field = APP_ID; field < FIELDS; field++)
            for (size_t i = decider; i < count && !used[field]; i++)
                if (value_of(&sources[i], field)) used[field] = &sources[i];
    }
    for (enum field field = BASE_URL; field < FIELDS && !choice->refusal[0]; field++)
        if (used[field] && used[field]->untrusted && !confirmed) refuse(choice, used[field], field);
    choice->base_url = used[BASE_URL] ? used[BASE_URL]->base_url : NULL;
    choice->app_id = used[APP_ID] ? used[APP_ID]->app_id : NULL;
    choice->region = used[REGION] ? used[REGION]->region : NULL;

    char ignored[512] = "";
    for (size_t i = 0; i < count; i++)
        for (enum field field = BASE_URL; field < FIELDS; field++) {
            const char *value = value_of(&sources[i], field);
            const char *chosen = used[field] ? value_of(used[field], field) : NULL;
            if (!value || used[field] == &sources[i] || (chosen && strcmp(chosen, value) == 0)) continue;
            char said[320];
            describe(&sources[i], field, said, sizeof said);
            append(ignored, sizeof ignored, "%s%s", ignored[0] ? "; " : "", said);
        }
    if (!ignored[0]) return;
    char target[640] = "";
    for (enum field field = BASE_URL; field < FIELDS; field++) {
        if (!used[field]) continue;
        char said[320];
        describe(used[field], field, said, sizeof said);
        append(target, sizeof target, "%s%s", target[0] ? " and " : "", said);
    }
    snprintf(choice->conflict, sizeof choice->conflict, "the target is %.300s; ignored: %.400s", target, ignored);
}

bool tool_trust_is_loopback_host(const char *host)
{
    if (strcasecmp(host, "localhost") == 0) return true;
    struct in_addr v4;
    if (inet_pton(AF_INET, host, &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    size_t len = strlen(host);
    char literal[64];
    if (len < 3 || len - 2 >= sizeof literal || host[0] != '[' || host[len - 1] != ']') return false;
    memcpy(literal, host + 1, len - 2);
    literal[len - 2] = '\0';
    struct in6_addr v6;
    if (inet_pton(AF_INET6, literal, &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool tool_trust_app_id_is_plain(const char *app_id)
{
    return app_id[0] && strspn(app_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == strlen(app_id);
}

bool tool_trust_check_base_url(const char *url, bool insecure_http, bool *loopback, char *err, size_t errlen)
{
    *loopback = false;
    CURLU *parsed = curl_url();
    char *scheme = NULL, *host = NULL;
    bool ok = false;
    if (!parsed) {
        snprintf(err, errlen, "out of memory");
    } else if (curl_url_set(parsed, CURLUPART_URL, url, 0) != CURLUE_OK ||
               curl_url_get(parsed, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               curl_url_get(parsed, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(err, errlen, "--base-url %s is not a URL (https://HOST/v3)", url);
    } else if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        snprintf(err, errlen, "--base-url must be https:// (or http:// to this machine), not %s://", scheme);
    } else if (tool_trust_is_loopback_host(host)) {
        ok = *loopback = true;
    } else if (strcasecmp(scheme, "https") == 0 || insecure_http) {
        ok = true;
    } else {
        snprintf(err, errlen,
                 "--base-url sends to %s over plain http://, which is not this machine (only localhost, 127.x.x.x "
                 "and [::1] are): the API key would travel unencrypted, and any proxy on the way could log it. "
                 "Use https://, or --insecure-http for a test server you trust; nothing was sent",
                 host);
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(parsed);
    return ok;
}

/* Why folder (a real path) lets someone else replace what is in it, or NULL: it must belong to
 * the person or root, and be writable by no one else unless sticky (as /tmp). */
static const char *folder_lets_others_replace(const char *folder, char *why, size_t whylen)
{
    struct stat st;
    if (stat(folder, &st) != 0) snprintf(why, whylen, "its folder %s cannot be read", folder);
    else if (st.st_uid != geteuid() && st.st_uid != 0)
        snprintf(why, whylen, "the folder %s belongs to user %lu, who may replace it", folder, (unsigned long)st.st_uid);
    else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        snprintf(why, whylen, "others may replace it in the folder %s (chmod go-w %s)", folder, folder);
    else return NULL;
    return why;
}

bool tool_trust_file_is_own(const struct stat *st, const char *path, char *why, size_t whylen)
{
    if (!S_ISREG(st->st_mode)) snprintf(why, whylen, "it is not a regular file");
    else if (st->st_uid != geteuid() && st->st_uid != 0)
        snprintf(why, whylen, "it belongs to user %lu, not to you", (unsigned long)st->st_uid);
    else if (st->st_mode & S_IWGRP) snprintf(why, whylen, "its group may change it (chmod g-w %s)", path);
    else if (st->st_mode & S_IWOTH) snprintf(why, whylen, "anyone may change it (chmod o-w %s)", path);
    else why[0] = '\0';
    if (why[0]) return false;
    /* by its real path, every folder from the root down: a link or a folder on the way that
     * someone else controls could put another file there (ssh's secure_filename) */
    char *real = realpath(path, NULL);
    struct stat resolved;
    bool own = false;
    if (!real || stat(real, &resolved) != 0) {
        snprintf(why, whylen, "its real path cannot be found");
    } else if (resolved.st_dev != st->st_dev || resolved.st_ino != st->st_ino) {
        snprintf(why, whylen, "it was replaced while it was read");
    } else {
        own = true;
        for (char *slash = strrchr(real, '/'); own && slash; slash = strrchr(real, '/')) {
            *slash = '\0'; /* real becomes its folder, then that folder's, up to the root */
            own = !folder_lets_others_replace(slash == real ? "/" : real, why, whylen);
            if (slash == real) break;
        }
    }
    free(real);
    return own;
}
