/* SPDX-License-Identifier: MIT
 * libmicrohttpd glue. MHD calls access_cb several times per request: the
 * first call allocates the per-request context and arena, body chunks go
 * into a capped buffer, and the final call runs the pipeline in
 * process_request(): parse → route → check preconditions → handle → render
 * → access log. The context (and arena) is freed exactly once in
 * completed_cb. Nothing below http/ sees an MHD type.
 *
 * Threads: --threads event loops, each with its own MHD daemon in external
 * epoll mode (all sharing one listening socket) and its own curl-multi
 * engine in the same epoll set. A hub handler suspends its connection and
 * sends the HubSpot call on its loop's engine; the answer arrives on the
 * same loop, which runs the continuation and resumes the connection, so a
 * call never crosses threads. Every HubSpot call (hub calls, token
 * refreshes, provisioning, revocation) goes through the engine; the only
 * synchronous work on a loop is the store (short: SQLite in WAL mode or a
 * pooled PostgreSQL connection). */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/api.h"
#include "domain/app.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "http/connlimit.h"
#include "http/response.h"
#include "http/router.h"
#include "core/text.h"
#include "http/uri.h"
#include "metrics/metrics.h"
#include "provider/async.h"
#include "store/store.h"

/* Request size limits (docs/http.md): a request line up to MAX_TARGET
 * bytes (else 414), up to MAX_HEADERS header fields (else 431), and the
 * per-connection memory of libmicrohttpd sized so that both fit with room
 * for the response. Beyond MEMORY_LIMIT libmicrohttpd answers 414/431 on
 * its own. 24 KiB, not more: libmicrohttpd zeroes what a request used of
 * it at the end of every request (docs/http.md). */
#define MAX_QUERY 256
#define MAX_HEADERS 100
#define MAX_TARGET 8192
#define MEMORY_LIMIT ((size_t)24576)
#define SWEEP_MS 250.0

static const char cors_expose[] =
    "Elements-Returned-Count, Elements-Total-Count, Elements-Request-Id, "
    "Elements-Next-Page-Token, Elements-Trace-Id, Elements-Error, "
    "Content-Disposition";

#define MAX_LOOPS 64
#define TAG_MHD 1u
#define TAG_WAKE 2u

/* One event loop per server thread: its own MHD daemon (external epoll
 * mode, sharing the listening socket) and its own curl-multi engine, both
 * registered in one epoll set. A hub call, HubSpot's answer and the reply
 * all happen on the thread that accepted the connection: no hand-offs. */
struct sock_ctx;

struct loop {
    pthread_t thread;
    struct http_server *srv;
    struct MHD_Daemon *d;
    struct provider_async *engine;
    int epfd, wakefd;
    /* this loop's open connections (touched on the loop thread only) */
    struct sock_ctx *socks;
    double next_sweep;
};

struct http_server {
    struct ed_app *app;
    atomic_int active;
    atomic_bool stop;
    int listen_fd;
    struct connlimit *conns; /* open connections per client address */
    unsigned nloops;
    struct loop loops[MAX_LOOPS];
};

struct conn_ctx;

/* One per TCP connection (MHD's socket context): when the connection
 * started waiting for its next request, for the read-timeout sweep; and
 * the request suspended on it, if any, for the client-close watch. */
struct sock_ctx {
    struct sock_ctx *prev, *next;
    struct loop *loop;
    struct conn_ctx *watching; /* suspended request (client_watch) */
    bool peer_gone;            /* the client hung up (EPOLLRDHUP seen) */
    int fd;
    struct sockaddr_storage addr;
    double waiting_since; /* ms; meaningful while !busy */
    bool busy;            /* a request is being handled or answered */
    bool cut;             /* shut down by the sweep */
};

struct conn_ctx {
    bool init;                     /* access_cb has seen this request */
    const char *target;            /* the request target as sent (arena) */
    enum ed_api_error limit_error; /* 414/431/400 found at start */
    struct ed_request req;
    struct ed_response res;
    struct ed_buf body;
    bool too_large;
    json_t *json;
    /* async handlers: the connection is suspended until complete_cb */
    struct MHD_Connection *conn;
    pthread_mutex_t lock;
    bool started, suspended, done, async;
    /* a store call of this request could not reach the database */
    bool db_down;
    /* the connection this request is watched on while suspended */
    struct sock_ctx *watched;
    /* a streamed body (a route with a sink): matched and authenticated at
     * the head; answered: an answer is set, the rest of the body is
     * discarded; sink_open: free is still owed */
    const struct ed_route *stream_route;
    bool answered, sink_open;
};

/* Called (once, from any thread) when an async handler has its response. */
static void complete_cb(void *p)
{
    struct conn_ctx *ctx = p;
    pthread_mutex_lock(&ctx->lock);
    ctx->done = true;
    bool resume = ctx->suspended;
    struct MHD_Connection *conn = ctx->conn;
    pthread_mutex_unlock(&ctx->lock);
    /* ctx may be freed once resumed and answered: touch only conn now */
    if (resume)
        MHD_resume_connection(conn);
}

