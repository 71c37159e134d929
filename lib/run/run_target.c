/* The app around the rows: reading it (or proving the target with one request), what --plan,
 * --reactivate and --prune do before the rows, and --prune and --verify after them. */
#include "run_parts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the target around the rows ---- */

/* The reader's waits while it reads the app: the progress line is not up yet, so they are said. */
static void on_listing_wait(void *context, uint64_t wait_ms, const char *why)
{
    run_say(context, CCI_MESSAGE_NOTE, "reading the app's users: %s; the next request in %.0f s", why,
        (double)wait_ms / 1000.0 + 0.5);
}

static void on_listing_progress(void *context, unsigned long pages, size_t users)
{
    ((run *)context)->target_answered = true; /* a page was taken: the key, app and region answered */
    if (pages % 50 == 0) run_say(context, CCI_MESSAGE_NOTE, "reading the app's users: %lu pages, %zu users so far", pages, users);
}

/* Whether the rows' metadata.KEY columns merge into the metadata the app holds (a create-only
 * run touches no existing user). */
static bool merges_metadata(const run *r)
{
    return cci_mapping_merges_metadata(&r->mapping) && r->config->mode != CCI_MODE_CREATE;
}

/* Why the options that need the app's users cannot do without them. */
static const char *needs_listing(const cci_import_config *config)
{
    return config->plan         ? "--plan"
           : config->prune      ? "--prune"
           : config->reactivate ? "--reactivate"
           : config->verify     ? "--verify" /* the app is the truth: drift is planned as an update */
                                : NULL;
}

/* Reads the app when that pays (more rows the journal does not know than pages to read) or when
 * an option needs it. False when the run cannot go on; a listing that cannot be had otherwise
 * leaves the journal to decide, said once. */
/* The first request of a run that sends, and its retries, got no answer at all: the target is
 * not proven and every row would meet the same silence, so the run stops, once, naming the host
 * (exit 3). last: the last error. */
static void give_up_unheard(run *r, cci_import_result *result, const char *last)
{
    result->target_unanswered = true;
    char message[1536];
    snprintf(message, sizeof message, "CometChat is unreachable at %s: the first request and its retries got no "
                                      "answer; the last: %s. Check the host, the network and any proxy",
             cci_client_base(r->lister.client), last);
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, message);
}

/* The first request and its retries were answered, but never as CometChat answers (5xx, a proxy's
 * or a captive portal's page, a path that is not CometChat's API): the target is not proven, and
 * the run stops before any row, once (exit 3). last: the last answer. */
static void give_up_unproven(run *r, cci_import_result *result, const char *last)
{
    result->target_unanswered = true;
    char message[1536];
    snprintf(message, sizeof message, "CometChat did not answer the first request as CometChat does: %s; nothing was "
                                      "sent. Is %s the app's API, with no proxy or captive portal in the way? Run "
                                      "again when it answers", last, cci_client_base(r->lister.client));
    cci_stop_request(r->config->stop, CCI_STOP_FATAL, message);
}

