/* SPDX-License-Identifier: MIT
 * The configuration table and its parser (after redis' static_configs[]):
 * adding a key is adding one row. */
#include "core/config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"

enum cfg_type { CFG_STR, CFG_INT };

struct cfg_row {
    const char *flag; /* without the leading -- */
    const char *env;
    enum cfg_type type;
    const char *def;
    int64_t min, max;
    size_t offset;
    const char *help;
};

#define ROW_S(flag, env, def, field, help)                                     \
    {                                                                          \
        flag, env, CFG_STR, def, 0, 0, offsetof(struct ed_config, field), help \
    }
#define ROW_I(flag, env, def, min, max, field, help)                           \
    {                                                                          \
        flag, env, CFG_INT, def, min, max, offsetof(struct ed_config, field),  \
            help                                                               \
    }

static const struct cfg_row rows[] = {
    ROW_S("listen", "ELEMENTSD_LISTEN", "127.0.0.1:8080", listen,
          "address to listen on (HOST:PORT)"),
    ROW_S("data-dir", "ELEMENTSD_DATA_DIR", "./var", data_dir,
          "directory holding the SQLite database and master.key"),
    ROW_S("db", "ELEMENTSD_DB", "", db,
          "database URL (sqlite:PATH); default sqlite:DATA_DIR/elementsd.db"),
    ROW_S("hubspot-app-url", "ELEMENTSD_HUBSPOT_APP_URL",
          "https://app.hubspot.com", hubspot_app_url,
          "HubSpot app host (OAuth authorize pages)"),
    ROW_S("hubspot-api-url", "ELEMENTSD_HUBSPOT_API_URL",
          "https://api.hubapi.com", hubspot_api_url, "HubSpot API host"),
    ROW_S("log-level", "ELEMENTSD_LOG_LEVEL", "info", log_level,
          "debug, info, warn or error"),
    ROW_I("max-body", "ELEMENTSD_MAX_BODY", "1048576", 1024, 1073741824,
          max_body, "request body cap in bytes (larger bodies get 413)"),
    ROW_I("session-ttl", "ELEMENTSD_SESSION_TTL", "3600", 60, 2592000,
          session_ttl, "lifetime of /authentication bearer tokens (seconds)"),
    ROW_I("threads", "ELEMENTSD_THREADS", "0", 0, 1024, threads,
          "HTTP worker threads (0 = 2 x CPUs, at least 4)"),
    ROW_I("shutdown-grace", "ELEMENTSD_SHUTDOWN_GRACE", "10", 0, 600,
          shutdown_grace, "seconds in-flight requests get to finish on stop"),
    ROW_I("refresh-margin", "ELEMENTSD_REFRESH_MARGIN", "300", 0, 86400,
          refresh_margin,
          "refresh an access token when less than this many seconds remain"),
    ROW_I("idle-refresh", "ELEMENTSD_IDLE_REFRESH", "21600", 1, 31536000,
          idle_refresh,
          "refresh OAuth instances unused for this many seconds (keeps refresh "
          "tokens alive)"),
    ROW_I("refresh-check", "ELEMENTSD_REFRESH_CHECK", "60", 1, 86400,
          refresh_check, "period of the background refresher (seconds)"),
    ROW_I("provider-timeout-ms", "ELEMENTSD_PROVIDER_TIMEOUT_MS", "30000", 100,
          600000, provider_timeout_ms, "timeout of one HubSpot call (ms)"),
    ROW_I("throttle", "ELEMENTSD_THROTTLE", "100", 0, 100000, throttle,
          "HubSpot calls per 10 s per portal before elementsd delays them "
          "(0 = off)"),
    ROW_I("search-throttle", "ELEMENTSD_SEARCH_THROTTLE", "4", 0, 1000,
          search_throttle,
          "HubSpot search calls per second per portal (0 = off)"),
    ROW_I("retry-budget-ms", "ELEMENTSD_RETRY_BUDGET_MS", "12000", 0, 600000,
          retry_budget_ms,
          "longest total wait for 429 retries of one call before answering "
          "429"),
    ROW_I("cache-ttl-ms", "ELEMENTSD_CACHE_TTL_MS", "1000", 0, 60000,
          cache_ttl_ms,
          "how long a node may reuse a looked-up secret or instance (0 = no "
          "cache); bounds how late other nodes see a change"),
    ROW_I("db-pool", "ELEMENTSD_DB_POOL", "8", 1, 256, db_pool,
          "PostgreSQL connections per node"),
    ROW_I("read-timeout", "ELEMENTSD_READ_TIMEOUT", "10", 1, 3600, read_timeout,
          "seconds a client has to send a whole request (headers and body), "
          "counted from connect or the end of its previous request"),
    ROW_I("max-conns-per-ip", "ELEMENTSD_MAX_CONNS_PER_IP", "1024", 1, 1000000,
          max_conns_per_ip,
          "open connections allowed per client address (more are refused)"),
    ROW_S("cors-origins", "ELEMENTSD_CORS_ORIGINS", "", cors_origins,
          "comma-separated origins allowed to call /authentication and use "
          "console sessions (Bearer) cross-origin (default none)"),
    ROW_I("event-delivery-timeout-ms", "ELEMENTSD_EVENT_DELIVERY_TIMEOUT_MS",
          "10000", 100, 600000, event_delivery_timeout_ms,
          "timeout of one event notification POST to a callback URL (ms)"),
    ROW_I("event-receiver-concurrency", "ELEMENTSD_EVENT_RECEIVER_CONCURRENCY",
          "16", 1, 10000, event_receiver_concurrency,
          "event notifications in flight at once per receiver (scheme, host "
          "and port of the callback URL)"),
    ROW_I("event-retry-unit-us", "ELEMENTSD_EVENT_RETRY_UNIT_US", "1000000", 1,
          3600000000, event_retry_unit_us,
          "unit of the event retry schedule: retry x waits 4^x units "
          "(default 1 s; tests compress it)"),
    ROW_S("public-url", "ELEMENTSD_PUBLIC_URL", "", public_url,
          "externally visible base URL (https://hub.example.com): the URL "
          "HubSpot's webhook signatures cover (default http://{Host})"),
    ROW_I("poll-minute-ms", "ELEMENTSD_POLL_MINUTE_MS", "60000", 100, 60000,
          poll_minute_ms,
          "length in ms of one minute of event.poller.refresh_interval "
          "(tests shorten it; 60000 in production)"),
    ROW_I("script-threads", "ELEMENTSD_SCRIPT_THREADS", "2", 1, 256,
          script_threads, "worker threads running transformation scripts"),
    ROW_I("script-cpu-ms", "ELEMENTSD_SCRIPT_CPU_MS", "200", 1, 600000,
          script_cpu_ms,
          "CPU time one transformation script run may use (ms, all records "
          "of one call)"),
    ROW_I("script-memory-mb", "ELEMENTSD_SCRIPT_MEMORY_MB", "32", 1, 4096,
          script_memory_mb,
          "memory one transformation script run may use (MiB)"),
    ROW_I("bulk-jobs", "ELEMENTSD_BULK_JOBS", "2", 1, 64, bulk_jobs,
          "bulk jobs one node runs at once"),
    ROW_I("bulk-retention-hours", "ELEMENTSD_BULK_RETENTION_HOURS", "72", 1,
          87600, bulk_retention_hours,
          "hours a finished bulk job's results file is kept"),
    ROW_I("bulk-lease-ms", "ELEMENTSD_BULK_LEASE_MS", "60000", 500, 3600000,
          bulk_lease_ms,
          "lease of a running bulk job, renewed at each step (ms; a node "
          "that dies leaves its jobs to others once it runs out)"),
    ROW_I("bulk-result-max", "ELEMENTSD_BULK_RESULT_MAX", "67108864", 65536,
          1073741824, bulk_result_max,
          "no effect (results are streamed); accepted for compatibility"),
    ROW_I("bulk-max-file", "ELEMENTSD_BULK_MAX_FILE", "2147483648", 1024,
          1099511627776, bulk_max_file,
          "largest bulk upload body (bytes; streamed to disk, 413 beyond)"),
    ROW_S("metrics-listen", "ELEMENTSD_METRICS_LISTEN", "", metrics_listen,
          "address (HOST:PORT) serving GET /metrics to Prometheus, without "
          "authentication: keep it on loopback or a private network "
          "(default off)"),
    ROW_I("docs-ttl-s", "ELEMENTSD_DOCS_TTL_S", "300", 0, 86400, docs_ttl_s,
          "how long an instance's API document is reused (seconds; 0 = "
          "never cached); a property write through the hub ends it at once"),
    ROW_I("trace-max-calls", "ELEMENTSD_TRACE_MAX_CALLS", "100", 1, 10000,
          trace_max_calls,
          "hub calls kept per instance with traceLoggingEnabled (the oldest "
          "go first)"),
    ROW_I("trace-ttl-s", "ELEMENTSD_TRACE_TTL_S", "86400", 1, 31536000,
          trace_ttl_s, "how long a trace is kept (seconds)"),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

static enum ed_err set_value(struct ed_config *cfg, const struct cfg_row *r,
                             const char *v, char **why)
{
    char *base = (char *)cfg;
    if (r->type == CFG_STR) {
        char **slot = (char **)(base + r->offset);
        free(*slot);
        *slot = ed_strdup(v);
        return ED_OK;
    }
    int64_t n;
    if (!ed_parse_i64(v, &n) || n < r->min || n > r->max) {
        *why = ed_asprintf("--%s: expected an integer in [%lld, %lld], got "
                           "\"%s\"",
                           r->flag, (long long)r->min, (long long)r->max, v);
        return ED_ERR_INVALID;
    }
    *(int64_t *)(base + r->offset) = n;
    return ED_OK;
}

enum ed_err config_load(struct ed_config *cfg, int argc, char **argv,
                        char **why)
{
    enum ed_err err;
    memset(cfg, 0, sizeof(*cfg));
    *why = NULL;
    for (size_t i = 0; i < NROWS; i++)
        if ((err = set_value(cfg, &rows[i], rows[i].def, why)))
            return err;
    for (size_t i = 0; i < NROWS; i++) {
        const char *v = getenv(rows[i].env);
        if (v && (err = set_value(cfg, &rows[i], v, why)))
            return err;
    }
    for (int a = 0; a < argc; a++) {
        const char *arg = argv[a];
        if (strncmp(arg, "--", 2) != 0) {
            *why = ed_asprintf("unexpected argument \"%s\"", arg);
            return ED_ERR_INVALID;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct cfg_row *r = NULL;
        for (size_t i = 0; i < NROWS; i++)
            if (strlen(rows[i].flag) == nlen &&
                strncmp(rows[i].flag, name, nlen) == 0)
                r = &rows[i];
        if (!r) {
            *why = ed_asprintf("unknown option \"%s\" (see --help)", arg);
            return ED_ERR_INVALID;
        }
        const char *v = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
        if (!v) {
            *why = ed_asprintf("--%s needs a value", r->flag);
            return ED_ERR_INVALID;
        }
        if ((err = set_value(cfg, r, v, why)))
            return err;
    }
    if (!*cfg->db) {
        free(cfg->db);
        cfg->db = ed_asprintf("sqlite:%s/elementsd.db", cfg->data_dir);
    }
    return ED_OK;
}

void config_cleanup(struct ed_config *cfg)
{
    for (size_t i = 0; i < NROWS; i++) {
        if (rows[i].type == CFG_STR) {
            char **slot = (char **)((char *)cfg + rows[i].offset);
            free(*slot);
            *slot = NULL;
        }
    }
}

void config_print_help(FILE *f)
{
    for (size_t i = 0; i < NROWS; i++) {
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s %s", rows[i].flag,
                 rows[i].type == CFG_INT ? "N" : "VALUE");
        fprintf(f, "  %-28s %s\n  %-28s env %s, default \"%s\"\n", flag,
                rows[i].help, "", rows[i].env, rows[i].def);
    }
    fprintf(f, "  %-28s %s\n", "ELEMENTSD_MASTER_KEY",
            "base64 master key (32 bytes); default DATA_DIR/master.key");
}

char *config_db_redacted(const char *url)
{
    /* scheme://user:password@host → scheme://user:****@host */
    const char *scheme = strstr(url, "://");
    const char *at = scheme ? strchr(scheme + 3, '@') : NULL;
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (!at || !colon || colon > at)
        return ed_strdup(url);
    return ed_asprintf("%.*s:****%s", (int)(colon - url), url, at);
}

void config_print(const struct ed_config *cfg, FILE *f)
{
    for (size_t i = 0; i < NROWS; i++) {
        const char *base = (const char *)cfg;
        if (rows[i].offset == offsetof(struct ed_config, db)) {
            char *r = config_db_redacted(cfg->db);
            fprintf(f, "%s=%s\n", rows[i].flag, r);
            free(r);
        } else if (rows[i].type == CFG_STR)
            fprintf(f, "%s=%s\n", rows[i].flag,
                    *(char *const *)(base + rows[i].offset));
        else
            fprintf(f, "%s=%lld\n", rows[i].flag,
                    (long long)*(const int64_t *)(base + rows[i].offset));
    }
}
