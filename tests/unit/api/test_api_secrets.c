/* SPDX-License-Identifier: MIT
 * api/api_secrets.c and api/api_audit.c without a socket, on a fresh
 * SQLite store: every secret operation (user and organization secret
 * resets, an instance token, a password change and an admin's password
 * set, refused attempts included) writes its audit entry, and afterwards
 * the audit table is grepped for every secret, token and password that
 * went in or came out: none is there. Also GET /audit's paging and
 * filters through the handler. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "check.h"
#include "core/config.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "domain/accounts.h"
#include "domain/app.h"
#include "http/router.h"
#include "store/store.h"

static char dir[] = "/tmp/ed-test-secrets-XXXXXX";
static struct ed_config cfg;
static struct ed_app app;
static struct ed_request req;
static struct ed_response res;
static struct ed_kv query[4];
static int64_t org_id, user_id, other_user;

/* every secret value seen (heap copies), for the grep */
static char *seen[32];
static size_t nseen;

static void remember(const char *s)
{
    CHECK(s != NULL && nseen < 32);
    seen[nseen++] = strdup(s);
}

static void reset(void)
{
    ed_arena_free(req.arena);
    json_decref(res.body);
    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    req.arena = ed_arena_new();
    req.app = &app;
    req.client_ip = "192.0.2.7";
    req.auth.authenticated = true;
    req.auth.user_id = user_id;
    req.auth.org_id = org_id;
    req.auth.role = ED_ROLE_ORG_ADMIN;
    memcpy(req.request_id, "0123456789abcdef01234567", 24);
    res.status = 500;
}

static int call(enum ed_method m, const char *path, json_t *body)
{
    unsigned allowed = 0;
    const struct ed_route *r = router_match(&req, path, m, &allowed);
    CHECK(r != NULL);
    req.method = m;
    req.method_name = m == ED_POST    ? "POST"
                      : m == ED_PUT   ? "PUT"
                      : m == ED_PATCH ? "PATCH"
                                      : "GET";
    req.route = r->pattern;
    req.body = body;
    int st = r->handler(&req, &res);
    json_decref(body);
    req.body = NULL;
    return st;
}

static const char *answer(const char *key)
{
    return json_string_value(json_object_get(res.body, key));
}

static void test_secret_operations(void)
{
    char path[64];
    /* user secret */
    reset();
    snprintf(path, sizeof(path), "/users/%lld/secrets", (long long)user_id);
    CHECK_EQ_INT(call(ED_POST, path, NULL), 200);
    CHECK_EQ_INT(strlen(answer("secret")), 44);
    remember(answer("secret"));
    /* another organization's user: 404, audited */
    reset();
    snprintf(path, sizeof(path), "/users/%lld/secrets", (long long)other_user);
    CHECK_EQ_INT(call(ED_POST, path, NULL), 404);
    /* organization secret */
    reset();
    CHECK_EQ_INT(call(ED_POST, "/organizations/secrets", NULL), 200);
    CHECK_EQ_INT(strlen(answer("secret")), 32);
    remember(answer("secret"));
    /* an instance token */
    struct store_instance in = {0};
    uint8_t th[ED_HASH_BYTES];
    char *tok = crypto_random_b64(32);
    remember(tok);
    crypto_lookup_hash(app.keys, tok, th);
    CHECK_EQ_INT(crypto_seal(app.keys, tok, strlen(tok), &in.token_ct.data,
                             &in.token_ct.len),
                 ED_OK);
    crypto_free_secret(tok);
    in.org_id = org_id;
    in.user_id = user_id;
    in.element_key = strdup("hubspotcrm");
    in.name = strdup("n");
    in.config = strdup("{}");
    in.auth_type = strdup("apiKey");
    in.valid = 1;
    in.secrets_ct.data = (uint8_t *)strdup("x");
    in.secrets_ct.len = 1;
    CHECK_EQ_INT(store_instance_create(app.store, &in, th), ED_OK);
    reset();
    snprintf(path, sizeof(path), "/instances/%lld/token", (long long)in.id);
    CHECK_EQ_INT(call(ED_PUT, path, NULL), 200);
    remember(answer("token"));
    store_instance_cleanup(&in);
    /* passwords: a refused change, a change, an admin's set */
    snprintf(path, sizeof(path), "/users/%lld/password", (long long)user_id);
    reset();
    CHECK_EQ_INT(call(ED_PATCH, path,
                      json_pack("{s:s, s:s}", "oldPassword", "wrong-password-1",
                                "password", "new-password-1")),
                 403);
    reset();
    CHECK_EQ_INT(call(ED_PATCH, path,
                      json_pack("{s:s, s:s}", "oldPassword", "first-password",
                                "password", "new-password-2")),
                 200);
    reset();
    CHECK_EQ_INT(call(ED_PUT, path,
                      json_pack("{s:s}", "password", "new-password-3")),
                 200);
    remember("wrong-password-1");
    remember("new-password-1");
    remember("first-password");
    remember("new-password-2");
    remember("new-password-3");
}

