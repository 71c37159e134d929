/* metadata.KEY columns compared without keeping the app's metadata: a row's keys and a listed
 * user's values at those keys, each reduced to one 32-bit signature, so that a listing of a
 * million users keeps the metadata only of the users whose keys differ (they need it to merge
 * into), and proves the others equal in a flag.
 *
 * A row's signature covers the keys it gives (non-empty cells) and the keys it clears (emptied
 * cells an import had set: expected missing); a key it leaves alone is not covered (mask says
 * which are). Usable only with 1 to CCI_KEY_SIGNATURE_MOST key columns and no whole metadata
 * column.
 * Thread-safety: pure functions; a cci_key_columns is read-only once built. */
#ifndef CCI_KEY_SIGNATURE_H
#define CCI_KEY_SIGNATURE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules/clears.h"
#include "cci/read/csv_reader.h"
#include "cci/rules/mapping.h"

enum { CCI_KEY_SIGNATURE_MOST = 32 };

typedef struct cci_key_columns {
    char *paths[CCI_KEY_SIGNATURE_MOST];       /* "team.floor"; owned (the mapping may go first) */
    size_t columns[CCI_KEY_SIGNATURE_MOST];    /* where each is in a record */
    size_t count;
    bool usable; /* false: keep every user's metadata, as a merge without signatures does */
} cci_key_columns;

/* False when out of memory (keys then unusable, and still to clean up). */
bool cci_key_columns_of(const cci_mapping *mapping, cci_key_columns *keys);
void cci_key_columns_cleanup(cci_key_columns *keys);

/* The row's signature and which keys it covers (bit j: keys->paths[j]); clears may be NULL. */
uint32_t cci_key_signature_of_row(const cci_key_columns *keys, const cci_record *record, const cci_clears *clears,
                                  uint32_t *mask);

/* The signature of the values metadata (a listed user's, may be NULL) holds at the keys of mask.
 * False when it cannot be known: a key under "@private" and no "@private" object listed (a
 * listing may hide it), or out of memory. */
bool cci_key_signature_of_listed(const cci_key_columns *keys, const cJSON *metadata, uint32_t mask,
                                 uint32_t *signature);

#endif
