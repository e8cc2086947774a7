/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 Lists for hubspot-sim (crm/v3/lists, the API HubSpot's SDK
 * @hubspot/api-client 14 generates as codegen/crm/lists): create, fetch by
 * id, search, rename (update-list-name), update filters, delete, and
 * memberships (add, remove, paged read). Lists are contact lists
 * (objectTypeId 0-1) of processingType MANUAL, SNAPSHOT or DYNAMIC; a
 * DYNAMIC list's members are the live contacts its filterBranch matches
 * (string and known/unknown operators), evaluated at read time; MANUAL and
 * SNAPSHOT members are stored. Module state lives here (static, under the
 * dispatcher's lock), emptied by clear.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_NAME_MAX 255      /* bytes of a list name */
#define SEARCH_COUNT_MAX 500   /* ListSearchRequest.count */
#define SEARCH_COUNT_DEF 20    /* its default */
#define MEMBERS_LIMIT_MAX 250  /* GET .../memberships limit */
#define MEMBERS_LIMIT_DEF 100  /* its default */
#define MEMBERS_ADD_MAX 100000 /* record ids per add/remove call */
#define FILTERS_MAX 250        /* filters in one filterBranch */

static json_t *g_lists;   /* "listId" -> PublicObjectList (no size) */
static json_t *g_members; /* "listId" -> {"recordId": ms} (MANUAL/SNAPSHOT) */
static int64_t g_next_id = 1;

static void lists_clear(struct sim_state *st)
{
    (void)st;
    json_decref(g_lists);
    json_decref(g_members);
    g_lists = g_members = NULL;
    g_next_id = 1;
}

static void ensure_state(void)
{
    if (!g_lists) {
        g_lists = json_object();
        g_members = json_object();
    }
}

/* ---- filters ------------------------------------------------------------ */

static const char *const string_ops[] = {"IS_EQUAL_TO", "IS_NOT_EQUAL_TO",
                                         "CONTAINS",    "DOES_NOT_CONTAIN",
                                         "STARTS_WITH", "ENDS_WITH",
                                         NULL};
static const char *const known_ops[] = {"IS_KNOWN", "IS_UNKNOWN", NULL};

static bool in_set(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* One filter (PublicPropertyFilter); *why set on failure. */
static bool filter_valid(const json_t *f, const char **why)
{
    const json_t *op = json_object_get(f, "operation");
    const char *type = json_string_value(json_object_get(op, "operationType"));
    const char *oper = json_string_value(json_object_get(op, "operator"));

    if (!json_is_object(f) || !json_is_string(json_object_get(f, "property")) ||
        !json_is_object(op)) {
        *why = "each filter needs filterType, property and operation";
        return false;
    }
    if (!sim_str_ieq(json_string_value(json_object_get(f, "filterType")),
                     "PROPERTY")) {
        *why = "filterType must be PROPERTY";
        return false;
    }
    if (type && strcmp(type, "STRING") == 0) {
        if (!in_set(oper, string_ops) ||
            !json_is_string(json_object_get(op, "value"))) {
            *why = "a STRING operation needs a string value and an operator "
                   "of IS_EQUAL_TO, IS_NOT_EQUAL_TO, CONTAINS, "
                   "DOES_NOT_CONTAIN, STARTS_WITH, ENDS_WITH";
            return false;
        }
        return true;
    }
    if (type && strcmp(type, "MULTISTRING") == 0) {
        if (!in_set(oper, string_ops) ||
            !json_is_array(json_object_get(op, "values"))) {
            *why = "a MULTISTRING operation needs values and a string "
                   "operator";
            return false;
        }
        return true;
    }
    if (type && strcmp(type, "ALL_PROPERTY") == 0) {
        if (!in_set(oper, known_ops)) {
            *why = "an ALL_PROPERTY operation needs IS_KNOWN or IS_UNKNOWN";
            return false;
        }
        return true;
    }
    *why = "operationType must be STRING, MULTISTRING or ALL_PROPERTY";
    return false;
}

/* The root of a list's filterBranch: an OR branch whose children are AND
 * branches holding property filters (HubSpot's required structure). */
static bool branch_valid(const json_t *b, const char **why)
{
    const json_t *kids = json_object_get(b, "filterBranches"), *k, *f;
    size_t i, j, nf = 0;

    if (!json_is_object(b) ||
        !sim_str_ieq(json_string_value(json_object_get(b, "filterBranchType")),
                     "OR") ||
        !json_is_array(kids)) {
        *why = "filterBranch must be an OR branch with filterBranches";
        return false;
    }
    if (json_array_size(json_object_get(b, "filters")) != 0) {
        *why = "the root OR branch cannot hold filters; put them in AND "
               "branches";
        return false;
    }
    json_array_foreach(kids, i, k) {
        const json_t *fs = json_object_get(k, "filters");

        if (!json_is_object(k) ||
            !sim_str_ieq(json_string_value(
                             json_object_get(k, "filterBranchType")),
                         "AND") ||
            !json_is_array(fs)) {
            *why = "each child of the root OR branch must be an AND branch "
                   "with filters";
            return false;
        }
        json_array_foreach(fs, j, f) {
            if (!filter_valid(f, why))
                return false;
            if (++nf > FILTERS_MAX) {
                *why = "too many filters in filterBranch (at most 250)";
                return false;
            }
        }
    }
    return true;
}

static bool str_match(const char *oper, const char *v, const char *want)
{
    size_t lv = v ? strlen(v) : 0, lw = strlen(want);
    bool eq = v && sim_str_ieq(v, want);

    if (strcmp(oper, "IS_EQUAL_TO") == 0)
        return eq;
    if (strcmp(oper, "IS_NOT_EQUAL_TO") == 0)
        return !eq;
    if (!v)
        return strcmp(oper, "DOES_NOT_CONTAIN") == 0;
    if (strcmp(oper, "STARTS_WITH") == 0)
        return lv >= lw && strncasecmp(v, want, lw) == 0;
    if (strcmp(oper, "ENDS_WITH") == 0)
        return lv >= lw && strncasecmp(v + lv - lw, want, lw) == 0;
    {
        bool found = false;

        for (size_t i = 0; !found && lw <= lv && i + lw <= lv; i++)
            found = strncasecmp(v + i, want, lw) == 0;
        return strcmp(oper, "CONTAINS") == 0 ? found : !found;
    }
}

static bool filter_match(struct sim_state *st, const struct sim_objtype *t,
                         const struct sim_record *r, const json_t *f)
{
    const json_t *op = json_object_get(f, "operation");
    const char *type = json_string_value(json_object_get(op, "operationType"));
    const char *oper = json_string_value(json_object_get(op, "operator"));
    char buf[512];
    const char *v = sim_obj_prop(
        st, t, r, json_string_value(json_object_get(f, "property")), buf,
        sizeof(buf));
    bool known = v && *v;

    if (strcmp(type, "ALL_PROPERTY") == 0)
        return strcmp(oper, "IS_KNOWN") == 0 ? known : !known;
    if (strcmp(type, "STRING") == 0)
        return str_match(oper, known ? v : NULL,
                         json_string_value(json_object_get(op, "value")));
    {
        const json_t *vals = json_object_get(op, "values"), *w;
        size_t i;
        bool neg = strcmp(oper, "IS_NOT_EQUAL_TO") == 0 ||
                   strcmp(oper, "DOES_NOT_CONTAIN") == 0;

        json_array_foreach(vals, i, w) {
            const char *ws = json_string_value(w);
            bool m = ws && str_match(oper, known ? v : NULL, ws);

            if (!neg && m)
                return true;
            if (neg && !m)
                return false;
        }
        return neg;
    }
}

static bool branch_match(struct sim_state *st, const struct sim_objtype *t,
                         const struct sim_record *r, const json_t *root)
{
    const json_t *k, *f;
    size_t i, j;

    json_array_foreach(json_object_get(root, "filterBranches"), i, k) {
        bool all = true;

        json_array_foreach(json_object_get(k, "filters"), j, f) {
            if (!filter_match(st, t, r, f)) {
                all = false;
                break;
            }
        }
        if (all)
            return true;
    }
    return false;
}

/* ---- lists ----------------------------------------------------------------- */

static json_t *list_find(const char *id)
{
    ensure_state();
    return json_object_get(g_lists, id ? id : "");
}

static bool is_dynamic(const json_t *l)
{
    return strcmp(json_string_value(json_object_get(l, "processingType")),
                  "DYNAMIC") == 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The list's members in ascending record id: ids (heap, *n) and, for
 * stored members, their join times (ms; NULL for a DYNAMIC list). */
static uint64_t *members_of(struct sim_state *st, const json_t *l, size_t *n)
{
    const char *id = json_string_value(json_object_get(l, "listId"));
    uint64_t *out;
    size_t k = 0;

    if (is_dynamic(l)) {
        const struct sim_objtype *t = sim_objtype_at(SIM_OBJ_CONTACTS);
        const struct sim_store *s = &st->stores[SIM_OBJ_CONTACTS];
        const json_t *fb = json_object_get(l, "filterBranch");

        out = sim_xcalloc(s->n + 1, sizeof(*out));
        for (size_t i = 0; i < s->n; i++)
            if (!s->recs[i].archived && branch_match(st, t, &s->recs[i], fb))
                out[k++] = s->recs[i].id;
    } else {
        const json_t *m = json_object_get(g_members, id), *v;
        const char *rid;

        out = sim_xcalloc(json_object_size(m) + 1, sizeof(*out));
        json_object_foreach((json_t *)m, rid, v) {
            int64_t x;

            (void)v;
            if (sim_parse_i64(rid, &x) && x > 0 &&
                sim_obj_find(st, sim_objtype_at(SIM_OBJ_CONTACTS), (uint64_t)x,
                             false))
                out[k++] = (uint64_t)x;
        }
    }
    qsort(out, k, sizeof(*out), cmp_u64);
    *n = k;
    return out;
}

static json_t *list_render(struct sim_state *st, const json_t *l, bool filters,
                           bool size)
{
    json_t *o = json_deep_copy(l);

    if (!filters)
        json_object_del(o, "filterBranch");
    if (size) {
        size_t n;

        free(members_of(st, l, &n));
        json_object_set_new(o, "size", json_integer((json_int_t)n));
    }
    return o;
}

static int not_found(struct sim_request *req, struct sim_response *res,
                     const char *id)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "List does not exist with ID %s.", id);
}

static void stamp(struct sim_request *req, json_t *l, const char *field)
{
    char iso[32];

    sim_iso_ms(req->now_ms, iso);
    json_object_set_new(l, field, json_string(iso));
}

static bool name_taken(const char *name, const char *except)
{
    const char *k;
    json_t *l;

    json_object_foreach(g_lists, k, l) {
        if ((!except || strcmp(k, except) != 0) &&
            sim_str_ieq(json_string_value(json_object_get(l, "name")), name))
            return true;
    }
    return false;
}

static int name_check(struct sim_request *req, struct sim_response *res,
                      const char *name, const char *except)
{
    if (!name || !*name || strlen(name) > LIST_NAME_MAX)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "name is required (1 to 255 characters)", NULL);
    if (name_taken(name, except))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "A list named '%s' already exists.", name);
    return 0;
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    json_t *in = sim_req_object_or_respond(req, res), *l, *fb;
    const char *name, *otype, *ptype, *why = NULL;
    char id[32], user[32];
    int rc;

    if (!in)
        return 0;
    ensure_state();
    name = json_string_value(json_object_get(in, "name"));
    otype = json_string_value(json_object_get(in, "objectTypeId"));
    ptype = json_string_value(json_object_get(in, "processingType"));
    fb = json_object_get(in, "filterBranch");
    if ((rc = name_check(req, res, name, NULL)))
        return rc;
    if (!otype || strcmp(otype, "0-1") != 0)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "objectTypeId is required; the simulator "
                             "supports contact lists (0-1)",
                             NULL);
    if (!in_set(ptype,
                (const char *const[]){"MANUAL", "SNAPSHOT", "DYNAMIC", NULL}))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "processingType must be MANUAL, SNAPSHOT or "
                             "DYNAMIC",
                             NULL);
    if (strcmp(ptype, "MANUAL") == 0 && fb && !json_is_null(fb))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "A MANUAL list cannot have a filterBranch", NULL);
    if (strcmp(ptype, "MANUAL") != 0 && !branch_valid(fb, &why))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid filterBranch: %s", why);
    snprintf(id, sizeof(id), "%lld", (long long)g_next_id++);
    snprintf(user, sizeof(user), "%lld", (long long)req->st->cfg->user_id);
    l = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "listId", id,
                  "listVersion", 1, "name", name, "objectTypeId", otype,
                  "processingType", ptype, "processingStatus", "COMPLETE",
                  "createdById", user, "updatedById", user);
    stamp(req, l, "createdAt");
    stamp(req, l, "updatedAt");
    if (strcmp(ptype, "MANUAL") != 0) {
        json_object_set(l, "filterBranch", fb);
        stamp(req, l, "filtersUpdatedAt");
    }
    json_object_set_new(g_lists, id, l);
    json_object_set_new(g_members, id, json_object());
    return sim_res_json(res, 200,
                        json_pack("{s:o}", "list",
                                  list_render(req->st, l, true, true)));
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *l = list_find(id);

    if (!l)
        return not_found(req, res, id);
    return sim_res_json(
        res, 200,
        json_pack("{s:o}", "list",
                  list_render(req->st, l,
                              sim_req_bool(req, "includeFilters", false),
                              true)));
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");

    if (!list_find(id))
        return not_found(req, res, id);
    json_object_del(g_lists, id);
    json_object_del(g_members, id);
    return sim_res_empty(res, 204);
}

