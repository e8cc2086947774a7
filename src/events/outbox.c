/* SPDX-License-Identifier: MIT
 * Events: the outbox part (placeholder until it is built; see events.h). */
#include "events/events_int.h"

enum ed_err events_outbox_start(struct ed_app *app)
{
    (void)app;
    return ED_OK;
}

void events_outbox_stop(void)
{
}

#include "events/events.h"

enum ed_err events_enqueue(struct ed_app *app, const struct instance *in,
                           const char *source, json_t *events, json_t *raw,
                           size_t per_notification)
{
    (void)app;
    (void)in;
    (void)source;
    (void)events;
    (void)raw;
    (void)per_notification;
    return ED_ERR_UNSUPPORTED;
}
