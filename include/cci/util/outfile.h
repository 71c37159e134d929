/* An output file written beside its final name and renamed into place only when complete.
 *
 * The rows go to "PATH.partial", created afresh and never through a symlink (O_NOFOLLOW), so a
 * link planted there is never written through. PATH itself must be nothing yet or a regular file:
 * a link, a device, a pipe, a socket or a folder there is refused when the file is opened (before
 * a run sends anything) and again at the commit, and never moved or replaced (as root, the tool
 * could otherwise replace /dev/null, or the link in /dev to standard output). Committing flushes,
 * fsyncs, keeps any earlier PATH aside when asked (cci_keep_previous) and renames the partial file
 * over PATH: a run killed at any moment leaves PATH as it was, or whole. The first write error is kept with its
 * errno, so a message can name the path and the OS's reason ("No space left on device").
 * Thread-safety: an outfile is used by one thread at a time. */
#ifndef CCI_OUTFILE_H
#define CCI_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cci/util/status.h"

typedef struct cci_outfile {
    FILE *file;    /* write here; NULL until opened */
    char *path;    /* the final name */
    char *partial; /* where the rows go until commit: PATH.partial */
    int error;     /* errno of the first failed write, 0 while none failed */
    long long whole; /* bytes flushed whole: where a failed flush cuts the file back to */
    long long streamed, dropped; /* cci_outfile_stream_out's: bytes sent to the disk, and dropped */
} cci_outfile;

/* If a regular file is at path, renames it to the first free "STEM.N.EXT"
 * (users.report.csv -> users.report.1.csv) and writes that name into kept; kept is "" when nothing
 * was there. Returns false, with errno set, when the rename fails, and with EPERM when something
 * else is at path (a link, a device, a pipe, a folder), which is never moved. */
bool cci_keep_previous(const char *path, char *kept, size_t kept_len);

/* Whether a and b are one file, however each is spelled or linked to (its device and inode);
 * false when either does not exist. */
bool cci_same_file(const char *a, const char *b);

/* One of a run's files, for cci_files_collide: what the person knows it as ("--report"), its
 * path and a suffix to it ("" or ".partial", ".lock"), and whose it is: files of one owner (an
 * output and its PATH.partial) are never compared with each other. path NULL: none. */
typedef struct cci_run_file {
    const char *name, *path, *suffix;
    int owner;
} cci_run_file;

/* Whether two of files (of different owners) are one, however spelled or linked: by identity when
 * they exist, by where they land when not. True, with "NAME (PATH) and NAME (PATH) are the same
 * file: ..." in why, when writing one would overwrite the other; also when out of memory (nothing
 * is risked). */
bool cci_files_collide(const cci_run_file *files, size_t n, char *why, size_t len);

/* Where a path lands: its folder by its real path (symbolic links and "." or ".." resolved) and
 * its own name, so that two spellings of a file not made yet compare equal; malloc'd (NULL when
 * out of memory). The path itself when its folder cannot be resolved (it fails later). */
char *cci_path_landing(const char *path);

/* open(path, flags | O_CREAT) for a file of the person's own, never through a symlink at path (a
 * link planted there is refused, errno ELOOP): created readable and writable by its owner only
 * (0600), whatever the umask. With O_TRUNC the file is always new: a regular file at path is
 * removed first and the file created with O_EXCL, so no one else's file (a .partial planted open
 * to all) is ever written into; anything else there (a link: ELOOP; a pipe, a device, a socket, a
 * folder: EEXIST) is refused and left. Without, an existing file must be the person's own (else EPERM), and one
 * open to others (left by an earlier version) is made private. What the tool writes holds
 * personal data: e-mails, names, the app's users. */
int cci_open_private(const char *path, int flags);

/* fopen(path, mode) for writing, with open's flags added (O_TRUNC, O_APPEND), by cci_open_private. */
FILE *cci_open_for_writing(const char *path, int flags, const char *mode);

/* Whether path can name a file: not empty, not ending in '/', and its last part not "." or "..". */
bool cci_path_names_a_file(const char *path);

/* Creates PATH.partial (replacing a partial file left by a killed run). Otherwise err names the
 * path and why, and the code is CCI_INVALID (PATH is empty or names a folder: "", ".", "dir/"),
 * CCI_REFUSED (a link at the partial name, or a file of someone else's there), CCI_NOMEM or
 * CCI_IO. */
cci_status cci_outfile_open(cci_outfile *out, const char *path, char *err, size_t errlen);

/* Records the result of a write: false (with errno) keeps the first error. Returns ok. */
bool cci_outfile_check(cci_outfile *out, bool ok);

/* Flushes to the kernel now (a line a journal may rely on); false keeps the error, and the file
 * is cut back to what the last successful flush left, so it never ends in a cut line. */
bool cci_outfile_flush(cci_outfile *out);

/* Writes len bytes of whole lines straight to the kernel (after what the stream holds), not
 * through the stream's buffer; as a flush, a failure keeps the error and cuts the file back. */
bool cci_outfile_write_whole(cci_outfile *out, const char *bytes, size_t len);

/* For a large file written once and not read back soon (a dry run's report), after each batch of
 * whole lines: starts the disk's writing of what came since the last call, waits for the disk to
 * have what the call before started, and drops those pages from the page cache. The kernel gives
 * the pages freed to the next writes, so the file passes through a few megabytes of memory touched
 * moments ago: on a virtual machine a page not touched for a while costs a fault in the host (a
 * 293 MB report took 0.35 to 0.55 s to copy into new pages, 0.07 s into pages just freed), and the
 * report never pushes the rest out of the cache. What it waits for is the disk's part of the
 * commit's fsync, done on the way. Best effort: the file is as written whatever these calls do. */
void cci_outfile_stream_out(cci_outfile *out);

/* Flushes, fsyncs, closes and renames PATH.partial to PATH. With keep_previous an earlier PATH is
 * first renamed aside (its new name in kept, "" when there was none); without, it is replaced.
 * When a write failed, nothing is renamed: PATH stays as it was and the partial file holds what
 * was written. Otherwise err names the path and the OS's error, and the code is CCI_IO (CCI_NOMEM
 * when that error was ENOMEM). The outfile is closed either way. */
cci_status cci_outfile_commit(cci_outfile *out, bool keep_previous, char *kept, size_t kept_len, char *err,
                              size_t errlen);

/* Closes and removes the partial file, leaving PATH as it was. Safe on an outfile never opened. */
void cci_outfile_discard(cci_outfile *out);

/* Closes and keeps the partial file as it is, what could be written for the person to see,
 * leaving PATH as it was. */
void cci_outfile_abandon(cci_outfile *out);

/* "cannot write PATH.partial: REASON" for the first error, into err (the file written is the
 * partial one). */
void cci_outfile_describe_error(const cci_outfile *out, char *err, size_t errlen);

#endif
