/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_SERVER_H
#define ED_HTTP_SERVER_H
#include <stdint.h>

#include "core/errors.h"

/* The HTTP front end (the only module that knows libmicrohttpd). */
struct ed_app;
struct http_server;

#define ED_BASE_PATH "/elements/api-v2"

/* Start listening on app->cfg->listen; *port_out gets the bound port. */
enum ed_err http_server_start(struct ed_app *app, struct http_server **out,
                              uint16_t *port_out);
/* Stop accepting, let in-flight requests finish (up to the configured grace
 * period), then stop. */
void http_server_stop(struct http_server *srv);

#endif
