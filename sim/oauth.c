/* SPDX-License-Identifier: MIT */
/*
 * OAuth for hubspot-sim: the consent page and its decision form, the
 * authorization-code and refresh-token grants on /oauth/v1|v3/token, token
 * metadata, introspection and revocation, private-app token info, and the
 * pre-OAuth-2 "legacy" pair (/auth/authenticate, /auth/v1/refresh). Codes,
 * access tokens and refresh tokens share one store of struct sim_token;
 * token-endpoint errors use HubSpot's four-field body (error,
 * error_description, status, message) and no correlationId, as documented.
 */
#include "sim.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODE_TTL_S 300
#define LEGACY_TTL_S 28799

static const char *const legacy_known[] = {"oauth",
                                           "contacts",
                                           "contacts-rw",
                                           "contacts-ro",
                                           "offline",
                                           "timeline",
                                           "files",
                                           "content",
                                           "reports",
                                           "social",
                                           "automation",
                                           "forms",
                                           "tickets",
                                           "e-commerce",
                                           "sales-email-read",
                                           "integration-sync",
                                           "hubdb",
                                           "business-intelligence",
                                           "transactional-email",
                                           "forms-uploaded-files",
                                           "conversations.read",
                                           "conversations.write",
                                           "settings.users.read",
                                           "settings.users.write",
                                           "developers-read",
                                           "developers-write",
                                           NULL};

bool sim_scope_known(const char *scope)
{
    if (sim_str_prefix(scope, "crm."))
        return true;
    for (const char *const *k = legacy_known; *k; k++)
        if (strcmp(*k, scope) == 0)
            return true;
    return false;
}

json_t *sim_scopes_all(void)
{
    json_t *all = json_pack("[s]", "oauth");

    for (enum sim_objtype_id i = 0; i < SIM_NTYPES; i++) {
        const struct sim_objtype *t = sim_objtype_at(i);
        const char *const *lists[] = {t->read_scopes, t->write_scopes,
                                      t->schema_read, t->schema_write};

        for (size_t l = 0; l < 4; l++) {
            for (const char *const *s = lists[l]; *s; s++) {
                size_t j;
                json_t *v;
                bool dup = false;

                json_array_foreach(all, j, v)
                    dup = dup || strcmp(json_string_value(v), *s) == 0;
                if (!dup)
                    json_array_append_new(all, json_string(*s));
            }
        }
    }
    json_array_append_new(all, json_string("crm.objects.owners.read"));
    json_array_append_new(all, json_string("timeline"));
    json_array_append_new(all, json_string("automation"));
    return all;
}

/* ---- clients and tokens ------------------------------------------------- */

struct sim_client *sim_client_find(struct sim_state *st, const char *id)
{
    for (size_t i = 0; id && i < st->nclients; i++)
        if (strcmp(st->clients[i].id, id) == 0)
            return &st->clients[i];
    return NULL;
}

struct sim_token *sim_token_find(struct sim_state *st, const char *value,
                                 enum sim_tok_kind kind)
{
    for (size_t i = 0; value && i < st->ntokens; i++)
        if (st->tokens[i]->kind == kind &&
            strcmp(st->tokens[i]->value, value) == 0)
            return st->tokens[i];
    return NULL;
}

struct sim_token *sim_token_mint(struct sim_state *st, enum sim_tok_kind kind,
                                 const struct sim_client *c,
                                 const json_t *scopes, int64_t ttl_s,
                                 int64_t hub_id, bool legacy)
{
    struct sim_token *t = sim_xcalloc(1, sizeof(*t));
    char uuid[37];

    t->kind = kind;
    if (kind == SIM_TOK_ACCESS) {
        memcpy(t->value, "CO", 2);
        sim_random_alnum(t->value + 2, 78);
    } else {
        sim_uuid(uuid);
        snprintf(t->value, sizeof(t->value), "na1-%s", uuid);
    }
    if (c) {
        sim_strlcpy(t->client_id, c->id, sizeof(t->client_id));
        t->app_id = c->app_id;
    } else {
        t->app_id = st->cfg->app_id;
    }
    t->scopes = scopes ? json_deep_copy(scopes) : sim_scopes_all();
    t->created_ms = sim_now(st);
    t->expires_ms = ttl_s > 0 ? t->created_ms + ttl_s * 1000 : 0;
    t->hub_id = hub_id ? hub_id : st->cfg->portal_id;
    t->user_id = st->cfg->user_id;
    t->legacy = legacy;
    if (st->ntokens == st->captokens) {
        st->captokens = st->captokens ? st->captokens * 2 : 64;
        st->tokens = sim_xrealloc(st->tokens,
                                  st->captokens * sizeof(*st->tokens));
    }
    st->tokens[st->ntokens++] = t;
    return t;
}

