/* SPDX-License-Identifier: MIT
 * /elements: the catalogue (list, keys, one element, its configuration
 * definitions and metadata) and OAuth URL generation. The OAuth URL calls
 * need no platform credentials (the seeds say "HTTP Header: None"), but
 * credentials that are sent must be valid. */
#include <string.h>

#include "api/api.h"
#include "domain/app.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "elements/elements.h"

static int elements_list(struct ed_request *req, struct ed_response *res)
{
    struct elements *all = req->app->elements;
    json_t *arr = json_array();
    for (size_t i = 0; i < elements_count(all); i++)
        json_array_append(arr, elements_at(all, i)->object);
    return res_json(res, 200, arr);
}

static int elements_keys(struct ed_request *req, struct ed_response *res)
{
    struct elements *all = req->app->elements;
    json_t *arr = json_array();
    for (size_t i = 0; i < elements_count(all); i++)
        json_array_append_new(arr, json_string(elements_at(all, i)->key));
    return res_json(res, 200, arr);
}

static int element_get(struct ed_request *req, struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el)
        return res->status;
    json_t *o = json_deep_copy(el->object);
    json_object_set_new(o, "configuration", element_config_render(el));
    return res_json(res, 200, o);
}

static int element_configuration(struct ed_request *req,
                                 struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el)
        return res->status;
    return res_json(res, 200, element_config_render(el));
}

static int elements_metadata(struct ed_request *req, struct ed_response *res)
{
    struct elements *all = req->app->elements;
    json_t *arr = json_array();
    for (size_t i = 0; i < elements_count(all); i++)
        json_array_append_new(arr,
                              element_metadata_render(elements_at(all, i)));
    return res_json(res, 200, arr);
}

static int element_metadata(struct ed_request *req, struct ed_response *res)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    if (!el)
        return res->status;
    return res_json(res, 200, element_metadata_render(el));
}

/* --- OAuth URL ------------------------------------------------------------ */

struct oauth_params {
    const char *api_key, *api_secret, *callback, *scope, *state;
};

/* A JSON body member as a string (numbers allowed, e.g. a Portal ID). */
static const char *body_str(struct ed_request *req, const char *name)
{
    json_t *v = json_object_get(req->body, name);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return ed_arena_printf(req->arena, "%lld",
                               (long long)json_integer_value(v));
    return NULL;
}

/* The scopes of a POST body: a string, or an array of strings joined with
 * spaces. *bad is set when the member has any other type. */
static const char *body_scope(struct ed_request *req, const char *name,
                              bool *bad)
{
    json_t *v = json_object_get(req->body, name), *s;
    size_t i, len = 1;
    if (!v || json_is_null(v) || json_is_string(v))
        return json_string_value(v);
    if (!json_is_array(v)) {
        *bad = true;
        return NULL;
    }
    json_array_foreach(v, i, s) {
        if (!json_is_string(s)) {
            *bad = true;
            return NULL;
        }
        len += json_string_length(s) + 1;
    }
    char *out = ed_arena_alloc(req->arena, len), *w = out;
    json_array_foreach(v, i, s) {
        size_t n = json_string_length(s);
        if (i)
            *w++ = ' ';
        memcpy(w, json_string_value(s), n);
        w += n;
    }
    *w = '\0';
    return out;
}

/* Collapse runs of whitespace (and '+') into single spaces, trimmed. */
static char *normalise_scope(struct ed_arena *a, const char *s)
{
    char *out = ed_arena_alloc(a, strlen(s) + 1);
    size_t k = 0;
    bool space = false;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '+' || *s == ',') {
            space = k > 0;
            continue;
        }
        if (space)
            out[k++] = ' ';
        space = false;
        out[k++] = *s;
    }
    out[k] = '\0';
    return out;
}

static int append_param(struct ed_buf *b, const char *sep, const char *name,
                        const char *value)
{
    if (ed_buf_appends(b, sep) || ed_buf_appends(b, name) ||
        ed_buf_appends(b, "=") || ed_url_encode(b, value))
        return -1;
    return 0;
}