/* --- watching suspended connections for their client going away ---------
 * MHD does not look at a suspended connection's socket, so a client that
 * gives up while its request waits on HubSpot would hold the request's
 * memory, its HubSpot call and its throttle slot until HubSpot answers.
 * Every connection's socket is in the loop's epoll set from its start to
 * its close for EPOLLRDHUP, edge-triggered (data: TAG_CLIENT | its
 * sock_ctx; user-space addresses stay below bit 62): one registration per
 * connection, nothing per request. When the client hangs up while a
 * request is suspended on the connection and nothing has completed it
 * yet, the request is marked abandoned, its owner's abandon hook cancels
 * the pending work (api.h), and the connection is resumed so that MHD sees
 * the close and frees the context. A completion racing in from another
 * thread wins: it resumes the connection itself, and its continuation runs
 * with req->abandoned set (in access_cb, or in completed_cb if MHD closes
 * the connection first). A client that hung up before its request was
 * suspended is not watched: its request runs to its end, as before. */
#define TAG_CLIENT (1ULL << 62)

static struct sock_ctx *sock_of(struct MHD_Connection *conn);

static void client_watch(struct conn_ctx *ctx)
{
    struct sock_ctx *sc = sock_of(ctx->conn);
    if (!sc || sc->peer_gone)
        return;
    sc->watching = ctx;
    ctx->watched = sc;
}

static void client_unwatch(struct conn_ctx *ctx)
{
    if (ctx->watched && ctx->watched->watching == ctx)
        ctx->watched->watching = NULL;
    ctx->watched = NULL;
}

/* The watched socket of a suspended request hung up (its loop's thread). */
static void client_gone(struct conn_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    bool pending = ctx->suspended && !ctx->done;
    ctx->req.abandoned = true;
    pthread_mutex_unlock(&ctx->lock);
    client_unwatch(ctx);
    /* without an owner's hook the pending work cannot be cancelled: the
     * request stays suspended until it completes, as it would have */
    if (!pending || !ctx->req.abandon_fn)
        return;
    ctx->req.abandon_fn(&ctx->req, ctx->req.abandon_ud);
    ctx->req.abandon_fn = NULL;
    pthread_mutex_lock(&ctx->lock);
    bool resume = !ctx->done; /* else a completion raced in and resumed it */
    ctx->done = true;
    pthread_mutex_unlock(&ctx->lock);
    if (resume)
        MHD_resume_connection(ctx->conn);
}

/* MHD ends a context whose continuation was posted but never run (the
 * client closed the connection first): run it, abandoned, so that its owner
 * ends its work and frees what it holds. */
static void client_drop_continuation(struct conn_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    int (*fn)(struct ed_request *, struct ed_response *,
              void *) = ctx->done ? ctx->req.continue_fn : NULL;
    ctx->req.continue_fn = NULL;
    pthread_mutex_unlock(&ctx->lock);
    if (!fn)
        return;
    ctx->req.abandoned = true;
    if (fn(&ctx->req, &ctx->res, ctx->req.continue_ud) == ED_ASYNC)
        ed_warn(ctx->req.request_id,
                "msg=\"abandoned request started more work\"");
}

/* --- collecting the target, headers and query arguments ----------------- */

struct kv_collect {
    struct ed_kv *items;
    size_t n, max;
    struct ed_arena *arena;
};

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    struct kv_collect *c = cls;
    (void)kind;
    if (c->n == c->max)
        return MHD_NO;
    c->items[c->n].name = ed_arena_strdup(c->arena, key);
    c->items[c->n].value = value ? ed_arena_strdup(c->arena, value) : NULL;
    c->n++;
    return MHD_YES;
}

/* A new conn_ctx with its arena; the first call to access_cb fills the rest. */
static struct conn_ctx *ctx_new(const char *target)
{
    struct conn_ctx *ctx = ed_calloc(1, sizeof(*ctx));
    ctx->req.arena = ed_arena_new();
    ctx->target = ed_arena_strdup(ctx->req.arena, target ? target : "/");
    return ctx;
}

/* libmicrohttpd hands us the request target exactly as sent, before it
 * decodes anything: path and query are decoded here (http/uri.c), '+' is a
 * space only in the query. The context made here is the request's con_cls. */
static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    return ctx_new(uri);
}

/* libmicrohttpd's own decoding of the URL and arguments is unused (see
 * uri_log_cb): leave its copies as they are. */
static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

/* Path, query and headers into req; a limit broken sets ctx->limit_error. */
static void collect(struct MHD_Connection *conn, struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    bool overflow = false;
    req->path = http_uri_path(req->arena, ctx->target);
    req->query = ed_arena_alloc(req->arena, sizeof(struct ed_kv) * MAX_QUERY);
    req->nquery = ed_query_parse(req->arena, http_uri_query(ctx->target),
                                 req->query, MAX_QUERY, &overflow);
    int nh = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);
    struct kv_collect h = {ed_arena_alloc(req->arena,
                                          sizeof(struct ed_kv) * MAX_HEADERS),
                           0, MAX_HEADERS, req->arena};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &h);
    req->headers = h.items;
    req->nheaders = h.n;
    if (strlen(ctx->target) > MAX_TARGET)
        ctx->limit_error = ED_E_URI_TOO_LONG;
    else if (nh > MAX_HEADERS)
        ctx->limit_error = ED_E_HEADERS_TOO_LARGE;
    else if (overflow)
        ctx->limit_error = ED_E_BAD_REQUEST;
}

