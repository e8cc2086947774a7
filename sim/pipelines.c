/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 pipelines for hubspot-sim: pipelines and their stages per object
 * type (deals and tickets are seeded). Pipelines are stored as the JSON
 * HubSpot returns; inputs are normalised on the way in (metadata values
 * become strings, deal stages must carry a probability from which isClosed
 * is derived), and an archived pipeline answers 404 everywhere except the
 * PATCH that restores it. Every write also appends a PublicAuditInfo entry
 * to st->pipeline_audit, served by the two audit routes.
 */
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STAGES_MAX 100
#define AUDIT_MAX 1000 /* audit entries kept per pipeline or stage */

static json_t *plist(struct sim_state *st, const struct sim_objtype *t)
{
    json_t *l = json_object_get(st->pipelines, t->name);

    if (!l) {
        l = json_array();
        json_object_set_new(st->pipelines, t->name, l);
    }
    return l;
}

static json_t *pipeline_find(struct sim_state *st, const struct sim_objtype *t,
                             const char *id, bool include_archived, size_t *idx)
{
    json_t *p;
    size_t i;

    json_array_foreach(plist(st, t), i, p) {
        if (strcmp(json_string_value(json_object_get(p, "id")), id) != 0)
            continue;
        if (!include_archived && json_is_true(json_object_get(p, "archived")))
            return NULL;
        if (idx)
            *idx = i;
        return p;
    }
    return NULL;
}

static json_t *stage_find(json_t *p, const char *id, size_t *idx)
{
    json_t *s;
    size_t i;

    json_array_foreach(json_object_get(p, "stages"), i, s) {
        if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0) {
            if (idx)
                *idx = i;
            return s;
        }
    }
    return NULL;
}

static void next_id(struct sim_state *st, char out[32])
{
    snprintf(out, 32, "%llu", (unsigned long long)st->next_pipeline_id++);
}

/* ---- audit log ------------------------------------------------------------ */

/* The audit list of a pipeline (sid NULL) or of one of its stages, oldest
 * entry first; created on first use. Layout: st->pipeline_audit[type][pid]
 * = {"pipeline": [...], "stages": {sid: [...]}}. */
static json_t *audit_list(struct sim_state *st, const struct sim_objtype *t,
                          const char *pid, const char *sid)
{
    json_t *bytype = json_object_get(st->pipeline_audit, t->name), *p, *l;

    if (!bytype) {
        bytype = json_object();
        json_object_set_new(st->pipeline_audit, t->name, bytype);
    }
    p = json_object_get(bytype, pid);
    if (!p) {
        p = json_pack("{s:[],s:{}}", "pipeline", "stages");
        json_object_set_new(bytype, pid, p);
    }
    if (!sid)
        return json_object_get(p, "pipeline");
    l = json_object_get(json_object_get(p, "stages"), sid);
    if (!l) {
        l = json_array();
        json_object_set_new(json_object_get(p, "stages"), sid, l);
    }
    return l;
}

/* Appends a PublicAuditInfo entry. rawObject is the object after the
 * change (before it, for a stage DELETE), JSON-encoded into a string as
 * HubSpot's examples show. user_id 0 leaves fromUserId out. */
static void audit(struct sim_state *st, const struct sim_objtype *t,
                  const char *pid, const char *sid, const char *action,
                  const json_t *raw, const char *when, int64_t user_id)
{
    json_t *l = audit_list(st, t, pid, sid), *e;
    char *enc = json_dumps(raw, JSON_COMPACT);

    e = json_pack("{s:s,s:s,s:I,s:s,s:s}", "action", action, "identifier",
                  sid ? sid : pid, "portalId", (json_int_t)st->cfg->portal_id,
                  "timestamp", when, "rawObject", enc ? enc : "{}");
    if (user_id > 0)
        json_object_set_new(e, "fromUserId", json_integer(user_id));
    free(enc);
    if (json_array_size(l) >= AUDIT_MAX)
        json_array_remove(l, 0);
    json_array_append_new(l, e);
}

/* CREATE entries for a new pipeline and each of its stages. */
static void audit_created(struct sim_state *st, const struct sim_objtype *t,
                          const json_t *p, const char *when, int64_t user_id)
{
    const char *pid = json_string_value(json_object_get(p, "id"));
    json_t *s;
    size_t i;

    audit(st, t, pid, NULL, "CREATE", p, when, user_id);
    json_array_foreach(json_object_get(p, "stages"), i, s)
        audit(st, t, pid, json_string_value(json_object_get(s, "id")), "CREATE",
              s, when, user_id);
}

