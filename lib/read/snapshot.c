/* fopencookie */
#define _GNU_SOURCE
#include "read/snapshot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

enum { BLOCK_SIZE = 64 * 1024 };

struct cci_snapshot {
    int fd;
    struct stat first; /* as the first pass began */
    /* what the first pass read: a hash per whole block, then the tail's */
    uint64_t *hashes;
    size_t count, cap;
    uint64_t tail_hash, size;
    size_t tail_len;
    bool recorded; /* the first pass reached the end */
    /* the pass under way */
    uint64_t offset;   /* bytes of the file taken so far */
    XXH3_state_t *running; /* first pass: the hash of the block being read (xxHash's XXH3,
                            * eight bytes at a time: FNV-1a's byte at a time cost a dry run 4%) */
    size_t in_block;   /* first pass: its bytes so far */
    char *block;       /* second pass: the block being handed out, proven the same */
    size_t block_len, block_pos;
    bool at_end;
    char why[256]; /* how the file changed; "" while it did not */
};

cci_snapshot *cci_snapshot_new(int fd)
{
    cci_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (!snapshot) return NULL;
    snapshot->fd = fd;
    if (fstat(fd, &snapshot->first) != 0) {
        free(snapshot);
        return NULL;
    }
    return snapshot;
}

void cci_snapshot_free(cci_snapshot *snapshot)
{
    if (!snapshot) return;
    free(snapshot->hashes);
    free(snapshot->block);
    XXH3_freeState(snapshot->running);
    free(snapshot);
}

bool cci_snapshot_changed(const cci_snapshot *snapshot, char *why, size_t len)
{
    snprintf(why, len, "%s", snapshot->why);
    return snapshot->why[0] != '\0';
}

/* Keeps the first word on how the file changed; returns -1 with errno EIO, as a failed read. */
__attribute__((format(printf, 2, 3))) static ssize_t changed(cci_snapshot *snapshot, const char *fmt, ...)
{
    if (!snapshot->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(snapshot->why, sizeof snapshot->why, fmt, ap);
        va_end(ap);
    }
    errno = EIO;
    return -1;
}

/* Compares the file's state now with the first pass's; -1 (and why) when it changed. */
static ssize_t check_state(cci_snapshot *snapshot)
{
    struct stat now;
    if (fstat(snapshot->fd, &now) != 0) return -1;
    const struct stat *was = &snapshot->first;
    if (now.st_size != was->st_size)
        return changed(snapshot, "its size changed from %llu to %llu bytes", (unsigned long long)was->st_size,
                       (unsigned long long)now.st_size);
    if (now.st_mtim.tv_sec != was->st_mtim.tv_sec || now.st_mtim.tv_nsec != was->st_mtim.tv_nsec)
        return changed(snapshot, "it was written to (its modification time changed)");
    return 0;
}

static bool rewind_fd(cci_snapshot *snapshot)
{
    snapshot->offset = 0;
    snapshot->at_end = false;
    return lseek(snapshot->fd, 0, SEEK_SET) == 0;
}

/* ---- the first pass: read and record ---- */

static bool push_hash(cci_snapshot *snapshot, uint64_t hash)
{
    if (snapshot->count == snapshot->cap) {
        size_t cap = snapshot->cap ? snapshot->cap * 2 : 64;
        uint64_t *grown = realloc(snapshot->hashes, cap * sizeof *grown);
        if (!grown) return false;
        snapshot->hashes = grown;
        snapshot->cap = cap;
    }
    snapshot->hashes[snapshot->count++] = hash;
    return true;
}

