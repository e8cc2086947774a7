/* SPDX-License-Identifier: MIT */
#ifndef ED_API_INSTANCES_H
#define ED_API_INSTANCES_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
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
/* Persist the descriptive fields named by `fields` (enum store_inst_field)
 * from in, and only those (not credentials). */
enum ed_err instance_save(struct ed_app *app, struct instance *in,
                          unsigned fields);

/* Store a token response (access_token, refresh_token, expires_in) in the
 * instance's secrets; keeps fallback_refresh when none is returned. */
void instance_take_tokens(struct instance *in, json_t *body,
                          const char *fallback_refresh);

/* --- changes, as the handlers in api_instances.c drive them -------------- */

/* What a domain function reports when it refuses or fails: the catalogue
 * code and message the handler renders (+ HubSpot's answer). */
struct inst_error {
    enum ed_api_error code; /* ED_E_NONE: no error */
    char message[400];
    char *provider_message; /* heap or NULL */
};
void inst_error_cleanup(struct inst_error *e);

/* Called once when an asynchronous step ends, on the thread that started
 * it (an event loop); its outcome is in the inst_error given at the start. */
typedef void (*instance_done_fn)(void *ud);

/* POST /instances: validate body (name, tags, configuration, the shapes of
 * providerData and externalAuthentication) into a new, unsaved instance of
 * el. false + err on a refusal (out is then empty). */
bool instance_prepare_new(struct ed_app *app, const struct element *el,
                          json_t *body, struct instance *out,
                          struct inst_error *err);
/* Authenticate in at HubSpot (the mode follows from the configuration,
 * providerData pd and externalAuthentication ext): checks what the mode
 * needs (missing values, control characters in credentials: 400) and
 * submits HubSpot's calls on this thread's event loop. Returns true when
 * submitted: done(ud) runs later with *err set on failure (err must stay
 * valid until then; in is filled with secrets, metadata and expiry on
 * success). false + *err when refused at once (done is not called). pd and
 * ext are only read during this call. rid labels log lines. */
bool instance_provision(struct ed_app *app, struct instance *in, json_t *pd,
                        const char *ext, const char *rid, instance_done_fn done,
                        void *ud, struct inst_error *err);
/* Store a new, provisioned instance for (org_id, user_id): token, sealed
 * secrets. */
bool instance_store_new(struct ed_app *app, struct instance *in, int64_t org_id,
                        int64_t user_id, struct inst_error *err);

/* A PUT (full) or PATCH in progress: what it started from. */
struct inst_change {
    bool full, reauth;
    json_t *pd; /* providerData (owned) or NULL */
    char *ext;  /* externalAuthentication given, or NULL */
    char *old_name, *old_secrets, *old_reason;
    json_t *old_tags, *old_config;
    int old_valid, old_disabled;
};
void inst_change_cleanup(struct inst_change *ch);
/* Apply body to in (name, tags, configuration) and decide whether it must
 * re-authenticate (providerData, reauth_asked, a new API key): ch->reauth,
 * then the caller runs instance_provision(in, ch->pd, ch->ext) before
 * instance_change_commit. false + err on a refusal. */
bool instance_change_apply(struct ed_app *app, struct instance *in,
                           json_t *body, bool full, bool reauth_asked,
                           struct inst_change *ch, struct inst_error *err);
/* Persist what the change touched: credentials by compare-and-swap (409
 * when they moved meanwhile), then only the descriptive fields that
 * differ from what the change started from. */
bool instance_change_commit(struct ed_app *app, struct instance *in,
                            struct inst_change *ch, struct inst_error *err);

/* Revoke the refresh token at HubSpot before a delete, unless there is
 * none or provider.revoke.on.delete is "false". true when a call was
 * submitted: done(ud, revoked) runs later on this thread; false when there
 * is nothing to wait for (not revoked). */
bool instance_revoke(struct ed_app *app, const struct instance *in,
                     const char *rid, void (*done)(void *ud, bool revoked),
                     void *ud);

#endif
