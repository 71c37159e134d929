/* cometchat-import: a thin main over the core library. */
#include <stdio.h>

#include "cci/cli.h"

int main(int argc, char **argv)
{
    cci_options opts;
    char err[512];
    cci_cli_result parsed = cci_cli_parse(argc, argv, &opts, err, sizeof err);
    int status = 0;
    if (parsed == CCI_CLI_ERROR) {
        fprintf(stderr, "cometchat-import: %s\n", err);
        status = 2;
    } else if (parsed == CCI_CLI_EXIT) {
        if (opts.show_help) fputs(cci_cli_usage(), stdout);
        else printf("cometchat-import %s\n", CCI_VERSION);
    } else {
        fprintf(stderr, "cometchat-import: importing is not implemented yet\n");
        status = 2;
    }
    cci_options_cleanup(&opts);
    return status;
}
