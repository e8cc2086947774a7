/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_OUTBOX_H
#define ED_EVENTS_OUTBOX_H

#include <jansson.h>
#include <stddef.h>

#include "core/errors.h"

/* The outbox's internals shared with the REST side (api_events.c). */

struct ed_app;
struct instance;

/* Retries after the first attempt (spec §5.5): the failure of retry
 * EVENTS_RETRIES makes a delivery "queued". */
#define EVENTS_RETRIES 9

/* Look for due deliveries now (any thread): after an enqueue or a
 * re-send. A no-op when the outbox is not running. */
void events_outbox_kick(void);

/* events_enqueue that also appends each notification's eventId to the
 * array ids (NULL: not wanted). */
enum ed_err events_outbox_enqueue(struct ed_app *app, const struct instance *in,
                                  const char *source, json_t *events,
                                  json_t *raw, size_t per_notification,
                                  json_t *ids);

#endif
