/* SPDX-License-Identifier: MIT
 * Deal pipelines: Cloud Elements' v1 shape (pipelineId, stageId, a
 * top-level stage probability) on HubSpot's v3 pipelines API, CRUD and a
 * listing paged in memory (HubSpot returns all pipelines at once). Updates
 * read the current pipeline and merge the caller's fields into it, since
 * v3 takes a pipeline whole. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "core/text.h"
#include "core/timeutil.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/paging.h"
#include "hub/resource.h"

#define DEFAULT_PROBABILITY "0.5"

/* --- pipelines (deals) ---------------------------------------------------- */

#define PIPELINES "/crm/v3/pipelines/deals"

/* v3 → Cloud Elements: id → pipelineId / stageId, and each stage's
 * metadata.probability also as a top-level number (the v1 shape). */
static void pipeline_shape(json_t *p)
{
    size_t i;
    json_t *s;
    hub_rename_key(p, "id", "pipelineId");
    json_array_foreach(json_object_get(p, "stages"), i, s) {
        hub_rename_key(s, "id", "stageId");
        json_t *prob = hub_number_of(
            hub_jstr(json_object_get(s, "metadata"), "probability"));
        if (prob)
            json_object_set_new(s, "probability", prob);
    }
}

static int pipeline_done(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, pipeline_shape);
}

static int pipelines_listed(struct hub_op *op, int status, json_t *body)
{
    json_t *r = json_object_get(body, "results");
    json_t *arr = json_is_array(r) ? json_incref(r) : json_array();
    size_t i;
    json_t *p;
    (void)status;
    json_array_foreach(arr, i, p)
        pipeline_shape(p);
    return hub_reply_sliced(op, 'p', arr);
}

/* The existing stage a stage of the body updates: the same id if it names
 * one, else the same label. */
static json_t *stage_match(json_t *old, json_t *s)
{
    const char *id = hub_first(hub_jstr(s, "stageId"), hub_jstr(s, "id"));
    const char *label = hub_jstr(s, "label");
    const char *key = id ? "id" : "label", *want = id ? id : label;
    size_t i;
    json_t *o;
    if (!want)
        return NULL;
    json_array_foreach(old, i, o) {
        const char *v = hub_jstr(o, key);
        if (v && strcmp(v, want) == 0)
            return o;
    }
    return NULL;
}

/* One stage as v3 takes it: displayOrder defaults to the index, probability
 * (top-level, as Cloud Elements sends it, else metadata.probability) to the
 * matched old stage's, else DEFAULT_PROBABILITY. New reference or NULL. */
static json_t *stage_input(json_t *s, size_t idx, json_t *old)
{
    if (!json_is_object(s))
        return NULL;
    json_t *m = stage_match(old, s);
    json_t *out = json_object(), *md = json_object();
    const char *id = hub_first(hub_first(hub_jstr(s, "stageId"),
                                         hub_jstr(s, "id")),
                               m ? hub_jstr(m, "id") : NULL);
    json_t *label = json_object_get(s, "label");
    json_t *order = json_object_get(s, "displayOrder");
    const char *k;
    json_t *v, *p;
    if (id)
        json_object_set_new(out, "stageId", json_string(id));
    if (label || m)
        json_object_set(out, "label",
                        label ? label : json_object_get(m, "label"));
    json_object_set_new(out, "displayOrder",
                        json_is_integer(order) ? json_incref(order)
                                               : json_integer((json_int_t)idx));
    json_object_foreach(json_object_get(s, "metadata"), k, v) {
        json_t *sv = hub_scalar_str(v);
        if (sv)
            json_object_set_new(md, k, sv);
    }
    p = hub_scalar_str(json_object_get(s, "probability"));
    if (!p && !json_object_get(md, "probability")) {
        p = hub_scalar_str(
            json_object_get(json_object_get(m, "metadata"), "probability"));
        if (!p)
            p = json_string(DEFAULT_PROBABILITY);
    }
    if (p)
        json_object_set_new(md, "probability", p);
    json_object_set_new(out, "metadata", md);
    return out;
}

/* The v3 pipeline input from the body, over `old` (the current pipeline, for
 * PUT and PATCH; NULL on create). New reference, or NULL with *why set. */
static json_t *pipeline_input(json_t *in, json_t *old, const char **why)
{
    json_t *out = json_object();
    json_t *label = json_object_get(in, "label");
    json_t *order = json_object_get(in, "displayOrder");
    json_t *stages = json_object_get(in, "stages");
    json_t *olds = json_object_get(old, "stages");
    json_t *src = stages ? stages : olds, *s;
    const char *pid = hub_first(hub_jstr(in, "pipelineId"), hub_jstr(in, "id"));
    size_t i;
    if (!label)
        label = json_object_get(old, "label");
    if (!order)
        order = json_object_get(old, "displayOrder");
    if (label)
        json_object_set(out, "label", label);
    json_object_set_new(out, "displayOrder",
                        order ? json_incref(order) : json_integer(0));
    if (!old && pid)
        json_object_set_new(out, "pipelineId", json_string(pid));
    if (stages && !json_is_array(stages)) {
        *why = "stages must be an array";
        goto fail;
    }
    if (!src)
        return out;
    json_t *arr = json_array();
    json_object_set_new(out, "stages", arr);
    json_array_foreach(src, i, s) {
        json_t *st = stage_input(s, i, olds);
        if (!st) {
            *why = "each stage must be a JSON object";
            goto fail;
        }
        json_array_append_new(arr, st);
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}

static int pipeline_merge(struct hub_op *op, int status, json_t *body)
{
    const char *why = NULL;
    (void)status;
    /* hub_send replaces op->path: copy it first */
    const char *path = ed_arena_strdup(op->req->arena, op->path);
    json_t *in = pipeline_input(op->req->body, body, &why);
    if (!in)
        return hub_bad_request(op, why);
    int st = hub_send(op, "PUT", path, in, false, pipeline_done);
    json_decref(in);
    return st;
}

static int pipelines_handle(struct hub_op *op)
{
    int st;
    struct ed_request *req = op->req;
    const char *why = NULL;
    if (op->sub)
        return hub_no_resource(op);
    if (!op->id && req->method == ED_GET) {
        if ((st = hub_paging_begin(op, 'p')))
            return st;
        return hub_send(op, "GET", PIPELINES, NULL, false, pipelines_listed);
    }
    if (!op->id && req->method == ED_POST) {
        if ((st = hub_need_object(op)))
            return st;
        json_t *in = pipeline_input(req->body, NULL, &why);
        if (!in)
            return hub_bad_request(op, why);
        st = hub_send(op, "POST", PIPELINES, in, false, pipeline_done);
        json_decref(in);
        return st;
    }
    if (!op->id)
        return hub_no_method(op, "GET or POST");
    const char *path = ed_arena_printf(req->arena, PIPELINES "/%s",
                                       hub_escape(op, op->id));
    switch (req->method) {
    case ED_GET: return hub_send(op, "GET", path, NULL, false, pipeline_done);
    case ED_PUT:
    case ED_PATCH:
        /* read, merge, PUT: pipeline_merge resends to the same path */
        if ((st = hub_need_object(op)))
            return st;
        return hub_send(op, "GET", path, NULL, false, pipeline_merge);
    case ED_DELETE:
        return hub_send(op, "DELETE", path, NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PUT, PATCH or DELETE");
    }
}

const struct hub_resource hub_pipelines_resources[] = {
    {"pipelines", pipelines_handle},
    {NULL, NULL},
};
