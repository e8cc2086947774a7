/* SPDX-License-Identifier: MIT
 * Capped dynamic buffer (after curl's dynbuf): growth doubles, never past cap. */
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void ed_buf_init(struct ed_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = b->alloc = 0;
    b->cap = cap;
}

void ed_buf_cleanup(struct ed_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void ed_buf_reset(struct ed_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void ed_buf_reserve(struct ed_buf *b, size_t n)
{
    size_t want = b->len + n + 1;
    if (want > b->cap + 1)
        want = b->cap + 1;
    if (want > b->alloc) {
        b->data = ed_realloc(b->data, want);
        if (b->alloc == 0)
            b->data[0] = '\0';
        b->alloc = want;
    }
}

enum ed_err ed_buf_append(struct ed_buf *b, const void *p, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return ED_ERR_TOO_LARGE;
    if (b->len + n + 1 > b->alloc) {
        size_t na = b->alloc ? b->alloc : 256;
        while (na < b->len + n + 1)
            na *= 2;
        if (na > b->cap + 1)
            na = b->cap + 1;
        b->data = ed_realloc(b->data, na);
        b->alloc = na;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return ED_OK;
}

enum ed_err ed_buf_appends(struct ed_buf *b, const char *s)
{
    return ed_buf_append(b, s, strlen(s));
}

enum ed_err ed_buf_printf(struct ed_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return ED_ERR_INVALID;
    if ((size_t)n < sizeof(small))
        return ed_buf_append(b, small, (size_t)n);
    char *big = ed_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    enum ed_err e = ed_buf_append(b, big, (size_t)n);
    free(big);
    return e;
}

char *ed_buf_take(struct ed_buf *b)
{
    char *p = b->data ? b->data : ed_strdup("");
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
