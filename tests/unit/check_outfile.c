/* Output files: written beside the final name, renamed into place whole, never through a symlink,
 * and a failed write named with the OS's reason. */
/* mincore */
#define _GNU_SOURCE
#include <check.h>
#include <linux/magic.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cci/util/outfile.h"
#include "check_main.h"
#include "test_files.h"

static test_path dir, path, partial;

static void setup(void)
{
    test_dir_new(dir, "outfile");
    test_dir_file(path, dir, "summary.json");
    test_dir_file(partial, dir, "summary.json.partial");
}

static void teardown(void)
{
    test_dir_remove(dir);
}

START_TEST(a_committed_file_replaces_the_earlier_one_or_keeps_it_aside)
{
    char err[256], kept[512];
    test_file_write(path, "old\n");
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert(cci_outfile_check(&out, fputs("new\n", out.file) >= 0));
    ck_assert_str_eq(test_file_text(path), "old\n"); /* not in place yet */
    ck_assert_int_eq(cci_outfile_commit(&out, false, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(test_file_text(path), "new\n");
    ck_assert_str_eq(kept, "");
    ck_assert_int_ne(access(partial, F_OK), 0);

    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert(cci_outfile_check(&out, fputs("newer\n", out.file) >= 0));
    ck_assert_int_eq(cci_outfile_commit(&out, true, kept, sizeof kept, err, sizeof err), CCI_OK);
    ck_assert_str_eq(test_file_text(path), "newer\n");
    ck_assert_str_eq(test_file_text(kept), "new\n");
}
END_TEST

/* Files may grow to at most bytes (a full disk, for this process); returns the limits to restore. */
static struct rlimit limit_file_size(rlim_t bytes)
{
    struct rlimit before, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &before), 0);
    small = before;
    small.rlim_cur = bytes;
    signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    return before;
}

START_TEST(a_failed_write_leaves_the_earlier_file_and_names_the_reason)
{
    char err[512], kept[512];
    test_file_write(path, "old\n");
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    struct rlimit before = limit_file_size(100);
    bool ok = true;
    for (int i = 0; i < 50 && ok; i++) ok = cci_outfile_check(&out, fputs("0123456789\n", out.file) >= 0) && cci_outfile_flush(&out);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert(!ok);
    ck_assert_int_eq(out.error, EFBIG);
    cci_outfile_describe_error(&out, err, sizeof err);
    ck_assert_msg(strstr(err, partial) && strstr(err, strerror(EFBIG)), "%s", err); /* the file written */
    ck_assert_int_eq(cci_outfile_commit(&out, true, kept, sizeof kept, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, partial) != NULL, "%s", err);
    ck_assert_str_eq(test_file_text(path), "old\n");
    /* what could be written is kept for a look, cut back to its last whole line */
    const char *kept_text = test_file_text(partial);
    size_t len = strlen(kept_text);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_eq(len % 11, 0);
    ck_assert_int_eq(kept_text[len - 1], '\n');
}
END_TEST

START_TEST(a_symlink_at_the_partial_name_is_refused)
{
    char err[256];
    test_path target;
    test_dir_file(target, dir, "target");
    test_file_write(target, "keep\n");
    ck_assert_int_eq(symlink(target, partial), 0);
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_REFUSED);
    ck_assert_msg(strstr(err, "symbolic link") != NULL, "%s", err);
    ck_assert_str_eq(test_file_text(target), "keep\n");
    ck_assert_int_eq(access(partial, F_OK), 0); /* not ours to remove */
}
END_TEST

START_TEST(a_partial_file_in_no_folder_is_an_io_error)
{
    char err[512];
    test_path nowhere;
    test_dir_file(nowhere, dir, "missing/summary.json");
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, nowhere, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "missing/summary.json.partial") && strstr(err, strerror(ENOENT)), "%s", err);
}
END_TEST

/* A partial file someone planted, open to all (and theirs, when the test may give it away), is never
 * written into: the rows go into a new file of the person's own, 0600 whatever the umask. */