/* The peer's numeric address, for the login throttle and logs. */
static const char *client_ip(struct MHD_Connection *conn, struct ed_arena *a)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
                      sizeof(buf));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      buf, sizeof(buf));
    }
    return ed_arena_strdup(a, buf);
}

/* --- hostile clients: read timeout and per-address cap ------------------ */

static struct sock_ctx *sock_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
        conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A request has fully arrived (handling starts) or has been answered (the
 * connection waits for the next one from now on). */
static void sock_busy(struct MHD_Connection *conn, bool busy)
{
    struct sock_ctx *sc = sock_of(conn);
    if (!sc)
        return;
    sc->busy = busy;
    if (!busy)
        sc->waiting_since = ed_mono_ms();
}

/* At the cap a client address's new connections are refused (closed at
 * once); other addresses are not affected. */
static enum MHD_Result accept_cb(void *cls, const struct sockaddr *addr,
                                 socklen_t addrlen)
{
    struct http_server *srv = cls;
    (void)addrlen;
    return connlimit_admit(srv->conns, addr) ? MHD_YES : MHD_NO;
}

static void notify_conn_cb(void *cls, struct MHD_Connection *conn,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code)
{
    struct loop *l = cls;
    struct sock_ctx *sc = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd = MHD_get_connection_info(
            conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ad = MHD_get_connection_info(
            conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        sc = ed_calloc(1, sizeof(*sc));
        sc->loop = l;
        sc->fd = fd ? fd->connect_fd : -1;
        if (ad && ad->client_addr)
            memcpy(&sc->addr, ad->client_addr,
                   ad->client_addr->sa_family == AF_INET6
                       ? sizeof(struct sockaddr_in6)
                       : sizeof(struct sockaddr_in));
        sc->waiting_since = ed_mono_ms();
        connlimit_add(l->srv->conns, (struct sockaddr *)&sc->addr);
        sc->next = l->socks;
        if (l->socks)
            l->socks->prev = sc;
        l->socks = sc;
        *socket_context = sc;
        if (sc->fd >= 0) {
            struct epoll_event ev = {0};
            ev.events = EPOLLRDHUP | EPOLLET;
            ev.data.u64 = TAG_CLIENT | (uint64_t)(uintptr_t)sc;
            epoll_ctl(l->epfd, EPOLL_CTL_ADD, sc->fd, &ev);
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && sc) {
        if (sc->fd >= 0)
            epoll_ctl(l->epfd, EPOLL_CTL_DEL, sc->fd, NULL);
        if (sc->watching)
            sc->watching->watched = NULL;
        connlimit_del(l->srv->conns, (struct sockaddr *)&sc->addr);
        if (sc->prev)
            sc->prev->next = sc->next;
        else
            l->socks = sc->next;
        if (sc->next)
            sc->next->prev = sc->prev;
        free(sc);
        *socket_context = NULL;
    }
}

/* Shut down the connections whose request has not fully arrived within
 * --read-timeout of their start (connect, or the end of the previous
 * request): a trickling client holds a slot for that long at most. A
 * request being handled, suspended or answered is never cut. */
static void sweep_slow(struct loop *l)
{
    double now = ed_mono_ms();
    if (now < l->next_sweep)
        return;
    l->next_sweep = now + SWEEP_MS;
    double limit = (double)l->srv->app->cfg->read_timeout * 1000.0;
    for (struct sock_ctx *sc = l->socks; sc; sc = sc->next)
        if (!sc->busy && !sc->cut && sc->fd >= 0 &&
            now - sc->waiting_since > limit) {
            sc->cut = true;
            shutdown(sc->fd, SHUT_RDWR);
        }
}

/* --- the pipeline -------------------------------------------------------- */

static bool is_json_type(const char *ct)
{
    return ct && ed_strcaseprefix(ct, "application/json");
}

static bool outside_api(const char *path)
{
    const size_t blen = strlen(ED_BASE_PATH);
    return strncmp(path, ED_BASE_PATH, blen) != 0 ||
           (path[blen] != '/' && path[blen] != '\0');
}

/* --- CORS ------------------------------------------------------------------
 * Calls that carry their own secrets (User, Organization, Element) may come
 * from any origin: the origin is reflected with the expose list. Password
 * login and console sessions (everything under /authentication, and any
 * call with a Bearer credential) are granted only to the server's own
 * origin and the --cors-origins allow-list; "null" never. */

static bool has_bearer(const struct ed_request *req)
{
    const char *h = req_header(req, "Authorization");
    for (const char *p = h; p && *p; p = strchr(p, ',')) {
        if (*p == ',')
            p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (ed_strcaseprefix(p, "bearer") && (p[6] == ' ' || p[6] == '\t'))
            return true;
    }
    return false;
}

static bool session_route(const struct ed_request *req)
{
    const char *sub = req->subpath;
    if (sub && ed_strcaseprefix(sub, "/authentication") &&
        (sub[15] == '\0' || sub[15] == '/'))
        return true;
    return req->auth.via_bearer || has_bearer(req);
}

/* Is origin the server's own ("scheme://" + Host) or on the allow-list? */
static bool origin_trusted(const struct ed_request *req, const char *origin)
{
    const char *host = req_header(req, "Host");
    const char *sep = strstr(origin, "://");
    if (host && sep && ed_strcaseeq(sep + 3, host))
        return true;
    const char *list = req->app->cfg->cors_origins;
    size_t olen = strlen(origin);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && p[m - 1] == ' ')
            m--;
        if (m && m == olen && strncasecmp(p, origin, m) == 0)
            return true;
        p += n;
    }
    return false;
}