static void touch(struct sim_request *req, json_t *l)
{
    char user[32];

    json_object_set_new(l, "listVersion",
                        json_integer(json_integer_value(
                                         json_object_get(l, "listVersion")) +
                                     1));
    snprintf(user, sizeof(user), "%lld", (long long)req->st->cfg->user_id);
    json_object_set_new(l, "updatedById", json_string(user));
    stamp(req, l, "updatedAt");
}

static int h_rename(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    const char *name = sim_req_query(req, "listName");
    json_t *l = list_find(id);
    int rc;

    if (!l)
        return not_found(req, res, id);
    if ((rc = name_check(req, res, name, id)))
        return rc;
    json_object_set_new(l, "name", json_string(name));
    touch(req, l);
    return sim_res_json(
        res, 200,
        json_pack("{s:o}", "updatedList",
                  list_render(req->st, l,
                              sim_req_bool(req, "includeFilters", false),
                              false)));
}

static int h_filters(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *in = sim_req_object_or_respond(req, res), *l, *fb;
    const char *why = NULL;

    if (!in)
        return 0;
    if (!(l = list_find(id)))
        return not_found(req, res, id);
    if (!is_dynamic(l))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "List %s is not a DYNAMIC list; only DYNAMIC "
                              "lists have filters to update.",
                              id);
    fb = json_object_get(in, "filterBranch");
    if (!branch_valid(fb, &why))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid filterBranch: %s", why);
    json_object_set(l, "filterBranch", fb);
    stamp(req, l, "filtersUpdatedAt");
    touch(req, l);
    return sim_res_json(res, 200,
                        json_pack("{s:o}", "updatedList",
                                  list_render(req->st, l, true, false)));
}

