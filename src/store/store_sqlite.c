/* SPDX-License-Identifier: MIT
 * SQLite backend of the store. A small pool of connections (WAL mode, so
 * readers never block the writer; busy_timeout for the admin CLI writing
 * while the server runs). Each domain call borrows one connection; a call
 * that writes several rows wraps them in one IMMEDIATE transaction.
 * Migrations are compiled in from migrations/sqlite/ and applied in order
 * at open, each in its own transaction, recorded in schema_migrations. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/embed.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "metrics/metrics.h"
#include "store/store_int.h"

extern const struct ed_embed ed_sqlite_migrations[];

#define POOL_SIZE 8

struct conn {
    sqlite3 *db;
    pthread_mutex_t lock;
};

struct store_sqlite {
    struct store base;
    struct conn pool[POOL_SIZE];
    unsigned next;
    pthread_mutex_t pick;
};

static struct conn *conn_acquire(struct store_sqlite *s)
{
    pthread_mutex_lock(&s->pick);
    unsigned start = s->next++;
    pthread_mutex_unlock(&s->pick);
    for (unsigned i = 0; i < POOL_SIZE; i++) {
        struct conn *c = &s->pool[(start + i) % POOL_SIZE];
        if (pthread_mutex_trylock(&c->lock) == 0) {
            mx_gauge_add(MXG_DB_POOL_IN_USE, 1);
            return c;
        }
    }
    struct conn *c = &s->pool[start % POOL_SIZE];
    mx_inc(MX_DB_POOL_WAITS, 0, 0, 0);
    pthread_mutex_lock(&c->lock);
    mx_gauge_add(MXG_DB_POOL_IN_USE, 1);
    return c;
}

static void conn_release(struct conn *c)
{
    mx_gauge_add(MXG_DB_POOL_IN_USE, -1);
    pthread_mutex_unlock(&c->lock);
}

static enum ed_err exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ed_error(NULL, "msg=\"sqlite exec failed\" err=\"%s\"",
                 msg ? msg : "?");
        sqlite3_free(msg);
        return ED_ERR_DB;
    }
    return ED_OK;
}

static enum ed_err rc_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return ED_OK;
    case SQLITE_CONSTRAINT: return ED_ERR_EXISTS;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ED_ERR_BUSY;
    default: return ED_ERR_DB;
    }
}

static enum ed_err prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        ed_error(NULL, "msg=\"sqlite prepare failed\" err=\"%s\"",
                 sqlite3_errmsg(db));
        return ED_ERR_DB;
    }
    return ED_OK;
}

static enum ed_err migrate(sqlite3 *db)
{
    enum ed_err err = exec_sql(
        db, "CREATE TABLE IF NOT EXISTS schema_migrations"
            "(version TEXT PRIMARY KEY, applied_at INTEGER)");
    if (err)
        return err;
    for (const struct ed_embed *m = ed_sqlite_migrations; m->name; m++) {
        sqlite3_stmt *st = NULL;
        int applied = 0;
        /* IMMEDIATE: a second process opening the same file waits here
         * instead of applying the same migration twice. */
        if ((err = exec_sql(db, "BEGIN IMMEDIATE")))
            return err;
        if ((err = prepare(
                 db, "SELECT 1 FROM schema_migrations WHERE version=?", &st)))
            goto fail;
        sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
        applied = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        st = NULL;
        if (!applied) {
            if ((err = exec_sql(db, (const char *)m->data)))
                goto fail;
            if ((err = prepare(db, "INSERT INTO schema_migrations VALUES(?,?)",
                               &st)))
                goto fail;
            sqlite3_bind_text(st, 1, m->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, ed_now_s());
            int rc = sqlite3_step(st);
            sqlite3_finalize(st);
            if (rc != SQLITE_DONE) {
                err = ED_ERR_DB;
                goto fail;
            }
            ed_info(NULL, "msg=\"migration applied\" version=%s", m->name);
        }
        if ((err = exec_sql(db, "COMMIT")))
            goto fail;
        continue;
    fail:
        exec_sql(db, "ROLLBACK");
        return err;
    }
    return ED_OK;
}

static void sqlite_close(struct store *base)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    for (int i = 0; i < POOL_SIZE; i++) {
        if (s->pool[i].db)
            sqlite3_close(s->pool[i].db);
        pthread_mutex_destroy(&s->pool[i].lock);
    }
    pthread_mutex_destroy(&s->pick);
    free(s);
}

static enum ed_err sqlite_open(const char *url, struct store **out)
{
    const char *path = url + strlen("sqlite:");
    enum ed_err err = ED_OK;
    struct store_sqlite *s = ed_calloc(1, sizeof(*s));
    s->base.ops = &store_sqlite_ops;
    pthread_mutex_init(&s->pick, NULL);
    for (int i = 0; i < POOL_SIZE; i++)
        pthread_mutex_init(&s->pool[i].lock, NULL);
    for (int i = 0; i < POOL_SIZE; i++) {
        sqlite3 *db = NULL;
        int rc = sqlite3_open_v2(path, &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                     SQLITE_OPEN_NOMUTEX,
                                 NULL);
        s->pool[i].db = db;
        if (rc != SQLITE_OK) {
            ed_error(NULL,
                     "msg=\"cannot open database\" path=\"%s\" err=\"%s\"",
                     path, db ? sqlite3_errmsg(db) : "?");
            err = ED_ERR_DB;
            goto out;
        }
        sqlite3_busy_timeout(db, 10000);
        if ((err = exec_sql(db, "PRAGMA journal_mode=WAL; "
                                "PRAGMA synchronous=FULL; "
                                "PRAGMA foreign_keys=ON; "
                                /* reads of a large database without a
                                 * syscall per page miss */
                                "PRAGMA mmap_size=268435456; "
                                "PRAGMA cache_size=-8192;")))
            goto out;
        if (i == 0 && (err = migrate(db)))
            goto out;
    }
out:
    if (err) {
        sqlite_close(&s->base);
        return err;
    }
    *out = &s->base;
    return ED_OK;
}

static enum ed_err sqlite_ping(struct store *base)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    enum ed_err err = exec_sql(c->db, "SELECT 1");
    conn_release(c);
    return err;
}

/* --- row helpers ------------------------------------------------------- */

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? ed_strdup((const char *)t) : NULL;
}

static void col_blob(sqlite3_stmt *st, int i, struct store_blob *b)
{
    const void *p = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    b->len = (size_t)n;
    b->data = ed_malloc((size_t)n + 1);
    if (n)
        memcpy(b->data, p, (size_t)n);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

#define ORG_COLS "id, name, secret_ct, created_at"
#define USER_COLS                                                              \
    "id, org_id, email, first_name, last_name, password_hash, secret_ct, "     \
    "created_at, account_id, role, disabled"

static void read_org(sqlite3_stmt *st, struct store_org *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->name = col_text(st, 1);
    col_blob(st, 2, &o->secret_ct);
    o->created_at = sqlite3_column_int64(st, 3);
}

static void read_user(sqlite3_stmt *st, struct store_user *u)
{
    u->id = sqlite3_column_int64(st, 0);
    u->org_id = sqlite3_column_int64(st, 1);
    u->email = col_text(st, 2);
    u->first_name = col_text(st, 3);
    u->last_name = col_text(st, 4);
    u->password_hash = col_text(st, 5);
    col_blob(st, 6, &u->secret_ct);
    u->created_at = sqlite3_column_int64(st, 7);
    u->account_id = sqlite3_column_int64(st, 8);
    u->role = col_text(st, 9);
    u->disabled = sqlite3_column_int(st, 10);
}

static enum ed_err insert_user(sqlite3 *db, struct store_user *u,
                               const uint8_t *hash)
{
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        db,
        "INSERT INTO users(org_id, email, first_name, last_name, "
        "password_hash, secret_hash, secret_ct, created_at, account_id, role, "
        "disabled) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
        &st);
    if (err)
        return err;
    if (!u->created_at)
        u->created_at = ed_now_s();
    sqlite3_bind_int64(st, 1, u->org_id);
    sqlite3_bind_text(st, 2, u->email, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, u->first_name);
    bind_text_or_null(st, 4, u->last_name);
    sqlite3_bind_text(st, 5, u->password_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 6, hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 7, u->secret_ct.data, (int)u->secret_ct.len,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, u->created_at);
    if (!u->account_id)
        u->account_id = u->org_id; /* the default account */
    sqlite3_bind_int64(st, 9, u->account_id);
    sqlite3_bind_text(st, 10, u->role ? u->role : "org-admin", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 11, u->disabled);
    err = rc_err(sqlite3_step(st));
    sqlite3_finalize(st);
    if (!err)
        u->id = sqlite3_last_insert_rowid(db);
    return err;
}

/* The next id of the id space organizations and accounts share. */
#define NEXT_ID                                                                \
    "SELECT 1 + max((SELECT coalesce(max(id), 0) FROM orgs), "                 \
    "(SELECT coalesce(max(id), 0) FROM accounts))"

