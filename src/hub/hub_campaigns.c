/* SPDX-License-Identifier: MIT
 * Campaigns (HubSpot Marketing only): search and read on HubSpot's
 * marketing campaigns (marketing/v3/campaigns; guid ids, name from
 * hs_name), and a campaign's activities from the email events API
 * (email/public/v1/events), which knows email campaigns (a numeric id and
 * the appId of the app that sent it): /campaigns/{emailCampaignId}/
 * activities?where=appId='..' and /campaigns/{id}/activities/{eventId}
 * ?created=... What Cloud Elements had that HubSpot no longer offers is in
 * docs/hub-api.md, "Marketing". */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "elements/elements.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define CAMPAIGNS "/marketing/v3/campaigns"
#define EVENTS "/email/public/v1/events"
#define CAMPAIGN_PROPS "hs_name,hs_start_date,hs_end_date,hs_notes"

static void campaign_shape(json_t *c)
{
    const char *n = hub_jstr(json_object_get(c, "properties"), "hs_name");
    if (n)
        json_object_set_new(c, "name", json_string(n));
}

static const struct hub_vlist_spec campaign_list = {'c', "after", 100,
                                                    campaign_shape};
/* campaign_shape, streamed (paging.h) */
static const struct hub_vlist_add campaign_name = {"name", "properties",
                                                   "hs_name", 's'};
#define EVENTS_CALL_MAX 1000 /* HubSpot's email events limit */

static int campaign_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, campaign_shape);
}

/* The one condition of a where (field f, operator, value), or 400. */
static int one_condition(struct hub_op *op, const char *field,
                         const char **oper, const char **value)
{
    const char *where = req_query(op->req, "where");
    const struct ceql_options opt = {"campaigns", NULL};
    json_t *t = NULL, *g, *f;
    char err[256];
    *oper = *value = NULL;
    if (!where || !*where)
        return 0;
    if (ceql_translate(where, NULL, &opt, &t, err, sizeof(err)) != ED_OK)
        return hub_bad_request(op, err);
    g = json_object_get(t, "filterGroups");
    f = json_array_get(json_object_get(json_array_get(g, 0), "filters"), 0);
    if (json_array_size(g) == 1 &&
        json_array_size(json_object_get(json_array_get(g, 0), "filters")) ==
            1 &&
        hub_jstr(f, "propertyName") && hub_jstr(f, "value") &&
        ed_strcaseeq(hub_jstr(f, "propertyName"), field)) {
        *oper = ed_arena_strdup(op->req->arena, hub_jstr(f, "operator"));
        *value = ed_arena_strdup(op->req->arena, hub_jstr(f, "value"));
    }
    json_decref(t);
    if (!*value)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "%s supports only a where on %s", op->req->subpath,
                         field);
    return 0;
}

static int campaigns_list(struct hub_op *op)
{
    const char *oper, *val;
    int st;
    if ((st = one_condition(op, "name", &oper, &val)))
        return st;
    if (val && strcmp(oper, "CONTAINS_TOKEN") != 0)
        return hub_bad_request(op, "HubSpot's campaigns API matches names "
                                   "by substring: use where name like "
                                   "'%...%'");
    const char *path = CAMPAIGNS "?properties=" CAMPAIGN_PROPS;
    if (val) {
        char *v = ed_arena_strdup(op->req->arena, val);
        while (*v == '*')
            v++;
        size_t n = strlen(v);
        while (n && v[n - 1] == '*')
            v[--n] = '\0';
        path = ed_arena_printf(op->req->arena, "%s&name=%s", path,
                               hub_escape(op, v));
    }
    return hub_vlist_start_add(op, &campaign_list, &campaign_name, path);
}

/* Email events page with v1 offsets under "events" (not "results"), so
 * the walk is here: page n walks from the start, nextPage resumes. */
struct event_walk {
    struct hub_paging pg;
    const char *path;
};

static int events_step(struct hub_op *op, const char *offset);

