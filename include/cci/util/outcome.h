/* What happened to one row: the type every stage of a run hands on, from the planner through
 * the workers to the report.
 * Thread-safety: an outcome belongs to one row, and one thread holds a row at a time. */
#ifndef CCI_OUTCOME_H
#define CCI_OUTCOME_H

#include <stdbool.h>

typedef enum {
    CCI_ACTION_CREATED,
    CCI_ACTION_UPDATED,
    CCI_ACTION_UNCHANGED,
    CCI_ACTION_EXISTS,
    CCI_ACTION_INVALID,
    CCI_ACTION_FAILED,
    CCI_ACTION_SKIPPED,
    CCI_ACTION_DEACTIVATED, /* the uid belongs to a deactivated user, and --reactivate was not given */
    CCI_ACTION_REACTIVATED, /* reactivated, and updated when it differed */
    CCI_ACTION_SUPERSEDED,  /* invalid here, but its uid was imported since (the fixed rejects file) */
    /* what --plan says a run would do */
    CCI_ACTION_PLAN_CREATE,
    CCI_ACTION_PLAN_UPDATE,
    CCI_ACTION_PLAN_REACTIVATE,
    CCI_ACTION_COUNT,
} cci_action;

/* The action as the report spells it ("created"). */
const char *cci_action_name(cci_action action);

/* "s" unless n is 1: "%lu row%s" says "1 row" and "2 rows". */
const char *cci_plural(unsigned long n);

/* True when the row did not reach the app as the file has it and needs a person: invalid, failed
 * or deactivated. Such rows go to the rejects file and make the exit status 1. */
bool cci_action_is_problem(cci_action action);

/* message is owned (malloc'd) and may be NULL: when it could not be allocated, the report says
 * so rather than leaving the row unexplained. */
typedef struct cci_outcome {
    unsigned long line;
    char uid[101];
    cci_action action;
    long http_status; /* 0: no answer */
    char error_code[64];
    char *message;
    char refused_field[64]; /* the field the service refused ("role", "tags.3"), for the message to
                             * name the row's column and cell; "" for none */
    unsigned attempts; /* HTTP requests sent for the row */
} cci_outcome;

/* Replaces the message with a copy of text (or none when text is NULL). */
void cci_outcome_say(cci_outcome *outcome, const char *text);

/* The text a report or a problem list gives for the outcome: its message, its error code, or,
 * for a problem whose message was lost to a failed allocation, a sentence saying so. */
const char *cci_outcome_text(const cci_outcome *outcome);

#endif
