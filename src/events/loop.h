/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_LOOP_H
#define ED_EVENTS_LOOP_H
#include <stdbool.h>

#include "core/errors.h"

/* The events subsystem's own event loop: one thread with an epoll set, a
 * curl-multi engine (provider/async.h) attached to it, one-shot timers and
 * a thread-safe queue of work. Deliveries to callback URLs, polls (hub
 * calls made on behalf of an instance) and webhook processing all run here,
 * so no server thread does event work and this thread never blocks on a
 * receiver or on HubSpot (store calls are the only synchronous work). */

struct ed_app;

typedef void (*events_fn)(void *ud);

/* Start / stop the loop thread. Stopping runs no further work: pending
 * posts and timers are dropped (their owners must not rely on them for
 * durability: everything durable is in the store). */
enum ed_err events_loop_start(struct ed_app *app);
void events_loop_stop(void);
/* True on the loop's thread. */
bool events_loop_here(void);
/* Run fn(ud) on the loop thread soon (any thread; never inside this
 * call). Returns false when the loop is not running (fn is not called). */
bool events_loop_post(events_fn fn, void *ud);
/* Run fn(ud) on the loop thread after ms milliseconds (loop thread only).
 * Returns a handle for events_loop_cancel, or 0 when not on the loop. */
unsigned long events_loop_after(long ms, events_fn fn, void *ud);
/* Cancel a timer that has not fired (loop thread only). */
void events_loop_cancel(unsigned long timer);

#endif
