/* SPDX-License-Identifier: MIT */
/*
 * Automation v4 flows for hubspot-sim (automation/v4/flows, HubSpot's
 * current workflows API; the v3 workflows API is deprecated): create, list
 * with after/limit paging, read and delete. A flow is kept as the JSON
 * HubSpot returns; the simulator does not run flows. Module state lives
 * here (static, under the dispatcher's lock), emptied by clear.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOWS_LIMIT_MAX 100 /* GET /automation/v4/flows limit */
#define FLOW_NAME_MAX 255
#define FLOW_ACTIONS_MAX 1000

static json_t *g_flows; /* array, ascending numeric id */
static int64_t g_next_id = 5000001;

static void flows_clear(struct sim_state *st)
{
    (void)st;
    json_decref(g_flows);
    g_flows = NULL;
    g_next_id = 5000001;
}

static json_t *flows(void)
{
    if (!g_flows)
        g_flows = json_array();
    return g_flows;
}

static json_t *flow_find(const char *id, size_t *at)
{
    size_t i;
    json_t *f;

    json_array_foreach(flows(), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "id")), id) == 0) {
            if (at)
                *at = i;
            return f;
        }
    }
    return NULL;
}

static int not_found(struct sim_request *req, struct sim_response *res,
                     const char *id)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "Could not find flow with id %s", id);
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    json_t *in = sim_req_object_or_respond(req, res), *f;
    const char *name, *type, *ftype, *otype;
    json_t *enabled, *actions;
    char id[32], iso[32];

    if (!in)
        return 0;
    name = json_string_value(json_object_get(in, "name"));
    type = json_string_value(json_object_get(in, "type"));
    ftype = json_string_value(json_object_get(in, "flowType"));
    otype = json_string_value(json_object_get(in, "objectTypeId"));
    enabled = json_object_get(in, "isEnabled");
    actions = json_object_get(in, "actions");
    if (!ftype || strcmp(ftype, "WORKFLOW") != 0)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "flowType must be WORKFLOW", NULL);
    if (!type || (strcmp(type, "CONTACT_FLOW") != 0 &&
                  strcmp(type, "PLATFORM_FLOW") != 0))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "type must be CONTACT_FLOW or PLATFORM_FLOW",
                             NULL);
    if (!json_is_boolean(enabled))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "isEnabled is required (a boolean)", NULL);
    if (name && strlen(name) > FLOW_NAME_MAX)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "name is longer than 255 characters", NULL);
    if (strcmp(type, "PLATFORM_FLOW") == 0 && !otype)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "objectTypeId is required for a PLATFORM_FLOW",
                             NULL);
    if (actions && (!json_is_array(actions) ||
                    json_array_size(actions) > FLOW_ACTIONS_MAX))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "actions must be an array of at most 1000 "
                             "actions",
                             NULL);
    f = json_deep_copy(in);
    snprintf(id, sizeof(id), "%lld", (long long)g_next_id++);
    sim_iso_ms(req->now_ms, iso);
    json_object_set_new(f, "id", json_string(id));
    json_object_set_new(f, "revisionId", json_string("1"));
    json_object_set_new(f, "createdAt", json_string(iso));
    json_object_set_new(f, "updatedAt", json_string(iso));
    if (!name)
        json_object_set_new(f, "name", json_string(""));
    if (!otype)
        json_object_set_new(f, "objectTypeId", json_string("0-1"));
    if (!actions)
        json_object_set_new(f, "actions", json_array());
    if (!json_object_get(f, "canEnrollFromSalesforce"))
        json_object_set_new(f, "canEnrollFromSalesforce", json_false());
    json_array_append(flows(), f);
    return sim_res_json(res, 201, f);
}

/* The list answer carries each flow's summary fields (no actions). */
static json_t *summary(const json_t *f)
{
    static const char *const keys[] = {"id",        "isEnabled",
                                       "flowType",  "revisionId",
                                       "name",      "createdAt",
                                       "updatedAt", "objectTypeId",
                                       "type",      NULL};
    json_t *o = json_object();

    for (const char *const *k = keys; *k; k++)
        if (json_object_get(f, *k))
            json_object_set(o, *k, json_object_get(f, *k));
    return o;
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    int64_t limit = FLOWS_LIMIT_MAX, after = 0;
    json_t *results = json_array(), *body, *f;
    size_t i;

    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (after_s && (!sim_parse_i64(after_s, &after) || after < 0))) {
        json_decref(results);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or after parameter", NULL);
    }
    if (limit > FLOWS_LIMIT_MAX)
        limit = FLOWS_LIMIT_MAX;
    body = json_pack("{s:o}", "results", results);
    json_array_foreach(flows(), i, f) {
        int64_t id = 0;

        sim_parse_i64(json_string_value(json_object_get(f, "id")), &id);
        if (id < after)
            continue;
        if ((int64_t)json_array_size(results) == limit) {
            json_object_set_new(body, "paging",
                                json_pack("{s:{s:O}}", "next", "after",
                                          json_object_get(f, "id")));
            break;
        }
        json_array_append_new(results, summary(f));
    }
    return sim_res_json(res, 200, body);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *f = flow_find(id, NULL);

    if (!f)
        return not_found(req, res, id);
    return sim_res_json(res, 200, json_incref(f));
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    size_t at;

    if (!flow_find(id, &at))
        return not_found(req, res, id);
    json_array_remove(flows(), at);
    return sim_res_empty(res, 204);
}

static const char *const flow_scopes[] = {"automation", NULL};

#define R(m, p, h, f)                                                          \
    {                                                                          \
        m, p, h, SIM_R_AUTH | (f), SIM_SCOPE_LIST, flow_scopes                 \
    }
static const struct sim_route automation_routes[] = {
    R("POST", "/automation/v4/flows", h_create, SIM_R_JSON),
    R("GET", "/automation/v4/flows", h_list, 0),
    R("GET", "/automation/v4/flows/:id", h_get, 0),
    R("DELETE", "/automation/v4/flows/:id", h_delete, 0),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};
#undef R

const struct sim_module sim_module_automation = {
    .name = "automation",
    .routes = automation_routes,
    .clear = flows_clear,
};
