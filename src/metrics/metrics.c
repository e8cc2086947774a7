/* SPDX-License-Identifier: MIT
 * The metrics registry (see metrics.h). A sample's key packs the metric,
 * three 16-bit label values and a histogram bucket into 64 bits; each
 * thread adds into its own shard, a fixed open-addressing table of
 * (key, value) atomics claimed with one compare-and-swap the first time a
 * key is seen, so counting takes no lock and shares no cache line with
 * other threads. A scrape merges the shards' tables, sorts the keys (which
 * groups a metric's samples, and a histogram's buckets, together) and
 * writes the text format. */
#include "metrics/metrics.h"

#include <dirent.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/request.h"
#include "core/strparse.h"

#define SHARD_BITS 13
#define SHARD_SLOTS (1u << SHARD_BITS)
#define MAX_SHARDS 64
#define MERGE_SLOTS (2u * SHARD_SLOTS)
#define MAX_COLLECTORS 16
#define SUM_BUCKET 0xFFu
#define ROUTE_SLOTS (MX_MAX_ROUTES + 2) /* + "none" (0) and "other" */

struct slot {
    _Atomic uint64_t key; /* 0: free */
    _Atomic uint64_t val;
};

struct shard {
    struct slot slots[SHARD_SLOTS];
};

bool mx_enabled;

static struct shard *_Atomic shards[MAX_SHARDS];
static atomic_uint nthreads;
static _Thread_local struct shard *mine;
static pthread_mutex_t shard_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic uint64_t dropped;
static _Atomic int64_t gauges[MXG_COUNT];
static _Atomic(const char *) routes[ROUTE_SLOTS];
static double started_at; /* wall clock, seconds */

static struct {
    mx_collector_fn fn;
    void *ud;
} collectors[MAX_COLLECTORS];
static size_t ncollectors;

/* --- the catalogue ---------------------------------------------------------- */

enum label_kind { LK_NONE, LK_ENUM, LK_ROUTE, LK_CODE };

struct label {
    const char *name;
    enum label_kind kind;
    const char *const *values; /* LK_ENUM */
    unsigned n;
};

struct def {
    const char *name;
    const char *help;
    bool histogram;
    struct label labels[3];
};

#define NV(a) (sizeof(a) / sizeof((a)[0]))
#define ENUM(nm, arr)                                                          \
    {                                                                          \
        nm, LK_ENUM, arr, NV(arr)                                              \
    }

static const char *const method_v[] = {"other", "GET",    "POST",    "PUT",
                                       "PATCH", "DELETE", "OPTIONS", "HEAD"};
static const char *const family_v[] = {
    "other",    "crm-objects", "search",       "batch",     "properties",
    "owners",   "pipelines",   "associations", "schemas",   "engagements",
    "timeline", "lists",       "files",        "workflows", "marketing",
    "auth",     "account"};
static const char *const retry_v[] = {"rate_limit", "transient",
                                      "unauthorized"};
static const char *const kind_v[] = {"call", "search"};
static const char *const refresh_v[] = {"success", "rejected", "error"};
static const char *const cache_v[] = {"instance", "instance_shared", "vdr"};
static const char *const hit_v[] = {"hit", "miss"};
static const char *const delivery_v[] = {"delivered", "failed", "given_up"};
static const char *const bulk_v[] = {"other", "completed", "cancelled", "error",
                                     "aborted"};

