/* SPDX-License-Identifier: MIT
 * The async engine: one per server event loop, driven by that loop's epoll
 * set (curl's socket and timer callbacks register its sockets there).
 * Submissions made on the loop's thread go into its queue; the loop moves
 * due ones (delayed retries wait there) into the multi handle, runs
 * transfers, and completes each finished job through its callback, on the
 * same thread. Nothing here is shared between threads. */
#include "provider/async.h"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"

struct provider_job {
    struct provider_job *next;
    struct provider_async *engine;
    bool in_multi;
    CURL *easy;
    struct curl_slist *hdrs;
    char *url, *method, *body, *auth;
    size_t body_len;
    long timeout_ms;
    double due_ms;
    double started_ms;
    struct ed_buf sink;
    bool overflow;
    struct provider_response rs;
    provider_done_fn done;
    void *ud;
    void (*ud_free)(void *ud); /* frees ud when the job is cancelled */
    void (*timer)(void *ud);   /* a timer, not a transfer (no url) */
};

#define EASY_POOL 512

struct provider_async {
    CURLM *multi;
    /* reset easy handles kept for reuse */
    CURL *easy_pool[EASY_POOL];
    size_t neasy;
    struct provider_job *queue; /* submitted, not yet in the multi handle */
    size_t running;
    int epfd;
    double timer_due; /* curl's timer, ms (monotonic); < 0: none */
};

static __thread struct provider_async *tl_engine;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct provider_job *j = ud;
    if (ed_buf_append(&j->sink, p, size * n) != ED_OK) {
        j->overflow = true;
        return 0;
    }
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct provider_job *j = ud;
    provider_response_header(&j->rs, p, size * n);
    return size * n;
}

static void job_free(struct provider_async *a, struct provider_job *j)
{
    if (j->easy) {
        if (a && a->neasy < EASY_POOL) {
            curl_easy_reset(j->easy);
            a->easy_pool[a->neasy++] = j->easy;
        } else {
            curl_easy_cleanup(j->easy);
        }
    }
    curl_slist_free_all(j->hdrs);
    if (j->auth) {
        memset(j->auth, 0, strlen(j->auth));
        free(j->auth);
    }
    free(j->url);
    free(j->method);
    free(j->body);
    ed_buf_cleanup(&j->sink);
    free(j->rs.body);
    free(j);
}

static void job_prepare(struct provider_async *a, struct provider_job *j)
{
    CURL *c = a->neasy ? a->easy_pool[--a->neasy] : curl_easy_init();
    j->easy = c;
    curl_easy_setopt(c, CURLOPT_URL, j->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, j->method);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, j->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(c, CURLOPT_PRIVATE, j);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, j->hdrs);
    if (j->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)j->body_len);
    }
    j->started_ms = ed_mono_ms();
}

static void job_finish(struct provider_async *a, struct provider_job *j,
                       CURLcode cc)
{
    enum ed_err err = ED_OK;
    if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && j->overflow)) {
        curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &j->rs.status);
        if (j->overflow)
            err = ED_ERR_TOO_LARGE;
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        err = ED_ERR_TIMEOUT;
    } else {
        err = ED_ERR_PROVIDER;
    }
    j->rs.body_len = j->sink.len;
    j->rs.body = ed_buf_take(&j->sink);
    j->rs.ms = ed_mono_ms() - j->started_ms;
    j->done(j->ud, err, &j->rs);
    job_free(a, j);
}

/* Move due jobs into the multi handle, and run due timers when
 * fire_timers (never inside a submission: callbacks run only from
 * provider_async_run); returns ms until the next due job (or 1000). */
static long admit(struct provider_async *a, bool fire_timers)
{
    double now = ed_mono_ms(), next = now + 1000;
    struct provider_job *due = NULL, **pp;
    pp = &a->queue;
    while (*pp) {
        struct provider_job *j = *pp;
        if (j->due_ms <= now && (fire_timers || !j->timer)) {
            *pp = j->next;
            j->next = due;
            due = j;
        } else {
            if (j->due_ms < next)
                next = j->due_ms;
            pp = &j->next;
        }
    }
    while (due) {
        struct provider_job *j = due;
        due = j->next;
        if (j->timer) {
            j->timer(j->ud);
            free(j);
            continue;
        }
        job_prepare(a, j);
        j->in_multi = true;
        curl_multi_add_handle(a->multi, j->easy);
        a->running++;
    }
    long wait = (long)(next - now);
    return wait < 1 ? 1 : wait;
}

/* Complete every finished transfer (on the loop). */
static void drain_done(struct provider_async *a)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(a->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct provider_job *j = NULL;
        CURL *e = m->easy_handle;
        CURLcode cc = m->data.result;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
        curl_multi_remove_handle(a->multi, e);
        a->running--;
        job_finish(a, j, cc);
    }
}

