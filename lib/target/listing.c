/* getline */
#define _GNU_SOURCE
#include "target/listing.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* A hundred million users: an announcement past that is more likely a broken counter than an app. */
#define MOST_USERS_BELIEVED 1e8

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

/* A count page 1 announces: a whole number from 1 to most, else 0 (0, missing, negative,
 * fractional, not a number or past belief announce nothing). */
static unsigned long announced(const cJSON *pagination, const char *name, double most)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(pagination, name);
    if (!cJSON_IsNumber(value) || !(value->valuedouble >= 1 && value->valuedouble <= most)) return 0;
    unsigned long count = (unsigned long)value->valuedouble;
    return (double)count == value->valuedouble ? count : 0;
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
    /* its meta.pagination (0: not announced), and the pages they come to: total_pages, or total
     * rounded up, the fewer when both are given; page 1's bound the reading */
    unsigned long total_pages, total_users, pages;
    bool says_empty; /* total is 0: no size announced, unless the page is empty too (an empty app) */
} page_facts;

/* What a reading saw that a complete one would not (cci_listing.proven). */
typedef struct proof {
    page_facts first;                 /* page 1's */
    unsigned long short_page;         /* the first page before the announced last that was not full */
    int short_count;
    unsigned long moved_page, moved_total; /* the first page announcing another total than page 1 */
} proof;

/* Reads what a page announces into facts. */
static void take_announcement(const cJSON *root, page_facts *facts)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
    const cJSON *pagination = cJSON_GetObjectItemCaseSensitive(meta, "pagination");
    facts->total_pages = announced(pagination, "total_pages", MOST_USERS_BELIEVED / CCI_LISTING_PER_PAGE);
    facts->total_users = announced(pagination, "total", MOST_USERS_BELIEVED);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(pagination, "total");
    facts->says_empty = cJSON_IsNumber(total) && total->valuedouble == 0;
    unsigned long by_users = (facts->total_users + CCI_LISTING_PER_PAGE - 1) / CCI_LISTING_PER_PAGE;
    facts->pages = !facts->total_pages ? by_users
                   : !by_users || facts->total_pages < by_users ? facts->total_pages
                                                                 : by_users;
}

