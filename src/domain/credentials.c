/* SPDX-License-Identifier: MIT
 * Token lifecycle (see credentials.h). The order of a refresh is what makes
 * it safe: take the instance's stripe lock (threads of this process), then
 * its refresh claim (nodes: an advisory lock held in a transaction on
 * PostgreSQL), re-read the row under it (someone may have refreshed
 * meanwhile), call HubSpot, and write the new tokens with a
 * compare-and-swap on cred_version, synchronously committed, before any
 * caller gets the new access token. A process killed before the commit
 * still has the previous refresh token stored, and its claim dies with its
 * database connection. */
#include "domain/credentials.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/app.h"
#include "domain/instances.h"
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

/* Apply a successful refresh answer (body) to the claimed row. A writer
 * that changed the instance without touching the grant (a PATCH of its
 * configuration, say) bumps cred_version too; then the answer is applied
 * again on the row as it is now, because HubSpot may already have rotated
 * the refresh token: dropping the answer would lose it.
 * ED_ERR_BUSY when the stored refresh token is no longer the one used. On
 * return *in may have been replaced by a newer copy. Nothing is durable
 * before the claim is committed. */
static enum ed_err store_refreshed(struct ed_app *app, struct store_refresh *rf,
                                   struct instance *in, json_t *body)
{
    char *used = ed_strdup(instance_cfg(in, "oauth.user.refresh_token"));
    enum ed_err err = ED_ERR_BUSY;
    for (int attempt = 0; attempt < 8 && err == ED_ERR_BUSY; attempt++) {
        if (attempt) {
            struct store_instance row = {0};
            struct instance now;
            const char *rt;
            if ((err = store_instance_refresh_read(rf, &row)) != ED_OK)
                break;
            if ((err = instance_from_row(app, &row, &now)) != ED_OK)
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
        err = store_instance_refresh_put(rf, &in->row);
    }
    crypto_free_secret(used);
    return err;
}

/* Mark the claimed instance invalid and end the claim. */
static void mark_invalid(struct store_refresh *rf, const char *reason)
{
    if (store_instance_refresh_set_valid(rf, 0, reason) == ED_OK)
        store_instance_refresh_end(rf, true);
    else
        store_instance_refresh_end(rf, false);
}

/* Refresh under the claim rf, which this ends; in is the instance as read
 * under it. The new tokens are committed (durably) before anyone gets them.
 * CREDS_OK with *reload when the grant changed meanwhile and in is not the
 * current one. */
static enum creds_status refresh_claimed(struct ed_app *app,
                                         struct store_refresh *rf,
                                         struct instance *in, bool *reload,
                                         const char **why)
{
    struct hs_result r = {0};
    enum creds_status st = CREDS_UNAVAILABLE;
    *reload = false;
    if (!instance_cfg(in, "oauth.user.refresh_token")) {
        *why = "the instance has no refresh token";
        mark_invalid(rf, *why);
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
        store_instance_refresh_end(rf, false);
        goto out;
    }
    if (r.failure != HS_OK) {
        /* a dead grant or a rejected client: only re-authentication helps */
        *why = "HubSpot rejected the refresh token; the instance must be "
               "re-authenticated";
        mark_invalid(rf, r.failure == HS_INVALID_GRANT
                             ? "refresh token invalid or revoked"
                             : "HubSpot rejected the token refresh");
        ed_warn(NULL, "msg=\"instance marked invalid\" instance=%lld status=%ld",
                (long long)in->row.id, r.status);
        st = CREDS_INVALID;
        goto out;
    }
    enum ed_err err = store_refreshed(app, rf, in, r.body);
    if (err == ED_OK)
        err = store_instance_refresh_end(rf, true);
    else
        store_instance_refresh_end(rf, false);
    if (err == ED_ERR_BUSY) {
        /* the grant itself changed meanwhile (the instance was
         * re-authenticated): that grant wins */
        *reload = true;
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

static pthread_mutex_t *stripe_of(int64_t id)
{
    pthread_once(&stripes_once, stripes_init);
    return &stripes[(uint64_t)id % STRIPES];
}

/* Take the refresh claim on instance id (store.h) and read the instance
 * under it; CREDS_OK with *rf set. */
static enum creds_status claim(struct ed_app *app, int64_t id, bool nowait,
                               struct instance *in, struct store_refresh **rf,
                               const char **why)
{
    struct store_instance row = {0};
    enum ed_err err = store_instance_refresh_begin(app->store, id, nowait, &row,
                                                   rf);
    if (err) {
        *why = err == ED_ERR_NOT_FOUND ? "no such instance"
                                       : "cannot read the instance";
        return err == ED_ERR_NOT_FOUND ? CREDS_GONE : CREDS_UNAVAILABLE;
    }
    if (instance_from_row(app, &row, in) != ED_OK) {
        store_instance_refresh_end(*rf, false);
        *rf = NULL;
        *why = "cannot read the instance";
        return CREDS_UNAVAILABLE;
    }
    return CREDS_OK;
}

enum creds_status creds_acquire(struct ed_app *app, int64_t id,
                                int64_t stale_version, struct creds *out,
                                const char **why)
{
    struct instance in;
    struct store_refresh *rf = NULL;
    enum creds_status st;
    memset(out, 0, sizeof(*out));
    *why = NULL;
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
    /* One refresh at a time: the stripe lock among this process's threads,
     * then the claim among nodes (an advisory lock on PostgreSQL). Both are
     * taken in this order everywhere. Waiters on the stripe hold no
     * database connection, so one node has at most one connection waiting
     * for another node's claim per stripe. */
    pthread_mutex_t *lock = stripe_of(id);
    pthread_mutex_lock(lock);
    /* read again under the claim: a refresh may have finished while we
     * waited, here or on another node */
    if ((st = claim(app, id, false, &in, &rf, why)) != CREDS_OK) {
        pthread_mutex_unlock(lock);
        return st;
    }
    forced = stale_version >= 0 && stale_version == in.row.cred_version;
    if (!in.row.valid) {
        store_instance_refresh_end(rf, false);
        *why = "the instance must be re-authenticated";
        st = CREDS_INVALID;
    } else if (!forced && creds_fresh(app, &in)) {
        store_instance_refresh_end(rf, false);
        st = give(&in, out, why);
    } else {
        bool reload = false;
        st = refresh_claimed(app, rf, &in, &reload, why);
        if (st == CREDS_OK && reload) {
            instance_cleanup(&in);
            if (instance_load(app, 0, id, &in) != ED_OK) {
                pthread_mutex_unlock(lock);
                *why = "cannot read the instance";
                return CREDS_UNAVAILABLE;
            }
        }
        if (st == CREDS_OK)
            st = give(&in, out, why);
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

/* Whether the background refresher should refresh this instance now: the
 * condition of store_instance_due, checked again under the claim. */
static bool due(const struct instance *in, int64_t refreshed_before,
                int64_t expires_before)
{
    const char *t = in->row.auth_type;
    return in->row.valid && !in->row.disabled &&
           (strcmp(t, "oauth2") == 0 || strcmp(t, "oauth2_legacy") == 0) &&
           (in->row.refreshed_at < refreshed_before ||
            (in->row.access_expires_at > 0 &&
             in->row.access_expires_at < expires_before));
}

/* Refresh id if it is still due once claimed. An instance another node (or
 * a call here) holds the claim of is skipped: it is being refreshed. So
 * nodes running this at once share the work, each instance refreshed by
 * one of them, and a node that dies leaves its share to the others' next
 * pass. */
static void refresh_if_due(struct ed_app *app, int64_t id,
                           int64_t refreshed_before, int64_t expires_before)
{
    struct instance in;
    struct store_refresh *rf = NULL;
    const char *why = NULL;
    pthread_mutex_t *lock = stripe_of(id);
    pthread_mutex_lock(lock);
    if (claim(app, id, true, &in, &rf, &why) != CREDS_OK) {
        pthread_mutex_unlock(lock);
        return;
    }
    if (due(&in, refreshed_before, expires_before)) {
        bool reload;
        refresh_claimed(app, rf, &in, &reload, &why);
    } else {
        store_instance_refresh_end(rf, false);
    }
    pthread_mutex_unlock(lock);
    instance_cleanup(&in);
}

static void refresh_idle(struct ed_app *app)
{
    int64_t ids[64];
    size_t n = 0;
    int64_t before = ed_now_s() - app->cfg->idle_refresh;
    if (store_instance_due(app->store, before, 0, ids, 64, &n) != ED_OK)
        return;
    for (size_t i = 0; i < n; i++)
        refresh_if_due(app, ids[i], before, 0);
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
    /* the other nodes' instance changes empty this node's caches */
    store_watch_start(app->store);
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
