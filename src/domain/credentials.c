/* SPDX-License-Identifier: MIT
 * Token lifecycle (see credentials.h). The order of a refresh is what makes
 * it safe: open the instance's flight (one refresh per instance in this
 * process; later callers wait on it, not on a lock), take its refresh
 * claim (nodes: an advisory lock held in a transaction on PostgreSQL,
 * taken without waiting: a flight that finds another node's claim reads
 * the row again on a timer until that node's tokens show up), re-read the
 * row under it (someone may have refreshed meanwhile), call HubSpot
 * (asynchronously on an event loop, retrying transient failures on
 * timers), and write the new tokens with a compare-and-swap on
 * cred_version, synchronously committed, before any caller gets the new
 * access token. A process killed before the commit still has the previous
 * refresh token stored, and its claim dies with its database connection.
 * On SQLite the claim is a plain read that holds no lock (store.h), so
 * holding it across the HubSpot call costs nothing. */
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
#include "provider/async.h"
#include "provider/hubspot.h"
#include "store/store.h"
#include "metrics/metrics.h"

#define REFRESH_ATTEMPTS 3
#define FLIGHT_BUCKETS 256
/* how often a flight looks again while another node holds the claim */
#define CLAIM_RETRY_MS 150

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

/* Apply HubSpot's answer r to a refresh made under the claim rf, which this
 * ends; in is the instance as read under it. The new tokens are committed
 * (durably) before anyone gets them. CREDS_OK with *reload when the grant
 * changed meanwhile and in is not the current one. Shared by the event
 * loops' refresh flights and the background refresher. */
static enum creds_status refresh_result(struct ed_app *app,
                                        struct store_refresh *rf,
                                        struct instance *in,
                                        const struct hs_result *r, bool *reload,
                                        const char **why)
{
    *reload = false;
    mx_inc(MX_TOKEN_REFRESHES,
           r->failure == HS_OK          ? MXT_SUCCESS
           : r->failure == HS_TRANSIENT ? MXT_ERROR
                                        : MXT_REJECTED,
           0, 0);
    if (r->failure == HS_TRANSIENT) {
        *why = "HubSpot is unavailable; the token refresh will be retried";
        store_instance_refresh_end(rf, false);
        return CREDS_UNAVAILABLE;
    }
    if (r->failure != HS_OK) {
        /* a dead grant or a rejected client: only re-authentication helps */
        *why = "HubSpot rejected the refresh token; the instance must be "
               "re-authenticated";
        mark_invalid(rf, r->failure == HS_INVALID_GRANT
                             ? "refresh token invalid or revoked"
                             : "HubSpot rejected the token refresh");
        ed_warn(NULL,
                "msg=\"instance marked invalid\" instance=%lld status=%ld",
                (long long)in->row.id, r->status);
        return CREDS_INVALID;
    }
    enum ed_err err = store_refreshed(app, rf, in, r->body);
    if (err == ED_OK)
        err = store_instance_refresh_end(rf, true);
    else
        store_instance_refresh_end(rf, false);
    if (err == ED_ERR_BUSY) {
        /* the grant itself changed meanwhile (the instance was
         * re-authenticated): that grant wins */
        *reload = true;
        return CREDS_OK;
    }
    if (err == ED_ERR_NOT_FOUND) {
        *why = "no such instance"; /* deleted while HubSpot answered */
        return CREDS_GONE;
    }
    if (err) {
        *why = "cannot store the new tokens";
        return CREDS_UNAVAILABLE;
    }
    ed_info(NULL, "msg=\"token refreshed\" instance=%lld version=%lld",
            (long long)in->row.id, (long long)in->row.cred_version);
    return CREDS_OK;
}

/* The refresh call for in (current or legacy OAuth). */
static void build_refresh(struct ed_app *app, const struct instance *in,
                          struct hs_call *c)
{
    const char *rt = instance_cfg(in, "oauth.user.refresh_token");
    if (strcmp(in->row.auth_type, "oauth2_legacy") == 0)
        hs_call_token_refresh_legacy(c, app->cfg->hubspot_api_url,
                                     element_oauth(in->el, "legacyRefreshPath"),
                                     instance_cfg(in, "oauth.api.key"), rt);
    else
        hs_call_token_refresh(c, app->cfg->hubspot_api_url,
                              element_oauth(in->el, "tokenPath"),
                              instance_cfg(in, "oauth.api.key"),
                              instance_cfg(in, "oauth.api.secret"), rt);
}

