/* O_CLOEXEC */
#define _GNU_SOURCE
#include "plan/input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The code of an OS error met opening or reading the input. */
static cci_status status_of(int error)
{
    return error == ENOMEM ? CCI_NOMEM : CCI_IO;
}

/* Starts a reader on stream, the input's for this pass. */
static cci_status start_reader(cci_input *input, FILE *stream, const cci_input_spec *spec, char *err, size_t errlen)
{
    cci_csv_reader_free(input->reader);
    input->reader = NULL;
    if (input->stream && input->stream != input->file) fclose(input->stream);
    input->stream = stream;
    if (!stream) {
        int error = errno ? errno : ENOMEM;
        return cci_fail(status_of(error), err, errlen, "cannot read %s: %s", spec->path, strerror(error));
    }
    if (spec->header_row > 1)
        return cci_fail(CCI_INVALID, err, errlen, "%s: --header-row is for a workbook's sheet; a CSV file's header "
                                                  "is its first line (delete the lines above it)", spec->path);
    cci_status status = cci_csv_reader_new(&input->reader, stream, spec->delimiter, spec->encoding, err, errlen);
    if (status != CCI_OK) return status;
    cci_csv_reader_limit(input->reader, spec->max_record_bytes, spec->max_columns);
    /* a pipe's writer may keep it open and silent: a stop must not wait for it */
    if (!input->snapshot && spec->stop) cci_csv_reader_stop_on(input->reader, spec->stop);
    return CCI_OK;
}

/* A FIFO is opened without waiting for its writer (open would block, deaf to a stop): the writer
 * is waited for here, where the run's stop ends the wait. Then reads block as usual. */
static cci_status wait_for_writer(int fd, const struct stat *st, const cci_input_spec *spec, char *err, size_t errlen)
{
    struct pollfd fifo = {.fd = fd, .events = POLLIN};
    while (S_ISFIFO(st->st_mode) && (poll(&fifo, 1, 200) <= 0 || !fifo.revents))
        if (spec->stop && cci_stop_requested(spec->stop))
            return cci_fail(CCI_STOPPED, err, errlen, "%s: the run stopped before anything was written into it",
                            spec->path);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
        return cci_fail(CCI_IO, err, errlen, "cannot read %s: %s", spec->path, strerror(errno));
    return CCI_OK;
}

/* A workbook is told by its first bytes; it is read whole, from memory, by cci/workbook.h. */
static bool is_workbook(int fd)
{
    unsigned char head[64];
    ssize_t got = pread(fd, head, sizeof head, 0);
    return got > 0 && cci_workbook_kind_of(head, (size_t)got) != CCI_WORKBOOK_NONE;
}

static cci_status open_workbook(cci_input *input, int fd, const cci_input_spec *spec, char *err, size_t errlen)
{
    char why[700];
    size_t columns = spec->max_columns ? spec->max_columns : CCI_DEFAULT_MAX_COLUMNS;
    size_t bytes = spec->max_record_bytes ? spec->max_record_bytes : CCI_DEFAULT_MAX_RECORD_BYTES;
    cci_status status = cci_workbook_open(&input->workbook, fd, spec->sheet, columns, bytes, why, sizeof why);
    if (status != CCI_OK) return cci_fail(status, err, errlen, "%s: %s", spec->path, why);
    cci_workbook_header_row(input->workbook, spec->header_row);
    return CCI_OK;
}

cci_read_status cci_input_next(cci_input *input, cci_record *record)
{
    return input->workbook ? cci_workbook_next(input->workbook, record) : cci_csv_reader_next(input->reader, record);
}

cci_dialect cci_input_dialect(const cci_input *input)
{
    if (!input->workbook) return cci_csv_reader_dialect(input->reader);
    /* its rejects file is written as CSV UTF-8, comma-separated */
    cci_dialect dialect = {.delimiter = ',', .encoding = {.name = "UTF-8", .line_end = CCI_LINE_END_LF}};
    cci_workbook_describe(input->workbook, dialect.sheet, sizeof dialect.sheet);
    return dialect;
}

