/* SPDX-License-Identifier: MIT */
/*
 * Associations v4 basics for hubspot-sim: read a record's associations to a
 * type, create the default association or one with explicit type ids,
 * delete, plus the st->assoc_match / st->assoc_render hooks that give v3
 * search its "associations.<type>" filter and v3 reads their
 * ?associations= block. Every association is stored from both ends, in
 * st->assocs: {"<type>:<id>": {"<toType>": {"<toId>": [typeId, ...]}}},
 * each end with its own type ids (contact->company 279, company->contact
 * 280), so reads never have to look the reverse direction up.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

#define READ_LIMIT_MAX 500

/* HubSpot-defined type ids: from -> to unlabeled (and primary, if any),
 * with the reverse direction's ids. */
static const struct assoc_def {
    enum sim_objtype_id from, to;
    int unlabeled, reverse;
    int primary, reverse_primary;
} defs[] = {
    {SIM_OBJ_CONTACTS, SIM_OBJ_COMPANIES, 279, 280, 1, 2},
    {SIM_OBJ_DEALS, SIM_OBJ_CONTACTS, 3, 4, 0, 0},
    {SIM_OBJ_DEALS, SIM_OBJ_COMPANIES, 341, 342, 5, 6},
    {SIM_OBJ_CONTACTS, SIM_OBJ_TICKETS, 15, 16, 0, 0},
    {SIM_OBJ_TICKETS, SIM_OBJ_COMPANIES, 339, 340, 26, 25},
    {SIM_OBJ_TICKETS, SIM_OBJ_DEALS, 28, 27, 0, 0},
    {SIM_OBJ_NOTES, SIM_OBJ_CONTACTS, 202, 201, 0, 0},
    {SIM_OBJ_NOTES, SIM_OBJ_COMPANIES, 190, 189, 0, 0},
    {SIM_OBJ_NOTES, SIM_OBJ_DEALS, 214, 213, 0, 0},
    {SIM_OBJ_NOTES, SIM_OBJ_TICKETS, 228, 227, 0, 0},
    {SIM_OBJ_CALLS, SIM_OBJ_CONTACTS, 194, 193, 0, 0},
    {SIM_OBJ_CALLS, SIM_OBJ_COMPANIES, 182, 181, 0, 0},
    {SIM_OBJ_CALLS, SIM_OBJ_DEALS, 206, 205, 0, 0},
    {SIM_OBJ_CALLS, SIM_OBJ_TICKETS, 220, 219, 0, 0},
    {SIM_OBJ_EMAILS, SIM_OBJ_CONTACTS, 198, 197, 0, 0},
    {SIM_OBJ_EMAILS, SIM_OBJ_COMPANIES, 186, 185, 0, 0},
    {SIM_OBJ_EMAILS, SIM_OBJ_DEALS, 210, 209, 0, 0},
    {SIM_OBJ_EMAILS, SIM_OBJ_TICKETS, 224, 223, 0, 0},
    {SIM_OBJ_MEETINGS, SIM_OBJ_CONTACTS, 200, 199, 0, 0},
    {SIM_OBJ_MEETINGS, SIM_OBJ_COMPANIES, 188, 187, 0, 0},
    {SIM_OBJ_MEETINGS, SIM_OBJ_DEALS, 212, 211, 0, 0},
    {SIM_OBJ_MEETINGS, SIM_OBJ_TICKETS, 226, 225, 0, 0},
    {SIM_OBJ_TASKS, SIM_OBJ_CONTACTS, 204, 203, 0, 0},
    {SIM_OBJ_TASKS, SIM_OBJ_COMPANIES, 192, 191, 0, 0},
    {SIM_OBJ_TASKS, SIM_OBJ_DEALS, 216, 215, 0, 0},
    {SIM_OBJ_TASKS, SIM_OBJ_TICKETS, 230, 229, 0, 0},
    {SIM_OBJ_LINE_ITEMS, SIM_OBJ_DEALS, 20, 19, 0, 0},
};

/* The row for a pair in either direction; *flipped when stored b->a. */
static const struct assoc_def *def_find(enum sim_objtype_id a,
                                        enum sim_objtype_id b, bool *flipped)
{
    for (size_t i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
        if (!defs[i].unlabeled)
            continue;
        if (defs[i].from == a && defs[i].to == b) {
            *flipped = false;
            return &defs[i];
        }
        if (defs[i].from == b && defs[i].to == a) {
            *flipped = true;
            return &defs[i];
        }
    }
    return NULL;
}

