/* SPDX-License-Identifier: MIT
 * Token lifecycle (see credentials.h). The order of a refresh is what makes
 * it safe: take the instance's stripe lock, re-read the row (someone may
 * have refreshed meanwhile), call HubSpot, and write the new tokens with a
 * compare-and-swap on cred_version, synchronously committed, before any
 * caller gets the new access token. A process killed before the commit
 * still has the previous refresh token stored. */
#include "api/credentials.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/app.h"
#include "api/instances.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "elements/elements.h"
#include "provider/hubspot.h"
#include "store/store.h"

#define STRIPES 256
#define REFRESH_ATTEMPTS 3

static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&stripes[i], NULL);
}

void creds_cleanup(struct creds *c)
{
    crypto_free_secret(c->bearer);
    c->bearer = NULL;
}

bool creds_fresh(const struct ed_app *app, const struct instance *in)
{
    int64_t margin = app->cfg->refresh_margin;
    int64_t ttl = in->row.access_expires_at - in->row.refreshed_at;
    if (in->row.access_expires_at == 0)
        return true;
    /* a token granted for less than twice the margin would be due at once,
     * and refreshed on every call: half its lifetime is its margin */
    if (ttl > 0 && margin > ttl / 2)
        margin = ttl / 2;
    return in->row.access_expires_at - ed_now_s() > margin;
}

static enum creds_status give(const struct instance *in, struct creds *out,
                              const char **why)
{
    const char *b = strcmp(in->row.auth_type, "apiKey") == 0
                        ? instance_cfg(in, "hubspot.authorization.apikey")
                        : instance_cfg(in, "oauth.user.token");
    if (!b) {
        *why = "the instance has no credential";
        return CREDS_INVALID;
    }
    out->bearer = ed_strdup(b);
    out->cred_version = in->row.cred_version;
    return CREDS_OK;
}

static void call_refresh(struct ed_app *app, const struct instance *in,
                         struct hs_result *r)
{
    const char *rt = instance_cfg(in, "oauth.user.refresh_token");
    if (strcmp(in->row.auth_type, "oauth2_legacy") == 0)
        hs_token_refresh_legacy(app->cfg->hubspot_api_url,
                                element_oauth(in->el, "legacyRefreshPath"),
                                instance_cfg(in, "oauth.api.key"), rt, r);
    else
        hs_token_refresh(app->cfg->hubspot_api_url,
                         element_oauth(in->el, "tokenPath"),
                         instance_cfg(in, "oauth.api.key"),
                         instance_cfg(in, "oauth.api.secret"), rt, r);
}

/* Commit a successful refresh answer (body) to the store, durably, before
 * anyone uses it. A writer that changed the instance without touching the
 * grant (a PATCH of its name, say) bumps cred_version too; then the answer
 * is applied again on the row as it is now, because HubSpot may already
 * have rotated the refresh token: dropping the answer would lose it.
 * ED_ERR_BUSY when the stored refresh token is no longer the one used. On
 * return *in may have been replaced by a newer copy. */
static enum ed_err store_refreshed(struct ed_app *app, struct instance *in,
                                   json_t *body)
{
    char *used = ed_strdup(instance_cfg(in, "oauth.user.refresh_token"));
    enum ed_err err = ED_ERR_BUSY;
    for (int attempt = 0; attempt < 8 && err == ED_ERR_BUSY; attempt++) {
        if (attempt) {
            struct instance now;
            const char *rt;
            if ((err = instance_load(app, 0, in->row.id, &now)) != ED_OK)
                break;
            rt = instance_cfg(&now, "oauth.user.refresh_token");
            if (!rt || strcmp(rt, used) != 0) {
                instance_cleanup(&now);
                err = ED_ERR_BUSY;
                break;
            }
            instance_cleanup(in);
            *in = now;
        }
        instance_take_tokens(in, body, used);
        if (instance_seal_secrets(app, in) != ED_OK) {
            err = ED_ERR_CRYPTO;
            break;
        }
        free(in->row.provider_meta);
        in->row.provider_meta = json_dumps(in->meta, JSON_COMPACT);
        err = store_instance_put_credentials(app->store, &in->row);
    }
    crypto_free_secret(used);
    return err;
}

