/* What went wrong, as a code a caller can act on, beside the sentence for a person: curl's
 * CURLcode beside its error buffer. A function that returns a cci_status other than CCI_OK has
 * written its err buffer too; out of memory is a code, never an empty sentence.
 * Thread-safety: pure. */
#ifndef CCI_STATUS_H
#define CCI_STATUS_H

#include <stddef.h>

typedef enum {
    CCI_OK = 0,
    CCI_NOMEM,   /* out of memory */
    CCI_IO,      /* a file could not be read or written */
    CCI_LOCKED,  /* another run holds it */
    CCI_REFUSED, /* not allowed: a link where a file belongs, a file of someone else's, a key refused */
    CCI_NETWORK, /* no connection could be set up, or the service failed what was asked */
    CCI_INVALID, /* the input or a setting makes no sense */
    CCI_STOPPED, /* the run was told to stop first (a signal, a fatal answer): no fault of what it did */
} cci_status;

/* The code's name, for logs and tests: "CCI_LOCKED". */
const char *cci_status_name(cci_status status);

/* The code of an OS error met on a file: a link or a file not ours refused (ELOOP, EPERM), out of
 * memory, or else an I/O failure. */
cci_status cci_status_of_errno(int error);

/* Writes the sentence into err (bounded by errlen) and returns status, so that a failure reads
 * `return cci_fail(CCI_IO, err, errlen, "cannot read %s", path);`. */
cci_status cci_fail(cci_status status, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
