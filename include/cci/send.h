/* What one row costs on the wire: the requests --mode asks for, and what their answers mean.
 *
 * Thread-safety: send functions use the caller's client only; classification is pure. */
#ifndef CCI_SEND_H
#define CCI_SEND_H

#include <stdbool.h>

#include "cci/cli.h"
#include "cci/client.h"
#include "cci/report.h"

typedef enum {
    CCI_ANSWER_OK,        /* 2xx */
    CCI_ANSWER_EXISTS,    /* ERR_UID_ALREADY_EXISTS */
    CCI_ANSWER_NOT_FOUND, /* ERR_UID_NOT_FOUND */
    CCI_ANSWER_FATAL,     /* key, app or plan refused: every row would fail the same way */
    CCI_ANSWER_RETRYABLE, /* 429, 5xx, timeouts, dropped connections */
    CCI_ANSWER_FINAL,     /* any other refusal of this row */
} cci_answer_class;

cci_answer_class cci_classify(const cci_response *response);

/* The row to send: its uid and the bodies of a create and an update. */
typedef struct cci_send_request {
    const char *uid;
    const char *create_body;
    const char *update_body;
} cci_send_request;

/* Sends what mode asks for (upsert: create, then update when the uid exists; create: create
 * only, an existing uid ends `exists`; update: update only) and fills outcome's action,
 * http_status, error_code, message and attempts. last receives the last answer, so the caller
 * can see a fatal one. Counts requests sent into *creates and *updates. */
void cci_send_row(cci_client *client, cci_mode mode, const cci_send_request *request,
                  cci_outcome *outcome, cci_response *last, unsigned *creates, unsigned *updates);

#endif