static void test_audit_table_holds_no_secret(void)
{
    struct store_audit *rows = NULL;
    size_t n = 0;
    CHECK_EQ_INT(store_audit_list(app.store, org_id, NULL, 0, 100, &rows, &n),
                 ED_OK);
    const char *want[] = {"user.password.reset",  "user.password.change",
                          "user.password.change", "instance.token.regenerate",
                          "org.secret.reset",     "user.secret.reset",
                          "user.secret.reset"};
    CHECK_EQ_INT(n, 7);
    for (size_t i = 0; i < n && i < 7; i++) {
        CHECK_EQ_STR(rows[i].action, want[i]);
        CHECK_EQ_INT(rows[i].actor_id, user_id);
        CHECK_EQ_STR(rows[i].actor_ip, "192.0.2.7");
        CHECK_EQ_STR(rows[i].request_id, "0123456789abcdef01234567");
    }
    CHECK_EQ_INT(rows[2].outcome, 403); /* the refused change */
    CHECK_EQ_INT(rows[5].outcome, 404); /* another organization's user */
    /* grep every column of every row for every secret */
    for (size_t i = 0; i < n; i++) {
        const char *cols[] = {rows[i].actor_ip, rows[i].action,
                              rows[i].target_type, rows[i].detail,
                              rows[i].request_id};
        for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
            for (size_t k = 0; k < nseen; k++)
                CHECK(!cols[c] || !strstr(cols[c], seen[k]));
    }
    store_audit_free(rows, n);
}

static void test_audit_handler(void)
{
    reset();
    query[0] = (struct ed_kv){"pageSize", "2"};
    query[1] = (struct ed_kv){"where", "action = 'user.secret.reset'"};
    req.query = query;
    req.nquery = 2;
    CHECK_EQ_INT(call(ED_GET, "/audit", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 2);
    CHECK_EQ_STR(json_string_value(
                     json_object_get(json_array_get(res.body, 0), "action")),
                 "user.secret.reset");
    const char *next = NULL, *count = NULL;
    for (size_t i = 0; i < res.nheaders; i++) {
        if (!strcmp(res.headers[i].name, "Elements-Next-Page-Token"))
            next = res.headers[i].value;
        if (!strcmp(res.headers[i].name, "Elements-Returned-Count"))
            count = res.headers[i].value;
    }
    CHECK(next != NULL);
    CHECK_EQ_STR(count, "2");
    reset();
    query[0] = (struct ed_kv){"where", "since = '2999-01-01'"};
    req.query = query;
    req.nquery = 1;
    CHECK_EQ_INT(call(ED_GET, "/audit", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 0);
    reset();
    query[0] = (struct ed_kv){"where", "secret = 'x'"};
    req.query = query;
    req.nquery = 1;
    CHECK_EQ_INT(call(ED_GET, "/audit", NULL), 400);
    /* not an administrator (no organization): 403 */
    reset();
    req.auth.authenticated = false;
    CHECK_EQ_INT(call(ED_GET, "/audit", NULL), 403);
}

int main(void)
{
    char url[300];
    struct account_input in = {"ada@example.com", "first-password", NULL, NULL,
                               NULL};
    struct account_input in2 = {"bob@example.com", "other-password", NULL, NULL,
                                NULL};
    json_t *out = NULL, *out2 = NULL;
    const char *why = NULL;
    uint8_t key[ED_KEY_BYTES];
    ed_log_threshold = ED_LOG_ERROR + 1;
    CHECK_EQ_INT(crypto_init(), ED_OK);
    CHECK(mkdtemp(dir) != NULL);
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    CHECK_EQ_INT(store_open(url, &app.store), ED_OK);
    memset(key, 7, sizeof(key));
    app.keys = crypto_keyring_from_key(key);
    app.cfg = &cfg;
    router_init();
    CHECK_EQ_INT(accounts_bootstrap(&app, &in, &out, &why), ED_OK);
    CHECK_EQ_INT(accounts_bootstrap(&app, &in2, &out2, &why), ED_OK);
    org_id = json_integer_value(json_object_get(out, "organizationId"));
    user_id = json_integer_value(json_object_get(out, "userId"));
    other_user = json_integer_value(json_object_get(out2, "userId"));
    remember(json_string_value(json_object_get(out, "userSecret")));
    remember(json_string_value(json_object_get(out, "organizationSecret")));
    json_decref(out);
    json_decref(out2);
    RUN(test_secret_operations);
    RUN(test_audit_table_holds_no_secret);
    RUN(test_audit_handler);
    reset();
    ed_arena_free(req.arena);
    for (size_t i = 0; i < nseen; i++)
        free(seen[i]);
    crypto_keyring_free(app.keys);
    store_close(app.store);
    const char *names[] = {"t.db", "t.db-wal", "t.db-shm", NULL};
    for (size_t i = 0; names[i]; i++) {
        char p[400];
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}
