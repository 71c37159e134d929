#include "tool_paths.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/state/journal.h"
#include "cci/util/outfile.h"

/* The length of path without its extension (a dot after the last slash, not leading the name). */
static size_t stem_length(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash + 1) ? (size_t)(dot - path) : strlen(path);
}

static char *joined(const char *stem, size_t stem_len, const char *suffix)
{
    size_t len = stem_len + strlen(suffix) + 1;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%.*s%s", (int)stem_len, stem, suffix);
    return path;
}

char *tool_path_beside_input(const char *input, const char *suffix)
{
    const char *base = strcmp(input, "-") == 0 ? "stdin" : input;
    return joined(base, stem_length(base), suffix);
}

char *tool_path_of_state(const char *report_path)
{
    size_t len = strlen(report_path), suffix = strlen(".report.csv");
    bool report_named = len >= suffix && strcmp(report_path + len - suffix, ".report.csv") == 0;
    return joined(report_path, report_named ? len - suffix : stem_length(report_path), ".state");
}

/* mkdir, where it is missing; the journal says which users an app holds: for its owner only. The
 * tool's own folder (ours) is made private when an earlier version left it open to others. */
static bool make_folder(const char *path, bool ours, char *err, size_t errlen)
{
    if (mkdir(path, 0700) == 0) return true;
    struct stat st;
    if (errno == EEXIST) {
        if (ours && stat(path, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 077))
            chmod(path, st.st_mode & 0700);
        return true;
    }
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return false;
}

char *tool_path_of_app_state(const char *base_url, const char *app_id, const char *region, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    bool from_home = !(xdg && xdg[0] == '/'); /* the spec: a relative XDG_STATE_HOME is ignored */
    char *state_home = !from_home ? joined(xdg, strlen(xdg), "")
                       : home && home[0] ? joined(home, strlen(home), "/.local/state")
                                         : NULL;
    if (!state_home) {
        snprintf(err, errlen, "neither XDG_STATE_HOME nor HOME is set");
        return NULL;
    }
    char target[17];
    cci_journal_target(base_url, app_id, region, target);
    char *folder = joined(state_home, strlen(state_home), "/cometchat-import");
    /* named by the app where there is one (its ID is letters, digits, - and _); a hash for a base URL */
    char name[300], hashed[32];
    snprintf(hashed, sizeof hashed, "/%s.journal", target);
    if (base_url || !app_id || !region) snprintf(name, sizeof name, "%s", hashed);
    else snprintf(name, sizeof name, "/%.200s.%.8s.journal", app_id, region);
    char *path = folder ? joined(folder, strlen(folder), name) : NULL;
    bool ok = path != NULL;
    if (!ok) snprintf(err, errlen, "out of memory");
    if (ok && from_home) { /* $HOME/.local and $HOME/.local/state may be missing too */
        char *local = joined(home, strlen(home), "/.local");
        ok = local && make_folder(local, false, err, errlen);
        free(local);
    }
    ok = ok && make_folder(state_home, false, err, errlen) && make_folder(folder, true, err, errlen);
    char *earlier = ok && strcmp(name, hashed) != 0 ? joined(folder, strlen(folder), hashed) : NULL;
    struct stat st;
    if (earlier && stat(path, &st) != 0 && stat(earlier, &st) == 0) rename(earlier, path); /* an earlier version's name */
    free(earlier);
    free(state_home);
    free(folder);
    if (ok) return path;
    free(path);
    return NULL;
}

/* Standard input, when it is a regular file, against each file: the input redirected from one of
 * the outputs (`< users.csv --report users.csv`) would be overwritten while it is read. */
static const char *stdin_is_one_of(const cci_run_file *files, size_t n)
{
    struct stat in, st;
    if (fstat(STDIN_FILENO, &in) != 0 || !S_ISREG(in.st_mode)) return NULL;
    char path[4096];
    for (size_t i = 0; i < n; i++)
        if (files[i].path && snprintf(path, sizeof path, "%s%s", files[i].path, files[i].suffix) < (int)sizeof path &&
            stat(path, &st) == 0 && st.st_dev == in.st_dev && st.st_ino == in.st_ino)
            return files[i].name;
    return NULL;
}

bool tool_files_collide(const tool_run_files *run, char *why, size_t len)
{
    const cci_run_file files[] = {
        {"the input", strcmp(run->input, "-") == 0 ? NULL : run->input, "", 0},
        {"--report", run->report, "", 1},
        {"--report's partial file", run->report, ".partial", 1},
        {"--rejects", run->rejects, "", 2},
        {"--rejects's partial file", run->rejects, ".partial", 2},
        {"the settings kept beside --rejects", run->companion, "", 3},
        {"--state", run->state, "", 4},
        {"--state's lock", run->state, ".lock", 4},
        {"--summary-json", run->summary_json, "", 5},
        {"--summary-json's partial file", run->summary_json, ".partial", 5},
    };
    size_t n = sizeof files / sizeof *files;
    const char *redirected = strcmp(run->input, "-") == 0 ? stdin_is_one_of(files, n) : NULL;
    if (redirected) {
        snprintf(why, len, "the input (standard input) is the file of %s: it would be overwritten while it is read; "
                           "choose another path", redirected);
        return true;
    }
    return cci_files_collide(files, n, why, len);
}
