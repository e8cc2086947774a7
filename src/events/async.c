/* SPDX-License-Identifier: MIT
 * Asynchronous hub requests (see async.h). The request is copied into an
 * internal hub call (method, path, query, JSON body, the Elements-* request
 * headers but the async ones, the caller's request id) on the server
 * thread, and the call started on the events loop, where its completions
 * come back exactly as hubcall.c's do. Nothing ties it to the client's
 * connection: a client that leaves after "dispatched" cancels nothing.
 *
 * The callback body: {"eventId", "instanceId", "notificationId", "status",
 * "response"[, "headers"]}: eventId is the one answered at once,
 * notificationId the delivery's own id (its Elements-Webhook-Id), status
 * the HTTP status the call would have answered, response its body (an
 * error's envelope {"requestId","message"[,"providerMessage"]} when status
 * is 400 or more), headers the Elements-* headers it would have carried
 * (paging: Elements-Next-Page-Token, Elements-Returned-Count, ...). */
#include "events/async.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "crypto/crypto.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "events/config.h"
#include "events/events.h"
#include "events/loop.h"
#include "hub/subcall.h"

#define ASYNC_MAX_HEADERS 16

struct async_call {
    struct ed_app *app;
    struct instance in; /* copy: the callback's signing key and URL */
    struct hub_subcall *sc;
    char *url;
    char event_id[25];
};

bool events_async_wanted(const struct ed_request *req)
{
    const char *v = req_header(req, "Elements-Async-Request");
    return v && ed_strcaseeq(v, "true");
}

static void async_free(struct async_call *ac)
{
    hub_subcall_free(ac->sc);
    instance_cleanup(&ac->in);
    free(ac->url);
    free(ac);
}

static bool elements_header(const char *name)
{
    return strncasecmp(name, "Elements-", 9) == 0 &&
           strncasecmp(name, "Elements-Async-", 15) != 0;
}

/* The callback body of the finished call. */
static json_t *completion(struct async_call *ac, int status)
{
    struct ed_response *res = &ac->sc->res;
    json_t *response, *headers = json_object();
    if (res->error != ED_E_NONE) {
        status = res->status;
        response = json_pack("{s:s, s:s}", "requestId", ac->sc->req.request_id,
                             "message",
                             res->message ? res->message
                                          : ed_api_error_message(res->error));
        if (res->provider_message)
            json_object_set_new(response, "providerMessage",
                                json_string(res->provider_message));
    } else {
        response = hub_subcall_body(ac->sc);
        if (!response && (res->body || res->raw_len)) {
            status = 502;
            response = json_pack("{s:s, s:s}", "requestId",
                                 ac->sc->req.request_id, "message",
                                 "the hub answered with invalid JSON");
        }
        if (!response)
            response = json_object();
    }
    for (size_t i = 0; i < res->nheaders; i++)
        if (elements_header(res->headers[i].name))
            json_object_set_new(headers, res->headers[i].name,
                                json_string(res->headers[i].value));
    json_t *o = json_pack("{s:s, s:I, s:s, s:i, s:o}", "eventId", ac->event_id,
                          "instanceId", (json_int_t)ac->in.row.id,
                          "notificationId", "", "status", status, "response",
                          response);
    if (json_object_size(headers))
        json_object_set_new(o, "headers", headers);
    else
        json_decref(headers);
    return o;
}

static void finish(struct async_call *ac, int status)
{
    char nid[25] = "";
    crypto_request_id(nid);
    json_t *body = completion(ac, status);
    json_object_set_new(body, "notificationId", json_string(nid));
    enum ed_err err = events_callback_enqueue(ac->app, &ac->in, "async",
                                              ac->url, body, nid);
    if (err != ED_OK)
        ed_warn(NULL,
                "msg=\"async request: completion not queued\" event_id=%s "
                "instance_id=%lld",
                ac->event_id, (long long)ac->in.row.id);
    else
        ed_info(NULL,
                "msg=\"async request done\" event_id=%s notification_id=%s "
                "instance_id=%lld status=%d",
                ac->event_id, nid, (long long)ac->in.row.id,
                (int)json_integer_value(json_object_get(body, "status")));
    json_decref(body);
    async_free(ac);
}

/* On the loop: what the call's completion asked for. */
static void resume(void *ud)
{
    struct async_call *ac = ud;
    int st = hub_subcall_resume(ac->sc);
    if (st != ED_ASYNC)
        finish(ac, st);
}

static void complete(void *ctx)
{
    if (!events_loop_post(resume, ctx))
        ed_warn(NULL, "msg=\"events loop stopped: async request dropped\"");
}

static void start(void *ud)
{
    struct async_call *ac = ud;
    int st = hub_subcall_start(ac->sc, false);
    if (st != ED_ASYNC)
        finish(ac, st);
}

int events_async_dispatch(struct ed_request *req, struct ed_response *res,
                          const struct instance *in)
{
    const char *url = req_header(req, "Elements-Async-Callback-Url");
    if (url && *url) {
        if (!events_callback_url_ok(url))
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "Elements-Async-Callback-Url must be an http or "
                             "https URL");
    } else {
        url = instance_cfg(in, "event.notification.callback.url");
        if (!url || !*url)
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "Elements-Async-Request needs a callback: send "
                             "Elements-Async-Callback-Url, or set "
                             "event.notification.callback.url on the instance");
    }
    if (req->body_len > 0 && !req->body)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Elements-Async-Request takes JSON bodies only");
    struct async_call *ac = ed_calloc(1, sizeof(*ac));
    ac->app = req->app;
    instance_copy(in, &ac->in);
    ac->url = ed_strdup(url);
    crypto_request_id(ac->event_id);
    ac->sc = hub_subcall_new(req->app, in, NULL, req->method, req->subpath,
                             req->query, req->nquery,
                             req->body ? json_deep_copy(req->body) : NULL,
                             req->request_id);
    struct ed_request *sr = &ac->sc->req;
    sr->headers = ed_arena_alloc(sr->arena,
                                 sizeof(struct ed_kv) * ASYNC_MAX_HEADERS);
    for (size_t i = 0; i < req->nheaders && sr->nheaders < ASYNC_MAX_HEADERS;
         i++) {
        if (!elements_header(req->headers[i].name))
            continue;
        sr->headers[sr->nheaders].name = ed_arena_strdup(sr->arena,
                                                         req->headers[i].name);
        sr->headers[sr->nheaders].value = ed_arena_strdup(
            sr->arena, req->headers[i].value ? req->headers[i].value : "");
        sr->nheaders++;
    }
    sr->complete_fn = complete;
    sr->complete_ctx = ac;
    char *eid = ed_arena_strdup(req->arena, ac->event_id);
    if (!events_loop_post(start, ac)) {
        async_free(ac);
        return res_error(req, res, ED_E_UNAVAILABLE,
                         "Asynchronous requests are not available: the "
                         "events loop is not running");
    }
    /* ac belongs to the loop now */
    return res_json(res, 200,
                    json_pack("{s:s, s:s}", "eventId", eid, "eventStatus",
                              "dispatched"));
}
