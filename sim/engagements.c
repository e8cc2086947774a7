/* SPDX-License-Identifier: MIT */
/*
 * Legacy v1 engagements for hubspot-sim (/engagements/v1/...): create, get,
 * PATCH (merges metadata) and PUT (replaces it), delete, associate, the
 * paged list, the per-record list and "recently modified". An engagement is
 * kept as the JSON document HubSpot returns ({engagement, associations,
 * attachments, metadata}) in st->engagements, sorted by id, so reads are a
 * copy and writes edit the document in place. Times are epoch ms, as in v1.
 * The store is separate from the v3 activity objects (notes, calls...).
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENG_ID_BASE 4400001
#define NOTE_BODY_MAX 65536
#define RECENT_WINDOW_MS (30LL * 86400000LL)

static const char *const assoc_keys[] = {"contactIds", "companyIds", "dealIds",
                                         "ownerIds",   "ticketIds",  NULL};
static const char *const create_types[] = {"NOTE",    "EMAIL", "TASK",
                                           "MEETING", "CALL",  NULL};

/* CONTACT/COMPANY/DEAL/TICKET/OWNER -> associations key, or NULL. */
static const char *assoc_key_for(const char *otype)
{
    static const struct {
        const char *type, *key;
    } map[] = {{"CONTACT", "contactIds"},
               {"COMPANY", "companyIds"},
               {"DEAL", "dealIds"},
               {"TICKET", "ticketIds"},
               {"OWNER", "ownerIds"}};

    for (size_t i = 0; otype && i < sizeof(map) / sizeof(map[0]); i++)
        if (sim_str_ieq(otype, map[i].type))
            return map[i].key;
    return NULL;
}

static int64_t eng_id(const json_t *e)
{
    return json_integer_value(
        json_object_get(json_object_get(e, "engagement"), "id"));
}

/* Index of the engagement with id, or of the first one after it. */
static size_t eng_lower(const struct sim_state *st, int64_t id)
{
    size_t lo = 0, hi = json_array_size(st->engagements);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (eng_id(json_array_get(st->engagements, mid)) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static json_t *eng_find(struct sim_state *st, const char *ids, size_t *at)
{
    int64_t id;
    size_t i;
    json_t *e;

    if (!ids || !sim_parse_i64(ids, &id) || id <= 0)
        return NULL;
    i = eng_lower(st, id);
    e = json_array_get(st->engagements, i);
    if (!e || eng_id(e) != id)
        return NULL;
    if (at)
        *at = i;
    return e;
}

static void eng_put(struct sim_state *st, json_t *e_take)
{
    int64_t id = eng_id(e_take);
    size_t i = eng_lower(st, id);
    json_t *old = json_array_get(st->engagements, i);

    if (old && eng_id(old) == id)
        json_array_set_new(st->engagements, i, e_take);
    else
        json_array_insert_new(st->engagements, i, e_take);
    if (id >= st->next_engagement_id)
        st->next_engagement_id = id + 1;
}

/* Association lists: arrays of integers (numeric strings accepted). Returns
 * an error message or NULL; *out gets a new normalised object. */
static const char *assoc_parse(const json_t *in, const json_t *base,
                               json_t **out)
{
    *out = json_object();
    for (const char *const *k = assoc_keys; *k; k++) {
        const json_t *list = json_object_get(in, *k), *v;
        json_t *norm;
        size_t i;

        if (!list) {
            list = json_object_get(base, *k);
            json_object_set_new(*out, *k,
                                list ? json_deep_copy(list) : json_array());
            continue;
        }
        if (!json_is_array(list))
            return "associations lists must be arrays of ids";
        norm = json_array();
        json_object_set_new(*out, *k, norm);
        json_array_foreach(list, i, v) {
            int64_t id = 0;

            if (json_is_integer(v))
                id = json_integer_value(v);
            else if (!json_is_string(v) ||
                     !sim_parse_i64(json_string_value(v), &id))
                return "associations lists must be arrays of ids";
            json_array_append_new(norm, json_integer(id));
        }
    }
    return NULL;
}

/* Builds a full engagement document from a (fixture or create) body. */
static const char *eng_build(struct sim_state *st, const json_t *in, int64_t id,
                             int64_t now, json_t **out)
{
    const json_t *ein = json_object_get(in, "engagement");
    const json_t *md = json_object_get(in, "metadata");
    const json_t *att = json_object_get(in, "attachments");
    const json_t *ts = json_object_get(ein, "timestamp");
    const json_t *owner = json_object_get(ein, "ownerId");
    const json_t *ca = json_object_get(ein, "createdAt");
    const json_t *lu = json_object_get(ein, "lastUpdated");
    const char *type = json_string_value(json_object_get(ein, "type"));
    json_t *assoc = NULL, *e;
    const char *err;

    *out = NULL;
    if (!json_is_object(ein))
        return "engagement is required";
    if (!type)
        return "engagement.type is required";
    if (md && !json_is_object(md))
        return "metadata must be an object";
    if (att && !json_is_array(att))
        return "attachments must be an array";
    if (ts && !json_is_integer(ts))
        return "engagement.timestamp must be epoch milliseconds";
    if (owner && !json_is_integer(owner) && !json_is_null(owner))
        return "engagement.ownerId must be an integer";
    err = assoc_parse(json_object_get(in, "associations"), NULL, &assoc);
    if (err) {
        json_decref(assoc);
        return err;
    }
    e = json_pack(
        "{s:I,s:I,s:b,s:I,s:I}", "id", (json_int_t)id, "portalId",
        (json_int_t)st->cfg->portal_id, "active",
        !json_is_false(json_object_get(ein, "active")), "createdAt",
        (json_int_t)(json_is_integer(ca) ? json_integer_value(ca) : now),
        "lastUpdated",
        (json_int_t)(json_is_integer(lu) ? json_integer_value(lu) : now));
    if (json_is_integer(owner))
        json_object_set(e, "ownerId", (json_t *)owner);
    json_object_set_new(e, "type", json_string(type));
    json_object_set_new(e, "timestamp",
                        json_integer(ts ? json_integer_value(ts) : now));
    *out = json_pack("{s:o,s:o,s:o,s:o}", "engagement", e, "associations",
                     assoc, "attachments",
                     att ? json_deep_copy(att) : json_array(), "metadata",
                     md ? json_deep_copy(md) : json_object());
    return NULL;
}

static bool type_creatable(const char *type)
{
    for (const char *const *t = create_types; *t; t++)
        if (strcmp(*t, type) == 0)
            return true;
    return false;
}

static const char *metadata_check(const json_t *e)
{
    const char *type = json_string_value(
        json_object_get(json_object_get(e, "engagement"), "type"));
    const char *body = json_string_value(
        json_object_get(json_object_get(e, "metadata"), "body"));

    if (type && strcmp(type, "NOTE") == 0 && body &&
        strlen(body) > NOTE_BODY_MAX)
        return "metadata.body is longer than 65536 characters";
    return NULL;
}

static int bad(struct sim_request *req, struct sim_response *res,
               const char *msg)
{
    return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
}

static int not_found(struct sim_request *req, struct sim_response *res)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "Engagement %s does not exist",
                          sim_req_param(req, "id"));
}

