/* SPDX-License-Identifier: MIT */
#ifndef ED_CORE_REQUEST_H
#define ED_CORE_REQUEST_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/errors.h"

/* The request/response contract: what a handler (api/), the hub engine
 * (hub/) and every later subsystem see of a call, with no libmicrohttpd
 * type in sight. http/ fills the request and renders the response (or the
 * one error envelope); everything above it reads the request and fills the
 * response through these helpers. Plain data: it lives at the bottom so
 * that http -> api -> hub -> domain all depend on it and never on each
 * other upwards. Handlers allocate from req->arena and free nothing; a JSON
 * body set on the response is owned by it. */

struct ed_app;
struct element;
struct ed_request;
struct ed_response;

/* A streamed request body (a route whose sink is set, api.h): http/ does
 * not collect the body. As soon as the head is in, it matches the route and
 * authenticates, then calls open; each body chunk goes to write, the end of
 * the body to close, and then the handler runs with body_raw "" and the
 * sink's state in req->body_state. open, write and close return 0 to go on,
 * or an HTTP status they set in res (res_error): the rest of the body is
 * then read and discarded and that answer sent. free is called once for
 * every successful open, when the request ends whatever happened (an
 * error, the body over --bulk-max-file, the client gone mid-body, the
 * handler done): the state itself knows whether what it made is kept. */
struct ed_body_sink {
    int (*open)(struct ed_request *req, struct ed_response *res, void **state);
    int (*write)(struct ed_request *req, struct ed_response *res, void *state,
                 const char *data, size_t n);
    int (*close)(struct ed_request *req, struct ed_response *res, void *state);
    void (*free)(struct ed_app *app, void *state);
};

/* A streamed response body (res->stream): http/ asks read for up to max
 * bytes at a time as the client takes them; read returns the count (> 0),
 * 0 at the end, or -1 on an error (the connection is cut: the status and
 * headers have gone already). free(ud) is called once when the response is
 * done with, also when the client went away mid-stream. */
struct ed_res_stream {
    long (*read)(void *ud, char *buf, size_t max);
    void (*free)(void *ud);
    void *ud;
};

enum ed_method {
    ED_GET = 1 << 0,
    ED_POST = 1 << 1,
    ED_PUT = 1 << 2,
    ED_PATCH = 1 << 3,
    ED_DELETE = 1 << 4,
    ED_OPTIONS = 1 << 5,
    ED_HEAD = 1 << 6,
};

struct ed_kv {
    const char *name;
    const char *value; /* NULL for a query key without '=' */
};

/* Who is calling, filled by the authentication step. */
struct ed_auth {
    bool authenticated;
    int64_t user_id;
    int64_t org_id;
    const char *element_token; /* the Element part of Authorization, if any */
    bool via_bearer;           /* console session token rather than secrets */
    int64_t account_id;        /* the user's account (issue 15) */
    int role;                  /* enum ed_role */
};

/* A user's role (issue 15), least to most. */
enum ed_role { ED_ROLE_USER = 0, ED_ROLE_ACCOUNT_ADMIN, ED_ROLE_ORG_ADMIN };

#define ED_MAX_PARAMS 4
#define ED_MAX_RES_HEADERS 12

