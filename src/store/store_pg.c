/* SPDX-License-Identifier: MIT
 * PostgreSQL backend of the store (libpq), with the same semantics as
 * store_sqlite.c. A pool of connections (ELEMENTSD_DB_POOL, default 8) is
 * checked out under a mutex and condition variable, one connection per
 * domain call, opened lazily and reset on the next checkout when it went
 * bad. Every statement is one PQexecParams with typed $n parameters: blobs
 * and integers travel in binary, results come back in binary, so BYTEA
 * round-trips exactly and nothing is parsed from text. Calls that write
 * several rows hold one connection in a struct pg_tx (BEGIN..COMMIT); a
 * read that fails because the connection dropped is retried once on the
 * reset connection, a write is not (its outcome is unknown) and returns
 * ED_ERR_DB. Migrations are compiled in from migrations/pg/ and applied at
 * open, one transaction each, serialised across nodes by an advisory lock
 * and recorded in schema_migrations.
 *
 * Several nodes on one database: a token refresh holds an advisory lock on
 * its instance in a transaction across the HubSpot call (refresh claims,
 * near the end of this file); every instance write is announced with
 * NOTIFY after its commit, and a watch thread LISTENs on a connection
 * outside the pool and calls the instance hook (the other nodes' caches).
 * A connection found lost makes the pool reconnect the others before
 * their next use, and the store notes the loss for the HTTP layer (503). */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/embed.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "metrics/metrics.h"
#include "store/store_int.h"

extern const struct ed_embed ed_pg_migrations[];

#define PG_POOL_DEFAULT 8
#define PG_POOL_MAX 256
#define PG_MAX_PARAMS 32
/* pg_advisory_xact_lock key for migrations: "elements" in ASCII. */
#define PG_MIGRATE_LOCK "7308335428573144179"
/* NOTIFY channel of instance changes; the payload is the sender's node id. */
#define PG_CHANNEL "elementsd_instances"
/* NOTIFY channel of virtual-resource changes; the payload is
 * "<org id> <node id>". */
#define PG_VDR_CHANNEL "elementsd_vdr"
/* Milliseconds between reconnection attempts of the watch connection. */
#define PG_WATCH_RETRY_MS 500

/* Type OIDs from the server's pg_type.h (not exported by libpq-fe.h). */
#define PG_BYTEA_OID 17
#define PG_INT8_OID 20
#define PG_TEXT_OID 25

struct store_pg;

struct pg_conn {
    PGconn *pg; /* NULL until first checked out */
    struct store_pg *owner;
    unsigned epoch; /* owner->epoch when last (re)connected */
};

struct store_pg {
    struct store base;
    char *url;
    size_t size;
    struct pg_conn *conns;
    struct pg_conn **idle; /* stack of checked-in connections */
    size_t nidle;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* Bumped when a connection is found lost: the server may have
     * restarted, so the idle ones are reconnected before their next use
     * instead of failing a write once each. */
    atomic_uint epoch;
    char node_id[64]; /* NOTIFY payload: this process */
    /* the watch thread (store_watch_start) */
    pthread_t watch;
    bool watching;
    int wake[2]; /* a byte on wake[1] stops it */
};

/* One connection held across several statements: BEGIN at tx_begin,
 * COMMIT or ROLLBACK at the end, checked in either way. Refresh claims
 * hold one across a HubSpot call. */
struct pg_tx {
    struct store_pg *s;
    struct pg_conn *c;
};

/* --- connections and pool --------------------------------------------- */

/* A server or libpq message as one log-safe value: no newlines or double
 * quotes, at most n-1 bytes. */
static const char *log_safe(const char *m, char *buf, size_t n)
{
    size_t k = 0;
    for (; m && m[k] && k + 1 < n; k++) {
        char ch = m[k];
        if (ch == '\n' || ch == '\r' || ch == '\t')
            ch = ' ';
        else if (ch == '"')
            ch = '\'';
        buf[k] = ch;
    }
    while (k > 0 && buf[k - 1] == ' ')
        k--;
    buf[k] = 0;
    return buf;
}

static const char *pg_errmsg(PGconn *pg, char *buf, size_t n)
{
    return log_safe(PQerrorMessage(pg), buf, n);
}

static void notice_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg; /* "relation already exists, skipping" and the like */
}

/* Defaults first: anything in the URL overrides them (expand_dbname). */
static PGconn *pg_connect_q(const char *url, bool quiet)
{
    static const char *const keys[] = {
        "connect_timeout",
        "application_name",
        "keepalives_idle",
        "keepalives_count",
        "keepalives_interval",
        "dbname",
        NULL,
    };
    const char *vals[] = {"5", "elementsd", "30", "3", "10", url, NULL};
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg)
        abort(); /* libpq out of memory: the OOM policy of core/mem.h */
    PQsetNoticeProcessor(pg, notice_quiet, NULL);
    if (PQstatus(pg) != CONNECTION_OK && !quiet) {
        char buf[256];
        ed_warn(NULL, "msg=\"postgresql connection failed\" err=\"%s\"",
                pg_errmsg(pg, buf, sizeof(buf)));
    }
    return pg;
}

static PGconn *pg_connect(const char *url)
{
    return pg_connect_q(url, false);
}

/* Check out a connection, waiting while all are busy. A connection found
 * bad is reset here, so a node recovers once the database is back; so is
 * one older than the last loss seen on any connection of the pool (the
 * server may have restarted under it). The caller may still get a bad one
 * (database down) and its query then fails with ED_ERR_DB. */
static struct pg_conn *conn_get(struct store_pg *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->nidle == 0)
        mx_inc(MX_DB_POOL_WAITS, 0, 0, 0);
    while (s->nidle == 0)
        pthread_cond_wait(&s->cond, &s->lock);
    struct pg_conn *c = s->idle[--s->nidle];
    pthread_mutex_unlock(&s->lock);
    mx_gauge_add(MXG_DB_POOL_IN_USE, 1);
    unsigned epoch = atomic_load(&s->epoch);
    if (!c->pg) {
        c->pg = pg_connect(s->url);
        c->epoch = epoch;
    } else if (PQstatus(c->pg) != CONNECTION_OK || c->epoch != epoch) {
        char buf[256];
        bool was_bad = PQstatus(c->pg) != CONNECTION_OK;
        PQreset(c->pg);
        c->epoch = epoch;
        if (PQstatus(c->pg) != CONNECTION_OK)
            ed_warn(NULL, "msg=\"postgresql reconnect failed\" err=\"%s\"",
                    pg_errmsg(c->pg, buf, sizeof(buf)));
        else if (was_bad)
            ed_info(NULL, "msg=\"postgresql connection restored\"");
    }
    return c;
}

static void conn_put(struct store_pg *s, struct pg_conn *c)
{
    /* never hand on a connection inside a transaction */
    if (PQstatus(c->pg) == CONNECTION_OK &&
        PQtransactionStatus(c->pg) != PQTRANS_IDLE)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    mx_gauge_add(MXG_DB_POOL_IN_USE, -1);
    pthread_mutex_lock(&s->lock);
    s->idle[s->nidle++] = c;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* --- statements ------------------------------------------------------- */

struct pg_params {
    int n;
    Oid types[PG_MAX_PARAMS];
    const char *vals[PG_MAX_PARAMS];
    int lens[PG_MAX_PARAMS];
    int fmts[PG_MAX_PARAMS];
    unsigned char i8[PG_MAX_PARAMS][8];
};

static int p_next(struct pg_params *p)
{
    if (p->n >= PG_MAX_PARAMS)
        abort(); /* a programming error: raise PG_MAX_PARAMS */
    return p->n++;
}

static void p_i64(struct pg_params *p, int64_t v)
{
    int k = p_next(p);
    uint64_t u = (uint64_t)v;
    for (int b = 7; b >= 0; b--, u >>= 8)
        p->i8[k][b] = (unsigned char)(u & 0xff);
    p->types[k] = PG_INT8_OID;
    p->vals[k] = (const char *)p->i8[k];
    p->lens[k] = 8;
    p->fmts[k] = 1;
}

/* NULL binds SQL NULL. */
static void p_text(struct pg_params *p, const char *v)
{
    int k = p_next(p);
    p->types[k] = PG_TEXT_OID;
    p->vals[k] = v;
    p->lens[k] = 0;
    p->fmts[k] = 0;
}

/* NULL data binds SQL NULL; a non-NULL empty blob binds ''::bytea. */
static void p_blob(struct pg_params *p, const void *data, size_t len)
{
    int k = p_next(p);
    p->types[k] = PG_BYTEA_OID;
    p->vals[k] = data;
    p->lens[k] = (int)len;
    p->fmts[k] = 1;
}

static void p_hash(struct pg_params *p, const uint8_t *hash)
{
    p_blob(p, hash, STORE_HASH_BYTES);
}

/* The server cannot serve us now: connection exceptions (class 08),
 * shutting down or starting up (57P01..57P03), too many connections. */
static bool state_unavailable(const char *st)
{
    return st && (strncmp(st, "08", 2) == 0 || strncmp(st, "57P", 3) == 0 ||
                  strcmp(st, "53300") == 0);
}

/* SQLSTATE → ed_err, as store_sqlite.c's rc_err: any integrity violation
 * (class 23: unique, foreign key, not null) is ED_ERR_EXISTS, lock and
 * serialization conflicts are ED_ERR_BUSY. */
static enum ed_err state_err(const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!st)
        return ED_ERR_DB;
    if (strncmp(st, "23", 2) == 0)
        return ED_ERR_EXISTS;
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 ||
        strcmp(st, "55P03") == 0)
        return ED_ERR_BUSY;
    return ED_ERR_DB;
}

/* Run one statement (results in binary). On success returns the result
 * (caller PQclears); on failure NULL with *err set. `retry` is for reads
 * outside a transaction and for the BEGIN that opens one: when the
 * connection turns out to be bad they run once more on the reset
 * connection. Inside a transaction it must be false (the reset lost it). */
static PGresult *pg_run(struct pg_conn *c, const char *sql,
                        const struct pg_params *p, bool retry, enum ed_err *err)
{
    static const struct pg_params none = {0};
    if (!p)
        p = &none;
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexecParams(c->pg, sql, p->n, p->types, p->vals,
                                     p->lens, p->fmts, 1);
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *err = ED_OK;
            return res;
        }
        if (PQstatus(c->pg) != CONNECTION_OK) {
            PQclear(res);
            /* the others may be as dead as this one (a server restart) */
            atomic_fetch_add(&c->owner->epoch, 1);
            PQreset(c->pg);
            c->epoch = atomic_load(&c->owner->epoch);
            bool back = PQstatus(c->pg) == CONNECTION_OK;
            bool again = retry && attempt == 0 && back;
            ed_warn(NULL,
                    "msg=\"postgresql connection lost\" reconnected=%s "
                    "retried=%s",
                    back ? "yes" : "no", again ? "yes" : "no");
            if (again)
                continue;
            store_note_unavailable();
            *err = ED_ERR_DB;
            return NULL;
        }
        /* the primary message only: DETAIL may quote key values */
        char buf[256];
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        *err = state_err(res);
        if (state_unavailable(state))
            store_note_unavailable();
        log_safe(msg ? msg : PQerrorMessage(c->pg), buf, sizeof(buf));
        if (*err == ED_ERR_DB)
            ed_error(NULL,
                     "msg=\"postgresql statement failed\" sqlstate=%s "
                     "err=\"%s\"",
                     state ? state : "?", buf);
        else
            ed_debug(NULL,
                     "msg=\"postgresql statement refused\" "
                     "sqlstate=%s err=\"%s\"",
                     state ? state : "?", buf);
        PQclear(res);
        return NULL;
    }
}

/* One statement on a pooled connection. */
static enum ed_err pg_query(struct store_pg *s, const char *sql,
                            const struct pg_params *p, bool read,
                            PGresult **out)
{
    enum ed_err err;
    struct pg_conn *c = conn_get(s);
    *out = pg_run(c, sql, p, read, &err);
    conn_put(s, c);
    return err;
}

/* Rows changed by an INSERT/UPDATE/DELETE. */
static bool pg_changed(PGresult *res)
{
    const char *n = PQcmdTuples(res);
    return *n && strcmp(n, "0") != 0;
}

static enum ed_err tx_begin(struct store_pg *s, struct pg_tx *tx)
{
    enum ed_err err;
    tx->s = s;
    tx->c = conn_get(s);
    /* nothing has happened yet, so BEGIN itself may be retried */
    PGresult *res = pg_run(tx->c, "BEGIN", NULL, true, &err);
    PQclear(res);
    if (err) {
        conn_put(s, tx->c);
        tx->c = NULL;
    }
    return err;
}

static enum ed_err tx_commit(struct pg_tx *tx)
{
    enum ed_err err = ED_ERR_DB;
    /* COMMIT of a failed transaction "succeeds" as a ROLLBACK, and one
     * lost with its connection cannot be committed */
    if (PQtransactionStatus(tx->c->pg) == PQTRANS_INTRANS)
        PQclear(pg_run(tx->c, "COMMIT", NULL, false, &err));
    else if (PQstatus(tx->c->pg) != CONNECTION_OK)
        store_note_unavailable();
    conn_put(tx->s, tx->c); /* rolls back if COMMIT failed */
    tx->c = NULL;
    return err;
}

static void tx_rollback(struct pg_tx *tx)
{
    if (!tx->c)
        return;
    conn_put(tx->s, tx->c);
    tx->c = NULL;
}

/* --- open, migrate, close --------------------------------------------- */

static enum ed_err exec_script(PGconn *pg, const char *sql)
{
    PGresult *res = PQexec(pg, sql);
    enum ed_err err = ED_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK &&
        PQresultStatus(res) != PGRES_TUPLES_OK) {
        char buf[256];
        ed_error(NULL, "msg=\"postgresql migration failed\" err=\"%s\"",
                 pg_errmsg(pg, buf, sizeof(buf)));
        err = ED_ERR_DB;
    }
    PQclear(res);
    return err;
}

/* Apply one migration unless recorded. The advisory lock (released at
 * COMMIT) makes nodes starting together take turns; the table is created
 * under it too, as concurrent CREATE TABLE IF NOT EXISTS can collide. */
