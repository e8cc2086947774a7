/* SPDX-License-Identifier: MIT
 * Events: the poller (spec elements-api.md §5.2; docs/api/events.md
 * "Polling"). Every instance with polling events enabled has one row per
 * polled resource in the store (event_polls): its due time, its durable
 * watermark and the changes already reported at it. On the events loop a
 * tick (every 250 ms) claims the due rows (a lease: one node per poll),
 * and so does a claim a few ms after polls end while a backlog lasts; each poll
 * re-reads its instance, expands the resource's URL placeholders with
 * watermark - pollDelay, pages through the hub (hubcall.c: the client call
 * path, so the per-portal throttle and token refreshes are shared) until
 * records are older than that, decides CREATED or UPDATED, queues the
 * changes (events_enqueue) and only then advances the watermark. Rows are
 * created and removed by a reconciliation pass over the instances that
 * mention events in their configuration, once per poll minute, in slices of
 * ~20 ms between which the loop goes on polling. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "elements/elements.h"
#include "events/config.h"
#include "events/events.h"
#include "events/events_int.h"
#include "events/hubcall.h"
#include "events/loop.h"
#include "events/placeholders.h"
#include "store/store.h"

#define TICK_MAX_MS 250 /* claim due polls at least this often */
#define KICK_MS 5       /* coalesce claims after polls end */
#define MAX_RUNNING 256 /* polls in flight on this node */
#define CLAIM_MIN 16    /* a claim after polls end waits for this much room */
#define RECONCILE_SLICE_MS 20 /* reconciliation work per turn of the loop */
#define MAX_PAGES 50          /* pages followed by one poll */
#define DEFAULT_PAGE_SIZE 100
#define RECONCILE_BATCH 64

/* The instance's events configuration (events/config.h). */
struct poll_cfg {
    bool enabled, polling;
    int refresh_minutes;
    json_t *poller; /* borrowed from ec */
    struct events_config ec;
};

static void poll_cfg_read(const struct instance *in, struct poll_cfg *c)
{
    memset(c, 0, sizeof(*c));
    if (events_config_read(in, &c->ec, NULL) != ED_OK)
        return;
    c->enabled = c->ec.enabled;
    c->polling = !c->ec.webhook;
    c->refresh_minutes = c->ec.refresh_minutes >= 1 ? c->ec.refresh_minutes : 1;
    c->poller = c->ec.poller;
}

static void poll_cfg_cleanup(struct poll_cfg *c)
{
    events_config_cleanup(&c->ec);
    memset(c, 0, sizeof(*c));
}

/* Whether the poller polls this resource (event.poller.urls, event.objects). */
static bool poll_cfg_wants(const struct poll_cfg *c, const char *resource)
{
    return events_config_polls(&c->ec, resource);
}

/* --- state --------------------------------------------------------------- */

static struct {
    struct ed_app *app;
    char owner[32]; /* this node's lease name */
    atomic_bool on;
    unsigned long timer;
    unsigned long kick; /* a claim soon, after polls ended */
    int64_t next_reconcile_ms;
    int64_t reconcile_after; /* > 0: a pass in progress, past this id */
    bool reconciling;
    int running;
    bool crash_test;
} P;

static int64_t minute_ms(void)
{
    return P.app->cfg->poll_minute_ms > 0 ? P.app->cfg->poll_minute_ms : 60000;
}

/* A stable spread of (instance, resource) over [0, 1): the golden-ratio
 * sequence of the instance id (consecutive ids land far apart), shifted a
 * little per resource so one instance's resources do not poll together. */
