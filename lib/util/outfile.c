/* fsync, O_NOFOLLOW, O_CLOEXEC */
#define _GNU_SOURCE
#include "cci/util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* What stands at path that the file must not replace, as a phrase ("a device", "a symbolic
 * link"); NULL when nothing is there, or a regular file. The tool replaces what is at the path: as
 * root it could replace /dev/null, or the link in /dev to standard output (which leads to a
 * regular file when the output is redirected to one), and a link of the person's own to a file
 * elsewhere would be lost. */
static const char *not_replaceable(const char *path)
{
    struct stat at;
    if (lstat(path, &at) != 0 || S_ISREG(at.st_mode)) return NULL;
    return S_ISLNK(at.st_mode)    ? "a symbolic link"
           : S_ISDIR(at.st_mode)  ? "a folder"
           : S_ISFIFO(at.st_mode) ? "a pipe"
           : S_ISSOCK(at.st_mode) ? "a socket"
                                  : "a device";
}

bool cci_keep_previous(const char *path, char *kept, size_t kept_len)
{
    kept[0] = '\0';
    if (!exists(path)) return true;
    if (not_replaceable(path)) { /* a file's earlier copy only, never a device or a link */
        errno = EPERM;
        return false;
    }
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) dot = path + strlen(path);
    for (unsigned n = 1; n < 100000; n++) {
        int len = snprintf(kept, kept_len, "%.*s.%u%s", (int)(dot - path), path, n, dot);
        if (len < 0 || (size_t)len >= kept_len) {
            /* a cut name would be some other file's: keep nothing rather than the wrong name */
            kept[0] = '\0';
            errno = ENAMETOOLONG;
            return false;
        }
        if (!exists(kept)) return rename(path, kept) == 0;
    }
    errno = EEXIST;
    return false;
}

char *cci_path_landing(const char *path)
{
    char *copy = strdup(path), *folder = NULL;
    if (!copy) return NULL;
    char *slash = strrchr(copy, '/');
    const char *name = slash ? slash + 1 : copy;
    if (slash == copy) folder = realpath("/", NULL);
    else if (slash) *slash = '\0', folder = realpath(copy, NULL);
    else folder = realpath(".", NULL);
    size_t len = (folder ? strlen(folder) : 0) + strlen(name) + 2;
    char *landing = folder ? malloc(len) : strdup(path);
    if (folder && landing) snprintf(landing, len, "%s/%s", strcmp(folder, "/") == 0 ? "" : folder, name);
    free(folder);
    free(copy);
    return landing;
}

bool cci_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether a and b are one file, or land on one: by identity when they exist, by name when not. */
static bool one_file(const char *a, const char *b)
{
    if (cci_same_file(a, b)) return true;
    char *la = cci_path_landing(a), *lb = cci_path_landing(b);
    bool same = la && lb && strcmp(la, lb) == 0;
    free(la);
    free(lb);
    return same;
}

bool cci_files_collide(const cci_run_file *files, size_t n, char *why, size_t len)
{
    char **paths = calloc(n ? n : 1, sizeof *paths);
    bool collide = paths == NULL;
    if (collide) snprintf(why, len, "out of memory while comparing the run's files");
    for (size_t i = 0; i < n && !collide; i++) {
        if (!files[i].path) continue;
        size_t bytes = strlen(files[i].path) + strlen(files[i].suffix) + 1;
        if ((paths[i] = malloc(bytes))) snprintf(paths[i], bytes, "%s%s", files[i].path, files[i].suffix);
        else collide = snprintf(why, len, "out of memory while comparing the run's files") > 0;
    }
    for (size_t i = 0; i < n && !collide; i++)
        for (size_t j = i + 1; j < n && !collide && paths[i]; j++)
            if (paths[j] && files[i].owner != files[j].owner && one_file(paths[i], paths[j])) {
                snprintf(why, len, "%s (%s) and %s (%s) are the same file: one would overwrite the other; choose "
                                   "another path", files[i].name, paths[i], files[j].name, paths[j]);
                collide = true;
            }
    for (size_t i = 0; paths && i < n; i++) free(paths[i]);
    free(paths);
    return collide;
}

