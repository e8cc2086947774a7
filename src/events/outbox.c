/* SPDX-License-Identifier: MIT
 * Events: the outbox (spec elements-api.md §5.4-5.5). events_enqueue turns
 * a batch of changes into notifications, one store row each (committed
 * before it returns); the delivery pass on the events loop claims due rows
 * (a lease, so that one node makes each attempt), POSTs them to the
 * instance's callback URL with provider_async_submit and writes the
 * outcomes back in batches.
 *
 * Delivery: a 2xx is delivered; anything else (3xx: redirects are not
 * followed, 4xx, 5xx, a timeout, a refused connection) is a failure,
 * retried after 4^x units for retry x (x = 1..9; the unit is 1 s unless
 * --event-retry-unit-us compresses it); the 9th failed retry makes the row
 * "queued" (and the instance's later notifications queue behind it until
 * they are re-sent). Every attempt sends the same body and eventId.
 *
 * Receivers are kept apart: at most --event-receiver-concurrency POSTs are
 * in flight per receiver (scheme://host:port of the URL) and at most twice
 * that wait in memory; further rows claimed for a busy receiver are put
 * back, due a little later, without counting an attempt. So a receiver
 * that is slow or down holds its own slots only, never another's. Claims
 * are sized to that room: a claim skips the instances of receivers that
 * are full, and one made because POSTs completed asks for no more rows
 * than the receivers with room can take (none: no claim); the tick, a retry
 * timer or an enqueue claim that plus --event-receiver-concurrency rows,
 * for receivers not seen yet. The
 * lease covers the longest a claimed row can wait here plus its own POST
 * (3 x timeout + 5 s): a node that dies mid-attempt leaves rows that are
 * claimed again once it expires. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "events/events.h"
#include "events/events_int.h"
#include "events/loop.h"
#include "events/outbox.h"
#include "provider/async.h"
#include "store/store.h"
#include "metrics/metrics.h"

#define CLAIM_BATCH 256  /* rows per claim */
#define HELD_MAX 2048    /* rows claimed and not yet written back */
#define TICK_MS 1000     /* look for due rows (other nodes', expired leases) */
#define POSTPONE_MS 1000 /* a row put back for a busy receiver */
#define INST_CACHE 16    /* instances loaded per pass */
#define RC_INSTS 16      /* instances remembered per receiver */
#define SKIP_MAX 256     /* instances a claim may skip */

/* --- configuration --------------------------------------------------------
 * Only the two keys a delivery needs, read directly (events_config_read
 * also parses the poller configuration: too much for every delivery). The
 * callback URL was checked when it was configured (events/config.c). */

static void outbox_config(const struct instance *in, const char **url,
                          const char **key)
{
    *url = instance_cfg(in, "event.notification.callback.url");
    *key = instance_cfg(in, "event.notification.signature.key");
    if (*url && !**url)
        *url = NULL;
    if (*key && !**key)
        *key = NULL;
}

/* --- enqueue ----------------------------------------------------------- */

static json_t *event_copy(json_t *ev, const char *element_key)
{
    json_t *o = json_object();
    json_t *v;
    char date[32];
    json_object_set_new(o, "elementKey", json_string(element_key));
    v = json_object_get(ev, "objectType");
    json_object_set_new(o, "objectType",
                        json_string(json_is_string(v) ? json_string_value(v)
                                                      : "unknown"));
    v = json_object_get(ev, "objectId");
    if (json_is_integer(v)) {
        char *id = ed_asprintf("%lld", (long long)json_integer_value(v));
        json_object_set_new(o, "objectId", json_string(id));
        free(id);
    } else if (json_is_string(v)) {
        json_object_set(o, "objectId", v);
    } else {
        json_object_set_new(o, "objectId", json_string(""));
    }
    v = json_object_get(ev, "eventType");
    json_object_set_new(o, "eventType",
                        json_string(json_is_string(v) ? json_string_value(v)
                                                      : "UNKNOWN"));
    v = json_object_get(ev, "date");
    if (json_is_string(v)) {
        json_object_set(o, "date", v);
    } else {
        ed_iso8601(ed_now_s(), date, sizeof(date));
        json_object_set_new(o, "date", json_string(date));
    }
    return o;
}

