#define _GNU_SOURCE
#include "read/workbook_xls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "read/workbook_cells.h"
#include "read/workbook_row.h"
#include "read/workbook_xls_wire.h"
#include "util/utf8.h"

struct cci_xls {
    pid_t child;                /* 0: none, or reaped */
    int from_child, to_child;   /* -1: closed */
    cci_sheet_info *sheets;
    size_t sheet_count;
    size_t loaded;              /* the sheet whose cells are held; SIZE_MAX: none yet */
    unsigned char *cells;       /* its cells as the child told them, checked whole */
    size_t cells_len, pos;
    cci_sheet_row row;
};

enum { CHILD_SILENCE_MS = 120 * 1000 }; /* longer than FreeXL takes to read the largest .xls */

static const char SAVE_AS[] = "save it as .xlsx, or as CSV UTF-8, and import that";

static cci_xls *xls_new(void)
{
    cci_xls *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->from_child = x->to_child = -1;
    x->loaded = SIZE_MAX;
    return x;
}

typedef enum { ENDED_WELL, INTERRUPTED, PAST_BOUNDS, CRASHED, FAILED } child_end;

/* Waits for the child's end; how it ended, and the signal that ended it in *signal_number. */
static child_end reap(cci_xls *x, int *signal_number)
{
    if (x->from_child >= 0) close(x->from_child);
    if (x->to_child >= 0) close(x->to_child);
    x->from_child = x->to_child = -1;
    *signal_number = 0;
    if (!x->child) return FAILED;
    int status = 0;
    pid_t got;
    while ((got = waitpid(x->child, &status, 0)) < 0 && errno == EINTR) {}
    x->child = 0;
    if (got < 0 || !(WIFEXITED(status) || WIFSIGNALED(status))) return FAILED;
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? ENDED_WELL : FAILED;
    switch ((*signal_number = WTERMSIG(status))) {
    case SIGINT: case SIGTERM: case SIGHUP: case SIGQUIT: return INTERRUPTED; /* the person, not the file */
    case SIGXCPU: case SIGKILL: return PAST_BOUNDS;
    default: return CRASHED;
    }
}

/* One line for a sheet list or sheet the child did not finish: the file blamed only when it is
 * to blame. */
static cci_status stopped(child_end end, int signal_number, const char *where, char *err, size_t errlen)
{
    static const char reader[] = "the reader of .xls files (FreeXL)";
    switch (end) {
    case INTERRUPTED:
        return cci_fail(CCI_STOPPED, err, errlen, "reading it was interrupted (%s)", strsignal(signal_number));
    case PAST_BOUNDS:
        return cci_fail(CCI_INVALID, err, errlen, "%s was stopped %s: it ran past its minute of CPU time or its memory, or "
                        "was killed; the file may be damaged or too large: %s", reader, where, SAVE_AS);
    case CRASHED:
        return cci_fail(CCI_INVALID, err, errlen, "not a readable .xls: %s crashed on it (%s) %s; the file is damaged: %s",
                        reader, strsignal(signal_number), where, SAVE_AS);
    case FAILED:
        return cci_fail(CCI_IO, err, errlen, "%s failed %s (out of memory, or a limit on file sizes)", reader, where);
    default:
        return cci_fail(CCI_INVALID, err, errlen, "not a readable .xls: what %s said %s was malformed; the file is "
                        "damaged: %s", reader, where, SAVE_AS);
    }
}

void cci_xls_free(cci_xls *x)
{
    if (!x) return;
    if (x->child) kill(x->child, SIGKILL);
    int signal_number;
    reap(x, &signal_number);
    for (size_t i = 0; i < x->sheet_count; i++) free(x->sheets[i].name);
    free(x->sheets);
    free(x->cells);
    cci_sheet_row_cleanup(&x->row);
    free(x);
}

/* read(2) from the child, which may say nothing for ever (stopped, or stuck where its CPU limit
 * does not count): after CHILD_SILENCE_MS without a byte it is ended (SIGKILL: past its bounds). */
static ssize_t read_child(cci_xls *x, void *into, size_t n)
{
    for (;;) {
        struct pollfd ready = {.fd = x->from_child, .events = POLLIN};
        int polled = poll(&ready, 1, CHILD_SILENCE_MS);
        if (polled < 0 && errno == EINTR) continue;
        if (polled == 0 && x->child) kill(x->child, SIGKILL); /* then its pipe ends */
        ssize_t got = read(x->from_child, into, n);
        if (got < 0 && errno == EINTR) continue;
        return got;
    }
}

