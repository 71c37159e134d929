/* cometchat-import: a thin main over the tool and the core library. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cci/rules/mapping.h"
#include "tool_cli.h"
#include "tool_key.h"
#include "tool_run.h"
#include "tool_summary.h"

/* --help, --version or --template; false when standard output did not take it all (a full disk,
 * /dev/full): a template cut short must not look written. */
static bool print_asked(const tool_options *opts)
{
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is a write error to report, not a reason to die */
    if (opts->show_help) fputs(tool_cli_usage(), stdout);
    else if (opts->show_template) printf("%s\n", cci_mapping_template());
    else printf("cometchat-import %s\n", CCI_VERSION);
    if (fflush(stdout) == 0 && !ferror(stdout)) return true;
    fprintf(stderr, "cometchat-import: cannot write to standard output: %s\n", strerror(errno ? errno : EIO));
    return false;
}

int main(int argc, char **argv)
{
    tool_options opts;
    char err[1024];
    tool_cli_result parsed = tool_cli_parse(argc, argv, &opts, err, sizeof err);
    if (parsed != TOOL_CLI_RUN) {
        if (parsed == TOOL_CLI_ERROR) fprintf(stderr, "cometchat-import: %s\n", err);
        bool printed = parsed == TOOL_CLI_EXIT && print_asked(&opts);
        tool_options_cleanup(&opts);
        return printed ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
    }
    char *api_key = NULL, warning[1024];
    if ((!opts.dry_run || opts.plan) && (!tool_keep_key_out_of_core_dumps(err, sizeof err) ||
                          !(api_key = tool_read_api_key(opts.api_key_file, warning, sizeof warning, err, sizeof err)))) {
        fprintf(stderr, "cometchat-import: %s\n", err);
        tool_options_cleanup(&opts);
        return TOOL_EXIT_USAGE;
    }
    if (api_key && warning[0]) fprintf(stderr, "cometchat-import: %s\n", warning);
    if (opts.insecure_http && opts.base_url && strncasecmp(opts.base_url, "http:", 5) == 0)
        fprintf(stderr, "cometchat-import: warning: --insecure-http: the API key travels unencrypted to %s\n",
                opts.base_url);
    signal(SIGPIPE, SIG_IGN); /* a closed connection is an error to handle, not a reason to die */
    signal(SIGXFSZ, SIG_IGN); /* a file size limit is a write error to report, not a reason to die */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status = tool_run(&opts, api_key, stderr);
    curl_global_cleanup();
    tool_forget_api_key(api_key);
    tool_options_cleanup(&opts);
    return status;
}
