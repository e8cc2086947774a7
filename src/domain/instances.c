/* SPDX-License-Identifier: MIT
 * Element instances: provisioning and management logic.
 *
 * Provisioning turns a HubSpot authorization into stored credentials in one
 * of four ways: an OAuth2 authorization code (exchanged at the token
 * endpoint, then introspected for hub id, user and scopes), OAuth2 legacy
 * tokens handed in by the caller (verified with one call), an existing
 * refresh token (externalAuthentication "initial": refreshed at once), or a
 * private-app token / API key (verified with the token-info call). Nothing
 * is stored unless HubSpot accepted the authorization.
 *
 * Configuration is kept as two JSON objects: plain values, and secret values
 * (sealed with the master key in the store). Values are strings or null, as
 * Cloud Elements returns them; secrets render as "********". */
#include "domain/instances.h"

#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "elements/elements.h"
#include "provider/hubspot.h"

#define MAX_NAME 512
#define MAX_TAGS 64

void instance_cleanup(struct instance *in)
{
    store_instance_cleanup(&in->row);
    json_decref(in->config);
    json_decref(in->meta);
    json_decref(in->tags);
    if (in->secrets) {
        /* wipe secret strings before they go back to the allocator */
        const char *k;
        json_t *v;
        json_object_foreach(in->secrets, k, v) {
            if (json_is_string(v))
                memset((char *)json_string_value(v), 0, json_string_length(v));
        }
        json_decref(in->secrets);
    }
    crypto_free_secret(in->token);
    memset(in, 0, sizeof(*in));
}

static json_t *parse_or(const char *text, json_t *fallback)
{
    json_error_t je;
    json_t *v = text ? json_loads(text, 0, &je) : NULL;
    if (!v)
        return fallback;
    json_decref(fallback);
    return v;
}

enum ed_err instance_from_row(struct ed_app *app, struct store_instance *row,
                              struct instance *out)
{
    char *plain = NULL;
    memset(out, 0, sizeof(*out));
    out->row = *row;
    memset(row, 0, sizeof(*row));
    out->el = elements_find(app->elements, out->row.element_key);
    out->config = parse_or(out->row.config, json_object());
    out->meta = parse_or(out->row.provider_meta, json_object());
    out->tags = parse_or(out->row.tags, json_array());
    /* the refresher commits credentials only (store_instance_put_credentials):
     * the configuration's refresh time follows the row */
    if (out->row.refreshed_at > 0 && out->row.auth_type &&
        strcmp(out->row.auth_type, "apiKey") != 0)
        json_object_set_new(
            out->config, "oauth.user.refresh_time",
            json_sprintf("%lld", (long long)out->row.refreshed_at));
    out->secrets = json_object();
    if (out->row.secrets_ct.data && out->row.secrets_ct.len) {
        if (crypto_open(app->keys, out->row.secrets_ct.data,
                        out->row.secrets_ct.len, &plain, NULL) != ED_OK)
            goto fail;
        out->secrets = parse_or(plain, out->secrets);
        crypto_free_secret(plain);
    }
    if (crypto_open(app->keys, out->row.token_ct.data, out->row.token_ct.len,
                    &out->token, NULL) != ED_OK)
        goto fail;
    if (!out->el)
        goto fail;
    return ED_OK;
fail:
    instance_cleanup(out);
    return ED_ERR_CRYPTO;
}

enum ed_err instance_load(struct ed_app *app, int64_t org_id, int64_t id,
                          struct instance *out)
{
    struct store_instance row = {0};
    enum ed_err err = store_instance_get(app->store, org_id, id, &row);
    if (err)
        return err;
    return instance_from_row(app, &row, out);
}

enum ed_err instance_load_by_token(struct ed_app *app, const char *token,
                                   struct instance *out)
{
    struct store_instance row = {0};
    uint8_t hash[ED_HASH_BYTES];
    crypto_lookup_hash(app->keys, token, hash);
    enum ed_err err = store_instance_find_by_token(app->store, hash, &row);
    if (err)
        return err;
    if ((err = instance_from_row(app, &row, out)))
        return err;
    if (!crypto_ct_streq(out->token, token)) {
        instance_cleanup(out);
        return ED_ERR_NOT_FOUND;
    }
    return ED_OK;
}