enum ed_err events_enqueue(struct ed_app *app, const struct instance *in,
                           const char *source, json_t *events, json_t *raw,
                           size_t per_notification)
{
    return events_outbox_enqueue(app, in, source, events, raw, per_notification,
                                 NULL);
}

enum ed_err events_outbox_enqueue(struct ed_app *app, const struct instance *in,
                                  const char *source, json_t *events,
                                  json_t *raw, size_t per_notification,
                                  json_t *ids)
{
    size_t total = json_array_size(events), nrows, i;
    struct store_delivery *rows;
    const char *url, *key;
    const char *ek = in->row.element_key;
    int64_t now = ed_now_ms();
    enum ed_err err;
    if (!json_is_array(events) || total == 0)
        return ED_OK;
    if (per_notification == 0)
        per_notification = 1;
    outbox_config(in, &url, &key);
    nrows = (total + per_notification - 1) / per_notification;
    rows = ed_calloc(nrows, sizeof(*rows));
    for (i = 0; i < nrows; i++) {
        char eid[25];
        json_t *msg = json_object(), *list = json_array();
        for (size_t k = i * per_notification;
             k < total && k < (i + 1) * per_notification; k++)
            json_array_append_new(list,
                                  event_copy(json_array_get(events, k), ek));
        crypto_request_id(eid);
        json_object_set_new(msg, "eventId", json_string(eid));
        json_object_set_new(msg, "instance_id", json_integer(in->row.id));
        json_object_set_new(msg, "instanceId", json_integer(in->row.id));
        json_object_set_new(msg, "elementKey", json_string(ek));
        json_object_set_new(msg, "events", list);
        json_object_set_new(msg, "raw", raw ? json_incref(raw) : json_object());
        json_t *body = json_pack("{s:o}", "message", msg);
        rows[i].event_id = ed_strdup(eid);
        rows[i].org_id = in->row.org_id;
        rows[i].instance_id = in->row.id;
        rows[i].element_key = ed_strdup(ek);
        rows[i].source = ed_strdup(source ? source : "polling");
        rows[i].body = json_dumps(body, JSON_COMPACT);
        rows[i].url = url ? ed_strdup(url) : NULL;
        rows[i].status = ed_strdup("pending");
        rows[i].created_at = now;
        json_decref(body);
        if (!rows[i].body)
            abort(); /* jansson out of memory: the OOM policy */
    }
    err = store_delivery_add(app->store, rows, nrows);
    for (i = 0; ids && err == ED_OK && i < nrows; i++)
        json_array_append_new(ids, json_string(rows[i].event_id));
    store_deliveries_free(rows, nrows);
    if (err == ED_OK)
        events_outbox_kick();
    return err;
}

enum ed_err events_callback_enqueue(struct ed_app *app,
                                    const struct instance *in,
                                    const char *source, const char *url,
                                    json_t *body, char event_id[25])
{
    struct store_delivery row = {0};
    const char *cfg_url, *key;
    enum ed_err err;
    outbox_config(in, &cfg_url, &key);
    if (!url || !*url)
        url = cfg_url;
    if (!url)
        return ED_ERR_INVALID;
    if (strlen(event_id) != 24)
        crypto_request_id(event_id);
    row.event_id = ed_strdup(event_id);
    row.org_id = in->row.org_id;
    row.instance_id = in->row.id;
    row.element_key = ed_strdup(in->row.element_key);
    row.source = ed_strdup(source);
    row.body = json_dumps(body, JSON_COMPACT);
    if (!row.body)
        abort(); /* jansson out of memory: the OOM policy */
    row.url = ed_strdup(url);
    row.status = ed_strdup("pending");
    row.created_at = ed_now_ms();
    err = store_delivery_add(app->store, &row, 1);
    store_delivery_cleanup(&row);
    if (err == ED_OK)
        events_outbox_kick();
    return err;
}

/* A row of events (its URL is the instance's at each attempt) rather than
 * a callback (the URL it was queued with). */
