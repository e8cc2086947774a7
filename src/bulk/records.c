/* SPDX-License-Identifier: MIT
 * bulk/records.c: upload records from CSV, a JSON array or JSON lines (see
 * records.h). A short prefix is held until the format is known; CSV goes
 * through bulk/csv.c with the header compiled into key paths; the two JSON
 * forms are split into records by a byte scanner (strings, escapes and
 * bracket depth) with one bounded record buffer, each record parsed alone
 * by jansson. */
#include "bulk/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulk/csv.h"
#include "core/mem.h"

#define REC_PREFIX_MAX 4096
#define REC_MSG 320
#define REC_KEEP_BUF (256u << 10)

enum jstate {
    J_BEFORE, /* array: before '[' */
    J_FIRST,  /* array: after '[' (']' closes an empty array) */
    J_ELEM,   /* array: after ',' (a value must come) */
    J_IN,     /* array: inside an element */
    J_AFTER,  /* array: after an element (',' or ']') */
    J_DONE,   /* array: after ']' (blank only) */
    J_LINE,   /* lines: inside a line */
};

struct col {
    char *segs[REC_MAX_PATH_DEPTH];
    size_t nsegs;
};

struct records {
    struct rec_opts o;
    rec_cb cb;
    void *ud;
    enum rec_format fmt;
    enum rec_status status;
    bool fed;
    uint64_t pos; /* offset of the next byte (JSON forms) */
    char error[REC_MSG];
    uint64_t error_row;
    char msg[REC_MSG];

    /* sniffing */
    unsigned char prefix[REC_PREFIX_MAX];
    size_t nprefix;

    /* CSV */
    struct csv *csv;
    struct col *cols;
    size_t ncols;
    uint64_t header_end;

    /* JSON */
    enum jstate js;
    bool bom_checked;
    unsigned bom_n;
    char *buf;
    size_t len, alloc;
    bool drop;        /* the current record is over the cap */
    size_t rec_bytes; /* its size (held or not) */
    unsigned depth;   /* bracket depth inside an element */
    bool in_str, esc, scalar, str_scalar;
    uint64_t row;       /* the number of the record being read */
    uint64_t rec_start; /* its offset */
};

static void fail(struct records *r, uint64_t row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct records *r, uint64_t row, const char *fmt, ...)
{
    va_list ap;
    if (r->status != REC_OK)
        return;
    r->status = REC_ERROR;
    r->error_row = row;
    va_start(ap, fmt);
    vsnprintf(r->error, sizeof(r->error), fmt, ap);
    va_end(ap);
}

bool rec_format_parse(const char *s, enum rec_format *out)
{
    if (!s || !*s)
        *out = REC_AUTO;
    else if (strcasecmp(s, "csv") == 0)
        *out = REC_CSV;
    else if (strcasecmp(s, "json") == 0)
        *out = REC_JSON;
    else if (strcasecmp(s, "jsonl") == 0 || strcasecmp(s, "ndjson") == 0 ||
             strcasecmp(s, "json-lines") == 0)
        *out = REC_JSON_LINES;
    else
        return false;
    return true;
}

const char *rec_format_name(enum rec_format f)
{
    switch (f) {
    case REC_AUTO: return "auto";
    case REC_JSON: return "json";
    case REC_CSV: return "csv";
    case REC_JSON_ARRAY: return "json array";
    case REC_JSON_LINES: return "jsonl";
    }
    return "?";
}

/* ---- CSV ---------------------------------------------------------------- */

