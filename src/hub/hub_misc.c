/* SPDX-License-Identifier: MIT
 * Hub resources that are not plain CRM objects: activities (engagements,
 * also per contact, account and opportunity), owners, deal pipelines,
 * timeline event types with their properties and events, the object
 * catalogue and object metadata, and the contacts/accounts property lists.
 * Cloud Elements shaped these on HubSpot's 2017 APIs (engagements v1, deal
 * pipelines v1, timeline v1); each handler translates that shape onto the
 * HubSpot API serving it today and back. Updates that HubSpot only takes
 * whole (a pipeline PUT, a template or token PUT) read the current record
 * first and merge the caller's fields into it, so no JSON outlives a call. */
#include <stdlib.h>
#include <string.h>

#include "hub/ceql.h"
#include "hub/hub.h"
#include "core/strparse.h"
#include "core/timeutil.h"

#define MAX_PAGE 100    /* Cloud Elements' pageSize cap for HubSpot */
#define MAX_SKIP 10000  /* records a page number may skip (then: nextPage) */
#define DEFAULT_PROBABILITY "0.5"
#define TIMELINE "/integrators/timeline/v3"
#define ENGAGEMENTS "/engagements/v1/engagements"

/* --- small helpers -------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *first(const char *a, const char *b)
{
    return a ? a : b;
}

static int no_resource(struct hub_op *op)
{
    return api_error(op->req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                     op->req->subpath);
}

static int no_method(struct hub_op *op, const char *allowed)
{
    return api_error(op->req, op->res, ED_E_METHOD, "Use %s on %s", allowed,
                     op->req->subpath);
}

static int bad_request(struct hub_op *op, const char *why)
{
    return api_error(op->req, op->res, ED_E_BAD_REQUEST, "%s", why);
}

/* 0 when the request body is a JSON object, else the status of the error. */
static int need_object(struct hub_op *op)
{
    if (json_is_object(op->req->body))
        return 0;
    return bad_request(op, "The request body must be a JSON object");
}

/* Path segment i below the hub (0 is the resource; arena copy), or NULL.
 * hub.c splits the first three; the timeline needs a fourth. */
static const char *seg(const struct hub_op *op, int i)
{
    const char *p = op->req->rest ? op->req->rest : "";
    for (int k = 0;; k++) {
        while (*p == '/')
            p++;
        if (!*p)
            return NULL;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (k == i)
            return ed_arena_strndup(op->req->arena, p, n);
        p += n;
    }
}

/* A scalar in HubSpot's string form (new reference); NULL for anything else. */
static json_t *scalar_str(const json_t *v)
{
    if (json_is_string(v))
        return json_string(json_string_value(v));
    if (json_is_integer(v))
        return json_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return json_sprintf("%.15g", json_real_value(v));
    if (json_is_boolean(v))
        return json_string(json_is_true(v) ? "true" : "false");
    return NULL;
}