START_TEST(a_planted_partial_file_is_replaced_by_a_private_one)
{
    char err[256];
    test_file_write(partial, "planted\n");
    ck_assert_int_eq(chmod(partial, 0666), 0);
    if (geteuid() == 0) ck_assert_int_eq(chown(partial, 65534, 65534), 0);
    struct stat written;
    FILE *planted = fopen(partial, "r"); /* held open: its inode cannot be taken by the new file */
    ck_assert_ptr_nonnull(planted);
    mode_t before = umask(0);
    cci_outfile out;
    ck_assert_msg(cci_outfile_open(&out, path, err, sizeof err) == CCI_OK, "%s", err);
    umask(before);
    ck_assert_int_eq(fstat(fileno(out.file), &written), 0);
    struct stat old;
    ck_assert_int_eq(fstat(fileno(planted), &old), 0);
    ck_assert(written.st_ino != old.st_ino);
    char text[16] = "";
    ck_assert_ptr_nonnull(fgets(text, sizeof text, planted));
    ck_assert_str_eq(text, "planted\n"); /* never written into */
    fclose(planted);
    ck_assert_int_eq(written.st_uid, geteuid());
    ck_assert_int_eq(written.st_mode & 0777, 0600);
    fputs("rows\n", out.file);
    ck_assert_msg(cci_outfile_commit(&out, false, NULL, 0, err, sizeof err) == CCI_OK, "%s", err);
    ck_assert_str_eq(test_file_text(path), "rows\n");
}
END_TEST

/* A file appended to (the journal) must be the person's own; one open to others is made private. */
START_TEST(a_file_appended_to_must_be_ones_own)
{
    test_file_write(path, "kept\n");
    ck_assert_int_eq(chmod(path, 0644), 0);
    FILE *file = cci_open_for_writing(path, O_APPEND, "a");
    ck_assert_ptr_nonnull(file);
    struct stat st;
    ck_assert_int_eq(fstat(fileno(file), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    fclose(file);
    if (geteuid() != 0) return; /* only root can give a file away */
    ck_assert_int_eq(chown(path, 65534, 65534), 0);
    errno = 0;
    ck_assert_ptr_null(cci_open_for_writing(path, O_APPEND, "a"));
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(test_file_text(path), "kept\n");
}
END_TEST

START_TEST(a_discarded_file_leaves_nothing)
{
    char err[256];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    cci_outfile_discard(&out);
    ck_assert_int_ne(access(partial, F_OK), 0);
    ck_assert_int_ne(access(path, F_OK), 0);
    cci_outfile never = {0};
    cci_outfile_discard(&never);
}
END_TEST

/* A path that names no file is refused when opened, before a run sends anything, not when the
 * rename fails at its end. */
START_TEST(a_path_naming_a_folder_or_nothing_is_refused_up_front)
{
    char err[512];
    cci_outfile out;
    const char *paths[] = {"", ".", "..", "/", dir, "somewhere/", "a/."};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        ck_assert_msg(cci_outfile_open(&out, paths[i], err, sizeof err) == CCI_INVALID, "%s", paths[i]);
        ck_assert_msg(strstr(err, "names a folder"), "%s", err);
    }
    ck_assert_int_eq(access("..partial", F_OK), -1);
}
END_TEST

/* A failed write that left not one whole line leaves no partial file to look at, and says so. */
START_TEST(a_write_that_failed_at_the_first_line_leaves_nothing_to_look_at)
{
    char err[512], kept[512];
    test_file_write(path, "old\n");
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    struct rlimit before = limit_file_size(5);
    bool ok = cci_outfile_check(&out, fputs("0123456789\n", out.file) >= 0) && cci_outfile_flush(&out);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &before), 0);
    ck_assert(!ok);
    ck_assert_int_eq(cci_outfile_commit(&out, true, kept, sizeof kept, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "nothing of this run's could be written") && strstr(err, strerror(EFBIG)), "%s", err);
    ck_assert_int_ne(access(partial, F_OK), 0);
    ck_assert_str_eq(test_file_text(path), "old\n");
}
END_TEST

