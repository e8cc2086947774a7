/* SPDX-License-Identifier: MIT
 * bulk/csv.c: the streaming RFC 4180 reader (see csv.h). One byte at a time
 * through a small state machine; the current row's bytes live in one
 * buffer (cells cut at max_cell, the row at max_row) with the fields as
 * (start, len) indexes into it, turned into pointers when the row is
 * emitted. Nothing but the current row is held. */
#include "bulk/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* a row buffer that grew past this is given back after its row */
#define CSV_KEEP_BUF (256u << 10)
#define CSV_MSG 256

enum csv_state {
    S_ROW_START,   /* before a row's first byte (blank lines skipped) */
    S_FIELD_START, /* at the start of a field */
    S_UNQUOTED,    /* inside an unquoted field */
    S_QUOTED,      /* inside a quoted field */
    S_QUOTE,       /* a quote inside a quoted field: "" or the end */
};

struct csv_span {
    size_t start, len;
};

struct csv {
    struct csv_opts o;
    csv_row_cb cb;
    void *ud;
    enum csv_state st;
    enum csv_status status;
    bool skip_lf; /* a CR ended the last line: a LF right after is eaten */
    bool header_done;
    bool fed;       /* any byte fed yet */
    bool resume;    /* csv_resume_at was called */
    bool jump;      /* after this byte, the next is at resume_off */
    unsigned bom_n; /* BOM bytes matched so far (3: decided) */
    unsigned char bom[3];
    uint64_t pos;       /* offset of the byte being read */
    uint64_t row;       /* number of the row being read */
    uint64_t row_start; /* offset of its first byte */
    uint64_t resume_row, resume_off;
    size_t header_count;

    /* the current row */
    char *buf;
    size_t len, alloc;
    struct csv_span *spans;
    struct csv_field *fields;
    size_t nspans, salloc;
    size_t nfields;   /* fields seen in the row (stored or not) */
    size_t cell_len;  /* bytes of the current cell (stored or not) */
    size_t row_bytes; /* bytes of the row's cells (stored or not) */
    bool drop_cell;   /* the current cell is not stored (over a cap) */
    bool drop_row;    /* nothing more of the row is stored */
    enum csv_row_err err;
    size_t err_field;

    char msg[CSV_MSG];
    char error[CSV_MSG];
    uint64_t error_row;
};

struct csv *csv_new(const struct csv_opts *opts, csv_row_cb cb, void *ud)
{
    struct csv *p = ed_calloc(1, sizeof(*p));
    if (opts)
        p->o = *opts;
    if (!p->o.max_cell)
        p->o.max_cell = CSV_MAX_CELL_DEFAULT;
    if (!p->o.max_row)
        p->o.max_row = CSV_MAX_ROW_DEFAULT;
    if (p->o.max_row < p->o.max_cell)
        p->o.max_row = p->o.max_cell;
    if (!p->o.max_cols)
        p->o.max_cols = CSV_MAX_COLS_DEFAULT;
    p->cb = cb;
    p->ud = ud;
    return p;
}

void csv_free(struct csv *p)
{
    if (!p)
        return;
    free(p->buf);
    free(p->spans);
    free(p->fields);
    free(p);
}

bool csv_resume_at(struct csv *p, uint64_t row, uint64_t offset)
{
    if (p->fed || row == 0 || offset == 0)
        return false;
    p->resume = true;
    p->resume_row = row;
    p->resume_off = offset;
    return true;
}

bool csv_header_done(const struct csv *p)
{
    return p->header_done;
}
const char *csv_error(const struct csv *p)
{
    return p->error;
}
uint64_t csv_error_row(const struct csv *p)
{
    return p->error_row;
}
size_t csv_header_count(const struct csv *p)
{
    return p->header_count;
}

size_t csv_mem(const struct csv *p)
{
    return sizeof(*p) + p->alloc +
           p->salloc * (sizeof(*p->spans) + sizeof(*p->fields));
}

static void fail(struct csv *p, uint64_t row, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(struct csv *p, uint64_t row, const char *fmt, ...)
{
    va_list ap;
    p->status = CSV_ERROR;
    p->error_row = row;
    va_start(ap, fmt);
    vsnprintf(p->error, sizeof(p->error), fmt, ap);
    va_end(ap);
}

static void row_error(struct csv *p, enum csv_row_err e, size_t field)
{
    if (p->err == CSV_ROW_OK) {
        p->err = e;
        p->err_field = field;
    }
}

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points past U+10FFFF). */
static bool utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else
            return false;
        if (n - i <= k)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xbf)
                return false;
        i += k + 1;
    }
    return true;
}