static bool compile_header(struct records *r, const struct csv_row *row)
{
    json_t *tmpl = json_object();
    bool ok = false;

    r->cols = ed_calloc(row->nfields ? row->nfields : 1, sizeof(*r->cols));
    r->ncols = row->nfields;
    for (size_t i = 0; i < row->nfields; i++) {
        const char *s = row->fields[i].ptr, *end = s + row->fields[i].len;
        struct col *c = &r->cols[i];
        json_t *node = tmpl;
        if (row->fields[i].len == 0 || row->fields[i].len > REC_MAX_NAME) {
            fail(r, 0, "CSV header: column %zu: a name of 1 to %d bytes", i + 1,
                 REC_MAX_NAME);
            goto out;
        }
        while (s <= end) {
            const char *dot = memchr(s, '.', (size_t)(end - s));
            const char *e = dot ? dot : end;
            if (e == s || c->nsegs == REC_MAX_PATH_DEPTH ||
                memchr(s, '\0', (size_t)(e - s))) {
                fail(r, 0,
                     "CSV header: column %zu (\"%.*s\"): not a field name or "
                     "path (empty part, NUL, or deeper than %d)",
                     i + 1,
                     (int)(row->fields[i].len > 64 ? 64 : row->fields[i].len),
                     row->fields[i].ptr, REC_MAX_PATH_DEPTH);
                goto out;
            }
            c->segs[c->nsegs++] = ed_strndup(s, (size_t)(e - s));
            s = e + 1;
            if (!dot)
                break;
        }
        /* the paths must make one tree: no name twice, no leaf that is
         * also a parent */
        for (size_t k = 0; k < c->nsegs; k++) {
            json_t *next = json_object_get(node, c->segs[k]);
            bool last = k + 1 == c->nsegs;
            if (next && (last || !json_is_object(next))) {
                fail(r, 0,
                     "CSV header: column %zu (\"%.*s\") clashes with an "
                     "earlier column",
                     i + 1,
                     (int)(row->fields[i].len > 64 ? 64 : row->fields[i].len),
                     row->fields[i].ptr);
                goto out;
            }
            if (!next) {
                next = last ? json_null() : json_object();
                json_object_set_new(node, c->segs[k], next);
            }
            node = next;
        }
    }
    ok = true;
out:
    json_decref(tmpl);
    return ok;
}

static json_t *csv_record(struct records *r, const struct csv_row *row)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < row->nfields && i < r->ncols; i++) {
        struct col *c = &r->cols[i];
        json_t *node = obj;
        for (size_t k = 0; k + 1 < c->nsegs; k++) {
            json_t *next = json_object_get(node, c->segs[k]);
            if (!next) {
                next = json_object();
                json_object_set_new(node, c->segs[k], next);
            }
            node = next;
        }
        json_object_set_new(node, c->segs[c->nsegs - 1],
                            json_stringn(row->fields[i].ptr,
                                         row->fields[i].len));
    }
    return obj;
}

static int on_csv_row(void *ud, const struct csv_row *row)
{
    struct records *r = ud;
    struct rec_item it = {.row = row->row,
                          .offset = row->offset,
                          .end = row->end};
    int rc;
    if (row->row == 0) {
        r->header_end = row->end;
        return compile_header(r, row) ? 0 : 1;
    }
    if (row->err != CSV_ROW_OK) {
        it.error = row->message;
        return r->cb ? r->cb(r->ud, &it) : 0;
    }
    it.obj = csv_record(r, row);
    rc = r->cb ? r->cb(r->ud, &it) : 0;
    json_decref(it.obj);
    return rc;
}

static void start_csv(struct records *r)
{
    struct csv_opts co = {.max_cell = r->o.max_cell,
                          .max_row = r->o.max_record};
    r->fmt = REC_CSV;
    r->csv = csv_new(&co, on_csv_row, r);
}

static void csv_status(struct records *r, enum csv_status st)
{
    if (st == CSV_OK || r->status != REC_OK)
        return;
    if (st == CSV_ERROR)
        fail(r, csv_error_row(r->csv), "%s", csv_error(r->csv));
    else
        r->status = REC_STOPPED;
}

/* ---- JSON --------------------------------------------------------------- */

static bool blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void rec_reset(struct records *r)
{
    r->len = 0;
    r->drop = false;
    r->rec_bytes = 0;
    r->depth = 0;
    r->in_str = r->esc = r->scalar = r->str_scalar = false;
    if (r->alloc > REC_KEEP_BUF) {
        free(r->buf);
        r->buf = NULL;
        r->alloc = 0;
    }
}

