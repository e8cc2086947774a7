/* SPDX-License-Identifier: MIT
 * CRM object resources: contacts, accounts (companies), opportunities
 * (deals), leads (contacts whose lifecyclestage is lead) and any other
 * HubSpot object by name. Records are returned as HubSpot shapes them (top
 * level id, flat properties map). Listing follows Cloud Elements' paging
 * (pageSize, page, nextPage) on top of HubSpot's cursors: the list endpoint
 * when there is no query, the search endpoint when there is a CEQL where or
 * an orderBy. Page n without a cursor walks the same listing, so page n of
 * size k is always the n-th slice of size k. */
#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/hub_schemas.h"
#include "core/buf.h"
#include "hub/jsonfilter.h"
#include "hub/paging.h"
#include "hub/resource.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "elements/elements.h"
#include "provider/provider.h"

#define MAX_PAGE HUB_PAGE_SIZE_MAX /* HubSpot's largest list limit */

struct crm_map {
    const char *name;    /* Cloud Elements resource */
    const char *object;  /* HubSpot object type */
    const char *lastmod; /* last-modified property */
    const char *classic; /* HubSpot's classic id name, added beside id */
    bool leads;
};

static const struct crm_map maps[] = {
    {"contacts", "contacts", "lastmodifieddate", "vid", false},
    {"accounts", "companies", "hs_lastmodifieddate", "companyId", false},
    {"opportunities", "deals", "hs_lastmodifieddate", "dealId", false},
    {"leads", "contacts", "lastmodifieddate", "vid", true},
    {"companies", "companies", "hs_lastmodifieddate", "companyId", false},
    {"deals", "deals", "hs_lastmodifieddate", "dealId", false},
};

/* The classic id of the op's resource (NULL for other objects). */
static const char *classic_of(const struct hub_op *op)
{
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        if (strcmp(maps[i].name, op->resource) == 0)
            return maps[i].classic;
    return NULL;
}

struct list_state {
    struct hub_paging pg; /* pg.skip: records still to skip (page n) */
    const struct crm_map *map;
    const char *object;
    bool search;
    json_t *search_body; /* owned until the chain ends */
    const char *props;   /* comma list or NULL */
};

/* --- cursors ------------------------------------------------------------------ */

static const char *cursor_encode(struct hub_op *op, bool search,
                                 const char *after)
{
    return hub_cursor_make(op, search ? 's' : 'l', after);
}

/* Decode a list ('l') or search ('s') cursor; false when malformed. */
static bool cursor_decode(struct hub_op *op, const char *c, bool *search,
                          const char **after)
{
    *search = c[0] == 's';
    *after = hub_cursor_read(op, *search ? 's' : 'l', c);
    return *after != NULL;
}

/* --- shaping ------------------------------------------------------------------- */

static int respond_record(struct hub_op *op, int status, const char *body,
                          size_t len)
{
    struct ed_buf out;
    (void)status;
    if (len == 0)
        return res_json(op->res, 200, json_object());
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    ed_buf_reserve(&out, len);
    if (jsonfilter_copy_proj(body, len, hub_drop_nulls(op), classic_of(op),
                             op->proj, &out) != ED_OK) {
        ed_buf_cleanup(&out);
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot answered with invalid or oversized JSON");
    }
    size_t n = out.len;
    return hub_respond_raw(op, 200, ed_buf_take(&out), n);
}

/* A scalar as HubSpot's string form into the arena; NULL for anything else. */
static const char *scalar_text(struct hub_op *op, json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_true(v) || json_is_false(v))
        return json_is_true(v) ? "true" : "false";
    if (json_is_integer(v))
        return ed_arena_printf(op->req->arena, "%lld",
                               (long long)json_integer_value(v));
    if (json_is_real(v))
        return ed_arena_printf(op->req->arena, "%.17g", json_real_value(v));
    return NULL;
}

