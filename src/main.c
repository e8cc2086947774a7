/* SPDX-License-Identifier: MIT
 * elementsd entry point: argv → config → open modules → serve until
 * SIGTERM/SIGINT → stop cleanly. Also the admin commands (bootstrap an
 * organization, add a user), which work while a server runs on the same
 * data directory. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain/accounts.h"
#include "domain/app.h"
#include "domain/credentials.h"
#include "domain/instance_cache.h"
#include "domain/rotate.h"
#include "domain/vdr.h"
#include "bulk/bulk.h"
#include "events/events.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "crypto/crypto.h"
#include "elements/elements.h"
#include "http/metrics_http.h"
#include "http/server.h"
#include "hub/hub.h"
#include "metrics/metrics.h"
#include "traces/traces.h"
#include "provider/async.h"
#include "provider/provider.h"
#include "store/store.h"
#include "transform/script.h"

#define ED_VERSION "0.1.0"

static void usage(FILE *f)
{
    fprintf(
        f,
        "elementsd %s: a self-hosted Cloud Elements (Elements API v2) hub "
        "for HubSpot\n\n"
        "Usage:\n"
        "  elementsd serve [options]\n"
        "  elementsd admin bootstrap --email E --password P [--first-name F]"
        " [--last-name L]\n"
        "                  [--org-name N] [--data-dir DIR] [--db URL]\n"
        "  elementsd admin create-user --org ID --email E --password P\n"
        "                  [--first-name F] [--last-name L] [--data-dir DIR]"
        " [--db URL]\n"
        "  elementsd admin rotate-key [--data-dir DIR] [--db URL]"
        " [--batch N] [--propagation-ms MS]\n"
        "  elementsd admin backup --to FILE [--data-dir DIR] [--db URL]\n"
        "  elementsd admin restore --from FILE [--data-dir DIR] [--db URL]\n"
        "  elementsd --help | --version\n\n"
        "serve options (each also an environment variable):\n",
        ED_VERSION);
    config_print_help(f);
    fprintf(f, "  %-28s %s\n", "--print-config",
            "print the effective configuration and exit");
    fprintf(
        f, "\nadmin commands print one JSON object: {\"organizationId\", "
           "\"userId\", \"email\", \"userSecret\", \"organizationSecret\"}.\n");
}

/* Open everything a command needs; on failure prints why and returns -1.
 * create_key: make DIR/master.key if there is none (not for rotate-key). */
static int app_open(struct ed_app *app, const struct ed_config *cfg,
                    bool create_key)
{
    enum ed_err err;
    char *why = NULL;
    memset(app, 0, sizeof(*app));
    app->cfg = cfg;
    if (provider_global_init() != ED_OK) {
        fprintf(stderr, "elementsd: libcurl failed to initialise\n");
        return -1;
    }
    provider_set_default_timeout((long)cfg->provider_timeout_ms);
    if (crypto_init() != ED_OK) {
        fprintf(stderr, "elementsd: libsodium failed to initialise\n");
        return -1;
    }
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "elementsd: cannot create data dir %s: %s\n",
                cfg->data_dir, strerror(errno));
        return -1;
    }
    if ((err = crypto_keyring_open(cfg->data_dir,
                                   getenv("ELEMENTSD_MASTER_KEY"),
                                   getenv("ELEMENTSD_MASTER_KEY_PREVIOUS"),
                                   create_key, &app->keys))) {
        if (err == ED_ERR_NOT_FOUND)
            fprintf(stderr,
                    "elementsd: no master key: %s/master.key is missing and "
                    "ELEMENTSD_MASTER_KEY is not set\n",
                    cfg->data_dir);
        else
            fprintf(stderr, "elementsd: cannot load the master key: %s\n",
                    ed_strerror(err));
        return -1;
    }
    /* the PostgreSQL backend reads its pool size from the environment */
    char pool[24];
    snprintf(pool, sizeof(pool), "%lld", (long long)cfg->db_pool);
    setenv("ELEMENTSD_DB_POOL", pool, 1);
    if ((err = store_open(cfg->db, &app->store))) {
        char *safe = config_db_redacted(cfg->db);
        fprintf(stderr, "elementsd: cannot open database %s: %s\n", safe,
                ed_strerror(err));
        free(safe);
        return -1;
    }
    caches_init(app);
    vdr_cache_init(app);
    if ((err = elements_load(&app->elements, &why))) {
        fprintf(stderr, "elementsd: bad element definition: %s\n",
                why ? why : "?");
        free(why);
        return -1;
    }
    return 0;
}

