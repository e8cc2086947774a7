/* SPDX-License-Identifier: MIT */
#ifndef ED_APIDOCS_H
#define ED_APIDOCS_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/request.h"

/* API documents (issue 14): a Swagger 2.0 (default) or OpenAPI 3.1
 * description of every hub call an element answers, built from data: the
 * operations per resource (resources.c; a resource without a row is left
 * out), the element definition's object catalogue, and for an instance its
 * portal's live properties and its virtual resources. build.c is pure (no I/O); docs.c fetches, caches and
 * answers. */

enum apidocs_format { APIDOCS_SWAGGER2, APIDOCS_OPENAPI31 };

struct element;

/* What an instance adds: the portal's properties per HubSpot object
 * ("contacts", "companies", "deals": arrays of HubSpot property objects,
 * borrowed, NULL when unknown) and its virtual resources ({name:
 * transformation}, borrowed, NULL for none). */
struct apidocs_live {
    const json_t *props[3];
    const json_t *virtuals;
    long long instance_id;
};

/* Bounds on what one document takes from a portal. */
#define APIDOCS_MAX_PROPS 5000 /* per object */
#define APIDOCS_MAX_VIRTUALS 500
#define APIDOCS_MAX_FIELDS 1000 /* per virtual resource */

/* The HubSpot objects whose properties an instance document uses, in the
 * order of apidocs_live.props, and the hub resource each is read from. */
extern const char *const apidocs_prop_objects[3];
extern const char *const apidocs_prop_resources[3];

/* A Swagger 2.0 document for element `el` on hub `hub` (el NULL: the hub's
 * document, every element of it) with live data or NULL. New reference. */
json_t *apidocs_build(const struct element *el, const char *hub,
                      const struct apidocs_live *live);
/* Convert a document of apidocs_build to OpenAPI 3.1 (new reference). */
json_t *apidocs_to_openapi31(const json_t *swagger);

/* The format a request asks for: ?format=swagger|openapi, else an Accept of
 * application/vnd.oai.openapi+json; false (400 set) for anything else. */
bool apidocs_format_of(struct ed_request *req, struct ed_response *res,
                       enum apidocs_format *fmt);

/* Handlers (docs.c): the document of an element or hub (answered at once),
 * of an instance (built through internal hub calls, cached per instance
 * until a property write through the hub or --docs-ttl-s). */
int apidocs_answer_static(struct ed_request *req, struct ed_response *res,
                          const struct element *el, const char *hub);
struct instance;
/* in: loaded by the caller (taken: cleaned up here). */
int apidocs_answer_instance(struct ed_request *req, struct ed_response *res,
                            struct instance *in);

#endif
