/* fsync, flock, O_NOFOLLOW, O_CLOEXEC */
#define _GNU_SOURCE
#include "cci/state/journal.h"
#include "cci/util/status.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cci/util/latch.h"
#include "cci/util/outfile.h"
#include "util/strmap.h"

enum { SYNC_INTERVAL_MS = 1000, LINE_MAX_LEN = 1024, COMPACT_SLACK = 1000 };

struct cci_journal {
    char target[17];
    unsigned long own_records; /* records of this target read at open, superseded ones included */
    cci_strmap *known; /* uid -> "FINGERPRINT\0FIELDS" (malloc'd, FIELDS maybe empty); built at open,
                        * read-only after */
    cci_journal_stats stats;
    bool read_only;
    char *path;
    int lock_fd; /* holds the flock on PATH.lock while the journal is open for writing; -1: none */

    pthread_mutex_t lock; /* protects file, dirty, failed, error */
    FILE *file;
    bool dirty;  /* written since the last fsync */
    bool failed; /* a write failed */
    int error;   /* errno of the first failed write */
    cci_latch *closing;   /* released at close: ends the syncer */
    pthread_t syncer;
    bool syncer_running;
};

void cci_journal_target(const char *base_url, const char *app_id, const char *region, char out[17])
{
    /* hashed piece by piece: a name of any length is one target, never cut to another's */
    unsigned long long hash;
    if (base_url) {
        size_t len = strlen(base_url);
        while (len && base_url[len - 1] == '/') len--; /* ".../v3/" and ".../v3" are one target */
        hash = cci_fnv1a(base_url, len, cci_fnv1a("url:", 4, CCI_FNV_SEED));
    } else {
        app_id = app_id ? app_id : "";
        region = region ? region : "";
        hash = cci_fnv1a("app:", 4, CCI_FNV_SEED);
        hash = cci_fnv1a(app_id, strlen(app_id), hash);
        hash = cci_fnv1a("/", 1, hash);
        hash = cci_fnv1a(region, strlen(region), hash);
    }
    snprintf(out, 17, "%016llx", hash);
}

static unsigned long long line_check(const char *text, size_t len)
{
    return cci_fnv1a(text, len, CCI_FNV_SEED ^ 0x5bd1e995ULL);
}

static bool is_hex(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr("0123456789abcdef", text[i]) || !text[i]) return false;
    return true;
}

/* "FINGERPRINT" or "FINGERPRINT/FIELDS", FIELDS being 8-hex-digit hashes separated by commas. */
static bool valid_token(const char *token)
{
    size_t fingerprint_len = strcspn(token, "/");
    bool fingerprint_ok = (fingerprint_len == 1 && token[0] == '-') ||
                          (fingerprint_len == CCI_FINGERPRINT_LEN && is_hex(token, fingerprint_len));
    const char *fields = token + fingerprint_len;
    return fingerprint_ok && (!*fields || strspn(fields + 1, "0123456789abcdef,") == strlen(fields + 1));
}

/* The token as the table keeps it: "FINGERPRINT\0FIELDS\0", so that a lookup is the fingerprint. */
static char *token_value(const char *token)
{
    size_t len = strlen(token);
    char *value = malloc(len + 2);
    if (!value) return NULL;
    memcpy(value, token, len + 1);
    value[len + 1] = '\0';
    char *slash = strchr(value, '/');
    if (slash) *slash = '\0';
    return value;
}

/* Parses one line; true when it is a valid record (fields then point into line). */
static bool parse_record(char *line, char **target, char **uid, char **fingerprint)
{
    size_t len = strlen(line);
    if (len < 2 || line[len - 1] != '\n') return false; /* torn: the crash cut it */
    line[--len] = '\0';
    char *check = strrchr(line, ' ');
    if (!check || strlen(check + 1) != 16 || !is_hex(check + 1, 16)) return false;
    char expected[17];
    snprintf(expected, sizeof expected, "%016llx", line_check(line, (size_t)(check - line)));
    if (strcmp(expected, check + 1) != 0) return false;
    *check = '\0';
    char *save = NULL;
    char *kind = strtok_r(line, " ", &save);
    *target = strtok_r(NULL, " ", &save);
    *uid = strtok_r(NULL, " ", &save);
    *fingerprint = strtok_r(NULL, " ", &save);
    return kind && strcmp(kind, "U") == 0 && *target && *uid && *fingerprint && strlen(*target) == 16 &&
           valid_token(*fingerprint);
}

static bool format_record(const char *target, const char *uid, const char *fingerprint, char line[LINE_MAX_LEN]);

