#include "send/batch.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The user as the batch sends it: its create body, with the dates. NULL when out of memory or
 * when the body is not an object. */
static cJSON *batch_entry(const cci_batch_user *user)
{
    cJSON *entry = cJSON_Parse(user->create_body);
    if (!cJSON_IsObject(entry)) {
        cJSON_Delete(entry);
        return NULL;
    }
    const char *names[] = {"createdAt", "lastActiveAt"};
    long long values[] = {user->created_at, user->last_active_at};
    for (size_t i = 0; i < 2; i++) {
        if (!values[i]) continue;
        char text[24];
        snprintf(text, sizeof text, "%lld", values[i]);
        if (!cJSON_AddStringToObject(entry, names[i], text)) {
            cJSON_Delete(entry);
            return NULL;
        }
    }
    return entry;
}

char *cci_batch_body(const cci_batch_user *users, size_t count, cci_batch_shape shape)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *all = shape == CCI_BATCH_OBJECT ? cJSON_AddObjectToObject(root, "users") : cJSON_AddArrayToObject(root, "users");
    bool ok = all != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        cJSON *entry = batch_entry(&users[i]);
        ok = entry && (shape == CCI_BATCH_OBJECT ? cJSON_AddItemToObject(all, users[i].uid, entry)
                                                 : cJSON_AddItemToArray(all, entry));
        if (!ok) cJSON_Delete(entry);
    }
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    return text;
}

/* The entry of uid in data: a member named uid (in any case), or an array element whose "uid"
 * is it. NULL when there is none. */
static const cJSON *entry_of(const cJSON *data, const char *uid)
{
    const cJSON *entry;
    cJSON_ArrayForEach(entry, data)
    {
        if (cJSON_IsObject(data) && entry->string && strcasecmp(entry->string, uid) == 0) return entry;
        const cJSON *named = cJSON_GetObjectItemCaseSensitive(entry, "uid");
        if (cJSON_IsArray(data) && cJSON_IsString(named) && strcasecmp(named->valuestring, uid) == 0) return entry;
    }
    return NULL;
}

static void read_error(const cJSON *error, cci_batch_answer *answer)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(error, "message");
    if (cJSON_IsString(error)) message = error; /* an error said in words only */
    snprintf(answer->code, sizeof answer->code, "%s", cJSON_IsString(code) ? code->valuestring : "");
    size_t used = (size_t)snprintf(answer->message, sizeof answer->message, "%s",
                                   cJSON_IsString(message) ? message->valuestring : "refused without a message");
    const cJSON *field;
    cJSON_ArrayForEach(field, cJSON_GetObjectItemCaseSensitive(error, "details"))
    {
        const cJSON *text;
        cJSON_ArrayForEach(text, field)
        {
            if (!cJSON_IsString(text) || !field->string) continue;
            if (!answer->refused_field[0]) snprintf(answer->refused_field, sizeof answer->refused_field, "%s", field->string);
            if (used < sizeof answer->message)
                used += (size_t)snprintf(answer->message + used, sizeof answer->message - used, " %s: %s",
                                         field->string, text->valuestring);
        }
    }
}

/* One uid's entry: a success about this uid, an error, or nothing that can be read. */
static void read_entry(const cJSON *entry, const char *uid, cci_batch_answer *answer)
{
    const cJSON *success = cJSON_GetObjectItemCaseSensitive(entry, "success");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(entry, "error");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(entry, "data");
    const cJSON *user_uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
    if (cJSON_IsTrue(success) && !error) {
        if (!user_uid || (cJSON_IsString(user_uid) && strcasecmp(user_uid->valuestring, uid) == 0)) {
            answer->result = CCI_BATCH_CREATED;
            return;
        }
        snprintf(answer->message, sizeof answer->message, "the answer said success about another uid");
        return;
    }
    if (!error) {
        snprintf(answer->message, sizeof answer->message, "the answer named the uid but said neither success nor error");
        return;
    }
    read_error(error, answer);
    answer->result = strcmp(answer->code, "ERR_UID_ALREADY_EXISTS") == 0 ? CCI_BATCH_EXISTS : CCI_BATCH_REFUSED;
}

bool cci_batch_read_answer(const char *body, size_t len, const cci_batch_user *users, size_t count,
                           cci_batch_answer *answers)
{
    for (size_t i = 0; i < count; i++) {
        answers[i] = (cci_batch_answer){.result = CCI_BATCH_UNANSWERED};
        snprintf(answers[i].message, sizeof answers[i].message, "the answer did not name this uid");
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    bool readable = cJSON_IsObject(data) || cJSON_IsArray(data);
    for (size_t i = 0; readable && i < count; i++) {
        const cJSON *entry = entry_of(data, users[i].uid);
        if (entry) read_entry(entry, users[i].uid, &answers[i]);
    }
    cJSON_Delete(root);
    return readable;
}

/* held's value for a date sent as a string of seconds: a number or a string, equal. Compared as
 * doubles: a number from the network may be anything, infinity included, and converting one out
 * of range to an integer is undefined (fuzz_fields found 164e092645). */
static bool same_seconds(const cJSON *held, long long sent)
{
    if (cJSON_IsNumber(held)) return held->valuedouble == (double)sent;
    return cJSON_IsString(held) && strtoll(held->valuestring, NULL, 10) == sent;
}

bool cci_batch_user_held(const cci_batch_user *sent, const char *answer, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(answer, len);
    cJSON *wanted = cJSON_Parse(sent->create_body);
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(root, "data");
    bool held = cJSON_IsObject(user) && cJSON_IsObject(wanted);
    const cJSON *field, *fields = held ? wanted : NULL;
    cJSON_ArrayForEach(field, fields)
    {
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(user, field->string);
        if (strcmp(field->string, "uid") == 0) held = cJSON_IsString(value) && strcasecmp(value->valuestring, sent->uid) == 0;
        else held = value && cJSON_Compare(field, value, true);
        if (!held) break;
    }
    if (held && sent->created_at) held = same_seconds(cJSON_GetObjectItemCaseSensitive(user, "createdAt"), sent->created_at);
    if (held && sent->last_active_at)
        held = same_seconds(cJSON_GetObjectItemCaseSensitive(user, "lastActiveAt"), sent->last_active_at);
    cJSON_Delete(wanted);
    cJSON_Delete(root);
    return held;
}