static const struct def defs[MX_COUNT] = {
    [MX_HTTP_REQUESTS] = {"elementsd_http_requests_total",
                          "HTTP requests answered, by route pattern, method "
                          "and status code",
                          false,
                          {{"route", LK_ROUTE, NULL, 0},
                           ENUM("method", method_v),
                           {"code", LK_CODE, NULL, 0}}},
    [MX_HTTP_DURATION] = {"elementsd_http_request_duration_seconds",
                          "Time from a request's arrival to its answer, by "
                          "route pattern",
                          true,
                          {{"route", LK_ROUTE, NULL, 0}}},
    [MX_HS_CALLS] = {"elementsd_hubspot_requests_total",
                     "Calls to HubSpot's API, by endpoint family and status "
                     "(code=\"error\": no answer)",
                     false,
                     {ENUM("family", family_v), {"code", LK_CODE, NULL, 0}}},
    [MX_HS_DURATION] = {"elementsd_hubspot_request_duration_seconds",
                        "Duration of calls to HubSpot's API, by endpoint "
                        "family",
                        true,
                        {ENUM("family", family_v)}},
    [MX_HS_RATE_LIMITED] = {"elementsd_hubspot_rate_limited_total",
                            "HubSpot answers with status 429, by endpoint "
                            "family (all portals together)",
                            false,
                            {ENUM("family", family_v)}},
    [MX_HS_RETRIES] = {"elementsd_hubspot_retries_total",
                       "Hub calls sent again, by reason",
                       false,
                       {ENUM("reason", retry_v)}},
    [MX_HS_THROTTLE_WAIT] = {"elementsd_hubspot_throttle_wait_seconds",
                             "Waits the per-portal throttle imposed on calls "
                             "it held back (all portals together)",
                             true,
                             {ENUM("kind", kind_v)}},
    [MX_TOKEN_REFRESHES] = {"elementsd_token_refreshes_total",
                            "OAuth token refreshes, by result (rejected: the "
                            "instance was marked invalid)",
                            false,
                            {ENUM("result", refresh_v)}},
    [MX_CACHE_LOOKUPS] = {"elementsd_cache_lookups_total",
                          "Cache lookups, by cache and result",
                          false,
                          {ENUM("cache", cache_v), ENUM("result", hit_v)}},
    [MX_DB_POOL_WAITS] = {"elementsd_db_pool_waits_total",
                          "Times a store call waited for a free database "
                          "connection",
                          false,
                          {{0}}},
    [MX_EVENT_DELIVERIES] = {"elementsd_event_deliveries_total",
                             "Event notification POST attempts, by result",
                             false,
                             {ENUM("result", delivery_v)}},
    [MX_EVENT_DELIVERY_DURATION] = {"elementsd_event_delivery_duration_"
                                    "seconds",
                                    "Duration of event notification POSTs",
                                    true,
                                    {{0}}},
    [MX_EVENT_DELIVERY_LATENCY] = {"elementsd_event_delivery_latency_seconds",
                                   "Time from an event's entry into the "
                                   "outbox to its delivery",
                                   true,
                                   {{0}}},
    [MX_BULK_JOBS_FINISHED] = {"elementsd_bulk_jobs_finished_total",
                               "Bulk jobs this node finished, by final status",
                               false,
                               {ENUM("status", bulk_v)}},
};

static const struct {
    const char *name, *help;
} gauge_defs[MXG_COUNT] = {
    [MXG_DB_POOL_IN_USE] = {"elementsd_db_pool_connections_in_use",
                            "Database connections of this node's pool in "
                            "use"},
    [MXG_HTTP_IN_FLIGHT] = {"elementsd_http_requests_in_flight",
                            "HTTP requests received and not yet answered"},
};

/* Upper bounds (ms) of the histograms' buckets; +Inf follows. */
static const double bounds_ms[] = {5,   10,   25,   50,   100,   250,
                                   500, 1000, 2500, 5000, 10000, 30000};
#define NBOUNDS NV(bounds_ms)

/* --- counting ------------------------------------------------------------------ */

