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
/* Send rq after delay_ms (0 = now); done(ud, err, rs) is called later with
 * rs owned by the engine (valid during the callback only). */
void provider_async_submit(struct provider_async *a,
                           const struct provider_request *rq, long delay_ms,
                           provider_done_fn done, void *ud);

#endif
