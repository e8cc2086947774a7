/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_ARENA_H
#define ED_CORE_ARENA_H
#include <stddef.h>

/* A per-request bump allocator: allocations live until ed_arena_free().
 * Handlers allocate from req->arena and free nothing. */
struct ed_arena;

struct ed_arena *ed_arena_new(void);
void ed_arena_free(struct ed_arena *a);
/* Zeroed, 16-byte aligned memory owned by the arena. */
void *ed_arena_alloc(struct ed_arena *a, size_t n);
char *ed_arena_strdup(struct ed_arena *a, const char *s);
char *ed_arena_strndup(struct ed_arena *a, const char *s, size_t n);
char *ed_arena_printf(struct ed_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
