/* SPDX-License-Identifier: MIT
 * Store dispatch: picks the backend from the URL prefix out of a
 * NULL-terminated list, then forwards each domain call through its ops. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const struct store_ops *const backends[] = {
    &store_sqlite_ops,
    NULL,
};

void store_org_cleanup(struct store_org *o)
{
    free(o->name);
    free(o->secret_ct.data);
    memset(o, 0, sizeof(*o));
}

void store_user_cleanup(struct store_user *u)
{
    free(u->email);
    free(u->first_name);
    free(u->last_name);
    free(u->password_hash);
    free(u->secret_ct.data);
    memset(u, 0, sizeof(*u));
}

enum ed_err store_open(const char *url, struct store **out)
{
    *out = NULL;
    for (size_t i = 0; backends[i]; i++) {
        const char *p = backends[i]->url_prefix;
        if (strncmp(url, p, strlen(p)) == 0)
            return backends[i]->open(url, out);
    }
    if (strncmp(url, "postgres", 8) == 0)
        return ED_ERR_UNSUPPORTED;
    return ED_ERR_INVALID;
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

const char *store_backend(const struct store *s)
{
    return s->ops->name;
}

enum ed_err store_ping(struct store *s)
{
    return s->ops->ping(s);
}

enum ed_err store_org_create_with_user(struct store *s, struct store_org *org,
                                       const uint8_t org_hash[STORE_HASH_BYTES],
                                       struct store_user *user,
                                       const uint8_t user_hash[STORE_HASH_BYTES])
{
    return s->ops->org_create_with_user(s, org, org_hash, user, user_hash);
}

enum ed_err store_user_create(struct store *s, struct store_user *user,
                              const uint8_t user_hash[STORE_HASH_BYTES])
{
    return s->ops->user_create(s, user, user_hash);
}

enum ed_err store_org_get(struct store *s, int64_t id, struct store_org *out)
{
    return s->ops->org_get(s, id, out);
}

enum ed_err store_org_find_by_secret(struct store *s,
                                     const uint8_t hash[STORE_HASH_BYTES],
                                     struct store_org *out)
{
    return s->ops->org_find_by_secret(s, hash, out);
}

enum ed_err store_user_get(struct store *s, int64_t id, struct store_user *out)
{
    return s->ops->user_get(s, id, out);
}

enum ed_err store_user_find_by_email(struct store *s, const char *email,
                                     struct store_user *out)
{
    return s->ops->user_find_by_email(s, email, out);
}

enum ed_err store_user_find_by_secret(struct store *s,
                                      const uint8_t hash[STORE_HASH_BYTES],
                                      struct store_user *out)
{
    return s->ops->user_find_by_secret(s, hash, out);
}

enum ed_err store_session_put(struct store *s,
                              const uint8_t hash[STORE_HASH_BYTES],
                              int64_t user_id, int64_t expires_at)
{
    return s->ops->session_put(s, hash, user_id, expires_at);
}

enum ed_err store_session_find(struct store *s,
                               const uint8_t hash[STORE_HASH_BYTES],
                               int64_t now, int64_t *user_id)
{
    return s->ops->session_find(s, hash, now, user_id);
}

enum ed_err store_session_delete(struct store *s,
                                 const uint8_t hash[STORE_HASH_BYTES])
{
    return s->ops->session_delete(s, hash);
}
