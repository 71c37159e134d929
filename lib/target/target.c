#include "target/target.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "rules/clears.h"
#include "plan/input.h"
#include "cci/util/outfile.h"
#include "cci/output/report.h"
#include "rules/user.h"

/* The signature of the row's metadata.KEY cells, for the listing to prove its user equal without
 * keeping the user's metadata. */
static void note_keys(cci_census *census, const cci_mapping *mapping, const cci_record *record, const char *uid)
{
    if (!census->keys_known) {
        census->keys_known = true;
        if (!cci_key_columns_of(mapping, &census->keys)) census->out_of_memory = true;
    }
    if (!census->keys.usable) return;
    /* what the row clears matters only when the journal says an import set something */
    const char *recorded = census->journal ? cci_journal_fields(census->journal, uid) : NULL;
    cci_clears clears = {0};
    if (recorded && *recorded && !cci_clears_find(&clears, mapping, record, recorded)) {
        census->out_of_memory = true;
        return;
    }
    uint32_t mask, signature = cci_key_signature_of_row(&census->keys, record, &clears, &mask);
    cci_uid_set_note_keys(&census->uids, signature, mask);
    cci_clears_cleanup(&clears);
}

bool cci_census_visit(void *context, const cci_mapping *mapping, const cci_record *record)
{
    cci_census *census = context;
    if (census->stop && cci_stop_requested(census->stop)) return false;
    if (cci_record_is_empty(record)) return true;
    char uid[CCI_UID_MAX + 1];
    if (!cci_record_uid(mapping, record, uid)) {
        census->unreadable++;
        return true;
    }
    cci_padding_note(&census->padding, uid);
    if (!cci_uid_set_add(&census->uids, uid, record->line)) census->out_of_memory = true;
    else note_keys(census, mapping, record, uid);
    const char *journaled = census->journal ? cci_journal_lookup(census->journal, uid) : NULL;
    if (journaled) census->journal_knows++;
    if (census->to_send) return true; /* known already: no more rows need be built */
    /* built as the planner will build it: an invalid row is never sent, and only the journal's
     * fingerprint proves a valid one unchanged */
    char problems[256];
    cci_user user;
    if (cci_user_build(&user, mapping, record, census->name_required, problems, sizeof problems)) {
        char *body = journaled ? cci_user_body(&user, false) : NULL;
        char fingerprint[CCI_FINGERPRINT_LEN + 1] = "";
        if (body) cci_fingerprint_of_text(body, strlen(body), fingerprint);
        census->to_send = !journaled || strcmp(journaled, fingerprint) != 0;
        free(body);
    }
    cci_user_cleanup(&user);
    return true;
}

void cci_census_cleanup(cci_census *census)
{
    cci_uid_set_cleanup(&census->uids);
    cci_key_columns_cleanup(&census->keys);
}

bool cci_census_keep_metadata(void *context, const cJSON *listed, bool *keys_equal)
{
    const cci_census *census = context;
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(listed, "uid");
    uint32_t signature, mask;
    *keys_equal = false;
    if (!cJSON_IsString(uid) || !cci_uid_set_keys(&census->uids, cci_uid_hash(uid->valuestring), &signature, &mask))
        return false; /* not in the file: no row merges into it */
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(listed, "metadata");
    uint32_t listed_signature;
    *keys_equal = cci_key_signature_of_listed(&census->keys, metadata, mask, &listed_signature) &&
                  listed_signature == signature;
    return !*keys_equal;
}

static bool in_file(const cci_census *census, const char *uid)
{
    return cci_uid_set_first_line(&census->uids, cci_uid_hash(uid)) != 0;
}

/* ---- sending uids in bulk ---- */

typedef struct batch {
    bool deactivate;
    cJSON *uids;              /* the request's array */
    char *names[CCI_BULK_UIDS];
    size_t count;
    size_t bytes;             /* of the uids, quoted: a request stays under CCI_BULK_BYTES */
    char *body;               /* the request, while it is sent */
    /* called before the request goes (NULL: none); false sends nothing */
    bool (*before_send)(void *context, const struct batch *b);
    void *before_context;
} batch;

