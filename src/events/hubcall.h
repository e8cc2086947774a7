/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_HUBCALL_H
#define ED_EVENTS_HUBCALL_H
#include <jansson.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/request.h"

/* Internal hub calls (the poller's): GET a hub resource for an instance
 * through the very path a client's call takes (hub_dispatch with a hub_op
 * on a synthetic request), so polls share the per-portal throttle, token
 * refresh flights, 429 retries and error mapping with interactive calls.
 * Runs on the events loop: hubcall_get must be called there, and the
 * callback runs there too, once. */

struct ed_app;
struct instance;

struct hubcall_result {
    int status;                   /* HTTP status the client would have seen */
    json_t *body;                 /* parsed body (borrowed; NULL if none) */
    const char *next_page;        /* Elements-Next-Page-Token, or NULL */
    const char *message;          /* error message (status >= 400), or NULL */
    const char *provider_message; /* HubSpot's answer on errors, or NULL */
};

typedef void (*hubcall_done_fn)(void *ud, const struct hubcall_result *r);

/* GET `url` for instance `in` (its token and organization are used, and a
 * copy of it is what the hub works with: no second lookup by token, so the
 * caller passes an instance it has just loaded). url is hub-relative with an optional hub prefix and
 * a query string: "/hubs/crm/contacts?where=...&pageSize=100" or
 * "/contacts?...". ED_OK: done runs later on the loop. Otherwise done is
 * never called. */
enum ed_err hubcall_get(struct ed_app *app, const struct instance *in,
                        const char *url, hubcall_done_fn done, void *ud);

/* Any method, with a JSON body (reference taken; NULL for none), as a
 * background call (bulk work: see hub_throttle_background): it takes a
 * throttle slot only when one is free now, leaving the portal's calls to
 * the application first. Same contract as hubcall_get otherwise. */
enum ed_err hubcall_send(struct ed_app *app, const struct instance *in,
                         enum ed_method method, const char *url, json_t *body,
                         bool background, hubcall_done_fn done, void *ud);

#endif
