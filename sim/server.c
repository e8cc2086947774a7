/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side of hubspot-sim: libmicrohttpd glue, the request pipeline and
 * the response helpers handlers use. The pipeline is one function,
 * sim_dispatch(): match a route from the module tables, apply injected
 * faults, enforce the row's flags (body size, JSON or form body, credentials,
 * rate limits, scopes), run the handler, log the request. Delays (--latency-ms
 * and fault delays) never block a thread: the connection is suspended with
 * its finished response attached and a timer thread resumes it when due, so
 * one MHD thread serves thousands of slow requests.
 */
#include "sim.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SIM_MODULE(n) &sim_module_##n,
const struct sim_module *const sim_modules[] = {
#include "modules.def"
    NULL};
#undef SIM_MODULE

/* Per-connection state, freed by the NOTIFY_COMPLETED callback. */
struct conn_ctx {
    struct sim_buf body;
    bool too_large;
    struct MHD_Response *pending;
    unsigned pending_status;
};

struct timer_item {
    int64_t due;
    struct MHD_Connection *conn;
};

static struct {
    struct MHD_Daemon *daemon;
    struct sim_state *st;
    pthread_t timer;
    bool timer_started;
    pthread_mutex_t tlock;
    pthread_cond_t tcond;
    struct timer_item *heap;
    size_t nheap, capheap;
    bool shutting;
} srv = {.tlock = PTHREAD_MUTEX_INITIALIZER};

/* ---- request accessors ------------------------------------------------ */

const char *sim_req_param(const struct sim_request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->pnames[i], name) == 0)
            return req->pvals[i];
    return NULL;
}

const char *sim_req_query(const struct sim_request *req, const char *name)
{
    return req->query ? sim_kv_get(req->query, name) : NULL;
}

const char *sim_req_header(const struct sim_request *req, const char *name)
{
    return req->headers ? sim_kv_geti(req->headers, name) : NULL;
}

const char *sim_req_form(const struct sim_request *req, const char *name)
{
    const char *v = sim_kv_get(&req->form, name);

    /* v1 OAuth also read some fields from the query string; v3 does not. */
    if (!v && (sim_str_prefix(req->path, "/oauth/v1") ||
               sim_str_prefix(req->path, "/auth/v1")))
        v = sim_req_query(req, name);
    return v;
}

bool sim_req_bool(const struct sim_request *req, const char *name, bool dflt)
{
    const char *v = sim_req_query(req, name);

    if (!v)
        return dflt;
    return sim_str_ieq(v, "true") || strcmp(v, "1") == 0;
}

/* ---- response helpers --------------------------------------------------- */

int sim_res_json(struct sim_response *res, int status, json_t *body_take)
{
    json_decref(res->json);
    free(res->raw);
    res->raw = NULL;
    res->json = body_take;
    res->status = status;
    res->content_type = "application/json;charset=utf-8";
    return status;
}

int sim_res_empty(struct sim_response *res, int status)
{
    json_decref(res->json);
    free(res->raw);
    res->json = NULL;
    res->raw = NULL;
    res->raw_len = 0;
    res->content_type = NULL;
    res->status = status;
    return status;
}

int sim_res_html(struct sim_response *res, int status, char *html_take)
{
    sim_res_empty(res, status);
    res->raw = html_take;
    res->raw_len = strlen(html_take);
    res->content_type = "text/html;charset=utf-8";
    return status;
}

int sim_res_redirect(struct sim_response *res, const char *location)
{
    sim_res_empty(res, 302);
    sim_res_header(res, "Location", location);
    return 302;
}

void sim_res_header(struct sim_response *res, const char *name,
                    const char *value)
{
    sim_kv_add(&res->headers, name, strlen(name), value, strlen(value));
}

