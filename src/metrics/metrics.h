/* SPDX-License-Identifier: MIT */
#ifndef ED_METRICS_H
#define ED_METRICS_H
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"

/* Process metrics for Prometheus (docs/metrics.md). A core-level room:
 * it includes nothing above core/, so any layer may count. The series are
 * one catalogue (enum mx_metric, names and label sets in metrics.c); a
 * sample is a metric and up to three small label values (indices into the
 * metric's fixed value lists, an HTTP status, or an interned route
 * pattern), so every label set is bounded by construction: no instance,
 * portal or organization id can become a label.
 *
 * Hot path: each thread counts into its own shard (a fixed open-addressing
 * table of relaxed atomics); no lock is ever taken to count. A scrape sums
 * the shards. Counting is off (one predictable branch per hook) unless
 * metrics_enable(true) ran, which main does when --metrics-listen is set. */

enum mx_metric {
    MX_NONE = 0,
    MX_HTTP_REQUESTS,           /* route, method, code */
    MX_HTTP_DURATION,           /* route (histogram) */
    MX_HS_CALLS,                /* family, code */
    MX_HS_DURATION,             /* family (histogram) */
    MX_HS_RATE_LIMITED,         /* family: 429 answers */
    MX_HS_RETRIES,              /* reason */
    MX_HS_THROTTLE_WAIT,        /* kind (histogram) */
    MX_TOKEN_REFRESHES,         /* result */
    MX_CACHE_LOOKUPS,           /* cache, result */
    MX_DB_POOL_WAITS,           /* (none) */
    MX_EVENT_DELIVERIES,        /* result */
    MX_EVENT_DELIVERY_DURATION, /* (histogram) */
    MX_EVENT_DELIVERY_LATENCY,  /* (histogram) */
    MX_BULK_JOBS_FINISHED,      /* status */
    MX_COUNT
};

/* Label value lists (the index is what a hook passes). */
enum mx_method {
    MXM_OTHER,
    MXM_GET,
    MXM_POST,
    MXM_PUT,
    MXM_PATCH,
    MXM_DELETE,
    MXM_OPTIONS,
    MXM_HEAD
};
/* HubSpot endpoint families (hubspot_endpoint_family maps a path). */
enum mx_family {
    MXF_OTHER,
    MXF_CRM_OBJECTS,
    MXF_SEARCH,
    MXF_BATCH,
    MXF_PROPERTIES,
    MXF_OWNERS,
    MXF_PIPELINES,
    MXF_ASSOCIATIONS,
    MXF_SCHEMAS,
    MXF_ENGAGEMENTS,
    MXF_TIMELINE,
    MXF_LISTS,
    MXF_FILES,
    MXF_WORKFLOWS,
    MXF_MARKETING,
    MXF_AUTH,
    MXF_ACCOUNT,
    MXF_COUNT
};
enum mx_retry { MXR_RATE_LIMIT, MXR_TRANSIENT, MXR_UNAUTHORIZED };
enum mx_kind { MXK_CALL, MXK_SEARCH };
enum mx_refresh { MXT_SUCCESS, MXT_REJECTED, MXT_ERROR };
enum mx_cache { MXC_INSTANCE, MXC_INSTANCE_SHARED, MXC_VDR };
enum mx_hit { MXH_HIT, MXH_MISS };
enum mx_delivery { MXD_DELIVERED, MXD_FAILED, MXD_GIVEN_UP };

/* Gauges kept by the code that changes them (process-wide atomics). */
enum mx_gauge { MXG_DB_POOL_IN_USE, MXG_HTTP_IN_FLIGHT, MXG_COUNT };

extern bool mx_enabled;

/* Turn counting on or off (before threads start; off by default). */
void metrics_enable(bool on);

/* Add n to a counter; a histogram observes ms (milliseconds; exposed in
 * seconds; a negative ms is not observed). Label values out of range are counted under the metric's
 * "other" value, never dropped silently (elementsd_metrics_dropped_total
 * counts what a full shard could not hold). */
void mx_add_(enum mx_metric m, unsigned a, unsigned b, unsigned c, uint64_t n);
void mx_observe_(enum mx_metric m, unsigned a, unsigned b, double ms);
void mx_gauge_add_(enum mx_gauge g, int64_t delta);

static inline void mx_inc(enum mx_metric m, unsigned a, unsigned b, unsigned c)
{
    if (mx_enabled)
        mx_add_(m, a, b, c, 1);
}
static inline void mx_observe(enum mx_metric m, unsigned a, unsigned b,
                              double ms)
{
    if (mx_enabled)
        mx_observe_(m, a, b, ms);
}
static inline void mx_gauge_add(enum mx_gauge g, int64_t delta)
{
    if (mx_enabled)
        mx_gauge_add_(g, delta);
}

/* A route pattern (a static string: the pointer is the key) as a label
 * value; at most MX_MAX_ROUTES distinct ones, then "other". NULL: "none"
 * (no route matched). */
#define MX_MAX_ROUTES 1022
unsigned mx_route(const char *pattern);
/* The index of value (case-insensitive) in the value list of m's label
 * number label; 0 (the list's first, "other" where there is one) when it
 * is not in it. */
unsigned mx_label(enum mx_metric m, unsigned label, const char *value);
/* HTTP method bit (enum ed_method) as a label value. */
unsigned mx_method(unsigned ed_method);

/* Collectors add samples read at scrape time (the store's outbox depth,
 * bulk jobs by state, the throttle's portals). They write through these: */
struct mx_writer;
/* Start a metric family: TYPE and HELP lines. type: "gauge", "counter". */
void mx_write_family(struct mx_writer *w, const char *name, const char *type,
                     const char *help);
/* One sample; labels is "" or a preformatted `{k="v",...}`. */
void mx_write_sample(struct mx_writer *w, const char *name, const char *labels,
                     double value);
typedef void (*mx_collector_fn)(struct mx_writer *w, void *ud);
/* Register a collector (at most 16; before serving starts). */
void metrics_add_collector(mx_collector_fn fn, void *ud);
void metrics_clear_collectors(void);

/* The exposition (text format 0.0.4) into out. */
enum ed_err metrics_render(struct ed_buf *out);

#define MX_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
