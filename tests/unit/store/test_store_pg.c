/* SPDX-License-Identifier: MIT
 * store (PostgreSQL backend) through the domain interface, on a fresh
 * database of the test cluster (scripts/pg-cluster.sh; the CTest fixture
 * writes its URL to the file named by ELEMENTSD_TEST_PG_URL_FILE, or set
 * ELEMENTSD_TEST_PG_URL by hand). Skipped (exit 77) without one. The same
 * assertions as test_store_sqlite.c, plus: nodes opening a new database
 * at once apply the migrations once, instances and the credentials
 * compare-and-swap, blobs round-trip byte for byte, the pool under more
 * threads than connections, and recovery from dropped connections. The
 * database is created and dropped with psql (libpq stays in store_pg.c). */
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "store/store.h"

extern char **environ;

static char server[512]; /* the cluster's URL, ending in /postgres */
static char dbname[64];
static char url[600];

static int psql(const char *sql)
{
    const char *bin = getenv("ELEMENTSD_TEST_PSQL");
    char *argv[] = {(char *)(bin && *bin ? bin : "psql"),
                    "-X", "-q", "-o", "/dev/null", "-v", "ON_ERROR_STOP=1",
                    "-d", server, "-c", (char *)sql, NULL};
    pid_t pid;
    int st = 0;
    if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Drop every connection of our database, as a server restart would. */
static void drop_connections(void)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
             "WHERE datname='%s' AND pid<>pg_backend_pid()",
             dbname);
    CHECK_EQ_INT(psql(sql), 0);
    usleep(200 * 1000); /* let the backends exit */
}

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

static void *open_close(void *arg)
{
    struct store *s = NULL;
    *(enum ed_err *)arg = store_open(url, &s);
    store_close(s);
    return NULL;
}

