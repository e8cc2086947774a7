/* SPDX-License-Identifier: MIT
 * Clocks and ISO-8601 formatting. */
#include "core/timeutil.h"

#include <time.h>

int64_t ed_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ed_now_s(void)
{
    return ed_now_ms() / 1000;
}

double ed_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void ed_iso8601(int64_t epoch_s, char *buf, size_t n)
{
    time_t t = (time_t)epoch_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
