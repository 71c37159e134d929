#include "cci/rules/mapping.h"
#include "cci/output/report.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Normalised spellings (lowercase, no ' ', '_', '-') and the field each means. */
static const struct {
    const char *spelling;
    cci_field field;
} spellings[] = {
    {"uid", CCI_FIELD_UID},
    {"userid", CCI_FIELD_UID},
    {"name", CCI_FIELD_NAME},
    {"displayname", CCI_FIELD_NAME},
    {"fullname", CCI_FIELD_NAME},
    {"avatar", CCI_FIELD_AVATAR},
    {"avatarurl", CCI_FIELD_AVATAR},
    {"link", CCI_FIELD_LINK},
    {"profilelink", CCI_FIELD_LINK},
    {"profileurl", CCI_FIELD_LINK},
    {"role", CCI_FIELD_ROLE},
    {"statusmessage", CCI_FIELD_STATUS_MESSAGE},
    {"metadata", CCI_FIELD_METADATA},
    {"tags", CCI_FIELD_TAGS},
    {"createdat", CCI_FIELD_CREATED_AT},
    {"lastactiveat", CCI_FIELD_LAST_ACTIVE_AT},
    {"error", CCI_FIELD_IGNORE}, /* the column a rejects file adds */
};

static const char *const field_names[] = {
    [CCI_FIELD_UID] = "uid",
    [CCI_FIELD_NAME] = "name",
    [CCI_FIELD_AVATAR] = "avatar",
    [CCI_FIELD_LINK] = "link",
    [CCI_FIELD_ROLE] = "role",
    [CCI_FIELD_STATUS_MESSAGE] = "statusMessage",
    [CCI_FIELD_METADATA] = "metadata",
    [CCI_FIELD_TAGS] = "tags",
    [CCI_FIELD_CREATED_AT] = "createdAt",
    [CCI_FIELD_LAST_ACTIVE_AT] = "lastActiveAt",
    [CCI_FIELD_METADATA_KEY] = "metadata.KEY",
    [CCI_FIELD_IGNORE] = "ignore",
};

const char *cci_field_name(cci_field field)
{
    return field_names[field];
}

/* The fields in the order a template and the help list them. */
static const cci_field listed[] = {
    CCI_FIELD_UID,  CCI_FIELD_NAME,     CCI_FIELD_AVATAR,       CCI_FIELD_LINK,   CCI_FIELD_ROLE,
    CCI_FIELD_STATUS_MESSAGE, CCI_FIELD_TAGS, CCI_FIELD_METADATA, CCI_FIELD_METADATA_KEY,
    CCI_FIELD_CREATED_AT, CCI_FIELD_LAST_ACTIVE_AT,
};
enum { LISTED = sizeof listed / sizeof *listed, LIST_TEXT_MAX = 200 };

/* Built once from the tables above, so the names are written in one place only. */
static char template_text[LIST_TEXT_MAX], field_list_text[LIST_TEXT_MAX];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void build_lists(void)
{
    size_t t = 0, l = 0;
    for (size_t i = 0; i < LISTED; i++) {
        const char *name = field_names[listed[i]];
        t += (size_t)snprintf(template_text + t, sizeof template_text - t, "%s%s", i ? "," : "", name);
        l += (size_t)snprintf(field_list_text + l, sizeof field_list_text - l, "%s%s", name,
                              i + 1 < LISTED ? ", " : " ");
    }
    snprintf(field_list_text + l, sizeof field_list_text - l, "or %s", field_names[CCI_FIELD_IGNORE]);
}

const char *cci_mapping_template(void)
{
    pthread_once(&lists_once, build_lists);
    return template_text;
}

const char *cci_mapping_field_list(void)
{
    pthread_once(&lists_once, build_lists);
    return field_list_text;
}

/* Lowercase, without ' ', '_' and '-'; at most out_len-1 bytes. */
static void normalise(const char *text, size_t len, char *out, size_t out_len)
{
    size_t n = 0;
    for (const char *p = text; p < text + len && *p && n + 1 < out_len; p++)
        if (*p != ' ' && *p != '_' && *p != '-') out[n++] = (char)tolower((unsigned char)*p);
    out[n] = '\0';
}

