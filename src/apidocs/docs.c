/* SPDX-License-Identifier: MIT
 * Answering API documents (see apidocs.h). An element's or a hub's
 * document is built at once from data. An instance's document needs the
 * portal's properties: they are read through the hub itself (internal hub
 * calls, hub/subcall.h: GET /contacts/properties, /accounts/properties,
 * /opportunities/properties, one after the other, each on the instance's
 * throttle, token refresh and error mapping; no server thread waits on
 * HubSpot), then the document is built, rendered and cached per instance
 * and format until a property write is dispatched through the hub
 * (hub_props_epoch) or --docs-ttl-s runs out. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "apidocs/apidocs.h"
#include "core/mem.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "domain/vdr.h"
#include "elements/elements.h"
#include "hub/hub.h"
#include "hub/subcall.h"

bool apidocs_format_of(struct ed_request *req, struct ed_response *res,
                       enum apidocs_format *fmt)
{
    const char *f = req_query(req, "format");
    const char *acc = req_header(req, "Accept");
    *fmt = APIDOCS_SWAGGER2;
    if (f) {
        if (strcmp(f, "openapi") == 0)
            *fmt = APIDOCS_OPENAPI31;
        else if (strcmp(f, "swagger") != 0) {
            res_error(req, res, ED_E_BAD_REQUEST,
                      "format: expected swagger or openapi");
            return false;
        }
    } else if (acc && strstr(acc, "application/vnd.oai.openapi+json")) {
        *fmt = APIDOCS_OPENAPI31;
    }
    return true;
}

static int send_doc(struct ed_response *res, json_t *doc,
                    enum apidocs_format fmt, char **text_out, size_t *len_out)
{
    json_t *out = fmt == APIDOCS_OPENAPI31 ? apidocs_to_openapi31(doc)
                                           : json_incref(doc);
    char *txt = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    size_t len = strlen(txt);
    if (text_out) {
        *text_out = ed_strndup(txt, len);
        *len_out = len;
    }
    res->raw_heap = txt;
    res->raw_len = len;
    return 200;
}

int apidocs_answer_static(struct ed_request *req, struct ed_response *res,
                          const struct element *el, const char *hub)
{
    enum apidocs_format fmt;
    if (!apidocs_format_of(req, res, &fmt))
        return res->status;
    json_t *doc = apidocs_build(el, hub, NULL);
    int st = send_doc(res, doc, fmt, NULL, NULL);
    json_decref(doc);
    return st;
}

/* --- the cache -------------------------------------------------------------- */

#define CACHE_SLOTS 128

struct centry {
    long long instance_id; /* 0: free */
    int fmt;
    unsigned long epoch;
    int64_t expires_ms, used_ms;
    char *text;
    size_t len;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct centry cache[CACHE_SLOTS];

static char *cache_get(long long id, int fmt, size_t *len)
{
    char *out = NULL;
    int64_t now = ed_now_ms();
    unsigned long epoch = hub_props_epoch();
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct centry *e = &cache[i];
        if (e->instance_id != id || e->fmt != fmt)
            continue;
        if (e->epoch == epoch && now < e->expires_ms) {
            out = ed_strndup(e->text, e->len);
            *len = e->len;
            e->used_ms = now;
        }
        break;
    }
    pthread_mutex_unlock(&cache_lock);
    return out;
}

/* Keep text (taken) for id, unless a property write was dispatched since
 * the build started (epoch). */
static void cache_put(long long id, int fmt, unsigned long epoch, char *text,
                      size_t len, int64_t ttl_ms)
{
    int64_t now = ed_now_ms();
    if (ttl_ms <= 0 || epoch != hub_props_epoch()) {
        free(text);
        return;
    }
    pthread_mutex_lock(&cache_lock);
    struct centry *slot = NULL;
    for (size_t i = 0; i < CACHE_SLOTS && !slot; i++)
        if (cache[i].instance_id == id && cache[i].fmt == fmt)
            slot = &cache[i];
    for (size_t i = 0; i < CACHE_SLOTS && !slot; i++)
        if (!cache[i].instance_id)
            slot = &cache[i];
    if (!slot) { /* the least recently used one goes */
        slot = &cache[0];
        for (size_t i = 1; i < CACHE_SLOTS; i++)
            if (cache[i].used_ms < slot->used_ms)
                slot = &cache[i];
    }
    free(slot->text);
    slot->instance_id = id;
    slot->fmt = fmt;
    slot->epoch = epoch;
    slot->expires_ms = now + ttl_ms;
    slot->used_ms = now;
    slot->text = text;
    slot->len = len;
    pthread_mutex_unlock(&cache_lock);
}

