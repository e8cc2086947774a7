/* SPDX-License-Identifier: MIT
 * The web console: pages and assets compiled into the binary, served
 * outside the API base path with strict security headers. */
#include <string.h>

#include "api/api.h"

static int console_root(struct ed_request *req, struct ed_response *res)
{
    (void)req;
    res->raw = "<!doctype html><meta charset=utf-8><title>elementsd</title>"
               "<p>elementsd console is not built yet.";
    res->raw_len = strlen(res->raw);
    res->content_type = "text/html; charset=utf-8";
    api_header(res, "X-Frame-Options", "DENY");
    return 200;
}

const struct ed_route api_console_routes[] = {
    {ED_GET, "/", console_root, ED_ROUTE_NOAUTH},
    {0, NULL, NULL, 0},
};