static enum ed_err migrate_one(struct pg_conn *c, const struct ed_embed *m)
{
    enum ed_err err;
    PGresult *res = NULL;
    struct pg_params p = {0};
    bool applied;
    PQclear(pg_run(c, "BEGIN", NULL, false, &err));
    if (err)
        return err;
    PQclear(pg_run(c, "SELECT pg_advisory_xact_lock(" PG_MIGRATE_LOCK ")", NULL,
                   false, &err));
    if (err)
        goto out;
    PQclear(pg_run(c,
                   "CREATE TABLE IF NOT EXISTS schema_migrations("
                   "version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                   NULL, false, &err));
    if (err)
        goto out;
    p_text(&p, m->name);
    res = pg_run(c, "SELECT 1 FROM schema_migrations WHERE version=$1", &p,
                 false, &err);
    if (err)
        goto out;
    applied = PQntuples(res) > 0;
    if (!applied) {
        if ((err = exec_script(c->pg, (const char *)m->data)))
            goto out;
        p_i64(&p, ed_now_s());
        PQclear(pg_run(c, "INSERT INTO schema_migrations VALUES($1,$2)", &p,
                       false, &err));
        if (err)
            goto out;
    }
    PQclear(pg_run(c, "COMMIT", NULL, false, &err));
    if (!err && !applied)
        ed_info(NULL, "msg=\"migration applied\" version=%s", m->name);
out:
    PQclear(res);
    return err; /* on error, conn_put rolls back */
}

static void watch_stop(struct store_pg *s);

static void pg_close(struct store *base)
{
    struct store_pg *s = (struct store_pg *)base;
    watch_stop(s);
    for (size_t i = 0; i < s->size; i++)
        if (s->conns[i].pg)
            PQfinish(s->conns[i].pg);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s->conns);
    free(s->idle);
    free(s->url);
    free(s);
}

/* ELEMENTSD_DB_POOL: connections per process, 1..PG_POOL_MAX. */
static enum ed_err pool_size(size_t *out)
{
    const char *v = getenv("ELEMENTSD_DB_POOL");
    uint64_t n = PG_POOL_DEFAULT;
    if (v && *v && (!ed_parse_u64(v, PG_POOL_MAX, &n) || n < 1)) {
        ed_error(NULL, "msg=\"ELEMENTSD_DB_POOL must be 1..%d\"", PG_POOL_MAX);
        return ED_ERR_INVALID;
    }
    *out = (size_t)n;
    return ED_OK;
}

static enum ed_err pg_open(const char *url, struct store **out)
{
    size_t n;
    enum ed_err err;
    if (strncmp(url, "postgresql://", 13) != 0 &&
        strncmp(url, "postgres://", 11) != 0)
        return ED_ERR_INVALID;
    if ((err = pool_size(&n)))
        return err;
    struct store_pg *s = ed_calloc(1, sizeof(*s));
    s->base.ops = &store_pg_ops;
    s->url = ed_strdup(url);
    s->size = n;
    s->conns = ed_calloc(n, sizeof(*s->conns));
    s->idle = ed_calloc(n, sizeof(*s->idle));
    for (size_t i = 0; i < n; i++)
        s->conns[i].owner = s;
    atomic_init(&s->epoch, 0);
    s->wake[0] = s->wake[1] = -1;
    {
        char host[32] = "";
        gethostname(host, sizeof(host) - 1);
        snprintf(s->node_id, sizeof(s->node_id), "%.31s/%ld/%lld", host,
                 (long)getpid(), (long long)ed_now_ms());
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    /* conns[0] on top: the one connected now is the one reused first */
    for (size_t i = 0; i < n; i++)
        s->idle[s->nidle++] = &s->conns[n - 1 - i];

    struct pg_conn *c = conn_get(s);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        ed_error(NULL, "msg=\"cannot open database\" backend=postgresql");
        err = ED_ERR_DB;
    }
    for (const struct ed_embed *m = ed_pg_migrations; !err && m->name; m++)
        err = migrate_one(c, m);
    conn_put(s, c);
    if (err) {
        pg_close(&s->base);
        return err;
    }
    *out = &s->base;
    return ED_OK;
}

static enum ed_err pg_ping(struct store *base)
{
    PGresult *res;
    enum ed_err err = pg_query((struct store_pg *)base, "SELECT 1", NULL, true,
                               &res);
    PQclear(res);
    return err;
}

/* --- row helpers ------------------------------------------------------ */

/* Binary integers are big-endian, 2, 4 or 8 bytes; NULL reads as 0. */
static int64_t col_i64(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t v = 0;
    for (int i = 0; i < len && i < 8; i++)
        v = (v << 8) | p[i];
    if (len == 4)
        return (int32_t)(uint32_t)v;
    if (len == 2)
        return (int16_t)(uint16_t)v;
    return (int64_t)v;
}

static char *col_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return ed_strndup(PQgetvalue(r, row, col),
                      (size_t)PQgetlength(r, row, col));
}

/* Like store_sqlite.c: always allocated (NUL-terminated), empty for NULL. */
static void col_blob(const PGresult *r, int row, int col, struct store_blob *b)
{
    size_t n = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    b->len = n;
    b->data = ed_malloc(n + 1);
    if (n)
        memcpy(b->data, PQgetvalue(r, row, col), n);
    b->data[n] = 0;
}

#define ORG_COLS "id, name, secret_ct, created_at"
#define USER_COLS                                                              \
    "id, org_id, email, first_name, last_name, password_hash, secret_ct, "     \
    "created_at, account_id, role, disabled"

static void read_org(const PGresult *r, int row, void *out)
{
    struct store_org *o = out;
    o->id = col_i64(r, row, 0);
    o->name = col_text(r, row, 1);
    col_blob(r, row, 2, &o->secret_ct);
    o->created_at = col_i64(r, row, 3);
}

static void read_user(const PGresult *r, int row, void *out)
{
    struct store_user *u = out;
    u->id = col_i64(r, row, 0);
    u->org_id = col_i64(r, row, 1);
    u->email = col_text(r, row, 2);
    u->first_name = col_text(r, row, 3);
    u->last_name = col_text(r, row, 4);
    u->password_hash = col_text(r, row, 5);
    col_blob(r, row, 6, &u->secret_ct);
    u->created_at = col_i64(r, row, 7);
    u->account_id = col_i64(r, row, 8);
    u->role = col_text(r, row, 9);
    u->disabled = (int)col_i64(r, row, 10);
}

