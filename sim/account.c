/* SPDX-License-Identifier: MIT */
/*
 * Account information for hubspot-sim: GET /account-info/v3/details (what
 * Nango and elementsd's /ping call to learn the portal id) and the daily
 * private-app API usage. Both are read-only views of the configuration and
 * of the rate-limit buckets; any valid credential may call them, whatever
 * its scopes, as on HubSpot.
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS 86400000LL

static int h_details(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    int64_t portal = req->auth.hub_id ? req->auth.hub_id : cfg->portal_id;

    return sim_res_json(res, 200,
                        json_pack("{s:I,s:s,s:s,s:s,s:[],s:s,s:i,s:s,s:s}",
                                  "portalId", (json_int_t)portal, "accountType",
                                  "STANDARD", "timeZone", "US/Eastern",
                                  "companyCurrency", "USD",
                                  "additionalCurrencies", "utcOffset", "-05:00",
                                  "utcOffsetMilliseconds", -18000000,
                                  "uiDomain", "app.hubspot.com",
                                  "dataHostingLocation", "na1"));
}

/* Today's calls made with private-app tokens and API keys (the daily
 * bucket of each "token:" key, see ratelimit.c). */
static int64_t daily_usage(const struct sim_state *st, int64_t day)
{
    int64_t used = 0;

    for (size_t i = 0; i < st->nbuckets; i++) {
        const struct sim_bucket *b = &st->buckets[i];

        if (b->window_ms == DAY_MS && b->day == day &&
            sim_str_prefix(b->key, "token:"))
            used += b->daily_used;
    }
    return used;
}

static int h_usage(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    int64_t day = req->now_ms / DAY_MS;
    char now[32], reset[32];

    sim_iso_ms(req->now_ms, now);
    sim_iso_ms((day + 1) * DAY_MS, reset);
    return sim_res_json(res, 200,
                        json_pack("{s:[{s:s,s:I,s:I,s:s,s:s,s:s}]}", "results",
                                  "name", "api-calls-daily", "usageLimit",
                                  (json_int_t)cfg->daily_limit, "currentUsage",
                                  (json_int_t)daily_usage(req->st, day),
                                  "collectedAt", now, "fetchStatus", "SUCCESS",
                                  "resetsAt", reset));
}

static const struct sim_route account_routes[] = {
    {"GET", "/account-info/v3/details", h_details, SIM_R_AUTH, SIM_SCOPE_NONE,
     NULL},
    {"GET", "/account-info/v3/api-usage/daily/private-apps", h_usage,
     SIM_R_AUTH, SIM_SCOPE_NONE, NULL},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_account = {
    .name = "account",
    .routes = account_routes,
};
