/* SPDX-License-Identifier: MIT
 * HubSpot OAuth and token calls. Every call classifies its outcome the same
 * way: a 2xx JSON body is success; 400/401 on a refresh with
 * invalid_grant/BAD_REFRESH_TOKEN means the grant is dead; other 4xx are a
 * rejection; 5xx, 429 and transport failures are transient. */
#include "provider/hubspot.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/text.h"
#include "metrics/metrics.h"
#include "provider/async.h"
#include "provider/provider.h"

static void count_call(unsigned family, enum ed_err err,
                       const struct provider_response *rs);

void hs_result_cleanup(struct hs_result *r)
{
    free(r->provider_message);
    json_decref(r->body);
    memset(r, 0, sizeof(*r));
}

struct form {
    struct ed_buf b;
};

static void form_add(struct form *f, const char *name, const char *value)
{
    if (!value)
        return;
    if (f->b.len)
        ed_buf_appends(&f->b, "&");
    ed_buf_appends(&f->b, name);
    ed_buf_appends(&f->b, "=");
    ed_url_encode(&f->b, value);
}

static bool is_dead_grant(const char *body)
{
    return strstr(body, "BAD_REFRESH_TOKEN") || strstr(body, "invalid_grant") ||
           strstr(body, "BAD_HUB");
}

void hs_classify(enum ed_err err, const struct provider_response *rs,
                 bool refresh, struct hs_result *r)
{
    memset(r, 0, sizeof(*r));
    r->status = rs->status;
    if (err != ED_OK) {
        r->failure = HS_TRANSIENT;
        r->provider_message = ed_strdup(err == ED_ERR_TIMEOUT
                                            ? "HubSpot did not answer in time"
                                            : "HubSpot could not be reached");
        return;
    }
    if (rs->status >= 200 && rs->status < 300) {
        json_error_t je;
        r->body = rs->body_len ? json_loadb(rs->body, rs->body_len, 0, &je)
                               : json_object();
        if (!r->body) {
            r->failure = HS_TRANSIENT;
            r->provider_message = ed_strdup(
                "HubSpot answered with invalid JSON");
        }
        return;
    }
    r->provider_message = ed_strndup(rs->body ? rs->body : "", rs->body_len);
    if (rs->status >= 500 || rs->status == 429)
        r->failure = HS_TRANSIENT;
    else if (refresh && rs->body && is_dead_grant(rs->body))
        r->failure = HS_INVALID_GRANT;
    else
        r->failure = HS_REJECTED;
}

static void wipe_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void hs_call_cleanup(struct hs_call *c)
{
    free(c->url);
    wipe_free(c->body);
    wipe_free(c->bearer);
    memset(c, 0, sizeof(*c));
}

/* A form POST call; takes the form's buffer (wiped on cleanup). */
static void call_form(struct hs_call *c, const char *api, const char *path,
                      struct form *f, bool refresh)
{
    memset(c, 0, sizeof(*c));
    c->url = ed_asprintf("%s%s", api, path);
    c->body = ed_strndup(f->b.data ? f->b.data : "", f->b.len);
    if (f->b.data)
        memset(f->b.data, 0, f->b.len);
    ed_buf_cleanup(&f->b);
    c->refresh = refresh;
    c->rq.method = "POST";
    c->rq.url = c->url;
    c->rq.content_type = "application/x-www-form-urlencoded";
    c->rq.body = c->body;
    c->rq.body_len = strlen(c->body);
}

void hs_call_send(struct hs_call *c, struct hs_result *r)
{
    struct provider_response rs;
    enum ed_err err = provider_send(&c->rq, &rs);
    count_call(MXF_AUTH, err, &rs);
    hs_classify(err, &rs, c->refresh, r);
    provider_response_cleanup(&rs);
}

struct hs_pending {
    hs_done_fn done;
    void *ud;
    bool refresh;
};

static void call_done(void *ud, enum ed_err err, struct provider_response *rs)
{
    struct hs_pending p = *(struct hs_pending *)ud;
    struct hs_result r;
    free(ud);
    count_call(MXF_AUTH, err, rs);
    hs_classify(err, rs, p.refresh, &r);
    p.done(p.ud, &r);
    hs_result_cleanup(&r);
}