static double spread(int64_t id, const char *resource)
{
    uint32_t h = 2166136261u;
    for (const char *p = resource; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    double x = (double)id * 0.6180339887498949 + (double)(h % 1000) / 3000.0;
    return x - (double)(int64_t)x;
}

/* The first slot of (id, resource) at or after now. */
static int64_t next_slot(int64_t id, const char *resource, int64_t interval,
                         int64_t now)
{
    int64_t off = (int64_t)(spread(id, resource) * (double)interval);
    int64_t k = (now - off) / interval;
    int64_t t = k * interval + off;
    while (t < now)
        t += interval;
    return t;
}

static int64_t interval_of(const struct poll_cfg *c)
{
    return (int64_t)c->refresh_minutes * minute_ms();
}

/* --- reconciliation: rows for what instances want -------------------------- */

static void reconcile_one(int64_t id, int64_t now)
{
    struct instance in = {0};
    struct poll_cfg c;
    struct store_poll *rows = NULL;
    size_t nrows = 0;
    if (instance_load(P.app, 0, id, &in) != ED_OK)
        return;
    poll_cfg_read(&in, &c);
    if (!c.enabled || !c.polling || in.row.disabled || !in.row.valid) {
        store_poll_delete(P.app->store, id, NULL);
        goto out;
    }
    int64_t interval = interval_of(&c);
    const char *res;
    json_t *rc;
    json_object_foreach(c.poller, res, rc) {
        if (!json_is_object(rc) || !poll_cfg_wants(&c, res))
            continue;
        struct store_poll p = {.instance_id = id,
                               .resource = (char *)res,
                               .interval_ms = interval,
                               .due_ms = next_slot(id, res, interval, now),
                               .watermark_ms = now,
                               .seen = "{}"};
        store_poll_schedule(P.app->store, &p);
    }
    if (store_poll_list(P.app->store, id, &rows, &nrows) == ED_OK)
        for (size_t i = 0; i < nrows; i++) {
            json_t *rcfg = json_object_get(c.poller, rows[i].resource);
            if (!json_is_object(rcfg) || !poll_cfg_wants(&c, rows[i].resource))
                store_poll_delete(P.app->store, id, rows[i].resource);
        }
    store_polls_free(rows, nrows);
out:
    poll_cfg_cleanup(&c);
    instance_cleanup(&in);
}

/* An instance changed through this node's API: bring its poll rows in line
 * now rather than at the next reconciliation pass (other nodes' changes
 * are picked up by their pass, within one poll-minute). */
static void changed_on_loop(void *ud)
{
    int64_t *id = ud;
    if (atomic_load(&P.on))
        reconcile_one(*id, ed_now_ms());
    free(id);
}

void events_instance_changed(int64_t instance_id)
{
    int64_t *id;
    if (!atomic_load(&P.on))
        return;
    id = ed_calloc(1, sizeof(*id));
    *id = instance_id;
    if (!events_loop_post(changed_on_loop, id))
        free(id);
}

/* One slice of the reconciliation pass: batches of instances until
 * RECONCILE_SLICE_MS have gone by; the rest of the pass runs at the next
 * turn of the loop, so polls keep starting and ending meanwhile. Returns
 * true when the pass is over. */
static bool reconcile_slice(int64_t now)
{
    int64_t ids[RECONCILE_BATCH];
    size_t n;
    int64_t t0 = ed_now_ms();
    do {
        if (store_poll_candidates(P.app->store, P.reconcile_after, ids,
                                  RECONCILE_BATCH, &n) != ED_OK)
            return true;
        for (size_t i = 0; i < n; i++)
            reconcile_one(ids[i], now);
        if (n)
            P.reconcile_after = ids[n - 1];
        if (n < RECONCILE_BATCH)
            return true;
    } while (ed_now_ms() - t0 < RECONCILE_SLICE_MS);
    return false;
}

static void reconcile_step(void *ud)
{
    (void)ud;
    if (!atomic_load(&P.on))
        return;
    if (reconcile_slice(ed_now_ms())) {
        P.reconciling = false;
        P.reconcile_after = 0;
        return;
    }
    events_loop_after(0, reconcile_step, NULL);
}

/* --- one poll ------------------------------------------------------------ */

struct poll {
    struct store_poll row; /* owned */
    struct instance in;
    json_t *rcfg;    /* the resource's poller configuration */
    char *base_url;  /* expanded URL with pageSize */
    int64_t started; /* this poll's instant: the next watermark */
    int64_t since;   /* watermark - pollDelay */
    int64_t next_since;
    json_t *seen_old; /* {"id": updated} reported before */
    json_t *seen_new;
    json_t *events;
    json_t *records;
    int pages;
};

static void poll_free(struct poll *p)
{
    free(p->row.resource);
    free(p->row.seen);
    instance_cleanup(&p->in);
    json_decref(p->rcfg);
    free(p->base_url);
    json_decref(p->seen_old);
    json_decref(p->seen_new);
    json_decref(p->events);
    json_decref(p->records);
    free(p);
}

/* The row's next regular slot after this poll. */
static int64_t next_due(const struct store_poll *r, int64_t now)
{
    int64_t due = r->due_ms + r->interval_ms;
    if (due <= now)
        due = next_slot(r->instance_id, r->resource, r->interval_ms, now + 1);
    return due;
}

static void kick(void);

/* End the poll: the watermark advances only when `advance`. */
static void poll_end(struct poll *p, bool advance)
{
    int64_t now = ed_now_ms();
    struct store_poll w = p->row;
    char *seen = NULL;
    w.due_ms = next_due(&p->row, now);
    if (advance) {
        seen = json_dumps(p->seen_new, JSON_COMPACT);
        w.watermark_ms = p->started;
        w.seen = seen;
    }
    enum ed_err err = store_poll_finish(P.app->store, &w, P.owner);
    if (err != ED_OK)
        ed_warn(NULL,
                "msg=\"poll lease lost or store failed\" instance=%lld "
                "resource=%s err=%d",
                (long long)p->row.instance_id, p->row.resource, (int)err);
    free(seen);
    P.running--;
    poll_free(p);
    kick();
}

/* Value at a dotted path ("properties.lastmodifieddate"). */
static json_t *path_get(json_t *v, const char *path)
{
    char key[128];
    while (path && *path && v) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

static const char *cfg_str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t cfg_int(json_t *o, const char *k, int64_t def)
{
    json_t *v = json_object_get(o, k);
    int64_t n;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v) && ed_parse_i64(json_string_value(v), &n))
        return n;
    return def;
}

