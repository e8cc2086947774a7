/* SPDX-License-Identifier: MIT
 * Internal hub calls (see subcall.h): the request gets its own arena, the
 * method, path and subpath, the hub part stripped into `rest`, a copy of
 * the query, the instance's organization as the caller, and its Element
 * token; the hub gets the caller's instance (shared or copied) rather than
 * looking it up again by token. */
#include "hub/subcall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "crypto/crypto.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "hub/hub.h"

#define API_BASE "/elements/api-v2"

static const char *method_name(enum ed_method m)
{
    switch (m) {
    case ED_POST: return "POST";
    case ED_PUT: return "PUT";
    case ED_PATCH: return "PATCH";
    case ED_DELETE: return "DELETE";
    default: return "GET";
    }
}

/* "/hubs/crm/contacts" → "/contacts"; "/contacts" unchanged. */
static const char *hub_rest(const char *path)
{
    if (strncmp(path, "/hubs/", 6) != 0)
        return path;
    const char *p = strchr(path + 6, '/');
    return p ? p : "/";
}

struct hub_subcall *hub_subcall_new(struct ed_app *app,
                                    const struct instance *in,
                                    struct instance_shared *shared,
                                    enum ed_method method, const char *path,
                                    const struct ed_kv *q, size_t nq,
                                    json_t *body, const char *request_id)
{
    struct hub_subcall *sc = ed_calloc(1, sizeof(*sc));
    struct ed_request *req = &sc->req;
    struct hub_op *op = ed_calloc(1, sizeof(*op));
    req->app = app;
    req->arena = ed_arena_new();
    if (request_id)
        snprintf(req->request_id, sizeof(req->request_id), "%s", request_id);
    else
        crypto_request_id(req->request_id);
    req->method = method;
    req->method_name = method_name(method);
    req->client_ip = "";
    req->subpath = ed_arena_strdup(req->arena, path);
    req->path = ed_arena_printf(req->arena, "%s%s", API_BASE, path);
    req->route = "internal";
    req->rest = hub_rest(req->subpath);
    req->query = ed_arena_alloc(req->arena, sizeof(struct ed_kv) * (nq + 1));
    for (size_t i = 0; i < nq; i++) {
        req->query[i].name = ed_arena_strdup(req->arena, q[i].name);
        req->query[i].value = q[i].value
                                  ? ed_arena_strdup(req->arena, q[i].value)
                                  : NULL;
    }
    req->nquery = nq;
    req->body = body;
    req->body_raw = "";
    if (body) {
        char *txt = json_dumps(body, JSON_COMPACT);
        if (txt) {
            req->body_len = strlen(txt);
            req->body_raw = ed_arena_strndup(req->arena, txt, req->body_len);
            free(txt);
        }
    }
    req->auth.authenticated = true;
    req->auth.org_id = in->row.org_id;
    req->auth.user_id = in->row.user_id;
    req->auth.element_token = ed_arena_strdup(req->arena, in->token);
    sc->res.status = 500;
    op->req = req;
    op->res = &sc->res;
    if (shared) {
        op->in = *in; /* a shallow view: the shared handle owns it */
        op->shared = instance_shared_retain(shared);
    } else {
        instance_copy(in, &op->in);
    }
    sc->unstarted = op;
    return sc;
}

int hub_subcall_start(struct hub_subcall *sc, bool native)
{
    struct hub_op *op = sc->unstarted;
    sc->unstarted = NULL;
    op->native = native;
    int st = hub_dispatch(op, sc->req.rest);
    /* ED_ASYNC: op belongs to the call chain now */
    if (st != ED_ASYNC) {
        hub_op_free(op);
        sc->res.status = st;
    }
    return st;
}

int hub_subcall_resume(struct hub_subcall *sc)
{
    int (*fn)(struct ed_request *, struct ed_response *,
              void *) = sc->req.continue_fn;
    if (!fn) /* req_async_complete: the response is final */
        return sc->res.status;
    sc->req.continue_fn = NULL;
    int st = fn(&sc->req, &sc->res, sc->req.continue_ud);
    if (st != ED_ASYNC)
        sc->res.status = st;
    return st;
}

void hub_subcall_abandon(struct hub_subcall *sc)
{
    sc->req.abandoned = true;
    if (sc->req.abandon_fn) {
        void (*fn)(struct ed_request *, void *) = sc->req.abandon_fn;
        sc->req.abandon_fn = NULL;
        fn(&sc->req, sc->req.abandon_ud);
    }
}

void hub_subcall_free(struct hub_subcall *sc)
{
    if (!sc)
        return;
    if (sc->unstarted)
        hub_op_free(sc->unstarted);
    json_decref(sc->req.body);
    json_decref(sc->res.body);
    free(sc->res.raw_heap);
    ed_arena_free(sc->req.arena);
    free(sc);
}

json_t *hub_subcall_body(struct hub_subcall *sc)
{
    if (sc->res.body)
        return json_incref(sc->res.body);
    if (sc->res.raw_heap && sc->res.raw_len) {
        json_error_t je;
        return json_loadb(sc->res.raw_heap, sc->res.raw_len, 0, &je);
    }
    return NULL;
}

const char *hub_subcall_header(const struct hub_subcall *sc, const char *name)
{
    for (size_t i = 0; i < sc->res.nheaders; i++)
        if (ed_strcaseeq(sc->res.headers[i].name, name))
            return sc->res.headers[i].value;
    return NULL;
}
