/* Names beside the input (its run folders, tool_runs.h; the report an earlier version wrote there)
 * and the app's journal.
 * Thread-safety: pure functions. */
#ifndef CCI_TOOL_PATHS_H
#define CCI_TOOL_PATHS_H

#include <stdbool.h>
#include <stddef.h>

/* input with its extension replaced by suffix ("users.csv", ".report.csv" -> "users.report.csv");
 * standard input ("-") is named "stdin". malloc'd; NULL when out of memory. */
char *tool_path_beside_input(const char *input, const char *suffix);

/* The journal beside the report, as it was before the journal belonged to the app:
 * "users.report.csv" -> "users.state", "out.csv" -> "out.state". Still read, when it exists.
 * malloc'd; NULL when out of memory. */
char *tool_path_of_state(const char *report_path);

/* The app's journal, shared by every file imported into it: STATE_HOME/cometchat-import/APP.REGION.journal
 * (or HASH.journal for a base URL, cci_journal_target), where STATE_HOME is $XDG_STATE_HOME, or
 * $HOME/.local/state. A journal an earlier version named by the hash is renamed. The folders are created (0700). malloc'd; NULL when there is
 * no home or a folder cannot be made (err then says why). Reads the environment. */
char *tool_path_of_app_state(const char *base_url, const char *app_id, const char *region, char *err, size_t errlen);

/* The files of a run, as the check before it sees them; NULL: none. */
typedef struct tool_run_files {
    const char *input; /* "-": standard input, compared when it is a file */
    const char *report, *rejects, *state, *summary_json;
    const char *companion; /* the settings kept beside the rejects file */
} tool_run_files;

/* Whether two of a run's files are one, however spelled or linked: the input, the outputs and
 * their PATH.partial, the journal's PATH.lock and the rejects' settings file. True, with a
 * sentence in why naming both, when writing one would overwrite the other (or the input). */
bool tool_files_collide(const tool_run_files *files, char *why, size_t len);

#endif