/* One-row SELECT read by `reader`; ED_ERR_NOT_FOUND when there is none. */
static enum ed_err select_one(struct store *base, const char *sql,
                              const struct pg_params *p,
                              void (*reader)(const PGresult *, int, void *),
                              void *out)
{
    PGresult *res;
    enum ed_err err = pg_query((struct store_pg *)base, sql, p, true, &res);
    if (err)
        return err;
    if (PQntuples(res) > 0)
        reader(res, 0, out);
    else
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err select_by_hash(struct store *base, const char *sql,
                                  const uint8_t *hash,
                                  void (*reader)(const PGresult *, int, void *),
                                  void *out)
{
    struct pg_params p = {0};
    p_hash(&p, hash);
    return select_one(base, sql, &p, reader, out);
}

static enum ed_err select_by_id(struct store *base, const char *sql, int64_t id,
                                void (*reader)(const PGresult *, int, void *),
                                void *out)
{
    struct pg_params p = {0};
    p_i64(&p, id);
    return select_one(base, sql, &p, reader, out);
}

/* --- organizations and users ----------------------------------------- */

static enum ed_err insert_user(struct pg_conn *c, struct store_user *u,
                               const uint8_t *hash)
{
    enum ed_err err;
    struct pg_params p = {0};
    if (!u->created_at)
        u->created_at = ed_now_s();
    p_i64(&p, u->org_id);
    p_text(&p, u->email);
    p_text(&p, u->first_name);
    p_text(&p, u->last_name);
    p_text(&p, u->password_hash);
    p_hash(&p, hash);
    p_blob(&p, u->secret_ct.data, u->secret_ct.len);
    p_i64(&p, u->created_at);
    if (!u->account_id)
        u->account_id = u->org_id; /* the default account */
    p_i64(&p, u->account_id);
    p_text(&p, u->role ? u->role : "org-admin");
    p_i64(&p, u->disabled);
    PGresult *res = pg_run(c,
                           "INSERT INTO users(org_id, email, first_name, "
                           "last_name, password_hash, secret_hash, secret_ct, "
                           "created_at, account_id, role, disabled) "
                           "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) "
                           "RETURNING id",
                           &p, false, &err);
    if (!err)
        u->id = col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_org_create_with_user(struct store *base,
                                           struct store_org *org,
                                           const uint8_t *org_hash,
                                           struct store_user *user,
                                           const uint8_t *user_hash)
{
    struct pg_tx tx;
    struct pg_params p = {0};
    PGresult *res = NULL;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    if (!org->created_at)
        org->created_at = ed_now_s();
    p_text(&p, org->name);
    p_hash(&p, org_hash);
    p_blob(&p, org->secret_ct.data, org->secret_ct.len);
    p_i64(&p, org->created_at);
    res = pg_run(tx.c,
                 "INSERT INTO orgs(name, secret_hash, secret_ct, created_at) "
                 "VALUES($1,$2,$3,$4) RETURNING id",
                 &p, false, &err);
    if (err)
        goto rollback;
    org->id = col_i64(res, 0, 0);
    {
        /* the default account: the organization's id */
        struct pg_params q = {0};
        p_i64(&q, org->id);
        p_text(&q, org->name);
        p_i64(&q, org->created_at);
        PQclear(pg_run(tx.c,
                       "INSERT INTO accounts(id, org_id, name, is_default, "
                       "created_at, updated_at) VALUES($1,$1,$2,1,$3,$3)",
                       &q, false, &err));
        if (err)
            goto rollback;
    }
    user->org_id = org->id;
    if ((err = insert_user(tx.c, user, user_hash)))
        goto rollback;
    err = tx_commit(&tx);
    PQclear(res);
    return err;
rollback:
    tx_rollback(&tx);
    PQclear(res);
    return err;
}

static enum ed_err pg_user_create(struct store *base, struct store_user *user,
                                  const uint8_t *user_hash)
{
    struct store_pg *s = (struct store_pg *)base;
    struct pg_params p = {0};
    enum ed_err err;
    struct pg_conn *c = conn_get(s);
    p_i64(&p, user->org_id);
    PGresult *res = pg_run(c, "SELECT 1 FROM orgs WHERE id=$1", &p, true, &err);
    if (!err && PQntuples(res) == 0)
        err = ED_ERR_NOT_FOUND;
    if (!err)
        err = insert_user(c, user, user_hash);
    PQclear(res);
    conn_put(s, c);
    return err;
}

static enum ed_err pg_org_get(struct store *s, int64_t id,
                              struct store_org *out)
{
    return select_by_id(s, "SELECT " ORG_COLS " FROM orgs WHERE id=$1", id,
                        read_org, out);
}

static enum ed_err pg_org_find_by_secret(struct store *s, const uint8_t *hash,
                                         struct store_org *out)
{
    return select_by_hash(s,
                          "SELECT " ORG_COLS " FROM orgs WHERE secret_hash=$1",
                          hash, read_org, out);
}

static enum ed_err pg_user_get(struct store *s, int64_t id,
                               struct store_user *out)
{
    return select_by_id(s, "SELECT " USER_COLS " FROM users WHERE id=$1", id,
                        read_user, out);
}

static enum ed_err pg_user_find_by_email(struct store *s, const char *email,
                                         struct store_user *out)
{
    struct pg_params p = {0};
    p_text(&p, email);
    /* lower(email) is what the unique index covers */
    return select_one(s,
                      "SELECT " USER_COLS
                      " FROM users WHERE lower(email)=lower($1)",
                      &p, read_user, out);
}

static enum ed_err pg_user_find_by_secret(struct store *s, const uint8_t *hash,
                                          struct store_user *out)
{
    return select_by_hash(s,
                          "SELECT " USER_COLS
                          " FROM users WHERE secret_hash=$1",
                          hash, read_user, out);
}

/* --- sessions --------------------------------------------------------- */

static enum ed_err pg_session_put(struct store *base, const uint8_t *hash,
                                  int64_t user_id, int64_t expires_at)
{
    struct store_pg *s = (struct store_pg *)base;
    struct pg_params p = {0}, q = {0};
    enum ed_err err, ignored;
    struct pg_conn *c = conn_get(s);
    p_hash(&p, hash);
    p_i64(&p, user_id);
    p_i64(&p, expires_at);
    PQclear(pg_run(c,
                   "INSERT INTO sessions(token_hash, user_id, expires_at) "
                   "VALUES($1,$2,$3)",
                   &p, false, &err));
    if (!err) {
        /* opportunistic cleanup of expired sessions */
        p_i64(&q, ed_now_s());
        PQclear(pg_run(c, "DELETE FROM sessions WHERE expires_at < $1", &q,
                       false, &ignored));
    }
    conn_put(s, c);
    return err;
}

struct session_row {
    int64_t user_id, expires_at;
};

static void read_session(const PGresult *r, int row, void *out)
{
    struct session_row *sr = out;
    sr->user_id = col_i64(r, row, 0);
    sr->expires_at = col_i64(r, row, 1);
}

static enum ed_err pg_session_find(struct store *s, const uint8_t *hash,
                                   int64_t now, int64_t *user_id)
{
    struct session_row r = {0, 0};
    enum ed_err err = select_by_hash(
        s, "SELECT user_id, expires_at FROM sessions WHERE token_hash=$1", hash,
        read_session, &r);
    if (err)
        return err;
    if (r.expires_at <= now)
        return ED_ERR_NOT_FOUND;
    *user_id = r.user_id;
    return ED_OK;
}

static enum ed_err pg_session_delete(struct store *base, const uint8_t *hash)
{
    struct pg_params p = {0};
    PGresult *res;
    p_hash(&p, hash);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "DELETE FROM sessions WHERE token_hash=$1", &p,
                               false, &res);
    PQclear(res);
    return err;
}

/* --- instances -------------------------------------------------------- */

#define INST_COLS                                                              \
    "id, org_id, user_id, element_key, name, tags, config, secrets_ct, "       \
    "token_ct, auth_type, external_auth, valid, disabled, invalid_reason, "    \
    "provider_meta, access_expires_at, refreshed_at, cred_version, "           \
    "created_at, updated_at, account_id, trace_logging"

static void read_instance(const PGresult *r, int row, void *out)
{
    struct store_instance *i = out;
    i->id = col_i64(r, row, 0);
    i->org_id = col_i64(r, row, 1);
    i->user_id = col_i64(r, row, 2);
    i->element_key = col_text(r, row, 3);
    i->name = col_text(r, row, 4);
    i->tags = col_text(r, row, 5);
    i->config = col_text(r, row, 6);
    col_blob(r, row, 7, &i->secrets_ct);
    col_blob(r, row, 8, &i->token_ct);
    i->auth_type = col_text(r, row, 9);
    i->external_auth = col_text(r, row, 10);
    i->valid = (int)col_i64(r, row, 11);
    i->disabled = (int)col_i64(r, row, 12);
    i->invalid_reason = col_text(r, row, 13);
    i->provider_meta = col_text(r, row, 14);
    i->access_expires_at = col_i64(r, row, 15);
    i->refreshed_at = col_i64(r, row, 16);
    i->cred_version = col_i64(r, row, 17);
    i->created_at = col_i64(r, row, 18);
    i->updated_at = col_i64(r, row, 19);
    i->account_id = col_i64(r, row, 20);
    i->trace_logging = (int)col_i64(r, row, 21);
}

static enum ed_err pg_instance_create(struct store *base,
                                      struct store_instance *in,
                                      const uint8_t *token_hash)
{
    struct pg_params p = {0};
    PGresult *res;
    in->created_at = in->updated_at = ed_now_s();
    in->cred_version = 1;
    p_i64(&p, in->org_id);
    p_i64(&p, in->user_id);
    p_text(&p, in->element_key);
    p_text(&p, in->name);
    p_text(&p, in->tags ? in->tags : "[]");
    p_text(&p, in->config ? in->config : "{}");
    p_blob(&p, in->secrets_ct.data, in->secrets_ct.len);
    p_hash(&p, token_hash);
    p_blob(&p, in->token_ct.data, in->token_ct.len);
    p_text(&p, in->auth_type);
    p_text(&p, in->external_auth ? in->external_auth : "none");
    p_i64(&p, in->valid);
    p_i64(&p, in->disabled);
    p_text(&p, in->invalid_reason);
    p_text(&p, in->provider_meta ? in->provider_meta : "{}");
    p_i64(&p, in->access_expires_at);
    p_i64(&p, in->refreshed_at);
    p_i64(&p, in->created_at);
    p_i64(&p, in->updated_at);
    p_i64(&p, in->account_id);
    p_i64(&p, in->trace_logging);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO instances(org_id, user_id, element_key, name, tags, "
        "config, secrets_ct, token_hash, token_ct, auth_type, external_auth, "
        "valid, disabled, invalid_reason, provider_meta, access_expires_at, "
        "refreshed_at, cred_version, created_at, updated_at, account_id, "
        "trace_logging) "
        "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,1,"
        "$18,$19,coalesce(nullif($20, 0), (SELECT account_id FROM users "
        "WHERE id=$2), $1), $21) RETURNING id",
        &p, false, &res);
    if (!err)
        in->id = col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_instance_get(struct store *base, int64_t org_id,
                                   int64_t id, struct store_instance *out)
{
    struct pg_params p = {0};
    p_i64(&p, id);
    p_i64(&p, org_id);
    return select_one(base,
                      "SELECT " INST_COLS " FROM instances WHERE id=$1 AND "
                      "($2=0 OR org_id=$2)",
                      &p, read_instance, out);
}

static enum ed_err pg_instance_find_by_token(struct store *s,
                                             const uint8_t *hash,
                                             struct store_instance *out)
{
    return select_by_hash(s,
                          "SELECT " INST_COLS
                          " FROM instances WHERE token_hash=$1",
                          hash, read_instance, out);
}

static enum ed_err pg_instance_list(struct store *base, int64_t org_id,
                                    const char *element_key,
                                    struct store_instance **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    p_text(&p, element_key);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " INST_COLS " FROM instances WHERE "
                               "org_id=$1 AND ($2 IS NULL OR element_key=$2) "
                               "ORDER BY id",
                               &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    struct store_instance *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++)
        read_instance(res, (int)r, &list[r]);
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err pg_instance_update(struct store *base,
                                      const struct store_instance *in,
                                      unsigned fields)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[256];
    char set[200] = "";
    size_t k = 0;
    /* only the columns of the mask, numbered in the order bound */
#define SET_COL(bit, col, bind)                                                \
    if (fields & (bit)) {                                                      \
        bind;                                                                  \
        k += (size_t)snprintf(set + k, sizeof(set) - k, col "=$%d, ", p.n);    \
    }
    SET_COL(STORE_INST_NAME, "name", p_text(&p, in->name))
    SET_COL(STORE_INST_TAGS, "tags", p_text(&p, in->tags))
    SET_COL(STORE_INST_CONFIG, "config", p_text(&p, in->config))
    SET_COL(STORE_INST_VALID, "valid", p_i64(&p, in->valid))
    SET_COL(STORE_INST_VALID, "invalid_reason", p_text(&p, in->invalid_reason))
    SET_COL(STORE_INST_DISABLED, "disabled", p_i64(&p, in->disabled))
    SET_COL(STORE_INST_TRACE, "trace_logging", p_i64(&p, in->trace_logging))
#undef SET_COL
    p_i64(&p, ed_now_s());
    p_i64(&p, in->id);
    snprintf(sql, sizeof(sql),
             "UPDATE instances SET %supdated_at=$%d WHERE id=$%d", set, p.n - 1,
             p.n);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

/* The compare-and-swap on cred_version, inside a transaction on c: the
 * transaction commits synchronously even where the server defaults to
 * asynchronous commit, as a rotated refresh token must survive a crash.
 * ED_ERR_BUSY when the version moved. The caller commits. */
static enum ed_err put_credentials_on(struct pg_conn *c,
                                      const struct store_instance *in)
{
    struct pg_params p = {0};
    PGresult *res;
    enum ed_err err;
    PQclear(pg_run(c, "SET LOCAL synchronous_commit TO on", NULL, false, &err));
    if (err)
        return err;
    p_blob(&p, in->secrets_ct.data, in->secrets_ct.len);
    p_text(&p, in->provider_meta ? in->provider_meta : "{}");
    p_i64(&p, in->access_expires_at);
    p_i64(&p, in->refreshed_at);
    p_i64(&p, in->valid);
    p_text(&p, in->invalid_reason);
    p_text(&p, in->external_auth ? in->external_auth : "none");
    p_text(&p, in->auth_type);
    p_i64(&p, ed_now_s());
    p_i64(&p, in->id);
    p_i64(&p, in->cred_version);
    res = pg_run(c,
                 "UPDATE instances SET secrets_ct=$1, provider_meta=$2, "
                 "access_expires_at=$3, refreshed_at=$4, valid=$5, "
                 "invalid_reason=$6, external_auth=$7, auth_type=$8, "
                 "cred_version=cred_version+1, updated_at=$9 "
                 "WHERE id=$10 AND cred_version=$11",
                 &p, false, &err);
    if (!err && !pg_changed(res))
        err = ED_ERR_BUSY;
    PQclear(res);
    return err;
}

static enum ed_err pg_instance_put_credentials(struct store *base,
                                               struct store_instance *in)
{
    struct pg_tx tx;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    if ((err = put_credentials_on(tx.c, in))) {
        tx_rollback(&tx);
        return err;
    }
    if ((err = tx_commit(&tx)) == ED_OK)
        in->cred_version++;
    return err;
}

#define SET_VALID_SQL                                                          \
    "UPDATE instances SET valid=$1, invalid_reason=$2, updated_at=$3 "         \
    "WHERE id=$4"

static void set_valid_params(struct pg_params *p, int64_t id, int valid,
                             const char *reason)
{
    p_i64(p, valid);
    p_text(p, reason);
    p_i64(p, ed_now_s());
    p_i64(p, id);
}

static enum ed_err pg_instance_set_valid(struct store *base, int64_t id,
                                         int valid, const char *reason)
{
    struct pg_params p = {0};
    PGresult *res;
    set_valid_params(&p, id, valid, reason);
    enum ed_err err = pg_query((struct store_pg *)base, SET_VALID_SQL, &p,
                               false, &res);
    PQclear(res);
    return err;
}

static enum ed_err pg_instance_delete(struct store *base, int64_t org_id,
                                      int64_t id)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, org_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "DELETE FROM instances WHERE id=$1 AND "
                               "org_id=$2",
                               &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_instance_due(struct store *base, int64_t refreshed_before,
                                   int64_t expires_before, int64_t *ids,
                                   size_t max, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    size_t k = 0;
    p_i64(&p, refreshed_before);
    p_i64(&p, expires_before);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT id FROM instances WHERE auth_type IN ('oauth2','oauth2_legacy')"
        " AND valid=1 AND disabled=0 AND (refreshed_at < $1 OR "
        "(access_expires_at > 0 AND access_expires_at < $2)) "
        "ORDER BY refreshed_at LIMIT $3",
        &p, true, &res);
    if (!err)
        for (int r = 0; r < PQntuples(res) && k < max; r++)
            ids[k++] = col_i64(res, r, 0);
    PQclear(res);
    *n = k;
    return err;
}

/* --- refresh claims ------------------------------------------------------
 * A transaction holding a transaction-level advisory lock on the instance
 * (store.h). The lock is PostgreSQL's own: released by COMMIT, ROLLBACK or
 * the end of the session, never by a timer, so no holder writes after
 * losing it (its COMMIT fails instead). A claim on another node waits in
 * pg_advisory_xact_lock and then reads the row as the holder left it (READ
 * COMMITTED: each statement sees what was committed before it began).
 * An advisory lock rather than SELECT ... FOR UPDATE so that a PATCH or
 * DELETE of the instance does not wait for a HubSpot call: other writers
 * go through at once, and the compare-and-swap on cred_version at put
 * sorts them out, exactly as with SQLite. The two-key form keeps these
 * locks apart from the migration lock (one bigint key); ids past 2^32 wrap
 * around, which can only make two instances share a lock. */

#define PG_CLAIM_CLASS "1701073481" /* "edRI" */

struct pg_refresh {
    struct store_refresh base;
    struct pg_tx tx;
};

static enum ed_err read_claimed(struct pg_conn *c, int64_t id,
                                struct store_instance *out)
{
    struct pg_params p = {0};
    enum ed_err err;
    p_i64(&p, id);
    PGresult *res = pg_run(c, "SELECT " INST_COLS " FROM instances WHERE id=$1",
                           &p, false, &err);
    if (!err && PQntuples(res) == 0)
        err = ED_ERR_NOT_FOUND;
    if (!err)
        read_instance(res, 0, out);
    PQclear(res);
    return err;
}

static enum ed_err lock_claim(struct pg_conn *c, int64_t id, bool nowait)
{
    struct pg_params p = {0};
    enum ed_err err;
    p_i64(&p, id);
    PGresult *res = pg_run(
        c,
        nowait ? "SELECT pg_try_advisory_xact_lock(" PG_CLAIM_CLASS
                 ", ($1 & 4294967295)::bit(32)::int4)::int4"
               : "SELECT pg_advisory_xact_lock(" PG_CLAIM_CLASS
                 ", ($1 & 4294967295)::bit(32)::int4)",
        &p, false, &err);
    if (!err && nowait && col_i64(res, 0, 0) == 0)
        err = ED_ERR_BUSY;
    PQclear(res);
    return err;
}

static enum ed_err pg_refresh_begin(struct store *base, int64_t id, bool nowait,
                                    struct store_instance *out,
                                    struct store_refresh **rfo)
{
    struct pg_refresh *rf = ed_calloc(1, sizeof(*rf));
    enum ed_err err = tx_begin((struct store_pg *)base, &rf->tx);
    if (!err && ((err = lock_claim(rf->tx.c, id, nowait)) ||
                 (err = read_claimed(rf->tx.c, id, out))))
        tx_rollback(&rf->tx);
    if (err) {
        free(rf);
        return err;
    }
    *rfo = &rf->base;
    return ED_OK;
}

static enum ed_err pg_refresh_read(struct store_refresh *base,
                                   struct store_instance *out)
{
    struct pg_refresh *rf = (struct pg_refresh *)base;
    return read_claimed(rf->tx.c, base->id, out);
}

static enum ed_err pg_refresh_put(struct store_refresh *base,
                                  struct store_instance *in)
{
    struct pg_refresh *rf = (struct pg_refresh *)base;
    /* BUSY (no row matched: not an error) leaves the transaction usable */
    enum ed_err err = put_credentials_on(rf->tx.c, in);
    if (err == ED_OK)
        in->cred_version++;
    return err;
}

static enum ed_err pg_refresh_set_valid(struct store_refresh *base, int valid,
                                        const char *reason)
{
    struct pg_refresh *rf = (struct pg_refresh *)base;
    struct pg_params p = {0};
    enum ed_err err;
    set_valid_params(&p, base->id, valid, reason);
    PQclear(pg_run(rf->tx.c, SET_VALID_SQL, &p, false, &err));
    return err;
}

static enum ed_err pg_refresh_end(struct store_refresh *base, bool commit)
{
    struct pg_refresh *rf = (struct pg_refresh *)base;
    enum ed_err err = ED_OK;
    if (commit)
        err = tx_commit(&rf->tx);
    else
        tx_rollback(&rf->tx);
    free(rf);
    return err;
}

/* --- announcing changes, and watching for the other nodes' --------------- */

static void pg_publish(struct store *base)
{
    struct store_pg *s = (struct store_pg *)base;
    struct pg_params p = {0};
    PGresult *res;
    p_text(&p, s->node_id);
    /* a lost announcement leaves the other nodes on their cache TTL */
    pg_query(s, "SELECT pg_notify('" PG_CHANNEL "', $1)", &p, true, &res);
    PQclear(res);
}

static void pg_vdr_publish(struct store *base, int64_t org_id)
{
    struct store_pg *s = (struct store_pg *)base;
    struct pg_params p = {0};
    PGresult *res;
    char payload[100];
    snprintf(payload, sizeof(payload), "%lld %s", (long long)org_id,
             s->node_id);
    p_text(&p, payload);
    /* a lost announcement leaves the other nodes' snapshot until the next
     * write of that organization or a lost change feed */
    pg_query(s, "SELECT pg_notify('" PG_VDR_CHANNEL "', $1)", &p, true, &res);
    PQclear(res);
}

/* A virtual-resource announcement: the other node's organization, or -1
 * for our own. */
static int64_t vdr_note(const struct store_pg *s, const char *extra)
{
    uint64_t org = 0;
    const char *sp = extra ? strchr(extra, ' ') : NULL;
    char num[24];
    if (!sp || (size_t)(sp - extra) >= sizeof(num))
        return 0;
    memcpy(num, extra, (size_t)(sp - extra));
    num[sp - extra] = 0;
    if (strcmp(sp + 1, s->node_id) == 0)
        return -1;
    return ed_parse_u64(num, INT64_MAX, &org) ? (int64_t)org : 0;
}

/* Wait up to ms for the wake pipe; true when asked to stop. */
static bool watch_sleep(struct store_pg *s, int ms)
{
    struct pollfd pf = {.fd = s->wake[0], .events = POLLIN};
    return poll(&pf, 1, ms) > 0;
}

static PGconn *watch_connect(struct store_pg *s, bool quiet)
{
    PGconn *pg = pg_connect_q(s->url, quiet);
    if (PQstatus(pg) == CONNECTION_OK) {
        PGresult *res = PQexec(pg,
                               "LISTEN " PG_CHANNEL "; LISTEN " PG_VDR_CHANNEL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (ok)
            return pg;
    }
    PQfinish(pg);
    return NULL;
}

static void *watch_main(void *arg)
{
    struct store_pg *s = arg;
    PGconn *pg = NULL;
    bool lost = false; /* logged the loss, not yet the return */
    for (;;) {
        if (!pg) {
            if ((pg = watch_connect(s, lost))) {
                /* whatever changed while nobody listened */
                store_instances_changed(&s->base);
                store_vdr_changed(&s->base, 0);
                if (lost)
                    ed_info(NULL, "msg=\"postgresql change feed restored\"");
                lost = false;
                continue;
            }
            if (!lost)
                ed_warn(NULL, "msg=\"postgresql change feed unavailable; "
                              "caches fall back on their TTL\"");
            lost = true; /* retried quietly */
            if (watch_sleep(s, PG_WATCH_RETRY_MS))
                break;
            continue;
        }
        struct pollfd pf[2] = {{.fd = s->wake[0], .events = POLLIN},
                               {.fd = PQsocket(pg), .events = POLLIN}};
        if (poll(pf, 2, -1) < 0)
            continue; /* EINTR */
        if (pf[0].revents)
            break;
        bool other = false;
        if (!PQconsumeInput(pg) || PQstatus(pg) != CONNECTION_OK) {
            char buf[256];
            ed_warn(NULL,
                    "msg=\"postgresql change feed lost; caches fall back "
                    "on their TTL\" err=\"%s\"",
                    pg_errmsg(pg, buf, sizeof(buf)));
            PQfinish(pg);
            pg = NULL;
            lost = true;
            other = true; /* announcements may be lost from now on */
        } else {
            PGnotify *n;
            while ((n = PQnotifies(pg))) {
                if (strcmp(n->relname, PG_VDR_CHANNEL) == 0) {
                    int64_t org = vdr_note(s, n->extra);
                    if (org >= 0)
                        store_vdr_changed(&s->base, org);
                } else if (!n->extra || strcmp(n->extra, s->node_id) != 0) {
                    other = true;
                }
                PQfreemem(n);
            }
        }
        if (other)
            store_instances_changed(&s->base);
        if (!pg) /* lost: virtual-resource changes may be missed too */
            store_vdr_changed(&s->base, 0);
    }
    if (pg)
        PQfinish(pg);
    return NULL;
}

static void pg_watch_start(struct store *base)
{
    struct store_pg *s = (struct store_pg *)base;
    if (s->watching || pipe(s->wake) != 0)
        return;
    if (pthread_create(&s->watch, NULL, watch_main, s) != 0) {
        close(s->wake[0]);
        close(s->wake[1]);
        s->wake[0] = s->wake[1] = -1;
        return;
    }
    s->watching = true;
}

static void watch_stop(struct store_pg *s)
{
    if (s->watching) {
        char b = 1;
        if (write(s->wake[1], &b, 1) != 1)
            abort(); /* a pipe of our own: cannot fail */
        pthread_join(s->watch, NULL);
        s->watching = false;
    }
    if (s->wake[0] >= 0) {
        close(s->wake[0]);
        close(s->wake[1]);
        s->wake[0] = s->wake[1] = -1;
    }
}

static void pg_watch_stop(struct store *base)
{
    watch_stop((struct store_pg *)base);
}

/* --- events outbox (eva) ------------------------------------------------ */

#define DELIVERY_COLS                                                          \
    "id, event_id, org_id, instance_id, element_key, source, body, url, "      \
    "status, attempts, next_at, claim, last_status, last_error, created_at, "  \
    "delivered_at"

static void read_delivery(const PGresult *r, int row, void *out)
{
    struct store_delivery *d = out;
    d->id = col_i64(r, row, 0);
    d->event_id = col_text(r, row, 1);
    d->org_id = col_i64(r, row, 2);
    d->instance_id = col_i64(r, row, 3);
    d->element_key = col_text(r, row, 4);
    d->source = col_text(r, row, 5);
    d->body = col_text(r, row, 6);
    d->url = col_text(r, row, 7);
    d->status = col_text(r, row, 8);
    d->attempts = col_i64(r, row, 9);
    d->next_at = col_i64(r, row, 10);
    d->claim = col_i64(r, row, 11);
    d->last_status = col_i64(r, row, 12);
    d->last_error = col_text(r, row, 13);
    d->created_at = col_i64(r, row, 14);
    d->delivered_at = col_i64(r, row, 15);
}

static void read_deliveries(PGresult *res, struct store_delivery **out,
                            size_t *n)
{
    size_t k = (size_t)PQntuples(res);
    struct store_delivery *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++)
        read_delivery(res, (int)r, &list[r]);
    *out = list;
    *n = k;
}

static enum ed_err pg_delivery_add(struct store *base,
                                   struct store_delivery *rows, size_t n)
{
    struct pg_tx tx;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        struct store_delivery *d = &rows[i];
        struct pg_params p = {0};
        p_text(&p, d->event_id);
        p_i64(&p, d->org_id);
        p_i64(&p, d->instance_id);
        p_text(&p, d->element_key);
        p_text(&p, d->source);
        p_text(&p, d->body);
        p_text(&p, d->url);
        p_text(&p, d->status ? d->status : "pending");
        p_i64(&p, d->created_at);
        PGresult *res = pg_run(
            tx.c,
            "INSERT INTO event_deliveries(event_id, org_id, instance_id, "
            "element_key, source, body, url, status, next_at, created_at) "
            "VALUES($1,$2,$3,$4,$5,$6,$7,CASE WHEN EXISTS(SELECT 1 FROM "
            "event_deliveries WHERE instance_id=$3 AND status='queued') THEN "
            "'queued' ELSE $8 END,$9,$9) RETURNING id",
            &p, false, &err);
        if (!err)
            d->id = col_i64(res, 0, 0);
        PQclear(res);
    }
    if (err) {
        tx_rollback(&tx);
        return err;
    }
    return tx_commit(&tx);
}

