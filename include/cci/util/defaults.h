/* Every default a person can change, in one place: the library's bounds, the tool's options and
 * its --help all take them from here. */
#ifndef CCI_DEFAULTS_H
#define CCI_DEFAULTS_H

enum {
    CCI_DEFAULT_WORKERS = 8,          /* --workers */
    CCI_MAX_WORKERS = 256,
    CCI_DEFAULT_TIMEOUT_MS = 30000,   /* --timeout: each request */
    CCI_DEFAULT_RETRIES = 5,          /* --retries: a row's, after its first attempt */
    CCI_DEFAULT_MAX_WAIT_MS = 300000, /* --max-wait: the longest single pause for a rate limit */
    CCI_DEFAULT_KEEP_RUNS = 20,       /* --keep-runs: run folders kept beside the input */
    CCI_DEFAULT_MAX_COLUMNS = 1000,   /* --max-columns: what one record may hold... */
    CCI_DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024, /* ... and cost (--max-record-size) */
};

#endif