/* The origin to grant (Access-Control-Allow-Origin), or NULL for none. */
static const char *cors_grant(const struct ed_request *req)
{
    const char *origin = req_header(req, "Origin");
    if (!origin || !*origin || outside_api(req->path))
        return NULL;
    if (!session_route(req))
        return origin;
    if (strcmp(origin, "null") == 0 || !origin_trusted(req, origin))
        return NULL;
    return origin;
}

static void preflight(struct ed_request *req, struct ed_response *res)
{
    const char *want = req_header(req, "Access-Control-Request-Headers");
    res->status = 200;
    res->body = json_object();
    if (!cors_grant(req))
        return; /* no grant: the browser stops here */
    res_header(res, "Access-Control-Allow-Methods",
               "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    res_header(res, "Access-Control-Allow-Headers",
               want ? want
                    : "Authorization, Content-Type, Elements-Version, "
                      "Elements-Async-Request, Elements-Async-Callback-Url");
    res_header(res, "Access-Control-Max-Age", "600");
}

/* Bodies (docs/http.md): no body at all on GET, HEAD and DELETE whatever
 * was sent; an empty or blank body, or a top-level JSON null, is no body
 * on any method; a route with ED_ROUTE_JSON needs an object, one with
 * ED_ROUTE_JSON_ANY takes any JSON value. Returns false after setting an
 * error. */
static bool read_body(struct conn_ctx *ctx, const struct ed_route *route)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    json_error_t jerr;
    size_t i = 0;
    while (i < req->body_len && strchr(" \t\r\n", req->body_raw[i]))
        i++;
    if (req->method == ED_GET || req->method == ED_DELETE ||
        i == req->body_len) {
        req->body_raw = "";
        req->body_len = 0;
        return true;
    }
    if (!(route->flags & (ED_ROUTE_JSON | ED_ROUTE_JSON_ANY)))
        return true;
    if ((route->flags & ED_ROUTE_MULTIPART) &&
        ed_strcaseprefix(req_header(req, "Content-Type")
                             ? req_header(req, "Content-Type")
                             : "",
                         "multipart/form-data"))
        return true;
    if (!is_json_type(req_header(req, "Content-Type"))) {
        res_error(req, res, ED_E_MEDIA_TYPE, NULL);
        return false;
    }
    ctx->json = json_loadb(req->body_raw, req->body_len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!ctx->json) {
        res_error(req, res, ED_E_BAD_JSON,
                  "The request body is not valid JSON: %s (line %d, column %d)",
                  jerr.text, jerr.line, jerr.column);
        return false;
    }
    if (json_is_null(ctx->json))
        return true;
    if ((route->flags & ED_ROUTE_JSON) && !json_is_object(ctx->json)) {
        res_error(req, res, ED_E_BAD_REQUEST,
                  "The request body must be a JSON object");
        return false;
    }
    req->body = ctx->json;
    return true;
}

static void limit_error(struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    if (ctx->limit_error == ED_E_URI_TOO_LONG)
        res_error(req, res, ED_E_URI_TOO_LONG,
                  "The request target exceeds %d bytes", MAX_TARGET);
    else if (ctx->limit_error == ED_E_HEADERS_TOO_LARGE)
        res_error(req, res, ED_E_HEADERS_TOO_LARGE,
                  "More than %d request header fields", MAX_HEADERS);
    else
        res_error(req, res, ED_E_BAD_REQUEST, "More than %d query parameters",
                  MAX_QUERY);
}

/* --- streamed request bodies (core/request.h, a route with a sink) -------
 * The head is in (first access_cb call): a POST/PUT/PATCH whose route has
 * a sink is authenticated now and the sink opened; the body then goes to
 * it chunk by chunk, capped by --bulk-max-file instead of --max-body. Any
 * answer set on the way (401, 413, the sink's 400) stops the sink; the
 * rest of the body is read and dropped, then that answer is sent. Such a
 * request falls under a progress rule instead of the whole-request read
 * timeout: every chunk restarts the --read-timeout clock. */

static void stream_drop(struct conn_ctx *ctx)
{
    if (!ctx->sink_open)
        return;
    ctx->sink_open = false;
    ctx->stream_route->sink->free(ctx->req.app, ctx->req.body_state);
    ctx->req.body_state = NULL;
}