int sim_res_error(struct sim_request *req, struct sim_response *res, int status,
                  const char *category, const char *message, json_t *extra_take)
{
    json_t *body = json_object();
    const char *k;
    json_t *v;
    char *fixed;

    json_object_set_new(body, "status", json_string("error"));
    /* a message quoting the request (its path) may carry invalid UTF-8 */
    fixed = sim_utf8_fix(message, strlen(message), NULL, NULL);
    json_object_set_new(body, "message", json_string(fixed));
    free(fixed);
    json_object_set_new(body, "correlationId",
                        json_string(req->correlation_id));
    if (extra_take) {
        json_object_foreach(extra_take, k, v)
            json_object_set(body, k, v);
        json_decref(extra_take);
    }
    if (category)
        json_object_set_new(body, "category", json_string(category));
    return sim_res_json(res, status, body);
}

int sim_res_errorf(struct sim_request *req, struct sim_response *res,
                   int status, const char *category, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sim_res_error(req, res, status, category, msg, NULL);
}

json_t *sim_req_object_or_respond(struct sim_request *req,
                                  struct sim_response *res)
{
    if (json_is_object(req->json))
        return req->json;
    sim_res_error(req, res, 400, "VALIDATION_ERROR",
                  "Invalid input JSON: expected a JSON object body", NULL);
    return NULL;
}

/* ---- routing ------------------------------------------------------------ */

static bool route_match(const char *pattern, const char *path,
                        struct sim_request *req)
{
    const char *p = pattern, *s = path;