static void test_open_and_migrate(void)
{
    /* several nodes starting at once on an empty database */
    pthread_t th[4];
    enum ed_err errs[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(pthread_create(&th[i], NULL, open_close, &errs[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(errs[i], ED_OK);
    }
    struct store *s = NULL;
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_STR(store_backend(s), "postgresql");
    CHECK_EQ_INT(store_ping(s), ED_OK);
    store_close(s);
    /* reopening applies nothing twice and keeps working */
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_ping(s), ED_OK);
    store_close(s);
    store_close(NULL);
    /* postgres:// is accepted too */
    char alt[620];
    snprintf(alt, sizeof(alt), "postgres://%s", url + strlen("postgresql://"));
    CHECK_EQ_INT(store_open(alt, &s), ED_OK);
    store_close(s);
}

static void test_bad_urls(void)
{
    struct store *s = (struct store *)1;
    CHECK_EQ_INT(store_open("mysql://x", &s), ED_ERR_INVALID);
    CHECK(s == NULL);
    CHECK_EQ_INT(store_open("postgresqlx://127.0.0.1/x", &s), ED_ERR_INVALID);
    /* nothing listens on port 1 */
    CHECK_EQ_INT(store_open("postgresql://postgres@127.0.0.1:1/x", &s),
                 ED_ERR_DB);
    CHECK(s == NULL);
    CHECK_EQ_INT(setenv("ELEMENTSD_DB_POOL", "0", 1), 0);
    CHECK_EQ_INT(store_open(url, &s), ED_ERR_INVALID);
    CHECK_EQ_INT(setenv("ELEMENTSD_DB_POOL", "many", 1), 0);
    CHECK_EQ_INT(store_open(url, &s), ED_ERR_INVALID);
    CHECK_EQ_INT(unsetenv("ELEMENTSD_DB_POOL"), 0);
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
    CHECK_EQ_INT(store_instance_update(s, &c, STORE_INST_ALL), ED_ERR_NOT_FOUND);
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

struct worker {
    struct store *s;
    int64_t user_id;
    int seed;
    int failures;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 40; i++) {
        uint8_t h[32];
        int64_t uid = 0;
        memset(h, 0, sizeof(h));
        h[0] = (uint8_t)w->seed;
        h[1] = (uint8_t)i;
        h[31] = 0xA5;
        if (store_session_put(w->s, h, w->user_id, 2000000000) != ED_OK ||
            store_session_find(w->s, h, 0, &uid) != ED_OK ||
            uid != w->user_id || store_session_delete(w->s, h) != ED_OK)
            w->failures++;
    }
    return NULL;
}

static void test_pool_contention(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    pthread_t th[8];
    struct worker w[8];
    CHECK_EQ_INT(setenv("ELEMENTSD_DB_POOL", "2", 1), 0);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(unsetenv("ELEMENTSD_DB_POOL"), 0);
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){s, u.id, 10 + i, 0};
        CHECK_EQ_INT(pthread_create(&th[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(w[i].failures, 0);
    }
    store_user_cleanup(&u);
    store_close(s);
}

static void test_connection_loss(void)
{
    struct store *s = NULL;
    struct store_user u = {0};
    uint8_t h[32];
    hash_of(h, 150);
    CHECK_EQ_INT(setenv("ELEMENTSD_DB_POOL", "1", 1), 0);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(unsetenv("ELEMENTSD_DB_POOL"), 0);
    /* a read on a dropped connection is retried on the reset one */
    drop_connections();
    CHECK_EQ_INT(store_user_find_by_email(s, "ada@example.com", &u), ED_OK);
    drop_connections();
    CHECK_EQ_INT(store_ping(s), ED_OK);
    /* a write is not retried (its outcome is unknown) ... */
    drop_connections();
    CHECK_EQ_INT(store_session_put(s, h, u.id, 2000000000), ED_ERR_DB);
    /* ... but the connection is back for the next call */
    CHECK_EQ_INT(store_session_put(s, h, u.id, 2000000000), ED_OK);
    /* a transaction begun on a dropped connection starts over */
    drop_connections();
    struct store_org o;
    struct store_user nu;
    uint8_t oh[32], uh[32];
    hash_of(oh, 160);
    hash_of(uh, 161);
    make_org(&o, "After", "o-ct");
    make_user(&nu, "after@example.com", "u-ct");
    CHECK_EQ_INT(store_org_create_with_user(s, &o, oh, &nu, uh), ED_OK);
    store_org_cleanup(&o);
    store_user_cleanup(&nu);
    store_user_cleanup(&u);
    store_close(s);
}

static bool read_url(void)
{
    const char *direct = getenv("ELEMENTSD_TEST_PG_URL");
    const char *file = getenv("ELEMENTSD_TEST_PG_URL_FILE");
    if (direct && *direct) {
        snprintf(server, sizeof(server), "%s", direct);
    } else if (file && *file) {
        FILE *f = fopen(file, "r");
        if (!f || !fgets(server, sizeof(server), f)) {
            if (f)
                fclose(f);
            return false;
        }
        fclose(f);
        server[strcspn(server, "\r\n")] = 0;
    }
    return server[0] != 0;
}

int main(void)
{
    ed_log_threshold = ED_LOG_ERROR + 1; /* quiet: errors are expected */
    if (!read_url()) {
        fprintf(stderr, "test_store_pg: no PostgreSQL (set "
                        "ELEMENTSD_TEST_PG_URL_FILE or ELEMENTSD_TEST_PG_URL)"
                        "; skipped\n");
        return 77;
    }
    /* a fresh database next to the one in the URL */
    char *slash = strrchr(server, '/');
    CHECK(slash && slash > server + strlen("postgresql://"));
    snprintf(dbname, sizeof(dbname), "ed_unit_%ld_%ld", (long)getpid(),
             (long)time(NULL));
    snprintf(url, sizeof(url), "%.*s/%s", (int)(slash - server), server,
             dbname);
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
    CHECK_EQ_INT(psql(sql), 0);
    RUN(test_open_and_migrate);
    RUN(test_bad_urls);
    RUN(test_org_user);
    RUN(test_sessions);
    RUN(test_instances);
    RUN(test_pool_contention);
    RUN(test_connection_loss);
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", dbname);
    CHECK_EQ_INT(psql(sql), 0);
    return 0;
}