void sim_token_used(struct sim_token *t)
{
    if (!t || !t->parent)
        return;
    if (!t->parent->revoked) {
        t->parent->revoked = true;
        t->parent->retired = true;
    }
    t->parent = NULL;
}

json_t *sim_token_pair(struct sim_state *st, const struct sim_client *c,
                       const json_t *scopes, int64_t hub_id, bool legacy,
                       struct sim_token **refresh_inout)
{
    int64_t ttl = legacy ? LEGACY_TTL_S : st->cfg->token_ttl;
    struct sim_token *at, *rt = refresh_inout ? *refresh_inout : NULL;

    at = sim_token_mint(st, SIM_TOK_ACCESS, c, scopes, ttl, hub_id, legacy);
    if (rt && st->cfg->rotate_refresh) {
        /* The old token stays usable until the new pair proves it was
         * stored (sim_token_used), so a client that crashed before saving
         * the answer can refresh again with the old one. */
        struct sim_token *old = rt;

        rt = sim_token_mint(st, SIM_TOK_REFRESH, c, at->scopes, 0, at->hub_id,
                            legacy);
        rt->parent = old;
        at->parent = old;
    }
    if (!rt)
        rt = sim_token_mint(st, SIM_TOK_REFRESH, c, at->scopes, 0, at->hub_id,
                            legacy);
    if (refresh_inout)
        *refresh_inout = rt;
    return json_pack("{s:s,s:s,s:s,s:I,s:I,s:O,s:I,s:s}", "token_type",
                     "bearer", "refresh_token", rt->value, "access_token",
                     at->value, "expires_in", (json_int_t)ttl, "hub_id",
                     (json_int_t)at->hub_id, "scopes", at->scopes, "user_id",
                     (json_int_t)at->user_id, "token_use", "access_token");
}

/* ---- authorize ------------------------------------------------------------ */

struct authz {
    struct sim_client *c;
    const char *redirect, *scope, *optional, *state;
    int64_t hub_id;
    bool legacy;
    json_t *scopes; /* granted: required + optional */
};

