/* SPDX-License-Identifier: MIT */
#ifndef ED_HTTP_METRICS_HTTP_H
#define ED_HTTP_METRICS_HTTP_H
#include <stdint.h>

#include "core/errors.h"

/* GET /metrics (Prometheus text format) on an address of its own
 * (--metrics-listen HOST:PORT), served by one internal thread. No
 * authentication: bind it to loopback or a private network. */
struct metrics_server;

/* Listen on HOST:PORT; *port_out gets the bound port (PORT may be 0). */
enum ed_err metrics_http_start(const char *listen, struct metrics_server **out,
                               uint16_t *port_out);
void metrics_http_stop(struct metrics_server *m);

#endif
