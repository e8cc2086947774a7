/* SPDX-License-Identifier: MIT
 * GET /health: liveness for load balancers (no auth). */
#include "api/api.h"
#include "domain/app.h"
#include "store/store.h"

static int health_get(struct ed_request *req, struct ed_response *res)
{
    if (store_ping(req->app->store) != ED_OK)
        return res_error(req, res, ED_E_UNAVAILABLE, "Database unavailable");
    return res_json(res, 200,
                    json_pack("{s:s, s:s}", "status", "ok", "database",
                              store_backend(req->app->store)));
}

const struct ed_route api_health_routes[] = {
    {ED_GET, "/health", health_get, ED_ROUTE_NOAUTH},
    {0, NULL, NULL, 0},
};
