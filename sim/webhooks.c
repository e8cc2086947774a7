/* SPDX-License-Identifier: MIT */
/*
 * Webhook delivery for hubspot-sim. Every object-change event of a type an
 * app can subscribe to (contact, company, deal, ticket, product, line_item)
 * is copied into an open batch per target app; a batch closes when it holds
 * 100 events or its window (--webhook-batch-ms) ends, and a small pool of
 * delivery threads POSTs it, signed as HubSpot signs (v1 or v2, plus v3),
 * retrying on the compressed or the real schedule. There are as many
 * threads as the targets' maxConcurrent add up to (capped), so a slow
 * receiver cannot starve another app's. The one design idea: all
 * bookkeeping (targets, batches, the attempt log) lives under the global
 * st->lock, but no thread holds it across network I/O. A worker marks a
 * batch in flight, renders and signs it under the lock, unlocks, sends, and
 * relocks only to record the outcome. The HTTP client is deliberately tiny:
 * http:// only (no TLS), one blocking socket per attempt whose SO_SNDTIMEO
 * and SO_RCVTIMEO are cut to one deadline, the status line read, then the
 * connection closed.
 */
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define WH_TARGETS_MAX 16
#define WH_WORKERS_MAX 64    /* delivery threads, all targets together */
#define WH_CONCURRENT_MAX 10 /* HubSpot: at most 10 in flight per account */
#define WH_STACK (512u * 1024u)
#define WH_BATCH_MAX 100     /* events per request */
#define WH_PENDING_MAX 10000 /* batches waiting; new events dropped past it */
#define WH_LOG_MAX 10000     /* attempt-log entries kept (oldest dropped) */
#define WH_HEAD_MAX 8192     /* request head bytes */
#define WH_NO_RETRY_MAX 16

/* HubSpot retries up to 10 attempts over 24 h with randomised delays
 * (spec §5); its exact schedule is not published. Ours: nine delays adding
 * up to 23.85 h, each jittered by +-10 %. */
static const int64_t wh_default_delays[] = {
    60000,   300000,   900000,   1800000,  3600000,
    7200000, 14400000, 25200000, 32400000,
};

struct wh_url {
    char host[256];
    char port[8];
    char authority[300]; /* Host header: host[:port] as written */
    char target[1024];   /* path and query, starts with '/' */
};

struct wh_target {
    int64_t app_id;
    char url[1024];
    struct wh_url u;
    char secret[256];
    int max_concurrent;
    bool v2;              /* X-HubSpot-Signature is v2 instead of v1 */
    int64_t ts_offset_ms; /* added to X-HubSpot-Request-Timestamp */
    bool corrupt;         /* send signatures that do not verify */
    int no_retry[WH_NO_RETRY_MAX];
    size_t nno_retry;
};

struct wh_batch {
    uint64_t id;
    int64_t app_id;
    json_t *events;
    int attempts; /* attempts made so far = the next attemptNumber */
    int64_t due;  /* sim_mono_ms() */
    bool open;    /* still accepting events */
    bool inflight;
    bool cancelled; /* reset or target removed while in flight */
};

/* What a worker carries across the unlocked send. */
struct wh_job {
    struct wh_batch *b;
    struct wh_target t;
    char *body;
    int64_t timestamp, started;
    int attempt;
};

static struct {
    struct sim_state *st; /* NULL before start and after stop */
    pthread_cond_t cond;  /* paired with st->lock */
    pthread_t workers[WH_WORKERS_MAX];
    size_t nworkers;
    bool stopping;
    pthread_mutex_t fdlock;  /* leaf lock for fds[] and fd_stopping */
    int fds[WH_WORKERS_MAX]; /* socket each worker is using, or -1 */
    bool fd_stopping;
    struct wh_target targets[WH_TARGETS_MAX];
    size_t ntargets;
    struct wh_batch **batches; /* oldest first */
    size_t nbatches, capbatches;
    uint64_t next_batch_id;
    json_t *log;
    int64_t dropped;
} wh = {.fdlock = PTHREAD_MUTEX_INITIALIZER};

/* ---- URLs and signatures ---------------------------------------------- */

