/* SPDX-License-Identifier: MIT
 * The one place responses are rendered: a JSON body, or the error envelope
 * {"requestId","message"[,"providerMessage"]} built from core/errors.def. */
#include "http/response.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* A JSON string of s with every invalid UTF-8 byte replaced by U+FFFD:
 * messages quote paths and provider text, and the envelope must survive
 * whatever bytes a client or provider sent. */
static json_t *json_text(const char *s)
{
    size_t len = strlen(s), o = 0;
    char *out = ed_malloc(len * 3 + 1);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq((const unsigned char *)s + i);
        if (n == 0) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
            i += n;
        }
    }
    json_t *j = json_stringn(out, o);
    free(out);
    return j ? j : json_string("");
}

char *http_response_body(const struct ed_request *req, struct ed_response *res,
                         size_t *len)
{
    char *out = NULL;
    if (res->error != ED_E_NONE) {
        /* a handler may pass on a provider's 4xx status (e.g. 404, 409) */
        if (res->status < 400 || res->status > 599)
            res->status = ed_api_error_status(res->error);
        json_t *env = json_object();
        json_object_set_new(env, "requestId", json_string(req->request_id));
        json_object_set_new(env, "message",
                            json_text(res->message
                                          ? res->message
                                          : ed_api_error_message(res->error)));
        if (res->provider_message)
            json_object_set_new(env, "providerMessage",
                                json_text(res->provider_message));
        out = json_dumps(env, JSON_COMPACT);
        json_decref(env);
        res->content_type = NULL;
    } else if (res->raw_heap) {
        out = res->raw_heap; /* handed over to the caller */
        res->raw_heap = NULL;
        *len = res->raw_len;
        return out;
    } else if (res->raw) {
        *len = res->raw_len;
        return ed_strndup(res->raw, res->raw_len);
    } else if (res->body) {
        out = json_dumps(res->body, JSON_COMPACT | JSON_ENCODE_ANY);
    } else {
        out = ed_strdup("{}");
    }
    if (!out)
        out = ed_strdup("{}");
    *len = strlen(out);
    return out;
}