static void stream_begin(struct MHD_Connection *conn, struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    unsigned allowed = 0;
    if (!(req->method & (ED_POST | ED_PUT | ED_PATCH)) ||
        ctx->limit_error != ED_E_NONE || outside_api(req->path))
        return;
    req->subpath = req->path + strlen(ED_BASE_PATH);
    const struct ed_route *route = router_match(req, req->subpath, req->method,
                                                &allowed);
    if (!route || !route->sink)
        return;
    ctx->stream_route = route;
    struct sock_ctx *sc = sock_of(conn);
    if (sc)
        sc->waiting_since = ed_mono_ms();
    store_track_unavailable(&ctx->db_down);
    if (!(route->flags & ED_ROUTE_NOAUTH)) {
        enum ed_auth_mode mode = ED_AUTH_REQUIRED;
        if (route->flags & ED_ROUTE_OPT_AUTH)
            mode = ED_AUTH_OPTIONAL;
        else if (route->flags & ED_ROUTE_ELEMENT)
            mode = ED_AUTH_ELEMENT;
        if (api_authenticate(req, res, mode) != 0) {
            ctx->answered = true;
            goto out;
        }
    }
    uint64_t cl = 0;
    const char *cls = req_header(req, "Content-Length");
    int64_t cap = req->app->cfg->bulk_max_file;
    if (cls && ed_parse_u64(cls, UINT64_MAX, &cl) && cl > (uint64_t)cap) {
        res_error(req, res, ED_E_TOO_LARGE,
                  "Request body exceeds the limit of %lld bytes",
                  (long long)cap);
        ctx->answered = true;
        goto out;
    }
    if (route->sink->open(req, res, &req->body_state) != 0) {
        ctx->answered = true;
        goto out;
    }
    ctx->sink_open = true;
out:
    store_track_unavailable(NULL);
}

/* One chunk of a streamed body (dropped once an answer is set). */
static void stream_chunk(struct MHD_Connection *conn, struct conn_ctx *ctx,
                         const char *data, size_t n)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    struct sock_ctx *sc = sock_of(conn);
    if (sc)
        sc->waiting_since = ed_mono_ms(); /* progress */
    if (ctx->answered)
        return;
    int64_t cap = req->app->cfg->bulk_max_file;
    req->body_streamed += (int64_t)n;
    if (req->body_streamed > cap) {
        res_error(req, res, ED_E_TOO_LARGE,
                  "Request body exceeds the limit of %lld bytes",
                  (long long)cap);
        ctx->answered = true;
        stream_drop(ctx);
        return;
    }
    store_track_unavailable(&ctx->db_down);
    if (ctx->stream_route->sink->write(req, res, req->body_state, data, n) !=
        0) {
        ctx->answered = true;
        stream_drop(ctx);
    }
    store_track_unavailable(NULL);
}

/* The body of a streamed request is in: close the sink, then the handler
 * runs (process_request) unless an answer is set. */
static bool stream_end(struct conn_ctx *ctx)
{
    if (ctx->answered)
        return false;
    if (ctx->stream_route->sink->close(&ctx->req, &ctx->res,
                                       ctx->req.body_state) != 0) {
        ctx->answered = true;
        stream_drop(ctx);
        return false;
    }
    return true;
}

/* --- streamed responses (res->stream) ------------------------------------ */

static ssize_t stream_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct ed_res_stream *st = cls;
    (void)pos;
    long n = st->read(st->ud, buf, max);
    if (n > 0)
        return (ssize_t)n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM
                  : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free_cb(void *cls)
{
    struct ed_res_stream *st = cls;
    if (st->free)
        st->free(st->ud);
    free(st);
}

static void res_stream_release(struct ed_response *res)
{
    if (res->stream.free)
        res->stream.free(res->stream.ud);
    memset(&res->stream, 0, sizeof(res->stream));
}