static bool read_exact(cci_xls *x, void *into, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t got = read_child(x, (char *)into + done, n - done);
        if (got <= 0) return false;
        done += (size_t)got;
    }
    return true;
}

static cci_status refused(cci_xls *x, uint32_t why, char *err, size_t errlen)
{
    int signal_number;
    reap(x, &signal_number);
    switch (why) {
    case CCI_XLS_PASSWORD:
        return cci_fail(CCI_INVALID, err, errlen, "this .xls is protected by a password: %s (without one)", SAVE_AS);
    case CCI_XLS_NO_SHEET:
        return cci_fail(CCI_INVALID, err, errlen, "no sheet could be read from this .xls: it is damaged, or holds none; %s",
                        SAVE_AS);
    case CCI_XLS_NO_COPY:
        return cci_fail(CCI_IO, err, errlen, "the reader of .xls files ran out of memory on it, or into a limit on "
                        "file sizes");
    case CCI_XLS_SHEET_UNREADABLE:
        return cci_fail(CCI_INVALID, err, errlen, "the sheet of this .xls cannot be read: it is damaged; %s", SAVE_AS);
    default:
        return cci_fail(CCI_INVALID, err, errlen,
                        "not a readable Excel 97-2003 workbook (.xls): damaged, or protected by a password (an "
                        "encrypted .xlsx looks like one): %s", SAVE_AS);
    }
}

/* After the child said something malformed (it is ended here) or stopped saying anything. */
static cci_status reader_stopped(cci_xls *x, bool malformed, const char *where, char *err, size_t errlen)
{
    int signal_number;
    if (malformed && x->child) kill(x->child, SIGKILL);
    child_end end = reap(x, &signal_number);
    return stopped(malformed ? ENDED_WELL : end, signal_number, where, err, errlen);
}

/* The sheet list, up to its end. */
static cci_status take_sheet_list(cci_xls *x, char *err, size_t errlen)
{
    unsigned char tag;
    bool malformed = false;
    while (read_exact(x, &tag, 1)) {
        uint32_t n;
        if (tag == CCI_XLS_SHEETS_END && x->sheet_count) return CCI_OK;
        if (tag == CCI_XLS_REFUSED && read_exact(x, &n, sizeof n)) return refused(x, n, err, errlen);
        if (tag != CCI_XLS_SHEET_NAME || !read_exact(x, &n, sizeof n)) break;
        if ((malformed = n > CCI_XLS_MAX_SHEET_NAME || x->sheet_count >= CCI_XLS_MAX_SHEETS)) break;
        cci_sheet_info *more = realloc(x->sheets, (x->sheet_count + 1) * sizeof *more);
        char *name = malloc(n + 1);
        if (more) x->sheets = more;
        if (!more || !name) {
            free(name);
            return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
        }
        x->sheets[x->sheet_count++] = (cci_sheet_info){.name = name};
        if (!read_exact(x, name, n)) break;
        name[n] = '\0';
        if (!cci_utf8_valid(name, n) || strlen(name) != n) snprintf(name, n + 1, "%.*s", n ? 1 : 0, "?");
        cci_sheet_name_clean(name);
    }
    return reader_stopped(x, malformed, "while listing the sheets", err, errlen);
}

cci_status cci_xls_open(cci_xls **made, const unsigned char *bytes, size_t len, char *err, size_t errlen)
{
    return cci_xls_open_with(made, bytes, len, cci_xls_child_main, err, errlen);
}

cci_status cci_xls_open_with(cci_xls **made, const unsigned char *bytes, size_t len, cci_xls_child child_main,
                             char *err, size_t errlen)
{
    *made = NULL;
    cci_xls *x = xls_new();
    int down[2] = {-1, -1}, up[2] = {-1, -1};
    if (!x) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0 || (x->child = fork()) < 0) {
        int why = errno;
        x->child = 0;
        for (int i = 0; i < 2; i++) {
            if (down[i] >= 0) close(down[i]);
            if (up[i] >= 0) close(up[i]);
        }
        cci_xls_free(x);
        return cci_fail(CCI_IO, err, errlen, "cannot start the reader of .xls files: %s", strerror(why));
    }
    if (x->child == 0) {
        close(down[1]);
        close(up[0]);
        child_main(bytes, len, up[1], down[0]);
        _exit(1);
    }
    close(down[0]);
    close(up[1]);
    x->to_child = down[1];
    x->from_child = up[0];
    cci_status status = take_sheet_list(x, err, errlen);
    if (status != CCI_OK) {
        cci_xls_free(x);
        return status;
    }
    *made = x;
    return CCI_OK;
}