static ssize_t record_read(void *cookie, char *buffer, size_t size)
{
    cci_snapshot *snapshot = cookie;
    ssize_t got = read(snapshot->fd, buffer, size);
    if (got < 0) return -1;
    if (got == 0) { /* the end: the tail, and the file as it was when the pass began */
        snapshot->tail_hash = XXH3_64bits_digest(snapshot->running);
        snapshot->tail_len = snapshot->in_block;
        snapshot->size = snapshot->offset;
        snapshot->recorded = true;
        if (check_state(snapshot) != 0 || snapshot->size != (uint64_t)snapshot->first.st_size)
            return changed(snapshot, "it changed while it was being checked (%llu bytes read, %llu now)",
                           (unsigned long long)snapshot->offset, (unsigned long long)snapshot->first.st_size);
        return 0;
    }
    for (size_t done = 0; done < (size_t)got;) {
        size_t take = (size_t)got - done;
        if (take > BLOCK_SIZE - snapshot->in_block) take = BLOCK_SIZE - snapshot->in_block;
        XXH3_64bits_update(snapshot->running, buffer + done, take);
        snapshot->in_block += take;
        done += take;
        if (snapshot->in_block == BLOCK_SIZE) {
            if (!push_hash(snapshot, XXH3_64bits_digest(snapshot->running))) {
                errno = ENOMEM;
                return -1;
            }
            XXH3_64bits_reset(snapshot->running);
            snapshot->in_block = 0;
        }
    }
    snapshot->offset += (uint64_t)got;
    return got;
}

static int keep_fd_open(void *cookie)
{
    (void)cookie;
    return 0;
}

FILE *cci_snapshot_record(cci_snapshot *snapshot)
{
    snapshot->count = 0;
    if (!snapshot->running && !(snapshot->running = XXH3_createState())) return NULL;
    XXH3_64bits_reset(snapshot->running);
    snapshot->in_block = 0;
    snapshot->recorded = false;
    if (!rewind_fd(snapshot)) return NULL;
    return fopencookie(snapshot, "r", (cookie_io_functions_t){.read = record_read, .close = keep_fd_open});
}

/* ---- the second pass: hand out only blocks proven the same ---- */

/* Reads the next block whole (short only at the end) and compares it with the record. */
static ssize_t load_block(cci_snapshot *snapshot)
{
    if (check_state(snapshot) != 0) return -1;
    size_t len = 0;
    while (len < BLOCK_SIZE) {
        ssize_t got = read(snapshot->fd, snapshot->block + len, BLOCK_SIZE - len);
        if (got < 0) return -1;
        if (got == 0) break;
        len += (size_t)got;
    }
    uint64_t hash = XXH3_64bits(snapshot->block, len);
    size_t index = (size_t)(snapshot->offset / BLOCK_SIZE);
    bool same = len == BLOCK_SIZE ? index < snapshot->count && snapshot->hashes[index] == hash
                                  : index == snapshot->count && len == snapshot->tail_len && hash == snapshot->tail_hash;
    if (!same)
        return changed(snapshot, "its content differs from what was checked, from byte %llu on (%llu bytes read)",
                       (unsigned long long)snapshot->offset, (unsigned long long)snapshot->offset + len);
    snapshot->offset += len;
    snapshot->block_len = len;
    snapshot->block_pos = 0;
    snapshot->at_end = len < BLOCK_SIZE;
    return 0;
}

static ssize_t verify_read(void *cookie, char *buffer, size_t size)
{
    cci_snapshot *snapshot = cookie;
    if (snapshot->block_pos == snapshot->block_len) {
        if (snapshot->at_end) return 0;
        if (load_block(snapshot) != 0) return -1;
    }
    size_t take = snapshot->block_len - snapshot->block_pos;
    if (take > size) take = size;
    memcpy(buffer, snapshot->block + snapshot->block_pos, take);
    snapshot->block_pos += take;
    return (ssize_t)take;
}

FILE *cci_snapshot_verify(cci_snapshot *snapshot)
{
    if (!snapshot->recorded) return NULL;
    if (!snapshot->block && !(snapshot->block = malloc(BLOCK_SIZE))) return NULL;
    snapshot->block_len = snapshot->block_pos = 0;
    if (!rewind_fd(snapshot)) return NULL;
    return fopencookie(snapshot, "r", (cookie_io_functions_t){.read = verify_read, .close = keep_fd_open});
}
