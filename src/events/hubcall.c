/* SPDX-License-Identifier: MIT
 * Internal hub calls on the events loop (see hubcall.h), built by
 * hub/subcall.c with a copy of the caller's instance (the poller has just
 * loaded it from the store). The completion hook posts the continuation
 * back onto the events loop (it may be called from another thread when a
 * token refresh flight ends), where it runs exactly as a server thread
 * would run it. */
#include "events/hubcall.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "domain/instances.h"
#include "events/loop.h"
#include "hub/hub.h"
#include "hub/subcall.h"

#define HUBCALL_MAX_QUERY 32

struct hubcall {
    struct hub_subcall *sc;
    hubcall_done_fn done;
    void *ud;
};

static void hubcall_free(struct hubcall *hc)
{
    hub_subcall_free(hc->sc);
    free(hc);
}

/* The chain ended with `status`: hand the answer over and free the call. */
static void finish(struct hubcall *hc, int status)
{
    struct ed_response *res = &hc->sc->res;
    struct hubcall_result r = {.status = status};
    json_t *body = NULL;
    if (res->error != ED_E_NONE) {
        r.status = res->status;
        r.message = res->message ? res->message
                                 : ed_api_error_message(res->error);
        r.provider_message = res->provider_message;
    } else if (res->body || (res->raw_heap && res->raw_len)) {
        body = hub_subcall_body(hc->sc);
        r.body = body;
        if (!body) {
            r.status = 502;
            r.message = "the hub answered with invalid JSON";
        }
    }
    const char *next = hub_subcall_header(hc->sc, "Elements-Next-Page-Token");
    if (next && *next)
        r.next_page = next;
    hc->done(hc->ud, &r);
    json_decref(body);
    hubcall_free(hc);
}

/* On the loop: what the request's completion asked for. */
static void resume(void *ud)
{
    struct hubcall *hc = ud;
    int st = hub_subcall_resume(hc->sc);
    if (st != ED_ASYNC)
        finish(hc, st);
}

/* req_async_complete / req_async_continue (any thread). */
static void complete(void *ctx)
{
    if (!events_loop_post(resume, ctx))
        ed_warn(NULL, "msg=\"events loop stopped: internal hub call dropped\"");
}

enum ed_err hubcall_get(struct ed_app *app, const struct instance *in,
                        const char *url, hubcall_done_fn done, void *ud)
{
    return hubcall_send(app, in, ED_GET, url, NULL, false, done, ud);
}

enum ed_err hubcall_send(struct ed_app *app, const struct instance *in,
                         enum ed_method method, const char *url, json_t *body,
                         bool background, hubcall_done_fn done, void *ud)
{
    struct ed_arena *arena;
    struct ed_kv *q;
    size_t nq;
    bool overflow;
    if (!in->token || !events_loop_here()) {
        json_decref(body);
        return ED_ERR_INVALID;
    }
    arena = ed_arena_new();
    size_t plen = strcspn(url, "?#");
    const char *path = ed_arena_strndup(arena, url, plen);
    q = ed_arena_alloc(arena, sizeof(struct ed_kv) * HUBCALL_MAX_QUERY);
    nq = ed_query_parse(arena, url[plen] == '?' ? url + plen + 1 : NULL, q,
                        HUBCALL_MAX_QUERY, &overflow);
    struct hubcall *hc = ed_calloc(1, sizeof(*hc));
    hc->done = done;
    hc->ud = ud;
    /* the caller's instance, just loaded: a copy owned by the call (no
     * second lookup by token; the hub only reads it) */
    hc->sc = hub_subcall_new(app, in, NULL, method, path, q, nq, body, NULL);
    hc->sc->unstarted->background = background;
    ed_arena_free(arena);
    hc->sc->req.complete_fn = complete;
    hc->sc->req.complete_ctx = hc;
    int st = hub_subcall_start(hc->sc, false);
    if (st != ED_ASYNC) {
        /* answered at once (a refusal): still report through done, later */
        if (!events_loop_post(resume, hc)) {
            hubcall_free(hc);
            return ED_ERR_IO;
        }
    }
    return ED_OK;
}
