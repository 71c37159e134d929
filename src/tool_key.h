/* The API key: from COMETCHAT_API_KEY or --api-key-file, never from the command line.
 * Thread-safety: reads the environment: call before other threads start. */
#ifndef CCI_TOOL_KEY_H
#define CCI_TOOL_KEY_H

#include <stddef.h>

#include <stdbool.h>

/* No core dump may hold the key: the core size limit goes to 0 and the process is made not
 * dumpable (which also keeps other users' debuggers out). Call before the key is read. */
bool tool_keep_key_out_of_core_dumps(char *err, size_t errlen);

/* key_file NULL: the environment. Returns a malloc'd key, trimmed, or NULL with a reason in err
 * that never holds the key. warning is "" or a sentence to show: the key file can be read by
 * other users. Wipe the key (tool_forget_api_key) when done. */
char *tool_read_api_key(const char *key_file, char *warning, size_t warnlen, char *err, size_t errlen);

/* Overwrites and frees the key; NULL is fine. */
void tool_forget_api_key(char *key);

#endif