static int h_search(struct sim_request *req, struct sim_response *res)
{
    json_t *in = sim_req_object_or_respond(req, res), *out, *l, *ptypes, *ids;
    const char *q, *k;
    json_int_t offset = 0, count = SEARCH_COUNT_DEF, total = 0;
    json_t *matched;
    size_t i;

    if (!in)
        return 0;
    ensure_state();
    q = json_string_value(json_object_get(in, "query"));
    ptypes = json_object_get(in, "processingTypes");
    ids = json_object_get(in, "listIds");
    if (json_object_get(in, "offset"))
        offset = json_integer_value(json_object_get(in, "offset"));
    if (json_object_get(in, "count"))
        count = json_integer_value(json_object_get(in, "count"));
    if (offset < 0 || count < 1 || count > SEARCH_COUNT_MAX)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "offset must be >= 0 and count between 1 and 500",
                             NULL);
    matched = json_array();
    /* ascending listId: the object's keys are in insertion order, which is
     * id order (ids only grow) */
    json_object_foreach(g_lists, k, l) {
        const char *name = json_string_value(json_object_get(l, "name"));
        bool ok = true;

        if (q && *q) {
            size_t lq = strlen(q), ln = strlen(name);

            ok = false;
            for (size_t p = 0; !ok && lq <= ln && p + lq <= ln; p++)
                ok = strncasecmp(name + p, q, lq) == 0;
        }
        if (ok && json_array_size(ptypes)) {
            json_t *v;

            ok = false;
            json_array_foreach(ptypes, i, v)
                ok = ok ||
                     sim_str_ieq(json_string_value(v),
                                 json_string_value(
                                     json_object_get(l, "processingType")));
        }
        if (ok && json_array_size(ids)) {
            json_t *v;

            ok = false;
            json_array_foreach(ids, i, v)
                ok = ok || (json_is_string(v) &&
                            strcmp(json_string_value(v), k) == 0);
        }
        if (ok)
            json_array_append(matched, l);
    }
    total = (json_int_t)json_array_size(matched);
    out = json_array();
    for (json_int_t n = offset; n < total && n < offset + count; n++) {
        json_t *r = list_render(req->st, json_array_get(matched, (size_t)n),
                                false, false);
        size_t sz;
        char buf[32];

        free(members_of(req->st, json_array_get(matched, (size_t)n), &sz));
        snprintf(buf, sizeof(buf), "%zu", sz);
        json_object_set_new(r, "additionalProperties",
                            json_pack("{s:s}", "hs_list_size", buf));
        json_array_append_new(out, r);
    }
    json_decref(matched);
    {
        json_int_t next = offset + (json_int_t)json_array_size(out);

        return sim_res_json(res, 200,
                            json_pack("{s:o, s:I, s:b, s:I}", "lists", out,
                                      "offset", (json_int_t)next, "hasMore",
                                      next < total, "total", total));
    }
}

