/* SPDX-License-Identifier: MIT */
/*
 * Rate limiting for hubspot-sim, modelled on HubSpot's policies: a rolling
 * ten-second window per (app, portal) for OAuth tokens and per token for
 * private-app tokens and API keys, a daily count for private apps, and a
 * separate per-second window per account for search. A bucket is a ring of
 * the timestamps of the calls still inside its window, so "rolling" is exact
 * and the remaining count is simply capacity minus ring length.
 */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sim_bucket *bucket_get(struct sim_state *st, const char *key,
                                     int64_t limit, int64_t window_ms)
{
    struct sim_bucket *b;

    for (size_t i = 0; i < st->nbuckets; i++)
        if (st->buckets[i].window_ms == window_ms &&
            strcmp(st->buckets[i].key, key) == 0)
            return &st->buckets[i];
    if (st->nbuckets == st->capbuckets) {
        st->capbuckets = st->capbuckets ? st->capbuckets * 2 : 16;
        st->buckets = sim_xrealloc(st->buckets,
                                   st->capbuckets * sizeof(*st->buckets));
    }
    b = &st->buckets[st->nbuckets++];
    memset(b, 0, sizeof(*b));
    sim_strlcpy(b->key, key, sizeof(b->key));
    b->cap = limit > 0 ? (size_t)limit : 1;
    b->ring = sim_xcalloc(b->cap, sizeof(*b->ring));
    b->window_ms = window_ms;
    return b;
}

static void bucket_expire(struct sim_bucket *b, int64_t now)
{
    while (b->count && b->ring[b->head] <= now - b->window_ms) {
        b->head = (b->head + 1) % b->cap;
        b->count--;
    }
}

bool sim_rate_take(struct sim_state *st, const char *key, int64_t limit,
                   int64_t window_ms, struct sim_rate *out)
{
    struct sim_bucket *b = bucket_get(st, key, limit, window_ms);
    int64_t now = sim_now(st), recent = 0;
    bool ok;

    bucket_expire(b, now);
    ok = b->count < b->cap;
    if (ok) {
        b->ring[(b->head + b->count) % b->cap] = now;
        b->count++;
    }
    for (size_t i = 0; i < b->count; i++)
        if (b->ring[(b->head + i) % b->cap] > now - 1000)
            recent++;
    out->max = limit;
    out->remaining = limit - (int64_t)b->count;
    out->secondly = (limit + 9) / 10;
    out->secondly_remaining = out->secondly > recent ? out->secondly - recent
                                                     : 0;
    out->daily = -1;
    out->daily_remaining = -1;
    return ok;
}

bool sim_rate_daily(struct sim_state *st, const char *key, int64_t limit,
                    struct sim_rate *out)
{
    struct sim_bucket *b = bucket_get(st, key, 1, 86400000);
    int64_t day = sim_now(st) / 86400000;

    if (b->day != day) {
        b->day = day;
        b->daily_used = 0;
    }
    out->daily = limit;
    if (b->daily_used >= limit) {
        out->daily_remaining = 0;
        return false;
    }
    b->daily_used++;
    out->daily_remaining = limit - b->daily_used;
    return true;
}

void sim_rate_exhaust(struct sim_state *st, const char *key, int64_t limit,
                      int64_t window_ms, bool daily)
{
    struct sim_bucket *b;
    int64_t now = sim_now(st);

    if (limit <= 0)
        return;
    if (daily) {
        b = bucket_get(st, key, 1, 86400000);
        b->day = now / 86400000;
        b->daily_used = limit;
        return;
    }
    b = bucket_get(st, key, limit, window_ms);
    b->head = 0;
    b->count = b->cap;
    for (size_t i = 0; i < b->cap; i++)
        b->ring[i] = now;
}

void sim_rate_clear(struct sim_state *st)
{
    for (size_t i = 0; i < st->nbuckets; i++)
        free(st->buckets[i].ring);
    free(st->buckets);
    st->buckets = NULL;
    st->nbuckets = st->capbuckets = 0;
}

void sim_rate_key(const struct sim_auth *a, char *key, size_t cap)
{
    if (a->kind == SIM_CRED_PRIVATE)
        snprintf(key, cap, "token:%s", a->token);
    else
        snprintf(key, cap, "app:%lld:%lld", (long long)a->app_id,
                 (long long)a->hub_id);
}

static const struct {
    const char *policy, *message;
    bool request_id;
} policies[] = {
    {"TEN_SECONDLY_ROLLING",
     "You have reached your ten_secondly_rolling limit.", false},
    {"SECONDLY", "You have reached your secondly limit.", false},
    {"DAILY", "You have reached your daily limit.", true},
};

int sim_res_429(struct sim_request *req, struct sim_response *res,
                const char *policy)
{
    json_t *body = json_object();
    size_t i = 0;

    while (i + 1 < sizeof(policies) / sizeof(policies[0]) &&
           strcmp(policies[i].policy, policy) != 0)
        i++;
    json_object_set_new(body, "status", json_string("error"));
    json_object_set_new(body, "message", json_string(policies[i].message));
    json_object_set_new(body, "errorType", json_string("RATE_LIMIT"));
    json_object_set_new(body, "correlationId",
                        json_string(req->correlation_id));
    json_object_set_new(body, "policyName", json_string(policies[i].policy));
    if (policies[i].request_id) {
        char rid[37];

        sim_uuid(rid);
        json_object_set_new(body, "requestId", json_string(rid));
    }
    sim_stat_inc(req->st, NULL, "rateLimited");
    return sim_res_json(res, 429, body);
}
