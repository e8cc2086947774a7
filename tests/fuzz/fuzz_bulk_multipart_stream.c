/* SPDX-License-Identifier: MIT
 * libFuzzer target for the push parser of bulk/multipart.c. The input is a
 * Content-Type line, a newline, then the body. The body is fed to
 * multipart_stream_* in pieces whose sizes come from a hash of the input
 * (1 byte to the whole body, several splits per input), and each result
 * is compared with multipart_parse on the whole body: the same verdict, the
 * same error message, the same parts (name, filename, Content-Type, data)
 * in the same order. The one allowed difference is the push parser's
 * bound on blanks after a delimiter (MP_HOLD_MAX), which multipart_parse
 * does not have. CTest replays corpus/bulk_multipart_stream and
 * regressions/bulk_multipart_stream through replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/multipart.h"
#include "core/arena.h"

#define INPUT_MAX (256 * 1024)
#define SPLITS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_bulk_multipart_stream: contract broken: %s\n",
                what);
        abort();
    }
}

struct got {
    struct mp_part parts[MP_MAX_PARTS];
    char *data[MP_MAX_PARTS];
    size_t n, cap[MP_MAX_PARTS];
    int ended;
};

static int on_begin(void *ud, const struct mp_part *p)
{
    struct got *g = ud;
    require(g->n < MP_MAX_PARTS, "part cap");
    require(g->ended == (int)g->n, "a part ends before the next begins");
    g->parts[g->n] = *p;
    g->parts[g->n].len = 0;
    g->data[g->n] = NULL;
    g->cap[g->n] = 0;
    g->n++;
    return 0;
}

static int on_data(void *ud, const char *d, size_t n)
{
    struct got *g = ud;
    require(g->n > 0 && g->ended == (int)g->n - 1, "data inside a part");
    require(n > 0, "no empty data calls");
    size_t i = g->n - 1;
    struct mp_part *p = &g->parts[i];
    if (p->len + n > g->cap[i]) {
        g->cap[i] = (p->len + n) * 2;
        g->data[i] = realloc(g->data[i], g->cap[i]);
        require(g->data[i] != NULL, "memory");
    }
    memcpy(g->data[i] + p->len, d, n);
    p->len += n;
    return 0;
}

static int on_end(void *ud)
{
    struct got *g = ud;
    require(g->ended == (int)g->n - 1, "end after begin");
    g->ended++;
    return 0;
}

static const struct mp_stream_cb cb = {on_begin, on_data, on_end};

static int streq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl;
    char *ct, *body, err[256], serr[256];
    size_t ctlen, blen, n = 0;
    struct mp_part *parts = NULL;
    struct ed_arena *a;
    int rc;
    uint64_t h = 1469598103934665603ULL;

    if (size > INPUT_MAX)
        return 0;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    nl = memchr(data, '\n', size);
    ctlen = nl ? (size_t)(nl - data) : size;
    ct = malloc(ctlen + 1);
    require(ct != NULL, "memory");
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    blen = nl ? size - ctlen - 1 : 0;
    body = malloc(blen ? blen : 1);
    require(body != NULL, "memory");
    if (blen)
        memcpy(body, nl + 1, blen);

    a = ed_arena_new();
    rc = multipart_parse(a, ct, body, blen, &parts, &n, err, sizeof(err));
    for (int split = 0; split < SPLITS; split++) {
        struct got g;
        memset(&g, 0, sizeof(g));
        serr[0] = '\0';
        struct mp_stream *s = multipart_stream_new(a, ct, &cb, &g, serr,
                                                   sizeof(serr));
        int src;
        if (!s) {
            src = -1;
        } else {
            /* piece sizes: 1, then from the hash, then the whole body */
            size_t off = 0, piece;
            uint64_t x = h + (uint64_t)split * 0x9e3779b97f4a7c15ULL;
            src = 0;
            while (off < blen && src == 0) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                piece = split == 0   ? 1
                        : split == 3 ? blen
                                     : 1 + (size_t)(x % (split == 1 ? 7 : 300));
                if (piece > blen - off)
                    piece = blen - off;
                /* each piece in its own allocation: ASan sees overreads */
                char *p = malloc(piece);
                require(p != NULL, "memory");
                memcpy(p, body + off, piece);
                src = multipart_stream_feed(s, p, piece, serr, sizeof(serr));
                free(p);
                off += piece;
            }
            if (src == 0)
                src = multipart_stream_finish(s, serr, sizeof(serr));
            multipart_stream_free(s);
        }
        require(src == 0 || src == -1, "no callback stops here");
        if (src == -1 &&
            strcmp(serr, "multipart: a delimiter line with too many blanks") ==
                0)
            goto next;
        require(src == rc, "same verdict as multipart_parse");
        if (rc == 0) {
            require(g.n == n, "same number of parts");
            require(g.ended == (int)n, "every part ended");
            for (size_t i = 0; i < n; i++) {
                require(streq(g.parts[i].name, parts[i].name), "same name");
                require(streq(g.parts[i].filename, parts[i].filename),
                        "same filename");
                require(streq(g.parts[i].content_type, parts[i].content_type),
                        "same content type");
                require(g.parts[i].len == parts[i].len, "same data length");
                require(parts[i].len == 0 ||
                            memcmp(g.data[i], parts[i].data, parts[i].len) == 0,
                        "same data");
            }
        } else {
            require(strcmp(serr, err) == 0, "same error message");
        }
    next:
        for (size_t i = 0; i < g.n; i++)
            free(g.data[i]);
    }
    ed_arena_free(a);
    free(body);
    free(ct);
    return 0;
}
