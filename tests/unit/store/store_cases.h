/* SPDX-License-Identifier: MIT
 * The store's test cases, the same on both backends: organizations and
 * users, sessions, instances (create, get, list, update by field mask,
 * the credentials compare-and-swap, the refresh claim, due, delete).
 * Included by test_store_sqlite.c and test_store_pg.c, each of which
 * defines `url` (a fresh database) and adds its backend's own cases. */
#ifndef ED_TEST_STORE_CASES_H
#define ED_TEST_STORE_CASES_H
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store/store.h"

static char url[600];

static void hash_of(uint8_t h[STORE_HASH_BYTES], int seed)
{
    memset(h, 0, STORE_HASH_BYTES);
    h[0] = (uint8_t)seed;
    h[31] = 0x5A;
}

static void blob_of(struct store_blob *b, const char *s)
{
    b->len = strlen(s);
    b->data = (uint8_t *)strdup(s);
}

static void make_user(struct store_user *u, const char *email, const char *ct)
{
    memset(u, 0, sizeof(*u));
    u->email = strdup(email);
    u->first_name = strdup("Ada");
    u->last_name = NULL;
    u->password_hash = strdup("$argon2id$fake");
    blob_of(&u->secret_ct, ct);
}

static void make_org(struct store_org *o, const char *name, const char *ct)
{
    memset(o, 0, sizeof(*o));
    o->name = strdup(name);
    blob_of(&o->secret_ct, ct);
}

