/* realpath */
#define _XOPEN_SOURCE 700
#include "tool_runs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool_paths.h"

enum { STAMP_LEN = sizeof "2026-11-22T10-15-03Z" - 1, MOST_IN_ONE_SECOND = 1000 };

/* The files a run writes into its folder: only these are ever removed. */
static const char *const RUN_FILES[] = {"report.csv", "rejects.csv", "rejects.xlsx", "rejects.conf",
                                        "summary.json", "absent.csv", "verify.csv"}; /* pruned.csv keeps its folder */

static char *joined(const char *a, const char *b)
{
    size_t len = strlen(a) + 1 + strlen(b) + 1;
    char *path = malloc(len);
    if (path) snprintf(path, len, "%s/%s", a, b);
    return path;
}

static bool ends_with(const char *text, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(text + len - n, suffix, n) == 0;
}

bool tool_run_name_parse(const char *name, unsigned long *number)
{
    static const char pattern[] = "dddd-dd-ddTdd-dd-ddZ"; /* d: a digit; anything else: itself */
    for (size_t i = 0; i < STAMP_LEN; i++)
        if (pattern[i] == 'd' ? name[i] < '0' || name[i] > '9' : name[i] != pattern[i]) return false;
    *number = 1;
    if (name[STAMP_LEN] == '\0') return true;
    const char *digits = name + STAMP_LEN + 1;
    if (name[STAMP_LEN] != '-' || *digits < '1' || *digits > '9' || strlen(digits) > 9) return false;
    char *end;
    *number = strtoul(digits, &end, 10);
    return *end == '\0' && *number >= 2;
}

int tool_run_name_compare(const char *a, const char *b)
{
    unsigned long na = 0, nb = 0;
    int by_stamp = strncmp(a, b, STAMP_LEN);
    if (by_stamp) return by_stamp;
    tool_run_name_parse(a, &na);
    tool_run_name_parse(b, &nb);
    return (na > nb) - (na < nb);
}

/* The .runs folder a folder of the input is a run of: "users.runs/latest" -> "users.runs";
 * NULL when it is none. */
static char *runs_holding(const char *folder)
{
    const char *slash = strrchr(folder, '/');
    if (!slash || slash == folder) return NULL;
    unsigned long number;
    if (strcmp(slash + 1, TOOL_RUNS_LATEST) != 0 && !tool_run_name_parse(slash + 1, &number)) return NULL;
    char *parent = strndup(folder, (size_t)(slash - folder));
    const char *base = parent ? strrchr(parent, '/') : NULL;
    base = base ? base + 1 : parent;
    if (parent && strlen(base) > strlen(".runs") && ends_with(base, strlen(base), ".runs")) return parent;
    free(parent);
    return NULL;
}

/* The folder a file is in, as written ("." for none); malloc'd. */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? strdup("/") : slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
}

char *tool_runs_of_input(const char *input, const char *runs_dir)
{
    if (strcmp(input, "-") == 0) return runs_dir ? joined(runs_dir, "stdin.runs") : strdup("stdin.runs");
    char *folder = folder_of(input);
    char *runs = folder ? runs_holding(folder) : NULL;
    if (folder && !runs) { /* "rejects.csv" from inside the run folder: by the folder's real path */
        char *real = realpath(folder, NULL);
        if (real) runs = runs_holding(real);
        free(real);
    }
    free(folder);
    if (!runs_dir) return runs ? runs : tool_path_beside_input(input, ".runs");
    /* in DIR, by the name of the runs it would have joined, or of the input */
    const char *slash = strrchr(runs ? runs : input, '/');
    char *name = runs ? strdup(slash ? slash + 1 : runs) : tool_path_beside_input(slash ? slash + 1 : input, ".runs");
    free(runs);
    runs = name ? joined(runs_dir, name) : NULL;
    free(name);
    return runs;
}