/* --- the loop's side ------------------------------------------------------------ */

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp,
                     void *sockp)
{
    struct provider_async *a = userp;
    struct epoll_event ev = {0};
    (void)e;
    ev.data.u64 = PROVIDER_ASYNC_TAG | (uint64_t)(unsigned)s;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(a->epfd, EPOLL_CTL_DEL, s, NULL);
        curl_multi_assign(a->multi, s, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
                (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    if (sockp) {
        epoll_ctl(a->epfd, EPOLL_CTL_MOD, s, &ev);
    } else {
        epoll_ctl(a->epfd, EPOLL_CTL_ADD, s, &ev);
        curl_multi_assign(a->multi, s, a); /* any non-NULL: registered */
    }
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct provider_async *a = userp;
    (void)m;
    a->timer_due = timeout_ms < 0 ? -1.0 : ed_mono_ms() + (double)timeout_ms;
    return 0;
}

enum ed_err provider_async_new_embedded(int epfd, struct provider_async **out)
{
    struct provider_async *a = ed_calloc(1, sizeof(*a));
    a->multi = curl_multi_init();
    if (!a->multi) {
        free(a);
        return ED_ERR_PROVIDER;
    }
    a->epfd = epfd;
    a->timer_due = -1.0;
    curl_multi_setopt(a->multi, CURLMOPT_MAXCONNECTS, 1024L);
    curl_multi_setopt(a->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(a->multi, CURLMOPT_SOCKETDATA, a);
    curl_multi_setopt(a->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(a->multi, CURLMOPT_TIMERDATA, a);
    *out = a;
    return ED_OK;
}

void provider_async_attach_thread(struct provider_async *a)
{
    tl_engine = a;
}

void provider_async_socket_event(struct provider_async *a, int fd,
                                 unsigned epoll_events)
{
    int flags = (epoll_events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                (epoll_events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                (epoll_events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    int still;
    curl_multi_socket_action(a->multi, fd, flags, &still);
}

long provider_async_timeout_ms(struct provider_async *a)
{
    double now = ed_mono_ms(), due = now + 1000;
    if (a->timer_due >= 0 && a->timer_due < due)
        due = a->timer_due;
    for (struct provider_job *j = a->queue; j; j = j->next)
        if (j->due_ms < due)
            due = j->due_ms;
    long ms = (long)(due - now);
    return ms < 0 ? 0 : ms;
}

void provider_async_run(struct provider_async *a)
{
    int still;
    admit(a, true); /* delayed jobs and timers whose time has come */
    if (a->timer_due >= 0 && a->timer_due <= ed_mono_ms()) {
        a->timer_due = -1.0;
        curl_multi_socket_action(a->multi, CURL_SOCKET_TIMEOUT, 0, &still);
    }
    drain_done(a);
}

void provider_async_free_embedded(struct provider_async *a)
{
    if (!a)
        return;
    struct provider_job *j = a->queue;
    while (j) {
        struct provider_job *n = j->next;
        if (j->timer) { /* at shutdown: dropped */
            if (j->ud_free)
                j->ud_free(j->ud);
            free(j);
            j = n;
            continue;
        }
        j->done(j->ud, ED_ERR_PROVIDER, &j->rs);
        job_free(NULL, j);
        j = n;
    }
    curl_multi_cleanup(a->multi);
    while (a->neasy)
        curl_easy_cleanup(a->easy_pool[--a->neasy]);
    free(a);
}

struct provider_job *provider_async_submit(const struct provider_request *rq,
                                           long delay_ms, provider_done_fn done,
                                           void *ud)
{
    struct provider_async *a = tl_engine;
    if (!a)
        return NULL;
    struct provider_job *j = ed_calloc(1, sizeof(*j));
    j->engine = a;
    j->url = ed_strdup(rq->url);
    j->method = ed_strdup(rq->method);
    j->timeout_ms = rq->timeout_ms ? rq->timeout_ms : 30000L;
    j->done = done;
    j->ud = ud;
    j->rs.retry_after_s = -1;
    j->rs.rl_remaining = -1;
    ed_buf_init(&j->sink, PROVIDER_MAX_BODY);
    ed_buf_reserve(&j->sink, 16384);
    j->hdrs = curl_slist_append(j->hdrs, "Accept: application/json");
    j->hdrs = curl_slist_append(j->hdrs, "Expect:");
    if (rq->content_type) {
        char ct[256];
        snprintf(ct, sizeof(ct), "Content-Type: %s", rq->content_type);
        j->hdrs = curl_slist_append(j->hdrs, ct);
        j->body = ed_strndup(rq->body ? rq->body : "",
                             rq->body ? rq->body_len : 0);
        j->body_len = rq->body ? rq->body_len : 0;
    }
    if (rq->bearer) {
        j->auth = ed_asprintf("Authorization: Bearer %s", rq->bearer);
        j->hdrs = curl_slist_append(j->hdrs, j->auth);
    }
    for (size_t i = 0; i < PROVIDER_MAX_HEADERS && rq->headers[i]; i++)
        j->hdrs = curl_slist_append(j->hdrs, rq->headers[i]);
    j->due_ms = ed_mono_ms() + (double)delay_ms;
    j->next = a->queue;
    a->queue = j;
    /* start it now when due (curl's timer callback schedules the first
     * socket action for the loop); done never runs inside this call */
    if (delay_ms <= 0)
        admit(a, false);
    return j;
}

struct provider_job *provider_async_timer(long delay_ms, void (*fn)(void *ud),
                                          void *ud)
{
    struct provider_async *a = tl_engine;
    if (!a)
        return NULL;
    struct provider_job *j = ed_calloc(1, sizeof(*j));
    j->engine = a;
    j->timer = fn;
    j->ud = ud;
    j->due_ms = ed_mono_ms() + (double)delay_ms;
    j->next = a->queue;
    a->queue = j;
    return j;
}

void provider_async_set_ud_free(struct provider_job *j,
                                void (*ud_free)(void *ud))
{
    if (j)
        j->ud_free = ud_free;
}

bool provider_async_sent(const struct provider_job *j)
{
    return j && j->in_multi;
}

void provider_async_cancel(struct provider_job *j)
{
    struct provider_async *a;
    if (!j)
        return;
    a = j->engine;
    if (j->in_multi) {
        curl_multi_remove_handle(a->multi, j->easy);
        a->running--;
    } else {
        for (struct provider_job **pp = &a->queue; *pp; pp = &(*pp)->next) {
            if (*pp == j) {
                *pp = j->next;
                break;
            }
        }
    }
    if (j->ud_free)
        j->ud_free(j->ud);
    if (j->timer)
        free(j);
    else
        job_free(a, j);
}
