/* SPDX-License-Identifier: MIT
 * Per-instance traces (see traces.h). A trace is built on the request's
 * thread when its hub call ends: everything is redacted there (secret keys
 * in JSON text and query strings, the instance's known secret values
 * anywhere, the Authorization header whole) and cut to bounds, so what is
 * queued, stored and served never holds a secret. One writer thread per
 * process stores queued traces (the newest --trace-max-calls per instance
 * stay) and sweeps those older than --trace-ttl-s; a GET of the traces
 * first waits for the queue (traces_flush) so a caller sees its own calls. */
#include "traces/traces.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "elements/elements.h"
#include "provider/provider.h"
#include "store/store.h"

#define SECRET_MIN 6
#define SECRET_MAX 4096
#define TEXT_MAX (4u << 20) /* bodies beyond this are not kept at all */
#define HEADERS_MAX 64
#define HEADER_VALUE_MAX 1024
#define SWEEP_EVERY_MS 60000

struct trace_call {
    json_t *calls; /* the HubSpot calls so far */
    size_t omitted;
};

/* --- redaction ------------------------------------------------------------ */

bool traces_key_secret(const char *key)
{
    static const char *const words[] = {"token",      "secret",
                                        "password",   "passwd",
                                        "apikey",     "authorization",
                                        "credential", "signature",
                                        "session",    "cookie"};
    char k[128];
    size_t n = 0;
    for (const char *p = key; *p && n < sizeof(k) - 1; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            k[n++] = c;
    }
    k[n] = '\0';
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strstr(k, words[i]))
            return true;
    return false;
}

void traces_secrets_add(struct trace_secrets *s, const char *v)
{
    if (!v || s->n == TRACE_SECRETS_MAX)
        return;
    size_t len = strlen(v);
    if (len < SECRET_MIN || len > SECRET_MAX)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], v) == 0)
            return;
    s->v[s->n++] = v;
}