/* Refresh with the stripe lock held. in is the freshly read instance. */
static enum creds_status refresh_locked(struct ed_app *app, struct instance *in,
                                        const char **why)
{
    struct hs_result r = {0};
    enum creds_status st = CREDS_UNAVAILABLE;
    if (!instance_cfg(in, "oauth.user.refresh_token")) {
        *why = "the instance has no refresh token";
        store_instance_set_valid(app->store, in->row.id, 0, *why);
        return CREDS_INVALID;
    }
    for (int attempt = 0; attempt < REFRESH_ATTEMPTS; attempt++) {
        if (attempt) {
            struct timespec ts = {0, 200000000L << (attempt - 1)};
            nanosleep(&ts, NULL);
        }
        hs_result_cleanup(&r);
        call_refresh(app, in, &r);
        if (r.failure != HS_TRANSIENT)
            break;
        ed_warn(NULL, "msg=\"token refresh failed, will retry\" instance=%lld "
                      "status=%ld attempt=%d",
                (long long)in->row.id, r.status, attempt + 1);
    }
    if (r.failure == HS_TRANSIENT) {
        *why = "HubSpot is unavailable; the token refresh will be retried";
        goto out;
    }
    if (r.failure != HS_OK) {
        /* a dead grant or a rejected client: only re-authentication helps */
        *why = "HubSpot rejected the refresh token; the instance must be "
               "re-authenticated";
        store_instance_set_valid(app->store, in->row.id, 0,
                                 r.failure == HS_INVALID_GRANT
                                     ? "refresh token invalid or revoked"
                                     : "HubSpot rejected the token refresh");
        ed_warn(NULL, "msg=\"instance marked invalid\" instance=%lld status=%ld",
                (long long)in->row.id, r.status);
        st = CREDS_INVALID;
        goto out;
    }
    enum ed_err err = store_refreshed(app, in, r.body);
    if (err == ED_ERR_BUSY) {
        /* the grant itself changed meanwhile (another node refreshed, or
         * the instance was re-authenticated): that grant wins */
        st = CREDS_OK;
        goto out;
    }
    if (err == ED_ERR_NOT_FOUND) {
        *why = "no such instance"; /* deleted while HubSpot answered */
        st = CREDS_GONE;
        goto out;
    }
    if (err) {
        *why = "cannot store the new tokens";
        goto out;
    }
    ed_info(NULL, "msg=\"token refreshed\" instance=%lld version=%lld",
            (long long)in->row.id, (long long)in->row.cred_version);
    st = CREDS_OK;
out:
    hs_result_cleanup(&r);
    return st;
}

enum creds_status creds_acquire(struct ed_app *app, int64_t id,
                                int64_t stale_version, struct creds *out,
                                const char **why)
{
    struct instance in;
    enum creds_status st;
    memset(out, 0, sizeof(*out));
    *why = NULL;
    pthread_once(&stripes_once, stripes_init);
    enum ed_err err = instance_load(app, 0, id, &in);
    if (err) {
        *why = "no such instance";
        return err == ED_ERR_NOT_FOUND ? CREDS_GONE : CREDS_UNAVAILABLE;
    }
    if (!in.row.valid) {
        *why = "the instance must be re-authenticated";
        instance_cleanup(&in);
        return CREDS_INVALID;
    }
    bool is_oauth = strcmp(in.row.auth_type, "apiKey") != 0;
    bool forced = stale_version >= 0 && stale_version == in.row.cred_version;
    if (!is_oauth || (!forced && creds_fresh(app, &in))) {
        st = give(&in, out, why);
        instance_cleanup(&in);
        return st;
    }
    instance_cleanup(&in);
    pthread_mutex_t *lock = &stripes[(uint64_t)id % STRIPES];
    pthread_mutex_lock(lock);
    /* re-read under the lock: a refresh may have finished while we waited */
    err = instance_load(app, 0, id, &in);
    if (err) {
        pthread_mutex_unlock(lock);
        *why = "no such instance";
        return err == ED_ERR_NOT_FOUND ? CREDS_GONE : CREDS_UNAVAILABLE;
    }
    forced = stale_version >= 0 && stale_version == in.row.cred_version;
    if (!in.row.valid) {
        *why = "the instance must be re-authenticated";
        st = CREDS_INVALID;
    } else if (!forced && creds_fresh(app, &in)) {
        st = give(&in, out, why);
    } else {
        st = refresh_locked(app, &in, why);
        if (st == CREDS_OK) {
            instance_cleanup(&in);
            if (instance_load(app, 0, id, &in) == ED_OK)
                st = give(&in, out, why);
            else
                st = CREDS_UNAVAILABLE;
        }
    }
    pthread_mutex_unlock(lock);
    instance_cleanup(&in);
    return st;
}

/* --- background refresher ---------------------------------------------------- */

static pthread_t refresher;
static bool refresher_running;
static pthread_mutex_t rf_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rf_cond = PTHREAD_COND_INITIALIZER;
static bool rf_stop;

static void refresh_idle(struct ed_app *app)
{
    int64_t ids[64];
    size_t n = 0;
    int64_t now = ed_now_s();
    if (store_instance_due(app->store, now - app->cfg->idle_refresh, 0, ids, 64,
                           &n) != ED_OK)
        return;
    for (size_t i = 0; i < n; i++) {
        struct instance in;
        const char *why;
        if (instance_load(app, 0, ids[i], &in) != ED_OK)
            continue;
        int64_t version = in.row.cred_version;
        instance_cleanup(&in);
        struct creds c;
        creds_acquire(app, ids[i], version, &c, &why);
        creds_cleanup(&c);
    }
}

static void *refresher_main(void *arg)
{
    struct ed_app *app = arg;
    pthread_mutex_lock(&rf_lock);
    while (!rf_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += app->cfg->refresh_check;
        pthread_cond_timedwait(&rf_cond, &rf_lock, &ts);
        if (rf_stop)
            break;
        pthread_mutex_unlock(&rf_lock);
        refresh_idle(app);
        pthread_mutex_lock(&rf_lock);
    }
    pthread_mutex_unlock(&rf_lock);
    return NULL;
}

void creds_refresher_start(struct ed_app *app)
{
    pthread_once(&stripes_once, stripes_init);
    rf_stop = false;
    if (pthread_create(&refresher, NULL, refresher_main, app) == 0)
        refresher_running = true;
}

void creds_refresher_stop(void)
{
    if (!refresher_running)
        return;
    pthread_mutex_lock(&rf_lock);
    rf_stop = true;
    pthread_cond_signal(&rf_cond);
    pthread_mutex_unlock(&rf_lock);
    pthread_join(refresher, NULL);
    refresher_running = false;
}