static void process_request(struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    const struct ed_route *route = NULL;
    unsigned allowed = 0;

    if (ctx->limit_error != ED_E_NONE) {
        limit_error(ctx);
        return;
    }
    if (outside_api(req->path)) {
        /* outside the API: the web console's pages and assets (no auth) */
        route = router_match_console(req, req->path, req->method, &allowed);
        if (route) {
            res->status = route->handler(req, res);
            return;
        }
        res_error(req, res, allowed ? ED_E_METHOD : ED_E_NOT_FOUND,
                  "No resource at this path");
        return;
    }
    req->subpath = req->path + strlen(ED_BASE_PATH);
    if (req->method == ED_OPTIONS) {
        preflight(req, res);
        return;
    }
    if (ctx->stream_route) {
        /* matched and authenticated at the head (stream_begin) */
        if (!stream_end(ctx))
            return;
        req->body_raw = "";
        req->body_len = 0;
        int st = ctx->stream_route->handler(req, res);
        if (st == ED_ASYNC)
            ctx->async = true;
        else
            res->status = st;
        return;
    }
    if (ctx->too_large) {
        res_error(req, res, ED_E_TOO_LARGE,
                  "Request body exceeds the limit of %lld bytes",
                  (long long)req->app->cfg->max_body);
        return;
    }
    route = router_match(req, req->subpath, req->method, &allowed);
    /* Authentication happens before routing: an unknown path without
     * credentials is 401, not 404. */
    if (!route || !(route->flags & ED_ROUTE_NOAUTH)) {
        enum ed_auth_mode mode = ED_AUTH_REQUIRED;
        if (route && (route->flags & ED_ROUTE_OPT_AUTH))
            mode = ED_AUTH_OPTIONAL;
        else if (route && (route->flags & ED_ROUTE_ELEMENT))
            mode = ED_AUTH_ELEMENT;
        if (api_authenticate(req, res, mode) != 0)
            return;
    }
    if (!route) {
        if (allowed) {
            res_error(req, res, ED_E_METHOD, "Method %s not allowed here",
                      req->method_name);
            return;
        }
        res_error(req, res, ED_E_NOT_FOUND, "No resource at %s", req->subpath);
        return;
    }
    if (!read_body(ctx, route))
        return;
    int st = route->handler(req, res);
    /* ED_ASYNC: another thread owns res now and may already have finished */
    if (st == ED_ASYNC)
        ctx->async = true;
    else
        res->status = st;
}

/* A request that failed while the database could not be reached failed
 * because of it, whatever the handler made of the store's error (a 401
 * for a secret it could not look up, a 500, a 502 for credentials it could
 * not read): the client learns the real reason, and that retrying helps. */
static void map_db_down(struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    if (!ctx->db_down || res->status < 400 || res->status == 503)
        return;
    res->provider_message = NULL;
    res_error(req, res, ED_E_UNAVAILABLE,
              "Database unavailable; retry in a moment");
    res_header(res, "Retry-After", "1");
}

static bool req_has_res_header(const struct ed_response *res, const char *name)
{
    for (size_t i = 0; i < res->nheaders; i++)
        if (ed_strcaseeq(res->headers[i].name, name))
            return true;
    return false;
}

/* /metrics: one request answered (route pattern, method, status, time). */
static void http_metrics_count(const struct ed_request *req, int status,
                               double ms)
{
    if (!mx_enabled)
        return;
    unsigned route = mx_route(req->route);
    mx_inc(MX_HTTP_REQUESTS, route, mx_method(req->method), (unsigned)status);
    mx_observe(MX_HTTP_DURATION, route, 0, ms);
}

