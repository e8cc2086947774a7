/* SPDX-License-Identifier: MIT
 * Hub calls on virtual resources (spec §7): /hubs/{hub}/{name}[/{id}] on
 * an instance whose element has a transformation for `name`.
 *
 * The call becomes a call on the vendor resource (the transformation's
 * vendorName) made through the hub itself (hub/subcall.c, "native": no
 * second virtual lookup), so paging, CEQL, errors, throttling, refresh and
 * null filtering are those of the native resource:
 *   - the query is the client's, with the fields of `where` and `orderBy`
 *     renamed to their vendor paths (ceql_rename; a field the definition
 *     does not map is refused before HubSpot sees anything), and `fields`
 *     replaced by the vendor properties the mapping reads;
 *   - a write's body is mapped toVendor (and through the script, if any,
 *     on the script pool) before the vendor call;
 *   - the answer (one record or a page of them) is mapped fromVendor, then
 *     through the script, and the vendor call's Elements-* headers are
 *     kept. Errors are the vendor call's, as they are.
 * Deeper paths (/{name}/{id}/{sub}...) are the vendor resource's, unmapped.
 *
 * Concurrency: the client's request is suspended while the vendor call or
 * a script runs. Completions (the vendor call's, from any thread; the
 * script's, from a pool thread) resume it with req_async_continue under
 * vs->lock; the abandon hook (client gone) cancels what is pending under
 * the same lock, so that no completion reaches a request http/ has let go
 * of (a completion that got there first wins, and its continuation runs
 * with req->abandoned set and ends the work). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "domain/app.h"
#include "domain/vdr.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/jsonfilter.h"
#include "hub/resource.h"
#include "hub/subcall.h"
#include "provider/provider.h"
#include "transform/script.h"
#include "transform/transform.h"

#define V_MAX_QUERY 64
#define V_MAX_MEMBERS 4096 /* bytes of the vendor properties list */

struct vstate {
    pthread_mutex_t lock;
    bool continued; /* a completion is posted and its continuation pending */
    bool gone;      /* the client left: a late script completion frees vs */
    struct hub_op *op;
    const struct tf_map *map;
    struct vdr_binding *ref;
    struct hub_subcall *sc;
    struct tf_script_job *job;
    json_t *script_result; /* the script's answer (owned) */
    char *script_err;
    /* the vendor call, kept until it starts (writes with a script) */
    enum ed_method method;
    const char *path;
    struct ed_kv *q;
    size_t nq;
    bool list;  /* the vendor answered an array */
    bool async; /* went ED_ASYNC: the op is ours to free (else the caller's) */
    int (*after_script)(struct vstate *vs);
    /* streamed reads: the vendor call's records are mapped as HubSpot's
     * answer is reshaped (tf_map_stream_record), nothing parsed */
    struct jsonfilter_proj proj;
    struct tf_stream_opts sopts;
    /* streamed reads with a script: the vendor records as the native
     * resource shapes them (the script's originalObject), and the
     * script's answer as text */
    struct ed_buf orig;
    size_t norig;
    char *script_text;
    size_t script_len;
};

