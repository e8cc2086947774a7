/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_OUTBOX_H
#define ED_EVENTS_OUTBOX_H

/* The outbox's internals shared with the REST side (api_events.c). */

/* Retries after the first attempt (spec §5.5): the failure of retry
 * EVENTS_RETRIES makes a delivery "queued". */
#define EVENTS_RETRIES 9

/* Look for due deliveries now (any thread): after an enqueue or a
 * re-send. A no-op when the outbox is not running. */
void events_outbox_kick(void);

#endif
