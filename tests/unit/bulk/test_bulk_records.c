/* SPDX-License-Identifier: MIT
 * bulk/records.c: CSV (flat and vendor-path headers, header clashes), a
 * JSON array read element by element, JSON lines; format given or
 * sniffed; per-record errors with their row; fatal errors; the record cap
 * (never held whole); resuming at and after a record; the same records
 * whatever the chunking; a large array with the reader's memory bounded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/records.h"
#include "check.h"
#include "core/buf.h"

struct got {
    struct ed_buf b;
    struct records *r;
    struct rec_pos at[16], after[16];
    size_t n;
};

/* each record as "row@offset-end:{json}" or "row@offset-end!error" */
static int collect(void *ud, const struct rec_item *it)
{
    struct got *g = ud;
    ed_buf_printf(&g->b, "%llu@%llu-%llu", (unsigned long long)it->row,
                  (unsigned long long)it->offset, (unsigned long long)it->end);
    if (it->obj) {
        char *s = json_dumps(it->obj, JSON_COMPACT | JSON_SORT_KEYS);
        ed_buf_printf(&g->b, ":%s\n", s);
        free(s);
    } else {
        ed_buf_printf(&g->b, "!%s\n", it->error);
    }
    if (g->n < 16) {
        records_pos_at(g->r, it, &g->at[g->n]);
        records_pos_after(g->r, it, &g->after[g->n]);
        g->n++;
    }
    return 0;
}

static char *run(const char *text, size_t n, size_t chunk,
                 const struct rec_opts *o, struct got *g)
{
    enum rec_status st = REC_OK;
    ed_buf_init(&g->b, 16u << 20);
    g->n = 0;
    g->r = records_new(o, collect, g);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t i = 0; i < n && st == REC_OK; i += chunk)
        st = records_feed(g->r, text + i, n - i < chunk ? n - i : chunk);
    if (st == REC_OK)
        st = records_finish(g->r);
    ed_buf_printf(&g->b, "=%d %s %s", (int)st,
                  rec_format_name(records_format(g->r)), records_error(g->r));
    records_free(g->r);
    g->r = NULL;
    return ed_buf_take(&g->b);
}

static char *parse(const char *text, enum rec_format f, size_t chunk)
{
    struct got g;
    struct rec_opts o = {.format = f};
    return run(text, strlen(text), chunk, &o, &g);
}

/* whole, 1 byte at a time, and split at every offset: all the same */
static void check_recs(const char *text, enum rec_format f, const char *want,
                       int line)
{
    size_t n = strlen(text);
    char *g = parse(text, f, 0);
    if (strcmp(g, want) != 0)
        fprintf(stderr, "line %d\n", line);
    CHECK_EQ_STR(g, want);
    free(g);
    g = parse(text, f, 1);
    CHECK_EQ_STR(g, want);
    free(g);
    for (size_t cut = 1; cut < n; cut++) {
        struct got gg;
        struct rec_opts o = {.format = f};
        enum rec_status st;
        ed_buf_init(&gg.b, 1 << 20);
        gg.n = 0;
        gg.r = records_new(&o, collect, &gg);
        st = records_feed(gg.r, text, cut);
        if (st == REC_OK)
            st = records_feed(gg.r, text + cut, n - cut);
        if (st == REC_OK)
            st = records_finish(gg.r);
        ed_buf_printf(&gg.b, "=%d %s %s", (int)st,
                      rec_format_name(records_format(gg.r)),
                      records_error(gg.r));
        CHECK_EQ_STR(gg.b.data, want);
        records_free(gg.r);
        ed_buf_cleanup(&gg.b);
    }
}
#define CHECK_RECS(text, f, want) check_recs(text, f, want, __LINE__)

static void test_format_names(void)
{
    enum rec_format f;
    CHECK(rec_format_parse(NULL, &f) && f == REC_AUTO);
    CHECK(rec_format_parse("", &f) && f == REC_AUTO);
    CHECK(rec_format_parse("CSV", &f) && f == REC_CSV);
    CHECK(rec_format_parse("json", &f) && f == REC_JSON);
    CHECK(rec_format_parse("jsonl", &f) && f == REC_JSON_LINES);
    CHECK(rec_format_parse("ndjson", &f) && f == REC_JSON_LINES);
    CHECK(!rec_format_parse("xml", &f));
}

