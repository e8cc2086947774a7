/* SPDX-License-Identifier: MIT
 * The console dashboard's numbers (GET /metrics/summary): hub calls,
 * errors (status >= 400) and latency per minute over the last 24 h, per
 * (organization, element) and per instance. Counted always, for every
 * client hub call, into a fixed table of at most SUMMARY_SERIES_MAX series,
 * each a ring of SUMMARY_MINUTES one-minute buckets (allocated when the
 * series first counts). A full table gives the slot of the instance series
 * with the fewest calls to a new instance (the table keeps the busiest);
 * element series are never evicted. One mutex: a call costs one short
 * critical section (two series found by a scan of the small table). Per
 * node: each node counts the calls it served. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "traces/traces.h"

struct bucket {
    uint32_t minute; /* epoch minute the counts are for */
    uint32_t calls, errors;
    float ms_sum, ms_max;
};

struct series {
    bool used;
    int64_t org_id;
    int64_t instance_id; /* 0: the element's series */
    char element[32];
    uint64_t total; /* calls counted since the series started */
    struct bucket *ring;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct series table[SUMMARY_SERIES_MAX];

static struct series *find(int64_t org_id, int64_t instance_id,
                           const char *element)
{
    struct series *free_slot = NULL, *least = NULL;
    for (size_t i = 0; i < SUMMARY_SERIES_MAX; i++) {
        struct series *s = &table[i];
        if (!s->used) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (s->org_id == org_id && s->instance_id == instance_id &&
            strcmp(s->element, element) == 0)
            return s;
        if (s->instance_id && (!least || s->total < least->total))
            least = s;
    }
    struct series *s = free_slot;
    if (!s) {
        /* an instance evicts the least used instance; an element series
         * takes that slot too (there are few: two per organization) */
        if (!least)
            return NULL;
        s = least;
    }
    struct bucket *ring = s->ring;
    if (!ring)
        ring = ed_malloc(sizeof(*ring) * SUMMARY_MINUTES);
    memset(ring, 0, sizeof(*ring) * SUMMARY_MINUTES);
    memset(s, 0, sizeof(*s));
    s->used = true;
    s->org_id = org_id;
    s->instance_id = instance_id;
    snprintf(s->element, sizeof(s->element), "%s", element);
    s->ring = ring;
    return s;
}

static void add(struct series *s, int64_t minute, bool error, double ms)
{
    struct bucket *b = &s->ring[minute % SUMMARY_MINUTES];
    if (b->minute != (uint32_t)minute)
        memset(b, 0, sizeof(*b));
    b->minute = (uint32_t)minute;
    b->calls++;
    b->errors += error;
    b->ms_sum += (float)ms;
    if ((float)ms > b->ms_max)
        b->ms_max = (float)ms;
    s->total++;
}

void summary_count(int64_t org_id, int64_t instance_id, const char *element,
                   int status, double ms, int64_t now_ms)
{
    int64_t minute = now_ms / 60000;
    bool error = status >= 400;
    if (ms < 0)
        ms = 0;
    pthread_mutex_lock(&mu);
    struct series *e = find(org_id, 0, element ? element : "");
    if (e)
        add(e, minute, error, ms);
    struct series *i = find(org_id, instance_id, element ? element : "");
    if (i)
        add(i, minute, error, ms);
    pthread_mutex_unlock(&mu);
}

/* calls, errors and average latency of s over [first, first + n) minutes. */
static json_t *render_series(const struct series *s, int64_t first, int n)
{
    json_t *calls = json_array(), *errors = json_array(), *lat = json_array();
    json_t *max = json_array();
    uint64_t total = 0, terr = 0;
    for (int k = 0; k < n; k++) {
        int64_t m = first + k;
        const struct bucket *b = &s->ring[m % SUMMARY_MINUTES];
        bool here = b->minute == (uint32_t)m && b->calls > 0;
        json_array_append_new(calls, json_integer(here ? b->calls : 0));
        json_array_append_new(errors, json_integer(here ? b->errors : 0));
        json_array_append_new(lat, here ? json_real(b->ms_sum / b->calls)
                                        : json_null());
        json_array_append_new(max, here ? json_real(b->ms_max) : json_null());
        if (here) {
            total += b->calls;
            terr += b->errors;
        }
    }
    json_t *o = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "element",
                          s->element, "totalCalls", (json_int_t)total,
                          "totalErrors", (json_int_t)terr, "calls", calls,
                          "errors", errors, "latencyMs", lat, "latencyMaxMs",
                          max);
    if (s->instance_id)
        json_object_set_new(o, "instanceId", json_integer(s->instance_id));
    return o;
}

static int by_total_desc(const void *a, const void *b)
{
    json_int_t x = json_integer_value(
        json_object_get(*(json_t *const *)a, "totalCalls"));
    json_int_t y = json_integer_value(
        json_object_get(*(json_t *const *)b, "totalCalls"));
    return x < y ? 1 : x > y ? -1 : 0;
}

json_t *summary_render(int64_t org_id, int minutes, int64_t now_ms)
{
    if (minutes < 1)
        minutes = 1;
    if (minutes > SUMMARY_MINUTES)
        minutes = SUMMARY_MINUTES;
    int64_t last = now_ms / 60000;
    int64_t first = last - minutes + 1;
    json_t *els = json_array();
    json_t *list[SUMMARY_SERIES_MAX];
    size_t n = 0;
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < SUMMARY_SERIES_MAX; i++) {
        const struct series *s = &table[i];
        if (!s->used || s->org_id != org_id)
            continue;
        json_t *r = render_series(s, first, minutes);
        if (s->instance_id)
            list[n++] = r;
        else
            json_array_append_new(els, r);
    }
    pthread_mutex_unlock(&mu);
    qsort(list, n, sizeof(list[0]), by_total_desc);
    json_t *insts = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(insts, list[i]);
    return json_pack("{s:I, s:i, s:i, s:o, s:o}", "start",
                     (json_int_t)(first * 60), "step", 60, "minutes", minutes,
                     "elements", els, "instances", insts);
}

void summary_reset(void)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < SUMMARY_SERIES_MAX; i++) {
        free(table[i].ring);
        memset(&table[i], 0, sizeof(table[i]));
    }
    pthread_mutex_unlock(&mu);
}