/* Loads this target's records from file. With only_unknown (another journal being adopted), a uid
 * already known keeps its record, and each record taken is also appended to this journal's file
 * when it has one (the caller holds the lock). */
static bool load(cci_journal *journal, FILE *file, bool only_unknown)
{
    char line[LINE_MAX_LEN];
    while (fgets(line, sizeof line, file)) {
        if (line[0] == '#') continue;
        char *target, *uid, *fingerprint;
        if (!parse_record(line, &target, &uid, &fingerprint)) {
            journal->stats.ignored++;
            continue;
        }
        journal->stats.records++;
        if (strcmp(target, journal->target) != 0) continue;
        if (only_unknown) {
            if (cci_strmap_get(journal->known, uid)) continue;
            char record[LINE_MAX_LEN];
            if (journal->file && (!format_record(target, uid, fingerprint, record) || fputs(record, journal->file) < 0))
                return false;
            journal->dirty = true;
        } else {
            journal->own_records++;
        }
        char *copy = token_value(fingerprint);
        if (!copy || !cci_strmap_put(journal->known, uid, copy)) {
            free(copy);
            return false;
        }
    }
    journal->stats.known = cci_strmap_count(journal->known);
    return !ferror(file);
}

/* Keeps the first write error. Caller holds the lock. */
static void note_failure_locked(cci_journal *journal)
{
    if (!journal->failed) journal->error = errno ? errno : EIO;
    journal->failed = true;
}

/* fsyncs what was written, if anything. Caller holds the lock. */
static void sync_locked(cci_journal *journal)
{
    if (!journal->file || !journal->dirty) return;
    if (fflush(journal->file) != 0 || fsync(fileno(journal->file)) != 0) note_failure_locked(journal);
    journal->dirty = false;
}

static void *sync_every_second(void *arg)
{
    cci_journal *journal = arg;
    while (!cci_latch_wait(journal->closing, SYNC_INTERVAL_MS)) {
        pthread_mutex_lock(&journal->lock);
        sync_locked(journal);
        pthread_mutex_unlock(&journal->lock);
    }
    return NULL;
}

/* One record line, newline included, into line. False when it does not fit. */
static bool format_record(const char *target, const char *uid, const char *fingerprint,
                          char line[LINE_MAX_LEN])
{
    int len = snprintf(line, LINE_MAX_LEN, "U %s %s %s", target, uid, fingerprint);
    if (len < 0 || (size_t)len + 20 > LINE_MAX_LEN) return false;
    snprintf(line + len, LINE_MAX_LEN - (size_t)len, " %016llx\n", line_check(line, (size_t)len));
    return true;
}

typedef struct rewrite {
    FILE *out;
    const char *target;
    bool ok;
} rewrite;

static bool write_known(const char *uid, void *value, void *ctx)
{
    rewrite *w = ctx;
    const char *fingerprint = value, *fields = fingerprint + strlen(fingerprint) + 1;
    char token[LINE_MAX_LEN], line[LINE_MAX_LEN];
    snprintf(token, sizeof token, "%s%s%s", fingerprint, *fields ? "/" : "", fields);
    w->ok = w->ok && format_record(w->target, uid, token, line) && fputs(line, w->out) >= 0;
    return w->ok;
}

/* Rewrites the file with one record per user of this target (the others' records as they were),
 * under a temporary name made durable before it replaces the old file: a crash leaves one or the
 * other, whole. */
static bool compact(cci_journal *journal, const char *path)
{
    size_t temporary_len = strlen(path) + sizeof ".compacting";
    char *temporary = malloc(temporary_len);
    if (!temporary) return false;
    snprintf(temporary, temporary_len, "%s.compacting", path);
    FILE *in = fopen(path, "r"), *out = cci_open_for_writing(temporary, O_TRUNC, "w");
    rewrite w = {.out = out, .target = journal->target, .ok = in && out};
    if (w.ok) w.ok = fputs("# cometchat-import state journal v1: U target uid fingerprint[/fields] check\n", out) >= 0;
    char line[LINE_MAX_LEN], copy[LINE_MAX_LEN];
    while (w.ok && fgets(line, sizeof line, in)) {
        char *target, *uid, *fingerprint;
        memcpy(copy, line, sizeof line);
        if (line[0] != '#' && parse_record(copy, &target, &uid, &fingerprint) &&
            strcmp(target, journal->target) != 0)
            w.ok = fputs(line, out) >= 0;
    }
    if (w.ok) cci_strmap_foreach(journal->known, write_known, &w);
    w.ok = w.ok && fflush(out) == 0 && fsync(fileno(out)) == 0;
    if (in) fclose(in);
    if (out) w.ok = (fclose(out) == 0) && w.ok;
    w.ok = w.ok && rename(temporary, path) == 0;
    if (!w.ok) remove(temporary);
    free(temporary);
    return w.ok;
}