int cci_open_private(const char *path, int flags)
{
    struct stat st;
    if ((flags & O_TRUNC) && lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) { /* planted: refused, left */
        errno = S_ISLNK(st.st_mode) ? ELOOP : EEXIST;
        return -1;
    }
    if ((flags & O_TRUNC) && unlink(path) != 0 && errno != ENOENT) return -1;
    int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC | ((flags & O_TRUNC) ? O_EXCL : 0), 0600);
    if (fd < 0) return -1;
    int error = fstat(fd, &st) != 0 ? errno
                : st.st_uid != geteuid() ? EPERM
                : (st.st_mode & 077) && fchmod(fd, st.st_mode & 0700) != 0 ? errno
                                                                           : 0;
    if (!error) return fd;
    close(fd);
    errno = error;
    return -1;
}

FILE *cci_open_for_writing(const char *path, int flags, const char *mode)
{
    int fd = cci_open_private(path, flags | O_WRONLY);
    FILE *file = fd >= 0 ? fdopen(fd, mode) : NULL;
    if (fd >= 0 && !file) close(fd);
    return file;
}

/* A name that can become a file: not empty, not a folder's (a file's rename over one would fail
 * only when the run ends, after its requests). */
bool cci_path_names_a_file(const char *path)
{
    size_t len = strlen(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return len && path[len - 1] != '/' && strcmp(base, ".") != 0 && strcmp(base, "..") != 0;
}

cci_status cci_outfile_open(cci_outfile *out, const char *path, char *err, size_t errlen)
{
    *out = (cci_outfile){0};
    const char *there = cci_path_names_a_file(path) ? not_replaceable(path) : "a folder, or nothing";
    if (there)
        return cci_fail(CCI_INVALID, err, errlen,
                        "cannot write \"%s\": it names %s, and the tool replaces what is at the path with a new file "
                        "when the run ends: name a file of your own (never a device, a pipe or a link)",
                        path, there);
    size_t partial_len = strlen(path) + sizeof ".partial";
    out->path = strdup(path);
    out->partial = malloc(partial_len);
    if (!out->path || !out->partial) {
        cci_outfile_discard(out);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory while opening %s", path);
    }
    snprintf(out->partial, partial_len, "%s.partial", path);
    /* a symlink planted at the partial name is refused, never followed (ELOOP) */
    if (!(out->file = cci_open_for_writing(out->partial, O_TRUNC, "w"))) {
        int error = errno;
        cci_status status = cci_fail(cci_status_of_errno(error), err, errlen, "cannot create %s: %s", out->partial,
                                     error == ELOOP    ? "it is a symbolic link"
                                     : error == EEXIST ? "something other than a file is there (a pipe, a device, a "
                                                         "socket or a folder): remove it"
                                                       : strerror(error));
        free(out->partial);
        out->partial = NULL; /* not ours: never removed */
        cci_outfile_discard(out);
        return status;
    }
    return CCI_OK;
}

bool cci_outfile_check(cci_outfile *out, bool ok)
{
    if (!ok && !out->error) out->error = errno ? errno : EIO;
    return ok;
}

bool cci_outfile_flush(cci_outfile *out)
{
    if (out->error) return false;
    if (fflush(out->file) == 0) {
        off_t at = ftello(out->file);
        if (at >= 0) out->whole = at;
        return true;
    }
    cci_outfile_check(out, false);
    /* a full disk takes part of a write: drop what is left of it, and cut the file back to its
     * last whole line, so that even the partial file never holds a cut line */
    __fpurge(out->file);
    int cut = ftruncate(fileno(out->file), out->whole); /* best effort: the message names the first error */
    (void)cut;
    return false;
}

bool cci_outfile_write_whole(cci_outfile *out, const char *bytes, size_t len)
{
    if (!cci_outfile_flush(out)) return false;
    int fd = fileno(out->file);
    for (size_t done = 0; done < len;) {
        ssize_t wrote = write(fd, bytes + done, len - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) {
            if (wrote == 0) errno = ENOSPC;
            cci_outfile_check(out, false);
            int cut = ftruncate(fd, out->whole); /* as a failed flush does: never a cut line */
            (void)cut;
            return false;
        }
        done += (size_t)wrote;
    }
    out->whole += (long long)len;
    return true;
}

void cci_outfile_stream_out(cci_outfile *out)
{
    int fd = fileno(out->file);
    long long end = out->whole;
    /* the previous batch's writing began a call ago: waited for, then its pages freed */
    if (out->streamed > out->dropped &&
        sync_file_range(fd, out->dropped, out->streamed - out->dropped,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0) {
        posix_fadvise(fd, out->dropped, out->streamed - out->dropped, POSIX_FADV_DONTNEED);
        out->dropped = out->streamed;
    }
    if (end > out->streamed && sync_file_range(fd, out->streamed, end - out->streamed, SYNC_FILE_RANGE_WRITE) == 0)
        out->streamed = end;
}

void cci_outfile_describe_error(const cci_outfile *out, char *err, size_t errlen)
{
    /* the file written is the partial one: the final name is only ever renamed onto */
    snprintf(err, errlen, "cannot write %s: %s", out->partial ? out->partial : out->path,
             strerror(out->error ? out->error : EIO));
}

cci_status cci_outfile_commit(cci_outfile *out, bool keep_previous, char *kept, size_t kept_len, char *err,
                              size_t errlen)
{
    if (kept_len) kept[0] = '\0';
    bool ok = cci_outfile_flush(out);
    ok = cci_outfile_check(out, ok && fsync(fileno(out->file)) == 0) && ok;
    ok = cci_outfile_check(out, fclose(out->file) == 0) && ok;
    out->file = NULL;
    cci_status status = CCI_OK;
    const char *there;
    if (!ok && out->whole == 0 && unlink(out->partial) == 0) { /* not one whole line: nothing to look at */
        status = cci_fail(out->error == ENOMEM ? CCI_NOMEM : CCI_IO, err, errlen,
                          "cannot write %s: %s; %s was left as it was, and nothing of this run's could be written",
                          out->partial, strerror(out->error), out->path);
    } else if (!ok) {
        status = cci_fail(out->error == ENOMEM ? CCI_NOMEM : CCI_IO, err, errlen,
                          "cannot write %s: %s; %s was left as it was, and what could be written is in %s",
                          out->partial, strerror(out->error), out->path, out->partial);
    } else if ((there = not_replaceable(out->path))) { /* it came while the run went on */
        status = cci_fail(CCI_IO, err, errlen, "cannot replace %s: it is now %s, not a file; this run's is in %s",
                          out->path, there, out->partial);
    } else if (keep_previous && !cci_keep_previous(out->path, kept, kept_len)) {
        status = cci_fail(CCI_IO, err, errlen, "cannot keep the earlier %s aside: %s; this run's is in %s", out->path,
                          strerror(errno), out->partial);
    } else if (rename(out->partial, out->path) != 0) {
        status = cci_fail(CCI_IO, err, errlen, "cannot rename %s to %s: %s", out->partial, out->path, strerror(errno));
    }
    free(out->path);
    free(out->partial);
    *out = (cci_outfile){0};
    return status;
}

void cci_outfile_abandon(cci_outfile *out)
{
    if (out->file) fclose(out->file);
    free(out->path);
    free(out->partial);
    *out = (cci_outfile){0};
}

void cci_outfile_discard(cci_outfile *out)
{
    if (out->file) fclose(out->file);
    if (out->partial) unlink(out->partial);
    free(out->path);
    free(out->partial);
    *out = (cci_outfile){0};
}