/* Takes one parsed page: the users, and on page 1 the table sized by the (untrusted) total. */
static cci_listing_status take_page(cci_listing *listing, const cJSON *root, unsigned long page,
                                    unsigned long most_pages, page_facts *facts, char *err, size_t errlen)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsArray(data)) {
        snprintf(err, errlen, "page %lu of the app's users is not a user list", page);
        return CCI_LISTING_FAILED;
    }
    take_announcement(root, facts);
    if (page == 1) {
        if (most_pages && facts->pages > most_pages) {
            snprintf(err, errlen, "the app holds %lu pages of users", facts->pages);
            return CCI_LISTING_TOO_COSTLY;
        }
        if (!(listing->app = cci_app_users_new(facts->pages * CCI_LISTING_PER_PAGE))) {
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

/* How far a listing is read: the page that must not come back full, and the users it may hold. */
typedef struct listing_bound {
    unsigned long last_page;
    size_t most_users;
} listing_bound;

/* The bound page 1 sets: the pages it announced, or the cap when it announced none, plus one. */
static listing_bound bound_of(const page_facts *first, size_t most_untold_users)
{
    size_t untold = most_untold_users ? most_untold_users : CCI_LISTING_MOST_UNTOLD_USERS;
    unsigned long pages = first->pages ? first->pages : untold / CCI_LISTING_PER_PAGE + (untold % CCI_LISTING_PER_PAGE != 0);
    return (listing_bound){.last_page = pages + 1, .most_users = (size_t)(pages + 1) * CCI_LISTING_PER_PAGE};
}

/* Says that the listing ran past what page 1 announced, or past the cap when it announced nothing. */
static void say_past_bound(const page_facts *first, size_t most_untold_users, const cci_listing *listing,
                           char *err, size_t errlen)
{
    char announced_size[96] = "";
    if (first->total_pages && first->total_users)
        snprintf(announced_size, sizeof announced_size, "%lu pages / %lu users", first->total_pages, first->total_users);
    else if (first->total_pages || first->total_users)
        snprintf(announced_size, sizeof announced_size, "%lu %s", first->total_pages ? first->total_pages : first->total_users,
                 first->total_pages ? "pages" : "users");
    if (first->pages)
        snprintf(err, errlen, "the service kept sending users past the %s it announced (%zu users in %lu pages "
                              "read); a listing that does not end where it said cannot be trusted",
                 announced_size, listing->users, listing->pages);
    else
        snprintf(err, errlen, "the service announced no size (meta.pagination.total) and kept sending users past "
                              "%zu, the most read without one (%zu users in %lu pages read)",
                 most_untold_users ? most_untold_users : (size_t)CCI_LISTING_MOST_UNTOLD_USERS, listing->users,
                 listing->pages);
}

/* Whether a full page begins as the one before did: the service ignores the page asked for. */
static bool repeats(const page_facts *facts, const char *previous_first)
{
    return facts->first_uid[0] && strcmp(facts->first_uid, previous_first) == 0;
}

/* Notes what a page shows against page 1: a short page before the announced last, a total moved. */
static void witness(proof *p, const page_facts *facts, unsigned long page)
{
    bool before_last = p->first.pages && page < p->first.pages;
    if (facts->count < CCI_LISTING_PER_PAGE && before_last && !p->short_page) {
        p->short_page = page;
        p->short_count = facts->count;
    }
    if (page > 1 && facts->total_users != p->first.total_users && !p->moved_page) {
        p->moved_page = page;
        p->moved_total = facts->total_users;
    }
}

/* One reading from page 1: every page up to what page 1 announced (a short page before it is
 * noted, not taken for the end), or to the first short page when it announced nothing. */
static cci_listing_status read_once(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, cci_listing_wants wants, cci_listing_progress_fn progress,
                                    void *context, proof *p, char *err, size_t errlen)
{
    cci_listing_status status = start(listing, wants, err, errlen) ? CCI_LISTING_READ : CCI_LISTING_FAILED;
    char previous_first[256] = "";
    listing_bound bound = {0};
    *p = (proof){0};
    for (unsigned long page = 1; status == CCI_LISTING_READ; page++) {
        page_facts facts = {0};
        if ((status = read_page(listing, shared, worker, page, most_pages, &facts, err, errlen)) != CCI_LISTING_READ) break;
        listing->pages = page;
        if (page == 1) {
            p->first = facts;
            bound = bound_of(&p->first, wants.most_untold_users);
        }
        witness(p, &facts, page);
        if (progress) progress(context, page, listing->users);
        bool full = facts.count >= CCI_LISTING_PER_PAGE, before_last = p->first.pages && page < p->first.pages;
        if (listing->users > bound.most_users || (full && page >= bound.last_page)) {
            say_past_bound(&p->first, wants.most_untold_users, listing, err, errlen);
            status = CCI_LISTING_FAILED;
        } else if (!full && !before_last) {
            break; /* the last page */
        } else if (full && repeats(&facts, previous_first)) {
            snprintf(err, errlen, "the app's user list gave the same page twice (it ignores the page asked for)");
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

/* Whether a sealed reading proves who the app holds: page 1 announced its size, every page before
 * the last was full, the total no page moved, and the distinct users read are that total. Else
 * why not, naming the page and the numbers, in why. */
static bool judge(const cci_listing *listing, const proof *p, char *why, size_t whylen)
{
    cci_app_counts counts = cci_app_users_counts(listing->app);
    size_t distinct = counts.active + counts.deactivated;
    if (p->first.says_empty && listing->users == 0 && listing->pages == 1) return true; /* an empty app */
    if (!p->first.total_users)
        snprintf(why, whylen, "page 1 announced no total (meta.pagination.total), so nothing says all were read");
    else if (p->short_page)
        snprintf(why, whylen, "page %lu of the %lu announced held %d users, not %d", p->short_page, p->first.pages,
                 p->short_count, CCI_LISTING_PER_PAGE);
    else if (p->moved_page)
        snprintf(why, whylen, "the total moved while the pages were read: %lu users on page 1, %lu on page %lu",
                 p->first.total_users, p->moved_total, p->moved_page);
    else if (counts.malformed)
        snprintf(why, whylen, "%zu listed users had no uid", counts.malformed);
    else if (distinct != p->first.total_users)
        snprintf(why, whylen, "%zu distinct users were read in %lu pages, and page 1 announced %lu%s", distinct,
                 listing->pages, p->first.total_users,
                 listing->users > distinct ? " (some listed twice: the pages shifted)" : "");
    else
        return true;
    return false;
}

cci_listing_status cci_listing_read(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, cci_listing_wants wants, cci_listing_progress_fn progress,
                                    void *context, char *err, size_t errlen)
{
    proof p;
    char why[sizeof listing->unproven - 16]; /* room for " (read twice)" */
    cci_listing_status status = read_once(listing, shared, worker, most_pages, wants, progress, context, &p, err, errlen);
    if (status != CCI_LISTING_READ || judge(listing, &p, why, sizeof why)) {
        if (status == CCI_LISTING_READ) listing->proven = true, listing->readings = 1;
        return status;
    }
    if (!p.first.total_users) { /* nothing announced: a second reading could prove no more */
        snprintf(listing->unproven, sizeof listing->unproven, "%s", why);
        listing->readings = 1;
        return status;
    }
    /* pages that moved under the reader: read once more from page 1 */
    cci_listing_cleanup(listing);
    status = read_once(listing, shared, worker, most_pages, wants, progress, context, &p, err, errlen);
    if (status != CCI_LISTING_READ) return status;
    listing->readings = 2;
    listing->proven = judge(listing, &p, why, sizeof why);
    if (!listing->proven) snprintf(listing->unproven, sizeof listing->unproven, "%s (read twice)", why);
    return status;
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
        cci_listed_user listed = {.uid = cJSON_IsString(uid) ? uid->valuestring : NULL,
                                  .name = cJSON_IsString(name) ? name->valuestring : NULL};
        if (listed.uid && listed.name) going = visit(context, &listed);
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