static bool lookup(const char *normalised, cci_field *field)
{
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++)
        if (strcmp(spellings[i].spelling, normalised) == 0) {
            *field = spellings[i].field;
            return true;
        }
    return false;
}

/* Levenshtein distance, for "did you mean" hints on short header names. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40) return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

static const char *suggest(const char *normalised)
{
    const char *best = NULL;
    size_t best_distance = 3; /* further than 2 edits is no hint */
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        if (spellings[i].field == CCI_FIELD_IGNORE) continue;
        size_t d = distance(normalised, spellings[i].spelling);
        if (d < best_distance) {
            best_distance = d;
            best = field_names[spellings[i].field];
        }
    }
    return best;
}

/* Headers an export gives a field under another name (normalised): what --map is suggested for
 * when a required column is missing. Not read as the field unasked: "id" or "email" could mean
 * something else in another export. */
static const struct {
    const char *spelling;
    const char *field;
} likely[] = {
    {"id", "uid"},           {"employeeid", "uid"},       {"employeeno", "uid"},    {"employeenumber", "uid"},
    {"staffid", "uid"},      {"memberid", "uid"},         {"accountid", "uid"},     {"username", "uid"},
    {"login", "uid"},        {"personid", "uid"},         {"signedup", "createdAt"}, {"signupdate", "createdAt"},
    {"joined", "createdAt"}, {"joinedon", "createdAt"},   {"joindate", "createdAt"}, {"datejoined", "createdAt"},
    {"created", "createdAt"}, {"createdon", "createdAt"}, {"registered", "createdAt"},
    {"registrationdate", "createdAt"}, {"lastlogin", "lastActiveAt"}, {"lastseen", "lastActiveAt"},
    {"lastactive", "lastActiveAt"},   {"email", "metadata.@private.email"},
    {"emailaddress", "metadata.@private.email"}, {"mail", "metadata.@private.email"},
    {"phone", "metadata.@private.contactNumber"}, {"phonenumber", "metadata.@private.contactNumber"},
    {"mobile", "metadata.@private.contactNumber"}, {"telephone", "metadata.@private.contactNumber"},
    {"contactnumber", "metadata.@private.contactNumber"}, {"photo", "avatar"}, {"picture", "avatar"},
    {"photourl", "avatar"},
};

/* The field a header likely means, by the table above, or a name in parts; NULL when none. */
static const char *likely_field(const char *header)
{
    char normalised[128];
    normalise(header, strlen(header), normalised, sizeof normalised);
    for (size_t i = 0; i < sizeof likely / sizeof *likely; i++)
        if (strcmp(normalised, likely[i].spelling) == 0) return likely[i].field;
    const char *const name_parts[] = {"firstname", "givenname", "lastname", "surname", "familyname"};
    for (size_t i = 0; i < sizeof name_parts / sizeof *name_parts; i++)
        if (strcmp(normalised, name_parts[i]) == 0) return "name";
    return NULL;
}

/* Refuses a header without a required field, listing its columns and the --map options that
 * likely make it whole. */
static cci_status refuse_missing(const cci_mapping *m, const char *missing, char *err, size_t errlen)
{
    int used = snprintf(err, errlen, "the header has no %s column. Its columns:", missing);
    for (size_t i = 0; i < m->count && used > 0 && (size_t)used < errlen; i++)
        used += snprintf(err + used, errlen - (size_t)used, "%s \"%s\"", i ? "," : "", m->columns[i].header);
    bool any = false;
    for (size_t i = 0; i < m->count && used > 0 && (size_t)used < errlen; i++) {
        const char *field = m->columns[i].field == CCI_FIELD_IGNORE && !m->columns[i].mapped
                                ? likely_field(m->columns[i].header) : NULL;
        if (!field) continue;
        used += snprintf(err + used, errlen - (size_t)used, "%s --map \"%s=%s\"", any ? "" : ". Likely:",
                         m->columns[i].header, field);
        any = true;
    }
    if (used > 0 && (size_t)used < errlen)
        snprintf(err + used, errlen - (size_t)used, "%s",
                 any ? " (--save-config keeps them)" : ". Name one, or use --map COLUMN=FIELD");
    return CCI_INVALID;
}