static bool event_source(const char *source)
{
    return !strcmp(source, "polling") || !strcmp(source, "webhook") ||
           !strcmp(source, "test");
}

/* --- delivery (events loop only) --------------------------------------- */

struct receiver;

struct job {
    struct job *next; /* in its receiver's queue */
    struct store_delivery d;
    struct receiver *rc;
    char *url;
    char *sig;                 /* "Elements-Webhook-Signature: sha256=..." */
    struct provider_job *pj;   /* in flight */
    struct job *iprev, *inext; /* O.inflight while pj is set */
};

struct receiver {
    struct receiver *next;
    char *key; /* scheme://host:port */
    int inflight;
    int waiting;
    struct job *head, **tail;
    int64_t insts[RC_INSTS]; /* instances last seen sending here */
    size_t ninsts;
};

static struct {
    struct ed_app *app;
    atomic_bool kicked;
    atomic_bool running;
    bool stopping;
    struct receiver *receivers;
    struct job *inflight; /* submitted, not done */
    size_t held;          /* claimed, not yet written back */
    /* outcomes waiting to be written (one transaction) */
    struct store_delivery *done;
    size_t ndone, cap_done;
    bool flush_posted;
    unsigned long tick, retry_timer;
    double retry_due; /* mono ms of retry_timer */
} O;

static int64_t lease_ms(void)
{
    return 3 * O.app->cfg->event_delivery_timeout_ms + 5000;
}

static struct receiver *receiver_for(const char *url)
{
    const char *p = strstr(url, "://");
    size_t n = strlen(url);
    if (p) {
        const char *slash = strchr(p + 3, '/');
        const char *q = strchr(p + 3, '?');
        if (q && (!slash || q < slash))
            slash = q;
        if (slash)
            n = (size_t)(slash - url);
    }
    for (struct receiver *r = O.receivers; r; r = r->next)
        if (strlen(r->key) == n && memcmp(r->key, url, n) == 0)
            return r;
    struct receiver *r = ed_calloc(1, sizeof(*r));
    r->key = ed_strndup(url, n);
    r->tail = &r->head;
    r->next = O.receivers;
    O.receivers = r;
    return r;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    store_delivery_cleanup(&j->d);
    free(j->url);
    free(j->sig);
    free(j);
}

static void inflight_add(struct job *j)
{
    j->iprev = NULL;
    j->inext = O.inflight;
    if (O.inflight)
        O.inflight->iprev = j;
    O.inflight = j;
}

static void inflight_del(struct job *j)
{
    if (j->iprev)
        j->iprev->inext = j->inext;
    else
        O.inflight = j->inext;
    if (j->inext)
        j->inext->iprev = j->iprev;
    j->iprev = j->inext = NULL;
}

static void flush(void *ud);

static bool receiver_full(const struct receiver *r)
{
    return r->waiting >= 2 * O.app->cfg->event_receiver_concurrency;
}

/* Rows the receivers not full can still take (in flight + waiting). */
static size_t receivers_room(void)
{
    size_t room = 0;
    int cap = 3 * O.app->cfg->event_receiver_concurrency;
    for (struct receiver *r = O.receivers; r; r = r->next)
        if (!receiver_full(r) && r->inflight + r->waiting < cap)
            room += (size_t)(cap - r->inflight - r->waiting);
    return room;
}

/* Instance id now sends to r (and to no other receiver known here). */
static void receiver_note(struct receiver *r, int64_t instance_id)
{
    for (struct receiver *o = O.receivers; o; o = o->next)
        for (size_t i = 0; i < o->ninsts; i++)
            if (o->insts[i] == instance_id) {
                if (o == r)
                    return;
                o->insts[i] = o->insts[--o->ninsts];
                break;
            }
    if (r->ninsts < RC_INSTS)
        r->insts[r->ninsts++] = instance_id;
}

