#include "target/verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/util/outfile.h"
#include "plan/plan.h"
#include "cci/output/report.h"
#include "rules/user.h"

typedef enum { VERDICT_REPAIRED, VERDICT_DIFFERS, VERDICT_FAILED } verdict;

static const char *verdict_name(verdict v)
{
    return v == VERDICT_REPAIRED ? "repaired" : v == VERDICT_DIFFERS ? "differs" : "failed";
}

/* A row the app held otherwise when read back. */
typedef struct differing {
    cci_outcome repair; /* line, uid, and the repair's answer (its message: why it failed) */
    char *changes;      /* what differed at first: "name, tags", or "absent" */
    char *still;        /* what differed after the repair, when it did */
    verdict verdict;
} differing;

typedef struct verification {
    const cci_verify_setup *setup;
    cci_verify_result *result;
    differing *rows; /* in line order */
    size_t count, capacity;
    bool out_of_memory;
} verification;

/* ---- reading the app and the file ---- */

/* Reads the whole listing, with the metadata when metadata.KEY columns merge into it. */
static cci_status read_back(verification *v, cci_listing *listing, char *err, size_t errlen)
{
    const cci_verify_setup *setup = v->setup;
    *listing = (cci_listing){0};
    cci_listing_wants wants = {.metadata = setup->merges,
                               .keep_metadata = setup->merges ? setup->keep_metadata : NULL,
                               .keep_context = setup->keep_context};
    cci_listing_status status = cci_listing_read(listing, setup->shared, setup->worker, 0, wants, setup->progress,
                                                 setup->context, err, errlen);
    v->result->pages += listing->pages;
    /* err says why already */
    return status == CCI_LISTING_READ      ? CCI_OK
           : status == CCI_LISTING_REFUSED ? CCI_REFUSED
                                           : CCI_NETWORK;
}

/* Called with each valid row the planner settled or wants sent; false stops the pass. */
typedef bool (*row_fn)(verification *v, cci_planned_row *row, bool differs);

static const differing *differing_at(const verification *v, unsigned long line)
{
    size_t low = 0, high = v->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (v->rows[mid].repair.line == line) return &v->rows[mid];
        if (v->rows[mid].repair.line < line) low = mid + 1;
        else high = mid;
    }
    return NULL;
}

/* One reading: the file opened (before anything is sent: a file gone since the run costs no
 * request), the app read back, and every row planned against it as a run would, the valid ones
 * shown to visit: all of them, or (only_differing) those that differed before. */
static cci_status compare_with_app(verification *v, bool only_differing, row_fn visit, char *err, size_t errlen)
{
    const cci_verify_setup *setup = v->setup;
    cci_input input = {0};
    cci_record header, record;
    cci_mapping mapping = {0};
    cci_listing listing = {0};
    cci_status status = cci_input_open(&input, setup->spec, err, errlen);
    if (status == CCI_OK) status = cci_input_header(&input, setup->spec, &header, &mapping, err, errlen);
    if (status == CCI_OK) status = read_back(v, &listing, err, errlen);
    if (status != CCI_OK) {
        cci_mapping_cleanup(&mapping); /* safe on one never built */
        cci_input_close(&input);
        return status;
    }
    cci_planner planner;
    /* the journal as the run found it: which fields the imports had set, so emptied cells are
     * expected cleared */
    if (!cci_planner_init(&planner, &mapping, setup->mode, false, false, setup->journal))
        status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    planner.file_uids = setup->file_uids;
    planner.app = listing.app;
    planner.app_proven = listing.proven; /* unproven: a row it did not show is taken as the journal says */
    planner.app_metadata = listing.metadata;
    cci_read_status read = CCI_READ_END;
    while (status == CCI_OK && (read = cci_input_next(&input, &record)) == CCI_READ_RECORD) {
        if (cci_record_is_empty(&record) || (only_differing && !differing_at(v, record.line))) continue;
        cci_planned_row row;
        bool differs = cci_plan_row(&planner, &record, NULL, &row);
        /* invalid, repeated, deactivated, left alone by --mode: the run's report said so already;
         * a user an unproven read-back did not show is not compared: nothing is known of it */
        bool compared = !row.unlisted && (differs || row.outcome.action == CCI_ACTION_UNCHANGED);
        /* visit stops for want of memory or for the run's stop */
        if (compared && !visit(v, &row, differs && !row.unseen))
            status = v->out_of_memory ? cci_fail(CCI_NOMEM, err, errlen, "out of memory while comparing the rows")
                                      : cci_fail(CCI_STOPPED, err, errlen, "the run stopped");
        cci_planned_row_cleanup(&row);
    }
    if (status == CCI_OK && read == CCI_READ_ERROR) {
        status = cci_input_describe_error(&input, setup->spec, err, errlen);
    }
    cci_planner_cleanup(&planner);
    cci_listing_cleanup(&listing);
    cci_mapping_cleanup(&mapping);
    cci_input_close(&input);
    return status;
}

/* ---- the first reading: find and repair ---- */

