/* Remembered settings: a text file of "name = value" lines ('#' starts a comment; a name is a long
 * option of the command line without its dashes, "map" may repeat), read before the command line
 * so that the command line wins. Read from --config PATH or ./cometchat-import.conf, and from the
 * input's companion (INPUT with .conf for .csv: rejects.conf beside a run folder's rejects.csv), which
 * a run writes beside its rejects file so that feeding that file back reads it as the master was
 * read. Never holds the API key.
 * Thread-safety: used by the main thread only, before any other starts. */
#ifndef CCI_TOOL_CONFIG_H
#define CCI_TOOL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "tool_cli.h"

#define CCI_CONFIG_DEFAULT_PATH "cometchat-import.conf"
/* The first line of every file this tool writes: a companion without it is someone else's file. */
#define CCI_CONFIG_MARKER "# cometchat-import"


/* Called for each setting; false stops the reading, with err set. line: its line number. */
typedef bool (*cci_setting_fn)(void *context, const char *name, const char *value, unsigned line, char *err,
                               size_t errlen);

/* Reads path into *text (owned by the caller: the values point into it) and shows each setting to
 * apply. A missing file is no error unless must_exist; with only_ours, neither is a file that does
 * not start with CCI_CONFIG_MARKER (it is left unread, *text NULL). False with a reason naming the
 * path and the line in err. */
bool cci_config_read(const char *path, bool must_exist, bool only_ours, char **text, cci_setting_fn apply,
                     void *context, char *err, size_t errlen);

/* The companion of an input or rejects file: PATH with ".csv" replaced by ".conf" (or ".conf"
 * added). malloc'd; NULL when out of memory or for standard input. */
char *cci_config_companion(const char *path);

/* Writes the settings of opts worth remembering (target, mappings, mode, workers, rate, delimiter,
 * encodings; never the key) to path, whole or not at all, its first line CCI_CONFIG_MARKER and
 * comment. */
bool cci_config_write(const char *path, const cci_options *opts, const char *comment, char *err, size_t errlen);

#endif
