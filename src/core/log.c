/* SPDX-License-Identifier: MIT
 * Logging: one formatted line per call, written with a single write() so
 * lines from different threads never interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum ed_log_level ed_log_threshold = ED_LOG_INFO;

static const char *level_names[] = {"debug", "info", "warn", "error"};

int ed_log_level_parse(const char *s, enum ed_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum ed_log_level)i;
            return 0;
        }
    }
    return -1;
}

static size_t stamp(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    int m = snprintf(buf + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
    return k + (m > 0 ? (size_t)m : 0);
}

void ed_log_write(enum ed_log_level lvl, const char *reqid, const char *fmt, ...)
{
    char line[2048];
    size_t k = stamp(line, sizeof(line));
    int m = snprintf(line + k, sizeof(line) - k, " level=%s reqid=%s ",
                     level_names[lvl], reqid ? reqid : "-");
    if (m > 0)
        k += (size_t)m;
    va_list ap;
    va_start(ap, fmt);
    m = vsnprintf(line + k, sizeof(line) - k, fmt, ap);
    va_end(ap);
    if (m > 0)
        k += (size_t)m;
    if (k >= sizeof(line) - 1)
        k = sizeof(line) - 2;
    line[k++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, k);
    (void)w;
}

void ed_log_access(const char *reqid, const char *method, const char *route,
                   int status, double ms, double upstream_ms)
{
    char line[512];
    size_t k = stamp(line, sizeof(line));
    int m = snprintf(line + k, sizeof(line) - k,
                     " access reqid=%s method=%s route=%s status=%d ms=%.2f "
                     "upstream_ms=%.2f\n",
                     reqid, method, route, status, ms, upstream_ms);
    if (m > 0)
        k += (size_t)m;
    if (k >= sizeof(line)) { /* truncated: still end the line */
        k = sizeof(line) - 1;
        line[k - 1] = '\n';
    }
    ssize_t w = write(STDERR_FILENO, line, k);
    (void)w;
}
