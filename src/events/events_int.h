/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_INT_H
#define ED_EVENTS_INT_H
#include "core/errors.h"

/* The parts of the events subsystem, started in this order on the events
 * loop by events_start and stopped in reverse by events_stop. */
struct ed_app;

enum ed_err events_outbox_start(struct ed_app *app);
void events_outbox_stop(void);
enum ed_err events_webhooks_start(struct ed_app *app);
void events_webhooks_stop(void);
enum ed_err events_poller_start(struct ed_app *app);
void events_poller_stop(void);

#endif
