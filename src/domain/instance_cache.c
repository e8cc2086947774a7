/* SPDX-License-Identifier: MIT
 * Instance and credential lookup caches (see instance_cache.h). */
#include "domain/instance_cache.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "core/mem.h"
#include "core/ttlcache.h"
#include "crypto/crypto.h"
#include "metrics/metrics.h"

#define CACHE_SLOTS 8192

static char *dup_or_null(const char *s)
{
    return s ? ed_strdup(s) : NULL;
}

static void blob_copy(const struct store_blob *src, struct store_blob *dst)
{
    dst->len = src->len;
    dst->data = NULL;
    if (src->data) {
        dst->data = ed_malloc(src->len + 1);
        memcpy(dst->data, src->data, src->len);
    }
}

void instance_copy(const struct instance *src, struct instance *dst)
{
    const struct store_instance *r = &src->row;
    memset(dst, 0, sizeof(*dst));
    dst->row = *r;
    dst->row.element_key = dup_or_null(r->element_key);
    dst->row.name = dup_or_null(r->name);
    dst->row.tags = dup_or_null(r->tags);
    dst->row.config = dup_or_null(r->config);
    blob_copy(&r->secrets_ct, &dst->row.secrets_ct);
    blob_copy(&r->token_ct, &dst->row.token_ct);
    dst->row.auth_type = dup_or_null(r->auth_type);
    dst->row.external_auth = dup_or_null(r->external_auth);
    dst->row.invalid_reason = dup_or_null(r->invalid_reason);
    dst->row.provider_meta = dup_or_null(r->provider_meta);
    dst->el = src->el;
    dst->config = json_deep_copy(src->config);
    dst->secrets = json_deep_copy(src->secrets);
    dst->meta = json_deep_copy(src->meta);
    dst->tags = json_deep_copy(src->tags);
    dst->token = dup_or_null(src->token);
}

static void *inst_copy(const void *v)
{
    struct instance *c = ed_malloc(sizeof(*c));
    instance_copy(v, c);
    return c;
}

static void inst_free(void *v)
{
    instance_cleanup(v);
    free(v);
}

static void *ids_copy(const void *v)
{
    /* user, organization, account, role (api/auth.c) */
    int64_t *c = ed_malloc(4 * sizeof(int64_t));
    memcpy(c, v, 4 * sizeof(int64_t));
    return c;
}

/* A reference-counted, immutable instance: the cache holds one reference,
 * each request that uses it another. */
struct instance_shared {
    atomic_int refs;
    struct instance in;
};

void instance_shared_release(struct instance_shared *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        instance_cleanup(&h->in);
        free(h);
    }
}

struct instance_shared *instance_shared_retain(struct instance_shared *h)
{
    atomic_fetch_add(&h->refs, 1);
    return h;
}

static void *shared_ref(const void *v)
{
    struct instance_shared *h = (struct instance_shared *)v;
    atomic_fetch_add(&h->refs, 1);
    return h;
}

static void shared_unref(void *v)
{
    instance_shared_release(v);
}

enum ed_err instance_get_shared(struct ed_app *app, const char *token,
                                const struct instance **view,
                                struct instance_shared **handle)
{
    uint8_t key[ED_HASH_BYTES];
    bool cached = app->shared_cache && app->cfg->cache_ttl_ms > 0;
    *view = NULL;
    *handle = NULL;
    if (cached) {
        crypto_lookup_hash(app->keys, token, key);
        struct instance_shared *hit = ed_ttlcache_get(app->shared_cache, key);
        mx_inc(MX_CACHE_LOOKUPS, MXC_INSTANCE_SHARED, hit ? MXH_HIT : MXH_MISS,
               0);
        if (hit) {
            *handle = hit;
            *view = &hit->in;
            return ED_OK;
        }
    }
    uint64_t gen = cached ? ed_ttlcache_generation(app->shared_cache) : 0;
    struct instance_shared *h = ed_calloc(1, sizeof(*h));
    enum ed_err err = instance_load_by_token(app, token, &h->in);
    if (err) {
        free(h);
        return err;
    }
    atomic_init(&h->refs, 1);
    if (cached) {
        atomic_fetch_add(&h->refs, 1); /* the cache's reference */
        ed_ttlcache_put(app->shared_cache, key, h, app->cfg->cache_ttl_ms, gen);
    }
    *handle = h;
    *view = &h->in;
    return ED_OK;
}

/* An instance, a token or a user or organization secret changed, here or
 * (the change feed) on another node: drop every mapping from a secret to
 * its owner, so that a replaced value stops working at once. */
static void instances_changed(void *ud)
{
    struct ed_app *app = ud;
    ed_ttlcache_invalidate(app->instance_cache);
    ed_ttlcache_invalidate(app->shared_cache);
    /* user and account changes come this way too (a disabled user) */
    ed_ttlcache_invalidate(app->auth_cache);
}

void caches_init(struct ed_app *app)
{
    app->instance_cache = ed_ttlcache_new(CACHE_SLOTS, inst_copy, inst_free);
    app->shared_cache = ed_ttlcache_new(CACHE_SLOTS, shared_ref, shared_unref);
    app->auth_cache = ed_ttlcache_new(CACHE_SLOTS, ids_copy, free);
    store_set_instance_hook(app->store, instances_changed, app);
}

void caches_free(struct ed_app *app)
{
    /* the store's watch thread (PostgreSQL LISTEN) runs instances_changed
     * on these caches: stop it and unhook before freeing them. Without
     * this a change feed that connected just as the server stopped
     * invalidated freed caches (SIGSEGV at shutdown, pg.platform_http). */
    if (app->store) {
        store_watch_stop(app->store);
        store_set_instance_hook(app->store, NULL, NULL);
    }
    ed_ttlcache_free(app->instance_cache);
    ed_ttlcache_free(app->shared_cache);
    app->shared_cache = NULL;
    ed_ttlcache_free(app->auth_cache);
    app->instance_cache = app->auth_cache = NULL;
}

enum ed_err instance_load_by_token_cached(struct ed_app *app, const char *token,
                                          struct instance *out)
{
    uint8_t key[ED_HASH_BYTES];
    if (!app->instance_cache || app->cfg->cache_ttl_ms <= 0)
        return instance_load_by_token(app, token, out);
    crypto_lookup_hash(app->keys, token, key);
    struct instance *hit = ed_ttlcache_get(app->instance_cache, key);
    mx_inc(MX_CACHE_LOOKUPS, MXC_INSTANCE, hit ? MXH_HIT : MXH_MISS, 0);
    if (hit) {
        *out = *hit; /* move the copy out */
        free(hit);
        return ED_OK;
    }
    uint64_t gen = ed_ttlcache_generation(app->instance_cache);
    enum ed_err err = instance_load_by_token(app, token, out);
    if (err == ED_OK)
        ed_ttlcache_put(app->instance_cache, key, inst_copy(out),
                        app->cfg->cache_ttl_ms, gen);
    return err;
}