    req->nparams = 0;
    while (*p && *s) {
        const char *pe = strchr(p + 1, '/'), *se = strchr(s + 1, '/');
        size_t plen = pe ? (size_t)(pe - p) : strlen(p);
        size_t slen = se ? (size_t)(se - s) : strlen(s);

        if (plen > 1 && p[1] == ':') {
            if (slen <= 1 || req->nparams == SIM_MAX_PARAMS ||
                slen - 1 >= SIM_PARAM_MAX)
                return false;
            req->pnames[req->nparams] = NULL;
            memcpy(req->pvals[req->nparams], s + 1, slen - 1);
            req->pvals[req->nparams][slen - 1] = '\0';
            req->nparams++;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && *s == '\0';
}

/* Names point into the (static) pattern; fill them after a match. */
static void route_names(const char *pattern, struct sim_request *req)
{
    static _Thread_local char names[SIM_MAX_PARAMS][64];
    size_t i = 0;

    for (const char *p = strchr(pattern, ':'); p && i < req->nparams;
         p = strchr(p + 1, ':')) {
        size_t n = strcspn(p + 1, "/");

        if (n >= sizeof(names[i]))
            n = sizeof(names[i]) - 1;
        memcpy(names[i], p + 1, n);
        names[i][n] = '\0';
        req->pnames[i] = names[i];
        i++;
    }
}

static const struct sim_route *route_find(struct sim_request *req,
                                          bool *path_known)
{
    *path_known = false;
    for (size_t m = 0; sim_modules[m]; m++) {
        const struct sim_route *r = sim_modules[m]->routes;

        for (; r && r->method; r++) {
            if (!route_match(r->pattern, req->path, req))
                continue;
            *path_known = true;
            if (strcmp(r->method, req->method) == 0) {
                route_names(r->pattern, req);
                return r;
            }
        }
    }
    req->nparams = 0;
    return NULL;
}

/* ---- faults -------------------------------------------------------------- */

static const struct {
    int status;
    const char *category, *message;
} fault_msgs[] = {
    {500, "INTERNAL_ERROR", "internal error"},
    {502, "BAD_GATEWAY", "Bad Gateway"},
    {503, "SERVICE_UNAVAILABLE", "Service Unavailable"},
    {504, "GATEWAY_TIMEOUT", "Gateway Timeout"},
    {423, "LOCKED", "Locked"},
    {0, "SIM_FAULT", "injected fault"},
};

/* Consumes a matching fault; returns true if it produced a response. */
static bool apply_fault(struct sim_request *req, struct sim_response *res)
{
    struct sim_state *st = req->st;

    for (size_t i = 0; i < st->nfaults; i++) {
        struct sim_fault *f = &st->faults[i];
        bool produced = false;
        size_t m = 0;

        if (f->count <= 0 || !sim_str_prefix(req->path, f->path_prefix))
            continue;
        f->count--;
        res->delay_ms += f->delay_ms;
        if (f->body && f->status) {
            if (json_is_string(f->body)) {
                sim_res_html(res, f->status,
                             sim_xstrdup(json_string_value(f->body)));
            } else {
                sim_res_json(res, f->status, json_deep_copy(f->body));
            }
            produced = true;
        } else if (f->status == 429) {
            sim_res_429(req, res, "TEN_SECONDLY_ROLLING");
            produced = true;
        } else if (f->status) {
            while (fault_msgs[m].status && fault_msgs[m].status != f->status)
                m++;
            sim_res_error(req, res, f->status, fault_msgs[m].category,
                          fault_msgs[m].message, NULL);
            produced = true;
        }
        if (f->count == 0) {
            json_decref(f->body);
            memmove(f, f + 1, (st->nfaults - i - 1) * sizeof(*f));
            st->nfaults--;
        }
        return produced;
    }
    return false;
}

/* ---- request log ------------------------------------------------------- */

/* Every string the log keeps is valid UTF-8, so GET /__sim/requests always
 * serialises: bytes that are not (in the path, query, headers or body)
 * become U+FFFD; for the body the exact bytes are kept as well, in
 * bodyBase64, when any had to be replaced. */
static json_t *log_str(const char *s, size_t n, bool *changed)
{
    size_t len;
    char *fixed = sim_utf8_fix(s ? s : "", s ? n : 0, &len, changed);
    json_t *v = json_stringn(fixed, len);

    free(fixed);
    return v;
}

static json_t *log_cstr(const char *s)
{
    return log_str(s, s ? strlen(s) : 0, NULL);
}

/* Sets o[name] (name repaired like the values) = v. */
static void log_set(json_t *o, const char *name, json_t *v_take)
{
    char *key = sim_utf8_fix(name, strlen(name), NULL, NULL);

    json_object_set_new(o, key, v_take);
    free(key);
}

static void log_body(json_t *e, const struct sim_request *req)
{
    const char *body = req->body ? req->body : "";
    size_t n = sim_utf8_cut(body, req->body_len, SIM_REQLOG_BODY);
    bool changed = false;

    json_object_set_new(e, "body", log_str(body, n, &changed));
    if (changed) {
        size_t cap = sodium_base64_ENCODED_LEN(n,
                                               sodium_base64_VARIANT_ORIGINAL);
        char *b64 = sim_xmalloc(cap);

        sodium_bin2base64(b64, cap, (const unsigned char *)body, n,
                          sodium_base64_VARIANT_ORIGINAL);
        json_object_set_new(e, "bodyBase64", json_string(b64));
        free(b64);
    }
    if (req->body_len > n)
        json_object_set_new(e, "bodyTruncated", json_true());
}

static void log_request(struct sim_request *req, const struct sim_response *res)
{
    struct sim_state *st = req->st;
    json_t *e = json_object(), *q = json_object(), *h = json_object();
    char ts[32];

    for (size_t i = 0; req->query && i < req->query->n; i++) {
        const struct sim_kv *kv = &req->query->items[i];
        char *name = sim_utf8_fix(kv->name, strlen(kv->name), NULL, NULL);
        json_t *old = json_object_get(q, name);

        if (!old) {
            json_object_set_new(q, name, log_cstr(kv->value));
        } else if (json_is_array(old)) {
            json_array_append_new(old, log_cstr(kv->value));
        } else {
            json_object_set_new(q, name,
                                json_pack("[Oo]", old, log_cstr(kv->value)));
        }
        free(name);
    }
    for (size_t i = 0; req->headers && i < req->headers->n; i++) {
        char name[128];
        size_t j;

        sim_strlcpy(name, req->headers->items[i].name, sizeof(name));
        for (j = 0; name[j]; j++)
            if (name[j] >= 'A' && name[j] <= 'Z')
                name[j] = (char)(name[j] - 'A' + 'a');
        log_set(h, name, log_cstr(req->headers->items[i].value));
    }
    sim_iso_ms(req->now_ms, ts);
    json_object_set_new(e, "method", log_cstr(req->method));
    json_object_set_new(e, "path", log_cstr(req->path));
    json_object_set_new(e, "query", q);
    json_object_set_new(e, "headers", h);
    log_body(e, req);
    json_object_set_new(e, "status", json_integer(res->status));
    json_object_set_new(e, "correlationId", json_string(req->correlation_id));
    json_object_set_new(e, "time", json_string(ts));
    if (json_array_size(st->reqlog) >= SIM_REQLOG_MAX)
        json_array_remove(st->reqlog, 0);
    json_array_append_new(st->reqlog, e);
}

/* ---- the pipeline ------------------------------------------------------- */

static bool is_json_ctype(const char *ct)
{
    return ct && strstr(ct, "json") != NULL;
}

static int body_checks(struct sim_request *req, struct sim_response *res,
                       json_t **parsed)
{
    const struct sim_route *r = req->route;
    const char *ct = sim_req_header(req, "Content-Type");

    if ((r->flags & SIM_R_FORM) && is_json_ctype(ct))
        return sim_res_error(req, res, 415, "UNSUPPORTED_MEDIA_TYPE",
                             "Content type 'application/json' not supported; "
                             "use application/x-www-form-urlencoded",
                             NULL);
    if (r->flags & SIM_R_FORM)
        sim_form_parse(&req->form, req->body ? req->body : "", req->body_len);
    if ((r->flags & SIM_R_JSON) && req->body_len > 0) {
        json_error_t jerr;

        *parsed = json_loadb(req->body, req->body_len,
                             JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!*parsed)
            return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                                  "Invalid input JSON on line %d, column %d: "
                                  "%s",
                                  jerr.line, jerr.column, jerr.text);
        req->json = *parsed;
    }
    return 0;
}

/* Runs one request through the pipeline. Holds st->lock throughout. */
static void sim_dispatch(struct sim_request *req, struct sim_response *res,
                         bool too_large)
{
    struct sim_state *st = req->st;
    json_t *parsed = NULL;
    bool known = false, control;

    pthread_mutex_lock(&st->lock);
    req->now_ms = sim_now(st);
    req->route = route_find(req, &known);
    control = sim_str_prefix(req->path, "/__sim/");
    if (!control) {
        sim_stat_inc(st, NULL, "requests");
        if (apply_fault(req, res))
            goto out;
    }
    if (!req->route) {
        if (known)
            sim_res_errorf(req, res, 405, "METHOD_NOT_ALLOWED",
                           "Method %s is not allowed for %s", req->method,
                           req->path);
        else
            sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                           "Resource not found: %s %s", req->method, req->path);
        goto out;
    }
    if (too_large) {
        sim_res_errorf(req, res, 413, "VALIDATION_ERROR",
                       "Request body exceeds %u bytes", SIM_BODY_MAX);
        goto out;
    }
    if (body_checks(req, res, &parsed))
        goto out;
    if ((req->route->flags & SIM_R_AUTH) && !sim_auth_check(req, res))
        goto out;
    req->route->handler(req, res);
out:
    if (!control) {
        log_request(req, res);
        res->delay_ms += st->cfg->latency_ms;
    }
    pthread_mutex_unlock(&st->lock);
    json_decref(parsed);
    req->json = NULL;
    json_decref(req->auth.scopes);
    req->auth.scopes = NULL;
    sim_kv_cleanup(&req->form);
}