/* Parses http://host[:port][/path][?query]; 0, or -1 with a message. */
static int url_parse(const char *url, struct wh_url *u, char *err,
                     size_t errlen)
{
    const char *p, *end, *hend, *rest;
    int64_t port = 80;

    memset(u, 0, sizeof(*u));
    if (sim_str_prefix(url, "https://")) {
        snprintf(err, errlen,
                 "https:// is not supported (no TLS); use an "
                 "http:// receiver");
        return -1;
    }
    if (!sim_str_prefix(url, "http://")) {
        snprintf(err, errlen, "webhook URL must start with http://");
        return -1;
    }
    for (p = url; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f) {
            snprintf(err, errlen,
                     "webhook URL contains a space or control "
                     "character");
            return -1;
        }
    p = url + 7;
    end = p + strcspn(p, "/?#");
    if (end == p || memchr(p, '@', (size_t)(end - p)) ||
        (size_t)(end - p) >= sizeof(u->authority)) {
        snprintf(err, errlen, "webhook URL has no usable host");
        return -1;
    }
    memcpy(u->authority, p, (size_t)(end - p));
    if (*p == '[') {
        hend = memchr(p, ']', (size_t)(end - p));
        if (!hend) {
            snprintf(err, errlen, "webhook URL: unterminated [IPv6] host");
            return -1;
        }
        memcpy(u->host, p + 1, (size_t)(hend - p - 1));
        rest = hend + 1;
    } else {
        hend = memchr(p, ':', (size_t)(end - p));
        rest = hend ? hend : end;
        memcpy(u->host, p, (size_t)(rest - p));
    }
    if (rest < end &&
        (*rest != ':' ||
         !sim_parse_i64n(rest + 1, (size_t)(end - rest - 1), &port) ||
         port < 1 || port > 65535)) {
        snprintf(err, errlen, "webhook URL: bad port");
        return -1;
    }
    if (!u->host[0]) {
        snprintf(err, errlen, "webhook URL has no host");
        return -1;
    }
    snprintf(u->port, sizeof(u->port), "%d", (int)port);
    rest = end + strcspn(end, "#");
    if ((size_t)(rest - end) + 2 > sizeof(u->target)) {
        snprintf(err, errlen, "webhook URL path too long");
        return -1;
    }
    snprintf(u->target, sizeof(u->target), "%s%.*s", *end == '/' ? "" : "/",
             (int)(rest - end), end);
    return 0;
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The URI as v3 hashes it: the configured URL with only these escapes
 * decoded, as HubSpot's validation guide prescribes (spec §5). */
static void v3_uri(const char *url, char *out, size_t cap)
{
    static const char decoded[] = ":/?@!$'()*,;";
    size_t o = 0;

    for (const char *p = url; *p && o + 1 < cap; p++) {
        if (p[0] == '%' && hexdig(p[1]) >= 0 && hexdig(p[2]) >= 0) {
            int c = hexdig(p[1]) * 16 + hexdig(p[2]);

            if (c && strchr(decoded, c)) {
                out[o++] = (char)c;
                p += 2;
                continue;
            }
        }
        out[o++] = *p;
    }
    out[o] = '\0';
}

/* out = lower-case hex SHA-256 of the concatenated parts. */
static void sha256_hex(const char *const *parts, size_t n, char out[65])
{
    crypto_hash_sha256_state s;
    unsigned char d[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_init(&s);
    for (size_t i = 0; i < n; i++)
        crypto_hash_sha256_update(&s, (const unsigned char *)parts[i],
                                  strlen(parts[i]));
    crypto_hash_sha256_final(&s, d);
    sodium_bin2hex(out, 65, d, sizeof(d));
}

/* out = base64(HMAC-SHA256(key, concatenated parts)). */
static void hmac_b64(const char *key, const char *const *parts, size_t n,
                     char out[64])
{
    crypto_auth_hmacsha256_state s;
    unsigned char d[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256_init(&s, (const unsigned char *)key, strlen(key));
    for (size_t i = 0; i < n; i++)
        crypto_auth_hmacsha256_update(&s, (const unsigned char *)parts[i],
                                      strlen(parts[i]));
    crypto_auth_hmacsha256_final(&s, d);
    sodium_bin2base64(out, 64, d, sizeof(d), sodium_base64_VARIANT_ORIGINAL);
}

/* ---- the HTTP client -------------------------------------------------- */

/* Publishes the socket a worker uses so stop can cut it; false (and
 * nothing published) once stopping. */
static bool fd_publish(size_t self, int fd)
{
    bool ok;

    pthread_mutex_lock(&wh.fdlock);
    ok = fd < 0 || !wh.fd_stopping;
    wh.fds[self] = ok ? fd : -1;
    pthread_mutex_unlock(&wh.fdlock);
    return ok;
}

/* Sets a socket timeout to what is left before deadline; false if none. */
static bool timeo(int fd, int opt, int64_t deadline)
{
    int64_t left = deadline - sim_mono_ms();
    struct timeval tv;

    if (left <= 0)
        return false;
    tv.tv_sec = (time_t)(left / 1000);
    tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
    return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) == 0;
}

static const char *errstr(int e, char *buf, size_t cap)
{
    return strerror_r(e, buf, cap); /* GNU variant (_GNU_SOURCE) */
}

/* Connects within the deadline; the socket, or -1 with err filled. */
static int http_connect(size_t self, const struct wh_url *u, int64_t deadline,
                        int64_t timeout_ms, char *err, size_t errlen)
{
    struct addrinfo hints, *ai = NULL;
    char eb[128];
    int fd = -1, gai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    gai = getaddrinfo(u->host, u->port, &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "resolve %.100s: %.100s", u->host,
                 gai_strerror(gai));
        return -1;
    }
    snprintf(err, errlen, "connect: no address");
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0) {
            snprintf(err, errlen, "socket: %s", errstr(errno, eb, sizeof(eb)));
            continue;
        }
        if (!fd_publish(self, fd)) {
            snprintf(err, errlen, "stopping");
            close(fd);
            fd = -1;
            break;
        }
        if (timeo(fd, SO_SNDTIMEO, deadline) &&
            connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        /* With SO_SNDTIMEO, Linux reports a connect timeout as EINPROGRESS. */
        if (sim_mono_ms() >= deadline || errno == EINPROGRESS ||
            errno == EAGAIN)
            snprintf(err, errlen, "timeout after %lld ms (connect)",
                     (long long)timeout_ms);
        else
            snprintf(err, errlen, "connect: %s", errstr(errno, eb, sizeof(eb)));
        fd_publish(self, -1);
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Sends n bytes before the deadline; 0 or an errno (ETIMEDOUT). */
static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        ssize_t k;

        if (!timeo(fd, SO_SNDTIMEO, deadline))
            return ETIMEDOUT;
        k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads up to the end of the status line; the status, or -1 with err. */
static int read_status(int fd, int64_t deadline, int64_t timeout_ms, char *err,
                       size_t errlen)
{
    char buf[4096], eb[128];
    size_t have = 0;

    while (have < sizeof(buf) - 1 && !memchr(buf, '\n', have)) {
        ssize_t k;

        if (!timeo(fd, SO_RCVTIMEO, deadline)) {
            snprintf(err, errlen, "timeout after %lld ms (response)",
                     (long long)timeout_ms);
            return -1;
        }
        k = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
        if (k == 0)
            break;
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                snprintf(err, errlen, "timeout after %lld ms (response)",
                         (long long)timeout_ms);
            else
                snprintf(err, errlen, "recv: %s",
                         errstr(errno, eb, sizeof(eb)));
            return -1;
        }
        have += (size_t)k;
    }
    buf[have] = '\0';
    if (have >= 12 && memcmp(buf, "HTTP/1.", 7) == 0 && buf[8] == ' ' &&
        isdigit((unsigned char)buf[9]) && isdigit((unsigned char)buf[10]) &&
        isdigit((unsigned char)buf[11]) &&
        (buf[12] == ' ' || buf[12] == '\r' || buf[12] == '\n'))
        return (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    snprintf(err, errlen,
             have ? "bad status line"
                  : "connection closed before the status line");
    return -1;
}

/* POSTs a job's batch; the HTTP status, or -1 with err filled (connection
 * failure or timeout, both retried). Runs without st->lock. */
static int deliver(size_t self, const struct wh_job *j, int64_t timeout_ms,
                   char *err, size_t errlen)
{
    const struct wh_target *t = &j->t;
    char sig[65], sig3[64], ts[32], uri3[sizeof(t->url)], eb[128];
    int64_t deadline = sim_mono_ms() + timeout_ms;
    struct sim_buf head;
    int fd, e, status = -1;

    snprintf(ts, sizeof(ts), "%lld", (long long)j->timestamp);
    if (t->v2) {
        const char *parts[] = {t->secret, "POST", t->url, j->body};

        sha256_hex(parts, 4, sig);
    } else {
        const char *parts[] = {t->secret, j->body};

        sha256_hex(parts, 2, sig);
    }
    v3_uri(t->url, uri3, sizeof(uri3));
    {
        const char *parts[] = {"POST", uri3, j->body, ts};

        hmac_b64(t->secret, parts, 4, sig3);
    }
    if (t->corrupt) {
        sig[0] = sig[0] == '0' ? '1' : '0';
        sig3[0] = sig3[0] == 'A' ? 'B' : 'A';
    }
    sim_buf_init(&head, WH_HEAD_MAX);
    if (sim_buf_printf(&head,
                       "POST %s HTTP/1.1\r\nHost: %s\r\n"
                       "User-Agent: HubSpot Connect 2.0 "
                       "(http://dev.hubspot.com/) - hubspot-sim\r\n"
                       "Content-Type: application/json\r\n"
                       "Content-Length: %zu\r\n"
                       "X-HubSpot-Signature: %s\r\n"
                       "X-HubSpot-Signature-Version: %s\r\n"
                       "X-HubSpot-Signature-v3: %s\r\n"
                       "X-HubSpot-Request-Timestamp: %s\r\n"
                       "X-HubSpot-Timeout-Millis: %lld\r\n"
                       "Connection: close\r\n\r\n",
                       t->u.target, t->u.authority, strlen(j->body), sig,
                       t->v2 ? "v2" : "v1", sig3, ts, (long long)timeout_ms)) {
        snprintf(err, errlen, "request head too large");
        goto out;
    }
    fd = http_connect(self, &t->u, deadline, timeout_ms, err, errlen);
    if (fd < 0)
        goto out;
    e = send_all(fd, head.data, head.len, deadline);
    if (!e)
        e = send_all(fd, j->body, strlen(j->body), deadline);
    if (e == ETIMEDOUT)
        snprintf(err, errlen, "timeout after %lld ms (send)",
                 (long long)timeout_ms);
    else if (e)
        snprintf(err, errlen, "send: %s", errstr(e, eb, sizeof(eb)));
    else
        status = read_status(fd, deadline, timeout_ms, err, errlen);
    fd_publish(self, -1);
    close(fd);
out:
    sim_buf_cleanup(&head);
    return status;
}

/* ---- targets and batches (under st->lock) ----------------------------- */

static struct wh_target *target_find(int64_t app_id)
{
    for (size_t i = 0; i < wh.ntargets; i++)
        if (wh.targets[i].app_id == app_id)
            return &wh.targets[i];
    return NULL;
}

/* subscriptionId is 10 * object + kind (contact.creation = 11,
 * deal.propertyChange = 33); 0 when no app can subscribe to the type. */
static int subscription_id(const char *type)
{
    static const char *const objs[] = {"contact", "company", "deal",
                                       "ticket",  "product", "line_item"};
    static const char *const kinds[] = {"creation", "deletion",
                                        "propertyChange", "restore"};
    const char *dot = type ? strchr(type, '.') : NULL;

    if (!dot)
        return 0;
    for (size_t o = 0; o < 6; o++) {
        if (strlen(objs[o]) != (size_t)(dot - type) ||
            strncmp(objs[o], type, (size_t)(dot - type)) != 0)
            continue;
        for (size_t k = 0; k < 4; k++)
            if (strcmp(dot + 1, kinds[k]) == 0)
                return (int)((o + 1) * 10 + k + 1);
    }
    return 0;
}

/* The event as delivered to target t, in HubSpot's field order. */
static json_t *event_for(const json_t *e, const struct wh_target *t)
{
    static const char *const copied[] = {"eventId",       "subscriptionId",
                                         "portalId",      "appId",
                                         "occurredAt",    "subscriptionType",
                                         "attemptNumber", "objectId",
                                         "propertyName",  "propertyValue",
                                         "changeFlag",    "changeSource"};
    const char *type = json_string_value(
        json_object_get(e, "subscriptionType"));
    json_t *out = json_object();

    for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
        json_t *v = json_object_get(e, copied[i]);

        if (strcmp(copied[i], "subscriptionId") == 0)
            json_object_set_new(out, copied[i],
                                json_integer(subscription_id(type)));
        else if (strcmp(copied[i], "appId") == 0)
            json_object_set_new(out, copied[i], json_integer(t->app_id));
        else if (v) /* copies: batches never share values with st->events */
            json_object_set_new(out, copied[i], json_deep_copy(v));
    }
    return out;
}

static void batch_free(struct wh_batch *b)
{
    if (b) {
        json_decref(b->events);
        free(b);
    }
}

static void batch_remove(struct wh_batch *b)
{
    for (size_t i = 0; i < wh.nbatches; i++) {
        if (wh.batches[i] != b)
            continue;
        memmove(&wh.batches[i], &wh.batches[i + 1],
                (wh.nbatches - i - 1) * sizeof(*wh.batches));
        wh.nbatches--;
        break;
    }
    batch_free(b);
}

static struct wh_batch *batch_new(int64_t app_id, int64_t due)
{
    struct wh_batch *b = sim_xcalloc(1, sizeof(*b));

    if (wh.nbatches == wh.capbatches) {
        wh.capbatches = wh.capbatches ? wh.capbatches * 2 : 64;
        wh.batches = sim_xrealloc(wh.batches,
                                  wh.capbatches * sizeof(*wh.batches));
    }
    b->id = ++wh.next_batch_id;
    b->app_id = app_id;
    b->events = json_array();
    b->due = due;
    b->open = true;
    wh.batches[wh.nbatches++] = b;
    return b;
}

/* Drops the batches of one app (all_apps: every batch). Batches in flight
 * are only marked; their worker frees them when the attempt ends. */
static void batches_cancel(bool all_apps, int64_t app_id)
{
    size_t o = 0;

    for (size_t i = 0; i < wh.nbatches; i++) {
        struct wh_batch *b = wh.batches[i];

        if (!all_apps && b->app_id != app_id) {
            wh.batches[o++] = b;
        } else if (b->inflight) {
            b->cancelled = true;
            b->open = false;
            wh.batches[o++] = b;
        } else {
            batch_free(b);
        }
    }
    wh.nbatches = o;
}

static void wh_on_event(struct sim_state *st, const json_t *e)
{
    const char *type = json_string_value(
        json_object_get(e, "subscriptionType"));
    int64_t now = sim_mono_ms();
    bool wake = false;

    if (!subscription_id(type))
        return;
    for (size_t i = 0; i < wh.ntargets; i++) {
        struct wh_target *t = &wh.targets[i];
        struct wh_batch *b = NULL;

        for (size_t k = wh.nbatches; k-- > 0 && !b;)
            if (wh.batches[k]->open && wh.batches[k]->app_id == t->app_id)
                b = wh.batches[k];
        if (!b) {
            if (wh.nbatches >= WH_PENDING_MAX) {
                wh.dropped++;
                continue;
            }
            b = batch_new(t->app_id, now + st->cfg->webhook_batch_ms);
            wake = true;
        }
        json_array_append_new(b->events, event_for(e, t));
        if (json_array_size(b->events) >= WH_BATCH_MAX) {
            b->open = false;
            b->due = now;
            wake = true;
        }
    }
    if (wake)
        pthread_cond_signal(&wh.cond);
}

/* Delay before retry number n (0-based); -1 when the schedule is over. */
static int64_t retry_delay(const struct sim_config *cfg, int n)
{
    uint32_t r;

    if (cfg->webhook_no_retry)
        return -1;
    if (cfg->nwebhook_retry)
        return (size_t)n < cfg->nwebhook_retry ? cfg->webhook_retry_ms[n] : -1;
    if ((size_t)n >= sizeof(wh_default_delays) / sizeof(wh_default_delays[0]))
        return -1;
    sim_random_bytes(&r, sizeof(r));
    return wh_default_delays[n] / 1000 * (900 + (int64_t)(r % 201));
}

static json_t *delays_json(const struct sim_config *cfg)
{
    json_t *a = json_array();

    if (cfg->webhook_no_retry)
        return a;
    if (cfg->nwebhook_retry) {
        for (size_t i = 0; i < cfg->nwebhook_retry; i++)
            json_array_append_new(a, json_integer(cfg->webhook_retry_ms[i]));
        return a;
    }
    for (size_t i = 0;
         i < sizeof(wh_default_delays) / sizeof(*wh_default_delays); i++)
        json_array_append_new(a, json_integer(wh_default_delays[i]));
    return a;
}

/* Takes the ready batch due first whose target has a free slot, marks it in
 * flight and renders it into job. Otherwise returns false and sets *wake to
 * the next due time (INT64_MAX: wait for a signal). */
static bool job_take(struct sim_state *st, struct wh_job *job, int64_t *wake)
{
    int inflight[WH_TARGETS_MAX] = {0};
    struct wh_batch *best = NULL;
    struct wh_target *bt = NULL;
    int64_t now = sim_mono_ms();
    json_t *ev;
    size_t i;

    *wake = INT64_MAX;
    for (i = 0; i < wh.nbatches; i++) {
        struct wh_target *t = target_find(wh.batches[i]->app_id);

        if (t && wh.batches[i]->inflight)
            inflight[t - wh.targets]++;
    }
    for (i = 0; i < wh.nbatches; i++) {
        struct wh_batch *b = wh.batches[i];
        struct wh_target *t = target_find(b->app_id);

        if (b->inflight || !t || inflight[t - wh.targets] >= t->max_concurrent)
            continue;
        if (b->due > now) {
            if (b->due < *wake)
                *wake = b->due;
        } else if (!best || b->due < best->due) {
            best = b;
            bt = t;
        }
    }
    if (!best)
        return false;
    best->inflight = true;
    best->open = false;
    json_array_foreach(best->events, i, ev)
        json_object_set_new(ev, "attemptNumber", json_integer(best->attempts));
    job->b = best;
    job->t = *bt;
    job->attempt = best->attempts;
    job->body = json_dumps(best->events, JSON_COMPACT);
    if (!job->body)
        abort(); /* OOM policy: allocation failures abort */
    job->started = sim_now(st);
    job->timestamp = job->started + bt->ts_offset_ms;
    return true;
}

static bool no_retry(const struct wh_target *t, int status)
{
    for (size_t i = 0; i < t->nno_retry; i++)
        if (t->no_retry[i] == status)
            return true;
    return false;
}

/* Records an attempt and decides the batch's fate. */
static void job_done(struct sim_state *st, struct wh_job *job, int status,
                     const char *err, int64_t ms)
{
    struct wh_batch *b = job->b;
    bool ok = status >= 200 && status <= 299;
    bool retryable = status < 0 || (status >= 400 && status <= 599 &&
                                    !no_retry(&job->t, status));
    int64_t delay = ok || !retryable ? -1 : retry_delay(st->cfg, job->attempt);
    const char *outcome = ok ? "delivered" : delay >= 0 ? "retrying" : "failed";
    json_t *e, *ids, *ev;
    char when[32];
    size_t i;

    b->inflight = false;
    if (b->cancelled) {
        batch_remove(b);
        return;
    }
    ids = json_array();
    json_array_foreach(b->events, i, ev)
        json_array_append(ids, json_object_get(ev, "eventId"));
    sim_iso_ms(job->started, when);
    e = json_pack("{s:s,s:s,s:I,s:I,s:i,s:I,s:o,s:I,s:s}", "time", when, "url",
                  job->t.url, "appId", (json_int_t)job->t.app_id, "batchId",
                  (json_int_t)b->id, "attemptNumber", job->attempt, "events",
                  (json_int_t)json_array_size(b->events), "eventIds", ids,
                  "durationMs", (json_int_t)ms, "outcome", outcome);
    if (status >= 0)
        json_object_set_new(e, "status", json_integer(status));
    else
        json_object_set_new(e, "error", json_string(err));
    if (delay >= 0)
        json_object_set_new(e, "nextAttemptInMs", json_integer(delay));
    if (json_array_size(wh.log) >= WH_LOG_MAX)
        json_array_remove(wh.log, 0);
    json_array_append_new(wh.log, e);
    sim_log(delay < 0 && !ok ? SIM_LOG_WARN : SIM_LOG_INFO,
            "msg=webhook app=%lld batch=%llu attempt=%d events=%zu status=%d "
            "error=\"%s\" ms=%lld outcome=%s",
            (long long)job->t.app_id, (unsigned long long)b->id, job->attempt,
            json_array_size(b->events), status, status < 0 ? err : "",
            (long long)ms, outcome);
    if (delay >= 0) {
        b->attempts = job->attempt + 1;
        b->due = sim_mono_ms() + delay;
    } else {
        batch_remove(b);
    }
}

static void cond_wait_until(struct sim_state *st, int64_t due)
{
    struct timespec ts;

    if (due == INT64_MAX) {
        pthread_cond_wait(&wh.cond, &st->lock);
        return;
    }
    ts.tv_sec = (time_t)(due / 1000);
    ts.tv_nsec = (long)(due % 1000) * 1000000L;
    pthread_cond_timedwait(&wh.cond, &st->lock, &ts);
}

static void *worker_main(void *arg)
{
    size_t self = (size_t)(uintptr_t)arg;
    struct sim_state *st = wh.st;

    pthread_mutex_lock(&st->lock);
    while (!wh.stopping) {
        struct wh_job job;
        int64_t wake, t0, timeout = st->cfg->webhook_timeout_ms;
        char err[256] = "";
        int status;

        if (!job_take(st, &job, &wake)) {
            cond_wait_until(st, wake);
            continue;
        }
        pthread_cond_signal(&wh.cond); /* more may be ready for a peer */
        pthread_mutex_unlock(&st->lock);
        t0 = sim_mono_ms();
        status = deliver(self, &job, timeout, err, sizeof(err));
        pthread_mutex_lock(&st->lock);
        job_done(st, &job, status, err, sim_mono_ms() - t0);
        free(job.body);
        pthread_cond_broadcast(&wh.cond); /* a concurrency slot is free */
    }
    pthread_mutex_unlock(&st->lock);
    return NULL;
}

/* Grows the pool to the targets' maxConcurrent added up (at most
 * WH_WORKERS_MAX); threads are never stopped before shutdown. */
static int workers_ensure(char *err, size_t errlen)
{
    size_t want = 0;
    pthread_attr_t attr;
    int rc = 0;

    for (size_t i = 0; i < wh.ntargets; i++)
        want += (size_t)wh.targets[i].max_concurrent;
    if (want > WH_WORKERS_MAX)
        want = WH_WORKERS_MAX;
    if (wh.stopping || wh.nworkers >= want)
        return 0;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WH_STACK);
    while (wh.nworkers < want) {
        if (pthread_create(&wh.workers[wh.nworkers], &attr, worker_main,
                           (void *)(uintptr_t)wh.nworkers) != 0) {
            snprintf(err, errlen, "cannot start webhook threads");
            rc = -1;
            break;
        }
        wh.nworkers++;
    }
    pthread_attr_destroy(&attr);
    return rc;
}