struct ed_request {
    struct ed_app *app;
    struct ed_arena *arena;
    char request_id[25];
    enum ed_method method;
    const char *method_name;
    const char *client_ip; /* the peer's address, numeric ("" if unknown) */
    const char *path;      /* full path, e.g. /elements/api-v2/elements */
    const char *subpath;   /* path below the base path, e.g. /elements */
    const char *route;     /* pattern of the matched route (access log) */
    const char *params[ED_MAX_PARAMS]; /* {name} segments, in order */
    size_t nparams;
    const char *rest; /* what a trailing '*' matched ("" or "/a/b") */
    struct ed_kv *query;
    size_t nquery;
    struct ed_kv *headers;
    size_t nheaders;
    const char *body_raw; /* NUL-terminated, body_len bytes */
    size_t body_len;
    json_t *body;          /* parsed JSON body (borrowed from http/) */
    void *body_state;      /* a streamed body: the route sink's state */
    int64_t body_streamed; /* a streamed body: bytes received */
    struct ed_auth auth;
    double started_ms;
    double upstream_ms; /* time spent waiting on HubSpot (access log) */
    /* set by http/: completes a request whose handler returned ED_ASYNC */
    void (*complete_fn)(void *ctx);
    void *complete_ctx;
    /* set by req_async_continue: what a server thread runs on resume */
    int (*continue_fn)(struct ed_request *req, struct ed_response *res,
                       void *ud);
    void *continue_ud;
    /* set by the owner of a suspended request's pending work (the hub call
     * chain, a provisioning): http/ calls abandon_fn(req, abandon_ud) on the
     * request's server thread when the client closed its connection while
     * the request was suspended. The owner cancels its pending work
     * (provider_async_cancel, throttle slot, waiters) and frees what it
     * owns; afterwards no continuation or completion of this request may
     * happen, and http/ releases the connection. The owner clears
     * abandon_fn when its work ends. `abandoned` tells long walks to stop. */
    void (*abandon_fn)(struct ed_request *req, void *ud);
    void *abandon_ud;
    bool abandoned;
};

struct ed_response {
    int status;
    json_t *body;    /* owned */
    const char *raw; /* static raw body (console assets) */
    size_t raw_len;
    char *raw_heap;           /* owned raw body (raw_len bytes), if set */
    const char *content_type; /* default application/json */
    enum ed_api_error error;  /* != ED_E_NONE → error envelope */
    const char *message;      /* arena string, overrides the default */
    const char *provider_message;
    struct ed_kv headers[ED_MAX_RES_HEADERS];
    size_t nheaders;
    /* a streamed body (status 2xx, content_type set), instead of the
     * above; http/ takes it over (and frees it) once the handler returned */
    struct ed_res_stream stream;
};

/* A handler returns the HTTP status it set (see res_json / res_error), or
 * ED_ASYNC when it started work that finishes later (HubSpot's answer);
 * that work fills the response and then calls req_async_complete(req) or
 * req_async_continue(req, ...) once. ED_ASYNC is no status and no ed_err:
 * no helper returns it by accident. */
#define ED_ASYNC (-0x4153)
/* --- request accessors --------------------------------------------------- */

/* First query value named `name`; NULL if absent. *present tells whether
 * the key appeared at all (a key with no value gives "" ). */
const char *req_query(const struct ed_request *req, const char *name);
bool req_query_present(const struct ed_request *req, const char *name);
/* All values of a repeated query key, up to max; returns the count. */
size_t req_query_all(const struct ed_request *req, const char *name,
                     const char **out, size_t max);
/* Header value (case-insensitive name); NULL if absent. */
const char *req_header(const struct ed_request *req, const char *name);
/* Path parameter i (0-based). */
const char *req_param(const struct ed_request *req, size_t i);

/* --- response helpers ---------------------------------------------------- */

/* Set a JSON body (ownership taken) and status; returns status. */
int res_json(struct ed_response *res, int status, json_t *body);
/* Set an error from the catalogue with an optional printf message (NULL
 * keeps the catalogue's). Returns the HTTP status. */
int res_error(struct ed_request *req, struct ed_response *res,
              enum ed_api_error code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Add a response header (name and value must outlive the request: use
 * static strings or the arena). */
void res_header(struct ed_response *res, const char *name, const char *value);

/* Finish a request whose handler returned ED_ASYNC (any thread; once). The
 * request and response must not be touched afterwards. */
void req_async_complete(struct ed_request *req);
/* Resume a request whose handler returned ED_ASYNC by running fn(req, res,
 * ud) on a server thread (any thread may call this; once per ED_ASYNC).
 * fn returns a status, or ED_ASYNC again after starting more work. */
void req_async_continue(struct ed_request *req,
                        int (*fn)(struct ed_request *req,
                                  struct ed_response *res, void *ud),
                        void *ud);

#endif
