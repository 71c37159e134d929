/* The library's entry point: one import, end to end. It reads the CSV (a preflight pass over a
 * file, then the import pass), validates every row, sends the valid ones through a pool of
 * workers, and writes the report, the rejects and the journal in input order. It knows no
 * command line, no terminal and no exit codes: a configuration comes in, callbacks say what
 * happens, and a result comes back.
 *
 * Thread-safety: call cci_import from one thread; it starts and joins its own workers. The
 * callbacks are called from that thread only, except where said. */
#ifndef CCI_IMPORT_H
#define CCI_IMPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cci/read/csv_reader.h"
#include "cci/rules/dates.h"
#include "cci/rules/mapping.h"
#include "cci/util/mode.h"
#include "cci/util/outcome.h"
#include "cci/send/ratelimit.h"
#include "cci/util/stop.h"
#include "cci/target/verify_result.h"

typedef enum {
    CCI_MESSAGE_NOTE,    /* worth saying unless asked to be quiet (a warning, a kept file) */
    CCI_MESSAGE_PROBLEM, /* always worth saying: why the run could not start or stopped */
} cci_message_kind;

/* What a progress display may read while rows are sent. */
typedef struct cci_progress_source {
    const atomic_ulong *counts; /* CCI_ACTION_COUNT counters of rows reported; atomics */
    const atomic_ulong *finished; /* rows finished in any order, ahead of the report's order: the
                                   * pace of the work; atomic; NULL: the counts' sum */
    long total;                 /* rows expected, or -1 when unknown (standard input) */
    cci_limiter *limiter;       /* thread-safe; says what the run waits for; may be NULL */
} cci_progress_source;

typedef struct cci_import_callbacks {
    void *context; /* passed to every callback */
    /* One sentence, without a trailing newline. May be NULL. Called from the thread that called
     * cci_import, and once from the Data Import thread while rows are sent (its refusal): it must
     * be safe to call from another thread (stdio's FILE lock is enough). */
    void (*message)(void *context, cci_message_kind kind, const char *text);
    /* Rows are about to be read and sent: source stays valid until sending_ended. May be NULL. */
    void (*sending_started)(void *context, const cci_progress_source *source);
    void (*sending_ended)(void *context);
} cci_import_callbacks;

typedef struct cci_import_config {
    const char *input;        /* a path, or "-" for standard input */
    const char *report_path;  /* the report and the rejects: required, but for a dry run (NULL: none) */
    const char *rejects_path;
    const char *state_path;
    const char *earlier_state_path; /* also read, for uids state_path does not know; may be NULL */
    const char *encoding;         /* NULL: UTF-8, or UTF-16 by byte order mark */
    const char *sheet;            /* a workbook's sheet, by name or number; NULL: the first visible */
    unsigned long header_row;     /* the sheet's row with the header (rows above are skipped); 0: the first */
    const char *rejects_encoding; /* NULL: the input's */
    char delimiter;               /* 0: detect from the header line */
    const cci_column_map *maps;   /* --map overrides, borrowed */
    size_t max_record_bytes;      /* what one record may cost; 0: the defaults (cci/csv_reader.h) */
    size_t max_columns;
    size_t map_count;
    /* the target: base_url, or app_id and region */
    const char *base_url;
    const char *app_id;
    const char *region;
    const char *api_key; /* NULL for a dry run */
    bool direct;         /* never through a proxy (cci_client_go_direct): plain http:// to this machine */
    cci_mode mode;
    bool dry_run;
    bool force;               /* send rows the journal says are unchanged */
    bool plan;                /* read the app and say what a run would do; nothing is written */
    bool reactivate;          /* reactivate the deactivated users the file names */
    bool prune;               /* deactivate the app's active users the file leaves out */
    long prune_max;           /* the most --prune may deactivate; -1: a tenth of the active users */
    bool verify;              /* read the app back after the run, repair what differs once */
    unsigned long limit;      /* --limit: send at most this many rows (a canary run); 0: all */
    bool trust_journal;       /* read the app only when the rows the journal does not know pay for it;
                               * else it is read whenever it costs fewer pages than the file has rows,
                               * so a rerun repairs users deleted or deactivated behind its back */
    const char *verify_path;  /* --verify's rows that differed when read back */
    const char *absent_path;  /* --plan's list of active users the file leaves out; NULL: only counted */
    const char *pruned_path;  /* --prune's list of the users it deactivated */
    unsigned workers;
    bool data_import_off;     /* --data-import off: new users are created one at a time */
    cci_date_rules date_rules; /* how createdAt and lastActiveAt cells are read */
    unsigned rate_per_minute; /* 0: learn from the service's headers */
    unsigned timeout_ms;      /* per request */
    unsigned max_wait_ms;     /* the longest single pause for a rate limit */
    unsigned retries;         /* per row, after the first attempt */
    size_t problems_kept;     /* how many problems the result lists (the report has them all) */
    uint64_t random_seed;     /* for the backoff's jitter */
    cci_stop *stop;           /* required: an interruption from outside stops the run through it */
    cci_import_callbacks callbacks;
} cci_import_config;

enum { CCI_DRY_RUN_SAMPLES = 3 };

typedef struct cci_import_result {
    bool started;          /* false: nothing was sent, and a message said why */
    bool input_broke;      /* the input stopped reading mid-way (malformed quoting, a bad byte) */
    bool stopped;          /* stopped early: a fatal answer, or an interruption */
    char stop_reason[512]; /* why, when stopped */
    bool write_failed;     /* the report or the rejects could not be written whole */
    bool journal_failed;   /* the journal could not be written whole */
    bool app_read;         /* the app's users were listed, and the rows planned against them */
    bool target_proven;    /* a request answered with the key: the key, app and region are right */
    bool target_unanswered; /* the run stopped before the target answered its first request */
    char app_unproven[320]; /* "" when the listing proved who the app holds; else why not (cci/listing.h) */
    bool prune_failed;     /* --prune was asked for and did not finish */
    bool verified;         /* --verify read the app back and compared every row */
    bool verify_failed;    /* --verify was asked for and did not finish */
    cci_verify_result verify;
    unsigned long listed_pages, absent, pruned, reactivated_in_bulk;
    unsigned long dates_not_set;    /* dated rows that updated an existing user: its dates stay the app's */
    unsigned long held_back;        /* rows that needed sending, past --limit: not attempted */
    unsigned long counts[CCI_ACTION_COUNT];
    unsigned long rows, empty_rows, rejected;
    unsigned long requests[CCI_BUDGET_COUNT];
    unsigned long data_import_created; /* users created through Data Import */
    char data_import_refused[600];     /* why the endpoint was given up, "" when it was not */
    unsigned long retries, rate_limited;
    uint64_t paused_ms;
    bool journal_used;        /* false for a dry run */
    unsigned long known_before; /* users of this target the journal knew before the run */
    unsigned long journal_damaged; /* its torn or damaged lines, skipped (their rows are sent again) */
    cci_dialect dialect;        /* how the input was written */
    char **problems;            /* "line N: what" of the first invalid or failed rows; owned */
    size_t problem_count;
    char *samples[CCI_DRY_RUN_SAMPLES]; /* what a dry run would send, for the first rows; owned */
    size_t sample_count;
} cci_import_result;

/* Runs the import. result is filled whether it started or not; release it with
 * cci_import_result_cleanup. */
void cci_import(const cci_import_config *config, cci_import_result *result);
void cci_import_result_cleanup(cci_import_result *result);

#endif
