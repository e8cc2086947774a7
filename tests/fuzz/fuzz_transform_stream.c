/* SPDX-License-Identifier: MIT
 * libFuzzer target for transform/stream.c (streaming fromVendor). The
 * input is a flags byte, then either a vendor record, or (flag 0x10) a
 * transformation document on one line followed by the record.
 *   flags & 0x01  drop nulls
 *   flags & 0x02  classic id "vid"
 *   flags & 0x0c  which built-in transformation (without 0x10)
 * Besides crashes and sanitizer reports it checks the contract and aborts
 * when it breaks:
 *  - a record the native reshaper (hub/jsonfilter.c) accepts whole streams
 *    to its end; what the stream accepts, the reshaper accepts;
 *  - the streamed text is JSON, and equals (members, order, values)
 *    tf_map_from_vendor of the native shape whenever jansson reads that
 *    shape (it refuses \u0000, lone surrogates, integers past int64);
 *  - a refusal, or an output cap too small, leaves out as it was.
 * CTest replays corpus/transform_stream and regressions/transform_stream
 * through replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "hub/jsonfilter.h"
#include "transform/transform.h"

#define INPUT_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const MAPS[4] = {
    /* the §7.2 example */
    "{\"vendorName\":\"contacts\",\"fields\":["
    "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"vid\"},"
    "{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":"
    "\"properties.email\"},"
    "{\"path\":\"signedUp\",\"type\":\"date\",\"vendorPath\":"
    "\"properties.createdate\",\"vendorType\":\"date\",\"configuration\":["
    "{\"type\":\"transformDate\",\"properties\":{\"pattern\":\"yyyy-MM-dd\"}}"
    "]},"
    "{\"path\":\"internalNote\",\"vendorPath\":\"properties.notes\","
    "\"configuration\":[{\"type\":\"remove\"}]}]}",
    /* every conversion */
    "{\"vendorName\":\"contacts\",\"fields\":["
    "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"vid\"},"
    "{\"path\":\"n\",\"type\":\"number\",\"vendorPath\":\"properties.n\"},"
    "{\"path\":\"b\",\"type\":\"boolean\",\"vendorPath\":\"properties.b\"},"
    "{\"path\":\"d\",\"type\":\"date\",\"vendorPath\":\"properties.d\"},"
    "{\"path\":\"s\",\"type\":\"string\",\"vendorPath\":\"properties.s\"},"
    "{\"path\":\"ms\",\"vendorPath\":\"properties.ms\",\"configuration\":[{"
    "\"type\":\"transformDate\",\"properties\":{\"pattern\":"
    "\"milliseconds\"}}]},"
    "{\"path\":\"day\",\"vendorPath\":\"properties.day\",\"configuration\":[{"
    "\"type\":\"transformDate\",\"properties\":{\"pattern\":"
    "\"dd/MM/yy 'h' HH:mm:ss.SSS XXX\"}}]},"
    "{\"path\":\"a\",\"type\":\"array[number]\",\"vendorPath\":"
    "\"properties.a\"},"
    "{\"path\":\"as\",\"type\":\"array[string]\",\"vendorPath\":"
    "\"properties.as\"},"
    "{\"path\":\"ad\",\"type\":\"array[date]\",\"vendorPath\":"
    "\"properties.ad\"},"
    "{\"path\":\"any\",\"type\":\"array\",\"vendorPath\":\"properties.any\"},"
    "{\"path\":\"raw\",\"vendorPath\":\"properties.raw\"}]}",
    /* nested output, interleaved groups, a whole object and its member */
    "{\"vendorName\":\"c\",\"fields\":["
    "{\"path\":\"x.p\",\"vendorPath\":\"p\"},"
    "{\"path\":\"y\",\"type\":\"string\",\"vendorPath\":\"y\"},"
    "{\"path\":\"x.q\",\"type\":\"number\",\"vendorPath\":\"q.r\"},"
    "{\"path\":\"z.r.s\",\"vendorPath\":\"q\"},"
    "{\"path\":\"x.t\",\"vendorPath\":\"q.r.t\"},"
    "{\"path\":\"z.u\",\"type\":\"boolean\",\"vendorPath\":\"vid\"}]}",
    /* names that need escapes, unicode */
    "{\"vendorName\":\"c\",\"fields\":["
    "{\"path\":\"q\\\"uo\\\\te\",\"vendorPath\":\"a\\\"b\"},"
    "{\"path\":\"caf\\u00e9.\\u2028/x\",\"vendorPath\":\"caf\\u00e9\"},"
    "{\"path\":\"e\",\"type\":\"string\",\"vendorPath\":\"\\ud83d\\ude00."
    "\\\\\"},"
    "{\"path\":\"id\",\"type\":\"number\",\"vendorPath\":\"id\"}]}",
};

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_transform_stream: contract broken: %s\n", what);
        abort();
    }
}