static void rec_add(struct records *r, unsigned char c)
{
    r->rec_bytes++;
    if (r->drop)
        return;
    if (r->rec_bytes > r->o.max_record) {
        r->drop = true;
        return;
    }
    if (r->len == r->alloc) {
        size_t n = r->alloc ? r->alloc * 2 : 256;
        if (n > r->o.max_record)
            n = r->o.max_record;
        r->buf = ed_realloc(r->buf, n);
        r->alloc = n;
    }
    r->buf[r->len++] = (char)c;
}

/* A record's bytes are complete: parse and hand it out. */
static void rec_emit(struct records *r, uint64_t end)
{
    struct rec_item it = {.row = r->row, .offset = r->rec_start, .end = end};
    json_error_t je;
    size_t n = r->len;

    if (r->drop) {
        snprintf(r->msg, sizeof(r->msg), "record %llu: over %zu bytes",
                 (unsigned long long)r->row, r->o.max_record);
        it.error = r->msg;
    } else {
        while (n > 0 && blank((unsigned char)r->buf[n - 1]))
            n--;
        it.obj = json_loadb(r->buf, n, JSON_DECODE_ANY, &je);
        if (!it.obj) {
            snprintf(r->msg, sizeof(r->msg),
                     "record %llu: invalid JSON: %s (at byte %d)",
                     (unsigned long long)r->row, je.text, je.position);
            it.error = r->msg;
        } else if (!json_is_object(it.obj)) {
            json_decref(it.obj);
            it.obj = NULL;
            snprintf(r->msg, sizeof(r->msg), "record %llu: not a JSON object",
                     (unsigned long long)r->row);
            it.error = r->msg;
        }
    }
    if (r->cb && r->cb(r->ud, &it) != 0 && r->status == REC_OK)
        r->status = REC_STOPPED;
    json_decref(it.obj);
    r->row++;
    rec_reset(r);
}

static void elem_begin(struct records *r, unsigned char c)
{
    r->js = J_IN;
    r->rec_start = r->pos;
    r->scalar = c != '{' && c != '[';
    r->str_scalar = c == '"';
    r->in_str = c == '"';
    r->depth = r->scalar ? 0 : 1;
    rec_add(r, c);
}

static void array_byte(struct records *r, unsigned char c)
{
    switch (r->js) {
    case J_BEFORE:
        if (blank(c))
            return;
        if (c != '[') {
            fail(r, 0, "JSON upload: the file does not start with '['");
            return;
        }
        r->js = J_FIRST;
        return;
    case J_FIRST:
    case J_ELEM:
        if (blank(c))
            return;
        if (c == ']' && r->js == J_FIRST) {
            r->js = J_DONE;
            return;
        }
        if (c == ']' || c == ',') {
            fail(r, r->row,
                 "JSON upload: record %llu: a value is missing "
                 "(stray ',' or ']')",
                 (unsigned long long)r->row);
            return;
        }
        elem_begin(r, c);
        if (r->str_scalar || !r->scalar)
            return;
        return;
    case J_IN:
        if (r->in_str) {
            rec_add(r, c);
            if (r->esc)
                r->esc = false;
            else if (c == '\\')
                r->esc = true;
            else if (c == '"') {
                r->in_str = false;
                if (r->str_scalar) {
                    r->js = J_AFTER;
                    rec_emit(r, r->pos + 1);
                }
            }
            return;
        }
        if (r->scalar) {
            if (blank(c) || c == ',' || c == ']') {
                r->js = J_AFTER;
                rec_emit(r, r->pos);
                array_byte(r, c);
                return;
            }
            rec_add(r, c);
            return;
        }
        rec_add(r, c);
        if (c == '"')
            r->in_str = true;
        else if (c == '{' || c == '[')
            r->depth++;
        else if ((c == '}' || c == ']') && --r->depth == 0) {
            r->js = J_AFTER;
            rec_emit(r, r->pos + 1);
        }
        return;
    case J_AFTER:
        if (blank(c))
            return;
        if (c == ',')
            r->js = J_ELEM;
        else if (c == ']')
            r->js = J_DONE;
        else
            fail(r, r->row,
                 "JSON upload: after record %llu: ',' or ']' expected",
                 (unsigned long long)(r->row - 1));
        return;
    case J_DONE:
        if (!blank(c))
            fail(r, r->row, "JSON upload: text after the closing ']'");
        return;
    case J_LINE: return;
    }
}

