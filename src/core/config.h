/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_CONFIG_H
#define ED_CORE_CONFIG_H
#include <stdint.h>
#include <stdio.h>

#include "core/errors.h"

/* Server configuration. One declarative table (config.c) lists every key
 * with its flag, environment variable, type, default, bounds and help text;
 * it feeds the flag parser, the ELEMENTSD_* overrides, --help and
 * --print-config. Precedence: flag > environment > default. */
struct ed_config {
    char *listen; /* HOST:PORT */
    char *data_dir;
    char *db; /* database URL; default sqlite:<data_dir>/elementsd.db */
    char *hubspot_app_url;
    char *hubspot_api_url;
    char *log_level;
    int64_t max_body;       /* bytes */
    int64_t session_ttl;    /* seconds */
    int64_t threads;        /* 0 = automatic */
    int64_t shutdown_grace; /* seconds to let in-flight requests finish */
    int64_t refresh_margin; /* refresh access tokens this close to expiry (s) */
    int64_t idle_refresh;   /* refresh idle OAuth instances this often (s) */
    int64_t refresh_check;  /* background refresher period (s) */
    int64_t provider_timeout_ms; /* per HubSpot call */
    int64_t throttle;            /* calls per 10 s per portal (0 = off) */
    int64_t search_throttle;  /* search calls per second per portal (0 = off) */
    int64_t retry_budget_ms;  /* total wait spent on 429 retries of one call */
    int64_t cache_ttl_ms;     /* credential/instance lookup cache lifetime */
    int64_t db_pool;          /* PostgreSQL connections per node */
    int64_t read_timeout;     /* seconds to receive a whole request */
    int64_t max_conns_per_ip; /* open connections per client address */
    char *cors_origins;       /* origins allowed for login/Bearer CORS */
    int64_t event_delivery_timeout_ms;  /* one callback POST */
    int64_t event_receiver_concurrency; /* callback POSTs in flight per host */
    int64_t event_retry_unit_us;        /* retry x waits 4^x of these (1 s) */
    char *public_url;         /* externally visible base URL ("" = from Host) */
    int64_t poll_minute_ms;   /* length of a poller refresh_interval minute */
    int64_t script_threads;   /* transformation script workers */
    int64_t script_cpu_ms;    /* CPU time of one script run */
    int64_t script_memory_mb; /* engine heap of one script run */
    int64_t bulk_jobs;        /* bulk jobs run at once per node */
    int64_t bulk_retention_hours; /* finished results kept this long */
    int64_t bulk_lease_ms;        /* lease of a running bulk job */
    int64_t bulk_result_max;      /* no effect (results are streamed) */
    int64_t bulk_max_file;        /* largest bulk upload body (bytes) */
    char *metrics_listen;         /* GET /metrics address ("" = off) */
    int64_t docs_ttl_s;           /* instance API documents cache (s) */
    int64_t trace_max_calls;      /* traces kept per instance */
    int64_t trace_ttl_s;          /* how long a trace is kept (s) */
};

/* Fill defaults, then environment, then argv (flags only; positional
 * arguments are an error). On error *why holds a heap message. */
enum ed_err config_load(struct ed_config *cfg, int argc, char **argv,
                        char **why);
void config_cleanup(struct ed_config *cfg);
/* Write the flag/env/default reference (for --help). */
void config_print_help(FILE *f);
/* The database URL with any password replaced by "****" (heap string):
 * what may be logged or printed. */
char *config_db_redacted(const char *url);
/* Write the effective configuration as key=value lines. */
void config_print(const struct ed_config *cfg, FILE *f);

#endif