static char *trimmed_copy(const char *text, size_t len)
{
    while (len && (*text == ' ' || *text == '\t')) text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
    return strndup(text, len);
}

static bool metadata_path_valid(const char *path)
{
    return *path && *path != '.' && path[strlen(path) - 1] != '.' && !strstr(path, "..");
}

bool cci_mapping_field_known(const char *name)
{
    if (strncmp(name, "metadata.", 9) == 0) return metadata_path_valid(name + 9);
    for (int f = 0; f <= CCI_FIELD_IGNORE; f++)
        if (f != CCI_FIELD_METADATA_KEY && strcmp(name, field_names[f]) == 0) return true;
    return false;
}

/* Applies FIELD (as --map or a header spells it) to column. */
static bool assign(cci_column *column, const char *field)
{
    if (strncmp(field, "metadata.", 9) == 0) {
        column->field = CCI_FIELD_METADATA_KEY;
        column->metadata_path = strdup(field + 9);
        return column->metadata_path != NULL;
    }
    for (int f = 0; f <= CCI_FIELD_IGNORE; f++)
        if (f != CCI_FIELD_METADATA_KEY && strcmp(field, field_names[f]) == 0) column->field = f;
    return true;
}

/* --map COLUMN names this header: as written, or ignoring case, spaces, '_' and '-'. */
static bool map_matches(const cci_column_map *map, const char *header)
{
    if (strlen(header) == map->column_len && memcmp(map->column, header, map->column_len) == 0) return true;
    char wanted[128], have[128];
    normalise(map->column, map->column_len, wanted, sizeof wanted);
    normalise(header, strlen(header), have, sizeof have);
    return *wanted && strcmp(wanted, have) == 0;
}

/* Two columns may not feed one field (or one metadata key). */
static cci_status check_unique(const cci_mapping *m, char *err, size_t errlen)
{
    for (size_t i = 0; i < m->count; i++) {
        const cci_column *a = &m->columns[i];
        if (a->field == CCI_FIELD_IGNORE) continue;
        for (size_t j = i + 1; j < m->count; j++) {
            const cci_column *b = &m->columns[j];
            bool same = a->field == b->field &&
                        (a->field != CCI_FIELD_METADATA_KEY ||
                         strcmp(a->metadata_path, b->metadata_path) == 0);
            bool name_parts = a->field == CCI_FIELD_NAME && a->mapped && b->mapped;
            if (same && !name_parts)
                return cci_fail(CCI_INVALID, err, errlen,
                                "columns \"%s\" and \"%s\" both feed %s: rename or --map one of them "
                                "(--map \"%s=ignore\")%s",
                                a->header, b->header,
                                a->field == CCI_FIELD_METADATA_KEY ? "one metadata key"
                                                                   : field_names[a->field],
                                b->header,
                                a->field == CCI_FIELD_NAME ? ", or build the name from both with --map for each "
                                                             "(--map \"First Name=name\" --map \"Last Name=name\")"
                                                           : "");
        }
    }
    return CCI_OK;
}

/* Whether the header is exactly one the tool writes (cci_report_is_tools_header): its cells,
 * joined by commas as the tool wrote them. A cell holding a comma was never the tool's. */
static bool in_the_tools_shape(const cci_record *header)
{
    char line[128];
    size_t used = 0;
    for (size_t i = 0; i < header->count; i++) {
        const cci_cell *cell = &header->cells[i];
        if (memchr(cell->text, ',', cell->len) || used + 1 + cell->len > sizeof line) return false;
        if (i) line[used++] = ',';
        memcpy(line + used, cell->text, cell->len);
        used += cell->len;
    }
    return cci_report_is_tools_header(line, used);
}