/* The target --webhook-url describes (none without it). */
static int targets_from_flags(struct sim_state *st, char *err, size_t errlen)
{
    const struct sim_config *cfg = st->cfg;
    struct wh_target *t = &wh.targets[0];

    wh.ntargets = 0;
    if (!cfg->webhook_url[0])
        return 0;
    memset(t, 0, sizeof(*t));
    t->app_id = cfg->app_id;
    t->max_concurrent = WH_CONCURRENT_MAX;
    sim_strlcpy(t->url, cfg->webhook_url, sizeof(t->url));
    /* HubSpot signs with the app's client secret. */
    sim_strlcpy(t->secret,
                cfg->webhook_secret[0] ? cfg->webhook_secret
                                       : cfg->clients[0].secret,
                sizeof(t->secret));
    if (url_parse(t->url, &t->u, err, errlen))
        return -1;
    wh.ntargets = 1;
    return 0;
}

/* ---- public API -------------------------------------------------------- */

int sim_webhooks_start(struct sim_state *st, char *err, size_t errlen)
{
    pthread_condattr_t ca;
    char perr[256];

    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    for (size_t i = 0; i < WH_WORKERS_MAX; i++)
        wh.fds[i] = -1;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wh.cond, &ca);
    pthread_condattr_destroy(&ca);
    wh.st = st;
    wh.log = json_array();
    if (targets_from_flags(st, perr, sizeof(perr))) {
        snprintf(err, errlen, "--webhook-url: %s", perr);
        return -1;
    }
    st->on_event = wh_on_event;
    return workers_ensure(err, errlen);
}