/* The line held is complete (its end at `end`): a record unless blank. */
static void line_end(struct records *r, uint64_t end)
{
    size_t i = 0;
    while (i < r->len && blank((unsigned char)r->buf[i]))
        i++;
    if (r->drop || i < r->len)
        rec_emit(r, end);
    else
        rec_reset(r);
}

static void line_byte(struct records *r, unsigned char c)
{
    if (c == '\n') {
        line_end(r, r->pos + 1);
        return;
    }
    if (r->rec_bytes == 0)
        r->rec_start = r->pos;
    rec_add(r, c);
}

static void json_bytes(struct records *r, const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n && r->status == REC_OK; i++, r->pos++) {
        if (r->fmt == REC_JSON_LINES)
            line_byte(r, d[i]);
        else
            array_byte(r, d[i]);
    }
}

/* ---- sniffing and the public API --------------------------------------- */

struct records *records_new(const struct rec_opts *o, rec_cb cb, void *ud)
{
    struct records *r = ed_calloc(1, sizeof(*r));
    if (o)
        r->o = *o;
    if (!r->o.max_record)
        r->o.max_record = REC_MAX_RECORD_DEFAULT;
    r->cb = cb;
    r->ud = ud;
    r->fmt = r->o.format;
    r->row = 1;
    if (r->fmt == REC_CSV)
        start_csv(r);
    else if (r->fmt == REC_JSON_LINES)
        r->js = J_LINE;
    return r;
}

void records_free(struct records *r)
{
    if (!r)
        return;
    csv_free(r->csv);
    for (size_t i = 0; i < r->ncols; i++)
        for (size_t k = 0; k < r->cols[i].nsegs; k++)
            free(r->cols[i].segs[k]);
    free(r->cols);
    free(r->buf);
    free(r);
}

bool records_resume(struct records *r, const struct rec_pos *pos)
{
    if (r->fed || pos->row == 0 || (pos->after && pos->row < 2))
        return false;
    switch (pos->format) {
    case REC_CSV:
        if (r->fmt != REC_CSV && r->fmt != REC_AUTO)
            return false;
        if (!r->csv)
            start_csv(r);
        return csv_resume_at(r->csv, pos->row, pos->offset);
    case REC_JSON_ARRAY:
    case REC_JSON_LINES:
        if (r->fmt == REC_CSV || pos->header_end != 0)
            return false;
        r->fmt = pos->format;
        r->js = pos->format == REC_JSON_LINES ? J_LINE
                : pos->after                  ? J_AFTER
                                              : J_ELEM;
        r->pos = pos->offset;
        r->row = pos->row;
        r->bom_n = 3;
        return true;
    default: return false;
    }
}

static void pos_fill(const struct records *r, struct rec_pos *out)
{
    memset(out, 0, sizeof(*out));
    out->format = r->fmt;
    out->header_end = r->fmt == REC_CSV ? r->header_end : 0;
}

void records_pos_at(const struct records *r, const struct rec_item *it,
                    struct rec_pos *out)
{
    pos_fill(r, out);
    out->offset = it->offset;
    out->row = it->row;
}

void records_pos_after(const struct records *r, const struct rec_item *it,
                       struct rec_pos *out)
{
    pos_fill(r, out);
    out->offset = it->end;
    out->row = it->row + 1;
    out->after = true;
}

