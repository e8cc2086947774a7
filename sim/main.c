/* SPDX-License-Identifier: MIT */
/*
 * hubspot-sim entry point: parse flags from one declarative table (which
 * also renders --help), build the state, start the server, wait for SIGINT
 * or SIGTERM and shut down cleanly. Signals are blocked before any thread
 * starts and collected with sigwait(), so no handler runs in a random thread.
 */
#include "sim.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define SIM_VERSION "0.1.0"

struct flag {
    const char *name;
    const char *metavar; /* NULL: no argument */
    int (*set)(struct sim_config *cfg, const char *arg);
    const char *help;
};

static int parse_num(const char *arg, int64_t min, int64_t *out)
{
    int64_t v;

    if (!sim_parse_i64(arg, &v) || v < min)
        return -1;
    *out = v;
    return 0;
}

/* "N" or "N/<unit>" where the unit must match (e.g. "110/10s"). */
static int parse_rate(const char *arg, const char *unit, int64_t *out)
{
    const char *slash = strchr(arg, '/');
    int64_t v;

    if (slash && strcmp(slash + 1, unit) != 0)
        return -1;
    if (!sim_parse_i64n(arg, slash ? (size_t)(slash - arg) : strlen(arg), &v) ||
        v < 0)
        return -1;
    *out = v;
    return 0;
}

static int set_listen(struct sim_config *c, const char *a)
{
    const char *colon = strrchr(a, ':');
    int64_t port;
    size_t hl;

    if (!colon || !sim_parse_i64(colon + 1, &port) || port < 0 || port > 65535)
        return -1;
    hl = (size_t)(colon - a);
    if (hl >= 2 && a[0] == '[' && a[hl - 1] == ']') {
        a++;
        hl -= 2;
    }
    if (hl >= sizeof(c->listen_host))
        return -1;
    memcpy(c->listen_host, a, hl);
    c->listen_host[hl] = '\0';
    c->listen_port = (uint16_t)port;
    return 0;
}

static int set_client(struct sim_config *c, const char *a)
{
    const char *colon = strchr(a, ':');
    struct sim_client *cl;

    if (!colon || colon == a || !colon[1] || c->nclients == SIM_MAX_CLIENTS ||
        (size_t)(colon - a) >= sizeof(cl->id))
        return -1;
    cl = &c->clients[c->nclients++];
    memset(cl, 0, sizeof(*cl));
    memcpy(cl->id, a, (size_t)(colon - a));
    sim_strlcpy(cl->secret, colon + 1, sizeof(cl->secret));
    memcpy(cl->name, "Sim app ", 8);
    sim_strlcpy(cl->name + 8, cl->id, sizeof(cl->name) - 8);
    return 0;
}

static int set_api_key(struct sim_config *c, const char *a)
{
    if (!*a || c->napi_keys == SIM_MAX_KEYS || strlen(a) >= 256)
        return -1;
    sim_strlcpy(c->api_keys[c->napi_keys++], a, 256);
    return 0;
}

static int set_dev_key(struct sim_config *c, const char *a)
{
    if (!*a || c->ndev_keys == SIM_MAX_KEYS || strlen(a) >= 256)
        return -1;
    sim_strlcpy(c->dev_keys[c->ndev_keys++], a, 256);
    return 0;
}