/* ---- memberships ------------------------------------------------------------ */

/* PUT .../memberships/add|remove: a JSON array of record ids (strings or
 * numbers). MembershipsUpdateResponse (HubSpot spells one member
 * "recordsIdsAdded"). */
static int members_change(struct sim_request *req, struct sim_response *res,
                          bool add)
{
    const char *id = sim_req_param(req, "id");
    json_t *l = list_find(id), *in = req->json, *m, *v;
    json_t *added, *removed, *missing;
    size_t i;

    if (!l)
        return not_found(req, res, id);
    if (!json_is_array(in))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "The body must be a JSON array of record ids",
                             NULL);
    if (json_array_size(in) > MEMBERS_ADD_MAX)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "At most 100000 record ids per call", NULL);
    if (is_dynamic(l))
        return sim_res_errorf(
            req, res, 400, "VALIDATION_ERROR",
            "List %s is a DYNAMIC list. Records can only be added to or "
            "removed from MANUAL and SNAPSHOT lists.",
            id);
    m = json_object_get(g_members, id);
    added = json_array();
    removed = json_array();
    missing = json_array();
    json_array_foreach(in, i, v) {
        char buf[32];
        const char *s = sim_json_scalar(v, buf, sizeof(buf));
        int64_t rid;

        if (!s || !sim_parse_i64(s, &rid) || rid <= 0 ||
            !sim_obj_find(req->st, sim_objtype_at(SIM_OBJ_CONTACTS),
                          (uint64_t)rid, false)) {
            json_array_append_new(missing, json_string(s ? s : ""));
            continue;
        }
        snprintf(buf, sizeof(buf), "%lld", (long long)rid);
        if (add && !json_object_get(m, buf)) {
            json_object_set_new(m, buf, json_integer(req->now_ms));
            json_array_append_new(added, json_string(buf));
        } else if (!add && json_object_get(m, buf)) {
            json_object_del(m, buf);
            json_array_append_new(removed, json_string(buf));
        }
    }
    if (json_array_size(added) || json_array_size(removed))
        touch(req, l);
    return sim_res_json(res, 200,
                        json_pack("{s:o, s:o, s:o}", "recordIdsMissing",
                                  missing, "recordsIdsAdded", added,
                                  "recordIdsRemoved", removed));
}

