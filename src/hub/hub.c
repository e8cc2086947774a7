/* SPDX-License-Identifier: MIT
 * The hub call path (see hub.h), all on the request's own event loop. A
 * call's life: hub_send takes credentials (the instance's, or from its
 * token refresh flight, which the op joins and waits on without holding
 * its thread) and a throttle slot, and submits the request to the loop's
 * async engine; on_done runs when HubSpot answers and hands the op back
 * through the request's continuation (hub_resume), which decides: refresh
 * and resend on 401, wait and resend on 429 (within the budget), resend an
 * idempotent call once on a transient failure, map an error, or hand the
 * body to the resource's continuation. When the chain ends, the op is
 * freed and the suspended server connection resumed. A client that closes
 * its connection meanwhile ends the chain early (hub_abandon): the call is
 * cancelled, its throttle slot given back if it never went out, and the op
 * leaves its refresh flight. */
#include "hub/hub.h"

#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "domain/credentials.h"
#include "domain/instance_cache.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "elements/elements.h"
#include "metrics/metrics.h"
#include "provider/async.h"
#include "provider/hubspot.h"
#include "traces/traces.h"

#define MAX_429_RETRIES 3
#define TRANSIENT_RETRIES 1
/* access-log status of a call whose client went away (nginx's) */
#define CLIENT_GONE 499

void hub_op_free(struct hub_op *op)
{
    if (op->req->abandon_fn)
        op->req->abandon_fn = NULL;
    if (op->state_cleanup)
        op->state_cleanup(op->state);
    traces_hub_end(op->trace, op->req, op->res, &op->in);
    free(op->rs.body);
    free(op->method);
    free(op->path);
    free(op->body);
    creds_cleanup(&op->cred);
    if (op->shared)
        instance_shared_release(op->shared);
    else
        instance_cleanup(&op->in);
    free(op);
}

/* End of the chain (on the request's thread): the response is final. */
static void op_finish(struct hub_op *op, int status)
{
    if (op->res->error == ED_E_NONE && status > 0)
        op->res->status = status;
    hub_op_free(op);
}

static int creds_failed(struct hub_op *op, enum creds_status st,
                        const char *why)
{
    switch (st) {
    case CREDS_GONE:
        return res_error(op->req, op->res, ED_E_UNAUTHORIZED,
                         "The element instance no longer exists");
    case CREDS_INVALID:
        return res_error(op->req, op->res, ED_E_UNAUTHORIZED,
                         "The element instance must be re-authenticated: %s",
                         why ? why : "its credentials are no longer valid");
    default:
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY, "%s",
                         why ? why : "HubSpot is unavailable");
    }
}

static void on_done(void *ud, enum ed_err err, struct provider_response *rs);
static int hub_resume(struct ed_request *req, struct ed_response *res,
                      void *ud);

int64_t hub_portal(const struct hub_op *op)
{
    json_t *h = json_object_get(op->in.meta, "hub_id");
    return json_is_integer(h) ? (int64_t)json_integer_value(h) : 0;
}

/* The client closed its connection while the call was pending (request's
 * thread; see api.h): drop the call, give back its throttle slot if it
 * never went out, leave the refresh flight, free the op. An op its flight
 * has already served is left to the continuation, which is on its way and
 * ends the chain (req->abandoned). */
static void hub_abandon(struct ed_request *req, void *ud)
{
    struct hub_op *op = ud;
    (void)req;
    if (op->in_flight && !creds_wait_cancel(&op->wait))
        return;
    if (op->job) {
        if (!provider_async_sent(op->job))
            hub_throttle_release(hub_portal(op), op->search, op->slot);
        provider_async_cancel(op->job);
        op->job = NULL;
    }
    op->res->status = CLIENT_GONE;
    hub_op_free(op);
}

static void watch_client(struct hub_op *op)
{
    op->req->abandon_fn = hub_abandon;
    op->req->abandon_ud = op;
}

/* The credential already in the looked-up instance, when it is good for
 * this call (an API key, or an access token not close to expiry): the
 * common case needs no store access. */