static enum ed_err pg_delivery_claim(struct store *base, int64_t now,
                                     int64_t lease_ms, size_t max,
                                     const char *skip,
                                     struct store_delivery **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    char *arr = ed_asprintf("{%s}", skip);
    p_i64(&p, now);
    p_i64(&p, now + lease_ms);
    p_i64(&p, (int64_t)max);
    p_text(&p, arr);
    /* SKIP LOCKED: nodes claiming at the same moment take different rows
     * instead of waiting for each other */
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE event_deliveries SET lease_until=$2, claim=claim+1 WHERE id "
        "IN (SELECT id FROM event_deliveries WHERE status IN "
        "('pending','retry') AND next_at<=$1 AND lease_until<=$1 AND NOT "
        "(instance_id = ANY($4::bigint[])) ORDER BY next_at, id LIMIT $3 FOR "
        "UPDATE SKIP LOCKED) RETURNING " DELIVERY_COLS,
        &p, false, &res);
    free(arr);
    if (err)
        return err;
    read_deliveries(res, out, n);
    PQclear(res);
    return ED_OK;
}

static enum ed_err pg_delivery_finish(struct store *base,
                                      const struct store_delivery *rows,
                                      size_t n, size_t *written)
{
    struct pg_tx tx;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        const struct store_delivery *d = &rows[i];
        struct pg_params p = {0};
        p_i64(&p, d->id);
        p_i64(&p, d->claim);
        p_text(&p, d->status);
        p_i64(&p, d->attempts);
        p_i64(&p, d->next_at);
        p_text(&p, d->url);
        p_i64(&p, d->last_status);
        p_text(&p, d->last_error);
        p_i64(&p, d->delivered_at);
        PGresult *res = pg_run(
            tx.c,
            "UPDATE event_deliveries SET status=$3, attempts=$4, "
            "next_at=$5, url=$6, last_status=$7, last_error=$8, "
            "delivered_at=$9, lease_until=0 WHERE id=$1 AND claim=$2",
            &p, false, &err);
        if (!err && pg_changed(res))
            (*written)++;
        PQclear(res);
    }
    if (err) {
        *written = 0;
        tx_rollback(&tx);
        return err;
    }
    err = tx_commit(&tx);
    if (err)
        *written = 0;
    return err;
}

static enum ed_err pg_delivery_list(struct store *base, int64_t org_id,
                                    int64_t instance_id, const char *status,
                                    const char *url, int64_t before_id,
                                    size_t max, struct store_delivery **out,
                                    size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    p_i64(&p, instance_id);
    p_text(&p, status);
    p_text(&p, url);
    p_i64(&p, before_id);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT " DELIVERY_COLS " FROM event_deliveries WHERE org_id=$1 AND "
        "($2=0 OR instance_id=$2) AND ($3::text IS NULL OR status=$3) AND "
        "($4::text IS NULL OR url=$4) AND ($5=0 OR id<$5) ORDER BY id DESC "
        "LIMIT $6",
        &p, true, &res);
    if (err)
        return err;
    read_deliveries(res, out, n);
    PQclear(res);
    return ED_OK;
}

static enum ed_err pg_delivery_requeue(struct store *base, int64_t org_id,
                                       int64_t instance_id, const char *url,
                                       int64_t now, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    p_i64(&p, instance_id);
    p_text(&p, url);
    p_i64(&p, now);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE event_deliveries SET status='pending', attempts=0, "
        "next_at=$4, lease_until=0 WHERE org_id=$1 AND status='queued' AND "
        "($2=0 OR instance_id=$2) AND ($3::text IS NULL OR url=$3)",
        &p, false, &res);
    if (err)
        return err;
    const char *k = PQcmdTuples(res);
    uint64_t v = 0;
    for (; k && *k >= '0' && *k <= '9'; k++)
        v = v * 10 + (uint64_t)(*k - '0');
    *n = (size_t)v;
    PQclear(res);
    return ED_OK;
}

/* --- events: the poller (evc) -------------------------------------------- */

#define PG_POLL_COLS                                                           \
    "instance_id, resource, interval_ms, due_ms, watermark_ms, seen"

static void pg_poll_rows(PGresult *res, struct store_poll **out, size_t *n)
{
    int rows = PQntuples(res);
    struct store_poll *list = NULL;
    if (rows > 0)
        list = ed_calloc((size_t)rows, sizeof(*list));
    for (int r = 0; r < rows; r++) {
        list[r].instance_id = col_i64(res, r, 0);
        list[r].resource = col_text(res, r, 1);
        list[r].interval_ms = col_i64(res, r, 2);
        list[r].due_ms = col_i64(res, r, 3);
        list[r].watermark_ms = col_i64(res, r, 4);
        list[r].seen = col_text(res, r, 5);
    }
    *out = list;
    *n = (size_t)(rows > 0 ? rows : 0);
}

static enum ed_err pg_poll_candidates(struct store *base, int64_t after_id,
                                      int64_t *ids, size_t max, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    size_t k = 0;
    p_i64(&p, after_id);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT id FROM instances WHERE id > $1 AND valid=1 AND disabled=0 "
        "AND config LIKE '%event.notification.enabled%' ORDER BY id LIMIT $2",
        &p, true, &res);
    if (!err)
        for (int r = 0; r < PQntuples(res) && k < max; r++)
            ids[k++] = col_i64(res, r, 0);
    PQclear(res);
    *n = k;
    return err;
}

static enum ed_err pg_poll_list(struct store *base, int64_t instance_id,
                                struct store_poll **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, instance_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " PG_POLL_COLS " FROM event_polls "
                               "WHERE instance_id=$1 ORDER BY resource",
                               &p, true, &res);
    if (!err)
        pg_poll_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_poll_schedule(struct store *base,
                                    const struct store_poll *sp)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, sp->instance_id);
    p_text(&p, sp->resource);
    p_i64(&p, sp->interval_ms);
    p_i64(&p, sp->due_ms);
    p_i64(&p, sp->watermark_ms);
    p_text(&p, sp->seen ? sp->seen : "{}");
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO event_polls (" PG_POLL_COLS ") VALUES ($1,$2,$3,$4,$5,$6)"
        " ON CONFLICT (instance_id, resource) DO UPDATE SET "
        "interval_ms=EXCLUDED.interval_ms, due_ms=EXCLUDED.due_ms "
        "WHERE event_polls.interval_ms <> EXCLUDED.interval_ms",
        &p, false, &res);
    PQclear(res);
    if (err == ED_ERR_EXISTS) /* the instance is gone (foreign key) */
        err = ED_ERR_NOT_FOUND;
    return err;
}

static enum ed_err pg_poll_delete(struct store *base, int64_t instance_id,
                                  const char *resource)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, instance_id);
    p_text(&p, resource);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "DELETE FROM event_polls WHERE instance_id=$1 "
                               "AND ($2::text IS NULL OR resource=$2)",
                               &p, false, &res);
    PQclear(res);
    return err;
}

static enum ed_err pg_poll_claim(struct store *base, int64_t now_ms,
                                 int64_t lease_until_ms, const char *owner,
                                 size_t max, struct store_poll **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, lease_until_ms);
    p_text(&p, owner);
    p_i64(&p, now_ms);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE event_polls SET lease_until_ms=$1, lease_owner=$2 WHERE "
        "(instance_id, resource) IN (SELECT instance_id, resource FROM "
        "event_polls WHERE due_ms <= $3 AND lease_until_ms < $3 ORDER BY "
        "due_ms LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING " PG_POLL_COLS,
        &p, false, &res);
    if (!err)
        pg_poll_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_poll_finish(struct store *base,
                                  const struct store_poll *sp,
                                  const char *owner)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, sp->due_ms);
    p_i64(&p, sp->watermark_ms);
    p_text(&p, sp->seen ? sp->seen : "{}");
    p_i64(&p, sp->instance_id);
    p_text(&p, sp->resource);
    p_text(&p, owner);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE event_polls SET due_ms=$1, watermark_ms=$2, seen=$3, "
        "lease_until_ms=0, lease_owner='' WHERE instance_id=$4 AND "
        "resource=$5 AND lease_owner=$6",
        &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

/* --- events: webhook ingress (evb) ----------------------------------------- */

static enum ed_err pg_inbox_put(struct store *base, const char *element_key,
                                const char *body, size_t len, int64_t now,
                                int64_t *id)
{
    struct pg_params p = {0};
    PGresult *res;
    char *text = ed_strndup(body, len);
    p_text(&p, element_key);
    p_text(&p, text);
    p_i64(&p, now);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "INSERT INTO events_inbox(element_key, body, "
                               "received_at) VALUES($1,$2,$3) RETURNING id",
                               &p, false, &res);
    if (!err)
        *id = col_i64(res, 0, 0);
    PQclear(res);
    free(text);
    return err;
}

static enum ed_err pg_inbox_claim(struct store *base, int64_t id, int64_t now,
                                  int64_t lease, int64_t received_before,
                                  size_t max, struct store_inbox **rows,
                                  size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, now);
    p_i64(&p, lease);
    p_i64(&p, received_before);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE events_inbox SET claimed_until=$2+$3, attempts=attempts+1 "
        "WHERE id IN (SELECT id FROM events_inbox WHERE processed_at IS NULL "
        "AND claimed_until<=$2 AND received_at<=$4 AND ($1=0 OR id=$1) "
        "ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) "
        "RETURNING id, element_key, body, received_at, attempts",
        &p, false, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    if (k > max)
        k = max;
    struct store_inbox *out = ed_calloc(k ? k : 1, sizeof(*out));
    for (size_t r = 0; r < k; r++) {
        out[r].id = col_i64(res, (int)r, 0);
        out[r].element_key = col_text(res, (int)r, 1);
        out[r].body = col_text(res, (int)r, 2);
        out[r].received_at = col_i64(res, (int)r, 3);
        out[r].attempts = (int)col_i64(res, (int)r, 4);
    }
    PQclear(res);
    /* RETURNING follows no ORDER BY: oldest first, as documented */
    for (size_t a = 1; a < k; a++)
        for (size_t b = a; b > 0 && out[b - 1].id > out[b].id; b--) {
            struct store_inbox t = out[b];
            out[b] = out[b - 1];
            out[b - 1] = t;
        }
    *rows = out;
    *n = k;
    return ED_OK;
}

static enum ed_err pg_inbox_done(struct store *base, const int64_t *ids,
                                 size_t n, int64_t now)
{
    struct pg_params p = {0};
    PGresult *res;
    char *list = store_ids_json(ids, n);
    p_text(&p, list);
    p_i64(&p, now);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE events_inbox SET processed_at=$2, last_error=NULL WHERE id IN "
        "(SELECT jsonb_array_elements_text($1::jsonb)::bigint)",
        &p, false, &res);
    PQclear(res);
    free(list);
    return err;
}

static enum ed_err pg_inbox_retry(struct store *base, int64_t id,
                                  int64_t retry_at, const char *why)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, retry_at);
    p_text(&p, why);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "UPDATE events_inbox SET claimed_until=$2, "
                               "last_error=$3 WHERE id=$1 AND processed_at IS "
                               "NULL",
                               &p, false, &res);
    PQclear(res);
    return err;
}

static enum ed_err pg_inbox_purge(struct store *base, int64_t before, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    uint64_t v = 0;
    p_i64(&p, before);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "DELETE FROM events_inbox WHERE processed_at "
                               "IS NOT NULL AND processed_at<$1",
                               &p, false, &res);
    if (!err && *PQcmdTuples(res))
        ed_parse_u64(PQcmdTuples(res), UINT64_MAX, &v);
    PQclear(res);
    *n = (size_t)v;
    return err;
}

static enum ed_err pg_instance_find_by_app(struct store *base, int64_t app_id,
                                           int64_t portal_id,
                                           int64_t prefer_portal, size_t max,
                                           struct store_instance **out,
                                           size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, app_id);
    p_i64(&p, portal_id);
    p_i64(&p, prefer_portal);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT " INST_COLS " FROM instances WHERE app_id=$1 AND "
        "($2=0 OR portal_id=$2) ORDER BY (portal_id IS NOT DISTINCT FROM $3) "
        "DESC, id DESC LIMIT $4",
        &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    if (k > max)
        k = max;
    struct store_instance *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++)
        read_instance(res, (int)r, &list[r]);
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

/* --- virtual resources (issue 12) ------------------------------------------
 * Parameters, the same in every statement (typed, so an unused one is
 * fine): $1 org_id, $2 level, $3 owner_id, $4 element_key
 * (transformations), $5 name, $6 doc, $7 now. */

#define PG_VDR_COLS                                                            \
    "id, org_id, level, owner_id, element_key, name, doc, created_at, "        \
    "updated_at"

static const char *pg_vdr_table(enum store_vdr_kind kind)
{
    return kind == STORE_VDR_TF ? "vdr_transformations" : "vdr_definitions";
}

static const char *pg_vdr_cols(enum store_vdr_kind kind)
{
    return kind == STORE_VDR_TF
               ? PG_VDR_COLS
               : "id, org_id, level, owner_id, NULL::text, name, doc, "
                 "created_at, updated_at";
}

static void pg_vdr_params(struct pg_params *p, int64_t org_id,
                          const char *level, int64_t owner_id,
                          const char *element_key, const char *name,
                          const char *doc, int64_t now)
{
    p_i64(p, org_id);
    p_text(p, level);
    p_i64(p, owner_id);
    p_text(p, element_key);
    p_text(p, name);
    p_text(p, doc);
    p_i64(p, now);
}