void sim_webhooks_stop(void)
{
    struct sim_state *st = wh.st;
    size_t n;

    if (!st)
        return;
    pthread_mutex_lock(&st->lock);
    wh.stopping = true;
    st->on_event = NULL;
    n = wh.nworkers;
    pthread_cond_broadcast(&wh.cond);
    pthread_mutex_unlock(&st->lock);
    /* Cut requests in flight so shutdown does not wait for their timeout. */
    pthread_mutex_lock(&wh.fdlock);
    wh.fd_stopping = true;
    for (size_t i = 0; i < WH_WORKERS_MAX; i++)
        if (wh.fds[i] >= 0)
            shutdown(wh.fds[i], SHUT_RDWR);
    pthread_mutex_unlock(&wh.fdlock);
    for (size_t i = 0; i < n; i++)
        pthread_join(wh.workers[i], NULL);
    for (size_t i = 0; i < wh.nbatches; i++)
        batch_free(wh.batches[i]);
    free(wh.batches);
    wh.batches = NULL;
    wh.nbatches = wh.capbatches = 0;
    wh.nworkers = 0;
    json_decref(wh.log);
    wh.log = NULL;
    pthread_cond_destroy(&wh.cond);
    wh.st = NULL;
}

void sim_webhooks_reset(struct sim_state *st)
{
    char err[256];

    if (!wh.st)
        return;
    batches_cancel(true, 0);
    json_array_clear(wh.log);
    wh.dropped = 0;
    targets_from_flags(st, err, sizeof(err)); /* validated at start */
    pthread_cond_broadcast(&wh.cond);
}

