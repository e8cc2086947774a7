/* SPDX-License-Identifier: MIT
 * Direct-mapped TTL cache with striped locks (see ttlcache.h). Invalidation
 * bumps an atomic generation; entries from an older generation are dead. */
#include "core/ttlcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeutil.h"

#define STRIPES 64

struct entry {
    uint8_t key[32];
    void *value;
    int64_t expires_ms;
    uint64_t generation;
};

struct ed_ttlcache {
    struct entry *slots;
    size_t mask;
    ed_ttlcache_copy_fn copy;
    ed_ttlcache_free_fn free_fn;
    atomic_uint_fast64_t generation;
    pthread_mutex_t locks[STRIPES];
};

struct ed_ttlcache *ed_ttlcache_new(size_t slots, ed_ttlcache_copy_fn copy,
                                    ed_ttlcache_free_fn free_fn)
{
    size_t n = 1;
    while (n < slots)
        n <<= 1;
    struct ed_ttlcache *c = ed_calloc(1, sizeof(*c));
    c->slots = ed_calloc(n, sizeof(struct entry));
    c->mask = n - 1;
    c->copy = copy;
    c->free_fn = free_fn;
    atomic_init(&c->generation, 1);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void ed_ttlcache_free(struct ed_ttlcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        if (c->slots[i].value)
            c->free_fn(c->slots[i].value);
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c->slots);
    free(c);
}

static size_t slot_of(const struct ed_ttlcache *c, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    return (size_t)h & c->mask;
}

void *ed_ttlcache_get(struct ed_ttlcache *c, const uint8_t key[32])
{
    size_t i = slot_of(c, key);
    pthread_mutex_t *lock = &c->locks[i % STRIPES];
    void *out = NULL;
    pthread_mutex_lock(lock);
    struct entry *e = &c->slots[i];
    if (e->value && memcmp(e->key, key, 32) == 0 &&
        e->generation == atomic_load(&c->generation) &&
        e->expires_ms > ed_now_ms())
        out = c->copy(e->value);
    pthread_mutex_unlock(lock);
    return out;
}

void ed_ttlcache_put(struct ed_ttlcache *c, const uint8_t key[32], void *value,
                     int64_t ttl_ms, uint64_t generation)
{
    size_t i = slot_of(c, key);
    pthread_mutex_t *lock = &c->locks[i % STRIPES];
    void *old = NULL;
    if (ttl_ms <= 0 || generation != atomic_load(&c->generation)) {
        c->free_fn(value);
        return;
    }
    pthread_mutex_lock(lock);
    struct entry *e = &c->slots[i];
    old = e->value;
    memcpy(e->key, key, 32);
    e->value = value;
    e->expires_ms = ed_now_ms() + ttl_ms;
    e->generation = generation;
    pthread_mutex_unlock(lock);
    if (old)
        c->free_fn(old);
}

uint64_t ed_ttlcache_generation(struct ed_ttlcache *c)
{
    return atomic_load(&c->generation);
}

void ed_ttlcache_invalidate(struct ed_ttlcache *c)
{
    atomic_fetch_add(&c->generation, 1);
}
