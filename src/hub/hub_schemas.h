/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_SCHEMAS_H
#define ED_HUB_SCHEMAS_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hub/hub.h"

/* The portal's custom objects (HubSpot's schemas API, GET /crm/v3/schemas),
 * cached per instance for HUB_SCHEMAS_TTL_MS. A schema is kept as
 * {name, fullyQualifiedName, objectTypeId, properties}; at most
 * HUB_SCHEMAS_MAX of them. A portal without the schemas scope (HubSpot's
 * 403) has none, cached as such. */
#define HUB_SCHEMAS_TTL_MS 60000
#define HUB_SCHEMAS_MAX 50

/* The cached schemas of op's instance (new reference), or NULL when there
 * are none fresh. */
json_t *hub_schemas_cached(struct hub_op *op);
/* The same by instance id (no op: the instance's own answer). */
json_t *hub_schemas_cached_id(int64_t instance_id);
/* Ask HubSpot (one call); next runs with HubSpot's answer, 2xx or 403, and
 * passes it to hub_schemas_store. Returns ED_ASYNC or an error status. */
int hub_schemas_fetch(struct hub_op *op, hub_next_fn next);
/* From the continuation of hub_schemas_fetch: caches and returns the
 * schemas of the answer (new reference; an empty array on a 403). */
json_t *hub_schemas_store(struct hub_op *op, int status, json_t *body);
/* The schema whose name (or fullyQualifiedName) is name (borrowed). */
json_t *hub_schemas_find(json_t *schemas, const char *name);
/* True for a name HubSpot resolves itself: a standard object type (contacts,
 * tickets, ...), an objectTypeId (0-1, 2-123) or a fullyQualifiedName
 * (p123_cars). No schemas lookup for those. */
bool hub_schemas_is_native(const char *name);

#endif