const char *instance_cfg(const struct instance *in, const char *key)
{
    json_t *v = json_object_get(in->secrets, key);
    if (!v)
        v = json_object_get(in->config, key);
    return json_string_value(v);
}

/* --- configuration values -------------------------------------------------- */

/* A configuration value as Cloud Elements stores it: string or null. */
static json_t *cfg_value(json_t *v)
{
    if (json_is_string(v))
        return json_incref(v);
    if (json_is_true(v))
        return json_string("true");
    if (json_is_false(v))
        return json_string("false");
    if (json_is_integer(v))
        return json_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return json_sprintf("%g", json_real_value(v));
    if (json_is_object(v) || json_is_array(v)) {
        char *s = json_dumps(v, JSON_COMPACT);
        json_t *o = json_string(s);
        free(s);
        return o;
    }
    return json_null();
}

static bool is_internal_key(const struct element *el, const char *key)
{
    return json_is_true(json_object_get(element_config_def(el, key), "internal"));
}

/* Put a value in the secret or the plain map, removing it from the other. */
static void cfg_set(const struct element *el, json_t *config, json_t *secrets,
                    const char *key, json_t *value_new)
{
    if (element_config_is_secret(el, key)) {
        json_object_del(config, key);
        if (json_is_null(value_new)) {
            json_object_del(secrets, key);
            json_decref(value_new);
        } else {
            json_object_set_new(secrets, key, value_new);
        }
    } else {
        json_object_set_new(config, key, value_new);
    }
}

/* Element defaults for every defined key. */
static void cfg_defaults(const struct element *el, json_t *config)
{
    size_t i;
    json_t *d;
    json_array_foreach(el->config, i, d) {
        const char *key = json_string_value(json_object_get(d, "key"));
        json_t *dv = json_object_get(d, "defaultValue");
        if (!element_config_is_secret(el, key))
            json_object_set_new(config, key, dv ? json_incref(dv) : json_null());
    }
}

/* Apply a request's configuration object; "********" keeps the old value.
 * Internal (managed) keys are only taken when allow_internal. */
static const char *cfg_apply(const struct element *el, json_t *config,
                             json_t *secrets, json_t *input,
                             bool allow_internal)
{
    const char *key;
    json_t *v;
    if (input && !json_is_object(input))
        return "configuration must be a JSON object";
    json_object_foreach(input, key, v) {
        if (strlen(key) > 256)
            return "configuration key too long";
        if (json_is_string(v) && strcmp(json_string_value(v), INSTANCE_MASK) == 0)
            continue;
        if (is_internal_key(el, key) && !allow_internal)
            continue;
        json_t *nv = cfg_value(v);
        if (json_is_string(nv) && json_string_length(nv) > 65536) {
            json_decref(nv);
            return "configuration value too long";
        }
        cfg_set(el, config, secrets, key, nv);
    }
    return NULL;
}

/* --- rendering ------------------------------------------------------------ */

static json_t *render_config(const struct instance *in)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    size_t i;
    json_t *d;
    json_array_foreach(in->el->config, i, d) {
        key = json_string_value(json_object_get(d, "key"));
        json_object_set_new(out, key, json_null());
    }
    json_object_foreach(in->config, key, v)
        json_object_set(out, key, v);
    json_object_foreach(in->secrets, key, v)
        json_object_set_new(out, key, json_string(INSTANCE_MASK));
    return out;
}