/* ---- delay timer ---------------------------------------------------------- */

static void heap_push(struct timer_item it)
{
    size_t i;

    if (srv.nheap == srv.capheap) {
        srv.capheap = srv.capheap ? srv.capheap * 2 : 1024;
        srv.heap = sim_xrealloc(srv.heap, srv.capheap * sizeof(*srv.heap));
    }
    i = srv.nheap++;
    while (i > 0 && srv.heap[(i - 1) / 2].due > it.due) {
        srv.heap[i] = srv.heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    srv.heap[i] = it;
}

static struct timer_item heap_pop(void)
{
    struct timer_item top = srv.heap[0], last = srv.heap[--srv.nheap];
    size_t i = 0;

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= srv.nheap)
            break;
        if (c + 1 < srv.nheap && srv.heap[c + 1].due < srv.heap[c].due)
            c++;
        if (srv.heap[c].due >= last.due)
            break;
        srv.heap[i] = srv.heap[c];
        i = c;
    }
    if (srv.nheap)
        srv.heap[i] = last;
    return top;
}

static void timer_add(struct MHD_Connection *conn, int64_t delay_ms)
{
    pthread_mutex_lock(&srv.tlock);
    if (srv.shutting) {
        pthread_mutex_unlock(&srv.tlock);
        MHD_resume_connection(conn);
        return;
    }
    heap_push((struct timer_item){sim_mono_ms() + delay_ms, conn});
    pthread_cond_signal(&srv.tcond);
    pthread_mutex_unlock(&srv.tlock);
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&srv.tlock);
    for (;;) {
        int64_t now = sim_mono_ms();

        while (srv.nheap && (srv.shutting || srv.heap[0].due <= now))
            MHD_resume_connection(heap_pop().conn);
        if (srv.shutting)
            break;
        if (srv.nheap) {
            int64_t due = srv.heap[0].due;
            struct timespec ts = {(time_t)(due / 1000),
                                  (long)(due % 1000) * 1000000L};

            pthread_cond_timedwait(&srv.tcond, &srv.tlock, &ts);
        } else {
            pthread_cond_wait(&srv.tcond, &srv.tlock);
        }
    }
    pthread_mutex_unlock(&srv.tlock);
    return NULL;
}

