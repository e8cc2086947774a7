/* SPDX-License-Identifier: MIT */
#ifndef ED_API_HUB_H
#define ED_API_HUB_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/request.h"
#include "domain/credentials.h"
#include "domain/instances.h"
#include "provider/provider.h"

/* Hub calls. A hub request becomes a hub_op: the instance it runs on and a
 * chain of HubSpot calls, each sent asynchronously (no server thread waits
 * on HubSpot) with a continuation that runs when HubSpot answers. The call
 * path is shared by every resource: credentials (refreshed before expiry,
 * and once more when HubSpot answers 401), per-portal throttling, 429
 * retries within a budget, retries of idempotent calls on transient
 * failures, and the mapping of HubSpot errors onto Cloud Elements statuses
 * (4xx → same status + providerMessage, 5xx → 502, timeout → 504). */

struct hub_op;
struct jsonfilter_proj;
struct trace_call;

/* Continuation: called with HubSpot's 2xx status and parsed body (borrowed;
 * NULL for an empty body). Returns the final HTTP status (response set on
 * op->res) or ED_ASYNC after sending another call with hub_send. */
typedef int (*hub_next_fn)(struct hub_op *op, int status, json_t *body);
/* Same, with HubSpot's raw body (for the streaming reshaping of the hot
 * paths; see core/jsonfilter.h). */
typedef int (*hub_raw_fn)(struct hub_op *op, int status, const char *body,
                          size_t len);

struct instance_shared;

struct hub_op {
    struct ed_request *req;
    struct ed_response *res;
    /* the instance: a read-only view of a shared, cached one (released
     * through `shared`), or owned (shared == NULL: cleaned up with the op) */
    struct instance in;
    struct instance_shared *shared;
    const char *resource; /* first path segment, e.g. "contacts" */
    const char *id;       /* second segment, NULL if none */
    const char *sub;      /* third segment, NULL if none */
    bool native;          /* resources only: no virtual resource lookup */
    /* records of the answer go through it (virtual reads), if set */
    struct jsonfilter_proj *proj;
    /* bulk work: a throttle slot only when one is free now, after the
     * application's calls (hub_throttle_background) */
    bool background;
    /* a multipart/form-data request body, split by the API layer: the
     * part named "file" (data into req->body_raw), or why it could not be
     * read (upload_error) */
    struct hub_upload {
        bool multipart;           /* the request was multipart/form-data */
        const char *upload_error; /* the body could not be parsed */
        const char *data;         /* the "file" part, NULL when absent */
        size_t len;
        const char *filename, *content_type; /* of the file part, or NULL */
    } upload;
    void *state;                        /* resource-specific, arena-allocated */
    void (*state_cleanup)(void *state); /* called when the op ends, if set */
    /* call in flight (internal) */
    hub_next_fn next;
    hub_raw_fn next_raw;
    char *method, *path, *body;
    size_t body_len;          /* bytes of body (it may hold NULs) */
    const char *content_type; /* of body: static or arena; NULL: JSON */
    bool search;
    int pass_status; /* a HubSpot error status next gets too (0: none) */
    int tries, tries429, refreshed;
    bool used_store; /* credentials come from the store from now on */
    enum ed_err err; /* outcome of the call in flight */
    struct provider_response rs; /* its answer (body owned) */
    long waited_ms;
    int64_t version;
    /* where the call is while the connection is suspended: waiting in the
     * instance's token refresh flight (wait; the flight hands over cst,
     * cwhy, cred), or sent / waiting for its throttle slot (job, slot) */
    struct provider_job *job;
    double slot; /* throttle slot of job (0: none) */
    struct creds_wait *wait;
    bool in_flight; /* joined a refresh flight (op's thread only) */
    long delay_ms;  /* the call's delay, kept across the flight */
    int64_t stale;  /* and the version HubSpot refused (-1: none) */
    enum creds_status cst;
    const char *cwhy;
    struct creds cred;
    struct trace_call *trace; /* traces/traces.h (traced instances only) */
};

/* Send one call for op; next runs on HubSpot's 2xx answer. Returns ED_ASYNC,
 * or an error status (set on op->res) if it could not be sent. `search`
 * selects the search rate limit. */
int hub_send(struct hub_op *op, const char *method, const char *path,
             json_t *body, bool search, hub_next_fn next);

/* hub_send with a raw continuation. */
int hub_send_raw(struct hub_op *op, const char *method, const char *path,
                 json_t *body, bool search, hub_raw_fn next);
/* hub_send with a body that is not JSON: len bytes of content_type
 * (static or in the request's arena), e.g. a multipart upload. */