static bool creds_from_instance(struct hub_op *op, struct creds *c)
{
    const struct instance *in = &op->in;
    const char *b;
    if (op->used_store || !in->row.valid)
        return false;
    if (strcmp(in->row.auth_type, "apiKey") == 0) {
        b = instance_cfg(in, "hubspot.authorization.apikey");
    } else {
        if (!creds_fresh(op->req->app, in))
            return false;
        b = instance_cfg(in, "oauth.user.token");
    }
    if (!b)
        return false;
    c->bearer = ed_strdup(b);
    c->cred_version = in->row.cred_version;
    return true;
}

static int submit(struct hub_op *op, long delay_ms, int64_t stale);

/* A background call's turn came round: ask the throttle again. */
static int bg_resume(struct ed_request *req, struct ed_response *res, void *ud)
{
    struct hub_op *op = ud;
    (void)res;
    int st = req->abandoned ? CLIENT_GONE : submit(op, 0, -1);
    if (st != ED_ASYNC)
        op_finish(op, st);
    return st;
}

static void bg_timer(void *ud)
{
    struct hub_op *op = ud;
    op->job = NULL;
    req_async_continue(op->req, bg_resume, op);
}

/* Submit the current call with credentials c (cleaned up here) after
 * delay_ms, plus what the throttle adds. */
static int send_now(struct hub_op *op, long delay_ms, struct creds *c)
{
    struct ed_app *app = op->req->app;
    op->version = c->cred_version;
    long wait;
    if (op->background && delay_ms == 0) {
        /* bulk work: a slot now or later, never ahead of the app's */
        long retry = hub_throttle_try(hub_portal(op), op->search,
                                      (long)app->cfg->throttle,
                                      (long)app->cfg->search_throttle,
                                      &op->slot);
        if (retry > 0) {
            creds_cleanup(c);
            op->job = provider_async_timer(retry, bg_timer, op);
            if (!op->job)
                return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                                 "HubSpot could not be reached");
            watch_client(op);
            return ED_ASYNC;
        }
        wait = 0;
    } else {
        wait = hub_throttle_reserve(hub_portal(op), op->search,
                                    (long)app->cfg->throttle,
                                    (long)app->cfg->search_throttle, delay_ms,
                                    &op->slot);
    }
    char *url = ed_asprintf("%s%s", app->cfg->hubspot_api_url, op->path);
    struct provider_request rq = {.method = op->method,
                                  .url = url,
                                  .content_type = !op->body ? NULL
                                                  : op->content_type
                                                      ? op->content_type
                                                      : "application/json",
                                  .body = op->body,
                                  .body_len = op->body ? op->body_len : 0,
                                  .bearer = c->bearer,
                                  .timeout_ms = app->cfg->provider_timeout_ms};
    op->job = provider_async_submit(&rq, delay_ms + wait, on_done, op);
    free(url);
    creds_cleanup(c);
    if (!op->job) {
        hub_throttle_release(hub_portal(op), op->search, op->slot);
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot could not be reached");
    }
    watch_client(op);
    return ED_ASYNC;
}

/* A refresh flight ended (any thread, under the flights' lock): record
 * its outcome and continue on the request's own thread. */
static int creds_resume(struct ed_request *req, struct ed_response *res,
                        void *ud);

static void creds_ready(void *ud, enum creds_status st, const struct creds *c,
                        const char *why)
{
    struct hub_op *op = ud;
    op->cst = st;
    op->cwhy = why;
    if (st == CREDS_OK) {
        op->cred.bearer = ed_strdup(c->bearer);
        op->cred.cred_version = c->cred_version;
    }
    req_async_continue(op->req, creds_resume, op);
}

/* (Re)submit the current call after delay_ms; stale >= 0: HubSpot refused
 * that credential version. */
static int submit(struct hub_op *op, long delay_ms, int64_t stale)
{
    struct creds c = {0};
    const char *why = NULL;
    if (stale >= 0 || !creds_from_instance(op, &c)) {
        /* from now on this op follows the store (a refresh happened or is
         * due), never the possibly older copy it started with */
        op->used_store = true;
        op->delay_ms = delay_ms;
        op->stale = stale;
        op->in_flight = true;
        enum creds_status cs = creds_request(op->req->app, op->in.row.id, stale,
                                             &c, &why, creds_ready, op,
                                             &op->wait);
        if (cs == CREDS_PENDING) {
            /* creds_ready may already have run: touch nothing it sets */
            watch_client(op);
            return ED_ASYNC;
        }
        op->in_flight = false;
        if (cs != CREDS_OK)
            return creds_failed(op, cs, why);
    }
    return send_now(op, delay_ms, &c);
}

