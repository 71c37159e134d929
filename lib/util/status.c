#include "cci/util/status.h"

#include <errno.h>

#include <stdarg.h>
#include <stdio.h>

const char *cci_status_name(cci_status status)
{
    static const char *const names[] = {"CCI_OK",      "CCI_NOMEM",   "CCI_IO",     "CCI_LOCKED",
                                        "CCI_REFUSED", "CCI_NETWORK", "CCI_INVALID", "CCI_STOPPED"};
    return (size_t)status < sizeof names / sizeof *names ? names[status] : "CCI_UNKNOWN";
}

cci_status cci_status_of_errno(int error)
{
    return error == ELOOP || error == EPERM ? CCI_REFUSED : error == ENOMEM ? CCI_NOMEM : CCI_IO;
}

cci_status cci_fail(cci_status status, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return status;
}
