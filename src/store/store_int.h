/* SPDX-License-Identifier: MIT */
#ifndef ED_STORE_INT_H
#define ED_STORE_INT_H
#include "store/store.h"

/* Backend interface: a const ops table per backend, and a handle that embeds
 * struct store as its first member. Only store.c calls through ops. */
struct store_ops {
    const char *name;
    const char *url_prefix; /* e.g. "sqlite:" */
    enum ed_err (*open)(const char *url, struct store **out);
    void (*close)(struct store *s);
    enum ed_err (*ping)(struct store *s);
    enum ed_err (*org_create_with_user)(struct store *s, struct store_org *org,
                                        const uint8_t *org_hash,
                                        struct store_user *user,
                                        const uint8_t *user_hash);
    enum ed_err (*user_create)(struct store *s, struct store_user *user,
                               const uint8_t *user_hash);
    enum ed_err (*org_get)(struct store *s, int64_t id, struct store_org *out);
    enum ed_err (*org_find_by_secret)(struct store *s, const uint8_t *hash,
                                      struct store_org *out);
    enum ed_err (*user_get)(struct store *s, int64_t id,
                            struct store_user *out);
    enum ed_err (*user_find_by_email)(struct store *s, const char *email,
                                      struct store_user *out);
    enum ed_err (*user_find_by_secret)(struct store *s, const uint8_t *hash,
                                       struct store_user *out);
    enum ed_err (*session_put)(struct store *s, const uint8_t *hash,
                               int64_t user_id, int64_t expires_at);
    enum ed_err (*session_find)(struct store *s, const uint8_t *hash,
                                int64_t now, int64_t *user_id);
    enum ed_err (*session_delete)(struct store *s, const uint8_t *hash);
};

struct store {
    const struct store_ops *ops;
};

extern const struct store_ops store_sqlite_ops;

#endif