/* Lower-case property names; accept {"properties":{...}} or flat fields.
 * create: a POST (leads and deals get their defaults). Values become
 * HubSpot's strings; null clears the property on an update (HubSpot takes
 * "" to clear) and is left out of a create (nothing to clear); an array of
 * scalars is a multi-select value, joined with ';' as HubSpot writes
 * them; an object, or an array holding one, has no HubSpot form: NULL is
 * returned with *bad naming the field (the caller answers 400, nothing
 * sent). */
static json_t *record_body(struct hub_op *op, const struct crm_map *map,
                           json_t *in, bool create, const char **bad)
{
    json_t *src = json_object_get(in, "properties");
    if (!json_is_object(src))
        src = in;
    json_t *props = json_object();
    const char *k;
    json_t *v;
    *bad = NULL;
    json_object_foreach(src, k, v) {
        if (strcmp(k, "id") == 0)
            continue;
        char *lk = ed_arena_strdup(op->req->arena, k);
        for (char *p = lk; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        const char *txt = scalar_text(op, v);
        if (txt) {
            json_object_set_new(props, lk, json_string(txt));
        } else if (json_is_null(v)) {
            if (!create)
                json_object_set_new(props, lk, json_string(""));
        } else if (json_is_array(v)) {
            struct ed_buf b;
            size_t i;
            json_t *e;
            ed_buf_init(&b, PROVIDER_MAX_BODY);
            json_array_foreach(v, i, e) {
                const char *t = scalar_text(op, e);
                if (!t) {
                    ed_buf_cleanup(&b);
                    json_decref(props);
                    *bad = ed_arena_printf(op->req->arena,
                                           "%s[%zu] must be a string, number "
                                           "or boolean (a multi-select value)",
                                           k, i);
                    return NULL;
                }
                if ((i && ed_buf_append(&b, ";", 1) != ED_OK) ||
                    ed_buf_append(&b, t, strlen(t)) != ED_OK) {
                    ed_buf_cleanup(&b);
                    json_decref(props);
                    *bad = ed_arena_printf(op->req->arena, "%s is too long", k);
                    return NULL;
                }
            }
            json_object_set_new(props, lk,
                                json_stringn(b.data ? b.data : "", b.len));
            ed_buf_cleanup(&b);
        } else {
            json_decref(props);
            *bad = ed_arena_printf(op->req->arena,
                                   "%s is an object: HubSpot properties take "
                                   "strings, numbers, booleans, null (to "
                                   "clear) or arrays (multi-select values)",
                                   k);
            return NULL;
        }
    }
    if (map && map->leads && create &&
        !json_object_get(props, "lifecyclestage"))
        json_object_set_new(props, "lifecyclestage", json_string("lead"));
    if (map && strcmp(map->object, "deals") == 0 && create) {
        /* HubSpot requires a pipeline and stage; default to the default
         * pipeline's first stage (documented in docs/hub-api.md) */
        if (!json_object_get(props, "pipeline"))
            json_object_set_new(props, "pipeline", json_string("default"));
        if (!json_object_get(props, "dealstage"))
            json_object_set_new(props, "dealstage",
                                json_string("appointmentscheduled"));
    }
    return json_pack("{s:o}", "properties", props);
}

static json_t *write_body(struct hub_op *op, const struct crm_map *map,
                          const char **bad)
{
    return record_body(op, map, op->req->body, op->req->method == ED_POST, bad);
}

/* --- batch writes ---------------------------------------------------------------- */

#define BATCH_MAX 100

static int batch_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    json_t *o = json_is_object(body) ? json_incref(body) : json_object();
    if (!json_object_get(o, "results"))
        json_object_set_new(o, "results", json_array());
    if (!json_object_get(o, "errors"))
        json_object_set_new(o, "errors", json_array());
    return res_json(op->res, 200, o);
}

