/* One Data Import request (POST /data_import/users): up to 50 new users in one body, and the
 * per-uid answers read without trusting them.
 *
 * The documents disagree on the body: the example keys users by uid, the error text asks for an
 * array. Both can be built; answers are read in either shape, and a uid the answer does not name
 * is not done as far as anyone knows.
 * Thread-safety: pure functions. */
#ifndef CCI_BATCH_H
#define CCI_BATCH_H

#include <stdbool.h>
#include <stddef.h>

enum { CCI_BATCH_MAX = 50 }; /* users a request, as documented */

typedef struct cci_batch_user {
    const char *uid;         /* canonical (lowercase) */
    const char *create_body; /* the row's create body: a JSON object with uid */
    long long created_at;    /* Unix seconds; 0: not given */
    long long last_active_at;
} cci_batch_user;

typedef enum {
    CCI_BATCH_OBJECT, /* {"users": {"uid1": {...}, ...}}: the documented example */
    CCI_BATCH_ARRAY,  /* {"users": [{...}, ...]}: what ERR_IMPORT_INVALID_USER_FORMAT's text asks for */
} cci_batch_shape;

/* The request body, with createdAt and lastActiveAt as strings of seconds, as the example has
 * them. malloc'd; NULL when out of memory or when a create body is not a JSON object. */
char *cci_batch_body(const cci_batch_user *users, size_t count, cci_batch_shape shape);

typedef enum {
    CCI_BATCH_UNANSWERED, /* the answer does not say (or says in a way that cannot be read) */
    CCI_BATCH_CREATED,    /* "success": true, about this uid */
    CCI_BATCH_EXISTS,     /* ERR_UID_ALREADY_EXISTS */
    CCI_BATCH_REFUSED,    /* any other error: code and message say why */
} cci_batch_result;

typedef struct cci_batch_answer {
    cci_batch_result result;
    char code[64];
    char message[512];
    char refused_field[64]; /* the first field the error's details name; "" for none */
} cci_batch_answer;

/* Reads a 2xx's body into answers[i], one for users[i]. "data" may be an object keyed by uid
 * (names in any case) or an array of entries that each name their uid. False when the body is in
 * neither shape; then every answer is UNANSWERED. */
bool cci_batch_read_answer(const char *body, size_t len, const cci_batch_user *users, size_t count,
                           cci_batch_answer *answers);

/* True when user (a GET /users/{uid} answer's body) holds every field sent for it: the create
 * body's fields, and the dates when they were sent. */
bool cci_batch_user_held(const cci_batch_user *sent, const char *answer, size_t len);

#endif
