/* SPDX-License-Identifier: MIT
 * store (SQLite backend) through the domain interface: migrations are
 * applied once and survive a reopen, an organization and its first user
 * are created together or not at all, lookups by keyed hash and email,
 * and bearer sessions expire; then the cases both backends share
 * (store_cases.h: instances included). */
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "store/store.h"
#include "store_cases.h"

static char dir[] = "/tmp/ed-test-store-XXXXXX";

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
    store_cases_run();
    cleanup_dir();
    return 0;
}
