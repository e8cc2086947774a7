/* SPDX-License-Identifier: MIT */
/*
 * Legacy "recently modified / created" polling endpoints for hubspot-sim:
 * contacts v1 (recently_updated and all/contacts/recent, time-offset and
 * vid-offset paging), companies v2 and deals v1 (recent/modified and
 * recent/created, offset paging with since). They are read-only views of
 * the v3 record store rendered in the old shapes: property values wrapped
 * in {value,...} objects and times in epoch milliseconds. Every one of them
 * sees only the last 30 days and at most 10,000 records, newest first.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_MS (30LL * 86400000LL)
#define RECENT_MAX 10000

struct pick {
    struct sim_record *r;
    int64_t t;
};

static int cmp_pick(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;

    if (x->t != y->t)
        return x->t < y->t ? 1 : -1;
    return x->r->id < y->r->id ? 1 : x->r->id > y->r->id ? -1 : 0;
}

/* Live records of t inside the window, newest first (by update or
 * creation time); caller frees. */
static struct pick *select_recent(struct sim_state *st,
                                  const struct sim_objtype *t, bool created,
                                  int64_t since, int64_t now, size_t *n)
{
    struct sim_store *s = &st->stores[t->idx];
    struct pick *p = sim_xcalloc(s->n + 1, sizeof(*p));

    *n = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct sim_record *r = &s->recs[i];
        int64_t when = created ? r->created_ms : r->updated_ms;

        if (r->archived || when < since || when < now - WINDOW_MS)
            continue;
        p[(*n)++] = (struct pick){r, when};
    }
    qsort(p, *n, sizeof(*p), cmp_pick);
    if (*n > RECENT_MAX)
        *n = RECENT_MAX;
    return p;
}

