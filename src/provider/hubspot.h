/* SPDX-License-Identifier: MIT */
#ifndef ED_PROVIDER_HUBSPOT_H
#define ED_PROVIDER_HUBSPOT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"

/* HubSpot's authorization calls: code exchange, refresh (current and
 * legacy), introspection, revocation and private-app token info. Paths are
 * element data (src/elements/defs), passed in by the caller. */

enum hs_failure {
    HS_OK = 0,
    HS_REJECTED,  /* HubSpot said no (4xx): bad code, bad client, bad key */
    HS_INVALID_GRANT, /* the refresh token is dead: re-authenticate */
    HS_TRANSIENT, /* 5xx, 429, timeout, connection failure: retry later */
};

struct hs_result {
    enum hs_failure failure;
    long status;           /* HubSpot's HTTP status (0: none) */
    char *provider_message; /* HubSpot's body on failure (heap) */
    json_t *body;          /* parsed JSON body on success (owned) */
};

void hs_result_cleanup(struct hs_result *r);

/* POST {api}{path} form: grant_type=authorization_code ... */
void hs_token_from_code(const char *api, const char *path, const char *client_id,
                        const char *client_secret, const char *redirect_uri,
                        const char *code, struct hs_result *r);
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

#endif
