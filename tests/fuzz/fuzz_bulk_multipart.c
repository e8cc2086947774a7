/* SPDX-License-Identifier: MIT
 * libFuzzer target for bulk/multipart.c. The input is a Content-Type line,
 * a newline, then the body. Besides crashes and sanitizer reports it
 * checks the parser's contract and aborts when it breaks: on success every
 * part has a non-empty name and its data lies inside the body, parts come
 * in body order without overlapping, at most MP_MAX_PARTS; on failure the
 * message starts "multipart:" and fits its buffer. CTest replays
 * corpus/bulk_multipart and regressions/bulk_multipart through replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk/multipart.h"
#include "core/arena.h"

#define INPUT_MAX (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_bulk_multipart: contract broken: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl;
    char *ct, *body, err[128], tiny[8];
    size_t ctlen, blen, n = 0, n2 = 0;
    struct mp_part *parts = NULL, *parts2 = NULL;
    struct ed_arena *a;
    int rc, rc2;

    if (size > INPUT_MAX)
        return 0;
    nl = memchr(data, '\n', size);
    ctlen = nl ? (size_t)(nl - data) : size;
    ct = malloc(ctlen + 1);
    if (!ct)
        abort();
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    blen = nl ? size - ctlen - 1 : 0;
    /* the body in its own allocation, so ASan sees reads past it */
    body = malloc(blen ? blen : 1);
    if (!body)
        abort();
    if (blen)
        memcpy(body, nl + 1, blen);

    a = ed_arena_new();
    rc = multipart_parse(a, ct, body, blen, &parts, &n, err, sizeof(err));
    rc2 = multipart_parse(a, ct, body, blen, &parts2, &n2, tiny, sizeof(tiny));
    require(rc == rc2, "the error buffer size does not change the verdict");
    if (rc == 0) {
        const char *prev = body;
        require(n <= MP_MAX_PARTS, "part cap");
        for (size_t i = 0; i < n; i++) {
            require(parts[i].name && parts[i].name[0], "parts have names");
            require(parts[i].data >= prev &&
                        parts[i].data + parts[i].len <= body + blen,
                    "data inside the body, in order");
            prev = parts[i].data + parts[i].len;
            require(multipart_find(parts, n, parts[i].name) != NULL, "find");
        }
    } else {
        require(strncmp(err, "multipart:", 10) == 0, "error prefix");
        require(strlen(tiny) < sizeof(tiny), "error fits its buffer");
        require(n == 0 && parts == NULL, "no parts on failure");
    }
    ed_arena_free(a);
    free(body);
    free(ct);
    return 0;
}
