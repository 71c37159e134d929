/* explicit_bzero: a wipe the compiler may not drop */
#define _DEFAULT_SOURCE
#include "tool_key.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim_end(char *text)
{
    size_t len = strlen(text);
    while (len && strchr(" \t\r\n", text[len - 1])) text[--len] = '\0';
}

/* Like ssh with a private key: a key others may read is worth a word. */
static void check_permissions(FILE *file, const char *key_file, char *warning, size_t warnlen)
{
    struct stat st;
    if (fstat(fileno(file), &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & (S_IRWXG | S_IRWXO))) return;
    snprintf(warning, warnlen, "warning: --api-key-file %s can be read by other users (mode %04o): chmod 600 %s",
             key_file, (unsigned)(st.st_mode & 07777), key_file);
}

static char *read_key_file(const char *key_file, char *warning, size_t warnlen, char *err, size_t errlen)
{
    FILE *file = fopen(key_file, "r");
    if (!file) {
        snprintf(err, errlen, "cannot read --api-key-file %s: %s", key_file, strerror(errno));
        return NULL;
    }
    check_permissions(file, key_file, warning, warnlen);
    char buffer[1024] = "";
    size_t got = fread(buffer, 1, sizeof buffer - 1, file);
    bool longer = got == sizeof buffer - 1 && fgetc(file) != EOF;
    fclose(file);
    buffer[got] = '\0';
    trim_end(buffer);
    char *start = buffer + strspn(buffer, " \t\r\n");
    char *key = NULL;
    if (longer) /* never cut a key short: the service would refuse it with no word why */
        snprintf(err, errlen, "--api-key-file %s is longer than %zu bytes: it cannot be only a key", key_file,
                 sizeof buffer - 1);
    else if (!*start || strpbrk(start, "\r\n"))
        snprintf(err, errlen, "--api-key-file %s must hold the key alone on one line", key_file);
    else if (!(key = strdup(start)))
        snprintf(err, errlen, "out of memory");
    explicit_bzero(buffer, sizeof buffer);
    return key;
}

bool tool_keep_key_out_of_core_dumps(char *err, size_t errlen)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        snprintf(err, errlen, "cannot turn core dumps off: %s", strerror(errno));
        return false;
    }
    return true;
}

/* A key goes into a header: a control character in it (a line break pasted along) would end the
 * header and start another. */
static char *printable_only(char *key, char *err, size_t errlen)
{
    for (const char *c = key; key && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "the API key holds a control character (a line break or tab pasted along?): "
                                  "give it alone, on one line");
            tool_forget_api_key(key);
            return NULL;
        }
    return key;
}

char *tool_read_api_key(const char *key_file, char *warning, size_t warnlen, char *err, size_t errlen)
{
    if (warnlen) warning[0] = '\0';
    if (key_file) return printable_only(read_key_file(key_file, warning, warnlen, err, errlen), err, errlen);
    const char *env = getenv("COMETCHAT_API_KEY");
    if (!env || !*env) {
        snprintf(err, errlen, "no API key: set COMETCHAT_API_KEY or use --api-key-file PATH");
        return NULL;
    }
    char *key = strdup(env);
    if (key) trim_end(key);
    else snprintf(err, errlen, "out of memory");
    return printable_only(key, err, errlen);
}

void tool_forget_api_key(char *key)
{
    if (!key) return;
    explicit_bzero(key, strlen(key));
    free(key);
}