/* Type id seen from the other end (primary <-> primary, ...); same id for
 * ids not in the table (custom labels). */
static int reverse_id(enum sim_objtype_id a, enum sim_objtype_id b, int id)
{
    bool fl;
    const struct assoc_def *d = def_find(a, b, &fl);

    if (!d)
        return id;
    if (id == (fl ? d->reverse : d->unlabeled))
        return fl ? d->unlabeled : d->reverse;
    if (d->primary && id == (fl ? d->reverse_primary : d->primary))
        return fl ? d->primary : d->reverse_primary;
    return id;
}

static int default_id(enum sim_objtype_id a, enum sim_objtype_id b)
{
    bool fl;
    const struct assoc_def *d = def_find(a, b, &fl);

    return d ? (fl ? d->reverse : d->unlabeled) : 0;
}

static bool is_primary(enum sim_objtype_id a, enum sim_objtype_id b, int id)
{
    bool fl;
    const struct assoc_def *d = def_find(a, b, &fl);

    return d && d->primary && id == (fl ? d->reverse_primary : d->primary);
}

/* st->assocs[a:id][toType] (created when asked). */
static json_t *side(struct sim_state *st, const struct sim_objtype *t,
                    uint64_t id, const struct sim_objtype *to, bool create)
{
    char key[64];
    json_t *o, *m;

    snprintf(key, sizeof(key), "%s:%llu", t->name, (unsigned long long)id);
    o = json_object_get(st->assocs, key);
    if (!o && create) {
        o = json_object();
        json_object_set_new(st->assocs, key, o);
    }
    m = json_object_get(o, to->name);
    if (!m && create) {
        m = json_object();
        json_object_set_new(o, to->name, m);
    }
    return m;
}

static void add_one(struct sim_state *st, const struct sim_objtype *a,
                    uint64_t aid, const struct sim_objtype *b, uint64_t bid,
                    int type_id)
{
    json_t *m = side(st, a, aid, b, true), *list, *v;
    char k[32];
    size_t i;

    snprintf(k, sizeof(k), "%llu", (unsigned long long)bid);
    list = json_object_get(m, k);
    if (!list) {
        list = json_array();
        json_object_set_new(m, k, list);
    }
    json_array_foreach(list, i, v)
        if (json_integer_value(v) == type_id)
            return;
    json_array_append_new(list, json_integer(type_id));
}

/* Associates a and b with type_id (seen from a) from both ends. */
static void assoc_link(struct sim_state *st, const struct sim_objtype *a,
                       uint64_t aid, const struct sim_objtype *b, uint64_t bid,
                       int type_id)
{
    add_one(st, a, aid, b, bid, type_id);
    add_one(st, b, bid, a, aid, reverse_id(a->idx, b->idx, type_id));
}

static void unlink_pair(struct sim_state *st, const struct sim_objtype *a,
                        uint64_t aid, const struct sim_objtype *b, uint64_t bid)
{
    char k[32];

    snprintf(k, sizeof(k), "%llu", (unsigned long long)bid);
    json_object_del(side(st, a, aid, b, false), k);
    snprintf(k, sizeof(k), "%llu", (unsigned long long)aid);
    json_object_del(side(st, b, bid, a, false), k);
}

static bool has_primary(enum sim_objtype_id a, enum sim_objtype_id b)
{
    bool fl;
    const struct assoc_def *d = def_find(a, b, &fl);

    return d && d->primary;
}

/* Ids from the table are HUBSPOT_DEFINED; anything else is a custom label. */
static json_t *type_json(const struct sim_objtype *a,
                         const struct sim_objtype *b, int id)
{
    bool known = id == default_id(a->idx, b->idx) ||
                 is_primary(a->idx, b->idx, id);

    return json_pack("{s:s,s:i,s:s?}", "category",
                     known ? "HUBSPOT_DEFINED" : "USER_DEFINED", "typeId", id,
                     "label",
                     is_primary(a->idx, b->idx, id) ? "Primary" : NULL);
}

/* ---- hooks for crm.c and search.c ------------------------------------- */

