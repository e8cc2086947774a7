/* SPDX-License-Identifier: MIT */
/*
 * Credential, rate-limit and scope checks for every authenticated route,
 * reproducing HubSpot's 401/403/429 bodies word for word. Credentials are an
 * `Authorization: Bearer` token (OAuth, legacy OAuth or private-app token) or
 * a `?hapikey=` key. Scopes are checked against the route row's rule; legacy
 * scopes such as `contacts` expand to the granular scopes they imply through
 * the table below, so one check function serves both generations.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MSG_NO_AUTH                                                            \
    "Authentication credentials not found. This API supports OAuth 2.0 "       \
    "authentication and you can find more details at "                         \
    "https://developers.hubspot.com/docs/methods/auth/oauth-overview"
#define MSG_BAD_KEY                                                            \
    "The API key provided is invalid. View or manage your API key here: "      \
    "https://app.hubspot.com/l/api-key/"
#define MSG_SCOPES                                                             \
    "This app hasn't been granted all required scopes to make this call. "     \
    "Read more about required scopes here: https://developers.hubspot.com/"    \
    "scopes."

static const char *const legacy_rw[] = {"crm.objects.contacts.read",
                                        "crm.objects.contacts.write",
                                        "crm.objects.companies.read",
                                        "crm.objects.companies.write",
                                        "crm.objects.deals.read",
                                        "crm.objects.deals.write",
                                        "crm.objects.owners.read",
                                        "crm.schemas.contacts.read",
                                        "crm.schemas.contacts.write",
                                        "crm.schemas.companies.read",
                                        "crm.schemas.companies.write",
                                        "crm.schemas.deals.read",
                                        "crm.schemas.deals.write",
                                        "sales-email-read",
                                        NULL};
static const char *const legacy_ro[] = {
    "crm.objects.contacts.read", "crm.objects.companies.read",
    "crm.objects.deals.read",    "crm.objects.owners.read",
    "crm.schemas.contacts.read", "crm.schemas.companies.read",
    "crm.schemas.deals.read",    NULL};

/* Legacy scope -> granular scopes it grants. */
static const struct {
    const char *legacy;
    const char *const *grants;
} legacy_scopes[] = {
    {"contacts", legacy_rw},
    {"contacts-rw", legacy_rw},
    {"contacts-ro", legacy_ro},
};

bool sim_scopes_satisfy(const json_t *granted, const char *required)
{
    size_t i;
    json_t *g;

    if (!granted)
        return true;
    json_array_foreach(granted, i, g) {
        const char *s = json_string_value(g);

        if (!s)
            continue;
        if (strcmp(s, required) == 0)
            return true;
        for (size_t l = 0; l < sizeof(legacy_scopes) / sizeof(legacy_scopes[0]);
             l++) {
            if (strcmp(s, legacy_scopes[l].legacy) != 0)
                continue;
            for (const char *const *p = legacy_scopes[l].grants; *p; p++)
                if (strcmp(*p, required) == 0)
                    return true;
        }
    }
    return false;
}

static const char *const *route_scopes(const struct sim_request *req)
{
    const struct sim_objtype *t;

    switch (req->route->scope) {
    case SIM_SCOPE_NONE: return NULL;
    case SIM_SCOPE_LIST: return req->route->scopes;
    default: break;
    }
    t = sim_objtype_find(sim_req_param(req, "type"));
    if (!t)
        return NULL; /* the handler answers the unknown type */
    switch (req->route->scope) {
    case SIM_SCOPE_OBJ_READ: return t->read_scopes;
    case SIM_SCOPE_OBJ_WRITE: return t->write_scopes;
    case SIM_SCOPE_SCHEMA_READ: return t->schema_read;
    case SIM_SCOPE_SCHEMA_WRITE: return t->schema_write;
    default: return NULL;
    }
}

static bool fail_401(struct sim_request *req, struct sim_response *res,
                     const char *category, const char *msg, json_t *extra)
{
    sim_res_error(req, res, 401, category, msg, extra);
    sim_res_header(res, "x-hubspot-auth-failure", "401 Unauthorized");
    return false;
}

static bool fail_expired(struct sim_request *req, struct sim_response *res,
                         const struct sim_token *t)
{
    static const struct {
        int64_t secs;
        const char *unit;
    } units[] = {{86400, "day(s)"},
                 {3600, "hour(s)"},
                 {60, "minute(s)"},
                 {1, "second(s)"}};
    int64_t ago = (req->now_ms - t->expires_ms) / 1000;
    char msg[256], iso[32];
    size_t u = 0;

    while (u < 3 && ago < units[u].secs)
        u++;
    snprintf(msg, sizeof(msg),
             "The OAuth token used to make this call expired %lld %s ago.",
             (long long)(ago / units[u].secs), units[u].unit);
    sim_iso_ms(t->expires_ms, iso);
    return fail_401(req, res, "EXPIRED_AUTHENTICATION", msg,
                    json_pack("{s:{s:[s]}}", "context", "expire time", iso));
}