/* ---- control API: /__sim/webhooks ---------------------------------------- */

static json_t *targets_json(void)
{
    json_t *out = json_array();
    int inflight[WH_TARGETS_MAX] = {0};

    for (size_t i = 0; i < wh.nbatches; i++) {
        struct wh_target *t = target_find(wh.batches[i]->app_id);

        if (t && wh.batches[i]->inflight)
            inflight[t - wh.targets]++;
    }
    for (size_t i = 0; i < wh.ntargets; i++) {
        const struct wh_target *t = &wh.targets[i];
        json_t *nr = json_array();

        for (size_t k = 0; k < t->nno_retry; k++)
            json_array_append_new(nr, json_integer(t->no_retry[k]));
        json_array_append_new(
            out, json_pack("{s:I,s:s,s:i,s:s,s:I,s:b,s:o,s:i}", "appId",
                           (json_int_t)t->app_id, "url", t->url,
                           "maxConcurrent", t->max_concurrent,
                           "signatureVersion", t->v2 ? "v2" : "v1",
                           "timestampOffsetMs", (json_int_t)t->ts_offset_ms,
                           "corruptSignatures", t->corrupt, "noRetryStatuses",
                           nr, "inFlight", inflight[i]));
    }
    return out;
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    size_t events = 0;

    for (size_t i = 0; i < wh.nbatches; i++)
        events += json_array_size(wh.batches[i]->events);
    return sim_res_json(
        res, 200,
        json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "targets",
                  targets_json(), "retryDelaysMs", delays_json(cfg),
                  "timeoutMs", (json_int_t)cfg->webhook_timeout_ms, "batchMs",
                  (json_int_t)cfg->webhook_batch_ms, "pendingBatches",
                  (json_int_t)wh.nbatches, "pendingEvents", (json_int_t)events,
                  "dropped", (json_int_t)wh.dropped, "total",
                  (json_int_t)json_array_size(wh.log), "results",
                  /* a copy: the response is rendered after the lock is
                   * released, while workers keep appending */
                  json_deep_copy(wh.log)));
}