json_t *instance_render(struct ed_app *app, const struct instance *in)
{
    char created[32];
    struct store_user u = {0};
    ed_iso8601(in->row.created_at, created, sizeof(created));
    json_t *user = json_pack("{s:I}", "id", (json_int_t)in->row.user_id);
    if (store_user_get(app->store, in->row.user_id, &u) == ED_OK) {
        json_object_set_new(user, "emailAddress", json_string(u.email));
        json_object_set_new(user, "firstName",
                            u.first_name ? json_string(u.first_name) : json_null());
        json_object_set_new(user, "lastName",
                            u.last_name ? json_string(u.last_name) : json_null());
    }
    store_user_cleanup(&u);
    const char *events = json_string_value(
        json_object_get(in->config, "event.notification.enabled"));
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:O, s:I, s:O, s:[], s:b, s:b, s:i, s:i, s:b, "
        "s:o, s:b, s:b, s:s, s:o}",
        "id", (json_int_t)in->row.id, "name", in->row.name, "createdDate",
        created, "token", in->token, "element", in->el->object, "elementId",
        (json_int_t)in->el->id, "tags", in->tags, "provisionInteractions",
        "valid", in->row.valid, "disabled", in->row.disabled, "maxCacheSize", 0,
        "cacheTimeToLive", 0, "cachingEnabled", 0, "configuration",
        render_config(in), "eventsEnabled", events && strcmp(events, "true") == 0,
        "traceLoggingEnabled", 0, "externalAuthentication",
        in->row.external_auth ? in->row.external_auth : "none", "user", user);
    json_t *hub = json_object_get(in->meta, "hub_id");
    if (json_is_integer(hub))
        json_object_set(o, "portalId", hub);
    json_object_set_new(o, "authenticationType", json_string(in->row.auth_type));
    if (!in->row.valid && in->row.invalid_reason)
        json_object_set_new(o, "invalidReason",
                            json_string(in->row.invalid_reason));
    return o;
}

static json_int_t config_id(const struct instance *in, size_t index)
{
    return (json_int_t)(in->el->id * 1000 + (int64_t)index + 1);
}

json_t *instance_config_entry(const struct instance *in, const char *key)
{
    size_t i;
    json_t *d;
    json_array_foreach(in->el->config, i, d) {
        if (strcmp(json_string_value(json_object_get(d, "key")), key) != 0)
            continue;
        const char *v = instance_cfg(in, key);
        bool secret = element_config_is_secret(in->el, key);
        return json_pack("{s:I, s:s, s:O, s:O, s:O, s:O, s:o}", "id",
                         config_id(in, i), "key", key, "name",
                         json_object_get(d, "name"), "description",
                         json_object_get(d, "description"), "type",
                         json_object_get(d, "type"), "required",
                         json_object_get(d, "required"), "propertyValue",
                         v ? json_string(secret ? INSTANCE_MASK : v)
                           : json_null());
    }
    return NULL;
}

json_t *instance_config_entries(const struct instance *in)
{
    json_t *arr = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(in->el->config, i, d) {
        json_array_append_new(
            arr, instance_config_entry(in, json_string_value(json_object_get(d, "key"))));
    }
    return arr;
}

const char *instance_config_key_by_id(const struct instance *in,
                                      const char *config_id_s)
{
    uint64_t id;
    if (!ed_parse_u64(config_id_s, INT64_MAX, &id))
        return NULL;
    size_t i;
    json_t *d;
    json_array_foreach(in->el->config, i, d) {
        if ((uint64_t)config_id(in, i) == id)
            return json_string_value(json_object_get(d, "key"));
    }
    return NULL;
}

/* --- persistence ------------------------------------------------------------ */

enum ed_err instance_seal_secrets(struct ed_app *app, struct instance *in)
{
    char *txt = json_dumps(in->secrets, JSON_COMPACT);
    free(in->row.secrets_ct.data);
    in->row.secrets_ct.data = NULL;
    enum ed_err err = crypto_seal(app->keys, txt, strlen(txt),
                                  &in->row.secrets_ct.data,
                                  &in->row.secrets_ct.len);
    memset(txt, 0, strlen(txt));
    free(txt);
    return err;
}

static void sync_row_text(struct instance *in)
{
    free(in->row.config);
    free(in->row.tags);
    free(in->row.provider_meta);
    in->row.config = json_dumps(in->config, JSON_COMPACT);
    in->row.tags = json_dumps(in->tags, JSON_COMPACT);
    in->row.provider_meta = json_dumps(in->meta, JSON_COMPACT);
}

