/* SPDX-License-Identifier: MIT
 * Events: HubSpot webhooks in (see webhooks.h).
 *
 * Ingest (server threads): shape check, signature check against the client
 * secrets of the instances of the batch's HubSpot app, then one INSERT in
 * the inbox (durable) and a post to the events loop. Processing (events
 * loop): claim the row (a lease; on PostgreSQL SKIP LOCKED, so one node
 * per row), route each event to the instances of its (appId, portalId)
 * with webhook events on and a matching event.objects, queue their
 * notifications with events_enqueue, and only then mark the row processed.
 * A periodic sweep takes rows whose lease ran out (a crash between ingest
 * and processing, a failed enqueue) and purges old processed rows. */
#include "events/webhooks.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "elements/elements.h"
#include "events/events.h"
#include "events/events_int.h"
#include "events/loop.h"
#include "store/store.h"

#define LEASE_MS 15000 /* a claim's lease: a dead holder's rows wait this */
#define SWEEP_MS 5000  /* period of the sweep */
#define DRAIN_BATCH 64 /* rows claimed and processed together */
#define RETRY_MAX_MS 300000       /* longest back-off of a failed row */
#define KEEP_PROCESSED_MS 3600000 /* processed rows kept an hour */
#define MAX_CANDIDATES 64         /* instances tried for the app's secret */
#define MAX_ROUTED 10000          /* instances of one (app, portal) */

/* --- which instances want events (minimal stand-in for evd's config) ---- */

static bool cfg_true(const struct instance *in, const char *key)
{
    const char *v = instance_cfg(in, key);
    return v && ed_strcaseeq(v, "true");
}

static bool wants_webhooks(const struct instance *in)
{
    const char *t = instance_cfg(in, "event.vendor.type");
    return cfg_true(in, "event.notification.enabled") && t &&
           (ed_strcaseeq(t, "webhook") || ed_strcaseeq(t, "webhooks"));
}

/* One object name, any spelling (contact, Contacts, companies, account,
 * opportunity, deals...), to HubSpot's singular: out is lower case. */
static void canon_object(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    for (; k + 1 < cap && k < n; k++)
        out[k] = (char)tolower((unsigned char)s[k]);
    out[k] = 0;
    if (k > 3 && strcmp(out + k - 3, "ies") == 0)
        snprintf(out + k - 3, cap - (k - 3), "y");
    else if (k > 1 && out[k - 1] == 's')
        out[k - 1] = 0;
    if (strcmp(out, "account") == 0 || strcmp(out, "company") == 0)
        snprintf(out, cap, "company");
    else if (strcmp(out, "opportunity") == 0)
        snprintf(out, cap, "deal");
    else if (strcmp(out, "line_item") == 0 || strcmp(out, "lineitem") == 0)
        snprintf(out, cap, "line_item");
}

/* event.objects selects HubSpot object `object` (empty or unset: all). */
static bool wants_object(const struct instance *in, const char *object)
{
    const char *list = instance_cfg(in, "event.objects");
    char want[64], have[64];
    bool any = false;
    canon_object(object, strlen(object), want, sizeof(want));
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        canon_object(p, n, have, sizeof(have));
        if (*have) {
            any = true;
            if (strcmp(have, want) == 0)
                return true;
        }
        p = e ? e + 1 : p + n;
    }
    return !any;
}

/* --- HubSpot event → Cloud Elements event -------------------------------- */

static const char *object_type(const char *element_key, const char *obj,
                               char *buf, size_t cap)
{
    bool crm = strcmp(element_key, "hubspotcrm") == 0;
    if (strcmp(obj, "contact") == 0)
        return "contacts";
    if (strcmp(obj, "company") == 0)
        return "accounts";
    if (strcmp(obj, "deal") == 0)
        return crm ? "opportunities" : "deals";
    snprintf(buf, cap, "%s%s", obj,
             *obj && obj[strlen(obj) - 1] == 's' ? "" : "s");
    return buf;
}

