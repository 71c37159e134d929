/* A row on its way from the reader to the report, as the senders see it: the one interface
 * between the run and whoever sends its rows. The run makes a job for each row to send and sets
 * `finished`; a worker (through the pool) or the Data Import channel takes it from the queue,
 * sends it, and hands it on through `finished`, exactly once. Nothing in send/ knows more of the
 * run than this.
 *
 * Thread-safety: a job belongs to one thread at a time: the reader's until it is queued, then the
 * thread that took it, until `finished` returns. */
#ifndef CCI_SEND_JOB_H
#define CCI_SEND_JOB_H

#include "plan/plan.h"
#include "send/send.h"

typedef struct cci_send_job cci_send_job;
struct cci_send_job {
    cci_planned_row row;
    const char *confirmed; /* what the journal may record for the row (cci_send_row); NULL: nothing */
    /* into the report's order; the job is the run's again from here (it may free it) */
    void (*finished)(cci_send_job *job);
};

/* Sends the job's row one request at a time (cci_send_row), says on the row when dates it has
 * were not kept (only a Data Import create keeps them), and hands it on. */
void cci_send_job_send(cci_send_shared *shared, cci_worker *worker, cci_send_job *job);

/* Hands on a job whose outcome is settled without sending it one at a time. */
void cci_send_job_finish(cci_send_job *job, const char *confirmed);

#endif