/* A number from HubSpot's string form ("0.2"), new reference, or NULL. */
static json_t *number_of(const char *s)
{
    json_error_t je;
    json_t *v = s && strlen(s) < 32 ? json_loads(s, JSON_DECODE_ANY, &je) : NULL;
    if (v && !json_is_number(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

static void rename_key(json_t *o, const char *from, const char *to)
{
    json_t *v = json_object_get(o, from);
    if (!v)
        return;
    json_object_set(o, to, v);
    json_object_del(o, from);
}

/* --- responses ------------------------------------------------------------ */

/* Final 200 with o (taken), nulls filtered as the instance asks. */
static int reply(struct hub_op *op, json_t *o)
{
    hub_filter_nulls(op, o);
    return api_json(op->res, 200, o);
}

static int reply_list(struct hub_op *op, json_t *arr, const char *next)
{
    api_header(op->res, "Elements-Returned-Count",
               ed_arena_printf(op->req->arena, "%zu", json_array_size(arr)));
    if (next)
        api_header(op->res, "Elements-Next-Page-Token", next);
    return reply(op, arr);
}

static int done_empty(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    return api_json(op->res, 200, json_object());
}

/* HubSpot's answer (borrowed), reshaped in place by shape (may be NULL). */
static int reply_shaped(struct hub_op *op, json_t *body, void (*shape)(json_t *))
{
    json_t *o = body ? json_incref(body) : json_object();
    if (shape)
        shape(o);
    return reply(op, o);
}

static int done_pass(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, NULL);
}

/* --- paging --------------------------------------------------------------- */

/* Cursors: hub_cursor_make/read, with a kind letter per resource, so a
 * cursor of one resource is refused by another. */

struct paging {
    long size;
    uint64_t page;     /* 1-based */
    const char *after; /* decoded nextPage, or NULL */
};

/* pageSize, page and nextPage; returns 0 or the status of the error set. */
static int paging_read(struct hub_op *op, char kind, struct paging *pg)
{
    const char *ps = req_query(op->req, "pageSize");
    const char *page = req_query(op->req, "page");
    const char *next = req_query(op->req, "nextPage");
    uint64_t v = 0;
    pg->size = MAX_PAGE;
    pg->page = 1;
    pg->after = NULL;
    if (ps && *ps) {
        if (!ed_parse_u64(ps, 1000000000, &v) || v == 0)
            return bad_request(op, "pageSize must be a positive integer");
        if (v > MAX_PAGE)
            api_header(op->res, "Elements-Error",
                       ed_arena_printf(op->req->arena,
                                       "pageSize %llu exceeds HubSpot's maximum; "
                                       "clipped to %d",
                                       (unsigned long long)v, MAX_PAGE));
        else
            pg->size = (long)v;
    }
    if (page && *page && (!ed_parse_u64(page, 100000, &pg->page) || pg->page == 0))
        return bad_request(op, "page must be a positive integer");
    if (next && *next) {
        if (!(pg->after = hub_cursor_read(op, kind, next)))
            return bad_request(op, "nextPage is not a cursor this server issued "
                                   "for this resource");
        pg->page = 1;
    }
    return 0;
}

static int refuse_where(struct hub_op *op)
{
    const char *w = req_query(op->req, "where");
    if (!w || !*w)
        return 0;
    return api_error(op->req, op->res, ED_E_BAD_REQUEST,
                     "where is not supported on %s", op->req->subpath);
}

/* A list HubSpot pages itself: v3 (paging.next.after) or v1 (hasMore and
 * offset). Page n without a cursor walks the listing, skipping (n-1)*size
 * records, so page n is always the n-th slice. */
struct vlist_spec {
    char kind;                /* cursor letter */
    const char *cursor_param; /* HubSpot's cursor query parameter */
    long max_call;            /* HubSpot's largest limit */
    void (*shape)(json_t *item);
};

struct vlist {
    const struct vlist_spec *spec;
    const char *path; /* HubSpot path, possibly with a query already */
    long size, skip;
};

static const char *vlist_cursor(struct hub_op *op, json_t *body)
{
    json_t *after = json_object_get(
        json_object_get(json_object_get(body, "paging"), "next"), "after");
    if (json_is_string(after) && *json_string_value(after))
        return ed_arena_strdup(op->req->arena, json_string_value(after));
    if (!json_is_true(json_object_get(body, "hasMore")))
        return NULL;
    json_t *off = json_object_get(body, "offset");
    if (json_is_integer(off))
        return ed_arena_printf(op->req->arena, "%lld",
                               (long long)json_integer_value(off));
    return json_is_string(off) && *json_string_value(off)
               ? ed_arena_strdup(op->req->arena, json_string_value(off))
               : NULL;
}

static int vlist_step(struct hub_op *op, const char *after);

static int vlist_next(struct hub_op *op, int status, json_t *body)
{
    struct vlist *vl = op->state;
    json_t *results = json_object_get(body, "results");
    const char *next = vlist_cursor(op, body);
    (void)status;
    if (vl->skip > 0) {
        long got = (long)json_array_size(results);
        vl->skip -= got;
        if (!next || got == 0)
            return reply_list(op, json_array(), NULL); /* past the end */
        return vlist_step(op, next);
    }
    json_t *arr = json_is_array(results) ? json_incref(results) : json_array();
    size_t i;
    json_t *it;
    if (vl->spec->shape)
        json_array_foreach(arr, i, it) vl->spec->shape(it);
    return reply_list(op, arr, next ? hub_cursor_make(op, vl->spec->kind, next) : NULL);
}

static int vlist_step(struct hub_op *op, const char *after)
{
    struct vlist *vl = op->state;
    long limit = vl->skip > 0 ? (vl->skip < vl->spec->max_call ? vl->skip
                                                               : vl->spec->max_call)
                              : vl->size;
    const char *path = ed_arena_printf(op->req->arena, "%s%climit=%ld", vl->path,
                                       strchr(vl->path, '?') ? '&' : '?', limit);
    if (after)
        path = ed_arena_printf(op->req->arena, "%s&%s=%s", path,
                               vl->spec->cursor_param, hub_escape(op, after));
    return hub_send(op, "GET", path, NULL, false, vlist_next);
}

static int vlist_start(struct hub_op *op, const struct vlist_spec *spec,
                       const char *path)
{
    struct paging pg;
    int st = paging_read(op, spec->kind, &pg);
    if (st)
        return st;
    uint64_t skip = (pg.page - 1) * (uint64_t)pg.size;
    if (skip > MAX_SKIP)
        return api_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "page %llu of size %ld starts past record %d, the "
                         "deepest a page number reaches here; follow nextPage",
                         (unsigned long long)pg.page, pg.size, MAX_SKIP);
    struct vlist *vl = ed_arena_alloc(op->req->arena, sizeof(*vl));
    vl->spec = spec;
    vl->path = path;
    vl->size = pg.size;
    vl->skip = (long)skip;
    op->state = vl;
    return vlist_step(op, pg.after);
}

/* Cloud Elements paging over a list HubSpot returns whole (all taken); the
 * cursor is the next page number. */
static int reply_sliced(struct hub_op *op, char kind, json_t *all)
{
    struct paging pg;
    uint64_t page;
    int st = paging_read(op, kind, &pg);
    if (st) {
        json_decref(all);
        return st;
    }
    page = pg.page;
    if (pg.after && !ed_parse_u64(pg.after, 100000, &page)) {
        json_decref(all);
        return bad_request(op, "nextPage is not a cursor this server issued");
    }
    size_t from = (size_t)((page - 1) * (uint64_t)pg.size), n = json_array_size(all);
    json_t *out = json_array();
    for (size_t i = from; i < n && i < from + (size_t)pg.size; i++)
        json_array_append(out, json_array_get(all, i));
    const char *next = NULL;
    if (from + (size_t)pg.size < n)
        next = hub_cursor_make(op, kind,
                           ed_arena_printf(op->req->arena, "%llu",
                                           (unsigned long long)page + 1));
    json_decref(all);
    return reply_list(op, out, next);
}

/* --- activities (engagements v1) ------------------------------------------ */

/* Cloud Elements' records carry a top-level id: engagement.id. */
static void eng_shape(json_t *e)
{
    json_t *id = json_object_get(json_object_get(e, "engagement"), "id");
    if (id && !json_object_get(e, "id"))
        json_object_set(e, "id", id);
}

static const struct vlist_spec eng_list = {'e', "offset", 250, eng_shape};

static int eng_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, eng_shape);
}

