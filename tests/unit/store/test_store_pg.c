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

static int psql(const char *sql)
{
    const char *bin = getenv("ELEMENTSD_TEST_PSQL");
    char *argv[] = {(char *)(bin && *bin ? bin : "psql"),
                    "-X",
                    "-q",
                    "-o",
                    "/dev/null",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    server,
                    "-c",
                    (char *)sql,
                    NULL};
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

#include "store_cases.h"

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

/* Another node's virtual-resource write reaches this node's vdr hook with
 * its organization (NOTIFY on its own channel, through the watch thread);
 * our own announcements are not delivered twice; a lost change feed
 * reports organization 0 (drop everything). */
struct vdr_watch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int calls;
    int64_t orgs[16];
};

static void vdr_watch_hook(void *ud, int64_t org_id)
{
    struct vdr_watch *w = ud;
    pthread_mutex_lock(&w->lock);
    if (w->calls < 16)
        w->orgs[w->calls] = org_id;
    w->calls++;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

/* Wait (at most 20 s: a failure, not a timing assertion) for call n. */
static bool vdr_wait(struct vdr_watch *w, int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&w->lock);
    while (w->calls < n)
        if (pthread_cond_timedwait(&w->cond, &w->lock, &until) != 0)
            break;
    bool ok = w->calls >= n;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

static void test_vdr_watch(void)
{
    struct store *a = NULL, *b = NULL;
    struct store_user u = {0};
    struct vdr_watch w = {.calls = 0};
    struct store_vdr_doc d;
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.cond, NULL);
    CHECK_EQ_INT(store_open(url, &a), ED_OK);
    CHECK_EQ_INT(store_open(url, &b), ED_OK);
    CHECK_EQ_INT(store_user_find_by_email(a, "ada@example.com", &u), ED_OK);
    store_set_vdr_hook(b, vdr_watch_hook, &w);
    store_watch_start(b);
    /* the first (re)connection of the feed drops everything: org 0 */
    CHECK(vdr_wait(&w, 1));
    CHECK_EQ_INT(w.orgs[0], 0);
    /* a write on node a */
    memset(&d, 0, sizeof(d));
    d.org_id = u.org_id;
    d.level = "organization";
    d.owner_id = u.org_id;
    d.name = "watched";
    d.doc = "{}";
    CHECK_EQ_INT(store_vdr_put(a, STORE_VDR_DEF, STORE_VDR_CREATE, &d, 1, 0,
                               NULL),
                 ED_OK);
    CHECK(vdr_wait(&w, 2));
    CHECK_EQ_INT(w.orgs[1], u.org_id);
    /* node b's own write: its hook once (locally), not again by NOTIFY */
    CHECK_EQ_INT(store_vdr_delete(b, STORE_VDR_DEF, u.org_id, "organization",
                                  u.org_id, NULL, "watched", NULL),
                 ED_OK);
    CHECK(vdr_wait(&w, 3));
    CHECK_EQ_INT(w.orgs[2], u.org_id);
    /* a third write on a proves the NOTIFY of b's own write came and went */
    d.name = "watched2";
    CHECK_EQ_INT(store_vdr_put(a, STORE_VDR_DEF, STORE_VDR_UPSERT, &d, 1, 0,
                               NULL),
                 ED_OK);
    CHECK(vdr_wait(&w, 4));
    CHECK_EQ_INT(w.calls, 4);
    CHECK_EQ_INT(w.orgs[3], u.org_id);
    /* the feed lost: org 0 */
    drop_connections();
    CHECK(vdr_wait(&w, 5));
    CHECK_EQ_INT(w.orgs[4], 0);
    store_vdr_delete(a, STORE_VDR_DEF, u.org_id, "organization", u.org_id, NULL,
                     NULL, NULL);
    store_watch_stop(b);
    store_user_cleanup(&u);
    store_close(a);
    store_close(b);
    pthread_cond_destroy(&w.cond);
    pthread_mutex_destroy(&w.lock);
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
    store_cases_run();
    RUN(test_pool_contention);
    RUN(test_connection_loss);
    RUN(test_vdr_watch);
    snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", dbname);
    CHECK_EQ_INT(psql(sql), 0);
    return 0;
}
