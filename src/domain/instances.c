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

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/app.h"
#include "core/buf.h"
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
        json_object_set_new(out->config, "oauth.user.refresh_time",
                            json_sprintf("%lld",
                                         (long long)out->row.refreshed_at));
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
    /* under every live key: a key rotation may be under way */
    enum ed_err err = ED_ERR_NOT_FOUND;
    for (size_t k = 0; err == ED_ERR_NOT_FOUND &&
                       crypto_lookup_hash_n(app->keys, token, k, hash);
         k++)
        err = store_instance_find_by_token(app->store, hash, &row);
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
    return json_is_true(
        json_object_get(element_config_def(el, key), "internal"));
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
            json_object_set_new(config, key,
                                dv ? json_incref(dv) : json_null());
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
        if (json_is_string(v) &&
            strcmp(json_string_value(v), INSTANCE_MASK) == 0)
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
                            u.first_name ? json_string(u.first_name)
                                         : json_null());
        json_object_set_new(user, "lastName",
                            u.last_name ? json_string(u.last_name)
                                        : json_null());
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
        render_config(in), "eventsEnabled",
        events && ed_strcaseeq(events, "true"), "traceLoggingEnabled",
        in->row.trace_logging, "externalAuthentication",
        in->row.external_auth ? in->row.external_auth : "none", "user", user);
    json_t *hub = json_object_get(in->meta, "hub_id");
    if (json_is_integer(hub))
        json_object_set(o, "portalId", hub);
    json_object_set_new(o, "authenticationType",
                        json_string(in->row.auth_type));
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
            arr, instance_config_entry(in, json_string_value(
                                               json_object_get(d, "key"))));
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

enum ed_err instance_save(struct ed_app *app, struct instance *in,
                          unsigned fields)
{
    sync_row_text(in);
    return store_instance_update(app->store, &in->row, fields);
}

/* --- errors ------------------------------------------------------------------- */

void inst_error_cleanup(struct inst_error *e)
{
    free(e->provider_message);
    memset(e, 0, sizeof(*e));
}

static bool fail(struct inst_error *e, enum ed_api_error code, const char *fmt,
                 ...) __attribute__((format(printf, 3, 4)));
static bool fail(struct inst_error *e, enum ed_api_error code, const char *fmt,
                 ...)
{
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return false;
}

/* --- provisioning ------------------------------------------------------------ */

enum prov_mode { MODE_CODE, MODE_LEGACY, MODE_EXTERNAL, MODE_APIKEY };

/* A providerData value as a string (heap), integers printed; NULL if none. */
static char *pd_dup(json_t *pd, const char *name)
{
    json_t *v = json_object_get(pd, name);
    if (json_is_string(v))
        return ed_strdup(json_string_value(v));
    if (json_is_integer(v))
        return ed_asprintf("%lld", (long long)json_integer_value(v));
    return NULL;
}

static bool pd_has(json_t *pd, const char *name)
{
    json_t *v = json_object_get(pd, name);
    return json_is_string(v) || json_is_integer(v);
}

static enum prov_mode pick_mode(json_t *config, json_t *pd, const char *ext)
{
    const char *at = json_string_value(
        json_object_get(config, "authentication.type"));
    if (at && (ed_strcaseeq(at, "apiKey") || ed_strcaseeq(at, "apikey")))
        return MODE_APIKEY;
    if (ext && strcmp(ext, "initial") == 0)
        return MODE_EXTERNAL;
    if (pd_has(pd, "access_token"))
        return MODE_LEGACY;
    return MODE_CODE;
}

static void list_add(char *buf, size_t cap, size_t *k, const char *item)
{
    int n = snprintf(buf + *k, cap - *k, "%s%s", *k ? ", " : "", item);
    if (n > 0 && (size_t)n < cap - *k)
        *k += (size_t)n;
}

/* Which entries are missing for a mode, and which credentials carry a
 * control character (CR/LF would become a header or break the form);
 * false + err when any. */