/* A growable heap string (bounded by what callers feed it). */
struct out {
    char *p;
    size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
    if (n > SIZE_MAX / 4 || o->len > SIZE_MAX / 4)
        return; /* cannot happen with a bounded trace; keeps sizes sane */
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (o->len + n + 1 > cap)
            cap *= 2;
        o->p = ed_realloc(o->p, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* Every known secret value replaced. */
static char *redact_values(const struct trace_secrets *s, const char *text,
                           size_t len, size_t *out_len)
{
    struct out o = {0};
    size_t i = 0;
    out_add(&o, "", 0);
    while (i < len) {
        size_t hit = 0;
        for (size_t k = 0; k < s->n && !hit; k++) {
            size_t sl = strlen(s->v[k]);
            if (sl <= len - i && text[i] == s->v[k][0] &&
                memcmp(text + i, s->v[k], sl) == 0)
                hit = sl;
        }
        if (hit) {
            out_add(&o, TRACE_REDACTED, sizeof(TRACE_REDACTED) - 1);
            i += hit;
        } else {
            out_add(&o, text + i, 1);
            i++;
        }
    }
    *out_len = o.len;
    return o.p;
}

/* End of the JSON string token starting at text[i] == '"' (index after the
 * closing quote, or len when unterminated). */
static size_t string_end(const char *text, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (text[i] == '\\')
            i++;
        else if (text[i] == '"')
            return i + 1;
    }
    return len;
}

/* End of the JSON value starting at text[i] (a string, a balanced object or
 * array, or a literal), or len when it runs off the text. */
static size_t value_end(const char *text, size_t len, size_t i)
{
    if (i >= len)
        return len;
    if (text[i] == '"')
        return string_end(text, len, i);
    if (text[i] == '{' || text[i] == '[') {
        size_t depth = 0;
        while (i < len) {
            char c = text[i];
            if (c == '"') {
                i = string_end(text, len, i);
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return len;
    }
    while (i < len && !strchr(",}] \t\r\n", text[i]))
        i++;
    return i;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Members whose key names a secret get "[REDACTED]" as value; works on any
 * text (JSON or not, whole or cut), token by token. */
static char *redact_keys(const char *text, size_t len, size_t *out_len)
{
    struct out o = {0};
    size_t i = 0;
    out_add(&o, "", 0);
    while (i < len) {
        if (text[i] != '"') {
            size_t j = i;
            while (j < len && text[j] != '"')
                j++;
            out_add(&o, text + i, j - i);
            i = j;
            continue;
        }
        size_t e = string_end(text, len, i);
        out_add(&o, text + i, e - i);
        size_t j = e;
        while (j < len && is_ws(text[j]))
            j++;
        if (j >= len || text[j] != ':' || e - i < 2) {
            i = e;
            continue;
        }
        char key[128];
        size_t kl = e - i - 2 < sizeof(key) - 1 ? e - i - 2 : sizeof(key) - 1;
        memcpy(key, text + i + 1, kl);
        key[kl] = '\0';
        if (!traces_key_secret(key)) {
            i = e;
            continue;
        }
        j++;
        while (j < len && is_ws(text[j]))
            j++;
        out_add(&o, text + e, j - e); /* the colon and blanks */
        out_add(&o, "\"" TRACE_REDACTED "\"", sizeof(TRACE_REDACTED) + 1);
        i = value_end(text, len, j);
    }
    *out_len = o.len;
    return o.p;
}

char *traces_redact_text(const struct trace_secrets *s, const char *text,
                         size_t len, size_t *out_len)
{
    size_t l1 = 0;
    char *a = redact_values(s, text, len, &l1);
    char *b = redact_keys(a, l1, out_len);
    free(a);
    return b;
}

char *traces_redact_url(const struct trace_secrets *s, const char *url)
{
    struct out o = {0};
    const char *q = strchr(url, '?');
    out_add(&o, url, q ? (size_t)(q - url) : strlen(url));
    while (q && *q) {
        out_add(&o, q, 1); /* '?' or '&' */
        const char *p = q + 1;
        const char *amp = strchr(p, '&');
        size_t plen = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', plen);
        char key[128];
        size_t kl = eq ? (size_t)(eq - p) : plen;
        if (kl > sizeof(key) - 1)
            kl = sizeof(key) - 1;
        memcpy(key, p, kl);
        key[kl] = '\0';
        if (eq && traces_key_secret(key)) {
            out_add(&o, p, (size_t)(eq - p) + 1);
            out_add(&o, TRACE_REDACTED, sizeof(TRACE_REDACTED) - 1);
        } else {
            out_add(&o, p, plen);
        }
        q = amp;
    }
    size_t n;
    char *r = redact_values(s, o.p, o.len, &n);
    free(o.p);
    return r;
}

/* Length of the longest prefix of text (at most max) that ends on a UTF-8
 * character boundary. */
static size_t utf8_cut(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

json_t *traces_body_json(const char *text, size_t len, size_t max,
                         bool *truncated)
{
    *truncated = len > max;
    size_t n = utf8_cut(text, len, max);
    json_t *s = json_stringn(text, n);
    if (!s) {
        *truncated = false;
        return json_sprintf("[%zu bytes, not text]", len);
    }
    if (*truncated) {
        char *t = ed_asprintf("%s...[truncated: %zu bytes in all]",
                              json_string_value(s), len);
        json_decref(s);
        s = json_string(t);
        free(t);
    }
    return s;
}

/* Redacted, bounded body into o[name] (+ nameBytes, nameTruncated). */
static void put_body(json_t *o, const char *name, const struct trace_secrets *s,
                     const char *text, size_t len, size_t max)
{
    char key[64];
    bool cut = false;
    if (!text || len == 0) {
        json_object_set_new(o, name, json_null());
        return;
    }
    snprintf(key, sizeof(key), "%sBytes", name);
    json_object_set_new(o, key, json_integer((json_int_t)len));
    if (len > TEXT_MAX) {
        json_object_set_new(o, name,
                            json_sprintf("[%zu bytes, not kept]", len));
        return;
    }
    size_t rl;
    char *r = traces_redact_text(s, text, len, &rl);
    json_object_set_new(o, name, traces_body_json(r, rl, max, &cut));
    free(r);
    snprintf(key, sizeof(key), "%sTruncated", name);
    json_object_set_new(o, key, json_boolean(cut));
}

/* --- what a call's trace holds -------------------------------------------- */

static bool traced(const struct ed_request *req, const struct instance *in)
{
    return in && in->row.trace_logging && req && req->route &&
           strcmp(req->route, "internal") != 0;
}

/* The instance's secret values and the credentials of the Authorization
 * header ("User x, Organization y, Element z"), copied into the arena. */
static void gather_secrets(const struct ed_request *req,
                           const struct instance *in, struct trace_secrets *s)
{
    const char *key;
    json_t *v;
    memset(s, 0, sizeof(*s));
    json_object_foreach(in->secrets, key, v)
        traces_secrets_add(s, json_string_value(v));
    json_object_foreach(in->config, key, v)
        if (traces_key_secret(key))
            traces_secrets_add(s, json_string_value(v));
    traces_secrets_add(s, in->token);
    const char *auth = req_header(req, "Authorization");
    while (auth && *auth) {
        const char *comma = strchr(auth, ',');
        size_t n = comma ? (size_t)(comma - auth) : strlen(auth);
        char *part = ed_arena_strndup(req->arena, auth, n);
        char *sp = strrchr(part, ' ');
        traces_secrets_add(s, sp ? sp + 1 : part);
        auth = comma ? comma + 1 : NULL;
    }
}

struct trace_call *traces_hubspot(struct trace_call *t,
                                  const struct ed_request *req,
                                  const struct instance *in, const char *method,
                                  const char *path, const char *body,
                                  size_t body_len, enum ed_err err,
                                  const struct provider_response *rs)
{
    struct trace_secrets s;
    if (!traced(req, in))
        return t;
    if (!t) {
        t = ed_calloc(1, sizeof(*t));
        t->calls = json_array();
    }
    if (json_array_size(t->calls) >= TRACE_HS_CALLS_MAX) {
        t->omitted++;
        return t;
    }
    gather_secrets(req, in, &s);
    char *url = traces_redact_url(&s, path ? path : "");
    json_t *c = json_pack("{s:s, s:s, s:f}", "method", method ? method : "",
                          "url", url, "durationMs", rs ? rs->ms : 0.0);
    free(url);
    if (err == ED_OK && rs)
        json_object_set_new(c, "status", json_integer(rs->status));
    else
        json_object_set_new(c, "error", json_string(ed_strerror(err)));
    put_body(c, "requestBody", &s, body, body_len, TRACE_HS_BODY_MAX);
    if (rs)
        put_body(c, "responseBody", &s, rs->body, rs->body_len,
                 TRACE_HS_BODY_MAX);
    json_array_append_new(t->calls, c);
    return t;
}

static json_t *render_query(const struct ed_request *req,
                            const struct trace_secrets *s)
{
    json_t *q = json_array();
    for (size_t i = 0; i < req->nquery && i < HEADERS_MAX; i++) {
        const char *v = req->query[i].value;
        json_t *val;
        if (!v) {
            val = json_null();
        } else if (traces_key_secret(req->query[i].name)) {
            val = json_string(TRACE_REDACTED);
        } else {
            size_t n;
            char *r = redact_values(s, v, strlen(v), &n);
            bool cut;
            val = traces_body_json(r, n, HEADER_VALUE_MAX, &cut);
            free(r);
        }
        json_t *name = json_stringn(req->query[i].name,
                                    strlen(req->query[i].name));
        json_array_append_new(q, json_pack("{s:o, s:o}", "name",
                                           name ? name : json_string("?"),
                                           "value", val));
    }
    return q;
}

static json_t *render_headers(const struct ed_request *req,
                              const struct trace_secrets *s)
{
    json_t *h = json_object();
    for (size_t i = 0; i < req->nheaders && i < HEADERS_MAX; i++) {
        const char *name = req->headers[i].name;
        const char *v = req->headers[i].value ? req->headers[i].value : "";
        if (!name)
            continue;
        json_t *val;
        if (traces_key_secret(name)) {
            val = json_string(TRACE_REDACTED);
        } else {
            size_t n;
            char *r = redact_values(s, v, strlen(v), &n);
            bool cut;
            val = traces_body_json(r, n, HEADER_VALUE_MAX, &cut);
            free(r);
        }
        json_object_set_new(h, name, val);
    }
    return h;
}

/* The response as the client gets it: a JSON body, a raw body, or the
 * error envelope. */
static void put_response(json_t *o, const struct ed_request *req,
                         const struct ed_response *res,
                         const struct trace_secrets *s)
{
    if (res->error != ED_E_NONE) {
        json_t *env = json_pack(
            "{s:s, s:s}", "requestId", req->request_id, "message",
            res->message ? res->message : ed_api_error_message(res->error));
        if (res->provider_message)
            json_object_set_new(env, "providerMessage",
                                json_string(res->provider_message));
        char *t = json_dumps(env, JSON_COMPACT);
        json_decref(env);
        put_body(o, "responseBody", s, t, t ? strlen(t) : 0, TRACE_BODY_MAX);
        free(t);
    } else if (res->body) {
        char *t = json_dumps(res->body, JSON_COMPACT | JSON_ENCODE_ANY);
        put_body(o, "responseBody", s, t, t ? strlen(t) : 0, TRACE_BODY_MAX);
        free(t);
    } else {
        const char *raw = res->raw_heap ? res->raw_heap : res->raw;
        put_body(o, "responseBody", s, raw, raw ? res->raw_len : 0,
                 TRACE_BODY_MAX);
    }
}

static void queue_push(int64_t instance_id, int64_t created_ms, char *doc);

void traces_hub_end(struct trace_call *t, const struct ed_request *req,
                    const struct ed_response *res, const struct instance *in)
{
    struct trace_secrets s;
    int status = res ? res->status : 0;
    bool client = req && req->route && strcmp(req->route, "internal") != 0;
    if (client && in && status > 0)
        summary_count(in->row.org_id, in->row.id, in->el ? in->el->key : "",
                      status, ed_mono_ms() - req->started_ms, ed_now_ms());
    if (!client || status <= 0 || !traced(req, in))
        goto out;
    gather_secrets(req, in, &s);
    char created[32];
    int64_t now = ed_now_ms();
    ed_iso8601(now / 1000, created, sizeof(created));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:f}", "createdDate",
                          created, "requestId", req->request_id, "method",
                          req->method_name ? req->method_name : "", "path",
                          req->path ? req->path : "", "status", status,
                          "durationMs", ed_mono_ms() - req->started_ms,
                          "upstreamMs", req->upstream_ms);
    if (!o)
        goto out;
    json_object_set_new(o, "instanceId", json_integer(in->row.id));
    json_object_set_new(o, "query", render_query(req, &s));
    json_object_set_new(o, "requestHeaders", render_headers(req, &s));
    put_body(o, "requestBody", &s, req->body_raw, req->body_len,
             TRACE_BODY_MAX);
    put_response(o, req, res, &s);
    json_object_set_new(o, "hubspotCalls",
                        t ? json_incref(t->calls) : json_array());
    if (t && t->omitted)
        json_object_set_new(o, "hubspotCallsOmitted",
                            json_integer((json_int_t)t->omitted));
    char *doc = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (doc) {
        /* last pass over the whole document: a secret value anywhere */
        size_t n;
        char *clean = redact_values(&s, doc, strlen(doc), &n);
        free(doc);
        queue_push(in->row.id, now, clean);
    }
out:
    if (t) {
        json_decref(t->calls);
        free(t);
    }
}

/* --- the writer ----------------------------------------------------------- */

struct item {
    struct item *next;
    int64_t instance_id, created_ms;
    char *doc;
    size_t bytes;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work, idle;
    pthread_t thread;
    bool running, stopping, busy, sweep_asked;
    struct ed_app *app;
    struct item *head, *tail;
    size_t bytes;
    uint64_t dropped;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .work = PTHREAD_COND_INITIALIZER,
       .idle = PTHREAD_COND_INITIALIZER};

uint64_t traces_dropped(void)
{
    pthread_mutex_lock(&W.mu);
    uint64_t d = W.dropped;
    pthread_mutex_unlock(&W.mu);
    return d;
}

static void queue_push(int64_t instance_id, int64_t created_ms, char *doc)
{
    size_t bytes = strlen(doc);
    pthread_mutex_lock(&W.mu);
    if (!W.running || W.stopping || W.bytes + bytes > TRACE_QUEUE_MAX) {
        W.dropped++;
        pthread_mutex_unlock(&W.mu);
        free(doc);
        return;
    }
    struct item *it = ed_calloc(1, sizeof(*it));
    it->instance_id = instance_id;
    it->created_ms = created_ms;
    it->doc = doc;
    it->bytes = bytes;
    if (W.tail)
        W.tail->next = it;
    else
        W.head = it;
    W.tail = it;
    W.bytes += bytes;
    pthread_cond_signal(&W.work);
    pthread_mutex_unlock(&W.mu);
}

static void sweep(struct ed_app *app)
{
    int64_t deleted = 0;
    int64_t before = ed_now_ms() - app->cfg->trace_ttl_s * 1000;
    if (store_trace_sweep(app->store, before, &deleted) != ED_OK)
        ed_warn(NULL, "msg=\"trace sweep failed\"");
    else if (deleted)
        ed_debug(NULL, "msg=\"traces swept\" count=%lld", (long long)deleted);
}

static void *writer(void *arg)
{
    struct ed_app *app = arg;
    double last_sweep = ed_mono_ms();
    long every = app->cfg->trace_ttl_s * 1000 < SWEEP_EVERY_MS
                     ? (long)(app->cfg->trace_ttl_s * 1000)
                     : SWEEP_EVERY_MS;
    pthread_mutex_lock(&W.mu);
    for (;;) {
        while (!W.head && !W.stopping && !W.sweep_asked &&
               ed_mono_ms() - last_sweep < every) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&W.work, &W.mu, &ts);
        }
        if (!W.head && W.stopping)
            break;
        struct item *batch = W.head;
        W.head = W.tail = NULL;
        W.bytes = 0;
        bool do_sweep = W.sweep_asked || ed_mono_ms() - last_sweep >= every;
        W.sweep_asked = false;
        W.busy = true;
        pthread_mutex_unlock(&W.mu);
        while (batch) {
            struct item *it = batch;
            batch = it->next;
            enum ed_err err = store_trace_add(
                app->store, it->instance_id, it->created_ms, it->doc,
                (size_t)app->cfg->trace_max_calls);
            if (err != ED_OK && err != ED_ERR_NOT_FOUND)
                ed_warn(NULL,
                        "msg=\"cannot store a trace\" instance=%lld "
                        "error=\"%s\"",
                        (long long)it->instance_id, ed_strerror(err));
            free(it->doc);
            free(it);
        }
        if (do_sweep) {
            sweep(app);
            last_sweep = ed_mono_ms();
        }
        pthread_mutex_lock(&W.mu);
        W.busy = false;
        pthread_cond_broadcast(&W.idle);
    }
    W.busy = false;
    pthread_cond_broadcast(&W.idle);
    pthread_mutex_unlock(&W.mu);
    return NULL;
}

enum ed_err traces_start(struct ed_app *app)
{
    pthread_mutex_lock(&W.mu);
    W.app = app;
    W.stopping = false;
    W.running = pthread_create(&W.thread, NULL, writer, app) == 0;
    bool ok = W.running;
    pthread_mutex_unlock(&W.mu);
    return ok ? ED_OK : ED_ERR_IO;
}

void traces_stop(void)
{
    pthread_mutex_lock(&W.mu);
    bool was = W.running;
    W.stopping = true;
    pthread_cond_signal(&W.work);
    pthread_mutex_unlock(&W.mu);
    if (was)
        pthread_join(W.thread, NULL);
    pthread_mutex_lock(&W.mu);
    W.running = false;
    pthread_mutex_unlock(&W.mu);
}

void traces_flush(long timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&W.mu);
    if (W.running && !W.stopping) {
        W.sweep_asked = true;
        pthread_cond_signal(&W.work);
        while ((W.head || W.busy || W.sweep_asked) &&
               pthread_cond_timedwait(&W.idle, &W.mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&W.mu);
}