static void app_close(struct ed_app *app)
{
    caches_free(app); /* stops the store's watch thread first */
    vdr_cache_free(app);
    elements_free(app->elements);
    store_close(app->store);
    crypto_keyring_free(app->keys);
    provider_global_cleanup();
}

/* DIR/elementsd.lock: shared by serving nodes, exclusive (and not
 * waiting) for admin restore. Returns the fd (kept open: the lock goes
 * with the process, kill -9 included) or -1. */
static int lock_data_dir(const char *dir, bool exclusive)
{
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/elementsd.lock", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Every connection is a file descriptor: take the hard limit, so that a
 * crowd of (slow or idle) clients meets --max-conns-per-ip and the
 * read timeout, not a failing accept(). */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
        return;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        ed_warn(NULL, "msg=\"cannot raise the open file limit\"");
}

/* /metrics collectors: what is read at scrape time. */
static void collect_store(struct mx_writer *w, void *ud)
{
    struct ed_app *app = ud;
    struct store_metric_counts c;
    if (store_metric_counts(app->store, &c) != ED_OK)
        return;
    mx_write_family(w, "elementsd_events_outbox_depth", "gauge",
                    "Event notifications waiting in the outbox (all nodes), "
                    "by status");
    mx_write_sample(w, "elementsd_events_outbox_depth", "{status=\"pending\"}",
                    (double)c.outbox_pending);
    mx_write_sample(w, "elementsd_events_outbox_depth", "{status=\"retry\"}",
                    (double)c.outbox_retry);
    mx_write_family(w, "elementsd_bulk_jobs", "gauge",
                    "Bulk jobs in the store (all nodes), by status");
    for (size_t i = 0; i < c.nbulk; i++) {
        char labels[64];
        bool plain = true;
        for (const char *p = c.bulk[i].status; *p; p++)
            plain = plain && ((*p >= 'A' && *p <= 'Z') || *p == '_');
        if (!plain)
            continue;
        snprintf(labels, sizeof(labels), "{status=\"%s\"}", c.bulk[i].status);
        mx_write_sample(w, "elementsd_bulk_jobs", labels, (double)c.bulk[i].n);
    }
}

static void collect_throttle(struct mx_writer *w, void *ud)
{
    size_t portals, queued;
    (void)ud;
    hub_throttle_stats(&portals, &queued);
    mx_write_family(w, "elementsd_hubspot_throttle_portals", "gauge",
                    "HubSpot portals the per-portal throttle tracks "
                    "(state=\"queued\": with calls held back now)");
    mx_write_sample(w, "elementsd_hubspot_throttle_portals",
                    "{state=\"tracked\"}", (double)portals);
    mx_write_sample(w, "elementsd_hubspot_throttle_portals",
                    "{state=\"queued\"}", (double)queued);
}

static int cmd_serve(int argc, char **argv)
{
    struct metrics_server *msrv = NULL;
    struct ed_config cfg;
    struct ed_app app;
    struct http_server *srv = NULL;
    char *why = NULL;
    uint16_t port = 0;
    int rc = 1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    bool print_only = false;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--print-config") == 0)
            print_only = true;
        else
            argv[n++] = argv[i];
    }
    if (config_load(&cfg, n, argv, &why) != ED_OK) {
        fprintf(stderr, "elementsd: %s\n", why);
        free(why);
        config_cleanup(&cfg);
        return 2;
    }
    if (print_only) {
        config_print(&cfg, stdout);
        config_cleanup(&cfg);
        return 0;
    }
    if (ed_log_level_parse(cfg.log_level, &ed_log_threshold) != 0) {
        fprintf(stderr, "elementsd: --log-level must be debug, info, warn or "
                        "error\n");
        config_cleanup(&cfg);
        return 2;
    }
    /* Block the stop signals before any thread starts; sigwait below. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    struct tf_script_limits slim = {.cpu_ms = (long)cfg.script_cpu_ms,
                                    .memory_bytes = (size_t)cfg.script_memory_mb
                                                    << 20};
    if (!tf_script_init((int)cfg.script_threads, &slim)) {
        ed_error(NULL, "msg=\"cannot start the script workers\"");
        goto out;
    }
    if (app_open(&app, &cfg, true) != 0)
        goto out;
    /* a node holds DIR/elementsd.lock (shared) while it runs: admin restore
     * takes it exclusively */
    if (lock_data_dir(cfg.data_dir, false) < 0) {
        ed_error(NULL, "msg=\"cannot lock the data dir\" dir=\"%s\"",
                 cfg.data_dir);
        goto out;
    }
    /* a key rotation under way: use its new key before serving */
    if (rotate_sync(&app) != ED_OK)
        ed_warn(NULL, "msg=\"cannot check for a key rotation\"");
    rotate_watch_start(&app);
    ed_log_access_start();
    if (*cfg.metrics_listen) {
        metrics_enable(true);
        metrics_add_collector(collect_store, &app);
        metrics_add_collector(collect_throttle, NULL);
    }
    if (http_server_start(&app, &srv, &port) != ED_OK)
        goto out;
    if (*cfg.metrics_listen) {
        uint16_t mport = 0;
        if (metrics_http_start(cfg.metrics_listen, &msrv, &mport) != ED_OK)
            goto stop;
        ed_info(NULL, "msg=\"metrics listening\" listen=%s port=%u",
                cfg.metrics_listen, (unsigned)mport);
    }
    creds_refresher_start(&app);
    if (traces_start(&app) != ED_OK || events_start(&app) != ED_OK ||
        bulk_start(&app) != ED_OK)
        goto stop;
    ed_info(NULL,
            "msg=\"elementsd listening\" listen=%s port=%u db=%s "
            "hubspot_api=%s",
            cfg.listen, (unsigned)port, store_backend(app.store),
            cfg.hubspot_api_url);
    int sig = 0;
    sigwait(&set, &sig);
    ed_info(NULL, "msg=\"stopping\" signal=%d", sig);
    rc = 0;