/* A device, a pipe or a link at the path is refused when opened, and left as it was: the tool
 * replaces what is at the path with a new file (as root it could replace /dev/null, or the
 * /dev/stdout link, which leads to a regular file when the output goes to one). A regular file's
 * earlier copy is the only thing kept aside. */
START_TEST(a_device_or_a_pipe_at_the_path_is_refused_and_left)
{
    char err[512], kept[512];
    cci_outfile out;
    test_path fifo, link;
    test_dir_file(fifo, dir, "pipe.csv");
    test_dir_file(link, dir, "link.csv");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(symlink(fifo, link), 0);
    const struct {
        const char *path, *says;
        mode_t mode;
    } cases[] = {{"/dev/null", "names a device", S_IFCHR}, {fifo, "names a pipe", S_IFIFO},
                 {link, "names a symbolic link", S_IFLNK}, {"/dev/stdout", "names a symbolic link", S_IFLNK}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cci_status opened = cci_outfile_open(&out, cases[i].path, err, sizeof err);
        if (opened == CCI_OK) cci_outfile_discard(&out); /* a failing test leaves no PATH.partial in /dev */
        ck_assert_int_eq(opened, CCI_INVALID);
        ck_assert_msg(strstr(err, cases[i].says) && strstr(err, "name a file"), "%s", err);
        struct stat st;
        ck_assert_int_eq(lstat(cases[i].path, &st), 0);
        ck_assert_int_eq(st.st_mode & S_IFMT, cases[i].mode);
        char partial_name[600];
        snprintf(partial_name, sizeof partial_name, "%s.partial", cases[i].path);
        ck_assert_int_ne(access(partial_name, F_OK), 0);
    }
    /* nor at the partial name: never removed to make room */
    char fifo_partial[600];
    snprintf(fifo_partial, sizeof fifo_partial, "%s.partial", path);
    ck_assert_int_eq(mkfifo(fifo_partial, 0600), 0);
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "something other than a file is there"), "%s", err);
    struct stat left;
    ck_assert_int_eq(lstat(fifo_partial, &left), 0);
    ck_assert(S_ISFIFO(left.st_mode));
    ck_assert_int_eq(unlink(fifo_partial), 0);
    ck_assert(!cci_keep_previous(fifo, kept, sizeof kept)); /* never renamed aside */
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(kept, "");
    ck_assert(!cci_keep_previous(link, kept, sizeof kept));
    ck_assert_int_eq(errno, EPERM);
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
}
END_TEST

/* One that comes while the run goes on is not replaced at the end: this run's rows stay in the
 * partial file, which the message names. */