static struct tf_map *map_of(const char *text, size_t n)
{
    char err[300];
    json_t *t = json_loadb(text, n, 0, NULL);
    struct tf_map *m = t ? tf_map_compile("fz", t, NULL, err, sizeof(err))
                         : NULL;
    json_decref(t);
    return m;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static void check(const struct tf_map *m, const char *rec, size_t len,
                  bool drop, const char *classic)
{
    struct tf_stream_opts o = {classic, drop};
    struct ed_buf out, nat;
    const char *end = rec + len, *q;
    bool whole;

    ed_buf_init(&out, 1 << 20);
    ed_buf_init(&nat, 1 << 20);
    ed_buf_append(&out, "[", 1);
    q = tf_map_stream_record(m, rec, end, &o, &out);
    whole = len && rec[0] == '{' &&
            jsonfilter_copy(rec, len, drop, classic, NULL) == ED_OK;
    if (whole)
        require(q && skip_ws(q, end) == end,
                "a record the reshaper takes streams to its end");
    if (!q) {
        require(out.len == 1 && strcmp(out.data, "[") == 0,
                "a refusal leaves out as it was");
        goto done;
    }
    require(q > rec && q <= end && q[-1] == '}', "ends after the record");
    require(jsonfilter_copy(rec, (size_t)(q - rec), drop, classic, &nat) ==
                ED_OK,
            "what streams, the reshaper takes");
    json_t *native = json_loads(nat.data, 0, NULL);
    if (native) {
        json_t *want = tf_map_from_vendor(m, native);
        json_t *got = json_loads(out.data + 1, 0, NULL);
        char *ws = json_dumps(want, JSON_COMPACT);
        char *gs = got ? json_dumps(got, JSON_COMPACT) : NULL;
        if (!gs || strcmp(ws, gs) != 0)
            fprintf(stderr, "record:   %.*s\nstreamed: %s\nwant:     %s\n",
                    (int)(q - rec), rec, out.data + 1, ws);
        require(gs != NULL, "the streamed text is JSON");
        require(strcmp(ws, gs) == 0, "streamed == fromVendor(native shape)");
        free(ws);
        free(gs);
        json_decref(got);
        json_decref(want);
        json_decref(native);
    }
    /* the same with a cap one byte short: refused, out untouched */
    {
        struct ed_buf small;
        size_t n = out.len - 1;
        ed_buf_init(&small, n);
        ed_buf_append(&small, "[", 1);
        require(tf_map_stream_record(m, rec, end, &o, &small) == NULL,
                "a cap too small refuses");
        require(small.len == 1 && strcmp(small.data, "[") == 0,
                "a cap refusal leaves out as it was");
        ed_buf_cleanup(&small);
    }
done:
    ed_buf_cleanup(&out);
    ed_buf_cleanup(&nat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tf_map *builtin[4];
    struct tf_map *own = NULL;
    const struct tf_map *m;
    const char *rec;
    size_t len;
    char *buf = NULL;
    uint8_t flags;

    if (size < 1 || size > INPUT_MAX)
        return 0;
    if (!builtin[0])
        for (int i = 0; i < 4; i++) {
            builtin[i] = map_of(MAPS[i], strlen(MAPS[i]));
            require(builtin[i] && tf_map_streamable(builtin[i]),
                    "built-in maps stream");
        }
    flags = data[0];
    rec = (const char *)data + 1;
    len = size - 1;
    if (flags & 0x10) {
        const char *nl = memchr(rec, '\n', len);
        if (!nl)
            return 0;
        own = map_of(rec, (size_t)(nl - rec));
        if (!own || !tf_map_streamable(own))
            goto out;
        len -= (size_t)(nl + 1 - rec);
        rec = nl + 1;
        m = own;
    } else {
        m = builtin[(flags >> 2) & 3];
    }
    /* a copy of exactly the record: reads past it are caught by ASan */
    buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    memcpy(buf, rec, len);
    check(m, buf, len, flags & 1, flags & 2 ? "vid" : NULL);
out:
    tf_map_free(own);
    free(buf);
    return 0;
}