/* Builds a stage from input; old (may be NULL) supplies missing fields.
 * Returns NULL with msg on a validation error. */
static json_t *stage_build(struct sim_state *st, const struct sim_objtype *t,
                           const json_t *in, const json_t *old, size_t index,
                           const char *now, char *msg, size_t cap)
{
    const char *label = json_string_value(json_object_get(in, "label"));
    json_t *md_in = json_object_get(in, "metadata"), *md, *v, *s;
    const char *k, *prob;
    char id[32], buf[64];
    double d;

    if (!json_is_object(in)) {
        snprintf(msg, cap, "Each stage must be an object");
        return NULL;
    }
    if (!label && old)
        label = json_string_value(json_object_get(old, "label"));
    if (!label || !*label) {
        snprintf(msg, cap, "Stage label is required");
        return NULL;
    }
    md = old ? json_deep_copy(json_object_get(old, "metadata")) : json_object();
    if (md_in && !json_is_object(md_in)) {
        json_decref(md);
        snprintf(msg, cap, "Stage metadata must be an object");
        return NULL;
    }
    /* v1-shaped input carried probability at the top level. */
    if (json_object_get(in, "probability") &&
        !json_object_get(md_in, "probability"))
        json_object_set(md, "probability", json_object_get(in, "probability"));
    json_object_foreach(md_in, k, v) {
        const char *sv;

        if (json_is_real(v)) {
            d = json_real_value(v);
            snprintf(buf, sizeof(buf),
                     fabs(d * 10 - round(d * 10)) < 1e-9 ? "%.1f" : "%g", d);
            sv = buf;
        } else {
            sv = sim_json_scalar(v, buf, sizeof(buf));
        }
        if (sv)
            json_object_set_new(md, k, json_string(sv));
    }
    v = json_object_get(md, "probability");
    if (json_is_number(v)) {
        snprintf(buf, sizeof(buf), "%.1f", json_number_value(v));
        json_object_set_new(md, "probability", json_string(buf));
    }
    prob = json_string_value(json_object_get(md, "probability"));
    if (t->idx == SIM_OBJ_DEALS) {
        if (!prob || !sim_parse_double(prob, &d) || d < 0 || d > 1) {
            json_decref(md);
            snprintf(msg, cap,
                     "Deal stage '%s' needs metadata.probability between 0.0 "
                     "and 1.0",
                     label);
            return NULL;
        }
        if (!json_object_get(md, "isClosed"))
            json_object_set_new(md, "isClosed",
                                json_string(d == 0.0 || d == 1.0 ? "true"
                                                                 : "false"));
    }
    if (old) {
        sim_strlcpy(id, json_string_value(json_object_get(old, "id")),
                    sizeof(id));
    } else if (json_is_string(json_object_get(in, "stageId"))) {
        sim_strlcpy(id, json_string_value(json_object_get(in, "stageId")),
                    sizeof(id));
    } else {
        next_id(st, id);
    }
    s = json_pack(
        "{s:s,s:s,s:I,s:o,s:s,s:s,s:b,s:s}", "id", id, "label", label,
        "displayOrder",
        (json_int_t)(json_is_integer(json_object_get(in, "displayOrder"))
                         ? json_integer_value(
                               json_object_get(in, "displayOrder"))
                     : old ? json_integer_value(
                                 json_object_get(old, "displayOrder"))
                           : (json_int_t)index),
        "metadata", md, "createdAt",
        old ? json_string_value(json_object_get(old, "createdAt")) : now,
        "updatedAt", now, "archived", 0, "writePermissions",
        "CRM_PERMISSIONS_ENFORCEMENT");
    return s;
}

static bool labels_unique(const json_t *stages, char *msg, size_t cap)
{
    json_t *a, *b;
    size_t i, j;

    json_array_foreach(stages, i, a) {
        json_array_foreach(stages, j, b) {
            if (j <= i)
                continue;
            if (sim_str_ieq(json_string_value(json_object_get(a, "label")),
                            json_string_value(json_object_get(b, "label")))) {
                snprintf(msg, cap, "Stage labels must be unique: '%s'",
                         json_string_value(json_object_get(a, "label")));
                return false;
            }
        }
    }
    if (json_array_size(stages) > STAGES_MAX) {
        snprintf(msg, cap, "A pipeline can have at most %d stages", STAGES_MAX);
        return false;
    }
    return true;
}

