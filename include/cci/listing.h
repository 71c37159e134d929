/* Reading the app: every page of its user listing (1,000 users a page, deactivated users and tags
 * included), into the hashes of cci/app_users.h, with each user's uid and name kept aside in a
 * temporary file (one JSON object a line) for the lists of absent and deactivated users.
 *
 * A page is untrusted: its total is only a hint (the OpenAPI example says 0), the listing ends at
 * the first short page, and a listing that repeats a page or runs past a hundred million users is
 * refused rather than read for ever.
 * Thread-safety: a listing is read and used by one thread (the reader, before the rows go). */
#ifndef CCI_LISTING_H
#define CCI_LISTING_H

#include <stdbool.h>
#include <stdio.h>

#include "cci/app_users.h"
#include "cci/send.h"
#include "cci/strmap.h"

enum { CCI_LISTING_PER_PAGE = 1000 };

/* Whether a listed user's metadata must be kept (its row's keys differ from it); *keys_equal says
 * its row's metadata.KEY values are what it holds already. */
typedef bool (*cci_keep_metadata_fn)(void *context, const cJSON *listed, bool *keys_equal);

/* What to keep besides the hashes. */
typedef struct cci_listing_wants {
    bool names;    /* uid and name of every user: for --plan, --prune, --reactivate */
    bool metadata; /* users' metadata: for metadata.KEY columns to merge into */
    cci_keep_metadata_fn keep_metadata; /* which users' metadata; NULL: every user's. A user it
                                         * proves equal is flagged CCI_APP_USER_KEYS_EQUAL */
    void *keep_context;
} cci_listing_wants;

typedef struct cci_listing {
    cci_app_users *app; /* owned; NULL until read */
    FILE *active;       /* {"uid","name"} lines of the active users; owned; NULL unless wanted */
    FILE *deactivated;  /* the same, deactivated users */
    cci_strmap *metadata; /* uid (lowercased) -> its metadata as compact JSON (malloc'd), only when
                           * asked for: metadata.KEY columns merge into it */
    unsigned long pages;
    size_t users; /* listed so far, a uid listed twice counted twice */
    cci_listing_wants wants; /* as asked */
} cci_listing;


typedef enum {
    CCI_LISTING_READ,      /* every user was read */
    CCI_LISTING_TOO_COSTLY, /* more pages than most_pages: the rows are cheaper sent blind */
    CCI_LISTING_REFUSED,   /* the key may not list users (an auth-only key) */
    CCI_LISTING_FAILED,    /* the service failed, answered nonsense, or the run stopped */
} cci_listing_status;

/* Says how far the reading is (called after every page, with the users listed so far). */
typedef void (*cci_listing_progress_fn)(void *context, unsigned long pages, size_t users);

/* Reads every page, keeping what wants asks for. most_pages 0: no limit. On anything but READ,
 * err says why and the listing holds nothing. */
cci_listing_status cci_listing_read(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, cci_listing_wants wants, cci_listing_progress_fn progress,
                                    void *context, char *err, size_t errlen);

/* Visits the users of one of the listing's files; visit returns false to stop. False when the file
 * cannot be read back, or was not kept. */
typedef bool (*cci_listed_user_fn)(void *context, const char *uid, const char *name);
bool cci_listing_each(FILE *users, cci_listed_user_fn visit, void *context);

void cci_listing_cleanup(cci_listing *listing);

#endif
