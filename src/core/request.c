/* SPDX-License-Identifier: MIT
 * Request accessors and response helpers (see request.h). */
#include "core/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/strparse.h"

const char *req_query(const struct ed_request *req, const char *name)
{
    for (size_t i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value ? req->query[i].value : "";
    return NULL;
}

bool req_query_present(const struct ed_request *req, const char *name)
{
    return req_query(req, name) != NULL;
}

size_t req_query_all(const struct ed_request *req, const char *name,
                     const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nquery && n < max; i++)
        if (strcmp(req->query[i].name, name) == 0)
            out[n++] = req->query[i].value ? req->query[i].value : "";
    return n;
}

const char *req_header(const struct ed_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (ed_strcaseeq(req->headers[i].name, name))
            return req->headers[i].value;
    return NULL;
}

const char *req_param(const struct ed_request *req, size_t i)
{
    return i < req->nparams ? req->params[i] : "";
}

int res_json(struct ed_response *res, int status, json_t *body)
{
    json_decref(res->body);
    res->body = body;
    res->status = status;
    res->error = ED_E_NONE;
    return status;
}

int res_error(struct ed_request *req, struct ed_response *res,
              enum ed_api_error code, const char *fmt, ...)
{
    res->error = code;
    res->status = ed_api_error_status(code);
    res->message = NULL;
    if (fmt) {
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        res->message = ed_arena_strdup(req->arena, buf);
    }
    return res->status;
}

void res_header(struct ed_response *res, const char *name, const char *value)
{
    if (res->nheaders < ED_MAX_RES_HEADERS) {
        res->headers[res->nheaders].name = name;
        res->headers[res->nheaders].value = value;
        res->nheaders++;
    }
}

void req_async_complete(struct ed_request *req)
{
    req->complete_fn(req->complete_ctx);
}

void req_async_continue(struct ed_request *req,
                        int (*fn)(struct ed_request *req,
                                  struct ed_response *res, void *ud),
                        void *ud)
{
    req->continue_fn = fn;
    req->continue_ud = ud;
    req->complete_fn(req->complete_ctx);
}