/* Builds a whole pipeline from input (create and PUT). */
static json_t *pipeline_build(struct sim_state *st, const struct sim_objtype *t,
                              const json_t *in, const json_t *old,
                              const char *now, char *msg, size_t cap)
{
    const char *label = json_string_value(json_object_get(in, "label"));
    json_t *stages_in = json_object_get(in, "stages"), *stages, *s, *p;
    char id[64];
    size_t i;

    if (!label || !*label || !json_is_array(stages_in)) {
        snprintf(msg, cap, "A pipeline needs a label and a stages array");
        return NULL;
    }
    stages = json_array();
    json_array_foreach(stages_in, i, s) {
        const char *sid = json_string_value(json_object_get(s, "stageId"));
        json_t *prev = old && sid ? stage_find((json_t *)old, sid, NULL) : NULL;
        json_t *b = stage_build(st, t, s, prev, i, now, msg, cap);

        if (!b) {
            json_decref(stages);
            return NULL;
        }
        json_array_append_new(stages, b);
    }
    if (!labels_unique(stages, msg, cap)) {
        json_decref(stages);
        return NULL;
    }
    if (old)
        sim_strlcpy(id, json_string_value(json_object_get(old, "id")),
                    sizeof(id));
    else if (json_is_string(json_object_get(in, "pipelineId")))
        sim_strlcpy(id, json_string_value(json_object_get(in, "pipelineId")),
                    sizeof(id));
    else if (json_is_string(json_object_get(in, "id")))
        sim_strlcpy(id, json_string_value(json_object_get(in, "id")),
                    sizeof(id));
    else
        next_id(st, id);
    p = json_pack(
        "{s:s,s:s,s:I,s:s,s:s,s:b,s:o}", "id", id, "label", label,
        "displayOrder",
        (json_int_t)json_integer_value(json_object_get(in, "displayOrder")),
        "createdAt",
        old ? json_string_value(json_object_get(old, "createdAt")) : now,
        "updatedAt", now, "archived", 0, "stages", stages);
    return p;
}

static int pipelines_load(struct sim_state *st, const json_t *fx, char *err,
                          size_t errlen)
{
    json_t *all = json_object_get(fx, "pipelines"), *list, *in;
    const char *tname;
    size_t i;

    json_object_foreach(all, tname, list) {
        const struct sim_objtype *t = sim_objtype_find(tname);

        if (!t || !json_is_array(list)) {
            snprintf(err, errlen, "fixtures: bad pipelines entry '%s'", tname);
            return -1;
        }
        json_array_foreach(list, i, in) {
            const char *ts = json_string_value(
                json_object_get(in, "createdAt"));
            char msg[256];
            json_t *p = pipeline_build(st, t, in, NULL,
                                       ts ? ts : "1970-01-01T00:00:00.000Z",
                                       msg, sizeof(msg));
            size_t idx;

            if (!p) {
                snprintf(err, errlen, "fixtures: %s pipeline: %s", tname, msg);
                return -1;
            }
            if (pipeline_find(st, t,
                              json_string_value(json_object_get(p, "id")), true,
                              &idx))
                json_array_remove(plist(st, t), idx);
            json_array_append_new(plist(st, t), p);
            audit_created(st, t, p,
                          json_string_value(json_object_get(p, "createdAt")),
                          0);
        }
    }
    return 0;
}

static void pipelines_clear(struct sim_state *st)
{
    json_object_clear(st->pipelines);
    json_object_clear(st->pipeline_audit);
    st->next_pipeline_id = 90000001;
}

/* ---- handlers ------------------------------------------------------------ */

static int not_found(struct sim_request *req, struct sim_response *res,
                     const char *what, const char *id)
{
    return sim_res_errorf(req, res, 404, "OBJECT_NOT_FOUND",
                          "%s %s does not exist", what, id);
}