/* HubSpot's object names → elementsd's resource names. */
static const char *vendor_resource(const char *vendor)
{
    static const struct {
        const char *hubspot, *ours;
    } names[] = {
        {"engagements", "activities"},
        {"engagement", "activities"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(vendor, names[i].hubspot) == 0)
            return names[i].ours;
    return vendor;
}

static void vstate_free(struct vstate *vs)
{
    json_decref(vs->script_result);
    free(vs->script_err);
    free(vs->script_text);
    ed_buf_cleanup(&vs->orig);
    pthread_mutex_destroy(&vs->lock);
    free(vs);
}

/* The end of the work on the request's thread: free all but the response. */
static void v_end(struct vstate *vs)
{
    struct hub_op *op = vs->op;
    hub_subcall_free(vs->sc);
    vs->sc = NULL;
    if (vs->job)
        tf_script_release(vs->job);
    vdr_binding_release(vs->ref);
    op->req->abandon_fn = NULL;
    if (vs->async)
        hub_op_free(op);
    vstate_free(vs);
}

/* --- completions --------------------------------------------------------- */

static int v_resume(struct ed_request *req, struct ed_response *res, void *ud);
static int v_script_resume(struct ed_request *req, struct ed_response *res,
                           void *ud);

/* The vendor call completed a step (any thread). */
static void sub_complete(void *ctx)
{
    struct vstate *vs = ctx;
    pthread_mutex_lock(&vs->lock);
    vs->continued = true;
    req_async_continue(vs->op->req, v_resume, vs);
    pthread_mutex_unlock(&vs->lock);
}

/* The script finished (a pool thread). */
static void script_done(void *ud, json_t *result, const char *err)
{
    struct vstate *vs = ud;
    pthread_mutex_lock(&vs->lock);
    if (vs->gone) { /* the client left while we ran: nothing waits */
        pthread_mutex_unlock(&vs->lock);
        json_decref(result);
        vstate_free(vs);
        return;
    }
    vs->script_result = result;
    vs->script_err = err ? ed_strdup(err) : NULL;
    vs->continued = true;
    req_async_continue(vs->op->req, v_script_resume, vs);
    pthread_mutex_unlock(&vs->lock);
}

/* The same for a script run on text (a pool thread). */
static void script_text_done(void *ud, char *result, size_t len,
                             const char *err)
{
    struct vstate *vs = ud;
    pthread_mutex_lock(&vs->lock);
    if (vs->gone) {
        pthread_mutex_unlock(&vs->lock);
        free(result);
        vstate_free(vs);
        return;
    }
    vs->script_text = result;
    vs->script_len = len;
    vs->script_err = err ? ed_strdup(err) : NULL;
    vs->continued = true;
    req_async_continue(vs->op->req, v_script_resume, vs);
    pthread_mutex_unlock(&vs->lock);
}

/* The client left while the request was suspended (its thread). */
static void v_abandon(struct ed_request *req, void *ud)
{
    struct vstate *vs = ud;
    (void)req;
    pthread_mutex_lock(&vs->lock);
    if (vs->continued) {
        /* a completion won: its continuation runs, abandoned, and ends */
        pthread_mutex_unlock(&vs->lock);
        return;
    }
    vs->gone = true;
    pthread_mutex_unlock(&vs->lock);
    if (vs->sc)
        hub_subcall_abandon(vs->sc);
    bool free_vs = true;
    if (vs->job) {
        /* false: its done has started and frees vs when it sees `gone` */
        free_vs = tf_script_cancel(vs->job);
        vs->job = NULL;
    }
    struct hub_op *op = vs->op;
    hub_subcall_free(vs->sc);
    vdr_binding_release(vs->ref);
    op->req->abandon_fn = NULL;
    hub_op_free(op);
    if (free_vs)
        vstate_free(vs);
}

/* Suspend the client's request on vs. */
static int v_suspend(struct vstate *vs)
{
    vs->async = true;
    vs->op->req->abandon_fn = v_abandon;
    vs->op->req->abandon_ud = vs;
    return ED_ASYNC;
}

/* --- answers ------------------------------------------------------------- */

static int v_error(struct vstate *vs, enum ed_api_error code, const char *msg)
{
    struct hub_op *op = vs->op;
    int st = res_error(op->req, op->res, code, "%s", msg);
    v_end(vs);
    return st;
}

/* Copy the vendor call's error onto the client's response. */
static int v_vendor_error(struct vstate *vs)
{
    struct hub_op *op = vs->op;
    struct ed_response *from = &vs->sc->res;
    struct ed_arena *a = op->req->arena;
    op->res->error = from->error;
    op->res->status = from->status;
    op->res->message = from->message ? ed_arena_strdup(a, from->message) : NULL;
    op->res->provider_message = from->provider_message
                                    ? ed_arena_strdup(a, from->provider_message)
                                    : NULL;
    for (size_t i = 0; i < from->nheaders; i++)
        if (ed_strcaseeq(from->headers[i].name, "Retry-After"))
            res_header(op->res, "Retry-After",
                       ed_arena_strdup(a, from->headers[i].value));
    int st = from->status;
    v_end(vs);
    return st;
}

/* The vendor call's Elements-* headers onto the client's response. */
static void v_headers(struct vstate *vs, bool list)
{
    struct hub_op *op = vs->op;
    struct ed_response *from = &vs->sc->res;
    for (size_t i = 0; i < from->nheaders; i++) {
        const char *n = from->headers[i].name;
        if (ed_strcaseprefix(n, "Elements-") &&
            !ed_strcaseeq(n, "Elements-Element-Instance-Id") &&
            !(ed_strcaseeq(n, "Elements-Returned-Count") && !list))
            res_header(op->res, ed_arena_strdup(op->req->arena, n),
                       ed_arena_strdup(op->req->arena, from->headers[i].value));
    }
}

static int v_status(const struct vstate *vs)
{
    int st = vs->sc->res.status;
    return st >= 200 && st < 300 ? st : 200;
}

/* The final answer with v (taken) and the vendor call's Elements-*
 * headers. */
static int v_reply(struct vstate *vs, json_t *v)
{
    struct hub_op *op = vs->op;
    v_headers(vs, json_is_array(v));
    if (json_is_array(v)) {
        /* the script may have left records out */
        for (size_t i = 0; i < op->res->nheaders; i++)
            if (ed_strcaseeq(op->res->headers[i].name,
                             "Elements-Returned-Count"))
                op->res->headers[i].value = ed_arena_printf(op->req->arena,
                                                            "%zu",
                                                            json_array_size(v));
    }
    hub_filter_nulls(op, v);
    int st = res_json(op->res, v_status(vs), v);
    v_end(vs);
    return st;
}

/* A streamed read: the vendor call's body is the mapped answer. */
static int v_reply_streamed(struct vstate *vs)
{
    struct ed_response *from = &vs->sc->res;
    size_t n = from->raw_len;
    char *body = from->raw_heap;
    from->raw_heap = NULL;
    from->raw_len = 0;
    v_headers(vs, n && body[0] == '[');
    int st = hub_respond_raw(vs->op, v_status(vs), body, n);
    v_end(vs);
    return st;
}

static const char *stream_record(void *ud, const char *p, const char *end,
                                 const char *classic_id, bool drop_nulls,
                                 struct ed_buf *out)
{
    struct vstate *vs = ud;
    vs->sopts.classic_id = classic_id;
    vs->sopts.drop_nulls = drop_nulls;
    return tf_map_stream_record(vs->map, p, end, &vs->sopts, out);
}

/* The same, also keeping the record as the native resource shapes it
 * (the script's originalObject). */
static const char *stream_record_kept(void *ud, const char *p, const char *end,
                                      const char *classic_id, bool drop_nulls,
                                      struct ed_buf *out)
{
    struct vstate *vs = ud;
    const char *e = stream_record(ud, p, end, classic_id, drop_nulls, out);
    if (!e)
        return NULL;
    if (ed_buf_append(&vs->orig, vs->norig++ ? "," : "[", 1) != ED_OK ||
        jsonfilter_copy(p, (size_t)(e - p), drop_nulls, classic_id,
                        &vs->orig) != ED_OK)
        return NULL;
    return e;
}

static int v_script_error(struct vstate *vs)
{
    return v_error(vs, ED_E_BAD_REQUEST,
                   vs->script_err ? vs->script_err : "script failed");
}

/* After the script on a read: the records as the script left them. */
static int read_after_script(struct vstate *vs)
{
    json_t *r = vs->script_result;
    vs->script_result = NULL;
    if (!vs->list) {
        json_t *one = json_incref(json_array_get(r, 0));
        json_decref(r);
        r = one ? one : json_object();
    }
    return v_reply(vs, r);
}

/* Run the script on records (taken) and originals (taken); continue with
 * `then` once it answers. */
static int v_script(struct vstate *vs, json_t *records, json_t *originals,
                    bool from_vendor, int (*then)(struct vstate *))
{
    vs->after_script = then;
    vs->job = tf_script_submit(tf_map_name(vs->map), tf_map_script(vs->map),
                               records, originals, from_vendor,
                               tf_map_filter_empty(vs->map), script_done, vs);
    if (!vs->job)
        return v_error(vs, ED_E_UNAVAILABLE,
                       "Transformation scripts are busy; try again");
    return v_suspend(vs);
}

/* After a script on text: a page as the script left it, nulls filtered
 * in one streaming pass; one record, or a page the script may have
 * shortened, through the parsed path (it counts and unwraps). */
static int text_after_script(struct vstate *vs)
{
    struct hub_op *op = vs->op;
    if (!vs->list || tf_map_filter_empty(vs->map)) {
        json_error_t je;
        vs->script_result = json_loadb(vs->script_text, vs->script_len, 0, &je);
        if (!json_is_array(vs->script_result))
            return v_error(vs, ED_E_INTERNAL,
                           "the script's answer could not be read");
        return read_after_script(vs);
    }
    struct ed_buf out;
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    if (jsonfilter_copy(vs->script_text, vs->script_len, hub_drop_nulls(op),
                        NULL, &out) != ED_OK) {
        ed_buf_cleanup(&out);
        return v_error(vs, ED_E_INTERNAL,
                       "the script's answer could not be read");
    }
    v_headers(vs, true);
    size_t n = out.len;
    int st = hub_respond_raw(op, v_status(vs), ed_buf_take(&out), n);
    v_end(vs);
    return st;
}

/* A streamed read with a script: the mapped page and the native records,
 * as text, straight to the script pool. */
static int v_script_streamed(struct vstate *vs)
{
    struct ed_response *from = &vs->sc->res;
    char *recs = from->raw_heap;
    size_t rlen = from->raw_len;
    from->raw_heap = NULL;
    from->raw_len = 0;
    vs->list = rlen && recs[0] == '[';
    if (!vs->list) { /* one record: an array of one */
        char *a = ed_malloc(rlen + 3);
        a[0] = '[';
        memcpy(a + 1, recs, rlen);
        a[rlen + 1] = ']';
        a[rlen + 2] = '\0';
        free(recs);
        recs = a;
        rlen += 2;
    }
    if (!vs->norig && ed_buf_append(&vs->orig, "[", 1) != ED_OK) {
        free(recs);
        return v_error(vs, ED_E_INTERNAL, "out of memory");
    }
    if (ed_buf_append(&vs->orig, "]", 1) != ED_OK) {
        free(recs);
        return v_error(vs, ED_E_BAD_GATEWAY,
                       "HubSpot's answer is too large to run a script on");
    }
    size_t olen = vs->orig.len;
    char *orig = ed_buf_take(&vs->orig);
    vs->after_script = text_after_script;
    vs->job = tf_script_submit_text(tf_map_name(vs->map),
                                    tf_map_script(vs->map), recs, rlen, orig,
                                    olen, true, tf_map_filter_empty(vs->map),
                                    script_text_done, vs);
    if (!vs->job)
        return v_error(vs, ED_E_UNAVAILABLE,
                       "Transformation scripts are busy; try again");
    return v_suspend(vs);
}

/* The vendor call's final answer (request's thread). */
static int v_vendor_done(struct vstate *vs)
{
    struct hub_op *op = vs->op;
    if (vs->sc->res.error != ED_E_NONE)
        return v_vendor_error(vs);
    if (vs->proj.used && vs->sc->res.raw_heap && tf_map_script(vs->map))
        return v_script_streamed(vs);
    if (vs->proj.used && vs->sc->res.raw_heap)
        return v_reply_streamed(vs);
    json_t *body = hub_subcall_body(vs->sc);
    if (!body)
        return v_reply(vs, json_object());
    if (op->req->method == ED_DELETE || op->sub)
        return v_reply(vs, body);
    json_t *out;
    if (json_is_array(body)) {
        vs->list = true;
        out = json_array();
        size_t i;
        json_t *rec;
        json_array_foreach(body, i, rec) {
            json_array_append_new(out, json_is_object(rec)
                                           ? tf_map_from_vendor(vs->map, rec)
                                           : json_incref(rec));
        }
    } else if (json_is_object(body)) {
        out = tf_map_from_vendor(vs->map, body);
    } else {
        return v_reply(vs, body);
    }
    if (!tf_map_script(vs->map)) {
        json_decref(body);
        return v_reply(vs, out);
    }
    if (!vs->list) {
        json_t *a = json_array(), *b = json_array();
        json_array_append_new(a, out);
        json_array_append_new(b, body);
        out = a;
        body = b;
    }
    return v_script(vs, out, body, true, read_after_script);
}

/* A step of the vendor call completed (request's thread). */
static int v_resume(struct ed_request *req, struct ed_response *res, void *ud)
{
    struct vstate *vs = ud;
    (void)res;
    pthread_mutex_lock(&vs->lock);
    vs->continued = false;
    pthread_mutex_unlock(&vs->lock);
    if (req->abandoned) {
        vs->sc->req.abandoned = true;
        int st = hub_subcall_resume(vs->sc);
        if (st == ED_ASYNC)
            hub_subcall_abandon(vs->sc);
        st = vs->op->res->status;
        v_end(vs);
        return st;
    }
    int st = hub_subcall_resume(vs->sc);
    if (st == ED_ASYNC)
        return ED_ASYNC;
    return v_vendor_done(vs);
}

static int v_script_resume(struct ed_request *req, struct ed_response *res,
                           void *ud)
{
    struct vstate *vs = ud;
    (void)res;
    pthread_mutex_lock(&vs->lock);
    vs->continued = false;
    pthread_mutex_unlock(&vs->lock);
    if (req->abandoned) {
        int st = vs->op->res->status;
        v_end(vs);
        return st;
    }
    if (!vs->script_result && !vs->script_text)
        return v_script_error(vs);
    return vs->after_script(vs);
}

/* --- the vendor call ----------------------------------------------------- */

static int v_start(struct vstate *vs, json_t *body)
{
    struct hub_op *op = vs->op;
    vs->sc = hub_subcall_new(op->req->app, &op->in, op->shared, vs->method,
                             vs->path, vs->q, vs->nq, body,
                             op->req->request_id);
    vs->sc->req.complete_fn = sub_complete;
    vs->sc->req.complete_ctx = vs;
    if (vs->method == ED_GET && !op->sub && tf_map_streamable(vs->map)) {
        vs->proj.record = tf_map_script(vs->map) ? stream_record_kept
                                                 : stream_record;
        vs->proj.ud = vs;
        vs->sc->unstarted->proj = &vs->proj;
    }
    int st = hub_subcall_start(vs->sc, true);
    if (st == ED_ASYNC)
        return v_suspend(vs);
    return v_vendor_done(vs);
}

/* After the script on a write: its first record is the vendor body. */
static int write_after_script(struct vstate *vs)
{
    json_t *body = json_incref(json_array_get(vs->script_result, 0));
    if (!json_is_object(body)) {
        json_decref(body);
        return v_error(vs, ED_E_BAD_REQUEST,
                       ed_arena_printf(vs->op->req->arena,
                                       "transformation '%s': the script left "
                                       "no object to send",
                                       tf_map_name(vs->map)));
    }
    return v_start(vs, body);
}

/* passThrough toVendor puts the client's unmapped members at the top of
 * the vendor body; HubSpot's records keep their fields in `properties`:
 * move top-level scalars there when the body has that object. */
static void into_properties(json_t *body)
{
    json_t *props = json_object_get(body, "properties");
    const char *k;
    json_t *v;
    void *tmp;
    if (!json_is_object(props))
        return;
    json_object_foreach_safe(body, tmp, k, v) {
        if (strcmp(k, "id") == 0 || json_is_object(v) || json_is_array(v) ||
            json_object_get(props, k))
            continue;
        json_object_set(props, k, v);
        json_object_del(body, k);
    }
}

/* CEQL field names: the definition's paths → the vendor's. */
static const char *rename_field(void *ud, const char *name, char *err,
                                size_t errlen)
{
    struct vstate *vs = ud;
    const char *why = NULL;
    const char *to = tf_map_vendor_field(vs->map, name, &why);
    if (!to) {
        if (why && strcmp(why, "unknown") == 0)
            snprintf(err, errlen, "CEQL: '%s' is not a field of %s", name,
                     tf_map_name(vs->map));
        else
            snprintf(err, errlen,
                     "CEQL: the field '%s' of %s has no vendor path that "
                     "can be queried",
                     name, tf_map_name(vs->map));
        return NULL;
    }
    /* the vendor's record id is hs_object_id in HubSpot's search */
    static const char *const ids[] = {"id", "vid", "companyId", "dealId",
                                      "objectId"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (strcmp(to, ids[i]) == 0)
            return "hs_object_id";
    return to;
}

/* The vendor call's query: the client's, with where/orderBy renamed and
 * fields set to what the mapping reads. */
static int build_query(struct vstate *vs)
{
    struct hub_op *op = vs->op;
    struct ed_request *req = op->req;
    char err[512];
    char *where = NULL, *order = NULL;
    int st = 0;
    if (ceql_rename(req_query(req, "where"), req_query(req, "orderBy"),
                    rename_field, vs, &where, &order, err,
                    sizeof(err)) != ED_OK)
        return res_error(req, op->res, ED_E_BAD_REQUEST, "%s", err);
    vs->q = ed_arena_alloc(req->arena, sizeof(struct ed_kv) * V_MAX_QUERY);
    vs->nq = 0;
    for (size_t i = 0; i < req->nquery && vs->nq < V_MAX_QUERY - 2; i++) {
        const char *n = req->query[i].name;
        if (strcmp(n, "fields") == 0)
            continue;
        struct ed_kv kv = req->query[i];
        if (strcmp(n, "where") == 0)
            kv.value = where ? ed_arena_strdup(req->arena, where) : "";
        else if (strcmp(n, "orderBy") == 0)
            kv.value = order ? ed_arena_strdup(req->arena, order) : "";
        vs->q[vs->nq++] = kv;
    }
    free(where);
    free(order);
    if (!op->sub && op->req->method == ED_GET &&
        !tf_map_pass_through_from_vendor(vs->map)) {
        char *members = ed_arena_alloc(req->arena, V_MAX_MEMBERS);
        if (tf_map_vendor_members(vs->map, "properties.", members,
                                  V_MAX_MEMBERS) &&
            *members) {
            vs->q[vs->nq].name = "fields";
            vs->q[vs->nq].value = members;
            vs->nq++;
        }
    }
    return st;
}

int hub_virtual(struct hub_op *op, const struct tf_map *map,
                struct vdr_binding *ref)
{
    struct ed_request *req = op->req;
    struct vstate *vs = ed_calloc(1, sizeof(*vs));
    pthread_mutex_init(&vs->lock, NULL);
    vs->op = op;
    vs->map = map;
    vs->ref = ref;
    vs->method = req->method;
    ed_buf_init(&vs->orig, PROVIDER_MAX_BODY);
    int st = build_query(vs);
    if (st) {
        vdr_binding_release(ref);
        vstate_free(vs);
        return st;
    }
    /* the vendor path: its resource, then the client's id and below */
    const char *rest = req->rest ? req->rest : "";
    while (*rest == '/')
        rest++;
    rest += strcspn(rest, "/");
    vs->path = ed_arena_printf(
        req->arena, "/%s%s",
        hub_escape(op, vendor_resource(tf_map_vendor_name(map))), rest);
    bool write = req->method == ED_POST || req->method == ED_PUT ||
                 req->method == ED_PATCH;
    if (!write || op->sub) {
        /* from here on the op belongs to vs (and the call chain) */
        return v_start(vs, write && req->body ? json_incref(req->body) : NULL);
    }
    if (!json_is_object(req->body)) {
        vdr_binding_release(ref);
        vstate_free(vs);
        return res_error(req, op->res, ED_E_BAD_REQUEST,
                         "The request body must be a JSON object (a %s)",
                         tf_map_name(map));
    }
    char err[512];
    json_t *body = tf_map_to_vendor(map, req->body, err, sizeof(err));
    if (!body) {
        vdr_binding_release(ref);
        vstate_free(vs);
        return res_error(req, op->res, ED_E_BAD_REQUEST, "%s", err);
    }
    into_properties(body);
    if (!tf_map_script(map))
        return v_start(vs, body);
    json_t *recs = json_array(), *orig = json_array();
    json_array_append_new(recs, body);
    json_array_append(orig, req->body);
    return v_script(vs, recs, orig, false, write_after_script);
}
