#include "cci/send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fatal_codes[] = {
    "AUTH_ERR_EMPTY_APIKEY",  "AUTH_ERR_APIKEY_NOT_FOUND",  "AUTH_ERR_INVALID_APPID",
    "ERR_PLAN_RESTRICTION",   "ERR_PLAN_QUOTA_RESTRICTION", "ERR_SUBSCRIPTION_EXPIRED",
};

cci_answer_class cci_classify(const cci_response *r)
{
    if (r->transport != CCI_TRANSPORT_OK) return CCI_ANSWER_RETRYABLE;
    if (r->status >= 200 && r->status < 300) return CCI_ANSWER_OK;
    if (strcmp(r->code, "ERR_UID_ALREADY_EXISTS") == 0) return CCI_ANSWER_EXISTS;
    if (strcmp(r->code, "ERR_UID_NOT_FOUND") == 0) return CCI_ANSWER_NOT_FOUND;
    for (size_t i = 0; i < sizeof fatal_codes / sizeof *fatal_codes; i++)
        if (strcmp(r->code, fatal_codes[i]) == 0) return CCI_ANSWER_FATAL;
    if (r->status == 401) return CCI_ANSWER_FATAL; /* an auth refusal without a known code */
    if (r->status == 429 || r->status >= 500) return CCI_ANSWER_RETRYABLE;
    return CCI_ANSWER_FINAL;
}

/* Sets outcome from an answer that ends the row. */
static void settle(cci_outcome *outcome, cci_action action, const cci_response *r)
{
    outcome->action = action;
    outcome->http_status = r->status;
    snprintf(outcome->error_code, sizeof outcome->error_code, "%s", r->code);
    free(outcome->message);
    outcome->message = action == CCI_ACTION_FAILED || action == CCI_ACTION_EXISTS ? strdup(r->message) : NULL;
}

void cci_send_row(cci_client *client, cci_mode mode, const cci_send_request *request,
                  cci_outcome *outcome, cci_response *last, unsigned *creates, unsigned *updates)
{
    if (mode != CCI_MODE_UPDATE) {
        cci_client_create(client, request->create_body, last);
        outcome->attempts++;
        (*creates)++;
        cci_answer_class answer = cci_classify(last);
        if (answer == CCI_ANSWER_OK) return settle(outcome, CCI_ACTION_CREATED, last);
        if (answer != CCI_ANSWER_EXISTS) return settle(outcome, CCI_ACTION_FAILED, last);
        if (mode == CCI_MODE_CREATE) return settle(outcome, CCI_ACTION_EXISTS, last);
    }
    cci_client_update(client, request->uid, request->update_body, last);
    outcome->attempts++;
    (*updates)++;
    cci_answer_class answer = cci_classify(last);
    settle(outcome, answer == CCI_ANSWER_OK ? CCI_ACTION_UPDATED : CCI_ACTION_FAILED, last);
}