static bool hook_match(struct sim_state *st, const struct sim_objtype *t,
                       const struct sim_record *r, const char *to_type,
                       const char *id)
{
    const struct sim_objtype *to = sim_objtype_find(to_type);
    json_t *m;

    if (!to || !id)
        return false;
    m = side(st, t, r->id, to, false);
    return json_object_get(m, id) != NULL;
}

static void hook_render(struct sim_state *st, const struct sim_objtype *t,
                        const struct sim_record *r, const char *to_types,
                        json_t *out)
{
    json_t *block = json_object();

    while (to_types && *to_types) {
        size_t n = strcspn(to_types, ",");
        char name[64];
        const struct sim_objtype *to;
        json_t *m, *list, *results;
        const char *k;

        if (n < sizeof(name)) {
            memcpy(name, to_types, n);
            name[n] = '\0';
            to = sim_objtype_find(name);
            m = to ? side(st, t, r->id, to, false) : NULL;
            results = json_array();
            json_object_foreach(m, k, list) {
                size_t i;
                json_t *v;
                int64_t oid;

                if (!sim_parse_i64(k, &oid) ||
                    !sim_obj_find(st, to, (uint64_t)oid, false))
                    continue;
                json_array_foreach(list, i, v) {
                    int id = (int)json_integer_value(v);
                    char type[160];
                    bool primary_exists = has_primary(t->idx, to->idx);

                    if (is_primary(t->idx, to->idx, id))
                        snprintf(type, sizeof(type), "%s_to_%s", t->singular,
                                 to->singular);
                    else if (id == default_id(t->idx, to->idx))
                        snprintf(type, sizeof(type), "%s_to_%s%s", t->singular,
                                 to->singular,
                                 primary_exists ? "_unlabeled" : "");
                    else
                        snprintf(type, sizeof(type), "%d", id);
                    json_array_append_new(results, json_pack("{s:s,s:s}", "id",
                                                             k, "type", type));
                }
            }
            if (json_array_size(results))
                json_object_set_new(block, to->name,
                                    json_pack("{s:o}", "results", results));
            else
                json_decref(results);
        }
        to_types += n;
        if (*to_types == ',')
            to_types++;
    }
    if (json_object_size(block))
        json_object_set_new(out, "associations", block);
    else
        json_decref(block);
}

/* ---- handlers --------------------------------------------------------- */

/* Resolves ":type/:id" and ":toType/:toId" (when present). */
static bool ends(struct sim_request *req, struct sim_response *res,
                 const struct sim_objtype **a, struct sim_record **ra,
                 const struct sim_objtype **b, struct sim_record **rb)
{
    const char *to = sim_req_param(req, "toType");
    const char *ids = sim_req_param(req, "id");
    const char *toids = sim_req_param(req, "toId");
    int64_t id = 0, toid = 0;

    if (!(*a = sim_objtype_or_respond(req, res)))
        return false;
    if (!(*b = sim_objtype_find(to))) {
        sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                       "Unable to infer object type from: %s", to ? to : "");
        return false;
    }
    if (!sim_parse_i64(ids, &id) || id <= 0 ||
        !(*ra = sim_obj_find(req->st, *a, (uint64_t)id, false))) {
        sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND", "No %s with id %s",
                       (*a)->singular, ids);
        return false;
    }
    if (toids && (!sim_parse_i64(toids, &toid) || toid <= 0 ||
                  !(*rb = sim_obj_find(req->st, *b, (uint64_t)toid, false)))) {
        sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND", "No %s with id %s",
                       (*b)->singular, toids);
        return false;
    }
    return true;
}