static int activities(struct hub_op *op)
{
    struct ed_request *req = op->req;
    int st;
    if (op->sub)
        return no_resource(op);
    if (!op->id && req->method == ED_GET) {
        if ((st = refuse_where(op)))
            return st;
        return vlist_start(op, &eng_list, ENGAGEMENTS "/paged");
    }
    if (!op->id && req->method == ED_POST) {
        if ((st = need_object(op)))
            return st;
        return hub_send(op, "POST", ENGAGEMENTS, req->body, false, eng_done);
    }
    if (!op->id)
        return no_method(op, "GET or POST");
    const char *path =
        ed_arena_printf(req->arena, ENGAGEMENTS "/%s", hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET:
        return hub_send(op, "GET", path, NULL, false, eng_done);
    case ED_PATCH:
    case ED_PUT:
        if ((st = need_object(op)))
            return st;
        return hub_send(op, req->method == ED_PUT ? "PUT" : "PATCH", path,
                        req->body, false, eng_done);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, done_empty);
    default:
        return no_method(op, "GET, PATCH, PUT or DELETE");
    }
}

/* --- /contacts|accounts|opportunities/{id}/activities and /.../properties --- */

struct record_map {
    const char *name;     /* Cloud Elements resource */
    const char *eng_type; /* engagements v1 object type */
    const char *object;   /* HubSpot object type */
};

static const struct record_map record_maps[] = {
    {"contacts", "CONTACT", "contacts"},
    {"accounts", "COMPANY", "companies"},
    {"opportunities", "DEAL", "deals"},
};

static int properties_done(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results");
    (void)status;
    return reply_list(op, json_is_array(r) ? json_incref(r) : json_array(), NULL);
}

static int record_properties(struct hub_op *op, const struct record_map *m)
{
    if (op->req->method != ED_GET)
        return no_method(op, "GET");
    if (seg(op, 3))
        return no_resource(op);
    if (op->sub)
        return hub_send(op, "GET",
                        ed_arena_printf(op->req->arena, "/crm/v3/properties/%s/%s",
                                        m->object, hub_escape(op, op->sub)),
                        NULL, false, done_pass);
    return hub_send(op, "GET",
                    ed_arena_printf(op->req->arena, "/crm/v3/properties/%s",
                                    m->object),
                    NULL, false, properties_done);
}

/* Only the sub-resources above; everything else declines to hub_crm.c. */
static int record_sub(struct hub_op *op)
{
    const struct record_map *m = NULL;
    int st;
    for (size_t i = 0; i < sizeof(record_maps) / sizeof(record_maps[0]); i++)
        if (strcmp(record_maps[i].name, op->resource) == 0)
            m = &record_maps[i];
    if (!m || !op->id)
        return HUB_DECLINE;
    if (strcmp(op->id, "properties") == 0)
        return record_properties(op, m);
    if (!op->sub || strcmp(op->sub, "activities") != 0)
        return HUB_DECLINE;
    if (seg(op, 3))
        return no_resource(op);
    if (op->req->method != ED_GET)
        return no_method(op, "GET");
    if ((st = refuse_where(op)))
        return st;
    return vlist_start(op, &eng_list,
                       ed_arena_printf(op->req->arena,
                                       ENGAGEMENTS "/associated/%s/%s/paged",
                                       m->eng_type, hub_escape(op, op->id)));
}

/* --- owners --------------------------------------------------------------- */

/* v2-era clients read ownerId (a number); v3 has id (a string). */
static void owner_shape(json_t *o)
{
    const char *id = jstr(o, "id");
    int64_t n;
    if (id && ed_all_digits(id) && ed_parse_i64(id, &n))
        json_object_set_new(o, "ownerId", json_integer(n));
    else if (id)
        json_object_set_new(o, "ownerId", json_string(id));
}

static const struct vlist_spec owner_list = {'o', "after", 500, owner_shape};

static int owner_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, owner_shape);
}

/* The one condition of a translated where, or NULL with *extra naming what
 * goes beyond email='...'. */
static json_t *owner_condition(struct hub_op *op, json_t *q, const char **extra)
{
    json_t *groups = json_object_get(q, "filterGroups");
    json_t *filters = json_object_get(json_array_get(groups, 0), "filters");
    json_t *f = json_array_get(filters, 0);
    const char *prop = jstr(f, "propertyName"), *oper = jstr(f, "operator");
    *extra = NULL;
    if (json_object_get(q, "query"))
        *extra = "free-text search (q='...')";
    else if (json_array_size(groups) != 1)
        *extra = "OR";
    else if (json_array_size(filters) != 1)
        *extra = "more than one condition (AND)";
    else if (!prop || strcmp(prop, "email") != 0)
        *extra = ed_arena_printf(op->req->arena, "the field '%s'", prop ? prop : "?");
    else if (!oper || strcmp(oper, "EQ") != 0 || !jstr(f, "value"))
        *extra = ed_arena_printf(op->req->arena, "the operator %s", oper ? oper : "?");
    return *extra ? NULL : f;
}

/* where=email='...' → *email; anything else is refused by name. Returns 0
 * or the status of the error set. */
static int owner_filter(struct hub_op *op, const char **email)
{
    const char *where = req_query(op->req, "where");
    const char *order = req_query(op->req, "orderBy");
    const struct ceql_options opt = {"owners", NULL};
    const char *extra = NULL;
    json_t *q = NULL, *f;
    char err[256];
    *email = NULL;
    if (order && *order)
        return bad_request(op, "orderBy is not supported on /owners");
    if (!where || !*where)
        return 0;
    if (ceql_translate(where, NULL, &opt, &q, err, sizeof(err)) != ED_OK)
        return bad_request(op, err);
    if ((f = owner_condition(op, q, &extra)))
        *email = ed_arena_strdup(op->req->arena, jstr(f, "value"));
    json_decref(q);
    if (extra)
        return api_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "/owners supports only where=email='...'; %s is not "
                         "supported",
                         extra);
    return 0;
}