static int set_portal(struct sim_config *c, const char *a)
{
    return parse_num(a, 1, &c->portal_id);
}
static int set_app(struct sim_config *c, const char *a)
{
    return parse_num(a, 1, &c->app_id);
}
static int set_user(struct sim_config *c, const char *a)
{
    return parse_num(a, 1, &c->user_id);
}
static int set_auto(struct sim_config *c, const char *a)
{
    (void)a;
    c->auto_approve = true;
    return 0;
}
static int set_ttl(struct sim_config *c, const char *a)
{
    return parse_num(a, 1, &c->token_ttl);
}
static int set_rotate(struct sim_config *c, const char *a)
{
    (void)a;
    c->rotate_refresh = true;
    return 0;
}
static int set_seed(struct sim_config *c, const char *a)
{
    if (strlen(a) >= sizeof(c->seed_file))
        return -1;
    sim_strlcpy(c->seed_file, a, sizeof(c->seed_file));
    return 0;
}
static int set_latency(struct sim_config *c, const char *a)
{
    return parse_num(a, 0, &c->latency_ms);
}
static int set_rate(struct sim_config *c, const char *a)
{
    return parse_rate(a, "10s", &c->rate_limit);
}
static int set_search_rate(struct sim_config *c, const char *a)
{
    return parse_rate(a, "s", &c->search_rate_limit);
}
static int set_daily(struct sim_config *c, const char *a)
{
    return parse_num(a, 0, &c->daily_limit);
}
static int set_generate(struct sim_config *c, const char *a)
{
    if (parse_num(a, 0, &c->generate_contacts) ||
        (uint64_t)c->generate_contacts > SIM_GEN_MAX)
        return -1;
    return 0;
}
static int set_wh_url(struct sim_config *c, const char *a)
{
    if (strlen(a) >= sizeof(c->webhook_url))
        return -1;
    sim_strlcpy(c->webhook_url, a, sizeof(c->webhook_url));
    return 0;
}
static int set_wh_secret(struct sim_config *c, const char *a)
{
    if (strlen(a) >= sizeof(c->webhook_secret))
        return -1;
    sim_strlcpy(c->webhook_secret, a, sizeof(c->webhook_secret));
    return 0;
}
static int set_wh_delays(struct sim_config *c, const char *a)
{
    c->nwebhook_retry = 0;
    c->webhook_no_retry = strcmp(a, "none") == 0;
    if (c->webhook_no_retry)
        return 0;
    if (!*a)
        return -1;
    while (*a) {
        size_t n = strcspn(a, ",");
        int64_t v;

        if (c->nwebhook_retry == SIM_MAX_RETRY || !sim_parse_i64n(a, n, &v) ||
            v < 0)
            return -1;
        c->webhook_retry_ms[c->nwebhook_retry++] = v;
        a += n;
        if (*a == ',')
            a++;
    }
    return 0;
}
static int set_wh_timeout(struct sim_config *c, const char *a)
{
    return parse_num(a, 1, &c->webhook_timeout_ms);
}
static int set_wh_batch(struct sim_config *c, const char *a)
{
    return parse_num(a, 0, &c->webhook_batch_ms);
}
static int set_log(struct sim_config *c, const char *a)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    for (size_t i = 0; i < 4; i++) {
        if (strcmp(a, names[i]) == 0) {
            c->log_level = (enum sim_log_level)i;
            return 0;
        }
    }
    return -1;
}

static int show_help(struct sim_config *c, const char *a);
static int show_version(struct sim_config *c, const char *a)
{
    (void)c;
    (void)a;
    printf("hubspot-sim %s\n", SIM_VERSION);
    exit(0);
}

static const struct flag flags[] = {
    {"--listen", "HOST:PORT", set_listen,
     "address to listen on (default 127.0.0.1:8089)"},
    {"--client", "ID:SECRET", set_client,
     "register an OAuth app (repeatable; default hubspot-sim-client:"
     "hubspot-sim-secret when none is given)"},
    {"--api-key", "KEY", set_api_key,
     "accept KEY as a private-app token (Bearer) and as ?hapikey= "
     "(repeatable; all scopes)"},
    {"--developer-key", "KEY", set_dev_key,
     "accept KEY as a developer ?hapikey= on app-level routes (timeline "
     "templates and event types; repeatable)"},
    {"--portal-id", "N", set_portal, "hub/portal id (default 62515)"},
    {"--app-id", "N", set_app, "app id of the OAuth apps (default 1234567)"},
    {"--user-id", "N", set_user,
     "user id reported in tokens (default 7700101)"},
    {"--auto-approve", NULL, set_auto,
     "skip the consent page: /oauth/authorize redirects with a code at once"},
    {"--token-ttl", "SECONDS", set_ttl,
     "access-token lifetime, expires_in (default 1800)"},
    {"--rotate-refresh-tokens", NULL, set_rotate,
     "issue a new refresh token on every refresh; the old one works until "
     "the new token (or its access token) is first used"},
    {"--seed", "FILE", set_seed,
     "load JSON fixtures (same format as POST /__sim/fixtures) on start and "
     "reset"},
    {"--latency-ms", "N", set_latency,
     "delay every API response by N ms (no thread is held while waiting)"},
    {"--rate-limit", "N/10s", set_rate,
     "ten-secondly limit per app+portal or per token (default 110; 0 = off)"},
    {"--search-rate-limit", "N/s", set_search_rate,
     "search requests per second per account (default 5; 0 = off)"},
    {"--daily-limit", "N", set_daily,
     "daily limit for private-app tokens and keys (default 250000; 0 = off)"},
    {"--generate-contacts", "N", set_generate,
     "add N synthetic contacts (ids from 1000001; at most 10000000) on start "
     "and reset"},
    {"--webhook-url", "URL", set_wh_url,
     "POST object-change webhooks to this http:// URL (no TLS)"},
    {"--webhook-secret", "S", set_wh_secret,
     "client secret that signs webhooks (default: the first --client's)"},
    {"--webhook-retry-delays", "LIST", set_wh_delays,
     "retry delays in ms, e.g. 100,200,400, or none (default: 9 retries "
     "over ~24 h, as HubSpot)"},
    {"--webhook-timeout-ms", "N", set_wh_timeout,
     "per-attempt timeout: connect, send, status line (default 5000)"},
    {"--webhook-batch-ms", "N", set_wh_batch,
     "events within N ms of a batch's first go in one request (default 50)"},
    {"--log-level", "LEVEL", set_log,
     "error, warn, info (default; one access line per request) or debug"},
    {"--version", NULL, show_version, "print the version and exit"},
    {"--help", NULL, show_help, "show this help and exit"},
};