/* Queue the outcome of a claimed row for writing (takes d's strings). */
static void record(struct store_delivery *d)
{
    if (O.ndone == O.cap_done) {
        O.cap_done = O.cap_done ? 2 * O.cap_done : 64;
        O.done = ed_realloc(O.done, O.cap_done * sizeof(*O.done));
    }
    O.done[O.ndone++] = *d;
    memset(d, 0, sizeof(*d));
    if (!O.flush_posted && events_loop_post(flush, NULL))
        O.flush_posted = true;
}

static void set_error(struct store_delivery *d, const char *why)
{
    free(d->last_error);
    d->last_error = why ? ed_strdup(why) : NULL;
}

/* A failed attempt: the next retry, or queued after the last one. */
static void failed(struct store_delivery *d, long status, const char *why)
{
    d->attempts++;
    d->last_status = status;
    set_error(d, why);
    free(d->status);
    if (d->attempts > EVENTS_RETRIES) {
        d->status = ed_strdup("queued");
        return;
    }
    d->status = ed_strdup("retry");
    /* retry x = attempts waits 4^x units */
    double wait_us = (double)O.app->cfg->event_retry_unit_us;
    for (int64_t x = 0; x < d->attempts; x++)
        wait_us *= 4.0;
    d->next_at = ed_now_ms() + (int64_t)(wait_us / 1000.0);
}

static void pass(void *ud);
static void start(struct receiver *r);

static void delivered(void *ud, enum ed_err err, struct provider_response *rs)
{
    struct job *j = ud;
    struct receiver *r = j->rc;
    j->pj = NULL;
    inflight_del(j);
    r->inflight--;
    if (err == ED_OK && rs->status >= 200 && rs->status < 300) {
        j->d.attempts++;
        j->d.last_status = rs->status;
        j->d.delivered_at = ed_now_ms();
        set_error(&j->d, NULL);
        free(j->d.status);
        j->d.status = ed_strdup("delivered");
    } else if (err == ED_OK) {
        char why[64];
        snprintf(why, sizeof(why), "HTTP %ld", rs->status);
        failed(&j->d, rs->status, why);
    } else {
        failed(&j->d, 0,
               err == ED_ERR_TIMEOUT ? "timeout" : "connection failed");
    }
    mx_inc(MX_EVENT_DELIVERIES,
           j->d.delivered_at                    ? MXD_DELIVERED
           : strcmp(j->d.status, "queued") == 0 ? MXD_GIVEN_UP
                                                : MXD_FAILED,
           0, 0);
    mx_observe(MX_EVENT_DELIVERY_DURATION, 0, 0, rs->ms);
    mx_observe(MX_EVENT_DELIVERY_LATENCY, 0, 0,
               j->d.delivered_at ? (double)(j->d.delivered_at - j->d.created_at)
                                 : -1);
    ed_debug(NULL,
             "msg=\"event delivery\" event_id=%s instance=%lld status=%s "
             "http=%ld attempts=%lld",
             j->d.event_id, (long long)j->d.instance_id, j->d.status,
             (long)j->d.last_status, (long long)j->d.attempts);
    free(j->d.url);
    j->d.url = j->url;
    j->url = NULL;
    record(&j->d);
    job_free(j);
    start(r);
}

static void job_ud_free(void *ud)
{
    job_free(ud);
}

/* Send the receiver's waiting jobs while it has free slots. */
static void start(struct receiver *r)
{
    while (r->head && r->inflight < O.app->cfg->event_receiver_concurrency) {
        struct job *j = r->head;
        r->head = j->next;
        if (!r->head)
            r->tail = &r->head;
        r->waiting--;
        j->next = NULL;
        char idh[64];
        struct provider_request rq = {0};
        snprintf(idh, sizeof(idh), "Elements-Webhook-Id: %s", j->d.event_id);
        rq.method = "POST";
        rq.url = j->url;
        rq.content_type = "application/json";
        rq.body = j->d.body;
        rq.body_len = strlen(j->d.body);
        rq.headers[0] = idh;
        rq.headers[1] = j->sig;
        rq.timeout_ms = (long)O.app->cfg->event_delivery_timeout_ms;
        r->inflight++;
        j->pj = provider_async_submit(&rq, 0, delivered, j);
        if (!j->pj) { /* not on the loop: cannot happen */
            r->inflight--;
            failed(&j->d, 0, "no engine");
            record(&j->d);
            job_free(j);
            continue;
        }
        provider_async_set_ud_free(j->pj, job_ud_free);
        inflight_add(j);
    }
}