stop:
    metrics_http_stop(msrv); /* its collectors read the store */
    http_server_stop(srv);
    bulk_stop();
    events_stop();
    creds_refresher_stop();
    traces_stop(); /* writes what is queued */
out:
    rotate_watch_stop();
    tf_script_shutdown(); /* after the server: no new runs */
    ed_log_access_stop(); /* flushes the buffered access log */
    app_close(&app);
    config_cleanup(&cfg);
    return rc;
}

/* --- admin commands ------------------------------------------------------- */

struct admin_args {
    struct account_input in;
    const char *data_dir, *db, *org;
    const char *to, *from, *batch, *propagation_ms;
};

static int parse_admin(int argc, char **argv, struct admin_args *a)
{
    static const struct {
        const char *flag;
        size_t off;
    } flags[] = {
        {"--email", offsetof(struct admin_args, in.email)},
        {"--password", offsetof(struct admin_args, in.password)},
        {"--first-name", offsetof(struct admin_args, in.first_name)},
        {"--last-name", offsetof(struct admin_args, in.last_name)},
        {"--org-name", offsetof(struct admin_args, in.org_name)},
        {"--data-dir", offsetof(struct admin_args, data_dir)},
        {"--db", offsetof(struct admin_args, db)},
        {"--org", offsetof(struct admin_args, org)},
        {"--to", offsetof(struct admin_args, to)},
        {"--from", offsetof(struct admin_args, from)},
        {"--batch", offsetof(struct admin_args, batch)},
        {"--propagation-ms", offsetof(struct admin_args, propagation_ms)},
    };
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        size_t k;
        for (k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
            if (strcmp(argv[i], flags[k].flag) == 0)
                break;
        if (k == sizeof(flags) / sizeof(flags[0]) || i + 1 >= argc) {
            fprintf(stderr,
                    "elementsd admin: bad or incomplete option \"%s\"\n",
                    argv[i]);
            return -1;
        }
        *(const char **)((char *)a + flags[k].off) = argv[++i];
    }
    return 0;
}

static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s ? s : "{}");
    free(s);
}

static bool is_pg(const struct ed_config *cfg)
{
    return strncmp(cfg->db, "postgres", 8) == 0;
}

