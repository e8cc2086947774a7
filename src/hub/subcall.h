/* SPDX-License-Identifier: MIT */
#ifndef ED_HUB_SUBCALL_H
#define ED_HUB_SUBCALL_H
#include <jansson.h>
#include <stdbool.h>

#include "core/request.h"

/* Internal hub calls: a request built in memory, as http/ would build it
 * for a client holding the instance's Element token, dispatched through
 * the very path a client's call takes (hub_dispatch), so internal calls
 * share the per-portal throttle, token refresh flights, 429 retries, error
 * mapping and paging with interactive ones. Users: the poller (events/
 * hubcall.c) and virtual resources (hub/virtual.c), whose vendor call is
 * one. The owner sets how completions come back (req.complete_fn/ctx):
 * they may arrive on any thread, and the owner brings them back onto the
 * thread that started the call before calling hub_subcall_resume. */

struct ed_app;
struct instance;
struct instance_shared;

struct hub_subcall {
    struct ed_request req;
    struct ed_response res;
    struct hub_op *unstarted; /* the op until hub_subcall_start */
};

/* A GET/POST/... of `path` (hub-relative, "/contacts/1"; a "/hubs/{hub}"
 * prefix is stripped) with the query nq pairs q (copied) and a JSON body
 * (reference taken; NULL for none) for instance `in`: shared (a reference
 * is taken on `shared`) or, when shared is NULL, copied. request_id: the
 * id errors and logs carry (NULL: a new one). */
struct hub_subcall *hub_subcall_new(struct ed_app *app,
                                    const struct instance *in,
                                    struct instance_shared *shared,
                                    enum ed_method method, const char *path,
                                    const struct ed_kv *q, size_t nq,
                                    json_t *body, const char *request_id);
/* Dispatch. `native`: resources only, no virtual resource lookup (the
 * vendor call of a virtual resource). Returns the final status (the
 * response is in sc->res) or ED_ASYNC: then req.complete_fn runs once per
 * step, and the owner calls hub_subcall_resume on the starting thread. */
int hub_subcall_start(struct hub_subcall *sc, bool native);
/* After a completion: run the pending continuation, if any. Returns the
 * final status or ED_ASYNC (another completion will come). */
int hub_subcall_resume(struct hub_subcall *sc);
/* Client gone (abandon): cancel the pending work, if the call is
 * suspended; afterwards no completion comes. */
void hub_subcall_abandon(struct hub_subcall *sc);
void hub_subcall_free(struct hub_subcall *sc);
/* The response's JSON body: res.body, or the raw body parsed (new
 * reference either way; NULL when there is none or it is not JSON). */
json_t *hub_subcall_body(struct hub_subcall *sc);
/* A response header of the call, or NULL. */
const char *hub_subcall_header(const struct hub_subcall *sc, const char *name);

#endif