static int show_help(struct sim_config *c, const char *a)
{
    (void)c;
    (void)a;
    printf("usage: hubspot-sim [flags]\n\n"
           "A local, stateful HubSpot: OAuth, CRM v3 objects, search, "
           "properties,\nowners, pipelines, rate limits and a /__sim/ "
           "control API.\nSee docs/hubspot-sim.md.\n\nflags:\n");
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        char left[64];

        snprintf(left, sizeof(left), "%s%s%s", flags[i].name,
                 flags[i].metavar ? " " : "",
                 flags[i].metavar ? flags[i].metavar : "");
        printf("  %-34s %s\n", left, flags[i].help);
    }
    exit(0);
}

static int parse_args(struct sim_config *cfg, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '='), *val = NULL;
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        size_t f = 0;

        while (f < sizeof(flags) / sizeof(flags[0]) &&
               !(strlen(flags[f].name) == nlen &&
                 strncmp(flags[f].name, arg, nlen) == 0))
            f++;
        if (f == sizeof(flags) / sizeof(flags[0])) {
            fprintf(stderr, "hubspot-sim: unknown flag %s (see --help)\n", arg);
            return -1;
        }
        if (flags[f].metavar) {
            val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                fprintf(stderr, "hubspot-sim: %s needs %s\n", flags[f].name,
                        flags[f].metavar);
                return -1;
            }
        } else if (eq) {
            fprintf(stderr, "hubspot-sim: %s takes no value\n", flags[f].name);
            return -1;
        }
        if (flags[f].set(cfg, val) != 0) {
            fprintf(stderr, "hubspot-sim: bad value for %s: %s\n",
                    flags[f].name, val ? val : "");
            return -1;
        }
    }
    return 0;
}

static void raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    static struct sim_config cfg;
    static struct sim_state st;
    char err[512];
    sigset_t set;
    int sig = 0, rc = 1;

    sim_strlcpy(cfg.listen_host, "127.0.0.1", sizeof(cfg.listen_host));
    cfg.listen_port = 8089;
    cfg.portal_id = 62515;
    cfg.app_id = 1234567;
    cfg.user_id = 7700101;
    cfg.token_ttl = 1800;
    cfg.rate_limit = 110;
    cfg.search_rate_limit = 5;
    cfg.daily_limit = 250000;
    cfg.webhook_timeout_ms = 5000;
    cfg.webhook_batch_ms = 50;
    cfg.log_level = SIM_LOG_INFO;
    if (parse_args(&cfg, argc, argv))
        return 2;
    if (cfg.nclients == 0)
        set_client(&cfg, "hubspot-sim-client:hubspot-sim-secret");
    for (size_t i = 0; i < cfg.nclients; i++)
        cfg.clients[i].app_id = cfg.app_id;
    sim_log_set_level(cfg.log_level);
    raise_nofile();

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sim_state_init(&st, &cfg, err, sizeof(err))) {
        fprintf(stderr, "hubspot-sim: %s\n", err);
        goto out;
    }
    if (sim_webhooks_start(&st, err, sizeof(err))) {
        fprintf(stderr, "hubspot-sim: %s\n", err);
        goto out;
    }
    if (sim_server_start(&st, err, sizeof(err))) {
        fprintf(stderr, "hubspot-sim: %s\n", err);
        sim_server_stop();
        goto out;
    }
    sim_log(SIM_LOG_INFO, "msg=listening url=http://%s:%u portal=%lld",
            cfg.listen_host, (unsigned)cfg.listen_port,
            (long long)cfg.portal_id);
    sigwait(&set, &sig);
    sim_log(SIM_LOG_INFO, "msg=stopping signal=%d", sig);
    sim_server_stop();
    rc = 0;
out:
    sim_webhooks_stop();
    sim_state_cleanup(&st);
    return rc;
}
