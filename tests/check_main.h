/* The one main() every Check suite shares: run the suite, exit non-zero on any failure. */
#ifndef CHECK_MAIN_H
#define CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

#define CCI_CHECK_MAIN(make_suite)                                                                 \
    int main(void)                                                                                 \
    {                                                                                              \
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
        SRunner *runner = srunner_create(make_suite());                                            \
        srunner_run_all(runner, CK_NORMAL);                                                        \
        int failed = srunner_ntests_failed(runner);                                                \
        srunner_free(runner);                                                                      \
        curl_global_cleanup();                                                                     \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;                                               \
    }

#endif