static int owners(struct hub_op *op)
{
    const char *email;
    int st;
    if (op->sub)
        return no_resource(op);
    if (op->req->method != ED_GET)
        return no_method(op, "GET");
    if (op->id)
        return hub_send(op, "GET",
                        ed_arena_printf(op->req->arena, "/crm/v3/owners/%s",
                                        hub_escape(op, op->id)),
                        NULL, false, owner_done);
    if ((st = owner_filter(op, &email)))
        return st;
    return vlist_start(op, &owner_list,
                       email ? ed_arena_printf(op->req->arena,
                                               "/crm/v3/owners?email=%s",
                                               hub_escape(op, email))
                             : "/crm/v3/owners");
}

/* --- pipelines (deals) ---------------------------------------------------- */

#define PIPELINES "/crm/v3/pipelines/deals"

/* v3 → Cloud Elements: id → pipelineId / stageId, and each stage's
 * metadata.probability also as a top-level number (the v1 shape). */
static void pipeline_shape(json_t *p)
{
    size_t i;
    json_t *s;
    rename_key(p, "id", "pipelineId");
    json_array_foreach(json_object_get(p, "stages"), i, s) {
        rename_key(s, "id", "stageId");
        json_t *prob = number_of(jstr(json_object_get(s, "metadata"), "probability"));
        if (prob)
            json_object_set_new(s, "probability", prob);
    }
}

static int pipeline_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, pipeline_shape);
}

static int pipelines_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results");
    json_t *arr = json_is_array(r) ? json_incref(r) : json_array();
    size_t i;
    json_t *p;
    (void)status;
    json_array_foreach(arr, i, p) pipeline_shape(p);
    return reply_sliced(op, 'p', arr);
}

/* The existing stage a stage of the body updates: the same id if it names
 * one, else the same label. */
static json_t *stage_match(json_t *old, json_t *s)
{
    const char *id = first(jstr(s, "stageId"), jstr(s, "id"));
    const char *label = jstr(s, "label");
    const char *key = id ? "id" : "label", *want = id ? id : label;
    size_t i;
    json_t *o;
    if (!want)
        return NULL;
    json_array_foreach(old, i, o) {
        const char *v = jstr(o, key);
        if (v && strcmp(v, want) == 0)
            return o;
    }
    return NULL;
}

/* One stage as v3 takes it: displayOrder defaults to the index, probability
 * (top-level, as Cloud Elements sends it, else metadata.probability) to the
 * matched old stage's, else DEFAULT_PROBABILITY. New reference or NULL. */
static json_t *stage_input(json_t *s, size_t idx, json_t *old)
{
    if (!json_is_object(s))
        return NULL;
    json_t *m = stage_match(old, s);
    json_t *out = json_object(), *md = json_object();
    const char *id = first(first(jstr(s, "stageId"), jstr(s, "id")),
                           m ? jstr(m, "id") : NULL);
    json_t *label = json_object_get(s, "label");
    json_t *order = json_object_get(s, "displayOrder");
    const char *k;
    json_t *v, *p;
    if (id)
        json_object_set_new(out, "stageId", json_string(id));
    if (label || m)
        json_object_set(out, "label", label ? label : json_object_get(m, "label"));
    json_object_set_new(out, "displayOrder",
                        json_is_integer(order) ? json_incref(order)
                                               : json_integer((json_int_t)idx));
    json_object_foreach(json_object_get(s, "metadata"), k, v) {
        json_t *sv = scalar_str(v);
        if (sv)
            json_object_set_new(md, k, sv);
    }
    p = scalar_str(json_object_get(s, "probability"));
    if (!p && !json_object_get(md, "probability")) {
        p = scalar_str(json_object_get(json_object_get(m, "metadata"), "probability"));
        if (!p)
            p = json_string(DEFAULT_PROBABILITY);
    }
    if (p)
        json_object_set_new(md, "probability", p);
    json_object_set_new(out, "metadata", md);
    return out;
}

/* The v3 pipeline input from the body, over `old` (the current pipeline, for
 * PUT and PATCH; NULL on create). New reference, or NULL with *why set. */
static json_t *pipeline_input(json_t *in, json_t *old, const char **why)
{
    json_t *out = json_object();
    json_t *label = json_object_get(in, "label");
    json_t *order = json_object_get(in, "displayOrder");
    json_t *stages = json_object_get(in, "stages");
    json_t *olds = json_object_get(old, "stages");
    json_t *src = stages ? stages : olds, *s;
    const char *pid = first(jstr(in, "pipelineId"), jstr(in, "id"));
    size_t i;
    if (!label)
        label = json_object_get(old, "label");
    if (!order)
        order = json_object_get(old, "displayOrder");
    if (label)
        json_object_set(out, "label", label);
    json_object_set_new(out, "displayOrder",
                        order ? json_incref(order) : json_integer(0));
    if (!old && pid)
        json_object_set_new(out, "pipelineId", json_string(pid));
    if (stages && !json_is_array(stages)) {
        *why = "stages must be an array";
        goto fail;
    }
    if (!src)
        return out;
    json_t *arr = json_array();
    json_object_set_new(out, "stages", arr);
    json_array_foreach(src, i, s) {
        json_t *st = stage_input(s, i, olds);
        if (!st) {
            *why = "each stage must be a JSON object";
            goto fail;
        }
        json_array_append_new(arr, st);
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static int pipeline_merge(struct hub_op *op, int status, json_t *body)
{
    const char *why = NULL;
    (void)status;
    /* hub_send replaces op->path: copy it first */
    const char *path = ed_arena_strdup(op->req->arena, op->path);
    json_t *in = pipeline_input(op->req->body, body, &why);
    if (!in)
        return bad_request(op, why);
    int st = hub_send(op, "PUT", path, in, false, pipeline_done);
    json_decref(in);
    return st;
}

static int pipelines(struct hub_op *op)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (op->sub)
        return no_resource(op);
    if (!op->id && req->method == ED_GET)
        return hub_send(op, "GET", PIPELINES, NULL, false, pipelines_listed);
    if (!op->id && req->method == ED_POST) {
        if ((st = need_object(op)))
            return st;
        json_t *in = pipeline_input(req->body, NULL, &why);
        if (!in)
            return bad_request(op, why);
        st = hub_send(op, "POST", PIPELINES, in, false, pipeline_done);
        json_decref(in);
        return st;
    }
    if (!op->id)
        return no_method(op, "GET or POST");
    const char *path =
        ed_arena_printf(req->arena, PIPELINES "/%s", hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET:
        return hub_send(op, "GET", path, NULL, false, pipeline_done);
    case ED_PUT:
    case ED_PATCH:
        /* read, merge, PUT: pipeline_merge resends to the same path */
        if ((st = need_object(op)))
            return st;
        return hub_send(op, "GET", path, NULL, false, pipeline_merge);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, done_empty);
    default:
        return no_method(op, "GET, PUT, PATCH or DELETE");
    }
}