static int h_add(struct sim_request *req, struct sim_response *res)
{
    return members_change(req, res, true);
}

static int h_remove(struct sim_request *req, struct sim_response *res)
{
    return members_change(req, res, false);
}

/* GET .../memberships?after&limit: ascending record id; after is the
 * position (an opaque string to callers). */
static int h_members(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    json_t *l = list_find(id), *results, *body;
    json_t *m;
    int64_t limit = MEMBERS_LIMIT_DEF, after = 0;
    uint64_t *ids;
    size_t n;

    if (!l)
        return not_found(req, res, id);
    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (after_s && (!sim_parse_i64(after_s, &after) || after < 0)))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or after parameter", NULL);
    if (limit > MEMBERS_LIMIT_MAX)
        limit = MEMBERS_LIMIT_MAX;
    ids = members_of(req->st, l, &n);
    m = json_object_get(g_members, id);
    results = json_array();
    for (size_t i = (size_t)after; i < n && i < (size_t)(after + limit); i++) {
        char rid[32], iso[32];
        json_t *t;

        snprintf(rid, sizeof(rid), "%llu", (unsigned long long)ids[i]);
        t = json_object_get(m, rid);
        if (t)
            sim_iso_ms(json_integer_value(t), iso);
        else
            sim_strlcpy(
                iso, json_string_value(json_object_get(l, "filtersUpdatedAt")),
                sizeof(iso));
        json_array_append_new(results, json_pack("{s:s, s:s}", "recordId", rid,
                                                 "membershipTimestamp", iso));
    }
    body = json_pack("{s:o, s:I}", "results", results, "total", (json_int_t)n);
    if ((size_t)(after + limit) < n) {
        char next[32];

        snprintf(next, sizeof(next), "%lld", (long long)(after + limit));
        json_object_set_new(body, "paging",
                            json_pack("{s:{s:s}}", "next", "after", next));
    }
    free(ids);
    return sim_res_json(res, 200, body);
}

