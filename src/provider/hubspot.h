/* SPDX-License-Identifier: MIT */
#ifndef ED_PROVIDER_HUBSPOT_H
#define ED_PROVIDER_HUBSPOT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
#include "provider/provider.h"

/* HubSpot's authorization calls: code exchange, refresh (current and
 * legacy), introspection, revocation and private-app token info. Paths are
 * element data (src/elements/defs), passed in by the caller. */

enum hs_failure {
    HS_OK = 0,
    HS_REJECTED,      /* HubSpot said no (4xx): bad code, bad client, bad key */
    HS_INVALID_GRANT, /* the refresh token is dead: re-authenticate */
    HS_TRANSIENT,     /* 5xx, 429, timeout, connection failure: retry later */
};

struct hs_result {
    enum hs_failure failure;
    long status;            /* HubSpot's HTTP status (0: none) */
    char *provider_message; /* HubSpot's body on failure (heap) */
    json_t *body;           /* parsed JSON body on success (owned) */
};

void hs_result_cleanup(struct hs_result *r);

/* A prepared call: what to send (its strings owned, secrets wiped by
 * hs_call_cleanup) and how to classify the answer. Build it with one of the
 * hs_call_* builders below, then send it blocking (hs_call_send: background
 * threads and admin commands only, never an event loop) or asynchronously
 * (hs_call_submit). The call can be cleaned up right after submitting. */
struct hs_call {
    struct provider_request rq;
    char *url, *body, *bearer;
    bool refresh; /* a refresh: a dead grant is HS_INVALID_GRANT */
};
void hs_call_cleanup(struct hs_call *c);
/* Blocking send + classification; r is always initialised (clean it up). */
void hs_call_send(struct hs_call *c, struct hs_result *r);
/* Completion of an asynchronous call: r is borrowed for the duration of the
 * callback (move r->body out by setting it to NULL to keep it). */
typedef void (*hs_done_fn)(void *ud, struct hs_result *r);
/* Submit on the calling thread's event-loop engine after delay_ms; done runs
 * later, on this same thread (never inside this call). Returns the job
 * (see provider_async_cancel) or NULL when this thread has no engine, in
 * which case done is not called. */
struct provider_job *hs_call_submit(struct hs_call *c, long delay_ms,
                                    hs_done_fn done, void *ud);
/* Classify a raw answer (exposed for tests and the async path). */
void hs_classify(enum ed_err err, const struct provider_response *rs,
                 bool refresh, struct hs_result *r);

/* Builders (strings are copied; NULL values are left out of forms). */
void hs_call_token_from_code(struct hs_call *c, const char *api,
                             const char *path, const char *client_id,
                             const char *client_secret,
                             const char *redirect_uri, const char *code);
void hs_call_token_refresh(struct hs_call *c, const char *api, const char *path,
                           const char *client_id, const char *client_secret,
                           const char *refresh_token);
void hs_call_token_refresh_legacy(struct hs_call *c, const char *api,
                                  const char *path, const char *client_id,
                                  const char *refresh_token);
void hs_call_token_introspect(struct hs_call *c, const char *api,
                              const char *path, const char *client_id,
                              const char *client_secret,
                              const char *access_token);
void hs_call_token_revoke(struct hs_call *c, const char *api, const char *path,
                          const char *client_id, const char *client_secret,
                          const char *refresh_token);
void hs_call_private_app_info(struct hs_call *c, const char *api,
                              const char *path, const char *key);
/* GET {api}{path} with a bearer token; path must already be escaped. */
void hs_call_get_bearer(struct hs_call *c, const char *api, const char *path,
                        const char *token);

/* Blocking shorthands: build, hs_call_send, clean up. */

/* POST {api}{path} form: grant_type=authorization_code ... */
void hs_token_from_code(const char *api, const char *path,
                        const char *client_id, const char *client_secret,
                        const char *redirect_uri, const char *code,
                        struct hs_result *r);
/* POST {api}{path} form: grant_type=refresh_token ... */
void hs_token_refresh(const char *api, const char *path, const char *client_id,
                      const char *client_secret, const char *refresh_token,
                      struct hs_result *r);
/* Legacy OAuth refresh: POST {api}{path} form refresh_token, client_id. */
void hs_token_refresh_legacy(const char *api, const char *path,
                             const char *client_id, const char *refresh_token,
                             struct hs_result *r);
/* v3 introspection of an access token: hub_id, user, scopes, app_id. */
void hs_token_introspect(const char *api, const char *path,
                         const char *client_id, const char *client_secret,
                         const char *access_token, struct hs_result *r);
/* v3 revoke of a refresh token. */
void hs_token_revoke(const char *api, const char *path, const char *client_id,
                     const char *client_secret, const char *refresh_token,
                     struct hs_result *r);
/* Private-app token info (hubId, appId, scopes). */
void hs_private_app_info(const char *api, const char *path, const char *key,
                         struct hs_result *r);
/* GET {api}{path} with a bearer token (verification of legacy tokens). */
void hs_get_bearer(const char *api, const char *path, const char *token,
                   struct hs_result *r);

/* /metrics: the endpoint family (enum mx_family) of a HubSpot API path
 * (query ignored); search: the call is a search. */
unsigned hs_endpoint_family(const char *path, bool search);
/* /metrics: count one HubSpot call of that path and its answer (calls by
 * family and status, duration, 429s). Nothing when metrics are off. */
void hs_metrics_call(const char *path, bool search, enum ed_err err,
                     const struct provider_response *rs);

#endif
