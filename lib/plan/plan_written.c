/* A dry run's valid rows planned from their cells: the body written straight into the message,
 * no JSON document built (rules/body_text.h). */
#include "plan/plan.h"

#include "cci/util/fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

bool cci_plan_written(cci_planner *planner, const cci_record *record, cci_planned_row *row)
{
    cci_one_pass *pass = planner->one_pass;
    if (!pass) return false;
    /* the uid's slot is fetched while the row is checked and written: the table is larger than
     * the caches, and a row's wait for memory would be most of its time */
    char uid[CCI_UID_MAX + 1];
    size_t uid_len = cci_body_uid(planner->shape, record, uid);
    /* the uid is lowercase already: its hash is cci_uid_hash's without lowering it again */
    uint64_t hash = cci_fnv1a(uid, uid_len, CCI_FNV_SEED);
    cci_uid_lines_prefetch(&pass->first_lines, hash);
    cci_written_row written;
    if (!uid_len || !scratch_room(planner, cci_body_bound(planner->shape, record, planner->before_len)) ||
        !cci_body_write(planner->shape, record, planner->before, planner->scratch, &written) ||
        strcmp(written.uid, uid) != 0)
        return false;
    /* an id that lost its zeros is invalid: as usual */
    if (planner->padding && cci_padding_shortens(planner->padding, uid_len) && cci_all_digits(uid, uid_len))
        return false;
    /* a repeated uid is invalid, and a uid the journal knows is planned by its record: as usual
     * (noting the uid here is no harm then: a uid keeps its first line) */
    unsigned long first;
    if (!cci_uid_lines_note(&pass->first_lines, hash, record->line, &first) || first != record->line ||
        (planner->journal && cci_journal_lookup(planner->journal, uid)))
        return false;
    char *message = malloc(written.len + 1);
    if (!message) return false; /* planned as usual, which says what memory was wanted for */
    memcpy(message, planner->scratch, written.len + 1);
    cci_padding_note(&pass->padding, uid);
    cci_one_pass_note_valid(pass, uid);
    *row = (cci_planned_row){.outcome = {.line = record->line, .action = CCI_ACTION_SKIPPED, .message = message},
                             .created_at = written.created_at, .last_active_at = written.last_active_at};
    _Static_assert(sizeof row->outcome.uid > CCI_UID_MAX, "an outcome holds any valid uid");
    memcpy(row->outcome.uid, uid, uid_len + 1);
    return true;
}
