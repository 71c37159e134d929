/* The settings files under the command line, and the target chosen from every source.
 * Thread-safety: main thread only, while the options are parsed. */
#ifndef CCI_TOOL_SETTINGS_H
#define CCI_TOOL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "tool_cli.h"

/* The settings files, lowest first, each applied over the one before: ./cometchat-import.conf
 * (unless config_path), the input's companion, the person's own file, then config_path (which
 * may not exist yet when config_may_be_new: --save-config makes it). */
tool_cli_result tool_settings_read(tool_options *opts, const char *config_path, bool config_may_be_new,
                                  const char *input, char *err, size_t errlen);

/* The target, from the command line (in opts now: the files' parts were kept aside), the
 * environment and the settings files, by precedence; false with the refusal in err when a file
 * that may not choose it would, and the run would send. */
bool tool_settings_choose_target(tool_options *opts, char *err, size_t errlen);

/* A file the tool wrote (pruned.csv, plan.absent.csv: uid,name; a report) is UTF-8 and
 * comma-separated whatever the settings say: their encoding and delimiter are skipped for it, and
 * that is noted (a typed --encoding or --delimiter still applies). Judged by the first line of a
 * regular file; anything else is left alone. */
void tool_settings_spare_the_tools_files(tool_options *opts);

#endif
