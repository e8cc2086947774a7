/* SPDX-License-Identifier: MIT
 * Hub dispatch: a hub request's path below the hub is split into resource,
 * id and sub, checked against the instance's state (disabled, invalid),
 * and handed to a virtual resource (virtual.c) when the instance has a
 * transformation of that name, else to the first resource row of the
 * families' tables that takes it (hub.h); /ping is answered here. */
#include <stdatomic.h>
#include <string.h>

#include "hub/hub.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "domain/vdr.h"
#include "elements/elements.h"

/* clang-format off */
const struct hub_resource *const hub_resource_tables[] = {
    hub_activities_resources,
    hub_files_resources,
    hub_marketing_resources,
    hub_objects_resources,
    hub_owners_resources,
    hub_pipelines_resources,
    hub_properties_resources,
    hub_timeline_resources,
    hub_lists_resources,
    hub_workflows_resources,
    hub_campaigns_resources,
    hub_assoc_resources,
    hub_crm_resources,
    NULL};
/* clang-format on */

static atomic_ulong props_epoch;

unsigned long hub_props_epoch(void)
{
    return atomic_load(&props_epoch);
}

static int ping_done(struct hub_op *op, int status, json_t *body)
{
    char now[32];
    (void)status;
    (void)body;
    ed_iso8601(ed_now_s(), now, sizeof(now));
    return res_json(op->res, 200,
                    json_pack("{s:s, s:s}", "dateTime", now, "endpoint",
                              op->in.el->key));
}

static int hub_ping(struct hub_op *op)
{
    if (op->req->method != ED_GET)
        return res_error(op->req, op->res, ED_E_METHOD, "Use GET /ping");
    return hub_send(op, "GET", element_oauth(op->in.el, "pingPath"), NULL,
                    false, ping_done);
}

/* Split "/a/b/c" into resource, id and sub (arena copies). */
static void split_rest(struct hub_op *op, const char *rest)
{
    const char *segs[3] = {NULL, NULL, NULL};
    const char *p = rest;
    for (int i = 0; i < 3 && *p; i++) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        segs[i] = ed_arena_strndup(op->req->arena, p, n);
        p += n;
    }
    op->resource = segs[0] ? segs[0] : "";
    op->id = segs[1];
    op->sub = segs[2];
}

int hub_dispatch(struct hub_op *op, const char *rest)
{
    struct ed_request *req = op->req;
    split_rest(op, rest);
    bool objects = strcmp(op->resource, "objects") == 0;
    if (op->in.row.disabled && !objects)
        return res_error(req, op->res, ED_E_FORBIDDEN,
                         "The element instance is disabled");
    if (!op->in.row.valid)
        return res_error(req, op->res, ED_E_UNAUTHORIZED,
                         "The element instance must be re-authenticated: %s",
                         op->in.row.invalid_reason
                             ? op->in.row.invalid_reason
                             : "its credentials are invalid");
    if (strcmp(op->resource, "ping") == 0 && !op->id)
        return hub_ping(op);
    if (!op->native && *op->resource) {
        const struct tf_map *map = NULL;
        struct vdr_binding *ref = NULL;
        char why[512];
        switch (vdr_resolve(req->app, &op->in, op->resource, &map, &ref, why,
                            sizeof(why))) {
        case VDR_FOUND: return hub_virtual(op, map, ref);
        case VDR_NO_TRANSFORM:
            return res_error(req, op->res, ED_E_NOT_FOUND,
                             "%s is defined, but has no transformation for "
                             "the element %s",
                             op->resource, op->in.el->key);
        case VDR_BROKEN:
            return res_error(req, op->res, ED_E_BAD_REQUEST,
                             "The transformation %s cannot be used: %s",
                             op->resource, why);
        case VDR_NONE: break;
        }
    }
    if (req->method != ED_GET && op->id &&
        (strcmp(op->id, "properties") == 0 ||
         strcmp(op->id, "propertygroups") == 0))
        atomic_fetch_add(&props_epoch, 1);
    for (size_t t = 0; hub_resource_tables[t]; t++) {
        for (const struct hub_resource *r = hub_resource_tables[t]; r->name;
             r++) {
            if (strcmp(r->name, op->resource) != 0 && strcmp(r->name, "*") != 0)
                continue;
            int st = r->handle(op);
            if (st != HUB_DECLINE)
                return st;
        }
    }
    return res_error(req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                     req->subpath);
}