size_t cci_xls_sheet_count(const cci_xls *x)
{
    return x->sheet_count;
}

const cci_sheet_info *cci_xls_sheet(const cci_xls *x, size_t index)
{
    return index < x->sheet_count ? &x->sheets[index] : NULL;
}

/* ---- the chosen sheet's cells, taken whole and checked ---- */

typedef struct {
    const unsigned char *bytes;
    size_t len, pos;
} cursor;

static bool take_u32(cursor *c, uint32_t *value)
{
    if (c->len - c->pos < sizeof *value) return false;
    memcpy(value, c->bytes + c->pos, sizeof *value);
    c->pos += sizeof *value;
    return true;
}

/* A cell's column and text (not NUL-terminated), after its tag. */
static bool take_cell(cursor *c, uint32_t *column, const char **text, uint32_t *len)
{
    if (!take_u32(c, column) || !take_u32(c, len) || c->len - c->pos < *len) return false;
    *text = (const char *)c->bytes + c->pos;
    c->pos += *len;
    return true;
}

/* Whether the cells were told as the wire says: rows rising, columns rising in a row, each text
 * UTF-8 without a NUL, a closing 'Z' last. *last_row: the last row begun, for a message. */
static bool well_formed(const unsigned char *bytes, size_t len, unsigned long *last_row)
{
    cursor c = {bytes, len, 0};
    uint32_t row = 0, column = 0, n;
    bool in_row = false;
    const char *text;
    *last_row = 0;
    while (c.pos < c.len) {
        unsigned char tag = c.bytes[c.pos++];
        if ((tag == CCI_XLS_SHEET_END || tag == CCI_XLS_ROW) && row && !in_row) return false; /* a row of no cell */
        if (tag == CCI_XLS_SHEET_END) return c.pos == c.len;
        if (tag == CCI_XLS_ROW) {
            uint32_t next;
            if (!take_u32(&c, &next) || next <= row) return false;
            *last_row = row = next;
            in_row = false;
            continue;
        }
        uint32_t before = column;
        if (tag != CCI_XLS_CELL || !row || !take_cell(&c, &column, &text, &n) || (in_row && column <= before) ||
            !n || memchr(text, '\0', n) || !cci_utf8_valid(text, n))
            return false;
        in_row = true;
    }
    return false;
}

/* Blocks SIGPIPE in this thread while writing to a child that may have died: its death is said
 * by its status, and the process may not ignore the signal. */
