/* SPDX-License-Identifier: MIT
 * Per-address connection counts: a chained hash table under one mutex. An
 * entry lives while its address has open connections. */
#include "http/connlimit.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define NBUCKETS 4096u

struct entry {
    struct entry *next;
    uint8_t key[16];
    size_t n;
};

struct connlimit {
    pthread_mutex_t lock;
    size_t cap;
    struct entry *buckets[NBUCKETS];
};

/* The address as 16 bytes (IPv4 as v4-mapped IPv6); false if not IP. */
static bool addr_key(const struct sockaddr *sa, uint8_t key[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memcpy(key, mapped, 12);
        memcpy(key + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        return true;
    }
    return false;
}

static unsigned bucket(const uint8_t key[16])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % NBUCKETS;
}

static struct entry **find(struct connlimit *cl, const uint8_t key[16])
{
    struct entry **pp = &cl->buckets[bucket(key)];
    while (*pp && memcmp((*pp)->key, key, 16) != 0)
        pp = &(*pp)->next;
    return pp;
}

struct connlimit *connlimit_new(size_t cap)
{
    struct connlimit *cl = ed_calloc(1, sizeof(*cl));
    pthread_mutex_init(&cl->lock, NULL);
    cl->cap = cap;
    return cl;
}

void connlimit_free(struct connlimit *cl)
{
    if (!cl)
        return;
    for (unsigned i = 0; i < NBUCKETS; i++)
        for (struct entry *e = cl->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e);
        }
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

size_t connlimit_count(struct connlimit *cl, const struct sockaddr *addr)
{
    uint8_t key[16];
    size_t n = 0;
    if (!addr_key(addr, key))
        return 0;
    pthread_mutex_lock(&cl->lock);
    struct entry **pp = find(cl, key);
    if (*pp)
        n = (*pp)->n;
    pthread_mutex_unlock(&cl->lock);
    return n;
}

bool connlimit_admit(struct connlimit *cl, const struct sockaddr *addr)
{
    return connlimit_count(cl, addr) < cl->cap;
}

void connlimit_add(struct connlimit *cl, const struct sockaddr *addr)
{
    uint8_t key[16];
    if (!addr_key(addr, key))
        return;
    pthread_mutex_lock(&cl->lock);
    struct entry **pp = find(cl, key);
    if (!*pp) {
        *pp = ed_calloc(1, sizeof(**pp));
        memcpy((*pp)->key, key, 16);
    }
    (*pp)->n++;
    pthread_mutex_unlock(&cl->lock);
}

void connlimit_del(struct connlimit *cl, const struct sockaddr *addr)
{
    uint8_t key[16];
    if (!addr_key(addr, key))
        return;
    pthread_mutex_lock(&cl->lock);
    struct entry **pp = find(cl, key);
    if (*pp && --(*pp)->n == 0) {
        struct entry *e = *pp;
        *pp = e->next;
        free(e);
    }
    pthread_mutex_unlock(&cl->lock);
}
