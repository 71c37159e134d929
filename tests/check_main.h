/* The one main() every Check suite shares: run the suite, exit non-zero on any failure. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/* Check's own default of 4 s a test is a wall-clock bound that a loaded machine (stress-ng on both
 * cores, the sanitizers) breaks: a test case's limit only catches a hang, so it is long, and
 * below ctest's 300 s so that Check names the case. A case or a person may still set one. */
#define CCI_CHECK_TIMEOUT_S "240"

#define CCI_CHECK_MAIN(make_suite)                                                                 \
    int main(void)                                                                                 \
    {                                                                                              \
        setenv("CK_DEFAULT_TIMEOUT", CCI_CHECK_TIMEOUT_S, 0);                                      \
        SRunner *runner = srunner_create(make_suite());                                            \
        srunner_run_all(runner, CK_NORMAL);                                                        \
        int failed = srunner_ntests_failed(runner);                                                \
        srunner_free(runner);                                                                      \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

/* The same, for suites that use libcurl (curl_global_init before any thread starts). */
#define CCI_CHECK_MAIN_WITH_CURL(make_suite)                                                       \
    int main(void)                                                                                 \
    {                                                                                              \
        curl_global_init(CURL_GLOBAL_DEFAULT);                                                     \
        setenv("CK_DEFAULT_TIMEOUT", CCI_CHECK_TIMEOUT_S, 0);                                      \
        SRunner *runner = srunner_create(make_suite());                                            \
        srunner_run_all(runner, CK_NORMAL);                                                        \
        int failed = srunner_ntests_failed(runner);                                                \
        srunner_free(runner);                                                                      \
        curl_global_cleanup();                                                                     \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

#endif