/* --- an instance's document --------------------------------------------------- */

struct dstate {
    struct ed_request *req;
    struct ed_response *res;
    struct instance in;
    enum apidocs_format fmt;
    unsigned long epoch;
    int step; /* index in apidocs_prop_objects being read */
    json_t *props[3];
    struct hub_subcall *sc;
    pthread_mutex_t lock;
    bool continued, async;
};

static void dstate_free(struct dstate *ds)
{
    hub_subcall_free(ds->sc);
    for (int i = 0; i < 3; i++)
        json_decref(ds->props[i]);
    instance_cleanup(&ds->in);
    pthread_mutex_destroy(&ds->lock);
    free(ds);
}

/* The effective transformations of the instance's element, {name: doc}:
 * organization, then account, then instance level (a lower level's
 * document of the same name wins). */
static json_t *virtuals_of(struct ed_app *app, const struct instance *in)
{
    json_t *all = json_object();
    static const enum vdr_level levels[] = {VDR_ORG, VDR_ACCOUNT, VDR_INSTANCE};
    for (size_t i = 0; i < 3; i++) {
        struct vdr_scope sc = {in->row.org_id, levels[i],
                               levels[i] == VDR_INSTANCE ? in->row.id
                                                         : in->row.org_id,
                               in->el->key};
        json_t *l = NULL;
        if (vdr_tf_list(app, &sc, &l) == ED_OK && json_is_object(l))
            json_object_update(all, l);
        json_decref(l);
    }
    return all;
}

static int finish(struct dstate *ds)
{
    struct ed_request *req = ds->req;
    struct ed_response *res = ds->res;
    double t0 = ed_mono_ms();
    struct apidocs_live live;
    memset(&live, 0, sizeof(live));
    for (int i = 0; i < 3; i++)
        live.props[i] = ds->props[i];
    json_t *virt = virtuals_of(req->app, &ds->in);
    live.virtuals = virt;
    live.instance_id = (long long)ds->in.row.id;
    json_t *doc = apidocs_build(ds->in.el, ds->in.el->hub, &live);
    json_decref(virt);
    char *copy = NULL;
    size_t len = 0;
    int st = send_doc(res, doc, ds->fmt, &copy, &len);
    json_decref(doc);
    res_header(res, "Elements-Docs-Cache", "miss");
    res_header(res, "Elements-Docs-Build-Ms",
               ed_arena_printf(req->arena, "%.2f", ed_mono_ms() - t0));
    cache_put(live.instance_id, (int)ds->fmt, ds->epoch, copy, len,
              req->app->cfg->docs_ttl_s * 1000);
    return st;
}

static int next_step(struct dstate *ds);

/* The subcall's answer is final: keep its properties or pass its error. */
static int step_done(struct dstate *ds)
{
    struct hub_subcall *sc = ds->sc;
    int st = sc->res.status;
    if (st != 200) {
        struct ed_response *res = ds->res;
        struct ed_arena *a = ds->req->arena;
        res->status = st;
        res->error = sc->res.error;
        res->message = sc->res.message ? ed_arena_strdup(a, sc->res.message)
                                       : NULL;
        res->provider_message = sc->res.provider_message
                                    ? ed_arena_strdup(a,
                                                      sc->res.provider_message)
                                    : NULL;
        if (res->error == ED_E_NONE) {
            res->error = ED_E_BAD_GATEWAY;
            res->message = "Cannot read the portal's properties";
        }
        ds->sc = NULL;
        hub_subcall_free(sc);
        return st;
    }
    ds->props[ds->step] = hub_subcall_body(sc);
    if (!json_is_array(ds->props[ds->step])) {
        json_decref(ds->props[ds->step]);
        ds->props[ds->step] = NULL;
    }
    ds->sc = NULL;
    hub_subcall_free(sc);
    ds->step++;
    return next_step(ds);
}

