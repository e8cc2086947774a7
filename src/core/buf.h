/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_BUF_H
#define ED_CORE_BUF_H
#include <stddef.h>

#include "core/errors.h"

/* A growable byte buffer with a hard cap set at init; appending past the cap
 * fails with ED_ERR_TOO_LARGE and leaves the content unchanged. The data is
 * always NUL-terminated. */
struct ed_buf {
    char *data;
    size_t len, alloc, cap;
};

void ed_buf_init(struct ed_buf *b, size_t cap);
void ed_buf_cleanup(struct ed_buf *b);
void ed_buf_reset(struct ed_buf *b);
/* Make room for n more bytes up front (fewer reallocations); bounded by
 * the cap, so it never fails. */
void ed_buf_reserve(struct ed_buf *b, size_t n);
enum ed_err ed_buf_append(struct ed_buf *b, const void *p, size_t n);
enum ed_err ed_buf_appends(struct ed_buf *b, const char *s);
enum ed_err ed_buf_printf(struct ed_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hand the heap string to the caller (who frees it); the buffer is reset. */
char *ed_buf_take(struct ed_buf *b);

#endif