static int h_clear(struct sim_request *req, struct sim_response *res)
{
    (void)req;
    json_array_clear(wh.log);
    return sim_res_empty(res, 204);
}

static int bad(struct sim_request *req, struct sim_response *res,
               const char *msg)
{
    return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
}

/* Applies the optional fields of a POST body to t; NULL or a message. */
static const char *target_patch(struct wh_target *t, const json_t *b)
{
    json_t *v;
    size_t i;

    if ((v = json_object_get(b, "secret"))) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof(t->secret))
            return "secret must be a string (at most 255 bytes)";
        sim_strlcpy(t->secret, json_string_value(v), sizeof(t->secret));
    }
    if ((v = json_object_get(b, "maxConcurrent"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 ||
            json_integer_value(v) > WH_CONCURRENT_MAX)
            return "maxConcurrent must be an integer from 1 to 10";
        t->max_concurrent = (int)json_integer_value(v);
    }
    if ((v = json_object_get(b, "signatureVersion"))) {
        const char *s = json_string_value(v);

        if (!s || (strcmp(s, "v1") != 0 && strcmp(s, "v2") != 0))
            return "signatureVersion must be \"v1\" or \"v2\"";
        t->v2 = strcmp(s, "v2") == 0;
    }
    if ((v = json_object_get(b, "timestampOffsetMs"))) {
        if (!json_is_integer(v))
            return "timestampOffsetMs must be an integer";
        t->ts_offset_ms = json_integer_value(v);
    }
    if ((v = json_object_get(b, "corruptSignatures"))) {
        if (!json_is_boolean(v))
            return "corruptSignatures must be a boolean";
        t->corrupt = json_is_true(v);
    }
    if ((v = json_object_get(b, "noRetryStatuses"))) {
        json_t *s;

        if (!json_is_array(v) || json_array_size(v) > WH_NO_RETRY_MAX)
            return "noRetryStatuses must be an array of at most 16 statuses";
        t->nno_retry = 0;
        json_array_foreach(v, i, s) {
            if (!json_is_integer(s) || json_integer_value(s) < 400 ||
                json_integer_value(s) > 599)
                return "noRetryStatuses entries must be 4xx or 5xx";
            t->no_retry[t->nno_retry++] = (int)json_integer_value(s);
        }
    }
    return NULL;
}