/* --- timeline event types (timeline v3) ----------------------------------- */

static const struct {
    const char *v3, *v1;
} token_types[] = {
    {"string", "String"},
    {"number", "Numeric"},
    {"date", "Date"},
    {"enumeration", "Enumeration"},
};
#define N_TOKEN_TYPES (sizeof(token_types) / sizeof(token_types[0]))

static const struct {
    const char *v1, *v3;
} object_types[] = {
    {"CONTACT", "contacts"},
    {"COMPANY", "companies"},
    {"DEAL", "deals"},
    {"TICKET", "tickets"},
};

/* Properties are tokens: id = name, and v1's propertyType next to type. */
static void token_shape(json_t *t)
{
    const char *type = jstr(t, "type");
    if (jstr(t, "name"))
        json_object_set(t, "id", json_object_get(t, "name"));
    for (size_t i = 0; type && i < N_TOKEN_TYPES; i++)
        if (strcmp(token_types[i].v3, type) == 0)
            json_object_set_new(t, "propertyType", json_string(token_types[i].v1));
}

static json_t *options_input(json_t *opts)
{
    json_t *out = json_array(), *o;
    size_t i;
    json_array_foreach(opts, i, o) {
        json_t *value = scalar_str(json_object_get(o, "value"));
        json_t *label = scalar_str(json_object_get(o, "label"));
        if (!value) {
            json_decref(label);
            continue;
        }
        json_array_append_new(out, json_pack("{s:o, s:o}", "label",
                                             label ? label : json_incref(value),
                                             "value", value));
    }
    return out;
}

/* A token from a Cloud Elements property ({name, label, propertyType:
 * String|Numeric|Date|Enumeration, options}) or a v3 token. New reference,
 * or NULL with *why set. */
static json_t *token_input(json_t *t, const char **why)
{
    const char *name = jstr(t, "name"), *type = jstr(t, "type");
    const char *ptype = jstr(t, "propertyType");
    if (!name) {
        *why = "a property needs a name";
        return NULL;
    }
    for (size_t i = 0; !type && ptype && i < N_TOKEN_TYPES; i++)
        if (ed_strcaseeq(token_types[i].v1, ptype) ||
            ed_strcaseeq(token_types[i].v3, ptype))
            type = token_types[i].v3;
    if (!type && ptype) {
        *why = "propertyType must be String, Numeric, Date or Enumeration";
        return NULL;
    }
    json_t *out = json_pack("{s:s, s:s, s:s, s:o}", "name", name, "label",
                            first(jstr(t, "label"), name), "type",
                            type ? type : "string", "options",
                            options_input(json_object_get(t, "options")));
    const char *prop = first(jstr(t, "objectPropertyName"), jstr(t, "objectProperty"));
    if (prop)
        json_object_set_new(out, "objectPropertyName", json_string(prop));
    return out;
}

static json_t *tokens_input(json_t *list, const char **why)
{
    json_t *out = json_array(), *t;
    size_t i;
    json_array_foreach(list, i, t) {
        json_t *tok = token_input(t, why);
        if (!tok) {
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, tok);
    }
    return out;
}

/* The v3 template input from a Cloud Elements event type, over `old` (the
 * current template, for updates; NULL on create). HubSpot requires what
 * Cloud Elements' shape lacks: objectType defaults to contacts, header and
 * detail templates to the name, tokens to none (or the old ones). */
static json_t *template_input(json_t *in, json_t *old, const char **why)
{
    const char *name = first(jstr(in, "name"), jstr(old, "name"));
    const char *otype = first(jstr(in, "objectType"), "contacts");
    json_t *src = json_object_get(in, "tokens");
    if (!src)
        src = json_object_get(in, "properties");
    if (!src)
        src = json_object_get(old, "tokens");
    if (!name) {
        *why = "name is required";
        return NULL;
    }
    if (src && !json_is_array(src)) {
        *why = "tokens (or properties) must be an array";
        return NULL;
    }
    json_t *tokens = tokens_input(src, why);
    if (!tokens)
        return NULL;
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:o}", "name", name, "headerTemplate",
        first(first(jstr(in, "headerTemplate"), jstr(old, "headerTemplate")), name),
        "detailTemplate",
        first(first(jstr(in, "detailTemplate"), jstr(old, "detailTemplate")), name),
        "tokens", tokens);
    if (old) {
        json_object_set(out, "id", json_object_get(old, "id"));
        return out;
    }
    for (size_t i = 0; i < sizeof(object_types) / sizeof(object_types[0]); i++)
        if (ed_strcaseeq(object_types[i].v1, otype))
            otype = object_types[i].v3;
    json_object_set_new(out, "objectType", json_string(otype));
    return out;
}