/* The value of an input as an id string (a property or member), or NULL. */
static const char *input_value(struct hub_op *op, json_t *v)
{
    if (json_is_string(v) && *json_string_value(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return ed_arena_printf(op->req->arena, "%lld",
                               (long long)json_integer_value(v));
    return NULL;
}

/* POST /{object}/batch/{create|upsert|update}: HubSpot's v3 batch body
 * {"inputs":[{"properties":{...}} | flat fields, ...]} (1 to 100 inputs;
 * property names lower-cased as the single-record writes do), with
 * "idProperty" (top level or per input) for upsert (required) and update;
 * an input's "id" defaults to its idProperty value. Answers 200 with
 * HubSpot's batch answer ("results", "errors"). */
static int crm_batch(struct hub_op *op, const struct crm_map *map,
                     const char *object)
{
    struct ed_request *req = op->req;
    const char *verb = op->sub;
    if (strcmp(verb, "create") != 0 && strcmp(verb, "upsert") != 0 &&
        strcmp(verb, "update") != 0)
        return res_error(req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                         req->subpath);
    if (req->method != ED_POST)
        return res_error(req, op->res, ED_E_METHOD, "Use POST on /%s/batch/%s",
                         op->resource, verb);
    json_t *inputs = json_object_get(req->body, "inputs");
    if (!json_is_array(inputs) || json_array_size(inputs) == 0 ||
        json_array_size(inputs) > BATCH_MAX)
        return res_error(req, op->res, ED_E_BAD_REQUEST,
                         "inputs must be an array of 1 to %d records",
                         BATCH_MAX);
    const char *top = json_string_value(
        json_object_get(req->body, "idProperty"));
    bool create = strcmp(verb, "create") == 0;
    json_t *out = json_array();
    size_t i;
    json_t *in;
    json_array_foreach(inputs, i, in) {
        if (!json_is_object(in)) {
            json_decref(out);
            return res_error(req, op->res, ED_E_BAD_REQUEST,
                             "inputs[%zu] must be an object", i);
        }
        const char *bad;
        json_t *b = record_body(op, map, in, create, &bad);
        if (!b) {
            json_decref(out);
            return res_error(req, op->res, ED_E_BAD_REQUEST, "inputs[%zu]: %s",
                             i, bad);
        }
        if (json_object_get(in, "idProperty"))
            json_object_del(json_object_get(b, "properties"), "idproperty");
        if (!create) {
            const char *idp = json_string_value(
                json_object_get(in, "idProperty"));
            if (!idp)
                idp = top;
            char *lidp = idp ? ed_arena_strdup(req->arena, idp) : NULL;
            for (char *p = lidp; p && *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                    *p = (char)(*p + 32);
            const char *id = input_value(op, json_object_get(in, "id"));
            if (!id && lidp)
                id = input_value(
                    op,
                    json_object_get(json_object_get(b, "properties"), lidp));
            if (!id || (!lidp && strcmp(verb, "upsert") == 0)) {
                json_decref(b);
                json_decref(out);
                return res_error(req, op->res, ED_E_BAD_REQUEST,
                                 "inputs[%zu] has no id%s%s", i,
                                 lidp ? " and no value for " : "",
                                 lidp ? lidp : "");
            }
            json_object_set_new(b, "id", json_string(id));
            if (lidp)
                json_object_set_new(b, "idProperty", json_string(lidp));
        }
        json_array_append_new(out, b);
    }
    json_t *body = json_pack("{s:o}", "inputs", out);
    const char *path = ed_arena_printf(req->arena,
                                       "/crm/v3/objects/%s/batch/%s", object,
                                       verb);
    int st = hub_send(op, "POST", path, body, false, batch_done);
    json_decref(body);
    return st;
}

/* --- list ------------------------------------------------------------------------ */

static int list_step(struct hub_op *op, const char *after);

static int bad_answer(struct hub_op *op)
{
    return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                     "HubSpot answered with invalid or oversized JSON");
}

/* The hot path: HubSpot's page is reshaped in one streaming pass. */
static int list_next(struct hub_op *op, int status, const char *body,
                     size_t len)
{
    struct list_state *ls = op->state;
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    if (ls->pg.offset < 0) {
        if (jsonfilter_page(body, len, false, NULL, 0, NULL, &pg) != ED_OK)
            return bad_answer(op);
        ls->pg.skip -= (long)pg.count;
        if (!pg.after[0] || pg.count == 0) {
            /* past the end: an empty page */
            json_decref(ls->search_body);
            ls->search_body = NULL;
            res_header(op->res, "Elements-Returned-Count", "0");
            return res_json(op->res, 200, json_array());
        }
        return list_step(op, ed_arena_strdup(op->req->arena, pg.after));
    }
    json_decref(ls->search_body);
    ls->search_body = NULL;
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    ed_buf_reserve(&out, len);
    if (jsonfilter_page_proj(body, len, hub_drop_nulls(op),
                             ls->map ? ls->map->classic : NULL,
                             (size_t)ls->pg.offset, op->proj, &out,
                             &pg) != ED_OK) {
        ed_buf_cleanup(&out);
        return bad_answer(op);
    }
    return hub_reply_page(op, &out, pg.count,
                          pg.after[0] ? cursor_encode(op, ls->search, pg.after)
                                      : NULL,
                          (long long)pg.total);
}

static int list_step(struct hub_op *op, const char *after)
{
    struct list_state *ls = op->state;
    int st = hub_paging_call(op, &ls->pg);
    if (st)
        return st;
    long limit = hub_paging_next(&ls->pg, MAX_PAGE);
    if (ls->search) {
        json_object_set_new(ls->search_body, "limit", json_integer(limit));
        if (after)
            json_object_set_new(ls->search_body, "after", json_string(after));
        else
            json_object_del(ls->search_body, "after");
        /* HubSpot refuses a search body over 3,000 bytes: say so before
         * sending (searches are not the per-record hot path) */
        size_t n = json_dumpb(ls->search_body, NULL, 0, JSON_COMPACT);
        if (n > CEQL_HS_MAX_BODY)
            return res_error(
                op->req, op->res, ED_E_BAD_REQUEST,
                "CEQL: the HubSpot search request for this query "
                "is %zu bytes; HubSpot's search accepts at most %d "
                "(its 3,000-character search body limit): use "
                "fewer or shorter conditions",
                n, CEQL_HS_MAX_BODY);
        char *path = ed_asprintf("/crm/v3/objects/%s/search", ls->object);
        st = hub_send_raw(op, "POST", path, ls->search_body, true, list_next);
        free(path);
        return st;
    }
    const char *path = ed_arena_printf(
        op->req->arena, "/crm/v3/objects/%s?limit=%ld%s%s%s%s", ls->object,
        limit, after ? "&after=" : "", after ? hub_escape(op, after) : "",
        ls->props ? "&properties=" : "",
        ls->props ? hub_escape(op, ls->props) : "");
    return hub_send_raw(op, "GET", path, NULL, false, list_next);
}

static void list_state_cleanup(void *p)
{
    struct list_state *ls = p;
    json_decref(ls->search_body);
    ls->search_body = NULL;
}

static int crm_list(struct hub_op *op, const struct crm_map *map,
                    const char *object)
{
    struct ed_request *req = op->req;
    struct list_state *ls = ed_arena_alloc(req->arena, sizeof(*ls));
    const char *where = req_query(req, "where");
    const char *order = req_query(req, "orderBy");
    const char *next;
    const char *after = NULL;
    char err[256];
    int st;
    op->state = ls;
    op->state_cleanup = list_state_cleanup;
    ls->map = map;
    ls->object = object;
    ls->props = hub_fields(op);
    /* cursors of two kinds ('l' list, 's' search): decoded below */
    if ((st = hub_paging_read(op, 0, &ls->pg)))
        return st;
    next = ls->pg.next;
    ls->search = (where && *where) || (order && *order) || (map && map->leads);
    if (next) {
        bool s;
        if (!cursor_decode(op, next, &s, &after))
            return res_error(req, op->res, ED_E_BAD_REQUEST,
                             "nextPage is not a cursor this server issued");
        /* the cursor holds HubSpot's position, not the query: a cursor of
         * the other kind would silently drop or invent the filter */
        if (s != ls->search)
            return res_error(req, op->res, ED_E_BAD_REQUEST,
                             "nextPage belongs to a %s; send it with the same "
                             "where and orderBy as the first page",
                             s ? "search (where or orderBy)"
                               : "listing without where or orderBy");
    }
    if (ls->search) {
        struct ceql_options opt = {object,
                                   map ? map->lastmod : "hs_lastmodifieddate"};
        json_t *body = NULL;
        if (ceql_translate(where, order, &opt, &body, err, sizeof(err)) !=
            ED_OK)
            return res_error(req, op->res, ED_E_BAD_REQUEST, "%s", err);
        if (map && map->leads) {
            json_t *groups = json_object_get(body, "filterGroups");
            if (json_array_size(groups) == 0)
                json_array_append_new(groups, json_pack("{s:[]}", "filters"));
            size_t i;
            json_t *g;
            size_t widest = 0, total = 0;
            json_array_foreach(groups, i, g) {
                json_t *filters = json_object_get(g, "filters");
                json_array_append_new(filters,
                                      json_pack("{s:s, s:s, s:s}",
                                                "propertyName",
                                                "lifecyclestage", "operator",
                                                "EQ", "value", "lead"));
                size_t n = json_array_size(filters);
                widest = n > widest ? n : widest;
                total += n;
            }
            /* ceql_translate checked the limits without the added filter */
            if (widest > CEQL_HS_MAX_FILTERS_PER_GROUP ||
                total > CEQL_HS_MAX_FILTERS) {
                json_decref(body);
                return res_error(
                    req, op->res, ED_E_BAD_REQUEST,
                    "CEQL: HubSpot search allows at most %d filters "
                    "per group (AND) and %d filters in total; with "
                    "lifecyclestage = lead added to every group, "
                    "this query on leads needs %zu and %zu",
                    CEQL_HS_MAX_FILTERS_PER_GROUP, CEQL_HS_MAX_FILTERS, widest,
                    total);
            }
        }
        if (ls->props)
            json_object_set_new(body, "properties",
                                hub_csv_array(op, ls->props));
        ls->search_body = body;
        /* a search reaches page n in one call: HubSpot's offset cursor */
        if (!after && ls->pg.skip > 0)
            after = ed_arena_printf(req->arena, "%ld", ls->pg.skip);
        ls->pg.skip = 0;
        return list_step(op, after);
    }
    return list_step(op, after);
}

/* --- one record ------------------------------------------------------------------- */

static int lead_check(struct hub_op *op, int status, json_t *body)
{
    const char *lc = json_string_value(
        json_object_get(json_object_get(body, "properties"), "lifecyclestage"));
    if (!lc || strcmp(lc, "lead") != 0)
        return res_error(op->req, op->res, ED_E_NOT_FOUND, "No lead with id %s",
                         op->id);
    char *txt = json_dumps(body, JSON_COMPACT);
    int st = respond_record(op, status, txt, strlen(txt));
    free(txt);
    return st;
}

static int deleted(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    return res_json(op->res, 200, json_object());
}

/* DELETE, step 2: the record exists, archive it. HubSpot answers 204 even
 * for unknown ids, hence the read first (step 1) for Cloud Elements' 404. */
static int delete_found(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    return hub_send(op, "DELETE", op->state, NULL, false, deleted);
}

static int crm_object(struct hub_op *op, const struct crm_map *map,
                      const char *object)
{
    struct ed_request *req = op->req;
    if (op->sub && strcmp(op->id, "batch") == 0)
        return crm_batch(op, map, object);
    if (op->sub)
        return res_error(req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                         req->subpath);
    if (!op->id) {
        if (req->method == ED_GET)
            return crm_list(op, map, object);
        if (req->method == ED_POST) {
            if (!json_is_object(req->body))
                return res_error(req, op->res, ED_E_BAD_REQUEST,
                                 "The request body must be a JSON object");
            const char *bad;
            json_t *b = write_body(op, map, &bad);
            if (!b)
                return res_error(req, op->res, ED_E_BAD_REQUEST, "%s", bad);
            const char *path = ed_arena_printf(req->arena, "/crm/v3/objects/%s",
                                               object);
            int st = hub_send_raw(op, "POST", path, b, false, respond_record);
            json_decref(b);
            return st;
        }
        return res_error(req, op->res, ED_E_METHOD, "Use GET or POST on /%s",
                         op->resource);
    }
    const char *path = ed_arena_printf(req->arena, "/crm/v3/objects/%s/%s",
                                       object, hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET: {
        const char *props = hub_fields(op);
        if (map && map->leads)
            props = props
                        ? ed_arena_printf(req->arena, "%s,lifecyclestage",
                                          props)
                        : "firstname,lastname,email,lifecyclestage,createdate,"
                          "lastmodifieddate";
        if (props)
            path = ed_arena_printf(req->arena, "%s?properties=%s", path,
                                   hub_escape(op, props));
        if (map && map->leads)
            return hub_send(op, "GET", path, NULL, false, lead_check);
        return hub_send_raw(op, "GET", path, NULL, false, respond_record);
    }
    case ED_PATCH:
    case ED_PUT: {
        if (!json_is_object(req->body))
            return res_error(req, op->res, ED_E_BAD_REQUEST,
                             "The request body must be a JSON object");
        const char *bad;
        json_t *b = write_body(op, map, &bad);
        if (!b)
            return res_error(req, op->res, ED_E_BAD_REQUEST, "%s", bad);
        int st = hub_send_raw(op, "PATCH", path, b, false, respond_record);
        json_decref(b);
        return st;
    }
    case ED_DELETE:
        op->state = (void *)path;
        return hub_send(op, "GET",
                        ed_arena_printf(req->arena,
                                        "%s?properties=hs_object_id", path),
                        NULL, false, delete_found);
    default:
        return res_error(req, op->res, ED_E_METHOD,
                         "Method not allowed on /%s/{id}", op->resource);
    }
}

static int crm_mapped(struct hub_op *op)
{
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
        if (strcmp(maps[i].name, op->resource) == 0)
            return crm_object(op, &maps[i], maps[i].object);
    return res_error(op->req, op->res, ED_E_NOT_FOUND, "No resource %s",
                     op->resource);
}

/* A custom object by its schema name ("cars") is HubSpot's object type
 * of its fullyQualifiedName; other names go to HubSpot as they are. */
static int crm_named(struct hub_op *op, json_t *schemas)
{
    json_t *s = hub_schemas_find(schemas, op->resource);
    const char *fqn = json_string_value(
        json_object_get(s, "fullyQualifiedName"));
    const char *object = fqn ? ed_arena_strdup(op->req->arena, fqn)
                             : op->resource;
    json_decref(schemas);
    return crm_object(op, NULL, object);
}

static int crm_schemas_done(struct hub_op *op, int status, json_t *body)
{
    return crm_named(op, hub_schemas_store(op, status, body));
}

/* Any other HubSpot object by name (tickets, products, line_items, ...). */
static int crm_generic(struct hub_op *op)
{
    const char *r = op->resource;
    for (const char *p = r; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return res_error(op->req, op->res, ED_E_NOT_FOUND,
                             "No resource at %s", op->req->subpath);
    /* "bulk" is Cloud Elements' bulk API (not served yet), not a HubSpot object */
    if (!*r || strcmp(r, "bulk") == 0)
        return res_error(op->req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                         op->req->subpath);
    if (hub_schemas_is_native(r))
        return crm_object(op, NULL, r);
    json_t *schemas = hub_schemas_cached(op);
    if (schemas)
        return crm_named(op, schemas);
    return hub_schemas_fetch(op, crm_schemas_done);
}

const struct hub_resource hub_crm_resources[] = {
    {"contacts", crm_mapped},
    {"accounts", crm_mapped},
    {"opportunities", crm_mapped},
    {"leads", crm_mapped},
    {"companies", crm_mapped},
    {"deals", crm_mapped},
    {"*", crm_generic},
    {NULL, NULL},
};
