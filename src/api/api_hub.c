/* SPDX-License-Identifier: MIT
 * The hub API entry: /hubs/{hub}/<resource>... and /<resource>... with an
 * Element token. The token selects the instance (the hub segment is
 * ignored, as Cloud Elements does); the resource is dispatched from the
 * rest of the path. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/app.h"
#include "hub/hub.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "events/async.h"
#include "elements/elements.h"

static int hub_entry(struct ed_request *req, struct ed_response *res)
{
    if (!req->auth.element_token)
        return res_error(req, res, ED_E_NOT_FOUND, "No resource at %s",
                         req->subpath);
    struct hub_op *op = ed_calloc(1, sizeof(*op));
    op->req = req;
    op->res = res;
    const struct instance *view = NULL;
    if (instance_get_shared(req->app, req->auth.element_token, &view,
                            &op->shared) != ED_OK) {
        free(op);
        return res_error(req, res, ED_E_UNAUTHORIZED,
                         "Invalid Element token: no such element instance");
    }
    op->in = *view; /* a shallow view: the shared handle owns it */
    if (op->in.row.org_id != req->auth.org_id) {
        hub_op_free(op);
        return res_error(req, res, ED_E_UNAUTHORIZED,
                         "Invalid Element token for this organization");
    }
    res_header(res, "Elements-Element-Instance-Id",
               ed_arena_printf(req->arena, "%lld", (long long)op->in.row.id));
    if (events_async_wanted(req)) { /* Elements-Async-Request: true */
        int ast = events_async_dispatch(req, res, &op->in);
        hub_op_free(op);
        return ast;
    }
    int st = hub_dispatch(op, req->rest ? req->rest : "/");
    /* ED_ASYNC: op now belongs to the call chain and may already be gone */
    if (st != ED_ASYNC)
        hub_op_free(op);
    return st;
}

#define ALL (ED_GET | ED_POST | ED_PUT | ED_PATCH | ED_DELETE)
const struct ed_route api_hub_routes[] = {
    {ALL, "/hubs/{hub}/*", hub_entry, ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY},
    {ALL, "/*", hub_entry, ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY},
    {0, NULL, NULL, 0},
};