static void page_done(void *ud, const struct hubcall_result *r);

static void fetch(struct poll *p, const char *next_page)
{
    char *url = NULL;
    if (next_page) {
        char *tok = ed_strdup(next_page);
        /* cursors are URL-safe (hex), but encode defensively */
        url = ed_asprintf("%s&nextPage=%s", p->base_url, tok);
        free(tok);
    }
    if (hubcall_get(P.app, &p->in, url ? url : p->base_url, page_done, p) !=
        ED_OK) {
        ed_warn(NULL, "msg=\"poll could not start\" instance=%lld resource=%s",
                (long long)p->row.instance_id, p->row.resource);
        poll_end(p, false);
    }
    free(url);
}

static void take_records(struct poll *p, json_t *list, bool *older)
{
    json_t *dc = json_object_get(p->rcfg, "datesConfiguration");
    const char *ufield = cfg_str(dc, "updatedDateField");
    const char *cfield = cfg_str(dc, "createdDateField");
    const char *ufmt = cfg_str(dc, "updatedDateFormat");
    const char *cfmt = cfg_str(dc, "createdDateFormat");
    const char *utz = cfg_str(dc, "updatedDateTimezone");
    const char *ctz = cfg_str(dc, "createdDateTimezone");
    const char *idf = cfg_str(p->rcfg, "idField");
    json_t *fu = json_object_get(p->rcfg, "filterByUpdatedDate");
    bool filter = !json_is_false(fu);
    int64_t tol = cfg_int(p->rcfg, "createdCheckTolerance", 0) * 1000;
    size_t i;
    json_t *rec;
    json_array_foreach(list, i, rec) {
        int64_t up = 0, cr = 0;
        bool has_up = ufield &&
                      events_date_value(path_get(rec, ufield), ufmt, utz, &up);
        bool has_cr = cfield &&
                      events_date_value(path_get(rec, cfield), cfmt, ctz, &cr);
        if (filter && has_up && up < p->since) {
            *older = true; /* newest first: the rest is older still */
            continue;
        }
        json_t *idv = path_get(rec, idf ? idf : "id");
        if (!idv)
            idv = json_object_get(rec, "id");
        char idbuf[32];
        const char *id = json_string_value(idv);
        if (json_is_integer(idv)) {
            snprintf(idbuf, sizeof(idbuf), "%lld",
                     (long long)json_integer_value(idv));
            id = idbuf;
        }
        if (!id)
            continue;
        json_t *was = json_object_get(p->seen_new, id);
        if (has_up && json_is_integer(was) && json_integer_value(was) == up)
            continue; /* twice in this walk (records moved between pages) */
        /* remembered while the next window can return it again */
        if (has_up && up >= p->next_since)
            json_object_set_new(p->seen_new, id, json_integer(up));
        was = json_object_get(p->seen_old, id);
        if (has_up && json_is_integer(was) && json_integer_value(was) == up)
            continue; /* reported by an earlier, overlapping window */
        bool created = has_up && has_cr && (up - cr <= tol && cr - up <= tol);
        char date[32];
        ed_iso8601((has_up ? up : p->started) / 1000, date, sizeof(date));
        json_array_append_new(
            p->events,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "elementKey",
                      p->in.el ? p->in.el->key : "", "objectType",
                      p->row.resource, "objectId", id, "eventType",
                      created ? "CREATED" : "UPDATED", "date", date));
        json_array_append(p->records, rec);
    }
}

