/* SPDX-License-Identifier: MIT */
#ifndef ED_API_INSTANCE_CACHE_H
#define ED_API_INSTANCE_CACHE_H
#include "domain/instances.h"

struct ed_app;

/* The hot path of every hub call is "which instance is this token?": an
 * indexed lookup, two decryptions and four JSON parses. This cache keeps
 * the answer for --cache-ttl-ms (1 s by default) and is emptied by every
 * instance write on this node (store_set_instance_hook), so a node sees its
 * own changes at once and other nodes' within the TTL. */

/* Create the caches of app (auth and instances) and hook the store. */
void caches_init(struct ed_app *app);
void caches_free(struct ed_app *app);
/* Like instance_load_by_token, served from the cache when possible. */
enum ed_err instance_load_by_token_cached(struct ed_app *app, const char *token,
                                          struct instance *out);

/* The hot path's variant: no copy. *view is a read-only instance shared
 * with the cache (and other requests); it stays valid until the handle is
 * released with instance_shared_release. Never clean *view up. */
struct instance_shared;
enum ed_err instance_get_shared(struct ed_app *app, const char *token,
                                const struct instance **view,
                                struct instance_shared **handle);
void instance_shared_release(struct instance_shared *h);
/* One more reference to a shared instance (released the same way). */
struct instance_shared *instance_shared_retain(struct instance_shared *h);
/* Deep copy of a loaded instance. */
void instance_copy(const struct instance *src, struct instance *dst);

#endif
