/* SPDX-License-Identifier: MIT
 * The hub call path (see hub.h). A call's life: hub_send takes credentials
 * and a throttle slot and submits the request to the async engine; on_done
 * runs on the engine thread when HubSpot answers and decides: refresh and
 * resend on 401, wait and resend on 429 (within the budget), resend an
 * idempotent call once on a transient failure, map an error, or hand the
 * body to the resource's continuation. When the chain ends, the op is freed
 * and the suspended server connection resumed. */
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
#include "provider/async.h"

#define MAX_429_RETRIES 3
#define TRANSIENT_RETRIES 1

void hub_op_free(struct hub_op *op)
{
    if (op->state_cleanup)
        op->state_cleanup(op->state);
    free(op->rs.body);
    free(op->method);
    free(op->path);
    free(op->body);
    if (op->shared)
        instance_shared_release(op->shared);
    else
        instance_cleanup(&op->in);
    free(op);
}

/* End of the chain (on a server thread): the response is final. */
static void op_finish(struct hub_op *op, int status)
{
    if (op->res->error == ED_E_NONE && status > 0)
        op->res->status = status;
    hub_op_free(op);
}

static int creds_failed(struct hub_op *op, enum creds_status st, const char *why)
{
    switch (st) {
    case CREDS_GONE:
        return api_error(op->req, op->res, ED_E_UNAUTHORIZED,
                         "The element instance no longer exists");
    case CREDS_INVALID:
        return api_error(op->req, op->res, ED_E_UNAUTHORIZED,
                         "The element instance must be re-authenticated: %s",
                         why ? why : "its credentials are no longer valid");
    default:
        return api_error(op->req, op->res, ED_E_BAD_GATEWAY, "%s",
                         why ? why : "HubSpot is unavailable");
    }
}

static void on_done(void *ud, enum ed_err err, struct provider_response *rs);
static int hub_resume(struct ed_request *req, struct ed_response *res, void *ud);

static int portal_of(const struct hub_op *op)
{
    json_t *h = json_object_get(op->in.meta, "hub_id");
    return json_is_integer(h) ? (int)json_integer_value(h) : 0;
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

/* (Re)submit the current call after delay_ms. */
static int submit(struct hub_op *op, long delay_ms, int64_t stale)
{
    struct ed_app *app = op->req->app;
    struct creds c = {0};
    const char *why = NULL;
    if (stale >= 0 || !creds_from_instance(op, &c)) {
        /* from now on this op follows the store (a refresh happened or is
         * due), never the possibly older copy it started with */
        op->used_store = true;
        enum creds_status cs = creds_acquire(app, op->in.row.id, stale, &c, &why);
        if (cs != CREDS_OK)
            return creds_failed(op, cs, why);
    }
    op->version = c.cred_version;
    long wait = hub_throttle_reserve(portal_of(op), op->search, (long)app->cfg->throttle,
                                     (long)app->cfg->search_throttle, delay_ms);
    char *url = ed_asprintf("%s%s", app->cfg->hubspot_api_url, op->path);
    struct provider_request rq = {
        .method = op->method, .url = url,
        .content_type = op->body ? "application/json" : NULL,
        .body = op->body, .body_len = op->body ? strlen(op->body) : 0,
        .bearer = c.bearer, .timeout_ms = app->cfg->provider_timeout_ms};
    provider_async_submit(&rq, delay_ms + wait, on_done, op);
    free(url);
    creds_cleanup(&c);
    return ED_ASYNC;
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
    op->search = search;
    op->next = next;
    op->next_raw = NULL;
    op->tries = op->tries429 = op->refreshed = 0;
    op->waited_ms = 0;
    return submit(op, 0, -1);
}

int hub_send_raw(struct hub_op *op, const char *method, const char *path,
                 json_t *body, bool search, hub_raw_fn next)
{
    int st = hub_send(op, method, path, body, search, NULL);
    /* safe after submit: the answer is handled on a server thread only
     * after this handler (or continuation) has returned */
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
        api_error(req, res, ED_E_GATEWAY_TIMEOUT, NULL);
        return;
    }
    if (err != ED_OK) {
        api_error(req, res, ED_E_BAD_GATEWAY, "HubSpot could not be reached");
        return;
    }
    if (rs->status >= 500) {
        api_error(req, res, ED_E_BAD_GATEWAY, "HubSpot failed (HTTP %ld)",
                  rs->status);
    } else if (rs->status == 429) {
        api_error(req, res, ED_E_TOO_MANY,
                  "HubSpot's rate limit was reached; retry later");
        api_header(res, "Retry-After",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)(rs->retry_after_s > 0
                                                   ? rs->retry_after_s
                                                   : 1)));
    } else if (rs->status == 401) {
        api_error(req, res, ED_E_UNAUTHORIZED,
                  "HubSpot refused the instance's credentials; the instance "
                  "may need to be re-authenticated");
    } else {
        const char *msg = rs->status == 404   ? "Not found at HubSpot"
                          : rs->status == 403 ? "HubSpot refused access (a missing "
                                                "scope?)"
                          : rs->status == 409 ? "HubSpot reports a conflict"
                          : rs->status == 400 ? "HubSpot rejected the request as "
                                                "invalid"
                                              : "HubSpot rejected the request";
        api_error(req, res, ED_E_BAD_REQUEST, "%s", msg);
        res->status = (int)rs->status;
    }
    if (rs->body_len)
        res->provider_message = ed_arena_strndup(req->arena, rs->body, rs->body_len);
}

/* Engine thread: HubSpot answered. Keep the answer and hand the op back to
 * a server thread (hub_resume), so the reshaping work is spread over the
 * server's workers instead of queueing on the single engine thread. */
static void on_done(void *ud, enum ed_err err, struct provider_response *rs)
{
    struct hub_op *op = ud;
    op->err = err;
    op->rs = *rs;
    rs->body = NULL; /* now owned by op */
    rs->body_len = 0;
    api_async_continue(op->req, hub_resume, op);
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
    if (err == ED_OK && rs->status == 401 && !op->refreshed &&
        strcmp(op->in.row.auth_type, "apiKey") != 0) {
        op->refreshed = 1; /* one refresh, then the 401 stands */
        st = resubmit(op, 0, op->version);
        goto out;
    }
    if (err == ED_OK && rs->status == 429 && op->tries429 < MAX_429_RETRIES) {
        /* HubSpot documents no Retry-After on 429; its SDK waits 10 s for
         * the ten-secondly limit and 1 s for search */
        long delay = rs->retry_after_s > 0 ? (long)rs->retry_after_s * 1000
                     : op->search             ? 1000
                                              : 2000;
        if (op->waited_ms + delay <= app->cfg->retry_budget_ms) {
            op->tries429++;
            op->waited_ms += delay;
            st = resubmit(op, delay, -1);
            goto out;
        }
    }
    if ((err == ED_ERR_TIMEOUT || err == ED_ERR_PROVIDER ||
         (err == ED_OK && rs->status >= 500)) &&
        idempotent(op) && op->tries < TRANSIENT_RETRIES) {
        op->tries++;
        st = resubmit(op, 250, -1);
        goto out;
    }
    if (err != ED_OK || rs->status < 200 || rs->status >= 300) {
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
            st = api_error(op->req, op->res, ED_E_BAD_GATEWAY,
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
