/* What the app holds, as its user listing showed it: for each uid, a 32-bit hash of every field
 * the importer sends, when it was created, and whether it is deactivated. At a million users it
 * costs about 48 bytes each: no uid, name or value is kept, only hashes (the uid's is 64 bits), so "equal" means
 * "the same hash", wrong once in four billion fields.
 *
 * Also the set of the uids an input file holds (cci_uid_set), to tell which users of the app the
 * file leaves out, which of its rows repeat a uid, and the signature of each row's metadata.KEY
 * cells, in 24 bytes a row.
 *
 * Thread-safety: built by one thread; once sealed, lookups are read-only and safe from any thread.
 * The per-user flags set after sealing (cci_app_user.flags) are set by the reader thread before
 * the workers need them. */
#ifndef CCI_APP_USERS_H
#define CCI_APP_USERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The fields an import sends, in the order of their slots. */
typedef enum {
    CCI_SLOT_NAME,
    CCI_SLOT_AVATAR,
    CCI_SLOT_LINK,
    CCI_SLOT_ROLE,
    CCI_SLOT_STATUS_MESSAGE,
    CCI_SLOT_METADATA,
    CCI_SLOT_TAGS,
    CCI_SLOT_COUNT,
} cci_slot;

/* The field's name as CometChat spells it; NULL past the end. */
const char *cci_slot_name(cci_slot slot);

enum {
    CCI_APP_USER_DEACTIVATED = 1,
    CCI_APP_USER_NO_PRIVATE = 2,   /* listed metadata had no "@private" object */
    CCI_APP_USER_REACTIVATED = 4,  /* set once a bulk reactivation named it */
    CCI_APP_USER_KEYS_EQUAL = 8,   /* its metadata holds the file row's metadata.KEY values: nothing
                                    * of its metadata was kept, nor need be sent */
};

typedef struct cci_app_user {
    uint64_t uid_hash;
    uint32_t field[CCI_SLOT_COUNT]; /* hash of the field's canonical JSON; 0: the user has none */
    uint32_t created;               /* createdAt, Unix seconds; 0: not listed (a user deleted and made
                                     * again under its uid has another: --prune's second look) */
    uint8_t flags;
} __attribute__((packed)) cci_app_user;

typedef struct cci_app_users cci_app_users;

/* expected: how many users the listing said it holds (a hint, never trusted). NULL when out of
 * memory. */
cci_app_users *cci_app_users_new(size_t expected);
void cci_app_users_free(cci_app_users *app);

/* Adds a user as listed. False when out of memory. A listed item without a string uid is not
 * added and counted in cci_app_users_counts' malformed. */
bool cci_app_users_add(cci_app_users *app, const cJSON *listed);

/* Sets flags on the user added last (the listing's verdict on it). */
void cci_app_users_mark_last(cci_app_users *app, uint8_t flags);

/* Sorts for lookups; a uid listed twice (a page boundary moved while the app changed) keeps one
 * of its listings. Call once, after the last add. */
void cci_app_users_seal(cci_app_users *app);

/* The user with that uid (any letter case), or NULL. */
cci_app_user *cci_app_users_find(const cci_app_users *app, const char *uid);

typedef struct cci_app_counts {
    size_t active, deactivated, malformed;
    bool private_shown; /* some listed user's metadata showed "@private": the listing keeps it */
} cci_app_counts;

/* Counts every user: linear in the users. */
cci_app_counts cci_app_users_counts(const cci_app_users *app);

/* True when some listed user's metadata showed "@private": the listing does not hide it. */
bool cci_app_users_private_shown(const cci_app_users *app);

/* True when a listed user is deactivated: it carries a deactivatedAt. */
bool cci_listed_deactivated(const cJSON *listed);

/* The hash a field value gets (its canonical JSON, 32 bits, never 0). */
uint32_t cci_field_hash(const cJSON *value);

/* 64-bit hash of a uid, ignoring letter case as the service does. */
uint64_t cci_uid_hash(const char *uid);

/* uid lowercased, as the service stores it, into out (cut to len - 1 bytes). */
void cci_uid_lowercase(const char *uid, char *out, size_t len);

/* ---- the uids of a file (24 bytes a row) ---- */

typedef struct cci_uid_set {
    struct cci_uid_line *items; /* owned */
    size_t count, capacity;
    bool sealed;
} cci_uid_set;

/* Adds the uid of the record on line. False when out of memory. */
bool cci_uid_set_add(cci_uid_set *set, const char *uid, unsigned long line);
/* Notes the metadata keys' signature of the row added last (cci/key_signature.h). */
void cci_uid_set_note_keys(cci_uid_set *set, uint32_t signature, uint32_t mask);
/* Sorts; call once, after the last add. */
void cci_uid_set_seal(cci_uid_set *set);
/* The first line that gave uid, or 0 when the file does not hold it. */
unsigned long cci_uid_set_first_line(const cci_uid_set *set, uint64_t uid_hash);
/* The keys' signature noted for the first row with uid_hash; false when the file has no such uid. */
bool cci_uid_set_keys(const cci_uid_set *set, uint64_t uid_hash, uint32_t *signature, uint32_t *mask);
void cci_uid_set_cleanup(cci_uid_set *set);

#endif
