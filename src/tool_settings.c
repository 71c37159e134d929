/* The settings files under the command line: where each is looked for, whose it is, what each
 * may say (a file that travels with the data never chooses where the key goes), and the target
 * chosen from every source by precedence. */
#include "tool_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/output/report.h"

#include "tool_config.h"
#include "tool_options.h"

/* What a settings file's lines are applied to. */
typedef struct settings_reading {
    tool_options *opts;
    tool_settings_file *file;
} settings_reading;

/* The target's parts are kept aside with their lines (tool_trust_choose_target weighs them);
 * runs-dir and keep-runs, where personal data is written and which runs are removed, are taken
 * only from a file of the person's own. */
static bool keep_aside(settings_reading *reading, const char *name, const char *value, unsigned line)
{
    tool_target_source *target = &reading->file->target;
    if (strcmp(name, "base-url") == 0) {
        target->base_url = value;
        target->base_url_line = line;
    } else if (strcmp(name, "app-id") == 0) {
        target->app_id = value;
        target->app_id_line = line;
    } else if (strcmp(name, "region") == 0) {
        target->region = value;
        target->region_line = line;
    } else if ((strcmp(name, "runs-dir") == 0 || strcmp(name, "keep-runs") == 0) && reading->file->untrusted[0]) {
        char *note = reading->opts->settings_note;
        size_t used = strlen(note), len = sizeof reading->opts->settings_note;
        snprintf(note + used, len - used, "%s%s = %.100s (%s line %u) is ignored: %s %s, and only your own settings or "
                                          "the command line say where the runs are written and which are removed",
                 used ? "; " : "", name, value, reading->file->path, line, reading->file->path, reading->file->untrusted);
    } else {
        return false;
    }
    return true;
}

/* A tool_setting_fn over a settings_reading: the setting as its command-line option. */
static bool apply_setting(void *context, const char *name, const char *value, unsigned line, char *err,
                          size_t errlen)
{
    settings_reading *reading = context;
    const tool_option *option = tool_option_named(name);
    if (!option || option->setting == TOOL_SETTING_NO) {
        snprintf(err, errlen, "\"%s\" is not a setting; a settings file may hold %s", name, tool_option_settings_list());
        return false;
    }
    if (strcmp(name, "region") == 0 && !tool_cli_region_known(value)) {
        snprintf(err, errlen, "region must be us, eu or in");
        return false;
    }
    if (strcmp(name, "app-id") == 0 && !tool_trust_app_id_is_plain(value)) {
        snprintf(err, errlen, "app-id takes the app's ID as the dashboard shows it: letters, digits, - and _");
        return false;
    }
    if (keep_aside(reading, name, value, line)) return true;
    return tool_cli_apply(option->code, value, reading->opts, true, err, errlen) == TOOL_CLI_RUN;
}

/* Where each settings file is looked for, and why a travelling one may not choose the target. */
static bool locate_settings(tool_options *opts, const char *config_path, const char *input)
{
    tool_settings_file *files = opts->settings;
    files[TOOL_SETTINGS_WORKING].path = config_path ? NULL : strdup(TOOL_CONFIG_DEFAULT_PATH);
    snprintf(files[TOOL_SETTINGS_WORKING].untrusted, sizeof files->untrusted,
             "is a settings file of the working folder (it may have come with the data)");
    files[TOOL_SETTINGS_COMPANION].path = tool_config_companion(input); /* NULL for standard input */
    snprintf(files[TOOL_SETTINGS_COMPANION].untrusted, sizeof files->untrusted,
             "travels with %s (it may have come with the data)", input);
    files[TOOL_SETTINGS_OWN].path = tool_config_own_path(); /* NULL without a home */
    files[TOOL_SETTINGS_CONFIG].path = config_path ? strdup(config_path) : NULL;
    return (config_path || files[TOOL_SETTINGS_WORKING].path) && (!config_path || files[TOOL_SETTINGS_CONFIG].path) &&
           (strcmp(input, "-") == 0 || files[TOOL_SETTINGS_COMPANION].path);
}

/* The settings files, lowest first, each applied over the one before. */
tool_cli_result tool_settings_read(tool_options *opts, const char *config_path, bool config_may_be_new,
                                    const char *input, char *err, size_t errlen)
{
    if (!locate_settings(opts, config_path, input)) {
        snprintf(err, errlen, "out of memory");
        return TOOL_CLI_ERROR;
    }
    for (int i = 0; i < TOOL_SETTINGS_FILES; i++) {
        tool_settings_file *file = &opts->settings[i];
        if (!file->path) continue;
        struct stat st;
        char why[256];
        bool must_exist = i == TOOL_SETTINGS_CONFIG && !config_may_be_new; /* --save-config makes it */
        if (!tool_config_load(file->path, must_exist, i == TOOL_SETTINGS_COMPANION, &file->text, &st, err, errlen))
            return TOOL_CLI_ERROR;
        if (!file->text && i == TOOL_SETTINGS_COMPANION && lstat(file->path, &st) == 0) {
            /* there, but not the tool's: said, so a hand-written companion is not thought read */
            size_t used = strlen(opts->settings_note), len = sizeof opts->settings_note;
            snprintf(opts->settings_note + used, len - used, "%s%s was not written by cometchat-import, so it is not "
                                                             "read (give --config %s to read it)",
                     used ? "; " : "", file->path, file->path);
        }
        if (!file->text) continue;
        bool own = i == TOOL_SETTINGS_OWN || i == TOOL_SETTINGS_CONFIG;
        if (own && !tool_trust_file_is_own(&st, file->path, why, sizeof why))
            snprintf(file->untrusted, sizeof file->untrusted, "is not only yours: %s", why);
        file->target = (tool_target_source){.kind = TOOL_SOURCE_FILE, .path = file->path,
                                           .untrusted = file->untrusted[0] ? file->untrusted : NULL};
        settings_reading reading = {.opts = opts, .file = file};
        if (!tool_config_apply(file->path, file->text, apply_setting, &reading, err, errlen)) return TOOL_CLI_ERROR;
    }
    return TOOL_CLI_RUN;
}

