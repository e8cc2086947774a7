/* SPDX-License-Identifier: MIT
 * libcurl, synchronous flavour: one easy handle per thread (thread-local),
 * reset between calls but keeping its connection cache, so keep-alive
 * connections to HubSpot are reused. Response bodies go into a capped
 * buffer; headers we care about (Retry-After, rate-limit remaining) are
 * parsed on the fly. */
#include "provider/provider.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/strparse.h"
#include "core/timeutil.h"

static __thread CURL *tl_easy;
static long default_timeout_ms = 30000;

void provider_set_default_timeout(long ms)
{
    if (ms > 0)
        default_timeout_ms = ms;
}
/* The key's destructor frees a thread's handle when the thread ends. */
static pthread_key_t easy_key;

static void easy_destroy(void *p)
{
    curl_easy_cleanup(p);
}

enum ed_err provider_global_init(void)
{
    if (pthread_key_create(&easy_key, easy_destroy) != 0)
        return ED_ERR_PROVIDER;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? ED_OK
                                                             : ED_ERR_PROVIDER;
}

void provider_global_cleanup(void)
{
    curl_global_cleanup();
}

struct sink {
    struct ed_buf buf;
    bool overflow;
    struct provider_response *rs;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    if (ed_buf_append(&s->buf, p, size * n) != ED_OK) {
        s->overflow = true;
        return 0;
    }
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    provider_response_header(s->rs, p, size * n);
    return size * n;
}

enum ed_err provider_send(const struct provider_request *rq,
                          struct provider_response *rs)
{
    struct curl_slist *hdrs = NULL;
    struct sink sink;
    enum ed_err err = ED_OK;
    char auth[4096];
    double t0 = ed_mono_ms();
    memset(rs, 0, sizeof(*rs));
    rs->retry_after_s = -1;
    rs->rl_remaining = -1;
    ed_buf_init(&sink.buf, PROVIDER_MAX_BODY);
    sink.overflow = false;
    sink.rs = rs;
    if (!tl_easy) {
        tl_easy = curl_easy_init();
        pthread_setspecific(easy_key, tl_easy);
    } else
        curl_easy_reset(tl_easy);
    CURL *c = tl_easy;
    if (!c) {
        err = ED_ERR_PROVIDER;
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     rq->timeout_ms ? rq->timeout_ms : default_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(rq->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (rq->content_type) {
        char ct[256];
        snprintf(ct, sizeof(ct), "Content-Type: %s", rq->content_type);
        hdrs = curl_slist_append(hdrs, ct);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(rq->body ? rq->body_len : 0));
    }
    if (rq->bearer) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", rq->bearer);
        hdrs = curl_slist_append(hdrs, auth);
    }
    for (size_t i = 0; i < PROVIDER_MAX_HEADERS && rq->headers[i]; i++)
        hdrs = curl_slist_append(hdrs, rq->headers[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cc = curl_easy_perform(c);
    if (rq->bearer)
        memset(auth, 0, sizeof(auth));
    if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && sink.overflow)) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
        if (sink.overflow)
            err = ED_ERR_TOO_LARGE;
    } else if (cc == CURLE_OPERATION_TIMEDOUT) {
        err = ED_ERR_TIMEOUT;
    } else {
        err = ED_ERR_PROVIDER;
    }
out:
    curl_slist_free_all(hdrs);
    rs->body_len = sink.buf.len;
    rs->body = ed_buf_take(&sink.buf);
    rs->ms = ed_mono_ms() - t0;
    return err;
}

int64_t provider_header_int(const char *line, size_t len, const char *name)
{
    size_t nl = strlen(name);
    char tmp[32];
    if (len <= nl + 1 || !ed_strcaseprefix(line, name) || line[nl] != ':')
        return -2;
    const char *v = line + nl + 1;
    size_t vl = len - nl - 1;
    while (vl && (*v == ' ' || *v == '\t')) {
        v++;
        vl--;
    }
    while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
        vl--;
    if (vl == 0 || vl >= sizeof(tmp))
        return -1;
    memcpy(tmp, v, vl);
    tmp[vl] = '\0';
    int64_t out;
    return ed_parse_i64(tmp, &out) ? out : -1;
}

void provider_response_header(struct provider_response *rs, const char *line,
                              size_t len)
{
    int64_t v;
    if ((v = provider_header_int(line, len, "Retry-After")) != -2)
        rs->retry_after_s = v;
    else if ((v = provider_header_int(line, len,
                                      "X-HubSpot-RateLimit-Remaining")) != -2)
        rs->rl_remaining = v;
}

void provider_response_cleanup(struct provider_response *rs)
{
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
}