/* Event fields that are not custom properties (tokens). */
static const char *const event_fields[] = {
    "id",        "eventTypeId", "eventTemplateId", "objectId",       "email",
    "utk",       "domain",      "timestamp",       "extraData",      "timelineIFrame",
    "tokens",    "objectType",  "portalId",        "applicationId",  "customObjectTypeId",
    NULL};

static bool event_field(const char *k)
{
    for (size_t i = 0; event_fields[i]; i++)
        if (strcmp(event_fields[i], k) == 0)
            return true;
    return false;
}

static json_t *iso_ms(int64_t ms)
{
    char s[32];
    ed_iso8601(ms / 1000, s, sizeof(s));
    return json_sprintf("%.19s.%03dZ", s, (int)(ms % 1000));
}

/* v1 iframe {linkLabel, iframeLabel, iframeUri, width, height} → v3. */
static json_t *iframe_input(json_t *f)
{
    json_t *out = json_deep_copy(f);
    rename_key(out, "iframeLabel", "headerLabel");
    rename_key(out, "iframeUri", "url");
    return out;
}

/* A v3 event from a Cloud Elements (v1-shaped) event: the caller's id, the
 * identity (objectId, email, utk), epoch-ms timestamp as ISO, and every
 * other top-level scalar as a token. New reference, or NULL with *why set. */
static json_t *event_input(struct hub_op *op, const char *tid, json_t *in,
                           const char **why)
{
    static const char *const copied[] = {"id", "email", "utk", "domain", "objectId",
                                         "customObjectTypeId", NULL};
    json_t *out = json_pack("{s:s}", "eventTemplateId", tid);
    json_t *tokens = json_object(), *v;
    const char *k;
    json_object_set_new(out, "tokens", tokens);
    for (size_t i = 0; copied[i]; i++) {
        json_t *sv = scalar_str(json_object_get(in, copied[i]));
        if (sv)
            json_object_set_new(out, copied[i], sv);
    }
    v = json_object_get(in, "timestamp");
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        json_object_set_new(out, "timestamp", iso_ms(json_integer_value(v)));
    else if (json_is_string(v))
        json_object_set(out, "timestamp", v);
    if ((v = json_object_get(in, "extraData")))
        json_object_set(out, "extraData", v);
    if (json_is_object(v = json_object_get(in, "timelineIFrame")))
        json_object_set_new(out, "timelineIFrame", iframe_input(v));
    json_object_foreach(json_object_get(in, "tokens"), k, v) {
        json_t *sv = scalar_str(v);
        if (sv)
            json_object_set_new(tokens, k, sv);
    }
    json_object_foreach(in, k, v) {
        if (event_field(k) || json_is_null(v))
            continue;
        json_t *sv = scalar_str(v);
        if (!sv) {
            *why = ed_arena_printf(op->req->arena,
                                   "event field '%s' must be a string, number or "
                                   "boolean (custom fields become HubSpot tokens)",
                                   k);
            json_decref(out);
            return NULL;
        }
        json_object_set_new(tokens, k, sv);
    }
    return out;
}

/* v3 event → Cloud Elements: tokens also as top-level fields (the v1 shape
 * the event was created in), where they do not hide a v3 field. */
static int event_done(struct hub_op *op, int status, json_t *body)
{
    json_t *o = body ? json_incref(body) : json_object(), *v;
    const char *k;
    (void)status;
    json_object_foreach(json_object_get(o, "tokens"), k, v) {
        if (!json_object_get(o, k))
            json_object_set(o, k, v);
    }
    return reply(op, o);
}

/* A property update in flight (token_merge). */
struct tl_state {
    const char *app;  /* HubSpot app id */
    const char *tid;  /* event template id */
    const char *name; /* token name */
};

/* App id: configuration hubspot.timeline.app.id, else the token's app. */
static const char *tl_app(struct hub_op *op)
{
    const char *a = instance_cfg(&op->in, "hubspot.timeline.app.id");
    json_t *m = json_object_get(op->in.meta, "app_id");
    if (a && *a)
        return a;
    if (json_is_integer(m))
        return ed_arena_printf(op->req->arena, "%lld", (long long)json_integer_value(m));
    return json_string_value(m);
}

/* A template path; with the developer key as hapikey when configured. */
static const char *tl_path(struct hub_op *op, const char *app, const char *tail)
{
    const char *key = instance_cfg(&op->in, "hubspot.developer.apikey");
    bool k = key && *key;
    return ed_arena_printf(op->req->arena, TIMELINE "/%s/event-templates%s%s%s", app,
                           tail, k ? "?hapikey=" : "", k ? hub_escape(op, key) : "");
}

static void template_shape(json_t *tpl)
{
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(tpl, "tokens"), i, t) token_shape(t);
}

static int template_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, template_shape);
}

static int templates_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results"), *tpl;
    json_t *arr = json_is_array(r) ? json_incref(r) : json_array();
    size_t i;
    (void)status;
    json_array_foreach(arr, i, tpl) template_shape(tpl);
    return reply_sliced(op, 't', arr);
}

static int template_merge(struct hub_op *op, int status, json_t *body)
{
    const char *why = NULL;
    (void)status;
    const char *path = ed_arena_strdup(op->req->arena, op->path);
    json_t *in = template_input(op->req->body, body, &why);
    if (!in)
        return bad_request(op, why);
    int st = hub_send(op, "PUT", path, in, false, template_done);
    json_decref(in);
    return st;
}

static int token_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return reply_shaped(op, body, token_shape);
}

