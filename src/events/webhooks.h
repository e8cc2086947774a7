/* SPDX-License-Identifier: MIT */
#ifndef ED_EVENTS_WEBHOOKS_H
#define ED_EVENTS_WEBHOOKS_H
#include <jansson.h>

#include "events/hs_signature.h"

/* HubSpot webhooks in (docs/api/events.md "Webhooks from HubSpot"): the
 * ingress handler (api/api_webhooks.c) hands a batch here; it is checked
 * (shape, signature with the client secret of the HubSpot app's instances)
 * and stored in the inbox before the request is answered. The events loop
 * then routes each event to the instances of its app and portal that have
 * webhook events on and want its object, and queues their notifications
 * (events_enqueue); the inbox row is marked processed only after that. */

struct ed_app;

enum wh_ingest {
    WH_STORED,   /* durable in the inbox: answer 2xx */
    WH_BAD_BODY, /* not a batch of HubSpot events: 400 */
    WH_TOO_MANY, /* more events than a batch may hold: 413 */
    WH_UNSIGNED, /* no signature header / v3 without a timestamp: 401 */
    WH_STALE,    /* v3 timestamp more than 5 minutes off: 401 */
    WH_FORGED,   /* no known client secret of that app verifies it: 401 */
    WH_DB,       /* the store failed: 503 (HubSpot retries) */
};

/* At most this many events in one batch (HubSpot sends up to 100). */
#define WH_MAX_EVENTS 1000

/* Check and store one batch (a server thread). `batch` is the parsed body
 * (NULL when there was none), sig->body its raw text. On anything but
 * WH_STORED *why says what was wrong (static). */
enum wh_ingest events_webhooks_ingest(struct ed_app *app,
                                      const char *element_key,
                                      const struct hs_sig_input *sig,
                                      json_t *batch, const char **why);

/* The Cloud Elements event for one HubSpot webhook event, as the instance
 * of element `element_key` names its objects: {objectType, objectId,
 * eventType, date}; NULL when the event has no subscriptionType. Also
 * used by tests of the mapping. */
json_t *events_webhooks_map(const char *element_key, const json_t *hs_event);

#endif
