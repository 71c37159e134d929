#include "cci/util/outcome.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_names[] = {
    [CCI_ACTION_CREATED] = "created", [CCI_ACTION_UPDATED] = "updated",
    [CCI_ACTION_UNCHANGED] = "unchanged", [CCI_ACTION_EXISTS] = "exists",
    [CCI_ACTION_INVALID] = "invalid", [CCI_ACTION_FAILED] = "failed",
    [CCI_ACTION_SKIPPED] = "skipped", [CCI_ACTION_DEACTIVATED] = "deactivated",
    [CCI_ACTION_REACTIVATED] = "reactivated", [CCI_ACTION_SUPERSEDED] = "superseded",
    [CCI_ACTION_PLAN_CREATE] = "create",
    [CCI_ACTION_PLAN_UPDATE] = "update", [CCI_ACTION_PLAN_REACTIVATE] = "reactivate",
};

const char *cci_action_name(cci_action action)
{
    return action < CCI_ACTION_COUNT ? action_names[action] : "unknown";
}

bool cci_action_is_problem(cci_action action)
{
    return action == CCI_ACTION_INVALID || action == CCI_ACTION_FAILED || action == CCI_ACTION_DEACTIVATED;
}

void cci_outcome_say(cci_outcome *outcome, const char *text)
{
    free(outcome->message);
    outcome->message = text ? strdup(text) : NULL;
}

const char *cci_outcome_text(const cci_outcome *outcome)
{
    if (outcome->message) return outcome->message;
    if (outcome->error_code[0]) return outcome->error_code;
    bool problem = cci_action_is_problem(outcome->action);
    return problem ? "the reason could not be kept (out of memory)" : "";
}

const char *cci_plural(unsigned long n)
{
    return n == 1 ? "" : "s";
}
