/* Large zeroed tables: zeros throughout, writable throughout, and a large one on a huge page's
 * boundary (what lets the kernel back it with huge pages). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/zeroed.h"
#include "check_main.h"

enum { MIB = 1 << 20 };

static void expect_zeroed_and_writable(size_t bytes)
{
    unsigned char *table = cci_zeroed_alloc(bytes);
    ck_assert_ptr_nonnull(table);
    for (size_t i = 0; i < bytes; i += 4093) ck_assert_uint_eq(table[i], 0);
    if (bytes) ck_assert_uint_eq(table[bytes - 1], 0);
    memset(table, 0xA5, bytes); /* ASan finds a write past what was given */
    if (bytes) ck_assert_uint_eq(table[bytes - 1], 0xA5);
    cci_zeroed_free(table, bytes);
}

START_TEST(every_size_is_zeroed_and_writable)
{
    size_t sizes[] = {0, 1, 12, 4096, 8 * MIB - 1, 8 * MIB, 8 * MIB + 1, 24 * MIB, 24 * MIB + 12};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) expect_zeroed_and_writable(sizes[i]);
}
END_TEST

START_TEST(a_large_table_starts_on_a_huge_page)
{
    for (size_t bytes = 8 * MIB; bytes <= 40 * MIB; bytes += 5 * MIB + 12) {
        void *table = cci_zeroed_alloc(bytes);
        ck_assert_ptr_nonnull(table);
        ck_assert_uint_eq((uintptr_t)table % (2 * MIB), 0);
        cci_zeroed_free(table, bytes);
    }
}
END_TEST

/* The process's address space, in KiB (VmSize). */
static long address_space_kib(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(status);
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, status))
        if (sscanf(line, "VmSize: %ld kB", &kib) == 1) break;
    fclose(status);
    ck_assert_int_gt(kib, 0);
    return kib;
}

/* Freed and taken again: what was mapped is given back whole, the huge page's worth taken for
 * the alignment too (100 rounds that each kept 2 MiB would keep 200 MiB). */
START_TEST(freeing_gives_the_mapping_back)
{
    cci_zeroed_free(cci_zeroed_alloc(24 * MIB + 12), 24 * MIB + 12); /* whatever a first call sets up */
    long before = address_space_kib();
    for (int round = 0; round < 100; round++) {
        void *table = cci_zeroed_alloc(24 * MIB + 12);
        ck_assert_ptr_nonnull(table);
        cci_zeroed_free(table, 24 * MIB + 12);
    }
    cci_zeroed_free(NULL, 24 * MIB);
    long grown = address_space_kib() - before;
    ck_assert_msg(grown < 2 * 1024, "the address space grew by %ld KiB", grown);
}
END_TEST

static Suite *zeroed_suite(void)
{
    Suite *s = suite_create("zeroed");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_size_is_zeroed_and_writable);
    tcase_add_test(tc, a_large_table_starts_on_a_huge_page);
    tcase_add_test(tc, freeing_gives_the_mapping_back);
    suite_add_tcase(s, tc);
    return s;
}

CCI_CHECK_MAIN(zeroed_suite)