static int creds_resume(struct ed_request *req, struct ed_response *res,
                        void *ud)
{
    struct hub_op *op = ud;
    int st;
    (void)res;
    op->in_flight = false;
    if (req->abandoned) {
        st = CLIENT_GONE;
    } else if (op->cst == CREDS_RETRY) {
        st = submit(op, op->delay_ms, op->stale);
    } else if (op->cst != CREDS_OK) {
        st = creds_failed(op, op->cst, op->cwhy);
    } else {
        struct creds c = op->cred;
        memset(&op->cred, 0, sizeof(op->cred));
        st = send_now(op, op->delay_ms, &c);
    }
    if (st != ED_ASYNC)
        op_finish(op, st);
    return st;
}

static int resubmit(struct hub_op *op, long delay_ms, int64_t stale)
{
    free(op->rs.body);
    memset(&op->rs, 0, sizeof(op->rs));
    return submit(op, delay_ms, stale);
}

int hub_send(struct hub_op *op, const char *method, const char *path,
             json_t *body, bool search, hub_next_fn next)
{
    free(op->method);
    free(op->path);
    free(op->body);
    op->method = ed_strdup(method);
    op->path = ed_strdup(path);
    op->body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    op->body_len = op->body ? strlen(op->body) : 0;
    op->content_type = NULL;
    op->search = search;
    op->next = next;
    op->next_raw = NULL;
    op->pass_status = 0;
    op->tries = op->tries429 = op->refreshed = 0;
    op->waited_ms = 0;
    return submit(op, 0, -1);
}

int hub_send_body(struct hub_op *op, const char *method, const char *path,
                  const char *content_type, const char *body, size_t len,
                  hub_next_fn next)
{
    free(op->method);
    free(op->path);
    free(op->body);
    op->method = ed_strdup(method);
    op->path = ed_strdup(path);
    op->body = ed_malloc(len + 1);
    memcpy(op->body, body, len);
    op->body[len] = '\0';
    op->body_len = len;
    op->content_type = content_type;
    op->search = false;
    op->next = next;
    op->next_raw = NULL;
    op->pass_status = 0;
    op->tries = op->tries429 = op->refreshed = 0;
    op->waited_ms = 0;
    return submit(op, 0, -1);
}

int hub_send_raw(struct hub_op *op, const char *method, const char *path,
                 json_t *body, bool search, hub_raw_fn next)
{
    int st = hub_send(op, method, path, body, search, NULL);
    /* safe after submit: the answer is handled on this request's thread
     * only after this handler (or continuation) has returned */
    op->next_raw = next;
    return st;
}

int hub_respond_raw(struct hub_op *op, int status, char *body_take, size_t len)
{
    struct ed_response *res = op->res;
    free(res->raw_heap);
    res->raw_heap = body_take;
    res->raw_len = len;
    res->content_type = "application/json; charset=utf-8";
    res->status = status;
    res->error = ED_E_NONE;
    return status;
}

static bool idempotent(const struct hub_op *op)
{
    return strcmp(op->method, "POST") != 0 || op->search;
}

static void map_error(struct hub_op *op, enum ed_err err,
                      struct provider_response *rs)
{
    struct ed_request *req = op->req;
    struct ed_response *res = op->res;
    if (err == ED_ERR_TIMEOUT) {
        res_error(req, res, ED_E_GATEWAY_TIMEOUT, NULL);
        return;
    }
    if (err != ED_OK) {
        res_error(req, res, ED_E_BAD_GATEWAY, "HubSpot could not be reached");
        return;
    }
    if (rs->status >= 500) {
        res_error(req, res, ED_E_BAD_GATEWAY, "HubSpot failed (HTTP %ld)",
                  rs->status);
    } else if (rs->status == 429) {
        res_error(req, res, ED_E_TOO_MANY,
                  "HubSpot's rate limit was reached; retry later");
        res_header(res, "Retry-After",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)(rs->retry_after_s > 0
                                                   ? rs->retry_after_s
                                                   : 1)));
    } else if (rs->status == 401) {
        res_error(req, res, ED_E_UNAUTHORIZED,
                  "HubSpot refused the instance's credentials; the instance "
                  "may need to be re-authenticated");
    } else {
        const char *msg = rs->status == 404 ? "Not found at HubSpot"
                          : rs->status == 403
                              ? "HubSpot refused access (a missing "
                                "scope?)"
                          : rs->status == 409 ? "HubSpot reports a conflict"
                          : rs->status == 400
                              ? "HubSpot rejected the request as "
                                "invalid"
                              : "HubSpot rejected the request";
        res_error(req, res, ED_E_BAD_REQUEST, "%s", msg);
        res->status = (int)rs->status;
    }
    if (rs->body_len)
        res->provider_message = ed_arena_strndup(req->arena, rs->body,
                                                 rs->body_len);
}

