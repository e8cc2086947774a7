/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_TTLCACHE_H
#define ED_CORE_TTLCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A small, bounded, thread-safe cache of short-lived values keyed by a
 * 32-byte hash: direct-mapped slots (a colliding put evicts), an expiry per
 * entry, and a generation number so that one call invalidates everything.
 * Values are owned by the cache; readers get a copy made under the lock. */

struct ed_ttlcache;

typedef void *(*ed_ttlcache_copy_fn)(const void *value);
typedef void (*ed_ttlcache_free_fn)(void *value);

/* slots is rounded up to a power of two. */
struct ed_ttlcache *ed_ttlcache_new(size_t slots, ed_ttlcache_copy_fn copy,
                                    ed_ttlcache_free_fn free_fn);
void ed_ttlcache_free(struct ed_ttlcache *c);
/* A copy of the live value for key (caller owns it), or NULL. */
void *ed_ttlcache_get(struct ed_ttlcache *c, const uint8_t key[32]);
/* Store value (ownership taken) for ttl_ms, unless the cache generation
 * moved past `generation` since the caller read the data it caches. */
void ed_ttlcache_put(struct ed_ttlcache *c, const uint8_t key[32], void *value,
                     int64_t ttl_ms, uint64_t generation);
/* The current generation; read it before loading what you will put. */
uint64_t ed_ttlcache_generation(struct ed_ttlcache *c);
/* Invalidate every entry (O(1)). */
void ed_ttlcache_invalidate(struct ed_ttlcache *c);

#endif
