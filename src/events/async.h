/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_ASYNC_H
#define ED_EVENTS_ASYNC_H
#include <stdbool.h>

#include "core/request.h"

/* Asynchronous hub requests (Cloud Elements' Elements-Async-Request: true,
 * spec elements-api.md §5.4): the client is answered at once with
 * {"eventId", "eventStatus": "dispatched"}; the call then runs on the
 * events loop as an internal hub call (hub/subcall.h: the same path,
 * throttle, refresh and error mapping as the client's own), detached from
 * the client's connection, and its outcome is queued as one signed callback
 * through the durable outbox (events_callback_enqueue, source "async") to
 * Elements-Async-Callback-Url, else to the instance's
 * event.notification.callback.url. */

struct instance;

/* True when the request carries Elements-Async-Request: true. */
bool events_async_wanted(const struct ed_request *req);

/* Dispatch req for instance `in` (copied): returns 200 with the dispatched
 * answer set on res, or 400 (no callback URL, a malformed one, a body that
 * is not JSON) / 503 (the events loop is not running) before anything runs. */
int events_async_dispatch(struct ed_request *req, struct ed_response *res,
                          const struct instance *in);

#endif
