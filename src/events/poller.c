/* SPDX-License-Identifier: MIT
 * Events: the poller part (placeholder until it is built; see events.h). */
#include "events/events_int.h"

enum ed_err events_poller_start(struct ed_app *app)
{
    (void)app;
    return ED_OK;
}

void events_poller_stop(void)
{
}