static enum ed_err sqlite_org_create_with_user(struct store *base,
                                               struct store_org *org,
                                               const uint8_t *org_hash,
                                               struct store_user *user,
                                               const uint8_t *user_hash)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    /* organizations and accounts share one id space: the default account's
     * id is its organization's */
    if ((err = prepare(c->db,
                       "INSERT INTO orgs(id, name, secret_hash, secret_ct, "
                       "created_at) VALUES((" NEXT_ID "),?,?,?,?)",
                       &st)))
        goto rollback;
    if (!org->created_at)
        org->created_at = ed_now_s();
    sqlite3_bind_text(st, 1, org->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, org_hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, org->secret_ct.data, (int)org->secret_ct.len,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, org->created_at);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    org->id = sqlite3_last_insert_rowid(c->db);
    sqlite3_finalize(st);
    st = NULL;
    if ((err = prepare(c->db,
                       "INSERT INTO accounts(id, org_id, name, is_default, "
                       "created_at, updated_at) VALUES(?1,?1,?2,1,?3,?3)",
                       &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, org->id);
    sqlite3_bind_text(st, 2, org->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, org->created_at);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    user->org_id = org->id;
    if ((err = insert_user(c->db, user, user_hash)))
        goto rollback;
    err = exec_sql(c->db, "COMMIT");
    if (!err)
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_user_create(struct store *base,
                                      struct store_user *user,
                                      const uint8_t *user_hash)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, "SELECT 1 FROM orgs WHERE id=?", &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, user->org_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = ED_ERR_NOT_FOUND;
        goto out;
    }
    /* end the read before writing: a statement left open keeps its read
     * snapshot, and a write from a stale snapshot is SQLITE_BUSY at once
     * (no busy wait) when another connection committed meanwhile */
    sqlite3_reset(st);
    err = insert_user(c->db, user, user_hash);
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* One-row SELECT with an int64, text or blob key, read by `reader`. */
enum key_kind { KEY_INT, KEY_TEXT, KEY_BLOB };

static enum ed_err select_one(struct store *base, const char *sql,
                              enum key_kind kind, int64_t ikey,
                              const void *pkey,
                              void (*reader)(sqlite3_stmt *, void *), void *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, sql, &st);
    if (err)
        goto out;
    if (kind == KEY_INT)
        sqlite3_bind_int64(st, 1, ikey);
    else if (kind == KEY_TEXT)
        sqlite3_bind_text(st, 1, pkey, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_blob(st, 1, pkey, STORE_HASH_BYTES, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        reader(st, out);
    else
        err = rc == SQLITE_DONE ? ED_ERR_NOT_FOUND : rc_err(rc);
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static void org_reader(sqlite3_stmt *st, void *out)
{
    read_org(st, out);
}

static void user_reader(sqlite3_stmt *st, void *out)
{
    read_user(st, out);
}

static enum ed_err sqlite_org_get(struct store *s, int64_t id,
                                  struct store_org *out)
{
    return select_one(s, "SELECT " ORG_COLS " FROM orgs WHERE id=?", KEY_INT,
                      id, NULL, org_reader, out);
}

static enum ed_err sqlite_org_find_by_secret(struct store *s,
                                             const uint8_t *hash,
                                             struct store_org *out)
{
    return select_one(s, "SELECT " ORG_COLS " FROM orgs WHERE secret_hash=?",
                      KEY_BLOB, 0, hash, org_reader, out);
}

static enum ed_err sqlite_user_get(struct store *s, int64_t id,
                                   struct store_user *out)
{
    return select_one(s, "SELECT " USER_COLS " FROM users WHERE id=?", KEY_INT,
                      id, NULL, user_reader, out);
}

static enum ed_err sqlite_user_find_by_email(struct store *s, const char *email,
                                             struct store_user *out)
{
    return select_one(s, "SELECT " USER_COLS " FROM users WHERE email=?",
                      KEY_TEXT, 0, email, user_reader, out);
}

static enum ed_err sqlite_user_find_by_secret(struct store *s,
                                              const uint8_t *hash,
                                              struct store_user *out)
{
    return select_one(s, "SELECT " USER_COLS " FROM users WHERE secret_hash=?",
                      KEY_BLOB, 0, hash, user_reader, out);
}

static enum ed_err sqlite_session_put(struct store *base, const uint8_t *hash,
                                      int64_t user_id, int64_t expires_at)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "INSERT INTO sessions(token_hash, user_id, "
                              "expires_at) VALUES(?,?,?)",
                              &st);
    if (err)
        goto out;
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, expires_at);
    err = rc_err(sqlite3_step(st));
    sqlite3_finalize(st);
    st = NULL;
    /* opportunistic cleanup of expired sessions */
    if (!err && prepare(c->db, "DELETE FROM sessions WHERE expires_at < ?",
                        &st) == ED_OK) {
        sqlite3_bind_int64(st, 1, ed_now_s());
        sqlite3_step(st);
    }
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

struct session_row {
    int64_t user_id, expires_at;
};

static void session_reader(sqlite3_stmt *st, void *out)
{
    struct session_row *r = out;
    r->user_id = sqlite3_column_int64(st, 0);
    r->expires_at = sqlite3_column_int64(st, 1);
}

static enum ed_err sqlite_session_find(struct store *s, const uint8_t *hash,
                                       int64_t now, int64_t *user_id)
{
    struct session_row r = {0, 0};
    enum ed_err err = select_one(
        s, "SELECT user_id, expires_at FROM sessions WHERE token_hash=?",
        KEY_BLOB, 0, hash, session_reader, &r);
    if (err)
        return err;
    if (r.expires_at <= now)
        return ED_ERR_NOT_FOUND;
    *user_id = r.user_id;
    return ED_OK;
}

static enum ed_err sqlite_session_delete(struct store *base,
                                         const uint8_t *hash)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, "DELETE FROM sessions WHERE token_hash=?",
                              &st);
    if (!err) {
        sqlite3_bind_blob(st, 1, hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- instances ------------------------------------------------------------ */

#define INST_COLS                                                              \
    "id, org_id, user_id, element_key, name, tags, config, secrets_ct, "       \
    "token_ct, auth_type, external_auth, valid, disabled, invalid_reason, "    \
    "provider_meta, access_expires_at, refreshed_at, cred_version, "           \
    "created_at, updated_at, account_id, trace_logging"

static void read_instance(sqlite3_stmt *st, struct store_instance *i)
{
    i->id = sqlite3_column_int64(st, 0);
    i->org_id = sqlite3_column_int64(st, 1);
    i->user_id = sqlite3_column_int64(st, 2);
    i->element_key = col_text(st, 3);
    i->name = col_text(st, 4);
    i->tags = col_text(st, 5);
    i->config = col_text(st, 6);
    col_blob(st, 7, &i->secrets_ct);
    col_blob(st, 8, &i->token_ct);
    i->auth_type = col_text(st, 9);
    i->external_auth = col_text(st, 10);
    i->valid = sqlite3_column_int(st, 11);
    i->disabled = sqlite3_column_int(st, 12);
    i->invalid_reason = col_text(st, 13);
    i->provider_meta = col_text(st, 14);
    i->access_expires_at = sqlite3_column_int64(st, 15);
    i->refreshed_at = sqlite3_column_int64(st, 16);
    i->cred_version = sqlite3_column_int64(st, 17);
    i->created_at = sqlite3_column_int64(st, 18);
    i->updated_at = sqlite3_column_int64(st, 19);
    i->account_id = sqlite3_column_int64(st, 20);
    i->trace_logging = sqlite3_column_int(st, 21);
}

static void instance_reader(sqlite3_stmt *st, void *out)
{
    read_instance(st, out);
}

static void bind_blob(sqlite3_stmt *st, int i, const struct store_blob *b)
{
    if (b->data)
        sqlite3_bind_blob(st, i, b->data, (int)b->len, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static enum ed_err sqlite_instance_create(struct store *base,
                                          struct store_instance *in,
                                          const uint8_t *token_hash)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "INSERT INTO instances(org_id, user_id, element_key, name, tags, "
        "config, secrets_ct, token_hash, token_ct, auth_type, external_auth, "
        "valid, disabled, invalid_reason, provider_meta, access_expires_at, "
        "refreshed_at, cred_version, created_at, updated_at, account_id, "
        "trace_logging) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?,"
        "coalesce(nullif(?20, 0), (SELECT account_id FROM users WHERE id=?2), "
        "?1), ?21)",
        &st);
    if (err)
        goto out;
    in->created_at = in->updated_at = ed_now_s();
    in->cred_version = 1;
    sqlite3_bind_int64(st, 1, in->org_id);
    sqlite3_bind_int64(st, 2, in->user_id);
    sqlite3_bind_text(st, 3, in->element_key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, in->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, in->tags ? in->tags : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, in->config ? in->config : "{}", -1,
                      SQLITE_TRANSIENT);
    bind_blob(st, 7, &in->secrets_ct);
    sqlite3_bind_blob(st, 8, token_hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
    bind_blob(st, 9, &in->token_ct);
    sqlite3_bind_text(st, 10, in->auth_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, in->external_auth ? in->external_auth : "none",
                      -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 12, in->valid);
    sqlite3_bind_int(st, 13, in->disabled);
    bind_text_or_null(st, 14, in->invalid_reason);
    sqlite3_bind_text(st, 15, in->provider_meta ? in->provider_meta : "{}", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 16, in->access_expires_at);
    sqlite3_bind_int64(st, 17, in->refreshed_at);
    sqlite3_bind_int64(st, 18, in->created_at);
    sqlite3_bind_int64(st, 19, in->updated_at);
    sqlite3_bind_int64(st, 20, in->account_id);
    sqlite3_bind_int(st, 21, in->trace_logging);
    err = rc_err(sqlite3_step(st));
    if (!err)
        in->id = sqlite3_last_insert_rowid(c->db);
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_instance_get(struct store *base, int64_t org_id,
                                       int64_t id, struct store_instance *out)
{
    struct store_instance tmp = {0};
    enum ed_err err = select_one(base,
                                 "SELECT " INST_COLS
                                 " FROM instances WHERE id=?",
                                 KEY_INT, id, NULL, instance_reader, &tmp);
    if (err)
        return err;
    if (org_id && tmp.org_id != org_id) {
        store_instance_cleanup(&tmp);
        return ED_ERR_NOT_FOUND;
    }
    *out = tmp;
    return ED_OK;
}

static enum ed_err sqlite_instance_find_by_token(struct store *s,
                                                 const uint8_t *hash,
                                                 struct store_instance *out)
{
    return select_one(s,
                      "SELECT " INST_COLS " FROM instances WHERE token_hash=?",
                      KEY_BLOB, 0, hash, instance_reader, out);
}

static enum ed_err sqlite_instance_list(struct store *base, int64_t org_id,
                                        const char *element_key,
                                        struct store_instance **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t cap = 16, k = 0;
    struct store_instance *list = NULL;
    enum ed_err err = prepare(c->db,
                              "SELECT " INST_COLS " FROM instances WHERE "
                              "org_id=? AND (?2 IS NULL OR element_key=?2) "
                              "ORDER BY id",
                              &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, org_id);
    bind_text_or_null(st, 2, element_key);
    list = ed_calloc(cap, sizeof(*list));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap *= 2;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        memset(&list[k], 0, sizeof(list[k]));
        read_instance(st, &list[k++]);
    }
    if (rc != SQLITE_DONE)
        err = rc_err(rc);
out:
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_instances_free(list, k);
        return err;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_instance_update(struct store *base,
                                          const struct store_instance *in,
                                          unsigned fields)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    /* only the columns of the mask: ?1 name, ?2 tags, ?3 config, ?4 valid,
     * ?5 invalid_reason, ?6 disabled, ?7 updated_at, ?8 id,
     * ?9 trace_logging */
    char sql[288];
    snprintf(sql, sizeof(sql),
             "UPDATE instances SET %s%s%s%s%s%supdated_at=?7 "
             "WHERE id=?8",
             fields & STORE_INST_NAME ? "name=?1, " : "",
             fields & STORE_INST_TAGS ? "tags=?2, " : "",
             fields & STORE_INST_CONFIG ? "config=?3, " : "",
             fields & STORE_INST_VALID ? "valid=?4, invalid_reason=?5, " : "",
             fields & STORE_INST_DISABLED ? "disabled=?6, " : "",
             fields & STORE_INST_TRACE ? "trace_logging=?9, " : "");
    enum ed_err err = prepare(c->db, sql, &st);
    if (err)
        goto out;
    bind_text_or_null(st, 1, in->name);
    bind_text_or_null(st, 2, in->tags);
    bind_text_or_null(st, 3, in->config);
    sqlite3_bind_int(st, 4, in->valid);
    bind_text_or_null(st, 5, in->invalid_reason);
    sqlite3_bind_int(st, 6, in->disabled);
    sqlite3_bind_int64(st, 7, ed_now_s());
    sqlite3_bind_int64(st, 8, in->id);
    sqlite3_bind_int(st, 9, in->trace_logging);
    err = rc_err(sqlite3_step(st));
    if (!err && sqlite3_changes(c->db) == 0)
        err = ED_ERR_NOT_FOUND;
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_instance_put_credentials(struct store *base,
                                                   struct store_instance *in)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE instances SET secrets_ct=?, provider_meta=?, "
        "access_expires_at=?, refreshed_at=?, valid=?, invalid_reason=?, "
        "external_auth=?, auth_type=?, cred_version=cred_version+1, "
        "updated_at=? WHERE id=? AND cred_version=?",
        &st);
    if (err)
        goto out;
    bind_blob(st, 1, &in->secrets_ct);
    sqlite3_bind_text(st, 2, in->provider_meta ? in->provider_meta : "{}", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, in->access_expires_at);
    sqlite3_bind_int64(st, 4, in->refreshed_at);
    sqlite3_bind_int(st, 5, in->valid);
    bind_text_or_null(st, 6, in->invalid_reason);
    sqlite3_bind_text(st, 7, in->external_auth ? in->external_auth : "none", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, in->auth_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, ed_now_s());
    sqlite3_bind_int64(st, 10, in->id);
    sqlite3_bind_int64(st, 11, in->cred_version);
    err = rc_err(sqlite3_step(st));
    if (!err) {
        if (sqlite3_changes(c->db) == 0)
            err = ED_ERR_BUSY;
        else
            in->cred_version++;
    }
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_instance_set_valid(struct store *base, int64_t id,
                                             int valid, const char *reason)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "UPDATE instances SET valid=?, invalid_reason=?, "
                              "updated_at=? WHERE id=?",
                              &st);
    if (!err) {
        sqlite3_bind_int(st, 1, valid);
        bind_text_or_null(st, 2, reason);
        sqlite3_bind_int64(st, 3, ed_now_s());
        sqlite3_bind_int64(st, 4, id);
        err = rc_err(sqlite3_step(st));
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_instance_delete(struct store *base, int64_t org_id,
                                          int64_t id)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "DELETE FROM instances WHERE id=? AND org_id=?",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, org_id);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_instance_due(struct store *base,
                                       int64_t refreshed_before,
                                       int64_t expires_before, int64_t *ids,
                                       size_t max, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT id FROM instances WHERE auth_type IN ('oauth2','oauth2_legacy')"
        " AND valid=1 AND disabled=0 AND (refreshed_at < ? OR "
        "(access_expires_at > 0 AND access_expires_at < ?)) "
        "ORDER BY refreshed_at LIMIT ?",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, refreshed_before);
        sqlite3_bind_int64(st, 2, expires_before);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        while (k < max && sqlite3_step(st) == SQLITE_ROW)
            ids[k++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    conn_release(c);
    *n = k;
    return err;
}

/* --- events outbox (eva) ------------------------------------------------ */

#define DELIVERY_COLS                                                          \
    "id, event_id, org_id, instance_id, element_key, source, body, url, "      \
    "status, attempts, next_at, claim, last_status, last_error, created_at, "  \
    "delivered_at"

static void read_delivery(sqlite3_stmt *st, struct store_delivery *d)
{
    d->id = sqlite3_column_int64(st, 0);
    d->event_id = col_text(st, 1);
    d->org_id = sqlite3_column_int64(st, 2);
    d->instance_id = sqlite3_column_int64(st, 3);
    d->element_key = col_text(st, 4);
    d->source = col_text(st, 5);
    d->body = col_text(st, 6);
    d->url = col_text(st, 7);
    d->status = col_text(st, 8);
    d->attempts = sqlite3_column_int64(st, 9);
    d->next_at = sqlite3_column_int64(st, 10);
    d->claim = sqlite3_column_int64(st, 11);
    d->last_status = sqlite3_column_int64(st, 12);
    d->last_error = col_text(st, 13);
    d->created_at = sqlite3_column_int64(st, 14);
    d->delivered_at = sqlite3_column_int64(st, 15);
}

/* Step st to the end, reading each row into a growing array. */
static enum ed_err read_deliveries(sqlite3_stmt *st,
                                   struct store_delivery **out, size_t *n)
{
    size_t k = 0, cap = 16;
    struct store_delivery *list = ed_calloc(cap, sizeof(*list));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            list = ed_realloc(list, 2 * cap * sizeof(*list));
            memset(list + cap, 0, cap * sizeof(*list));
            cap *= 2;
        }
        read_delivery(st, &list[k++]);
    }
    if (rc != SQLITE_DONE) {
        store_deliveries_free(list, k);
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_delivery_add(struct store *base,
                                       struct store_delivery *rows, size_t n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(
             c->db,
             "INSERT INTO event_deliveries(event_id, org_id, instance_id, "
             "element_key, source, body, url, status, next_at, created_at) "
             "VALUES(?1,?2,?3,?4,?5,?6,?7,CASE WHEN EXISTS(SELECT 1 FROM "
             "event_deliveries WHERE instance_id=?3 AND status='queued') "
             "THEN 'queued' ELSE ?8 END,?9,?9)",
             &st)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        struct store_delivery *d = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, d->event_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, d->org_id);
        sqlite3_bind_int64(st, 3, d->instance_id);
        sqlite3_bind_text(st, 4, d->element_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, d->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, d->body, -1, SQLITE_STATIC);
        bind_text_or_null(st, 7, d->url);
        sqlite3_bind_text(st, 8, d->status ? d->status : "pending", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, d->created_at);
        if ((err = rc_err(sqlite3_step(st))))
            goto rollback;
        d->id = sqlite3_last_insert_rowid(c->db);
    }
    sqlite3_finalize(st);
    st = NULL;
    err = exec_sql(c->db, "COMMIT");
    if (!err)
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_delivery_claim(struct store *base, int64_t now,
                                         int64_t lease_ms, size_t max,
                                         const char *skip,
                                         struct store_delivery **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE event_deliveries SET lease_until=?2, claim=claim+1 WHERE id "
        "IN (SELECT id FROM event_deliveries WHERE status IN "
        "('pending','retry') AND next_at<=?1 AND lease_until<=?1 AND "
        "(?4='' OR instance_id NOT IN (SELECT value FROM json_each('['||?4||"
        "']'))) ORDER BY next_at, id LIMIT ?3) RETURNING " DELIVERY_COLS,
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, now + lease_ms);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        sqlite3_bind_text(st, 4, skip, -1, SQLITE_STATIC);
        err = read_deliveries(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_delivery_finish(struct store *base,
                                          const struct store_delivery *rows,
                                          size_t n, size_t *written)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db,
                       "UPDATE event_deliveries SET status=?3, attempts=?4, "
                       "next_at=?5, url=?6, last_status=?7, last_error=?8, "
                       "delivered_at=?9, lease_until=0 WHERE id=?1 AND "
                       "claim=?2",
                       &st)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        const struct store_delivery *d = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, d->id);
        sqlite3_bind_int64(st, 2, d->claim);
        sqlite3_bind_text(st, 3, d->status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, d->attempts);
        sqlite3_bind_int64(st, 5, d->next_at);
        bind_text_or_null(st, 6, d->url);
        sqlite3_bind_int64(st, 7, d->last_status);
        bind_text_or_null(st, 8, d->last_error);
        sqlite3_bind_int64(st, 9, d->delivered_at);
        if ((err = rc_err(sqlite3_step(st))))
            goto rollback;
        *written += (size_t)sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    st = NULL;
    err = exec_sql(c->db, "COMMIT");
    if (!err)
        goto out;
