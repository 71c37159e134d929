/* getline */
#define _GNU_SOURCE
#include "cci/listing.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A hundred million users: past that, a listing that never ends is more likely than an app. */
enum { MOST_PAGES_EVER = 100000 };

typedef struct page_request {
    unsigned long page;
} page_request;

static void request_page(cci_client *client, void *context, cci_response *response)
{
    cci_client_list(client, ((page_request *)context)->page, CCI_LISTING_PER_PAGE, response);
}

/* Writes {"uid","name"} of listed as one line of users. */
static bool keep_name(FILE *users, const cJSON *listed)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(listed, "uid");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(listed, "name");
    if (!cJSON_IsString(uid)) return true;
    cJSON *line = cJSON_CreateObject();
    bool ok = line && cJSON_AddStringToObject(line, "uid", uid->valuestring) &&
              cJSON_AddStringToObject(line, "name", cJSON_IsString(name) ? name->valuestring : "");
    char *text = ok ? cJSON_PrintUnformatted(line) : NULL;
    ok = text && fputs(text, users) >= 0 && fputc('\n', users) != EOF;
    free(text);
    cJSON_Delete(line);
    return ok;
}

/* Pages the listing's total promises, when it gives one. */
static unsigned long promised_pages(const cJSON *page)
{
    const cJSON *pagination = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(page, "meta"), "pagination");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(pagination, "total");
    if (!cJSON_IsNumber(total) || total->valuedouble <= 0 || total->valuedouble > 1e12) return 0;
    return (unsigned long)((total->valuedouble + CCI_LISTING_PER_PAGE - 1) / CCI_LISTING_PER_PAGE);
}

/* Keeps listed's metadata, for metadata.KEY columns to merge into. False when out of memory. */
static bool keep_metadata(cci_strmap *kept, const cJSON *listed)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(listed, "uid");
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(listed, "metadata");
    if (!cJSON_IsString(uid) || !cJSON_IsObject(metadata)) return true;
    char lowered[256];
    snprintf(lowered, sizeof lowered, "%s", uid->valuestring);
    for (char *p = lowered; *p; p++) *p = (char)tolower((unsigned char)*p);
    char *text = cJSON_PrintUnformatted(metadata);
    if (text && cci_strmap_put(kept, lowered, text)) return true;
    free(text);
    return false;
}

/* Adds one page's users; false with err set when it is not a user list or memory ran out. */
static bool take_page(cci_listing *listing, const cJSON *data, unsigned long page, char *err, size_t errlen)
{
    const cJSON *listed;
    cJSON_ArrayForEach(listed, data)
    {
        bool deactivated = cci_listed_deactivated(listed);
        if (!cci_app_users_add(listing->app, listed) ||
            (listing->metadata && !keep_metadata(listing->metadata, listed)) ||
            !keep_name(deactivated ? listing->deactivated : listing->active, listed)) {
            snprintf(err, errlen, "out of memory or disk while reading page %lu of the app's users", page);
            return false;
        }
    }
    return true;
}

static cci_listing_status fail(cci_listing *listing, cci_listing_status status)
{
    cci_listing_cleanup(listing);
    return status;
}