static bool redirect_ok(const char *u)
{
    const char *host;
    size_t n;

    if (sim_str_prefix(u, "https://"))
        return u[8] && u[8] != '/';
    if (!sim_str_prefix(u, "http://"))
        return false;
    host = u + 7;
    n = strcspn(host, ":/?#");
    return (n == 9 && strncmp(host, "localhost", 9) == 0) ||
           (n == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
           (n == 5 && strncmp(host, "[::1]", 5) == 0);
}

static bool add_scopes(json_t *out, const char *list, char *msg, size_t cap)
{
    while (list && *list) {
        size_t n;
        char one[128];

        while (*list == ' ' || *list == '+' || *list == ',')
            list++;
        n = strcspn(list, " +,");
        if (n == 0)
            break;
        if (n >= sizeof(one))
            n = sizeof(one) - 1;
        memcpy(one, list, n);
        one[n] = '\0';
        list += strcspn(list, " +,");
        if (!sim_scope_known(one)) {
            snprintf(msg, cap, "Unknown scope: %s", one);
            return false;
        }
        json_array_append_new(out, json_string(one));
    }
    return true;
}

/* Validates an authorize request; returns an error message or NULL. */
static const char *authz_check(struct sim_request *req, struct authz *a,
                               bool from_form, char *msg, size_t cap)
{
    const char *(*get)(const struct sim_request *,
                       const char *) = from_form ? sim_req_form : sim_req_query;
    const char *portal;
    json_t *uris;
    size_t i;
    json_t *u;
    bool ok;

    a->c = sim_client_find(req->st, get(req, "client_id"));
    a->redirect = get(req, "redirect_uri");
    a->scope = get(req, "scope");
    a->optional = get(req, "optional_scope");
    a->state = get(req, "state");
    portal = get(req, "portalId");
    if (!portal)
        portal = sim_req_param(req, "portal");
    if (!portal || !sim_parse_i64(portal, &a->hub_id))
        a->hub_id = req->st->cfg->portal_id;
    if (!a->c)
        return "This app could not be found: unknown or missing client_id.";
    if (!a->redirect || !redirect_ok(a->redirect))
        return "Invalid redirect_uri: it must be an https URL, or http on "
               "localhost.";
    uris = a->c->redirect_uris;
    ok = json_array_size(uris) == 0;
    json_array_foreach(uris, i, u)
        ok = ok || sim_str_prefix(a->redirect, json_string_value(u));
    if (!ok)
        return "The redirect_uri does not match the app's redirect URLs.";
    if (!a->scope || !*a->scope)
        return "Missing scope: the authorize URL must request at least one "
               "scope.";
    a->scopes = json_array();
    if (!add_scopes(a->scopes, a->scope, msg, cap) ||
        !add_scopes(a->scopes, a->optional, msg, cap))
        return msg;
    return NULL;
}

static int error_page(struct sim_response *res, const char *msg)
{
    struct sim_buf b;

    sim_buf_init(&b, 65536);
    sim_buf_puts(&b, "<!doctype html><html><head><meta charset=\"utf-8\">"
                     "<title>Authorization error</title></head><body>"
                     "<h1>Authorization error</h1><p id=\"error\">");
    sim_buf_html(&b, msg);
    sim_buf_puts(&b, "</p></body></html>\n");
    return sim_res_html(res, 400, sim_buf_take(&b));
}

static void hidden(struct sim_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    sim_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    sim_buf_html(b, value);
    sim_buf_puts(b, "\">\n");
}

static int consent_page(struct sim_response *res, const struct authz *a)
{
    struct sim_buf b;
    char hub[32];
    size_t i;
    json_t *s;

    snprintf(hub, sizeof(hub), "%lld", (long long)a->hub_id);
    sim_buf_init(&b, 1 << 20);
    sim_buf_puts(&b,
                 "<!doctype html><html><head><meta charset=\"utf-8\">"
                 "<title>Connect app</title></head><body>\n<h1 id=\"app\">");
    sim_buf_html(&b, a->c->name);
    sim_buf_puts(&b, "</h1>\n<p>wants to access HubSpot account <span "
                     "id=\"portal\">");
    sim_buf_puts(&b, hub);
    sim_buf_puts(&b, "</span> with these scopes:</p>\n<ul id=\"scopes\">\n");
    json_array_foreach(a->scopes, i, s) {
        sim_buf_puts(&b, "<li class=\"scope\">");
        sim_buf_html(&b, json_string_value(s));
        sim_buf_puts(&b, "</li>\n");
    }
    sim_buf_puts(&b, "</ul>\n<form id=\"consent\" method=\"post\" "
                     "action=\"/oauth/authorize/decision\">\n");
    hidden(&b, "client_id", a->c->id);
    hidden(&b, "redirect_uri", a->redirect);
    hidden(&b, "scope", a->scope);
    hidden(&b, "optional_scope", a->optional);
    hidden(&b, "state", a->state);
    hidden(&b, "portalId", hub);
    hidden(&b, "flow", a->legacy ? "legacy" : "oauth2");
    sim_buf_puts(&b, "<button type=\"submit\" id=\"grant\" name=\"decision\" "
                     "value=\"grant\">Connect app</button>\n"
                     "<button type=\"submit\" id=\"deny\" name=\"decision\" "
                     "value=\"deny\">Cancel</button>\n</form>\n"
                     "</body></html>\n");
    return sim_res_html(res, 200, sim_buf_take(&b));
}

/* 302 to the redirect URI with name=value pairs (NULL-terminated). */
static int redirect_with(struct sim_response *res, const char *base, ...)
{
    struct sim_buf b;
    va_list ap;
    const char *name;
    char sep = strchr(base, '?') ? '&' : '?';

    sim_buf_init(&b, 65536);
    sim_buf_puts(&b, base);
    va_start(ap, base);
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);

        if (!value)
            continue;
        sim_buf_printf(&b, "%c%s=", sep, name);
        sim_buf_urlenc(&b, value);
        sep = '&';
    }
    va_end(ap);
    sim_res_redirect(res, b.data);
    sim_buf_cleanup(&b);
    return 302;
}