rollback:
    *written = 0;
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_delivery_list(struct store *base, int64_t org_id,
                                        int64_t instance_id, const char *status,
                                        const char *url, int64_t before_id,
                                        size_t max, struct store_delivery **out,
                                        size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "SELECT " DELIVERY_COLS " FROM event_deliveries WHERE org_id=?1 AND "
        "(?2=0 OR instance_id=?2) AND (?3 IS NULL OR status=?3) AND (?4 IS "
        "NULL OR url=?4) AND (?5=0 OR id<?5) ORDER BY id DESC LIMIT ?6",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, instance_id);
        bind_text_or_null(st, 3, status);
        bind_text_or_null(st, 4, url);
        sqlite3_bind_int64(st, 5, before_id);
        sqlite3_bind_int64(st, 6, (int64_t)max);
        err = read_deliveries(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_delivery_requeue(struct store *base, int64_t org_id,
                                           int64_t instance_id, const char *url,
                                           int64_t now, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE event_deliveries SET status='pending', attempts=0, "
        "next_at=?4, lease_until=0 WHERE org_id=?1 AND status='queued' AND "
        "(?2=0 OR instance_id=?2) AND (?3 IS NULL OR url=?3)",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, instance_id);
        bind_text_or_null(st, 3, url);
        sqlite3_bind_int64(st, 4, now);
        err = rc_err(sqlite3_step(st));
        if (!err)
            *n = (size_t)sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- events: the poller (evc) -------------------------------------------- */

#define POLL_COLS                                                              \
    "instance_id, resource, interval_ms, due_ms, watermark_ms, seen"

static void poll_row(sqlite3_stmt *st, struct store_poll *p)
{
    p->instance_id = sqlite3_column_int64(st, 0);
    p->resource = col_text(st, 1);
    p->interval_ms = sqlite3_column_int64(st, 2);
    p->due_ms = sqlite3_column_int64(st, 3);
    p->watermark_ms = sqlite3_column_int64(st, 4);
    p->seen = col_text(st, 5);
}

/* Step st to the end, collecting its rows. */
static enum ed_err poll_rows(sqlite3_stmt *st, struct store_poll **out,
                             size_t *n)
{
    size_t k = 0, cap = 0;
    struct store_poll *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        memset(&list[k], 0, sizeof(list[k]));
        poll_row(st, &list[k++]);
    }
    if (rc != SQLITE_DONE) {
        store_polls_free(list, k);
        *out = NULL;
        *n = 0;
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_poll_candidates(struct store *base, int64_t after_id,
                                          int64_t *ids, size_t max, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT id FROM instances WHERE id > ? AND valid=1 AND disabled=0 "
        "AND config LIKE '%event.notification.enabled%' ORDER BY id LIMIT ?",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, after_id);
        sqlite3_bind_int64(st, 2, (int64_t)max);
        while (k < max && sqlite3_step(st) == SQLITE_ROW)
            ids[k++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    conn_release(c);
    *n = k;
    return err;
}

static enum ed_err sqlite_poll_list(struct store *base, int64_t instance_id,
                                    struct store_poll **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT " POLL_COLS " FROM event_polls WHERE "
                              "instance_id=? ORDER BY resource",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, instance_id);
        err = poll_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_poll_schedule(struct store *base,
                                        const struct store_poll *p)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "INSERT INTO event_polls (" POLL_COLS ") VALUES (?,?,?,?,?,?) "
        "ON CONFLICT (instance_id, resource) DO UPDATE SET "
        "interval_ms=excluded.interval_ms, due_ms=excluded.due_ms "
        "WHERE event_polls.interval_ms <> excluded.interval_ms",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, p->instance_id);
        sqlite3_bind_text(st, 2, p->resource, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, p->interval_ms);
        sqlite3_bind_int64(st, 4, p->due_ms);
        sqlite3_bind_int64(st, 5, p->watermark_ms);
        sqlite3_bind_text(st, 6, p->seen ? p->seen : "{}", -1,
                          SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
        if (err == ED_ERR_EXISTS) /* the instance is gone */
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_poll_delete(struct store *base, int64_t instance_id,
                                      const char *resource)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "DELETE FROM event_polls WHERE instance_id=? "
                              "AND (?2 IS NULL OR resource=?2)",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, instance_id);
        bind_text_or_null(st, 2, resource);
        err = rc_err(sqlite3_step(st));
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_poll_claim(struct store *base, int64_t now_ms,
                                     int64_t lease_until_ms, const char *owner,
                                     size_t max, struct store_poll **out,
                                     size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(
        c->db,
        "UPDATE event_polls SET lease_until_ms=?1, lease_owner=?2 WHERE rowid "
        "IN (SELECT rowid FROM event_polls WHERE due_ms <= ?3 AND "
        "lease_until_ms < ?3 ORDER BY due_ms LIMIT ?4) RETURNING " POLL_COLS,
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, lease_until_ms);
        sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now_ms);
        sqlite3_bind_int64(st, 4, (int64_t)max);
        err = poll_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_poll_finish(struct store *base,
                                      const struct store_poll *p,
                                      const char *owner)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE event_polls SET due_ms=?, watermark_ms=?, seen=?, "
        "lease_until_ms=0, lease_owner='' WHERE instance_id=? AND resource=? "
        "AND lease_owner=?",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, p->due_ms);
        sqlite3_bind_int64(st, 2, p->watermark_ms);
        sqlite3_bind_text(st, 3, p->seen ? p->seen : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, p->instance_id);
        sqlite3_bind_text(st, 5, p->resource, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, owner, -1, SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- events: webhook ingress (evb) ----------------------------------------- */

static enum ed_err sqlite_inbox_put(struct store *base, const char *element_key,
                                    const char *body, size_t len, int64_t now,
                                    int64_t *id)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "INSERT INTO events_inbox(element_key, body, "
                              "received_at) VALUES(?,?,?)",
                              &st);
    if (!err) {
        sqlite3_bind_text(st, 1, element_key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, body, (int)len, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now);
        err = rc_err(sqlite3_step(st));
        if (!err)
            *id = sqlite3_last_insert_rowid(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static int inbox_cmp(const void *a, const void *b)
{
    const struct store_inbox *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static enum ed_err sqlite_inbox_claim(struct store *base, int64_t id,
                                      int64_t now, int64_t lease,
                                      int64_t received_before, size_t max,
                                      struct store_inbox **rows, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    struct store_inbox *out = ed_calloc(max ? max : 1, sizeof(*out));
    enum ed_err err = prepare(
        c->db,
        "UPDATE events_inbox SET claimed_until=?2+?3, attempts=attempts+1 "
        "WHERE id IN (SELECT id FROM events_inbox WHERE processed_at IS NULL "
        "AND claimed_until<=?2 AND received_at<=?4 AND (?1=0 OR id=?1) "
        "ORDER BY id LIMIT ?5) "
        "RETURNING id, element_key, body, received_at, attempts",
        &st);
    if (!err) {
        int rc;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, lease);
        sqlite3_bind_int64(st, 4, received_before);
        sqlite3_bind_int64(st, 5, (int64_t)max);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < max) {
            out[k].id = sqlite3_column_int64(st, 0);
            out[k].element_key = col_text(st, 1);
            out[k].body = col_text(st, 2);
            out[k].received_at = sqlite3_column_int64(st, 3);
            out[k].attempts = sqlite3_column_int(st, 4);
            k++;
        }
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = rc_err(rc);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_inbox_free(out, k);
        return err;
    }
    qsort(out, k, sizeof(*out), inbox_cmp);
    *rows = out;
    *n = k;
    return ED_OK;
}

/* One statement binding (int64 a, int64 b, text t) as ?1 ?2 ?3 (those
 * the statement has). */
static enum ed_err inbox_exec(struct store *base, const char *sql, int64_t a,
                              int64_t b, const char *t, size_t *changes)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
        bind_text_or_null(st, 3, t);
        err = rc_err(sqlite3_step(st));
        if (changes)
            *changes = err ? 0 : (size_t)sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_inbox_done(struct store *base, const int64_t *ids,
                                     size_t n, int64_t now)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char *list = store_ids_json(ids, n);
    enum ed_err err = prepare(c->db,
                              "UPDATE events_inbox SET processed_at=?2, "
                              "last_error=NULL WHERE id IN (SELECT value "
                              "FROM json_each(?1))",
                              &st);
    if (!err) {
        sqlite3_bind_text(st, 1, list, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        err = rc_err(sqlite3_step(st));
    }
    sqlite3_finalize(st);
    conn_release(c);
    free(list);
    return err;
}

static enum ed_err sqlite_inbox_retry(struct store *base, int64_t id,
                                      int64_t retry_at, const char *why)
{
    return inbox_exec(base,
                      "UPDATE events_inbox SET claimed_until=?2, "
                      "last_error=?3 WHERE id=?1 AND processed_at IS NULL",
                      id, retry_at, why, NULL);
}

static enum ed_err sqlite_inbox_purge(struct store *base, int64_t before,
                                      size_t *n)
{
    return inbox_exec(base,
                      "DELETE FROM events_inbox WHERE processed_at IS NOT NULL "
                      "AND processed_at<?1",
                      before, 0, NULL, n);
}

static enum ed_err
sqlite_instance_find_by_app(struct store *base, int64_t app_id,
                            int64_t portal_id, int64_t prefer_portal,
                            size_t max, struct store_instance **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    struct store_instance *list = ed_calloc(max ? max : 1, sizeof(*list));
    enum ed_err err = prepare(c->db,
                              "SELECT " INST_COLS " FROM instances WHERE "
                              "app_id=?1 AND (?2=0 OR portal_id=?2) "
                              "ORDER BY portal_id IS ?3 DESC, id DESC LIMIT ?4",
                              &st);
    if (!err) {
        int rc;
        sqlite3_bind_int64(st, 1, app_id);
        sqlite3_bind_int64(st, 2, portal_id);
        sqlite3_bind_int64(st, 3, prefer_portal);
        sqlite3_bind_int64(st, 4, (int64_t)max);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < max)
            read_instance(st, &list[k++]);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = rc_err(rc);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_instances_free(list, k);
        return err;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

/* --- virtual resources (issue 12) ------------------------------------------
 * Parameters, the same in every statement: ?1 org_id, ?2 level, ?3
 * owner_id, ?4 element_key (transformations), ?5 name, ?6 doc, ?7 now. */

#define VDR_COLS                                                               \
    "id, org_id, level, owner_id, element_key, name, doc, created_at, "        \
    "updated_at"

static const char *vdr_table(enum store_vdr_kind kind)
{
    return kind == STORE_VDR_TF ? "vdr_transformations" : "vdr_definitions";
}

/* The element_key column of a definition row is NULL. */
static const char *vdr_cols(enum store_vdr_kind kind)
{
    return kind == STORE_VDR_TF
               ? VDR_COLS
               : "id, org_id, level, owner_id, NULL, name, doc, created_at, "
                 "updated_at";
}

static void vdr_read(sqlite3_stmt *st, int first, struct store_vdr_doc *d)
{
    d->id = sqlite3_column_int64(st, first);
    d->org_id = sqlite3_column_int64(st, first + 1);
    d->level = col_text(st, first + 2);
    d->owner_id = sqlite3_column_int64(st, first + 3);
    d->element_key = col_text(st, first + 4);
    d->name = col_text(st, first + 5);
    d->doc = col_text(st, first + 6);
    d->created_at = sqlite3_column_int64(st, first + 7);
    d->updated_at = sqlite3_column_int64(st, first + 8);
}

static void vdr_bind_key(sqlite3_stmt *st, int64_t org_id, const char *level,
                         int64_t owner_id, const char *element_key,
                         const char *name)
{
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_text(st, 2, level, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, owner_id);
    bind_text_or_null(st, 4, element_key);
    bind_text_or_null(st, 5, name);
}

/* Step st to the end, collecting its rows (columns from `first`). */
static enum ed_err vdr_rows(sqlite3_stmt *st, int first, bool with_kind,
                            enum store_vdr_kind kind,
                            struct store_vdr_doc **out, size_t *n)
{
    size_t k = 0, cap = 0;
    struct store_vdr_doc *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        memset(&list[k], 0, sizeof(list[k]));
        list[k].kind = with_kind
                           ? (enum store_vdr_kind)sqlite3_column_int(st, 0)
                           : kind;
        vdr_read(st, first, &list[k++]);
    }
    if (rc != SQLITE_DONE) {
        store_vdr_docs_free(list, k);
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err vdr_put_one(sqlite3 *db, enum store_vdr_kind kind,
                               enum store_vdr_mode mode,
                               struct store_vdr_doc *d, int64_t now)
{
    char sql[512];
    const char *t = vdr_table(kind);
    const char *ek = kind == STORE_VDR_TF ? " AND element_key=?4" : "";
    const char *kc = kind == STORE_VDR_TF ? "element_key, " : "";
    const char *kv = kind == STORE_VDR_TF ? "?4, " : "";
    sqlite3_stmt *st = NULL;
    if (mode == STORE_VDR_REPLACE)
        snprintf(sql, sizeof(sql),
                 "UPDATE %s SET doc=?6, updated_at=?7 WHERE org_id=?1 AND "
                 "level=?2 AND owner_id=?3%s AND name=?5 "
                 "RETURNING id, created_at",
                 t, ek);
    else
        snprintf(sql, sizeof(sql),
                 "INSERT INTO %s(org_id, level, owner_id, %sname, doc, "
                 "created_at, updated_at) VALUES(?1, ?2, ?3, %s?5, ?6, ?7, ?7) "
                 "%s RETURNING id, created_at",
                 t, kc, kv,
                 mode == STORE_VDR_UPSERT
                     ? (kind == STORE_VDR_TF
                            ? "ON CONFLICT(org_id, level, owner_id, "
                              "element_key, name) DO UPDATE SET "
                              "doc=excluded.doc, updated_at=excluded.updated_at"
                            : "ON CONFLICT(org_id, level, owner_id, name) DO "
                              "UPDATE SET doc=excluded.doc, "
                              "updated_at=excluded.updated_at")
                     : "");
    enum ed_err err = prepare(db, sql, &st);
    if (err)
        return err;
    vdr_bind_key(st, d->org_id, d->level, d->owner_id,
                 kind == STORE_VDR_TF ? d->element_key : NULL, d->name);
    sqlite3_bind_text(st, 6, d->doc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        d->id = sqlite3_column_int64(st, 0);
        d->created_at = sqlite3_column_int64(st, 1);
        d->updated_at = now;
        d->kind = kind;
    } else if (rc == SQLITE_DONE) {
        err = ED_ERR_NOT_FOUND; /* replace: no such document */
    } else {
        err = rc_err(rc);
    }
    sqlite3_finalize(st);
    return err;
}

static enum ed_err vdr_count(sqlite3 *db, enum store_vdr_kind kind,
                             const struct store_vdr_doc *d, size_t *count)
{
    char sql[160];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM %s WHERE org_id=?1 AND level=?2 AND "
             "owner_id=?3",
             vdr_table(kind));
    enum ed_err err = prepare(db, sql, &st);
    if (err)
        return err;
    vdr_bind_key(st, d->org_id, d->level, d->owner_id, NULL, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = (size_t)sqlite3_column_int64(st, 0);
    else
        err = ED_ERR_DB;
    sqlite3_finalize(st);
    return err;
}

static enum ed_err sqlite_vdr_put(struct store *base, enum store_vdr_kind kind,
                                  enum store_vdr_mode mode,
                                  struct store_vdr_doc *docs, size_t n,
                                  size_t max_per_owner, size_t *failed)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    int64_t now = ed_now_s();
    size_t i = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    for (i = 0; i < n; i++)
        if ((err = vdr_put_one(c->db, kind, mode, &docs[i], now)))
            goto rollback;
    /* every owner written to stays within the limit */
    for (i = 0; max_per_owner && i < n; i++) {
        size_t count = 0;
        if ((err = vdr_count(c->db, kind, &docs[i], &count)))
            goto rollback;
        if (count > max_per_owner) {
            err = ED_ERR_TOO_LARGE;
            goto rollback;
        }
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    *failed = i;
    exec_sql(c->db, "ROLLBACK");
out:
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_get(struct store *base, enum store_vdr_kind kind,
                                  int64_t org_id, const char *level,
                                  int64_t owner_id, const char *element_key,
                                  const char *name, struct store_vdr_doc *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char sql[320];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM %s WHERE org_id=?1 AND level=?2 AND "
             "owner_id=?3%s AND name=?5",
             vdr_cols(kind), vdr_table(kind),
             kind == STORE_VDR_TF ? " AND element_key=?4" : "");
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        vdr_bind_key(st, org_id, level, owner_id, element_key, name);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            out->kind = kind;
            vdr_read(st, 0, out);
        } else {
            err = rc == SQLITE_DONE ? ED_ERR_NOT_FOUND : rc_err(rc);
        }
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_list(struct store *base, enum store_vdr_kind kind,
                                   int64_t org_id, const char *level,
                                   int64_t owner_id, const char *element_key,
                                   const char *name, struct store_vdr_doc **out,
                                   size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char sql[400];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM %s WHERE org_id=?1 AND level=?2 AND "
             "owner_id=?3%s AND (?5 IS NULL OR name=?5) ORDER BY %sname",
             vdr_cols(kind), vdr_table(kind),
             kind == STORE_VDR_TF ? " AND (?4 IS NULL OR element_key=?4)" : "",
             kind == STORE_VDR_TF ? "element_key, " : "");
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        vdr_bind_key(st, org_id, level, owner_id, element_key, name);
        err = vdr_rows(st, 0, false, kind, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_list_org(struct store *base, int64_t org_id,
                                       struct store_vdr_doc **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "SELECT 0, id, org_id, level, owner_id, NULL, name, doc, created_at, "
        "updated_at FROM vdr_definitions WHERE org_id=?1 UNION ALL "
        "SELECT 1, " VDR_COLS " FROM vdr_transformations WHERE org_id=?1 "
        "ORDER BY 1, 2",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        err = vdr_rows(st, 1, true, STORE_VDR_DEF, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_delete(struct store *base,
                                     enum store_vdr_kind kind, int64_t org_id,
                                     const char *level, int64_t owner_id,
                                     const char *element_key, const char *name,
                                     size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char sql[320];
    snprintf(sql, sizeof(sql),
             "DELETE FROM %s WHERE org_id=?1 AND level=?2 AND owner_id=?3%s "
             "AND (?5 IS NULL OR name=?5)",
             vdr_table(kind),
             kind == STORE_VDR_TF ? " AND (?4 IS NULL OR element_key=?4)" : "");
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        vdr_bind_key(st, org_id, level, owner_id, element_key, name);
        err = rc_err(sqlite3_step(st));
        *n = err ? 0 : (size_t)sqlite3_changes(c->db);
        if (!err && name && *n == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* One UPDATE of the rename; *changed: rows renamed. */
static enum ed_err vdr_rename_in(sqlite3 *db, enum store_vdr_kind kind,
                                 int64_t org_id, const char *level,
                                 int64_t owner_id, const char *from,
                                 const char *to, int64_t now, int *changed)
{
    char sql[200];
    sqlite3_stmt *st = NULL;
    snprintf(sql, sizeof(sql),
             "UPDATE %s SET name=?6, updated_at=?7 WHERE org_id=?1 AND "
             "level=?2 AND owner_id=?3 AND name=?5",
             vdr_table(kind));
    enum ed_err err = prepare(db, sql, &st);
    if (err)
        return err;
    vdr_bind_key(st, org_id, level, owner_id, NULL, from);
    sqlite3_bind_text(st, 6, to, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, now);
    err = rc_err(sqlite3_step(st));
    *changed = err ? 0 : sqlite3_changes(db);
    sqlite3_finalize(st);
    return err;
}

static enum ed_err sqlite_vdr_rename(struct store *base, int64_t org_id,
                                     const char *level, int64_t owner_id,
                                     const char *from, const char *to)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    int64_t now = ed_now_s();
    int changed = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = vdr_rename_in(c->db, STORE_VDR_DEF, org_id, level, owner_id,
                             from, to, now, &changed)))
        goto rollback;
    if (!changed) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    if ((err = vdr_rename_in(c->db, STORE_VDR_TF, org_id, level, owner_id, from,
                             to, now, &changed)))
        goto rollback;
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_get_id(struct store *base,
                                     enum store_vdr_kind kind, int64_t org_id,
                                     int64_t id, struct store_vdr_doc *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE org_id=?1 AND id=?2",
             vdr_cols(kind), vdr_table(kind));
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            out->kind = kind;
            vdr_read(st, 0, out);
        } else {
            err = rc == SQLITE_DONE ? ED_ERR_NOT_FOUND : rc_err(rc);
        }
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* The transformations of def's name, level and owner, but those of ids
 * (a JSON array). */
static enum ed_err
vdr_delete_others(sqlite3 *db, const struct store_vdr_doc *def, const char *ids)
{
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        db,
        "DELETE FROM vdr_transformations WHERE org_id=?1 AND level=?2 AND "
        "owner_id=?3 AND name=?5 AND id NOT IN (SELECT value FROM "
        "json_each(?6))",
        &st);
    if (err)
        return err;
    vdr_bind_key(st, def->org_id, def->level, def->owner_id, NULL, def->name);
    sqlite3_bind_text(st, 6, ids, -1, SQLITE_TRANSIENT);
    err = rc_err(sqlite3_step(st));
    sqlite3_finalize(st);
    return err;
}

static enum ed_err sqlite_vdr_object_put(struct store *base,
                                         struct store_vdr_doc *def,
                                         struct store_vdr_doc *tfs, size_t n,
                                         bool replace, size_t max_per_owner,
                                         size_t *failed)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    enum store_vdr_mode mode = replace ? STORE_VDR_UPSERT : STORE_VDR_CREATE;
    int64_t now = ed_now_s();
    int64_t *ids = ed_calloc(n ? n : 1, sizeof(*ids));
    char *list = NULL;
    size_t count = 0, at = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = vdr_put_one(c->db, STORE_VDR_DEF, mode, def, now)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        at = i + 1;
        if ((err = vdr_put_one(c->db, STORE_VDR_TF, mode, &tfs[i], now)))
            goto rollback;
        ids[i] = tfs[i].id;
    }
    at = 0;
    if (replace) {
        list = store_ids_json(ids, n);
        if ((err = vdr_delete_others(c->db, def, list)))
            goto rollback;
    }
    if (max_per_owner) {
        if ((err = vdr_count(c->db, STORE_VDR_DEF, def, &count)))
            goto rollback;
        if (count > max_per_owner) {
            err = ED_ERR_TOO_LARGE;
            goto rollback;
        }
        if ((err = vdr_count(c->db, STORE_VDR_TF, def, &count)))
            goto rollback;
        if (count > max_per_owner) {
            at = n ? 1 : 0;
            err = ED_ERR_TOO_LARGE;
            goto rollback;
        }
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    *failed = at;
    exec_sql(c->db, "ROLLBACK");
out:
    free(list);
    free(ids);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_vdr_object_delete(struct store *base, int64_t org_id,
                                            const char *level, int64_t owner_id,
                                            const char *name)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = NULL;
        char sql[200];
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE org_id=?1 AND level=?2 AND owner_id=?3 "
                 "AND name=?5",
                 vdr_table(k ? STORE_VDR_TF : STORE_VDR_DEF));
        if ((err = prepare(c->db, sql, &st)))
            goto rollback;
        vdr_bind_key(st, org_id, level, owner_id, NULL, name);
        err = rc_err(sqlite3_step(st));
        sqlite3_finalize(st);
        if (!err && k == 0 && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
        if (err)
            goto rollback;
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    conn_release(c);
    return err;
}

/* --- bulk jobs (issue 13) ------------------------------------------------ */

#define BULK_COLS                                                              \
    "id, org_id, instance_id, direction, object_name, status, query, "         \
    "options, checkpoint, records_count, failed_count, message, claimed_by, "  \
    "lease_until, created_at, started_at, finished_at, file_name"

static void bulk_row(sqlite3_stmt *st, struct store_bulk_job *j)
{
    j->id = sqlite3_column_int64(st, 0);
    j->org_id = sqlite3_column_int64(st, 1);
    j->instance_id = sqlite3_column_int64(st, 2);
    j->direction = col_text(st, 3);
    j->object_name = col_text(st, 4);
    j->status = col_text(st, 5);
    j->query = col_text(st, 6);
    j->options = col_text(st, 7);
    j->checkpoint = col_text(st, 8);
    j->records_count = sqlite3_column_int64(st, 9);
    j->failed_count = sqlite3_column_int64(st, 10);
    j->message = col_text(st, 11);
    j->claimed_by = col_text(st, 12);
    j->lease_until = sqlite3_column_int64(st, 13);
    j->created_at = sqlite3_column_int64(st, 14);
    j->started_at = sqlite3_column_int64(st, 15);
    j->finished_at = sqlite3_column_int64(st, 16);
    j->file_name = col_text(st, 17);
}

static enum ed_err bulk_rows(sqlite3_stmt *st, struct store_bulk_job **out,
                             size_t *n)
{
    size_t k = 0, cap = 0;
    struct store_bulk_job *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        memset(&list[k], 0, sizeof(list[k]));
        bulk_row(st, &list[k++]);
    }
    if (rc != SQLITE_DONE) {
        store_bulk_jobs_free(list, k);
        *out = NULL;
        *n = 0;
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_bulk_create(struct store *base,
                                      struct store_bulk_job *j)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "INSERT INTO bulk_jobs (org_id, instance_id, direction, object_name, "
        "status, query, options, checkpoint, created_at, file_name) VALUES "
        "(?,?,?,?,?,?,?,?,?,?)",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, j->org_id);
        sqlite3_bind_int64(st, 2, j->instance_id);
        sqlite3_bind_text(st, 3, j->direction, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, j->object_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, j->status ? j->status : "CREATED", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, j->query ? j->query : "", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, j->options ? j->options : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, j->checkpoint ? j->checkpoint : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 9, j->created_at);
        sqlite3_bind_text(st, 10, j->file_name ? j->file_name : "", -1,
                          SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
        if (err == ED_ERR_EXISTS) /* the instance is gone */
            err = ED_ERR_NOT_FOUND;
        if (!err)
            j->id = sqlite3_last_insert_rowid(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_get(struct store *base, int64_t org_id,
                                   int64_t instance_id, int64_t id,
                                   struct store_bulk_job *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    struct store_bulk_job *list = NULL;
    size_t n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT " BULK_COLS " FROM bulk_jobs WHERE id=?1 "
                              "AND (?2=0 OR org_id=?2) AND (?3=0 OR "
                              "instance_id=?3)",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, org_id);
        sqlite3_bind_int64(st, 3, instance_id);
        err = bulk_rows(st, &list, &n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (!err && n == 0)
        err = ED_ERR_NOT_FOUND;
    if (!err) {
        *out = list[0];
        free(list);
    } else {
        store_bulk_jobs_free(list, n);
    }
    return err;
}

static enum ed_err sqlite_bulk_list(struct store *base, int64_t org_id,
                                    int64_t instance_id,
                                    const struct store_bulk_filter *f,
                                    int64_t before_id, size_t max,
                                    struct store_bulk_job **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT " BULK_COLS " FROM bulk_jobs WHERE org_id=?1 AND (?2=0 OR "
        "instance_id=?2) AND (?3=0 OR id < ?3) AND (?4 IS NULL OR status=?4) "
        "AND (?5 IS NULL OR direction=?5) AND (?6 IS NULL OR object_name=?6) "
        "AND (?7 < 0 OR records_count >= ?7) AND (?8 < 0 OR records_count <= "
        "?8) ORDER BY id DESC LIMIT ?9",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, instance_id);
        sqlite3_bind_int64(st, 3, before_id);
        bind_text_or_null(st, 4, f->status);
        bind_text_or_null(st, 5, f->direction);
        bind_text_or_null(st, 6, f->object_name);
        sqlite3_bind_int64(st, 7, f->records_min);
        sqlite3_bind_int64(st, 8, f->records_max);
        sqlite3_bind_int64(st, 9, (int64_t)max);
        err = bulk_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_claim(struct store *base, int64_t now_ms,
                                     int64_t lease_until_ms, const char *owner,
                                     size_t max, struct store_bulk_job **out,
                                     size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(
        c->db,
        "UPDATE bulk_jobs SET lease_until=?1, claimed_by=?2, status=CASE "
        "status WHEN 'CREATED' THEN 'RUNNING' ELSE status END, started_at="
        "CASE started_at WHEN 0 THEN ?3 ELSE started_at END WHERE id IN "
        "(SELECT id FROM bulk_jobs WHERE status IN ('CREATED','RUNNING',"
        "'CANCELLATION_PENDING') AND lease_until < ?3 ORDER BY id LIMIT ?4) "
        "RETURNING " BULK_COLS,
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, lease_until_ms);
        sqlite3_bind_text(st, 2, owner, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now_ms);
        sqlite3_bind_int64(st, 4, (int64_t)max);
        err = bulk_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_checkpoint(struct store *base,
                                          const struct store_bulk_job *j,
                                          const char *owner,
                                          int64_t lease_until_ms, bool *cancel)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE bulk_jobs SET checkpoint=?1, records_count=?2, "
        "failed_count=?3, lease_until=?4, file_name=?5 WHERE id=?6 AND "
        "claimed_by=?7 AND status IN ('RUNNING','CANCELLATION_PENDING') "
        "RETURNING status",
        &st);
    if (!err) {
        sqlite3_bind_text(st, 1, j->checkpoint ? j->checkpoint : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, j->records_count);
        sqlite3_bind_int64(st, 3, j->failed_count);
        sqlite3_bind_int64(st, 4, lease_until_ms);
        sqlite3_bind_text(st, 5, j->file_name ? j->file_name : "", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, j->id);
        sqlite3_bind_text(st, 7, owner, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            const char *stt = (const char *)sqlite3_column_text(st, 0);
            *cancel = stt && strcmp(stt, "CANCELLATION_PENDING") == 0;
            rc = sqlite3_step(st);
        } else if (rc == SQLITE_DONE) {
            err = ED_ERR_NOT_FOUND;
        }
        if (!err && rc != SQLITE_DONE)
            err = rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_finish(struct store *base,
                                      const struct store_bulk_job *j,
                                      const char *owner)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE bulk_jobs SET status=?1, message=?2, records_count=?3, "
        "failed_count=?4, checkpoint=?5, finished_at=?6, lease_until=0, "
        "claimed_by='' WHERE id=?7 AND claimed_by=?8",
        &st);
    if (!err) {
        sqlite3_bind_text(st, 1, j->status, -1, SQLITE_TRANSIENT);
        bind_text_or_null(st, 2, j->message);
        sqlite3_bind_int64(st, 3, j->records_count);
        sqlite3_bind_int64(st, 4, j->failed_count);
        sqlite3_bind_text(st, 5, j->checkpoint ? j->checkpoint : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, j->finished_at);
        sqlite3_bind_int64(st, 7, j->id);
        sqlite3_bind_text(st, 8, owner, -1, SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_cancel(struct store *base, int64_t org_id,
                                      int64_t instance_id, int64_t id,
                                      int64_t now_ms, char **status)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    err = prepare(c->db,
                  "SELECT status FROM bulk_jobs WHERE id=?1 AND org_id=?2 AND "
                  "(?3=0 OR instance_id=?3)",
                  &st);
    if (err)
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, org_id);
    sqlite3_bind_int64(st, 3, instance_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    char *cur = col_text(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    const char *next = NULL;
    if (strcmp(cur, "CREATED") == 0)
        next = "CANCELLED";
    else if (strcmp(cur, "RUNNING") == 0)
        next = "CANCELLATION_PENDING";
    else if (store_bulk_finished(cur))
        err = ED_ERR_EXISTS;
    if (!next) {
        *status = cur;
        goto rollback;
    }
    free(cur);
    *status = ed_strdup(next);
    if ((err = prepare(c->db,
                       "UPDATE bulk_jobs SET status=?1, finished_at=CASE ?1 "
                       "WHEN 'CANCELLED' THEN ?2 ELSE finished_at END WHERE "
                       "id=?3",
                       &st)))
        goto rollback;
    sqlite3_bind_text(st, 1, next, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    sqlite3_bind_int64(st, 3, id);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    sqlite3_finalize(st);
    st = NULL;
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    sqlite3_finalize(st);
    st = NULL;
    exec_sql(c->db, "ROLLBACK");
out:
    conn_release(c);
    return err;
}

/* One statement with one or two int64 parameters; *changed may be NULL. */
static enum ed_err bulk_exec(struct store *base, const char *sql, int64_t a,
                             int64_t *changed)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, a);
        err = rc_err(sqlite3_step(st));
        if (changed)
            *changed = sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_delete(struct store *base, int64_t id)
{
    int64_t k = 0;
    enum ed_err err = bulk_exec(base, "DELETE FROM bulk_jobs WHERE id=?1", id,
                                &k);
    return !err && k == 0 ? ED_ERR_NOT_FOUND : err;
}

static enum ed_err sqlite_bulk_drop_file(struct store *base, int64_t id)
{
    return bulk_exec(base, "UPDATE bulk_jobs SET file_name='' WHERE id=?1", id,
                     NULL);
}

static enum ed_err sqlite_bulk_expired(struct store *base,
                                       int64_t finished_before_ms,
                                       int64_t after_id, int64_t *ids,
                                       size_t max, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT id FROM bulk_jobs WHERE id > ?1 AND finished_at > 0 AND "
        "finished_at < ?2 AND file_name <> '' ORDER BY id LIMIT ?3",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, after_id);
        sqlite3_bind_int64(st, 2, finished_before_ms);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        while (k < max && sqlite3_step(st) == SQLITE_ROW)
            ids[k++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    conn_release(c);
    *n = k;
    return err;
}

/* /metrics: index-only counts (event_deliveries_claim, bulk_jobs_runnable) */
static enum ed_err sqlite_metric_counts(struct store *base,
                                        struct store_metric_counts *out)
{
    static const char *const sql[2] = {
        "SELECT status, count(*) FROM event_deliveries WHERE status IN "
        "('pending', 'retry') GROUP BY status",
        "SELECT status, count(*) FROM bulk_jobs GROUP BY status"};
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    enum ed_err err = ED_OK;
    for (int q = 0; q < 2 && !err; q++) {
        sqlite3_stmt *st = NULL;
        err = prepare(c->db, sql[q], &st);
        while (!err && sqlite3_step(st) == SQLITE_ROW)
            store_metric_count_row(out, q == 0,
                                   (const char *)sqlite3_column_text(st, 0),
                                   sqlite3_column_int64(st, 1));
        sqlite3_finalize(st);
    }
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_errors_add(struct store *base, int64_t job_id,
                                          const struct store_bulk_error *rows,
                                          size_t n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db,
                       "INSERT OR REPLACE INTO bulk_errors (job_id, row_no, "
                       "message, record) VALUES (?,?,?,?)",
                       &st)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, job_id);
        sqlite3_bind_int64(st, 2, rows[i].row);
        sqlite3_bind_text(st, 3, rows[i].message ? rows[i].message : "", -1,
                          SQLITE_TRANSIENT);
        bind_text_or_null(st, 4, rows[i].record);
        if ((err = rc_err(sqlite3_step(st)))) {
            if (err == ED_ERR_EXISTS) /* the job is gone */
                err = ED_ERR_NOT_FOUND;
            goto rollback;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    sqlite3_finalize(st);
    exec_sql(c->db, "ROLLBACK");
out:
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_errors_list(struct store *base, int64_t job_id,
                                           int64_t after_row, size_t max,
                                           struct store_bulk_error **out,
                                           size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t k = 0, cap = 0;
    struct store_bulk_error *list = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT row_no, message, record FROM bulk_errors "
                              "WHERE job_id=?1 AND row_no > ?2 ORDER BY row_no "
                              "LIMIT ?3",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, job_id);
        sqlite3_bind_int64(st, 2, after_row);
        sqlite3_bind_int64(st, 3, (int64_t)max);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (k == cap) {
                cap = cap ? cap * 2 : 8;
                list = ed_realloc(list, cap * sizeof(*list));
            }
            list[k].row = sqlite3_column_int64(st, 0);
            list[k].message = col_text(st, 1);
            list[k].record = col_text(st, 2);
            k++;
        }
        if (rc != SQLITE_DONE) {
            store_bulk_errors_free(list, k);
            list = NULL;
            k = 0;
            err = rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
        }
    }
    sqlite3_finalize(st);
    conn_release(c);
    *out = list;
    *n = k;
    return err;
}

/* --- bulk workflows (issue 13) --------------------------------------------- */

#define WF_COLS                                                                \
    "id, org_id, instance_id, steps, schedule, status, next_fire_at, "         \
    "skipped_count, last_skipped_at, created_at, stopped_at"
#define RUN_COLS                                                               \
    "id, workflow_id, org_id, status, step, job_id, jobs, message, fired_at, " \
    "created_at, finished_at"

static enum ed_err wf_rows(sqlite3_stmt *st, struct store_bulk_workflow **out,
                           size_t *n)
{
    size_t k = 0, cap = 0;
    struct store_bulk_workflow *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        struct store_bulk_workflow *w = &list[k++];
        memset(w, 0, sizeof(*w));
        w->id = sqlite3_column_int64(st, 0);
        w->org_id = sqlite3_column_int64(st, 1);
        w->instance_id = sqlite3_column_int64(st, 2);
        w->steps = col_text(st, 3);
        w->schedule = col_text(st, 4);
        w->status = col_text(st, 5);
        w->next_fire_at = sqlite3_column_int64(st, 6);
        w->skipped_count = sqlite3_column_int64(st, 7);
        w->last_skipped_at = sqlite3_column_int64(st, 8);
        w->created_at = sqlite3_column_int64(st, 9);
        w->stopped_at = sqlite3_column_int64(st, 10);
    }
    if (rc != SQLITE_DONE) {
        store_bulk_workflows_free(list, k);
        *out = NULL;
        *n = 0;
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err run_rows(sqlite3_stmt *st, struct store_bulk_run **out,
                            size_t *n)
{
    size_t k = 0, cap = 0;
    struct store_bulk_run *list = NULL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        struct store_bulk_run *r = &list[k++];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(st, 0);
        r->workflow_id = sqlite3_column_int64(st, 1);
        r->org_id = sqlite3_column_int64(st, 2);
        r->status = col_text(st, 3);
        r->step = sqlite3_column_int64(st, 4);
        r->job_id = sqlite3_column_int64(st, 5);
        r->jobs = col_text(st, 6);
        r->message = col_text(st, 7);
        r->fired_at = sqlite3_column_int64(st, 8);
        r->created_at = sqlite3_column_int64(st, 9);
        r->finished_at = sqlite3_column_int64(st, 10);
    }
    if (rc != SQLITE_DONE) {
        store_bulk_runs_free(list, k);
        *out = NULL;
        *n = 0;
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

/* INSERT a run of workflow wf (RUNNING, step 0) on db: *id. */
static enum ed_err run_insert(sqlite3 *db, int64_t wf, int64_t org,
                              int64_t fired_at, int64_t now_ms, int64_t *id)
{
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(db,
                              "INSERT INTO bulk_runs (workflow_id, org_id, "
                              "status, fired_at, created_at) VALUES "
                              "(?1,?2,'RUNNING',?3,?4)",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, wf);
        sqlite3_bind_int64(st, 2, org);
        sqlite3_bind_int64(st, 3, fired_at);
        sqlite3_bind_int64(st, 4, now_ms);
        err = rc_err(sqlite3_step(st));
        if (!err)
            *id = sqlite3_last_insert_rowid(db);
    }
    sqlite3_finalize(st);
    return err;
}

static enum ed_err sqlite_bulk_wf_create(struct store *base,
                                         struct store_bulk_workflow *w,
                                         bool run_now, int64_t *run_id)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *run_id = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db,
                       "INSERT INTO bulk_workflows (org_id, instance_id, "
                       "steps, schedule, status, next_fire_at, created_at) "
                       "VALUES (?1,?2,?3,?4,?5,?6,?7)",
                       &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, w->org_id);
    sqlite3_bind_int64(st, 2, w->instance_id);
    sqlite3_bind_text(st, 3, w->steps ? w->steps : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, w->schedule ? w->schedule : "", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, w->status ? w->status : "ONCE", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, w->next_fire_at);
    sqlite3_bind_int64(st, 7, w->created_at);
    err = rc_err(sqlite3_step(st));
    if (err == ED_ERR_EXISTS) /* the instance is gone */
        err = ED_ERR_NOT_FOUND;
    if (err)
        goto rollback;
    w->id = sqlite3_last_insert_rowid(c->db);
    sqlite3_finalize(st);
    st = NULL;
    if (run_now &&
        (err = run_insert(c->db, w->id, w->org_id, 0, w->created_at, run_id)))
        goto rollback;
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    sqlite3_finalize(st);
    st = NULL;
    exec_sql(c->db, "ROLLBACK");
    *run_id = 0;
out:
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_get(struct store *base, int64_t org_id,
                                      int64_t id,
                                      struct store_bulk_workflow *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    struct store_bulk_workflow *list = NULL;
    size_t n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT " WF_COLS " FROM bulk_workflows WHERE "
                              "id=?1 AND (?2=0 OR org_id=?2)",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, org_id);
        err = wf_rows(st, &list, &n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (!err && n == 0)
        err = ED_ERR_NOT_FOUND;
    if (!err) {
        *out = list[0];
        free(list);
    } else {
        store_bulk_workflows_free(list, n);
    }
    return err;
}

static enum ed_err sqlite_bulk_wf_stop(struct store *base, int64_t org_id,
                                       int64_t id, int64_t now_ms)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "UPDATE bulk_workflows SET status='STOPPED', next_fire_at=0, "
        "stopped_at=CASE stopped_at WHEN 0 THEN ?3 ELSE stopped_at END WHERE "
        "id=?1 AND (?2=0 OR org_id=?2)",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, org_id);
        sqlite3_bind_int64(st, 3, now_ms);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_due(struct store *base, int64_t now_ms,
                                      size_t max,
                                      struct store_bulk_workflow **out,
                                      size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT " WF_COLS " FROM bulk_workflows WHERE "
                              "next_fire_at > 0 AND next_fire_at <= ?1 AND "
                              "status='SCHEDULED' ORDER BY next_fire_at, id "
                              "LIMIT ?2",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_int64(st, 2, (int64_t)max);
        err = wf_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_fire(struct store *base, int64_t id,
                                       int64_t due_ms, int64_t next_ms,
                                       int64_t now_ms, int64_t *run_id)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *run_id = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db,
                       "UPDATE bulk_workflows SET next_fire_at=?1 WHERE id=?2 "
                       "AND next_fire_at=?3 AND status='SCHEDULED' RETURNING "
                       "org_id, (SELECT count(*) FROM bulk_runs WHERE "
                       "workflow_id=?2 AND status='RUNNING')",
                       &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, next_ms);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, due_ms);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        err = rc == SQLITE_DONE ? ED_ERR_BUSY
                                : (rc_err(rc) ? rc_err(rc) : ED_ERR_DB);
        goto rollback;
    }
    int64_t org = sqlite3_column_int64(st, 0);
    int64_t running = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    st = NULL;
    if (running > 0) {
        if ((err = prepare(c->db,
                           "UPDATE bulk_workflows SET skipped_count="
                           "skipped_count+1, last_skipped_at=?1 WHERE id=?2",
                           &st)))
            goto rollback;
        sqlite3_bind_int64(st, 1, now_ms);
        sqlite3_bind_int64(st, 2, id);
        if ((err = rc_err(sqlite3_step(st))))
            goto rollback;
        sqlite3_finalize(st);
        st = NULL;
    } else if ((err = run_insert(c->db, id, org, due_ms, now_ms, run_id))) {
        goto rollback;
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    sqlite3_finalize(st);
    st = NULL;
    exec_sql(c->db, "ROLLBACK");
    *run_id = 0;
out:
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_pending(struct store *base, size_t max,
                                          struct store_bulk_run **out,
                                          size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT r.id, r.workflow_id, r.org_id, r.status, r.step, r.job_id, "
        "r.jobs, r.message, r.fired_at, r.created_at, r.finished_at FROM "
        "bulk_runs r LEFT JOIN bulk_jobs j ON j.id = r.job_id WHERE "
        "r.status='RUNNING' AND (r.job_id=0 OR j.id IS NULL OR j.status IN "
        "('COMPLETED','CANCELLED','ERROR','ABORTED')) ORDER BY r.id LIMIT ?1",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, (int64_t)max);
        err = run_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_advance(struct store *base,
                                          const struct store_bulk_run *from,
                                          const struct store_bulk_run *to,
                                          struct store_bulk_job *job)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    char *jobs = NULL;
    int64_t job_id = to->job_id;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if (job) {
        if ((err = prepare(c->db,
                           "INSERT INTO bulk_jobs (org_id, instance_id, "
                           "direction, object_name, status, query, options, "
                           "checkpoint, created_at, file_name) VALUES "
                           "(?,?,?,?,'CREATED',?,?,'{}',?,?)",
                           &st)))
            goto rollback;
        sqlite3_bind_int64(st, 1, job->org_id);
        sqlite3_bind_int64(st, 2, job->instance_id);
        sqlite3_bind_text(st, 3, job->direction, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, job->object_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, job->query ? job->query : "", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, job->options ? job->options : "{}", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 7, job->created_at);
        sqlite3_bind_text(st, 8, job->file_name ? job->file_name : "", -1,
                          SQLITE_TRANSIENT);
        err = rc_err(sqlite3_step(st));
        if (err == ED_ERR_EXISTS) /* the instance is gone */
            err = ED_ERR_NOT_FOUND;
        if (err)
            goto rollback;
        job_id = sqlite3_last_insert_rowid(c->db);
        sqlite3_finalize(st);
        st = NULL;
        jobs = store_json_append_id(to->jobs, job_id);
    }
    if ((err = prepare(c->db,
                       "UPDATE bulk_runs SET status=?1, step=?2, job_id=?3, "
                       "jobs=?4, message=?5, finished_at=?6 WHERE id=?7 AND "
                       "status='RUNNING' AND step=?8 AND job_id=?9",
                       &st)))
        goto rollback;
    sqlite3_bind_text(st, 1, to->status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, to->step);
    sqlite3_bind_int64(st, 3, job_id);
    sqlite3_bind_text(st, 4, jobs ? jobs : (to->jobs ? to->jobs : "[]"), -1,
                      SQLITE_TRANSIENT);
    bind_text_or_null(st, 5, to->message);
    sqlite3_bind_int64(st, 6, to->finished_at);
    sqlite3_bind_int64(st, 7, from->id);
    sqlite3_bind_int64(st, 8, from->step);
    sqlite3_bind_int64(st, 9, from->job_id);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    if (sqlite3_changes(c->db) == 0) {
        err = ED_ERR_BUSY;
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!(err = exec_sql(c->db, "COMMIT"))) {
        if (job)
            job->id = job_id;
        goto out;
    }
rollback:
    sqlite3_finalize(st);
    st = NULL;
    exec_sql(c->db, "ROLLBACK");
out:
    free(jobs);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_bulk_wf_runs(struct store *base, int64_t org_id,
                                       int64_t workflow_id, int64_t before_id,
                                       size_t max, struct store_bulk_run **out,
                                       size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(c->db,
                              "SELECT " RUN_COLS " FROM bulk_runs WHERE "
                              "org_id=?1 AND (?2=0 OR workflow_id=?2) AND "
                              "(?3=0 OR id < ?3) ORDER BY id DESC LIMIT ?4",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, workflow_id);
        sqlite3_bind_int64(st, 3, before_id);
        sqlite3_bind_int64(st, 4, (int64_t)max);
        err = run_rows(st, out, n);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- secret lifecycle and the audit log (issue 15) ------------------------ */

/* One UPDATE of a secret (blob ct + hash) by id, plus, with drop_sessions,
 * the owner's sessions, in one transaction. */
static enum ed_err secret_update(struct store *base, const char *sql,
                                 int64_t id, int64_t org_id,
                                 const struct store_blob *ct,
                                 const uint8_t *hash, const char *text,
                                 bool drop_sessions)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db, sql, &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    if (text) {
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_blob(st, 2, hash, STORE_HASH_BYTES, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, ct->data, (int)ct->len, SQLITE_TRANSIENT);
        if (sqlite3_bind_parameter_count(st) >= 4)
            sqlite3_bind_int64(st, 4, org_id);
    }
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    if (sqlite3_changes(c->db) == 0) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (drop_sessions) {
        if ((err = prepare(c->db, "DELETE FROM sessions WHERE user_id=?", &st)))
            goto rollback;
        sqlite3_bind_int64(st, 1, id);
        if ((err = rc_err(sqlite3_step(st))))
            goto rollback;
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_user_set_secret(struct store *base, int64_t user_id,
                                          const struct store_blob *ct,
                                          const uint8_t *hash)
{
    return secret_update(base,
                         "UPDATE users SET secret_hash=?2, secret_ct=?3 "
                         "WHERE id=?1",
                         user_id, 0, ct, hash, NULL, true);
}

static enum ed_err sqlite_user_set_password(struct store *base, int64_t user_id,
                                            const char *password_hash)
{
    return secret_update(base, "UPDATE users SET password_hash=?2 WHERE id=?1",
                         user_id, 0, NULL, NULL, password_hash, true);
}

static enum ed_err sqlite_org_set_secret(struct store *base, int64_t org_id,
                                         const struct store_blob *ct,
                                         const uint8_t *hash)
{
    return secret_update(base,
                         "UPDATE orgs SET secret_hash=?2, secret_ct=?3 "
                         "WHERE id=?1",
                         org_id, 0, ct, hash, NULL, false);
}

static enum ed_err sqlite_instance_set_token(struct store *base, int64_t org_id,
                                             int64_t id,
                                             const struct store_blob *ct,
                                             const uint8_t *hash)
{
    return secret_update(base,
                         "UPDATE instances SET token_hash=?2, token_ct=?3 "
                         "WHERE id=?1 AND (?4=0 OR org_id=?4)",
                         id, org_id, ct, hash, NULL, false);
}

static enum ed_err sqlite_audit_add(struct store *base, struct store_audit *a)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "INSERT INTO audit_log(org_id, at, actor_id, actor_ip, action, "
        "target_type, target_id, detail, request_id, outcome) "
        "VALUES(?,?,?,?,?,?,?,?,?,?)",
        &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, a->org_id);
        sqlite3_bind_int64(st, 2, a->at);
        sqlite3_bind_int64(st, 3, a->actor_id);
        bind_text_or_null(st, 4, a->actor_ip);
        sqlite3_bind_text(st, 5, a->action, -1, SQLITE_TRANSIENT);
        bind_text_or_null(st, 6, a->target_type);
        sqlite3_bind_int64(st, 7, a->target_id);
        bind_text_or_null(st, 8, a->detail);
        bind_text_or_null(st, 9, a->request_id);
        sqlite3_bind_int64(st, 10, a->outcome);
        err = rc_err(sqlite3_step(st));
        if (!err)
            a->id = sqlite3_last_insert_rowid(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_audit_list(struct store *base, int64_t org_id,
                                     const struct store_audit_filter *f,
                                     int64_t before_id, size_t max,
                                     struct store_audit **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    struct store_audit *list = NULL;
    size_t k = 0, cap = 0;
    int rc;
    *out = NULL;
    *n = 0;
    enum ed_err err = prepare(
        c->db,
        "SELECT id, org_id, at, actor_id, actor_ip, action, target_type, "
        "target_id, detail, request_id, outcome FROM audit_log WHERE "
        "org_id=?1 AND (?2 IS NULL OR action=?2) AND (?3 IS NULL OR "
        "target_type=?3) AND (?4<0 OR actor_id=?4) AND (?5<0 OR "
        "target_id=?5) AND (?6=0 OR at>=?6) AND (?7=0 OR at<?7) AND "
        "(?8=0 OR id<?8) ORDER BY id DESC LIMIT ?9",
        &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, org_id);
    bind_text_or_null(st, 2, f->action);
    bind_text_or_null(st, 3, f->target_type);
    sqlite3_bind_int64(st, 4, f->actor_id);
    sqlite3_bind_int64(st, 5, f->target_id);
    sqlite3_bind_int64(st, 6, f->since);
    sqlite3_bind_int64(st, 7, f->until);
    sqlite3_bind_int64(st, 8, before_id);
    sqlite3_bind_int64(st, 9, (int64_t)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            list = ed_realloc(list, cap * sizeof(*list));
        }
        struct store_audit *a = &list[k++];
        a->id = sqlite3_column_int64(st, 0);
        a->org_id = sqlite3_column_int64(st, 1);
        a->at = sqlite3_column_int64(st, 2);
        a->actor_id = sqlite3_column_int64(st, 3);
        a->actor_ip = col_text(st, 4);
        a->action = col_text(st, 5);
        a->target_type = col_text(st, 6);
        a->target_id = sqlite3_column_int64(st, 7);
        a->detail = col_text(st, 8);
        a->request_id = col_text(st, 9);
        a->outcome = sqlite3_column_int64(st, 10);
    }
    if (rc != SQLITE_DONE) {
        store_audit_free(list, k);
        err = rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
        goto out;
    }
    *out = list;
    *n = k;
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- accounts and users (issue 15) ----------------------------------------- */

#define ACCOUNT_COLS                                                           \
    "id, org_id, name, description, external_id, is_default, created_at, "     \
    "updated_at"

static void read_account(sqlite3_stmt *st, struct store_account *a)
{
    a->id = sqlite3_column_int64(st, 0);
    a->org_id = sqlite3_column_int64(st, 1);
    a->name = col_text(st, 2);
    a->description = col_text(st, 3);
    a->external_id = col_text(st, 4);
    a->is_default = sqlite3_column_int(st, 5);
    a->created_at = sqlite3_column_int64(st, 6);
    a->updated_at = sqlite3_column_int64(st, 7);
}

static enum ed_err sqlite_account_create(struct store *base,
                                         struct store_account *a)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db, "SELECT 1 FROM orgs WHERE id=?", &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, a->org_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((err = prepare(c->db,
                       "INSERT INTO accounts(id, org_id, name, description, "
                       "external_id, is_default, created_at, updated_at) "
                       "VALUES((" NEXT_ID "),?1,?2,?3,?4,0,?5,?5)",
                       &st)))
        goto rollback;
    a->created_at = a->updated_at = ed_now_s();
    a->is_default = 0;
    sqlite3_bind_int64(st, 1, a->org_id);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 3, a->description);
    bind_text_or_null(st, 4, a->external_id);
    sqlite3_bind_int64(st, 5, a->created_at);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    a->id = sqlite3_last_insert_rowid(c->db);
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_account_get(struct store *base, int64_t org_id,
                                      int64_t id, struct store_account *out)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "SELECT " ACCOUNT_COLS
                              " FROM accounts WHERE id=? AND org_id=?",
                              &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, org_id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            read_account(st, out);
        else
            err = rc == SQLITE_DONE ? ED_ERR_NOT_FOUND : rc_err(rc);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_account_list(struct store *base, int64_t org_id,
                                       struct store_account **out, size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t cap = 8, k = 0;
    struct store_account *list = ed_calloc(cap, sizeof(*list));
    enum ed_err err = prepare(c->db,
                              "SELECT " ACCOUNT_COLS " FROM accounts WHERE "
                              "org_id=? ORDER BY is_default DESC, id",
                              &st);
    if (!err) {
        int rc;
        sqlite3_bind_int64(st, 1, org_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (k == cap) {
                cap *= 2;
                list = ed_realloc(list, cap * sizeof(*list));
            }
            memset(&list[k], 0, sizeof(list[k]));
            read_account(st, &list[k++]);
        }
        if (rc != SQLITE_DONE)
            err = rc_err(rc);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_accounts_free(list, k);
        return err;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_account_update(struct store *base,
                                         struct store_account *a)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "UPDATE accounts SET name=?, description=?, "
                              "external_id=?, updated_at=? WHERE id=? AND "
                              "org_id=?",
                              &st);
    if (!err) {
        a->updated_at = ed_now_s();
        sqlite3_bind_text(st, 1, a->name, -1, SQLITE_TRANSIENT);
        bind_text_or_null(st, 2, a->description);
        bind_text_or_null(st, 3, a->external_id);
        sqlite3_bind_int64(st, 4, a->updated_at);
        sqlite3_bind_int64(st, 5, a->id);
        sqlite3_bind_int64(st, 6, a->org_id);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* One int64 from `sql` bound with ?1 = a (0 when no row). */
static enum ed_err count_of(sqlite3 *db, const char *sql, int64_t a, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(db, sql, &st);
    *v = 0;
    if (err)
        return err;
    sqlite3_bind_int64(st, 1, a);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        err = rc_err(rc);
    sqlite3_finalize(st);
    return err;
}

static enum ed_err sqlite_account_delete(struct store *base, int64_t org_id,
                                         int64_t id, const char **why)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db,
                       "SELECT is_default FROM accounts WHERE id=? AND "
                       "org_id=?",
                       &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, org_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    if (sqlite3_column_int(st, 0)) {
        *why = "default";
        err = ED_ERR_EXISTS;
        goto rollback;
    }
    if ((err = count_of(c->db,
                        "SELECT count(*) FROM instances WHERE account_id=?1",
                        id, &v)))
        goto rollback;
    if (v) {
        *why = "instances";
        err = ED_ERR_EXISTS;
        goto rollback;
    }
    if ((err = count_of(c->db, "SELECT count(*) FROM users WHERE account_id=?1",
                        id, &v)))
        goto rollback;
    if (v) {
        *why = "users";
        err = ED_ERR_EXISTS;
        goto rollback;
    }
    if ((err = count_of(c->db, "DELETE FROM accounts WHERE id=?1", id, &v)))
        goto rollback;
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_user_list(struct store *base, int64_t org_id,
                                    int64_t account_id, struct store_user **out,
                                    size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    size_t cap = 8, k = 0;
    struct store_user *list = ed_calloc(cap, sizeof(*list));
    enum ed_err err = prepare(c->db,
                              "SELECT " USER_COLS " FROM users WHERE org_id=?1 "
                              "AND (?2=0 OR account_id=?2) ORDER BY id",
                              &st);
    if (!err) {
        int rc;
        sqlite3_bind_int64(st, 1, org_id);
        sqlite3_bind_int64(st, 2, account_id);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if (k == cap) {
                cap *= 2;
                list = ed_realloc(list, cap * sizeof(*list));
            }
            memset(&list[k], 0, sizeof(list[k]));
            read_user(st, &list[k++]);
        }
        if (rc != SQLITE_DONE)
            err = rc_err(rc);
    }
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_users_free(list, k);
        return err;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_user_update(struct store *base,
                                      const struct store_user *u,
                                      unsigned fields)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    /* ?1 first_name, ?2 last_name, ?3 role, ?4 disabled, ?5 id, ?6 org */
    char sql[256];
    snprintf(sql, sizeof(sql),
             "UPDATE users SET %s%s%sid=id WHERE id=?5 AND org_id=?6",
             fields & STORE_USER_NAMES ? "first_name=?1, last_name=?2, " : "",
             fields & STORE_USER_ROLE ? "role=?3, " : "",
             fields & STORE_USER_DISABLED ? "disabled=?4, " : "");
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        bind_text_or_null(st, 1, u->first_name);
        bind_text_or_null(st, 2, u->last_name);
        sqlite3_bind_text(st, 3, u->role ? u->role : "user", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 4, u->disabled);
        sqlite3_bind_int64(st, 5, u->id);
        sqlite3_bind_int64(st, 6, u->org_id);
        err = rc_err(sqlite3_step(st));
        if (!err && sqlite3_changes(c->db) == 0)
            err = ED_ERR_NOT_FOUND;
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_user_delete(struct store *base, int64_t org_id,
                                      int64_t id)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = count_of(
             c->db, "SELECT count(*) FROM instances WHERE user_id=?1", id, &v)))
        goto rollback;
    if (v) {
        err = ED_ERR_EXISTS;
        goto rollback;
    }
    if ((err = prepare(c->db, "DELETE FROM users WHERE id=? AND org_id=?",
                       &st)))
        goto rollback;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, org_id);
    if ((err = rc_err(sqlite3_step(st))))
        goto rollback;
    if (sqlite3_changes(c->db) == 0) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    if (!(err = exec_sql(c->db, "COMMIT")))
        goto out;
rollback:
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* --- instance traces ------------------------------------------------------ */

static enum ed_err sqlite_trace_add(struct store *base, int64_t instance_id,
                                    int64_t created_at, const char *doc,
                                    size_t keep)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db,
                              "INSERT INTO instance_traces(instance_id, "
                              "created_at, doc) SELECT id, ?2, ?3 FROM "
                              "instances WHERE id=?1",
                              &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, instance_id);
    sqlite3_bind_int64(st, 2, created_at);
    sqlite3_bind_text(st, 3, doc, -1, SQLITE_TRANSIENT);
    err = rc_err(sqlite3_step(st));
    if (!err && sqlite3_changes(c->db) == 0)
        err = ED_ERR_NOT_FOUND;
    sqlite3_finalize(st);
    st = NULL;
    if (err)
        goto out;
    /* the newest `keep` stay */
    err = prepare(c->db,
                  "DELETE FROM instance_traces WHERE instance_id=?1 AND id <= "
                  "(SELECT id FROM instance_traces WHERE instance_id=?1 "
                  "ORDER BY id DESC LIMIT 1 OFFSET ?2)",
                  &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, instance_id);
    sqlite3_bind_int64(st, 2, (int64_t)keep);
    err = rc_err(sqlite3_step(st));
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_trace_list(struct store *base, int64_t instance_id,
                                     int64_t before_id, int64_t since_ms,
                                     size_t max, struct store_trace **out,
                                     size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    struct store_trace *list = ed_calloc(max ? max : 1, sizeof(*list));
    size_t k = 0;
    int rc = SQLITE_DONE;
    enum ed_err err = prepare(c->db,
                              "SELECT id, instance_id, created_at, doc FROM "
                              "instance_traces WHERE instance_id=?1 AND "
                              "(?2=0 OR id<?2) AND created_at>=?3 "
                              "ORDER BY id DESC LIMIT ?4",
                              &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, instance_id);
    sqlite3_bind_int64(st, 2, before_id);
    sqlite3_bind_int64(st, 3, since_ms);
    sqlite3_bind_int64(st, 4, (int64_t)max);
    while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        list[k].id = sqlite3_column_int64(st, 0);
        list[k].instance_id = sqlite3_column_int64(st, 1);
        list[k].created_at = sqlite3_column_int64(st, 2);
        list[k].doc = col_text(st, 3);
        k++;
    }
    if (k < max && rc != SQLITE_DONE)
        err = rc_err(rc);
out:
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_traces_free(list, k);
        return err;
    }
    *out = list;
    *n = k;
    return ED_OK;
}

/* DELETE with one integer parameter; *deleted = rows deleted. */
static enum ed_err sqlite_trace_delete(struct store *base, const char *sql,
                                       int64_t arg, int64_t *deleted)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(c->db, sql, &st);
    if (!err) {
        sqlite3_bind_int64(st, 1, arg);
        err = rc_err(sqlite3_step(st));
        if (!err)
            *deleted = sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

static enum ed_err sqlite_trace_clear(struct store *base, int64_t instance_id,
                                      int64_t *deleted)
{
    return sqlite_trace_delete(
        base, "DELETE FROM instance_traces WHERE instance_id=?", instance_id,
        deleted);
}

static enum ed_err sqlite_trace_sweep(struct store *base, int64_t before_ms,
                                      int64_t *deleted)
{
    return sqlite_trace_delete(base,
                               "DELETE FROM instance_traces WHERE created_at<?",
                               before_ms, deleted);
}

/* --- master-key rotation and backups ---------------------------------- */

static void rotation_reader(sqlite3_stmt *st, void *out)
{
    struct store_key_rotation *r = out;
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(r->old_key_id, sizeof(r->old_key_id), "%s",
             t ? (const char *)t : "");
    t = sqlite3_column_text(st, 1);
    snprintf(r->new_key_id, sizeof(r->new_key_id), "%s",
             t ? (const char *)t : "");
    col_blob(st, 2, &r->new_key_ct);
    t = sqlite3_column_text(st, 3);
    snprintf(r->state, sizeof(r->state), "%s", t ? (const char *)t : "");
    r->published_at = sqlite3_column_int64(st, 4);
    r->finished_at = sqlite3_column_int64(st, 5);
}

static enum ed_err sqlite_rotation_get(struct store *s,
                                       struct store_key_rotation *out)
{
    return select_one(s,
                      "SELECT old_key_id, new_key_id, new_key_ct, state, "
                      "published_at, finished_at FROM key_rotation WHERE id=?",
                      KEY_INT, 1, NULL, rotation_reader, out);
}

static enum ed_err sqlite_rotation_put(struct store *base,
                                       const struct store_key_rotation *r)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    enum ed_err err = prepare(
        c->db,
        "INSERT OR REPLACE INTO key_rotation(id, old_key_id, "
        "new_key_id, new_key_ct, state, published_at, finished_at) "
        "VALUES(1,?,?,?,?,?,?)",
        &st);
    if (err)
        goto out;
    sqlite3_bind_text(st, 1, r->old_key_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r->new_key_id, -1, SQLITE_TRANSIENT);
    if (r->new_key_ct.len)
        sqlite3_bind_blob(st, 3, r->new_key_ct.data, (int)r->new_key_ct.len,
                          SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, r->state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, r->published_at);
    sqlite3_bind_int64(st, 6, r->finished_at);
    err = rc_err(sqlite3_step(st));
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* Per table: the scan (?1 after, ?2 key id, ?3 limit) and the
 * compare-and-swap update (?1 new ct, ?2 new hash, ?3 new ct2 or NULL,
 * ?4 id, ?5 old ct, ?6 old ct2 or X''). */
static const struct {
    const char *scan, *update;
} sealed_sql[STORE_SEALED_TABLES] = {
    [STORE_SEALED_ORGS] =
        {"SELECT id, secret_ct, NULL FROM orgs WHERE id > ?1 AND "
         "substr(secret_ct, 2, 4) <> ?2 ORDER BY id LIMIT ?3",
         "UPDATE orgs SET secret_ct=?1, secret_hash=?2 WHERE id=?4 AND "
         "secret_ct=?5"},
    [STORE_SEALED_USERS] =
        {"SELECT id, secret_ct, NULL FROM users WHERE id > ?1 AND "
         "substr(secret_ct, 2, 4) <> ?2 ORDER BY id LIMIT ?3",
         "UPDATE users SET secret_ct=?1, secret_hash=?2 WHERE id=?4 AND "
         "secret_ct=?5"},
    [STORE_SEALED_INSTANCES] =
        {"SELECT id, token_ct, secrets_ct FROM instances WHERE id > ?1 AND "
         "(substr(token_ct, 2, 4) <> ?2 OR (length(secrets_ct) > 0 AND "
         "substr(secrets_ct, 2, 4) <> ?2)) ORDER BY id LIMIT ?3",
         "UPDATE instances SET token_ct=?1, token_hash=?2, "
         "secrets_ct=coalesce(?3, secrets_ct) WHERE id=?4 AND token_ct=?5 "
         "AND coalesce(secrets_ct, X'')=?6"},
};

static enum ed_err sqlite_sealed_scan(struct store *base,
                                      enum store_sealed_table t,
                                      const uint8_t *key_id, int64_t after,
                                      size_t max, struct store_sealed_row **out,
                                      size_t *n)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    struct store_sealed_row *rows = NULL;
    size_t k = 0;
    enum ed_err err = prepare(c->db, sealed_sql[t].scan, &st);
    if (err)
        goto out;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_blob(st, 2, key_id, 4, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, (int64_t)max);
    rows = ed_calloc(max ? max : 1, sizeof(*rows));
    int rc;
    while (k < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rows[k].id = sqlite3_column_int64(st, 0);
        col_blob(st, 1, &rows[k].ct);
        col_blob(st, 2, &rows[k].ct2);
        k++;
    }
    if (k < max && rc != SQLITE_DONE)
        err = rc_err(rc);
out:
    sqlite3_finalize(st);
    conn_release(c);
    if (err) {
        store_sealed_rows_free(rows, k);
        return err;
    }
    *out = rows;
    *n = k;
    return ED_OK;
}

static enum ed_err sqlite_sealed_update(struct store *base,
                                        enum store_sealed_table t,
                                        const struct store_sealed_row *rows,
                                        size_t n, size_t *changed)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    struct conn *c = conn_acquire(s);
    sqlite3_stmt *st = NULL;
    static const uint8_t empty[1] = {0};
    enum ed_err err = exec_sql(c->db, "BEGIN IMMEDIATE");
    if (err)
        goto out;
    if ((err = prepare(c->db, sealed_sql[t].update, &st)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        const struct store_sealed_row *r = &rows[i];
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, r->new_ct.data, (int)r->new_ct.len,
                          SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 2, r->new_hash, STORE_HASH_BYTES,
                          SQLITE_TRANSIENT);
        if (r->new_ct2.len)
            sqlite3_bind_blob(st, 3, r->new_ct2.data, (int)r->new_ct2.len,
                              SQLITE_TRANSIENT);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, r->id);
        sqlite3_bind_blob(st, 5, r->ct.data, (int)r->ct.len, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 6, r->ct2.len ? r->ct2.data : empty,
                          (int)r->ct2.len, SQLITE_TRANSIENT);
        if ((err = rc_err(sqlite3_step(st))))
            goto rollback;
        *changed += (size_t)sqlite3_changes(c->db);
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((err = exec_sql(c->db, "COMMIT")))
        goto rollback;
    goto out;
rollback:
    sqlite3_finalize(st);
    st = NULL;
    *changed = 0;
    exec_sql(c->db, "ROLLBACK");
out:
    sqlite3_finalize(st);
    conn_release(c);
    return err;
}