cci_listing_status cci_listing_read(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, bool keep_metadata, cci_listing_progress_fn progress,
                                    void *context, char *err, size_t errlen)
{
    *listing = (cci_listing){.active = tmpfile(), .deactivated = tmpfile()};
    if (keep_metadata && !(listing->metadata = cci_strmap_new(free))) {
        snprintf(err, errlen, "out of memory for the app's users");
        return fail(listing, CCI_LISTING_FAILED);
    }
    if (!listing->active || !listing->deactivated) {
        snprintf(err, errlen, "cannot make a temporary file for the app's users");
        return fail(listing, CCI_LISTING_FAILED);
    }
    char first_uid[256] = "", previous_first[256] = "";
    for (unsigned long page = 1;; page++) {
        cci_response response;
        page_request request = {page};
        cci_answer_class answer = cci_send_call(shared, worker, CCI_BUDGET_STANDARD, request_page, &request, &response);
        if (answer != CCI_ANSWER_OK) {
            bool refused = response.status == 403 || strcmp(response.code, "AUTH_ERR_NO_ACCESS") == 0;
            snprintf(err, errlen, "cannot read page %lu of the app's users: %s%s%s", page,
                     response.code[0] ? response.code : "", response.code[0] ? ": " : "", response.message);
            return fail(listing, refused ? CCI_LISTING_REFUSED : CCI_LISTING_FAILED);
        }
        size_t len;
        const char *body = cci_client_answer(worker->client, &len);
        cJSON *root = cJSON_ParseWithLength(body, len);
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        if (!cJSON_IsArray(data)) {
            cJSON_Delete(root);
            snprintf(err, errlen, "page %lu of the app's users is not a user list", page);
            return fail(listing, CCI_LISTING_FAILED);
        }
        unsigned long promised = page == 1 ? promised_pages(root) : 0;
        if (page == 1 && !(listing->app = cci_app_users_new(promised * CCI_LISTING_PER_PAGE))) {
            cJSON_Delete(root);
            snprintf(err, errlen, "out of memory for the app's users");
            return fail(listing, CCI_LISTING_FAILED);
        }
        if (most_pages && promised > most_pages) {
            cJSON_Delete(root);
            snprintf(err, errlen, "the app holds %lu pages of users", promised);
            return fail(listing, CCI_LISTING_TOO_COSTLY);
        }
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(data, 0), "uid");
        snprintf(first_uid, sizeof first_uid, "%s", cJSON_IsString(uid) ? uid->valuestring : "");
        int count = cJSON_GetArraySize(data);
        bool ok = take_page(listing, data, page, err, errlen);
        cJSON_Delete(root);
        if (!ok) return fail(listing, CCI_LISTING_FAILED);
        listing->pages = page;
        if (progress) progress(context, page, cci_app_users_counts(listing->app).active);
        if (count < CCI_LISTING_PER_PAGE) break; /* the last page */
        if (first_uid[0] && strcmp(first_uid, previous_first) == 0) {
            snprintf(err, errlen, "the app's user list gave page %lu twice (it ignores the page asked for)", page);
            return fail(listing, CCI_LISTING_FAILED);
        }
        if (page >= MOST_PAGES_EVER) {
            snprintf(err, errlen, "the app's user list did not end after %d pages", MOST_PAGES_EVER);
            return fail(listing, CCI_LISTING_FAILED);
        }
        if (most_pages && page >= most_pages) {
            snprintf(err, errlen, "the app holds more than %lu pages of users", most_pages);
            return fail(listing, CCI_LISTING_TOO_COSTLY);
        }
        memcpy(previous_first, first_uid, sizeof first_uid);
    }
    cci_app_users_seal(listing->app);
    return CCI_LISTING_READ;
}

bool cci_listing_each(FILE *users, cci_listed_user_fn visit, void *context)
{
    if (fflush(users) != 0 || fseek(users, 0, SEEK_SET) != 0) return false;
    char *line = NULL;
    size_t cap = 0;
    bool ok = true, going = true;
    while (going && getline(&line, &cap, users) > 0) {
        cJSON *user = cJSON_Parse(line);
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(user, "name");
        if (cJSON_IsString(uid) && cJSON_IsString(name)) going = visit(context, uid->valuestring, name->valuestring);
        else ok = going = false;
        cJSON_Delete(user);
    }
    free(line);
    fseek(users, 0, SEEK_END); /* appends go on at the end */
    return ok && !ferror(users);
}

void cci_listing_cleanup(cci_listing *listing)
{
    cci_app_users_free(listing->app);
    cci_strmap_free(listing->metadata);
    if (listing->active) fclose(listing->active);
    if (listing->deactivated) fclose(listing->deactivated);
    *listing = (cci_listing){0};
}