enum ed_err instance_save(struct ed_app *app, struct instance *in)
{
    (void)app;
    sync_row_text(in);
    return store_instance_update(app->store, &in->row);
}

/* --- provisioning ------------------------------------------------------------ */

enum prov_mode { MODE_CODE, MODE_LEGACY, MODE_EXTERNAL, MODE_APIKEY };

struct prov {
    enum prov_mode mode;
    json_t *meta;   /* new reference on success */
    int64_t expires_at;
};

static const char *pd_str(struct ed_request *req, json_t *pd, const char *name)
{
    json_t *v = json_object_get(pd, name);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return ed_arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
    return NULL;
}

static enum prov_mode pick_mode(struct ed_request *req, json_t *config,
                                json_t *pd, const char *ext)
{
    const char *at = json_string_value(json_object_get(config, "authentication.type"));
    if (at && (ed_strcaseeq(at, "apiKey") || ed_strcaseeq(at, "apikey")))
        return MODE_APIKEY;
    if (ext && strcmp(ext, "initial") == 0)
        return MODE_EXTERNAL;
    if (pd_str(req, pd, "access_token"))
        return MODE_LEGACY;
    return MODE_CODE;
}

/* Which entries are missing for a mode; "" when none (arena string). */
static const char *missing_entries(struct ed_request *req, const struct instance *in,
                                   enum prov_mode mode, json_t *pd)
{
    static const char *const need_code[] = {"oauth.api.key", "oauth.api.secret",
                                            "oauth.callback.url", NULL};
    static const char *const need_legacy[] = {"oauth.api.key", "oauth.api.secret",
                                              NULL};
    static const char *const need_ext[] = {"oauth.api.key", "oauth.api.secret",
                                           "oauth.user.refresh_token", NULL};
    static const char *const need_key[] = {"hubspot.authorization.apikey", NULL};
    const char *const *need = mode == MODE_CODE     ? need_code
                              : mode == MODE_LEGACY ? need_legacy
                              : mode == MODE_EXTERNAL ? need_ext
                                                      : need_key;
    char buf[1024] = "";
    size_t k = 0;
    for (; *need; need++) {
        const char *v = instance_cfg(in, *need);
        if (!v || !*v) {
            int n = snprintf(buf + k, sizeof(buf) - k, "%s%s", k ? ", " : "", *need);
            if (n > 0 && (size_t)n < sizeof(buf) - k)
                k += (size_t)n;
        }
    }
    if (mode == MODE_CODE && !pd_str(req, pd, "code")) {
        int n = snprintf(buf + k, sizeof(buf) - k, "%sproviderData.code", k ? ", " : "");
        if (n > 0 && (size_t)n < sizeof(buf) - k)
            k += (size_t)n;
    }
    if (mode == MODE_LEGACY && !pd_str(req, pd, "refresh_token")) {
        int n = snprintf(buf + k, sizeof(buf) - k, "%sproviderData.refresh_token",
                         k ? ", " : "");
        if (n > 0 && (size_t)n < sizeof(buf) - k)
            k += (size_t)n;
    }
    return ed_arena_strdup(req->arena, buf);
}

/* Map a failed HubSpot call onto the response: 400 + providerMessage when
 * HubSpot refused, 502 when it failed. */
static int provider_failed(struct ed_request *req, struct ed_response *res,
                           struct hs_result *r, const char *what)
{
    if (r->failure == HS_TRANSIENT)
        api_error(req, res, ED_E_BAD_GATEWAY, "HubSpot failed while %s", what);
    else
        api_error(req, res, ED_E_BAD_REQUEST, "HubSpot rejected the request while %s",
                  what);
    if (r->provider_message)
        res->provider_message = ed_arena_strdup(req->arena, r->provider_message);
    return res->status;
}

