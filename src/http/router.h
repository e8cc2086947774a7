/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_ROUTER_H
#define ED_HTTP_ROUTER_H
#include "api/api.h"

/* The route table: every resource file's rows, concatenated once at start.
 * Matching prefers the row with the most literal segments, so /elements/keys
 * beats /elements/{keyOrId} whatever the table order. */

/* Build the table (idempotent, not thread-safe: call before serving). */
void router_init(void);
/* Match subpath and method. On a match, fills req->params / req->route and
 * returns the row. Otherwise returns NULL and sets *allowed to the methods
 * of rows whose pattern matched the path (0 = no such path). */
const struct ed_route *router_match(struct ed_request *req, const char *subpath,
                                    enum ed_method method, unsigned *allowed);
/* Same, against the console's table (paths outside the API base). */
const struct ed_route *router_match_console(struct ed_request *req,
                                            const char *path,
                                            enum ed_method method,
                                            unsigned *allowed);
/* Parse a method name; 0 if unknown. */
enum ed_method router_method(const char *name);

#endif