/* ---- handlers --------------------------------------------------------- */

static int h_create(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    json_t *body = sim_req_object_or_respond(req, res), *e = NULL;
    const char *type, *err;
    int64_t id;

    if (!body)
        return res->status;
    type = json_string_value(
        json_object_get(json_object_get(body, "engagement"), "type"));
    if (type && !type_creatable(type))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Engagement type %s cannot be created through "
                              "the API",
                              type);
    id = st->next_engagement_id > ENG_ID_BASE ? st->next_engagement_id
                                              : ENG_ID_BASE;
    /* createdAt/lastUpdated are the server's, whatever the body says. */
    json_object_del(json_object_get(body, "engagement"), "createdAt");
    json_object_del(json_object_get(body, "engagement"), "lastUpdated");
    err = eng_build(st, body, id, req->now_ms, &e);
    if (!err)
        err = metadata_check(e);
    if (err) {
        json_decref(e);
        return bad(req, res, err);
    }
    eng_put(st, e);
    return sim_res_json(res, 200, json_deep_copy(e));
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    json_t *e = eng_find(req->st, sim_req_param(req, "id"), NULL);

    if (!e)
        return not_found(req, res);
    return sim_res_json(res, 200, json_deep_copy(e));
}

/* PATCH merges metadata, PUT replaces it; both edit engagement fields. */
static int h_update(struct sim_request *req, struct sim_response *res)
{
    static const char *const editable[] = {"active", "ownerId", "timestamp",
                                           NULL};
    json_t *body = sim_req_object_or_respond(req, res), *e, *ein, *md, *assoc;
    json_t *copy, *cur;
    bool put = strcmp(req->method, "PUT") == 0;
    const char *err;

    if (!body)
        return res->status;
    if (!(e = eng_find(req->st, sim_req_param(req, "id"), NULL)))
        return not_found(req, res);
    ein = json_object_get(body, "engagement");
    md = json_object_get(body, "metadata");
    if ((ein && !json_is_object(ein)) || (md && !json_is_object(md)))
        return bad(req, res, "engagement and metadata must be objects");
    if (json_object_get(body, "attachments") &&
        !json_is_array(json_object_get(body, "attachments")))
        return bad(req, res, "attachments must be an array");
    copy = json_deep_copy(e);
    cur = json_object_get(copy, "engagement");
    for (const char *const *k = editable; *k; k++)
        if (json_object_get(ein, *k))
            json_object_set(cur, *k, json_object_get(ein, *k));
    json_object_set_new(cur, "lastUpdated", json_integer(req->now_ms));
    if (put)
        json_object_set_new(copy, "metadata",
                            md ? json_deep_copy(md) : json_object());
    else if (md)
        json_object_update(json_object_get(copy, "metadata"), md);
    if (json_object_get(body, "attachments"))
        json_object_set_new(copy, "attachments",
                            json_deep_copy(
                                json_object_get(body, "attachments")));
    err = assoc_parse(json_object_get(body, "associations"),
                      json_object_get(copy, "associations"), &assoc);
    json_object_set_new(copy, "associations", assoc);
    if (!err)
        err = metadata_check(copy);
    if (err) {
        json_decref(copy);
        return bad(req, res, err);
    }
    eng_put(req->st, copy);
    return sim_res_json(res, 200, json_deep_copy(copy));
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    size_t at;

    if (!eng_find(req->st, sim_req_param(req, "id"), &at))
        return not_found(req, res);
    json_array_remove(req->st->engagements, at);
    return sim_res_empty(res, 204);
}

