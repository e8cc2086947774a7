/* SPDX-License-Identifier: MIT
 * core/arena: zeroed, aligned allocations that survive until the arena is
 * freed, including blocks larger than a chunk. */
#include <stdint.h>

#include "check.h"
#include "core/arena.h"

static void test_alloc_aligned_zeroed(void)
{
    struct ed_arena *a = ed_arena_new();
    for (size_t n = 1; n < 200; n += 7) {
        unsigned char *p = ed_arena_alloc(a, n);
        CHECK(((uintptr_t)p & 15) == 0);
        for (size_t i = 0; i < n; i++)
            CHECK(p[i] == 0);
        memset(p, 0xAB, n);
    }
    ed_arena_free(a);
}

static void test_strings(void)
{
    struct ed_arena *a = ed_arena_new();
    char *s = ed_arena_strdup(a, "hello");
    char *t = ed_arena_strndup(a, "abcdef", 3);
    char *u = ed_arena_printf(a, "%s-%d-%s", s, 42, t);
    CHECK_EQ_STR(s, "hello");
    CHECK_EQ_STR(t, "abc");
    CHECK_EQ_STR(u, "hello-42-abc");
    CHECK_EQ_STR(ed_arena_printf(a, "%s", ""), "");
    ed_arena_free(a);
}

static void test_many_and_large(void)
{
    struct ed_arena *a = ed_arena_new();
    char *first = ed_arena_strdup(a, "first");
    char *ptrs[2000];
    /* many small allocations span several chunks */
    for (int i = 0; i < 2000; i++)
        ptrs[i] = ed_arena_printf(a, "item-%d", i);
    /* a block larger than a chunk, then more small ones */
    unsigned char *big = ed_arena_alloc(a, 100000);
    memset(big, 0x5A, 100000);
    char *after = ed_arena_strdup(a, "after");
    for (int i = 0; i < 2000; i++) {
        char want[32];
        snprintf(want, sizeof(want), "item-%d", i);
        CHECK_EQ_STR(ptrs[i], want);
    }
    CHECK_EQ_STR(first, "first");
    CHECK_EQ_STR(after, "after");
    CHECK(big[0] == 0x5A && big[99999] == 0x5A);
    ed_arena_free(a);
    ed_arena_free(NULL); /* no-op */
}

int main(void)
{
    RUN(test_alloc_aligned_zeroed);
    RUN(test_strings);
    RUN(test_many_and_large);
    return 0;
}