/* Resolves :type and :pid; NULL after responding. */
static json_t *pipeline_or_respond(struct sim_request *req,
                                   struct sim_response *res,
                                   const struct sim_objtype **t, bool archived)
{
    const char *pid = sim_req_param(req, "pid");
    json_t *p;

    *t = sim_objtype_or_respond(req, res);
    if (!*t)
        return NULL;
    p = pipeline_find(req->st, *t, pid, archived, NULL);
    if (!p)
        not_found(req, res, "Pipeline", pid);
    return p;
}

static int h_list(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *results, *p;
    size_t i;

    if (!t)
        return res->status;
    results = json_array();
    json_array_foreach(plist(req->st, t), i, p)
        if (!json_is_true(json_object_get(p, "archived")))
            json_array_append(results, p);
    return sim_res_json(res, 200, json_pack("{s:o}", "results", results));
}

static int h_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    json_t *b, *p, *other;
    char now[32], msg[256];
    size_t i;

    if (!t || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    p = pipeline_build(req->st, t, b, NULL, now, msg, sizeof(msg));
    if (!p)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    json_array_foreach(plist(req->st, t), i, other) {
        if (json_is_true(json_object_get(other, "archived")))
            continue;
        if (sim_str_ieq(json_string_value(json_object_get(other, "label")),
                        json_string_value(json_object_get(p, "label"))) ||
            strcmp(json_string_value(json_object_get(other, "id")),
                   json_string_value(json_object_get(p, "id"))) == 0) {
            json_decref(p);
            return sim_res_error(req, res, 409, "CONFLICT",
                                 "A pipeline with this label or id already "
                                 "exists",
                                 NULL);
        }
    }
    json_array_append(plist(req->st, t), p);
    audit_created(req->st, t, p, now, req->auth.user_id);
    return sim_res_json(res, 201, p);
}

static int h_get(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false);

    return p ? sim_res_json(res, 200, json_incref(p)) : res->status;
}

static int h_replace(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false), *b, *np, *s;
    const char *pid;
    char now[32], msg[256];
    size_t idx, i;

    if (!p || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    np = pipeline_build(req->st, t, b, p, now, msg, sizeof(msg));
    if (!np)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    pid = sim_req_param(req, "pid");
    audit(req->st, t, pid, NULL, "UPDATE", np, now, req->auth.user_id);
    json_array_foreach(json_object_get(np, "stages"), i, s) {
        const char *sid = json_string_value(json_object_get(s, "id"));

        audit(req->st, t, pid, sid,
              stage_find(p, sid, NULL) ? "UPDATE" : "CREATE", s, now,
              req->auth.user_id);
    }
    json_array_foreach(json_object_get(p, "stages"), i, s) {
        const char *sid = json_string_value(json_object_get(s, "id"));

        if (!stage_find(np, sid, NULL))
            audit(req->st, t, pid, sid, "DELETE", s, now, req->auth.user_id);
    }
    pipeline_find(req->st, t, pid, false, &idx);
    json_array_set(plist(req->st, t), idx, np);
    return sim_res_json(res, 200, np);
}

static int h_patch(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, true), *b, *arch;
    char now[32];

    if (!p || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    arch = json_object_get(b, "archived");
    if (arch &&
        !(json_is_false(arch) && json_is_true(json_object_get(p, "archived"))))
        return sim_res_error(req, res, 400, "VALIDATION_ERROR",
                             "'archived' may only be sent to restore an "
                             "archived pipeline",
                             NULL);
    if (!arch && json_is_true(json_object_get(p, "archived")))
        return not_found(req, res, "Pipeline", sim_req_param(req, "pid"));
    if (json_is_string(json_object_get(b, "label")))
        json_object_set(p, "label", json_object_get(b, "label"));
    if (json_is_integer(json_object_get(b, "displayOrder")))
        json_object_set(p, "displayOrder", json_object_get(b, "displayOrder"));
    if (arch) {
        json_object_set_new(p, "archived", json_false());
        json_object_del(p, "archivedAt");
    }
    sim_iso_ms(req->now_ms, now);
    json_object_set_new(p, "updatedAt", json_string(now));
    audit(req->st, t, sim_req_param(req, "pid"), NULL, "UPDATE", p, now,
          req->auth.user_id);
    return sim_res_json(res, 200, json_incref(p));
}

