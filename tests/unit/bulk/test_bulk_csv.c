/* SPDX-License-Identifier: MIT
 * bulk/csv.c: header and data rows, quoting, line ends, the BOM, ragged
 * rows, invalid UTF-8, the cell/row/column caps (per-row errors that let
 * the reader go on), an open quote at the end (fatal, with its row),
 * resuming at a row's offset, the same rows whatever the chunking, and a
 * 1,000,000-row file in 64 KiB chunks with the reader's memory bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/csv.h"
#include "check.h"
#include "core/buf.h"

/* Every row as a line "row@offset-end[err]:f1|f2|..." */
static int collect(void *ud, const struct csv_row *r)
{
    struct ed_buf *b = ud;
    ed_buf_printf(b, "%llu@%llu-%llu", (unsigned long long)r->row,
                  (unsigned long long)r->offset, (unsigned long long)r->end);
    if (r->err)
        ed_buf_printf(b, "[%d:%s]", (int)r->err, r->message);
    ed_buf_appends(b, ":");
    for (size_t i = 0; i < r->nfields; i++) {
        if (i)
            ed_buf_appends(b, "|");
        ed_buf_append(b, r->fields[i].ptr, r->fields[i].len);
    }
    ed_buf_appends(b, "\n");
    return 0;
}

/* Parse text in chunks of `chunk` bytes (0: whole); the rows, then
 * "=status error" */
static char *parse_opts(const char *text, size_t n, size_t chunk,
                        const struct csv_opts *o)
{
    struct ed_buf b;
    struct csv *p;
    enum csv_status st = CSV_OK;
    ed_buf_init(&b, 64u << 20);
    p = csv_new(o, collect, &b);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n && st == CSV_OK; i += chunk)
        st = csv_feed(p, text + i, n - i < chunk ? n - i : chunk);
    if (st == CSV_OK)
        st = csv_finish(p);
    ed_buf_printf(&b, "=%d %s", (int)st, csv_error(p));
    csv_free(p);
    return ed_buf_take(&b);
}

static char *parse(const char *text, size_t chunk)
{
    return parse_opts(text, strlen(text), chunk, NULL);
}

#define CHECK_CSV(text, want)                                                  \
    do {                                                                       \
        char *t_ = parse(text, 0);                                             \
        CHECK_EQ_STR(t_, want);                                                \
        free(t_);                                                              \
        t_ = parse(text, 1);                                                   \
        CHECK_EQ_STR(t_, want);                                                \
        free(t_);                                                              \
    } while (0)

static void test_basic(void)
{
    CHECK_CSV("a,b\n1,2\n3,4\n", "0@0-4:a|b\n1@4-8:1|2\n2@8-12:3|4\n=0 ");
    /* no final line end; CRLF; CR alone; blank lines skipped */
    CHECK_CSV("a,b\r\n1,2\r\n\r\n3,4",
              "0@0-4:a|b\n1@5-9:1|2\n2@12-15:3|4\n=0 ");
    CHECK_CSV("a,b\r1,2\r3,4\r", "0@0-4:a|b\n1@4-8:1|2\n2@8-12:3|4\n=0 ");
    CHECK_CSV("a,b\n\n\n1,\n", "0@0-4:a|b\n1@6-9:1|\n=0 ");
    /* empty fields */
    CHECK_CSV("a,b,c\n,,\n", "0@0-6:a|b|c\n1@6-9:||\n=0 ");
}

static void test_quotes(void)
{
    CHECK_CSV("a,b\n\"x,y\",\"say \"\"hi\"\"\"\n",
              "0@0-4:a|b\n1@4-23:x,y|say \"hi\"\n=0 ");
    /* line ends inside quotes are data */
    CHECK_CSV("a,b\n\"1\r\n2\",\"\"\n", "0@0-4:a|b\n1@4-14:1\r\n2|\n=0 ");
    /* a quote inside an unquoted field is kept */
    CHECK_CSV("a\nx\"y\n", "0@0-2:a\n1@2-6:x\"y\n=0 ");
    /* text after the closing quote: a per-row error, the reader goes on */
    CHECK_CSV("a,b\n\"x\"y,2\n3,4\n",
              "0@0-4:a|b\n1@4-11[7:row 1, field 1: text after the closing "
              "quote]:xy|2\n2@11-15:3|4\n=0 ");
    /* an open quote at the end: fatal, with the row it opened in */
    CHECK_CSV("a,b\n1,2\n3,\"4\n5,6\n",
              "0@0-4:a|b\n1@4-8:1|2\n=1 CSV: row 2: a quoted field is not "
              "closed at the end of the file");
    CHECK_CSV("\"a,b\n", "=1 CSV: row 0: a quoted field is not closed at the "
                         "end of the file");
}

