/* SPDX-License-Identifier: MIT
 * The hub API entry: /hubs/{hub}/<resource>... and /<resource>... with an
 * Element token. The token selects the instance (the hub segment is
 * ignored, as Cloud Elements does); the resource is dispatched from the
 * rest of the path. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "bulk/multipart.h"
#include "domain/app.h"
#include "hub/hub.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "events/async.h"
#include "elements/elements.h"

/* A multipart/form-data body (file uploads): its "file" part for the hub
 * resource, or why the body cannot be read. */
static void split_upload(struct ed_request *req, struct hub_upload *up)
{
    const char *ct = req_header(req, "Content-Type");
    struct mp_part *parts = NULL;
    size_t np = 0;
    char why[256];
    if (req->body || req->body_len == 0 || !ct ||
        !ed_strcaseprefix(ct, "multipart/form-data"))
        return;
    up->multipart = true;
    if (multipart_parse(req->arena, ct, req->body_raw, req->body_len, &parts,
                        &np, why, sizeof(why)) != 0) {
        up->upload_error = ed_arena_strdup(req->arena, why);
        return;
    }
    const struct mp_part *f = multipart_find(parts, np, "file");
    if (f) {
        up->data = f->data;
        up->len = f->len;
        up->filename = f->filename;
        up->content_type = f->content_type;
    }
}

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
    if (!api_instance_visible(req, res, &op->in.row)) { /* issue 15: 403 */
        hub_op_free(op);
        return res->status;
    }
    res_header(res, "Elements-Element-Instance-Id",
               ed_arena_printf(req->arena, "%lld", (long long)op->in.row.id));
    if (events_async_wanted(req)) { /* Elements-Async-Request: true */
        int ast = events_async_dispatch(req, res, &op->in);
        hub_op_free(op);
        return ast;
    }
    split_upload(req, &op->upload);
    int st = hub_dispatch(op, req->rest ? req->rest : "/");
    /* ED_ASYNC: op now belongs to the call chain and may already be gone */
    if (st != ED_ASYNC)
        hub_op_free(op);
    return st;
}

#define ALL (ED_GET | ED_POST | ED_PUT | ED_PATCH | ED_DELETE)
int api_hub_entry(struct ed_request *req, struct ed_response *res)
{
    return hub_entry(req, res);
}

const struct ed_route api_hub_routes[] = {
    {ALL, "/hubs/{hub}/*", hub_entry,
     ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY | ED_ROUTE_MULTIPART},
    {ALL, "/*", hub_entry,
     ED_ROUTE_ELEMENT | ED_ROUTE_JSON_ANY | ED_ROUTE_MULTIPART},
    {0, NULL, NULL, 0},
};