/* 400 when records still sit in any of the stage ids (validateReferences). */
static bool refs_free(struct sim_request *req, struct sim_response *res,
                      const struct sim_objtype *t, const json_t *stage_ids)
{
    const char *prop = t->idx == SIM_OBJ_DEALS ? "dealstage"
                                               : "hs_pipeline_stage";
    struct sim_store *s = &req->st->stores[t->idx];
    struct sim_buf sids, oids;
    json_t *v, *used = json_array();
    size_t i;
    bool ok;

    sim_buf_init(&sids, 65536);
    sim_buf_init(&oids, 65536);
    for (size_t r = 0; r < s->n; r++) {
        char vbuf[128];
        const char *st = sim_obj_prop(req->st, t, &s->recs[r], prop, vbuf,
                                      sizeof(vbuf));

        if (s->recs[r].archived || !st)
            continue;
        json_array_foreach(stage_ids, i, v) {
            if (strcmp(json_string_value(v), st) != 0)
                continue;
            sim_buf_printf(&oids, "%s%llu", oids.len ? ", " : "",
                           (unsigned long long)s->recs[r].id);
            json_array_append(used, v);
        }
    }
    ok = json_array_size(used) == 0;
    if (!ok) {
        char msg[1200], a[512], b[512];

        json_array_foreach(stage_ids, i, v) {
            size_t j;
            json_t *u;

            json_array_foreach(used, j, u) {
                if (strcmp(json_string_value(u), json_string_value(v)) == 0) {
                    sim_buf_printf(&sids, "%s%s", sids.len ? ", " : "",
                                   json_string_value(v));
                    break;
                }
            }
        }
        snprintf(a, sizeof(a), "[%s]", sids.data ? sids.data : "");
        snprintf(b, sizeof(b), "[%s]", oids.data ? oids.data : "");
        snprintf(msg, sizeof(msg),
                 "Stage IDs: %.500s are being referenced by object IDs: %.500s",
                 a, b);
        sim_res_error(req, res, 400, "VALIDATION_ERROR", msg,
                      json_pack("{s:{s:[s],s:[s]}}", "context", "stageIds", a,
                                "objectIds", b));
        json_object_set_new(res->json, "subCategory",
                            json_string("PipelineError.STAGE_ID_IN_USE"));
    }
    json_decref(used);
    sim_buf_cleanup(&sids);
    sim_buf_cleanup(&oids);
    return ok;
}

static int h_delete(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false), *ids, *s;
    char now[32];
    size_t i;

    if (!p)
        return res->status;
    if (sim_req_bool(req, "validateReferencesBeforeDelete", false) ||
        sim_req_bool(req, "validateDealStageUsagesBeforeDelete", false)) {
        bool ok;

        ids = json_array();
        json_array_foreach(json_object_get(p, "stages"), i, s)
            json_array_append(ids, json_object_get(s, "id"));
        ok = refs_free(req, res, t, ids);
        json_decref(ids);
        if (!ok)
            return res->status;
    }
    sim_iso_ms(req->now_ms, now);
    json_object_set_new(p, "archived", json_true());
    json_object_set_new(p, "archivedAt", json_string(now));
    audit(req->st, t, sim_req_param(req, "pid"), NULL, "DELETE", p, now,
          req->auth.user_id);
    return sim_res_empty(res, 204);
}

static int h_stages(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false);

    if (!p)
        return res->status;
    return sim_res_json(res, 200,
                        json_pack("{s:O}", "results",
                                  json_object_get(p, "stages")));
}

