#include "tool_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/util/outfile.h"
#include "tool_options.h"

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t') text++;
    char *end = text + strlen(text);
    while (end > text && strchr(" \t\r\n", end[-1])) *--end = '\0';
    return text;
}

bool tool_config_load(const char *path, bool must_exist, bool only_ours, char **text, struct stat *st, char *err,
                     size_t errlen)
{
    *text = NULL;
    /* O_NONBLOCK: a FIFO planted under the name must not hold the run; only a regular file is read */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && !must_exist) return true;
    bool regular = fd >= 0 && fstat(fd, st) == 0 && S_ISREG(st->st_mode);
    FILE *file = regular ? fdopen(fd, "r") : NULL;
    if (!file) {
        snprintf(err, errlen, "cannot read the settings file %s: %s", path,
                 fd >= 0 && !regular ? "it is not a regular file" : strerror(errno));
        if (fd >= 0) close(fd);
        return false;
    }
    size_t len = 0, cap = 0;
    char *buffer = NULL;
    int c;
    while ((c = fgetc(file)) != EOF) { /* a settings file is small; read whole, then split */
        if (len + 2 > cap) {
            char *grown = cap < 1 << 20 ? realloc(buffer, cap = cap ? cap * 2 : 1024) : NULL;
            if (!grown) {
                snprintf(err, errlen, "the settings file %s is larger than 1 MiB, or memory ran out", path);
                free(buffer);
                fclose(file);
                return false;
            }
            buffer = grown;
        }
        buffer[len++] = (char)c;
    }
    fclose(file);
    if (!buffer) buffer = calloc(1, 1); /* empty, but read */
    else buffer[len] = '\0';
    if (buffer && only_ours && strncmp(buffer, TOOL_CONFIG_MARKER, strlen(TOOL_CONFIG_MARKER)) != 0) {
        free(buffer); /* a file of the same name that is not ours */
        return true;
    }
    if (!buffer) {
        snprintf(err, errlen, "out of memory while reading %s", path);
        return false;
    }
    *text = buffer;
    return true;
}

bool tool_config_apply(const char *path, char *text, tool_setting_fn apply, void *context, char *err, size_t errlen)
{
    unsigned line = 0;
    for (char *raw = text, *next; raw; raw = next) { /* every line counted, blank ones too */
        line++;
        next = strchr(raw, '\n');
        if (next) *next++ = '\0';
        char *setting = trim(raw);
        if (!*setting || *setting == '#') continue;
        char *eq = strchr(setting, '=');
        if (!eq) {
            snprintf(err, errlen, "%s line %u: expected NAME = VALUE", path, line);
            return false;
        }
        *eq = '\0';
        char why[400];
        if (!apply(context, trim(setting), trim(eq + 1), line, why, sizeof why)) {
            snprintf(err, errlen, "%s line %u: %s", path, line, why);
            return false;
        }
    }
    return true;
}

char *tool_config_own_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    bool from_xdg = xdg && xdg[0] == '/'; /* the spec: a relative XDG_CONFIG_HOME is ignored */
    if (!from_xdg && !(home && home[0])) return NULL;
    const char *base = from_xdg ? xdg : home, *below = from_xdg ? "" : "/.config";
    size_t len = strlen(base) + strlen(below) + sizeof "/" TOOL_CONFIG_OWN_NAME;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s%s/%s", base, below, TOOL_CONFIG_OWN_NAME);
    return path;
}

char *tool_config_companion(const char *path)
{
    if (strcmp(path, "-") == 0) return NULL;
    size_t len = strlen(path), stem = len;
    /* a run folder's rejects.csv or rejects.xlsx: rejects.conf */
    static const char *const extensions[] = {".csv", ".xlsx", ".ods", ".xls"};
    for (size_t i = 0; i < sizeof extensions / sizeof *extensions && stem == len; i++) {
        size_t n = strlen(extensions[i]);
        if (len > n && strcasecmp(path + len - n, extensions[i]) == 0) stem = len - n;
    }
    char *companion = malloc(stem + sizeof ".conf");
    if (companion) snprintf(companion, stem + sizeof ".conf", "%.*s.conf", (int)stem, path);
    return companion;
}

bool tool_config_write(const char *path, const tool_options *opts, bool own_file, const char *comment, char *err,
                      size_t errlen)
{
    cci_outfile out = {0};
    if (cci_outfile_open(&out, path, err, errlen) != CCI_OK) return false;
    bool ok = fprintf(out.file, "%s: %s\n", TOOL_CONFIG_MARKER, comment) > 0;
    /* every setting the reader takes, in the table's order; where the key goes only into a file
     * of the person's own */
    for (const tool_option *o = tool_option_table; ok && o->name; o++) {
        if (o->setting == TOOL_SETTING_NO || (o->setting == TOOL_SETTING_TARGET && !own_file)) continue;
        char value[1024];
        for (size_t i = 0; ok && tool_option_value(o, opts, i, value, sizeof value); i++) {
            if (strpbrk(value, "\r\n")) { /* a file holds one setting a line: this one could not be read back */
                cci_outfile_discard(&out);
                snprintf(err, errlen, "cannot write %s: the %s \"%.200s\" holds a line break, which a settings file "
                                      "cannot hold (rename the column, or give the option on the command line)",
                         path, o->name, value);
                return false;
            }
            ok = fprintf(out.file, "%s = %s\n", o->name, value) > 0;
            if (o->code != OPT_MAP) break; /* one value, but a map a line */
        }
    }
    cci_outfile_check(&out, ok);
    return cci_outfile_commit(&out, false, NULL, 0, err, errlen) == CCI_OK;
}