static cci_status build(cci_mapping *m, const cci_record *header, const cci_column_map *maps,
                        size_t map_count, bool name_required, char *err, size_t errlen)
{
    *m = (cci_mapping){0};
    m->tools_shape = in_the_tools_shape(header);
    m->columns = calloc(header->count ? header->count : 1, sizeof *m->columns);
    m->unknown = calloc(header->count ? header->count : 1, sizeof *m->unknown);
    if (!m->columns || !m->unknown) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
    m->count = header->count;

    for (size_t i = 0; i < header->count; i++) {
        cci_column *column = &m->columns[i];
        column->header = trimmed_copy(header->cells[i].text, header->cells[i].len);
        column->field = CCI_FIELD_IGNORE;
        column->neutralised = m->tools_shape;
        if (!column->header) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
        if (!*column->header) continue; /* an unnamed column: a spreadsheet's trailing empties */

        char normalised[128];
        normalise(column->header, strlen(column->header), normalised, sizeof normalised);
        const cci_column_map *override = NULL;
        for (size_t k = 0; k < map_count; k++) /* the settings' maps are not for the tool's own files */
            if (map_matches(&maps[k], column->header) && !(maps[k].optional && m->tools_shape)) override = &maps[k];
        if (override) {
            if (!assign(column, override->field)) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
            column->mapped = true;
        } else if (strncasecmp(column->header, "metadata.", 9) == 0) {
            column->field = CCI_FIELD_METADATA_KEY;
            column->metadata_path = strdup(column->header + 9);
            if (!column->metadata_path) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
            if (!metadata_path_valid(column->metadata_path))
                return cci_fail(CCI_INVALID, err, errlen,
                                "column \"%s\": a metadata column is named metadata.KEY or "
                                "metadata.KEY.SUBKEY",
                                column->header);
        } else if (!lookup(normalised, &column->field)) {
            char *unknown = strdup(column->header);
            if (!unknown) return cci_fail(CCI_NOMEM, err, errlen, "out of memory");
            m->unknown[m->unknown_count++] = (cci_unknown_column){.header = unknown, .suggestion = suggest(normalised)};
        }
    }
    for (size_t k = 0; k < map_count; k++) {
        bool found = false;
        for (size_t i = 0; i < m->count && !found; i++) found = map_matches(&maps[k], m->columns[i].header);
        found = found && !(maps[k].optional && m->tools_shape);
        if (!found && maps[k].optional && !m->skipped++) m->first_skipped = &maps[k];
        if (!found && !maps[k].optional)
            return cci_fail(CCI_INVALID, err, errlen, "--map %.*s=%s: the header has no column \"%.*s\"",
                            (int)maps[k].column_len, maps[k].column, maps[k].field,
                            (int)maps[k].column_len, maps[k].column);
    }
    cci_status unique = check_unique(m, err, errlen);
    if (unique != CCI_OK) return unique;
    bool has_uid = false, has_name = false;
    for (size_t i = 0; i < m->count; i++) {
        has_uid |= m->columns[i].field == CCI_FIELD_UID;
        has_name |= m->columns[i].field == CCI_FIELD_NAME;
    }
    if (!has_uid) return refuse_missing(m, "uid", err, errlen);
    if (name_required && !has_name) return refuse_missing(m, "name", err, errlen);
    return CCI_OK;
}

cci_status cci_mapping_init(cci_mapping *m, const cci_record *header, const cci_column_map *maps,
                            size_t map_count, bool name_required, char *err, size_t errlen)
{
    cci_status status = build(m, header, maps, map_count, name_required, err, errlen);
    if (status != CCI_OK) cci_mapping_cleanup(m); /* a refused header leaves nothing to free */
    return status;
}

void cci_mapping_cleanup(cci_mapping *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->columns[i].header);
        free(m->columns[i].metadata_path);
    }
    for (size_t i = 0; i < m->unknown_count; i++) free(m->unknown[i].header);
    free(m->columns);
    free(m->unknown);
    *m = (cci_mapping){0};
}