static int grant(struct sim_request *req, struct sim_response *res,
                 struct authz *a)
{
    struct sim_token *code;
    json_t *pair;
    char ttl[32];
    int rc;

    if (a->legacy) {
        pair = sim_token_pair(req->st, a->c, a->scopes, a->hub_id, true, NULL);
        snprintf(ttl, sizeof(ttl), "%d", LEGACY_TTL_S);
        rc = redirect_with(
            res, a->redirect, "access_token",
            json_string_value(json_object_get(pair, "access_token")),
            "refresh_token",
            json_string_value(json_object_get(pair, "refresh_token")),
            "expires_in", ttl, "state", a->state, (const char *)NULL);
        json_decref(pair);
        return rc;
    }
    code = sim_token_mint(req->st, SIM_TOK_CODE, a->c, a->scopes, CODE_TTL_S,
                          a->hub_id, false);
    code->redirect_uri = sim_xstrdup(a->redirect);
    return redirect_with(res, a->redirect, "code", code->value, "state",
                         a->state, (const char *)NULL);
}

static int authorize(struct sim_request *req, struct sim_response *res,
                     bool legacy)
{
    struct authz a = {.legacy = legacy};
    char msg[256];
    const char *err = authz_check(req, &a, false, msg, sizeof(msg));
    int rc;

    if (err)
        rc = error_page(res, err);
    else if (req->st->cfg->auto_approve)
        rc = grant(req, res, &a);
    else
        rc = consent_page(res, &a);
    json_decref(a.scopes);
    return rc;
}

static int h_authorize(struct sim_request *req, struct sim_response *res)
{
    return authorize(req, res, false);
}

static int h_legacy_authenticate(struct sim_request *req,
                                 struct sim_response *res)
{
    return authorize(req, res, true);
}

static int h_decision(struct sim_request *req, struct sim_response *res)
{
    const char *decision = sim_req_form(req, "decision");
    const char *flow = sim_req_form(req, "flow");
    struct authz a = {.legacy = flow && strcmp(flow, "legacy") == 0};
    char msg[256];
    const char *err = authz_check(req, &a, true, msg, sizeof(msg));
    int rc;

    if (err)
        rc = error_page(res, err);
    else if (decision && strcmp(decision, "grant") == 0)
        rc = grant(req, res, &a);
    else
        rc = redirect_with(res, a.redirect, "error", "access_denied",
                           "error_description",
                           "The user denied access to the app.", "state",
                           a.state, (const char *)NULL);
    json_decref(a.scopes);
    return rc;
}

/* ---- token endpoint ----------------------------------------------------------- */

static int oauth_error(struct sim_request *req, struct sim_response *res,
                       int http, const char *error, const char *status,
                       const char *msg)
{
    sim_stat_inc(req->st, sim_req_form(req, "client_id"),
                 "failedTokenRequests");
    return sim_res_json(res, http,
                        json_pack("{s:s,s:s,s:s,s:s}", "error", error,
                                  "error_description", msg, "status", status,
                                  "message", msg));
}

#define BAD_CLIENT(req, res)                                                   \
    oauth_error(req, res, 400, "invalid_client", "BAD_CLIENT_ID",              \
                "missing or unknown client id")
#define BAD_REFRESH(req, res)                                                  \
    oauth_error(req, res, 400, "invalid_grant", "BAD_REFRESH_TOKEN",           \
                "refresh token is invalid, expired or revoked")
#define BAD_GRANT(req, res)                                                    \
    oauth_error(req, res, 400, "unsupported_grant_type", "BAD_GRANT_TYPE",     \
                "missing or unsupported grant type")

