/* One snapshot over two passes: a block is handed out only when it is the one the first pass read. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read/snapshot.h"
#include "check_main.h"
#include "test_files.h"

enum { BLOCK = 64 * 1024, FILE_SIZE = 3 * BLOCK + 100 };

static test_path dir, path;
static char *content, *seen;

static void setup(void)
{
    test_dir_new(dir, "snapshot");
    test_dir_file(path, dir, "users.csv");
    content = malloc(FILE_SIZE + 1);
    seen = malloc(FILE_SIZE + 1);
    for (size_t i = 0; i < FILE_SIZE; i++) content[i] = (char)('a' + i % 26);
    content[FILE_SIZE] = '\0';
    test_file_write(path, content);
}

static void teardown(void)
{
    free(content);
    free(seen);
    test_dir_remove(dir);
}

/* Reads stream to its end or failure into seen; returns the bytes read. */
static size_t read_all(FILE *stream)
{
    size_t total = 0, got;
    while ((got = fread(seen + total, 1, 1000, stream)) > 0) total += got;
    return total;
}

/* The file opened, and its first pass read through: what the import pass is checked against. */
static cci_snapshot *recorded(int *fd)
{
    *fd = open(path, O_RDONLY);
    ck_assert_int_ge(*fd, 0);
    cci_snapshot *snapshot = cci_snapshot_new(*fd);
    ck_assert_ptr_nonnull(snapshot);
    FILE *first = cci_snapshot_record(snapshot);
    ck_assert_uint_eq(read_all(first), FILE_SIZE);
    ck_assert(!ferror(first));
    fclose(first);
    return snapshot;
}

static void overwrite_at(long offset, const char *text)
{
    FILE *f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    fseek(f, offset, SEEK_SET);
    fputs(text, f);
    fclose(f);
}

START_TEST(an_unchanged_file_reads_the_same_twice)
{
    int fd;
    cci_snapshot *snapshot = recorded(&fd);
    FILE *second = cci_snapshot_verify(snapshot);
    ck_assert_uint_eq(read_all(second), FILE_SIZE);
    ck_assert(!ferror(second));
    ck_assert(memcmp(seen, content, FILE_SIZE) == 0);
    fclose(second);
    char why[256];
    ck_assert(!cci_snapshot_changed(snapshot, why, sizeof why));
    cci_snapshot_free(snapshot);
    close(fd);
}
END_TEST

/* One byte changed in the third block, same size and a restored modification time: the first two
 * blocks are handed out, and nothing of the third. */
START_TEST(a_changed_block_is_never_handed_out)
{
    int fd;
    cci_snapshot *snapshot = recorded(&fd);
    struct stat before;
    ck_assert_int_eq(fstat(fd, &before), 0);
    overwrite_at(2 * BLOCK + 7, "Z");
    struct timespec times[2] = {before.st_atim, before.st_mtim};
    ck_assert_int_eq(utimensat(AT_FDCWD, path, times, 0), 0); /* only the content tells */
    FILE *second = cci_snapshot_verify(snapshot);
    ck_assert_uint_eq(read_all(second), 2 * BLOCK);
    ck_assert(ferror(second));
    fclose(second);
    char why[256];
    ck_assert(cci_snapshot_changed(snapshot, why, sizeof why));
    ck_assert_msg(strstr(why, "content differs") && strstr(why, "131072"), "%s", why);
    cci_snapshot_free(snapshot);
    close(fd);
}
END_TEST

START_TEST(a_truncated_file_stops_at_once)
{
    int fd;
    cci_snapshot *snapshot = recorded(&fd);
    ck_assert_int_eq(truncate(path, 1000), 0);
    FILE *second = cci_snapshot_verify(snapshot);
    ck_assert_uint_eq(read_all(second), 0);
    fclose(second);
    char why[256];
    ck_assert(cci_snapshot_changed(snapshot, why, sizeof why));
    ck_assert_msg(strstr(why, "size changed") && strstr(why, "1000 bytes"), "%s", why);
    cci_snapshot_free(snapshot);
    close(fd);
}
END_TEST

static Suite *snapshot_suite(void)
{
    Suite *suite = suite_create("snapshot");
    TCase *tc = tcase_create("snapshot");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, an_unchanged_file_reads_the_same_twice);
    tcase_add_test(tc, a_changed_block_is_never_handed_out);
    tcase_add_test(tc, a_truncated_file_stops_at_once);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(snapshot_suite)
