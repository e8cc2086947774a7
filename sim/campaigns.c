/* SPDX-License-Identifier: MIT */
/*
 * Marketing campaigns (marketing/v3/campaigns: list with name, after and
 * limit, read by guid; properties only when asked with ?properties=) and
 * the email events API (email/public/v1/events: events of an email
 * campaign, v1 offset paging, one event by created/id) for hubspot-sim.
 * Read only, from built-in fixtures (three campaigns; events of email
 * campaign 9100001 of app 113); fixture keys "campaigns" and
 * "emailEvents" add more. Module state is static, under the dispatcher's
 * lock.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAMPAIGNS_LIMIT_MAX 100
#define EVENTS_LIMIT_MAX 1000
#define EVENTS_LIMIT_DEF 100

static json_t *g_campaigns; /* array of v3 campaigns (all properties) */
static json_t *g_events;    /* array of v1 email events */

static void campaigns_clear(struct sim_state *st)
{
    (void)st;
    json_decref(g_campaigns);
    json_decref(g_events);
    g_campaigns = g_events = NULL;
}

static void builtin(void)
{
    static const char *const names[] = {"Spring launch", "Summer sale",
                                        "Autumn webinar"};
    static const char *const types[] = {"SENT",  "DELIVERED", "OPEN",
                                        "CLICK", "DELIVERED", "OPEN"};
    static const char *const who[] = {"ada@example.test", "ada@example.test",
                                      "ada@example.test", "ada@example.test",
                                      "bob@example.test", "bob@example.test"};

    if (g_campaigns)
        return;
    g_campaigns = json_array();
    g_events = json_array();
    for (int i = 0; i < 3; i++) {
        char id[40];

        snprintf(id, sizeof(id), "6b3c1c2e-5a8f-4d2b-9c1e-00000000000%d",
                 i + 1);
        json_array_append_new(
            g_campaigns,
            json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:s, s:s, s:[{s:i}]}",
                      "id", id, "properties", "hs_name", names[i],
                      "hs_start_date", "2026-03-01", "hs_end_date",
                      "2026-03-31", "hs_notes", "", "createdAt",
                      "2026-02-01T09:00:00.000Z", "updatedAt",
                      "2026-02-02T09:00:00.000Z", "businessUnits", "id", 0));
    }
    for (int i = 0; i < 6; i++) {
        char id[40];

        snprintf(id, sizeof(id), "5f0e7d1a-0c41-4e8e-b6a3-00000000000%d",
                 i + 1);
        json_array_append_new(
            g_events,
            json_pack("{s:s, s:I, s:s, s:s, s:I, s:i, s:s, s:I, s:{s:s, s:I}}",
                      "id", id, "created",
                      (json_int_t)1767258000000LL + i * 60000, "type", types[i],
                      "recipient", who[i], "portalId", (json_int_t)62515,
                      "appId", 113, "appName", "Batch", "emailCampaignId",
                      (json_int_t)9100001, "sentBy", "id",
                      "5f0e7d1a-0c41-4e8e-b6a3-000000000001", "created",
                      (json_int_t)1767258000000LL));
    }
}

static int campaigns_load(struct sim_state *st, const json_t *fx, char *err,
                          size_t errlen)
{
    json_t *c = json_object_get(fx, "campaigns");
    json_t *e = json_object_get(fx, "emailEvents");

    (void)st;
    builtin();
    if ((c && !json_is_array(c)) || (e && !json_is_array(e))) {
        snprintf(err, errlen,
                 "fixtures: campaigns and emailEvents must be "
                 "arrays");
        return -1;
    }
    if (c)
        json_array_extend(g_campaigns, c);
    if (e)
        json_array_extend(g_events, e);
    return 0;
}

/* A campaign with only the asked properties (HubSpot returns none by
 * default). */
static json_t *campaign_render(const json_t *c, json_t *props)
{
    json_t *o = json_deep_copy(c), *p = json_object(), *n;
    size_t i;

    json_array_foreach(props, i, n) {
        json_t *v = json_object_get(json_object_get(c, "properties"),
                                    json_string_value(n));

        json_object_set(p, json_string_value(n), v ? v : json_null());
    }
    json_object_set_new(o, "properties", p);
    return o;
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const char *name = sim_req_query(req, "name");
    const char *after_s = sim_req_query(req, "after");
    const char *limit_s = sim_req_query(req, "limit");
    int64_t limit = 50, after = 0, total = 0;
    json_t *props = sim_req_props(req, "properties");
    json_t *results = json_array(), *body, *c;
    size_t i;

    builtin();
    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1 ||
                     limit > CAMPAIGNS_LIMIT_MAX)) ||
        (after_s && (!sim_parse_i64(after_s, &after) || after < 0))) {
        json_decref(results);
        json_decref(props);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "limit must be between 1 and 100 and after a "
                             "cursor this API returned",
                             NULL);
    }
    body = json_pack("{s:o}", "results", results);
    json_array_foreach(g_campaigns, i, c) {
        const char *n = json_string_value(
            json_object_get(json_object_get(c, "properties"), "hs_name"));
        bool ok = true;

        if (name && *name) {
            size_t ln = n ? strlen(n) : 0, lq = strlen(name);

            ok = false;
            for (size_t p = 0; !ok && lq <= ln && p + lq <= ln; p++)
                ok = strncasecmp(n + p, name, lq) == 0;
        }
        if (!ok)
            continue;
        if (total >= after && total < after + limit)
            json_array_append_new(results, campaign_render(c, props));
        total++;
    }
    json_object_set_new(body, "total", json_integer(total));
    if (after + limit < total) {
        char next[32];

        snprintf(next, sizeof(next), "%lld", (long long)(after + limit));
        json_object_set_new(body, "paging",
                            json_pack("{s:{s:s}}", "next", "after", next));
    }
    json_decref(props);
    return sim_res_json(res, 200, body);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_param(req, "id");
    json_t *props = sim_req_props(req, "properties"), *c;
    size_t i;

    builtin();
    json_array_foreach(g_campaigns, i, c) {
        if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0) {
            json_t *o = campaign_render(c, props);

            json_decref(props);
            return sim_res_json(res, 200, o);
        }
    }
    json_decref(props);
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "Campaign with id %s does not exist", id);
}