static bool check_inputs(const struct instance *in, enum prov_mode mode,
                         json_t *pd, struct inst_error *err)
{
    static const char *const need_code[] = {"oauth.api.key", "oauth.api.secret",
                                            "oauth.callback.url", NULL};
    static const char *const need_legacy[] = {"oauth.api.key",
                                              "oauth.api.secret", NULL};
    static const char *const need_ext[] = {"oauth.api.key", "oauth.api.secret",
                                           "oauth.user.refresh_token", NULL};
    static const char *const need_key[] = {"hubspot.authorization.apikey",
                                           NULL};
    static const char *const creds[] = {"oauth.api.key",
                                        "oauth.api.secret",
                                        "oauth.callback.url",
                                        "oauth.user.refresh_token",
                                        "hubspot.authorization.apikey",
                                        NULL};
    static const char *const pd_creds[] = {"code", "access_token",
                                           "refresh_token", "apikey", NULL};
    const char *const *need = mode == MODE_CODE       ? need_code
                              : mode == MODE_LEGACY   ? need_legacy
                              : mode == MODE_EXTERNAL ? need_ext
                                                      : need_key;
    char buf[1024] = "";
    size_t k = 0;
    for (; *need; need++) {
        const char *v = instance_cfg(in, *need);
        if (!v || !*v)
            list_add(buf, sizeof(buf), &k, *need);
    }
    if (mode == MODE_CODE && !pd_has(pd, "code"))
        list_add(buf, sizeof(buf), &k, "providerData.code");
    if (mode == MODE_LEGACY && !pd_has(pd, "refresh_token"))
        list_add(buf, sizeof(buf), &k, "providerData.refresh_token");
    if (k)
        return fail(err, ED_E_BAD_REQUEST, "Missing required configuration: %s",
                    buf);
    for (size_t i = 0; creds[i]; i++) {
        if (ed_has_control(instance_cfg(in, creds[i])))
            list_add(buf, sizeof(buf), &k, creds[i]);
    }
    for (size_t i = 0; pd_creds[i]; i++) {
        if (ed_has_control(
                json_string_value(json_object_get(pd, pd_creds[i])))) {
            char name[64];
            snprintf(name, sizeof(name), "providerData.%s", pd_creds[i]);
            list_add(buf, sizeof(buf), &k, name);
        }
    }
    if (k)
        return fail(err, ED_E_BAD_REQUEST,
                    "Control characters are not allowed in credentials: %s",
                    buf);
    return true;
}

/* A failed HubSpot call: 400 + providerMessage when HubSpot refused, 502
 * when it failed. */