static enum MHD_Result send_response(struct MHD_Connection *conn,
                                     struct conn_ctx *ctx)
{
    struct ed_request *req = &ctx->req;
    struct ed_response *res = &ctx->res;
    size_t len = 0;
    map_db_down(ctx);
    struct MHD_Response *r = NULL;
    if (res->stream.read && res->error == ED_E_NONE && res->status >= 200 &&
        res->status < 300) {
        struct ed_res_stream *st = ed_malloc(sizeof(*st));
        *st = res->stream;
        memset(&res->stream, 0, sizeof(res->stream));
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 65536,
                                              stream_read_cb, st,
                                              stream_free_cb);
        if (!r) {
            stream_free_cb(st);
            res_error(req, res, ED_E_INTERNAL, NULL);
        }
    }
    if (!r) {
        res_stream_release(res);
        char *body = http_response_body(req, res, &len);
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    }
    const char *origin = cors_grant(req);
    /* every response outside the API carries the console's headers */
    if (outside_api(req->path) && !req_has_res_header(res, "X-Frame-Options"))
        api_console_headers(res, false);
    MHD_add_response_header(r, "Content-Type",
                            res->content_type
                                ? res->content_type
                                : "application/json; charset=utf-8");
    MHD_add_response_header(r, "Elements-Request-Id", req->request_id);
    if (origin) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(r, "Vary", "Origin");
        MHD_add_response_header(r, "Access-Control-Expose-Headers",
                                cors_expose);
    }
    for (size_t i = 0; i < res->nheaders; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    if (res->status < 100 || res->status > 599)
        res->status = 500;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    double ms = ed_mono_ms() - req->started_ms;
    ed_log_access(req->request_id, req->method_name,
                  req->route ? req->route : "-", res->status, ms,
                  req->upstream_ms);
    http_metrics_count(req, res->status, ms);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct conn_ctx *ctx = *con_cls;
    (void)version;
    if (!ctx || !ctx->init) {
        if (!ctx) /* no target seen by uri_log_cb: use MHD's */
            ctx = ctx_new(url);
        ctx->init = true;
        ctx->req.app = srv->app;
        ctx->req.started_ms = ed_mono_ms();
        ctx->req.method_name = ed_arena_strdup(ctx->req.arena, method);
        ctx->req.method = router_method(method);
        if (ctx->req.method == ED_HEAD) /* MHD drops the body of a HEAD */
            ctx->req.method = ED_GET;
        ctx->req.client_ip = client_ip(conn, ctx->req.arena);
        ctx->res.status = 500;
        ctx->conn = conn;
        pthread_mutex_init(&ctx->lock, NULL);
        ctx->req.complete_fn = complete_cb;
        ctx->req.complete_ctx = ctx;
        crypto_request_id(ctx->req.request_id);
        ed_buf_init(&ctx->body, (size_t)srv->app->cfg->max_body);
        collect(conn, ctx);
        atomic_fetch_add(&srv->active, 1);
        mx_gauge_add(MXG_HTTP_IN_FLIGHT, 1);
        *con_cls = ctx;
        stream_begin(conn, ctx);
        return MHD_YES;
    }
    if (*upload_data_size && ctx->stream_route) {
        stream_chunk(conn, ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!ctx->too_large && ed_buf_append(&ctx->body, upload_data,
                                             *upload_data_size) != ED_OK) {
            ctx->too_large = true;
            ed_buf_cleanup(&ctx->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!ctx->started) {
        ctx->started = true;
        sock_busy(conn, true);
        ctx->req.body_raw = ctx->body.data ? ctx->body.data : "";
        ctx->req.body_len = ctx->body.len;
        if (!ctx->req.method) {
            res_error(&ctx->req, &ctx->res, ED_E_METHOD, "Unknown method");
        } else {
            store_track_unavailable(&ctx->db_down);
            process_request(ctx);
            store_track_unavailable(NULL);
        }
    } else {
        ctx->async = true; /* resumed: what completed is in ctx */
    }
    /* An async chain: suspend until the next completion; a continuation
     * (the next step of the chain) runs right here, on this server thread,
     * whether it arrived before we suspended or woke us up. */
    while (ctx->async) {
        pthread_mutex_lock(&ctx->lock);
        if (!ctx->done) {
            ctx->suspended = true;
            MHD_suspend_connection(conn);
            pthread_mutex_unlock(&ctx->lock);
            client_watch(ctx);
            return MHD_YES;
        }
        ctx->done = ctx->suspended = false;
        pthread_mutex_unlock(&ctx->lock);
        client_unwatch(ctx);
        int (*fn)(struct ed_request *, struct ed_response *,
                  void *) = ctx->req.continue_fn;
        if (!fn)
            break; /* final answer */
        ctx->req.continue_fn = NULL;
        store_track_unavailable(&ctx->db_down);
        int st = fn(&ctx->req, &ctx->res, ctx->req.continue_ud);
        store_track_unavailable(NULL);
        ctx->async = st == ED_ASYNC;
        if (!ctx->async)
            ctx->res.status = st;
    }
    return send_response(conn, ctx);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    struct conn_ctx *ctx = *con_cls;
    (void)toe;
    sock_busy(conn, false);
    if (!ctx)
        return;
    if (!ctx->init) { /* the request never fully arrived */
        ed_arena_free(ctx->req.arena);
        free(ctx);
        *con_cls = NULL;
        return;
    }
    client_unwatch(ctx);
    client_drop_continuation(ctx);
    stream_drop(ctx); /* a body cut short, or the handler's work done */
    res_stream_release(&ctx->res);
    pthread_mutex_destroy(&ctx->lock);
    json_decref(ctx->json);
    json_decref(ctx->res.body);
    free(ctx->res.raw_heap);
    ed_buf_cleanup(&ctx->body);
    ed_arena_free(ctx->req.arena);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->active, 1);
    mx_gauge_add(MXG_HTTP_IN_FLIGHT, -1);
}

static enum ed_err parse_listen(const char *listen, struct sockaddr_storage *ss,
                                socklen_t *sl)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    uint64_t port;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
        !ed_parse_u64(colon + 1, 65535, &port))
        return ED_ERR_INVALID;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (host[0] == '[') { /* [::1]:8080 */
        size_t hl = strlen(host);
        if (hl < 2 || host[hl - 1] != ']')
            return ED_ERR_INVALID;
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
    if (getaddrinfo(*host ? host : NULL, portstr, &hints, &ai) != 0 || !ai)
        return ED_ERR_INVALID;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *sl = ai->ai_addrlen;
    freeaddrinfo(ai);
    return ED_OK;
}

static void *loop_main(void *arg)
{
    struct loop *l = arg;
    struct epoll_event evs[128];
    provider_async_attach_thread(l->engine);
    while (!atomic_load(&l->srv->stop)) {
        long timeout = provider_async_timeout_ms(l->engine);
        MHD_UNSIGNED_LONG_LONG mt;
        if (MHD_get_timeout(l->d, &mt) == MHD_YES && (long long)mt < timeout)
            timeout = (long)mt;
        if (l->socks && (timeout < 0 || timeout > (long)SWEEP_MS))
            timeout = (long)SWEEP_MS;
        int n = epoll_wait(l->epfd, evs, 128, (int)timeout);
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            if (tag & TAG_CLIENT) {
                struct sock_ctx
                    *sc = (struct sock_ctx *)(uintptr_t)(tag & ~TAG_CLIENT);
                sc->peer_gone = true;
                if (sc->watching)
                    client_gone(sc->watching);
            } else if (tag & PROVIDER_ASYNC_TAG) {
                provider_async_socket_event(l->engine, (int)(tag & 0xffffffffu),
                                            evs[i].events);
            } else if (tag == TAG_WAKE) {
                uint64_t v;
                ssize_t r = read(l->wakefd, &v, sizeof(v));
                (void)r;
            }
        }
        /* finished HubSpot calls resume their connections, then MHD runs */
        provider_async_run(l->engine);
        MHD_run(l->d);
        sweep_slow(l);
    }
    return NULL;
}