static void pg_vdr_read(const PGresult *r, int row, int first,
                        struct store_vdr_doc *d)
{
    d->id = col_i64(r, row, first);
    d->org_id = col_i64(r, row, first + 1);
    d->level = col_text(r, row, first + 2);
    d->owner_id = col_i64(r, row, first + 3);
    d->element_key = col_text(r, row, first + 4);
    d->name = col_text(r, row, first + 5);
    d->doc = col_text(r, row, first + 6);
    d->created_at = col_i64(r, row, first + 7);
    d->updated_at = col_i64(r, row, first + 8);
}

static void pg_vdr_rows(const PGresult *res, int first, bool with_kind,
                        enum store_vdr_kind kind, struct store_vdr_doc **out,
                        size_t *n)
{
    int rows = PQntuples(res);
    struct store_vdr_doc *list = ed_calloc(rows ? (size_t)rows : 1,
                                           sizeof(*list));
    for (int r = 0; r < rows; r++) {
        list[r].kind = with_kind ? (enum store_vdr_kind)col_i64(res, r, 0)
                                 : kind;
        pg_vdr_read(res, r, first, &list[r]);
    }
    *out = list;
    *n = (size_t)rows;
}

static enum ed_err pg_vdr_put(struct store *base, enum store_vdr_kind kind,
                              enum store_vdr_mode mode,
                              struct store_vdr_doc *docs, size_t n,
                              size_t max_per_owner, size_t *failed)
{
    struct pg_tx tx;
    char sql[512];
    const char *t = pg_vdr_table(kind);
    bool tf = kind == STORE_VDR_TF;
    int64_t now = ed_now_s();
    size_t i = 0;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    if (mode == STORE_VDR_REPLACE)
        snprintf(sql, sizeof(sql),
                 "UPDATE %s SET doc=$6, updated_at=$7 WHERE org_id=$1 AND "
                 "level=$2 AND owner_id=$3%s AND name=$5 "
                 "RETURNING id, created_at",
                 t, tf ? " AND element_key=$4" : "");
    else
        snprintf(sql, sizeof(sql),
                 "INSERT INTO %s(org_id, level, owner_id, %sname, doc, "
                 "created_at, updated_at) VALUES($1, $2, $3, %s$5, $6, $7, $7) "
                 "%s%s%s RETURNING id, created_at",
                 t, tf ? "element_key, " : "", tf ? "$4, " : "",
                 mode == STORE_VDR_UPSERT
                     ? "ON CONFLICT (org_id, level, owner_id, "
                     : "",
                 mode == STORE_VDR_UPSERT ? (tf ? "element_key, " : "") : "",
                 mode == STORE_VDR_UPSERT
                     ? "name) DO UPDATE SET doc=excluded.doc, "
                       "updated_at=excluded.updated_at"
                     : "");
    for (i = 0; i < n; i++) {
        struct store_vdr_doc *d = &docs[i];
        struct pg_params p = {0};
        pg_vdr_params(&p, d->org_id, d->level, d->owner_id,
                      tf ? d->element_key : NULL, d->name, d->doc, now);
        PGresult *res = pg_run(tx.c, sql, &p, false, &err);
        if (!err && PQntuples(res) == 0)
            err = ED_ERR_NOT_FOUND; /* replace: no such document */
        if (!err) {
            d->kind = kind;
            d->id = col_i64(res, 0, 0);
            d->created_at = col_i64(res, 0, 1);
            d->updated_at = now;
        }
        PQclear(res);
        if (err)
            goto rollback;
    }
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*)::bigint FROM %s WHERE org_id=$1 AND level=$2 "
             "AND owner_id=$3",
             t);
    for (i = 0; max_per_owner && i < n; i++) {
        struct pg_params p = {0};
        p_i64(&p, docs[i].org_id);
        p_text(&p, docs[i].level);
        p_i64(&p, docs[i].owner_id);
        PGresult *res = pg_run(tx.c, sql, &p, false, &err);
        if (!err && (size_t)col_i64(res, 0, 0) > max_per_owner)
            err = ED_ERR_TOO_LARGE;
        PQclear(res);
        if (err)
            goto rollback;
    }
    return tx_commit(&tx);
rollback:
    *failed = i;
    tx_rollback(&tx);
    return err;
}

static enum ed_err pg_vdr_get(struct store *base, enum store_vdr_kind kind,
                              int64_t org_id, const char *level,
                              int64_t owner_id, const char *element_key,
                              const char *name, struct store_vdr_doc *out)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[320];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM %s WHERE org_id=$1 AND level=$2 AND "
             "owner_id=$3%s AND name=$5",
             pg_vdr_cols(kind), pg_vdr_table(kind),
             kind == STORE_VDR_TF ? " AND element_key=$4" : "");
    pg_vdr_params(&p, org_id, level, owner_id, element_key, name, NULL, 0);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, true, &res);
    if (!err) {
        if (PQntuples(res) > 0) {
            out->kind = kind;
            pg_vdr_read(res, 0, 0, out);
        } else {
            err = ED_ERR_NOT_FOUND;
        }
    }
    PQclear(res);
    return err;
}

static enum ed_err pg_vdr_list(struct store *base, enum store_vdr_kind kind,
                               int64_t org_id, const char *level,
                               int64_t owner_id, const char *element_key,
                               const char *name, struct store_vdr_doc **out,
                               size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[400];
    snprintf(sql, sizeof(sql),
             "SELECT %s FROM %s WHERE org_id=$1 AND level=$2 AND "
             "owner_id=$3%s AND ($5::text IS NULL OR name=$5) ORDER BY %sname",
             pg_vdr_cols(kind), pg_vdr_table(kind),
             kind == STORE_VDR_TF ? " AND ($4::text IS NULL OR element_key=$4)"
                                  : "",
             kind == STORE_VDR_TF ? "element_key, " : "");
    pg_vdr_params(&p, org_id, level, owner_id, element_key, name, NULL, 0);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, true, &res);
    if (!err)
        pg_vdr_rows(res, 0, false, kind, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_vdr_list_org(struct store *base, int64_t org_id,
                                   struct store_vdr_doc **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT 0::bigint, id, org_id, level, owner_id, NULL::text, name, "
        "doc, created_at, updated_at FROM vdr_definitions WHERE org_id=$1 "
        "UNION ALL SELECT 1::bigint, " PG_VDR_COLS
        " FROM vdr_transformations WHERE org_id=$1 ORDER BY 1, 2",
        &p, true, &res);
    if (!err)
        pg_vdr_rows(res, 1, true, STORE_VDR_DEF, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_vdr_delete(struct store *base, enum store_vdr_kind kind,
                                 int64_t org_id, const char *level,
                                 int64_t owner_id, const char *element_key,
                                 const char *name, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[320];
    snprintf(sql, sizeof(sql),
             "DELETE FROM %s WHERE org_id=$1 AND level=$2 AND owner_id=$3%s "
             "AND ($5::text IS NULL OR name=$5)",
             pg_vdr_table(kind),
             kind == STORE_VDR_TF ? " AND ($4::text IS NULL OR element_key=$4)"
                                  : "");
    pg_vdr_params(&p, org_id, level, owner_id, element_key, name, NULL, 0);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, false, &res);
    *n = 0;
    if (!err) {
        uint64_t k = 0;
        ed_parse_u64(PQcmdTuples(res), UINT64_MAX, &k);
        *n = (size_t)k;
        if (name && k == 0)
            err = ED_ERR_NOT_FOUND;
    }
    PQclear(res);
    return err;
}

static enum ed_err pg_vdr_rename(struct store *base, int64_t org_id,
                                 const char *level, int64_t owner_id,
                                 const char *from, const char *to)
{
    struct pg_tx tx;
    char sql[200];
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (int k = 0; k < 2; k++) {
        struct pg_params p = {0};
        snprintf(sql, sizeof(sql),
                 "UPDATE %s SET name=$6, updated_at=$7 WHERE org_id=$1 AND "
                 "level=$2 AND owner_id=$3 AND name=$5",
                 pg_vdr_table(k ? STORE_VDR_TF : STORE_VDR_DEF));
        pg_vdr_params(&p, org_id, level, owner_id, NULL, from, to, ed_now_s());
        PGresult *res = pg_run(tx.c, sql, &p, false, &err);
        if (!err && k == 0 && !pg_changed(res))
            err = ED_ERR_NOT_FOUND;
        PQclear(res);
        if (err) {
            tx_rollback(&tx);
            return err;
        }
    }
    return tx_commit(&tx);
}

static enum ed_err pg_vdr_get_id(struct store *base, enum store_vdr_kind kind,
                                 int64_t org_id, int64_t id,
                                 struct store_vdr_doc *out)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE org_id=$1 AND id=$2",
             pg_vdr_cols(kind), pg_vdr_table(kind));
    p_i64(&p, org_id);
    p_i64(&p, id);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, true, &res);
    if (!err) {
        if (PQntuples(res) > 0) {
            out->kind = kind;
            pg_vdr_read(res, 0, 0, out);
        } else {
            err = ED_ERR_NOT_FOUND;
        }
    }
    PQclear(res);
    return err;
}

/* In tx: write d (create or upsert), setting its id and timestamps. */
static enum ed_err pg_vdr_put_in(struct pg_conn *c, enum store_vdr_kind kind,
                                 bool upsert, struct store_vdr_doc *d,
                                 int64_t now)
{
    char sql[512];
    bool tf = kind == STORE_VDR_TF;
    struct pg_params p = {0};
    enum ed_err err;
    snprintf(sql, sizeof(sql),
             "INSERT INTO %s(org_id, level, owner_id, %sname, doc, "
             "created_at, updated_at) VALUES($1, $2, $3, %s$5, $6, $7, $7) "
             "%s%s%s RETURNING id, created_at",
             pg_vdr_table(kind), tf ? "element_key, " : "", tf ? "$4, " : "",
             upsert ? "ON CONFLICT (org_id, level, owner_id, " : "",
             upsert && tf ? "element_key, " : "",
             upsert ? "name) DO UPDATE SET doc=excluded.doc, "
                      "updated_at=excluded.updated_at"
                    : "");
    pg_vdr_params(&p, d->org_id, d->level, d->owner_id,
                  tf ? d->element_key : NULL, d->name, d->doc, now);
    PGresult *res = pg_run(c, sql, &p, false, &err);
    if (!err && PQntuples(res) == 1) {
        d->kind = kind;
        d->id = col_i64(res, 0, 0);
        d->created_at = col_i64(res, 0, 1);
        d->updated_at = now;
    } else if (!err) {
        err = ED_ERR_DB;
    }
    PQclear(res);
    return err;
}

/* In tx: the documents of kind at d's org, level and owner. */
static enum ed_err pg_vdr_count_in(struct pg_conn *c, enum store_vdr_kind kind,
                                   const struct store_vdr_doc *d, size_t *count)
{
    char sql[160];
    struct pg_params p = {0};
    enum ed_err err;
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*)::bigint FROM %s WHERE org_id=$1 AND level=$2 "
             "AND owner_id=$3",
             pg_vdr_table(kind));
    p_i64(&p, d->org_id);
    p_text(&p, d->level);
    p_i64(&p, d->owner_id);
    PGresult *res = pg_run(c, sql, &p, false, &err);
    if (!err)
        *count = (size_t)col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_vdr_object_put(struct store *base,
                                     struct store_vdr_doc *def,
                                     struct store_vdr_doc *tfs, size_t n,
                                     bool replace, size_t max_per_owner,
                                     size_t *failed)
{
    struct pg_tx tx;
    int64_t now = ed_now_s();
    int64_t *ids = NULL;
    char *list = NULL;
    size_t count = 0, at = 0;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    ids = ed_calloc(n ? n : 1, sizeof(*ids));
    if ((err = pg_vdr_put_in(tx.c, STORE_VDR_DEF, replace, def, now)))
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        at = i + 1;
        if ((err = pg_vdr_put_in(tx.c, STORE_VDR_TF, replace, &tfs[i], now)))
            goto rollback;
        ids[i] = tfs[i].id;
    }
    at = 0;
    if (replace) {
        struct pg_params p = {0};
        list = store_ids_json(ids, n);
        pg_vdr_params(&p, def->org_id, def->level, def->owner_id, NULL,
                      def->name, list, 0);
        PQclear(pg_run(tx.c,
                       "DELETE FROM vdr_transformations WHERE org_id=$1 AND "
                       "level=$2 AND owner_id=$3 AND name=$5 AND id NOT IN "
                       "(SELECT jsonb_array_elements_text($6::jsonb)::bigint)",
                       &p, false, &err));
        if (err)
            goto rollback;
    }
    for (int k = 0; max_per_owner && k < 2; k++) {
        if ((err = pg_vdr_count_in(tx.c, k ? STORE_VDR_TF : STORE_VDR_DEF, def,
                                   &count)))
            goto rollback;
        if (count > max_per_owner) {
            at = k && n ? 1 : 0;
            err = ED_ERR_TOO_LARGE;
            goto rollback;
        }
    }
    free(list);
    free(ids);
    return tx_commit(&tx);
rollback:
    *failed = at;
    tx_rollback(&tx);
    free(list);
    free(ids);
    return err;
}

static enum ed_err pg_vdr_object_delete(struct store *base, int64_t org_id,
                                        const char *level, int64_t owner_id,
                                        const char *name)
{
    struct pg_tx tx;
    char sql[200];
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (int k = 0; k < 2; k++) {
        struct pg_params p = {0};
        snprintf(sql, sizeof(sql),
                 "DELETE FROM %s WHERE org_id=$1 AND level=$2 AND owner_id=$3 "
                 "AND name=$5",
                 pg_vdr_table(k ? STORE_VDR_TF : STORE_VDR_DEF));
        pg_vdr_params(&p, org_id, level, owner_id, NULL, name, NULL, 0);
        PGresult *res = pg_run(tx.c, sql, &p, false, &err);
        if (!err && k == 0 && !pg_changed(res))
            err = ED_ERR_NOT_FOUND;
        PQclear(res);
        if (err) {
            tx_rollback(&tx);
            return err;
        }
    }
    return tx_commit(&tx);
}

/* --- bulk jobs (issue 13) ------------------------------------------------ */

#define PG_BULK_COLS                                                           \
    "id, org_id, instance_id, direction, object_name, status, query, "         \
    "options, checkpoint, records_count, failed_count, message, claimed_by, "  \
    "lease_until, created_at, started_at, finished_at, file_name"

static void pg_bulk_rows(PGresult *res, struct store_bulk_job **out, size_t *n)
{
    int rows = PQntuples(res);
    struct store_bulk_job *list = NULL;
    if (rows > 0)
        list = ed_calloc((size_t)rows, sizeof(*list));
    for (int r = 0; r < rows; r++) {
        struct store_bulk_job *j = &list[r];
        j->id = col_i64(res, r, 0);
        j->org_id = col_i64(res, r, 1);
        j->instance_id = col_i64(res, r, 2);
        j->direction = col_text(res, r, 3);
        j->object_name = col_text(res, r, 4);
        j->status = col_text(res, r, 5);
        j->query = col_text(res, r, 6);
        j->options = col_text(res, r, 7);
        j->checkpoint = col_text(res, r, 8);
        j->records_count = col_i64(res, r, 9);
        j->failed_count = col_i64(res, r, 10);
        j->message = col_text(res, r, 11);
        j->claimed_by = col_text(res, r, 12);
        j->lease_until = col_i64(res, r, 13);
        j->created_at = col_i64(res, r, 14);
        j->started_at = col_i64(res, r, 15);
        j->finished_at = col_i64(res, r, 16);
        j->file_name = col_text(res, r, 17);
    }
    *out = list;
    *n = (size_t)(rows > 0 ? rows : 0);
}