static int grant_code(struct sim_request *req, struct sim_response *res,
                      struct sim_client *c)
{
    struct sim_token *t = sim_token_find(req->st, sim_req_form(req, "code"),
                                         SIM_TOK_CODE);
    const char *redirect = sim_req_form(req, "redirect_uri");

    if (!t || t->used || t->revoked || strcmp(t->client_id, c->id) != 0)
        return oauth_error(req, res, 400, "invalid_grant", "BAD_AUTH_CODE",
                           "missing or unknown auth code");
    if (req->now_ms >= t->expires_ms)
        return oauth_error(req, res, 400, "invalid_grant", "EXPIRED_AUTH_CODE",
                           "auth code is expired");
    if (!redirect || strcmp(redirect, t->redirect_uri) != 0)
        return oauth_error(req, res, 400, "invalid_grant", "BAD_REDIRECT_URI",
                           "redirect_uri does not match the redirect_uri used "
                           "to obtain the auth code");
    t->used = true;
    sim_stat_inc(req->st, c->id, "tokenExchanges");
    return sim_res_json(res, 200,
                        sim_token_pair(req->st, c, t->scopes, t->hub_id, false,
                                       NULL));
}

static struct sim_token *refresh_lookup(struct sim_request *req,
                                        const struct sim_client *c)
{
    struct sim_token *t = sim_token_find(req->st,
                                         sim_req_form(req, "refresh_token"),
                                         SIM_TOK_REFRESH);

    if (t && t->retired && c && strcmp(t->client_id, c->id) == 0)
        sim_stat_inc(req->st, c->id, "refreshTokenReuse");
    if (!t || t->revoked || (c && strcmp(t->client_id, c->id) != 0))
        return NULL;
    sim_token_used(t);
    return t;
}

static int h_token(struct sim_request *req, struct sim_response *res)
{
    struct sim_client *c = sim_client_find(req->st,
                                           sim_req_form(req, "client_id"));
    const char *grant_type = sim_req_form(req, "grant_type");
    const char *secret = sim_req_form(req, "client_secret");
    struct sim_token *rt;

    if (!c)
        return BAD_CLIENT(req, res);
    if (!grant_type || (strcmp(grant_type, "authorization_code") != 0 &&
                        strcmp(grant_type, "refresh_token") != 0))
        return BAD_GRANT(req, res);
    if (!secret || strcmp(secret, c->secret) != 0)
        return oauth_error(req, res, 400, "invalid_client", "BAD_CLIENT_SECRET",
                           "missing or invalid client secret");
    if (strcmp(grant_type, "authorization_code") == 0)
        return grant_code(req, res, c);
    rt = refresh_lookup(req, c);
    if (!rt)
        return BAD_REFRESH(req, res);
    sim_stat_inc(req->st, c->id, "refreshes");
    return sim_res_json(res, 200,
                        sim_token_pair(req->st, c, rt->scopes, rt->hub_id,
                                       rt->legacy, &rt));
}

static int h_legacy_refresh(struct sim_request *req, struct sim_response *res)
{
    struct sim_client *c = sim_client_find(req->st,
                                           sim_req_form(req, "client_id"));
    const char *grant_type = sim_req_form(req, "grant_type");
    struct sim_token *rt;
    json_t *pair;

    if (!c)
        return BAD_CLIENT(req, res);
    if (!grant_type || strcmp(grant_type, "refresh_token") != 0)
        return BAD_GRANT(req, res);
    rt = refresh_lookup(req, c);
    if (!rt)
        return BAD_REFRESH(req, res);
    sim_stat_inc(req->st, c->id, "refreshes");
    pair = sim_token_pair(req->st, c, rt->scopes, rt->hub_id, true, &rt);
    sim_res_json(res, 200,
                 json_pack("{s:I,s:i,s:O,s:O}", "portal_id",
                           (json_int_t)rt->hub_id, "expires_in", LEGACY_TTL_S,
                           "refresh_token",
                           json_object_get(pair, "refresh_token"),
                           "access_token",
                           json_object_get(pair, "access_token")));
    json_decref(pair);
    return 200;
}

/* ---- metadata, introspection, revocation --------------------------------------- */

