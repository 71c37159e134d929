/* Deciding a row before anything is sent: invalid, a repeated uid, unchanged since the journal's
 * last word on it, what a dry run would send, or to be sent (with its bodies and fingerprint).
 * Thread-safety: a planner is used by one thread (the reader); it reads the journal, whose
 * lookups are safe while workers append. */
#ifndef CCI_PLAN_H
#define CCI_PLAN_H

#include <stdbool.h>

#include "state/app_users.h"
#include "cci/read/csv_reader.h"
#include "rules/damage.h"
#include "cci/util/fingerprint.h"
#include "cci/state/journal.h"
#include "cci/rules/mapping.h"
#include "cci/util/mode.h"
#include "cci/util/outcome.h"
#include "cci/output/report.h"
#include "rules/body_text.h"
#include "state/uid_lines.h"
#include "util/strmap.h"

/* What a plan that reads the file once (a dry run's) learns as it goes, where a run learns it from
 * the preflight first: each uid's first line, and how the uids are padded. A row repeats a uid
 * only after its first line, so the one pass knows that in time; the padding it knows only at the
 * end, so the rows are planned without it, and afterwards cci_one_pass_unsettled says whether the
 * whole file's padding would have called one of them an id that lost its zeros. */
typedef struct cci_one_pass {
    cci_uid_lines first_lines; /* of every readable uid, as the preflight's census notes them */
    cci_padding padding;       /* of the same uids */
    size_t shortest_digits;    /* the shortest all-digit uid of a row planned valid; 0: none */
} cci_one_pass;

/* Notes a row planned valid with uid, for cci_one_pass_unsettled. */
void cci_one_pass_note_valid(cci_one_pass *pass, const char *uid);
/* True when the rows planned in one pass may not be what the whole file shows (read it twice). */
bool cci_one_pass_unsettled(const cci_one_pass *pass);
void cci_one_pass_cleanup(cci_one_pass *pass);

typedef struct cci_planner {
    const cci_mapping *mapping; /* read-only */
    cci_mode mode;
    bool dry_run;
    bool force;           /* send even what the journal says is unchanged */
    cci_journal *journal; /* read here; NULL when there is none */
    cci_strmap *uids;     /* every uid planned so far, to the line that gave it first; owned;
                           * unused when file_uids is given */
    /* what the app holds, when it was read (NULL: it was not, and the journal alone decides) */
    const cci_app_users *app;
    bool app_proven; /* the listing proved who the app holds: a uid it did not show is absent; else
                      * unknown, and its row is planned as the journal says (cci/listing.h) */
    const cci_strmap *app_metadata; /* uid -> listed metadata, for merging; NULL: no merge */
    const cci_uid_set *file_uids;   /* the file's uids from the preflight, sealed; NULL: none */
    bool plan;                      /* --plan: say what a run would do, from the app */
    bool reactivate;                /* --reactivate: deactivated users in the file are brought back */
    const cci_padding *padding;     /* how the file pads numeric uids (the preflight's); NULL: unknown */
    cci_one_pass *one_pass;         /* the file is read once, learned here as it goes (file_uids and
                                     * padding unset); NULL: not (set by cci_planner_read_once) */
    cci_body_shape *shape;          /* a dry run's bodies written from the cells; NULL: built; owned */
    char *scratch;                  /* where they are written, scratch_cap bytes; owned */
    size_t scratch_cap;
    char before[64];                /* what a dry run's message says before a body it would send first */
    size_t before_len;
} cci_planner;

/* A row as planned: its outcome so far, and what sending it takes. */
typedef struct cci_planned_row {
    cci_outcome outcome;
    cci_saved_row *saved; /* the original cells, for the rejects file; NULL for a dry run's good rows */
    char *create_body;    /* both bodies are set for a row to send */
    char *update_body;
    char fingerprint[CCI_FINGERPRINT_LEN + 1];
    char *journal_record; /* what the journal records once the app holds the row: the fingerprint
                           * and the fields the imports set (cci/clears.h) */
    bool known;       /* the journal or the app says the uid exists in this target */
    bool absent;      /* the app's listing proves the uid is not there: create, no guessing */
    bool unlisted;    /* an unproven listing did not show the uid: nothing is known of it */
    bool reactivated; /* the user was reactivated for this row: its success says so */
    bool confirm;     /* settled unsent, proven equal by the app: the journal may record it */
    bool unseen;      /* equal in every field the app shows, but one it hides ("@private") may differ */
    char *changes;    /* the fields that differ ("name, tags"), for the report; NULL: none known */
    long long created_at;     /* createdAt and lastActiveAt in Unix seconds; 0: not given. Only a */
    long long last_active_at; /* Data Import create keeps them (cci/data_import.h) */
    long long listed_created_at; /* the createdAt the app's listing showed for the uid; 0: none */
    bool new_user;        /* to be created, and the Data Import channel may take it (set by the run) */
    unsigned batches;     /* Data Import requests that carried it */
} cci_planned_row;

/* False when out of memory. The app fields are set after init, when the app was read. */
bool cci_planner_init(cci_planner *planner, const cci_mapping *mapping, cci_mode mode, bool dry_run,
                      bool force, cci_journal *journal);
void cci_planner_cleanup(cci_planner *planner);

/* The file is read once (a dry run of a file): what the preflight would know is learned in pass
 * as the rows come (cci_one_pass). A dry run of creates that reads no app writes its valid rows'
 * bodies straight from their cells (rules/body_text.h). */
void cci_planner_read_once(cci_planner *planner, cci_one_pass *pass);

/* plan_written.c: plans a dry run's row from its cells alone when it is plainly valid, new to the
 * file and to the journal; false when it must be planned as usual (its uid's line may be noted
 * already, which changes nothing: a uid keeps its first line). */
bool cci_plan_written(cci_planner *planner, const cci_record *record, cci_planned_row *row);

/* What cci_plan_written does with the cells alone, done ahead, in another thread (the
 * read-ahead's: cci_read_ahead_work): the row's uid and its body, written, or that it was declined.
 * cci_plan_prepare_bound says how many bytes cci_plan_prepare may write at out; both only read
 * the planner (its shape and the message's start, set before any row and unchanged while rows
 * are read), so another thread may call them while the planner plans. Only for a planner with a
 * shape (planner->shape). */
size_t cci_plan_prepare_bound(const void *planner, const cci_record *record);
size_t cci_plan_prepare(const void *planner, const cci_record *record, void *out);
/* cci_plan_written for record, from what cci_plan_prepare wrote for it. */
bool cci_plan_take_prepared(cci_planner *planner, const cci_record *record, const void *prepared,
                            cci_planned_row *row);

/* Fetches into the cache what taking the prepared row will need (its uid's slot in the table of
 * first lines), some rows before it is taken: the table is larger than the caches. */
void cci_plan_prefetch_prepared(const cci_planner *planner, const void *prepared);

/* Plans record into row (zeroed first). True when the row must be sent; false when its outcome
 * is settled here: invalid, unchanged, a dry run's `skipped` with what it would send, or `failed`
 * when memory ran out (never sent half-built). prepared: what cci_plan_prepare wrote for record,
 * or NULL (then planned from the cells here). */
bool cci_plan_row(cci_planner *planner, const cci_record *record, const void *prepared, cci_planned_row *row);

/* The dates the row has, as a message names them: "createdAt", "lastActiveAt" or "createdAt and
 * lastActiveAt"; NULL when it has none. */
const char *cci_planned_row_dates(const cci_planned_row *row);

/* Frees what the row owns (message, cells, bodies); the row itself is the caller's. */
void cci_planned_row_cleanup(cci_planned_row *row);

#endif
