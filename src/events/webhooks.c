/* SPDX-License-Identifier: MIT
 * Events: the webhooks part (placeholder until it is built; see events.h). */
#include "events/events_int.h"

enum ed_err events_webhooks_start(struct ed_app *app)
{
    (void)app;
    return ED_OK;
}

void events_webhooks_stop(void)
{
}