/* True when the file is not empty and does not end with a newline. */
static bool ends_torn(const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) return false;
    bool torn = fseek(file, -1, SEEK_END) == 0 && fgetc(file) != '\n';
    fclose(file);
    return torn;
}

/* One run per journal: an flock on PATH.lock, which holds the holder's process id so that a second
 * run can say who has it. The lock ends with the process, however it ends; the file stays. */
static cci_status take_lock(cci_journal *journal, char *err, size_t errlen)
{
    size_t len = strlen(journal->path) + sizeof ".lock";
    char *lock_path = malloc(len);
    if (!lock_path) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    snprintf(lock_path, len, "%s.lock", journal->path);
    cci_status status = CCI_OK;
    int fd = cci_open_private(lock_path, O_RDWR);
    if (fd < 0) {
        status = cci_fail(errno == ELOOP || errno == EPERM ? CCI_REFUSED : CCI_IO, err, errlen,
                          "cannot lock the state journal: cannot open %s: %s", lock_path,
                          errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        char holder[32] = "";
        ssize_t got = pread(fd, holder, sizeof holder - 1, 0);
        holder[got > 0 ? got : 0] = '\0';
        holder[strspn(holder, "0123456789")] = '\0';
        if (why == EWOULDBLOCK || why == EAGAIN)
            status = cci_fail(CCI_LOCKED, err, errlen, "the state journal %s is in use by another run (process %s, named "
                                                       "in %s): wait for it to end and run again (one app has one "
                                                       "journal: a second --state would split it)",
                              journal->path, holder[0] ? holder : "unknown", lock_path);
        else status = cci_fail(CCI_IO, err, errlen, "cannot lock %s: %s", lock_path, strerror(why));
    } else {
        char pid[32];
        int pid_len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)pid_len, 0) != pid_len)
            status = cci_fail(CCI_IO, err, errlen, "cannot write %s: %s", lock_path, strerror(errno));
    }
    if (status == CCI_OK) journal->lock_fd = fd;
    else if (fd >= 0) close(fd);
    free(lock_path);
    return status;
}