/* A COMETCHAT_* variable; an empty one is unset. */
static const char *environment(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* The target, from the command line (in opts now: the files' parts were kept aside), the
 * environment and the settings files, by precedence; false with the refusal in err when a file
 * that may not choose it would, and the run would send. */
bool tool_settings_choose_target(tool_options *opts, char *err, size_t errlen)
{
    tool_target_source sources[2 + TOOL_SETTINGS_FILES] = {
        {.kind = TOOL_SOURCE_COMMAND_LINE, .base_url = opts->base_url, .app_id = opts->app_id, .region = opts->region},
        {.kind = TOOL_SOURCE_ENVIRONMENT, .base_url = environment("COMETCHAT_BASE_URL"),
         .app_id = environment("COMETCHAT_APP_ID"), .region = environment("COMETCHAT_REGION")}};
    size_t count = 2;
    for (int i = TOOL_SETTINGS_FILES - 1; i >= 0; i--)
        if (opts->settings[i].text) sources[count++] = opts->settings[i].target;
    tool_target_choice choice;
    tool_trust_choose_target(sources, count, opts->trust_settings, &choice);
    opts->base_url = choice.base_url;
    opts->app_id = choice.app_id;
    opts->region = choice.region;
    bool sends = !opts->dry_run || opts->plan;
    if (choice.refusal[0] && sends) snprintf(err, errlen, "%s", choice.refusal);
    else if (choice.refusal[0]) /* a dry run sends nothing: it goes on, and says what a real run would do */
        snprintf(opts->target_conflict, sizeof opts->target_conflict, "a run that sends would stop here: %.700s",
                 choice.refusal);
    else
        snprintf(opts->target_conflict, sizeof opts->target_conflict, "%s", choice.conflict);
    return !(choice.refusal[0] && sends);
}

enum { HEAD_CHECKED = 64 * 1024 };

/* Whether text is UTF-8 (iconv from UTF-8 refuses what is not; a character cut at the end is fine). */
static bool reads_as_utf8(char *text, size_t len)
{
    iconv_t check = iconv_open("UTF-8", "UTF-8");
    if (check == (iconv_t)-1) return false;
    char out[4096];
    bool valid = true;
    while (len) {
        char *o = out;
        size_t room = sizeof out;
        if (iconv(check, &text, &len, &o, &room) != (size_t)-1) break; /* all of it */
        if (errno == E2BIG) continue;                                   /* out is full: on */
        valid = errno == EINVAL;                                        /* EILSEQ: not UTF-8 */
        break;
    }
    iconv_close(check);
    return valid;
}

/* Whether path is a regular file whose first line is one the tool writes, in UTF-8 as the tool
 * writes: "uid,name" is also the plainest export a person makes, and theirs may be windows-1252. */
static bool written_by_the_tool(const char *path)
{
    int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return false;
    struct stat st;
    char *head = malloc(HEAD_CHECKED + 1);
    ssize_t got = head && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, head, HEAD_CHECKED) : -1;
    close(fd);
    bool ours = false;
    if (got > 0) {
        head[got] = '\0';
        char *line = strncmp(head, "\xEF\xBB\xBF", 3) == 0 ? head + 3 : head;
        ours = cci_report_is_tools_header(line, strcspn(line, "\r\n")) && reads_as_utf8(head, (size_t)got);
    }
    free(head);
    return ours;
}

void tool_settings_spare_the_tools_files(tool_options *opts)
{
    bool encoding = opts->encoding && opts->encoding_from_settings;
    bool delimiter = opts->delimiter && opts->delimiter_from_settings;
    if ((!encoding && !delimiter) || !written_by_the_tool(opts->input)) return;
    if (encoding) opts->encoding = NULL;
    if (delimiter) opts->delimiter = 0;
    char *note = opts->settings_note;
    size_t used = strlen(note), len = sizeof opts->settings_note;
    snprintf(note + used, len - used, "%sthe settings' %s %s skipped: %s has the columns the tool writes, so it is read "
                                      "as the tool wrote it (UTF-8, comma-separated)", used ? "; " : "",
             encoding && delimiter ? "encoding and delimiter" : encoding ? "encoding" : "delimiter",
             encoding && delimiter ? "are" : "is", opts->input);
}