static int query_num(struct sim_request *req, struct sim_response *res,
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

/* A property value as v1/v2 show it: datetimes become epoch-ms strings. */
static const char *legacy_value(struct sim_state *st,
                                const struct sim_objtype *t,
                                const struct sim_record *r, const char *name,
                                char *buf, size_t cap)
{
    const char *v = sim_obj_prop(st, t, r, name, buf, cap);
    json_t *def = sim_prop_def(st, t, name);
    const char *type = json_string_value(json_object_get(def, "type"));
    int64_t ms;

    if (v && type && strcmp(type, "datetime") == 0 && sim_parse_time(v, &ms)) {
        snprintf(buf, cap, "%lld", (long long)ms);
        return buf;
    }
    return v;
}

/* {name: {value, timestamp, source, sourceId, versions[]}} for v2/v1. */
static json_t *versioned_props(struct sim_state *st,
                               const struct sim_objtype *t,
                               const struct sim_record *r, bool versions)
{
    json_t *out = json_object(), *v;
    json_t *stored = r->gen ? sim_gen_props(r) : json_incref(r->props);
    const char *k;
    const char *sys[] = {"createdate", t->lastmod, "hs_object_id", NULL};
    char buf[64];

    for (size_t i = 0; sys[i]; i++) {
        const char *val = legacy_value(st, t, r, sys[i], buf, sizeof(buf));

        json_object_set_new(out, sys[i],
                            json_pack("{s:s,s:I,s:s,s:n}", "value", val,
                                      "timestamp", (json_int_t)r->updated_ms,
                                      "source", "API", "sourceId"));
    }
    json_object_foreach(stored, k, v) {
        const char *val = legacy_value(st, t, r, k, buf, sizeof(buf));
        json_t *p;

        if (!val)
            continue;
        p = json_pack("{s:s,s:I,s:s,s:n}", "value", val, "timestamp",
                      (json_int_t)r->updated_ms, "source", "API", "sourceId");
        json_object_set_new(p, "versions",
                            json_pack("[{s:s,s:s,s:I,s:s,s:[]}]", "name", k,
                                      "value", val, "timestamp",
                                      (json_int_t)r->updated_ms, "source",
                                      "API", "sourceVid"));
        if (!versions)
            json_object_del(p, "versions");
        json_object_set_new(out, k, p);
    }
    json_decref(stored);
    return out;
}

/* Ids of the records associated with deal r (associations.c layout). */
static json_t *assoc_ids(struct sim_state *st, const struct sim_record *r,
                         const char *to)
{
    char key[64];
    json_t *out = json_array(), *m, *v;
    const char *k;

    snprintf(key, sizeof(key), "deals:%llu", (unsigned long long)r->id);
    m = json_object_get(json_object_get(st->assocs, key), to);
    json_object_foreach(m, k, v) {
        int64_t id;

        if (sim_parse_i64(k, &id))
            json_array_append_new(out, json_integer(id));
    }
    return out;
}

/* companies v2 and deals v1: {results, hasMore, offset, total}. */
static int offset_paged(struct sim_request *req, struct sim_response *res,
                        enum sim_objtype_id idx, bool created)
{
    struct sim_state *st = req->st;
    const struct sim_objtype *t = sim_objtype_at(idx);
    bool versions = sim_req_bool(req, "includePropertyVersions", false);
    int64_t count, offset, since;
    struct pick *p;
    size_t n, i;
    json_t *results;

    if (query_num(req, res, "count", 20, 100, &count) ||
        query_num(req, res, "offset", 0, 0, &offset) ||
        query_num(req, res, "since", 0, 0, &since))
        return res->status;
    if (count == 0)
        count = 20;
    p = select_recent(st, t, created, since, req->now_ms, &n);
    results = json_array();
    for (i = (size_t)offset; i < n && (int64_t)(i - (size_t)offset) < count;
         i++) {
        json_t *o;

        if (idx == SIM_OBJ_COMPANIES) {
            o = json_pack("{s:I,s:I,s:b,s:o,s:[],s:[],s:[]}", "portalId",
                          (json_int_t)st->cfg->portal_id, "companyId",
                          (json_int_t)p[i].r->id, "isDeleted", 0, "properties",
                          versioned_props(st, t, p[i].r, true),
                          "additionalDomains", "stateChanges", "mergeAudits");
        } else {
            o = json_pack("{s:I,s:I,s:b,s:o,s:{s:o,s:o,s:[],s:o},s:[],s:[]}",
                          "portalId", (json_int_t)st->cfg->portal_id, "dealId",
                          (json_int_t)p[i].r->id, "isDeleted", 0, "properties",
                          versioned_props(st, t, p[i].r, versions),
                          "associations", "associatedVids",
                          assoc_ids(st, p[i].r, "contacts"),
                          "associatedCompanyIds",
                          assoc_ids(st, p[i].r, "companies"),
                          "associatedDealIds", "associatedTicketIds",
                          assoc_ids(st, p[i].r, "tickets"), "imports",
                          "stateChanges");
        }
        json_array_append_new(results, o);
    }
    free(p);
    return sim_res_json(res, 200,
                        json_pack("{s:o,s:b,s:I,s:I}", "results", results,
                                  "hasMore", i < n, "offset", (json_int_t)i,
                                  "total", (json_int_t)n));
}

static int h_companies_modified(struct sim_request *req,
                                struct sim_response *res)
{
    return offset_paged(req, res, SIM_OBJ_COMPANIES, false);
}

static int h_companies_created(struct sim_request *req,
                               struct sim_response *res)
{
    return offset_paged(req, res, SIM_OBJ_COMPANIES, true);
}

static int h_deals_modified(struct sim_request *req, struct sim_response *res)
{
    return offset_paged(req, res, SIM_OBJ_DEALS, false);
}

static int h_deals_created(struct sim_request *req, struct sim_response *res)
{
    return offset_paged(req, res, SIM_OBJ_DEALS, true);
}

/* ---- contacts v1 ------------------------------------------------------ */

static json_t *v1_contact(struct sim_request *req, const struct sim_record *r,
                          json_t *wanted)
{
    static const char *const dflt[] = {"firstname", "lastname", "company",
                                       "lastmodifieddate", NULL};
    struct sim_state *st = req->st;
    const struct sim_objtype *t = sim_objtype_at(SIM_OBJ_CONTACTS);
    json_t *props = json_object(), *v;
    const char *email;
    char buf[64], ebuf[128];
    size_t i;

    if (wanted) {
        json_array_foreach(wanted, i, v) {
            const char *val = legacy_value(st, t, r, json_string_value(v), buf,
                                           sizeof(buf));

            if (val)
                json_object_set_new(props, json_string_value(v),
                                    json_pack("{s:s}", "value", val));
        }
    } else {
        for (i = 0; dflt[i]; i++) {
            const char *val = legacy_value(st, t, r, dflt[i], buf, sizeof(buf));

            if (val)
                json_object_set_new(props, dflt[i],
                                    json_pack("{s:s}", "value", val));
        }
    }
    email = sim_obj_prop(st, t, r, "email", ebuf, sizeof(ebuf));
    return json_pack(
        "{s:I,s:I,s:[],s:I,s:b,s:I,s:o,s:[],s:[{s:I,s:o,s:I}],s:[]}", "vid",
        (json_int_t)r->id, "canonical-vid", (json_int_t)r->id, "merged-vids",
        "portal-id", (json_int_t)st->cfg->portal_id, "is-contact", 1, "addedAt",
        (json_int_t)r->created_ms, "properties", props, "form-submissions",
        "identity-profiles", "vid", (json_int_t)r->id, "identities",
        email ? json_pack("[{s:s,s:s,s:I}]", "type", "EMAIL", "value", email,
                          "timestamp", (json_int_t)r->created_ms)
              : json_array(),
        "saved-at-timestamp", (json_int_t)r->updated_ms, "merge-audits");
}

/* Newest first; a page continues strictly after (timeOffset, vidOffset). */
static int contacts_recent(struct sim_request *req, struct sim_response *res,
                           bool created)
{
    const struct sim_objtype *t = sim_objtype_at(SIM_OBJ_CONTACTS);
    int64_t count, toff, voff;
    json_t *wanted = sim_req_props(req, "property"), *list;
    struct pick *p;
    size_t n, i, start = 0, end;

    if (query_num(req, res, "count", 20, 100, &count) ||
        query_num(req, res, "timeOffset", INT64_MAX, 0, &toff) ||
        query_num(req, res, "vidOffset", INT64_MAX, 0, &voff)) {
        json_decref(wanted);
        return res->status;
    }
    if (count == 0)
        count = 20;
    p = select_recent(req->st, t, created, 0, req->now_ms, &n);
    while (start < n &&
           (p[start].t > toff ||
            (p[start].t == toff && (int64_t)p[start].r->id >= voff)))
        start++;
    list = json_array();
    for (i = start; i < n && (int64_t)(i - start) < count; i++)
        json_array_append_new(list, v1_contact(req, p[i].r, wanted));
    end = i;
    sim_res_json(res, 200,
                 json_pack("{s:o,s:b,s:I,s:I}", "contacts", list, "has-more",
                           end < n, "vid-offset",
                           (json_int_t)(end > start ? p[end - 1].r->id : 0),
                           "time-offset",
                           (json_int_t)(end > start ? p[end - 1].t : 0)));
    free(p);
    json_decref(wanted);
    return 200;
}

static int h_contacts_updated(struct sim_request *req, struct sim_response *res)
{
    return contacts_recent(req, res, false);
}

static int h_contacts_created(struct sim_request *req, struct sim_response *res)
{
    return contacts_recent(req, res, true);
}

static const char *const contacts_sc[] = {"crm.objects.contacts.read", NULL};
static const char *const companies_sc[] = {"crm.objects.companies.read", NULL};
static const char *const deals_sc[] = {"crm.objects.deals.read", NULL};

#define R(p, h, sc)                                                            \
    {                                                                          \
        "GET", p, h, SIM_R_AUTH, SIM_SCOPE_LIST, sc                            \
    }
static const struct sim_route recent_routes[] = {
    R("/contacts/v1/lists/recently_updated/contacts/recent", h_contacts_updated,
      contacts_sc),
    R("/contacts/v1/lists/all/contacts/recent", h_contacts_created,
      contacts_sc),
    R("/companies/v2/companies/recent/modified", h_companies_modified,
      companies_sc),
    R("/companies/v2/companies/recent/created", h_companies_created,
      companies_sc),
    R("/deals/v1/deal/recent/modified", h_deals_modified, deals_sc),
    R("/deals/v1/deal/recent/created", h_deals_created, deals_sc),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_recent = {
    .name = "recent",
    .routes = recent_routes,
};
