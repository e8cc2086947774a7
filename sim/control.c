/* SPDX-License-Identifier: MIT */
/*
 * The /__sim/ control API: what tests use to drive hubspot-sim without a
 * browser or a clock. It inspects the request log and counters, resets or
 * loads fixtures, mints codes and tokens, expires or revokes tokens, moves
 * the simulated clock, injects faults and exhausts rate-limit buckets.
 * Control calls need no credentials, are not logged and never delayed.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

static json_t *body_or_empty(struct sim_request *req)
{
    return json_is_object(req->json) ? req->json : NULL;
}

static int ok(struct sim_response *res, json_t *extra_take)
{
    json_t *b = json_pack("{s:s}", "status", "ok");

    if (extra_take) {
        json_object_update(b, extra_take);
        json_decref(extra_take);
    }
    return sim_res_json(res, 200, b);
}

static int h_requests(struct sim_request *req, struct sim_response *res)
{
    const char *prefix = sim_req_query(req, "path_prefix");
    const char *method = sim_req_query(req, "method");
    json_t *out = json_array(), *e;
    size_t i;

    json_array_foreach(req->st->reqlog, i, e) {
        if (prefix &&
            !sim_str_prefix(json_string_value(json_object_get(e, "path")),
                            prefix))
            continue;
        if (method && strcmp(method, json_string_value(
                                         json_object_get(e, "method"))) != 0)
            continue;
        json_array_append(out, e);
    }
    return sim_res_json(res, 200,
                        json_pack("{s:I,s:o}", "total",
                                  (json_int_t)json_array_size(out), "results",
                                  out));
}

static int h_requests_clear(struct sim_request *req, struct sim_response *res)
{
    json_array_clear(req->st->reqlog);
    return sim_res_empty(res, 204);
}

static int h_reset(struct sim_request *req, struct sim_response *res)
{
    json_t *b = body_or_empty(req);
    json_t *gen = json_object_get(b, "generateContacts");
    char err[512];

    if (gen && (!json_is_integer(gen) || json_integer_value(gen) < 0 ||
                (uint64_t)json_integer_value(gen) > SIM_GEN_MAX))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "generateContacts must be an integer between 0 "
                              "and %llu",
                              (unsigned long long)SIM_GEN_MAX);
    /* Without the field a reset goes back to --generate-contacts. */
    req->st->gen_contacts = gen ? (uint64_t)json_integer_value(gen)
                                : (uint64_t)req->st->cfg->generate_contacts;
    if (sim_state_reset(req->st, json_is_true(json_object_get(b, "tokens")),
                        err, sizeof(err)))
        return sim_res_error(req, res, 500, "SIM_ERROR", err, NULL);
    return ok(res, NULL);
}

static int h_fixtures(struct sim_request *req, struct sim_response *res)
{
    char err[512];

    if (!sim_req_object_or_respond(req, res))
        return res->status;
    if (sim_state_load(req->st, req->json, err, sizeof(err)))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", err, NULL);
    return ok(res, NULL);
}

/* Applies fn to the tokens a control body names (or all of them). */
static int each_token(struct sim_request *req, bool expire)
{
    json_t *b = body_or_empty(req);
    bool all = json_is_true(json_object_get(b, "all"));
    static const struct {
        const char *field;
        enum sim_tok_kind kind;
    } fields[] = {{"access_token", SIM_TOK_ACCESS},
                  {"refresh_token", SIM_TOK_REFRESH},
                  {"code", SIM_TOK_CODE}};
    int n = 0;

    for (size_t i = 0; i < req->st->ntokens; i++) {
        struct sim_token *t = req->st->tokens[i];
        bool hit = all && (expire ? t->kind != SIM_TOK_REFRESH : true);

        for (size_t f = 0; !hit && f < 3; f++) {
            const char *v = json_string_value(
                json_object_get(b, fields[f].field));

            hit = v && t->kind == fields[f].kind && strcmp(v, t->value) == 0;
        }
        if (!hit)
            continue;
        if (expire)
            t->expires_ms = req->now_ms - 1000;
        else
            t->revoked = true;
        n++;
    }
    return n;
}

static int h_expire(struct sim_request *req, struct sim_response *res)
{
    return ok(res, json_pack("{s:i}", "count", each_token(req, true)));
}

static int h_revoke(struct sim_request *req, struct sim_response *res)
{
    return ok(res, json_pack("{s:i}", "count", each_token(req, false)));
}

static struct sim_client *client_or_default(struct sim_request *req,
                                            const json_t *b)
{
    const char *id = json_string_value(json_object_get(b, "client_id"));

    if (id)
        return sim_client_find(req->st, id);
    return req->st->nclients ? &req->st->clients[0] : NULL;
}

