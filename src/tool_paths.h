/* Names beside the input (its run folders, tool_runs.h; the report an earlier version wrote there)
 * and the app's journal.
 * Thread-safety: pure functions. */
#ifndef CCI_TOOL_PATHS_H
#define CCI_TOOL_PATHS_H

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

#endif
