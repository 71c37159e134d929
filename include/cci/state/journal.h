/* The state journal: which users this tool has confirmed in which target, the fingerprint of
 * what it sent them, so that a rerun sends nothing for rows that did not change, and which fields
 * the imports set, so that a cell emptied later clears what an import set and nothing else.
 *
 * One text file, append-only, one record a line:
 *     U <target> <uid> <fingerprint>[/<fields>] <check>
 * target: 16 hex digits naming the base URL or app; fingerprint: 32 hex digits, or "-" for a user
 * known to exist whose content this run did not send; fields: the 8-hex-digit hashes of the
 * fields' names (cci/clears.h), comma-separated; check: 16 hex digits of FNV-1a over the
 * rest of the line. Records are appended and flushed as rows succeed, and fsync'd at least once a
 * second and at close, so a crash loses at most the rows in flight. A line that is torn (no newline,
 * bad check) is ignored: never fatal. Later records win. Records of other targets are kept but
 * never used. When most of this target's records are superseded, open rewrites the file with one
 * record per user (written aside, fsync'd, then renamed over the old one).
 * One run per journal: opening for writing takes an flock on PATH.lock (which names the holder's
 * process id) and a second run's open fails saying so. Nothing is written through a symlink.
 * Thread-safety: lookups read a table built at open and are safe from any thread; append may be
 * called from any thread (a mutex inside); open and close from one thread. */
#ifndef CCI_JOURNAL_H
#define CCI_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cci/util/fingerprint.h"
#include "cci/util/status.h"

typedef struct cci_journal cci_journal;

typedef struct cci_journal_stats {
    unsigned long records;  /* valid records read, all targets */
    unsigned long known;    /* users known for this target */
    unsigned long ignored;  /* torn or damaged lines skipped */
    bool compacted;         /* superseded records were dropped at open */
} cci_journal_stats;

/* The target's name for the journal: base URL or "app:ID/REGION", hashed to 16 hex digits. */
void cci_journal_target(const char *base_url, const char *app_id, const char *region,
                        char out[17]);

/* Opens (creating it if need be) the journal at path into *opened and loads the records of
 * target. With read_only nothing is ever written (a dry run). Otherwise *opened is NULL, err says
 * why and the code tells CCI_LOCKED (another run holds it), CCI_REFUSED (a link, or a file not
 * the person's), CCI_IO and CCI_NOMEM apart. */
cci_status cci_journal_open(cci_journal **opened, const char *path, const char *target, bool read_only, char *err,
                            size_t errlen);

/* Adopts the records of this target in another journal (one kept beside an input's report,
 * before the journal belonged to the app) for the uids this one does not know: they are looked up
 * from now on and, unless read-only, appended to this journal, so that the next run knows them
 * whatever file it reads. The other file is never written. A missing file adopts nothing. Call
 * right after open, before any lookup. Otherwise err says why and the code is CCI_IO (the other
 * file cannot be read, or this one written) or CCI_NOMEM. */
cci_status cci_journal_adopt(cci_journal *journal, const char *path, unsigned long *adopted, char *err,
                             size_t errlen);

/* What the journal knows of uid: NULL when nothing, "-" when it exists with unknown content, or
 * the fingerprint of what was last sent. Valid until close. */
const char *cci_journal_lookup(const cci_journal *journal, const char *uid);

/* The fields the imports set for uid, as recorded (cci/clears.h): "" when none or not recorded
 * (a record of an earlier version), NULL when the uid is unknown. Valid until close. */
const char *cci_journal_fields(const cci_journal *journal, const char *uid);

/* Records that uid now holds what fingerprint describes ("-": exists, content unknown), which may
 * end with "/FIELDS" (the fields the imports set, as cci/clears.h writes them). False
 * once a write failed (cci_journal_error says why). */
bool cci_journal_append(cci_journal *journal, const char *uid, const char *fingerprint);

/* "cannot write the state journal PATH: REASON" for the first write error. */
void cci_journal_error(cci_journal *journal, char *err, size_t errlen);

cci_journal_stats cci_journal_stats_of(const cci_journal *journal);

/* Flushes, fsyncs and closes; false when a write failed. */
bool cci_journal_close(cci_journal *journal);

#endif