static void page_done(void *ud, const struct hubcall_result *r)
{
    struct poll *p = ud;
    bool older = false;
    if (r->status != 200 || !json_is_array(r->body)) {
        ed_warn(NULL,
                "msg=\"poll failed\" instance=%lld resource=%s status=%d "
                "why=\"%s\"",
                (long long)p->row.instance_id, p->row.resource, r->status,
                r->message ? r->message : "not a list");
        poll_end(p, false);
        return;
    }
    take_records(p, r->body, &older);
    p->pages++;
    if (!older && r->next_page && json_array_size(r->body) > 0 &&
        p->pages < MAX_PAGES) {
        fetch(p, r->next_page);
        return;
    }
    if (json_array_size(p->events) > 0) {
        json_t *raw = json_object();
        json_object_set(raw, p->row.resource, p->records);
        json_object_set_new(raw, "objectType", json_string(p->row.resource));
        json_object_set_new(raw, "instance_id",
                            json_integer(p->row.instance_id));
        enum ed_err err = events_enqueue(P.app, &p->in, "polling", p->events,
                                         raw, 10);
        json_decref(raw);
        if (err != ED_OK) {
            ed_warn(NULL,
                    "msg=\"poll changes not queued; will re-poll\" "
                    "instance=%lld resource=%s err=%d",
                    (long long)p->row.instance_id, p->row.resource, (int)err);
            poll_end(p, false);
            return;
        }
    }
    if (P.crash_test && json_array_size(p->events) > 0) {
        /* test-only (ELEMENTSD_TEST_POLL_CRASH): die between the outbox
         * commit and the watermark, as kill -9 would */
        ed_warn(NULL, "msg=\"test: exiting before the watermark\"");
        _exit(137);
    }
    ed_info(NULL,
            "msg=\"polled\" instance=%lld resource=%s events=%zu pages=%d",
            (long long)p->row.instance_id, p->row.resource,
            json_array_size(p->events), p->pages);
    poll_end(p, true);
}

/* Start the poll of a claimed row (ownership of row taken). */
static void poll_start(struct store_poll *row, int64_t now)
{
    struct poll *p = ed_calloc(1, sizeof(*p));
    struct poll_cfg c = {0};
    char why[200];
    p->row = *row;
    memset(row, 0, sizeof(*row));
    P.running++;
    if (instance_load(P.app, 0, p->row.instance_id, &p->in) != ED_OK) {
        store_poll_delete(P.app->store, p->row.instance_id, NULL);
        P.running--;
        poll_free(p);
        return;
    }
    /* the configuration as it is now */
    poll_cfg_read(&p->in, &c);
    json_t *rcfg = json_object_get(c.poller, p->row.resource);
    if (!c.enabled || !c.polling || !json_is_object(rcfg) ||
        !poll_cfg_wants(&c, p->row.resource) || p->in.row.disabled ||
        !p->in.row.valid) {
        store_poll_delete(P.app->store, p->row.instance_id, p->row.resource);
        poll_cfg_cleanup(&c);
        P.running--;
        poll_free(p);
        return;
    }
    int64_t interval = interval_of(&c);
    if (interval !=
        p->row.interval_ms) { /* rescheduled: poll at the new slot */
        p->row.interval_ms = interval;
        p->row.due_ms = next_slot(p->row.instance_id, p->row.resource, interval,
                                  now) -
                        interval;
        store_poll_schedule(P.app->store, &p->row);
    }
    p->rcfg = json_incref(rcfg);
    poll_cfg_cleanup(&c);
    int64_t delay = cfg_int(p->rcfg, "pollDelay", 0) * 1000;
    p->started = now;
    p->since = p->row.watermark_ms - delay;
    p->next_since = p->started - delay;
    json_error_t je;
    p->seen_old = json_loads(p->row.seen ? p->row.seen : "{}", 0, &je);
    if (!json_is_object(p->seen_old)) {
        json_decref(p->seen_old);
        p->seen_old = json_object();
    }
    p->seen_new = json_object();
    p->events = json_array();
    p->records = json_array();
    const char *url = cfg_str(p->rcfg, "url");
    char *x = url ? events_expand_url(url, p->since, why, sizeof(why)) : NULL;
    if (!x) {
        ed_warn(NULL,
                "msg=\"poller url refused\" instance=%lld resource=%s "
                "why=\"%s\"",
                (long long)p->row.instance_id, p->row.resource,
                url ? why : "no url");
        poll_end(p, false);
        return;
    }
    int64_t size = cfg_int(p->rcfg, "pageSize", DEFAULT_PAGE_SIZE);
    if (size < 1 || size > DEFAULT_PAGE_SIZE)
        size = DEFAULT_PAGE_SIZE;
    p->base_url = strstr(x, "pageSize=")
                      ? ed_strdup(x)
                      : ed_asprintf("%s%spageSize=%lld", x,
                                    strchr(x, '?') ? "&" : "?",
                                    (long long)size);
    free(x);
    fetch(p, NULL);
}