bool run_read_the_app(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    const char *needed_by = needs_listing(config);
    bool merges = merges_metadata(r);
    if (config->dry_run && !config->plan) return true;
    if (!r->census.uids.sealed) {
        if (!needed_by) return true;
        run_say(r, CCI_MESSAGE_PROBLEM, "%s needs a file it can read twice (not standard input or a pipe); nothing was sent",
            needed_by);
        return false;
    }
    /* by default the app is read whenever it costs fewer pages than the file has rows: a rerun
     * then sees users deleted or deactivated behind its back, and the key proves itself even when
     * nothing needs sending. --trust-journal reads it only when it pays: a row whose uid the
     * journal knows is sent as an update anyway, so for the others (a blind upsert guesses), and
     * for metadata.KEY columns, which need it to merge */
    unsigned long unknown = r->census.uids.count - r->census.journal_knows;
    bool pays = config->trust_journal ? unknown > 0 && r->census.to_send /* uids an invalid row holds are never sent */
                                      : r->census.uids.count > 0;
    merges = merges && r->census.to_send;
    if (!needed_by && !merges && !pays) return true;
    char err[1024];
    r->lister.random = config->random_seed ^ 0x5DEECE66DULL;
    r->lister.waiting = on_listing_wait;
    r->lister.waiting_context = r;
    if (!(r->lister.client = run_connect_to_target(r))) return false;
    run_say(r, CCI_MESSAGE_NOTE, "reading the app's users to plan the run (one request for every 1,000 users)");
    unsigned long most_pages = needed_by || merges ? 0 : config->trust_journal ? unknown : r->census.uids.count;
    cci_listing_wants wants = {.names = config->plan || config->prune || config->reactivate, .metadata = merges};
    if (merges && r->census.keys.usable) { /* only the users whose keys differ need theirs kept */
        wants.keep_metadata = cci_census_keep_metadata;
        wants.keep_context = &r->census;
    }
    cci_listing_status status = cci_listing_read(&r->listing, &r->shared, &r->lister, most_pages, wants,
                                                 on_listing_progress, r, err, sizeof err);
    r->lister.waiting = NULL; /* later waits happen under the progress line, which says them */
    if (status == CCI_LISTING_READ) {
        cci_app_counts counts = cci_app_users_counts(r->listing.app);
        r->app_read = result->app_read = true;
        result->listed_pages = r->listing.pages;
        snprintf(result->app_unproven, sizeof result->app_unproven, "%s", r->listing.unproven);
        if (r->listing.proven)
            run_say(r, CCI_MESSAGE_NOTE, "the app holds %zu active and %zu deactivated user%s (%lu page%s read)",
                counts.active, counts.deactivated, cci_plural(counts.deactivated), r->listing.pages,
                cci_plural(r->listing.pages));
        else
            run_say(r, CCI_MESSAGE_NOTE, "the app showed %zu active and %zu deactivated user%s in %lu page%s, but the "
                                     "reading is unproven: %s; a user it did not show is unknown, not absent: its row "
                                     "is sent as the journal says", counts.active, counts.deactivated,
                cci_plural(counts.deactivated), r->listing.pages, cci_plural(r->listing.pages), r->listing.unproven);
        return true;
    }
    /* a refused key or plan, or an interruption: the run goes on to mark every row skipped and
     * say why, as when it stops while sending */
    if (cci_stop_requested(config->stop)) return true;
    /* page 1 said how many pages there are, or the key said it may not list: an answer of the app's */
    if (status == CCI_LISTING_TOO_COSTLY || status == CCI_LISTING_REFUSED) r->target_answered = true;
    if (status == CCI_LISTING_TOO_COSTLY) {
        run_say(r, CCI_MESSAGE_NOTE, "not reading the app: %s, more than the %lu rows %s; they are sent as the "
                                 "journal says", err, most_pages,
            config->trust_journal ? "the journal does not know" : "of the file");
        return true;
    }
    if (needed_by) {
        run_say(r, CCI_MESSAGE_PROBLEM, "%s needs the app's users and %s%s; nothing was sent", needed_by, err,
            status == CCI_LISTING_REFUSED ? " (this API key may not list users: use a REST API key with full access)" : "");
        return false;
    }
    if (!atomic_load(&r->shared.retries.heard_any)) {
        give_up_unheard(r, result, err);
        return true; /* the rows are marked skipped, as when a run stops while sending */
    }
    if (!r->target_answered && status == CCI_LISTING_FAILED) {
        give_up_unproven(r, result, err);
        return true;
    }
    run_say(r, CCI_MESSAGE_NOTE, "the app's users could not be read (%s): rows are sent as the journal says%s", err,
        merges ? ", and metadata.KEY columns replace the users' whole metadata" : "");
    return true;
}

static void request_one_user(cci_client *client, void *context, cci_response *response)
{
    (void)context;
    cci_client_list(client, 1, 1, response);
}

/* A run that sends proves its target with its first request: when no listing was tried (the input
 * is read once, or --trust-journal), one user is asked for, so that a wrong key, app or region
 * stops the run before any row, even one whose rows all need nothing (send.c stops on the
 * refusal). --trust-journal is for those who want no request at all: it is not asked. */
