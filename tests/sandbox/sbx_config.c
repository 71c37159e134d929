#include "sbx_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sbx_config_defaults(sbx_config *config)
{
    *config = (sbx_config){
        .bind_address = "127.0.0.1",
        .auth_error_status = 401,
        .metadata_limit = 5 * 1024,
        .max_body = 10 * 1024,
        .core_limit = 10000,
        .standard_limit = 20000,
        .data_import_limit = 60,
        .window_ms = 60000,
    };
}

const char *sbx_rate_headers_name(sbx_rate_headers headers)
{
    static const char *const names[] = {"current", "legacy", "retry-after", "none"};
    return headers < SBX_HEADERS_COUNT ? names[headers] : NULL;
}

const char *sbx_hostile_name(sbx_hostile hostile)
{
    static const char *const names[] = {"none", "huge-retry-after", "far-reset", "overflow-reset",
                                        "always-429", "html-200", "endless-listing", "echo-key"};
    return hostile < SBX_HOSTILE_COUNT ? names[hostile] : NULL;
}

const char *sbx_import_body_name(sbx_import_body body)
{
    static const char *const names[] = {"either", "object", "array"};
    return body < SBX_IMPORT_BODY_COUNT ? names[body] : NULL;
}

static bool add_key(sbx_config *config, const char *key, bool auth_only)
{
    sbx_key *grown = realloc(config->keys, (config->key_count + 1) * sizeof *grown);
    if (!grown) return false;
    config->keys = grown;
    char *copy = strdup(key);
    if (!copy) return false;
    config->keys[config->key_count++] = (sbx_key){.key = copy, .auth_only = auth_only};
    return true;
}

bool sbx_config_load_keys(sbx_config *config, const char *path, char *err, size_t errlen)
{
    FILE *file = fopen(path, "r");
    if (!file) {
        snprintf(err, errlen, "cannot open keys file %s", path);
        return false;
    }
    char line[1024];
    unsigned number = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, file)) {
        number++;
        char scope[16], key[512];
        char *text = line;
        while (isspace((unsigned char)*text)) text++;
        if (*text == '#' || *text == '\0') continue;
        if (sscanf(text, "%15s %511s", scope, key) != 2 ||
            (strcmp(scope, "full") != 0 && strcmp(scope, "auth") != 0)) {
            /* never echo the line: it holds a key */
            snprintf(err, errlen, "%s line %u: expected 'full KEY' or 'auth KEY'", path, number);
            ok = false;
        } else if (!add_key(config, key, strcmp(scope, "auth") == 0)) {
            snprintf(err, errlen, "out of memory");
            ok = false;
        }
    }
    fclose(file);
    return ok;
}

bool sbx_config_set_roles(sbx_config *config, const char *list)
{
    for (size_t i = 0; i < config->role_count; i++) free(config->roles[i]);
    free(config->roles);
    config->roles = NULL;
    config->role_count = 0;
    const char *start = list;
    while (*start) {
        size_t len = strcspn(start, ",");
        if (len > 0) {
            char **grown = realloc(config->roles, (config->role_count + 1) * sizeof *grown);
            if (!grown) return false;
            config->roles = grown;
            if (!(config->roles[config->role_count] = strndup(start, len))) return false;
            config->role_count++;
        }
        start += len;
        if (*start == ',') start++;
    }
    return true;
}

void sbx_config_cleanup(sbx_config *config)
{
    for (size_t i = 0; i < config->key_count; i++) free(config->keys[i].key);
    free(config->keys);
    for (size_t i = 0; i < config->role_count; i++) free(config->roles[i]);
    free(config->roles);
    config->keys = NULL;
    config->roles = NULL;
    config->key_count = config->role_count = 0;
}
