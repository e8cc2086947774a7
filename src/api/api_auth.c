/* SPDX-License-Identifier: MIT
 * /authentication: exchange email + password for a short-lived bearer token
 * (the console's session), reveal the caller's secrets, and log out. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/accounts.h"
#include "api/api.h"
#include "domain/app.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* A password is verified even for unknown emails (against a hash made
 * once at first use), so response time does not tell whether an account
 * exists. */
static char *dummy_hash;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    if (crypto_password_hash("not-a-real-password", &dummy_hash) != ED_OK)
        dummy_hash = ed_strdup("");
}

static int auth_login(struct ed_request *req, struct ed_response *res)
{
    struct ed_app *app = req->app;
    const char *email = json_string_value(json_object_get(req->body, "username"));
    const char *password =
        json_string_value(json_object_get(req->body, "password"));
    struct store_user u = {0};
    char *token = NULL;
    uint8_t hash[ED_HASH_BYTES];
    int status;
    if (!json_is_object(req->body) || !email || !password)
        return api_error(req, res, ED_E_BAD_REQUEST,
                         "Body must be {\"username\": <email>, \"password\": "
                         "<password>}");
    pthread_once(&dummy_once, make_dummy);
    bool found = store_user_find_by_email(app->store, email, &u) == ED_OK;
    bool ok = crypto_password_verify(found ? u.password_hash : dummy_hash,
                                     password);
    if (!found || !ok) {
        status = api_error(req, res, ED_E_UNAUTHORIZED,
                           "Invalid username or password");
        goto out;
    }
    token = crypto_random_b64(32);
    crypto_lookup_hash(app->keys, token, hash);
    int64_t exp = ed_now_s() + app->cfg->session_ttl;
    if (store_session_put(app->store, hash, u.id, exp) != ED_OK) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot create a session");
        goto out;
    }
    status = api_json(res, 200,
                      json_pack("{s:s, s:I}", "token", token, "expiresIn",
                                (json_int_t)app->cfg->session_ttl));
out:
    crypto_free_secret(token);
    store_user_cleanup(&u);
    return status;
}

static int auth_secrets(struct ed_request *req, struct ed_response *res)
{
    struct ed_app *app = req->app;
    struct store_user u = {0};
    struct store_org o = {0};
    char *us = NULL, *os = NULL;
    int status;
    if (store_user_get(app->store, req->auth.user_id, &u) != ED_OK ||
        store_org_get(app->store, req->auth.org_id, &o) != ED_OK ||
        accounts_reveal(app, u.secret_ct.data, u.secret_ct.len, &us) != ED_OK ||
        accounts_reveal(app, o.secret_ct.data, o.secret_ct.len, &os) != ED_OK) {
        status = api_error(req, res, ED_E_INTERNAL, "Cannot read the secrets");
        goto out;
    }
    status = api_json(res, 200,
                      json_pack("{s:s, s:s}", "userSecret", us,
                                "organizationSecret", os));
    api_header(res, "Cache-Control", "no-store");
out:
    crypto_free_secret(us);
    crypto_free_secret(os);
    store_user_cleanup(&u);
    store_org_cleanup(&o);
    return status;
}

/* The value of the Bearer part of an Authorization header (arena copy), read
 * the way api/auth.c parses it: scheme case-insensitive, blanks trimmed. */
static char *bearer_token(struct ed_arena *arena, const char *h)
{
    for (const char *p = h; p && *p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!ed_strcaseprefix(p, "bearer") || (p[6] != ' ' && p[6] != '\t'))
            continue;
        p += 6;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        return ed_arena_strndup(arena, p, n);
    }
    return NULL;
}

static int auth_logout(struct ed_request *req, struct ed_response *res)
{
    const char *h = req_header(req, "Authorization");
    char *tok = h ? bearer_token(req->arena, h) : NULL;
    uint8_t hash[ED_HASH_BYTES];
    if (!req->auth.via_bearer || !tok || !*tok)
        return api_error(req, res, ED_E_BAD_REQUEST,
                         "Log out needs the bearer token of a session");
    crypto_lookup_hash(req->app->keys, tok, hash);
    if (store_session_delete(req->app->store, hash) != ED_OK)
        return api_error(req, res, ED_E_INTERNAL, "Cannot end the session");
    return api_json(res, 200, json_object());
}

static int auth_me(struct ed_request *req, struct ed_response *res)
{
    struct store_user u = {0};
    if (store_user_get(req->app->store, req->auth.user_id, &u) != ED_OK)
        return api_error(req, res, ED_E_NOT_FOUND, "No such user");
    json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:I}", "id", (json_int_t)u.id,
                          "emailAddress", u.email, "firstName", u.first_name,
                          "lastName", u.last_name, "organizationId",
                          (json_int_t)u.org_id);
    store_user_cleanup(&u);
    return api_json(res, 200, o);
}

const struct ed_route api_auth_routes[] = {
    {ED_POST, "/authentication", auth_login, ED_ROUTE_NOAUTH | ED_ROUTE_JSON},
    {ED_GET, "/authentication/secrets", auth_secrets, 0},
    {ED_DELETE, "/authentication", auth_logout, 0},
    {ED_GET, "/authentication/me", auth_me, 0},
    {0, NULL, NULL, 0},
};
