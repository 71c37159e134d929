/* What a run does with each row (--mode).
 * Thread-safety: a plain value. */
#ifndef CCI_MODE_H
#define CCI_MODE_H

typedef enum {
    CCI_MODE_UPSERT, /* create, or update when the uid exists */
    CCI_MODE_CREATE, /* create only: an existing uid is left as it is */
    CCI_MODE_UPDATE, /* update only: a missing uid fails */
} cci_mode;

#endif
