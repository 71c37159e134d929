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
    cci_written_row written;
    if (!pass || !scratch_room(planner, cci_body_bound(planner->shape, record, strlen(planner->before))) ||
        !cci_body_write(planner->shape, record, planner->before, planner->scratch, &written))
        return false;
    /* an id that lost its zeros is invalid: as usual */
    size_t uid_len = strlen(written.uid);
    if (planner->padding && cci_padding_shortens(planner->padding, uid_len) && cci_all_digits(written.uid, uid_len))
        return false;
    /* a repeated uid is invalid, and a uid the journal knows is planned by its record: as usual
     * (noting the uid here is no harm then: a uid keeps its first line) */
    unsigned long first;
    /* the uid is lowercase already: its hash is cci_uid_hash's without lowering it again */
    if (!cci_uid_lines_note(&pass->first_lines, cci_fnv1a(written.uid, uid_len, CCI_FNV_SEED), record->line, &first) ||
        first != record->line || (planner->journal && cci_journal_lookup(planner->journal, written.uid)))
        return false;
    char *message = malloc(written.len + 1);
    if (!message) return false; /* planned as usual, which says what memory was wanted for */
    memcpy(message, planner->scratch, written.len + 1);
    cci_padding_note(&pass->padding, written.uid);
    cci_one_pass_note_valid(pass, written.uid);
    *row = (cci_planned_row){.outcome = {.line = record->line, .action = CCI_ACTION_SKIPPED, .message = message},
                             .created_at = written.created_at, .last_active_at = written.last_active_at};
    snprintf(row->outcome.uid, sizeof row->outcome.uid, "%s", written.uid);
    return true;
}
