#include "cci/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cci/user.h"

bool cci_planner_init(cci_planner *planner, const cci_mapping *mapping, cci_mode mode, bool dry_run,
                      bool force, cci_journal *journal)
{
    *planner = (cci_planner){.mapping = mapping, .mode = mode, .dry_run = dry_run, .force = force,
                             .journal = journal, .uids = cci_strmap_new(NULL)};
    return planner->uids != NULL;
}

void cci_planner_cleanup(cci_planner *planner)
{
    cci_strmap_free(planner->uids);
    planner->uids = NULL;
}

void cci_planned_row_cleanup(cci_planned_row *row)
{
    free(row->outcome.message);
    free(row->saved);
    free(row->create_body);
    free(row->update_body);
    row->outcome.message = NULL;
    row->saved = NULL;
    row->create_body = row->update_body = NULL;
}

static bool settle(cci_planned_row *row, cci_action action, const char *message)
{
    row->outcome.action = action;
    cci_outcome_say(&row->outcome, message);
    return false;
}

static bool out_of_memory(cci_planned_row *row, const char *while_doing)
{
    char message[200];
    snprintf(message, sizeof message, "not sent: out of memory while %s", while_doing);
    return settle(row, CCI_ACTION_FAILED, message);
}

static const char *dry_run_verb(cci_mode mode)
{
    return mode == CCI_MODE_CREATE ? "would create" : mode == CCI_MODE_UPDATE ? "would update"
                                                                               : "would create (or update if the uid exists)";
}

/* A dry run's row: `skipped`, saying what a run would send. */
static bool plan_dry_run(const cci_planner *planner, cci_planned_row *row)
{
    bool as_update = planner->mode == CCI_MODE_UPDATE || (row->known && planner->mode == CCI_MODE_UPSERT);
    const char *body = as_update ? row->update_body : row->create_body;
    size_t len = strlen(body) + 128;
    char *message = malloc(len);
    if (!message) return out_of_memory(row, "describing it");
    snprintf(message, len, "dry run: %s %s", as_update ? "would update" : dry_run_verb(planner->mode), body);
    row->outcome.action = CCI_ACTION_SKIPPED;
    free(row->outcome.message);
    row->outcome.message = message;
    return false;
}

/* A valid user whose uid is new to this file. */
static bool plan_user(cci_planner *planner, const cci_user *user, unsigned long line, cci_planned_row *row)
{
    if (!cci_strmap_put(planner->uids, user->uid, (void *)(uintptr_t)line))
        return out_of_memory(row, "remembering its uid (needed to find repeated uids)");
    if (!(row->update_body = cci_user_body(user, false))) return out_of_memory(row, "building the request");
    cci_fingerprint_of_text(row->update_body, strlen(row->update_body), row->fingerprint);
    const char *journaled = planner->journal ? cci_journal_lookup(planner->journal, user->uid) : NULL;
    row->known = journaled != NULL; /* --force still sends an update, not a create, first */
    if (journaled && !planner->force && strcmp(journaled, row->fingerprint) == 0)
        return settle(row, CCI_ACTION_UNCHANGED, NULL); /* the target already holds exactly this */
    if (!(row->create_body = cci_user_body(user, true))) return out_of_memory(row, "building the request");
    if (planner->dry_run) return plan_dry_run(planner, row);
    return true;
}

bool cci_plan_row(cci_planner *planner, const cci_record *record, cci_planned_row *row)
{
    *row = (cci_planned_row){.outcome.line = record->line};
    char problems[2048];
    cci_user user;
    bool valid = cci_user_build(&user, planner->mapping, record, planner->mode != CCI_MODE_UPDATE,
                                problems, sizeof problems);
    snprintf(row->outcome.uid, sizeof row->outcome.uid, "%s", user.uid);
    uintptr_t first_line = user.uid[0] ? (uintptr_t)cci_strmap_get(planner->uids, user.uid) : 0;
    bool may_be_rejected = !valid || first_line || !planner->dry_run;
    bool send = false;
    if (may_be_rejected && !(row->saved = cci_saved_row_new(record))) {
        /* without its cells the row could not reach the rejects file: it is not sent either */
        out_of_memory(row, "keeping its cells for the rejects file");
    } else if (user.out_of_memory) {
        out_of_memory(row, "reading it"); /* never sent half-built, nor called invalid */
    } else if (!valid) {
        settle(row, CCI_ACTION_INVALID, problems);
    } else if (first_line) {
        char message[256];
        snprintf(message, sizeof message,
                 "uid \"%s\" was already given on line %lu (uids ignore letter case); this row is not sent",
                 user.uid, (unsigned long)first_line);
        settle(row, CCI_ACTION_INVALID, message);
    } else {
        send = plan_user(planner, &user, record->line, row);
    }
    cci_user_cleanup(&user);
    return send;
}