/* Whether attempt (0-based) of a refresh that failed with r is retried,
 * and after how many ms (the back-off: 200, 400). */
static bool retry_refresh(const struct instance *in, const struct hs_result *r,
                          int attempt, long *delay_ms)
{
    if (r->failure != HS_TRANSIENT || attempt + 1 >= REFRESH_ATTEMPTS)
        return false;
    ed_warn(NULL,
            "msg=\"token refresh failed, will retry\" instance=%lld "
            "status=%ld attempt=%d",
            (long long)in->row.id, r->status, attempt + 1);
    *delay_ms = 200L << attempt;
    return true;
}

/* Take the refresh claim on instance id (store.h) and read the instance
 * under it; CREDS_OK with *rf set. *busy: another node holds it (nowait). */
static enum creds_status claim(struct ed_app *app, int64_t id, bool nowait,
                               struct instance *in, struct store_refresh **rf,
                               bool *busy, const char **why)
{
    struct store_instance row = {0};
    enum ed_err err = store_instance_refresh_begin(app->store, id, nowait, &row,
                                                   rf);
    *busy = err == ED_ERR_BUSY;
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

/* --- refresh flights ------------------------------------------------------------
 * One refresh per instance in flight in this process: the first call that
 * needs one opens the instance's flight and runs it on its own event loop;
 * calls arriving meanwhile join it as waiters (holding no lock and no
 * thread) and are handed its outcome when it lands, from whatever thread
 * ends it. The background refresher opens flights too, so it never races
 * a loop's refresh of the same instance. The table lock is held only to
 * open, join, leave or end a flight, and while handing out its outcome
 * (so a waiter that leaves either is gone before or was served). */

struct creds_wait {
    struct creds_wait *next;
    struct creds_flight *flight;
    struct creds_wait **slot; /* the owner's pointer, cleared when served */
    int64_t stale;
    creds_ready_fn ready;
    void *ud;
};

struct creds_flight {
    struct creds_flight *next; /* in its bucket */
    int64_t id;
    struct creds_wait *waiters;
    /* the refresh itself (one thread at a time: the one running it) */
    struct ed_app *app;
    struct store_refresh *rf;
    struct instance in;
    bool have_in;
    int attempt;
    double deadline_ms; /* stop waiting for another node's claim */
};

static struct creds_flight *flights[FLIGHT_BUCKETS];
static pthread_mutex_t flights_lock = PTHREAD_MUTEX_INITIALIZER;

static struct creds_flight **bucket_of(int64_t id)
{
    return &flights[(uint64_t)id % FLIGHT_BUCKETS];
}

/* Under flights_lock: the open flight of id, if any. */
static struct creds_flight *flight_find(int64_t id)
{
    for (struct creds_flight *f = *bucket_of(id); f; f = f->next)
        if (f->id == id)
            return f;
    return NULL;
}

/* Under flights_lock: open the flight of id. */
static struct creds_flight *flight_open_locked(struct ed_app *app, int64_t id)
{
    struct creds_flight *f = ed_calloc(1, sizeof(*f));
    struct creds_flight **b = bucket_of(id);
    f->id = id;
    f->app = app;
    f->next = *b;
    *b = f;
    return f;
}

/* Whether a waiter reported the version in as refused by HubSpot (401):
 * then the refresh is due whatever the expiry says. */
static bool forced(struct creds_flight *f, const struct instance *in)
{
    bool yes = false;
    pthread_mutex_lock(&flights_lock);
    for (struct creds_wait *w = f->waiters; w && !yes; w = w->next)
        yes = w->stale >= 0 && w->stale == in->row.cred_version;
    pthread_mutex_unlock(&flights_lock);
    return yes;
}

/* End flight f with status st (in: the instance to take the bearer from
 * when st is CREDS_OK) and free it. A waiter is never handed the version it
 * reported refused: it is told to ask again (CREDS_RETRY), and so is
 * everyone when the flight did not try (st == CREDS_RETRY). */
static void flight_end(struct creds_flight *f, enum creds_status st,
                       const struct instance *in, const char *why)
{
    struct creds c = {0};
    if (st == CREDS_OK)
        st = give(in, &c, &why);
    pthread_mutex_lock(&flights_lock);
    for (struct creds_flight **pp = bucket_of(f->id); *pp; pp = &(*pp)->next) {
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    }
    struct creds_wait *w = f->waiters;
    while (w) {
        struct creds_wait *n = w->next;
        enum creds_status ws = st;
        if (ws == CREDS_OK && w->stale >= 0 && w->stale == c.cred_version)
            ws = CREDS_RETRY;
        *w->slot = NULL;
        w->ready(w->ud, ws, &c, why);
        free(w);
        w = n;
    }
    pthread_mutex_unlock(&flights_lock);
    creds_cleanup(&c);
    store_instance_refresh_end(f->rf, false);
    if (f->have_in)
        instance_cleanup(&f->in);
    free(f);
}

static void flight_claim(void *arg);

/* Send the refresh call (after the back-off of a retry). */
static void flight_send(struct creds_flight *f, long delay_ms);

static void flight_answer(void *ud, struct hs_result *r)
{
    struct creds_flight *f = ud;
    const char *why = NULL;
    bool reload = false;
    long delay;
    if (retry_refresh(&f->in, r, f->attempt, &delay)) {
        f->attempt++;
        flight_send(f, delay);
        return;
    }
    enum creds_status st = refresh_result(f->app, f->rf, &f->in, r, &reload,
                                          &why);
    f->rf = NULL; /* ended */
    if (st == CREDS_OK && reload) {
        instance_cleanup(&f->in);
        f->have_in = false;
        if (instance_load(f->app, 0, f->id, &f->in) != ED_OK) {
            flight_end(f, CREDS_UNAVAILABLE, NULL, "cannot read the instance");
            return;
        }
        f->have_in = true;
    }
    flight_end(f, st, &f->in, why);
}

static void flight_send(struct creds_flight *f, long delay_ms)
{
    struct hs_call c;
    build_refresh(f->app, &f->in, &c);
    struct provider_job *j = hs_call_submit(&c, delay_ms, flight_answer, f);
    hs_call_cleanup(&c);
    if (!j)
        flight_end(f, CREDS_UNAVAILABLE, NULL, "HubSpot is unavailable");
}

/* The flight's first step, and its retry while another node holds the
 * claim (PostgreSQL): never wait for it on the loop; read the row instead
 * (that node's new tokens show up in it) and try again on a timer. */
static void flight_claim(void *arg)
{
    struct creds_flight *f = arg;
    struct ed_app *app = f->app;
    const char *why = NULL;
    bool busy = false;
    enum creds_status st = claim(app, f->id, true, &f->in, &f->rf, &busy, &why);
    if (busy) {
        struct instance now;
        if (instance_load(app, 0, f->id, &now) == ED_OK) {
            if (!now.row.valid) {
                instance_cleanup(&now);
                flight_end(f, CREDS_INVALID, NULL,
                           "the instance must be re-authenticated");
                return;
            }
            if (!forced(f, &now) && creds_fresh(app, &now)) {
                flight_end(f, CREDS_OK, &now, NULL);
                instance_cleanup(&now);
                return;
            }
            instance_cleanup(&now);
        }
        if (ed_mono_ms() > f->deadline_ms) {
            flight_end(f, CREDS_UNAVAILABLE, NULL,
                       "another node's token refresh did not finish");
            return;
        }
        if (!provider_async_timer(CLAIM_RETRY_MS, flight_claim, f))
            flight_end(f, CREDS_UNAVAILABLE, NULL, "cannot read the instance");
        return;
    }
    if (st != CREDS_OK) {
        flight_end(f, st, NULL, why);
        return;
    }
    f->have_in = true;
    if (!f->in.row.valid) {
        flight_end(f, CREDS_INVALID, NULL,
                   "the instance must be re-authenticated");
        return;
    }
    if (!forced(f, &f->in) && creds_fresh(app, &f->in)) {
        flight_end(f, CREDS_OK, &f->in, NULL);
        return;
    }
    if (!instance_cfg(&f->in, "oauth.user.refresh_token")) {
        mark_invalid(f->rf, "the instance has no refresh token");
        f->rf = NULL;
        flight_end(f, CREDS_INVALID, NULL, "the instance has no refresh token");
        return;
    }
    flight_send(f, 0);
}

enum creds_status creds_request(struct ed_app *app, int64_t id,
                                int64_t stale_version, struct creds *out,
                                const char **why, creds_ready_fn ready,
                                void *ud, struct creds_wait **wait)
{
    struct instance in;
    enum creds_status st;
    memset(out, 0, sizeof(*out));
    *why = NULL;
    *wait = NULL;
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
    bool stale = stale_version >= 0 && stale_version == in.row.cred_version;
    if (!is_oauth || (!stale && creds_fresh(app, &in))) {
        st = give(&in, out, why);
        instance_cleanup(&in);
        return st;
    }
    instance_cleanup(&in);
    struct creds_wait *w = ed_calloc(1, sizeof(*w));
    w->stale = stale_version;
    w->ready = ready;
    w->ud = ud;
    w->slot = wait;
    pthread_mutex_lock(&flights_lock);
    struct creds_flight *f = flight_find(id);
    bool leader = !f;
    if (leader)
        f = flight_open_locked(app, id);
    w->flight = f;
    w->next = f->waiters;
    f->waiters = w;
    *wait = w;
    pthread_mutex_unlock(&flights_lock);
    if (leader) {
        /* another node's refresh is waited for at most as long as one of
         * ours could take */
        f->deadline_ms = ed_mono_ms() + (double)(app->cfg->provider_timeout_ms *
                                                 (REFRESH_ATTEMPTS + 1));
        flight_claim(f);
    }
    return CREDS_PENDING;
}

bool creds_wait_cancel(struct creds_wait **wait)
{
    bool cancelled = false;
    pthread_mutex_lock(&flights_lock);
    struct creds_wait *w = *wait;
    if (w) {
        for (struct creds_wait **pp = &w->flight->waiters; *pp;
             pp = &(*pp)->next) {
            if (*pp == w) {
                *pp = w->next;
                break;
            }
        }
        *wait = NULL;
        free(w);
        cancelled = true;
    }
    pthread_mutex_unlock(&flights_lock);
    return cancelled;
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
    const char *why = NULL;
    bool busy, reload = false;
    struct hs_result r = {0};
    long delay = 0;
    pthread_mutex_lock(&flights_lock);
    struct creds_flight *f = flight_find(id) ? NULL
                                             : flight_open_locked(app, id);
    pthread_mutex_unlock(&flights_lock);
    if (!f)
        return; /* a call here is refreshing it */
    /* calls that join this flight are told to ask again unless it
     * refreshes */
    enum creds_status st = claim(app, id, true, &f->in, &f->rf, &busy, &why);
    if (st != CREDS_OK) {
        flight_end(f, CREDS_RETRY, NULL, NULL);
        return;
    }
    f->have_in = true;
    if (!due(&f->in, refreshed_before, expires_before)) {
        flight_end(f, CREDS_RETRY, NULL, NULL);
        return;
    }
    if (!instance_cfg(&f->in, "oauth.user.refresh_token")) {
        mark_invalid(f->rf, "the instance has no refresh token");
        f->rf = NULL;
        flight_end(f, CREDS_INVALID, NULL, "the instance has no refresh token");
        return;
    }
    /* not an event loop: the blocking call, and sleeps between attempts */
    for (int attempt = 0;; attempt++) {
        struct hs_call c;
        if (delay) {
            struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
        hs_result_cleanup(&r);
        build_refresh(app, &f->in, &c);
        hs_call_send(&c, &r);
        hs_call_cleanup(&c);
        if (!retry_refresh(&f->in, &r, attempt, &delay))
            break;
    }
    st = refresh_result(app, f->rf, &f->in, &r, &reload, &why);
    f->rf = NULL;
    hs_result_cleanup(&r);
    if (st == CREDS_OK && reload)
        st = CREDS_RETRY; /* the grant changed meanwhile: ask the store */
    flight_end(f, st, &f->in, why);
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
