/* SPDX-License-Identifier: MIT
 * Internal hub calls on the events loop (see hubcall.h). The request is
 * built as http/ would build it for a client holding the instance's Element
 * token: its own arena, GET, path and subpath, the hub part stripped into
 * `rest`, the query parsed, the instance's organization as the caller; the
 * hub gets a copy of the caller's instance rather than looking it up again
 * by token (the poller has just loaded it from the store). Its
 * completion hook posts the continuation back onto the events loop (it may
 * be called from another thread when a token refresh flight ends), where
 * the continuation runs exactly as a server thread would run it. */
#include "events/hubcall.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/request.h"
#include "core/strparse.h"
#include "core/text.h"
#include "crypto/crypto.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "events/loop.h"
#include "hub/hub.h"

#define HUBCALL_MAX_QUERY 32
#define API_BASE "/elements/api-v2"

struct hubcall {
    struct ed_request req;
    struct ed_response res;
    hubcall_done_fn done;
    void *ud;
};

static void hubcall_free(struct hubcall *hc)
{
    json_decref(hc->res.body);
    free(hc->res.raw_heap);
    ed_arena_free(hc->req.arena);
    free(hc);
}

/* The chain ended with `status`: hand the answer over and free the call. */
static void finish(struct hubcall *hc, int status)
{
    struct ed_response *res = &hc->res;
    struct hubcall_result r = {.status = status};
    json_t *raw = NULL;
    if (res->error != ED_E_NONE) {
        r.status = res->status;
        r.message = res->message ? res->message
                                 : ed_api_error_message(res->error);
        r.provider_message = res->provider_message;
    } else if (res->body) {
        r.body = res->body;
    } else if (res->raw_heap && res->raw_len) {
        json_error_t je;
        raw = json_loadb(res->raw_heap, res->raw_len, 0, &je);
        r.body = raw;
        if (!raw) {
            r.status = 502;
            r.message = "the hub answered with invalid JSON";
        }
    }
    for (size_t i = 0; i < res->nheaders; i++)
        if (ed_strcaseeq(res->headers[i].name, "Elements-Next-Page-Token") &&
            res->headers[i].value && *res->headers[i].value)
            r.next_page = res->headers[i].value;
    hc->done(hc->ud, &r);
    json_decref(raw);
    hubcall_free(hc);
}

/* On the loop: what the request's completion asked for. */
static void resume(void *ud)
{
    struct hubcall *hc = ud;
    int (*fn)(struct ed_request *, struct ed_response *,
              void *) = hc->req.continue_fn;
    if (!fn) { /* req_async_complete: the response is final */
        finish(hc, hc->res.status);
        return;
    }
    hc->req.continue_fn = NULL;
    int st = fn(&hc->req, &hc->res, hc->req.continue_ud);
    if (st != ED_ASYNC)
        finish(hc, st);
}

/* req_async_complete / req_async_continue (any thread). */
static void complete(void *ctx)
{
    if (!events_loop_post(resume, ctx))
        ed_warn(NULL, "msg=\"events loop stopped: internal hub call dropped\"");
}

/* "/hubs/crm/contacts" → "/contacts"; "/contacts" unchanged. */
static const char *hub_rest(const char *path)
{
    if (strncmp(path, "/hubs/", 6) != 0)
        return path;
    const char *p = strchr(path + 6, '/');
    return p ? p : "/";
}

enum ed_err hubcall_get(struct ed_app *app, const struct instance *in,
                        const char *url, hubcall_done_fn done, void *ud)
{
    struct hubcall *hc;
    struct hub_op *op;
    bool overflow;
    if (!in->token || !events_loop_here())
        return ED_ERR_INVALID;
    hc = ed_calloc(1, sizeof(*hc));
    hc->done = done;
    hc->ud = ud;
    struct ed_request *req = &hc->req;
    req->app = app;
    req->arena = ed_arena_new();
    crypto_request_id(req->request_id);
    req->method = ED_GET;
    req->method_name = "GET";
    req->client_ip = "";
    size_t plen = strcspn(url, "?#");
    const char *path = ed_arena_strndup(req->arena, url, plen);
    req->subpath = path;
    req->path = ed_arena_printf(req->arena, "%s%s", API_BASE, path);
    req->route = "internal";
    req->rest = hub_rest(path);
    req->query = ed_arena_alloc(req->arena,
                                sizeof(struct ed_kv) * HUBCALL_MAX_QUERY);
    req->nquery = ed_query_parse(req->arena,
                                 url[plen] == '?' ? url + plen + 1 : NULL,
                                 req->query, HUBCALL_MAX_QUERY, &overflow);
    req->body_raw = "";
    req->auth.authenticated = true;
    req->auth.org_id = in->row.org_id;
    req->auth.user_id = in->row.user_id;
    req->auth.element_token = ed_arena_strdup(req->arena, in->token);
    req->started_ms = 0;
    req->complete_fn = complete;
    req->complete_ctx = hc;
    hc->res.status = 500;

    op = ed_calloc(1, sizeof(*op));
    op->req = req;
    op->res = &hc->res;
    /* the caller's instance, just loaded: a copy owned by the op (no
     * second lookup by token; the hub only reads it) */
    instance_copy(in, &op->in);
    op->shared = NULL;
    int st = hub_dispatch(op, req->rest);
    if (st != ED_ASYNC) {
        /* answered at once (a refusal): still report through done, later */
        hub_op_free(op);
        hc->res.status = st;
        if (!events_loop_post(resume, hc)) {
            hubcall_free(hc);
            return ED_ERR_IO;
        }
    }
    /* ED_ASYNC: op belongs to the call chain now */
    return ED_OK;
}