/* Copy all of src into dst in one step: one read transaction on src, so
 * the copy is the database at one instant even while others write (WAL:
 * the writers are not blocked). */
static enum ed_err backup_copy(sqlite3 *dst, sqlite3 *src)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        ed_error(NULL, "msg=\"sqlite backup failed\" err=\"%s\"",
                 sqlite3_errmsg(dst));
        return ED_ERR_DB;
    }
    int rc;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
           rc == SQLITE_LOCKED)
        sqlite3_sleep(50);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        ed_error(NULL, "msg=\"sqlite backup failed\" err=\"%s\"",
                 sqlite3_errstr(rc));
        return rc_err(rc) ? rc_err(rc) : ED_ERR_DB;
    }
    return ED_OK;
}

static enum ed_err sqlite_backup(struct store *base, const char *path)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3 *dst = NULL;
    enum ed_err err;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        sqlite3_close(dst);
        return ED_ERR_IO;
    }
    struct conn *c = conn_acquire(s);
    err = backup_copy(dst, c->db);
    conn_release(c);
    /* a copy that stands alone: no -wal file next to it */
    if (!err)
        err = exec_sql(dst, "PRAGMA journal_mode=DELETE");
    if (sqlite3_close(dst) != SQLITE_OK && !err)
        err = ED_ERR_IO;
    return err;
}

