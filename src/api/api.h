/* SPDX-License-Identifier: MIT */
#ifndef ED_API_H
#define ED_API_H
#include <stdbool.h>

#include "core/request.h"

/* The REST surface: route table rows and the helpers handlers share
 * (element lookup, authentication). The request/response contract itself
 * is core/request.h. */

struct element;

typedef int (*ed_handler)(struct ed_request *req, struct ed_response *res);

enum ed_route_flags {
    ED_ROUTE_NOAUTH = 1 << 0,    /* no platform credentials needed */
    ED_ROUTE_JSON = 1 << 1,      /* a body, if present, must be a JSON object */
    ED_ROUTE_OPT_AUTH = 1 << 2,  /* credentials optional but checked if sent */
    ED_ROUTE_ELEMENT = 1 << 3,   /* hub call: User + Element (Organization
                                   optional) */
    ED_ROUTE_JSON_ANY = 1 << 4,  /* a body, if present, may be any JSON
                                   value (the handler checks its type) */
    ED_ROUTE_MULTIPART = 1 << 5, /* a multipart/form-data body is left raw
                                    (req->body NULL; hub file uploads) */
};

enum ed_auth_mode { ED_AUTH_REQUIRED, ED_AUTH_OPTIONAL, ED_AUTH_ELEMENT };

struct ed_route {
    unsigned methods;    /* ED_GET | ... */
    const char *pattern; /* "/elements/{keyOrId}/oauth/url", below the base */
    ed_handler handler;
    unsigned flags;
    /* a streamed request body (core/request.h), or NULL: the body is then
     * capped by --bulk-max-file instead of --max-body */
    const struct ed_body_sink *sink;
};

/* Look up an element by the {keyOrId} parameter or answer 404. */
const struct element *api_element_or_respond(struct ed_request *req,
                                             struct ed_response *res,
                                             const char *key_or_id);

/* Is the caller an administrator of its organization (req->auth.org_id)?
 * The one place that decides it (api.c): today every user of an
 * organization is its admin; roles (issue 15) change this function only. */
bool api_is_org_admin(const struct ed_request *req);

/* The audit log for a write handler that just returned st (api_audit.c):
 * when the request is not a GET and st is a 2xx, record `action` on
 * target_type with detail "<METHOD> <route> <path parameters>" (names and
 * ids, never a body value). Returns st, so a route row can wrap its
 * handler: `return api_audit_write(req, "vdr.write", "vdr", h(req, res));`.
 * Handlers that return ED_ASYNC are not wrapped this way. */
int api_audit_write(struct ed_request *req, const char *action,
                    const char *target_type, int st);

/* The names in a JSON object body, for an audit detail (arena string,
 * bounded): "name, tags, configuration[event.poller.enabled, ...]". Only
 * keys, never values; NULL when body is not an object. */
const char *api_audit_fields(struct ed_request *req, const json_t *body);

/* Authentication (api/auth.c): validates the Authorization header and fills
 * req->auth. Returns 0 on success or the HTTP status of the error it set.
 * ED_AUTH_OPTIONAL: no credentials is success (unauthenticated);
 * ED_AUTH_ELEMENT: User + Element suffice (hub calls), and when no Element
 * part is sent the platform rules apply. */
int api_authenticate(struct ed_request *req, struct ed_response *res,
                     enum ed_auth_mode mode);

/* The hub entry (api_hub.c): a hub call on the Element token's instance,
 * on req->rest (or "/"). Platform routes that hand a call with an Element
 * token to the hub (/accounts, /accounts/{id}) set req->rest first. */
int api_hub_entry(struct ed_request *req, struct ed_response *res);

/* pageSize (def when absent, 1..max) and nextPage (the id to continue
 * below; 0 = from the newest) of a list paged by id, newest first. False
 * with a 400 set. */
bool api_id_paging(struct ed_request *req, struct ed_response *res, size_t def,
                   size_t max, size_t *size, int64_t *before);

/* One value of a platform list's small where clause (name = value [and
 * ...]) at w[*i]: 'quoted' ('' is a quote) or a bare word, into the
 * arena; *i moves past it. NULL with *why for an unterminated string or
 * no value. */
const char *api_where_value(struct ed_request *req, const char *w, size_t *i,
                            const char **why);

/* The instance of the request's Element token, in the caller's organization
 * and visible to the caller (api_instance_visible): true with its id in *id;
 * false with the answer set (404 without a token, 401 for an unknown or
 * foreign token, 403 for an instance out of the caller's reach). */
bool api_token_instance(struct ed_request *req, struct ed_response *res,
                        int64_t *id);

struct store_instance;
/* Roles (api_users.c): may the caller use this instance of its
 * organization, selected by its Element token? When not, a 403 is set and
 * the attempt audited ("auth.denied"). */
bool api_instance_visible(struct ed_request *req, struct ed_response *res,
                          const struct store_instance *row);

/* Route tables, one per resource file, concatenated by http/router.c. */
extern const struct ed_route api_health_routes[];
extern const struct ed_route api_auth_routes[];
extern const struct ed_route api_elements_routes[];
extern const struct ed_route api_hubs_routes[];
extern const struct ed_route api_instances_routes[];
/* Instance traces and the dashboard summary (api_traces.c). */
extern const struct ed_route api_traces_routes[];
extern const struct ed_route api_hub_routes[];
extern const struct ed_route api_events_routes[];
/* Virtual resources: definitions and transformations (api_vdr.c). */
extern const struct ed_route api_vdr_routes[];
/* Virtual resources, the VDR v2 view: /common-resources, /vdrs
 * (api_vdrs.c). */
extern const struct ed_route api_vdrs_routes[];
/* Bulk jobs (api_bulk.c). */
extern const struct ed_route api_bulk_routes[];
/* Bulk workflows and /bulkloader (api_bulkloader.c). */
extern const struct ed_route api_bulkloader_routes[];
/* API documents (api_docs.c). */
extern const struct ed_route api_docs_routes[];
/* The audit log, GET /audit (api_audit.c). */
extern const struct ed_route api_audit_routes[];
/* Secret lifecycle: user and organization secrets, instance tokens,
 * passwords (api_secrets.c). */
extern const struct ed_route api_secrets_routes[];
/* HubSpot webhooks in (api_webhooks.c). */
extern const struct ed_route api_webhooks_routes[];
/* Accounts and the organization (api_accounts.c), users (api_users.c). */
extern const struct ed_route api_accounts_routes[];
extern const struct ed_route api_users_routes[];
/* Console pages and assets, outside the API base path (api_console.c). */
extern const struct ed_route api_console_routes[];
/* The console's security headers (CSP, X-Frame-Options, ...), which every
 * response outside the API base path carries; html: a page (no-store). */
void api_console_headers(struct ed_response *res, bool html);

#endif