void run_prove_the_target(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (r->lister.client) { /* a listing was tried: its first page answered, or said why not */
        result->target_proven = r->target_answered && !cci_stop_requested(config->stop);
        if (!r->target_answered && cci_stop_requested(config->stop)) result->target_unanswered = true;
        return;
    }
    if (config->dry_run || config->trust_journal || cci_stop_requested(config->stop)) return;
    r->lister.random = config->random_seed ^ 0x5DEECE66DULL;
    if (!(r->lister.client = run_connect_to_target(r))) return;
    cci_response response;
    cci_answer_class answer = cci_send_call(&r->shared, &r->lister, CCI_BUDGET_STANDARD, request_one_user, NULL, &response);
    if (cci_stop_requested(config->stop)) {
        result->target_unanswered = answer != CCI_ANSWER_OK;
        return;
    }
    /* an auth-only key may not list, and says so: it is a key of this app all the same */
    result->target_proven = answer == CCI_ANSWER_OK || strcmp(response.code, "AUTH_ERR_NO_ACCESS") == 0;
    if (result->target_proven) return;
    if (!atomic_load(&r->shared.retries.heard_any)) give_up_unheard(r, result, response.message);
    else give_up_unproven(r, result, response.message);
}

/* Said of the absent users an unproven listing found: there may be more, which it did not show. */
#define UNPROVEN_ABSENT "; unproven: the reading of the app is incomplete, so more may be absent"

/* What --plan, --prune and --reactivate do before the rows go. False when the run must not go on. */
bool run_prepare_the_target(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    char err[1024];
    if (!r->app_read) return true;
    if (config->plan && !config->absent_path) {
        result->absent = cci_target_count_absent(&r->listing, &r->census);
        run_say(r, CCI_MESSAGE_NOTE, "%lu active user%s of the app %s not in the file (--report PATH keeps the per-row "
                                 "plan, and their list beside it)%s", result->absent, cci_plural(result->absent),
            result->absent == 1 ? "is" : "are", r->listing.proven ? "" : UNPROVEN_ABSENT);
    } else if (config->plan) {
        if (cci_target_write_absent(&r->listing, &r->census, config->absent_path, &result->absent, err, sizeof err) !=
            CCI_OK) {
            run_say(r, CCI_MESSAGE_PROBLEM, "%s", err);
            return false;
        }
        run_say(r, CCI_MESSAGE_NOTE, "%lu active users of the app are not in the file: %s lists them%s", result->absent,
            config->absent_path, r->listing.proven ? "" : UNPROVEN_ABSENT);
    }
    if (config->prune && !r->listing.proven) {
        run_say(r, CCI_MESSAGE_PROBLEM, "--prune %s: it deactivates only on a complete reading of the app, and this one "
                                    "is unproven: %s; nobody was deactivated, nothing was sent",
            config->plan ? "would refuse" : "refused", r->listing.unproven);
        return config->plan; /* --plan says what a run would do, and goes on */
    }
    if (config->prune) {
        unsigned long absent = cci_target_count_absent(&r->listing, &r->census);
        size_t active = cci_app_users_counts(r->listing.app).active;
        unsigned long most = config->prune_max >= 0 ? (unsigned long)config->prune_max : active / 10;
        if (r->census.unreadable) {
            run_say(r, CCI_MESSAGE_PROBLEM, "--prune: %lu row%s no readable uid, so the file's users are not all known "
                                        "(the report of a run without --prune names them); nothing was sent",
                r->census.unreadable, r->census.unreadable == 1 ? " has" : "s have");
            return false;
        }
        if (absent > most) {
            run_say(r, CCI_MESSAGE_PROBLEM, "--prune would deactivate %lu of the app's %zu active users, more than "
                                        "--prune-max %lu%s; nothing was sent: check that the file is the whole list, "
                                        "then give --prune-max %lu", absent, active, most,
                config->prune_max >= 0 ? "" : " (a tenth of them)", absent);
            return false;
        }
        if (config->plan) run_say(r, CCI_MESSAGE_NOTE, "--prune would deactivate those %lu users", absent);
    }
    if (config->reactivate && !config->plan) {
        bool ok = cci_target_reactivate(&r->listing, &r->census, &r->shared, &r->lister, &result->reactivated_in_bulk,
                                        err, sizeof err) == CCI_OK;
        if (!ok) run_say(r, CCI_MESSAGE_PROBLEM, "%s: their rows end `deactivated`", err);
        else if (result->reactivated_in_bulk)
            run_say(r, CCI_MESSAGE_NOTE, "reactivated %lu user%s the file names", result->reactivated_in_bulk,
                cci_plural(result->reactivated_in_bulk));
    }
    return true;
}

