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
#include "provider/provider.h"

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

static void classify(const struct provider_request *rq, enum ed_err err,
                     struct provider_response *rs, bool refresh,
                     struct hs_result *r)
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
    (void)rq;
    if (rs->status >= 200 && rs->status < 300) {
        json_error_t je;
        r->body = rs->body_len ? json_loadb(rs->body, rs->body_len, 0, &je)
                               : json_object();
        if (!r->body) {
            r->failure = HS_TRANSIENT;
            r->provider_message = ed_strdup("HubSpot answered with invalid JSON");
        }
        return;
    }
    r->provider_message = ed_strndup(rs->body, rs->body_len);
    if (rs->status >= 500 || rs->status == 429)
        r->failure = HS_TRANSIENT;
    else if (refresh && is_dead_grant(rs->body))
        r->failure = HS_INVALID_GRANT;
    else
        r->failure = HS_REJECTED;
}

static void post_form(const char *api, const char *path, struct form *f,
                      bool refresh, struct hs_result *r)
{
    char *url = ed_asprintf("%s%s", api, path);
    struct provider_request rq = {.method = "POST", .url = url,
                                  .content_type =
                                      "application/x-www-form-urlencoded",
                                  .body = f->b.data ? f->b.data : "",
                                  .body_len = f->b.len};
    struct provider_response rs;
    enum ed_err err = provider_send(&rq, &rs);
    classify(&rq, err, &rs, refresh, r);
    provider_response_cleanup(&rs);
    /* the form holds secrets: wipe before freeing */
    if (f->b.data)
        memset(f->b.data, 0, f->b.len);
    ed_buf_cleanup(&f->b);
    free(url);
}

void hs_token_from_code(const char *api, const char *path, const char *client_id,
                        const char *client_secret, const char *redirect_uri,
                        const char *code, struct hs_result *r)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    form_add(&f, "grant_type", "authorization_code");
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "redirect_uri", redirect_uri);
    form_add(&f, "code", code);
    post_form(api, path, &f, false, r);
}

void hs_token_refresh(const char *api, const char *path, const char *client_id,
                      const char *client_secret, const char *refresh_token,
                      struct hs_result *r)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    form_add(&f, "grant_type", "refresh_token");
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "refresh_token", refresh_token);
    post_form(api, path, &f, true, r);
}

void hs_token_refresh_legacy(const char *api, const char *path,
                             const char *client_id, const char *refresh_token,
                             struct hs_result *r)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    form_add(&f, "grant_type", "refresh_token");
    form_add(&f, "client_id", client_id);
    form_add(&f, "refresh_token", refresh_token);
    post_form(api, path, &f, true, r);
}

void hs_token_introspect(const char *api, const char *path,
                         const char *client_id, const char *client_secret,
                         const char *access_token, struct hs_result *r)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "token_type_hint", "access_token");
    form_add(&f, "token", access_token);
    post_form(api, path, &f, false, r);
}

void hs_token_revoke(const char *api, const char *path, const char *client_id,
                     const char *client_secret, const char *refresh_token,
                     struct hs_result *r)
{
    struct form f;
    ed_buf_init(&f.b, 65536);
    form_add(&f, "client_id", client_id);
    form_add(&f, "client_secret", client_secret);
    form_add(&f, "token_type_hint", "refresh_token");
    form_add(&f, "token", refresh_token);
    post_form(api, path, &f, false, r);
}

void hs_private_app_info(const char *api, const char *path, const char *key,
                         struct hs_result *r)
{
    char *url = ed_asprintf("%s%s", api, path);
    json_t *body = json_pack("{s:s}", "tokenKey", key);
    char *txt = json_dumps(body, JSON_COMPACT);
    struct provider_request rq = {.method = "POST", .url = url,
                                  .content_type = "application/json",
                                  .body = txt, .body_len = strlen(txt),
                                  .bearer = key};
    struct provider_response rs;
    enum ed_err err = provider_send(&rq, &rs);
    classify(&rq, err, &rs, false, r);
    provider_response_cleanup(&rs);
    memset(txt, 0, strlen(txt));
    free(txt);
    json_decref(body);
    free(url);
}

void hs_get_bearer(const char *api, const char *path, const char *token,
                   struct hs_result *r)
{
    char *url = ed_asprintf("%s%s", api, path);
    struct provider_request rq = {.method = "GET", .url = url, .bearer = token};
    struct provider_response rs;
    enum ed_err err = provider_send(&rq, &rs);
    classify(&rq, err, &rs, false, r);
    provider_response_cleanup(&rs);
    free(url);
}