static void begin_field(struct csv *p)
{
    p->nfields++;
    p->cell_len = 0;
    p->drop_cell = false;
    if (p->nfields > p->o.max_cols) {
        row_error(p, CSV_ROW_TOO_MANY_COLS, p->nfields);
        p->drop_row = true;
    }
    if (p->drop_row)
        return;
    if (p->nspans == p->salloc) {
        size_t n = p->salloc ? p->salloc * 2 : 16;
        if (n > p->o.max_cols)
            n = p->o.max_cols;
        p->spans = ed_realloc(p->spans, n * sizeof(*p->spans));
        p->fields = ed_realloc(p->fields, n * sizeof(*p->fields));
        p->salloc = n;
    }
    p->spans[p->nspans].start = p->len;
    p->spans[p->nspans].len = 0;
    p->nspans++;
}

static void add_byte(struct csv *p, char c)
{
    p->cell_len++;
    p->row_bytes++;
    if (p->drop_row || p->drop_cell)
        return;
    if (p->cell_len > p->o.max_cell) {
        row_error(p, CSV_ROW_CELL_TOO_BIG, p->nfields);
        p->drop_cell = true;
        return;
    }
    if (p->row_bytes > p->o.max_row) {
        row_error(p, CSV_ROW_TOO_BIG, p->nfields);
        p->drop_row = true;
        return;
    }
    if (p->len == p->alloc) {
        size_t n = p->alloc ? p->alloc * 2 : 256;
        if (n > p->o.max_row)
            n = p->o.max_row;
        p->buf = ed_realloc(p->buf, n);
        p->alloc = n;
    }
    p->buf[p->len++] = c;
    p->spans[p->nspans - 1].len++;
}

static void end_field(struct csv *p)
{
    struct csv_span *s;
    if (p->drop_row || p->drop_cell || p->err != CSV_ROW_OK)
        return;
    s = &p->spans[p->nspans - 1];
    if (s->len > 0 &&
        !utf8_ok((const unsigned char *)p->buf + s->start, s->len))
        row_error(p, CSV_ROW_BAD_UTF8, p->nfields);
}

static void describe(struct csv *p)
{
    size_t f = p->err_field;
    switch (p->err) {
    case CSV_ROW_OK: p->msg[0] = '\0'; break;
    case CSV_ROW_FEW_FIELDS:
    case CSV_ROW_MANY_FIELDS:
        snprintf(p->msg, sizeof(p->msg),
                 "row %llu has %zu fields, the header has %zu",
                 (unsigned long long)p->row, p->nfields, p->header_count);
        break;
    case CSV_ROW_BAD_UTF8:
        snprintf(p->msg, sizeof(p->msg), "row %llu, field %zu: not valid UTF-8",
                 (unsigned long long)p->row, f);
        break;
    case CSV_ROW_CELL_TOO_BIG:
        snprintf(p->msg, sizeof(p->msg),
                 "row %llu, field %zu: a cell over %zu bytes",
                 (unsigned long long)p->row, f, p->o.max_cell);
        break;
    case CSV_ROW_TOO_BIG:
        snprintf(p->msg, sizeof(p->msg), "row %llu: over %zu bytes",
                 (unsigned long long)p->row, p->o.max_row);
        break;
    case CSV_ROW_TOO_MANY_COLS:
        snprintf(p->msg, sizeof(p->msg), "row %llu: more than %zu fields",
                 (unsigned long long)p->row, p->o.max_cols);
        break;
    case CSV_ROW_BAD_QUOTE:
        snprintf(p->msg, sizeof(p->msg),
                 "row %llu, field %zu: text after the closing quote",
                 (unsigned long long)p->row, f);
        break;
    }
}