enum rec_format records_format(const struct records *r)
{
    return r->fmt;
}
const char *records_error(const struct records *r)
{
    return r->error;
}
uint64_t records_error_row(const struct records *r)
{
    return r->error_row;
}

size_t records_mem(const struct records *r)
{
    return sizeof(*r) + r->alloc + (r->csv ? csv_mem(r->csv) : 0) +
           r->ncols * sizeof(*r->cols);
}

/* The format is known: start it and replay the held prefix. */
static void decide(struct records *r, enum rec_format f)
{
    size_t skip = 0;
    r->fmt = f;
    if (f == REC_CSV) {
        start_csv(r);
        csv_status(r, csv_feed(r->csv, r->prefix, r->nprefix));
        return;
    }
    r->js = f == REC_JSON_LINES ? J_LINE : J_BEFORE;
    if (r->nprefix >= 3 && memcmp(r->prefix, "\xef\xbb\xbf", 3) == 0)
        skip = 3;
    r->pos = skip;
    json_bytes(r, r->prefix + skip, r->nprefix - skip);
}

enum rec_status records_feed(struct records *r, const void *data, size_t len)
{
    const unsigned char *d = data;
    if (r->status != REC_OK)
        return r->status;
    if (len)
        r->fed = true;
    if (r->fmt == REC_CSV) {
        csv_status(r, csv_feed(r->csv, d, len));
        return r->status;
    }
    if (r->fmt == REC_JSON_ARRAY || r->fmt == REC_JSON_LINES) {
        if (r->bom_n < 3) {
            /* explicit JSON lines: skip a BOM (bytes fed before deciding
             * went through the prefix) */
            static const unsigned char BOM[3] = {0xef, 0xbb, 0xbf};
            while (r->bom_n < 3 && len > 0 && *d == BOM[r->bom_n]) {
                r->bom_n++;
                d++;
                len--;
                r->pos++;
            }
            if (len > 0 && r->bom_n < 3) {
                if (r->bom_n > 0) {
                    fail(r, 0, "JSON upload: a broken byte order mark");
                    return r->status;
                }
                r->bom_n = 3;
            }
        }
        json_bytes(r, d, len);
        return r->status;
    }
    /* REC_AUTO / REC_JSON: hold bytes until the first telling one */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = d[i];
        bool in_bom = r->nprefix < 3 &&
                      (unsigned char)"\xef\xbb\xbf"[r->nprefix] == c &&
                      (r->nprefix == 0 || r->prefix[0] == 0xef);
        if (r->nprefix == REC_PREFIX_MAX) {
            fail(r, 0, "upload: the file starts with over %d blank bytes",
                 REC_PREFIX_MAX);
            return r->status;
        }
        r->prefix[r->nprefix++] = c;
        if (in_bom || blank(c))
            continue;
        if (c == '[')
            decide(r, REC_JSON_ARRAY);
        else if (c == '{')
            decide(r, REC_JSON_LINES);
        else if (r->fmt == REC_AUTO)
            decide(r, REC_CSV);
        else {
            fail(r, 0,
                 "JSON upload: the file starts with neither '[' nor "
                 "'{'");
            return r->status;
        }
        r->bom_n = 3;
        return records_feed(r, d + i + 1, len - i - 1);
    }
    return r->status;
}

enum rec_status records_finish(struct records *r)
{
    if (r->status != REC_OK)
        return r->status;
    switch (r->fmt) {
    case REC_AUTO:
    case REC_JSON: fail(r, 0, "upload: the file is empty"); break;
    case REC_CSV: csv_status(r, csv_finish(r->csv)); break;
    case REC_JSON_LINES:
        if (r->rec_bytes > 0)
            line_end(r, r->pos);
        break;
    case REC_JSON_ARRAY:
        if (r->js == J_IN && r->scalar && !r->str_scalar) {
            r->js = J_AFTER;
            rec_emit(r, r->pos);
        }
        if (r->status == REC_OK && r->js != J_DONE)
            fail(r, r->row,
                 "JSON upload: the array is cut short (no closing ']')");
        break;
    }
    return r->status;
}

