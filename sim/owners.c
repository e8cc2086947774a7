/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 owners for hubspot-sim: a read-only list of owners loaded from
 * fixtures, served with HubSpot's paging (after = id of the next owner),
 * `email` and `archived` filters, and lookup by id or userId. Owners are kept
 * as the JSON HubSpot returns, sorted by numeric id.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t owner_num(const json_t *o)
{
    int64_t id = 0;

    sim_parse_i64(json_string_value(json_object_get(o, "id")), &id);
    return id;
}

static int cmp_owner(const void *a, const void *b)
{
    int64_t x = owner_num(*(json_t *const *)a);
    int64_t y = owner_num(*(json_t *const *)b);

    return x < y ? -1 : x > y;
}

static int owners_load(struct sim_state *st, const json_t *fx, char *err,
                       size_t errlen)
{
    json_t *list = json_object_get(fx, "owners"), *o, **sorted;
    size_t i, n = 0;

    if (list && !json_is_array(list)) {
        snprintf(err, errlen, "fixtures: owners must be an array");
        return -1;
    }
    json_array_foreach(list, i, o) {
        char buf[32];
        const char *id = sim_json_scalar(json_object_get(o, "id"), buf,
                                         sizeof(buf));
        json_t *copy, *old;
        size_t j;
        int64_t num;

        if (!json_is_object(o) || !id || !sim_parse_i64(id, &num)) {
            snprintf(err, errlen, "fixtures: owner %zu needs a numeric id", i);
            return -1;
        }
        copy = json_deep_copy(o);
        json_object_set_new(copy, "id", json_string(id));
        if (!json_object_get(copy, "type"))
            json_object_set_new(copy, "type", json_string("PERSON"));
        if (!json_object_get(copy, "archived"))
            json_object_set_new(copy, "archived", json_false());
        json_array_foreach(st->owners, j, old) {
            if (strcmp(json_string_value(json_object_get(old, "id")), id) ==
                0) {
                json_array_remove(st->owners, j);
                break;
            }
        }
        json_array_append_new(st->owners, copy);
    }
    sorted = sim_xcalloc(json_array_size(st->owners) + 1, sizeof(*sorted));
    json_array_foreach(st->owners, i, o)
        sorted[n++] = json_incref(o);
    qsort(sorted, n, sizeof(sorted[0]), cmp_owner);
    json_array_clear(st->owners);
    for (i = 0; i < n; i++)
        json_array_append_new(st->owners, sorted[i]);
    free(sorted);
    return 0;
}

static void owners_clear(struct sim_state *st)
{
    json_array_clear(st->owners);
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const char *email = sim_req_query(req, "email");
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    bool archived = sim_req_bool(req, "archived", false);
    int64_t limit = 100, after = 0;
    json_t *results = json_array(), *body, *o;
    size_t i;

    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (after_s && !sim_parse_i64(after_s, &after))) {
        json_decref(results);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or after parameter", NULL);
    }
    if (limit > 500)
        limit = 500;
    body = json_pack("{s:o}", "results", results);
    json_array_foreach(req->st->owners, i, o) {
        const char *e = json_string_value(json_object_get(o, "email"));

        if (json_is_true(json_object_get(o, "archived")) != archived ||
            owner_num(o) < after || (email && !sim_str_ieq(e, email)))
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            const char *host = sim_req_header(req, "Host");
            const char *id = json_string_value(json_object_get(o, "id"));
            char link[512];

            snprintf(link, sizeof(link), "http://%s/crm/v3/owners?after=%s",
                     host ? host : "localhost", id);
            json_object_set_new(body, "paging",
                                json_pack("{s:{s:s,s:s}}", "next", "after", id,
                                          "link", link));
            break;
        }
        json_array_append(results, o);
    }
    return sim_res_json(res, 200, body);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    const char *idprop = sim_req_query(req, "idProperty");
    bool by_user = idprop && strcmp(idprop, "userId") == 0;
    bool archived = sim_req_bool(req, "archived", false);
    json_t *o;
    size_t i;

    if (idprop && !by_user && strcmp(idprop, "id") != 0)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "idProperty must be id or userId, got %s",
                              idprop);
    json_array_foreach(req->st->owners, i, o) {
        char buf[32];
        const char *v = sim_json_scalar(json_object_get(o, by_user ? "userId"
                                                                   : "id"),
                                        buf, sizeof(buf));

        if (v && strcmp(v, id) == 0 &&
            json_is_true(json_object_get(o, "archived")) == archived)
            return sim_res_json(res, 200, json_incref(o));
    }
    return sim_res_error(req, res, 404, "OBJECT_NOT_FOUND",
                         "Object not found.  objectId are usually numeric.",
                         json_pack("{s:{s:[s]}}", "context", "id", id));
}

static const char *const owner_scopes[] = {"crm.objects.owners.read",
                                           "automation", NULL};

static const struct sim_route owners_routes[] = {
    {"GET", "/crm/v3/owners", h_list, SIM_R_AUTH, SIM_SCOPE_LIST, owner_scopes},
    {"GET", "/crm/v3/owners/:id", h_get, SIM_R_AUTH, SIM_SCOPE_LIST,
     owner_scopes},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const owners_keys[] = {"owners", NULL};

const struct sim_module sim_module_owners = {
    .name = "owners",
    .routes = owners_routes,
    .load = owners_load,
    .clear = owners_clear,
    .fixture_keys = owners_keys,
};
