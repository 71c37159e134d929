/* Reading the app: every page of its user listing (1,000 users a page, deactivated users and tags
 * included), into the hashes of cci/app_users.h, with each user's uid, name and createdAt kept
 * aside in a temporary file (one JSON object a line) for the lists of absent and deactivated users.
 *
 * A listing is proof or nothing (issue 28). Offset pages move when users come and go while they are
 * read: a user can be seen twice or not at all. A reading is proven complete only when page 1
 * announced the total, every page up to the announced last was read and came back full (but the
 * last), no page announced another total, and the distinct users read are that total. A short or
 * empty page before the announced last is noted and the reading goes on to the last. A reading
 * that proves nothing though page 1 announced its size is done once more from page 1 (the pages
 * may have moved); the second stands, proven or not. An unproven listing still says who it saw
 * (cci_listing.unproven says why it proves no more): what it shows is there, what it does not
 * show is unknown, never absent. A listing that announces no size is read to its first short page
 * and is unproven.
 *
 * A page is untrusted, and so is what it announces. A listing that repeats a page is refused. It is bounded by what page 1 announces in
 * meta.pagination: total_pages, or total users rounded up to pages (the fewer pages when it gives
 * both: going past either contradicts it). At most those pages plus one are read (the one more
 * sees the end, and a page's worth of users added while the listing is read); a listing still
 * full there, or holding more users than those pages hold, is refused as FAILED: a reading that
 * does not end where the service said is no proof of who the app holds. Only page 1's figures
 * count: a total that moves later is not believed (a service that raised it on every page would
 * never end; the shared API notes call a moved total no proof either).
 *
 * A figure that is 0 (the OpenAPI example), missing, negative, fractional, not a number, or past a
 * hundred million users announces nothing. Such a listing is read to at most most_untold_users
 * (CCI_LISTING_MOST_UNTOLD_USERS, a million) plus a page: the app size the tool is measured at
 * (docs/performance.md), so a listing that never ends costs no more than an honest million-user
 * app, and the tool stays under 100 MB even with a million-row file (peak RSS measured: 49 MB
 * with 20 rows, 92 MB with a million; a cap of two million measured 86 and 129 MB). An app that
 * announces no size and holds more is not read: the options that need it say so, a plain run
 * sends as the journal says. What the reading keeps: 37 bytes of hashes a user (37 MB at the
 * cap); the uid and name lists on disk, not in memory (about 60 bytes a user); the metadata only
 * of users whose rows merge into it (of every listed user only when the rows' keys cannot be
 * signed: then it grows with the users' metadata). A size announced is believed, and costs what
 * an honest app of that size would.
 * Thread-safety: a listing is read and used by one thread (the reader, before the rows go). */
#ifndef CCI_LISTING_H
#define CCI_LISTING_H

#include <stdbool.h>
#include <stdio.h>

#include "state/app_users.h"
#include "send/send.h"
#include "util/strmap.h"

enum { CCI_LISTING_PER_PAGE = 1000, CCI_LISTING_MOST_UNTOLD_USERS = 1000000 };

/* Whether a listed user's metadata must be kept (its row's keys differ from it); *keys_equal says
 * its row's metadata.KEY values are what it holds already. */
typedef bool (*cci_keep_metadata_fn)(void *context, const cJSON *listed, bool *keys_equal);

/* What to keep besides the hashes, and how far to read a listing of no announced size. */
typedef struct cci_listing_wants {
    bool names;    /* uid and name of every user: for --plan, --prune, --reactivate */
    bool metadata; /* users' metadata: for metadata.KEY columns to merge into */
    cci_keep_metadata_fn keep_metadata; /* which users' metadata; NULL: every user's. A user it
                                         * proves equal is flagged CCI_APP_USER_KEYS_EQUAL */
    void *keep_context;
    size_t most_untold_users; /* read when page 1 announces no size; 0: CCI_LISTING_MOST_UNTOLD_USERS
                               * (tests lower it) */
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
    bool proven;        /* READ, and the reading proves who the app holds (above) */
    char unproven[320]; /* when READ but not proven: why, naming the page and the numbers */
    unsigned readings;  /* 1, or 2 when the first proved nothing */
} cci_listing;


typedef enum {
    CCI_LISTING_READ,      /* every user was read */
    CCI_LISTING_TOO_COSTLY, /* more pages than most_pages: the rows are cheaper sent blind */
    CCI_LISTING_REFUSED,   /* the key may not list users (an auth-only key) */
    CCI_LISTING_FAILED,    /* the service failed, answered nonsense, kept sending past what it
                            * announced (or the cap), or the run stopped */
} cci_listing_status;

/* Says how far the reading is (called after every page, with the users listed so far). */
typedef void (*cci_listing_progress_fn)(void *context, unsigned long pages, size_t users);

/* Reads every page, keeping what wants asks for. most_pages 0: no limit. On anything but READ,
 * err says why and the listing holds nothing. */
cci_listing_status cci_listing_read(cci_listing *listing, cci_send_shared *shared, cci_worker *worker,
                                    unsigned long most_pages, cci_listing_wants wants, cci_listing_progress_fn progress,
                                    void *context, char *err, size_t errlen);

/* One user of a listing's files (--prune's second look takes createdAt from the app's users). */
typedef struct cci_listed_user {
    const char *uid, *name;
} cci_listed_user;

/* Visits the users of one of the listing's files; visit returns false to stop. False when the file
 * cannot be read back, or was not kept. */
typedef bool (*cci_listed_user_fn)(void *context, const cci_listed_user *user);
bool cci_listing_each(FILE *users, cci_listed_user_fn visit, void *context);

void cci_listing_cleanup(cci_listing *listing);

#endif
