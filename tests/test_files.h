/* Temporary directories and small files, for the suites that write some. Header-only, like
 * check_main.h; every failure fails the test. */
#ifndef TEST_FILES_H
#define TEST_FILES_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef char test_path[256];

/* Makes a fresh directory, /tmp/cci-NAME-XXXXXX, into dir. */
static inline void test_dir_new(test_path dir, const char *name)
{
    ck_assert_int_lt(snprintf(dir, sizeof(test_path), "/tmp/cci-%s-XXXXXX", name), (int)sizeof(test_path));
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* dir/name into out; returns out. */
static inline const char *test_dir_file(test_path out, const char *dir, const char *name)
{
    ck_assert_int_lt(snprintf(out, sizeof(test_path), "%s/%s", dir, name), (int)sizeof(test_path));
    return out;
}

/* Removes dir and everything in it. */
static inline void test_dir_remove(const char *dir)
{
    char command[sizeof(test_path) + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(command), 0);
}

/* Writes text to path, whole. */
static inline void test_file_write(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    ck_assert_msg(file != NULL, "cannot write %s", path);
    fputs(text, file);
    ck_assert_int_eq(fclose(file), 0);
}

/* The whole of a small file (under 64 KiB); valid until the next call. */
static inline const char *test_file_text(const char *path)
{
    static char text[65536];
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot read %s", path);
    size_t n = fread(text, 1, sizeof text, file);
    fclose(file);
    ck_assert_msg(n < sizeof text, "%s is larger than a test reads", path);
    text[n] = '\0';
    return text;
}

#endif