static int oauth_url(struct ed_request *req, struct ed_response *res,
                     const struct oauth_params *p)
{
    const struct element *el = api_element_or_respond(req, res,
                                                      req_param(req, 0));
    struct ed_buf b;
    const char *app_url = req->app->cfg->hubspot_app_url;
    const char *scope;
    int rc;
    if (!el)
        return res->status;
    if ((!p->api_key || !*p->api_key) || (!p->callback || !*p->callback)) {
        bool both = (!p->api_key || !*p->api_key) &&
                    (!p->callback || !*p->callback);
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Missing required parameter%s: %s", both ? "s" : "",
                         both                            ? "apiKey, callbackUrl"
                         : (!p->api_key || !*p->api_key) ? "apiKey"
                                                         : "callbackUrl");
    }
    /* Default scopes, exactly as the seed's table: absent and empty differ
     * for hubspotcrm. */
    if (!p->scope)
        scope = element_oauth(el, "defaultScope");
    else if (!*normalise_scope(req->arena, p->scope))
        scope = element_oauth(el, "emptyScope");
    else
        scope = normalise_scope(req->arena, p->scope);

    ed_buf_init(&b, 16384);
    ed_buf_appends(&b, app_url);
    while (b.len && b.data[b.len - 1] == '/')
        b.data[--b.len] = '\0';
    if (p->api_secret && ed_all_digits(p->api_secret)) {
        /* OAuth 2 Legacy (seed 002): apiSecret is the HubSpot Portal ID. */
        rc = ed_buf_appends(&b, element_oauth(el, "legacyAuthorizePath")) ||
             append_param(&b, "?", "client_id", p->api_key) ||
             append_param(&b, "&", "portalId", p->api_secret) ||
             append_param(&b, "&", "redirect_uri", p->callback) ||
             append_param(&b, "&", "scope", scope) ||
             /* the guide's URL has no state; a caller's state is kept */
             (p->state && *p->state &&
              append_param(&b, "&", "state", p->state));
    } else {
        rc = ed_buf_appends(&b, element_oauth(el, "authorizePath")) ||
             append_param(&b, "?", "client_id", p->api_key) ||
             append_param(&b, "&", "redirect_uri", p->callback) ||
             append_param(&b, "&", "scope", scope) ||
             append_param(&b, "&", "state",
                          p->state && *p->state ? p->state : el->key);
    }
    if (rc) {
        ed_buf_cleanup(&b);
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "OAuth parameters too long");
    }
    json_t *o = json_pack("{s:s, s:s}", "element", el->key, "oauthUrl", b.data);
    ed_buf_cleanup(&b);
    return res_json(res, 200, o);
}

/* Seed 002 names the scope parameter both ways ("scope" in its examples,
 * "scopes" in its parameter lists): either is accepted; "scope" wins when
 * both are sent. */
static int oauth_url_get(struct ed_request *req, struct ed_response *res)
{
    const char *scope = req_query(req, "scope");
    struct oauth_params p = {req_query(req, "apiKey"),
                             req_query(req, "apiSecret"),
                             req_query(req, "callbackUrl"),
                             scope ? scope : req_query(req, "scopes"),
                             req_query(req, "state")};
    return oauth_url(req, res, &p);
}

static int oauth_url_post(struct ed_request *req, struct ed_response *res)
{
    if (!json_is_object(req->body))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Body must be a JSON object with apiKey, apiSecret, "
                         "callbackUrl, scope (or scopes) and state");
    bool bad = false;
    const char *scope = body_scope(req, "scope", &bad);
    if (!scope && !bad)
        scope = body_scope(req, "scopes", &bad);
    if (bad)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "scope (or scopes) must be a string or an array of "
                         "strings");
    struct oauth_params p = {body_str(req, "apiKey"),
                             body_str(req, "apiSecret"),
                             body_str(req, "callbackUrl"), scope,
                             body_str(req, "state")};
    return oauth_url(req, res, &p);
}

const struct ed_route api_elements_routes[] = {
    {ED_GET, "/elements", elements_list, 0},
    {ED_GET, "/elements/keys", elements_keys, 0},
    {ED_GET, "/elements/metadata", elements_metadata, 0},
    {ED_GET, "/elements/{keyOrId}", element_get, 0},
    {ED_GET, "/elements/{keyOrId}/configuration", element_configuration, 0},
    {ED_GET, "/elements/{keyOrId}/metadata", element_metadata, 0},
    {ED_GET, "/elements/{keyOrId}/oauth/url", oauth_url_get, ED_ROUTE_OPT_AUTH},
    {ED_POST, "/elements/{keyOrId}/oauth/url", oauth_url_post,
     ED_ROUTE_OPT_AUTH | ED_ROUTE_JSON},
    {0, NULL, NULL, 0},
};