static void request_bulk(cci_client *client, void *context, cci_response *response)
{
    const batch *b = context;
    cci_client_bulk(client, b->deactivate, b->body, response);
}

static void batch_clear(batch *b)
{
    for (size_t i = 0; i < b->count; i++) free(b->names[i]);
    cJSON_Delete(b->uids);
    free(b->body);
    b->uids = NULL;
    b->body = NULL;
    b->count = 0;
    b->bytes = 0;
}

/* Called with each uid the service says it changed. */
typedef bool (*changed_fn)(void *context, const char *uid, const char *name);

/* Sends the batch; calls changed for the uids the answer names (every uid sent when the answer
 * names none: the field's meaning is not documented). */
static cci_status batch_send(batch *b, cci_send_shared *shared, cci_worker *worker, changed_fn changed, void *context,
                             char *err, size_t errlen)
{
    if (!b->count) return CCI_OK;
    cJSON *root = cJSON_CreateObject();
    bool ok = root && cJSON_AddItemReferenceToObject(root, b->deactivate ? "uidsToDeactivate" : "uidsToActivate", b->uids);
    b->body = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!b->body) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    if (b->before_send && !b->before_send(b->before_context, b)) {
        int error = errno;
        return cci_fail(error == ENOMEM ? CCI_NOMEM : CCI_IO, err, errlen,
                        "cannot write the list of the users about to be %s: %s; nothing more was sent",
                        b->deactivate ? "deactivated" : "reactivated", strerror(error));
    }
    cci_response response;
    cci_budget budget = b->deactivate ? CCI_BUDGET_CORE : CCI_BUDGET_STANDARD;
    cci_answer_class class = cci_send_call(shared, worker, budget, request_bulk, b, &response);
    if (class != CCI_ANSWER_OK) {
        /* the key or the app refused; else the run stopped (a fatal answer stops it too), or the
         * requests failed */
        cci_status status = class == CCI_ANSWER_FATAL          ? CCI_REFUSED
                            : cci_stop_requested(shared->stop) ? CCI_STOPPED
                                                               : CCI_NETWORK;
        return cci_fail(status, err, errlen, "%s %zu users failed: %s%s%s",
                        b->deactivate ? "deactivating" : "reactivating", b->count, response.code,
                        response.code[0] ? ": " : "", response.message);
    }
    size_t len;
    cJSON *answer = cJSON_ParseWithLength(cci_client_answer(worker->client, &len), len);
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer, "data"),
                                                          b->deactivate ? "deactivatedUids" : "nonDeactivatedUids");
    bool any = cJSON_IsArray(named) && cJSON_GetArraySize(named) > 0;
    ok = true;
    size_t i = 0;
    for (const cJSON *uid = b->uids->child; ok && uid; uid = uid->next, i++) {
        bool said = !any;
        const cJSON *item;
        cJSON_ArrayForEach(item, named)
            said = said || (cJSON_IsString(item) && strcasecmp(item->valuestring, uid->valuestring) == 0);
        if (said) ok = changed(context, uid->valuestring, b->names[i]);
    }
    cJSON_Delete(answer);
    return ok ? CCI_OK : cci_fail(CCI_IO, err, errlen, "cannot write the list of what was changed");
}

/* Adds uid to the batch, sending it first when full. */
static cci_status batch_add(batch *b, const char *uid, const char *name, cci_send_shared *shared, cci_worker *worker,
                            changed_fn changed, void *context, char *err, size_t errlen)
{
    size_t bytes = strlen(uid) + 3; /* quoted, and a comma */
    if (b->count == CCI_BULK_UIDS || (b->count && b->bytes + bytes > CCI_BULK_BYTES)) {
        cci_status sent = batch_send(b, shared, worker, changed, context, err, errlen);
        batch_clear(b);
        if (sent != CCI_OK) return sent;
    }
    if (!b->uids && !(b->uids = cJSON_CreateArray())) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    char *copy = strdup(name);
    cJSON *item = cJSON_CreateString(uid);
    if (!copy || !item) {
        free(copy);
        cJSON_Delete(item);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    }
    cJSON_AddItemToArray(b->uids, item);
    b->names[b->count++] = copy;
    b->bytes += bytes;
    return CCI_OK;
}