static int h_associate(struct sim_request *req, struct sim_response *res)
{
    json_t *e = eng_find(req->st, sim_req_param(req, "id"), NULL), *list, *v;
    const char *key = assoc_key_for(sim_req_param(req, "otype"));
    int64_t oid;
    size_t i;

    if (!e)
        return not_found(req, res);
    if (!key || !sim_parse_i64(sim_req_param(req, "oid"), &oid))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Unknown object type or id: %s/%s",
                              sim_req_param(req, "otype"),
                              sim_req_param(req, "oid"));
    list = json_object_get(json_object_get(e, "associations"), key);
    json_array_foreach(list, i, v)
        if (json_integer_value(v) == oid)
            return sim_res_empty(res, 204);
    json_array_append_new(list, json_integer(oid));
    json_object_set_new(json_object_get(e, "engagement"), "lastUpdated",
                        json_integer(req->now_ms));
    return sim_res_empty(res, 204);
}

static int query_int(struct sim_request *req, struct sim_response *res,
                     const char *name, int64_t dflt, int64_t max, int64_t *out)
{
    const char *v = sim_req_query(req, name);

    *out = dflt;
    if (v && (!sim_parse_i64(v, out) || *out < 0))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "%s must be a non-negative integer, got '%s'",
                              name, v);
    if (max && *out > max)
        *out = max;
    return 0;
}

static bool assoc_has(const json_t *e, const char *key, int64_t id)
{
    const json_t *list = json_object_get(json_object_get(e, "associations"),
                                         key),
                 *v;
    size_t i;

    json_array_foreach(list, i, v)
        if (json_integer_value(v) == id)
            return true;
    return false;
}

/* {results, hasMore, offset}: id order, offset = last id returned. */
static int paged(struct sim_request *req, struct sim_response *res,
                 const char *key, int64_t oid)
{
    json_t *results, *e;
    int64_t limit, offset;
    size_t i;
    bool more = false;

    if (query_int(req, res, "limit", 100, 250, &limit) ||
        query_int(req, res, "offset", 0, 0, &offset))
        return res->status;
    if (limit == 0)
        limit = 100;
    if (offset == INT64_MAX)
        offset--;
    results = json_array();
    for (i = eng_lower(req->st, offset + 1);
         (e = json_array_get(req->st->engagements, i)) != NULL; i++) {
        if (key && !assoc_has(e, key, oid))
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            more = true;
            break;
        }
        json_array_append_new(results, json_deep_copy(e));
        offset = eng_id(e);
    }
    return sim_res_json(res, 200,
                        json_pack("{s:o,s:b,s:I}", "results", results,
                                  "hasMore", more, "offset",
                                  (json_int_t)offset));
}

static int h_paged(struct sim_request *req, struct sim_response *res)
{
    return paged(req, res, NULL, 0);
}

