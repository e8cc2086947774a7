/* SPDX-License-Identifier: MIT */
#ifndef ED_PROVIDER_ASYNC_H
#define ED_PROVIDER_ASYNC_H
#include <stdbool.h>

#include "provider/provider.h"

/* Asynchronous outbound HTTP, one engine per server event loop
 * (http/server.c): a curl multi handle whose sockets are registered in the
 * loop's epoll set with the data value PROVIDER_ASYNC_TAG | fd. The loop
 * hands their events to provider_async_socket_event, waits at most
 * provider_async_timeout_ms, and calls provider_async_run after every
 * wake-up. Calls are submitted on the loop's thread and complete on it, so
 * thousands can be in flight without a thread each and no thread waits;
 * connections to HubSpot are kept alive and reused. A thread with no
 * engine (the background refresher, admin commands) uses the blocking
 * provider_send instead. */

struct provider_async;
struct provider_job;

typedef void (*provider_done_fn)(void *ud, enum ed_err err,
                                 struct provider_response *rs);

#define PROVIDER_ASYNC_TAG (1ULL << 40)
enum ed_err provider_async_new_embedded(int epfd, struct provider_async **out);
/* Free the engine; queued jobs complete with ED_ERR_PROVIDER. */
void provider_async_free_embedded(struct provider_async *a);
/* Make a the engine of the calling thread (the loop's thread, once). */
void provider_async_attach_thread(struct provider_async *a);
void provider_async_socket_event(struct provider_async *a, int fd,
                                 unsigned epoll_events);
long provider_async_timeout_ms(struct provider_async *a);
void provider_async_run(struct provider_async *a);

/* Send rq (copied) after delay_ms (0 = now) on the calling thread's engine.
 * done(ud, err, rs) runs exactly once, later, on this thread, with rs owned
 * by the engine (valid during the callback only), unless the job is
 * cancelled first. Returns the job, or NULL when this thread has no engine
 * (done is then never called). */
struct provider_job *provider_async_submit(const struct provider_request *rq,
                                           long delay_ms, provider_done_fn done,
                                           void *ud);
/* Cancel a job whose done has not run yet (on the thread that submitted
 * it): its transfer is dropped, done is never called, and ud is freed
 * with the function given to provider_async_set_ud_free, if any. */
void provider_async_cancel(struct provider_job *j);
void provider_async_set_ud_free(struct provider_job *j,
                                void (*ud_free)(void *ud));
/* Whether the job's request has gone out (it is no longer waiting for its
 * delay); false for NULL. */
bool provider_async_sent(const struct provider_job *j);
/* A timer on the calling thread's engine: fn(ud) runs once after delay_ms,
 * on this thread, from the loop (never inside a submission), unless the
 * job is cancelled first or the engine freed. NULL when
 * this thread has no engine. */
struct provider_job *provider_async_timer(long delay_ms, void (*fn)(void *ud),
                                          void *ud);

#endif