static int events_page(struct hub_op *op, int status, json_t *body)
{
    struct event_walk *w = op->state;
    json_t *events = json_object_get(body, "events"), *e;
    json_t *off = json_object_get(body, "offset");
    const char *next = json_is_true(json_object_get(body, "hasMore")) &&
                               json_is_string(off) && *json_string_value(off)
                           ? ed_arena_strdup(op->req->arena,
                                             json_string_value(off))
                           : NULL;
    size_t i;
    (void)status;
    if (w->pg.offset < 0) {
        w->pg.skip -= (long)json_array_size(events);
        if (!next || json_array_size(events) == 0)
            return hub_reply_list(op, json_array(), NULL);
        return events_step(op, next);
    }
    json_t *arr = json_array();
    json_array_foreach(events, i, e) {
        if ((long)i >= w->pg.offset)
            json_array_append(arr, e);
    }
    return hub_reply_list(op, arr,
                          next ? hub_cursor_make(op, 'a', next) : NULL);
}

static int events_step(struct hub_op *op, const char *offset)
{
    struct event_walk *w = op->state;
    int st = hub_paging_call(op, &w->pg);
    if (st)
        return st;
    long limit = hub_paging_next(&w->pg, EVENTS_CALL_MAX);
    const char *path = ed_arena_printf(op->req->arena, "%s&limit=%ld", w->path,
                                       limit);
    if (offset)
        path = ed_arena_printf(op->req->arena, "%s&offset=%s", path,
                               hub_escape(op, offset));
    return hub_send(op, "GET", path, NULL, false, events_page);
}

/* /campaigns/{emailCampaignId}/activities[/{eventId}] */
static int campaign_activities(struct hub_op *op)
{
    const char *event = hub_seg(op, 3), *oper, *app;
    int st;
    if (hub_seg(op, 4))
        return hub_no_resource(op);
    if (op->req->method != ED_GET)
        return hub_no_method(op, "GET");
    if (event) {
        const char *created = req_query(op->req, "created");
        if (!created || !ed_all_digits(created))
            return hub_bad_request(op, "created (the event's created time, "
                                       "epoch milliseconds) is required");
        return hub_send(op, "GET",
                        ed_arena_printf(op->req->arena, EVENTS "/%s/%s",
                                        created, hub_escape(op, event)),
                        NULL, false, hub_done_pass);
    }
    if (!ed_all_digits(op->id))
        return hub_bad_request(
            op, "activities are HubSpot email events: the id must be an "
                "email campaign id (a number), not a marketing campaign "
                "guid");
    if ((st = one_condition(op, "appId", &oper, &app)))
        return st;
    if (!app || strcmp(oper, "EQ") != 0 || !ed_all_digits(app))
        return hub_bad_request(op, "where appId='...' (the id of the app "
                                   "that sent the email campaign) is "
                                   "required");
    struct event_walk *w = ed_arena_alloc(op->req->arena, sizeof(*w));
    if ((st = hub_paging_read(op, 'a', &w->pg)))
        return st;
    w->path = ed_arena_printf(op->req->arena, EVENTS "?campaignId=%s&appId=%s",
                              op->id, app);
    op->state = w;
    return events_step(op, w->pg.after);
}

static int campaigns_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    if (strcmp(op->in.el->key, "hubspot") != 0)
        return hub_no_resource(op);
    if (op->sub) {
        if (strcmp(op->sub, "activities") != 0)
            return hub_no_resource(op);
        return campaign_activities(op);
    }
    if (req->method != ED_GET)
        return hub_no_method(op, "GET");
    if (!op->id)
        return campaigns_list(op);
    return hub_send(op, "GET",
                    ed_arena_printf(req->arena,
                                    CAMPAIGNS "/%s?properties=" CAMPAIGN_PROPS,
                                    hub_escape(op, op->id)),
                    NULL, false, campaign_done);
}

const struct hub_resource hub_campaigns_resources[] = {
    {"campaigns", campaigns_handle},
    {NULL, NULL},
};