static const char *event_type(const char *kind, const char *flag)
{
    if (strcmp(kind, "creation") == 0 || strcmp(kind, "restore") == 0)
        return "CREATED";
    if (strcmp(kind, "deletion") == 0 || strcmp(kind, "privacyDeletion") == 0)
        return "DELETED";
    if (strcmp(kind, "propertyChange") == 0 ||
        strcmp(kind, "associationChange") == 0 || strcmp(kind, "merge") == 0)
        return "UPDATED";
    if (flag && strcmp(flag, "CREATED") == 0)
        return "CREATED";
    if (flag && strcmp(flag, "DELETED") == 0)
        return "DELETED";
    return "UNKNOWN";
}

/* The HubSpot object of an event ("contact" of "contact.creation"). */
static bool event_object(const json_t *e, char *out, size_t cap,
                         const char **kind)
{
    const char *t = json_string_value(json_object_get(e, "subscriptionType"));
    const char *dot = t ? strchr(t, '.') : NULL;
    if (!dot || dot == t || (size_t)(dot - t) >= cap)
        return false;
    memcpy(out, t, (size_t)(dot - t));
    out[dot - t] = 0;
    *kind = dot + 1;
    return true;
}

json_t *events_webhooks_map(const char *element_key, const json_t *e)
{
    char obj[64], tbuf[80], date[40], id[32];
    const char *kind;
    if (!event_object(e, obj, sizeof(obj), &kind))
        return NULL;
    json_t *oid = json_object_get(e, "objectId");
    if (json_is_integer(oid))
        snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(oid));
    else if (json_is_string(oid))
        snprintf(id, sizeof(id), "%s", json_string_value(oid));
    else
        id[0] = 0;
    json_t *at = json_object_get(e, "occurredAt");
    int64_t ms = json_is_integer(at) ? (int64_t)json_integer_value(at)
                                     : ed_now_ms();
    if (ms < 0)
        ms = 0;
    char secs[24];
    ed_iso8601(ms / 1000, secs, sizeof(secs));
    /* "YYYY-MM-DDTHH:MM:SSZ" → with milliseconds */
    snprintf(date, sizeof(date), "%.19s.%03dZ", secs, (int)(ms % 1000));
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s}", "elementKey", element_key, "objectType",
        object_type(element_key, obj, tbuf, sizeof(tbuf)), "objectId", id,
        "eventType",
        event_type(kind, json_string_value(json_object_get(e, "changeFlag"))),
        "date", date);
}

/* --- client secrets of an app (ingest) ----------------------------------- */

/* The last secret that verified a batch of each app, for cache_ttl_ms. */
#define SECRET_CACHE 32
static struct {
    pthread_mutex_t lock;
    struct {
        int64_t app_id;
        double until;
        char secret[256];
    } e[SECRET_CACHE];
    unsigned next;
} SC = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool cache_verify(struct ed_app *app, int64_t app_id,
                         const struct hs_sig_input *sig)
{
    bool ok = false;
    if (app->cfg->cache_ttl_ms <= 0)
        return false;
    pthread_mutex_lock(&SC.lock);
    double now = ed_mono_ms();
    for (size_t i = 0; i < SECRET_CACHE && !ok; i++)
        if (SC.e[i].app_id == app_id && SC.e[i].until > now)
            ok = hs_sig_verify(sig, SC.e[i].secret);
    pthread_mutex_unlock(&SC.lock);
    return ok;
}

static void cache_put(struct ed_app *app, int64_t app_id, const char *secret)
{
    size_t i;
    if (app->cfg->cache_ttl_ms <= 0 || strlen(secret) >= sizeof(SC.e[0].secret))
        return;
    pthread_mutex_lock(&SC.lock);
    for (i = 0; i < SECRET_CACHE && SC.e[i].app_id != app_id; i++)
        ;
    if (i == SECRET_CACHE)
        i = SC.next++ % SECRET_CACHE;
    memset(SC.e[i].secret, 0, sizeof(SC.e[i].secret));
    SC.e[i].app_id = app_id;
    SC.e[i].until = ed_mono_ms() + (double)app->cfg->cache_ttl_ms;
    snprintf(SC.e[i].secret, sizeof(SC.e[i].secret), "%s", secret);
    pthread_mutex_unlock(&SC.lock);
}