static enum ed_err pg_bulk_create(struct store *base, struct store_bulk_job *j)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, j->org_id);
    p_i64(&p, j->instance_id);
    p_text(&p, j->direction);
    p_text(&p, j->object_name);
    p_text(&p, j->status ? j->status : "CREATED");
    p_text(&p, j->query ? j->query : "");
    p_text(&p, j->options ? j->options : "{}");
    p_text(&p, j->checkpoint ? j->checkpoint : "{}");
    p_i64(&p, j->created_at);
    p_text(&p, j->file_name ? j->file_name : "");
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO bulk_jobs (org_id, instance_id, direction, object_name, "
        "status, query, options, checkpoint, created_at, file_name) VALUES "
        "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
        &p, false, &res);
    if (!err && PQntuples(res) == 1)
        j->id = col_i64(res, 0, 0);
    else if (err == ED_ERR_EXISTS) /* the instance is gone */
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_get(struct store *base, int64_t org_id,
                               int64_t instance_id, int64_t id,
                               struct store_bulk_job *out)
{
    struct pg_params p = {0};
    PGresult *res;
    struct store_bulk_job *list = NULL;
    size_t n = 0;
    p_i64(&p, id);
    p_i64(&p, org_id);
    p_i64(&p, instance_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " PG_BULK_COLS " FROM bulk_jobs WHERE "
                               "id=$1 AND ($2=0 OR org_id=$2) AND ($3=0 OR "
                               "instance_id=$3)",
                               &p, true, &res);
    if (!err)
        pg_bulk_rows(res, &list, &n);
    PQclear(res);
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

static enum ed_err pg_bulk_list(struct store *base, int64_t org_id,
                                int64_t instance_id,
                                const struct store_bulk_filter *f,
                                int64_t before_id, size_t max,
                                struct store_bulk_job **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, org_id);
    p_i64(&p, instance_id);
    p_i64(&p, before_id);
    p_text(&p, f->status);
    p_text(&p, f->direction);
    p_text(&p, f->object_name);
    p_i64(&p, f->records_min);
    p_i64(&p, f->records_max);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT " PG_BULK_COLS " FROM bulk_jobs WHERE org_id=$1 AND ($2=0 OR "
        "instance_id=$2) AND ($3=0 OR id < $3) AND ($4::text IS NULL OR "
        "status=$4) AND ($5::text IS NULL OR direction=$5) AND ($6::text IS "
        "NULL OR object_name=$6) AND ($7 < 0 OR records_count >= $7) AND ($8 "
        "< 0 OR records_count <= $8) ORDER BY id DESC LIMIT $9",
        &p, true, &res);
    if (!err)
        pg_bulk_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_claim(struct store *base, int64_t now_ms,
                                 int64_t lease_until_ms, const char *owner,
                                 size_t max, struct store_bulk_job **out,
                                 size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, lease_until_ms);
    p_text(&p, owner);
    p_i64(&p, now_ms);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE bulk_jobs SET lease_until=$1, claimed_by=$2, status=CASE "
        "status WHEN 'CREATED' THEN 'RUNNING' ELSE status END, started_at="
        "CASE started_at WHEN 0 THEN $3 ELSE started_at END WHERE id IN "
        "(SELECT id FROM bulk_jobs WHERE status IN ('CREATED','RUNNING',"
        "'CANCELLATION_PENDING') AND lease_until < $3 ORDER BY id LIMIT $4 "
        "FOR UPDATE SKIP LOCKED) RETURNING " PG_BULK_COLS,
        &p, false, &res);
    if (!err)
        pg_bulk_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_checkpoint(struct store *base,
                                      const struct store_bulk_job *j,
                                      const char *owner, int64_t lease_until_ms,
                                      bool *cancel)
{
    struct pg_params p = {0};
    PGresult *res;
    p_text(&p, j->checkpoint ? j->checkpoint : "{}");
    p_i64(&p, j->records_count);
    p_i64(&p, j->failed_count);
    p_i64(&p, lease_until_ms);
    p_text(&p, j->file_name ? j->file_name : "");
    p_i64(&p, j->id);
    p_text(&p, owner);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE bulk_jobs SET checkpoint=$1, records_count=$2, "
        "failed_count=$3, lease_until=$4, file_name=$5 WHERE id=$6 AND "
        "claimed_by=$7 AND status IN ('RUNNING','CANCELLATION_PENDING') "
        "RETURNING status",
        &p, false, &res);
    if (!err && PQntuples(res) != 1)
        err = ED_ERR_NOT_FOUND;
    if (!err)
        *cancel = strcmp(PQgetvalue(res, 0, 0), "CANCELLATION_PENDING") == 0;
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_finish(struct store *base,
                                  const struct store_bulk_job *j,
                                  const char *owner)
{
    struct pg_params p = {0};
    PGresult *res;
    p_text(&p, j->status);
    p_text(&p, j->message);
    p_i64(&p, j->records_count);
    p_i64(&p, j->failed_count);
    p_text(&p, j->checkpoint ? j->checkpoint : "{}");
    p_i64(&p, j->finished_at);
    p_i64(&p, j->id);
    p_text(&p, owner);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE bulk_jobs SET status=$1, message=$2, records_count=$3, "
        "failed_count=$4, checkpoint=$5, finished_at=$6, lease_until=0, "
        "claimed_by='' WHERE id=$7 AND claimed_by=$8",
        &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_cancel(struct store *base, int64_t org_id,
                                  int64_t instance_id, int64_t id,
                                  int64_t now_ms, char **status)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, org_id);
    p_i64(&p, instance_id);
    p_i64(&p, now_ms);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "WITH cur AS (SELECT id, status FROM bulk_jobs WHERE id=$1 AND "
        "org_id=$2 AND ($3=0 OR instance_id=$3) FOR UPDATE), upd AS (UPDATE "
        "bulk_jobs b SET status=CASE cur.status WHEN 'CREATED' THEN "
        "'CANCELLED' ELSE 'CANCELLATION_PENDING' END, finished_at=CASE "
        "cur.status WHEN 'CREATED' THEN $4 ELSE b.finished_at END FROM cur "
        "WHERE b.id=cur.id AND cur.status IN ('CREATED','RUNNING') RETURNING "
        "b.status) SELECT cur.status, (SELECT status FROM upd) FROM cur",
        &p, false, &res);
    if (!err && PQntuples(res) != 1)
        err = ED_ERR_NOT_FOUND;
    if (!err) {
        bool was_done = store_bulk_finished(PQgetvalue(res, 0, 0));
        *status = col_text(res, 0, PQgetisnull(res, 0, 1) ? 0 : 1);
        if (was_done)
            err = ED_ERR_EXISTS;
    }
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_exec(struct store *base, const char *sql, int64_t a,
                                bool *changed)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, a);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, false, &res);
    if (!err && changed)
        *changed = pg_changed(res);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_delete(struct store *base, int64_t id)
{
    bool changed = false;
    enum ed_err err = pg_bulk_exec(base, "DELETE FROM bulk_jobs WHERE id=$1",
                                   id, &changed);
    return !err && !changed ? ED_ERR_NOT_FOUND : err;
}

static enum ed_err pg_bulk_drop_file(struct store *base, int64_t id)
{
    return pg_bulk_exec(base, "UPDATE bulk_jobs SET file_name='' WHERE id=$1",
                        id, NULL);
}

/* /metrics: index-only counts (event_deliveries_claim, bulk_jobs_runnable) */
static enum ed_err pg_metric_counts(struct store *base,
                                    struct store_metric_counts *out)
{
    static const char *const sql[2] = {
        "SELECT status, count(*) FROM event_deliveries WHERE status IN "
        "('pending', 'retry') GROUP BY status",
        "SELECT status, count(*) FROM bulk_jobs GROUP BY status"};
    enum ed_err err = ED_OK;
    for (int q = 0; q < 2 && !err; q++) {
        struct pg_params p = {0};
        PGresult *res = NULL;
        err = pg_query((struct store_pg *)base, sql[q], &p, true, &res);
        if (!err)
            for (int r = 0; r < PQntuples(res); r++)
                store_metric_count_row(out, q == 0, PQgetvalue(res, r, 0),
                                       col_i64(res, r, 1));
        PQclear(res);
    }
    return err;
}

static enum ed_err pg_bulk_expired(struct store *base,
                                   int64_t finished_before_ms, int64_t after_id,
                                   int64_t *ids, size_t max, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    size_t k = 0;
    p_i64(&p, after_id);
    p_i64(&p, finished_before_ms);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT id FROM bulk_jobs WHERE id > $1 AND finished_at > 0 AND "
        "finished_at < $2 AND file_name <> '' ORDER BY id LIMIT $3",
        &p, true, &res);
    if (!err)
        for (int r = 0; r < PQntuples(res) && k < max; r++)
            ids[k++] = col_i64(res, r, 0);
    PQclear(res);
    *n = k;
    return err;
}

static enum ed_err pg_bulk_errors_add(struct store *base, int64_t job_id,
                                      const struct store_bulk_error *rows,
                                      size_t n)
{
    struct pg_tx tx;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        struct pg_params p = {0};
        p_i64(&p, job_id);
        p_i64(&p, rows[i].row);
        p_text(&p, rows[i].message ? rows[i].message : "");
        p_text(&p, rows[i].record);
        PQclear(pg_run(tx.c,
                       "INSERT INTO bulk_errors (job_id, row_no, message, "
                       "record) VALUES ($1,$2,$3,$4) ON CONFLICT (job_id, "
                       "row_no) DO UPDATE SET message=excluded.message, "
                       "record=excluded.record",
                       &p, false, &err));
    }
    if (err) {
        tx_rollback(&tx);
        return err == ED_ERR_EXISTS ? ED_ERR_NOT_FOUND : err;
    }
    return tx_commit(&tx);
}

static enum ed_err pg_bulk_errors_list(struct store *base, int64_t job_id,
                                       int64_t after_row, size_t max,
                                       struct store_bulk_error **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, job_id);
    p_i64(&p, after_row);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT row_no, message, record FROM "
                               "bulk_errors WHERE job_id=$1 AND row_no > $2 "
                               "ORDER BY row_no LIMIT $3",
                               &p, true, &res);
    if (!err) {
        int rows = PQntuples(res);
        struct store_bulk_error *list = rows > 0 ? ed_calloc((size_t)rows,
                                                             sizeof(*list))
                                                 : NULL;
        for (int r = 0; r < rows; r++) {
            list[r].row = col_i64(res, r, 0);
            list[r].message = col_text(res, r, 1);
            list[r].record = col_text(res, r, 2);
        }
        *out = list;
        *n = (size_t)(rows > 0 ? rows : 0);
    }
    PQclear(res);
    return err;
}

/* --- bulk workflows (issue 13) --------------------------------------------- */

#define PG_WF_COLS                                                             \
    "id, org_id, instance_id, steps, schedule, status, next_fire_at, "         \
    "skipped_count, last_skipped_at, created_at, stopped_at"
#define PG_RUN_COLS                                                            \
    "id, workflow_id, org_id, status, step, job_id, jobs, message, fired_at, " \
    "created_at, finished_at"

static void pg_wf_rows(PGresult *res, struct store_bulk_workflow **out,
                       size_t *n)
{
    int rows = PQntuples(res);
    struct store_bulk_workflow *list = NULL;
    if (rows > 0)
        list = ed_calloc((size_t)rows, sizeof(*list));
    for (int r = 0; r < rows; r++) {
        struct store_bulk_workflow *w = &list[r];
        w->id = col_i64(res, r, 0);
        w->org_id = col_i64(res, r, 1);
        w->instance_id = col_i64(res, r, 2);
        w->steps = col_text(res, r, 3);
        w->schedule = col_text(res, r, 4);
        w->status = col_text(res, r, 5);
        w->next_fire_at = col_i64(res, r, 6);
        w->skipped_count = col_i64(res, r, 7);
        w->last_skipped_at = col_i64(res, r, 8);
        w->created_at = col_i64(res, r, 9);
        w->stopped_at = col_i64(res, r, 10);
    }
    *out = list;
    *n = (size_t)(rows > 0 ? rows : 0);
}

static void pg_run_rows(PGresult *res, struct store_bulk_run **out, size_t *n)
{
    int rows = PQntuples(res);
    struct store_bulk_run *list = NULL;
    if (rows > 0)
        list = ed_calloc((size_t)rows, sizeof(*list));
    for (int r = 0; r < rows; r++) {
        struct store_bulk_run *x = &list[r];
        x->id = col_i64(res, r, 0);
        x->workflow_id = col_i64(res, r, 1);
        x->org_id = col_i64(res, r, 2);
        x->status = col_text(res, r, 3);
        x->step = col_i64(res, r, 4);
        x->job_id = col_i64(res, r, 5);
        x->jobs = col_text(res, r, 6);
        x->message = col_text(res, r, 7);
        x->fired_at = col_i64(res, r, 8);
        x->created_at = col_i64(res, r, 9);
        x->finished_at = col_i64(res, r, 10);
    }
    *out = list;
    *n = (size_t)(rows > 0 ? rows : 0);
}

/* INSERT a run of workflow wf (RUNNING, step 0) in tx: *id. */
static enum ed_err pg_run_insert(struct pg_tx *tx, int64_t wf, int64_t org,
                                 int64_t fired_at, int64_t now_ms, int64_t *id)
{
    struct pg_params p = {0};
    enum ed_err err;
    p_i64(&p, wf);
    p_i64(&p, org);
    p_i64(&p, fired_at);
    p_i64(&p, now_ms);
    PGresult *res = pg_run(tx->c,
                           "INSERT INTO bulk_runs (workflow_id, org_id, "
                           "status, fired_at, created_at) VALUES "
                           "($1,$2,'RUNNING',$3,$4) RETURNING id",
                           &p, false, &err);
    if (!err && PQntuples(res) == 1)
        *id = col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_wf_create(struct store *base,
                                     struct store_bulk_workflow *w,
                                     bool run_now, int64_t *run_id)
{
    struct pg_tx tx;
    struct pg_params p = {0};
    *run_id = 0;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    p_i64(&p, w->org_id);
    p_i64(&p, w->instance_id);
    p_text(&p, w->steps ? w->steps : "[]");
    p_text(&p, w->schedule ? w->schedule : "");
    p_text(&p, w->status ? w->status : "ONCE");
    p_i64(&p, w->next_fire_at);
    p_i64(&p, w->created_at);
    PGresult *res = pg_run(tx.c,
                           "INSERT INTO bulk_workflows (org_id, instance_id, "
                           "steps, schedule, status, next_fire_at, "
                           "created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) "
                           "RETURNING id",
                           &p, false, &err);
    if (!err && PQntuples(res) == 1)
        w->id = col_i64(res, 0, 0);
    PQclear(res);
    if (!err && run_now)
        err = pg_run_insert(&tx, w->id, w->org_id, 0, w->created_at, run_id);
    if (err) {
        tx_rollback(&tx);
        *run_id = 0;
        return err == ED_ERR_EXISTS ? ED_ERR_NOT_FOUND : err;
    }
    return tx_commit(&tx);
}

static enum ed_err pg_bulk_wf_get(struct store *base, int64_t org_id,
                                  int64_t id, struct store_bulk_workflow *out)
{
    struct pg_params p = {0};
    PGresult *res;
    struct store_bulk_workflow *list = NULL;
    size_t n = 0;
    p_i64(&p, id);
    p_i64(&p, org_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " PG_WF_COLS " FROM bulk_workflows "
                               "WHERE id=$1 AND ($2=0 OR org_id=$2)",
                               &p, true, &res);
    if (!err)
        pg_wf_rows(res, &list, &n);
    PQclear(res);
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

static enum ed_err pg_bulk_wf_stop(struct store *base, int64_t org_id,
                                   int64_t id, int64_t now_ms)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, org_id);
    p_i64(&p, now_ms);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "UPDATE bulk_workflows SET status='STOPPED', next_fire_at=0, "
        "stopped_at=CASE stopped_at WHEN 0 THEN $3 ELSE stopped_at END WHERE "
        "id=$1 AND ($2=0 OR org_id=$2)",
        &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_wf_due(struct store *base, int64_t now_ms,
                                  size_t max, struct store_bulk_workflow **out,
                                  size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, now_ms);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " PG_WF_COLS " FROM bulk_workflows "
                               "WHERE next_fire_at > 0 AND next_fire_at <= $1 "
                               "AND status='SCHEDULED' ORDER BY next_fire_at, "
                               "id LIMIT $2",
                               &p, true, &res);
    if (!err)
        pg_wf_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_wf_fire(struct store *base, int64_t id,
                                   int64_t due_ms, int64_t next_ms,
                                   int64_t now_ms, int64_t *run_id)
{
    struct pg_tx tx;
    struct pg_params p = {0};
    *run_id = 0;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    p_i64(&p, next_ms);
    p_i64(&p, id);
    p_i64(&p, due_ms);
    PGresult *res = pg_run(tx.c,
                           "UPDATE bulk_workflows SET next_fire_at=$1 WHERE "
                           "id=$2 AND next_fire_at=$3 AND status='SCHEDULED' "
                           "RETURNING org_id, (SELECT count(*) FROM bulk_runs "
                           "WHERE workflow_id=$2 AND status='RUNNING')",
                           &p, false, &err);
    int64_t org = 0, running = 0;
    if (!err && PQntuples(res) != 1)
        err = ED_ERR_BUSY;
    if (!err) {
        org = col_i64(res, 0, 0);
        running = col_i64(res, 0, 1);
    }
    PQclear(res);
    if (!err && running > 0) {
        struct pg_params q = {0};
        p_i64(&q, now_ms);
        p_i64(&q, id);
        PQclear(pg_run(tx.c,
                       "UPDATE bulk_workflows SET skipped_count=skipped_count"
                       "+1, last_skipped_at=$1 WHERE id=$2",
                       &q, false, &err));
    } else if (!err) {
        err = pg_run_insert(&tx, id, org, due_ms, now_ms, run_id);
    }
    if (err) {
        tx_rollback(&tx);
        *run_id = 0;
        return err;
    }
    err = tx_commit(&tx);
    if (err)
        *run_id = 0;
    return err;
}