/* ---- reactivating ---- */

typedef struct reactivation {
    cci_listing *listing;
    const cci_census *census;
    cci_send_shared *shared;
    cci_worker *worker;
    batch batch;
    unsigned long done;
    char *err;
    size_t errlen;
    cci_status failed; /* a batch's, CCI_OK while none failed */
} reactivation;

static bool mark_reactivated(void *context, const char *uid, const char *name)
{
    (void)name;
    reactivation *r = context;
    cci_app_user *user = cci_app_users_find(r->listing->app, uid);
    if (user) user->flags |= CCI_APP_USER_REACTIVATED;
    r->done++;
    return true;
}

static bool reactivate_one(void *context, const cci_listed_user *user)
{
    reactivation *r = context;
    if (!in_file(r->census, user->uid)) return true;
    r->failed =
        batch_add(&r->batch, user->uid, user->name, r->shared, r->worker, mark_reactivated, r, r->err, r->errlen);
    return r->failed == CCI_OK;
}

cci_status cci_target_reactivate(cci_listing *listing, const cci_census *census, cci_send_shared *shared,
                                 cci_worker *worker, unsigned long *reactivated, char *err, size_t errlen)
{
    reactivation r = {.listing = listing, .census = census, .shared = shared, .worker = worker,
                      .err = err, .errlen = errlen};
    bool listed = cci_listing_each(listing->deactivated, reactivate_one, &r);
    cci_status status = r.failed;
    if (!listed && status == CCI_OK)
        status = cci_fail(CCI_IO, err, errlen, "cannot read back the app's deactivated users");
    if (status == CCI_OK) status = batch_send(&r.batch, shared, worker, mark_reactivated, &r, err, errlen);
    batch_clear(&r.batch);
    *reactivated = r.done;
    return status;
}

/* ---- the absent ones ---- */

typedef struct absence {
    const cci_census *census;
    const cci_listing *listing; /* the reading the users come from */
    const cci_second_look *again; /* before deactivating: NULL for a list only */
    FILE *way_back;             /* pruned.csv, while deactivating */
    unsigned long count;
    unsigned long left_alone;   /* absent from the file, but changed or new since the reading */
    cci_outfile *out;      /* the list written; NULL: count only */
    batch *batch;          /* deactivate them; NULL: list only */
    cci_send_shared *shared;
    cci_worker *worker;
    char *err;
    size_t errlen;
    cci_status failed; /* a batch's, CCI_OK while none failed */
} absence;

static bool write_user(void *context, const char *uid, const char *name)
{
    absence *a = context;
    FILE *f = a->out->file;
    a->count++;
    return cci_outfile_check(a->out, cci_write_cell(f, uid, strlen(uid), ',', false) && fputc(',', f) != EOF &&
                                         cci_write_cell(f, name, strlen(name), ',', false) && fputc('\n', f) != EOF);
}

/* The second look: the user is still listed, active, as it was (the same fields, and the same
 * createdAt: not deleted and made again under its uid), and was created before the second the run
 * began (the service's clock: a clock between them that disagrees is not seen). */
static bool still_absent(const absence *a, const cci_listed_user *user)
{
    const cci_app_user *then = cci_app_users_find(a->listing->app, user->uid);
    const cci_app_user *now = cci_app_users_find(a->again->listing->app, user->uid);
    return then && now && !(now->flags & CCI_APP_USER_DEACTIVATED) &&
           memcmp(then->field, now->field, sizeof then->field) == 0 && then->created == now->created &&
           (long long)now->created < a->again->run_began;
}

/* What the answer to a deactivation says it changed: counted (the way back listed them before). */
static bool count_changed(void *context, const char *uid, const char *name)
{
    (void)uid, (void)name;
    ((absence *)context)->count++;
    return true;
}

/* Before a deactivation goes: its users into the way back, on the disk, so that every user whose
 * deactivation was sent is in pruned.csv whatever happens next (a timeout, a kill). */
