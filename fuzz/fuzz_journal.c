/* libFuzzer target over the state journal's reader: whatever a crash, a full disk or another
 * program left in the file, opening it never crashes, leaks or trusts a damaged line; opening it
 * for writing may compact it and appends after a torn end.
 *
 * Input: one byte (bit 0: open for writing, as a run; else read-only, as a dry run), then the
 * journal file's bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci/state/journal.h"

/* cci_journal_open, the journal or NULL (err says why). */
static cci_journal *journal_opened(const char *path, const char *target, bool read_only, char *why, size_t why_len)
{
    cci_journal *journal;
    return cci_journal_open(&journal, path, target, read_only, why, why_len) == CCI_OK ? journal : NULL;
}


static const char target[] = "0123456789abcdef";

/* One file per fuzzing process, rewritten for every input. */
static const char *journal_path(void)
{
    static char path[64];
    if (!path[0]) snprintf(path, sizeof path, "/tmp/cci-fuzz-journal-%ld", (long)getpid());
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *path = journal_path();
    FILE *file = fopen(path, "wb");
    if (!file) return 0;
    fwrite(data + 1, 1, size - 1, file);
    fclose(file);
    char err[512];
    bool writing = data[0] & 1;
    cci_journal *journal = journal_opened(path, target, !writing, err, sizeof err);
    if (journal) {
        const char *known = cci_journal_lookup(journal, "u00001");
        if (known && strcmp(known, "-") != 0 && strlen(known) != CCI_FINGERPRINT_LEN) abort();
        cci_journal_stats stats = cci_journal_stats_of(journal);
        if (stats.known > stats.records) abort();
        if (writing) cci_journal_append(journal, "u00002", "-");
        cci_journal_close(journal);
    }
    /* reopened after a write: what was appended reads back */
    if (journal && writing) {
        journal = journal_opened(path, target, true, err, sizeof err);
        if (!journal || !cci_journal_lookup(journal, "u00002")) abort();
        cci_journal_close(journal);
    }
    return 0;
}
