/* SPDX-License-Identifier: MIT */
#ifndef ED_API_APP_H
#define ED_API_APP_H
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

/* The application context shared by every handler: configuration and the
 * long-lived modules. Created by main, immutable while serving except for
 * the modules' own thread-safe state. */
struct ed_app {
    const struct ed_config *cfg;
    struct store *store;
    struct ed_keyring *keys;
    struct elements *elements;
    struct ed_ttlcache *auth_cache; /* secrets → user/org (api/auth.c) */
    struct ed_ttlcache
        *instance_cache; /* token → instance (instance_cache.c) */
    struct ed_ttlcache *shared_cache; /* token → shared instance (hub calls) */
    struct vdr_cache *vdr; /* virtual resources by organization (vdr.c) */
};

#endif
