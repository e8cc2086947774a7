/* SPDX-License-Identifier: MIT */
#ifndef ED_PROVIDER_ASYNC_H
#define ED_PROVIDER_ASYNC_H
#include "provider/provider.h"

/* Asynchronous outbound HTTP: one engine thread drives a curl multi handle,
 * so thousands of HubSpot calls can be in flight without a thread each, and
 * connections are kept alive and reused across calls. A submitted request
 * is copied; its completion callback runs exactly once, on the engine
 * thread, and must not block for long. */

struct provider_async;

typedef void (*provider_done_fn)(void *ud, enum ed_err err,
                                 struct provider_response *rs);

enum ed_err provider_async_start(struct provider_async **out);
/* Stop the engine; pending requests complete with ED_ERR_PROVIDER. */
void provider_async_stop(struct provider_async *a);
/* An engine with no thread of its own, driven by the caller's event loop
 * (http/server.c runs one per server thread, so a hub call and its answer
 * never cross threads): its sockets are registered in epfd with the data
 * value PROVIDER_ASYNC_TAG | fd. The loop hands their events to
 * provider_async_socket_event, waits at most provider_async_timeout_ms, and
 * calls provider_async_run after every wake-up. Submissions made on the
 * loop's thread go to it (see provider_async_attach_thread). */
#define PROVIDER_ASYNC_TAG (1ULL << 40)
enum ed_err provider_async_new_embedded(int epfd, struct provider_async **out);
void provider_async_free_embedded(struct provider_async *a);
void provider_async_attach_thread(struct provider_async *a);
void provider_async_socket_event(struct provider_async *a, int fd,
                                 unsigned epoll_events);
long provider_async_timeout_ms(struct provider_async *a);
void provider_async_run(struct provider_async *a);

/* Send rq after delay_ms (0 = now); done(ud, err, rs) is called later with
 * rs owned by the engine (valid during the callback only). On a thread with
 * an attached embedded engine, that engine carries the call and done runs
 * on this thread; otherwise a's engine thread does. */
void provider_async_submit(struct provider_async *a,
                           const struct provider_request *rq, long delay_ms,
                           provider_done_fn done, void *ud);

#endif