/* Try the client secret of each instance of the app (those on the batch's
 * portal first). ED_ERR_AUTH when none verifies. */
static enum ed_err verify_with_app(struct ed_app *app, int64_t app_id,
                                   int64_t portal_id,
                                   const struct hs_sig_input *sig)
{
    struct store_instance *rows = NULL;
    size_t n = 0;
    enum ed_err err;
    if (cache_verify(app, app_id, sig))
        return ED_OK;
    err = store_instance_find_by_app(app->store, app_id, 0, portal_id,
                                     MAX_CANDIDATES, &rows, &n);
    if (err)
        return err;
    err = ED_ERR_AUTH;
    for (size_t i = 0; i < n; i++) {
        struct instance in;
        if (err == ED_OK || instance_from_row(app, &rows[i], &in) != ED_OK)
            continue;
        const char *secret = instance_cfg(&in, "oauth.api.secret");
        if (secret && hs_sig_verify(sig, secret)) {
            cache_put(app, app_id, secret);
            err = ED_OK;
        }
        instance_cleanup(&in);
    }
    store_instances_free(rows, n);
    return err;
}

/* --- ingest ---------------------------------------------------------------- */

static void kick(void);

static bool int_member(const json_t *e, const char *k, int64_t *out)
{
    json_t *v = json_object_get(e, k);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

enum wh_ingest events_webhooks_ingest(struct ed_app *app,
                                      const char *element_key,
                                      const struct hs_sig_input *sig,
                                      json_t *batch, const char **why)
{
    int64_t app_id = 0, portal_id = 0, id = 0;
    size_t i;
    json_t *e;
    switch (hs_sig_precheck(sig, ed_now_ms())) {
    case HS_SIG_OK: break;
    case HS_SIG_MISSING:
        *why = "Missing HubSpot signature (X-HubSpot-Signature-v3 or "
               "X-HubSpot-Signature)";
        return WH_UNSIGNED;
    case HS_SIG_NO_TS:
        *why = "X-HubSpot-Signature-v3 needs a numeric "
               "X-HubSpot-Request-Timestamp";
        return WH_UNSIGNED;
    case HS_SIG_STALE:
        *why = "X-HubSpot-Request-Timestamp is more than 5 minutes off";
        return WH_STALE;
    case HS_SIG_VERSION:
        *why = "Unknown X-HubSpot-Signature-Version";
        return WH_UNSIGNED;
    }
    if (!json_is_array(batch) || json_array_size(batch) == 0) {
        *why = "The body must be a non-empty JSON array of HubSpot events";
        return WH_BAD_BODY;
    }
    if (json_array_size(batch) > WH_MAX_EVENTS) {
        *why = "More events in one batch than allowed (1000)";
        return WH_TOO_MANY;
    }
    json_array_foreach(batch, i, e) {
        int64_t a, p;
        if (!json_is_object(e) || !int_member(e, "appId", &a) ||
            !int_member(e, "portalId", &p) ||
            !json_is_string(json_object_get(e, "subscriptionType"))) {
            *why = "Each event needs an integer appId and portalId and a "
                   "subscriptionType";
            return WH_BAD_BODY;
        }
        if (i == 0) {
            app_id = a;
            portal_id = p;
        } else if (a != app_id) {
            *why = "The events of one batch must come from one appId";
            return WH_BAD_BODY;
        }
    }
    enum ed_err err = verify_with_app(app, app_id, portal_id, sig);
    if (err == ED_ERR_AUTH) {
        *why = "Invalid HubSpot signature";
        return WH_FORGED;
    }
    if (err == ED_OK)
        err = store_inbox_put(app->store, element_key, sig->body, sig->body_len,
                              ed_now_ms(), &id);
    if (err) {
        *why = "Database unavailable; retry in a moment";
        return WH_DB;
    }
    /* processing soon; if that is lost (stop, crash), the sweep */
    (void)id;
    kick();
    return WH_STORED;
}

/* --- processing (events loop) --------------------------------------------- */

static struct ed_app *g_app;
static atomic_bool g_kicked;
static int64_t g_last_purge;

/* One (appId, portalId) of a group of batches. */
struct pair {
    int64_t app_id, portal_id;
};

static bool event_in(const json_t *e, const struct pair *p)
{
    int64_t a, q;
    return int_member(e, "appId", &a) && int_member(e, "portalId", &q) &&
           a == p->app_id && q == p->portal_id;
}

/* Route the events of pair p found in batches[0..n) to its instances
 * (looked up once for the group). A row whose events could not be queued
 * is marked in failed[]. */
static void route(struct ed_app *app, json_t **batches, size_t n,
                  const struct pair *p, bool *failed)
{
    struct store_instance *rows = NULL;
    size_t nrows = 0;
    enum ed_err err = store_instance_find_by_app(app->store, p->app_id,
                                                 p->portal_id, p->portal_id,
                                                 MAX_ROUTED, &rows, &nrows);
    for (size_t r = 0; r < nrows && !err; r++) {
        struct instance in;
        if (rows[r].disabled || instance_from_row(app, &rows[r], &in) != ED_OK)
            continue;
        if (!wants_webhooks(&in)) {
            instance_cleanup(&in);
            continue;
        }
        /* one enqueue per batch: `raw` (the batch's events for this
         * instance) is repeated in each of its notifications */
        for (size_t b = 0; b < n && !err; b++) {
            json_t *events = json_array(), *raw = json_array(), *e;
            size_t i;
            json_array_foreach(batches[b], i, e) {
                char obj[64];
                const char *kind;
                if (!event_in(e, p) ||
                    !event_object(e, obj, sizeof(obj), &kind) ||
                    !wants_object(&in, obj))
                    continue;
                json_t *ce = events_webhooks_map(in.el->key, e);
                if (!ce)
                    continue;
                json_array_append_new(events, ce);
                json_array_append(raw, e);
            }
            if (json_array_size(events))
                err = events_enqueue(app, &in, "webhook", events, raw, 20);
            json_decref(events);
            json_decref(raw);
        }
        instance_cleanup(&in);
    }
    if (err) /* the rest of the pair's instances were not served either */
        for (size_t b = 0; b < n; b++) {
            size_t i;
            json_t *e;
            json_array_foreach(batches[b], i, e) {
                if (event_in(e, p))
                    failed[b] = true;
            }
        }
    if (err)
        ed_warn(NULL,
                "msg=\"webhook events not queued\" app=%lld portal=%lld "
                "err=\"%s\"",
                (long long)p->app_id, (long long)p->portal_id,
                ed_strerror(err));
    store_instances_free(rows, nrows);
}

/* A group of claimed rows: route every (app, portal) pair they hold, then
 * mark the rows processed in one statement; a row whose events could not
 * all be queued is given back with a back-off (instances already served
 * may get its events again: at least once). */
static void process_group(struct ed_app *app, const struct store_inbox *rows,
                          size_t n)
{
    json_t **batches = ed_calloc(n, sizeof(*batches));
    bool *failed = ed_calloc(n, sizeof(*failed));
    int64_t *done = ed_calloc(n, sizeof(*done));
    struct pair *pairs = NULL;
    size_t npairs = 0, ndone = 0;
    for (size_t b = 0; b < n; b++) {
        json_error_t je;
        size_t i;
        json_t *e;
        batches[b] = json_loads(rows[b].body, 0, &je);
        if (!json_is_array(batches[b])) { /* checked at ingest: cannot be */
            ed_warn(NULL,
                    "msg=\"webhook batch unreadable, dropped\" inbox=%lld",
                    (long long)rows[b].id);
            json_decref(batches[b]);
            batches[b] = json_array();
        }
        json_array_foreach(batches[b], i, e) {
            struct pair p;
            size_t k;
            if (!int_member(e, "appId", &p.app_id) ||
                !int_member(e, "portalId", &p.portal_id))
                continue;
            for (k = 0; k < npairs; k++)
                if (pairs[k].app_id == p.app_id &&
                    pairs[k].portal_id == p.portal_id)
                    break;
            if (k == npairs) {
                pairs = ed_realloc(pairs, (npairs + 1) * sizeof(*pairs));
                pairs[npairs++] = p;
            }
        }
    }
    for (size_t k = 0; k < npairs; k++)
        route(app, batches, n, &pairs[k], failed);
    int64_t now = ed_now_ms();
    for (size_t b = 0; b < n; b++) {
        if (!failed[b]) {
            done[ndone++] = rows[b].id;
            continue;
        }
        int64_t back = 5000;
        for (int k = 1; k < rows[b].attempts && back < RETRY_MAX_MS; k++)
            back *= 2;
        if (back > RETRY_MAX_MS)
            back = RETRY_MAX_MS;
        ed_warn(NULL,
                "msg=\"webhook batch not processed\" inbox=%lld attempt=%d "
                "retry_ms=%lld",
                (long long)rows[b].id, rows[b].attempts, (long long)back);
        store_inbox_retry(app->store, rows[b].id, now + back,
                          "events not queued");
    }
    if (store_inbox_done(app->store, done, ndone, now) != ED_OK)
        ed_warn(NULL, "msg=\"webhook batches processed, not marked\" rows=%zu",
                ndone);
    for (size_t b = 0; b < n; b++)
        json_decref(batches[b]);
    free(batches);
    free(failed);
    free(done);
    free(pairs);
}

/* Claim what is due (new rows, rows whose lease ran out or whose back-off
 * ended) and process it; again while full groups come. One group per turn
 * of the loop, so deliveries and timers go on meanwhile. */
static void drain(void *ud)
{
    struct store_inbox *rows = NULL;
    size_t n = 0;
    (void)ud;
    atomic_store(&g_kicked, false);
    if (!g_app || store_inbox_claim(g_app->store, 0, ed_now_ms(), LEASE_MS,
                                    INT64_MAX, DRAIN_BATCH, &rows, &n) != ED_OK)
        return;
    if (n)
        process_group(g_app, rows, n);
    store_inbox_free(rows, n);
    if (n == DRAIN_BATCH)
        kick();
}

static void kick(void)
{
    if (!atomic_exchange(&g_kicked, true) && !events_loop_post(drain, NULL))
        atomic_store(&g_kicked, false);
}

static void sweep(void *ud)
{
    (void)ud;
    int64_t now = ed_now_ms();
    kick();
    if (now - g_last_purge > 60000) {
        size_t n = 0;
        g_last_purge = now;
        store_inbox_purge(g_app->store, now - KEEP_PROCESSED_MS, &n);
    }
    events_loop_after(SWEEP_MS, sweep, NULL);
}

static void start_on_loop(void *ud)
{
    (void)ud;
    /* leftovers of a previous run at once, then periodically */
    kick();
    events_loop_after(SWEEP_MS, sweep, NULL);
}

enum ed_err events_webhooks_start(struct ed_app *app)
{
    g_app = app;
    g_last_purge = 0;
    atomic_store(&g_kicked, false);
    events_loop_post(start_on_loop, NULL);
    return ED_OK;
}

void events_webhooks_stop(void)
{
    /* the loop is stopped after this part: its timers and posts are
     * dropped with it; what they would have done is in the store */
    atomic_store(&g_kicked, false);
}