static void test_bom_and_header(void)
{
    CHECK_CSV("\xef\xbb\xbf"
              "a,b\n1,2\n",
              "0@3-7:a|b\n1@7-11:1|2\n=0 ");
    /* a partial BOM is data (and here bad UTF-8 in the header: fatal) */
    CHECK_CSV("\xef\xbb"
              "a\n",
              "=1 CSV header: row 0, field 1: not valid UTF-8");
    CHECK_CSV("", "=1 CSV: the file has no header row");
    CHECK_CSV("\xef\xbb\xbf", "=1 CSV: the file has no header row");
    CHECK_CSV("\n\r\n", "=1 CSV: the file has no header row");
    CHECK_CSV("a,b", "0@0-3:a|b\n=0 ");
}

static void test_ragged_and_utf8(void)
{
    CHECK_CSV("a,b\n1\n1,2,3\n4,5\n",
              "0@0-4:a|b\n1@4-6[1:row 1 has 1 fields, the header has 2]:1\n"
              "2@6-12[2:row 2 has 3 fields, the header has 2]:1|2|3\n"
              "3@12-16:4|5\n=0 ");
    /* invalid UTF-8: a lone continuation byte, an overlong, a surrogate,
     * a truncated sequence; valid multibyte passes */
    CHECK_CSV("a,b\n\x80,x\n\xc0\xaf,x\n\xed\xa0\x80,x\nx,\xe2\x82\n"
              "\xc3\xa9,\xf0\x9f\x98\x80\n",
              "0@0-4:a|b\n1@4-8[3:row 1, field 1: not valid UTF-8]:\x80|x\n"
              "2@8-13[3:row 2, field 1: not valid UTF-8]:\xc0\xaf|x\n"
              "3@13-19[3:row 3, field 1: not valid UTF-8]:\xed\xa0\x80|x\n"
              "4@19-24[3:row 4, field 2: not valid UTF-8]:x|\xe2\x82\n"
              "5@24-32:\xc3\xa9|\xf0\x9f\x98\x80\n=0 ");
}

static void test_caps(void)
{
    struct csv_opts o = {.max_cell = 4, .max_row = 10, .max_cols = 3};
    const char *t = "a,b,c\n12345,x,y\n1234,x,y\n1234,1234,1234\n1,2,3,4\n"
                    "\"123456\",1,2\n9,9,9\n";
    char *g = parse_opts(t, strlen(t), 1, &o);
    CHECK_EQ_STR(g, "0@0-6:a|b|c\n"
                    "1@6-16[4:row 1, field 1: a cell over 4 bytes]:1234|x|y\n"
                    "2@16-25:1234|x|y\n"
                    "3@25-40[5:row 3: over 10 bytes]:1234|1234|12\n"
                    "4@40-48[6:row 4: more than 3 fields]:1|2|3\n"
                    "5@48-61[4:row 5, field 1: a cell over 4 bytes]:1234|1|2\n"
                    "6@61-67:9|9|9\n=0 ");
    free(g);
    /* the header may not break a cap */
    g = parse_opts("a,b,c,d\n", 8, 0, &o);
    CHECK_EQ_STR(g, "=1 CSV header: row 0: more than 3 fields");
    free(g);
    /* default column cap: 1,000 */
    {
        struct ed_buf b;
        ed_buf_init(&b, 1 << 20);
        for (int i = 0; i < 1001; i++)
            ed_buf_printf(&b, "%sc%d", i ? "," : "", i);
        ed_buf_appends(&b, "\n");
        g = parse_opts(b.data, b.len, 0, NULL);
        CHECK_EQ_STR(g, "=1 CSV header: row 0: more than 1000 fields");
        free(g);
        ed_buf_cleanup(&b);
    }
}

/* Same rows whatever the chunking: split at every offset, and 1 byte at a
 * time, for a file that has every construct. */