/* ---- libmicrohttpd glue ------------------------------------------------------ */

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    (void)kind;
    sim_kv_add(cls, key, strlen(key), value, value ? strlen(value) : 0);
    return MHD_YES;
}

static struct MHD_Response *render(struct sim_response *res,
                                   const char *correlation_id)
{
    struct MHD_Response *r;
    char *data = NULL;
    size_t len = 0;

    if (res->json) {
        data = json_dumps(res->json, JSON_COMPACT | JSON_ENCODE_ANY);
        len = data ? strlen(data) : 0;
    } else if (res->raw) {
        data = res->raw;
        len = res->raw_len;
        res->raw = NULL;
    }
    r = MHD_create_response_from_buffer(len, data ? data : (void *)"",
                                        data ? MHD_RESPMEM_MUST_FREE
                                             : MHD_RESPMEM_PERSISTENT);
    if (res->content_type)
        MHD_add_response_header(r, "Content-Type", res->content_type);
    MHD_add_response_header(r, "X-HubSpot-Correlation-Id", correlation_id);
    for (size_t i = 0; i < res->headers.n; i++)
        MHD_add_response_header(r, res->headers.items[i].name,
                                res->headers.items[i].value);
    return r;
}

static void normalise_path(const char *url, char *out, size_t cap)
{
    size_t n;

    sim_strlcpy(out, url && *url ? url : "/", cap);
    n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        out[--n] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct conn_ctx *ctx = *con_cls;
    struct sim_kvlist query = {0}, headers = {0};
    struct sim_request *req = NULL;
    struct sim_response res;
    struct MHD_Response *mr;
    char path[4096];
    enum MHD_Result ret;
    int64_t delay;
    int64_t t0 = sim_mono_ms();

    (void)cls;
    (void)version;
    if (!ctx) {
        ctx = sim_xcalloc(1, sizeof(*ctx));
        sim_buf_init(&ctx->body, SIM_BODY_MAX);
        *con_cls = ctx;
        return MHD_YES;
    }
    if (ctx->pending) {
        ret = MHD_queue_response(conn, ctx->pending_status, ctx->pending);
        MHD_destroy_response(ctx->pending);
        ctx->pending = NULL;
        return ret;
    }
    if (*upload_data_size) {
        if (!ctx->too_large &&
            sim_buf_append(&ctx->body, upload_data, *upload_data_size))
            ctx->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }

    req = sim_xcalloc(1, sizeof(*req));
    memset(&res, 0, sizeof(res));
    res.status = 500;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_kv, &query);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_kv, &headers);
    normalise_path(url, path, sizeof(path));
    req->st = srv.st;
    req->method = method;
    req->path = path;
    req->query = &query;
    req->headers = &headers;
    req->body = ctx->body.data;
    req->body_len = ctx->too_large ? 0 : ctx->body.len;
    sim_uuid(req->correlation_id);
    sim_dispatch(req, &res, ctx->too_large);

    mr = render(&res, req->correlation_id);
    sim_log(SIM_LOG_INFO,
            "msg=access id=%s method=%s path=%s status=%d ms=%lld delay=%lld",
            req->correlation_id, method, path, res.status,
            (long long)(sim_mono_ms() - t0), (long long)res.delay_ms);
    delay = res.delay_ms;
    if (delay > 0) {
        ctx->pending = mr;
        ctx->pending_status = (unsigned)res.status;
        MHD_suspend_connection(conn);
        timer_add(conn, delay);
        ret = MHD_YES;
    } else {
        ret = MHD_queue_response(conn, (unsigned)res.status, mr);
        MHD_destroy_response(mr);
    }
    json_decref(res.json);
    free(res.raw);
    sim_kv_cleanup(&res.headers);
    sim_kv_cleanup(&query);
    sim_kv_cleanup(&headers);
    free(req);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_ctx *ctx = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (!ctx)
        return;
    if (ctx->pending)
        MHD_destroy_response(ctx->pending);
    sim_buf_cleanup(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

int sim_server_start(struct sim_state *st, char *err, size_t errlen)
{
    const struct sim_config *cfg = st->cfg;
    struct addrinfo hints, *ai = NULL;
    char port[16];
    pthread_condattr_t ca;
    int rc = -1, gai;

    srv.st = st;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", (unsigned)cfg->listen_port);
    gai = getaddrinfo(cfg->listen_host[0] ? cfg->listen_host : NULL, port,
                      &hints, &ai);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", cfg->listen_host,
                 gai_strerror(gai));
        goto out;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv.tcond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&srv.timer, NULL, timer_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start timer thread");
        goto out;
    }
    srv.timer_started = true;
    srv.daemon = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_ALLOW_SUSPEND_RESUME |
            (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0),
        cfg->listen_port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR,
        ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
    if (!srv.daemon) {
        snprintf(err, errlen, "cannot listen on %s:%u", cfg->listen_host,
                 (unsigned)cfg->listen_port);
        goto out;
    }
    rc = 0;
out:
    if (ai)
        freeaddrinfo(ai);
    return rc;
}

void sim_server_stop(void)
{
    if (srv.daemon) {
        MHD_socket fd = MHD_quiesce_daemon(srv.daemon);

        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    pthread_mutex_lock(&srv.tlock);
    srv.shutting = true;
    pthread_cond_signal(&srv.tcond);
    pthread_mutex_unlock(&srv.tlock);
    if (srv.timer_started)
        pthread_join(srv.timer, NULL);
    srv.timer_started = false;
    if (srv.daemon) {
        /* Give resumed connections a moment to flush their responses. */
        struct timespec ts = {0, 100 * 1000000L};

        nanosleep(&ts, NULL);
        MHD_stop_daemon(srv.daemon);
        srv.daemon = NULL;
    }
    free(srv.heap);
    srv.heap = NULL;
    srv.nheap = srv.capheap = 0;
}