/* ---- records as HubSpot inputs ------------------------------------------ */

#define REC_PATH_SHOW 200

/* The length of s shown in a message: at most REC_PATH_SHOW bytes, never
 * cutting a UTF-8 sequence (the message must stay valid JSON text). */
static int shown(const char *s)
{
    size_t n = strnlen(s, REC_PATH_SHOW + 1);
    if (n <= REC_PATH_SHOW)
        return (int)n;
    n = REC_PATH_SHOW;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

/* path, then the first keys under v while it is a non-empty object: the
 * first leaf a nested value names (for the message) */
static void leaf_path(const char *path, json_t *v, char *out, size_t outlen)
{
    size_t n = (size_t)snprintf(out, outlen, "%.*s", shown(path), path);
    for (int depth = 0; depth < REC_MAX_PATH_DEPTH && json_is_object(v) &&
                        json_object_size(v) > 0 && n < outlen;
         depth++) {
        void *it = json_object_iter(v);
        const char *k = json_object_iter_key(it);
        n += (size_t)snprintf(out + n, outlen - n, ".%.*s", shown(k), k);
        v = json_object_iter_value(it);
    }
}

static bool hs_add(json_t *props, json_t *from, const char *name,
                   const char *path, json_t *v, const char *what, uint64_t row,
                   char *why, size_t whylen)
{
    if (!*name || strchr(name, '.') || json_is_object(v)) {
        char p[512];
        leaf_path(path, json_is_object(v) ? v : NULL, p, sizeof(p));
        snprintf(why, whylen,
                 "%s %llu: \"%.*s\" is not a HubSpot property: a field is a "
                 "property name (email) or properties.<name> "
                 "(properties.email)",
                 what, (unsigned long long)row, shown(p), p);
        return false;
    }
    size_t n = strlen(name);
    char *low = ed_malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32
                                                           : name[i]);
    json_t *had = json_object_get(from, low);
    if (had) {
        const char *hp = json_string_value(had);
        snprintf(why, whylen,
                 "%s %llu: the property \"%.*s\" is given twice (\"%.*s\" and "
                 "\"%.*s\")",
                 what, (unsigned long long)row, shown(low), low, shown(hp), hp,
                 shown(path), path);
        free(low);
        return false;
    }
    json_object_set_new(from, low, json_string(path));
    json_object_set(props, low, v);
    free(low);
    return true;
}

json_t *rec_hubspot_input(json_t *rec, uint64_t row, bool csv, char *why,
                          size_t whylen)
{
    const char *what = csv ? "row" : "record";
    json_t *props = json_object(), *from = json_object(), *out = NULL;
    json_t *id = NULL, *v;
    const char *k;
    bool ok = true;
    json_object_foreach(rec, k, v) {
        if (strcmp(k, "id") == 0 && !json_is_object(v)) {
            id = v;
        } else if (strcmp(k, "properties") == 0) {
            if (!json_is_object(v)) {
                snprintf(why, whylen,
                         "%s %llu: \"properties\" must be an object of "
                         "properties",
                         what, (unsigned long long)row);
                ok = false;
                break;
            }
            const char *pk;
            json_t *pv;
            json_object_foreach(v, pk, pv) {
                char *path = ed_asprintf("properties.%s", pk);
                ok = hs_add(props, from, pk, path, pv, what, row, why, whylen);
                free(path);
                if (!ok)
                    break;
            }
            if (!ok)
                break;
        } else if (strncmp(k, "properties.", 11) == 0) {
            if (!(ok = hs_add(props, from, k + 11, k, v, what, row, why,
                              whylen)))
                break;
        } else if (!(ok = hs_add(props, from, k, k, v, what, row, why,
                                 whylen))) {
            break;
        }
    }
    if (ok) {
        out = json_pack("{s:O}", "properties", props);
        if (id)
            json_object_set(out, "id", id);
    }
    json_decref(props);
    json_decref(from);
    return out;
}