static void test_csv(void)
{
    CHECK_RECS("id,properties.email,properties.firstname\r\n"
               "1,a@b.c,Ada\r\n2,,\"Byron, Lord\"\r\n",
               REC_AUTO,
               "1@42-54:{\"id\":\"1\",\"properties\":{\"email\":\"a@b.c\","
               "\"firstname\":\"Ada\"}}\n"
               "2@55-72:{\"id\":\"2\",\"properties\":{\"email\":\"\","
               "\"firstname\":\"Byron, Lord\"}}\n=0 csv ");
    /* per-row errors carry the row; the reader goes on */
    CHECK_RECS("a,b.c\n1\n\xff,2\n3,4\n", REC_CSV,
               "1@6-8!row 1 has 1 fields, the header has 2\n"
               "2@8-12!row 2, field 1: not valid UTF-8\n"
               "3@12-16:{\"a\":\"3\",\"b\":{\"c\":\"4\"}}\n=0 csv ");
    /* header clashes and bad names are fatal */
    CHECK_RECS("a,b,a\n1,2,3\n", REC_CSV,
               "=1 csv CSV header: column 3 (\"a\") clashes with an earlier "
               "column");
    CHECK_RECS("p.x,p\n", REC_CSV,
               "=1 csv CSV header: column 2 (\"p\") clashes with an earlier "
               "column");
    CHECK_RECS("p,p.x\n", REC_CSV,
               "=1 csv CSV header: column 2 (\"p.x\") clashes with an earlier "
               "column");
    CHECK_RECS("a,,b\n", REC_CSV,
               "=1 csv CSV header: column 2: a name of 1 to 1024 bytes");
    CHECK_RECS("a,x..y\n", REC_CSV,
               "=1 csv CSV header: column 2 (\"x..y\"): not a field name or "
               "path (empty part, NUL, or deeper than 16)");
    CHECK_RECS("a,\"b\n", REC_CSV,
               "=1 csv CSV: row 0: a quoted field is not closed at the end "
               "of the file");
    CHECK_RECS("", REC_CSV, "=1 csv CSV: the file has no header row");
}

static void test_json_array(void)
{
    CHECK_RECS("\xef\xbb\xbf [ {\"a\":1}, {\"b\":[1,{\"c\":\"]}\\\"\"}]} ,\n"
               "{\"d\":null}]\n",
               REC_AUTO,
               "1@6-13:{\"a\":1}\n"
               "2@15-37:{\"b\":[1,{\"c\":\"]}\\\"\"}]}\n"
               "3@40-50:{\"d\":null}\n=0 json array ");
    CHECK_RECS("[]", REC_JSON, "=0 json array ");
    /* per-record errors: not an object, invalid JSON */
    CHECK_RECS("[1, \"x,]\", [2], {\"a\":}, {\"ok\":true}, null]", REC_JSON,
               "1@1-2!record 1: not a JSON object\n"
               "2@4-9!record 2: not a JSON object\n"
               "3@11-14!record 3: not a JSON object\n"
               "4@16-22!record 4: invalid JSON: unexpected token near '}' "
               "(at byte 6)\n"
               "5@24-35:{\"ok\":true}\n"
               "6@37-41!record 6: not a JSON object\n=0 json array ");
    /* structure errors are fatal */
    CHECK_RECS("[{\"a\":1},]", REC_JSON,
               "1@1-8:{\"a\":1}\n=1 json array JSON upload: record 2: a "
               "value is missing (stray ',' or ']')");
    CHECK_RECS("[{\"a\":1} {\"b\":2}]", REC_JSON,
               "1@1-8:{\"a\":1}\n=1 json array JSON upload: after record 1: "
               "',' or ']' expected");
    CHECK_RECS("[{\"a\":1}] x", REC_JSON,
               "1@1-8:{\"a\":1}\n=1 json array JSON upload: text after the "
               "closing ']'");
    CHECK_RECS("[{\"a\":1}", REC_JSON,
               "1@1-8:{\"a\":1}\n=1 json array JSON upload: the array is cut "
               "short (no closing ']')");
    CHECK_RECS("[{\"a\":\"1}]", REC_JSON,
               "=1 json array JSON upload: the array is cut short (no "
               "closing ']')");
    CHECK_RECS("id,x\n", REC_JSON,
               "=1 json JSON upload: the file starts with neither '[' nor "
               "'{'");
    CHECK_RECS("  \n", REC_AUTO, "=1 auto upload: the file is empty");
}

static void test_json_lines(void)
{
    CHECK_RECS("{\"a\":1}\r\n\r\n  \n{\"b\":\"x\\ny\"}\n{bad}\n[1]\n{\"c\":3}",
               REC_AUTO,
               "1@0-9:{\"a\":1}\n"
               "2@14-27:{\"b\":\"x\\ny\"}\n"
               "3@27-33!record 3: invalid JSON: string or '}' expected near "
               "'bad' (at byte 4)\n"
               "4@33-37!record 4: not a JSON object\n"
               "5@37-44:{\"c\":3}\n=0 jsonl ");
    CHECK_RECS("\xef\xbb\xbf{\"a\":1}\n", REC_JSON_LINES,
               "1@3-11:{\"a\":1}\n=0 jsonl ");
    CHECK_RECS("", REC_JSON_LINES, "=0 jsonl ");
}

