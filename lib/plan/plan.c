/* mempcpy */
#define _GNU_SOURCE
#include "plan/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules/clears.h"
#include "rules/user.h"

bool cci_one_pass_unsettled(const cci_one_pass *pass)
{
    return pass->shortest_digits && cci_padding_shortens(&pass->padding, pass->shortest_digits);
}

void cci_one_pass_cleanup(cci_one_pass *pass)
{
    cci_uid_lines_cleanup(&pass->first_lines);
    *pass = (cci_one_pass){0};
}

static const char *dry_run_verb(cci_mode mode)
{
    return mode == CCI_MODE_CREATE ? "would create" : mode == CCI_MODE_UPDATE ? "would update"
                                                                               : "would create (or update if the uid exists)";
}

bool cci_planner_init(cci_planner *planner, const cci_mapping *mapping, cci_mode mode, bool dry_run,
                      bool force, cci_journal *journal)
{
    *planner = (cci_planner){.mapping = mapping, .mode = mode, .dry_run = dry_run, .force = force,
                             .journal = journal, .uids = cci_strmap_new(NULL)};
    if (dry_run)
        planner->before_len = (size_t)snprintf(planner->before, sizeof planner->before, "dry run: %s ", dry_run_verb(mode));
    return planner->uids != NULL;
}

void cci_planner_cleanup(cci_planner *planner)
{
    cci_strmap_free(planner->uids);
    planner->uids = NULL;
    cci_body_shape_free(planner->shape);
    planner->shape = NULL;
    free(planner->scratch);
    planner->scratch = NULL;
}

const char *cci_planned_row_dates(const cci_planned_row *row)
{
    if (row->created_at && row->last_active_at) return "createdAt and lastActiveAt";
    return row->created_at ? "createdAt" : row->last_active_at ? "lastActiveAt" : NULL;
}