static bool token_live(const struct sim_request *req, const struct sim_token *t)
{
    return t && !t->revoked && (!t->expires_ms || req->now_ms < t->expires_ms);
}

/* out = base64(HMAC-SHA256(the client's secret, label + token)). */
static void token_sign(struct sim_request *req, const struct sim_token *t,
                       const char *label, char out[64])
{
    const struct sim_client *c = sim_client_find(req->st, t->client_id);
    const char *key = c ? c->secret : "";
    unsigned char d[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state h;

    crypto_auth_hmacsha256_init(&h, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)label,
                                  strlen(label));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)t->value,
                                  strlen(t->value));
    crypto_auth_hmacsha256_final(&h, d);
    sodium_bin2base64(out, 64, d, sizeof(d), sodium_base64_VARIANT_ORIGINAL);
}

/* HubSpot's scopes bitmap is opaque: here each granted scope sets the bit
 * its FNV-1a hash picks in a 256-bit map, sent as base64. */
static void scope_bits(const json_t *scopes, char out[64])
{
    unsigned char bits[32] = {0};
    const json_t *v;
    size_t i;

    json_array_foreach(scopes, i, v) {
        uint32_t h = 2166136261u;

        for (const char *p = json_string_value(v); p && *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        bits[(h & 0xff) / 8] |= (unsigned char)(1u << (h & 7));
    }
    sodium_bin2base64(out, 64, bits, sizeof(bits),
                      sodium_base64_VARIANT_ORIGINAL);
}

/* The spec's SignedAccessToken: every field, with its type. */
static json_t *signed_access_token(struct sim_request *req,
                                   const struct sim_token *t)
{
    char sig[64], sig2[64], scopes[64];

    token_sign(req, t, "v1:", sig);
    token_sign(req, t, "v2:", sig2);
    scope_bits(t->scopes, scopes);
    return json_pack(
        "{s:I,s:s,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:I}",
        "expiresAt", (json_int_t)t->expires_ms, "scopes", scopes, "hubId",
        (json_int_t)t->hub_id, "userId", (json_int_t)t->user_id, "appId",
        (json_int_t)t->app_id, "signature", sig, "scopeToScopeGroupPks", scopes,
        "newSignature", sig2, "hublet", "na1", "trialScopes", "",
        "trialScopeToScopeGroupPks", "", "isUserLevel", 0, "isServiceAccount",
        0, "isPrivateDistribution", 0, "installingUserId",
        (json_int_t)t->user_id);
}

static json_t *token_meta(struct sim_request *req, const struct sim_token *t)
{
    char domain[64];
    json_t *m;

    snprintf(domain, sizeof(domain), "sim-%lld.hubspot.test",
             (long long)t->hub_id);
    m = json_pack("{s:s,s:s,s:s,s:O,s:I,s:I}", "token", t->value, "user",
                  "sim.user@example.test", "hub_domain", domain, "scopes",
                  t->scopes, "hub_id", (json_int_t)t->hub_id, "user_id",
                  (json_int_t)t->user_id);
    if (t->kind == SIM_TOK_ACCESS) {
        int64_t left = t->expires_ms ? (t->expires_ms - req->now_ms) / 1000 : 0;

        json_object_set_new(m, "app_id", json_integer(t->app_id));
        json_object_set_new(m, "expires_in", json_integer(left > 0 ? left : 0));
        json_object_set_new(m, "token_type", json_string("access"));
        json_object_set_new(m, "is_private_distribution", json_false());
        json_object_set_new(m, "signed_access_token",
                            signed_access_token(req, t));
    } else {
        json_object_set_new(m, "client_id", json_string(t->client_id));
        json_object_set_new(m, "token_type", json_string("refresh"));
    }
    return m;
}

static int h_access_meta(struct sim_request *req, struct sim_response *res)
{
    struct sim_token *t = sim_token_find(req->st, sim_req_param(req, "token"),
                                         SIM_TOK_ACCESS);

    if (!token_live(req, t))
        return sim_res_error(req, res, 404, "OBJECT_NOT_FOUND",
                             "access token is invalid, expired or revoked",
                             NULL);
    return sim_res_json(res, 200, token_meta(req, t));
}

static int h_refresh_meta(struct sim_request *req, struct sim_response *res)
{
    struct sim_token *t = sim_token_find(req->st, sim_req_param(req, "token"),
                                         SIM_TOK_REFRESH);

    if (!token_live(req, t))
        return sim_res_error(req, res, 404, "OBJECT_NOT_FOUND",
                             "refresh token is invalid, expired or revoked",
                             NULL);
    if (strcmp(req->method, "DELETE") == 0) {
        t->revoked = true;
        return sim_res_empty(res, 204);
    }
    return sim_res_json(res, 200, token_meta(req, t));
}

/* token=, or the field named after the hint (access_token=, refresh_token=). */
static struct sim_token *form_token(struct sim_request *req)
{
    const char *hint = sim_req_form(req, "token_type_hint");
    const char *tok = sim_req_form(req, "token");
    struct sim_token *t;

    if (!tok && sim_req_form(req, "refresh_token")) {
        tok = sim_req_form(req, "refresh_token");
        hint = "refresh_token";
    } else if (!tok) {
        tok = sim_req_form(req, "access_token");
        hint = "access_token";
    }
    if (hint && strcmp(hint, "refresh_token") == 0) {
        t = sim_token_find(req->st, tok, SIM_TOK_REFRESH);
        return t ? t : sim_token_find(req->st, tok, SIM_TOK_ACCESS);
    }
    t = sim_token_find(req->st, tok, SIM_TOK_ACCESS);
    return t ? t : sim_token_find(req->st, tok, SIM_TOK_REFRESH);
}

/* Client credentials are optional on introspect/revoke but must be right. */
static bool form_client_ok(struct sim_request *req, struct sim_response *res)
{
    const char *id = sim_req_form(req, "client_id");
    const char *secret = sim_req_form(req, "client_secret");
    struct sim_client *c = sim_client_find(req->st, id);

    if (id && !c) {
        BAD_CLIENT(req, res);
        return false;
    }
    if (c && secret && strcmp(secret, c->secret) != 0) {
        oauth_error(req, res, 400, "invalid_client", "BAD_CLIENT_SECRET",
                    "missing or invalid client secret");
        return false;
    }
    return true;
}

static int h_introspect(struct sim_request *req, struct sim_response *res)
{
    struct sim_token *t;
    json_t *m;

    if (!form_client_ok(req, res))
        return res->status;
    t = form_token(req);
    if (!token_live(req, t))
        return sim_res_json(res, 200, json_pack("{s:b}", "active", 0));
    m = token_meta(req, t);
    json_object_set_new(m, "active", json_true());
    json_object_set_new(m, "client_id", json_string(t->client_id));
    if (t->kind == SIM_TOK_REFRESH)
        json_object_set_new(m, "app_id", json_integer(t->app_id));
    json_object_set_new(m, "token_use",
                        json_string(t->kind == SIM_TOK_ACCESS
                                        ? "access_token"
                                        : "refresh_token"));
    json_object_set_new(m, "token_type", json_string("Bearer"));
    return sim_res_json(res, 200, m);
}

static int h_revoke(struct sim_request *req, struct sim_response *res)
{
    struct sim_token *t;

    if (!form_client_ok(req, res))
        return res->status;
    t = form_token(req);
    if (t)
        t->revoked = true;
    return sim_res_empty(res, 200);
}

static int h_private_info(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    json_t *b = sim_req_object_or_respond(req, res);
    const char *key;

    if (!b)
        return res->status;
    key = json_string_value(json_object_get(b, "tokenKey"));
    if (!key)
        key = json_string_value(json_object_get(b, "token"));
    for (size_t i = 0; key && i < cfg->napi_keys; i++)
        if (strcmp(cfg->api_keys[i], key) == 0)
            return sim_res_json(res, 200,
                                json_pack("{s:I,s:I,s:I,s:o}", "userId",
                                          (json_int_t)cfg->user_id, "hubId",
                                          (json_int_t)cfg->portal_id, "appId",
                                          (json_int_t)cfg->app_id, "scopes",
                                          sim_scopes_all()));
    return sim_res_error(req, res, 404, "OBJECT_NOT_FOUND",
                         "Private app access token not found", NULL);
}

/* ---- fixtures ------------------------------------------------------------------- */

static void clients_clear(struct sim_state *st)
{
    const struct sim_config *cfg = st->cfg;

    for (size_t i = 0; i < st->nclients; i++)
        json_decref(st->clients[i].redirect_uris);
    st->nclients = 0;
    for (size_t i = 0; i < cfg->nclients && i < SIM_MAX_CLIENTS; i++) {
        st->clients[st->nclients] = cfg->clients[i];
        st->clients[st->nclients].redirect_uris = NULL;
        st->nclients++;
    }
}

static int clients_load(struct sim_state *st, const json_t *fx, char *err,
                        size_t errlen)
{
    json_t *list = json_object_get(fx, "clients"), *c;
    size_t i;

    json_array_foreach(list, i, c) {
        const char *id = json_string_value(json_object_get(c, "client_id"));
        const char *secret = json_string_value(
            json_object_get(c, "client_secret"));
        const char *name = json_string_value(json_object_get(c, "name"));
        struct sim_client *dst = sim_client_find(st, id);

        if (!id || !secret) {
            snprintf(err, errlen,
                     "fixtures: clients[%zu] needs client_id and "
                     "client_secret",
                     i);
            return -1;
        }
        if (!dst) {
            if (st->nclients == SIM_MAX_CLIENTS) {
                snprintf(err, errlen, "fixtures: too many clients");
                return -1;
            }
            dst = &st->clients[st->nclients++];
            memset(dst, 0, sizeof(*dst));
        }
        sim_strlcpy(dst->id, id, sizeof(dst->id));
        sim_strlcpy(dst->secret, secret, sizeof(dst->secret));
        sim_strlcpy(dst->name, name ? name : id, sizeof(dst->name));
        dst->app_id = json_is_integer(json_object_get(c, "app_id"))
                          ? json_integer_value(json_object_get(c, "app_id"))
                          : st->cfg->app_id;
        json_decref(dst->redirect_uris);
        dst->redirect_uris = json_is_array(json_object_get(c, "redirect_uris"))
                                 ? json_deep_copy(
                                       json_object_get(c, "redirect_uris"))
                                 : NULL;
    }
    return 0;
}

static const struct sim_route oauth_routes[] = {
    {"GET", "/oauth/authorize", h_authorize, 0, SIM_SCOPE_NONE, NULL},
    {"GET", "/oauth/:portal/authorize", h_authorize, 0, SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/authorize/decision", h_decision, SIM_R_FORM,
     SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/v1/token", h_token, SIM_R_FORM, SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/v3/token", h_token, SIM_R_FORM, SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/2026-03/token", h_token, SIM_R_FORM, SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/2026-09/token", h_token, SIM_R_FORM, SIM_SCOPE_NONE, NULL},
    {"GET", "/oauth/v1/access-tokens/:token", h_access_meta, 0, SIM_SCOPE_NONE,
     NULL},
    {"GET", "/oauth/v1/refresh-tokens/:token", h_refresh_meta, 0,
     SIM_SCOPE_NONE, NULL},
    {"DELETE", "/oauth/v1/refresh-tokens/:token", h_refresh_meta, 0,
     SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/v3/token/introspect", h_introspect, SIM_R_FORM,
     SIM_SCOPE_NONE, NULL},
    {"POST", "/oauth/v3/token/revoke", h_revoke, SIM_R_FORM, SIM_SCOPE_NONE,
     NULL},
    {"POST", "/oauth/v2/private-apps/get/access-token-info", h_private_info,
     SIM_R_JSON, SIM_SCOPE_NONE, NULL},
    {"GET", "/auth/authenticate", h_legacy_authenticate, 0, SIM_SCOPE_NONE,
     NULL},
    {"POST", "/auth/v1/refresh", h_legacy_refresh, SIM_R_FORM, SIM_SCOPE_NONE,
     NULL},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const oauth_keys[] = {"clients", NULL};

const struct sim_module sim_module_oauth = {
    .name = "oauth",
    .routes = oauth_routes,
    .load = clients_load,
    .clear = clients_clear,
    .fixture_keys = oauth_keys,
};