/* --- claiming ------------------------------------------------------------ */

/* Claim the due rows this node has room for and start them. Returns true
 * when the claim was full (more rows may be due). */
static bool claim(int64_t now)
{
    struct store_poll *rows = NULL;
    size_t n = 0;
    size_t room = (size_t)(MAX_RUNNING - P.running);
    int64_t lease = 5 * minute_ms();
    if (P.running >= MAX_RUNNING)
        return false;
    if (lease < 10000)
        lease = 10000;
    if (store_poll_claim(P.app->store, now, now + lease, P.owner, room, &rows,
                         &n) != ED_OK)
        return false;
    for (size_t i = 0; i < n; i++)
        poll_start(&rows[i], now);
    store_polls_free(rows, n);
    return n == room;
}

static void kicked(void *ud)
{
    (void)ud;
    P.kick = 0;
    if (!atomic_load(&P.on))
        return;
    if (claim(ed_now_ms()) && !P.kick)
        P.kick = events_loop_after(KICK_MS, kicked, NULL);
}

/* Polls ended: claim again soon rather than at the next tick, once there
 * is room for a few (a backlog is worked off at the rate polls end). */
static void kick(void)
{
    if (P.kick || !atomic_load(&P.on) || MAX_RUNNING - P.running < CLAIM_MIN)
        return;
    P.kick = events_loop_after(KICK_MS, kicked, NULL);
}

/* --- the tick ------------------------------------------------------------ */

static void tick(void *ud)
{
    int64_t now = ed_now_ms();
    (void)ud;
    P.timer = 0;
    if (!atomic_load(&P.on))
        return;
    if (now >= P.next_reconcile_ms && !P.reconciling) {
        P.reconciling = true;
        P.reconcile_after = 0;
        P.next_reconcile_ms = now + minute_ms();
        if (!reconcile_slice(now)) {
            events_loop_after(0, reconcile_step, NULL);
        } else {
            P.reconciling = false;
            P.reconcile_after = 0;
        }
    }
    if (claim(now) && !P.kick)
        P.kick = events_loop_after(KICK_MS, kicked, NULL);
    long every = (long)(minute_ms() / 4);
    if (every > TICK_MAX_MS)
        every = TICK_MAX_MS;
    P.timer = events_loop_after(every, tick, NULL);
}

static void boot(void *ud)
{
    (void)ud;
    P.timer = events_loop_after(0, tick, NULL);
}

enum ed_err events_poller_start(struct ed_app *app)
{
    unsigned char rnd[8];
    P.app = app;
    atomic_store(&P.on, true);
    P.running = 0;
    P.kick = 0;
    P.timer = 0;
    P.next_reconcile_ms = 0;
    P.reconcile_after = 0;
    P.reconciling = false;
    P.crash_test = getenv("ELEMENTSD_TEST_POLL_CRASH") != NULL;
    crypto_random(rnd, sizeof(rnd));
    snprintf(P.owner, sizeof(P.owner), "%02x%02x%02x%02x%02x%02x%02x%02x",
             rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    return events_loop_post(boot, NULL) ? ED_OK : ED_ERR_IO;
}

void events_poller_stop(void)
{
    /* the loop stops right after and drops the timer and polls in flight:
     * their leases run out and their watermarks never moved */
    atomic_store(&P.on, false);
}