/* HubSpot answered (the request's loop, from its engine): keep the answer
 * and continue the request (hub_resume) once the engine is done with its
 * sockets. */
static void on_done(void *ud, enum ed_err err, struct provider_response *rs)
{
    struct hub_op *op = ud;
    hs_metrics_call(op->path, op->search, err, rs);
    op->trace = traces_hubspot(op->trace, op->req, &op->in, op->method,
                               op->path, op->body, op->body_len, err, rs);
    op->job = NULL;
    op->slot = 0;
    op->err = err;
    op->rs = *rs;
    rs->body = NULL; /* now owned by op */
    rs->body_len = 0;
    req_async_continue(op->req, hub_resume, op);
}

static int hub_resume(struct ed_request *req, struct ed_response *res, void *ud)
{
    struct hub_op *op = ud;
    struct ed_app *app = req->app;
    struct provider_response *rs = &op->rs;
    enum ed_err err = op->err;
    int st;
    (void)res;
    req->upstream_ms += rs->ms;
    if (req->abandoned) {
        st = CLIENT_GONE;
        goto out;
    }
    if (err == ED_OK && rs->status == 401 && !op->refreshed &&
        strcmp(op->in.row.auth_type, "apiKey") != 0) {
        op->refreshed = 1; /* one refresh, then the 401 stands */
        mx_inc(MX_HS_RETRIES, MXR_UNAUTHORIZED, 0, 0);
        st = resubmit(op, 0, op->version);
        goto out;
    }
    if (err == ED_OK && rs->status == 429 && op->tries429 < MAX_429_RETRIES) {
        /* HubSpot documents no Retry-After on 429; its SDK waits 10 s for
         * the ten-secondly limit and 1 s for search */
        long delay = rs->retry_after_s > 0 ? (long)rs->retry_after_s * 1000
                     : op->search          ? 1000
                                           : 2000;
        if (op->waited_ms + delay <= app->cfg->retry_budget_ms) {
            op->tries429++;
            mx_inc(MX_HS_RETRIES, MXR_RATE_LIMIT, 0, 0);
            op->waited_ms += delay;
            st = resubmit(op, delay, -1);
            goto out;
        }
    }
    if ((err == ED_ERR_TIMEOUT || err == ED_ERR_PROVIDER ||
         (err == ED_OK && rs->status >= 500)) &&
        idempotent(op) && op->tries < TRANSIENT_RETRIES) {
        op->tries++;
        mx_inc(MX_HS_RETRIES, MXR_TRANSIENT, 0, 0);
        st = resubmit(op, 250, -1);
        goto out;
    }
    if (err != ED_OK || rs->status < 200 ||
        (rs->status >= 300 && rs->status != op->pass_status)) {
        map_error(op, err, rs);
        st = op->res->status;
        goto out;
    }
    if (op->next_raw) {
        int status = (int)rs->status;
        st = op->next_raw(op, status, rs->body ? rs->body : "", rs->body_len);
        goto out;
    }
    json_t *body = NULL;
    if (rs->body_len) {
        json_error_t je;
        body = json_loadb(rs->body, rs->body_len, 0, &je);
        if (!body) {
            st = res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                           "HubSpot answered with invalid JSON");
            goto out;
        }
    }
    /* the continuation may send another call: release this answer first */
    int status = (int)rs->status;
    free(rs->body);
    memset(rs, 0, sizeof(*rs));
    st = op->next(op, status, body);
    json_decref(body);
out:
    if (st != ED_ASYNC)
        op_finish(op, st);
    return st;
}
