/* SPDX-License-Identifier: MIT
 * bulk/multipart.c: the boundary from the Content-Type (quoted or not,
 * malformed or missing), parts with name, filename and Content-Type, data
 * pointing into the body (binary, with CRLFs and boundary look-alikes),
 * preamble and epilogue ignored, and clear errors for a part without a
 * name, bad header lines, bare LF line ends, a body cut short. */
#include <stdlib.h>
#include <string.h>

#include "bulk/multipart.h"
#include "check.h"
#include "core/arena.h"

static const char *CT = "multipart/form-data; boundary=XyZ";

/* Parse body; "name|filename|type|data" per part, or "!error". */
static char *parse(const char *ct, const char *body, size_t len)
{
    struct ed_arena *a = ed_arena_new();
    struct mp_part *parts;
    size_t n;
    char err[256], *out;
    size_t cap = 4096, o = 0;
    out = malloc(cap);
    CHECK(out != NULL);
    out[0] = '\0';
    if (multipart_parse(a, ct, body, len, &parts, &n, err, sizeof(err)) != 0) {
        snprintf(out, cap, "!%s", err);
        ed_arena_free(a);
        return out;
    }
    for (size_t i = 0; i < n; i++) {
        CHECK(parts[i].data >= body &&
              parts[i].data + parts[i].len <= body + len);
        o += (size_t)snprintf(out + o, cap - o, "%s%s|%s|%s|%.*s",
                              i ? "\n" : "", parts[i].name,
                              parts[i].filename ? parts[i].filename : "-",
                              parts[i].content_type ? parts[i].content_type
                                                    : "-",
                              (int)parts[i].len, parts[i].data);
    }
    ed_arena_free(a);
    return out;
}

#define CHECK_MP(ct, body, want)                                               \
    do {                                                                       \
        char *m_ = parse(ct, body, strlen(body));                              \
        CHECK_EQ_STR(m_, want);                                                \
        free(m_);                                                              \
    } while (0)

static void test_boundary(void)
{
    char b[MP_MAX_BOUNDARY + 1], err[200];
    CHECK(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b),
                             err, sizeof(err)) == 0);
    CHECK_EQ_STR(b, "abc");
    CHECK(multipart_boundary("Multipart/Form-Data;charset=utf-8; "
                             "BOUNDARY=\"a b:c\"",
                             b, sizeof(b), err, sizeof(err)) == 0);
    CHECK_EQ_STR(b, "a b:c");
    CHECK(multipart_boundary("multipart/form-data", b, sizeof(b), err,
                             sizeof(err)) != 0);
    CHECK_EQ_STR(err, "multipart: the Content-Type has no boundary");
    CHECK(multipart_boundary("multipart/mixed; boundary=a", b, sizeof(b), err,
                             sizeof(err)) != 0);
    CHECK_EQ_STR(err, "multipart: the Content-Type is not multipart/form-data");
    CHECK(multipart_boundary("multipart/form-datax; boundary=a", b, sizeof(b),
                             err, sizeof(err)) != 0);
    CHECK(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b),
                             err, sizeof(err)) != 0);
    CHECK_EQ_STR(err, "multipart: a malformed Content-Type parameter");
    CHECK(multipart_boundary("multipart/form-data; boundary=\"a<b\"", b,
                             sizeof(b), err, sizeof(err)) != 0);
    CHECK_EQ_STR(err, "multipart: the boundary has a character RFC 2046 does "
                      "not allow");
    CHECK(multipart_boundary("multipart/form-data; boundary=\"ab \"", b,
                             sizeof(b), err, sizeof(err)) != 0);
    CHECK(multipart_boundary("multipart/form-data; boundary="
                             "1234567890123456789012345678901234567890123456789"
                             "0123456789012345678901",
                             b, sizeof(b), err, sizeof(err)) != 0);
    CHECK(multipart_boundary("multipart/form-data; boundary="
                             "1234567890123456789012345678901234567890123456789"
                             "012345678901234567890",
                             b, sizeof(b), err, sizeof(err)) == 0);
    CHECK(multipart_boundary("multipart/form-data; boundary=a; boundary=b", b,
                             sizeof(b), err, sizeof(err)) != 0);
    CHECK(multipart_boundary("multipart/form-data; boundary=\"abc", b,
                             sizeof(b), err, sizeof(err)) != 0);
    CHECK(multipart_boundary(NULL, b, sizeof(b), err, sizeof(err)) != 0);
}