static int h_configure(struct sim_request *req, struct sim_response *res)
{
    const struct sim_config *cfg = req->st->cfg;
    json_t *b = sim_req_object_or_respond(req, res), *v;
    struct wh_target t, *cur;
    const char *msg;
    char err[256];
    int64_t app_id = cfg->app_id;

    if (!b)
        return res->status;
    if ((v = json_object_get(b, "appId"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return bad(req, res, "appId must be a positive integer");
        app_id = json_integer_value(v);
    }
    cur = target_find(app_id);
    v = json_object_get(b, "url");
    if (json_is_null(v)) {
        if (cur) {
            batches_cancel(false, app_id);
            memmove(cur, cur + 1,
                    (size_t)(wh.targets + wh.ntargets - cur - 1) *
                        sizeof(*cur));
            wh.ntargets--;
        }
        return sim_res_json(res, 200,
                            json_pack("{s:s,s:o}", "status", "ok", "targets",
                                      targets_json()));
    }
    if (cur) {
        t = *cur;
    } else {
        if (!v)
            return bad(req, res, "url is required for a new target");
        if (wh.ntargets == WH_TARGETS_MAX)
            return bad(req, res, "at most 16 webhook targets");
        memset(&t, 0, sizeof(t));
        t.app_id = app_id;
        t.max_concurrent = WH_CONCURRENT_MAX;
        sim_strlcpy(t.secret,
                    cfg->webhook_secret[0] ? cfg->webhook_secret
                                           : cfg->clients[0].secret,
                    sizeof(t.secret));
    }
    if (v) {
        if (!json_is_string(v) || json_string_length(v) >= sizeof(t.url))
            return bad(req, res, "url must be a string (at most 1023 bytes)");
        sim_strlcpy(t.url, json_string_value(v), sizeof(t.url));
        if (url_parse(t.url, &t.u, err, sizeof(err)))
            return bad(req, res, err);
    }
    if ((msg = target_patch(&t, b)))
        return bad(req, res, msg);
    if (!cur)
        cur = &wh.targets[wh.ntargets++];
    *cur = t;
    if (workers_ensure(err, sizeof(err)))
        return sim_res_error(req, res, 500, "SIM_ERROR", err, NULL);
    pthread_cond_broadcast(&wh.cond);
    return sim_res_json(res, 200,
                        json_pack("{s:s,s:o}", "status", "ok", "targets",
                                  targets_json()));
}

#define C(m, h)                                                                \
    {                                                                          \
        m, "/__sim/webhooks", h, SIM_R_CONTROL | SIM_R_JSON, SIM_SCOPE_NONE,   \
            NULL                                                               \
    }
static const struct sim_route webhook_routes[] = {
    C("GET", h_list),
    C("POST", h_configure),
    C("DELETE", h_clear),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_webhooks = {
    .name = "webhooks",
    .routes = webhook_routes,
};
