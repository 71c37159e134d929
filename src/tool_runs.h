/* Run folders: the outputs of one run live together, in INPUT.runs/STAMP/ (report.csv,
 * rejects.csv, summary.json, ...), so that no run renames a file of an earlier one, a file the
 * person may be fixing. INPUT.runs/latest points at the newest whole run, and old runs are removed
 * past a count (--keep-runs), except those that hold something a person may still need.
 *
 * STAMP is the UTC time the run began, 2026-11-22T10-15-03Z (no colons: the name must be valid on
 * every file system a spreadsheet user meets), with -2, -3, ... when runs begin in one second.
 * Thread-safety: used from the main thread only; reads the clock only through its callers. */
#ifndef CCI_TOOL_RUNS_H
#define CCI_TOOL_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TOOL_RUNS_LATEST "latest"

/* The folder holding the runs of input: "dir/users.csv" -> "dir/users.runs", "-" -> "stdin.runs".
 * An input that lies in a run folder (users.runs/latest/rejects.csv, fed back) keeps its runs in
 * that same users.runs, so a fix-and-rerun loop has one history. With runs_dir (--runs-dir), that
 * name in it: "RUNS_DIR/users.runs". malloc'd; NULL when out of memory. */
char *tool_runs_of_input(const char *input, const char *runs_dir);

/* Whether name is a run folder's name, and its order: runs compare by their stamp, then by the
 * number after it. The order of a name that is no stamp is undefined. */
bool tool_run_name_parse(const char *name, unsigned long *number);
int tool_run_name_compare(const char *a, const char *b);

typedef struct tool_run_folder {
    char *runs;     /* INPUT.runs */
    int runs_fd;    /* INPUT.runs, open: `latest` is made in it, whatever its path comes to name */
    char *path;     /* INPUT.runs/STAMP */
    char *name;     /* STAMP */
    bool made_runs; /* this run created INPUT.runs */
} tool_run_folder;

/* Creates a fresh folder for a run of input begun at now (mkdir: a folder another run made in the
 * same second is never shared), private to its owner (0700), in INPUT.runs (tool_runs_of_input),
 * which is made 0700 too, or made private when an earlier version left it open to others. No link
 * is followed on the way: INPUT.runs must be a real folder of the person's own, found from the
 * folder it is in, and the run's folder is made in it (mkdirat, openat with O_NOFOLLOW). False
 * with a reason naming the path, and a way out, in err. */
bool tool_run_folder_make(tool_run_folder *folder, const char *input, const char *runs_dir, time_t now, char *err,
                         size_t errlen);

/* folder/name, malloc'd; NULL when out of memory. */
char *tool_run_folder_file(const tool_run_folder *folder, const char *name);

/* For a run that never started: removes its folder, empty by now, and INPUT.runs when this run
 * made it and it is empty, so that such a run leaves nothing. */
void tool_run_folder_abandon(tool_run_folder *folder);

/* Points INPUT.runs/latest at this run (a symlink, replaced atomically). False with a reason. */
bool tool_run_folder_mark_latest(const tool_run_folder *folder, char *err, size_t errlen);

typedef struct tool_runs_pruned {
    unsigned long removed;  /* run folders removed */
    unsigned long kept;     /* past the count, but kept: see tool_runs_prune */
    char kept_example[256]; /* one of those, with why, for the note; "" when none */
} tool_runs_pruned;

/* Removes the oldest runs in runs past the newest keep (0: keep all). A run is kept however old
 * when it is `current`, when it holds input (a rejects file being fed back), when its rejects.csv
 * was changed after the run ended (someone is fixing it), when it holds pruned.csv (the list of
 * deactivated users, the way back), or when it holds a file the tool did not write. Only the
 * tool's own file names are removed, never through a symlink. */
tool_runs_pruned tool_runs_prune(const char *runs, unsigned keep, const char *current, const char *input);

void tool_run_folder_cleanup(tool_run_folder *folder);

#endif