START_TEST(a_pipe_that_came_during_the_run_is_not_replaced)
{
    char err[512], kept[512];
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert_int_ge(fputs("line\n", out.file), 0);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_int_eq(cci_outfile_commit(&out, true, kept, sizeof kept, err, sizeof err), CCI_IO);
    ck_assert_msg(strstr(err, "it is now a pipe") && strstr(err, partial), "%s", err);
    struct stat st;
    ck_assert_int_eq(lstat(path, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_str_eq(test_file_text(partial), "line\n");
}
END_TEST

/* One file however it is reached: by identity when it exists, by where it lands when it does not. */
START_TEST(a_file_is_one_however_it_is_spelled)
{
    test_path link;
    char dotted[sizeof path + 16];
    test_file_write(path, "x\n");
    test_dir_file(link, dir, "link.json");
    ck_assert_int_eq(symlink(path, link), 0);
    snprintf(dotted, sizeof dotted, "%s/./summary.json", dir);
    ck_assert(cci_same_file(path, link));
    ck_assert(cci_same_file(dotted, path));
    ck_assert(!cci_same_file(path, partial)); /* no partial file yet */
    char *a = cci_path_landing(partial), *b = NULL;
    char undotted[sizeof path + 32];
    snprintf(undotted, sizeof undotted, "%s/../%s/summary.json.partial", dir, strrchr(dir, '/') + 1);
    b = cci_path_landing(undotted);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

/* A file streamed out: a batch behind, its pages are on the disk and out of the page cache (where
 * the file system keeps pages apart from memory: not tmpfs), and the file is as written. */
START_TEST(a_file_streamed_out_leaves_the_page_cache_a_batch_behind)
{
    enum { PAGE = 4096, PAGES = 64 };
    char err[512], kept[512];
    static char lines[2 * PAGES * PAGE];
    for (size_t i = 0; i < sizeof lines; i++) lines[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    cci_outfile out;
    ck_assert_int_eq(cci_outfile_open(&out, path, err, sizeof err), CCI_OK);
    ck_assert(cci_outfile_write_whole(&out, lines, PAGES * PAGE));
    cci_outfile_stream_out(&out); /* the first batch's writing begins */
    ck_assert(cci_outfile_write_whole(&out, lines + PAGES * PAGE, PAGES * PAGE));
    cci_outfile_stream_out(&out); /* the first waited for and dropped; the second's begins */
    struct statfs fs;
    ck_assert_int_eq(fstatfs(fileno(out.file), &fs), 0);
    /* where the pages are known to be the file system's cache of a disk */
    if (fs.f_type == EXT4_SUPER_MAGIC || fs.f_type == XFS_SUPER_MAGIC || fs.f_type == BTRFS_SUPER_MAGIC) {
        int fd = open(partial, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        void *map = mmap(NULL, PAGES * PAGE, PROT_READ, MAP_SHARED, fd, 0);
        ck_assert_ptr_ne(map, MAP_FAILED);
        unsigned char resident[PAGES];
        ck_assert_int_eq(mincore(map, PAGES * PAGE, resident), 0);
        int kept_pages = 0;
        for (int i = 0; i < PAGES; i++) kept_pages += resident[i] & 1;
        ck_assert_msg(kept_pages == 0, "%d of the first batch's %d pages are still in the page cache", kept_pages, PAGES);
        munmap(map, PAGES * PAGE);
        close(fd);
    }
    ck_assert_int_eq(cci_outfile_commit(&out, false, kept, sizeof kept, err, sizeof err), CCI_OK);
    FILE *file = fopen(path, "rb");
    ck_assert_ptr_nonnull(file);
    static char read_back[sizeof lines + 1];
    ck_assert_uint_eq(fread(read_back, 1, sizeof read_back, file), sizeof lines);
    fclose(file);
    ck_assert(memcmp(read_back, lines, sizeof lines) == 0);
}
END_TEST

static Suite *outfile_suite(void)
{
    Suite *suite = suite_create("outfile");
    TCase *tc = tcase_create("outfile");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_committed_file_replaces_the_earlier_one_or_keeps_it_aside);
    tcase_add_test(tc, a_failed_write_leaves_the_earlier_file_and_names_the_reason);
    tcase_add_test(tc, a_symlink_at_the_partial_name_is_refused);
    tcase_add_test(tc, a_partial_file_in_no_folder_is_an_io_error);
    tcase_add_test(tc, a_planted_partial_file_is_replaced_by_a_private_one);
    tcase_add_test(tc, a_file_appended_to_must_be_ones_own);
    tcase_add_test(tc, a_discarded_file_leaves_nothing);
    tcase_add_test(tc, a_path_naming_a_folder_or_nothing_is_refused_up_front);
    tcase_add_test(tc, a_device_or_a_pipe_at_the_path_is_refused_and_left);
    tcase_add_test(tc, a_write_that_failed_at_the_first_line_leaves_nothing_to_look_at);
    tcase_add_test(tc, a_pipe_that_came_during_the_run_is_not_replaced);
    tcase_add_test(tc, a_file_is_one_however_it_is_spelled);
    tcase_add_test(tc, a_file_streamed_out_leaves_the_page_cache_a_batch_behind);
    suite_add_tcase(suite, tc);
    return suite;
}

CCI_CHECK_MAIN(outfile_suite)
