/* SPDX-License-Identifier: MIT
 * POST /events/{elementKey}: HubSpot's webhook batches in (no platform
 * credentials: HubSpot's signature is the credential). The checks and the
 * inbox are events/webhooks.c; here the request is turned into what the
 * signature covers (method, the URL HubSpot called, raw body, headers). */
#include <string.h>

#include "api/api.h"
#include "core/config.h"
#include "domain/app.h"
#include "elements/elements.h"
#include "events/webhooks.h"

/* The URL HubSpot called: --public-url + path, else http://{Host}{path};
 * a query string is put back as name=value pairs in their order. */
static const char *called_url(struct ed_request *req)
{
    const char *base = req->app->cfg->public_url;
    const char *host = req_header(req, "Host");
    size_t n = base ? strlen(base) : 0;
    while (n && base[n - 1] == '/')
        n--;
    char *url = n ? ed_arena_printf(req->arena, "%.*s%s", (int)n, base,
                                    req->path)
                  : ed_arena_printf(req->arena, "http://%s%s", host ? host : "",
                                    req->path);
    for (size_t i = 0; i < req->nquery; i++)
        url = ed_arena_printf(req->arena, "%s%c%s%s%s", url, i ? '&' : '?',
                              req->query[i].name,
                              req->query[i].value ? "=" : "",
                              req->query[i].value ? req->query[i].value : "");
    return url;
}

static int webhook_post(struct ed_request *req, struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    const char *why = NULL;
    if (!el)
        return res->status;
    struct hs_sig_input sig = {
        .method = req->method_name,
        .uri = called_url(req),
        .body = req->body_raw,
        .body_len = req->body_len,
        .version = req_header(req, "X-HubSpot-Signature-Version"),
        .sig = req_header(req, "X-HubSpot-Signature"),
        .sig_v3 = req_header(req, "X-HubSpot-Signature-v3"),
        .timestamp = req_header(req, "X-HubSpot-Request-Timestamp"),
    };
    switch (events_webhooks_ingest(req->app, el->key, &sig, req->body, &why)) {
    case WH_STORED: break;
    case WH_BAD_BODY: return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    case WH_TOO_MANY: return res_error(req, res, ED_E_TOO_LARGE, "%s", why);
    case WH_UNSIGNED:
    case WH_STALE:
    case WH_FORGED: return res_error(req, res, ED_E_UNAUTHORIZED, "%s", why);
    case WH_DB:
        res_header(res, "Retry-After", "1");
        return res_error(req, res, ED_E_UNAVAILABLE, "%s", why);
    }
    return res_json(res, 200,
                    json_pack("{s:s, s:I}", "status", "received", "events",
                              (json_int_t)json_array_size(req->body)));
}

const struct ed_route api_webhooks_routes[] = {
    {ED_POST, "/events/{elementKey}", webhook_post,
     ED_ROUTE_NOAUTH | ED_ROUTE_JSON_ANY},
    {0, NULL, NULL, 0},
};