static int h_read(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *a, *b;
    struct sim_record *ra = NULL, *rb = NULL;
    const char *after_s = sim_req_query(req, "after");
    const char *lim = sim_req_query(req, "limit");
    int64_t after = 0, limit = READ_LIMIT_MAX, n = 0;
    json_t *m, *list, *results, *body;
    const char *k;

    if ((after_s && (!sim_parse_i64(after_s, &after) || after < 0)) ||
        (lim && (!sim_parse_i64(lim, &limit) || limit < 1)))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "limit and after must be non-negative integers",
                             NULL);
    if (limit > READ_LIMIT_MAX)
        limit = READ_LIMIT_MAX;
    if (!ends(req, res, &a, &ra, &b, &rb))
        return res->status;
    m = side(req->st, a, ra->id, b, false);
    results = json_array();
    body = json_pack("{s:o}", "results", results);
    json_object_foreach(m, k, list) {
        json_t *types = json_array(), *v;
        int64_t oid = 0;
        size_t i;

        if (!sim_parse_i64(k, &oid) ||
            !sim_obj_find(req->st, b, (uint64_t)oid, false)) {
            json_decref(types);
            continue;
        }
        if (n++ < after) {
            json_decref(types);
            continue;
        }
        if ((int64_t)json_array_size(results) == limit) {
            char next[32];

            json_decref(types);
            snprintf(next, sizeof(next), "%lld", (long long)(n - 1));
            json_object_set_new(body, "paging",
                                json_pack("{s:{s:s}}", "next", "after", next));
            break;
        }
        json_array_foreach(list, i, v)
            json_array_append_new(types,
                                  type_json(a, b, (int)json_integer_value(v)));
        json_array_append_new(results, json_pack("{s:I,s:o}", "toObjectId",
                                                 (json_int_t)oid,
                                                 "associationTypes", types));
    }
    return sim_res_json(res, 200, body);
}

/* Whether a's record already has a primary association to type b. */
static bool primary_taken(struct sim_state *st, const struct sim_objtype *a,
                          uint64_t aid, const struct sim_objtype *b, int pid)
{
    json_t *m = side(st, a, aid, b, false), *list, *v;
    const char *k;
    size_t i;

    json_object_foreach(m, k, list)
        json_array_foreach(list, i, v)
            if (json_integer_value(v) == pid)
                return true;
    return false;
}

static int h_default(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *a, *b;
    struct sim_record *ra = NULL, *rb = NULL;
    char ts[32], ia[32], ib[32];
    json_t *results;
    int id, pid;
    bool fl;
    const struct assoc_def *d;

    if (!ends(req, res, &a, &ra, &b, &rb))
        return res->status;
    id = default_id(a->idx, b->idx);
    if (!id)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "No default association between %s and %s",
                              a->name, b->name);
    assoc_link(req->st, a, ra->id, b, rb->id, id);
    snprintf(ia, sizeof(ia), "%llu", (unsigned long long)ra->id);
    snprintf(ib, sizeof(ib), "%llu", (unsigned long long)rb->id);
    results = json_pack("[{s:{s:s},s:{s:s},s:{s:s,s:i}}]", "from", "id", ia,
                        "to", "id", ib, "associationSpec",
                        "associationCategory", "HUBSPOT_DEFINED",
                        "associationTypeId", id);
    /* A record's first company (deal, ticket) also becomes its primary. */
    d = def_find(a->idx, b->idx, &fl);
    pid = d && d->primary ? (fl ? d->reverse_primary : d->primary) : 0;
    if (pid && !primary_taken(req->st, a, ra->id, b, pid)) {
        assoc_link(req->st, a, ra->id, b, rb->id, pid);
        json_array_append_new(
            results,
            json_pack("{s:{s:s},s:{s:s},s:{s:s,s:i}}", "from", "id", ia, "to",
                      "id", ib, "associationSpec", "associationCategory",
                      "HUBSPOT_DEFINED", "associationTypeId", pid));
    }
    sim_iso_ms(req->now_ms, ts);
    return sim_res_json(res, 200,
                        json_pack("{s:s,s:o,s:s,s:s}", "status", "COMPLETE",
                                  "results", results, "startedAt", ts,
                                  "completedAt", ts));
}

static int h_labelled(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *a, *b;
    struct sim_record *ra = NULL, *rb = NULL;
    json_t *specs = req->json, *s, *labels;
    char from_id[24], to_id[24];
    size_t i;

    if (!json_is_array(specs) || json_array_size(specs) == 0)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid input JSON: expected an array of "
                             "{associationCategory, associationTypeId}",
                             NULL);
    json_array_foreach(specs, i, s)
        if (!json_is_integer(json_object_get(s, "associationTypeId")) ||
            !json_is_string(json_object_get(s, "associationCategory")))
            return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                                 "associationCategory and associationTypeId "
                                 "are required",
                                 NULL);
    if (!ends(req, res, &a, &ra, &b, &rb))
        return res->status;
    labels = json_array();
    json_array_foreach(specs, i, s) {
        int id = (int)json_integer_value(
            json_object_get(s, "associationTypeId"));

        assoc_link(req->st, a, ra->id, b, rb->id, id);
        if (is_primary(a->idx, b->idx, id))
            json_array_append_new(labels, json_string("Primary"));
    }
    /* LabelsBetweenObjectPair (SDK crm/associations/v4): ids as strings */
    snprintf(from_id, sizeof(from_id), "%llu", (unsigned long long)ra->id);
    snprintf(to_id, sizeof(to_id), "%llu", (unsigned long long)rb->id);
    return sim_res_json(res, 201,
                        json_pack("{s:s,s:s,s:s,s:s,s:o}", "fromObjectTypeId",
                                  a->type_id, "fromObjectId", from_id,
                                  "toObjectTypeId", b->type_id, "toObjectId",
                                  to_id, "labels", labels));
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *a, *b;
    struct sim_record *ra = NULL, *rb = NULL;

    if (!ends(req, res, &a, &ra, &b, &rb))
        return res->status;
    unlink_pair(req->st, a, ra->id, b, rb->id);
    return sim_res_empty(res, 204);
}