static bool list_before_sending(void *context, const batch *b)
{
    absence *a = context;
    FILE *f = a->way_back;
    bool ok = true;
    size_t i = 0;
    for (const cJSON *uid = b->uids->child; ok && uid; uid = uid->next, i++)
        ok = cci_write_cell(f, uid->valuestring, strlen(uid->valuestring), ',', false) && fputc(',', f) != EOF &&
             cci_write_cell(f, b->names[i], strlen(b->names[i]), ',', false) && fputc('\n', f) != EOF;
    return ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
}

static bool visit_absent(void *context, const cci_listed_user *user)
{
    absence *a = context;
    if (in_file(a->census, user->uid)) return true;
    if (a->again && !still_absent(a, user)) {
        a->left_alone++;
        return true;
    }
    if (a->batch) {
        a->failed =
            batch_add(a->batch, user->uid, user->name, a->shared, a->worker, count_changed, a, a->err, a->errlen);
        return a->failed == CCI_OK;
    }
    if (!a->out) {
        a->count++;
        return true;
    }
    return write_user(a, user->uid, user->name);
}

unsigned long cci_target_count_absent(const cci_listing *listing, const cci_census *census)
{
    absence a = {.census = census, .listing = listing};
    cci_listing_each(listing->active, visit_absent, &a);
    return a.count;
}

/* Lists (and with a batch, deactivates) the absent users into path. */
static cci_status each_absent_into(const cci_listing *listing, absence *a, const char *path, char *err, size_t errlen)
{
    cci_outfile out = {0};
    cci_status status = cci_outfile_open(&out, path, err, errlen);
    if (status != CCI_OK) return status;
    a->out = &out;
    cci_outfile_check(&out, fputs(CCI_UID_LIST_HEADER "\n", out.file) >= 0);
    if (!cci_listing_each(listing->active, visit_absent, a))
        status = a->failed != CCI_OK ? a->failed
                                     : cci_fail(CCI_IO, err, errlen, "cannot read back the app's active users");
    char why[512], kept[1024];
    cci_status committed = cci_outfile_commit(&out, true, kept, sizeof kept, why, sizeof why);
    if (committed != CCI_OK && status == CCI_OK) status = cci_fail(committed, err, errlen, "%s", why);
    return status;
}

cci_status cci_target_write_absent(const cci_listing *listing, const cci_census *census, const char *path,
                                   unsigned long *written, char *err, size_t errlen)
{
    absence a = {.census = census, .listing = listing, .err = err, .errlen = errlen};
    cci_status status = each_absent_into(listing, &a, path, err, errlen);
    *written = a.count;
    return status;
}

cci_status cci_target_prune(const cci_listing *listing, const cci_census *census, const cci_second_look *again,
                            cci_send_shared *shared, cci_worker *worker, const char *path, cci_pruning *pruning,
                            char *err, size_t errlen)
{
    *pruning = (cci_pruning){0};
    batch b = {.deactivate = true, .before_send = list_before_sending};
    absence a = {.census = census, .listing = listing, .again = again, .batch = &b, .shared = shared,
                 .worker = worker, .err = err, .errlen = errlen};
    b.before_context = &a;
    /* the way back is written straight under its name, never renamed into place: a run killed
     * mid-way leaves it, listing every user whose deactivation was sent */
    if (!(a.way_back = cci_open_for_writing(path, O_TRUNC, "w"))) {
        int error = errno; /* a link planted there, or a file of someone else's, is refused */
        cci_status status = cci_status_of_errno(error);
        return cci_fail(status, err, errlen, "cannot create %s: %s; nobody was deactivated", path, strerror(error));
    }
    bool listed = fputs(CCI_UID_LIST_HEADER "\n", a.way_back) >= 0 && cci_listing_each(listing->active, visit_absent, &a);
    cci_status status = a.failed;
    if (!listed && status == CCI_OK) status = cci_fail(CCI_IO, err, errlen, "cannot read back the app's active users");
    if (status == CCI_OK) status = batch_send(&b, shared, worker, count_changed, &a, err, errlen);
    if (fclose(a.way_back) != 0 && status == CCI_OK)
        status = cci_fail(CCI_IO, err, errlen, "cannot write %s: %s", path, strerror(errno));
    batch_clear(&b);
    *pruning = (cci_pruning){.deactivated = a.count, .left_alone = a.left_alone};
    return status;
}