cci_status cci_input_open(cci_input *input, const cci_input_spec *spec, char *err, size_t errlen)
{
    *input = (cci_input){0};
    if (strcmp(spec->path, "-") == 0) return start_reader(input, input->file = stdin, spec, err, errlen);
    int fd = open(spec->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    cci_status waited = fd >= 0 && fstat(fd, &st) == 0 ? wait_for_writer(fd, &st, spec, err, errlen) : CCI_OK;
    if (waited != CCI_OK) {
        close(fd);
        return waited;
    }
    if (fd < 0 || fstat(fd, &st) != 0 || !(input->file = fdopen(fd, "rb"))) {
        int error = errno;
        if (fd >= 0) close(fd);
        return cci_fail(status_of(error), err, errlen, "cannot open %s: %s", spec->path, strerror(error));
    }
    /* a FIFO, a device or a process substitution can be read only once */
    if (!S_ISREG(st.st_mode)) return start_reader(input, input->file, spec, err, errlen);
    if (is_workbook(fd)) return open_workbook(input, fd, spec, err, errlen);
    if (!(input->snapshot = cci_snapshot_new(fd))) {
        int error = errno ? errno : ENOMEM;
        return cci_fail(status_of(error), err, errlen, "cannot read %s: %s", spec->path, strerror(error));
    }
    return start_reader(input, cci_snapshot_record(input->snapshot), spec, err, errlen);
}

bool cci_input_rereadable(const cci_input *input)
{
    return input->snapshot || input->workbook;
}

void cci_input_close(cci_input *input)
{
    cci_csv_reader_free(input->reader);
    cci_workbook_free(input->workbook);
    if (input->stream && input->stream != input->file) fclose(input->stream);
    if (input->file && input->file != stdin) fclose(input->file);
    cci_snapshot_free(input->snapshot);
    *input = (cci_input){0};
}

bool cci_input_changed(const cci_input *input, char *why, size_t len)
{
    if (len) why[0] = '\0';
    return input->snapshot && cci_snapshot_changed(input->snapshot, why, len);
}

bool cci_input_identity(const cci_input *input, cci_file_identity *identity)
{
    struct stat st;
    if (!input->file || input->file == stdin || fstat(fileno(input->file), &st) != 0) return false;
    *identity = (cci_file_identity){.device = st.st_dev, .inode = st.st_ino, .size = (unsigned long long)st.st_size,
                                    .modified_s = st.st_mtim.tv_sec, .modified_ns = st.st_mtim.tv_nsec};
    return true;
}

bool cci_input_is(const cci_input *input, const cci_file_identity *was, char *why, size_t len)
{
    cci_file_identity now;
    if (!cci_input_identity(input, &now)) snprintf(why, len, "it can no longer be examined");
    else if (now.device != was->device || now.inode != was->inode)
        snprintf(why, len, "another file is at its path now (it was replaced)");
    else if (now.size != was->size) snprintf(why, len, "its size changed from %llu to %llu bytes", was->size, now.size);
    else if (now.modified_s != was->modified_s || now.modified_ns != was->modified_ns)
        snprintf(why, len, "it was written to (its modification time changed)");
    else return true;
    return false;
}

/* Says, after a reason already in err, that the run stopped before sending. */
static void nothing_sent(char *err, size_t errlen)
{
    size_t used = strlen(err);
    snprintf(err + used, errlen - used, "; nothing was sent");
}

/* The reader's error, or how the file changed when that is why it stopped; returns its code. */
static cci_status describe_read_error(const cci_input *input, const cci_input_spec *spec, char *err, size_t errlen)
{
    char why[256];
    if (cci_input_changed(input, why, sizeof why))
        return cci_fail(CCI_IO, err, errlen, "%s changed while it was read: %s", spec->path, why);
    if (input->workbook)
        return cci_fail(cci_workbook_error_status(input->workbook), err, errlen, "%s: %s", spec->path,
                        cci_workbook_error(input->workbook));
    return cci_fail(cci_csv_reader_error_status(input->reader), err, errlen, "%s: %s", spec->path,
                    cci_csv_reader_error(input->reader));
}

cci_status cci_input_header(cci_input *input, const cci_input_spec *spec, cci_record *header,
                            cci_mapping *mapping, char *err, size_t errlen)
{
    cci_read_status read = cci_input_next(input, header);
    if (read != CCI_READ_RECORD && spec->stop && cci_stop_requested(spec->stop)) /* interrupted, not empty */
        return cci_fail(CCI_STOPPED, err, errlen, "%s: the run stopped before its header was read", spec->path);
    if (read != CCI_READ_RECORD) {
        cci_status status =
            read == CCI_READ_ERROR
                ? describe_read_error(input, spec, err, errlen)
                : cci_fail(CCI_INVALID, err, errlen, "%s: empty: it needs a header line naming the columns", spec->path);
        nothing_sent(err, errlen);
        return status;
    }
    char why[1024];
    cci_status status = cci_mapping_init(mapping, header, spec->maps, spec->map_count, spec->name_required, why,
                                         sizeof why);
    if (status != CCI_OK) return cci_fail(status, err, errlen, "%s: %s", spec->path, why);
    mapping->date_rules = spec->date_rules;
    return CCI_OK;
}

cci_status cci_input_preflight(cci_input *input, const cci_input_spec *spec, cci_preflight_fn visit, void *context,
                               long *rows, char *err, size_t errlen)
{
    cci_record record;
    cci_mapping mapping = {0};
    *rows = -1;
    cci_status status = cci_input_header(input, spec, &record, &mapping, err, errlen);
    long count = 0;
    cci_read_status read = CCI_READ_END;
    while (status == CCI_OK && (read = cci_input_next(input, &record)) == CCI_READ_RECORD) {
        count++;
        if (visit && !visit(context, &mapping, &record))
            status = cci_fail(CCI_STOPPED, err, errlen, "%s: the run was stopped while the file was read first; nothing "
                              "was sent", spec->path);
    }
    if (status == CCI_OK && read == CCI_READ_ERROR) {
        status = describe_read_error(input, spec, err, errlen);
        nothing_sent(err, errlen);
    }
    cci_mapping_cleanup(&mapping);
    /* the import pass: the same open file from its start, refusing any change */
    if (status == CCI_OK && input->workbook) status = cci_workbook_restart(input->workbook, err, errlen);
    else if (status == CCI_OK) status = start_reader(input, cci_snapshot_verify(input->snapshot), spec, err, errlen);
    if (status == CCI_OK) *rows = count;
    return status;
}

cci_status cci_input_describe_error(const cci_input *input, const cci_input_spec *spec, char *err, size_t errlen)
{
    return describe_read_error(input, spec, err, errlen);
}

bool cci_record_is_empty(const cci_record *record)
{
    for (size_t i = 0; i < record->count; i++)
        for (size_t j = 0; j < record->cells[i].len; j++)
            if (!strchr(" \t\r\n", record->cells[i].text[j])) return false;
    return true;
}
