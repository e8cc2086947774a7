/* SPDX-License-Identifier: MIT
 * libFuzzer target for bulk/csv.c and bulk/records.c. The first input byte
 * picks small caps and a chunk size; the rest is the file. Besides crashes
 * and sanitizer reports it checks the readers' contract and aborts when it
 * breaks: the same rows (records) whether fed whole, in chunks or 1 byte
 * at a time; rows numbered 0, 1, 2... with increasing offsets inside the
 * input; a row without an error has as many fields as the header, each
 * within the cell cap and valid UTF-8; the reader's memory stays within
 * its row cap; every record is a JSON object, every error message valid
 * UTF-8 naming its row. CTest replays corpus/bulk_csv and
 * regressions/bulk_csv through replay.c. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/csv.h"
#include "bulk/records.h"
#include "core/buf.h"

#define INPUT_MAX (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_bulk_csv: contract broken: %s\n", what);
        abort();
    }
}

struct run {
    struct ed_buf log;
    struct csv *p;
    const struct csv_opts *o;
    uint64_t next_row, last_end, size;
    size_t header;
};

static void check_utf8(const char *s, size_t n, const char *what)
{
    json_t *j = json_stringn(s, n);
    require(j != NULL, what);
    json_decref(j);
}

static int on_row(void *ud, const struct csv_row *r)
{
    struct run *x = ud;
    require(r->row == x->next_row, "rows numbered in order");
    require(r->offset >= x->last_end || r->row == 0, "offsets increase");
    require(r->offset < r->end && r->end <= x->size, "offsets in the input");
    require(r->nfields <= x->o->max_cols, "column cap");
    require(csv_mem(x->p) <= x->o->max_row + 64 * 1024, "memory cap");
    check_utf8(r->message, strlen(r->message), "message UTF-8");
    if (r->row == 0)
        x->header = r->nfields;
    if (r->err == CSV_ROW_OK) {
        require(r->row == 0 || r->nfields == x->header, "field count");
        for (size_t i = 0; i < r->nfields; i++) {
            require(r->fields[i].len <= x->o->max_cell, "cell cap");
            check_utf8(r->fields[i].ptr, r->fields[i].len, "field UTF-8");
        }
    } else {
        require(r->message[0] != '\0', "an error has words");
    }
    ed_buf_printf(&x->log, "%llu@%llu-%llu:%d:", (unsigned long long)r->row,
                  (unsigned long long)r->offset, (unsigned long long)r->end,
                  (int)r->err);
    for (size_t i = 0; i < r->nfields; i++) {
        ed_buf_printf(&x->log, "%zu,", r->fields[i].len);
        ed_buf_append(&x->log, r->fields[i].ptr, r->fields[i].len);
    }
    ed_buf_appends(&x->log, "\n");
    x->next_row = r->row + 1;
    x->last_end = r->end;
    return 0;
}

static char *run_csv(const uint8_t *d, size_t n, size_t chunk,
                     const struct csv_opts *o)
{
    struct run x = {.o = o, .size = n};
    enum csv_status st = CSV_OK;
    ed_buf_init(&x.log, 64u << 20);
    x.p = csv_new(o, on_row, &x);
    for (size_t i = 0; i < n && st == CSV_OK; i += chunk)
        st = csv_feed(x.p, d + i, n - i < chunk ? n - i : chunk);
    if (st == CSV_OK)
        st = csv_finish(x.p);
    check_utf8(csv_error(x.p), strlen(csv_error(x.p)), "error UTF-8");
    require((st == CSV_ERROR) == (csv_error(x.p)[0] != '\0'),
            "an error status has words");
    ed_buf_printf(&x.log, "=%d %s", (int)st, csv_error(x.p));
    csv_free(x.p);
    return ed_buf_take(&x.log);
}

static int on_rec(void *ud, const struct rec_item *it)
{
    struct ed_buf *b = ud;
    require(!it->obj != !it->error, "a record or an error");
    if (it->obj) {
        char *s;
        require(json_is_object(it->obj), "records are objects");
        s = json_dumps(it->obj, JSON_COMPACT | JSON_SORT_KEYS);
        require(s != NULL, "records serialise");
        ed_buf_printf(b, "%llu:%s\n", (unsigned long long)it->row, s);
        free(s);
    } else {
        check_utf8(it->error, strlen(it->error), "record error UTF-8");
        ed_buf_printf(b, "%llu!%s\n", (unsigned long long)it->row, it->error);
    }
    return 0;
}

static char *run_records(const uint8_t *d, size_t n, size_t chunk,
                         const struct rec_opts *o)
{
    struct ed_buf b;
    struct records *r;
    enum rec_status st = REC_OK;
    ed_buf_init(&b, 64u << 20);
    r = records_new(o, on_rec, &b);
    for (size_t i = 0; i < n && st == REC_OK; i += chunk)
        st = records_feed(r, d + i, n - i < chunk ? n - i : chunk);
    if (st == REC_OK)
        st = records_finish(r);
    require(records_mem(r) <= o->max_record + 128 * 1024, "records memory");
    ed_buf_printf(&b, "=%d %s", (int)st, records_error(r));
    records_free(r);
    return ed_buf_take(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_opts o;
    struct rec_opts ro;
    size_t chunk;
    char *a, *b, *c;
    uint8_t k;

    if (size < 1 || size > INPUT_MAX)
        return 0;
    k = data[0];
    data++;
    size--;
    memset(&o, 0, sizeof(o));
    o.max_cell = CSV_MAX_CELL_DEFAULT;
    o.max_row = CSV_MAX_ROW_DEFAULT;
    o.max_cols = CSV_MAX_COLS_DEFAULT;
    if (k & 1) {
        o.max_cell = 1 + (k >> 4);
        o.max_row = o.max_cell * 3;
        o.max_cols = 1 + ((k >> 1) & 7);
    }
    chunk = 1 + (size_t)(k >> 2);

    a = run_csv(data, size, size ? size : 1, &o);
    b = run_csv(data, size, chunk, &o);
    c = run_csv(data, size, 1, &o);
    require(strcmp(a, b) == 0 && strcmp(a, c) == 0,
            "csv: the same rows whatever the chunking");
    free(a);
    free(b);
    free(c);

    memset(&ro, 0, sizeof(ro));
    ro.format = (enum rec_format)((k >> 1) % 5);
    ro.max_cell = o.max_cell;
    ro.max_record = (k & 1) ? 64 : REC_MAX_RECORD_DEFAULT;
    a = run_records(data, size, size ? size : 1, &ro);
    b = run_records(data, size, chunk, &ro);
    c = run_records(data, size, 1, &ro);
    require(strcmp(a, b) == 0 && strcmp(a, c) == 0,
            "records: the same records whatever the chunking");
    free(a);
    free(b);
    free(c);
    return 0;
}
