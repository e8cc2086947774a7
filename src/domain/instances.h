/* SPDX-License-Identifier: MIT */
#ifndef ED_API_INSTANCES_H
#define ED_API_INSTANCES_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "store/store.h"

struct ed_app;
struct element;

/* Element instances in memory: the stored row with its secrets unsealed.
 * Everything that decides what an instance is (provisioning in each of the
 * four ways, configuration merging and masking, rendering) lives here; the
 * handlers in api_instances.c only parse requests and pick the instance. */

#define INSTANCE_MASK "********"

struct instance {
    struct store_instance row;
    const struct element *el;
    json_t *config;  /* non-secret configuration (owned) */
    json_t *secrets; /* secret configuration values, in clear (owned) */
    json_t *meta;    /* provider metadata (owned) */
    json_t *tags;    /* owned */
    char *token;     /* instance token, in clear */
};

void instance_cleanup(struct instance *in);
/* Load and unseal. org_id 0 = any organization. */
enum ed_err instance_load(struct ed_app *app, int64_t org_id, int64_t id,
                          struct instance *out);
enum ed_err instance_load_by_token(struct ed_app *app, const char *token,
                                   struct instance *out);
/* Unseal a row already read (takes ownership of *row). */
enum ed_err instance_from_row(struct ed_app *app, struct store_instance *row,
                              struct instance *out);
/* Configuration value (secret or not); NULL if unset. */
const char *instance_cfg(const struct instance *in, const char *key);
/* Public JSON of an instance (secrets masked, never providerData). */
json_t *instance_render(struct ed_app *app, const struct instance *in);
/* The configuration as an array of entries {id,key,name,propertyValue,...}. */
json_t *instance_config_entries(const struct instance *in);
/* Entry id → key; NULL if the id is not one of the element's keys. */
const char *instance_config_key_by_id(const struct instance *in,
                                      const char *config_id);
json_t *instance_config_entry(const struct instance *in, const char *key);

/* Seal the secrets back into row.secrets_ct (replacing it). */
enum ed_err instance_seal_secrets(struct ed_app *app, struct instance *in);
/* Persist name/tags/config/flags (not credentials). */
enum ed_err instance_save(struct ed_app *app, struct instance *in);

/* Store a token response (access_token, refresh_token, expires_in) in the
 * instance's secrets; keeps fallback_refresh when none is returned. */
void instance_take_tokens(struct instance *in, json_t *body,
                          const char *fallback_refresh);

/* POST /instances: validate, authenticate at HubSpot, store. Returns the
 * HTTP status, with res filled (instance JSON or error). */
int instance_create(struct ed_request *req, struct ed_response *res,
                    const struct element *el, json_t *body);
/* PUT (full=true) or PATCH an instance; providerData re-authenticates. */
int instance_modify(struct ed_request *req, struct ed_response *res,
                    struct instance *in, json_t *body, bool full);
/* Revoke at HubSpot (unless configured not to), then delete. */
int instance_delete(struct ed_request *req, struct ed_response *res,
                    struct instance *in);

#endif
