/* Listings that misbehave as offset pages do on a live service (issue 28): a page that comes back
 * short or empty while its pagination says more follow, pages that shift under the reader (users
 * removed ahead of the offset: some never seen), a total that grows while the listing is read, and
 * no pagination at all. Each applies from page 2 of a listing of at least 3 pages (page 1 sets
 * what the reader expects), to the first N readings (a reading begins at page 1) or to all.
 * Thread-safety: pure functions. */
#ifndef SBX_LISTING_H
#define SBX_LISTING_H

typedef enum {
    SBX_LISTING_FAULT_NONE,
    SBX_LISTING_FAULT_SHORT_PAGE,    /* page 2 holds half its users; the pagination is kept */
    SBX_LISTING_FAULT_EMPTY_PAGE,    /* page 2 holds none */
    SBX_LISTING_FAULT_SHIFT,         /* from page 2 the pages start SBX_LISTING_SHIFT users later */
    SBX_LISTING_FAULT_GROWING_TOTAL, /* each page's total is 10 a page more than page 1's */
    SBX_LISTING_FAULT_NO_PAGINATION, /* no meta at all */
    SBX_LISTING_FAULT_COUNT,
} sbx_listing_fault;

enum { SBX_LISTING_SHIFT = 100 };

/* Names as the command line spells them; NULL past the end. */
const char *sbx_listing_fault_name(sbx_listing_fault fault);

/* The users a page skips before its offset under fault (SHIFT), else 0. */
unsigned sbx_listing_skip(sbx_listing_fault fault, unsigned page);

/* The answer to page as fault makes it (answer is consumed; the result is malloc'd). */
char *sbx_listing_misbehave(sbx_listing_fault fault, unsigned page, char *answer);

#endif