static int h_stage_create(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false), *b, *s, *stages;
    char now[32], msg[256];

    if (!p || !(b = sim_req_object_or_respond(req, res)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    stages = json_object_get(p, "stages");
    s = stage_build(req->st, t, b, NULL, json_array_size(stages), now, msg,
                    sizeof(msg));
    if (!s)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    json_array_append(stages, s);
    if (!labels_unique(stages, msg, sizeof(msg))) {
        json_array_remove(stages, json_array_size(stages) - 1);
        json_decref(s);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    }
    audit(req->st, t, sim_req_param(req, "pid"),
          json_string_value(json_object_get(s, "id")), "CREATE", s, now,
          req->auth.user_id);
    return sim_res_json(res, 201, s);
}

static int h_stage(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false), *s, *b, *ns;
    json_t *stages, *backup;
    const char *sid = sim_req_param(req, "sid");
    char now[32], msg[256];
    size_t idx;

    if (!p)
        return res->status;
    stages = json_object_get(p, "stages");
    s = stage_find(p, sid, &idx);
    if (!s)
        return not_found(req, res, "Stage", sid);
    if (strcmp(req->method, "GET") == 0)
        return sim_res_json(res, 200, json_incref(s));
    if (strcmp(req->method, "DELETE") == 0) {
        if (sim_req_bool(req, "validateReferencesBeforeDelete", false)) {
            json_t *ids = json_pack("[s]", sid);
            bool ok = refs_free(req, res, t, ids);

            json_decref(ids);
            if (!ok)
                return res->status;
        }
        sim_iso_ms(req->now_ms, now);
        audit(req->st, t, sim_req_param(req, "pid"), sid, "DELETE", s, now,
              req->auth.user_id);
        json_array_remove(stages, idx);
        return sim_res_empty(res, 204);
    }
    if (!(b = sim_req_object_or_respond(req, res)))
        return res->status;
    sim_iso_ms(req->now_ms, now);
    ns = stage_build(req->st, t, b, s, idx, now, msg, sizeof(msg));
    if (!ns)
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    backup = json_incref(s);
    json_array_set(stages, idx, ns);
    if (!labels_unique(stages, msg, sizeof(msg))) {
        json_array_set(stages, idx, backup);
        json_decref(backup);
        json_decref(ns);
        return sim_res_error(req, res, 400, "VALIDATION_ERROR", msg, NULL);
    }
    json_decref(backup);
    audit(req->st, t, sim_req_param(req, "pid"), sid, "UPDATE", ns, now,
          req->auth.user_id);
    return sim_res_json(res, 200, ns);
}

/* GET .../audit and .../stages/:sid/audit: newest entry first. */
static int h_audit(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t;
    json_t *p = pipeline_or_respond(req, res, &t, false), *l, *out;
    const char *sid = sim_req_param(req, "sid");

    if (!p)
        return res->status;
    if (sid && !stage_find(p, sid, NULL))
        return not_found(req, res, "Stage", sid);
    l = audit_list(req->st, t, sim_req_param(req, "pid"), sid);
    out = json_array();
    for (size_t i = json_array_size(l); i-- > 0;)
        json_array_append(out, json_array_get(l, i));
    return sim_res_json(res, 200, json_pack("{s:o}", "results", out));
}

#define PR(m, p, h)                                                            \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, SIM_SCOPE_OBJ_READ, NULL             \
    }
#define PW(m, p, h)                                                            \
    {                                                                          \
        m, p, h, SIM_R_AUTH | SIM_R_JSON, SIM_SCOPE_OBJ_WRITE, NULL            \
    }
static const struct sim_route pipeline_routes[] = {
    PR("GET", "/crm/v3/pipelines/:type", h_list),
    PW("POST", "/crm/v3/pipelines/:type", h_create),
    PR("GET", "/crm/v3/pipelines/:type/:pid", h_get),
    PW("PUT", "/crm/v3/pipelines/:type/:pid", h_replace),
    PW("PATCH", "/crm/v3/pipelines/:type/:pid", h_patch),
    PW("DELETE", "/crm/v3/pipelines/:type/:pid", h_delete),
    PR("GET", "/crm/v3/pipelines/:type/:pid/audit", h_audit),
    PR("GET", "/crm/v3/pipelines/:type/:pid/stages", h_stages),
    PW("POST", "/crm/v3/pipelines/:type/:pid/stages", h_stage_create),
    PR("GET", "/crm/v3/pipelines/:type/:pid/stages/:sid", h_stage),
    PW("PUT", "/crm/v3/pipelines/:type/:pid/stages/:sid", h_stage),
    PW("PATCH", "/crm/v3/pipelines/:type/:pid/stages/:sid", h_stage),
    PW("DELETE", "/crm/v3/pipelines/:type/:pid/stages/:sid", h_stage),
    PR("GET", "/crm/v3/pipelines/:type/:pid/stages/:sid/audit", h_audit),
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

static const char *const pipeline_keys[] = {"pipelines", NULL};

const struct sim_module sim_module_pipelines = {
    .name = "pipelines",
    .routes = pipeline_routes,
    .load = pipelines_load,
    .clear = pipelines_clear,
    .fixture_keys = pipeline_keys,
};
