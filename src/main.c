/* cometchat-import: a thin main over the core library. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/cli.h"
#include "cci/import.h"
#include "cci/mapping.h"

int main(int argc, char **argv)
{
    cci_options opts;
    char err[512];
    cci_cli_result parsed = cci_cli_parse(argc, argv, &opts, err, sizeof err);
    if (parsed != CCI_CLI_RUN) {
        if (parsed == CCI_CLI_ERROR) fprintf(stderr, "cometchat-import: %s\n", err);
        else if (opts.show_help) fputs(cci_cli_usage(), stdout);
        else if (opts.show_template) printf("%s\n", cci_mapping_template());
        else printf("cometchat-import %s\n", CCI_VERSION);
        cci_options_cleanup(&opts);
        return parsed == CCI_CLI_ERROR ? CCI_EXIT_USAGE : CCI_EXIT_OK;
    }
    char *api_key = NULL;
    if (!opts.dry_run && !(api_key = cci_read_api_key(&opts, err, sizeof err))) {
        fprintf(stderr, "cometchat-import: %s\n", err);
        cci_options_cleanup(&opts);
        return CCI_EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN); /* a closed connection is an error to handle, not a reason to die */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int status = cci_import_run(&opts, api_key, stderr);
    curl_global_cleanup();
    if (api_key) {
        memset(api_key, 0, strlen(api_key));
        free(api_key);
    }
    cci_options_cleanup(&opts);
    return status;
}
