/* SPDX-License-Identifier: MIT
 * bulk/multipart.c, the push parser: every body of the in-memory parser's
 * tests, fed in pieces of every size from 1 byte to the whole body, gives
 * the same parts or the same error; a callback that refuses stops the
 * parser for good (-2); blanks after a delimiter are bounded; a part's
 * data comes in pieces that never hold the delimiter. */
#include <stdlib.h>
#include <string.h>

#include "bulk/multipart.h"
#include "check.h"
#include "core/arena.h"

static const char *CT = "multipart/form-data; boundary=XyZ";

struct out {
    char buf[16384];
    size_t len;
    int stop_at; /* part_data call that refuses (0: none) */
    int calls;
};

static void put(struct out *o, const char *s, size_t n)
{
    CHECK(o->len + n < sizeof(o->buf));
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static int on_begin(void *ud, const struct mp_part *p)
{
    struct out *o = ud;
    if (o->len)
        put(o, "\n", 1);
    const char *f = p->filename ? p->filename : "-";
    const char *t = p->content_type ? p->content_type : "-";
    put(o, p->name, strlen(p->name));
    put(o, "|", 1);
    put(o, f, strlen(f));
    put(o, "|", 1);
    put(o, t, strlen(t));
    put(o, "|", 1);
    return 0;
}

static int on_data(void *ud, const char *d, size_t n)
{
    struct out *o = ud;
    CHECK(n > 0);
    CHECK(memmem(d, n, "\r\n--XyZ\r\n", 9) == NULL);
    if (++o->calls == o->stop_at)
        return 1;
    put(o, d, n);
    return 0;
}

static int on_end(void *ud)
{
    (void)ud;
    return 0;
}

static const struct mp_stream_cb cb = {on_begin, on_data, on_end};

/* Parse body in pieces of `piece` bytes: "name|filename|type|data" per
 * part (as the in-memory test prints them), or "!error". */
static void stream(const char *ct, const char *body, size_t len, size_t piece,
                   struct out *o)
{
    struct ed_arena *a = ed_arena_new();
    char err[256];
    int rc = 0;
    memset(o, 0, sizeof(*o));
    struct mp_stream *s = multipart_stream_new(a, ct, &cb, o, err, sizeof(err));
    if (!s) {
        rc = -1;
    } else {
        for (size_t off = 0; off < len && rc == 0; off += piece)
            rc = multipart_stream_feed(s, body + off,
                                       len - off < piece ? len - off : piece,
                                       err, sizeof(err));
        if (rc == 0)
            rc = multipart_stream_finish(s, err, sizeof(err));
        multipart_stream_free(s);
    }
    if (rc != 0) {
        o->len = 0;
        put(o, "!", 1);
        put(o, err, strlen(err));
    }
    ed_arena_free(a);
}

/* The in-memory parser's view, in the same format. */
static void whole(const char *ct, const char *body, size_t len, struct out *o)
{
    struct ed_arena *a = ed_arena_new();
    struct mp_part *p;
    size_t n;
    char err[256];
    memset(o, 0, sizeof(*o));
    if (multipart_parse(a, ct, body, len, &p, &n, err, sizeof(err)) != 0) {
        put(o, "!", 1);
        put(o, err, strlen(err));
    } else {
        for (size_t i = 0; i < n; i++) {
            on_begin(o, &p[i]);
            put(o, p[i].data, p[i].len);
        }
    }
    ed_arena_free(a);
}

static void same(const char *ct, const char *body, size_t len)
{
    static struct out w, s;
    whole(ct, body, len, &w);
    for (size_t piece = 1; piece <= len + 1; piece++) {
        stream(ct, body, len, piece, &s);
        CHECK_EQ_STR(s.buf, w.buf);
    }
}

#define SAME(ct, body) same(ct, body, strlen(body))

static void test_same_as_whole(void)
{
    SAME(CT, "preamble\r\n--XyZ\r\n"
             "Content-Disposition: form-data; name=\"metaData\"\r\n\r\n"
             "{\"format\":\"csv\"}\r\n"
             "--XyZ  \r\n"
             "content-disposition: form-data; name=file; "
             "filename=\"a \\\"b\\\".csv\"\r\n"
             "Content-Type:  text/csv \r\n\r\n"
             "id,x\r\n1,\"--XyZ\"\r\n--XyZX\r\n\r\n\r\r\n\r\n-\r\n--Xy\r\n"
             "--XyZ\r\n"
             "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
             "\r\n--XyZ--\r\nepilogue --XyZ junk");
    SAME(CT, "--XyZ--");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n"
             "--XyZ--");
    SAME(CT, "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
             "x\r\n--XyZ \t \r\n"
             "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
             "y\r\n--XyZ-x\r\n--XyZ\r\r\n--XyZ--");
    SAME("text/csv", "x");
    SAME(CT, "no delimiter here");
    SAME(CT, "");
    SAME(CT, "--XyZ");
    SAME(CT, "--XyZ   ");
    SAME(CT, "--XyZ-");
    SAME(CT, "--XyZ\r");
    SAME(CT, "--Xy");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
             "data with no end\r\n--XyZ");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
             "x\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\n"
             "x\r\n--XyZ--");
    SAME(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--");
    SAME(CT, "--XyZ\r\nbogus line\r\n\r\nx\r\n--XyZ--");
    SAME(CT, "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nx\n--XyZ--");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\n"
             "x\r\n--XyZ--\r\n\r\n");
    SAME(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
             " folded\r\n\r\nx\r\n--XyZ--");
    SAME(CT, "--XyZ\r\n\r");
    /* binary data with NUL bytes */
    {
        const char body[] = "--XyZ\r\nContent-Disposition: form-data; "
                            "name=\"b\"\r\n\r\n\0\1\r\n\0\r\n--XyZ--";
        same(CT, body, sizeof(body) - 1);
    }
}