void metrics_enable(bool on)
{
    mx_enabled = on;
    if (on && started_at == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        started_at = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
}

static struct shard *shard_of_thread(void)
{
    if (mine)
        return mine;
    unsigned i = atomic_fetch_add(&nthreads, 1) % MAX_SHARDS;
    pthread_mutex_lock(&shard_lock);
    struct shard *s = atomic_load(&shards[i]);
    if (!s) {
        s = ed_calloc(1, sizeof(*s));
        atomic_store(&shards[i], s);
    }
    pthread_mutex_unlock(&shard_lock);
    mine = s;
    return s;
}

static inline uint64_t pack(enum mx_metric m, unsigned a, unsigned b,
                            unsigned c, unsigned bucket)
{
    return (uint64_t)m << 56 | (uint64_t)(a & 0xFFFF) << 40 |
           (uint64_t)(b & 0xFFFF) << 24 | (uint64_t)(c & 0xFFFF) << 8 |
           (bucket & 0xFF);
}

static inline size_t hash_key(uint64_t k, unsigned bits)
{
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static void shard_add(struct shard *s, uint64_t key, uint64_t n)
{
    size_t i = hash_key(key, SHARD_BITS);
    for (size_t probes = 0; probes < SHARD_SLOTS; probes++) {
        struct slot *sl = &s->slots[i];
        uint64_t k = atomic_load_explicit(&sl->key, memory_order_acquire);
        if (k == 0) {
            uint64_t zero = 0;
            if (atomic_compare_exchange_strong(&sl->key, &zero, key))
                k = key;
            else
                k = zero; /* another thread of this shard took it */
        }
        if (k == key) {
            atomic_fetch_add_explicit(&sl->val, n, memory_order_relaxed);
            return;
        }
        i = (i + 1) & (SHARD_SLOTS - 1);
    }
    atomic_fetch_add_explicit(&dropped, n, memory_order_relaxed);
}

void mx_add_(enum mx_metric m, unsigned a, unsigned b, unsigned c, uint64_t n)
{
    if (m <= MX_NONE || m >= MX_COUNT)
        return;
    shard_add(shard_of_thread(), pack(m, a, b, c, 0), n);
}

void mx_observe_(enum mx_metric m, unsigned a, unsigned b, double ms)
{
    if (m <= MX_NONE || m >= MX_COUNT)
        return;
    if (ms < 0)
        return;
    unsigned i = 0;
    while (i < NBOUNDS && ms > bounds_ms[i])
        i++;
    struct shard *s = shard_of_thread();
    shard_add(s, pack(m, a, b, 0, i + 1), 1);
    shard_add(s, pack(m, a, b, 0, SUM_BUCKET), (uint64_t)(ms * 1000.0 + 0.5));
}

void mx_gauge_add_(enum mx_gauge g, int64_t delta)
{
    if ((unsigned)g < MXG_COUNT)
        atomic_fetch_add_explicit(&gauges[g], delta, memory_order_relaxed);
}

unsigned mx_route(const char *pattern)
{
    if (!pattern)
        return 0;
    uintptr_t p = (uintptr_t)pattern;
    size_t i = 1 + (size_t)(((uint64_t)p * 0x9E3779B97F4A7C15ull) >> 32) %
                       MX_MAX_ROUTES;
    for (size_t probes = 0; probes < MX_MAX_ROUTES; probes++) {
        const char *cur = atomic_load_explicit(&routes[i],
                                               memory_order_acquire);
        if (!cur) {
            const char *none = NULL;
            if (atomic_compare_exchange_strong(&routes[i], &none, pattern))
                return (unsigned)i;
            cur = none;
        }
        if (cur == pattern)
            return (unsigned)i;
        i = i % MX_MAX_ROUTES + 1;
    }
    return MX_MAX_ROUTES + 1; /* "other" */
}

unsigned mx_method(unsigned m)
{
    switch (m) {
    case ED_GET: return MXM_GET;
    case ED_POST: return MXM_POST;
    case ED_PUT: return MXM_PUT;
    case ED_PATCH: return MXM_PATCH;
    case ED_DELETE: return MXM_DELETE;
    case ED_OPTIONS: return MXM_OPTIONS;
    case ED_HEAD: return MXM_HEAD;
    default: return MXM_OTHER;
    }
}

unsigned mx_label(enum mx_metric m, unsigned label, const char *value)
{
    if (m <= MX_NONE || m >= MX_COUNT || label >= 3 || !value)
        return 0;
    const struct label *l = &defs[m].labels[label];
    for (unsigned i = 0; l->kind == LK_ENUM && i < l->n; i++)
        if (strcasecmp(l->values[i], value) == 0)
            return i;
    return 0;
}

void metrics_add_collector(mx_collector_fn fn, void *ud)
{
    if (ncollectors < MAX_COLLECTORS) {
        collectors[ncollectors].fn = fn;
        collectors[ncollectors].ud = ud;
        ncollectors++;
    }
}

void metrics_clear_collectors(void)
{
    ncollectors = 0;
}

/* --- the exposition ---------------------------------------------------------------- */

struct mx_writer {
    struct ed_buf *b;
    enum ed_err err;
};

static void out(struct mx_writer *w, const char *s)
{
    if (w->err == ED_OK)
        w->err = ed_buf_appends(w->b, s);
}

static void outf(struct mx_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void outf(struct mx_writer *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        w->err = ED_ERR_TOO_LARGE;
        return;
    }
    out(w, tmp);
}

/* A label value, escaped as the text format wants (\\, \", \n). */
static void out_value(struct mx_writer *w, const char *v)
{
    char tmp[256];
    size_t n = 0;
    for (; *v && n + 2 < sizeof(tmp); v++) {
        if (*v == '\\' || *v == '"') {
            tmp[n++] = '\\';
            tmp[n++] = *v;
        } else if (*v == '\n') {
            tmp[n++] = '\\';
            tmp[n++] = 'n';
        } else {
            tmp[n++] = *v;
        }
    }
    tmp[n] = '\0';
    out(w, tmp);
}

void mx_write_family(struct mx_writer *w, const char *name, const char *type,
                     const char *help)
{
    outf(w, "# HELP %s ", name);
    out(w, help); /* helps are ours: no backslash or newline in them */
    outf(w, "\n# TYPE %s %s\n", name, type);
}

static void out_number(struct mx_writer *w, double v)
{
    if (v == (double)(int64_t)v && v < 9e15 && v > -9e15)
        outf(w, " %lld\n", (long long)v);
    else
        outf(w, " %.9g\n", v);
}

void mx_write_sample(struct mx_writer *w, const char *name, const char *labels,
                     double value)
{
    out(w, name);
    out(w, labels);
    out_number(w, value);
}

static void out_label(struct mx_writer *w, const struct label *l, unsigned v,
                      bool *first)
{
    if (!l->name)
        return;
    out(w, *first ? "{" : ",");
    *first = false;
    outf(w, "%s=\"", l->name);
    switch (l->kind) {
    case LK_ENUM: out_value(w, v < l->n ? l->values[v] : "other"); break;
    case LK_ROUTE: {
        const char *p = v == 0                ? "none"
                        : v < ROUTE_SLOTS - 1 ? atomic_load(&routes[v])
                                              : NULL;
        out_value(w, p ? p : "other");
        break;
    }
    case LK_CODE:
        if (v >= 100 && v <= 599)
            outf(w, "%u", v);
        else
            out(w, v == 0 ? "error" : "other");
        break;
    default: break;
    }
    out(w, "\"");
}

static void out_labels(struct mx_writer *w, const struct def *d, uint64_t key,
                       const char *extra)
{
    unsigned v[3] = {(unsigned)(key >> 40) & 0xFFFF,
                     (unsigned)(key >> 24) & 0xFFFF,
                     (unsigned)(key >> 8) & 0xFFFF};
    bool first = true;
    for (int i = 0; i < 3; i++)
        out_label(w, &d->labels[i], v[i], &first);
    if (extra) {
        out(w, first ? "{" : ",");
        first = false;
        out(w, extra);
    }
    if (!first)
        out(w, "}");
}

struct kv {
    uint64_t key, val;
};

static int kv_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct kv *)a)->key, y = ((const struct kv *)b)->key;
    return x < y ? -1 : x > y;
}

