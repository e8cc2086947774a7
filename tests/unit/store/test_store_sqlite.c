/* SPDX-License-Identifier: MIT
 * store (SQLite backend) through the domain interface: migrations are
 * applied once and survive a reopen, an organization and its first user
 * are created together or not at all, lookups by keyed hash and email,
 * and bearer sessions expire. */
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "store/store.h"

static char dir[] = "/tmp/ed-test-store-XXXXXX";
static char url[300];

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

static void test_open_and_migrate(void)
{
    struct store *s = NULL;
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_STR(store_backend(s), "sqlite");
    CHECK_EQ_INT(store_ping(s), ED_OK);
    store_close(s);
    /* reopening applies nothing twice and keeps working */
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    CHECK_EQ_INT(store_ping(s), ED_OK);
    store_close(s);
    store_close(NULL);
    /* WAL mode leaves a -wal file next to the database while open */
    char wal[320];
    snprintf(wal, sizeof(wal), "%s/t.db-wal", dir);
    CHECK_EQ_INT(store_open(url, &s), ED_OK);
    struct stat st;
    CHECK_EQ_INT(stat(wal, &st), 0);
    store_close(s);
}

static void test_bad_urls(void)
{
    struct store *s = (struct store *)1;
    CHECK_EQ_INT(store_open("mysql://x", &s), ED_ERR_INVALID);
    CHECK(s == NULL);
    CHECK(store_open("postgresql://localhost/x", &s) != ED_OK);
    CHECK_EQ_INT(store_open("sqlite:/nonexistent-dir/x/y.db", &s), ED_ERR_DB);
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
    /* delete */
    CHECK_EQ_INT(store_session_delete(s, h1), ED_OK);
    CHECK_EQ_INT(store_session_find(s, h1, 0, &uid), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(store_session_find(s, h3, 0, &uid), ED_OK);
    store_user_cleanup(&u);
    store_close(s);
}

static void cleanup_dir(void)
{
    const char *names[] = {"t.db", "t.db-wal", "t.db-shm", NULL};
    char p[320];
    for (size_t i = 0; names[i]; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    ed_log_threshold = ED_LOG_ERROR + 1; /* quiet: errors are expected */
    CHECK(mkdtemp(dir) != NULL);
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    RUN(test_open_and_migrate);
    RUN(test_bad_urls);
    RUN(test_org_user);
    RUN(test_sessions);
    cleanup_dir();
    return 0;
}