static enum ed_err pg_bulk_wf_pending(struct store *base, size_t max,
                                      struct store_bulk_run **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT r.id, r.workflow_id, r.org_id, r.status, r.step, r.job_id, "
        "r.jobs, r.message, r.fired_at, r.created_at, r.finished_at FROM "
        "bulk_runs r LEFT JOIN bulk_jobs j ON j.id = r.job_id WHERE "
        "r.status='RUNNING' AND (r.job_id=0 OR j.id IS NULL OR j.status IN "
        "('COMPLETED','CANCELLED','ERROR','ABORTED')) ORDER BY r.id LIMIT $1",
        &p, true, &res);
    if (!err)
        pg_run_rows(res, out, n);
    PQclear(res);
    return err;
}

static enum ed_err pg_bulk_wf_advance(struct store *base,
                                      const struct store_bulk_run *from,
                                      const struct store_bulk_run *to,
                                      struct store_bulk_job *job)
{
    struct pg_tx tx;
    char *jobs = NULL;
    int64_t job_id = to->job_id;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    if (job) {
        struct pg_params p = {0};
        p_i64(&p, job->org_id);
        p_i64(&p, job->instance_id);
        p_text(&p, job->direction);
        p_text(&p, job->object_name);
        p_text(&p, job->query ? job->query : "");
        p_text(&p, job->options ? job->options : "{}");
        p_i64(&p, job->created_at);
        p_text(&p, job->file_name ? job->file_name : "");
        PGresult *res = pg_run(tx.c,
                               "INSERT INTO bulk_jobs (org_id, instance_id, "
                               "direction, object_name, status, query, "
                               "options, checkpoint, created_at, file_name) "
                               "VALUES ($1,$2,$3,$4,'CREATED',$5,$6,'{}',$7,"
                               "$8) RETURNING id",
                               &p, false, &err);
        if (!err && PQntuples(res) == 1)
            job_id = col_i64(res, 0, 0);
        PQclear(res);
        if (err == ED_ERR_EXISTS) /* the instance is gone */
            err = ED_ERR_NOT_FOUND;
        if (!err)
            jobs = store_json_append_id(to->jobs, job_id);
    }
    if (!err) {
        struct pg_params p = {0};
        p_text(&p, to->status);
        p_i64(&p, to->step);
        p_i64(&p, job_id);
        p_text(&p, jobs ? jobs : (to->jobs ? to->jobs : "[]"));
        p_text(&p, to->message);
        p_i64(&p, to->finished_at);
        p_i64(&p, from->id);
        p_i64(&p, from->step);
        p_i64(&p, from->job_id);
        PGresult *res = pg_run(tx.c,
                               "UPDATE bulk_runs SET status=$1, step=$2, "
                               "job_id=$3, jobs=$4, message=$5, "
                               "finished_at=$6 WHERE id=$7 AND "
                               "status='RUNNING' AND step=$8 AND job_id=$9",
                               &p, false, &err);
        if (!err && !pg_changed(res))
            err = ED_ERR_BUSY;
        PQclear(res);
    }
    free(jobs);
    if (err) {
        tx_rollback(&tx);
        return err;
    }
    err = tx_commit(&tx);
    if (!err && job)
        job->id = job_id;
    return err;
}

static enum ed_err pg_bulk_wf_runs(struct store *base, int64_t org_id,
                                   int64_t workflow_id, int64_t before_id,
                                   size_t max, struct store_bulk_run **out,
                                   size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, org_id);
    p_i64(&p, workflow_id);
    p_i64(&p, before_id);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " PG_RUN_COLS " FROM bulk_runs WHERE "
                               "org_id=$1 AND ($2=0 OR workflow_id=$2) AND "
                               "($3=0 OR id < $3) ORDER BY id DESC LIMIT $4",
                               &p, true, &res);
    if (!err)
        pg_run_rows(res, out, n);
    PQclear(res);
    return err;
}

/* --- secret lifecycle and the audit log (issue 15) ------------------------ */

/* One UPDATE by id (parameters p, $1 the id), plus, with drop_sessions,
 * the user's sessions, in one transaction. ED_ERR_NOT_FOUND when the
 * UPDATE changed nothing. */
static enum ed_err secret_update(struct store *base, const char *sql,
                                 const struct pg_params *p, int64_t id,
                                 bool drop_sessions)
{
    struct pg_tx tx;
    PGresult *res = NULL;
    struct pg_params q = {0};
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    res = pg_run(tx.c, sql, p, false, &err);
    if (err)
        goto rollback;
    if (!pg_changed(res)) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    PQclear(res);
    res = NULL;
    if (drop_sessions) {
        p_i64(&q, id);
        res = pg_run(tx.c, "DELETE FROM sessions WHERE user_id=$1", &q, false,
                     &err);
        if (err)
            goto rollback;
    }
    PQclear(res);
    return tx_commit(&tx);
rollback:
    PQclear(res);
    tx_rollback(&tx);
    return err;
}

static enum ed_err pg_user_set_secret(struct store *base, int64_t user_id,
                                      const struct store_blob *ct,
                                      const uint8_t *hash)
{
    struct pg_params p = {0};
    p_i64(&p, user_id);
    p_hash(&p, hash);
    p_blob(&p, ct->data, ct->len);
    return secret_update(base,
                         "UPDATE users SET secret_hash=$2, secret_ct=$3 "
                         "WHERE id=$1",
                         &p, user_id, true);
}

static enum ed_err pg_user_set_password(struct store *base, int64_t user_id,
                                        const char *password_hash)
{
    struct pg_params p = {0};
    p_i64(&p, user_id);
    p_text(&p, password_hash);
    return secret_update(base, "UPDATE users SET password_hash=$2 WHERE id=$1",
                         &p, user_id, true);
}

static enum ed_err pg_org_set_secret(struct store *base, int64_t org_id,
                                     const struct store_blob *ct,
                                     const uint8_t *hash)
{
    struct pg_params p = {0};
    p_i64(&p, org_id);
    p_hash(&p, hash);
    p_blob(&p, ct->data, ct->len);
    return secret_update(base,
                         "UPDATE orgs SET secret_hash=$2, secret_ct=$3 "
                         "WHERE id=$1",
                         &p, org_id, false);
}

static enum ed_err pg_instance_set_token(struct store *base, int64_t org_id,
                                         int64_t id,
                                         const struct store_blob *ct,
                                         const uint8_t *hash)
{
    struct pg_params p = {0};
    p_i64(&p, id);
    p_hash(&p, hash);
    p_blob(&p, ct->data, ct->len);
    p_i64(&p, org_id);
    return secret_update(base,
                         "UPDATE instances SET token_hash=$2, token_ct=$3 "
                         "WHERE id=$1 AND ($4=0 OR org_id=$4)",
                         &p, id, false);
}

static enum ed_err pg_audit_add(struct store *base, struct store_audit *a)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, a->org_id);
    p_i64(&p, a->at);
    p_i64(&p, a->actor_id);
    p_text(&p, a->actor_ip);
    p_text(&p, a->action);
    p_text(&p, a->target_type);
    p_i64(&p, a->target_id);
    p_text(&p, a->detail);
    p_text(&p, a->request_id);
    p_i64(&p, a->outcome);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO audit_log(org_id, at, actor_id, actor_ip, action, "
        "target_type, target_id, detail, request_id, outcome) "
        "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
        &p, false, &res);
    if (!err)
        a->id = col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_audit_list(struct store *base, int64_t org_id,
                                 const struct store_audit_filter *f,
                                 int64_t before_id, size_t max,
                                 struct store_audit **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    *out = NULL;
    *n = 0;
    p_i64(&p, org_id);
    p_text(&p, f->action);
    p_text(&p, f->target_type);
    p_i64(&p, f->actor_id);
    p_i64(&p, f->target_id);
    p_i64(&p, f->since);
    p_i64(&p, f->until);
    p_i64(&p, before_id);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "SELECT id, org_id, at, actor_id, actor_ip, action, target_type, "
        "target_id, detail, request_id, outcome FROM audit_log WHERE "
        "org_id=$1 AND ($2::text IS NULL OR action=$2) AND ($3::text IS NULL "
        "OR target_type=$3) AND ($4<0 OR actor_id=$4) AND ($5<0 OR "
        "target_id=$5) AND ($6=0 OR at>=$6) AND ($7=0 OR at<$7) AND ($8=0 OR "
        "id<$8) ORDER BY id DESC LIMIT $9",
        &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    struct store_audit *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++) {
        struct store_audit *a = &list[r];
        int row = (int)r;
        a->id = col_i64(res, row, 0);
        a->org_id = col_i64(res, row, 1);
        a->at = col_i64(res, row, 2);
        a->actor_id = col_i64(res, row, 3);
        a->actor_ip = col_text(res, row, 4);
        a->action = col_text(res, row, 5);
        a->target_type = col_text(res, row, 6);
        a->target_id = col_i64(res, row, 7);
        a->detail = col_text(res, row, 8);
        a->request_id = col_text(res, row, 9);
        a->outcome = col_i64(res, row, 10);
    }
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

/* --- accounts and users (issue 15) ---------------------------------------- */

#define ACCOUNT_COLS                                                           \
    "id, org_id, name, description, external_id, is_default, created_at, "     \
    "updated_at"

static void read_account(const PGresult *r, int row, void *out)
{
    struct store_account *a = out;
    a->id = col_i64(r, row, 0);
    a->org_id = col_i64(r, row, 1);
    a->name = col_text(r, row, 2);
    a->description = col_text(r, row, 3);
    a->external_id = col_text(r, row, 4);
    a->is_default = (int)col_i64(r, row, 5);
    a->created_at = col_i64(r, row, 6);
    a->updated_at = col_i64(r, row, 7);
}

static enum ed_err pg_account_create(struct store *base,
                                     struct store_account *a)
{
    struct pg_params p = {0};
    PGresult *res;
    a->created_at = a->updated_at = ed_now_s();
    a->is_default = 0;
    p_i64(&p, a->org_id);
    p_text(&p, a->name);
    p_text(&p, a->description);
    p_text(&p, a->external_id);
    p_i64(&p, a->created_at);
    /* the id comes from the organizations' sequence (the column default) */
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO accounts(org_id, name, description, external_id, "
        "is_default, created_at, updated_at) SELECT $1,$2,$3,$4,0,$5,$5 "
        "WHERE EXISTS (SELECT 1 FROM orgs WHERE id=$1) RETURNING id",
        &p, false, &res);
    if (!err && PQntuples(res) == 0)
        err = ED_ERR_NOT_FOUND;
    if (!err)
        a->id = col_i64(res, 0, 0);
    PQclear(res);
    return err;
}

static enum ed_err pg_account_get(struct store *base, int64_t org_id,
                                  int64_t id, struct store_account *out)
{
    struct pg_params p = {0};
    p_i64(&p, id);
    p_i64(&p, org_id);
    return select_one(base,
                      "SELECT " ACCOUNT_COLS
                      " FROM accounts WHERE id=$1 AND org_id=$2",
                      &p, read_account, out);
}

static enum ed_err pg_account_list(struct store *base, int64_t org_id,
                                   struct store_account **out, size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " ACCOUNT_COLS " FROM accounts WHERE "
                               "org_id=$1 ORDER BY is_default DESC, id",
                               &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    struct store_account *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++)
        read_account(res, (int)r, &list[r]);
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err pg_account_update(struct store *base,
                                     struct store_account *a)
{
    struct pg_params p = {0};
    PGresult *res;
    a->updated_at = ed_now_s();
    p_text(&p, a->name);
    p_text(&p, a->description);
    p_text(&p, a->external_id);
    p_i64(&p, a->updated_at);
    p_i64(&p, a->id);
    p_i64(&p, a->org_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "UPDATE accounts SET name=$1, description=$2, "
                               "external_id=$3, updated_at=$4 WHERE id=$5 "
                               "AND org_id=$6",
                               &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_account_delete(struct store *base, int64_t org_id,
                                     int64_t id, const char **why)
{
    struct pg_tx tx;
    struct pg_params p = {0}, q = {0};
    PGresult *res = NULL;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    p_i64(&p, id);
    p_i64(&p, org_id);
    /* the row lock orders this against another delete of it */
    res = pg_run(tx.c,
                 "SELECT is_default, (SELECT count(*) FROM instances WHERE "
                 "account_id=$1), (SELECT count(*) FROM users WHERE "
                 "account_id=$1) FROM accounts WHERE id=$1 AND org_id=$2 FOR "
                 "UPDATE",
                 &p, false, &err);
    if (err)
        goto rollback;
    if (PQntuples(res) == 0) {
        err = ED_ERR_NOT_FOUND;
        goto rollback;
    }
    *why = col_i64(res, 0, 0)   ? "default"
           : col_i64(res, 0, 1) ? "instances"
           : col_i64(res, 0, 2) ? "users"
                                : NULL;
    if (*why) {
        err = ED_ERR_EXISTS;
        goto rollback;
    }
    p_i64(&q, id);
    PQclear(pg_run(tx.c, "DELETE FROM accounts WHERE id=$1", &q, false, &err));
    if (err)
        goto rollback;
    PQclear(res);
    return tx_commit(&tx);
rollback:
    tx_rollback(&tx);
    PQclear(res);
    return err;
}

static enum ed_err pg_user_list(struct store *base, int64_t org_id,
                                int64_t account_id, struct store_user **out,
                                size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, org_id);
    p_i64(&p, account_id);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT " USER_COLS " FROM users WHERE "
                               "org_id=$1 AND ($2=0 OR account_id=$2) "
                               "ORDER BY id",
                               &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    struct store_user *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++)
        read_user(res, (int)r, &list[r]);
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

static enum ed_err pg_user_update(struct store *base,
                                  const struct store_user *u, unsigned fields)
{
    struct pg_params p = {0};
    PGresult *res;
    char sql[256];
    p_text(&p, u->first_name);
    p_text(&p, u->last_name);
    p_text(&p, u->role ? u->role : "user");
    p_i64(&p, u->disabled);
    p_i64(&p, u->id);
    p_i64(&p, u->org_id);
    snprintf(sql, sizeof(sql),
             /* every parameter has its type bound: unused ones are fine */
             "UPDATE users SET %s%s%sid=id WHERE id=$5 AND org_id=$6",
             fields & STORE_USER_NAMES ? "first_name=$1, last_name=$2, " : "",
             fields & STORE_USER_ROLE ? "role=$3, " : "",
             fields & STORE_USER_DISABLED ? "disabled=$4, " : "");
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    return err;
}

static enum ed_err pg_user_delete(struct store *base, int64_t org_id,
                                  int64_t id)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, id);
    p_i64(&p, org_id);
    /* RETURNING tells a user that still owns instances from no user */
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "WITH u AS (SELECT id FROM users WHERE id=$1 AND org_id=$2), "
        "d AS (DELETE FROM users WHERE id IN (SELECT id FROM u) AND NOT "
        "EXISTS (SELECT 1 FROM instances WHERE user_id=$1) RETURNING id) "
        "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM d)",
        &p, false, &res);
    if (!err)
        err = col_i64(res, 0, 0) == 0   ? ED_ERR_NOT_FOUND
              : col_i64(res, 0, 1) == 0 ? ED_ERR_EXISTS
                                        : ED_OK;
    PQclear(res);
    return err;
}

