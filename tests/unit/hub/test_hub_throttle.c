/* SPDX-License-Identifier: MIT
 * The per-portal throttle's background slots (bulk work): taken only when
 * one is free now, never ahead of the application's queued calls, and with
 * a headroom of limit/50 left to the application. */
#include <stdio.h>

#include "check.h"

#include "hub/hub.h"

static void test_background_uses_free_slots_then_waits(void)
{
    double slot;
    int64_t portal = 9001;
    /* limit 100 per 10 s: headroom 2; 98 background slots at once */
    for (int i = 0; i < 98; i++) {
        CHECK(hub_throttle_try(portal, false, 100, 0, &slot) == 0);
        CHECK(slot > 0);
    }
    long wait = hub_throttle_try(portal, false, 100, 0, &slot);
    CHECK(wait > 0 && wait <= 10100);
    CHECK(slot == 0);
    /* the application still gets the headroom at once */
    CHECK(hub_throttle_reserve(portal, false, 100, 0, 0, &slot) == 0);
    CHECK(hub_throttle_reserve(portal, false, 100, 0, 0, &slot) == 0);
    /* and then waits for the window like anyone */
    CHECK(hub_throttle_reserve(portal, false, 100, 0, 0, &slot) > 0);
    /* background never goes ahead of that queued call */
    CHECK(hub_throttle_try(portal, false, 100, 0, &slot) > 0);
}

static void test_background_yields_to_queued_calls(void)
{
    double slot;
    int64_t portal = 9002;
    /* an application call queued 500 ms ahead (a 429 retry, say) */
    CHECK(hub_throttle_reserve(portal, false, 100, 0, 500, &slot) == 0);
    long wait = hub_throttle_try(portal, false, 100, 0, &slot);
    CHECK(wait > 0 && wait <= 501);
    CHECK(slot == 0);
}

static void test_off(void)
{
    double slot = 1;
    CHECK(hub_throttle_try(9003, false, 0, 0, &slot) == 0);
    CHECK(slot == 0);
}

int main(void)
{
    RUN(test_background_uses_free_slots_then_waits);
    RUN(test_background_yields_to_queued_calls);
    RUN(test_off);
    fprintf(stderr, "test_hub_throttle: all passed\n");
    return 0;
}
