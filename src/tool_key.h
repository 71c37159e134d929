/* The API key: from COMETCHAT_API_KEY or --api-key-file, never from the command line.
 * Thread-safety: reads the environment: call before other threads start. */
#ifndef CCI_TOOL_KEY_H
#define CCI_TOOL_KEY_H

#include <stddef.h>

/* key_file NULL: the environment. Returns a malloc'd key, trimmed, or NULL with a reason in err
 * that never holds the key. Wipe it (cci_forget_api_key) when done. */
char *cci_read_api_key(const char *key_file, char *err, size_t errlen);

/* Overwrites and frees the key; NULL is fine. */
void cci_forget_api_key(char *key);

#endif