static int listen_socket(const struct sockaddr_storage *ss, socklen_t sl)
{
    int one = 1;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0);
    if (fd < 0)
        return -1;
    /* SO_REUSEADDR for quick restarts; never SO_REUSEPORT, which would let
     * a second server bind the same port and silently share the traffic */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (const struct sockaddr *)ss, sl) != 0 ||
        listen(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static enum ed_err loop_start(struct http_server *srv, struct loop *l,
                              unsigned conn_limit)
{
    struct epoll_event ev = {0};
    l->srv = srv;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->wakefd < 0)
        return ED_ERR_IO;
    l->d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC,
        0, accept_cb, srv, access_cb, srv, MHD_OPTION_LISTEN_SOCKET,
        srv->listen_fd, MHD_OPTION_CONNECTION_LIMIT, conn_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_NOTIFY_COMPLETED,
        completed_cb, srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, notify_conn_cb, l, MHD_OPTION_END);
    if (!l->d)
        return ED_ERR_IO;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(
        l->d, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info)
        return ED_ERR_IO;
    ev.events = EPOLLIN;
    ev.data.u64 = TAG_MHD;
    epoll_ctl(l->epfd, EPOLL_CTL_ADD, info->epoll_fd, &ev);
    ev.data.u64 = TAG_WAKE;
    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev);
    if (provider_async_new_embedded(l->epfd, &l->engine) != ED_OK)
        return ED_ERR_PROVIDER;
    if (pthread_create(&l->thread, NULL, loop_main, l) != 0)
        return ED_ERR_IO;
    return ED_OK;
}

static void loop_wake(struct loop *l)
{
    uint64_t one = 1;
    ssize_t w = write(l->wakefd, &one, sizeof(one));
    (void)w;
}

enum ed_err http_server_start(struct ed_app *app, struct http_server **out,
                              uint16_t *port_out)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    if (parse_listen(app->cfg->listen, &ss, &sl) != ED_OK) {
        ed_error(NULL, "msg=\"bad --listen\" value=\"%s\"", app->cfg->listen);
        return ED_ERR_INVALID;
    }
    router_init();
    struct http_server *srv = ed_calloc(1, sizeof(*srv));
    srv->app = app;
    srv->conns = connlimit_new((size_t)app->cfg->max_conns_per_ip);
    srv->listen_fd = listen_socket(&ss, sl);
    if (srv->listen_fd < 0) {
        ed_error(NULL, "msg=\"cannot listen\" listen=\"%s\"", app->cfg->listen);
        connlimit_free(srv->conns);
        free(srv);
        return ED_ERR_IO;
    }
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = app->cfg->threads > 0
                           ? (unsigned)app->cfg->threads
                           : (unsigned)(ncpu > 2 ? ncpu * 2 : 4);
    if (threads > MAX_LOOPS)
        threads = MAX_LOOPS;
    for (unsigned i = 0; i < threads; i++) {
        srv->loops[i].epfd = srv->loops[i].wakefd = -1;
        if (loop_start(srv, &srv->loops[i], 8192u / threads + 64) != ED_OK) {
            ed_error(NULL, "msg=\"cannot start server thread\" thread=%u", i);
            srv->nloops = i + 1;
            http_server_stop(srv);
            return ED_ERR_IO;
        }
        srv->nloops = i + 1;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof(bound);
    *port_out = 0;
    if (getsockname(srv->listen_fd, (struct sockaddr *)&bound, &bl) == 0)
        *port_out = ntohs(bound.ss_family == AF_INET6
                              ? ((struct sockaddr_in6 *)&bound)->sin6_port
                              : ((struct sockaddr_in *)&bound)->sin_port);
    *out = srv;
    return ED_OK;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    /* stop accepting; requests already received run to completion */
    for (unsigned i = 0; i < srv->nloops; i++)
        if (srv->loops[i].d)
            MHD_quiesce_daemon(srv->loops[i].d);
    double deadline = ed_mono_ms() +
                      (double)srv->app->cfg->shutdown_grace * 1000;
    while (atomic_load(&srv->active) > 0 && ed_mono_ms() < deadline)
        usleep(10000);
    atomic_store(&srv->stop, true);
    for (unsigned i = 0; i < srv->nloops; i++) {
        struct loop *l = &srv->loops[i];
        if (l->thread) {
            loop_wake(l);
            pthread_join(l->thread, NULL);
        }
        if (l->d)
            MHD_stop_daemon(l->d);
        provider_async_free_embedded(l->engine);
        if (l->epfd >= 0)
            close(l->epfd);
        if (l->wakefd >= 0)
            close(l->wakefd);
    }
    close(srv->listen_fd);
    connlimit_free(srv->conns);
    free(srv);
}
