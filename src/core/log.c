/* SPDX-License-Identifier: MIT
 * Logging: one formatted line per call, written with a single write() so
 * lines from different threads never interleave. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
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

void ed_log_write(enum ed_log_level lvl, const char *reqid, const char *fmt,
                  ...)
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

/* The access log is buffered: request threads append lines under a mutex,
 * and the flusher thread writes the buffer every ACCESS_FLUSH_MS (or a
 * request thread does, when the buffer is nearly full), so a busy server
 * makes one write() per interval instead of one per request. Without the
 * flusher (admin commands, tests of this module) every line is written at
 * once. */
#define ACCESS_BUF 65536
#define ACCESS_FLUSH_MS 100

static char access_buf[ACCESS_BUF];
static size_t access_len;
static pthread_mutex_t access_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t access_cond = PTHREAD_COND_INITIALIZER;
static bool flusher_on, flusher_stop;
static pthread_t flusher;

/* Write out the buffer; call with access_lock held. */
static void access_flush_locked(void)
{
    size_t off = 0;
    while (off < access_len) {
        ssize_t w = write(STDERR_FILENO, access_buf + off, access_len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    access_len = 0;
}

static void access_append(const char *line, size_t n)
{
    pthread_mutex_lock(&access_lock);
    if (!flusher_on) {
        ssize_t w = write(STDERR_FILENO, line, n);
        (void)w;
    } else {
        if (access_len + n > ACCESS_BUF)
            access_flush_locked();
        memcpy(access_buf + access_len, line, n);
        access_len += n;
    }
    pthread_mutex_unlock(&access_lock);
}

static void *flusher_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&access_lock);
    while (!flusher_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += ACCESS_FLUSH_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&access_cond, &access_lock, &ts);
        access_flush_locked();
    }
    pthread_mutex_unlock(&access_lock);
    return NULL;
}

void ed_log_access_start(void)
{
    pthread_mutex_lock(&access_lock);
    flusher_stop = false;
    flusher_on = pthread_create(&flusher, NULL, flusher_main, NULL) == 0;
    pthread_mutex_unlock(&access_lock);
}

void ed_log_access_stop(void)
{
    pthread_mutex_lock(&access_lock);
    bool on = flusher_on;
    flusher_stop = true;
    pthread_cond_signal(&access_cond);
    pthread_mutex_unlock(&access_lock);
    if (on)
        pthread_join(flusher, NULL);
    pthread_mutex_lock(&access_lock);
    flusher_on = false;
    access_flush_locked();
    pthread_mutex_unlock(&access_lock);
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
    access_append(line, k);
}