static char *copy_or_flag(verification *v, const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy) v->out_of_memory = true;
    return copy;
}

static bool repair(verification *v, cci_planned_row *row, bool differs)
{
    const cci_verify_setup *setup = v->setup;
    v->result->compared++;
    if (!differs) return true;
    v->result->differed++;
    if (v->count == v->capacity) {
        size_t capacity = v->capacity ? v->capacity * 2 : 64;
        differing *grown = realloc(v->rows, capacity * sizeof *grown);
        if (!grown) {
            v->out_of_memory = true;
            return false;
        }
        v->rows = grown;
        v->capacity = capacity;
    }
    differing *d = &v->rows[v->count++];
    *d = (differing){.repair = {.line = row->outcome.line},
                     .changes = copy_or_flag(v, row->absent ? "absent" : row->changes)};
    snprintf(d->repair.uid, sizeof d->repair.uid, "%s", row->outcome.uid);
    cci_send_request request = {.uid = row->outcome.uid, .create_body = row->create_body,
                                .update_body = row->update_body, .fingerprint = row->journal_record,
                                .known = row->known, .absent = row->absent, .changes = row->changes};
    const char *confirmed = cci_send_row(setup->shared, setup->worker, &request, &d->repair);
    bool sent = d->repair.action == CCI_ACTION_CREATED || d->repair.action == CCI_ACTION_UPDATED;
    d->verdict = sent ? VERDICT_REPAIRED : VERDICT_FAILED;
    if (sent && confirmed && setup->journal) cci_journal_append(setup->journal, d->repair.uid, confirmed);
    return !v->out_of_memory && !cci_stop_requested(setup->shared->stop);
}

/* ---- the second reading: what the repairs left ---- */

static bool confirm(verification *v, cci_planned_row *row, bool differs)
{
    differing *d = (differing *)differing_at(v, row->outcome.line);
    if (!d || d->verdict != VERDICT_REPAIRED || !differs) return true;
    d->verdict = VERDICT_DIFFERS;
    d->still = copy_or_flag(v, row->absent ? "absent" : row->changes);
    return !v->out_of_memory;
}

/* ---- the verify file ---- */

static bool write_verdict(cci_report *report, differing *d)
{
    bool absent = strcmp(d->changes, "absent") == 0;
    char message[1024];
    if (d->verdict == VERDICT_REPAIRED)
        snprintf(message, sizeof message, "%s %s; repaired: the app now holds the row",
                 absent ? "was" : "differed in", d->changes);
    else if (d->verdict == VERDICT_DIFFERS)
        snprintf(message, sizeof message, "differed in %s; still differs after one repair: %s (the service answered "
                 "the update and did not keep it, or someone changes this user meanwhile)", d->changes, d->still);
    else
        snprintf(message, sizeof message, "%s %s; the repair failed: %s", absent ? "was" : "differed in", d->changes,
                 cci_outcome_text(&d->repair));
    cci_outcome_say(&d->repair, message);
    return cci_report_write_as(report, &d->repair, verdict_name(d->verdict));
}

static cci_status write_verdicts(const verification *v, char *err, size_t errlen)
{
    cci_report *report;
    cci_status status = cci_report_open(&report, v->setup->path, err, errlen);
    if (status != CCI_OK) return status;
    for (size_t i = 0; i < v->count; i++)
        if (!write_verdict(report, &v->rows[i])) break;
    char kept[1024];
    return cci_report_close(report, kept, sizeof kept, err, errlen); /* says the write error */
}

static void count_verdicts(const verification *v)
{
    for (size_t i = 0; i < v->count; i++) {
        if (v->rows[i].verdict == VERDICT_REPAIRED) v->result->repaired++;
        else v->result->remain++;
    }
}

cci_status cci_verify(const cci_verify_setup *setup, cci_verify_result *result, char *err, size_t errlen)
{
    *result = (cci_verify_result){0};
    verification v = {.setup = setup, .result = result};
    cci_status status = compare_with_app(&v, false, repair, err, errlen);
    bool repaired_some = false;
    for (size_t i = 0; i < v.count; i++) repaired_some |= v.rows[i].verdict == VERDICT_REPAIRED;
    /* a repair's 200 is the service's word; only a second reading shows it kept the change */
    if (status == CCI_OK && repaired_some) status = compare_with_app(&v, true, confirm, err, errlen);
    if (v.out_of_memory) status = cci_fail(CCI_NOMEM, err, errlen, "out of memory while comparing the rows");
    if (cci_stop_requested(setup->shared->stop) && status == CCI_OK)
        status = cci_fail(CCI_STOPPED, err, errlen, "the run stopped");
    count_verdicts(&v);
    char why[1024];
    cci_status written = write_verdicts(&v, why, sizeof why);
    if (written != CCI_OK && status == CCI_OK) status = cci_fail(written, err, errlen, "%s", why);
    for (size_t i = 0; i < v.count; i++) {
        free(v.rows[i].repair.message);
        free(v.rows[i].changes);
        free(v.rows[i].still);
    }
    free(v.rows);
    return status;
}