void instance_take_tokens(struct instance *in, json_t *body,
                          const char *fallback_refresh)
{
    const char *at = json_string_value(json_object_get(body, "access_token"));
    const char *rt = json_string_value(json_object_get(body, "refresh_token"));
    json_t *exp = json_object_get(body, "expires_in");
    json_int_t ttl = json_is_integer(exp) ? json_integer_value(exp) : 1800;
    if (json_is_string(exp)) {
        int64_t v;
        if (ed_parse_i64(json_string_value(exp), &v))
            ttl = v;
    }
    if (at)
        json_object_set_new(in->secrets, "oauth.user.token", json_string(at));
    if (rt || fallback_refresh)
        json_object_set_new(in->secrets, "oauth.user.refresh_token",
                            json_string(rt ? rt : fallback_refresh));
    in->row.refreshed_at = ed_now_s();
    in->row.access_expires_at = in->row.refreshed_at + ttl;
    json_object_set_new(in->config, "oauth.user.refresh_time",
                        json_sprintf("%lld", (long long)in->row.refreshed_at));
}

/* Merge token metadata (introspection / token info) into in->meta. */
static void take_meta(struct instance *in, json_t *body)
{
    static const char *const keys[] = {"hub_id", "user", "user_id", "app_id",
                                       "scopes", "hub_domain", "hubId", "appId",
                                       "userId", NULL};
    for (size_t i = 0; keys[i]; i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (!v)
            continue;
        const char *k = keys[i];
        if (strcmp(k, "hubId") == 0)
            k = "hub_id";
        else if (strcmp(k, "appId") == 0)
            k = "app_id";
        else if (strcmp(k, "userId") == 0)
            k = "user_id";
        json_object_set(in->meta, k, v);
    }
}

static void introspect(struct ed_app *app, struct instance *in)
{
    struct hs_result r;
    hs_token_introspect(app->cfg->hubspot_api_url,
                        element_oauth(in->el, "introspectPath"),
                        instance_cfg(in, "oauth.api.key"),
                        instance_cfg(in, "oauth.api.secret"),
                        instance_cfg(in, "oauth.user.token"), &r);
    if (r.failure == HS_OK)
        take_meta(in, r.body);
    else
        ed_warn(NULL, "msg=\"token introspection failed\" instance=%lld status=%ld",
                (long long)in->row.id, r.status);
    hs_result_cleanup(&r);
}

/* Authenticate at HubSpot according to the mode; fills in's secrets, meta
 * and expiry. Returns 0, or the HTTP status of the error set on res. */
