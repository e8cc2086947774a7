/* SPDX-License-Identifier: MIT
 * Workflows (HubSpot Marketing only): create, read, delete and a listing
 * paged with nextPage, on HubSpot's automation v4 flows (its v3 workflows
 * API is deprecated). Cloud Elements' classic body (name, type, enabled)
 * becomes a v4 contact flow; v4 fields are passed as they are. Records
 * carry HubSpot's flow plus the classic enabled flag. The CRM element has
 * no /workflows (Cloud Elements never offered it there). */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "elements/elements.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define FLOWS "/automation/v4/flows"

static void flow_shape(json_t *f)
{
    json_t *en = json_object_get(f, "isEnabled");
    if (json_is_boolean(en))
        json_object_set(f, "enabled", en);
}

static const struct hub_vlist_spec flow_list = {'w', "after", 100, flow_shape};
/* flow_shape, streamed (paging.h) */
static const struct hub_vlist_add flow_enabled = {"enabled", "isEnabled", NULL,
                                                  'b'};

static int flow_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, flow_shape);
}

/* v4 members a body may carry as they are. */
static const char *const passed[] = {"actions",
                                     "enrollmentCriteria",
                                     "startActionId",
                                     "nextAvailableActionId",
                                     "timeWindows",
                                     "blockedDates",
                                     "customProperties",
                                     "suppressionListIds",
                                     "canEnrollFromSalesforce",
                                     "description",
                                     "objectTypeId",
                                     NULL};

static int flow_create(struct hub_op *op)
{
    json_t *in = op->req->body, *out, *en;
    const char *name, *type;
    int st;
    if ((st = hub_need_object(op)))
        return st;
    name = hub_jstr(in, "name");
    type = hub_jstr(in, "type");
    en = json_object_get(in, "isEnabled");
    if (!en)
        en = json_object_get(in, "enabled");
    if (!name || !*name)
        return hub_bad_request(op, "name is required");
    if (en && !json_is_boolean(en))
        return hub_bad_request(op, "enabled must be true or false");
    if (type && strcmp(type, "CONTACT_FLOW") != 0 &&
        strcmp(type, "PLATFORM_FLOW") != 0 && strcmp(type, "DRIP_DELAY") != 0 &&
        strcmp(type, "STATIC_ANCHOR") != 0 &&
        strcmp(type, "PROPERTY_ANCHOR") != 0)
        return hub_bad_request(op, "type must be DRIP_DELAY, STATIC_ANCHOR, "
                                   "PROPERTY_ANCHOR (classic, all contact "
                                   "flows), CONTACT_FLOW or PLATFORM_FLOW");
    json_t *acts = json_object_get(in, "actions");
    size_t i;
    json_t *a;
    json_array_foreach(acts, i, a) {
        if (!json_object_get(a, "actionId"))
            return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                             "actions[%zu] is not a v4 flow action (no "
                             "actionId): classic v3 workflow actions are "
                             "not translated",
                             i);
    }
    out = json_pack("{s:s, s:s, s:b, s:s}", "name", name, "flowType",
                    "WORKFLOW", "isEnabled", json_is_true(en), "type",
                    type && strcmp(type, "PLATFORM_FLOW") == 0
                        ? "PLATFORM_FLOW"
                        : "CONTACT_FLOW");
    for (const char *const *k = passed; *k; k++)
        if (json_object_get(in, *k))
            json_object_set(out, *k, json_object_get(in, *k));
    if (!json_object_get(out, "objectTypeId"))
        json_object_set_new(out, "objectTypeId", json_string("0-1"));
    st = hub_send(op, "POST", FLOWS, out, false, flow_done);
    json_decref(out);
    return st;
}

static int workflows_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    int st;
    if (strcmp(op->in.el->key, "hubspot") != 0 || op->sub)
        return hub_no_resource(op);
    if (!op->id) {
        if (req->method == ED_GET) {
            if ((st = hub_refuse_where(op)))
                return st;
            return hub_vlist_start_add(op, &flow_list, &flow_enabled, FLOWS);
        }
        if (req->method == ED_POST)
            return flow_create(op);
        return hub_no_method(op, "GET or POST");
    }
    const char *path = ed_arena_printf(req->arena, FLOWS "/%s",
                                       hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, flow_done);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET or DELETE");
    }
}

const struct hub_resource hub_workflows_resources[] = {
    {"workflows", workflows_handle},
    {NULL, NULL},
};
