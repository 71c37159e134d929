/* getline */
#define _GNU_SOURCE
#include "cci/listing.h"

#include <cjson/cJSON.h>
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

/* Keeps listed's metadata, for metadata.KEY columns to merge into, unless wants proves it not
 * needed. False when out of memory. */
static bool keep_metadata(cci_listing *listing, const cJSON *listed)
{
    const cci_listing_wants *wants = &listing->wants;
    cci_strmap *kept = listing->metadata;
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(listed, "uid");
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(listed, "metadata");
    if (!cJSON_IsString(uid)) return true;
    bool keys_equal = false;
    if (wants->keep_metadata && !wants->keep_metadata(wants->keep_context, listed, &keys_equal)) {
        if (keys_equal) cci_app_users_mark_last(listing->app, CCI_APP_USER_KEYS_EQUAL);
        return true;
    }
    if (!cJSON_IsObject(metadata)) return true;
    char lowered[256];
    cci_uid_lowercase(uid->valuestring, lowered, sizeof lowered);
    char *text = cJSON_PrintUnformatted(metadata);
    if (text && cci_strmap_put(kept, lowered, text)) return true;
    free(text);
    return false;
}

/* Adds one page's users; false with err set when memory or the disk ran out. */
static bool take_users(cci_listing *listing, const cJSON *data, unsigned long page, char *err, size_t errlen)
{
    const cJSON *listed;
    cJSON_ArrayForEach(listed, data)
    {
        FILE *names = cci_listed_deactivated(listed) ? listing->deactivated : listing->active;
        if (!cci_app_users_add(listing->app, listed) ||
            (listing->metadata && !keep_metadata(listing, listed)) || (names && !keep_name(names, listed))) {
            snprintf(err, errlen, "out of memory or disk while reading page %lu of the app's users", page);
            return false;
        }
        listing->users++;
    }
    return true;
}

/* What one page says about the listing as a whole. */
typedef struct page_facts {
    int count;          /* users on it */
    char first_uid[256];
} page_facts;

/* Takes one parsed page: the users, and on page 1 the table sized by the (untrusted) total. */
static cci_listing_status take_page(cci_listing *listing, const cJSON *root, unsigned long page,
                                    unsigned long most_pages, page_facts *facts, char *err, size_t errlen)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        snprintf(err, errlen, "page %lu of the app's users is not a user list", page);
        return CCI_LISTING_FAILED;
    }
    if (page == 1) {
        unsigned long promised = promised_pages(root);
        if (most_pages && promised > most_pages) {
            snprintf(err, errlen, "the app holds %lu pages of users", promised);
            return CCI_LISTING_TOO_COSTLY;
        }
        if (!(listing->app = cci_app_users_new(promised * CCI_LISTING_PER_PAGE))) {
            snprintf(err, errlen, "out of memory for the app's users");
            return CCI_LISTING_FAILED;
        }
    }
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(data, 0), "uid");
    snprintf(facts->first_uid, sizeof facts->first_uid, "%s", cJSON_IsString(uid) ? uid->valuestring : "");
    facts->count = cJSON_GetArraySize(data);
    return take_users(listing, data, page, err, errlen) ? CCI_LISTING_READ : CCI_LISTING_FAILED;
}

/* Asks for one page and takes it. */
static cci_listing_status read_page(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long page, unsigned long most_pages, page_facts *facts, char *err,
                                    size_t errlen)
{
    cci_response response;
    page_request request = {page};
    if (cci_send_call(shared, worker, CCI_BUDGET_STANDARD, request_page, &request, &response) != CCI_ANSWER_OK) {
        bool refused = response.status == 403 || strcmp(response.code, "AUTH_ERR_NO_ACCESS") == 0;
        snprintf(err, errlen, "cannot read page %lu of the app's users: %s%s%s", page, response.code,
                 response.code[0] ? ": " : "", response.message);
        return refused ? CCI_LISTING_REFUSED : CCI_LISTING_FAILED;
    }
    size_t len;
    const char *body = cci_client_answer(worker->client, &len);
    cJSON *root = cJSON_ParseWithLength(body, len);
    cci_listing_status status = take_page(listing, root, page, most_pages, facts, err, errlen);
    cJSON_Delete(root);
    return status;
}

/* Sets up what wants asks to keep besides the hashes. */
static bool start(cci_listing *listing, cci_listing_wants wants, char *err, size_t errlen)
{
    *listing = (cci_listing){.wants = wants};
    if (wants.names && (!(listing->active = tmpfile()) || !(listing->deactivated = tmpfile()))) {
        snprintf(err, errlen, "cannot make a temporary file for the app's users");
        return false;
    }
    if (wants.metadata && !(listing->metadata = cci_strmap_new(free))) {
        snprintf(err, errlen, "out of memory for the app's users");
        return false;
    }
    return true;
}

/* Why the listing cannot be trusted to end after page, or NULL. */
static const char *endless(unsigned long page, const page_facts *facts, const char *previous_first)
{
    if (facts->first_uid[0] && strcmp(facts->first_uid, previous_first) == 0)
        return "gave the same page twice (it ignores the page asked for)";
    return page >= MOST_PAGES_EVER ? "did not end after 100,000 pages" : NULL;
}

cci_listing_status cci_listing_read(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, cci_listing_wants wants, cci_listing_progress_fn progress,
                                    void *context, char *err, size_t errlen)
{
    cci_listing_status status = start(listing, wants, err, errlen) ? CCI_LISTING_READ : CCI_LISTING_FAILED;
    char previous_first[256] = "";
    for (unsigned long page = 1; status == CCI_LISTING_READ; page++) {
        page_facts facts;
        if ((status = read_page(listing, shared, worker, page, most_pages, &facts, err, errlen)) != CCI_LISTING_READ) break;
        listing->pages = page;
        if (progress) progress(context, page, listing->users);
        if (facts.count < CCI_LISTING_PER_PAGE) break; /* the last page */
        const char *why = endless(page, &facts, previous_first);
        if (why) {
            snprintf(err, errlen, "the app's user list %s", why);
            status = CCI_LISTING_FAILED;
        } else if (most_pages && page >= most_pages) {
            snprintf(err, errlen, "the app holds more than %lu pages of users", most_pages);
            status = CCI_LISTING_TOO_COSTLY;
        }
        memcpy(previous_first, facts.first_uid, sizeof previous_first);
    }
    if (status != CCI_LISTING_READ) {
        cci_listing_cleanup(listing);
        return status;
    }
    cci_app_users_seal(listing->app);
    return CCI_LISTING_READ;
}

bool cci_listing_each(FILE *users, cci_listed_user_fn visit, void *context)
{
    if (!users || fflush(users) != 0 || fseek(users, 0, SEEK_SET) != 0) return false;
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