static int h_mint(struct sim_request *req, struct sim_response *res)
{
    json_t *b = body_or_empty(req), *pair, *scopes;
    struct sim_client *c = client_or_default(req, b);
    struct sim_token *rt = NULL, *at;
    json_t *ttl = json_object_get(b, "ttl");

    if (!c)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "unknown client_id", NULL);
    scopes = json_object_get(b, "scopes");
    pair = sim_token_pair(req->st, c, json_is_array(scopes) ? scopes : NULL,
                          json_integer_value(json_object_get(b, "hub_id")),
                          json_is_true(json_object_get(b, "legacy")), &rt);
    at = sim_token_find(
        req->st, json_string_value(json_object_get(pair, "access_token")),
        SIM_TOK_ACCESS);
    if (json_is_integer(ttl) && at) {
        at->expires_ms = req->now_ms + json_integer_value(ttl) * 1000;
        json_object_set(pair, "expires_in", ttl);
    }
    return sim_res_json(res, 200, pair);
}

static int h_code(struct sim_request *req, struct sim_response *res)
{
    json_t *b = body_or_empty(req), *scopes = json_object_get(b, "scopes");
    struct sim_client *c = client_or_default(req, b);
    const char *redirect = json_string_value(
        json_object_get(b, "redirect_uri"));
    struct sim_token *t;

    if (!c || !redirect)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "client_id (known) and redirect_uri are required",
                             NULL);
    t = sim_token_mint(req->st, SIM_TOK_CODE, c,
                       json_is_array(scopes) ? scopes : NULL, 300,
                       json_integer_value(json_object_get(b, "hub_id")), false);
    t->redirect_uri = sim_xstrdup(redirect);
    return sim_res_json(res, 200, json_pack("{s:s}", "code", t->value));
}

static int h_stats(struct sim_request *req, struct sim_response *res)
{
    json_t *s = json_deep_copy(req->st->stats);

    json_object_set_new(s, "tokens",
                        json_integer((json_int_t)req->st->ntokens));
    json_object_set_new(s, "loggedRequests",
                        json_integer(
                            (json_int_t)json_array_size(req->st->reqlog)));
    return sim_res_json(res, 200, s);
}

static json_t *faults_json(struct sim_state *st)
{
    json_t *out = json_array();

    for (size_t i = 0; i < st->nfaults; i++) {
        json_t *f = json_pack("{s:I,s:i,s:I,s:s}", "count",
                              (json_int_t)st->faults[i].count, "status",
                              st->faults[i].status, "delay_ms",
                              (json_int_t)st->faults[i].delay_ms, "path_prefix",
                              st->faults[i].path_prefix);

        if (st->faults[i].body)
            json_object_set(f, "body", st->faults[i].body);
        json_array_append_new(out, f);
    }
    return out;
}

static int h_faults(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    json_t *b;
    struct sim_fault *f;
    int64_t status;

    if (strcmp(req->method, "GET") == 0)
        return sim_res_json(res, 200,
                            json_pack("{s:o}", "faults", faults_json(st)));
    if (strcmp(req->method, "DELETE") == 0) {
        for (size_t i = 0; i < st->nfaults; i++)
            json_decref(st->faults[i].body);
        st->nfaults = 0;
        return sim_res_empty(res, 204);
    }
    if (!(b = sim_req_object_or_respond(req, res)))
        return res->status;
    status = json_integer_value(json_object_get(b, "status"));
    if (st->nfaults == sizeof(st->faults) / sizeof(st->faults[0]) ||
        (status != 0 && (status < 400 || status > 599)))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "status must be 4xx/5xx (or 0 for a pure delay) "
                             "and at most 16 faults may be queued",
                             NULL);
    f = &st->faults[st->nfaults++];
    memset(f, 0, sizeof(*f));
    f->count = json_is_integer(json_object_get(b, "count"))
                   ? json_integer_value(json_object_get(b, "count"))
                   : 1;
    f->status = (int)status;
    f->delay_ms = json_integer_value(json_object_get(b, "delay_ms"));
    sim_strlcpy(f->path_prefix,
                json_string_value(json_object_get(b, "path_prefix"))
                    ? json_string_value(json_object_get(b, "path_prefix"))
                    : "/",
                sizeof(f->path_prefix));
    if (json_object_get(b, "body"))
        f->body = json_incref(json_object_get(b, "body"));
    return sim_res_json(res, 201,
                        json_pack("{s:o}", "faults", faults_json(st)));
}