static int d_resume(struct ed_request *req, struct ed_response *res, void *ud);

static void sub_complete(void *ctx)
{
    struct dstate *ds = ctx;
    pthread_mutex_lock(&ds->lock);
    ds->continued = true;
    req_async_continue(ds->req, d_resume, ds);
    pthread_mutex_unlock(&ds->lock);
}

/* The client left while a properties call was in flight. */
static void d_abandon(struct ed_request *req, void *ud)
{
    struct dstate *ds = ud;
    pthread_mutex_lock(&ds->lock);
    if (ds->continued) { /* the completion's continuation ends it */
        pthread_mutex_unlock(&ds->lock);
        return;
    }
    pthread_mutex_unlock(&ds->lock);
    if (ds->sc)
        hub_subcall_abandon(ds->sc);
    req->abandon_fn = NULL;
    dstate_free(ds);
}

/* Ends the work: returns the final status with ds freed. */
static int d_end(struct dstate *ds, int st)
{
    ds->req->abandon_fn = NULL;
    dstate_free(ds);
    return st;
}

static int d_resume(struct ed_request *req, struct ed_response *res, void *ud)
{
    struct dstate *ds = ud;
    (void)res;
    pthread_mutex_lock(&ds->lock);
    ds->continued = false;
    pthread_mutex_unlock(&ds->lock);
    if (req->abandoned) {
        ds->sc->req.abandoned = true;
        if (hub_subcall_resume(ds->sc) == ED_ASYNC)
            hub_subcall_abandon(ds->sc);
        return d_end(ds, 500);
    }
    int st = hub_subcall_resume(ds->sc);
    if (st == ED_ASYNC)
        return ED_ASYNC;
    st = step_done(ds);
    if (st == ED_ASYNC)
        return ED_ASYNC;
    return d_end(ds, st);
}

/* Start reading the next object's properties, or build. Returns ED_ASYNC
 * while a call is in flight, else the final status. */
static int next_step(struct dstate *ds)
{
    if (ds->step >= 3)
        return finish(ds);
    char path[64];
    snprintf(path, sizeof(path), "/%s/properties",
             apidocs_prop_resources[ds->step]);
    ds->sc = hub_subcall_new(ds->req->app, &ds->in, NULL, ED_GET, path, NULL, 0,
                             NULL, ds->req->request_id);
    ds->sc->req.complete_fn = sub_complete;
    ds->sc->req.complete_ctx = ds;
    int st = hub_subcall_start(ds->sc, true);
    if (st == ED_ASYNC) {
        ds->async = true;
        ds->req->abandon_fn = d_abandon;
        ds->req->abandon_ud = ds;
        return ED_ASYNC;
    }
    return step_done(ds);
}

int apidocs_answer_instance(struct ed_request *req, struct ed_response *res,
                            struct instance *in)
{
    enum apidocs_format fmt;
    if (!apidocs_format_of(req, res, &fmt)) {
        instance_cleanup(in);
        return res->status;
    }
    res_header(res, "Elements-Element-Instance-Id",
               ed_arena_printf(req->arena, "%lld", (long long)in->row.id));
    size_t len = 0;
    char *hit = cache_get((long long)in->row.id, (int)fmt, &len);
    if (hit) {
        instance_cleanup(in);
        res->raw_heap = hit;
        res->raw_len = len;
        res_header(res, "Elements-Docs-Cache", "hit");
        return 200;
    }
    struct dstate *ds = ed_calloc(1, sizeof(*ds));
    ds->req = req;
    ds->res = res;
    ds->in = *in; /* taken */
    memset(in, 0, sizeof(*in));
    ds->fmt = fmt;
    ds->epoch = hub_props_epoch();
    pthread_mutex_init(&ds->lock, NULL);
    int st = next_step(ds);
    if (st == ED_ASYNC)
        return ED_ASYNC;
    return d_end(ds, st);
}
