/* A dry run's valid rows planned from their cells: the body written straight into the message,
 * no JSON document built (rules/body_text.h). The writing depends on the cells alone, so it may be
 * done ahead in another thread (cci_plan_prepare); what depends on the rows before (a repeated uid,
 * the padding of numeric ids) is decided in the planner's. */
#include "plan/plan.h"

#include "cci/util/fingerprint.h"

#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A row written ahead; its body's text follows it, written.len + 1 bytes. */
typedef struct prepared_row {
    uint64_t uid_hash;
    size_t uid_len; /* 0: declined, planned as usual */
    cci_written_row written;
} prepared_row;

size_t cci_plan_prepare_bound(const void *planner_ptr, const cci_record *record)
{
    const cci_planner *planner = planner_ptr;
    return sizeof(prepared_row) + cci_body_bound(planner->shape, record, planner->before_len);
}

/* The uid's hash: lowercase already, so cci_uid_hash's without lowering it again. */
static uint64_t hash_of_uid(const char *uid, size_t uid_len)
{
    return cci_fnv1a(uid, uid_len, CCI_FNV_SEED);
}

/* Writes the prepared row of record whose uid (lowercased, uid_len bytes; 0: no plain uid) and
 * its hash are known already; its size. */
static size_t prepare_with_uid(const cci_planner *planner, const cci_record *record, const char *uid, size_t uid_len,
                               uint64_t uid_hash, prepared_row *prepared)
{
    prepared->uid_len = 0;
    if (!uid_len ||
        !cci_body_write(planner->shape, record, planner->before, (char *)(prepared + 1), &prepared->written) ||
        strcmp(prepared->written.uid, uid) != 0)
        return sizeof *prepared;
    prepared->uid_len = uid_len;
    prepared->uid_hash = uid_hash;
    return sizeof *prepared + prepared->written.len + 1;
}

size_t cci_plan_prepare(const void *planner_ptr, const cci_record *record, void *out)
{
    const cci_planner *planner = planner_ptr;
    char uid[CCI_UID_MAX + 1];
    size_t uid_len = cci_body_uid(planner->shape, record, uid);
    return prepare_with_uid(planner, record, uid, uid_len, hash_of_uid(uid, uid_len), out);
}

/* Room for bytes in the planner's scratch; false when memory ran out. */
static bool scratch_room(cci_planner *planner, size_t bytes)
{
    if (bytes <= planner->scratch_cap) return true;
    size_t cap = bytes < 4096 ? 4096 : bytes;
    char *grown = realloc(planner->scratch, cap);
    if (!grown) return false;
    planner->scratch = grown;
    planner->scratch_cap = cap;
    return true;
}

void cci_plan_prefetch_prepared(const cci_planner *planner, const void *prepared_ptr)
{
    const prepared_row *prepared = prepared_ptr;
    if (planner->one_pass && prepared->uid_len)
        cci_uid_lines_prefetch(&planner->one_pass->first_lines, prepared->uid_hash);
}

bool cci_plan_take_prepared(cci_planner *planner, const cci_record *record, const void *prepared_ptr,
                            cci_planned_row *row)
{
    const prepared_row *prepared = prepared_ptr;
    cci_one_pass *pass = planner->one_pass;
    if (!pass || !prepared->uid_len) return false;
    const char *uid = prepared->written.uid, *text = (const char *)(prepared + 1);
    size_t uid_len = prepared->uid_len;
    /* the uid's slot is fetched while the message is copied: the table is larger than the caches */
    cci_uid_lines_prefetch(&pass->first_lines, prepared->uid_hash);
    /* an id that lost its zeros is invalid: as usual */
    if (planner->padding && cci_padding_shortens(planner->padding, uid_len) && cci_all_digits(uid, uid_len))
        return false;
    char *message = malloc(prepared->written.len + 1);
    if (!message) return false; /* planned as usual, which says what memory was wanted for */
    memcpy(message, text, prepared->written.len + 1);
    /* a repeated uid is invalid, and a uid the journal knows is planned by its record: as usual
     * (noting the uid here is no harm then: a uid keeps its first line) */
    unsigned long first;
    if (!cci_uid_lines_note(&pass->first_lines, prepared->uid_hash, record->line, &first) || first != record->line ||
        (planner->journal && cci_journal_lookup(planner->journal, uid))) {
        free(message);
        return false;
    }
    cci_padding_note(&pass->padding, uid);
    cci_one_pass_note_valid(pass, uid);
    *row = (cci_planned_row){.outcome = {.line = record->line, .action = CCI_ACTION_SKIPPED, .message = message},
                             .created_at = prepared->written.created_at,
                             .last_active_at = prepared->written.last_active_at};
    _Static_assert(sizeof row->outcome.uid > CCI_UID_MAX, "an outcome holds any valid uid");
    memcpy(row->outcome.uid, uid, uid_len + 1);
    return true;
}

bool cci_plan_written(cci_planner *planner, const cci_record *record, cci_planned_row *row)
{
    if (!planner->one_pass) return false;
    /* the uid's slot is fetched while the row is checked and written, as when prepared ahead */
    char uid[CCI_UID_MAX + 1];
    size_t uid_len = cci_body_uid(planner->shape, record, uid);
    uint64_t hash = hash_of_uid(uid, uid_len);
    if (uid_len) cci_uid_lines_prefetch(&planner->one_pass->first_lines, hash);
    if (!scratch_room(planner, cci_plan_prepare_bound(planner, record))) return false;
    _Static_assert(alignof(max_align_t) >= alignof(prepared_row), "the scratch (malloc's) holds a prepared row");
    prepare_with_uid(planner, record, uid, uid_len, hash, (prepared_row *)planner->scratch);
    return cci_plan_take_prepared(planner, record, planner->scratch, row);
}