static void test_org_user(void)
{
    struct store *s = NULL;
    struct store_org o, got_o;
    struct store_user u, u2, dup, got_u;
    uint8_t oh[32], uh[32], uh2[32], oh2[32], uh3[32];
    hash_of(oh, 1);
    hash_of(uh, 2);
    hash_of(uh2, 3);
    hash_of(oh2, 4);
    hash_of(uh3, 5);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);

    make_org(&o, "Acme", "org-ct");
    make_user(&u, "ada@example.com", "user-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o, oh, &u, uh), ED_OK);
    CHECK(o.id > 0 && u.id > 0);
    CHECK_EQ_INT(u.org_id, o.id);

    /* find by keyed hash */
    memset(&got_o, 0, sizeof(got_o));
    CHECK_EQ_INT(store_org_find_by_secret(s, oh, &got_o), ED_OK);
    CHECK_EQ_INT(got_o.id, o.id);
    CHECK_EQ_STR(got_o.name, "Acme");
    CHECK(got_o.secret_ct.len == 6 &&
          memcmp(got_o.secret_ct.data, "org-ct", 6) == 0);
    CHECK(got_o.created_at > 0);
    store_org_cleanup(&got_o);
    memset(&got_u, 0, sizeof(got_u));
    CHECK_EQ_INT(store_user_find_by_secret(s, uh, &got_u), ED_OK);
    CHECK_EQ_INT(got_u.id, u.id);
    CHECK_EQ_INT(got_u.org_id, o.id);
    CHECK_EQ_STR(got_u.email, "ada@example.com");
    CHECK_EQ_STR(got_u.first_name, "Ada");
    CHECK(got_u.last_name == NULL);
    CHECK_EQ_STR(got_u.password_hash, "$argon2id$fake");
    CHECK(got_u.secret_ct.len == 7 &&
          memcmp(got_u.secret_ct.data, "user-ct", 7) == 0);
    CHECK_EQ_INT(got_u.created_at, u.created_at);
    store_user_cleanup(&got_u);
    CHECK_EQ_INT(store_user_find_by_secret(s, uh2, &got_u), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_org_find_by_secret(s, uh, &got_o), ED_ERR_NOT_FOUND);

    /* by id and by email (case-insensitive) */
    CHECK_EQ_INT(store_user_get(s, u.id, &got_u), ED_OK);
    CHECK_EQ_STR(got_u.email, "ada@example.com");
    store_user_cleanup(&got_u);
    CHECK_EQ_INT(store_user_find_by_email(s, "ADA@example.COM", &got_u), ED_OK);
    CHECK_EQ_INT(got_u.id, u.id);
    store_user_cleanup(&got_u);
    CHECK_EQ_INT(store_user_find_by_email(s, "nobody@example.com", &got_u),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_org_get(s, o.id, &got_o), ED_OK);
    store_org_cleanup(&got_o);
    CHECK_EQ_INT(store_org_get(s, o.id + 1000, &got_o), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_get(s, 999999, &got_u), ED_ERR_NOT_FOUND);

    /* a second user in the same organization */
    make_user(&u2, "bob@example.com", "user2-ct");
    u2.org_id = o.id;
    CHECK_EQ_INT(store_user_create(s, &u2, uh2), ED_OK);
    CHECK(u2.id > u.id);
    CHECK_EQ_INT(store_user_find_by_secret(s, uh2, &got_u), ED_OK);
    CHECK_EQ_INT(got_u.org_id, o.id);
    store_user_cleanup(&got_u);

    /* adding a user to an unknown organization */
    make_user(&dup, "carol@example.com", "c-ct");
    dup.org_id = o.id + 1000;
    CHECK_EQ_INT(store_user_create(s, &dup, uh3), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_find_by_email(s, "carol@example.com", &got_u),
                 ED_ERR_NOT_FOUND);
    store_user_cleanup(&dup);

    /* duplicate email (any case) in a new organization: nothing written */
    struct store_org o2;
    make_org(&o2, "Other", "org2-ct");
    make_user(&dup, "Ada@Example.com", "dup-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o2, oh2, &dup, uh3),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(store_org_find_by_secret(s, oh2, &got_o), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_find_by_secret(s, uh3, &got_u), ED_ERR_NOT_FOUND);
    store_user_cleanup(&dup);
    store_org_cleanup(&o2);
    /* duplicate email through store_user_create */
    make_user(&dup, "BOB@example.com", "dup2-ct");
    dup.org_id = o.id;
    CHECK_EQ_INT(store_user_create(s, &dup, uh3), ED_ERR_EXISTS);
    store_user_cleanup(&dup);
    /* duplicate secret hash is refused too */
    make_org(&o2, "Other", "org2-ct");
    make_user(&dup, "dave@example.com", "d-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o2, oh, &dup, uh3),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(store_user_find_by_email(s, "dave@example.com", &got_u),
                 ED_ERR_NOT_FOUND);
    store_user_cleanup(&dup);
    store_org_cleanup(&o2);
    /* and the store still works after the rollbacks */
    make_org(&o2, "Third", "org3-ct");
    make_user(&dup, "erin@example.com", "e-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o2, oh2, &dup, uh3), ED_OK);
    CHECK(o2.id != o.id);
    store_user_cleanup(&dup);
    store_org_cleanup(&o2);

    store_user_cleanup(&u);
    store_user_cleanup(&u2);
    store_org_cleanup(&o);
    store_close(s);

    /* everything is still there after a reopen */
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_secret(s, uh, &got_u), ED_OK);
    CHECK_EQ_STR(got_u.email, "ada@example.com");
    store_user_cleanup(&got_u);
    store_close(s);
}

static void test_sessions(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    uint8_t h1[32], h2[32], h3[32];
    int64_t uid = -1;
    hash_of(h1, 101);
    hash_of(h2, 102);
    hash_of(h3, 103);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    CHECK_EQ_INT(store_session_put(s, h1, u.id, 2000000000), ED_OK);
    CHECK_EQ_INT(store_session_find(s, h1, 1999999999, &uid), ED_OK);
    CHECK_EQ_INT(uid, u.id);
    /* expired at and after expires_at */
    uid = -1;
    CHECK_EQ_INT(store_session_find(s, h1, 2000000000, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_session_find(s, h1, 2000000001, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(uid, -1);
    CHECK_EQ_INT(store_session_find(s, h2, 0, &uid), ED_ERR_NOT_FOUND);
    /* a session of an unknown user is refused (foreign key) */
    CHECK(store_session_put(s, h3, 987654, 2000000000) != ED_OK);
    /* an already expired session is purged by the next put */
    CHECK_EQ_INT(store_session_put(s, h2, u.id, 10), ED_OK);
    CHECK_EQ_INT(store_session_put(s, h3, u.id, 2000000000), ED_OK);
    CHECK_EQ_INT(store_session_find(s, h2, 0, &uid), ED_ERR_NOT_FOUND);
    /* the same token twice is refused */
    CHECK_EQ_INT(store_session_put(s, h3, u.id, 2000000000), ED_ERR_EXISTS);
    /* delete */
    CHECK_EQ_INT(store_session_delete(s, h1), ED_OK);
    CHECK_EQ_INT(store_session_find(s, h1, 0, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_session_find(s, h3, 0, &uid), ED_OK);
    store_user_cleanup(&u);
    store_close(s);
}

/* Every byte value, including NULs: BYTEA must round-trip exactly. */
static void binary_blob(struct store_blob *b, size_t n, int shift)
{
    b->len = n;
    b->data = malloc(n);
    for (size_t i = 0; i < n; i++)
        b->data[i] = (uint8_t)(i + (size_t)shift);
}

static void make_instance(struct store_instance *in, int64_t org, int64_t user,
                          const char *key, const char *name)
{
    memset(in, 0, sizeof(*in));
    in->org_id = org;
    in->user_id = user;
    in->element_key = strdup(key);
    in->name = strdup(name);
    in->config = strdup("{\"a\":1}");
    in->auth_type = strdup("oauth2");
    in->valid = 1;
    in->provider_meta = strdup("{\"hub\":42}");
    binary_blob(&in->secrets_ct, 600, 0);
    binary_blob(&in->token_ct, 256, 7);
}

static void test_instances(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_instance a, b, c, got;
    struct store_instance *list = NULL;
    size_t n = 0;
    int64_t ids[8];
    uint8_t th1[32], th2[32], th3[32];
    hash_of(th1, 201);
    hash_of(th2, 202);
    hash_of(th3, 203);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);

    make_instance(&a, u.org_id, u.id, "hubspot", "first");
    CHECK_EQ_INT(store_instance_create(s, &a, th1), ED_OK);
    CHECK(a.id > 0);
    CHECK_EQ_INT(a.cred_version, 1);
    make_instance(&b, u.org_id, u.id, "hubspotcrm", "second");
    free(b.auth_type);
    b.auth_type = strdup("apiKey");
    free(b.secrets_ct.data);
    b.secrets_ct.data = NULL; /* SQL NULL */
    b.secrets_ct.len = 0;
    CHECK_EQ_INT(store_instance_create(s, &b, th2), ED_OK);
    CHECK(b.id > a.id);
    /* the token hash is unique */
    make_instance(&c, u.org_id, u.id, "hubspot", "dup");
    CHECK_EQ_INT(store_instance_create(s, &c, th1), ED_ERR_EXISTS);
    store_instance_cleanup(&c);

    /* get: by id, scoped to an organization or not */
    memset(&got, 0, sizeof(got));
    CHECK_EQ_INT(store_instance_get(s, u.org_id, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.element_key, "hubspot");
    CHECK_EQ_STR(got.name, "first");
    CHECK_EQ_STR(got.tags, "[]");
    CHECK_EQ_STR(got.config, "{\"a\":1}");
    CHECK_EQ_STR(got.external_auth, "none");
    CHECK_EQ_STR(got.provider_meta, "{\"hub\":42}");
    CHECK(got.invalid_reason == NULL);
    CHECK_EQ_INT(got.valid, 1);
    CHECK_EQ_INT(got.disabled, 0);
    CHECK_EQ_INT(got.cred_version, 1);
    CHECK_EQ_INT(got.created_at, a.created_at);
    CHECK(got.secrets_ct.len == 600 &&
          memcmp(got.secrets_ct.data, a.secrets_ct.data, 600) == 0);
    CHECK(got.token_ct.len == 256 &&
          memcmp(got.token_ct.data, a.token_ct.data, 256) == 0);
    store_instance_cleanup(&got);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    store_instance_cleanup(&got);
    CHECK_EQ_INT(store_instance_get(s, u.org_id + 1000, a.id, &got),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_instance_get(s, 0, b.id + 1000, &got), ED_ERR_NOT_FOUND);
    /* a NULL blob reads back empty, not NULL (as with SQLite) */
    CHECK_EQ_INT(store_instance_find_by_token(s, th2, &got), ED_OK);
    CHECK_EQ_INT(got.id, b.id);
    CHECK(got.secrets_ct.data != NULL && got.secrets_ct.len == 0);
    store_instance_cleanup(&got);
    CHECK_EQ_INT(store_instance_find_by_token(s, th3, &got), ED_ERR_NOT_FOUND);

    /* list: oldest first, optionally by element */
    CHECK_EQ_INT(store_instance_list(s, u.org_id, NULL, &list, &n), ED_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(list[0].id, a.id);
    CHECK_EQ_INT(list[1].id, b.id);
    store_instances_free(list, n);
    CHECK_EQ_INT(store_instance_list(s, u.org_id, "hubspotcrm", &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(list[0].name, "second");
    store_instances_free(list, n);
    CHECK_EQ_INT(store_instance_list(s, u.org_id + 1000, NULL, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 0);
    store_instances_free(list, n);

    /* update the descriptive fields */
    free(a.name);
    a.name = strdup("renamed");
    free(a.tags);
    a.tags = strdup("[\"x\"]");
    a.disabled = 1;
    a.invalid_reason = strdup("because");
    CHECK_EQ_INT(store_instance_update(s, &a, STORE_INST_ALL), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, u.org_id, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.name, "renamed");
    CHECK_EQ_STR(got.tags, "[\"x\"]");
    CHECK_EQ_INT(got.disabled, 1);
    CHECK_EQ_STR(got.invalid_reason, "because");
    store_instance_cleanup(&got);
    c = a;
    c.id = b.id + 1000;
    CHECK_EQ_INT(store_instance_update(s, &c, STORE_INST_ALL),
                 ED_ERR_NOT_FOUND);
    a.disabled = 0;
    free(a.invalid_reason);
    a.invalid_reason = NULL;
    CHECK_EQ_INT(store_instance_update(s, &a, STORE_INST_ALL), ED_OK);

    /* credentials: compare-and-swap on cred_version */
    struct store_instance stale = {0};
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &stale), ED_OK);
    free(a.secrets_ct.data);
    binary_blob(&a.secrets_ct, 300, 99);
    a.access_expires_at = 1000;
    a.refreshed_at = 500;
    free(a.provider_meta);
    a.provider_meta = strdup("{\"hub\":43}");
    CHECK_EQ_INT(store_instance_put_credentials(s, &a), ED_OK);
    CHECK_EQ_INT(a.cred_version, 2);
    CHECK_EQ_INT(store_instance_put_credentials(s, &stale), ED_ERR_BUSY);
    CHECK_EQ_INT(stale.cred_version, 1);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_INT(got.cred_version, 2);
    CHECK_EQ_INT(got.access_expires_at, 1000);
    CHECK_EQ_INT(got.refreshed_at, 500);
    CHECK_EQ_STR(got.provider_meta, "{\"hub\":43}");
    CHECK(got.secrets_ct.len == 300 &&
          memcmp(got.secrets_ct.data, a.secrets_ct.data, 300) == 0);
    store_instance_cleanup(&got);
    store_instance_cleanup(&stale);
    CHECK_EQ_INT(store_instance_put_credentials(s, &a), ED_OK);
    CHECK_EQ_INT(a.cred_version, 3);

    /* due for refresh: valid OAuth instances only */
    CHECK_EQ_INT(store_instance_due(s, 600, 0, ids, 8, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(ids[0], a.id);
    CHECK_EQ_INT(store_instance_due(s, 400, 0, ids, 8, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(store_instance_due(s, 400, 1001, ids, 8, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(store_instance_due(s, 600, 0, ids, 0, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(store_instance_set_valid(s, a.id, 0, "revoked"), ED_OK);
    CHECK_EQ_INT(store_instance_due(s, 600, 0, ids, 8, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_INT(got.valid, 0);
    CHECK_EQ_STR(got.invalid_reason, "revoked");
    CHECK_EQ_INT(got.cred_version, 3); /* not a credential change */
    store_instance_cleanup(&got);

    /* delete, scoped to the organization */
    CHECK_EQ_INT(store_instance_delete(s, u.org_id + 1000, a.id),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, a.id), ED_OK);
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, a.id), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_ERR_NOT_FOUND);

    store_instance_cleanup(&a);
    store_instance_cleanup(&b);
    store_user_cleanup(&u);
    store_close(s);
}

/* Updates by field mask: only the named columns are written, so two
 * changes made from copies read at the same time both survive. */
static void test_instance_fields(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_instance a, stale1, stale2, got;
    uint8_t th[32];
    hash_of(th, 211);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    make_instance(&a, u.org_id, u.id, "hubspotcrm", "masked");
    a.tags = strdup("[\"t\"]");
    CHECK_EQ_INT(store_instance_create(s, &a, th), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &stale1), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &stale2), ED_OK);
    /* a rename from one copy, a disable from the other */
    free(stale1.name);
    stale1.name = strdup("renamed");
    stale1.disabled = 0;
    CHECK_EQ_INT(store_instance_update(s, &stale1, STORE_INST_NAME), ED_OK);
    stale2.disabled = 1;
    CHECK_EQ_INT(store_instance_update(s, &stale2, STORE_INST_DISABLED), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.name, "renamed");
    CHECK_EQ_INT(got.disabled, 1);
    CHECK_EQ_STR(got.tags, "[\"t\"]");
    CHECK_EQ_STR(got.config, "{\"a\":1}");
    store_instance_cleanup(&got);
    /* tags, config, valid + reason: each alone */
    free(stale1.tags);
    stale1.tags = strdup("[\"u\"]");
    free(stale1.config);
    stale1.config = strdup("{\"b\":2}");
    stale1.valid = 0;
    stale1.invalid_reason = strdup("why");
    CHECK_EQ_INT(store_instance_update(s, &stale1, STORE_INST_TAGS), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.tags, "[\"u\"]");
    CHECK_EQ_STR(got.config, "{\"a\":1}");
    CHECK_EQ_INT(got.valid, 1);
    CHECK_EQ_INT(got.disabled, 1); /* stale1's 0 not written */
    store_instance_cleanup(&got);
    CHECK_EQ_INT(store_instance_update(s, &stale1,
                                       STORE_INST_CONFIG | STORE_INST_VALID),
                 ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.config, "{\"b\":2}");
    CHECK_EQ_INT(got.valid, 0);
    CHECK_EQ_STR(got.invalid_reason, "why");
    CHECK_EQ_STR(got.name, "renamed");
    CHECK_EQ_INT(got.disabled, 1);
    CHECK_EQ_INT(got.cred_version, 1); /* never a credential change */
    store_instance_cleanup(&got);
    /* no field: only whether it exists */
    CHECK_EQ_INT(store_instance_update(s, &stale1, 0), ED_OK);
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, a.id), ED_OK);
    CHECK_EQ_INT(store_instance_update(s, &stale1, STORE_INST_NAME),
                 ED_ERR_NOT_FOUND);
    store_instance_cleanup(&stale1);
    store_instance_cleanup(&stale2);
    store_instance_cleanup(&a);
    store_user_cleanup(&u);
    store_close(s);
}

/* The refresh claim: reads under it, put's compare-and-swap, set_valid,
 * commit and rollback. */
static void test_refresh_claim(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_instance a, seen, got;
    struct store_refresh *rf = NULL;
    uint8_t th[32];
    hash_of(th, 212);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    make_instance(&a, u.org_id, u.id, "hubspotcrm", "claimed");
    CHECK_EQ_INT(store_instance_create(s, &a, th), ED_OK);
    CHECK_EQ_INT(store_instance_refresh_begin(s, a.id + 1000, false, &seen,
                                              &rf),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_instance_refresh_begin(s, a.id, false, &seen, &rf),
                 ED_OK);
    CHECK_EQ_INT(seen.cred_version, 1);
    seen.refreshed_at = 777;
    CHECK_EQ_INT(store_instance_refresh_put(rf, &seen), ED_OK);
    CHECK_EQ_INT(seen.cred_version, 2);
    store_instance_cleanup(&seen);
    CHECK_EQ_INT(store_instance_refresh_read(rf, &seen), ED_OK);
    CHECK_EQ_INT(seen.refreshed_at, 777);
    store_instance_cleanup(&seen);
    CHECK_EQ_INT(store_instance_refresh_end(rf, true), ED_OK);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_INT(got.cred_version, 2);
    CHECK_EQ_INT(got.refreshed_at, 777);
    store_instance_cleanup(&got);
    /* a stale copy loses the compare-and-swap under a claim too */
    CHECK_EQ_INT(store_instance_refresh_begin(s, a.id, true, &seen, &rf),
                 ED_OK);
    CHECK_EQ_INT(store_instance_put_credentials(s, &a), ED_ERR_BUSY); /* v1 */
    CHECK_EQ_INT(store_instance_refresh_set_valid(rf, 0, "dead grant"), ED_OK);
    CHECK_EQ_INT(store_instance_refresh_end(rf, true), ED_OK);
    store_instance_cleanup(&seen);
    CHECK_EQ_INT(store_instance_get(s, 0, a.id, &got), ED_OK);
    CHECK_EQ_INT(got.valid, 0);
    CHECK_EQ_STR(got.invalid_reason, "dead grant");
    store_instance_cleanup(&got);
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, a.id), ED_OK);
    store_instance_cleanup(&a);
    store_user_cleanup(&u);
    store_close(s);
}

/* --- virtual resources ---------------------------------------------------- */

struct vdr_hook_log {
    int calls;
    int64_t last_org;
};

static void vdr_hook_fn(void *ud, int64_t org_id)
{
    struct vdr_hook_log *h = ud;
    h->calls++;
    h->last_org = org_id;
}

static void vdr_doc(struct store_vdr_doc *d, int64_t org, const char *level,
                    int64_t owner, const char *el, const char *name,
                    const char *doc)
{
    memset(d, 0, sizeof(*d));
    d->org_id = org;
    d->level = (char *)level;
    d->owner_id = owner;
    d->element_key = (char *)el;
    d->name = (char *)name;
    d->doc = (char *)doc;
}

static void test_vdr_docs(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_vdr_doc d[3], got;
    struct store_vdr_doc *list = NULL;
    struct store_instance in;
    struct vdr_hook_log hook = {0, -1};
    size_t n = 0, failed = 99;
    uint8_t th[32];
    hash_of(th, 230);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    store_set_vdr_hook(s, vdr_hook_fn, &hook);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    int64_t org = u.org_id;

    /* create two definitions in one call; the hook sees the organization */
    vdr_doc(&d[0], org, "organization", org, NULL, "myContact", "{\"a\":1}");
    vdr_doc(&d[1], org, "organization", org, NULL, "myDeal", "{\"b\":2}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_CREATE, d, 2, 0,
                               &failed),
                 ED_OK);
    CHECK(d[0].id > 0 && d[1].id > d[0].id && d[0].created_at > 0);
    CHECK_EQ_INT(hook.calls, 1);
    CHECK_EQ_INT(hook.last_org, org);

    /* all or nothing: the second exists, so the first is not kept */
    vdr_doc(&d[0], org, "organization", org, NULL, "fresh", "{}");
    vdr_doc(&d[1], org, "organization", org, NULL, "myDeal", "{}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_CREATE, d, 2, 0,
                               &failed),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(failed, 1);
    CHECK_EQ_INT(hook.calls, 1);
    CHECK_EQ_INT(store_vdr_get(s, STORE_VDR_DEF, org, "organization", org, NULL,
                               "fresh", &got),
                 ED_ERR_NOT_FOUND);

    /* replace: only what exists; upsert: either */
    vdr_doc(&d[0], org, "organization", org, NULL, "nope", "{}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_REPLACE, d, 1, 0,
                               &failed),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(failed, 0);
    vdr_doc(&d[0], org, "organization", org, NULL, "myDeal", "{\"b\":3}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_REPLACE, d, 1, 0,
                               NULL),
                 ED_OK);
    vdr_doc(&d[0], org, "organization", org, NULL, "myDeal", "{\"b\":4}");
    vdr_doc(&d[1], org, "account", org, NULL, "myDeal", "{\"acct\":1}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_UPSERT, d, 2, 0,
                               NULL),
                 ED_OK);
    CHECK_EQ_INT(store_vdr_get(s, STORE_VDR_DEF, org, "organization", org, NULL,
                               "myDeal", &got),
                 ED_OK);
    CHECK_EQ_STR(got.doc, "{\"b\":4}");
    CHECK_EQ_STR(got.level, "organization");
    CHECK(got.element_key == NULL);
    CHECK_EQ_INT(got.kind, STORE_VDR_DEF);
    free(got.level);
    free(got.name);
    free(got.doc);

    /* a per-owner limit: past it nothing is written */
    vdr_doc(&d[0], org, "account", org, NULL, "second", "{}");
    vdr_doc(&d[1], org, "account", org, NULL, "third", "{}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_DEF, STORE_VDR_CREATE, d, 2, 2,
                               &failed),
                 ED_ERR_TOO_LARGE);
    CHECK_EQ_INT(store_vdr_list(s, STORE_VDR_DEF, org, "account", org, NULL,
                                NULL, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    store_vdr_docs_free(list, n);

    /* transformations: per element; list by element, by name or all */
    CHECK_EQ_INT(store_instance_find_by_token(s, th, &in), ED_ERR_NOT_FOUND);
    make_instance(&in, org, u.id, "hubspotcrm", "vdr");
    CHECK_EQ_INT(store_instance_create(s, &in, th), ED_OK);
    vdr_doc(&d[0], org, "organization", org, "hubspotcrm", "myContact",
            "{\"vendorName\":\"contacts\"}");
    vdr_doc(&d[1], org, "organization", org, "hubspot", "myContact", "{}");
    vdr_doc(&d[2], org, "instance", in.id, "hubspotcrm", "myContact", "{}");
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_TF, STORE_VDR_CREATE, d, 2, 500,
                               NULL),
                 ED_OK);
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_TF, STORE_VDR_CREATE, &d[2], 1, 500,
                               NULL),
                 ED_OK);
    CHECK_EQ_INT(store_vdr_put(s, STORE_VDR_TF, STORE_VDR_CREATE, d, 1, 0,
                               NULL),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(store_vdr_get(s, STORE_VDR_TF, org, "organization", org,
                               "hubspotcrm", "myContact", &got),
                 ED_OK);
    CHECK_EQ_STR(got.element_key, "hubspotcrm");
    CHECK_EQ_STR(got.doc, "{\"vendorName\":\"contacts\"}");
    CHECK_EQ_INT(got.kind, STORE_VDR_TF);
    free(got.level);
    free(got.name);
    free(got.doc);
    free(got.element_key);
    CHECK_EQ_INT(store_vdr_list(s, STORE_VDR_TF, org, "organization", org, NULL,
                                "myContact", &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(list[0].element_key, "hubspot");
    CHECK_EQ_STR(list[1].element_key, "hubspotcrm");
    store_vdr_docs_free(list, n);
    CHECK_EQ_INT(store_vdr_list(s, STORE_VDR_TF, org, "organization", org,
                                "hubspot", NULL, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    store_vdr_docs_free(list, n);

    /* the whole organization in one list: both kinds */
    CHECK_EQ_INT(store_vdr_list_org(s, org, &list, &n), ED_OK);
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(list[0].kind, STORE_VDR_DEF);
    CHECK_EQ_INT(list[5].kind, STORE_VDR_TF);
    CHECK_EQ_STR(list[5].level, "instance");
    CHECK_EQ_INT(list[5].owner_id, in.id);
    store_vdr_docs_free(list, n);
    CHECK_EQ_INT(store_vdr_list_org(s, org + 1000, &list, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_vdr_docs_free(list, n);

    /* rename: the definition and its transformations at that level */
    hook.calls = 0;
    CHECK_EQ_INT(store_vdr_rename(s, org, "organization", org, "myContact",
                                  "myDeal"),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(store_vdr_rename(s, org, "organization", org, "ghost", "x"),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(hook.calls, 0);
    CHECK_EQ_INT(store_vdr_rename(s, org, "organization", org, "myContact",
                                  "person"),
                 ED_OK);
    CHECK_EQ_INT(hook.calls, 1);
    CHECK_EQ_INT(store_vdr_list(s, STORE_VDR_TF, org, "organization", org, NULL,
                                "person", &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 2);
    store_vdr_docs_free(list, n);
    /* the instance's transformation is another level: not renamed */
    CHECK_EQ_INT(store_vdr_get(s, STORE_VDR_TF, org, "instance", in.id,
                               "hubspotcrm", "myContact", &got),
                 ED_OK);
    free(got.level);
    free(got.name);
    free(got.doc);
    free(got.element_key);

    /* delete one, then all of a level */
    CHECK_EQ_INT(store_vdr_delete(s, STORE_VDR_TF, org, "organization", org,
                                  "hubspot", "person", &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(store_vdr_delete(s, STORE_VDR_TF, org, "organization", org,
                                  "hubspot", "person", &n),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_vdr_delete(s, STORE_VDR_DEF, org, "organization", org,
                                  NULL, NULL, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 2);

    /* deleting the instance deletes its documents (and tells the hook) */
    hook.calls = 0;
    CHECK_EQ_INT(store_instance_delete(s, org, in.id), ED_OK);
    CHECK(hook.calls >= 1);
    CHECK_EQ_INT(hook.last_org, org);
    CHECK_EQ_INT(store_vdr_list(s, STORE_VDR_TF, org, "instance", in.id, NULL,
                                NULL, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 0);
    store_vdr_docs_free(list, n);
    store_vdr_delete(s, STORE_VDR_TF, org, "organization", org, NULL, NULL,
                     NULL);
    store_vdr_delete(s, STORE_VDR_DEF, org, "account", org, NULL, NULL, NULL);
    store_instance_cleanup(&in);
    store_user_cleanup(&u);
    store_close(s);
}

/* Every case above, in order (test_org_user creates the user the others
 * use). */
static void bulk_job_of(struct store_bulk_job *j, int64_t org, int64_t inst,
                        const char *dir, const char *obj, int64_t at)
{
    memset(j, 0, sizeof(*j));
    j->org_id = org;
    j->instance_id = inst;
    j->direction = strdup(dir);
    j->object_name = strdup(obj);
    j->query = strdup("select * from contacts");
    j->created_at = at;
}

/* Bulk jobs: create/get scoped, list with filters and keyset paging, the
 * lease (one holder; an expired lease is claimable again), checkpoint CAS
 * and cancellation, finish, cancel's transitions, errors, retention, the
 * instance's deletion taking its jobs along. */
static void test_bulk_jobs(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_instance in;
    struct store_bulk_job a, b, c, got;
    struct store_bulk_job *list = NULL;
    size_t n = 0;
    uint8_t th[32];
    hash_of(th, 240);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    make_instance(&in, u.org_id, u.id, "hubspot", "bulk");
    CHECK_EQ_INT(store_instance_create(s, &in, th), ED_OK);

    bulk_job_of(&a, u.org_id, in.id, "DOWNLOAD", "contacts", 1000);
    bulk_job_of(&b, u.org_id, in.id, "DOWNLOAD", "companies", 2000);
    bulk_job_of(&c, u.org_id, in.id, "UPLOAD", "contacts", 3000);
    CHECK_EQ_INT(store_bulk_create(s, &a), ED_OK);
    CHECK_EQ_INT(store_bulk_create(s, &b), ED_OK);
    CHECK_EQ_INT(store_bulk_create(s, &c), ED_OK);
    CHECK(a.id > 0 && b.id > a.id && c.id > b.id);
    /* an unknown instance: no job */
    struct store_bulk_job bad;
    bulk_job_of(&bad, u.org_id, 999999, "DOWNLOAD", "contacts", 1);
    CHECK_EQ_INT(store_bulk_create(s, &bad), ED_ERR_NOT_FOUND);
    store_bulk_job_cleanup(&bad);

    memset(&got, 0, sizeof(got));
    CHECK_EQ_INT(store_bulk_get(s, u.org_id, in.id, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.status, "CREATED");
    CHECK_EQ_STR(got.object_name, "contacts");
    CHECK_EQ_STR(got.checkpoint, "{}");
    CHECK_EQ_INT(got.created_at, 1000);
    store_bulk_job_cleanup(&got);
    CHECK_EQ_INT(store_bulk_get(s, u.org_id + 1, 0, a.id, &got),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_bulk_get(s, u.org_id, in.id + 1, a.id, &got),
                 ED_ERR_NOT_FOUND);

    /* list: newest first, filters, keyset */
    CHECK_EQ_INT(store_bulk_list(s, u.org_id, in.id, NULL, 0, 10, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(list[0].id, c.id);
    CHECK_EQ_INT(list[2].id, a.id);
    store_bulk_jobs_free(list, n);
    CHECK_EQ_INT(store_bulk_list(s, u.org_id, in.id, NULL, c.id, 1, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, b.id);
    store_bulk_jobs_free(list, n);
    struct store_bulk_filter f = {NULL, "DOWNLOAD", "contacts", -1, -1};
    CHECK_EQ_INT(store_bulk_list(s, u.org_id, in.id, &f, 0, 10, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, a.id);
    store_bulk_jobs_free(list, n);
    CHECK_EQ_INT(store_bulk_list(s, u.org_id + 1, 0, NULL, 0, 10, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_jobs_free(list, n);

    /* cancel a CREATED job: CANCELLED at once; again: finished already */
    char *st = NULL;
    CHECK_EQ_INT(store_bulk_cancel(s, u.org_id, in.id, c.id, 3500, &st), ED_OK);
    CHECK_EQ_STR(st, "CANCELLED");
    free(st);
    CHECK_EQ_INT(store_bulk_cancel(s, u.org_id, in.id, c.id, 3600, &st),
                 ED_ERR_EXISTS);
    CHECK_EQ_STR(st, "CANCELLED");
    free(st);
    CHECK_EQ_INT(store_bulk_cancel(s, u.org_id + 1, 0, c.id, 3600, &st),
                 ED_ERR_NOT_FOUND);
    free(st);

    /* claim: a and b (c is cancelled), one holder at a time */
    CHECK_EQ_INT(store_bulk_claim(s, 5000, 65000, "node-a", 1, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, a.id);
    CHECK_EQ_STR(list[0].status, "RUNNING");
    CHECK_EQ_INT(list[0].started_at, 5000);
    store_bulk_jobs_free(list, n);
    CHECK_EQ_INT(store_bulk_claim(s, 6000, 66000, "node-b", 5, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, b.id);
    store_bulk_jobs_free(list, n);
    CHECK_EQ_INT(store_bulk_claim(s, 7000, 67000, "node-b", 5, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_jobs_free(list, n);

    /* checkpoint: only the holder */
    bool cancel = true;
    free(a.checkpoint);
    a.checkpoint = strdup("{\"after\":\"42\",\"len\":10}");
    a.records_count = 100;
    CHECK_EQ_INT(store_bulk_checkpoint(s, &a, "node-a", 70000, &cancel), ED_OK);
    CHECK(!cancel);
    CHECK_EQ_INT(store_bulk_checkpoint(s, &a, "node-b", 70000, &cancel),
                 ED_ERR_NOT_FOUND);
    /* the lease of a runs out at 70000: node-b takes it over */
    CHECK_EQ_INT(store_bulk_claim(s, 70001, 130001, "node-b", 1, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(list[0].id, a.id);
    CHECK_EQ_STR(list[0].checkpoint, "{\"after\":\"42\",\"len\":10}");
    CHECK_EQ_INT(list[0].records_count, 100);
    CHECK_EQ_INT(list[0].started_at, 5000);
    store_bulk_jobs_free(list, n);
    CHECK_EQ_INT(store_bulk_checkpoint(s, &a, "node-a", 80000, &cancel),
                 ED_ERR_NOT_FOUND);

    /* cancel a RUNNING job: pending; the holder learns at its checkpoint */
    CHECK_EQ_INT(store_bulk_cancel(s, u.org_id, in.id, a.id, 71000, &st),
                 ED_OK);
    CHECK_EQ_STR(st, "CANCELLATION_PENDING");
    free(st);
    CHECK_EQ_INT(store_bulk_checkpoint(s, &a, "node-b", 140000, &cancel),
                 ED_OK);
    CHECK(cancel);
    free(a.status);
    a.status = strdup("CANCELLED");
    a.finished_at = 72000;
    CHECK_EQ_INT(store_bulk_finish(s, &a, "node-a"), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_bulk_finish(s, &a, "node-b"), ED_OK);
    CHECK_EQ_INT(store_bulk_get(s, u.org_id, 0, a.id, &got), ED_OK);
    CHECK_EQ_STR(got.status, "CANCELLED");
    CHECK_EQ_INT(got.finished_at, 72000);
    CHECK_EQ_STR(got.claimed_by, "");
    store_bulk_job_cleanup(&got);
    /* finished jobs are never claimed again */
    CHECK_EQ_INT(store_bulk_claim(s, 999999, 9999999, "node-c", 5, &list, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1); /* b only: its lease ran out */
    CHECK_EQ_INT(list[0].id, b.id);
    store_bulk_jobs_free(list, n);

    /* errors, keyset by row */
    struct store_bulk_error errs[3] = {{3, "bad email", "{\"x\":1}"},
                                       {1, "missing", NULL},
                                       {2, "dup", "{}"}};
    CHECK_EQ_INT(store_bulk_errors_add(s, b.id, errs, 3), ED_OK);
    struct store_bulk_error *el = NULL;
    CHECK_EQ_INT(store_bulk_errors_list(s, b.id, 0, 2, &el, &n), ED_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(el[0].row, 1);
    CHECK(el[0].record == NULL);
    CHECK_EQ_STR(el[1].message, "dup");
    store_bulk_errors_free(el, n);
    CHECK_EQ_INT(store_bulk_errors_list(s, b.id, 2, 10, &el, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(el[0].record, "{\"x\":1}");
    store_bulk_errors_free(el, n);

    /* retention: finished jobs that still name a file */
    int64_t ids[4];
    free(b.file_name);
    b.file_name = strdup("job-b.bin");
    CHECK_EQ_INT(store_bulk_checkpoint(s, &b, "node-c", 9999999, &cancel),
                 ED_OK);
    free(b.status);
    b.status = strdup("COMPLETED");
    b.finished_at = 50000;
    CHECK_EQ_INT(store_bulk_finish(s, &b, "node-c"), ED_OK);
    CHECK_EQ_INT(store_bulk_expired(s, 50000, 0, ids, 4, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(store_bulk_expired(s, 60000, 0, ids, 4, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(ids[0], b.id);
    CHECK_EQ_INT(store_bulk_drop_file(s, b.id), ED_OK);
    CHECK_EQ_INT(store_bulk_expired(s, 60000, 0, ids, 4, &n), ED_OK);
    CHECK_EQ_INT(n, 0);

    /* deleting the instance deletes its jobs and their errors */
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, in.id), ED_OK);
    CHECK_EQ_INT(store_bulk_get(s, 0, 0, b.id, &got), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_bulk_errors_list(s, b.id, 0, 10, &el, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_errors_free(el, n);

    store_bulk_job_cleanup(&a);
    store_bulk_job_cleanup(&b);
    store_bulk_job_cleanup(&c);
    store_instance_cleanup(&in);
    store_user_cleanup(&u);
    store_close(s);
}

/* Bulk workflows: create (with its first run in the same transaction),
 * get scoped, a schedule's fire as a compare-and-set on its due time (one
 * fire per due time; a fire while a run is going is skipped and counted),
 * runs that can move on, the advance CAS making the next step's job, the
 * runs list newest first by workflow with keyset paging, stop, and the
 * instance's deletion taking workflows and runs along. */
static void test_bulk_workflows(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    struct store_instance in;
    struct store_bulk_workflow w, sch, got;
    struct store_bulk_workflow *wl = NULL;
    struct store_bulk_run *rl = NULL;
    struct store_bulk_job job, gj;
    size_t n = 0;
    int64_t run = 0, run2 = 0;
    uint8_t th[32];
    hash_of(th, 241);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    make_instance(&in, u.org_id, u.id, "hubspot", "wf");
    CHECK_EQ_INT(store_instance_create(s, &in, th), ED_OK);

    /* a one-shot workflow and its first run */
    memset(&w, 0, sizeof(w));
    w.org_id = u.org_id;
    w.instance_id = in.id;
    w.steps = strdup("[{\"type\":\"query\"}]");
    w.status = strdup("ONCE");
    w.created_at = 1000;
    CHECK_EQ_INT(store_bulk_wf_create(s, &w, true, &run), ED_OK);
    CHECK(w.id > 0 && run > 0);
    /* an instance that does not exist: nothing is stored */
    memset(&got, 0, sizeof(got));
    got.org_id = u.org_id;
    got.instance_id = 999999;
    got.steps = strdup("[]");
    got.created_at = 1;
    CHECK_EQ_INT(store_bulk_wf_create(s, &got, true, &run2), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(run2, 0);
    store_bulk_workflow_cleanup(&got);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, 0, 0, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rl[0].id, run);
    CHECK_EQ_STR(rl[0].status, "RUNNING");
    CHECK_EQ_INT(rl[0].job_id, 0);
    CHECK_EQ_STR(rl[0].jobs, "[]");
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_get(s, u.org_id, w.id, &got), ED_OK);
    CHECK_EQ_STR(got.steps, "[{\"type\":\"query\"}]");
    CHECK_EQ_STR(got.schedule, "");
    store_bulk_workflow_cleanup(&got);
    CHECK_EQ_INT(store_bulk_wf_get(s, u.org_id + 1, w.id, &got),
                 ED_ERR_NOT_FOUND);

    /* the run without a job is pending; advancing makes the job */
    CHECK_EQ_INT(store_bulk_wf_pending(s, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    struct store_bulk_run from = rl[0], to = rl[0];
    to.status = "RUNNING";
    bulk_job_of(&job, u.org_id, in.id, "DOWNLOAD", "contacts", 1500);
    CHECK_EQ_INT(store_bulk_wf_advance(s, &from, &to, &job), ED_OK);
    CHECK(job.id > 0);
    /* the same move again loses: nothing is written (no second job) */
    struct store_bulk_job again;
    bulk_job_of(&again, u.org_id, in.id, "DOWNLOAD", "contacts", 1500);
    CHECK_EQ_INT(store_bulk_wf_advance(s, &from, &to, &again), ED_ERR_BUSY);
    CHECK_EQ_INT(again.id, 0);
    store_bulk_job_cleanup(&again);
    struct store_bulk_job *jl = NULL;
    size_t nj = 0;
    CHECK_EQ_INT(store_bulk_list(s, u.org_id, in.id, NULL, 0, 10, &jl, &nj),
                 ED_OK);
    CHECK_EQ_INT(nj, 1);
    store_bulk_jobs_free(jl, nj);
    store_bulk_runs_free(rl, n);
    /* its job is not finished: not pending */
    CHECK_EQ_INT(store_bulk_wf_pending(s, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, w.id, 0, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rl[0].job_id, job.id);
    char want[64];
    snprintf(want, sizeof(want), "[%lld]", (long long)job.id);
    CHECK_EQ_STR(rl[0].jobs, want);
    store_bulk_runs_free(rl, n);
    /* the job ends: pending again; the run completes */
    CHECK_EQ_INT(store_bulk_cancel(s, u.org_id, in.id, job.id, 1600,
                                   &job.status),
                 ED_OK);
    CHECK_EQ_INT(store_bulk_get(s, 0, 0, job.id, &gj), ED_OK);
    CHECK_EQ_STR(gj.status, "CANCELLED");
    store_bulk_job_cleanup(&gj);
    CHECK_EQ_INT(store_bulk_wf_pending(s, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    from = rl[0];
    to = rl[0];
    to.status = "FAILED";
    to.message = "step 1 was cancelled";
    to.finished_at = 1700;
    CHECK_EQ_INT(store_bulk_wf_advance(s, &from, &to, NULL), ED_OK);
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, w.id, 0, 10, &rl, &n), ED_OK);
    CHECK_EQ_STR(rl[0].status, "FAILED");
    CHECK_EQ_STR(rl[0].message, "step 1 was cancelled");
    CHECK_EQ_INT(rl[0].finished_at, 1700);
    store_bulk_runs_free(rl, n);

    /* a schedule: due, fired once per due time */
    memset(&sch, 0, sizeof(sch));
    sch.org_id = u.org_id;
    sch.instance_id = in.id;
    sch.steps = strdup("[]");
    sch.schedule = strdup("*/2 * * * * ?");
    sch.status = strdup("SCHEDULED");
    sch.next_fire_at = 10000;
    sch.created_at = 2000;
    CHECK_EQ_INT(store_bulk_wf_create(s, &sch, false, &run2), ED_OK);
    CHECK_EQ_INT(run2, 0);
    CHECK_EQ_INT(store_bulk_wf_due(s, 9999, 10, &wl, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_workflows_free(wl, n);
    CHECK_EQ_INT(store_bulk_wf_due(s, 10000, 10, &wl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(wl[0].id, sch.id);
    store_bulk_workflows_free(wl, n);
    CHECK_EQ_INT(store_bulk_wf_fire(s, sch.id, 10000, 12000, 10001, &run2),
                 ED_OK);
    CHECK(run2 > 0);
    int64_t r3 = 0;
    CHECK_EQ_INT(store_bulk_wf_fire(s, sch.id, 10000, 12000, 10002, &r3),
                 ED_ERR_BUSY);
    CHECK_EQ_INT(r3, 0);
    /* the next due time while the run is going: skipped and counted */
    CHECK_EQ_INT(store_bulk_wf_fire(s, sch.id, 12000, 14000, 12001, &r3),
                 ED_OK);
    CHECK_EQ_INT(r3, 0);
    CHECK_EQ_INT(store_bulk_wf_get(s, 0, sch.id, &got), ED_OK);
    CHECK_EQ_INT(got.skipped_count, 1);
    CHECK_EQ_INT(got.last_skipped_at, 12001);
    CHECK_EQ_INT(got.next_fire_at, 14000);
    store_bulk_workflow_cleanup(&got);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, sch.id, 0, 10, &rl, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rl[0].fired_at, 10000);
    from = rl[0];
    to = rl[0];
    to.status = "COMPLETED";
    to.finished_at = 13000;
    CHECK_EQ_INT(store_bulk_wf_advance(s, &from, &to, NULL), ED_OK);
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_fire(s, sch.id, 14000, 16000, 14001, &r3),
                 ED_OK);
    CHECK(r3 > run2);
    /* every run of the organization, newest first, paged */
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, 0, 0, 2, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(rl[0].id, r3);
    CHECK_EQ_INT(rl[1].id, run2);
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, 0, run2, 2, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rl[0].id, run);
    store_bulk_runs_free(rl, n);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id + 1, 0, 0, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_runs_free(rl, n);

    /* stop: no longer due, no fire */
    CHECK_EQ_INT(store_bulk_wf_stop(s, u.org_id + 1, sch.id, 15000),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_bulk_wf_stop(s, u.org_id, sch.id, 15000), ED_OK);
    CHECK_EQ_INT(store_bulk_wf_due(s, 99999999, 10, &wl, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_workflows_free(wl, n);
    CHECK_EQ_INT(store_bulk_wf_fire(s, sch.id, 16000, 18000, 16001, &r3),
                 ED_ERR_BUSY);
    CHECK_EQ_INT(store_bulk_wf_get(s, 0, sch.id, &got), ED_OK);
    CHECK_EQ_STR(got.status, "STOPPED");
    CHECK_EQ_INT(got.stopped_at, 15000);
    store_bulk_workflow_cleanup(&got);

    /* the instance goes: its workflows and their runs go */
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, in.id), ED_OK);
    CHECK_EQ_INT(store_bulk_wf_get(s, 0, sch.id, &got), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_bulk_wf_runs(s, u.org_id, 0, 0, 10, &rl, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    store_bulk_runs_free(rl, n);

    store_bulk_job_cleanup(&job);
    store_bulk_workflow_cleanup(&w);
    store_bulk_workflow_cleanup(&sch);
    store_instance_cleanup(&in);
    store_user_cleanup(&u);
    store_close(s);
}

/* Issue 15: replacing secrets, a password and a token (the old lookup
 * hash stops finding its owner, sessions end, the instance hook runs) and
 * the audit log (append, filters, paging newest first, organizations
 * kept apart). */
static int secrets_hook_calls;
static void secrets_hook(void *ud)
{
    (void)ud;
    secrets_hook_calls++;
}

static void test_secrets_and_audit(void)
{
    struct store *s = NULL;
    struct store_user u = {0}, got = {0};
    struct store_org o = {0};
    struct store_instance in, gi;
    struct store_blob nb;
    uint8_t nh[32], oh[32], ih[32], ih2[32], sh[32], sh2[32], old_ih[32];
    int64_t uid = 0;
    struct store_audit *rows = NULL;
    size_t n = 0;
    hash_of(nh, 151);
    hash_of(oh, 152);
    hash_of(ih, 153);
    hash_of(ih2, 154);
    hash_of(sh, 155);
    hash_of(sh2, 156);
    hash_of(old_ih, 157);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    store_set_instance_hook(s, secrets_hook, NULL);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);

    /* user secret: the new hash finds the user, the old one (2) not;
     * its sessions end, other users' stay */
    CHECK_EQ_INT(store_session_put(s, sh, u.id, 2000000000), ED_OK);
    blob_of(&nb, "user-ct-2");
    int calls = secrets_hook_calls;
    CHECK_EQ_INT(store_user_set_secret(s, u.id, &nb, nh), ED_OK);
    CHECK(secrets_hook_calls > calls);
    CHECK_EQ_INT(store_user_find_by_secret(s, nh, &got), ED_OK);
    CHECK_EQ_INT(got.id, u.id);
    CHECK(got.secret_ct.len == 9 &&
          memcmp(got.secret_ct.data, "user-ct-2", 9) == 0);
    store_user_cleanup(&got);
    uint8_t uh_old[32];
    hash_of(uh_old, 2);
    CHECK_EQ_INT(store_user_find_by_secret(s, uh_old, &got), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_session_find(s, sh, 0, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_set_secret(s, 987654, &nb, nh), ED_ERR_NOT_FOUND);
    free(nb.data);

    /* password: replaced, sessions end */
    CHECK_EQ_INT(store_session_put(s, sh2, u.id, 2000000000), ED_OK);
    CHECK_EQ_INT(store_user_set_password(s, u.id, "$argon2id$new"), ED_OK);
    CHECK_EQ_INT(store_user_get(s, u.id, &got), ED_OK);
    CHECK_EQ_STR(got.password_hash, "$argon2id$new");
    store_user_cleanup(&got);
    CHECK_EQ_INT(store_session_find(s, sh2, 0, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_set_password(s, 987654, "x"), ED_ERR_NOT_FOUND);

    /* organization secret */
    blob_of(&nb, "org-ct-2");
    CHECK_EQ_INT(store_org_set_secret(s, u.org_id, &nb, oh), ED_OK);
    CHECK_EQ_INT(store_org_find_by_secret(s, oh, &o), ED_OK);
    CHECK_EQ_INT(o.id, u.org_id);
    store_org_cleanup(&o);
    uint8_t org_old[32];
    hash_of(org_old, 1);
    CHECK_EQ_INT(store_org_find_by_secret(s, org_old, &o), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_org_set_secret(s, 987654, &nb, oh), ED_ERR_NOT_FOUND);
    free(nb.data);

    /* instance token: by organization only */
    make_instance(&in, u.org_id, u.id, "hubspotcrm", "tok");
    CHECK_EQ_INT(store_instance_create(s, &in, old_ih), ED_OK);
    blob_of(&nb, "token-ct-2");
    CHECK_EQ_INT(store_instance_set_token(s, u.org_id + 1000, in.id, &nb, ih),
                 ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_instance_set_token(s, u.org_id, in.id, &nb, ih), ED_OK);
    memset(&gi, 0, sizeof(gi));
    CHECK_EQ_INT(store_instance_find_by_token(s, ih, &gi), ED_OK);
    CHECK_EQ_INT(gi.id, in.id);
    CHECK(gi.token_ct.len == 10 &&
          memcmp(gi.token_ct.data, "token-ct-2", 10) == 0);
    store_instance_cleanup(&gi);
    CHECK_EQ_INT(store_instance_find_by_token(s, old_ih, &gi),
                 ED_ERR_NOT_FOUND);
    free(nb.data);
    CHECK_EQ_INT(store_instance_delete(s, u.org_id, in.id), ED_OK);
    store_instance_cleanup(&in);

    /* the audit log */
    for (int i = 0; i < 5; i++) {
        struct store_audit a = {.org_id = u.org_id,
                                .at = 1000 + i,
                                .actor_id = i % 2 ? u.id : 0,
                                .actor_ip = i % 2 ? "10.0.0.1" : NULL,
                                .action = i < 3 ? "instance.update"
                                                : "user.secret.reset",
                                .target_type = i < 3 ? "instance" : "user",
                                .target_id = 40 + i,
                                .detail = i == 0 ? "<b>name</b>" : NULL,
                                .request_id = "req",
                                .outcome = 200};
        CHECK_EQ_INT(store_audit_add(s, &a), ED_OK);
        CHECK(a.id > 0);
    }
    struct store_audit other = {.org_id = u.org_id + 1000,
                                .at = 5,
                                .action = "instance.update"};
    CHECK_EQ_INT(store_audit_add(s, &other), ED_OK);
    CHECK_EQ_INT(store_audit_list(s, u.org_id, NULL, 0, 10, &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_STR(rows[0].action, "user.secret.reset");
    CHECK_EQ_INT(rows[0].target_id, 44);
    CHECK_EQ_INT(rows[4].target_id, 40);
    CHECK_EQ_STR(rows[4].detail, "<b>name</b>");
    CHECK(rows[4].actor_ip == NULL);
    CHECK_EQ_STR(rows[3].actor_ip, "10.0.0.1");
    CHECK_EQ_INT(rows[3].outcome, 200);
    int64_t second = rows[1].id;
    store_audit_free(rows, n);
    /* paging: two, then from below the second */
    CHECK_EQ_INT(store_audit_list(s, u.org_id, NULL, second, 10, &rows, &n),
                 ED_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(rows[0].target_id, 42);
    store_audit_free(rows, n);
    struct store_audit_filter f = {"instance.update", NULL, -1, -1, 0, 0};
    CHECK_EQ_INT(store_audit_list(s, u.org_id, &f, 0, 10, &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 3);
    store_audit_free(rows, n);
    struct store_audit_filter f2 = {NULL, "user", u.id, 43, 0, 0};
    CHECK_EQ_INT(store_audit_list(s, u.org_id, &f2, 0, 10, &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rows[0].target_id, 43);
    store_audit_free(rows, n);
    struct store_audit_filter f3 = {NULL, NULL, -1, -1, 1001, 1003};
    CHECK_EQ_INT(store_audit_list(s, u.org_id, &f3, 0, 10, &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(rows[0].at, 1002);
    CHECK_EQ_INT(rows[1].at, 1001);
    store_audit_free(rows, n);
    store_set_instance_hook(s, NULL, NULL);
    store_user_cleanup(&u);
    store_close(s);
}

static int hook_calls;
static void count_hook(void *ud)
{
    (void)ud;
    hook_calls++;
}

/* Accounts, roles and disabled users (issue 15): the default account is
 * the organization's id, organizations and accounts share one id space,
 * deletes refuse the default account and accounts in use, user updates by
 * field mask, deletes refuse owners of instances; changes are announced. */
static void test_accounts_users(void)
{
    struct store *s = NULL;
    struct store_org o;
    struct store_user u, v, got = {0};
    struct store_account a = {0}, b = {0}, got_a = {0}, *list = NULL;
    struct store_user *users = NULL;
    struct store_instance in;
    uint8_t oh[32], uh[32], vh[32], th[32];
    size_t n = 0;
    const char *why = NULL;
    hash_of(oh, 60);
    hash_of(uh, 61);
    hash_of(vh, 62);
    hash_of(th, 63);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    store_set_instance_hook(s, count_hook, NULL);
    make_org(&o, "Accounts Inc", "org-acc-ct");
    make_user(&u, "owner@accounts.test", "u-acc-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o, oh, &u, uh), ED_OK);
    /* the first user: org-admin of the default account */
    CHECK_EQ_INT(store_user_get(s, u.id, &got), ED_OK);
    CHECK_EQ_STR(got.role, "org-admin");
    CHECK_EQ_INT(got.account_id, o.id);
    CHECK_EQ_INT(got.disabled, 0);
    store_user_cleanup(&got);
    CHECK_EQ_INT(store_account_get(s, o.id, o.id, &got_a), ED_OK);
    CHECK_EQ_INT(got_a.is_default, 1);
    CHECK_EQ_STR(got_a.name, "Accounts Inc");
    store_account_cleanup(&got_a);

    /* a sub-account: an id no organization has, and none after it */
    a.org_id = o.id;
    a.name = strdup("Sub");
    a.description = strdup("d");
    hook_calls = 0;
    CHECK_EQ_INT(store_account_create(s, &a), ED_OK);
    CHECK(a.id > o.id);
    CHECK(hook_calls == 1);
    b.org_id = 999999;
    b.name = strdup("nowhere");
    CHECK_EQ_INT(store_account_create(s, &b), ED_ERR_NOT_FOUND);
    {
        struct store_org o2;
        struct store_user w;
        uint8_t oh2[32], wh[32];
        hash_of(oh2, 64);
        hash_of(wh, 65);
        make_org(&o2, "Later", "org-later-ct");
        make_user(&w, "later@accounts.test", "w-acc-ct");
        CHECK_EQ_INT(store_org_create_with_user(s, &o2, oh2, &w, wh), ED_OK);
        CHECK(o2.id > a.id);
        CHECK_EQ_INT(store_account_get(s, o.id, o2.id, &got_a),
                     ED_ERR_NOT_FOUND);
        store_org_cleanup(&o2);
        store_user_cleanup(&w);
    }
    CHECK_EQ_INT(store_account_list(s, o.id, &list, &n), ED_OK);
    CHECK(n == 2 && list[0].id == o.id && list[1].id == a.id);
    CHECK_EQ_STR(list[1].description, "d");
    store_accounts_free(list, n);
    free(a.name);
    a.name = strdup("Renamed");
    CHECK_EQ_INT(store_account_update(s, &a), ED_OK);
    CHECK_EQ_INT(store_account_get(s, o.id, a.id, &got_a), ED_OK);
    CHECK_EQ_STR(got_a.name, "Renamed");
    store_account_cleanup(&got_a);

    /* a user of the sub-account, and its instance */
    make_user(&v, "member@accounts.test", "v-acc-ct");
    v.org_id = o.id;
    v.account_id = a.id;
    v.role = strdup("user");
    CHECK_EQ_INT(store_user_create(s, &v, vh), ED_OK);
    CHECK_EQ_INT(store_user_list(s, o.id, a.id, &users, &n), ED_OK);
    CHECK(n == 1 && users[0].id == v.id);
    CHECK_EQ_STR(users[0].role, "user");
    store_users_free(users, n);
    CHECK_EQ_INT(store_user_list(s, o.id, 0, &users, &n), ED_OK);
    CHECK(n == 2);
    store_users_free(users, n);
    make_instance(&in, o.id, v.id, "hubspotcrm", "acc-inst");
    CHECK_EQ_INT(store_instance_create(s, &in, th), ED_OK);
    int64_t iid = in.id;
    store_instance_cleanup(&in);
    CHECK_EQ_INT(store_instance_get(s, o.id, iid, &in), ED_OK);
    CHECK_EQ_INT(in.account_id, a.id); /* the owner's account */

    CHECK_EQ_INT(store_account_delete(s, o.id, o.id, &why), ED_ERR_EXISTS);
    CHECK_EQ_STR(why, "default");
    CHECK_EQ_INT(store_account_delete(s, o.id, a.id, &why), ED_ERR_EXISTS);
    CHECK_EQ_STR(why, "instances");
    CHECK_EQ_INT(store_user_delete(s, o.id, v.id), ED_ERR_EXISTS);
    CHECK_EQ_INT(store_instance_delete(s, o.id, in.id), ED_OK);
    CHECK_EQ_INT(store_account_delete(s, o.id, a.id, &why), ED_ERR_EXISTS);
    CHECK_EQ_STR(why, "users");

    /* updates by field mask */
    free(v.role);
    v.role = strdup("account-admin");
    v.disabled = 1;
    free(v.first_name);
    v.first_name = strdup("Changed");
    hook_calls = 0;
    CHECK_EQ_INT(store_user_update(s, &v, STORE_USER_DISABLED), ED_OK);
    CHECK(hook_calls == 1);
    CHECK_EQ_INT(store_user_get(s, v.id, &got), ED_OK);
    CHECK_EQ_INT(got.disabled, 1);
    CHECK_EQ_STR(got.role, "user");
    CHECK_EQ_STR(got.first_name, "Ada");
    store_user_cleanup(&got);
    CHECK_EQ_INT(store_user_update(s, &v, STORE_USER_ROLE | STORE_USER_NAMES),
                 ED_OK);
    CHECK_EQ_INT(store_user_get(s, v.id, &got), ED_OK);
    CHECK_EQ_STR(got.role, "account-admin");
    CHECK_EQ_STR(got.first_name, "Changed");
    store_user_cleanup(&got);
    v.org_id = 999999;
    CHECK_EQ_INT(store_user_update(s, &v, STORE_USER_ROLE), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_delete(s, 999999, v.id), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_user_delete(s, o.id, v.id), ED_OK);
    CHECK_EQ_INT(store_user_get(s, v.id, &got), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_account_delete(s, 999999, a.id, &why), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_account_delete(s, o.id, a.id, &why), ED_OK);
    CHECK_EQ_INT(store_account_get(s, o.id, a.id, &got_a), ED_ERR_NOT_FOUND);

    store_set_instance_hook(s, NULL, NULL);
    store_instance_cleanup(&in);
    store_account_cleanup(&a);
    store_account_cleanup(&b);
    store_user_cleanup(&u);
    store_user_cleanup(&v);
    store_org_cleanup(&o);
    store_close(s);
}

static void store_cases_run(void)
{
    RUN(test_org_user);
    RUN(test_sessions);
    RUN(test_instances);
    RUN(test_instance_fields);
    RUN(test_refresh_claim);
    RUN(test_vdr_docs);
    RUN(test_bulk_jobs);
    RUN(test_bulk_workflows);
    RUN(test_secrets_and_audit);
    RUN(test_accounts_users);
}

#endif