static int check_cb(void *ud, int n, char **vals, char **names)
{
    (void)names;
    bool *ok = ud;
    if (n < 1 || !vals[0] || strcmp(vals[0], "ok") != 0)
        *ok = false;
    return 0;
}

static enum ed_err sqlite_restore(struct store *base, const char *path)
{
    struct store_sqlite *s = (struct store_sqlite *)base;
    sqlite3 *src = NULL;
    bool ok = true;
    enum ed_err err = ED_OK;
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(src, "PRAGMA integrity_check", check_cb, &ok, NULL) !=
            SQLITE_OK ||
        !ok) {
        sqlite3_close(src);
        return ED_ERR_INVALID;
    }
    struct conn *c = conn_acquire(s);
    err = backup_copy(c->db, src);
    conn_release(c);
    sqlite3_close(src);
    return err;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .url_prefix = "sqlite:",
    .open = sqlite_open,
    .close = sqlite_close,
    .ping = sqlite_ping,
    .org_create_with_user = sqlite_org_create_with_user,
    .user_create = sqlite_user_create,
    .org_get = sqlite_org_get,
    .org_find_by_secret = sqlite_org_find_by_secret,
    .user_get = sqlite_user_get,
    .user_find_by_email = sqlite_user_find_by_email,
    .user_find_by_secret = sqlite_user_find_by_secret,
    .session_put = sqlite_session_put,
    .session_find = sqlite_session_find,
    .session_delete = sqlite_session_delete,
    .instance_create = sqlite_instance_create,
    .instance_get = sqlite_instance_get,
    .instance_find_by_token = sqlite_instance_find_by_token,
    .instance_list = sqlite_instance_list,
    .instance_update = sqlite_instance_update,
    .instance_put_credentials = sqlite_instance_put_credentials,
    .instance_set_valid = sqlite_instance_set_valid,
    .instance_delete = sqlite_instance_delete,
    .instance_due = sqlite_instance_due,
    .account_create = sqlite_account_create,
    .account_get = sqlite_account_get,
    .account_list = sqlite_account_list,
    .account_update = sqlite_account_update,
    .account_delete = sqlite_account_delete,
    .user_list = sqlite_user_list,
    .user_update = sqlite_user_update,
    .user_delete = sqlite_user_delete,
    .delivery_add = sqlite_delivery_add,
    .delivery_claim = sqlite_delivery_claim,
    .delivery_finish = sqlite_delivery_finish,
    .delivery_list = sqlite_delivery_list,
    .delivery_requeue = sqlite_delivery_requeue,
    .inbox_put = sqlite_inbox_put,
    .inbox_claim = sqlite_inbox_claim,
    .inbox_done = sqlite_inbox_done,
    .inbox_retry = sqlite_inbox_retry,
    .inbox_purge = sqlite_inbox_purge,
    .instance_find_by_app = sqlite_instance_find_by_app,
    .poll_candidates = sqlite_poll_candidates,
    .poll_list = sqlite_poll_list,
    .poll_schedule = sqlite_poll_schedule,
    .poll_delete = sqlite_poll_delete,
    .poll_claim = sqlite_poll_claim,
    .poll_finish = sqlite_poll_finish,
    .vdr_put = sqlite_vdr_put,
    .vdr_get = sqlite_vdr_get,
    .vdr_list = sqlite_vdr_list,
    .vdr_list_org = sqlite_vdr_list_org,
    .vdr_delete = sqlite_vdr_delete,
    .vdr_rename = sqlite_vdr_rename,
    .vdr_get_id = sqlite_vdr_get_id,
    .vdr_object_put = sqlite_vdr_object_put,
    .vdr_object_delete = sqlite_vdr_object_delete,
    .bulk_create = sqlite_bulk_create,
    .bulk_get = sqlite_bulk_get,
    .bulk_list = sqlite_bulk_list,
    .bulk_claim = sqlite_bulk_claim,
    .bulk_checkpoint = sqlite_bulk_checkpoint,
    .bulk_finish = sqlite_bulk_finish,
    .bulk_cancel = sqlite_bulk_cancel,
    .bulk_delete = sqlite_bulk_delete,
    .bulk_expired = sqlite_bulk_expired,
    .bulk_drop_file = sqlite_bulk_drop_file,
    .bulk_errors_add = sqlite_bulk_errors_add,
    .bulk_errors_list = sqlite_bulk_errors_list,
    .bulk_wf_create = sqlite_bulk_wf_create,
    .bulk_wf_get = sqlite_bulk_wf_get,
    .bulk_wf_stop = sqlite_bulk_wf_stop,
    .bulk_wf_due = sqlite_bulk_wf_due,
    .bulk_wf_fire = sqlite_bulk_wf_fire,
    .bulk_wf_pending = sqlite_bulk_wf_pending,
    .bulk_wf_advance = sqlite_bulk_wf_advance,
    .bulk_wf_runs = sqlite_bulk_wf_runs,
    .metric_counts = sqlite_metric_counts,
    .user_set_secret = sqlite_user_set_secret,
    .user_set_password = sqlite_user_set_password,
    .org_set_secret = sqlite_org_set_secret,
    .instance_set_token = sqlite_instance_set_token,
    .audit_add = sqlite_audit_add,
    .audit_list = sqlite_audit_list,
    .trace_add = sqlite_trace_add,
    .trace_list = sqlite_trace_list,
    .trace_clear = sqlite_trace_clear,
    .trace_sweep = sqlite_trace_sweep,
    .rotation_get = sqlite_rotation_get,
    .rotation_put = sqlite_rotation_put,
    .sealed_scan = sqlite_sealed_scan,
    .sealed_update = sqlite_sealed_update,
    .backup = sqlite_backup,
    .restore = sqlite_restore,
};