static int h_burst(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;
    const struct sim_config *cfg = st->cfg;
    json_t *b = body_or_empty(req);
    const char *tok = json_string_value(json_object_get(b, "token"));
    const char *policy = json_string_value(json_object_get(b, "policy"));
    bool search = policy && strcmp(policy, "search") == 0;
    bool daily = policy && strcmp(policy, "daily") == 0;
    int64_t limit = search  ? cfg->search_rate_limit
                    : daily ? cfg->daily_limit
                            : cfg->rate_limit;
    int64_t window = search ? 1000 : 10000;
    struct sim_auth a;
    char key[300];
    int n = 0;

    memset(&a, 0, sizeof(a));
    a.hub_id = cfg->portal_id;
    if (tok) {
        struct sim_token *t = sim_token_find(st, tok, SIM_TOK_ACCESS);

        sim_strlcpy(a.token, tok, sizeof(a.token));
        a.kind = t ? SIM_CRED_OAUTH : SIM_CRED_PRIVATE;
        if (t) {
            a.app_id = t->app_id;
            a.hub_id = t->hub_id;
        }
        if (search)
            snprintf(key, sizeof(key), "search:%lld", (long long)a.hub_id);
        else
            sim_rate_key(&a, key, sizeof(key));
        sim_rate_exhaust(st, key, limit, window, daily);
        return ok(res, json_pack("{s:i}", "buckets", 1));
    }
    if (search) {
        snprintf(key, sizeof(key), "search:%lld", (long long)cfg->portal_id);
        sim_rate_exhaust(st, key, limit, window, false);
        n++;
    }
    for (size_t i = 0; !search && i < cfg->napi_keys; i++, n++) {
        snprintf(key, sizeof(key), "token:%s", cfg->api_keys[i]);
        sim_rate_exhaust(st, key, limit, window, daily);
    }
    for (size_t i = 0; !search && !daily && i < st->nclients; i++, n++) {
        snprintf(key, sizeof(key), "app:%lld:%lld",
                 (long long)st->clients[i].app_id, (long long)cfg->portal_id);
        sim_rate_exhaust(st, key, limit, window, false);
    }
    for (size_t i = 0; i < st->nbuckets; i++) {
        struct sim_bucket *bk = &st->buckets[i];

        if (bk->window_ms != (daily ? 86400000 : window) ||
            sim_str_prefix(bk->key, "search:") != search)
            continue;
        sim_strlcpy(key, bk->key, sizeof(key));
        sim_rate_exhaust(st, key, limit, window, daily);
        n++;
    }
    return ok(res, json_pack("{s:i}", "buckets", n));
}

static int h_clock(struct sim_request *req, struct sim_response *res)
{
    json_t *b = body_or_empty(req);
    char now[32];

    if (json_is_true(json_object_get(b, "reset")))
        req->st->clock_offset_ms = 0;
    req->st->clock_offset_ms += json_integer_value(
                                    json_object_get(b, "advance_ms")) +
                                json_integer_value(
                                    json_object_get(b, "advance_seconds")) *
                                    1000;
    sim_iso_ms(sim_now(req->st), now);
    return ok(res, json_pack("{s:s,s:I}", "now", now, "offset_ms",
                             (json_int_t)req->st->clock_offset_ms));
}

static int h_events(struct sim_request *req, struct sim_response *res)
{
    if (strcmp(req->method, "DELETE") == 0) {
        json_array_clear(req->st->events);
        return sim_res_empty(res, 204);
    }
    return sim_res_json(res, 200,
                        json_pack("{s:O}", "results", req->st->events));
}

static int h_config(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *c = req->st->cfg;
    json_t *delays = json_array(), *clients = json_array();

    for (size_t i = 0; i < c->nwebhook_retry; i++)
        json_array_append_new(delays, json_integer(c->webhook_retry_ms[i]));
    for (size_t i = 0; i < req->st->nclients; i++)
        json_array_append_new(clients, json_string(req->st->clients[i].id));
    return sim_res_json(
        res, 200,
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:s,s:o,s:b,s:I,"
                  "s:I,s:o}",
                  "portalId", (json_int_t)c->portal_id, "appId",
                  (json_int_t)c->app_id, "tokenTtl", (json_int_t)c->token_ttl,
                  "latencyMs", (json_int_t)c->latency_ms, "rateLimit",
                  (json_int_t)c->rate_limit, "searchRateLimit",
                  (json_int_t)c->search_rate_limit, "dailyLimit",
                  (json_int_t)c->daily_limit, "autoApprove", c->auto_approve,
                  "rotateRefreshTokens", c->rotate_refresh, "webhookUrl",
                  c->webhook_url, "webhookRetryDelaysMs", delays,
                  "webhookNoRetry", c->webhook_no_retry, "webhookTimeoutMs",
                  (json_int_t)c->webhook_timeout_ms, "webhookBatchMs",
                  (json_int_t)c->webhook_batch_ms, "clients", clients));
}

#define C(m, p, h)                                                             \
    {                                                                          \
        m, p, h, SIM_R_CONTROL | SIM_R_JSON, SIM_SCOPE_NONE, NULL              \
    }
static const struct sim_route control_routes[] = {
    C("GET", "/__sim/requests", h_requests),
    C("DELETE", "/__sim/requests", h_requests_clear),
    C("POST", "/__sim/reset", h_reset),
    C("POST", "/__sim/fixtures", h_fixtures),
    C("POST", "/__sim/tokens", h_mint),
    C("POST", "/__sim/tokens/expire", h_expire),
    C("POST", "/__sim/tokens/revoke", h_revoke),
    C("POST", "/__sim/oauth/code", h_code),
    C("GET", "/__sim/stats", h_stats),
    C("GET", "/__sim/faults", h_faults),
    C("POST", "/__sim/faults", h_faults),
    C("DELETE", "/__sim/faults", h_faults),
    C("POST", "/__sim/ratelimit/burst", h_burst),
    C("POST", "/__sim/clock", h_clock),
    C("GET", "/__sim/events", h_events),
    C("DELETE", "/__sim/events", h_events),
    C("GET", "/__sim/config", h_config),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_control = {
    .name = "control",
    .routes = control_routes,
};