static int tokens_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *t = json_object_get(body, "tokens"), *it;
    json_t *arr = json_is_array(t) ? json_incref(t) : json_array();
    size_t i;
    (void)status;
    json_array_foreach(arr, i, it) token_shape(it);
    return reply_list(op, arr, NULL);
}

/* PATCH of a property: HubSpot's token update takes label and options
 * whole, so fill what the body lacks from the current token. */
static int token_merge(struct hub_op *op, int status, json_t *body)
{
    struct tl_state *ts = op->state;
    json_t *in = op->req->body, *old = NULL, *t;
    size_t i;
    (void)status;
    json_array_foreach(json_object_get(body, "tokens"), i, t)
        if (jstr(t, "name") && strcmp(jstr(t, "name"), ts->name) == 0)
            old = t;
    if (!old)
        return api_error(op->req, op->res, ED_E_NOT_FOUND,
                         "No property %s on timeline event type %s", ts->name,
                         ts->tid);
    json_t *opts = json_object_get(in, "options");
    const char *label = first(jstr(in, "label"), first(jstr(old, "label"), ts->name));
    const char *prop = first(jstr(in, "objectPropertyName"), jstr(in, "objectProperty"));
    json_t *up = json_pack(
        "{s:s, s:o}", "label", label, "options",
        options_input(opts ? opts : json_object_get(old, "options")));
    prop = first(prop, jstr(old, "objectPropertyName"));
    if (prop)
        json_object_set_new(up, "objectPropertyName", json_string(prop));
    const char *tail = ed_arena_printf(op->req->arena, "/%s/tokens/%s",
                                       hub_escape(op, ts->tid), hub_escape(op, ts->name));
    int st = hub_send(op, "PUT", tl_path(op, ts->app, tail), up, false, token_done);
    json_decref(up);
    return st;
}

static int tl_types(struct hub_op *op, const char *app)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (req->method == ED_GET)
        return hub_send(op, "GET", tl_path(op, app, ""), NULL, false, templates_listed);
    if (req->method != ED_POST)
        return no_method(op, "GET or POST");
    if ((st = need_object(op)))
        return st;
    json_t *in = template_input(req->body, NULL, &why);
    if (!in)
        return bad_request(op, why);
    st = hub_send(op, "POST", tl_path(op, app, ""), in, false, template_done);
    json_decref(in);
    return st;
}

static int tl_type(struct hub_op *op, const char *app)
{
    int st;
    const char *path =
        tl_path(op, app, ed_arena_printf(op->req->arena, "/%s", hub_escape(op, op->id)));
    switch (op->req->method) {
    case ED_GET:
        return hub_send(op, "GET", path, NULL, false, template_done);
    case ED_PATCH:
    case ED_PUT:
        /* read, merge, PUT: template_merge resends to the same path */
        if ((st = need_object(op)))
            return st;
        return hub_send(op, "GET", path, NULL, false, template_merge);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, done_empty);
    default:
        return no_method(op, "GET, PATCH, PUT or DELETE");
    }
}

static int tl_properties(struct hub_op *op, const char *app, const char *name)
{
    int st;
    struct ed_request *req = op->req;
    const char *tid = hub_escape(op, op->id), *why = NULL;
    const char *tpl = tl_path(op, app, ed_arena_printf(req->arena, "/%s", tid));
    if (!name && req->method == ED_GET)
        return hub_send(op, "GET", tpl, NULL, false, tokens_listed);
    if (!name && req->method == ED_POST) {
        if ((st = need_object(op)))
            return st;
        json_t *in = token_input(req->body, &why);
        if (!in)
            return bad_request(op, why);
        st = hub_send(op, "POST",
                      tl_path(op, app, ed_arena_printf(req->arena, "/%s/tokens", tid)),
                      in, false, token_done);
        json_decref(in);
        return st;
    }
    if (!name)
        return no_method(op, "GET or POST");
    if (req->method == ED_DELETE)
        return hub_send(op, "DELETE",
                        tl_path(op, app,
                                ed_arena_printf(req->arena, "/%s/tokens/%s", tid,
                                                hub_escape(op, name))),
                        NULL, false, done_empty);
    if (req->method != ED_PATCH && req->method != ED_PUT)
        return no_method(op, "PATCH, PUT or DELETE");
    if ((st = need_object(op)))
        return st;
    struct tl_state *ts = ed_arena_alloc(req->arena, sizeof(*ts));
    ts->app = app;
    ts->tid = op->id;
    ts->name = name;
    op->state = ts;
    return hub_send(op, "GET", tpl, NULL, false, token_merge);
}

static int tl_events(struct hub_op *op, const char *eid)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (eid && req->method == ED_GET)
        return hub_send(op, "GET",
                        ed_arena_printf(req->arena, TIMELINE "/events/%s/%s",
                                        hub_escape(op, op->id), hub_escape(op, eid)),
                        NULL, false, event_done);
    if (eid && (req->method == ED_PATCH || req->method == ED_PUT))
        return api_error(req, op->res, ED_E_METHOD,
                         "HubSpot timeline events are immutable; create a new "
                         "event with another id instead");
    if (eid)
        return no_method(op, "GET");
    if (req->method != ED_POST)
        return no_method(op, "POST");
    if ((st = need_object(op)))
        return st;
    json_t *in = event_input(op, op->id, req->body, &why);
    if (!in)
        return bad_request(op, why);
    st = hub_send(op, "POST", TIMELINE "/events", in, false, done_empty);
    json_decref(in);
    return st;
}