static int provision(struct ed_request *req, struct ed_response *res,
                     struct instance *in, json_t *pd, const char *ext)
{
    struct ed_app *app = req->app;
    const char *api = app->cfg->hubspot_api_url;
    struct hs_result r = {0};
    enum prov_mode mode = pick_mode(req, in->config, pd, ext);
    const char *missing = missing_entries(req, in, mode, pd);
    int rc = 0;
    if (*missing)
        return api_error(req, res, ED_E_BAD_REQUEST,
                         "Missing required configuration: %s", missing);
    json_object_clear(in->meta);
    switch (mode) {
    case MODE_APIKEY:
        hs_private_app_info(api, element_oauth(in->el, "privateAppInfoPath"),
                            instance_cfg(in, "hubspot.authorization.apikey"), &r);
        if (r.failure) {
            rc = provider_failed(req, res, &r, "verifying the API key");
            goto out;
        }
        take_meta(in, r.body);
        json_object_del(in->secrets, "oauth.user.token");
        json_object_del(in->secrets, "oauth.user.refresh_token");
        in->row.access_expires_at = 0;
        in->row.refreshed_at = ed_now_s();
        free(in->row.auth_type);
        in->row.auth_type = ed_strdup("apiKey");
        break;
    case MODE_CODE:
        hs_token_from_code(api, element_oauth(in->el, "tokenPath"),
                           instance_cfg(in, "oauth.api.key"),
                           instance_cfg(in, "oauth.api.secret"),
                           instance_cfg(in, "oauth.callback.url"),
                           pd_str(req, pd, "code"), &r);
        if (r.failure) {
            rc = provider_failed(req, res, &r, "exchanging the authorization code");
            goto out;
        }
        instance_take_tokens(in, r.body, NULL);
        take_meta(in, r.body);
        introspect(app, in);
        free(in->row.auth_type);
        in->row.auth_type = ed_strdup("oauth2");
        break;
    case MODE_EXTERNAL:
        hs_token_refresh(api, element_oauth(in->el, "tokenPath"),
                         instance_cfg(in, "oauth.api.key"),
                         instance_cfg(in, "oauth.api.secret"),
                         instance_cfg(in, "oauth.user.refresh_token"), &r);
        if (r.failure) {
            rc = provider_failed(req, res, &r, "refreshing the given refresh token");
            goto out;
        }
        instance_take_tokens(in, r.body, instance_cfg(in, "oauth.user.refresh_token"));
        take_meta(in, r.body);
        introspect(app, in);
        free(in->row.auth_type);
        in->row.auth_type = ed_strdup("oauth2");
        break;
    case MODE_LEGACY: {
        json_t *tok = json_pack("{s:s, s:s, s:O?}", "access_token",
                                pd_str(req, pd, "access_token"), "refresh_token",
                                pd_str(req, pd, "refresh_token"), "expires_in",
                                json_object_get(pd, "expires_in"));
        instance_take_tokens(in, tok, NULL);
        json_decref(tok);
        char *path = ed_asprintf("%s%s", element_oauth(in->el, "legacyVerifyPath"),
                                 pd_str(req, pd, "access_token"));
        hs_get_bearer(api, path, pd_str(req, pd, "access_token"), &r);
        free(path);
        if (r.failure) {
            rc = provider_failed(req, res, &r, "verifying the legacy tokens");
            goto out;
        }
        take_meta(in, r.body);
        free(in->row.auth_type);
        in->row.auth_type = ed_strdup("oauth2_legacy");
        break;
    }
    }
    in->row.valid = 1;
    free(in->row.invalid_reason);
    in->row.invalid_reason = NULL;
out:
    hs_result_cleanup(&r);
    return rc;
}

/* --- create / modify / delete ------------------------------------------------ */

static char *clean_name(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? ed_html_strip(s) : NULL;
}

/* Sanitised tags array (new reference) or NULL + message. */
static json_t *clean_tags(json_t *v, const char **why)
{
    json_t *out = json_array();
    size_t i;
    json_t *t;
    if (!json_is_array(v) || json_array_size(v) > MAX_TAGS) {
        *why = "tags must be an array of at most 64 strings";
        json_decref(out);
        return NULL;
    }
    json_array_foreach(v, i, t) {
        if (!json_is_string(t) || json_string_length(t) > MAX_NAME) {
            *why = "tags must be strings of at most 512 characters";
            json_decref(out);
            return NULL;
        }
        char *c = ed_html_strip(json_string_value(t));
        json_array_append_new(out, json_string(c));
        free(c);
    }
    return out;
}

static int respond_instance(struct ed_request *req, struct ed_response *res,
                            struct instance *in)
{
    return api_json(res, 200, instance_render(req->app, in));
}