int hub_send_body(struct hub_op *op, const char *method, const char *path,
                  const char *content_type, const char *body, size_t len,
                  hub_next_fn next);
/* Set res to a raw JSON body: a heap string of len bytes, ownership taken. */
int hub_respond_raw(struct hub_op *op, int status, char *body_take, size_t len);
/* True when the instance drops null members from responses (default). */
bool hub_drop_nulls(const struct hub_op *op);

/* The HubSpot portal (hub id) of the op's instance, 0 when unknown. */
int64_t hub_portal(const struct hub_op *op);

/* Free an op that never went async (the handler owns it until then). */
void hub_op_free(struct hub_op *op);

/* Route a hub request to its resource. */
int hub_dispatch(struct hub_op *op, const char *rest);

/* A call on a virtual resource (virtual.c): map is the effective
 * transformation of op->resource, ref its binding (released by the call). */
struct tf_map;
struct vdr_binding;
int hub_virtual(struct hub_op *op, const struct tf_map *map,
                struct vdr_binding *ref);

/* Resource handlers, NULL-terminated tables, one per resource family
 * (hub_<family>.c), searched in order by hub_dispatch (dispatch.c): the
 * families first, hub_crm.c last (CRM objects, with "*" for any other
 * object name). A handler returns HUB_DECLINE to let the next row with the
 * same name try (e.g. /contacts/{id}/activities is taken by activities,
 * /contacts/{id} declined to the CRM). */
#define HUB_DECLINE (-1)
struct hub_resource {
    const char *name;
    int (*handle)(struct hub_op *op);
};
extern const struct hub_resource hub_activities_resources[];
extern const struct hub_resource hub_objects_resources[];
extern const struct hub_resource hub_owners_resources[];
extern const struct hub_resource hub_pipelines_resources[];
extern const struct hub_resource hub_properties_resources[];
extern const struct hub_resource hub_timeline_resources[];
extern const struct hub_resource hub_assoc_resources[];
extern const struct hub_resource hub_lists_resources[];
extern const struct hub_resource hub_workflows_resources[];
extern const struct hub_resource hub_campaigns_resources[];
extern const struct hub_resource hub_crm_resources[];
extern const struct hub_resource hub_files_resources[];
extern const struct hub_resource hub_marketing_resources[];
/* The tables above in dispatch order, NULL-terminated (dispatch.c); the API
 * documents (src/apidocs/) list the resources from it. */
extern const struct hub_resource *const hub_resource_tables[];
/* Bumped when a property or property group write (a non-GET on
 * /{resource}/properties... or /{resource}/propertygroups...) is dispatched:
 * cached API documents built before it are stale. */
unsigned long hub_props_epoch(void);

/* Per-portal throttle (hub_throttle.c): for a call that would go out in
 * delay_ms, the extra ms it must wait (0 = none) so that no rolling window
 * (10 s; 1 s for search) holds more than the limit; reserves the slot and
 * sets *slot to it (0 when the limit is 0: off). */
long hub_throttle_reserve(int64_t portal, bool search, long per10s,
                          long search_per_s, long delay_ms, double *slot);
/* Background work (bulk): a slot now, or none. Returns 0 and sets *slot
 * when a call may go out now without delaying the application's calls:
 * nobody is queued for a later slot and the window keeps a headroom of
 * limit/50 slots free; else returns the ms to wait before asking again
 * (*slot = 0). With limit 0 (off): 0, no slot. */
long hub_throttle_try(int64_t portal, bool search, long per10s,
                      long search_per_s, double *slot);
/* Give back a slot whose call was never sent (its client gave up). */
void hub_throttle_release(int64_t portal, bool search, double slot);
/* For /metrics: portals the throttle tracks, and those with calls held
 * back right now (their queue reaches past now). */
void hub_throttle_stats(size_t *portals, size_t *queued);

/* Helpers for resources (resource.c; more in resource.h and paging.h). */
/* Remove null members recursively when the instance filters nulls. */
void hub_filter_nulls(const struct hub_op *op, json_t *v);
/* Paging cursors (nextPage): a kind letter (which listing issued it), '1',
 * and HubSpot's cursor in hex: opaque to callers, refused by a listing of
 * another kind. hub_cursor_read returns NULL for anything malformed. */
const char *hub_cursor_make(struct hub_op *op, char kind, const char *after);
const char *hub_cursor_read(struct hub_op *op, char kind, const char *cursor);
/* Percent-encode a path segment or query value into the arena. */
const char *hub_escape(struct hub_op *op, const char *s);

#endif