static void test_limits(void)
{
    size_t cap = 64 * 1024, o = 0;
    char *b = malloc(cap);
    CHECK(b != NULL);
    for (int i = 0; i <= MP_MAX_PARTS; i++)
        o += (size_t)snprintf(b + o, cap - o,
                              "--XyZ\r\nContent-Disposition: form-data; "
                              "name=\"p%d\"\r\n\r\nv\r\n",
                              i);
    o += (size_t)snprintf(b + o, cap - o, "--XyZ--");
    same(CT, b, o);
    /* a header block over 8 KiB */
    o = (size_t)snprintf(b, cap, "--XyZ\r\nX-Long: ");
    memset(b + o, 'a', 9000);
    o += 9000;
    o += (size_t)snprintf(b + o, cap - o,
                          "\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                          "\r\nx\r\n--XyZ--");
    same(CT, b, o);
    /* blanks after a delimiter: bounded */
    o = (size_t)snprintf(b, cap,
                         "--XyZ\r\nContent-Disposition: form-data; "
                         "name=\"a\"\r\n\r\nx\r\n--XyZ");
    memset(b + o, ' ', MP_HOLD_MAX + 100);
    o += MP_HOLD_MAX + 100;
    o += (size_t)snprintf(b + o, cap - o, "\r\n--XyZ--");
    struct out *s = malloc(sizeof(*s));
    CHECK(s != NULL);
    stream(CT, b, o, 1000, s);
    CHECK_EQ_STR(s->buf, "!multipart: a delimiter line with too many blanks");
    free(s);
    free(b);
}

static void test_stop(void)
{
    static const char body[] =
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
        "one\r\ntwo\r\n--XyZ--";
    struct ed_arena *a = ed_arena_new();
    struct out o;
    char err[128] = "";
    memset(&o, 0, sizeof(o));
    o.stop_at = 2;
    struct mp_stream *s = multipart_stream_new(a, CT, &cb, &o, err,
                                               sizeof(err));
    CHECK(s != NULL);
    int rc = 0;
    for (size_t i = 0; i < sizeof(body) - 1 && rc == 0; i++)
        rc = multipart_stream_feed(s, body + i, 1, err, sizeof(err));
    CHECK_EQ_INT(rc, -2);
    CHECK_EQ_INT(multipart_stream_feed(s, "x", 1, err, sizeof(err)), -2);
    CHECK_EQ_INT(multipart_stream_finish(s, err, sizeof(err)), -2);
    CHECK_EQ_INT(multipart_stream_parts(s), 1);
    multipart_stream_free(s);
    /* no boundary: no parser */
    CHECK(multipart_stream_new(a, "text/plain", &cb, &o, err, sizeof(err)) ==
          NULL);
    CHECK_EQ_STR(err, "multipart: the Content-Type is not multipart/form-data");
    ed_arena_free(a);
}

int main(void)
{
    RUN(test_same_as_whole);
    RUN(test_limits);
    RUN(test_stop);
    return 0;
}
