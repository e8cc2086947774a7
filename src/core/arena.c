/* SPDX-License-Identifier: MIT
 * Bump arena made of a linked list of chunks; large requests get their own
 * chunk so the common small allocations stay in 8 KiB blocks. */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define ARENA_CHUNK 8192

struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

struct ed_arena {
    struct chunk *head;
};

struct ed_arena *ed_arena_new(void)
{
    return ed_calloc(1, sizeof(struct ed_arena));
}

void ed_arena_free(struct ed_arena *a)
{
    if (!a)
        return;
    struct chunk *c = a->head;
    while (c) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *ed_arena_alloc(struct ed_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK / 2 ? n : ARENA_CHUNK;
        struct chunk *nc = ed_malloc(sizeof(*nc) + cap);
        nc->used = 0;
        nc->cap = cap;
        if (n > ARENA_CHUNK / 2 && c) {
            /* big block: keep the current chunk at the head for small ones */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->head = nc;
        }
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ed_arena_strndup(struct ed_arena *a, const char *s, size_t n)
{
    char *p = ed_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ed_arena_strdup(struct ed_arena *a, const char *s)
{
    return ed_arena_strndup(a, s, strlen(s));
}

char *ed_arena_printf(struct ed_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ed_arena_strdup(a, "");
    char *p = ed_arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
