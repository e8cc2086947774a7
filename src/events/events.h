/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_H
#define ED_EVENTS_H
#include <jansson.h>
#include <stdint.h>

#include "core/errors.h"

/* Cloud Elements events (spec elements-api.md §5): changes learnt by
 * polling an instance's resources (poller.c) or from HubSpot's webhooks
 * (webhooks.c) become notifications in a durable outbox (outbox.c) that
 * is delivered, signed, to the instance's event.notification.callback.url
 * with retries. Everything runs on the events loop (loop.h); everything
 * that must survive a restart (outbox, webhook inbox, poll watermarks) is
 * in the store. */

struct ed_app;
struct instance;

/* Start the events loop and the three parts; stop them (main.c). */
enum ed_err events_start(struct ed_app *app);
void events_stop(void);

/* Queue notifications for instance `in` (any thread): `events` is an array
 * of {objectType, objectId, eventType, date} (borrowed), split into
 * notifications of at most `per_notification` events (10 for polling, 20
 * for webhooks), each carrying the whole `raw` (borrowed) as message.raw.
 * `source` is "polling", "webhook" or "test". Durable when it returns
 * ED_OK: the rows are committed in the outbox, each with its eventId. */
enum ed_err events_enqueue(struct ed_app *app, const struct instance *in,
                           const char *source, json_t *events, json_t *raw,
                           size_t per_notification);

/* Queue one callback for instance `in` (any thread): `body` (borrowed) is
 * POSTed as is to `url` (NULL or "": the instance's
 * event.notification.callback.url), signed with the instance's
 * event.notification.signature.key when it has one, exactly as event
 * notifications are, through the same durable outbox (retries, queueing,
 * deliveries list). `source` names the sender ("bulk", "async"); a row
 * whose source is not an events one ("polling", "webhook", "test") keeps
 * the URL given here on every attempt. `event_id`: 24 lower-case hex
 * characters to use as the delivery's id (Elements-Webhook-Id), or "" to
 * have one made; the id used is written back (25 bytes). Durable when it
 * returns ED_OK. ED_ERR_INVALID when there is no URL to deliver to (none
 * given and the instance has none configured). */
enum ed_err events_callback_enqueue(struct ed_app *app,
                                    const struct instance *in,
                                    const char *source, const char *url,
                                    json_t *body, char event_id[25]);

/* An instance was created, changed or enabled/disabled through this node
 * (any thread): its poll schedule follows at once (events_enqueue's
 * configuration is read at each poll and delivery anyway). */
void events_instance_changed(int64_t instance_id);

#endif