/* --- instance traces ------------------------------------------------------ */

static enum ed_err pg_trace_add(struct store *base, int64_t instance_id,
                                int64_t created_at, const char *doc,
                                size_t keep)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, instance_id);
    p_i64(&p, created_at);
    p_text(&p, doc);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "INSERT INTO instance_traces(instance_id, "
                               "created_at, doc) SELECT id, $2, $3 FROM "
                               "instances WHERE id=$1",
                               &p, false, &res);
    if (!err && !pg_changed(res))
        err = ED_ERR_NOT_FOUND;
    PQclear(res);
    if (err)
        return err;
    /* the newest `keep` stay */
    struct pg_params q = {0};
    p_i64(&q, instance_id);
    p_i64(&q, (int64_t)keep);
    err = pg_query((struct store_pg *)base,
                   "DELETE FROM instance_traces WHERE instance_id=$1 AND id <= "
                   "(SELECT id FROM instance_traces WHERE instance_id=$1 "
                   "ORDER BY id DESC LIMIT 1 OFFSET $2)",
                   &q, false, &res);
    PQclear(res);
    return err;
}

static enum ed_err pg_trace_list(struct store *base, int64_t instance_id,
                                 int64_t before_id, int64_t since_ms,
                                 size_t max, struct store_trace **out,
                                 size_t *n)
{
    struct pg_params p = {0};
    PGresult *res;
    p_i64(&p, instance_id);
    p_i64(&p, before_id);
    p_i64(&p, since_ms);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query((struct store_pg *)base,
                               "SELECT id, instance_id, created_at, doc FROM "
                               "instance_traces WHERE instance_id=$1 AND "
                               "($2=0 OR id<$2) AND created_at>=$3 "
                               "ORDER BY id DESC LIMIT $4",
                               &p, true, &res);
    if (err) {
        PQclear(res);
        return err;
    }
    size_t k = (size_t)PQntuples(res);
    struct store_trace *list = ed_calloc(k ? k : 1, sizeof(*list));
    for (size_t r = 0; r < k; r++) {
        list[r].id = col_i64(res, (int)r, 0);
        list[r].instance_id = col_i64(res, (int)r, 1);
        list[r].created_at = col_i64(res, (int)r, 2);
        list[r].doc = col_text(res, (int)r, 3);
    }
    PQclear(res);
    *out = list;
    *n = k;
    return ED_OK;
}

/* DELETE with one integer parameter; *deleted = rows deleted. */
static enum ed_err pg_trace_delete(struct store *base, const char *sql,
                                   int64_t arg, int64_t *deleted)
{
    struct pg_params p = {0};
    PGresult *res;
    uint64_t d = 0;
    p_i64(&p, arg);
    enum ed_err err = pg_query((struct store_pg *)base, sql, &p, false, &res);
    if (!err && res && ed_parse_u64(PQcmdTuples(res), INT64_MAX, &d))
        *deleted = (int64_t)d;
    PQclear(res);
    return err;
}

static enum ed_err pg_trace_clear(struct store *base, int64_t instance_id,
                                  int64_t *deleted)
{
    return pg_trace_delete(base,
                           "DELETE FROM instance_traces WHERE instance_id=$1",
                           instance_id, deleted);
}

static enum ed_err pg_trace_sweep(struct store *base, int64_t before_ms,
                                  int64_t *deleted)
{
    return pg_trace_delete(base,
                           "DELETE FROM instance_traces WHERE created_at<$1",
                           before_ms, deleted);
}

/* --- master-key rotation and backups ---------------------------------- */

static void copy_id(char dst[9], const PGresult *r, int row, int col)
{
    char *t = col_text(r, row, col);
    snprintf(dst, 9, "%s", t ? t : "");
    free(t);
}

static void read_rotation(const PGresult *r, int row, void *out)
{
    struct store_key_rotation *k = out;
    copy_id(k->old_key_id, r, row, 0);
    copy_id(k->new_key_id, r, row, 1);
    col_blob(r, row, 2, &k->new_key_ct);
    char *t = col_text(r, row, 3);
    snprintf(k->state, sizeof(k->state), "%s", t ? t : "");
    free(t);
    k->published_at = col_i64(r, row, 4);
    k->finished_at = col_i64(r, row, 5);
}

static enum ed_err pg_rotation_get(struct store *s,
                                   struct store_key_rotation *out)
{
    return select_by_id(s,
                        "SELECT old_key_id, new_key_id, new_key_ct, state, "
                        "published_at, finished_at FROM key_rotation "
                        "WHERE id=$1",
                        1, read_rotation, out);
}

static enum ed_err pg_rotation_put(struct store *base,
                                   const struct store_key_rotation *r)
{
    struct pg_params p = {0};
    PGresult *res = NULL;
    p_text(&p, r->old_key_id);
    p_text(&p, r->new_key_id);
    p_blob(&p, r->new_key_ct.len ? r->new_key_ct.data : NULL,
           r->new_key_ct.len);
    p_text(&p, r->state);
    p_i64(&p, r->published_at);
    p_i64(&p, r->finished_at);
    enum ed_err err = pg_query(
        (struct store_pg *)base,
        "INSERT INTO key_rotation(id, old_key_id, new_key_id, new_key_ct, "
        "state, published_at, finished_at) VALUES(1,$1,$2,$3,$4,$5,$6) "
        "ON CONFLICT (id) DO UPDATE SET old_key_id=EXCLUDED.old_key_id, "
        "new_key_id=EXCLUDED.new_key_id, new_key_ct=EXCLUDED.new_key_ct, "
        "state=EXCLUDED.state, published_at=EXCLUDED.published_at, "
        "finished_at=EXCLUDED.finished_at",
        &p, false, &res);
    PQclear(res);
    return err;
}

/* As store_sqlite.c's sealed_sql: scan ($1 after, $2 key id, $3 limit);
 * update ($1 new ct, $2 new hash, $3 id, $4 old ct[, $5 new ct2 or NULL,
 * $6 old ct2 or '']). */
static const struct {
    const char *scan, *update;
} pg_sealed_sql[STORE_SEALED_TABLES] = {
    [STORE_SEALED_ORGS] =
        {"SELECT id, secret_ct, NULL::bytea FROM orgs WHERE id > $1 AND "
         "substring(secret_ct from 2 for 4) <> $2 ORDER BY id LIMIT $3",
         "UPDATE orgs SET secret_ct=$1, secret_hash=$2 WHERE id=$3 AND "
         "secret_ct=$4"},
    [STORE_SEALED_USERS] =
        {"SELECT id, secret_ct, NULL::bytea FROM users WHERE id > $1 AND "
         "substring(secret_ct from 2 for 4) <> $2 ORDER BY id LIMIT $3",
         "UPDATE users SET secret_ct=$1, secret_hash=$2 WHERE id=$3 AND "
         "secret_ct=$4"},
    [STORE_SEALED_INSTANCES] =
        {"SELECT id, token_ct, secrets_ct FROM instances WHERE id > $1 AND "
         "(substring(token_ct from 2 for 4) <> $2 OR "
         "(length(secrets_ct) > 0 AND substring(secrets_ct from 2 for 4) <> "
         "$2)) ORDER BY id LIMIT $3",
         "UPDATE instances SET token_ct=$1, token_hash=$2, "
         "secrets_ct=coalesce($5, secrets_ct) WHERE id=$3 AND token_ct=$4 "
         "AND coalesce(secrets_ct, ''::bytea)=$6"},
};

static enum ed_err pg_sealed_scan(struct store *base, enum store_sealed_table t,
                                  const uint8_t *key_id, int64_t after,
                                  size_t max, struct store_sealed_row **out,
                                  size_t *n)
{
    struct pg_params p = {0};
    PGresult *res = NULL;
    p_i64(&p, after);
    p_blob(&p, key_id, 4);
    p_i64(&p, (int64_t)max);
    enum ed_err err = pg_query((struct store_pg *)base, pg_sealed_sql[t].scan,
                               &p, true, &res);
    if (err)
        return err;
    size_t k = (size_t)PQntuples(res);
    struct store_sealed_row *rows = ed_calloc(k ? k : 1, sizeof(*rows));
    for (size_t i = 0; i < k; i++) {
        rows[i].id = col_i64(res, (int)i, 0);
        col_blob(res, (int)i, 1, &rows[i].ct);
        col_blob(res, (int)i, 2, &rows[i].ct2);
    }
    PQclear(res);
    *out = rows;
    *n = k;
    return ED_OK;
}

static enum ed_err pg_sealed_update(struct store *base,
                                    enum store_sealed_table t,
                                    const struct store_sealed_row *rows,
                                    size_t n, size_t *changed)
{
    struct pg_tx tx;
    enum ed_err err = tx_begin((struct store_pg *)base, &tx);
    if (err)
        return err;
    for (size_t i = 0; i < n; i++) {
        const struct store_sealed_row *r = &rows[i];
        struct pg_params p = {0};
        p_blob(&p, r->new_ct.data, r->new_ct.len);
        p_hash(&p, r->new_hash);
        p_i64(&p, r->id);
        p_blob(&p, r->ct.data, r->ct.len);
        if (t == STORE_SEALED_INSTANCES) {
            p_blob(&p, r->new_ct2.len ? r->new_ct2.data : NULL, r->new_ct2.len);
            p_blob(&p, r->ct2.data ? r->ct2.data : (const uint8_t *)"",
                   r->ct2.len);
        }
        PGresult *res = pg_run(tx.c, pg_sealed_sql[t].update, &p, false, &err);
        if (err) {
            tx_rollback(&tx);
            *changed = 0;
            return err;
        }
        if (pg_changed(res))
            (*changed)++;
        PQclear(res);
    }
    err = tx_commit(&tx);
    if (err)
        *changed = 0;
    return err;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .url_prefix = "postgres",
    .open = pg_open,
    .close = pg_close,
    .ping = pg_ping,
    .org_create_with_user = pg_org_create_with_user,
    .user_create = pg_user_create,
    .org_get = pg_org_get,
    .org_find_by_secret = pg_org_find_by_secret,
    .user_get = pg_user_get,
    .user_find_by_email = pg_user_find_by_email,
    .user_find_by_secret = pg_user_find_by_secret,
    .session_put = pg_session_put,
    .session_find = pg_session_find,
    .session_delete = pg_session_delete,
    .instance_create = pg_instance_create,
    .instance_get = pg_instance_get,
    .instance_find_by_token = pg_instance_find_by_token,
    .instance_list = pg_instance_list,
    .instance_update = pg_instance_update,
    .instance_put_credentials = pg_instance_put_credentials,
    .instance_set_valid = pg_instance_set_valid,
    .instance_delete = pg_instance_delete,
    .instance_due = pg_instance_due,
    .account_create = pg_account_create,
    .account_get = pg_account_get,
    .account_list = pg_account_list,
    .account_update = pg_account_update,
    .account_delete = pg_account_delete,
    .user_list = pg_user_list,
    .user_update = pg_user_update,
    .user_delete = pg_user_delete,
    .publish = pg_publish,
    .watch_start = pg_watch_start,
    .watch_stop = pg_watch_stop,
    .refresh_begin = pg_refresh_begin,
    .refresh_read = pg_refresh_read,
    .refresh_put = pg_refresh_put,
    .refresh_set_valid = pg_refresh_set_valid,
    .refresh_end = pg_refresh_end,
    .delivery_add = pg_delivery_add,
    .delivery_claim = pg_delivery_claim,
    .delivery_finish = pg_delivery_finish,
    .delivery_list = pg_delivery_list,
    .delivery_requeue = pg_delivery_requeue,
    .inbox_put = pg_inbox_put,
    .inbox_claim = pg_inbox_claim,
    .inbox_done = pg_inbox_done,
    .inbox_retry = pg_inbox_retry,
    .inbox_purge = pg_inbox_purge,
    .instance_find_by_app = pg_instance_find_by_app,
    .poll_candidates = pg_poll_candidates,
    .poll_list = pg_poll_list,
    .poll_schedule = pg_poll_schedule,
    .poll_delete = pg_poll_delete,
    .poll_claim = pg_poll_claim,
    .poll_finish = pg_poll_finish,
    .vdr_put = pg_vdr_put,
    .vdr_get = pg_vdr_get,
    .vdr_list = pg_vdr_list,
    .vdr_list_org = pg_vdr_list_org,
    .vdr_delete = pg_vdr_delete,
    .vdr_rename = pg_vdr_rename,
    .vdr_get_id = pg_vdr_get_id,
    .vdr_object_put = pg_vdr_object_put,
    .vdr_object_delete = pg_vdr_object_delete,
    .vdr_publish = pg_vdr_publish,
    .bulk_create = pg_bulk_create,
    .bulk_get = pg_bulk_get,
    .bulk_list = pg_bulk_list,
    .bulk_claim = pg_bulk_claim,
    .bulk_checkpoint = pg_bulk_checkpoint,
    .bulk_finish = pg_bulk_finish,
    .bulk_cancel = pg_bulk_cancel,
    .bulk_delete = pg_bulk_delete,
    .bulk_expired = pg_bulk_expired,
    .bulk_drop_file = pg_bulk_drop_file,
    .bulk_errors_add = pg_bulk_errors_add,
    .bulk_errors_list = pg_bulk_errors_list,
    .bulk_wf_create = pg_bulk_wf_create,
    .bulk_wf_get = pg_bulk_wf_get,
    .bulk_wf_stop = pg_bulk_wf_stop,
    .bulk_wf_due = pg_bulk_wf_due,
    .bulk_wf_fire = pg_bulk_wf_fire,
    .bulk_wf_pending = pg_bulk_wf_pending,
    .bulk_wf_advance = pg_bulk_wf_advance,
    .bulk_wf_runs = pg_bulk_wf_runs,
    .metric_counts = pg_metric_counts,
    .user_set_secret = pg_user_set_secret,
    .user_set_password = pg_user_set_password,
    .org_set_secret = pg_org_set_secret,
    .instance_set_token = pg_instance_set_token,
    .audit_add = pg_audit_add,
    .audit_list = pg_audit_list,
    .trace_add = pg_trace_add,
    .trace_list = pg_trace_list,
    .trace_clear = pg_trace_clear,
    .trace_sweep = pg_trace_sweep,
    .rotation_get = pg_rotation_get,
    .rotation_put = pg_rotation_put,
    .sealed_scan = pg_sealed_scan,
    .sealed_update = pg_sealed_update,
};