static void end_row(struct csv *p, uint64_t end)
{
    struct csv_row r;
    end_field(p);
    if (p->header_done && p->err == CSV_ROW_OK && p->nfields != p->header_count)
        row_error(p,
                  p->nfields < p->header_count ? CSV_ROW_FEW_FIELDS
                                               : CSV_ROW_MANY_FIELDS,
                  0);
    describe(p);
    if (!p->header_done) {
        if (p->err != CSV_ROW_OK) {
            fail(p, 0, "CSV header: %s", p->msg);
            goto reset;
        }
        p->header_count = p->nfields;
    }
    for (size_t i = 0; i < p->nspans; i++) {
        p->fields[i].ptr = p->buf ? p->buf + p->spans[i].start : "";
        p->fields[i].len = p->spans[i].len;
    }
    memset(&r, 0, sizeof(r));
    r.row = p->row;
    r.offset = p->row_start;
    r.end = end;
    r.fields = p->fields;
    r.nfields = p->nspans;
    r.err = p->err;
    r.err_field = p->err_field;
    r.message = p->msg;
    if (p->cb && p->cb(p->ud, &r) != 0)
        p->status = CSV_STOPPED;
    if (!p->header_done) {
        p->header_done = true;
        if (p->resume) {
            p->jump = true;
            p->row = p->resume_row - 1;
        }
    }
    p->row++;
reset:
    p->len = 0;
    p->nspans = 0;
    p->nfields = 0;
    p->row_bytes = 0;
    p->drop_row = false;
    p->err = CSV_ROW_OK;
    p->err_field = 0;
    if (p->alloc > CSV_KEEP_BUF) {
        free(p->buf);
        p->buf = NULL;
        p->alloc = 0;
    }
    p->st = S_ROW_START;
}

static void byte(struct csv *p, char c)
{
    if (p->skip_lf) {
        p->skip_lf = false;
        if (c == '\n')
            return;
    }
    switch (p->st) {
    case S_ROW_START:
        if (c == '\n')
            return;
        if (c == '\r') {
            p->skip_lf = true;
            return;
        }
        p->row_start = p->pos;
        begin_field(p);
        p->st = S_FIELD_START;
        /* fall through */
    case S_FIELD_START:
        if (c == '"') {
            p->st = S_QUOTED;
            return;
        }
        /* fall through */
    case S_UNQUOTED: break;
    case S_QUOTED:
        if (c == '"')
            p->st = S_QUOTE;
        else
            add_byte(p, c);
        return;
    case S_QUOTE:
        if (c == '"') {
            add_byte(p, c);
            p->st = S_QUOTED;
            return;
        }
        if (c != ',' && c != '\n' && c != '\r') {
            row_error(p, CSV_ROW_BAD_QUOTE, p->nfields);
            add_byte(p, c);
            p->st = S_UNQUOTED;
            return;
        }
        break;
    }
    /* unquoted text, or what follows a closing quote */
    if (c == ',') {
        end_field(p);
        begin_field(p);
        p->st = S_FIELD_START;
    } else if (c == '\n' || c == '\r') {
        end_row(p, p->pos + 1);
        p->skip_lf = c == '\r';
    } else {
        add_byte(p, c);
        p->st = S_UNQUOTED;
    }
}

static void feed_bytes(struct csv *p, const unsigned char *d, size_t n)
{
    for (size_t i = 0; i < n && p->status == CSV_OK; i++) {
        byte(p, (char)d[i]);
        p->pos++;
        if (p->jump) {
            p->jump = false;
            p->pos = p->resume_off;
            p->skip_lf = false;
        }
    }
}

enum csv_status csv_feed(struct csv *p, const void *data, size_t len)
{
    static const unsigned char BOM[3] = {0xef, 0xbb, 0xbf};
    const unsigned char *d = data;

    if (p->status != CSV_OK)
        return p->status;
    if (len)
        p->fed = true;
    /* the BOM, perhaps split across chunks: held until decided */
    while (p->bom_n < 3 && len > 0) {
        if (*d != BOM[p->bom_n]) {
            unsigned char held[3];
            unsigned n = p->bom_n;
            memcpy(held, p->bom, n);
            p->bom_n = 3;
            feed_bytes(p, held, n);
            break;
        }
        p->bom[p->bom_n++] = *d++;
        len--;
        if (p->bom_n == 3)
            p->pos = 3;
    }
    if (p->bom_n == 3)
        feed_bytes(p, d, len);
    return p->status;
}

enum csv_status csv_finish(struct csv *p)
{
    if (p->status != CSV_OK)
        return p->status;
    if (p->bom_n < 3) {
        unsigned char held[3];
        unsigned n = p->bom_n;
        memcpy(held, p->bom, n);
        p->bom_n = 3;
        feed_bytes(p, held, n);
        if (p->status != CSV_OK)
            return p->status;
    }
    if (p->st == S_QUOTED) {
        fail(p, p->row,
             "CSV: row %llu: a quoted field is not closed at the end of "
             "the file",
             (unsigned long long)p->row);
        return p->status;
    }
    if (p->st != S_ROW_START)
        end_row(p, p->pos);
    if (p->status == CSV_OK && !p->header_done)
        fail(p, 0, "CSV: the file has no header row");
    return p->status;
}
