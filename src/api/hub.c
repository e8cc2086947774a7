/* SPDX-License-Identifier: MIT
 * Hub calls: the call path to HubSpot shared by every resource (credentials,
 * one forced refresh on 401, error mapping) and the resource dispatcher. */
#include "api/hub.h"

#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/credentials.h"
#include "api/instances.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "elements/elements.h"
#include "provider/provider.h"

static int creds_failed(struct ed_request *req, struct ed_response *res,
                        enum creds_status st, const char *why)
{
    switch (st) {
    case CREDS_GONE:
        return api_error(req, res, ED_E_UNAUTHORIZED,
                         "The element instance no longer exists");
    case CREDS_INVALID:
        return api_error(req, res, ED_E_UNAUTHORIZED,
                         "The element instance must be re-authenticated: %s",
                         why ? why : "its credentials are no longer valid");
    default:
        return api_error(req, res, ED_E_BAD_GATEWAY, "%s",
                         why ? why : "HubSpot is unavailable");
    }
}

int hub_call(struct ed_request *req, struct ed_response *res,
             struct instance *in, const char *method, const char *path,
             json_t *body, json_t **out)
{
    struct ed_app *app = req->app;
    int64_t stale = -1;
    char *txt = body ? json_dumps(body, JSON_COMPACT) : NULL;
    char *url = ed_asprintf("%s%s", app->cfg->hubspot_api_url, path);
    struct provider_response rs = {0};
    enum ed_err err = ED_OK;
    int st;
    *out = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct creds c;
        const char *why = NULL;
        enum creds_status cs = creds_acquire(app, in->row.id, stale, &c, &why);
        if (cs != CREDS_OK) {
            st = creds_failed(req, res, cs, why);
            goto out;
        }
        struct provider_request rq = {
            .method = method, .url = url,
            .content_type = txt ? "application/json" : NULL,
            .body = txt, .body_len = txt ? strlen(txt) : 0, .bearer = c.bearer,
            .timeout_ms = app->cfg->provider_timeout_ms};
        provider_response_cleanup(&rs);
        err = provider_send(&rq, &rs);
        int64_t version = c.cred_version;
        creds_cleanup(&c);
        /* HubSpot says 401: refresh once (unless someone already did) */
        if (err == ED_OK && rs.status == 401 &&
            strcmp(in->row.auth_type, "apiKey") != 0 && attempt == 0) {
            stale = version;
            continue;
        }
        break;
    }
    if (err == ED_ERR_TIMEOUT) {
        st = api_error(req, res, ED_E_GATEWAY_TIMEOUT, NULL);
        goto out;
    }
    if (err != ED_OK) {
        st = api_error(req, res, ED_E_BAD_GATEWAY, "HubSpot could not be reached");
        goto out;
    }
    if (rs.status >= 200 && rs.status < 300) {
        json_error_t je;
        if (rs.body_len) {
            *out = json_loadb(rs.body, rs.body_len, 0, &je);
            if (!*out) {
                st = api_error(req, res, ED_E_BAD_GATEWAY,
                               "HubSpot answered with invalid JSON");
                goto out;
            }
        }
        st = (int)rs.status;
        goto out;
    }
    if (rs.status >= 500)
        st = api_error(req, res, ED_E_BAD_GATEWAY, "HubSpot failed (HTTP %ld)",
                       rs.status);
    else {
        api_error(req, res, ED_E_BAD_REQUEST, "HubSpot rejected the request (HTTP "
                                              "%ld)",
                  rs.status);
        st = res->status = (int)rs.status;
    }
    res->provider_message = ed_arena_strndup(req->arena, rs.body, rs.body_len);
out:
    provider_response_cleanup(&rs);
    free(url);
    free(txt);
    return st;
}

static int hub_ping(struct ed_request *req, struct ed_response *res,
                    struct instance *in)
{
    json_t *out = NULL;
    char now[32];
    int st = hub_call(req, res, in, "GET", element_oauth(in->el, "pingPath"), NULL,
                      &out);
    json_decref(out);
    if (st < 200 || st >= 300)
        return st;
    ed_iso8601(ed_now_s(), now, sizeof(now));
    return api_json(res, 200,
                    json_pack("{s:s, s:s}", "dateTime", now, "endpoint",
                              in->el->key));
}

int hub_dispatch(struct ed_request *req, struct ed_response *res,
                 struct instance *in, const char *rest)
{
    if (in->row.disabled)
        return api_error(req, res, ED_E_FORBIDDEN,
                         "The element instance is disabled");
    if (!in->row.valid)
        return api_error(req, res, ED_E_UNAUTHORIZED,
                         "The element instance must be re-authenticated: %s",
                         in->row.invalid_reason ? in->row.invalid_reason
                                                : "its credentials are invalid");
    if (strcmp(rest, "/ping") == 0 && req->method == ED_GET)
        return hub_ping(req, res, in);
    return api_error(req, res, ED_E_NOT_FOUND, "No resource at %s", req->subpath);
}