static int h_associated(struct sim_request *req, struct sim_response *res)
{
    const char *otype = sim_req_param(req, "otype");
    const char *key = assoc_key_for(otype);
    int64_t oid;

    if (!key || strcmp(key, "ownerIds") == 0)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Unsupported object type: %s (use CONTACT, "
                              "COMPANY, DEAL or TICKET)",
                              otype);
    if (!sim_parse_i64(sim_req_param(req, "oid"), &oid))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid object id: %s",
                              sim_req_param(req, "oid"));
    return paged(req, res, key, oid);
}

static int64_t last_updated(const json_t *e)
{
    return json_integer_value(
        json_object_get(json_object_get(e, "engagement"), "lastUpdated"));
}

static int cmp_recent(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    int64_t lx = last_updated(x), ly = last_updated(y);

    if (lx != ly)
        return lx < ly ? 1 : -1;
    return eng_id(x) < eng_id(y) ? 1 : -1;
}

/* Newest first; count <= 100; offset is a position; since inclusive. */
static int h_recent(struct sim_request *req, struct sim_response *res)
{
    json_t *results, *e, **sel;
    int64_t count, offset, since;
    size_t n = 0, i;

    if (query_int(req, res, "count", 20, 100, &count) ||
        query_int(req, res, "offset", 0, 0, &offset) ||
        query_int(req, res, "since", 0, 0, &since))
        return res->status;
    if (count == 0)
        count = 20;
    sel = sim_xcalloc(json_array_size(req->st->engagements) + 1, sizeof(*sel));
    json_array_foreach(req->st->engagements, i, e)
        if (last_updated(e) >= since &&
            last_updated(e) >= req->now_ms - RECENT_WINDOW_MS)
            sel[n++] = e;
    qsort(sel, n, sizeof(*sel), cmp_recent);
    results = json_array();
    for (i = (size_t)offset; i < n && (int64_t)(i - (size_t)offset) < count;
         i++)
        json_array_append_new(results, json_deep_copy(sel[i]));
    free(sel);
    return sim_res_json(res, 200,
                        json_pack("{s:o,s:b,s:I,s:I}", "results", results,
                                  "hasMore", i < n, "offset", (json_int_t)i,
                                  "total", (json_int_t)n));
}

/* ---- fixtures --------------------------------------------------------- */

static int eng_load(struct sim_state *st, const json_t *fx, char *err,
                    size_t errlen)
{
    json_t *list = json_object_get(fx, "engagements"), *in;
    size_t i;

    if (list && !json_is_array(list)) {
        snprintf(err, errlen, "fixtures: engagements must be an array");
        return -1;
    }
    json_array_foreach(list, i, in) {
        json_t *idv = json_object_get(json_object_get(in, "engagement"), "id");
        int64_t id = json_is_integer(idv) ? json_integer_value(idv) : 0;
        json_t *e = NULL;
        const char *msg;

        if (id <= 0)
            id = st->next_engagement_id > ENG_ID_BASE ? st->next_engagement_id
                                                      : ENG_ID_BASE;
        msg = eng_build(st, in, id, sim_now(st), &e);
        if (msg) {
            snprintf(err, errlen, "fixtures: engagements[%zu]: %s", i, msg);
            return -1;
        }
        eng_put(st, e);
    }
    return 0;
}

static void eng_clear(struct sim_state *st)
{
    json_array_clear(st->engagements);
    st->next_engagement_id = ENG_ID_BASE;
}

static const char *const read_sc[] = {"crm.objects.contacts.read", NULL};
static const char *const write_sc[] = {"crm.objects.contacts.write", NULL};

#define R(m, p, h)                                                             \
    {                                                                          \
        m, p, h, SIM_R_AUTH, SIM_SCOPE_LIST, read_sc                           \
    }
#define W(m, p, h)                                                             \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, SIM_SCOPE_LIST, write_sc             \
    }
static const struct sim_route eng_routes[] = {
    R("GET", "/engagements/v1/engagements/paged", h_paged),
    R("GET", "/engagements/v1/engagements/recent/modified", h_recent),
    R("GET", "/engagements/v1/engagements/associated/:otype/:oid/paged",
      h_associated),
    W("POST", "/engagements/v1/engagements", h_create),
    R("GET", "/engagements/v1/engagements/:id", h_get),
    W("PATCH", "/engagements/v1/engagements/:id", h_update),
    W("PUT", "/engagements/v1/engagements/:id", h_update),
    W("DELETE", "/engagements/v1/engagements/:id", h_delete),
    W("PUT", "/engagements/v1/engagements/:id/associations/:otype/:oid",
      h_associate),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const eng_keys[] = {"engagements", NULL};

const struct sim_module sim_module_engagements = {
    .name = "engagements",
    .routes = eng_routes,
    .load = eng_load,
    .clear = eng_clear,
    .fixture_keys = eng_keys,
};
