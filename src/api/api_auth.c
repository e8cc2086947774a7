/* SPDX-License-Identifier: MIT
 * /authentication: exchange email + password for a short-lived bearer token
 * (the console's session), reveal the caller's secrets, and log out. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/accounts.h"
#include "api/api.h"
#include "domain/app.h"
#include "domain/audit.h"
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

/* --- failed-login throttle -------------------------------------------------
 * Per node, in memory: at most LOGIN_MAX_ACCOUNT failed logins per account
 * (the email as sent, case-folded; known or not) and LOGIN_MAX_ADDRESS per
 * client address within LOGIN_WINDOW_S seconds of the first failure; then
 * every login for that account or from that address is 429 (with
 * Retry-After) until the window ends, the right password included. A
 * successful login clears its account's count (not its address's). Keys are
 * keyed hashes; the table is a small set-associative cache: under a flood
 * of distinct keys an old entry may be forgotten, never a fresh one. */
#define LOGIN_MAX_ACCOUNT 5
#define LOGIN_MAX_ADDRESS 20
#define LOGIN_WINDOW_S 300.0
#define THROTTLE_SLOTS 4096u
#define THROTTLE_WAYS 4u

struct throttle_slot {
    uint64_t key;
    double start_ms; /* first failure of the window */
    unsigned fails;
};