/* Every sample of every shard, merged by key and sorted; *n entries. */
static struct kv *merge_shards(size_t *n)
{
    struct kv *m = ed_calloc(MERGE_SLOTS, sizeof(*m));
    for (size_t s = 0; s < MAX_SHARDS; s++) {
        struct shard *sh = atomic_load(&shards[s]);
        if (!sh)
            continue;
        for (size_t i = 0; i < SHARD_SLOTS; i++) {
            uint64_t k = atomic_load_explicit(&sh->slots[i].key,
                                              memory_order_acquire);
            if (!k)
                continue;
            uint64_t v = atomic_load_explicit(&sh->slots[i].val,
                                              memory_order_relaxed);
            size_t j = hash_key(k, SHARD_BITS + 1);
            size_t probes = 0;
            while (m[j].key && m[j].key != k && probes++ < MERGE_SLOTS)
                j = (j + 1) & (MERGE_SLOTS - 1);
            if (m[j].key && m[j].key != k)
                continue; /* cannot happen: the catalogue is bounded */
            m[j].key = k;
            m[j].val += v;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < MERGE_SLOTS; i++)
        if (m[i].key)
            m[k++] = m[i];
    qsort(m, k, sizeof(*m), kv_cmp);
    *n = k;
    return m;
}

/* The samples of one histogram label set: kv[*i..] share key>>8. */
static void out_histogram(struct mx_writer *w, const struct def *d,
                          const struct kv *kv, size_t n, size_t *i)
{
    uint64_t base = kv[*i].key & ~(uint64_t)0xFF;
    uint64_t counts[NBOUNDS + 1] = {0}, sum_us = 0;
    for (; *i < n && (kv[*i].key & ~(uint64_t)0xFF) == base; (*i)++) {
        unsigned b = (unsigned)(kv[*i].key & 0xFF);
        if (b == SUM_BUCKET)
            sum_us = kv[*i].val;
        else if (b >= 1 && b <= NBOUNDS + 1)
            counts[b - 1] += kv[*i].val;
    }
    uint64_t cum = 0;
    char le[32];
    for (size_t b = 0; b <= NBOUNDS; b++) {
        cum += counts[b];
        if (b < NBOUNDS)
            snprintf(le, sizeof(le), "le=\"%g\"", bounds_ms[b] / 1000.0);
        else
            snprintf(le, sizeof(le), "le=\"+Inf\"");
        outf(w, "%s_bucket", d->name);
        out_labels(w, d, base, le);
        outf(w, " %llu\n", (unsigned long long)cum);
    }
    outf(w, "%s_sum", d->name);
    out_labels(w, d, base, NULL);
    outf(w, " %.6f\n", (double)sum_us / 1e6);
    outf(w, "%s_count", d->name);
    out_labels(w, d, base, NULL);
    outf(w, " %llu\n", (unsigned long long)cum);
}

static void out_process(struct mx_writer *w)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        mx_write_family(w, "process_cpu_seconds_total", "counter",
                        "User and system CPU time spent, in seconds");
        mx_write_sample(
            w, "process_cpu_seconds_total", "",
            (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    }
    /* /proc/self/statm: "size resident shared ..." in pages */
    FILE *f = fopen("/proc/self/statm", "r");
    char line[128];
    if (f && fgets(line, sizeof(line), f)) {
        uint64_t size = 0, rss = 0;
        char *sp = strchr(line, ' ');
        char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
        if (sp && sp2) {
            *sp = *sp2 = '\0';
            if (ed_parse_u64(line, UINT64_MAX, &size) &&
                ed_parse_u64(sp + 1, UINT64_MAX, &rss)) {
                double page = (double)sysconf(_SC_PAGESIZE);
                mx_write_family(w, "process_resident_memory_bytes", "gauge",
                                "Resident memory size in bytes");
                mx_write_sample(w, "process_resident_memory_bytes", "",
                                (double)rss * page);
                mx_write_family(w, "process_virtual_memory_bytes", "gauge",
                                "Virtual memory size in bytes");
                mx_write_sample(w, "process_virtual_memory_bytes", "",
                                (double)size * page);
            }
        }
    }
    if (f)
        fclose(f);
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        long n = 0;
        while (readdir(d))
            n++;
        closedir(d);
        mx_write_family(w, "process_open_fds", "gauge",
                        "Open file descriptors");
        mx_write_sample(w, "process_open_fds", "", (double)(n - 3));
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        mx_write_family(w, "process_max_fds", "gauge",
                        "Limit of open file descriptors");
        mx_write_sample(w, "process_max_fds", "", (double)rl.rlim_cur);
    }
    mx_write_family(w, "process_start_time_seconds", "gauge",
                    "Start time of the process since the Unix epoch, in "
                    "seconds");
    mx_write_sample(w, "process_start_time_seconds", "", started_at);
}

