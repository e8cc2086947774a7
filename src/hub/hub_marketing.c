/* SPDX-License-Identifier: MIT
 * Marketing emails and forms of the HubSpot Marketing element (`hubspot`),
 * on HubSpot's marketing/v3/emails and marketing/v3/forms: list (Cloud
 * Elements paging on HubSpot's cursors), read, create, update, delete
 * (HubSpot archives). Records are HubSpot's PublicEmail and form
 * definition shapes. On the CRM element (`hubspotcrm`) these decline, so
 * /emails stays the CRM email engagements object there. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "hub/hub.h"
#include "hub/hub_marketing.h"
#include "hub/paging.h"
#include "hub/resource.h"

struct mkt_resource {
    const char *name;                     /* Cloud Elements resource */
    const char *base;                     /* HubSpot collection path */
    const struct hub_vlist_spec *list;    /* listing */
    const struct hub_where_field *fields; /* where= on the listing */
    bool put;                             /* PUT replaces (forms) */
};

static const struct hub_vlist_spec email_list = {'m', "after", 100, NULL};
static const struct hub_vlist_spec form_list = {'r', "after", 100, NULL};

static const struct hub_where_field email_fields[] = {
    {"type", "type"},
    {"isPublished", "isPublished"},
    {"campaign", "campaign"},
    {"archived", "archived"},
    {NULL, NULL},
};

static const struct hub_where_field form_fields[] = {
    {"formTypes", "formTypes"},
    {"formType", "formTypes"},
    {"archived", "archived"},
    {NULL, NULL},
};

static const struct mkt_resource mkt_resources[] = {
    {"emails", "/marketing/v3/emails", &email_list, email_fields, false},
    {"forms", "/marketing/v3/forms", &form_list, form_fields, true},
};

static int mkt_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    const struct mkt_resource *m = NULL;
    const char *q;
    int st;
    if (!hub_mkt_element(op))
        return HUB_DECLINE;
    for (size_t i = 0; i < sizeof(mkt_resources) / sizeof(mkt_resources[0]);
         i++)
        if (strcmp(mkt_resources[i].name, op->resource) == 0)
            m = &mkt_resources[i];
    if (!m)
        return HUB_DECLINE;
    if (op->sub)
        return hub_no_resource(op);
    if (!op->id) {
        if (req->method == ED_GET) {
            if ((st = hub_mkt_where_query(op, m->fields, &q)))
                return st;
            return hub_vlist_start(op, m->list,
                                   ed_arena_printf(req->arena, "%s%s", m->base,
                                                   q));
        }
        if (req->method == ED_POST) {
            if ((st = hub_need_object(op)))
                return st;
            return hub_send(op, "POST", m->base, req->body, false,
                            hub_done_pass);
        }
        return hub_no_method(op, "GET or POST");
    }
    const char *path = ed_arena_printf(req->arena, "%s/%s", m->base,
                                       hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, hub_done_pass);
    case ED_PUT:
        if (!m->put)
            return hub_no_method(op, "GET, PATCH or DELETE");
        /* fall through */
    case ED_PATCH:
        if ((st = hub_need_object(op)))
            return st;
        return hub_send(op, req->method == ED_PUT ? "PUT" : "PATCH", path,
                        req->body, false, hub_done_pass);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default:
        return hub_no_method(op, m->put ? "GET, PATCH, PUT or DELETE"
                                        : "GET, PATCH or DELETE");
    }
}

const struct hub_resource hub_marketing_resources[] = {
    {"emails", mkt_handle},
    {"forms", mkt_handle},
    {NULL, NULL},
};
