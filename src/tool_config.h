/* Remembered settings: a text file of "name = value" lines ('#' starts a comment; a name is a long
 * option of the command line without its dashes, "map" may repeat), read before the command line
 * so that the command line wins. Read from the person's own file (TOOL_CONFIG_OWN_NAME in their
 * config folder), --config PATH or else ./cometchat-import.conf, and the input's companion (INPUT
 * with .conf for .csv, .xlsx, .ods or .xls: rejects.conf beside a run folder's rejects.csv or
 * rejects.xlsx), which a run writes beside
 * its rejects file so that feeding that file back reads it as the master was read. Never holds the
 * API key; only a file of the person's own holds where requests and outputs go (tool_trust.h).
 * Thread-safety: used by the main thread only, before any other starts. */
#ifndef CCI_TOOL_CONFIG_H
#define CCI_TOOL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "tool_cli.h"

#define TOOL_CONFIG_DEFAULT_PATH "cometchat-import.conf"
/* The first line of every file this tool writes: a companion without it is someone else's file. */
#define TOOL_CONFIG_MARKER "# cometchat-import"
/* The person's own settings, in $XDG_CONFIG_HOME (or ~/.config). */
#define TOOL_CONFIG_OWN_NAME "cometchat-import/config"


/* Called for each setting; false stops the reading, with err set. line: its line number. */
typedef bool (*tool_setting_fn)(void *context, const char *name, const char *value, unsigned line, char *err,
                               size_t errlen);

/* Reads path whole into *text (malloc'd; NUL-terminated) and the status of the file read into *st.
 * A missing file is no error unless must_exist (*text is then NULL); with only_ours, neither is a
 * file that does not start with TOOL_CONFIG_MARKER (left unread, *text NULL). False with a reason
 * naming the path in err. */
bool tool_config_load(const char *path, bool must_exist, bool only_ours, char **text, struct stat *st, char *err,
                     size_t errlen);

/* Shows each setting of text (cut into lines in place: the values point into it) to apply. False
 * with a reason naming the path and the line in err. */
bool tool_config_apply(const char *path, char *text, tool_setting_fn apply, void *context, char *err, size_t errlen);

/* $XDG_CONFIG_HOME/TOOL_CONFIG_OWN_NAME, or ~/.config/...; malloc'd; NULL without either or when
 * out of memory. Reads the environment. */
char *tool_config_own_path(void);

/* The companion of an input or rejects file: PATH with ".csv" replaced by ".conf" (or ".conf"
 * added). malloc'd; NULL when out of memory or for standard input. */
char *tool_config_companion(const char *path);

/* Writes the settings of opts worth remembering (mappings, mode, workers, rate, delimiter,
 * encodings; the target and --runs-dir only into an own_file, never the key) to path, whole or not
 * at all, private to its owner (0600), its first line TOOL_CONFIG_MARKER and comment. */
bool tool_config_write(const char *path, const tool_options *opts, bool own_file, const char *comment, char *err,
                      size_t errlen);

#endif
