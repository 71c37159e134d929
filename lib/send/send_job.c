#include "send/send_job.h"

#include <stdio.h>

/* A dated row that reached the app one request at a time: its dates were not kept (only a Data
 * Import create sets them). A created user's row says so; an existing user's only when its
 * createdAt is not the one the app's listing showed, and the summary counts them all once. */
static void say_dates_not_kept(cci_send_shared *shared, cci_planned_row *row)
{
    cci_action action = row->outcome.action;
    const char *dates = cci_planned_row_dates(row);
    if (!dates || (action != CCI_ACTION_CREATED && action != CCI_ACTION_UPDATED && action != CCI_ACTION_REACTIVATED))
        return;
    if (action != CCI_ACTION_CREATED) {
        atomic_fetch_add(&shared->dates_not_set, 1);
        if (!row->last_active_at && row->listed_created_at == row->created_at) return; /* the app has it */
    }
    const char *said = row->outcome.message;
    char message[900];
    snprintf(message, sizeof message, "%s%s%s not set: CometChat sets %s only when Data Import creates the user%s",
             said ? said : "", said ? "; " : "", dates, row->created_at && row->last_active_at ? "them" : "it",
             action == CCI_ACTION_CREATED ? " (it was not available in this run)" : ", and this user existed");
    cci_outcome_say(&row->outcome, message);
}

void cci_send_job_send(cci_send_shared *shared, cci_worker *worker, cci_send_job *job)
{
    cci_planned_row *row = &job->row;
    cci_send_request request = {.uid = row->outcome.uid, .create_body = row->create_body,
                                .update_body = row->update_body, .fingerprint = row->journal_record,
                                .known = row->known, .absent = row->absent, .reactivated = row->reactivated,
                                .changes = row->changes};
    const char *confirmed = cci_send_row(shared, worker, &request, &row->outcome);
    say_dates_not_kept(shared, row);
    cci_send_job_finish(job, confirmed);
}

void cci_send_job_finish(cci_send_job *job, const char *confirmed)
{
    job->confirmed = confirmed;
    job->finished(job);
}