static const char *const lists_read[] = {"crm.lists.read", "crm.lists.write",
                                         NULL};
static const char *const lists_write[] = {"crm.lists.write", NULL};

#define R(m, p, h, f, s)                                                       \
    {                                                                          \
        m, p, h, SIM_R_AUTH | (f), SIM_SCOPE_LIST, s                           \
    }
static const struct sim_route lists_routes[] = {
    R("POST", "/crm/v3/lists/search", h_search, SIM_R_JSON, lists_read),
    R("POST", "/crm/v3/lists", h_create, SIM_R_JSON, lists_write),
    R("GET", "/crm/v3/lists/:id", h_get, 0, lists_read),
    R("DELETE", "/crm/v3/lists/:id", h_delete, 0, lists_write),
    R("PUT", "/crm/v3/lists/:id/update-list-name", h_rename, 0, lists_write),
    R("PUT", "/crm/v3/lists/:id/update-list-filters", h_filters, SIM_R_JSON,
      lists_write),
    R("PUT", "/crm/v3/lists/:id/memberships/add", h_add, SIM_R_JSON,
      lists_write),
    R("PUT", "/crm/v3/lists/:id/memberships/remove", h_remove, SIM_R_JSON,
      lists_write),
    R("GET", "/crm/v3/lists/:id/memberships", h_members, 0, lists_read),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};
#undef R

const struct sim_module sim_module_lists = {
    .name = "lists",
    .routes = lists_routes,
    .clear = lists_clear,
};