static int admin_rotate(struct ed_app *app, const struct admin_args *a)
{
    struct rotate_opts o = {.propagation_ms = 3 * ROTATE_POLL_MS,
                            .batch = 200,
                            .file_keys = !getenv("ELEMENTSD_MASTER_KEY"),
                            .new_key_b64 = getenv("ELEMENTSD_NEW_MASTER_KEY")};
    int64_t v = 0;
    if (a->batch) {
        if (!ed_parse_i64(a->batch, &v) || v < 1 || v > 10000) {
            fprintf(stderr, "elementsd admin rotate-key: --batch is 1 to "
                            "10000\n");
            return 2;
        }
        o.batch = (size_t)v;
    }
    if (a->propagation_ms) {
        if (!ed_parse_i64(a->propagation_ms, &v) || v < 0 || v > 3600000) {
            fprintf(stderr, "elementsd admin rotate-key: --propagation-ms is "
                            "0 to 3600000\n");
            return 2;
        }
        o.propagation_ms = v;
    }
    /* tests only: die as kill -9 would after this many batches */
    const char *stop = getenv("ELEMENTSD_ROTATE_KILL_AFTER_BATCHES");
    if (stop && ed_parse_i64(stop, &v) && v > 0)
        o.stop_after_batches = (long)v;
    if (!o.file_keys && !o.new_key_b64) {
        /* resuming needs no new key: the row has it */
        struct store_key_rotation r;
        enum ed_err e = store_rotation_get(app->store, &r);
        bool under_way = e == ED_OK && strcmp(r.state, "done") != 0;
        store_rotation_cleanup(&r);
        if (!under_way) {
            fprintf(stderr,
                    "elementsd admin rotate-key: with ELEMENTSD_MASTER_KEY, "
                    "give the new key in ELEMENTSD_NEW_MASTER_KEY (base64 of "
                    "32 random bytes)\n");
            return 2;
        }
    }
    json_t *sum = NULL;
    char why[512] = "";
    int rc = rotate_run(app, &o, &sum, why, sizeof(why));
    if (sum)
        print_json(sum);
    json_decref(sum);
    if (rc == ROTATE_FAILED)
        fprintf(stderr, "elementsd admin rotate-key: %s\n", why);
    else if (rc == ROTATE_DRAINING)
        fprintf(stderr,
                "elementsd admin rotate-key: the database is re-sealed; bulk "
                "files sealed with the old key remain (they expire after "
                "--bulk-retention-hours): run rotate-key again then to retire "
                "the old key\n");
    return rc;
}

static int admin_backup(struct ed_app *app, const struct admin_args *a)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", a->to, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return 2;
    unlink(tmp);
    enum ed_err err = store_backup(app->store, tmp);
    if (!err && rename(tmp, a->to) != 0)
        err = ED_ERR_IO;
    if (err) {
        unlink(tmp);
        fprintf(stderr, "elementsd admin backup: cannot write %s: %s\n", a->to,
                ed_strerror(err));
        return 1;
    }
    char id[9];
    crypto_keyring_id(app->keys, id);
    json_t *o = json_pack("{s:s, s:s}", "backup", a->to, "keyId", id);
    print_json(o);
    json_decref(o);
    return 0;
}

/* Restore: the copy is checked (integrity, keys) in a scratch file next to
 * the database, migrated there, then copied in with the backup API. */
static int admin_restore(const struct ed_config *cfg, struct ed_app *app,
                         const struct admin_args *a)
{
    char scratch[4096], why[512] = "";
    int rc = 1;
    struct store *copy = NULL;
    struct ed_app check = *app;
    int n = snprintf(scratch, sizeof(scratch), "%s/restore-%ld.db",
                     cfg->data_dir, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(scratch))
        return 2;
    char url[4200];
    snprintf(url, sizeof(url), "sqlite:%s", scratch);
    /* a plain copy of the file: never write into the operator's backup */
    FILE *in = fopen(a->from, "rb"), *out = in ? fopen(scratch, "wb") : NULL;
    if (!in || !out) {
        fprintf(stderr, "elementsd admin restore: cannot read %s: %s\n",
                a->from, strerror(errno));
        goto out;
    }
    char buf[65536];
    size_t k;
    bool ok = true;
    while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
        ok = ok && fwrite(buf, 1, k, out) == k;
    ok = ok && !ferror(in) && fclose(out) == 0;
    out = NULL;
    if (!ok) {
        fprintf(stderr, "elementsd admin restore: cannot copy %s\n", a->from);
        goto out;
    }
    if (store_open(url, &copy) != ED_OK) {
        fprintf(stderr,
                "elementsd admin restore: %s is not an elementsd "
                "database\n",
                a->from);
        goto out;
    }
    check.store = copy;
    if (rotate_check_keys(&check, why, sizeof(why)) != ED_OK) {
        fprintf(stderr,
                "elementsd admin restore: the backup does not open "
                "with this keyring: %s\n",
                why);
        goto out;
    }
    store_close(copy);
    copy = NULL;
    enum ed_err err = store_restore(app->store, scratch);
    if (err) {
        fprintf(stderr, "elementsd admin restore: %s\n",
                err == ED_ERR_INVALID
                    ? "the backup fails PRAGMA integrity_check"
                    : ed_strerror(err));
        goto out;
    }
    json_t *o = json_pack("{s:s}", "restored", a->from);
    print_json(o);
    json_decref(o);
    rc = 0;
out:
    if (in)
        fclose(in);
    if (out)
        fclose(out);
    store_close(copy);
    unlink(scratch);
    char side[4200];
    snprintf(side, sizeof(side), "%s-wal", scratch);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", scratch);
    unlink(side);
    return rc;
}