struct provider_job *hs_call_submit(struct hs_call *c, long delay_ms,
                                    hs_done_fn done, void *ud)
{
    struct hs_pending *p = ed_calloc(1, sizeof(*p));
    p->done = done;
    p->ud = ud;
    p->refresh = c->refresh;
    struct provider_job *j = provider_async_submit(&c->rq, delay_ms, call_done,
                                                   p);
    if (!j)
        free(p);
    provider_async_set_ud_free(j, free);
    return j;
}

static struct form form_new(void)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    return f;
}

void hs_call_token_from_code(struct hs_call *c, const char *api,
                             const char *path, const char *client_id,
                             const char *client_secret,
                             const char *redirect_uri, const char *code)
{
    struct form f = form_new();
    form_add(&f, "grant_type", "authorization_code");
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "redirect_uri", redirect_uri);
    form_add(&f, "code", code);
    call_form(c, api, path, &f, false);
}

void hs_call_token_refresh(struct hs_call *c, const char *api, const char *path,
                           const char *client_id, const char *client_secret,
                           const char *refresh_token)
{
    struct form f = form_new();
    form_add(&f, "grant_type", "refresh_token");
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "refresh_token", refresh_token);
    call_form(c, api, path, &f, true);
}

void hs_call_token_refresh_legacy(struct hs_call *c, const char *api,
                                  const char *path, const char *client_id,
                                  const char *refresh_token)
{
    struct form f = form_new();
    form_add(&f, "grant_type", "refresh_token");
    form_add(&f, "client_id", client_id);
    form_add(&f, "refresh_token", refresh_token);
    call_form(c, api, path, &f, true);
}

void hs_call_token_introspect(struct hs_call *c, const char *api,
                              const char *path, const char *client_id,
                              const char *client_secret,
                              const char *access_token)
{
    struct form f = form_new();
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "token_type_hint", "access_token");
    form_add(&f, "token", access_token);
    call_form(c, api, path, &f, false);
}

void hs_call_token_revoke(struct hs_call *c, const char *api, const char *path,
                          const char *client_id, const char *client_secret,
                          const char *refresh_token)
{
    struct form f = form_new();
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "token_type_hint", "refresh_token");
    form_add(&f, "token", refresh_token);
    call_form(c, api, path, &f, false);
}

void hs_call_private_app_info(struct hs_call *c, const char *api,
                              const char *path, const char *key)
{
    json_t *body = json_pack("{s:s}", "tokenKey", key ? key : "");
    memset(c, 0, sizeof(*c));
    c->url = ed_asprintf("%s%s", api, path);
    c->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    c->bearer = ed_strdup(key ? key : "");
    c->rq.method = "POST";
    c->rq.url = c->url;
    c->rq.content_type = "application/json";
    c->rq.body = c->body;
    c->rq.body_len = strlen(c->body);
    c->rq.bearer = c->bearer;
}

void hs_call_get_bearer(struct hs_call *c, const char *api, const char *path,
                        const char *token)
{
    memset(c, 0, sizeof(*c));
    c->url = ed_asprintf("%s%s", api, path);
    c->bearer = ed_strdup(token ? token : "");
    c->rq.method = "GET";
    c->rq.url = c->url;
    c->rq.bearer = c->bearer;
}

/* --- blocking shorthands ------------------------------------------------ */

#define SEND_AND_CLEAN(c, r)                                                   \
    do {                                                                       \
        hs_call_send(&(c), (r));                                               \
        hs_call_cleanup(&(c));                                                 \
    } while (0)

void hs_token_from_code(const char *api, const char *path,
                        const char *client_id, const char *client_secret,
                        const char *redirect_uri, const char *code,
                        struct hs_result *r)
{
    struct hs_call c;
    hs_call_token_from_code(&c, api, path, client_id, client_secret,
                            redirect_uri, code);
    SEND_AND_CLEAN(c, r);
}

void hs_token_refresh(const char *api, const char *path, const char *client_id,
                      const char *client_secret, const char *refresh_token,
                      struct hs_result *r)
{
    struct hs_call c;
    hs_call_token_refresh(&c, api, path, client_id, client_secret,
                          refresh_token);
    SEND_AND_CLEAN(c, r);
}

void hs_token_refresh_legacy(const char *api, const char *path,
                             const char *client_id, const char *refresh_token,
                             struct hs_result *r)
{
    struct hs_call c;
    hs_call_token_refresh_legacy(&c, api, path, client_id, refresh_token);
    SEND_AND_CLEAN(c, r);
}