/* email/public/v1/events: campaignId needs appId (HubSpot: the pair names
 * an email campaign); offset is the next position, hasMore says more. */
static int h_events(struct sim_request *req, struct sim_response *res)
{
    const char *cid = sim_req_query(req, "campaignId");
    const char *app = sim_req_query(req, "appId");
    const char *type = sim_req_query(req, "eventType");
    const char *rcpt = sim_req_query(req, "recipient");
    const char *off_s = sim_req_query(req, "offset");
    const char *limit_s = sim_req_query(req, "limit");
    int64_t limit = EVENTS_LIMIT_DEF, off = 0, n = 0;
    json_t *events = json_array(), *e;
    size_t i;
    bool more = false;

    builtin();
    if ((limit_s && (!sim_parse_i64(limit_s, &limit) || limit < 1)) ||
        (off_s && (!sim_parse_i64(off_s, &off) || off < 0))) {
        json_decref(events);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "Invalid limit or offset", NULL);
    }
    if (cid && !app) {
        json_decref(events);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "appId is required when campaignId is given",
                             NULL);
    }
    if (limit > EVENTS_LIMIT_MAX)
        limit = EVENTS_LIMIT_MAX;
    json_array_foreach(g_events, i, e) {
        char b1[32], b2[32];
        const char *ec = sim_json_scalar(json_object_get(e, "emailCampaignId"),
                                         b1, sizeof(b1));
        const char *ea = sim_json_scalar(json_object_get(e, "appId"), b2,
                                         sizeof(b2));

        if ((cid && (!ec || strcmp(ec, cid) != 0)) ||
            (app && (!ea || strcmp(ea, app) != 0)) ||
            (type && !sim_str_ieq(json_string_value(json_object_get(e, "type")),
                                  type)) ||
            (rcpt &&
             !sim_str_ieq(json_string_value(json_object_get(e, "recipient")),
                          rcpt)))
            continue;
        if (n >= off && n < off + limit)
            json_array_append(events, e);
        else if (n >= off + limit)
            more = true;
        n++;
    }
    {
        char next[32];

        snprintf(next, sizeof(next), "%lld",
                 (long long)(off + (int64_t)json_array_size(events)));
        return sim_res_json(res, 200,
                            json_pack("{s:o, s:b, s:s}", "events", events,
                                      "hasMore", more, "offset", next));
    }
}

static int h_event(struct sim_request *req, struct sim_response *res)
{
    const char *created = sim_req_param(req, "created");
    const char *id = sim_req_param(req, "id");
    json_t *e;
    size_t i;

    builtin();
    json_array_foreach(g_events, i, e) {
        char buf[32];
        const char *c = sim_json_scalar(json_object_get(e, "created"), buf,
                                        sizeof(buf));

        if (c && strcmp(c, created) == 0 &&
            strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
            return sim_res_json(res, 200, json_incref(e));
    }
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "No event with id %s created at %s", id, created);
}

static const char *const campaign_scopes[] = {"marketing.campaigns.read",
                                              "content", NULL};
static const char *const event_scopes[] = {"content", NULL};

static const struct sim_route campaigns_routes[] = {
    {"GET", "/marketing/v3/campaigns", h_list, SIM_R_AUTH, SIM_SCOPE_LIST,
     campaign_scopes},
    {"GET", "/marketing/v3/campaigns/:id", h_get, SIM_R_AUTH, SIM_SCOPE_LIST,
     campaign_scopes},
    {"GET", "/email/public/v1/events", h_events, SIM_R_AUTH, SIM_SCOPE_LIST,
     event_scopes},
    {"GET", "/email/public/v1/events/:created/:id", h_event, SIM_R_AUTH,
     SIM_SCOPE_LIST, event_scopes},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const campaigns_keys[] = {"campaigns", "emailEvents", NULL};

const struct sim_module sim_module_campaigns = {
    .name = "campaigns",
    .routes = campaigns_routes,
    .load = campaigns_load,
    .clear = campaigns_clear,
    .fixture_keys = campaigns_keys,
};