static void test_record_cap(void)
{
    struct rec_opts o = {.format = REC_AUTO, .max_record = 16};
    struct got g;
    const char *t = "[{\"a\":\"0123456789abcdef\"},{\"b\":1}]";
    char *s = run(t, strlen(t), 1, &o, &g);
    CHECK_EQ_STR(s, "1@1-25!record 1: over 16 bytes\n2@26-33:{\"b\":1}\n"
                    "=0 json array ");
    free(s);
    t = "{\"a\":\"0123456789abcdef\"}\n{\"b\":1}\n";
    s = run(t, strlen(t), 1, &o, &g);
    CHECK_EQ_STR(s, "1@0-25!record 1: over 16 bytes\n2@25-33:{\"b\":1}\n"
                    "=0 jsonl ");
    free(s);
    o.max_cell = 3;
    t = "a,b\n1234,1\n1,2\n";
    s = run(t, strlen(t), 1, &o, &g);
    CHECK_EQ_STR(s, "1@4-11!row 1, field 1: a cell over 3 bytes\n"
                    "2@11-15:{\"a\":\"1\",\"b\":\"2\"}\n=0 csv ");
    free(s);
}

/* Resume at (and after) record 2 of each format: the caller feeds the CSV
 * header's bytes, then the bytes from the offset. */
static void check_resume(const char *t, const char *want_at,
                         const char *want_after)
{
    struct got g;
    struct rec_opts o = {.format = REC_AUTO};
    char *s = run(t, strlen(t), 0, &o, &g);
    for (int after = 0; after < 2; after++) {
        struct rec_pos pos = after ? g.after[1] : g.at[1];
        struct got h;
        size_t n = strlen(t);
        ed_buf_init(&h.b, 1 << 20);
        h.n = 0;
        h.r = records_new(&o, collect, &h);
        CHECK(records_resume(h.r, &pos));
        records_feed(h.r, t, (size_t)pos.header_end);
        records_feed(h.r, t + pos.offset, n - (size_t)pos.offset);
        CHECK_EQ_INT(records_finish(h.r), REC_OK);
        CHECK_EQ_STR(h.b.data, after ? want_after : want_at);
        records_free(h.r);
        ed_buf_cleanup(&h.b);
    }
    free(s);
}

static void test_resume(void)
{
    struct records *r = records_new(NULL, NULL, NULL);
    struct rec_pos pos = {.format = REC_JSON_LINES, .offset = 3, .row = 0};
    CHECK(!records_resume(r, &pos));
    records_feed(r, "{", 1);
    pos.row = 2;
    CHECK(!records_resume(r, &pos));
    records_free(r);

    check_resume("a,b\r\n1,2\r\n3,4\r\n5,6\r\n",
                 "2@10-14:{\"a\":\"3\",\"b\":\"4\"}\n"
                 "3@15-19:{\"a\":\"5\",\"b\":\"6\"}\n",
                 "3@15-19:{\"a\":\"5\",\"b\":\"6\"}\n");
    check_resume("[{\"a\":1}, {\"a\":2} ,{\"a\":3}]",
                 "2@10-17:{\"a\":2}\n3@19-26:{\"a\":3}\n",
                 "3@19-26:{\"a\":3}\n");
    check_resume("{\"a\":1}\n{\"a\":2}\r\n{\"a\":3}\n",
                 "2@8-17:{\"a\":2}\n3@17-25:{\"a\":3}\n",
                 "3@17-25:{\"a\":3}\n");
}

struct count {
    uint64_t n, bad;
    size_t maxmem;
    struct records *r;
};

static int count_rec(void *ud, const struct rec_item *it)
{
    struct count *c = ud;
    size_t m = records_mem(c->r);
    if (m > c->maxmem)
        c->maxmem = m;
    if (!it->obj || it->row != c->n + 1 ||
        json_integer_value(json_object_get(it->obj, "i")) !=
            (json_int_t)it->row)
        c->bad++;
    c->n++;
    return 0;
}

/* 200,000 elements of one JSON array in 64 KiB chunks: the reader holds
 * one element, not the document. */
