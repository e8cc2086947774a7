/* SPDX-License-Identifier: MIT
 * The events loop (see loop.h): an epoll set holding an eventfd (wake-up for
 * posted work) and the sockets of a curl-multi engine; timers kept in a
 * sorted list (there are few: one per due delivery batch, per poll slot),
 * and the wait bounded by the earliest of the engine's and ours. */
#include "events/loop.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "provider/async.h"

#define TAG_WAKE 1u

struct post {
    struct post *next;
    events_fn fn;
    void *ud;
};

struct timer {
    struct timer *next;
    unsigned long id;
    double due_ms;
    events_fn fn;
    void *ud;
};

static struct {
    pthread_t thread;
    bool running;
    atomic_bool stop;
    int epfd, wakefd;
    struct provider_async *engine;
    pthread_mutex_t lock; /* posts */
    struct post *posts, **posts_tail;
    struct timer *timers; /* sorted by due_ms (loop thread only) */
    unsigned long next_id;
} L = {.epfd = -1, .wakefd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static __thread bool tl_here;

bool events_loop_here(void)
{
    return tl_here;
}

static void wake(void)
{
    uint64_t one = 1;
    ssize_t w = write(L.wakefd, &one, sizeof(one));
    (void)w;
}

bool events_loop_post(events_fn fn, void *ud)
{
    struct post *p;
    if (!L.running || atomic_load(&L.stop))
        return false;
    p = ed_calloc(1, sizeof(*p));
    p->fn = fn;
    p->ud = ud;
    pthread_mutex_lock(&L.lock);
    *L.posts_tail = p;
    L.posts_tail = &p->next;
    pthread_mutex_unlock(&L.lock);
    wake();
    return true;
}

unsigned long events_loop_after(long ms, events_fn fn, void *ud)
{
    struct timer *t, **pp;
    if (!tl_here)
        return 0;
    t = ed_calloc(1, sizeof(*t));
    t->id = ++L.next_id;
    t->due_ms = ed_mono_ms() + (double)(ms > 0 ? ms : 0);
    t->fn = fn;
    t->ud = ud;
    for (pp = &L.timers; *pp && (*pp)->due_ms <= t->due_ms; pp = &(*pp)->next)
        ;
    t->next = *pp;
    *pp = t;
    return t->id;
}

void events_loop_cancel(unsigned long id)
{
    for (struct timer **pp = &L.timers; *pp; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            struct timer *t = *pp;
            *pp = t->next;
            free(t);
            return;
        }
    }
}

static void run_posts(void)
{
    struct post *p;
    pthread_mutex_lock(&L.lock);
    p = L.posts;
    L.posts = NULL;
    L.posts_tail = &L.posts;
    pthread_mutex_unlock(&L.lock);
    while (p) {
        struct post *n = p->next;
        p->fn(p->ud);
        free(p);
        p = n;
    }
}

static void run_timers(void)
{
    double now = ed_mono_ms();
    /* a timer may add timers: take the due ones off first */
    while (L.timers && L.timers->due_ms <= now) {
        struct timer *t = L.timers;
        L.timers = t->next;
        t->fn(t->ud);
        free(t);
    }
}

static void *loop_main(void *arg)
{
    struct epoll_event evs[64];
    (void)arg;
    tl_here = true;
    provider_async_attach_thread(L.engine);
    while (!atomic_load(&L.stop)) {
        long timeout = provider_async_timeout_ms(L.engine);
        if (L.timers) {
            long t = (long)(L.timers->due_ms - ed_mono_ms());
            if (t < timeout)
                timeout = t < 0 ? 0 : t;
        }
        int n = epoll_wait(L.epfd, evs, 64, (int)timeout);
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag & PROVIDER_ASYNC_TAG) {
                provider_async_socket_event(L.engine, (int)(tag & 0xffffffffu),
                                            evs[i].events);
            } else if (tag == TAG_WAKE) {
                uint64_t v;
                ssize_t r = read(L.wakefd, &v, sizeof(v));
                (void)r;
            }
        }
        provider_async_run(L.engine);
        run_posts();
        run_timers();
    }
    return NULL;
}

enum ed_err events_loop_start(struct ed_app *app)
{
    struct epoll_event ev = {0};
    (void)app;
    if (L.running)
        return ED_OK;
    atomic_store(&L.stop, false);
    L.posts = NULL;
    L.posts_tail = &L.posts;
    L.epfd = epoll_create1(EPOLL_CLOEXEC);
    L.wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (L.epfd < 0 || L.wakefd < 0)
        goto fail;
    ev.events = EPOLLIN;
    ev.data.u64 = TAG_WAKE;
    if (epoll_ctl(L.epfd, EPOLL_CTL_ADD, L.wakefd, &ev) != 0)
        goto fail;
    if (provider_async_new_embedded(L.epfd, &L.engine) != ED_OK)
        goto fail;
    if (pthread_create(&L.thread, NULL, loop_main, NULL) != 0)
        goto fail;
    L.running = true;
    return ED_OK;
fail:
    ed_error(NULL, "msg=\"cannot start the events loop\"");
    provider_async_free_embedded(L.engine);
    L.engine = NULL;
    if (L.epfd >= 0)
        close(L.epfd);
    if (L.wakefd >= 0)
        close(L.wakefd);
    L.epfd = L.wakefd = -1;
    return ED_ERR_IO;
}

void events_loop_stop(void)
{
    if (!L.running)
        return;
    atomic_store(&L.stop, true);
    wake();
    pthread_join(L.thread, NULL);
    L.running = false;
    provider_async_free_embedded(L.engine);
    L.engine = NULL;
    while (L.timers) {
        struct timer *t = L.timers;
        L.timers = t->next;
        free(t);
    }
    while (L.posts) {
        struct post *p = L.posts;
        L.posts = p->next;
        free(p);
    }
    L.posts_tail = &L.posts;
    close(L.epfd);
    close(L.wakefd);
    L.epfd = L.wakefd = -1;
}
