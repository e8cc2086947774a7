/* SPDX-License-Identifier: MIT
 * Throttle before the 429: one token bucket per HubSpot portal (shared by
 * every instance on it), for the ten-secondly limit and the search limit.
 * A call that would exceed the rate is not refused but delayed until its
 * slot, so a burst of app calls is smoothed instead of bounced. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/hub.h"
#include "core/timeutil.h"

#define BUCKETS 1024

struct bucket {
    int64_t portal;
    double next_ms;        /* earliest time of the next general call */
    double next_search_ms; /* same for search */
};

static struct bucket buckets[BUCKETS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

long hub_throttle_reserve(int64_t portal, bool search, long per10s,
                          long search_per_s)
{
    long rate_interval_ms;
    if (search) {
        if (search_per_s <= 0)
            return 0;
        rate_interval_ms = 1000 / search_per_s;
    } else {
        if (per10s <= 0)
            return 0;
        rate_interval_ms = 10000 / per10s;
    }
    if (rate_interval_ms <= 0)
        return 0;
    double now = ed_mono_ms();
    pthread_mutex_lock(&lock);
    /* open addressing on the portal id; a collision just shares a bucket */
    struct bucket *b = &buckets[(uint64_t)portal % BUCKETS];
    if (b->portal != portal) {
        b->portal = portal;
        b->next_ms = b->next_search_ms = 0;
    }
    double *next = search ? &b->next_search_ms : &b->next_ms;
    /* allow a burst of up to one interval's worth of calls (the bucket) */
    double burst = search ? 1000.0 : 10000.0;
    if (*next < now - burst)
        *next = now - burst;
    double at = *next;
    *next += (double)rate_interval_ms;
    pthread_mutex_unlock(&lock);
    long wait = at > now ? (long)(at - now) : 0;
    return wait;
}