struct inst_slot {
    int64_t id;
    enum ed_err err;
    struct instance in;
};

static struct instance *inst_get(struct inst_slot *c, size_t *n, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if (c[i].id == id)
            return c[i].err ? NULL : &c[i].in;
    if (*n == INST_CACHE) {
        instance_cleanup(&c[0].in);
        memmove(c, c + 1, (INST_CACHE - 1) * sizeof(*c));
        (*n)--;
    }
    struct inst_slot *s = &c[(*n)++];
    memset(s, 0, sizeof(*s));
    s->id = id;
    s->err = instance_load(O.app, 0, id, &s->in);
    return s->err ? NULL : &s->in;
}

/* Hand a claimed row to its receiver (or settle it at once). */
static void dispatch(struct store_delivery *d, struct inst_slot *cache,
                     size_t *ncache)
{
    const struct instance *in = inst_get(cache, ncache, d->instance_id);
    const char *url, *key;
    if (!in) {
        failed(d, 0, "instance not found");
        record(d);
        return;
    }
    outbox_config(in, &url, &key);
    if (!event_source(d->source) && d->url && *d->url)
        url = d->url;
    if (!url ||
        (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        failed(d, 0, "no callback URL");
        record(d);
        return;
    }
    struct receiver *r = receiver_for(url);
    receiver_note(r, d->instance_id);
    if (receiver_full(r)) {
        /* busy receiver: back to the store, a little later, no attempt */
        d->next_at = ed_now_ms() + POSTPONE_MS;
        record(d);
        return;
    }
    struct job *j = ed_calloc(1, sizeof(*j));
    j->d = *d;
    memset(d, 0, sizeof(*d));
    j->rc = r;
    j->url = ed_strdup(url);
    if (key) {
        uint8_t mac[32];
        crypto_hmac_sha256(key, strlen(key), j->d.body, strlen(j->d.body), mac);
        char *b64 = crypto_b64(mac, sizeof(mac));
        j->sig = ed_asprintf("Elements-Webhook-Signature: sha256=%s", b64);
        free(b64);
    }
    *r->tail = j;
    r->tail = &j->next;
    r->waiting++;
}

static void arm_retry(int64_t due_ms_epoch)
{
    double due = ed_mono_ms() + (double)(due_ms_epoch - ed_now_ms());
    if (O.retry_timer && O.retry_due <= due)
        return;
    if (O.retry_timer)
        events_loop_cancel(O.retry_timer);
    long ms = (long)(due - ed_mono_ms());
    O.retry_timer = events_loop_after(ms < 0 ? 0 : ms, pass, &O.retry_timer);
    O.retry_due = due;
}

static void flush(void *ud)
{
    size_t n = O.ndone, written = 0;
    enum ed_err err;
    (void)ud;
    O.flush_posted = false;
    if (!n || O.stopping)
        return;
    err = store_delivery_finish(O.app->store, O.done, n, &written);
    if (err)
        ed_warn(NULL, "msg=\"event outcomes not written\" rows=%zu err=%s", n,
                ed_strerror(err));
    /* rows not written keep their lease and are claimed again when it
     * expires (an attempt repeated: at least once) */
    for (size_t i = 0; i < n; i++) {
        if (!err && (!strcmp(O.done[i].status, "retry") ||
                     !strcmp(O.done[i].status, "pending")))
            arm_retry(O.done[i].next_at);
        store_delivery_cleanup(&O.done[i]);
    }
    O.ndone = 0;
    O.held -= n;
    /* slots freed: claim for the receivers with room only (rows for others
     * are found by the tick, a retry timer or an enqueue's kick) */
    pass(&O.done);
}

/* ud: &O.done after a write-back, else a full claim. */
static void pass(void *ud)
{
    struct store_delivery *rows = NULL;
    size_t n = 0, max, room, ncache = 0, nskip = 0;
    struct inst_slot cache[INST_CACHE];
    int64_t skip[SKIP_MAX];
    enum ed_err err;
    if (ud == &O.retry_timer)
        O.retry_timer = 0;
    if (O.stopping || O.held >= HELD_MAX)
        return;
    max = HELD_MAX - O.held;
    if (max > CLAIM_BATCH)
        max = CLAIM_BATCH;
    room = receivers_room();
    if (ud == &O.done && room == 0)
        return;
    if (ud != &O.done) /* plus a little for receivers not seen yet */
        room += (size_t)O.app->cfg->event_receiver_concurrency;
    if (room < max)
        max = room;
    for (struct receiver *r = O.receivers; r; r = r->next)
        for (size_t i = 0;
             receiver_full(r) && i < r->ninsts && nskip < SKIP_MAX; i++)
            skip[nskip++] = r->insts[i];
    err = store_delivery_claim(O.app->store, ed_now_ms(), lease_ms(), max, skip,
                               nskip, &rows, &n);
    if (err) {
        ed_warn(NULL, "msg=\"event claim failed\" err=%s", ed_strerror(err));
        return;
    }
    O.held += n;
    for (size_t i = 0; i < n; i++)
        dispatch(&rows[i], cache, &ncache);
    for (size_t i = 0; i < ncache; i++)
        if (!cache[i].err)
            instance_cleanup(&cache[i].in);
    store_deliveries_free(rows, n);
    for (struct receiver *r = O.receivers; r; r = r->next)
        start(r);
    if (n == max && ud != &O.done)
        events_outbox_kick(); /* more may be due */
}

static void kicked(void *ud)
{
    (void)ud;
    atomic_store(&O.kicked, false);
    pass(NULL);
}

void events_outbox_kick(void)
{
    if (!atomic_load(&O.running))
        return;
    if (!atomic_exchange(&O.kicked, true) && !events_loop_post(kicked, NULL))
        atomic_store(&O.kicked, false);
}

static void on_tick(void *ud)
{
    (void)ud;
    O.tick = events_loop_after(TICK_MS, on_tick, NULL);
    pass(NULL);
}

static void begin(void *ud)
{
    (void)ud;
    O.tick = events_loop_after(TICK_MS, on_tick, NULL);
    pass(NULL);
}

enum ed_err events_outbox_start(struct ed_app *app)
{
    O.app = app;
    O.stopping = false;
    atomic_store(&O.kicked, false);
    atomic_store(&O.running, true);
    if (!events_loop_post(begin, NULL)) {
        atomic_store(&O.running, false);
        return ED_ERR_IO;
    }
    return ED_OK;
}

/* On the loop: drop everything held in memory. Rows in flight or waiting
 * keep their lease and are attempted again once it expires (on this node
 * after a restart, or on another): at least once. */
static void shutdown_on_loop(void *ud)
{
    atomic_int *doneflag = ud;
    O.stopping = true;
    if (O.tick)
        events_loop_cancel(O.tick);
    if (O.retry_timer)
        events_loop_cancel(O.retry_timer);
    O.tick = O.retry_timer = 0;
    while (O.receivers) {
        struct receiver *r = O.receivers;
        O.receivers = r->next;
        while (r->head) {
            struct job *j = r->head;
            r->head = j->next;
            job_free(j);
        }
        free(r->key);
        free(r);
    }
    /* in-flight jobs: cancelled, each freeing its job (ud_free) */
    while (O.inflight) {
        struct job *j = O.inflight;
        inflight_del(j);
        provider_async_cancel(j->pj);
    }
    atomic_store(doneflag, 1);
}

void events_outbox_stop(void)
{
    atomic_int doneflag = 0;
    if (!atomic_exchange(&O.running, false))
        return;
    if (events_loop_post(shutdown_on_loop, &doneflag))
        while (!atomic_load(&doneflag))
            nanosleep(&(struct timespec){0, 5000000}, NULL);
    for (size_t i = 0; i < O.ndone; i++)
        store_delivery_cleanup(&O.done[i]);
    free(O.done);
    O.done = NULL;
    O.ndone = O.cap_done = 0;
    O.held = 0;
}