static void test_parts(void)
{
    CHECK_MP(CT,
             "preamble\r\n--XyZ\r\n"
             "Content-Disposition: form-data; name=\"metaData\"\r\n\r\n"
             "{\"format\":\"csv\"}\r\n"
             "--XyZ  \r\n"
             "content-disposition: form-data; name=file; "
             "filename=\"a \\\"b\\\".csv\"\r\n"
             "Content-Type:  text/csv \r\n\r\n"
             "id,x\r\n1,\"--XyZ\"\r\n--XyZX\r\n\r\n"
             "--XyZ\r\n"
             "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
             "\r\n--XyZ--\r\nepilogue --XyZ junk",
             "metaData|-|-|{\"format\":\"csv\"}\n"
             "file|a \"b\".csv|text/csv|id,x\r\n1,\"--XyZ\"\r\n--XyZX\r\n\n"
             "empty|-|-|");
    /* no parts at all */
    CHECK_MP(CT, "--XyZ--", "");
    /* binary data with NUL bytes is kept whole (length, not strlen) */
    {
        const char body[] = "--XyZ\r\nContent-Disposition: form-data; "
                            "name=\"b\"\r\n\r\n\0\1\r\n\0\r\n--XyZ--";
        struct ed_arena *a = ed_arena_new();
        struct mp_part *p;
        size_t n;
        char err[200];
        CHECK(multipart_parse(a, CT, body, sizeof(body) - 1, &p, &n, err,
                              sizeof(err)) == 0);
        CHECK_EQ_INT(n, 1);
        CHECK_EQ_INT(p[0].len, 5);
        CHECK(memcmp(p[0].data, "\0\1\r\n\0", 5) == 0);
        CHECK(multipart_find(p, n, "b") == &p[0]);
        CHECK(multipart_find(p, n, "c") == NULL);
        ed_arena_free(a);
    }
}

static void test_errors(void)
{
    CHECK_MP("text/csv", "x",
             "!multipart: the Content-Type is not "
             "multipart/form-data");
    CHECK_MP(CT, "no delimiter here",
             "!multipart: the body has no boundary delimiter line");
    CHECK_MP(CT, "", "!multipart: the body has no boundary delimiter line");
    CHECK_MP(CT, "--XyZ", "!multipart: the body is cut short");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
             "data with no end",
             "!multipart: part 1 (\"a\"): the body is cut short (no closing "
             "boundary)");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
             "x\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n",
             "!multipart: part 2: the body is cut short in the headers");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\n"
             "x\r\n--XyZ--",
             "!multipart: part 1 has no name");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n"
             "x\r\n--XyZ--",
             "!multipart: part 1 has no name");
    CHECK_MP(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",
             "!multipart: part 1 has no Content-Disposition");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n"
             "x\r\n--XyZ--",
             "!multipart: part 1: the Content-Disposition is not form-data");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n"
             "x\r\n--XyZ--",
             "!multipart: part 1: a malformed Content-Disposition parameter");
    CHECK_MP(CT, "--XyZ\r\nbogus line\r\n\r\nx\r\n--XyZ--",
             "!multipart: part 1: a header line is not \"Name: value\"");
    /* bare LF line ends: the header block never ends with CRLF CRLF */
    CHECK_MP(CT,
             "--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nx\n--XyZ--",
             "!multipart: the body has no boundary delimiter line");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\n"
             "x\r\n--XyZ--\r\n\r\n",
             "!multipart: part 1: a header line with a control character "
             "(lines end with CRLF)");
    CHECK_MP(CT,
             "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n"
             " folded\r\n\r\nx\r\n--XyZ--",
             "!multipart: part 1: a folded header line");
}

static void test_limits(void)
{
    /* more than MP_MAX_PARTS parts; a header block over 8 KiB */
    size_t cap = 64 * 1024, o = 0;
    char *b = malloc(cap), *g;
    CHECK(b != NULL);
    for (int i = 0; i <= MP_MAX_PARTS; i++)
        o += (size_t)snprintf(b + o, cap - o,
                              "--XyZ\r\nContent-Disposition: form-data; "
                              "name=\"p%d\"\r\n\r\nv\r\n",
                              i);
    o += (size_t)snprintf(b + o, cap - o, "--XyZ--");
    g = parse(CT, b, o);
    CHECK_EQ_STR(g, "!multipart: more than 64 parts");
    free(g);
    o = (size_t)snprintf(b, cap, "--XyZ\r\nX-Pad: ");
    memset(b + o, 'a', 9000);
    o += 9000;
    o += (size_t)snprintf(b + o, cap - o,
                          "\r\nContent-Disposition: form-data; name=\"a\"\r\n"
                          "\r\nx\r\n--XyZ--");
    g = parse(CT, b, o);
    CHECK_EQ_STR(g, "!multipart: part 1: headers over 8 KiB or not ended by "
                    "an empty CRLF line");
    free(g);
    free(b);
}

int main(void)
{
    RUN(test_boundary);
    RUN(test_parts);
    RUN(test_errors);
    RUN(test_limits);
    return 0;
}