static int timeline(struct hub_op *op)
{
    const char *app = tl_app(op), *s4 = seg(op, 3);
    if (seg(op, 4))
        return no_resource(op);
    if (op->sub && strcmp(op->sub, "events") == 0)
        return tl_events(op, s4); /* events name their template, not the app */
    if (!app || !*app || !ed_all_digits(app) || strlen(app) > 10)
        return bad_request(op, "Timeline event types need the HubSpot app id: set "
                               "hubspot.timeline.app.id on the instance");
    if (!op->id)
        return tl_types(op, app);
    if (!op->sub)
        return tl_type(op, app);
    if (strcmp(op->sub, "properties") == 0 ||
        strcmp(op->sub, "timelineEventTypesProperties") == 0)
        return tl_properties(op, app, s4);
    return no_resource(op);
}

/* --- objects and metadata ------------------------------------------------- */

struct object_entry {
    const char *name;   /* Cloud Elements name */
    const char *vendor; /* HubSpot name */
    const char *props;  /* properties API object type; NULL: none */
    bool canonical;     /* shaped by us (ceCanonical) or passed through */
};

static const struct object_entry object_list[] = {
    {"contacts", "contacts", "contacts", true},
    {"accounts", "companies", "companies", true},
    {"opportunities", "deals", "deals", true},
    {"leads", "contacts", "contacts", true},
    {"activities", "engagements", NULL, true},
    {"owners", "owners", NULL, true},
    {"pipelines", "pipelines", NULL, true},
    {"timeline-event-types", "event-templates", NULL, true},
    {"companies", "companies", "companies", false},
    {"deals", "deals", "deals", false},
    {"tickets", "tickets", "tickets", false},
    {"products", "products", "products", false},
    {"line_items", "line_items", "line_items", false},
    {"notes", "notes", "notes", false},
    {"calls", "calls", "calls", false},
    {"emails", "emails", "emails", false},
    {"meetings", "meetings", "meetings", false},
    {"tasks", "tasks", "tasks", false},
};

#define N_OBJECTS (sizeof(object_list) / sizeof(object_list[0]))

static int objects_list(struct hub_op *op)
{
    const char *v = req_header(op->req, "Elements-Version");
    bool helium = v && ed_strcaseeq(v, "Helium");
    json_t *arr = json_array();
    for (size_t i = 0; i < N_OBJECTS; i++) {
        const struct object_entry *e = &object_list[i];
        json_array_append_new(
            arr, helium ? json_pack("{s:s, s:s, s:s}", "name", e->name, "vendorName",
                                    e->vendor, "type",
                                    e->canonical ? "ceCanonical" : "vendor")
                        : json_string(e->name));
    }
    return reply_list(op, arr, NULL);
}

static const struct {
    const char *hs, *ce;
} field_types[] = {
    {"number", "number"}, {"bool", "boolean"}, {"date", "date"}, {"datetime", "date"},
};

static json_t *field_of(json_t *p)
{
    const char *name = jstr(p, "name"), *type = jstr(p, "type"), *ce = "string";
    json_t *mm = json_object_get(p, "modificationMetadata");
    bool ro = json_is_true(json_object_get(mm, "readOnlyValue")) ||
              json_is_true(json_object_get(p, "calculated"));
    if (!name)
        return NULL;
    for (size_t i = 0; type && i < sizeof(field_types) / sizeof(field_types[0]); i++)
        if (strcmp(field_types[i].hs, type) == 0)
            ce = field_types[i].ce;
    return json_pack("{s:o, s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "vendorPath",
                     json_sprintf("properties.%s", name), "type", ce,
                     "vendorDisplayName", first(jstr(p, "label"), name),
                     "vendorReadOnly", ro, "vendorRequired", 0, "filterable", 1,
                     "createable", !ro, "updateable", !ro);
}

static int metadata_done(struct hub_op *op, int status, json_t *body)
{
    json_t *fields = json_array(), *p;
    size_t i;
    (void)status;
    json_array_append_new(
        fields, json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b}", "vendorPath", "id",
                          "type", "string", "vendorDisplayName", "Record ID",
                          "vendorReadOnly", 1, "vendorRequired", 0, "filterable", 1,
                          "createable", 0, "updateable", 0));
    json_array_foreach(json_object_get(body, "results"), i, p) {
        json_t *f = field_of(p);
        if (f)
            json_array_append_new(fields, f);
    }
    return reply(op, json_pack("{s:o}", "fields", fields));
}

static int object_metadata(struct hub_op *op)
{
    const char *object = op->id;
    for (const char *p = object; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return api_error(op->req, op->res, ED_E_NOT_FOUND, "No object %s", object);
    for (size_t i = 0; i < N_OBJECTS; i++) {
        if (strcmp(object_list[i].name, object) != 0)
            continue;
        if (!object_list[i].props)
            return api_error(op->req, op->res, ED_E_NOT_FOUND,
                             "No metadata for %s: HubSpot has no properties "
                             "for it",
                             object);
        object = object_list[i].props;
    }
    return hub_send(op, "GET",
                    ed_arena_printf(op->req->arena, "/crm/v3/properties/%s", object),
                    NULL, false, metadata_done);
}

static int objects(struct hub_op *op)
{
    bool meta = op->sub && strcmp(op->sub, "metadata") == 0 && !seg(op, 3);
    if (!op->id || meta) {
        if (op->req->method != ED_GET)
            return no_method(op, "GET");
        if (!op->id)
            return objects_list(op);
        /* hub.c lets /objects through on a disabled instance; only the
         * catalogue, which needs no HubSpot call, answers there */
        if (op->in.row.disabled)
            return api_error(op->req, op->res, ED_E_FORBIDDEN,
                             "The element instance is disabled");
        return object_metadata(op);
    }
    return no_resource(op);
}

const struct hub_resource hub_misc_resources[] = {
    {"activities", activities},
    {"contacts", record_sub},
    {"accounts", record_sub},
    {"opportunities", record_sub},
    {"owners", owners},
    {"pipelines", pipelines},
    {"timeline-event-types", timeline},
    {"objects", objects},
    {NULL, NULL},
};