static void provider_failed(struct inst_error *err, struct hs_result *r,
                            const char *what)
{
    if (r->failure == HS_TRANSIENT)
        fail(err, ED_E_BAD_GATEWAY, "HubSpot failed while %s", what);
    else
        fail(err, ED_E_BAD_REQUEST, "HubSpot rejected the request while %s",
             what);
    free(err->provider_message);
    err->provider_message = r->provider_message ? ed_strdup(r->provider_message)
                                                : NULL;
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
    static const char *const keys[] = {"hub_id", "user",   "user_id",
                                       "app_id", "scopes", "hub_domain",
                                       "hubId",  "appId",  "userId",
                                       NULL};
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

static void set_auth_type(struct instance *in, const char *t)
{
    free(in->row.auth_type);
    in->row.auth_type = ed_strdup(t);
}

/* One provisioning in flight: the chain of HubSpot calls of its mode, each
 * submitted on the event loop; prov_step runs on the same loop thread. */
struct prov {
    struct ed_app *app;
    struct instance *in;
    enum prov_mode mode;
    bool introspecting; /* code / external: the second call */
    char rid[32];
    struct inst_error *err;
    instance_done_fn done;
    void *ud;
};

static void prov_step(void *ud, struct hs_result *r);

static bool prov_submit(struct prov *p, struct hs_call *c)
{
    struct provider_job *j = hs_call_submit(c, 0, prov_step, p);
    hs_call_cleanup(c);
    return j != NULL;
}

static void prov_end(struct prov *p)
{
    if (p->err->code == ED_E_NONE) {
        p->in->row.valid = 1;
        free(p->in->row.invalid_reason);
        p->in->row.invalid_reason = NULL;
    }
    p->done(p->ud);
    free(p);
}

static void prov_step(void *ud, struct hs_result *r)
{
    struct prov *p = ud;
    struct instance *in = p->in;
    const char *api = p->app->cfg->hubspot_api_url;
    switch (p->mode) {
    case MODE_APIKEY:
        if (r->failure) {
            provider_failed(p->err, r, "verifying the API key");
            break;
        }
        take_meta(in, r->body);
        json_object_del(in->secrets, "oauth.user.token");
        json_object_del(in->secrets, "oauth.user.refresh_token");
        in->row.access_expires_at = 0;
        in->row.refreshed_at = ed_now_s();
        set_auth_type(in, "apiKey");
        break;
    case MODE_CODE:
    case MODE_EXTERNAL:
        if (p->introspecting) {
            /* hub id, user, scopes: nice to have, not a reason to refuse */
            if (r->failure == HS_OK)
                take_meta(in, r->body);
            else
                ed_warn(p->rid, "msg=\"token introspection failed\" status=%ld",
                        r->status);
            break;
        }
        if (r->failure) {
            provider_failed(p->err, r,
                            p->mode == MODE_CODE
                                ? "exchanging the authorization code"
                                : "refreshing the given refresh token");
            break;
        }
        instance_take_tokens(in, r->body,
                             p->mode == MODE_EXTERNAL
                                 ? instance_cfg(in, "oauth.user.refresh_token")
                                 : NULL);
        take_meta(in, r->body);
        set_auth_type(in, "oauth2");
        struct hs_call c;
        hs_call_token_introspect(&c, api,
                                 element_oauth(in->el, "introspectPath"),
                                 instance_cfg(in, "oauth.api.key"),
                                 instance_cfg(in, "oauth.api.secret"),
                                 instance_cfg(in, "oauth.user.token"));
        p->introspecting = true;
        if (prov_submit(p, &c))
            return;
        ed_warn(p->rid, "msg=\"token introspection not submitted\"");
        break;
    case MODE_LEGACY:
        if (r->failure) {
            provider_failed(p->err, r, "verifying the legacy tokens");
            break;
        }
        take_meta(in, r->body);
        set_auth_type(in, "oauth2_legacy");
        break;
    }
    prov_end(p);
}

bool instance_provision(struct ed_app *app, struct instance *in, json_t *pd,
                        const char *ext, const char *rid, instance_done_fn done,
                        void *ud, struct inst_error *err)
{
    const char *api = app->cfg->hubspot_api_url;
    enum prov_mode mode = pick_mode(in->config, pd, ext);
    struct hs_call c;
    if (!check_inputs(in, mode, pd, err))
        return false;
    json_object_clear(in->meta);
    switch (mode) {
    case MODE_APIKEY:
        hs_call_private_app_info(&c, api,
                                 element_oauth(in->el, "privateAppInfoPath"),
                                 instance_cfg(in,
                                              "hubspot.authorization.apikey"));
        break;
    case MODE_CODE: {
        char *code = pd_dup(pd, "code");
        hs_call_token_from_code(&c, api, element_oauth(in->el, "tokenPath"),
                                instance_cfg(in, "oauth.api.key"),
                                instance_cfg(in, "oauth.api.secret"),
                                instance_cfg(in, "oauth.callback.url"), code);
        crypto_free_secret(code);
        break;
    }
    case MODE_EXTERNAL:
        hs_call_token_refresh(&c, api, element_oauth(in->el, "tokenPath"),
                              instance_cfg(in, "oauth.api.key"),
                              instance_cfg(in, "oauth.api.secret"),
                              instance_cfg(in, "oauth.user.refresh_token"));
        break;
    case MODE_LEGACY: {
        char *at = pd_dup(pd, "access_token");
        char *rt = pd_dup(pd, "refresh_token");
        json_t *tok = json_pack("{s:s, s:s, s:O?}", "access_token", at,
                                "refresh_token", rt, "expires_in",
                                json_object_get(pd, "expires_in"));
        instance_take_tokens(in, tok, NULL);
        json_decref(tok);
        /* the token goes into the URL path: escaped, so no '/', '?' or '#'
         * of it can change what is asked */
        struct ed_buf path;
        ed_buf_init(&path, 16384);
        ed_buf_appends(&path, element_oauth(in->el, "legacyVerifyPath"));
        enum ed_err e = ed_url_encode(&path, at);
        char *p = e ? NULL : ed_strndup(path.data, path.len);
        memset(path.data, 0, path.len);
        ed_buf_cleanup(&path);
        if (p)
            hs_call_get_bearer(&c, api, p, at);
        crypto_free_secret(p);
        crypto_free_secret(at);
        crypto_free_secret(rt);
        if (e)
            return fail(err, ED_E_BAD_REQUEST,
                        "providerData.access_token is too long");
        break;
    }
    }
    struct prov *pv = ed_calloc(1, sizeof(*pv));
    pv->app = app;
    pv->in = in;
    pv->mode = mode;
    snprintf(pv->rid, sizeof(pv->rid), "%s", rid ? rid : "");
    pv->err = err;
    pv->done = done;
    pv->ud = ud;
    if (!prov_submit(pv, &c)) {
        free(pv);
        return fail(err, ED_E_INTERNAL, "Cannot call HubSpot from this thread");
    }
    return true;
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

bool instance_prepare_new(struct ed_app *app, const struct element *el,
                          json_t *body, struct instance *in,
                          struct inst_error *err)
{
    char *name = NULL;
    const char *why = NULL;
    bool ok = false;
    (void)app;
    memset(in, 0, sizeof(*in));
    in->el = el;
    in->config = json_object();
    in->secrets = json_object();
    in->meta = json_object();
    in->row.auth_type = ed_strdup("oauth2");
    json_t *pd = json_object_get(body, "providerData");
    json_t *ext = json_object_get(body, "externalAuthentication");
    if (pd && !json_is_object(pd) && !json_is_null(pd)) {
        fail(err, ED_E_BAD_REQUEST, "providerData must be an object");
        goto out;
    }
    if (ext && !json_is_string(ext) && !json_is_null(ext)) {
        fail(err, ED_E_BAD_REQUEST, "externalAuthentication must be a string");
        goto out;
    }
    name = clean_name(json_object_get(body, "name"));
    if (!name || !*name || strlen(name) > MAX_NAME) {
        fail(err, ED_E_BAD_REQUEST,
             "name is required (a non-empty string of at most 512 characters)");
        goto out;
    }
    json_t *tags = json_object_get(body, "tags");
    in->tags = tags && !json_is_null(tags) ? clean_tags(tags, &why)
                                           : json_pack("[s]", name);
    if (!in->tags) {
        fail(err, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    cfg_defaults(el, in->config);
    if ((why = cfg_apply(el, in->config, in->secrets,
                         json_object_get(body, "configuration"), true))) {
        fail(err, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    in->row.element_key = ed_strdup(el->key);
    in->row.name = name;
    name = NULL;
    in->row.external_auth = ed_strdup(
        json_is_string(ext) ? json_string_value(ext) : "none");
    ok = true;
out:
    free(name);
    if (!ok)
        instance_cleanup(in);
    return ok;
}

bool instance_store_new(struct ed_app *app, struct instance *in, int64_t org_id,
                        int64_t user_id, struct inst_error *err)
{
    uint8_t hash[ED_HASH_BYTES];
    /* everything HubSpot accepted: now store */
    in->row.org_id = org_id;
    in->row.user_id = user_id;
    in->row.valid = 1;
    in->token = crypto_random_b64(32);
    crypto_lookup_hash(app->keys, in->token, hash);
    if (crypto_seal(app->keys, in->token, strlen(in->token),
                    &in->row.token_ct.data, &in->row.token_ct.len) != ED_OK ||
        instance_seal_secrets(app, in) != ED_OK)
        return fail(err, ED_E_INTERNAL, "Cannot seal credentials");
    sync_row_text(in);
    if (store_instance_create(app->store, &in->row, hash) != ED_OK)
        return fail(err, ED_E_INTERNAL, "Cannot store the instance");
    return true;
}

void inst_change_cleanup(struct inst_change *ch)
{
    json_decref(ch->pd);
    free(ch->ext);
    free(ch->old_name);
    free(ch->old_reason);
    crypto_free_secret(ch->old_secrets);
    json_decref(ch->old_tags);
    json_decref(ch->old_config);
    memset(ch, 0, sizeof(*ch));
}

bool instance_change_apply(struct ed_app *app, struct instance *in,
                           json_t *body, bool full, bool reauth_asked,
                           struct inst_change *ch, struct inst_error *err)
{
    const char *why = NULL;
    json_t *pd = json_object_get(body, "providerData");
    json_t *cfg = json_object_get(body, "configuration");
    json_t *name_v = json_object_get(body, "name");
    json_t *tags_v = json_object_get(body, "tags");
    json_t *ext = json_object_get(body, "externalAuthentication");
    (void)app;
    memset(ch, 0, sizeof(*ch));
    ch->full = full;
    ch->reauth = json_is_object(pd) || reauth_asked;
    ch->pd = json_is_object(pd) ? json_incref(pd) : NULL;
    ch->ext = json_is_string(ext) ? ed_strdup(json_string_value(ext)) : NULL;
    /* what the change started from: only what differs is written */
    ch->old_name = ed_strdup(in->row.name);
    ch->old_reason = in->row.invalid_reason ? ed_strdup(in->row.invalid_reason)
                                            : NULL;
    ch->old_tags = json_deep_copy(in->tags);
    ch->old_config = json_deep_copy(in->config);
    ch->old_valid = in->row.valid;
    ch->old_disabled = in->row.disabled;
    ch->old_secrets = json_dumps(in->secrets, JSON_COMPACT | JSON_SORT_KEYS);
    const char *old_key = instance_cfg(in, "hubspot.authorization.apikey");
    char *old_key_copy = old_key ? ed_strdup(old_key) : NULL;
    bool ok = false;
    if (name_v && !json_is_null(name_v)) {
        char *n = clean_name(name_v);
        if (!n || !*n || strlen(n) > MAX_NAME) {
            free(n);
            fail(err, ED_E_BAD_REQUEST, "name must be a non-empty string");
            goto out;
        }
        free(in->row.name);
        in->row.name = n;
    } else if (full) {
        fail(err, ED_E_BAD_REQUEST, "name is required");
        goto out;
    }
    if (tags_v && !json_is_null(tags_v)) {
        json_t *t = clean_tags(tags_v, &why);
        if (!t) {
            fail(err, ED_E_BAD_REQUEST, "%s", why);
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
                (json_is_object(cfg) &&
                 json_is_string(json_object_get(cfg, k)) &&
                 strcmp(json_string_value(json_object_get(cfg, k)),
                        INSTANCE_MASK) == 0))
                json_object_set(ns, k, v);
        json_decref(in->config);
        in->secrets = (json_decref(in->secrets), ns);
        in->config = nc;
    }
    if ((why = cfg_apply(in->el, in->config, in->secrets, cfg, false))) {
        fail(err, ED_E_BAD_REQUEST, "%s", why);
        goto out;
    }
    const char *new_key = instance_cfg(in, "hubspot.authorization.apikey");
    if (!ch->reauth && strcmp(in->row.auth_type, "apiKey") == 0 && new_key &&
        (!old_key_copy || strcmp(new_key, old_key_copy) != 0))
        ch->reauth = true;
    ok = true;
out:
    crypto_free_secret(old_key_copy);
    return ok;
}

static bool str_differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0);
}

bool instance_change_commit(struct ed_app *app, struct instance *in,
                            struct inst_change *ch, struct inst_error *err)
{
    if (ch->reauth && ch->ext) {
        free(in->row.external_auth);
        in->row.external_auth = ed_strdup(ch->ext);
    }
    char *new_secrets = json_dumps(in->secrets, JSON_COMPACT | JSON_SORT_KEYS);
    bool creds_changed = ch->reauth ||
                         strcmp(ch->old_secrets, new_secrets) != 0;
    crypto_free_secret(new_secrets);
    if (creds_changed && instance_seal_secrets(app, in) != ED_OK)
        return fail(err, ED_E_INTERNAL, "Cannot seal credentials");
    sync_row_text(in);
    /* only what this change touched: a concurrent change of another field
     * (a disable racing a rename) is not undone by a stale copy */
    unsigned fields = 0;
    if (str_differ(ch->old_name, in->row.name))
        fields |= STORE_INST_NAME;
    if (!json_equal(ch->old_tags, in->tags))
        fields |= STORE_INST_TAGS;
    if (!json_equal(ch->old_config, in->config))
        fields |= STORE_INST_CONFIG;
    if (ch->old_disabled != in->row.disabled)
        fields |= STORE_INST_DISABLED;
    if (!creds_changed && (ch->old_valid != in->row.valid ||
                           str_differ(ch->old_reason, in->row.invalid_reason)))
        fields |= STORE_INST_VALID;
    /* credentials first (compare-and-swap on the version), then the rest;
     * a change that leaves them alone does not race the token refresher */
    enum ed_err e = creds_changed
                        ? store_instance_put_credentials(app->store, &in->row)
                        : ED_OK;
    if (e == ED_OK)
        e = store_instance_update(app->store, &in->row, fields);
    if (e == ED_ERR_BUSY)
        return fail(err, ED_E_CONFLICT,
                    "The instance changed meanwhile; retry");
    if (e == ED_ERR_NOT_FOUND)
        return fail(err, ED_E_NOT_FOUND,
                    "No element instance found for id %lld",
                    (long long)in->row.id);
    if (e)
        return fail(err, ED_E_INTERNAL, "Cannot store the instance");
    return true;
}

struct revoke {
    void (*done)(void *ud, bool revoked);
    void *ud;
    int64_t id;
    char rid[32];
};

static void revoke_done(void *ud, struct hs_result *r)
{
    struct revoke rv = *(struct revoke *)ud;
    free(ud);
    if (r->failure != HS_OK)
        ed_warn(rv.rid,
                "msg=\"refresh token revocation failed\" instance=%lld "
                "status=%ld",
                (long long)rv.id, r->status);
    rv.done(rv.ud, r->failure == HS_OK);
}

bool instance_revoke(struct ed_app *app, const struct instance *in,
                     const char *rid, void (*done)(void *ud, bool revoked),
                     void *ud)
{
    const char *revoke = instance_cfg(in, "provider.revoke.on.delete");
    const char *rt = instance_cfg(in, "oauth.user.refresh_token");
    if (strcmp(in->row.auth_type, "oauth2") != 0 || !rt ||
        (revoke && strcmp(revoke, "false") == 0))
        return false;
    struct revoke *rv = ed_calloc(1, sizeof(*rv));
    struct hs_call c;
    rv->done = done;
    rv->ud = ud;
    rv->id = in->row.id;
    snprintf(rv->rid, sizeof(rv->rid), "%s", rid ? rid : "");
    hs_call_token_revoke(&c, app->cfg->hubspot_api_url,
                         element_oauth(in->el, "revokePath"),
                         instance_cfg(in, "oauth.api.key"),
                         instance_cfg(in, "oauth.api.secret"), rt);
    struct provider_job *j = hs_call_submit(&c, 0, revoke_done, rv);
    hs_call_cleanup(&c);
    if (!j) {
        ed_warn(rid,
                "msg=\"refresh token revocation not submitted\" "
                "instance=%lld",
                (long long)in->row.id);
        free(rv);
        return false;
    }
    return true;
}