int instance_create(struct ed_request *req, struct ed_response *res,
                    const struct element *el, json_t *body)
{
    struct ed_app *app = req->app;
    struct instance in;
    char *name = NULL;
    const char *why = NULL;
    uint8_t hash[ED_HASH_BYTES];
    int status;
    memset(&in, 0, sizeof(in));
    in.el = el;
    in.config = json_object();
    in.secrets = json_object();
    in.meta = json_object();
    in.row.auth_type = ed_strdup("oauth2");
    json_t *pd = json_object_get(body, "providerData");
    json_t *ext = json_object_get(body, "externalAuthentication");
    if (pd && !json_is_object(pd) && !json_is_null(pd)) {
        status = api_error(req, res, ED_E_BAD_REQUEST, "providerData must be an object");
        goto out;
    }
    if (ext && !json_is_string(ext) && !json_is_null(ext)) {
        status = api_error(req, res, ED_E_BAD_REQUEST,
                           "externalAuthentication must be a string");
        goto out;
    }
    name = clean_name(json_object_get(body, "name"));
    if (!name || !*name || strlen(name) > MAX_NAME) {
        status = api_error(req, res, ED_E_BAD_REQUEST,
                           "name is required (a non-empty string of at most 512 "
                           "characters)");
        goto out;
    }
    json_t *tags = json_object_get(body, "tags");
    in.tags = tags && !json_is_null(tags) ? clean_tags(tags, &why)
                                          : json_pack("[s]", name);
    if (!in.tags) {
        status = api_error(req, res, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    cfg_defaults(el, in.config);
    if ((why = cfg_apply(el, in.config, in.secrets,
                         json_object_get(body, "configuration"), true))) {
        status = api_error(req, res, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    if ((status = provision(req, res, &in, pd, json_string_value(ext))))
        goto out;
    /* everything HubSpot accepted: now store */
    in.row.org_id = req->auth.org_id;
    in.row.user_id = req->auth.user_id;
    in.row.element_key = ed_strdup(el->key);
    in.row.name = ed_strdup(name);
    in.row.external_auth =
        ed_strdup(json_is_string(ext) ? json_string_value(ext) : "none");
    in.row.valid = 1;
    in.token = crypto_random_b64(32);
    crypto_lookup_hash(app->keys, in.token, hash);
    if (crypto_seal(app->keys, in.token, strlen(in.token), &in.row.token_ct.data,
                    &in.row.token_ct.len) != ED_OK ||
        instance_seal_secrets(app, &in) != ED_OK) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot seal credentials");
        goto out;
    }
    sync_row_text(&in);
    if (store_instance_create(app->store, &in.row, hash) != ED_OK) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot store the instance");
        goto out;
    }
    ed_info(req->request_id, "msg=\"instance created\" instance=%lld element=%s "
                             "auth=%s",
            (long long)in.row.id, el->key, in.row.auth_type);
    status = respond_instance(req, res, &in);
out:
    free(name);
    instance_cleanup(&in);
    return status;
}

int instance_modify(struct ed_request *req, struct ed_response *res,
                    struct instance *in, json_t *body, bool full)
{
    struct ed_app *app = req->app;
    const char *why = NULL;
    json_t *pd = json_object_get(body, "providerData");
    json_t *cfg = json_object_get(body, "configuration");
    json_t *name_v = json_object_get(body, "name");
    json_t *tags_v = json_object_get(body, "tags");
    bool reauth = json_is_object(pd) ||
                  (req_query(req, "reAuthenticate") &&
                   strcmp(req_query(req, "reAuthenticate"), "true") == 0);
    const char *old_key = instance_cfg(in, "hubspot.authorization.apikey");
    char *old_key_copy = old_key ? ed_strdup(old_key) : NULL;
    char *old_secrets = json_dumps(in->secrets, JSON_COMPACT | JSON_SORT_KEYS);
    char *new_secrets = NULL;
    int status;
    if (name_v && !json_is_null(name_v)) {
        char *n = clean_name(name_v);
        if (!n || !*n || strlen(n) > MAX_NAME) {
            free(n);
            status = api_error(req, res, ED_E_BAD_REQUEST,
                               "name must be a non-empty string");
            goto out;
        }
        free(in->row.name);
        in->row.name = n;
    } else if (full) {
        status = api_error(req, res, ED_E_BAD_REQUEST, "name is required");
        goto out;
    }
    if (tags_v && !json_is_null(tags_v)) {
        json_t *t = clean_tags(tags_v, &why);
        if (!t) {
            status = api_error(req, res, ED_E_BAD_REQUEST, "%s", why);
            goto out;
        }
        json_decref(in->tags);
        in->tags = t;
    } else if (full) {
        json_decref(in->tags);
        in->tags = json_pack("[s]", in->row.name);
    }
    if (full && cfg) {
        /* PUT replaces the configuration; managed keys (tokens) stay */
        json_t *nc = json_object(), *ns = json_object();
        const char *k;
        json_t *v;
        cfg_defaults(in->el, nc);
        json_object_foreach(in->config, k, v)
            if (is_internal_key(in->el, k))
                json_object_set(nc, k, v);
        json_object_foreach(in->secrets, k, v)
            if (is_internal_key(in->el, k) ||
                (json_is_object(cfg) && json_is_string(json_object_get(cfg, k)) &&
                 strcmp(json_string_value(json_object_get(cfg, k)), INSTANCE_MASK) == 0))
                json_object_set(ns, k, v);
        json_decref(in->config);
        in->secrets = (json_decref(in->secrets), ns);
        in->config = nc;
    }
    if ((why = cfg_apply(in->el, in->config, in->secrets, cfg, false))) {
        status = api_error(req, res, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    const char *new_key = instance_cfg(in, "hubspot.authorization.apikey");
    if (!reauth && strcmp(in->row.auth_type, "apiKey") == 0 && new_key &&
        (!old_key_copy || strcmp(new_key, old_key_copy) != 0))
        reauth = true;
    if (reauth) {
        json_t *ext = json_object_get(body, "externalAuthentication");
        if ((status = provision(req, res, in, pd,
                                json_is_string(ext) ? json_string_value(ext) : NULL)))
            goto out;
        if (json_is_string(ext)) {
            free(in->row.external_auth);
            in->row.external_auth = ed_strdup(json_string_value(ext));
        }
    }
    new_secrets = json_dumps(in->secrets, JSON_COMPACT | JSON_SORT_KEYS);
    bool creds_changed = reauth || strcmp(old_secrets, new_secrets) != 0;
    if (creds_changed && instance_seal_secrets(app, in) != ED_OK) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot seal credentials");
        goto out;
    }
    sync_row_text(in);
    /* credentials first (compare-and-swap on the version), then the rest;
     * a change that leaves them alone does not race the token refresher */
    enum ed_err err = creds_changed
                          ? store_instance_put_credentials(app->store, &in->row)
                          : ED_OK;
    if (err == ED_OK)
        err = store_instance_update(app->store, &in->row);
    if (err == ED_ERR_BUSY) {
        status = api_error(req, res, ED_E_CONFLICT,
                           "The instance changed meanwhile; retry");
        goto out;
    }
    if (err) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot store the instance");
        goto out;
    }
    status = respond_instance(req, res, in);
out:
    crypto_free_secret(old_key_copy);
    crypto_free_secret(old_secrets);
    crypto_free_secret(new_secrets);
    return status;
}

int instance_delete(struct ed_request *req, struct ed_response *res,
                    struct instance *in)
{
    struct ed_app *app = req->app;
    const char *revoke = instance_cfg(in, "provider.revoke.on.delete");
    const char *rt = instance_cfg(in, "oauth.user.refresh_token");
    bool revoked = false;
    if (strcmp(in->row.auth_type, "oauth2") == 0 && rt &&
        !(revoke && strcmp(revoke, "false") == 0)) {
        struct hs_result r;
        hs_token_revoke(app->cfg->hubspot_api_url,
                        element_oauth(in->el, "revokePath"),
                        instance_cfg(in, "oauth.api.key"),
                        instance_cfg(in, "oauth.api.secret"), rt, &r);
        revoked = r.failure == HS_OK;
        if (!revoked)
            ed_warn(req->request_id,
                    "msg=\"refresh token revocation failed\" instance=%lld "
                    "status=%ld",
                    (long long)in->row.id, r.status);
        hs_result_cleanup(&r);
    }
    if (store_instance_delete(app->store, in->row.org_id, in->row.id) != ED_OK)
        return api_error(req, res, ED_E_INTERNAL, "Cannot delete the instance");
    ed_info(req->request_id, "msg=\"instance deleted\" instance=%lld revoked=%d",
            (long long)in->row.id, revoked);
    return api_json(res, 200,
                    json_pack("{s:I, s:b, s:b}", "id", (json_int_t)in->row.id,
                              "deleted", 1, "revoked", revoked));
}