void tool_run_folder_cleanup(tool_run_folder *folder)
{
    if (folder->runs && folder->runs_fd >= 0) close(folder->runs_fd);
    free(folder->runs);
    free(folder->path);
    free(folder->name);
    *folder = (tool_run_folder){0};
}

/* The way out when the runs cannot be where they are asked for. */
#define ELSEWHERE "; choose a folder of your own with --runs-dir DIR"

/* Opens INPUT.runs, made (0700) when missing, never through a link, into folder->runs_fd; a
 * folder of the person's own, made private when an earlier version left it open. */
static bool open_runs(tool_run_folder *folder, const char *runs_dir, char *err, size_t errlen)
{
    if (runs_dir && mkdir(runs_dir, 0700) != 0 && errno != EEXIST) { /* the folder named, not its parents */
        snprintf(err, errlen, "cannot create the --runs-dir folder %s: %s", runs_dir, strerror(errno));
        return false;
    }
    char *parent = folder_of(folder->runs);
    const char *slash = strrchr(folder->runs, '/'), *name = slash ? slash + 1 : folder->runs;
    /* the folder the runs are in is the person's, as they named it; from there, nothing is followed */
    int at = parent ? open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (at < 0) {
        snprintf(err, errlen, "cannot open the folder %s: %s" ELSEWHERE, parent ? parent : "?",
                 parent ? strerror(errno) : "out of memory");
        free(parent);
        return false;
    }
    free(parent);
    folder->made_runs = mkdirat(at, name, 0700) == 0;
    int made_errno = errno;
    folder->runs_fd = folder->made_runs || made_errno == EEXIST
                          ? openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    int open_errno = errno;
    struct stat seen;
    bool is_link = folder->runs_fd < 0 && fstatat(at, name, &seen, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(seen.st_mode);
    close(at);
    struct stat st;
    if (!folder->made_runs && made_errno != EEXIST)
        snprintf(err, errlen, "cannot create %s: %s" ELSEWHERE, folder->runs, strerror(made_errno));
    else if (folder->runs_fd < 0 && (open_errno == ELOOP || open_errno == ENOTDIR))
        snprintf(err, errlen, "%s is %s: cometchat-import writes its runs only into a real folder of its own, so "
                              "nothing lands where a link points: remove it, or choose another folder with --runs-dir DIR",
                 folder->runs, is_link ? "a symbolic link" : "not a folder");
    else if (folder->runs_fd < 0)
        snprintf(err, errlen, "cannot open %s: %s" ELSEWHERE, folder->runs, strerror(open_errno));
    else if (fstat(folder->runs_fd, &st) != 0)
        snprintf(err, errlen, "cannot read %s: %s" ELSEWHERE, folder->runs, strerror(errno));
    else if (st.st_uid != geteuid())
        snprintf(err, errlen, "%s belongs to user %lu, not to you: someone else could change what the runs "
                              "write" ELSEWHERE, folder->runs, (unsigned long)st.st_uid);
    else if ((st.st_mode & 077) && fchmod(folder->runs_fd, st.st_mode & 0700) != 0)
        snprintf(err, errlen, "cannot make %s private to you: %s" ELSEWHERE, folder->runs, strerror(errno));
    else
        return true;
    return false;
}

bool tool_run_folder_make(tool_run_folder *folder, const char *input, const char *runs_dir, time_t now, char *err,
                         size_t errlen)
{
    *folder = (tool_run_folder){.runs = tool_runs_of_input(input, runs_dir), .runs_fd = -1};
    if (!folder->runs) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (!open_runs(folder, runs_dir, err, errlen)) {
        if (folder->made_runs) rmdir(folder->runs);
        tool_run_folder_cleanup(folder);
        return false;
    }
    struct tm utc;
    char stamp[32], name[48];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%SZ", gmtime_r(&now, &utc));
    /* after the last name of this second that exists: a name freed by --keep-runs is never taken
     * again, or a newer run would sort before an older one of the same second */
    unsigned long last = 0;
    struct stat st;
    for (unsigned long n = 1; n <= MOST_IN_ONE_SECOND; n++) {
        if (n == 1) snprintf(name, sizeof name, "%s", stamp);
        else snprintf(name, sizeof name, "%s-%lu", stamp, n);
        if (fstatat(folder->runs_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) last = n;
    }
    int made = -1;
    for (unsigned long n = last + 1; made != 0 && n <= MOST_IN_ONE_SECOND; n++) {
        if (n == 1) snprintf(name, sizeof name, "%s", stamp);
        else snprintf(name, sizeof name, "%s-%lu", stamp, n);
        made = mkdirat(folder->runs_fd, name, 0700); /* fails when another run has it: never shared */
        if (made != 0 && errno != EEXIST) break;
    }
    int made_errno = errno;
    if (made == 0 && (folder->name = strdup(name)) && (folder->path = joined(folder->runs, name))) return true;
    snprintf(err, errlen, "cannot create the run folder %s/%s: %s" ELSEWHERE, folder->runs, name,
             made == 0 ? "out of memory" : strerror(made_errno));
    if (made == 0) unlinkat(folder->runs_fd, name, AT_REMOVEDIR);
    if (folder->made_runs) rmdir(folder->runs);
    tool_run_folder_cleanup(folder);
    return false;
}

char *tool_run_folder_file(const tool_run_folder *folder, const char *name)
{
    return joined(folder->path, name);
}

void tool_run_folder_abandon(tool_run_folder *folder)
{
    /* fails, and keeps it, if anything is left in it */
    if (folder->name && folder->runs_fd >= 0) unlinkat(folder->runs_fd, folder->name, AT_REMOVEDIR);
    if (folder->made_runs) rmdir(folder->runs);
}

bool tool_run_folder_mark_latest(const tool_run_folder *folder, char *err, size_t errlen)
{
    char temporary[64];
    snprintf(temporary, sizeof temporary, ".%s-%ld", TOOL_RUNS_LATEST, (long)getpid());
    unlinkat(folder->runs_fd, temporary, 0); /* left by a killed run of this process id */
    /* a link made aside and renamed over the old: `latest` is never missing, never half made */
    if (symlinkat(folder->name, folder->runs_fd, temporary) == 0 &&
        renameat(folder->runs_fd, temporary, folder->runs_fd, TOOL_RUNS_LATEST) == 0)
        return true;
    snprintf(err, errlen, "cannot point %s/%s at %s: %s", folder->runs, TOOL_RUNS_LATEST, folder->name, strerror(errno));
    unlinkat(folder->runs_fd, temporary, 0);
    return false;
}

/* ---- pruning ---- */

static int newest_first(const void *a, const void *b)
{
    return tool_run_name_compare(*(char *const *)b, *(char *const *)a);
}

static bool later(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec != b->tv_sec ? a->tv_sec > b->tv_sec : a->tv_nsec > b->tv_nsec;
}

static bool is_run_file(const char *name)
{
    size_t len = strlen(name), partial = strlen(".partial");
    for (size_t i = 0; i < sizeof RUN_FILES / sizeof *RUN_FILES; i++) {
        size_t n = strlen(RUN_FILES[i]);
        if (strncmp(name, RUN_FILES[i], n) == 0 &&
            (len == n || (len == n + partial && strcmp(name + n, ".partial") == 0)))
            return true;
    }
    return false;
}

/* Whether the folder holds only what a run writes: anything else is someone's, and keeps it. */
static bool holds_only_run_files(int run)
{
    int copy = dup(run);
    DIR *dir = copy >= 0 ? fdopendir(copy) : NULL;
    if (!dir) {
        if (copy >= 0) close(copy);
        return false;
    }
    bool only = true;
    for (struct dirent *entry; only && (entry = readdir(dir));)
        only = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0 || is_run_file(entry->d_name);
    closedir(dir);
    return only;
}

/* Whether the file name in run was written after summary (or there is no summary to say). */
static bool edited_since(int run, const char *name, const struct stat *summary)
{
    struct stat file;
    return fstatat(run, name, &file, AT_SYMLINK_NOFOLLOW) == 0 && (!summary || later(&file.st_mtim, &summary->st_mtim));
}

/* Why the run folder open at run must stay, or NULL. */
static const char *reason_to_keep(int run, const struct stat *input_folder)
{
    struct stat folder, summary, pruned;
    if (input_folder && fstat(run, &folder) == 0 && folder.st_dev == input_folder->st_dev &&
        folder.st_ino == input_folder->st_ino)
        return "it holds the file being imported";
    if (fstatat(run, "pruned.csv", &pruned, AT_SYMLINK_NOFOLLOW) == 0)
        return "its pruned.csv lists users --prune deactivated";
    /* summary.json is written after the rejects: a rejects file newer than it was edited since */
    bool summarised = fstatat(run, "summary.json", &summary, AT_SYMLINK_NOFOLLOW) == 0;
    if (edited_since(run, "rejects.csv", summarised ? &summary : NULL)) return "its rejects.csv was changed after the run";
    if (edited_since(run, "rejects.xlsx", summarised ? &summary : NULL)) return "its rejects.xlsx was changed after the run";
    if (!holds_only_run_files(run)) return "it holds files cometchat-import did not write";
    return NULL;
}

/* Removes the tool's files and the folder; false, keeping the folder, when anything else is in it. */
static bool remove_run(int runs, const char *name, int run)
{
    char partial[64];
    for (size_t i = 0; i < sizeof RUN_FILES / sizeof *RUN_FILES; i++) {
        snprintf(partial, sizeof partial, "%s.partial", RUN_FILES[i]);
        unlinkat(run, RUN_FILES[i], 0); /* unlinkat removes a symlink, never what it points at */
        unlinkat(run, partial, 0);
    }
    return unlinkat(runs, name, AT_REMOVEDIR) == 0;
}

/* The folder input is in, for comparing with the runs; false for standard input. */
static bool folder_of_input(const char *input, struct stat *st)
{
    if (!input || strcmp(input, "-") == 0) return false;
    char *folder = folder_of(input);
    bool ok = folder && stat(folder, st) == 0;
    free(folder);
    return ok;
}

/* The names of the run folders in runs (never a symlink to one), newest first; NULL when none. */
static char **list_runs(DIR *dir, size_t *count)
{
    char **names = NULL;
    size_t cap = 0;
    *count = 0;
    struct dirent *entry;
    unsigned long number;
    struct stat st;
    while ((entry = readdir(dir))) {
        if (!tool_run_name_parse(entry->d_name, &number) ||
            fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (*count == cap) {
            char **grown = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof *names);
            if (!grown) break;
            names = grown;
        }
        if (!(names[*count] = strdup(entry->d_name))) break;
        ++*count;
    }
    if (*count) qsort(names, *count, sizeof *names, newest_first);
    return names;
}

tool_runs_pruned tool_runs_prune(const char *runs, unsigned keep, const char *current, const char *input)
{
    tool_runs_pruned pruned = {0};
    DIR *dir = keep ? opendir(runs) : NULL;
    if (!dir) return pruned;
    struct stat input_folder;
    bool has_input = folder_of_input(input, &input_folder);
    size_t count;
    char **names = list_runs(dir, &count);
    for (size_t i = keep; i < count; i++) {
        if (current && strcmp(names[i], current) == 0) continue;
        int run = openat(dirfd(dir), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const char *why = run < 0 ? "it cannot be opened" : reason_to_keep(run, has_input ? &input_folder : NULL);
        if (!why && !remove_run(dirfd(dir), names[i], run)) why = "it could not be removed";
        if (run >= 0) close(run);
        if (why && !pruned.kept++)
            snprintf(pruned.kept_example, sizeof pruned.kept_example, "%s/%s: %s", runs, names[i], why);
        else if (!why)
            pruned.removed++;
    }
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    closedir(dir);
    return pruned;
}
