/* SPDX-License-Identifier: MIT
 * metrics/metrics: counts from many threads add up exactly (per-thread
 * shards, merged at scrape), histograms are cumulative with _count equal
 * to the +Inf bucket and _sum in seconds, label values come from the fixed
 * lists (an out-of-range value is "other"), route patterns are interned by
 * pointer, and nothing is counted while metrics are off. */
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "core/request.h"
#include "metrics/metrics.h"

static char *render(void)
{
    struct ed_buf b;
    ed_buf_init(&b, 1 << 24);
    CHECK_EQ_INT(metrics_render(&b), ED_OK);
    return ed_buf_take(&b);
}

static void has(const char *text, const char *line)
{
    if (!strstr(text, line)) {
        fprintf(stderr, "missing line: %s\n", line);
        exit(1);
    }
}

static const char route_a[] = "/hubs/{hub}/*";

static void *worker(void *arg)
{
    (void)arg;
    unsigned r = mx_route(route_a);
    for (int i = 0; i < 10000; i++)
        mx_inc(MX_HTTP_REQUESTS, r, mx_method(ED_GET), 200);
    return NULL;
}

static void test_threads_add_up(void)
{
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    char *text = render();
    has(text, "elementsd_http_requests_total{route=\"/hubs/{hub}/*\","
              "method=\"GET\",code=\"200\"} 80000\n");
    free(text);
}

static void test_histogram(void)
{
    mx_observe(MX_HS_DURATION, MXF_SEARCH, 0, 3);   /* <= 0.005 */
    mx_observe(MX_HS_DURATION, MXF_SEARCH, 0, 40);  /* <= 0.05 */
    mx_observe(MX_HS_DURATION, MXF_SEARCH, 0, 9e6); /* +Inf only */
    mx_observe(MX_HS_DURATION, MXF_SEARCH, 0, -1);  /* not observed */
    char *text = render();
    const char *n = "elementsd_hubspot_request_duration_seconds";
    char line[200];
    snprintf(line, sizeof(line),
             "%s_bucket{family=\"search\",le=\"0.005\"} 1\n", n);
    has(text, line);
    snprintf(line, sizeof(line), "%s_bucket{family=\"search\",le=\"0.05\"} 2\n",
             n);
    has(text, line);
    snprintf(line, sizeof(line), "%s_bucket{family=\"search\",le=\"30\"} 2\n",
             n);
    has(text, line);
    snprintf(line, sizeof(line), "%s_bucket{family=\"search\",le=\"+Inf\"} 3\n",
             n);
    has(text, line);
    snprintf(line, sizeof(line), "%s_count{family=\"search\"} 3\n", n);
    has(text, line);
    snprintf(line, sizeof(line), "%s_sum{family=\"search\"} 9000.043000\n", n);
    has(text, line);
    has(text, "# TYPE elementsd_hubspot_request_duration_seconds histogram\n");
    free(text);
}

static void test_labels(void)
{
    static const char other_route[] = "/x";
    CHECK_EQ_INT(mx_route(NULL), 0);
    CHECK_EQ_INT(mx_route(route_a), mx_route(route_a));
    CHECK(mx_route(other_route) != mx_route(route_a));
    mx_inc(MX_HS_CALLS, 999, 0, 0); /* family out of range, no answer */
    mx_inc(MX_HS_CALLS, MXF_AUTH, 700, 0);
    mx_inc(MX_HTTP_REQUESTS, mx_route(NULL), mx_method(0), 404);
    CHECK_EQ_INT(mx_label(MX_BULK_JOBS_FINISHED, 0, "COMPLETED"), 1);
    CHECK_EQ_INT(mx_label(MX_BULK_JOBS_FINISHED, 0, "SOMETHING"), 0);
    char *text = render();
    has(text, "elementsd_hubspot_requests_total{family=\"other\","
              "code=\"error\"} 1\n");
    has(text, "elementsd_hubspot_requests_total{family=\"auth\","
              "code=\"other\"} 1\n");
    has(text, "elementsd_http_requests_total{route=\"none\",method=\"other\","
              "code=\"404\"} 1\n");
    has(text, "elementsd_metrics_dropped_total 0\n");
    free(text);
}

static void test_off(void)
{
    metrics_enable(false);
    mx_inc(MX_HS_RETRIES, MXR_TRANSIENT, 0, 0);
    metrics_enable(true);
    char *text = render();
    CHECK(
        !strstr(text, "elementsd_hubspot_retries_total{reason=\"transient\"}"));
    has(text, "# TYPE elementsd_hubspot_retries_total counter\n");
    free(text);
}

int main(void)
{
    metrics_enable(true);
    test_threads_add_up();
    test_histogram();
    test_labels();
    test_off();
    return 0;
}