static struct throttle_slot throttle[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t throttle_key(struct ed_request *req, const char *kind,
                             const char *value)
{
    uint8_t h[ED_HASH_BYTES];
    uint64_t k;
    char *s = ed_arena_printf(req->arena, "login-throttle\x1f%s\x1f%s", kind,
                              value ? value : "");
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    crypto_lookup_hash(req->app->keys, s, h);
    memcpy(&k, h, sizeof(k));
    return k ? k : 1; /* 0 marks an empty slot */
}

/* The slot of key (throttle_lock held); NULL if absent and !create. */
static struct throttle_slot *throttle_slot(uint64_t key, double now,
                                           bool create)
{
    size_t base = (size_t)(key % (THROTTLE_SLOTS / THROTTLE_WAYS)) *
                  THROTTLE_WAYS;
    struct throttle_slot *victim = NULL;
    for (size_t i = 0; i < THROTTLE_WAYS; i++) {
        struct throttle_slot *s = &throttle[base + i];
        if (s->key == key) {
            if (now - s->start_ms >= LOGIN_WINDOW_S * 1000.0) {
                s->start_ms = now; /* window over: start afresh */
                s->fails = 0;
            }
            return s;
        }
        /* an empty slot, else the one whose window started first */
        if (!victim || (victim->key != 0 &&
                        (s->key == 0 || s->start_ms < victim->start_ms)))
            victim = s;
    }
    if (!create)
        return NULL;
    victim->key = key;
    victim->start_ms = now;
    victim->fails = 0;
    return victim;
}

/* Seconds until key may try again, 0 if it may now. */
static long throttle_wait(uint64_t key, unsigned max, double now)
{
    long wait = 0;
    pthread_mutex_lock(&throttle_lock);
    struct throttle_slot *s = throttle_slot(key, now, false);
    if (s && s->fails >= max)
        wait = (long)((s->start_ms + LOGIN_WINDOW_S * 1000.0 - now) / 1000.0) +
               1;
    pthread_mutex_unlock(&throttle_lock);
    return wait;
}

static void throttle_fail(uint64_t key, double now)
{
    pthread_mutex_lock(&throttle_lock);
    throttle_slot(key, now, true)->fails++;
    pthread_mutex_unlock(&throttle_lock);
}

static void throttle_clear(uint64_t key, double now)
{
    pthread_mutex_lock(&throttle_lock);
    struct throttle_slot *s = throttle_slot(key, now, false);
    if (s)
        s->key = 0;
    pthread_mutex_unlock(&throttle_lock);
}

static int auth_login(struct ed_request *req, struct ed_response *res)
{
    struct ed_app *app = req->app;
    const char *email = json_string_value(
        json_object_get(req->body, "username"));
    const char *password = json_string_value(
        json_object_get(req->body, "password"));
    struct store_user u = {0};
    char *token = NULL;
    uint8_t hash[ED_HASH_BYTES];
    int status;
    if (!json_is_object(req->body) || !email || !password)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Body must be {\"username\": <email>, \"password\": "
                         "<password>}");
    double now = ed_mono_ms();
    uint64_t kacct = throttle_key(req, "account", email);
    uint64_t kaddr = throttle_key(req, "address", req->client_ip);
    long wait = throttle_wait(kacct, LOGIN_MAX_ACCOUNT, now);
    long wait_addr = throttle_wait(kaddr, LOGIN_MAX_ADDRESS, now);
    if (wait || wait_addr) {
        if (wait_addr > wait)
            wait = wait_addr;
        res_header(res, "Retry-After",
                   ed_arena_printf(req->arena, "%ld", wait));
        return res_error(req, res, ED_E_TOO_MANY,
                         "Too many failed logins; retry in %ld s", wait);
    }
    pthread_once(&dummy_once, make_dummy);
    bool found = store_user_find_by_email(app->store, email, &u) == ED_OK;
    bool ok = crypto_password_verify(found ? u.password_hash : dummy_hash,
                                     password);
    if (!found || !ok) {
        throttle_fail(kacct, now);
        throttle_fail(kaddr, now);
        audit_req(req, found ? u.org_id : 0, "auth.login.failed", "user",
                  found ? u.id : 0, NULL, 401);
        status = res_error(req, res, ED_E_UNAUTHORIZED,
                           "Invalid username or password");
        goto out;
    }
    if (u.disabled) { /* issue 15: no session for a disabled user */
        status = res_error(req, res, ED_E_UNAUTHORIZED,
                           "This user is disabled");
        goto out;
    }
    throttle_clear(kacct, now);
    token = crypto_random_b64(32);
    crypto_lookup_hash(app->keys, token, hash);
    int64_t exp = ed_now_s() + app->cfg->session_ttl;
    if (store_session_put(app->store, hash, u.id, exp) != ED_OK) {
        status = res_error(req, res, ED_E_INTERNAL, "Cannot create a session");
        goto out;
    }
    status = res_json(res, 200,
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
        status = res_error(req, res, ED_E_INTERNAL, "Cannot read the secrets");
        goto out;
    }
    status = res_json(res, 200,
                      json_pack("{s:s, s:s}", "userSecret", us,
                                "organizationSecret", os));
    res_header(res, "Cache-Control", "no-store");
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
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "Log out needs the bearer token of a session");
    /* under every live key: a key rotation may be under way */
    for (size_t k = 0; crypto_lookup_hash_n(req->app->keys, tok, k, hash); k++)
        if (store_session_delete(req->app->store, hash) != ED_OK)
            return res_error(req, res, ED_E_INTERNAL, "Cannot end the session");
    return res_json(res, 200, json_object());
}

static int auth_me(struct ed_request *req, struct ed_response *res)
{
    struct store_user u = {0};
    if (store_user_get(req->app->store, req->auth.user_id, &u) != ED_OK)
        return res_error(req, res, ED_E_NOT_FOUND, "No such user");
    json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:I}", "id", (json_int_t)u.id,
                          "emailAddress", u.email, "firstName", u.first_name,
                          "lastName", u.last_name, "organizationId",
                          (json_int_t)u.org_id);
    store_user_cleanup(&u);
    return res_json(res, 200, o);
}

const struct ed_route api_auth_routes[] = {
    {ED_POST, "/authentication", auth_login, ED_ROUTE_NOAUTH | ED_ROUTE_JSON},
    {ED_GET, "/authentication/secrets", auth_secrets, 0},
    {ED_DELETE, "/authentication", auth_logout, 0},
    {ED_GET, "/authentication/me", auth_me, 0},
    {0, NULL, NULL, 0},
};
