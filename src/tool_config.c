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

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t') text++;
    char *end = text + strlen(text);
    while (end > text && strchr(" \t\r\n", end[-1])) *--end = '\0';
    return text;
}

bool cci_config_load(const char *path, bool must_exist, bool only_ours, char **text, struct stat *st, char *err,
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
    if (buffer && only_ours && strncmp(buffer, CCI_CONFIG_MARKER, strlen(CCI_CONFIG_MARKER)) != 0) {
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

bool cci_config_apply(const char *path, char *text, cci_setting_fn apply, void *context, char *err, size_t errlen)
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

char *cci_config_own_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    bool from_xdg = xdg && xdg[0] == '/'; /* the spec: a relative XDG_CONFIG_HOME is ignored */
    if (!from_xdg && !(home && home[0])) return NULL;
    const char *base = from_xdg ? xdg : home, *below = from_xdg ? "" : "/.config";
    size_t len = strlen(base) + strlen(below) + sizeof "/" CCI_CONFIG_OWN_NAME;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s%s/%s", base, below, CCI_CONFIG_OWN_NAME);
    return path;
}

char *cci_config_companion(const char *path)
{
    if (strcmp(path, "-") == 0) return NULL;
    size_t len = strlen(path);
    bool csv = len > 4 && strcasecmp(path + len - 4, ".csv") == 0;
    size_t stem = csv ? len - 4 : len;
    char *companion = malloc(stem + sizeof ".conf");
    if (companion) snprintf(companion, stem + sizeof ".conf", "%.*s.conf", (int)stem, path);
    return companion;
}

static const char *mode_name(cci_mode mode)
{
    return mode == CCI_MODE_CREATE ? "create" : mode == CCI_MODE_UPDATE ? "update" : "upsert";
}

static const char *delimiter_name(char delimiter)
{
    return delimiter == '\t' ? "TAB" : delimiter == ';' ? ";" : delimiter == '|' ? "|" : ",";
}

bool cci_config_write(const char *path, const cci_options *opts, bool own_file, const char *comment, char *err,
                      size_t errlen)
{
    cci_outfile out = {0};
    if (!cci_outfile_open(&out, path, err, errlen)) return false;
    FILE *f = out.file;
    bool ok = fprintf(f, "%s: %s\n", CCI_CONFIG_MARKER, comment) > 0;
    if (own_file && opts->app_id) ok = ok && fprintf(f, "app-id = %s\n", opts->app_id) > 0;
    if (own_file && opts->region) ok = ok && fprintf(f, "region = %s\n", opts->region) > 0;
    if (own_file && opts->base_url) ok = ok && fprintf(f, "base-url = %s\n", opts->base_url) > 0;
    if (own_file && opts->runs_dir) ok = ok && fprintf(f, "runs-dir = %s\n", opts->runs_dir) > 0;
    for (size_t i = 0; i < opts->map_count; i++)
        ok = ok && fprintf(f, "map = %.*s=%s\n", (int)opts->maps[i].column_len, opts->maps[i].column,
                           opts->maps[i].field) > 0;
    ok = ok && fprintf(f, "mode = %s\n", mode_name(opts->mode)) > 0;
    if (opts->workers != CCI_DEFAULT_WORKERS) ok = ok && fprintf(f, "workers = %u\n", opts->workers) > 0;
    if (opts->keep_runs != CCI_DEFAULT_KEEP_RUNS) ok = ok && fprintf(f, "keep-runs = %u\n", opts->keep_runs) > 0;
    if (opts->data_import_off) ok = ok && fprintf(f, "data-import = off\n") > 0;
    if (opts->date_order) ok = ok && fprintf(f, "date-order = %s\n", opts->date_order == CCI_DATE_ORDER_DMY ? "dmy" : "mdy") > 0;
    if (opts->timezone) ok = ok && fprintf(f, "timezone = %s\n", opts->timezone) > 0;
    if (opts->rate_per_minute) ok = ok && fprintf(f, "rate = %u/min\n", opts->rate_per_minute) > 0;
    if (opts->delimiter) ok = ok && fprintf(f, "delimiter = %s\n", delimiter_name(opts->delimiter)) > 0;
    if (opts->encoding) ok = ok && fprintf(f, "encoding = %s\n", opts->encoding) > 0;
    if (opts->rejects_encoding) ok = ok && fprintf(f, "rejects-encoding = %s\n", opts->rejects_encoding) > 0;
    cci_outfile_check(&out, ok);
    return cci_outfile_commit(&out, false, NULL, 0, err, errlen);
}
