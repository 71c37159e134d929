/* Who may choose where the API key goes (docs/design.md, "Which inputs are trusted").
 *
 * The target (--base-url, or --app-id with --region) may be named by the command line, the
 * environment, the person's own settings files and files that travel with the data (a settings
 * file of the working folder, an input's companion). Only what the person typed, set in their own
 * environment or keeps in a file only they can change may choose it; a travelling file that would
 * choose it stops the run until the person confirms it (--trust-settings). And http:// goes only to
 * this machine, judged by the address the URL names, never by a name someone else resolves.
 * Thread-safety: pure functions, but for tool_trust_file_is_own, which reads the file system. */
#ifndef CCI_TOOL_TRUST_H
#define CCI_TOOL_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

typedef enum { TOOL_SOURCE_COMMAND_LINE, TOOL_SOURCE_ENVIRONMENT, TOOL_SOURCE_FILE } tool_source_kind;

/* What one source says of the target. Strings are borrowed. */
typedef struct tool_target_source {
    tool_source_kind kind;
    const char *path;      /* a file's, as the messages name it */
    const char *untrusted; /* NULL: it may choose the target; else why not ("it travels with the input") */
    const char *base_url, *app_id, *region; /* NULL where it says nothing */
    unsigned base_url_line, app_id_line, region_line; /* a file's lines */
} tool_target_source;

typedef struct tool_target_choice {
    const char *base_url, *app_id, *region; /* the target; all NULL when no source names one */
    char refusal[1024]; /* "": the target may be used; else one line: why nothing may be sent */
    char conflict[768]; /* "": no source was overruled; else one line: the target, and what was ignored */
} tool_target_choice;

/* Chooses the target from sources, highest precedence first. The first source naming any part of
 * it decides its kind: its base URL, or else an app whose ID and region come from the first
 * sources naming each (so an app ID typed and a region in the environment make one target). A
 * part taken from an untrusted source is refused unless confirmed. Every part a source names that
 * the target does not use, with another value, is said in conflict. */
void tool_trust_choose_target(const tool_target_source *sources, size_t count, bool confirmed,
                             tool_target_choice *choice);

/* Whether host, as libcurl's URL API gives it (IPv4 numbers normalised, IPv6 in brackets), is this
 * machine: "localhost" exactly, or an address in 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
bool tool_trust_is_loopback_host(const char *host);

/* An https:// URL, or http:// to this machine, or http:// anywhere when insecure_http. *loopback
 * is set for a URL to this machine: requests to it must not go through a proxy, which could be
 * another machine. False with a one-line reason in err. */
bool tool_trust_check_base_url(const char *url, bool insecure_http, bool *loopback, char *err, size_t errlen);

/* Whether an app ID can only name an app: letters, digits, '-' and '_' (it becomes part of a host
 * name, https://APP_ID.api-REGION.cometchat.io, where '@', '/', ':' or '#' would move the host). */
bool tool_trust_app_id_is_plain(const char *app_id);

/* Whether the settings file open as st (at path) is the person's own: a regular file owned by them
 * (or root), that neither group nor others may write, whose real path (links resolved) is the file
 * read, under folders none of which lets anyone else replace it (each owned by them or root,
 * writable by no one else unless sticky), as ssh checks its config. Else false, with why ("its
 * group may change it") in why. */
bool tool_trust_file_is_own(const struct stat *st, const char *path, char *why, size_t whylen);

#endif