static bool write_to_child(int fd, const void *bytes, size_t len)
{
    sigset_t pipe_only, before, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &before);
    ssize_t wrote;
    while ((wrote = write(fd, bytes, len)) < 0 && errno == EINTR) {}
    sigpending(&pending);
    if (wrote < 0 && errno == EPIPE && sigismember(&pending, SIGPIPE) && !sigismember(&before, SIGPIPE)) {
        struct timespec now = {0, 0};
        sigtimedwait(&pipe_only, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    return wrote == (ssize_t)len;
}

/* Asks the child for sheet index and takes what it tells, to its end. */
static cci_status take_sheet(cci_xls *x, size_t index, char *err, size_t errlen)
{
    uint32_t asked = (uint32_t)index;
    size_t cap = 0;
    bool past_cap = false;
    if (write_to_child(x->to_child, &asked, sizeof asked))
        for (;;) {
            if (x->cells_len == cap) {
                size_t more = cap ? cap * 2 : 1 << 16;
                unsigned char *grown = more <= CCI_XLS_MAX_SHEET_BYTES ? realloc(x->cells, more) : NULL;
                if (!grown) {
                    past_cap = more > CCI_XLS_MAX_SHEET_BYTES;
                    if (!past_cap) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
                    break;
                }
                x->cells = grown;
                cap = more;
            }
            ssize_t got = read_child(x, x->cells + x->cells_len, cap - x->cells_len);
            if (got <= 0) break;
            x->cells_len += (size_t)got;
        }
    char where[64];
    int signal_number;
    if (past_cap) {
        kill(x->child, SIGKILL);
        reap(x, &signal_number);
        return cci_fail(CCI_INVALID, err, errlen, "the sheet \"%s\" of this .xls holds more than %zu MiB of cells: %s",
                        x->sheets[index].name, CCI_XLS_MAX_SHEET_BYTES >> 20, SAVE_AS);
    }
    child_end end = reap(x, &signal_number);
    unsigned long last_row = 0;
    if (x->cells_len >= 5 && x->cells[0] == CCI_XLS_REFUSED) {
        uint32_t refusal;
        memcpy(&refusal, x->cells + 1, sizeof refusal);
        return refused(x, refusal, err, errlen);
    }
    bool formed = well_formed(x->cells, x->cells_len, &last_row); /* and where it stopped */
    if (end == ENDED_WELL && formed) return CCI_OK;
    snprintf(where, sizeof where, "in sheet \"%.20s\" after row %lu", x->sheets[index].name, last_row);
    return stopped(end, signal_number, where, err, errlen);
}

cci_status cci_xls_start(cci_xls *x, size_t index, size_t max_columns, size_t max_record_bytes, char *err,
                         size_t errlen)
{
    cci_sheet_row_cleanup(&x->row);
    cci_sheet_row_init(&x->row, max_columns, max_record_bytes);
    x->pos = 0;
    if (x->loaded == index) return CCI_OK;
    if (x->loaded != SIZE_MAX || index >= x->sheet_count || x->to_child < 0)
        return cci_fail(CCI_INVALID, err, errlen, "this .xls is read one sheet a run");
    cci_status status = take_sheet(x, index, err, errlen);
    if (status == CCI_OK) x->loaded = index;
    return status;
}

cci_read_status cci_xls_next(cci_xls *x, cci_record *record, cci_status *status, char *err, size_t errlen)
{
    *status = CCI_OK;
    cursor c = {x->cells, x->cells_len, x->pos};
    uint32_t row = 0, column = 0, n = 0;
    const char *text = "";
    if (x->loaded == SIZE_MAX || c.pos >= c.len || c.bytes[c.pos] != CCI_XLS_ROW) return CCI_READ_END;
    c.pos++;
    take_u32(&c, &row); /* checked whole when taken */
    cci_sheet_row_clear(&x->row);
    while (c.pos < c.len && c.bytes[c.pos] == CCI_XLS_CELL) {
        c.pos++;
        take_cell(&c, &column, &text, &n);
        cci_row_result result = cci_sheet_row_append(&x->row, column, text, n);
        if (result != CCI_ROW_OK) {
            *status = cci_fail(result == CCI_ROW_NOMEM ? CCI_NOMEM : CCI_INVALID, err, errlen,
                               "sheet \"%s\", row %u: %s", x->sheets[x->loaded].name, row,
                               result == CCI_ROW_TOO_WIDE ? "more cells than --max-columns allows"
                                                          : "more text than --max-record-size allows");
            return CCI_READ_ERROR;
        }
    }
    x->pos = c.pos;
    if (cci_sheet_row_record(&x->row, row, 0, record) != CCI_ROW_OK) {
        *status = cci_fail(CCI_NOMEM, err, errlen, "out of memory");
        return CCI_READ_ERROR;
    }
    return CCI_READ_RECORD;
}

cci_status cci_xls_take_cells(cci_xls **made, const char *sheet_name, const unsigned char *wire, size_t len,
                              char *err, size_t errlen)
{
    *made = NULL;
    cci_xls *x = xls_new();
    unsigned long last_row;
    if (!x || !(x->sheets = calloc(1, sizeof *x->sheets)) || !(x->sheets[0].name = strdup(sheet_name)) ||
        !(x->cells = malloc(len ? len : 1))) {
        cci_xls_free(x);
        return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    }
    x->sheet_count = 1;
    memcpy(x->cells, wire, len);
    x->cells_len = len;
    if (!well_formed(wire, len, &last_row)) {
        cci_xls_free(x);
        return cci_fail(CCI_INVALID, err, errlen, "malformed after row %lu", last_row);
    }
    x->loaded = 0;
    *made = x;
    return CCI_OK;
}