/* Resolves the caller's credentials into req->auth. */
static bool authenticate(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    const struct sim_config *cfg = st->cfg;
    const char *authz = sim_req_header(req, "Authorization");
    const char *tok = NULL;
    bool via_key = false;
    struct sim_token *t;

    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        tok = authz + 7;
        while (*tok == ' ')
            tok++;
    } else if (sim_req_query(req, "hapikey")) {
        tok = sim_req_query(req, "hapikey");
        via_key = true;
    }
    if (!tok || !*tok)
        return fail_401(req, res, "INVALID_AUTHENTICATION", MSG_NO_AUTH, NULL);
    sim_strlcpy(req->auth.token, tok, sizeof(req->auth.token));
    for (size_t i = 0; i < cfg->napi_keys; i++) {
        if (strcmp(cfg->api_keys[i], tok) == 0) {
            req->auth.kind = SIM_CRED_PRIVATE;
            req->auth.hub_id = cfg->portal_id;
            req->auth.app_id = cfg->app_id;
            req->auth.user_id = cfg->user_id;
            return true;
        }
    }
    if (via_key)
        return fail_401(req, res, "INVALID_AUTHENTICATION", MSG_BAD_KEY, NULL);
    t = sim_token_find(st, tok, SIM_TOK_ACCESS);
    if (!t || t->revoked)
        return fail_401(req, res, "INVALID_AUTHENTICATION", MSG_NO_AUTH, NULL);
    if (t->expires_ms && req->now_ms >= t->expires_ms)
        return fail_expired(req, res, t);
    sim_token_used(t);
    req->auth.kind = t->legacy ? SIM_CRED_LEGACY : SIM_CRED_OAUTH;
    sim_strlcpy(req->auth.client_id, t->client_id, sizeof(req->auth.client_id));
    req->auth.scopes = json_incref(t->scopes);
    req->auth.hub_id = t->hub_id;
    req->auth.app_id = t->app_id;
    req->auth.user_id = t->user_id;
    return true;
}

static void rate_headers(struct sim_response *res, const struct sim_rate *r)
{
    static const char *const names[] = {
        "X-HubSpot-RateLimit-Daily",
        "X-HubSpot-RateLimit-Daily-Remaining",
        "X-HubSpot-RateLimit-Interval-Milliseconds",
        "X-HubSpot-RateLimit-Max",
        "X-HubSpot-RateLimit-Remaining",
        "X-HubSpot-RateLimit-Secondly",
        "X-HubSpot-RateLimit-Secondly-Remaining"};
    const int64_t vals[] = {
        r->daily,    r->daily_remaining,   10000, r->max, r->remaining,
        r->secondly, r->secondly_remaining};

    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char v[32];

        if (vals[i] < 0)
            continue;
        snprintf(v, sizeof(v), "%lld", (long long)vals[i]);
        sim_res_header(res, names[i], v);
    }
}

static bool rate_limit(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    const struct sim_config *cfg = st->cfg;
    struct sim_rate r;
    char key[300];

    if (req->route->flags & SIM_R_SEARCH) {
        if (cfg->search_rate_limit <= 0)
            return true;
        snprintf(key, sizeof(key), "search:%lld", (long long)req->auth.hub_id);
        if (!sim_rate_take(st, key, cfg->search_rate_limit, 1000, &r)) {
            sim_res_429(req, res, "SECONDLY");
            return false;
        }
        return true;
    }
    sim_rate_key(&req->auth, key, sizeof(key));
    memset(&r, 0, sizeof(r));
    r.daily = r.daily_remaining = -1;
    if (cfg->rate_limit > 0 &&
        !sim_rate_take(st, key, cfg->rate_limit, 10000, &r)) {
        if (req->auth.kind == SIM_CRED_PRIVATE && cfg->daily_limit > 0)
            sim_rate_daily(st, key, cfg->daily_limit, &r);
        rate_headers(res, &r);
        sim_res_429(req, res, "TEN_SECONDLY_ROLLING");
        return false;
    }
    if (req->auth.kind == SIM_CRED_PRIVATE && cfg->daily_limit > 0 &&
        !sim_rate_daily(st, key, cfg->daily_limit, &r)) {
        if (cfg->rate_limit > 0)
            rate_headers(res, &r);
        sim_res_429(req, res, "DAILY");
        return false;
    }
    if (cfg->rate_limit > 0)
        rate_headers(res, &r);
    return true;
}

bool sim_auth_developer(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    const char *key = sim_req_query(req, "hapikey");

    if (!key || !*key)
        return fail_401(req, res, "INVALID_AUTHENTICATION", MSG_NO_AUTH, NULL);
    for (size_t i = 0; i < cfg->ndev_keys; i++)
        if (strcmp(cfg->dev_keys[i], key) == 0)
            return true;
    return fail_401(req, res, "INVALID_AUTHENTICATION", MSG_BAD_KEY, NULL);
}

bool sim_auth_check(struct sim_request *req, struct sim_response *res)
{
    const char *const *need;
    json_t *list;

    if (!authenticate(req, res) || !rate_limit(req, res))
        return false;
    sim_stat_inc(req->st, req->auth.client_id[0] ? req->auth.client_id : NULL,
                 "apiCalls");
    need = route_scopes(req);
    if (!need || !*need)
        return true;
    for (const char *const *p = need; *p; p++)
        if (sim_scopes_satisfy(req->auth.scopes, *p))
            return true;
    list = json_array();
    for (const char *const *p = need; *p; p++)
        json_array_append_new(list, json_string(*p));
    sim_res_error(req, res, 403, "MISSING_SCOPES", MSG_SCOPES,
                  json_pack("{s:[{s:s,s:{s:o}}],s:{s:s}}", "errors", "message",
                            "One or more of the following scopes are required.",
                            "context", "requiredGranularScopes", list, "links",
                            "scopes", "https://developers.hubspot.com/scopes"));
    return false;
}