/* The journal open for appending, its torn last line mended and its syncer started. */
static cci_status open_for_appending(cci_journal *journal, bool existed, char *err, size_t errlen)
{
    const char *path = journal->path;
    journal->file = cci_open_for_writing(path, O_APPEND, "a");
    if (!journal->file)
        return cci_fail(errno == ELOOP || errno == EPERM ? CCI_REFUSED : CCI_IO, err, errlen,
                        "cannot write the state journal %s: %s", path,
                        errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    /* a crash may have cut the last line: start on a fresh one */
    if (existed && ends_torn(path) && fputc('\n', journal->file) == EOF)
        return cci_fail(CCI_IO, err, errlen, "cannot write the state journal %s: %s", path, strerror(errno));
    if (!existed && fputs("# cometchat-import state journal v1: U target uid fingerprint[/fields] check\n", journal->file) < 0)
        return cci_fail(CCI_IO, err, errlen, "cannot write the state journal %s: %s", path, strerror(errno));
    if (!(journal->closing = cci_latch_new())) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    if (pthread_create(&journal->syncer, NULL, sync_every_second, journal) != 0)
        return cci_fail(CCI_NOMEM, err, errlen, "cannot start the state journal's syncer");
    journal->syncer_running = true;
    return CCI_OK;
}

/* Loads, compacts now and then, and opens for appending (unless read-only). */
static cci_status load_and_open(cci_journal *journal, bool read_only, char *err, size_t errlen)
{
    const char *path = journal->path;
    struct stat st;
    /* a FIFO would hold the run for ever, a directory cannot be one */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return cci_fail(CCI_REFUSED, err, errlen, "the state journal %s is not a regular file (%s): give --state a file's "
                                                  "path", path, S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" : "a device or socket");
    /* before reading: the run holding it may be compacting it */
    cci_status status = read_only ? CCI_OK : take_lock(journal, err, errlen);
    if (status != CCI_OK) return status;
    FILE *existing = fopen(path, "r");
    bool existed = existing != NULL;
    if (!existing && errno != ENOENT)
        return cci_fail(CCI_IO, err, errlen, "cannot read the state journal %s: %s", path, strerror(errno));
    bool loaded = !existing || load(journal, existing, false);
    bool unreadable = existing && ferror(existing);
    if (existing) fclose(existing);
    if (unreadable) return cci_fail(CCI_IO, err, errlen, "cannot read the state journal %s", path);
    if (!loaded) return cci_fail(CCI_NOMEM, err, errlen, "out of memory while reading the state journal %s", path);
    /* records superseded by later ones only slow the next open down: drop them now and then */
    if (!read_only && existed && journal->own_records > 2 * journal->stats.known + COMPACT_SLACK)
        journal->stats.compacted = compact(journal, path);
    return read_only ? CCI_OK : open_for_appending(journal, existed, err, errlen);
}

cci_status cci_journal_open(cci_journal **opened, const char *path, const char *target, bool read_only, char *err,
                            size_t errlen)
{
    *opened = NULL;
    cci_journal *journal = calloc(1, sizeof *journal);
    if (!journal) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    snprintf(journal->target, sizeof journal->target, "%s", target);
    journal->read_only = read_only;
    journal->lock_fd = -1;
    journal->known = cci_strmap_new(free);
    pthread_mutex_init(&journal->lock, NULL);
    cci_status status = !journal->known || !(journal->path = strdup(path))
                            ? cci_fail(CCI_NOMEM, err, errlen, "out of memory")
                            : load_and_open(journal, read_only, err, errlen);
    if (status != CCI_OK) {
        cci_journal_close(journal);
        return status;
    }
    *opened = journal;
    return CCI_OK;
}

cci_status cci_journal_adopt(cci_journal *journal, const char *path, unsigned long *adopted, char *err,
                             size_t errlen)
{
    *adopted = 0;
    FILE *file = fopen(path, "r");
    if (!file) {
        if (errno == ENOENT) return CCI_OK;
        return cci_fail(errno == ENOMEM ? CCI_NOMEM : CCI_IO, err, errlen,
                        "cannot read the earlier state journal %s: %s", path, strerror(errno));
    }
    unsigned long before = journal->stats.known;
    pthread_mutex_lock(&journal->lock); /* the syncer flushes the file meanwhile */
    errno = 0; /* what a failed load leaves: a read's or a write's error, or ENOMEM */
    bool ok = load(journal, file, true);
    int error = errno ? errno : ENOMEM;
    pthread_mutex_unlock(&journal->lock);
    fclose(file);
    *adopted = journal->stats.known - before;
    if (ok) return CCI_OK;
    return cci_fail(error == ENOMEM ? CCI_NOMEM : CCI_IO, err, errlen, "cannot adopt the earlier state journal %s: %s",
                    path, strerror(error));
}

const char *cci_journal_lookup(const cci_journal *journal, const char *uid)
{
    return cci_strmap_get(journal->known, uid);
}

const char *cci_journal_fields(const cci_journal *journal, const char *uid)
{
    const char *fingerprint = cci_strmap_get(journal->known, uid);
    return fingerprint ? fingerprint + strlen(fingerprint) + 1 : NULL;
}

bool cci_journal_append(cci_journal *journal, const char *uid, const char *fingerprint)
{
    if (journal->read_only) return true;
    char line[LINE_MAX_LEN];
    if (!format_record(journal->target, uid, fingerprint, line)) return false;
    pthread_mutex_lock(&journal->lock);
    /* flushed at once: a killed process loses nothing the kernel has */
    bool ok = !journal->failed && fputs(line, journal->file) >= 0 && fflush(journal->file) == 0;
    if (!ok) note_failure_locked(journal);
    journal->dirty = true;
    pthread_mutex_unlock(&journal->lock);
    return ok;
}

void cci_journal_error(cci_journal *journal, char *err, size_t errlen)
{
    pthread_mutex_lock(&journal->lock);
    int error = journal->error ? journal->error : EIO;
    pthread_mutex_unlock(&journal->lock);
    snprintf(err, errlen, "cannot write the state journal %s: %s", journal->path, strerror(error));
}

cci_journal_stats cci_journal_stats_of(const cci_journal *journal)
{
    return journal->stats;
}

bool cci_journal_close(cci_journal *journal)
{
    if (!journal) return true;
    if (journal->syncer_running) {
        cci_latch_release(journal->closing);
        pthread_join(journal->syncer, NULL);
    }
    bool ok = true;
    if (journal->file) {
        pthread_mutex_lock(&journal->lock);
        journal->dirty = true;
        sync_locked(journal);
        ok = !journal->failed;
        pthread_mutex_unlock(&journal->lock);
        ok = (fclose(journal->file) == 0) && ok;
    }
    cci_latch_free(journal->closing);
    if (journal->lock_fd >= 0) close(journal->lock_fd); /* releases the lock */
    free(journal->path);
    cci_strmap_free(journal->known);
    pthread_mutex_destroy(&journal->lock);
    free(journal);
    return ok;
}