void hs_token_introspect(const char *api, const char *path,
                         const char *client_id, const char *client_secret,
                         const char *access_token, struct hs_result *r)
{
    struct hs_call c;
    hs_call_token_introspect(&c, api, path, client_id, client_secret,
                             access_token);
    SEND_AND_CLEAN(c, r);
}

void hs_token_revoke(const char *api, const char *path, const char *client_id,
                     const char *client_secret, const char *refresh_token,
                     struct hs_result *r)
{
    struct hs_call c;
    hs_call_token_revoke(&c, api, path, client_id, client_secret,
                         refresh_token);
    SEND_AND_CLEAN(c, r);
}

void hs_private_app_info(const char *api, const char *path, const char *key,
                         struct hs_result *r)
{
    struct hs_call c;
    hs_call_private_app_info(&c, api, path, key);
    SEND_AND_CLEAN(c, r);
}

void hs_get_bearer(const char *api, const char *path, const char *token,
                   struct hs_result *r)
{
    struct hs_call c;
    hs_call_get_bearer(&c, api, path, token);
    SEND_AND_CLEAN(c, r);
}

/* --- metrics -------------------------------------------------------------- */

unsigned hs_endpoint_family(const char *path, bool search)
{
    static const struct {
        const char *prefix;
        enum mx_family family;
    } prefixes[] = {
        {"/crm/v3/properties", MXF_PROPERTIES},
        {"/crm/v3/owners", MXF_OWNERS},
        {"/crm/v3/pipelines", MXF_PIPELINES},
        {"/crm/v3/associations", MXF_ASSOCIATIONS},
        {"/crm/v4/associations", MXF_ASSOCIATIONS},
        {"/crm/v3/schemas", MXF_SCHEMAS},
        {"/crm-object-schemas/", MXF_SCHEMAS},
        {"/engagements/", MXF_ENGAGEMENTS},
        {"/integrators/timeline", MXF_TIMELINE},
        {"/crm/v3/timeline", MXF_TIMELINE},
        {"/contacts/v1/lists", MXF_LISTS},
        {"/crm/v3/lists", MXF_LISTS},
        {"/files/", MXF_FILES},
        {"/filemanager/", MXF_FILES},
        {"/automation/", MXF_WORKFLOWS},
        {"/marketing/", MXF_MARKETING},
        {"/marketing-emails/", MXF_MARKETING},
        {"/email/", MXF_MARKETING},
        {"/forms/", MXF_MARKETING},
        {"/form-integrations/", MXF_MARKETING},
        {"/content/", MXF_MARKETING},
        {"/cms/", MXF_MARKETING},
        {"/oauth/", MXF_AUTH},
        {"/account-info/", MXF_ACCOUNT},
        {"/integrations/v1/me", MXF_ACCOUNT},
    };
    char p[160];
    if (!path)
        return MXF_OTHER;
    size_t n = strcspn(path, "?");
    if (n >= sizeof(p))
        n = sizeof(p) - 1;
    memcpy(p, path, n);
    p[n] = '\0';
    if (search || strstr(p, "/search"))
        return MXF_SEARCH;
    if (strstr(p, "/batch/"))
        return MXF_BATCH;
    if (strncmp(p, "/crm/v3/objects", 15) == 0 ||
        strncmp(p, "/crm/v4/objects", 15) == 0)
        return strstr(p, "/associations") ? MXF_ASSOCIATIONS : MXF_CRM_OBJECTS;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(p, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
            return prefixes[i].family;
    return MXF_OTHER;
}

static void count_call(unsigned family, enum ed_err err,
                       const struct provider_response *rs)
{
    unsigned code = err == ED_OK ? (unsigned)rs->status : 0;
    mx_inc(MX_HS_CALLS, family, code, 0);
    mx_observe(MX_HS_DURATION, family, 0, rs->ms);
    if (code == 429)
        mx_inc(MX_HS_RATE_LIMITED, family, 0, 0);
}

void hs_metrics_call(const char *path, bool search, enum ed_err err,
                     const struct provider_response *rs)
{
    if (mx_enabled)
        count_call(hs_endpoint_family(path, search), err, rs);
}