/* rotate-key, backup, restore: never create a master key (a missing key
 * file is an error, not a fresh key for a database it cannot open). */
static int admin_ops(const char *cmd, const struct admin_args *a,
                     const struct ed_config *cfg)
{
    struct ed_app app;
    int rc = 1, lockfd = -1;
    bool backup = strcmp(cmd, "backup") == 0;
    bool restore = strcmp(cmd, "restore") == 0;
    if ((backup && !a->to) || (restore && !a->from)) {
        fprintf(stderr, "elementsd admin %s: %s FILE required\n", cmd,
                backup ? "--to" : "--from");
        return 2;
    }
    if ((backup || restore) && is_pg(cfg)) {
        fprintf(stderr,
                "elementsd admin %s: the database is PostgreSQL: use %s "
                "(docs/operations.md, \"Backups\")\n",
                cmd, backup ? "pg_dump" : "pg_restore");
        return 2;
    }
    if (restore && (lockfd = lock_data_dir(cfg->data_dir, true)) < 0) {
        fprintf(stderr,
                "elementsd admin restore: a node is running on %s (it holds "
                "%s/elementsd.lock): stop every node first\n",
                cfg->data_dir, cfg->data_dir);
        return 1;
    }
    if (app_open(&app, cfg, false) != 0)
        goto out;
    if (backup)
        rc = admin_backup(&app, a);
    else if (restore)
        rc = admin_restore(cfg, &app, a);
    else
        rc = admin_rotate(&app, a);
out:
    app_close(&app);
    if (lockfd >= 0)
        close(lockfd);
    return rc;
}

static int cmd_admin(int argc, char **argv)
{
    struct admin_args a;
    struct ed_config cfg;
    struct ed_app app;
    char *why = NULL;
    const char *swhy = NULL;
    json_t *out = NULL;
    int rc = 1;
    if (argc < 1 || strcmp(argv[0], "--help") == 0) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    bool boot = strcmp(argv[0], "bootstrap") == 0;
    bool ops = strcmp(argv[0], "rotate-key") == 0 ||
               strcmp(argv[0], "backup") == 0 ||
               strcmp(argv[0], "restore") == 0;
    if (!boot && !ops && strcmp(argv[0], "create-user") != 0) {
        fprintf(stderr, "elementsd admin: unknown command \"%s\"\n", argv[0]);
        return 2;
    }
    if (parse_admin(argc - 1, argv + 1, &a) != 0)
        return 2;
    char *cargv[4];
    int cargc = 0;
    if (a.data_dir) {
        cargv[cargc++] = "--data-dir";
        cargv[cargc++] = (char *)a.data_dir;
    }
    if (a.db) {
        cargv[cargc++] = "--db";
        cargv[cargc++] = (char *)a.db;
    }
    if (config_load(&cfg, cargc, cargv, &why) != ED_OK) {
        fprintf(stderr, "elementsd admin: %s\n", why);
        free(why);
        return 2;
    }
    ed_log_threshold = ED_LOG_WARN;
    memset(&app, 0, sizeof(app));
    if (ops) {
        rc = admin_ops(argv[0], &a, &cfg);
        config_cleanup(&cfg);
        return rc;
    }
    if (app_open(&app, &cfg, true) != 0)
        goto out;
    enum ed_err err;
    if (boot) {
        err = accounts_bootstrap(&app, &a.in, &out, &swhy);
    } else {
        int64_t org = 0;
        if (!a.org || !ed_parse_i64(a.org, &org)) {
            fprintf(stderr, "elementsd admin create-user: --org ID required\n");
            goto out;
        }
        err = accounts_create_user(&app, org, &a.in, &out, &swhy);
    }
    if (err) {
        fprintf(stderr, "elementsd admin: %s\n",
                swhy ? swhy : ed_strerror(err));
        goto out;
    }
    char *s = json_dumps(out, JSON_COMPACT);
    printf("%s\n", s);
    free(s);
    rc = 0;
out:
    json_decref(out);
    app_close(&app);
    config_cleanup(&cfg);
    return rc;
}

int main(int argc, char **argv)
{
    /* the database and the key file hold sealed secrets: private by default */
    umask(077);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("elementsd %s\n", ED_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(argv[1], "admin") == 0)
        return cmd_admin(argc - 2, argv + 2);
    fprintf(stderr, "elementsd: unknown command \"%s\" (see --help)\n",
            argv[1]);
    return 2;
}