void cci_planned_row_cleanup(cci_planned_row *row)
{
    free(row->outcome.message);
    free(row->saved);
    free(row->create_body);
    free(row->update_body);
    free(row->changes);
    free(row->journal_record);
    row->changes = row->journal_record = NULL;
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

void cci_planner_read_once(cci_planner *planner, cci_one_pass *pass)
{
    planner->one_pass = pass;
    if (!planner->dry_run || planner->app || planner->mode == CCI_MODE_UPDATE) return;
    planner->shape = cci_body_shape_new(planner->mapping); /* NULL: every row is built */
}

/* A dry run's row: `skipped`, saying what a run would send. */
static bool plan_dry_run(const cci_planner *planner, cci_planned_row *row)
{
    bool as_update = planner->mode == CCI_MODE_UPDATE || (row->known && planner->mode == CCI_MODE_UPSERT);
    const char *body = as_update ? row->update_body : row->create_body;
    const char *verb = as_update ? "would update" : dry_run_verb(planner->mode);
    size_t verb_len = strlen(verb), body_len = strlen(body);
    static const char prefix[] = "dry run: ";
    char *message = malloc(sizeof prefix + verb_len + 1 + body_len);
    if (!message) return out_of_memory(row, "describing it");
    /* "dry run: VERB BODY", copied: a body is hundreds of bytes, every row of a dry run has one */
    char *end = mempcpy(mempcpy(message, prefix, sizeof prefix - 1), verb, verb_len);
    *end++ = ' ';
    memcpy(end, body, body_len + 1);
    row->outcome.action = CCI_ACTION_SKIPPED;
    free(row->outcome.message);
    row->outcome.message = message;
    return false;
}

/* Settles a --plan row with what a run would do, and why. */
static bool settle_plan(cci_planned_row *row, cci_action action, const char *what)
{
    char message[700];
    snprintf(message, sizeof message, "%s%s%s", what, row->changes ? ": " : "", row->changes ? row->changes : "");
    return settle(row, action, message);
}

/* True when the update clears the slot's field ("unset"). */
static bool is_unset(const cci_user *user, int slot)
{
    const cJSON *name;
    cJSON_ArrayForEach(name, cJSON_GetObjectItemCaseSensitive(user->fields, "unset"))
        if (cJSON_IsString(name) && strcmp(name->valuestring, cci_slot_name(slot)) == 0) return true;
    return false;
}

/* [] and "": what a cleared field is sent as, which the app may keep or drop (the documents do
 * not say): either way it is cleared. */
static bool cleared_value(const cJSON *value)
{
    return (cJSON_IsArray(value) && !value->child) || (cJSON_IsString(value) && !value->valuestring[0]);
}

/* Names the fields of user that the app holds otherwise, into row->changes. Returns false when
 * none is known to differ; *unknown says a field could not be compared (metadata with an
 * "@private" object the listing does not show). */
static bool find_changes(const cci_planner *planner, const cci_user *user, const cci_app_user *listed,
                         cci_planned_row *row, bool *unknown)
{
    char names[256] = "";
    size_t used = 0;
    *unknown = false;
    bool private_hidden = !cci_app_users_private_shown(planner->app);
    for (int slot = 0; slot < CCI_SLOT_COUNT; slot++) {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(user->fields, cci_slot_name(slot));
        if (!value && !(is_unset(user, slot) && listed->field[slot])) continue; /* not given, or gone already */
        if (value && (cci_field_hash(value) == listed->field[slot] || (cleared_value(value) && !listed->field[slot])))
            continue;
        const cJSON *private = slot == CCI_SLOT_METADATA ? cJSON_GetObjectItemCaseSensitive(value, "@private") : NULL;
        if (private && private_hidden && (listed->flags & CCI_APP_USER_NO_PRIVATE)) {
            cJSON *visible = cJSON_Duplicate(value, true);
            cJSON_DeleteItemFromObjectCaseSensitive(visible, "@private");
            bool same_visible = visible && cci_field_hash(visible) == listed->field[slot];
            cJSON_Delete(visible);
            if (same_visible) { /* the rest is equal; "@private" cannot be seen */
                *unknown = true;
                continue;
            }
        }
        if (used < sizeof names)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", cci_slot_name(slot));
    }
    if (!used) return false;
    row->changes = strdup(names);
    return true;
}

/* The row as the journal says, the app unread or silent on it. True when it must be sent. */
static bool plan_by_journal(cci_planner *planner, const cci_user *user, const char *journaled, cci_planned_row *row)
{
    row->known = journaled != NULL; /* --force still sends an update, not a create, first */
    if (journaled && !planner->force && strcmp(journaled, row->fingerprint) == 0)
        return settle(row, CCI_ACTION_UNCHANGED, NULL); /* the target already holds exactly this */
    if (!(row->create_body = cci_user_body(user, true))) return out_of_memory(row, "building the request");
    if (planner->dry_run) return plan_dry_run(planner, row);
    return true;
}

/* The row against what the app holds (its listing was read). True when it must be sent. */
/* An unchanged row whose createdAt is not the app's: what a person expects to see changed and
 * cannot (NULL when the dates agree, or the row or the listing has none). */
static const char *dates_differ(const cci_planned_row *row, const cci_app_user *listed, char *note, size_t len)
{
    if (!row->created_at || !listed->created || (long long)listed->created == row->created_at) return NULL;
    time_t created = (time_t)listed->created;
    struct tm utc;
    char day[32] = "another day";
    if (gmtime_r(&created, &utc)) strftime(day, sizeof day, "%Y-%m-%d %H:%M:%S UTC", &utc);
    snprintf(note, len, "createdAt not set: the app's user was created %s, and CometChat sets createdAt only "
                        "when Data Import creates the user", day);
    return note;
}

static bool plan_against_app(cci_planner *planner, const cci_user *user, const char *journaled, cci_planned_row *row)
{
    cci_app_user *listed = cci_app_users_find(planner->app, user->uid);
    /* an unproven listing that did not show the uid proves nothing of it: neither new nor gone */
    if (!listed && !planner->app_proven) {
        row->unlisted = true;
        if (planner->app_metadata) { /* its metadata.KEY cells would replace a metadata nobody read */
            snprintf(row->outcome.error_code, sizeof row->outcome.error_code, "ERR_LISTING_UNPROVEN");
            return settle(row, CCI_ACTION_FAILED, "not sent: the app's reading is unproven and did not show this uid, "
                                                  "so the metadata its metadata.KEY cells merge into is unknown (an "
                                                  "update would replace it whole); rerun when the app lists completely");
        }
        return plan_by_journal(planner, user, journaled, row);
    }
    if (listed) row->listed_created_at = (long long)listed->created;
    if (!listed) {
        if (planner->mode == CCI_MODE_UPDATE)
        {
            snprintf(row->outcome.error_code, sizeof row->outcome.error_code, "ERR_UID_NOT_FOUND");
            return settle(row, CCI_ACTION_FAILED, "not updated: the app has no user with this uid "
                                                  "(--mode update creates none); nothing was sent");
        }
        if (!(row->create_body = cci_user_body(user, true))) return out_of_memory(row, "building the request");
        row->absent = true;
        return planner->plan ? settle_plan(row, CCI_ACTION_PLAN_CREATE, "would create") : true;
    }
    row->known = true;
    bool unknown, differs = find_changes(planner, user, listed, row, &unknown);
    bool equal = !differs && (!unknown || (journaled && strcmp(journaled, row->fingerprint) == 0));
    row->unseen = unknown && !differs;
    if (row->unseen) row->changes = strdup("metadata (\"@private\" is not listed)");
    if (listed->flags & CCI_APP_USER_DEACTIVATED) {
        if (planner->plan && planner->reactivate)
            return settle_plan(row, CCI_ACTION_PLAN_REACTIVATE, equal ? "would reactivate" : "would reactivate and update");
        if (!(listed->flags & CCI_APP_USER_REACTIVATED))
            return settle(row, CCI_ACTION_DEACTIVATED,
                          planner->reactivate ? "the user of this uid is deactivated and could not be reactivated; "
                                                "nothing else was sent"
                                              : "the user of this uid is deactivated: nothing was sent; run with "
                                                "--reactivate to reactivate and update it");
        row->reactivated = true;
        if (equal && !planner->force) {
            row->confirm = true;
            return settle(row, CCI_ACTION_REACTIVATED, "reactivated; its fields already matched the row");
        }
    } else if (planner->mode == CCI_MODE_CREATE) {
        snprintf(row->outcome.error_code, sizeof row->outcome.error_code, "ERR_UID_ALREADY_EXISTS");
        return settle(row, CCI_ACTION_EXISTS, "the app already has this uid; --mode create leaves it as it is");
    } else if (equal && !planner->force) {
        row->confirm = !journaled || strcmp(journaled, row->fingerprint) != 0;
        char note[200];
        return settle(row, CCI_ACTION_UNCHANGED, dates_differ(row, listed, note, sizeof note)); /* the app holds this */
    }
    if (planner->plan) return settle_plan(row, CCI_ACTION_PLAN_UPDATE, "would update");
    if (!(row->create_body = cci_user_body(user, true))) return out_of_memory(row, "building the request");
    return true;
}

/* The update as it goes: the row's metadata.KEY cells set over the metadata the app holds, and
 * the fields an earlier import set that the row empties cleared. */
static bool shape_update(const cci_planner *planner, cci_user *user, const cci_clears *clears)
{
    const char *listed = planner->app_metadata ? cci_strmap_get(planner->app_metadata, user->uid) : NULL;
    cJSON *current = listed ? cJSON_Parse(listed) : NULL;
    bool ok = cci_user_merge_metadata(user, current) && cci_clears_apply(clears, user, current);
    cJSON_Delete(current);
    return ok;
}

/* What the journal records once the row holds: "FINGERPRINT/FIELDS". */
static bool compose_record(cci_planned_row *row, const cci_clears *clears)
{
    size_t len = strlen(row->fingerprint) + strlen(clears->fields) + 2;
    if (!(row->journal_record = malloc(len))) return false;
    snprintf(row->journal_record, len, "%s%s%s", row->fingerprint, clears->fields[0] ? "/" : "", clears->fields);
    return true;
}

/* A valid user whose uid is new to this file. */
static bool plan_user(cci_planner *planner, cci_user *user, const cci_record *record, cci_planned_row *row)
{
    if (!planner->file_uids && !planner->one_pass && !cci_strmap_put(planner->uids, user->uid, (void *)(uintptr_t)record->line))
        return out_of_memory(row, "remembering its uid (needed to find repeated uids)");
    const char *journaled = planner->journal ? cci_journal_lookup(planner->journal, user->uid) : NULL;
    if (planner->dry_run && !planner->app && !journaled) {
        /* nothing to compare and nothing to clear (the journal has no fields of it): the dry
         * run's message needs only the body a run would send first */
        bool update = planner->mode == CCI_MODE_UPDATE;
        char *message = cci_user_body_after(user, !update, planner->before);
        if (!message) return out_of_memory(row, "describing it");
        row->outcome.action = CCI_ACTION_SKIPPED;
        free(row->outcome.message);
        row->outcome.message = message;
        return false;
    }
    /* the journal records the row as the file has it: merged keys the app holds besides are not
     * the file's to track, so an unchanged row stays unchanged without reading the app; an emptied
     * cell changes it once, and the clear is sent then */
    if (!(row->update_body = cci_user_body(user, false))) return out_of_memory(row, "building the request");
    cci_fingerprint_of_text(row->update_body, strlen(row->update_body), row->fingerprint);
    cci_clears clears;
    bool ok = cci_clears_find(&clears, planner->mapping, record,
                              planner->journal ? cci_journal_fields(planner->journal, user->uid) : NULL) &&
              compose_record(row, &clears);
    const cci_app_user *listed = planner->app ? cci_app_users_find(planner->app, user->uid) : NULL;
    if (ok && listed && (listed->flags & CCI_APP_USER_KEYS_EQUAL)) {
        /* the listing proved the row's metadata keys held already, and kept no metadata to merge
         * into: an update leaves the metadata alone */
        cJSON_DeleteItemFromObjectCaseSensitive(user->fields, "metadata");
        clears.key_count = 0;
    }
    if (ok && (planner->app_metadata || cci_clears_any(&clears))) {
        free(row->update_body);
        row->update_body = NULL;
        ok = shape_update(planner, user, &clears) && (row->update_body = cci_user_body(user, false));
    }
    cci_clears_cleanup(&clears);
    if (!ok) return out_of_memory(row, "building the request");
    if (planner->app) return plan_against_app(planner, user, journaled, row);
    return plan_by_journal(planner, user, journaled, row);
}

/* An invalid row whose uid the app's journal has a confirmed record of. */
static bool imported_since(const cci_planner *planner, const cci_user *user)
{
    const char *journaled = user->uid[0] && planner->journal ? cci_journal_lookup(planner->journal, user->uid) : NULL;
    return journaled && strcmp(journaled, "-") != 0;
}

void cci_one_pass_note_valid(cci_one_pass *pass, const char *uid)
{
    size_t len = strlen(uid);
    if (cci_all_digits(uid, len) && (!pass->shortest_digits || len < pass->shortest_digits))
        pass->shortest_digits = len;
}

/* A numeric uid shorter than the ones the file pads with zeros: its zeros were lost on export. */
static bool lost_zeros(const cci_planner *planner, const cci_user *user, char *why, size_t why_len)
{
    char lost[700];
    if (planner->one_pass) cci_one_pass_note_valid(planner->one_pass, user->uid);
    if (!planner->padding || !cci_padding_lost(planner->padding, user->uid, lost, sizeof lost)) return false;
    const char *header = "uid";
    for (size_t i = 0; i < planner->mapping->count; i++)
        if (planner->mapping->columns[i].field == CCI_FIELD_UID) header = planner->mapping->columns[i].header;
    snprintf(why, why_len, "column \"%s\": %s", header, lost);
    return true;
}

/* Whether the uid column is a fed-back report's, whose cells may start with a ' the tool added. */
static bool uid_column_neutralised(const cci_mapping *mapping)
{
    for (size_t i = 0; i < mapping->count; i++)
        if (mapping->columns[i].field == CCI_FIELD_UID) return mapping->columns[i].neutralised;
    return false;
}

/* Notes the row's uid in the one pass, as the preflight's census would, and puts the line that
 * gave the row's uid first in first (0: it has none). False when out of memory. */
static bool note_one_pass(const cci_planner *planner, const cci_record *record, const cci_user *user,
                          unsigned long *first)
{
    cci_one_pass *pass = planner->one_pass;
    char uid[CCI_UID_MAX + 1];
    *first = 0;
    /* the census notes the uid cell as it reads (cci_record_uid): the row's own uid, but where a
     * fed-back report's ' is taken off, or where a uid-like cell is damage (the row is invalid,
     * and the uid no valid row's) */
    if (!user->uid[0] || uid_column_neutralised(planner->mapping)) {
        bool readable = cci_record_uid(planner->mapping, record, uid);
        if (readable) cci_padding_note(&pass->padding, uid);
        unsigned long noted;
        if (readable && !cci_uid_lines_note(&pass->first_lines, cci_uid_hash(uid), record->line, &noted)) return false;
        *first = user->uid[0] ? cci_uid_lines_first(&pass->first_lines, cci_uid_hash(user->uid)) : 0;
        return true;
    }
    cci_padding_note(&pass->padding, user->uid);
    return cci_uid_lines_note(&pass->first_lines, cci_uid_hash(user->uid), record->line, first);
}

/* The line that gave the row's uid first, when it is not the row's own; 0 otherwise. */
static uintptr_t earlier_line(const cci_planner *planner, const cci_user *user, const cci_record *record,
                              unsigned long one_pass_first)
{
    uintptr_t first_line = 0;
    if (!user->uid[0]) return 0;
    if (planner->one_pass) first_line = one_pass_first;
    else if (planner->file_uids) first_line = cci_uid_set_first_line(planner->file_uids, cci_uid_hash(user->uid));
    else first_line = (uintptr_t)cci_strmap_get(planner->uids, user->uid);
    return first_line == record->line ? 0 : first_line; /* the file's first row with this uid */
}

bool cci_plan_row(cci_planner *planner, const cci_record *record, const void *prepared, cci_planned_row *row)
{
    if (planner->shape && (prepared ? cci_plan_take_prepared(planner, record, prepared, row)
                                    : cci_plan_written(planner, record, row)))
        return false;
    *row = (cci_planned_row){.outcome.line = record->line};
    char problems[2048];
    cci_user user;
    bool valid = cci_user_build(&user, planner->mapping, record, planner->mode != CCI_MODE_UPDATE,
                                problems, sizeof problems);
    snprintf(row->outcome.uid, sizeof row->outcome.uid, "%s", user.uid);
    row->created_at = user.created_at;
    row->last_active_at = user.last_active_at;
    unsigned long one_pass_first = 0;
    bool noted = !planner->one_pass || note_one_pass(planner, record, &user, &one_pass_first);
    uintptr_t first_line = earlier_line(planner, &user, record, one_pass_first);
    /* an id that lost its zeros is invalid, and its row goes to the rejects file like any other */
    bool lost = valid && lost_zeros(planner, &user, problems, sizeof problems);
    bool may_be_rejected = !valid || lost || first_line || !planner->dry_run;
    bool send = false;
    if (may_be_rejected && !(row->saved = cci_saved_row_new(record))) {
        /* without its cells the row could not reach the rejects file: it is not sent either */
        out_of_memory(row, "keeping its cells for the rejects file");
    } else if (user.out_of_memory) {
        out_of_memory(row, "reading it"); /* never sent half-built, nor called invalid */
    } else if (!noted) {
        out_of_memory(row, "remembering its uid (needed to find repeated uids)");
    } else if (!valid && imported_since(planner, &user)) {
        /* the loop of fixing the rejects and feeding them back: the app has this user, so this
         * row is no longer the file's to reject (and the rejects file being edited stays) */
        char message[2300];
        snprintf(message, sizeof message, "invalid here (%s), but the app's journal has this uid from another "
                                          "import (the fixed rejects file?): nothing was sent; fix this row too so "
                                          "that the file stays the whole list", problems);
        settle(row, CCI_ACTION_SUPERSEDED, message);
    } else if (!valid || lost) {
        settle(row, CCI_ACTION_INVALID, problems);
    } else if (first_line) {
        char message[256];
        snprintf(message, sizeof message,
                 "uid \"%s\" was already given on line %lu (uids ignore letter case); this row is not sent",
                 user.uid, (unsigned long)first_line);
        settle(row, CCI_ACTION_INVALID, message);
    } else {
        send = plan_user(planner, &user, record, row);
    }
    cci_user_cleanup(&user);
    return send;
}