enum ed_err metrics_render(struct ed_buf *b)
{
    struct mx_writer w = {.b = b, .err = ED_OK};
    size_t n = 0;
    struct kv *kv = merge_shards(&n);
    size_t i = 0;
    for (unsigned m = MX_NONE + 1; m < MX_COUNT; m++) {
        const struct def *d = &defs[m];
        mx_write_family(&w, d->name, d->histogram ? "histogram" : "counter",
                        d->help);
        while (i < n && (kv[i].key >> 56) < m)
            i++;
        while (i < n && (kv[i].key >> 56) == m) {
            if (d->histogram) {
                out_histogram(&w, d, kv, n, &i);
                continue;
            }
            out(&w, d->name);
            out_labels(&w, d, kv[i].key, NULL);
            outf(&w, " %llu\n", (unsigned long long)kv[i].val);
            i++;
        }
    }
    free(kv);
    for (unsigned g = 0; g < MXG_COUNT; g++) {
        mx_write_family(&w, gauge_defs[g].name, "gauge", gauge_defs[g].help);
        mx_write_sample(&w, gauge_defs[g].name, "",
                        (double)atomic_load(&gauges[g]));
    }
    mx_write_family(&w, "elementsd_metrics_dropped_total", "counter",
                    "Counts a full metrics shard could not hold (should stay "
                    "0)");
    mx_write_sample(&w, "elementsd_metrics_dropped_total", "",
                    (double)atomic_load(&dropped));
    for (size_t c = 0; c < ncollectors; c++)
        collectors[c].fn(&w, collectors[c].ud);
    out_process(&w);
    return w.err;
}