static void test_chunking(void)
{
    const char *t = "\xef\xbb\xbf"
                    "id,\"na,me\",note\r\n1,\"a\"\"b\",\"x\r\ny\"\r\n"
                    "\r\n2,\xc3\xa9,\rbad,\"q\"z,\x80\n3,,\n4";
    size_t n = strlen(t);
    char *whole = parse(t, 0), *g;
    for (size_t c = 1; c <= n; c++) {
        g = parse_opts(t, n, c, NULL);
        CHECK_EQ_STR(g, whole);
        free(g);
    }
    for (size_t cut = 0; cut <= n; cut++) {
        struct ed_buf b;
        struct csv *p;
        ed_buf_init(&b, 1 << 20);
        p = csv_new(NULL, collect, &b);
        csv_feed(p, t, cut);
        csv_feed(p, t + cut, n - cut);
        csv_finish(p);
        ed_buf_printf(&b, "=%d %s", 0, csv_error(p));
        CHECK_EQ_STR(b.data, whole);
        csv_free(p);
        ed_buf_cleanup(&b);
    }
    free(whole);
}

static int stop_at_2(void *ud, const struct csv_row *r)
{
    (void)ud;
    return r->row == 2;
}

static void test_stop_and_resume(void)
{
    const char *t = "a,b\r\n1,2\r\n3,4\r\n5,6\r\n";
    struct csv *p = csv_new(NULL, stop_at_2, NULL);
    struct ed_buf b;
    CHECK_EQ_INT(csv_feed(p, t, strlen(t)), CSV_STOPPED);
    CHECK_EQ_INT(csv_feed(p, t, 1), CSV_STOPPED);
    csv_free(p);

    /* resume at row 3 (offset 15): header bytes [0,4), then from 15 */
    ed_buf_init(&b, 1 << 20);
    p = csv_new(NULL, collect, &b);
    CHECK(!csv_resume_at(p, 0, 15));
    CHECK(csv_resume_at(p, 3, 15));
    csv_feed(p, t, 4);
    CHECK(csv_header_done(p));
    csv_feed(p, t + 15, strlen(t) - 15);
    CHECK_EQ_INT(csv_finish(p), CSV_OK);
    CHECK_EQ_STR(b.data, "0@0-4:a|b\n3@15-19:5|6\n");
    CHECK(!csv_resume_at(p, 3, 15));
    csv_free(p);
    ed_buf_cleanup(&b);
}

struct big {
    uint64_t rows, bad, last_offset;
    size_t maxmem;
    struct csv *p;
};

static int count_big(void *ud, const struct csv_row *r)
{
    struct big *g = ud;
    size_t m = csv_mem(g->p);
    if (m > g->maxmem)
        g->maxmem = m;
    if (r->row == 0)
        return 0;
    if (r->err || r->nfields != 3 || r->row != g->rows + 1)
        g->bad++;
    g->rows = r->row;
    g->last_offset = r->offset;
    return 0;
}

/* 1,000,000 rows in 64 KiB chunks: every row read, the reader's own
 * memory stays small (it holds one row, not the file). */
static void test_million(void)
{
    enum { CHUNK = 64 * 1024 };
    static char chunk[CHUNK + 128];
    struct big g = {0};
    size_t n = 0;
    uint64_t total = 0;
    g.p = csv_new(NULL, count_big, &g);
    n = (size_t)snprintf(chunk, sizeof(chunk), "id,email,note\r\n");
    for (uint64_t i = 1; i <= 1000000; i++) {
        n += (size_t)snprintf(chunk + n, sizeof(chunk) - n,
                              "%llu,user%llu@example.test,\"a, \"\"b\"\"\"\r\n",
                              (unsigned long long)i, (unsigned long long)i);
        if (n >= CHUNK) {
            CHECK_EQ_INT(csv_feed(g.p, chunk, CHUNK), CSV_OK);
            total += CHUNK;
            memmove(chunk, chunk + CHUNK, n - CHUNK);
            n -= CHUNK;
        }
    }
    CHECK_EQ_INT(csv_feed(g.p, chunk, n), CSV_OK);
    total += n;
    CHECK_EQ_INT(csv_finish(g.p), CSV_OK);
    CHECK_EQ_INT(g.rows, 1000000);
    CHECK_EQ_INT(g.bad, 0);
    CHECK(g.last_offset < total);
    CHECK(g.maxmem < 4096);
    csv_free(g.p);
}

int main(void)
{
    RUN(test_basic);
    RUN(test_quotes);
    RUN(test_bom_and_header);
    RUN(test_ragged_and_utf8);
    RUN(test_caps);
    RUN(test_chunking);
    RUN(test_stop_and_resume);
    RUN(test_million);
    return 0;
}