static void test_big_array(void)
{
    enum { CHUNK = 64 * 1024, N = 200000 };
    static char chunk[CHUNK + 256];
    struct count c = {0};
    size_t n = 1;
    c.r = records_new(NULL, count_rec, &c);
    chunk[0] = '[';
    for (int i = 1; i <= N; i++) {
        n += (size_t)snprintf(chunk + n, sizeof(chunk) - n,
                              "%s{\"i\":%d,\"properties\":{\"email\":"
                              "\"u%d@example.test\"}}",
                              i > 1 ? ",\n " : "", i, i);
        if (n >= CHUNK) {
            CHECK_EQ_INT(records_feed(c.r, chunk, CHUNK), REC_OK);
            memmove(chunk, chunk + CHUNK, n - CHUNK);
            n -= CHUNK;
        }
    }
    chunk[n++] = ']';
    CHECK_EQ_INT(records_feed(c.r, chunk, n), REC_OK);
    CHECK_EQ_INT(records_finish(c.r), REC_OK);
    CHECK_EQ_INT(c.n, N);
    CHECK_EQ_INT(c.bad, 0);
    CHECK(c.maxmem < 16384);
    records_free(c.r);
}

/* rec_hubspot_input: the record as {"properties"} (+ "id"), or why */
static char *hs(const char *rec, bool csv)
{
    char why[512] = "";
    json_t *in = json_loads(rec, 0, NULL);
    CHECK(in != NULL);
    json_t *out = rec_hubspot_input(in, 7, csv, why, sizeof(why));
    char *s = out ? json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS)
                  : strdup(why);
    json_decref(in);
    json_decref(out);
    return s;
}
#define CHECK_HS(rec, csv, want)                                               \
    do {                                                                       \
        char *got_ = hs(rec, csv);                                             \
        CHECK_EQ_STR(got_, want);                                              \
        free(got_);                                                            \
    } while (0)

static void test_hubspot_input(void)
{
    /* flat, vendor-path keys, a nested properties object, merged */
    CHECK_HS("{\"Email\":\"a@b.c\",\"properties.FirstName\":\"Ada\","
             "\"properties\":{\"lastname\":\"L\",\"tags\":[\"x\",1],"
             "\"phone\":null},\"id\":\"12\"}",
             false,
             "{\"id\":\"12\",\"properties\":{\"email\":\"a@b.c\","
             "\"firstname\":\"Ada\",\"lastname\":\"L\",\"phone\":null,"
             "\"tags\":[\"x\",1]}}");
    CHECK_HS("{}", false, "{\"properties\":{}}");
    /* paths that name no property */
    CHECK_HS("{\"properties.\":\"x\"}", false,
             "record 7: \"properties.\" is not a HubSpot property: a field is "
             "a property name (email) or properties.<name> (properties.email)");
    CHECK_HS("{\"a\":{\"b\":{\"c\":\"x\"}}}", true,
             "row 7: \"a.b.c\" is not a HubSpot property: a field is a "
             "property name (email) or properties.<name> (properties.email)");
    CHECK_HS("{\"a.b\":1}", false,
             "record 7: \"a.b\" is not a HubSpot property: a field is a "
             "property name (email) or properties.<name> (properties.email)");
    CHECK_HS("{\"properties\":{\"a\":{}}}", false,
             "record 7: \"properties.a\" is not a HubSpot property: a field "
             "is a property name (email) or properties.<name> "
             "(properties.email)");
    CHECK_HS("{\"\":1}", false,
             "record 7: \"\" is not a HubSpot property: a field is a property "
             "name (email) or properties.<name> (properties.email)");
    CHECK_HS("{\"properties\":\"x\"}", false,
             "record 7: \"properties\" must be an object of properties");
    CHECK_HS("{\"email\":\"a\",\"properties.EMAIL\":\"b\"}", false,
             "record 7: the property \"email\" is given twice (\"email\" "
             "and \"properties.EMAIL\")");
    /* a long name is cut on a UTF-8 boundary in the message */
    char rec[1200] = "{\"a.";
    size_t n = strlen(rec);
    for (int i = 0; i < 300; i++) {
        memcpy(rec + n, "\xc3\xa9", 2);
        n += 2;
    }
    memcpy(rec + n, "\":1}", 5);
    char *got = hs(rec, false);
    json_t *ok = json_string(got);
    CHECK(ok != NULL);
    CHECK(strlen(got) < 400);
    json_decref(ok);
    free(got);
}

int main(void)
{
    RUN(test_format_names);
    RUN(test_csv);
    RUN(test_json_array);
    RUN(test_json_lines);
    RUN(test_record_cap);
    RUN(test_resume);
    RUN(test_big_array);
    RUN(test_hubspot_input);
    return 0;
}
