/* SPDX-License-Identifier: MIT
 * Activities: HubSpot engagements (v1, the API Cloud Elements shaped them
 * on), at /activities (CRUD and paged listing) and per record at
 * /contacts|accounts|opportunities/{id}/activities. Records keep HubSpot's
 * engagement object, whose id is the classic id (engagement.id), and carry
 * it also as the top-level id Cloud Elements clients read. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define ENGAGEMENTS "/engagements/v1/engagements"

/* --- activities (engagements v1) ------------------------------------------ */

/* Cloud Elements' records carry a top-level id: engagement.id. */
static void eng_shape(json_t *e)
{
    json_t *id = json_object_get(json_object_get(e, "engagement"), "id");
    if (id && !json_object_get(e, "id"))
        json_object_set(e, "id", id);
}

static const struct hub_vlist_spec eng_list = {'e', "offset", 250, eng_shape};

static int eng_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, eng_shape);
}

static int activities_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    int st;
    if (op->sub)
        return hub_no_resource(op);
    if (!op->id && req->method == ED_GET) {
        if ((st = hub_refuse_where(op)))
            return st;
        return hub_vlist_start(op, &eng_list, ENGAGEMENTS "/paged");
    }
    if (!op->id && req->method == ED_POST) {
        if ((st = hub_need_object(op)))
            return st;
        return hub_send(op, "POST", ENGAGEMENTS, req->body, false, eng_done);
    }
    if (!op->id)
        return hub_no_method(op, "GET or POST");
    const char *path = ed_arena_printf(req->arena, ENGAGEMENTS "/%s",
                                       hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, eng_done);
    case ED_PATCH:
    case ED_PUT:
        if ((st = hub_need_object(op)))
            return st;
        return hub_send(op, req->method == ED_PUT ? "PUT" : "PATCH", path,
                        req->body, false, eng_done);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PATCH, PUT or DELETE");
    }
}

/* --- /contacts|accounts|opportunities/{id}/activities ---------------------- */

struct record_map {
    const char *name;     /* Cloud Elements resource */
    const char *eng_type; /* engagements v1 object type */
};

static const struct record_map record_maps[] = {
    {"contacts", "CONTACT"},
    {"accounts", "COMPANY"},
    {"opportunities", "DEAL"},
};

/* Only {id}/activities; everything else declines to the next row. */
static int activities_record_list(struct hub_op *op)
{
    const struct record_map *m = NULL;
    int st;
    for (size_t i = 0; i < sizeof(record_maps) / sizeof(record_maps[0]); i++)
        if (strcmp(record_maps[i].name, op->resource) == 0)
            m = &record_maps[i];
    if (!m || !op->id || !op->sub || strcmp(op->sub, "activities") != 0 ||
        strcmp(op->id, "properties") == 0)
        return HUB_DECLINE;
    if (hub_seg(op, 3))
        return hub_no_resource(op);
    if (op->req->method != ED_GET)
        return hub_no_method(op, "GET");
    if ((st = hub_refuse_where(op)))
        return st;
    return hub_vlist_start(
        op, &eng_list,
        ed_arena_printf(op->req->arena, ENGAGEMENTS "/associated/%s/%s/paged",
                        m->eng_type, hub_escape(op, op->id)));
}

const struct hub_resource hub_activities_resources[] = {
    {"activities", activities_handle},
    {"contacts", activities_record_list},
    {"accounts", activities_record_list},
    {"opportunities", activities_record_list},
    {NULL, NULL},
};
