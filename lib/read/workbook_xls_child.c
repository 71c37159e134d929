/* The child process that reads an .xls with FreeXL (see workbook_xls_wire.h). FreeXL can be
 * crashed, or made to spin or swell, by a damaged file: here that ends only this process, within
 * limits on its CPU time and memory, and the run says the file is damaged. */
#define _GNU_SOURCE
#include "read/workbook_xls_wire.h"

#include <freexl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "read/workbook_cells.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

enum { CHILD_CPU_SECONDS = 60 };
#define CHILD_MEMORY_BYTES ((rlim_t)2 << 30)

/* Ctrl-C ends it as it ends the run (the run's signal handling is not the child's); so does the
 * run's end; and a damaged file cannot take more than its share. */
static void confine(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    const int ended_by[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
    for (size_t i = 0; i < sizeof ended_by / sizeof *ended_by; i++) signal(ended_by[i], SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct rlimit cpu = {CHILD_CPU_SECONDS, CHILD_CPU_SECONDS + 5};
    setrlimit(RLIMIT_CPU, &cpu);
#ifndef UNDER_ASAN /* its shadow memory is counted as the address space's */
    struct rlimit memory = {CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES};
    setrlimit(RLIMIT_AS, &memory);
#endif
}

static void put_u32(FILE *out, uint32_t value)
{
    fwrite(&value, sizeof value, 1, out);
}

static void put_text(FILE *out, const char *text, size_t len)
{
    put_u32(out, (uint32_t)len);
    fwrite(text, 1, len, out);
}

static _Noreturn void refuse(FILE *out, cci_xls_refusal why)
{
    fputc(CCI_XLS_REFUSED, out);
    put_u32(out, why);
    _exit(fflush(out) == 0 ? 0 : 1);
}

/* FreeXL opens by name: the bytes the run read, in a file of this process's own. */
static const void *open_workbook(const unsigned char *bytes, size_t len, FILE *out)
{
    int fd = memfd_create("xls", 0);
    if (fd < 0) refuse(out, CCI_XLS_NO_COPY);
    for (size_t done = 0; done < len;) {
        ssize_t wrote = write(fd, bytes + done, len - done);
        if (wrote <= 0) refuse(out, CCI_XLS_NO_COPY);
        done += (size_t)wrote;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const void *handle = NULL;
    unsigned password = 0;
    int opened = freexl_open(path, &handle);
    if (opened == FREEXL_INSUFFICIENT_MEMORY) refuse(out, CCI_XLS_NO_COPY); /* the run's limits, not the file */
    if (opened != FREEXL_OK) refuse(out, CCI_XLS_UNREADABLE);
    if (freexl_get_info(handle, FREEXL_BIFF_PASSWORD, &password) == FREEXL_OK && password == FREEXL_BIFF_OBFUSCATED)
        refuse(out, CCI_XLS_PASSWORD);
    return handle;
}

/* A cell's text as typed, into shown when it is made here. */
static const char *cell_text(const FreeXL_CellValue *cell, char *shown, size_t len)
{
    switch (cell->type) {
    case FREEXL_CELL_INT:
        snprintf(shown, len, "%d", cell->value.int_value);
        return shown;
    case FREEXL_CELL_DOUBLE: {
        char stored[64];
        char *end;
        /* the shortest digits that read back as the same double, then in full */
        for (int digits = 1; digits <= 17; digits++) {
            snprintf(stored, sizeof stored, "%.*g", digits, cell->value.double_value);
            if (strtod(stored, &end) == cell->value.double_value) break;
        }
        cci_cell_number(stored, shown, len);
        return shown;
    }
    case FREEXL_CELL_DATETIME: /* "YYYY-MM-DD HH:MM:SS" as ISO 8601 */
        snprintf(shown, len, "%s", cell->value.text_value ? cell->value.text_value : "");
        if (strlen(shown) > 10 && shown[10] == ' ') shown[10] = 'T';
        return shown;
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
    case FREEXL_CELL_DATE:
    case FREEXL_CELL_TIME:
        return cell->value.text_value ? cell->value.text_value : "";
    default:
        return "";
    }
}

static void send_sheet(const void *handle, unsigned index, FILE *out)
{
    unsigned rows = 0;
    unsigned short columns = 0;
    if (freexl_select_active_worksheet(handle, (unsigned short)index) != FREEXL_OK ||
        freexl_worksheet_dimensions(handle, &rows, &columns) != FREEXL_OK)
        refuse(out, CCI_XLS_SHEET_UNREADABLE);
    for (unsigned row = 0; row < rows; row++) {
        bool announced = false;
        for (unsigned short column = 0; column < columns; column++) {
            FreeXL_CellValue cell;
            if (freexl_get_cell_value(handle, row, column, &cell) != FREEXL_OK) continue;
            char shown[CCI_CELL_NUMBER_MAX];
            const char *text = cell_text(&cell, shown, sizeof shown);
            if (!*text) continue;
            if (!announced) {
                fputc(CCI_XLS_ROW, out);
                put_u32(out, row + 1);
                announced = true;
            }
            fputc(CCI_XLS_CELL, out);
            put_u32(out, column);
            put_text(out, text, strlen(text));
        }
    }
    fputc(CCI_XLS_SHEET_END, out);
}

_Noreturn void cci_xls_child_main(const unsigned char *bytes, size_t len, int to_parent, int from_parent)
{
    confine();
    FILE *out = fdopen(to_parent, "w");
    if (!out) _exit(1);
    const void *handle = open_workbook(bytes, len, out);
    unsigned count = 0;
    if (freexl_get_info(handle, FREEXL_BIFF_SHEET_COUNT, &count) != FREEXL_OK || !count) refuse(out, CCI_XLS_NO_SHEET);
    for (unsigned i = 0; i < count && i < CCI_XLS_MAX_SHEETS; i++) {
        const char *name = NULL;
        freexl_get_worksheet_name(handle, (unsigned short)i, &name);
        fputc(CCI_XLS_SHEET_NAME, out);
        put_text(out, name ? name : "?", name ? strnlen(name, CCI_XLS_MAX_SHEET_NAME) : 1);
    }
    fputc(CCI_XLS_SHEETS_END, out);
    uint32_t index;
    if (fflush(out) != 0 || read(from_parent, &index, sizeof index) != (ssize_t)sizeof index) _exit(1);
    send_sheet(handle, index, out);
    _exit(fflush(out) == 0 ? 0 : 1);
}
