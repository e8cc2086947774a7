/* SPDX-License-Identifier: MIT
 * The one place responses are rendered: a JSON body, or the error envelope
 * {"requestId","message"[,"providerMessage"]} built from core/errors.def. */
#include "http/response.h"

#include <string.h>

#include "core/mem.h"

char *http_response_body(const struct ed_request *req, struct ed_response *res,
                         size_t *len)
{
    char *out = NULL;
    if (res->error != ED_E_NONE) {
        /* a handler may pass on a provider's 4xx status (e.g. 404, 409) */
        if (res->status < 400 || res->status > 599)
            res->status = ed_api_error_status(res->error);
        json_t *env = json_pack(
            "{s:s, s:s}", "requestId", req->request_id, "message",
            res->message ? res->message : ed_api_error_message(res->error));
        if (res->provider_message)
            json_object_set_new(env, "providerMessage",
                                json_string(res->provider_message));
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