/* What --prune and --verify, which go once every row went, may do: never after an interruption,
 * a fatal stop or a broken input. */
static bool run_finished(const cci_import_result *result)
{
    return !result->stopped && !result->input_broke && !result->write_failed;
}

/* The connection for what goes after the rows: the workers are joined, so the first one's is free. */
static cci_worker *after_the_rows(run *r)
{
    return r->lister.client ? &r->lister : &r->workers[0];
}

void run_prune(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (!config->prune || config->plan || !r->app_read) return;
    if (!run_finished(result)) {
        run_say(r, CCI_MESSAGE_PROBLEM, "--prune: nobody was deactivated, since the run did not finish");
        result->prune_failed = true;
        return;
    }
    char err[1024];
    cci_worker *worker = after_the_rows(r);
    /* the second look: the app read again just before, proven, so that a user changed, created or
     * gone since the first reading is left alone */
    cci_listing again;
    cci_listing_wants wants = {.names = true};
    cci_listing_status status = cci_listing_read(&again, &r->shared, worker, 0, wants, NULL, NULL, err, sizeof err);
    if (status != CCI_LISTING_READ || !again.proven) {
        run_say(r, CCI_MESSAGE_PROBLEM, "--prune: nobody was deactivated: the app was read again just before, and %s",
            status != CCI_LISTING_READ ? err : again.unproven);
        result->prune_failed = true;
        cci_listing_cleanup(&again);
        return;
    }
    cci_second_look look = {.listing = &again, .run_began = config->date_rules.now};
    cci_pruning pruning;
    bool ok = cci_target_prune(&r->listing, &r->census, &look, &r->shared, worker, config->pruned_path, &pruning, err,
                               sizeof err) == CCI_OK;
    cci_listing_cleanup(&again);
    result->pruned = pruning.deactivated;
    if (!ok) {
        run_say(r, CCI_MESSAGE_PROBLEM, "--prune: %s", err);
        result->prune_failed = true;
    }
    if (result->pruned || !ok)
        run_say(r, CCI_MESSAGE_NOTE, "deactivated %lu user%s of the app that %s not in the file; %s lists every user whose "
                                 "deactivation was sent (feed it back with --reactivate --mode update to undo)",
            result->pruned, cci_plural(result->pruned), result->pruned == 1 ? "is" : "are", config->pruned_path);
    else if (!pruning.left_alone)
        run_say(r, CCI_MESSAGE_NOTE, "--prune: the file names every active user of the app: nobody was deactivated");
    if (pruning.left_alone)
        run_say(r, CCI_MESSAGE_NOTE, "--prune left %lu user%s alone that the file leaves out: changed, deactivated, gone "
                                 "or created since the app was first read", pruning.left_alone,
            cci_plural(pruning.left_alone));
}

/* --verify, once every row went: the app read back, what differs repaired once. */
void run_verify(run *r, cci_import_result *result)
{
    const cci_import_config *config = r->config;
    if (!config->verify || config->plan || !r->app_read) return;
    if (!run_finished(result)) {
        run_say(r, CCI_MESSAGE_PROBLEM, "--verify: the app was not read back, since the run did not finish");
        result->verify_failed = true;
        return;
    }
    char err[1024];
    cci_verify_setup setup = {.spec = &r->spec, .mode = config->mode,
                              .merges = merges_metadata(r),
                              .journal = r->journal,
                              .file_uids = &r->census.uids, .shared = &r->shared,
                              .worker = after_the_rows(r), .path = config->verify_path,
                              .progress = on_listing_progress, .context = r};
    if (r->census.keys.usable) {
        setup.keep_metadata = cci_census_keep_metadata;
        setup.keep_context = &r->census;
    }
    run_say(r, CCI_MESSAGE_NOTE, "--verify: reading the app back to compare every row with it");
    result->verified = cci_verify(&setup, &result->verify, err, sizeof err) == CCI_OK;
    result->verify_failed = !result->verified;
    if (!result->verified) run_say(r, CCI_MESSAGE_PROBLEM, "--verify did not finish: %s", err);
}
