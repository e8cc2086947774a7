/* SPDX-License-Identifier: MIT
 * The events subsystem's start and stop (see events.h): the loop first,
 * then the outbox (deliveries), the webhook processor and the poller. */
#include "events/events.h"

#include "events/events_int.h"
#include "events/loop.h"

enum ed_err events_start(struct ed_app *app)
{
    enum ed_err err = events_loop_start(app);
    if (err == ED_OK)
        err = events_outbox_start(app);
    if (err == ED_OK)
        err = events_webhooks_start(app);
    if (err == ED_OK)
        err = events_poller_start(app);
    if (err != ED_OK)
        events_stop();
    return err;
}

void events_stop(void)
{
    events_poller_stop();
    events_webhooks_stop();
    events_outbox_stop();
    events_loop_stop();
}
