/* A regular input file read twice as one snapshot: the preflight pass records it (its size, times,
 * inode, and a hash of every 64 KiB block), and the import pass reads it again through a check
 * that hands out no byte of a block until the block is proven the same. So a file truncated,
 * appended to or rewritten while a run reads it stops the run at the first changed block, before
 * any row from it is used, and no mix of two versions is ever imported.
 * Both passes are stdio streams (fopencookie) over one open file, so the path cannot be swapped
 * for another file between them.
 * Thread-safety: a snapshot and its streams are used by one thread at a time. */
#ifndef CCI_SNAPSHOT_H
#define CCI_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct cci_snapshot cci_snapshot;

/* fd: a regular file, borrowed (closed by the caller after the snapshot). NULL when out of memory
 * or fd cannot be examined. */
cci_snapshot *cci_snapshot_new(int fd);
void cci_snapshot_free(cci_snapshot *snapshot);

/* A stream over the file from its start that records what it reads: the first pass. */
FILE *cci_snapshot_record(cci_snapshot *snapshot);
/* A stream over the file from its start that fails (EIO) at the first block that differs from
 * what the first pass recorded, or once the file's size, modification time or inode changed. */
FILE *cci_snapshot_verify(cci_snapshot *snapshot);

/* After a stream failed: true and a sentence saying how the file changed. */
bool cci_snapshot_changed(const cci_snapshot *snapshot, char *why, size_t len);

#endif