/* ---- fixtures --------------------------------------------------------- */

/* [{"from":{"type","id"},"to":{"type","id"},"types"?:[ids]}]; without
 * types: the default (and primary, where HubSpot has one). */
static int assoc_load(struct sim_state *st, const json_t *fx, char *err,
                      size_t errlen)
{
    json_t *list = json_object_get(fx, "associations"), *in;
    size_t i;

    /* Every state load passes through here (built-in fixtures first), so
     * this is where the hooks get installed. */
    st->assoc_match = hook_match;
    st->assoc_render = hook_render;
    json_array_foreach(list, i, in) {
        const json_t *f = json_object_get(in, "from");
        const json_t *t = json_object_get(in, "to");
        const struct sim_objtype *a = sim_objtype_find(
            json_string_value(json_object_get(f, "type")));
        const struct sim_objtype *b = sim_objtype_find(
            json_string_value(json_object_get(t, "type")));
        char b1[64], b2[64];
        const char *ia = sim_json_scalar(json_object_get(f, "id"), b1,
                                         sizeof(b1));
        const char *ib = sim_json_scalar(json_object_get(t, "id"), b2,
                                         sizeof(b2));
        json_t *types = json_object_get(in, "types"), *v;
        int64_t x, y;
        size_t j;

        if (!a || !b || !ia || !ib || !sim_parse_i64(ia, &x) ||
            !sim_parse_i64(ib, &y)) {
            snprintf(err, errlen,
                     "fixtures: associations[%zu] needs from and "
                     "to with type and id",
                     i);
            return -1;
        }
        if (json_array_size(types) == 0) {
            bool fl;
            const struct assoc_def *d = def_find(a->idx, b->idx, &fl);

            if (!d) {
                snprintf(err, errlen,
                         "fixtures: associations[%zu]: no "
                         "default type between %s and %s",
                         i, a->name, b->name);
                return -1;
            }
            assoc_link(st, a, (uint64_t)x, b, (uint64_t)y,
                       default_id(a->idx, b->idx));
            if (d->primary)
                assoc_link(st, a, (uint64_t)x, b, (uint64_t)y,
                           fl ? d->reverse_primary : d->primary);
        }
        json_array_foreach(types, j, v)
            assoc_link(st, a, (uint64_t)x, b, (uint64_t)y,
                       (int)json_integer_value(v));
    }
    return 0;
}

static void assoc_clear(struct sim_state *st)
{
    json_object_clear(st->assocs);
}

#define R(m, p, h)                                                             \
    {                                                                          \
        m, p, h, SIM_R_AUTH, SIM_SCOPE_OBJ_READ, NULL                          \
    }
#define W(m, p, h)                                                             \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, SIM_SCOPE_OBJ_WRITE, NULL            \
    }
static const struct sim_route assoc_routes[] = {
    R("GET", "/crm/v4/objects/:type/:id/associations/:toType", h_read),
    W("PUT", "/crm/v4/objects/:type/:id/associations/default/:toType/:toId",
      h_default),
    W("PUT", "/crm/v4/objects/:type/:id/associations/:toType/:toId",
      h_labelled),
    W("DELETE", "/crm/v4/objects/:type/:id/associations/:toType/:toId",
      h_delete),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const assoc_keys[] = {"associations", NULL};

const struct sim_module sim_module_associations = {
    .name = "associations",
    .routes = assoc_routes,
    .load = assoc_load,
    .clear = assoc_clear,
    .fixture_keys = assoc_keys,
};
