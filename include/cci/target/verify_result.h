/* What --verify found, as the import's result carries it (the rest of verify.h is the library's).
 * Thread-safety: a plain value. */
#ifndef CCI_VERIFY_RESULT_H
#define CCI_VERIFY_RESULT_H

typedef struct cci_verify_result {
    unsigned long compared; /* valid rows compared with the app read back */
    unsigned long differed; /* of which the app held otherwise */
    unsigned long repaired; /* of those, equal after one repair */
    unsigned long remain;   /* still differing, or whose repair failed */
    unsigned long pages;    /* listing pages read, every reading counted */
} cci_verify_result;

#endif
