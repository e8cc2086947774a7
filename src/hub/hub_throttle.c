/* SPDX-License-Identifier: MIT
 * Throttle before the 429: per HubSpot portal (shared by every instance on
 * it), at most `per10s` calls in any rolling ten seconds and `search_per_s`
 * searches in any rolling second, the way HubSpot counts them. A call
 * beyond the limit is not refused but given the earliest slot that keeps
 * every window within the limit, so a burst of app calls is smoothed
 * instead of bounced, and the first window's worth goes out at once. The
 * one idea: a limit is a ring of the last `limit` slots handed out; slots
 * never decrease (a call never overtakes one reserved before it, e.g. a
 * 429 retry waiting for its delay), so the next one is simply
 * max(now, the last slot, the oldest slot + window). */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "hub/hub.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "metrics/metrics.h"

#define BUCKETS 1024
/* Our send time and HubSpot's receive time differ by a latency that varies
 * from call to call: a window over by our clock must be over by HubSpot's. */
#define MARGIN_MS 50.0

struct window {
    double *slots; /* the last `cap` slots, oldest at head */
    size_t cap, head, count;
    double last; /* the newest slot */
};

struct bucket {
    int64_t portal;
    struct window calls, searches;
};

static struct bucket buckets[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot (monotonic ms) of a call that may go out at `earliest`. */
static double window_reserve(struct window *w, size_t limit, double window_ms,
                             double earliest)
{
    double at = earliest > w->last ? earliest : w->last;
    if (w->cap != limit) {
        free(w->slots);
        w->slots = ed_calloc(limit, sizeof(*w->slots));
        w->cap = limit;
        w->head = w->count = 0;
    }
    if (w->count == w->cap) {
        double free_at = w->slots[w->head] + window_ms + MARGIN_MS;
        if (free_at > at)
            at = free_at;
        w->head = (w->head + 1) % w->cap;
        w->count--;
    }
    w->slots[(w->head + w->count) % w->cap] = at;
    w->count++;
    w->last = at;
    return at;
}

/* Remove the slot `at` (a call that never went out). The slots after it
 * stay where they are: they were handed out already. */
static void window_release(struct window *w, double at)
{
    for (size_t i = w->count; i-- > 0;) {
        if (w->slots[(w->head + i) % w->cap] != at)
            continue;
        for (size_t k = i; k + 1 < w->count; k++)
            w->slots[(w->head + k) % w->cap] =
                w->slots[(w->head + k + 1) % w->cap];
        w->count--;
        if (i == w->count) /* it was the newest */
            w->last = w->count ? w->slots[(w->head + w->count - 1) % w->cap]
                               : 0;
        return;
    }
}

void hub_throttle_release(int64_t portal, bool search, double slot)
{
    if (slot <= 0)
        return;
    pthread_mutex_lock(&lock);
    struct bucket *b = &buckets[(uint64_t)portal % BUCKETS];
    if (b->portal == portal && (search ? b->searches.cap : b->calls.cap))
        window_release(search ? &b->searches : &b->calls, slot);
    pthread_mutex_unlock(&lock);
}

long hub_throttle_reserve(int64_t portal, bool search, long per10s,
                          long search_per_s, long delay_ms, double *slot)
{
    long limit = search ? search_per_s : per10s;
    *slot = 0;
    if (limit <= 0)
        return 0;
    double now = ed_mono_ms(), earliest = now + (double)delay_ms;
    pthread_mutex_lock(&lock);
    /* open addressing on the portal id; a collision takes the bucket over */
    struct bucket *b = &buckets[(uint64_t)portal % BUCKETS];
    if (b->portal != portal) {
        b->portal = portal;
        b->calls.count = b->searches.count = 0;
        b->calls.last = b->searches.last = 0;
    }
    double at = search ? window_reserve(&b->searches, (size_t)limit, 1000.0,
                                        earliest)
                       : window_reserve(&b->calls, (size_t)limit, 10000.0,
                                        earliest);
    pthread_mutex_unlock(&lock);
    *slot = at;
    if (at > earliest)
        mx_observe(MX_HS_THROTTLE_WAIT, search, 0, at - earliest);
    return at > earliest ? (long)(at - earliest + 0.999) : 0;
}

long hub_throttle_try(int64_t portal, bool search, long per10s,
                      long search_per_s, double *slot)
{
    long limit = search ? search_per_s : per10s;
    double window_ms = search ? 1000.0 : 10000.0;
    *slot = 0;
    if (limit <= 0)
        return 0;
    size_t headroom = (size_t)limit / 50;
    double now = ed_mono_ms(), wait = 0;
    pthread_mutex_lock(&lock);
    struct bucket *b = &buckets[(uint64_t)portal % BUCKETS];
    if (b->portal != portal) {
        b->portal = portal;
        b->calls.count = b->searches.count = 0;
        b->calls.last = b->searches.last = 0;
    }
    struct window *w = search ? &b->searches : &b->calls;
    if (w->cap != (size_t)limit) {
        free(w->slots);
        w->slots = ed_calloc((size_t)limit, sizeof(*w->slots));
        w->cap = (size_t)limit;
        w->head = w->count = 0;
        w->last = 0;
    }
    if (w->last > now) {
        /* the application's calls are queued: they go first */
        wait = w->last - now;
    } else if (w->count + headroom >= w->cap) {
        /* the slot that must have left the window for this one to fit
         * with the headroom kept */
        size_t idx = w->count + headroom - w->cap;
        double free_at = w->slots[(w->head + idx) % w->cap] + window_ms +
                         MARGIN_MS;
        if (free_at > now)
            wait = free_at - now;
    }
    if (wait <= 0)
        *slot = window_reserve(w, (size_t)limit, window_ms, now);
    pthread_mutex_unlock(&lock);
    if (wait > 0)
        mx_observe(MX_HS_THROTTLE_WAIT, search, 0, wait);
    return wait > 0 ? (long)wait + 1 : 0;
}

void hub_throttle_stats(size_t *portals, size_t *queued)
{
    double now = ed_mono_ms();
    *portals = *queued = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < BUCKETS; i++) {
        const struct bucket *b = &buckets[i];
        if (!b->calls.count && !b->searches.count)
            continue;
        (*portals)++;
        if (b->calls.last > now || b->searches.last > now)
            (*queued)++;
    }
    pthread_mutex_unlock(&lock);
}
