/* SPDX-License-Identifier: MIT
 * Virtual data resources, the VDR v2 calls of spec §7.1
 * (docs/api/transformations.md, "VDR v2"): /common-resources and /vdrs.
 * They are views over the documents of api_vdr.c, with no storage of their
 * own: a VDR (a common resource) is the organization-level definition of a
 * name, its transformations the organization-level transformations of that
 * name, one per element. Ids are the tables' integer ids. Validation,
 * storage and limits are domain/vdr.c's; this file shapes the documents
 * and maps the answers to statuses. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/strparse.h"
#include "domain/app.h"
#include "domain/vdr.h"
#include "elements/elements.h"

#define WHY 512

static struct vdr_scope org_scope(const struct ed_request *req)
{
    struct vdr_scope sc = {.org_id = req->auth.org_id,
                           .level = VDR_ORG,
                           .owner_id = req->auth.org_id,
                           .element_key = NULL};
    return sc;
}

/* A domain error → the response. */
static int fail(struct ed_request *req, struct ed_response *res,
                enum ed_err err, const char *what, const char *name,
                const char *why)
{
    switch (err) {
    case ED_ERR_INVALID:
        return res_error(req, res, ED_E_BAD_REQUEST, "%s", why);
    case ED_ERR_NOT_FOUND:
        return res_error(req, res, ED_E_NOT_FOUND, "No %s named %.100s", what,
                         name);
    case ED_ERR_EXISTS:
        if (why && *why)
            return res_error(req, res, ED_E_CONFLICT, "%s", why);
        return res_error(req, res, ED_E_CONFLICT,
                         "A %s named %.100s already exists", what, name);
    default:
        return res_error(req, res, ED_E_INTERNAL, "Cannot access the %ss",
                         what);
    }
}

static bool body_or_respond(struct ed_request *req, struct ed_response *res)
{
    if (json_is_object(req->body))
        return true;
    res_error(req, res, ED_E_BAD_REQUEST,
              "The request body must be a JSON object");
    return false;
}

/* A boolean query parameter: absent is false. */
static bool flag_or_respond(struct ed_request *req, struct ed_response *res,
                            const char *name, bool *v)
{
    const char *s = req_query(req, name);
    *v = s && strcmp(s, "true") == 0;
    if (!s || *v || strcmp(s, "false") == 0)
        return true;
    res_error(req, res, ED_E_BAD_REQUEST, "%s: true or false", name);
    return false;
}

/* A string member of the body, or a 400 naming it. */
static const char *member_or_respond(struct ed_request *req,
                                     struct ed_response *res, const json_t *o,
                                     const char *field, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (!s)
        res_error(req, res, ED_E_BAD_REQUEST, "%s: a string is required",
                  field);
    return s;
}

/* An element by a body's elementKey (key or id), as its key. */
static const char *element_or_respond(struct ed_request *req,
                                      struct ed_response *res,
                                      const char *field, const char *key)
{
    const struct element *el = elements_find(req->app->elements, key);
    if (!el)
        res_error(req, res, ED_E_BAD_REQUEST,
                  "%s: no element with key or id %.100s", field, key);
    return el ? el->key : NULL;
}

/* A copy of doc without the members the view adds (the rest is stored). */
static json_t *strip(const json_t *doc, const char *const *drop)
{
    json_t *c = json_copy((json_t *)doc);
    for (size_t i = 0; drop[i]; i++)
        json_object_del(c, drop[i]);
    return c;
}

static const char *const vdr_members[] = {"id", "objectName", "transformations",
                                          NULL};
static const char *const tf_members[] = {"id", "elementKey", NULL};
static const char *const cr_members[] = {"name", "elementKeys", NULL};

/* first's members, then doc's others. */
static json_t *view(json_t *first, const json_t *doc)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)doc, k, v) {
        if (!json_object_get(first, k))
            json_object_set(first, k, v);
    }
    return first;
}

static json_t *vdr_view(const struct vdr_row *r, bool with_id)
{
    json_t *o = json_object();
    if (with_id)
        json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "objectName", json_string(r->name));
    json_t *out = view(o, r->doc);
    if (!with_id)
        json_object_del(out, "id");
    return out;
}

static json_t *tf_view(const struct vdr_row *r, bool with_id)
{
    json_t *o = json_object();
    if (with_id)
        json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "elementKey", json_string(r->element_key));
    json_t *out = view(o, r->doc);
    if (!with_id)
        json_object_del(out, "id");
    return out;
}

/* The transformations of name, as views. */
static enum ed_err tf_views(struct ed_app *app, const struct vdr_scope *sc,
                            const char *name, bool with_id, json_t **out)
{
    struct vdr_row *rows = NULL;
    size_t n = 0;
    enum ed_err err = vdr_tf_rows(app, sc, name, &rows, &n);
    *out = NULL;
    if (err)
        return err;
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, tf_view(&rows[i], with_id));
    vdr_rows_free(rows, n);
    return ED_OK;
}

/* --- /common-resources ------------------------------------------------------- */

static json_t *cr_view(const char *name, const json_t *def, json_t *keys)
{
    json_t *fields = json_object_get(def, "fields");
    json_t *level = json_object_get(def, "level");
    return json_pack("{ss so so so}", "name", name, "fields",
                     fields ? json_incref(fields) : json_array(), "elementKeys",
                     keys, "level",
                     level ? json_incref(level) : json_string("organization"));
}

/* The element keys with a transformation of name. */
static enum ed_err cr_keys(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, json_t **out)
{
    struct vdr_row *rows = NULL;
    size_t n = 0;
    enum ed_err err = vdr_tf_rows(app, sc, name, &rows, &n);
    *out = NULL;
    if (err)
        return err;
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, json_string(rows[i].element_key));
    vdr_rows_free(rows, n);
    return ED_OK;
}

/* The common resource name as it is stored now. */
static int cr_answer(struct ed_request *req, struct ed_response *res,
                     const struct vdr_scope *sc, const char *name)
{
    json_t *def = NULL, *keys = NULL;
    enum ed_err err = vdr_def_get(req->app, sc, name, &def);
    if (!err)
        err = cr_keys(req->app, sc, name, &keys);
    if (err) {
        json_decref(def);
        return fail(req, res, err, "common resource", name, NULL);
    }
    json_t *out = cr_view(name, def, keys);
    json_decref(def);
    return res_json(res, 200, out);
}

static int cr_list(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row *defs = NULL, *tfs = NULL;
    size_t nd = 0, nt = 0;
    enum ed_err err = vdr_def_rows(req->app, &sc, &defs, &nd);
    if (!err)
        err = vdr_tf_rows(req->app, &sc, NULL, &tfs, &nt);
    if (err) {
        vdr_rows_free(defs, nd);
        return fail(req, res, err, "common resource", "", NULL);
    }
    json_t *out = json_array();
    for (size_t i = 0; i < nd; i++) {
        json_t *keys = json_array();
        for (size_t j = 0; j < nt; j++)
            if (strcmp(tfs[j].name, defs[i].name) == 0)
                json_array_append_new(keys, json_string(tfs[j].element_key));
        json_array_append_new(out, cr_view(defs[i].name, defs[i].doc, keys));
    }
    vdr_rows_free(defs, nd);
    vdr_rows_free(tfs, nt);
    return res_json(res, 200, out);
}

/* Write the definition of a common resource (the body without the view's
 * members); name checks name the body's "name". */
static int cr_write(struct ed_request *req, struct ed_response *res,
                    const char *name, enum vdr_write mode)
{
    struct vdr_scope sc = org_scope(req);
    char why[WHY] = "";
    json_t *out = NULL, *doc = strip(req->body, cr_members);
    enum ed_err err = vdr_def_put(req->app, &sc, name, doc, mode, &out, why,
                                  sizeof(why));
    json_decref(doc);
    json_decref(out);
    if (err == ED_ERR_INVALID && strncmp(why, "objectName:", 11) == 0)
        return res_error(req, res, ED_E_BAD_REQUEST, "name:%s", why + 11);
    if (err)
        return fail(req, res, err, "common resource", name, why);
    return cr_answer(req, res, &sc, name);
}

static int cr_root(struct ed_request *req, struct ed_response *res)
{
    if (req->method == ED_GET)
        return cr_list(req, res);
    if (!body_or_respond(req, res))
        return res->status;
    const char *name = member_or_respond(req, res, req->body, "name", "name");
    if (!name)
        return res->status;
    return cr_write(req, res, name, VDR_CREATE);
}

static int cr_one(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    const char *name = req_param(req, 0);
    if (req->method == ED_GET)
        return cr_answer(req, res, &sc, name);
    if (req->method == ED_DELETE) {
        enum ed_err err = vdr_object_delete(req->app, &sc, name);
        if (err)
            return fail(req, res, err, "common resource", name, NULL);
        return res_json(res, 200, json_object());
    }
    if (!body_or_respond(req, res))
        return res->status;
    json_t *n = json_object_get(req->body, "name");
    if (n && (!json_is_string(n) || strcmp(json_string_value(n), name) != 0))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "name: does not match the path (%.100s); rename "
                         "with PATCH /organizations/objects/{name}",
                         name);
    return cr_write(req, res, name, VDR_UPSERT);
}

static int cr_usages(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    const char *name = req_param(req, 0);
    json_t *def = NULL, *out = NULL;
    enum ed_err err = vdr_def_get(req->app, &sc, name, &def);
    json_decref(def);
    if (!err)
        err = vdr_usages(req->app, sc.org_id, name, &out);
    if (err)
        return fail(req, res, err, "common resource", name, NULL);
    json_object_set_new(out, "name", json_string(name));
    return res_json(res, 200, out);
}

/* --- /vdrs ------------------------------------------------------------------- */

static bool id_of(const char *s, int64_t *id)
{
    uint64_t v;
    if (!ed_parse_u64(s, INT64_MAX, &v))
        return false;
    *id = (int64_t)v;
    return true;
}

/* The VDR of path parameter 0. */
static bool vdr_or_respond(struct ed_request *req, struct ed_response *res,
                           const struct vdr_scope *sc, struct vdr_row *row)
{
    const char *s = req_param(req, 0);
    int64_t id;
    enum ed_err err = ED_ERR_NOT_FOUND;
    memset(row, 0, sizeof(*row));
    if (id_of(s, &id))
        err = vdr_def_by_id(req->app, sc, id, row);
    if (err == ED_OK)
        return true;
    if (err == ED_ERR_NOT_FOUND)
        res_error(req, res, ED_E_NOT_FOUND, "No VDR with id %.40s", s);
    else
        res_error(req, res, ED_E_INTERNAL, "Cannot read the VDRs");
    return false;
}

/* The VDR named name, as stored now (with id). */
static int vdr_answer(struct ed_request *req, struct ed_response *res,
                      const struct vdr_scope *sc, const char *name)
{
    struct vdr_row row;
    enum ed_err err = vdr_def_row(req->app, sc, name, &row);
    if (err)
        return fail(req, res, err, "VDR", name, NULL);
    json_t *out = vdr_view(&row, true);
    vdr_row_cleanup(&row);
    return res_json(res, 200, out);
}

static int vdrs_root(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    char why[WHY] = "";
    if (req->method == ED_GET) {
        struct vdr_row *rows = NULL;
        size_t n = 0;
        enum ed_err err = vdr_def_rows(req->app, &sc, &rows, &n);
        if (err)
            return fail(req, res, err, "VDR", "", NULL);
        json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(out, vdr_view(&rows[i], true));
        vdr_rows_free(rows, n);
        return res_json(res, 200, out);
    }
    if (!body_or_respond(req, res))
        return res->status;
    const char *name = member_or_respond(req, res, req->body, "objectName",
                                         "objectName");
    if (!name)
        return res->status;
    json_t *out = NULL, *doc = strip(req->body, vdr_members);
    enum ed_err err = vdr_def_put(req->app, &sc, name, doc, VDR_CREATE, &out,
                                  why, sizeof(why));
    json_decref(doc);
    json_decref(out);
    if (err)
        return fail(req, res, err, "VDR", name, why);
    return vdr_answer(req, res, &sc, name);
}

static int vdr_one(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row row;
    char why[WHY] = "";
    enum ed_err err;
    int status;
    if (!vdr_or_respond(req, res, &sc, &row))
        return res->status;
    switch (req->method) {
    case ED_GET: status = res_json(res, 200, vdr_view(&row, true)); break;
    case ED_DELETE:
        err = vdr_object_delete(req->app, &sc, row.name);
        status = err ? fail(req, res, err, "VDR", row.name, NULL)
                     : res_json(res, 200, json_object());
        break;
    default: {
        json_t *n = NULL, *out = NULL, *doc;
        if (!body_or_respond(req, res)) {
            status = res->status;
            break;
        }
        n = json_object_get(req->body, "objectName");
        if (n && (!json_is_string(n) ||
                  strcmp(json_string_value(n), row.name) != 0)) {
            status = res_error(req, res, ED_E_BAD_REQUEST,
                               "objectName: does not match the VDR's "
                               "(%.100s); rename with PATCH "
                               "/organizations/objects/{name}",
                               row.name);
            break;
        }
        doc = strip(req->body, vdr_members);
        err = vdr_def_put(req->app, &sc, row.name, doc, VDR_REPLACE, &out, why,
                          sizeof(why));
        json_decref(doc);
        json_decref(out);
        status = err ? fail(req, res, err, "VDR", row.name, why)
                     : vdr_answer(req, res, &sc, row.name);
        break;
    }
    }
    vdr_row_cleanup(&row);
    return status;
}

/* The transformation answered by id, as stored now. */
static int tf_answer(struct ed_request *req, struct ed_response *res,
                     const struct vdr_scope *sc, const char *name)
{
    struct vdr_row row;
    enum ed_err err = vdr_tf_row(req->app, sc, name, &row);
    if (err)
        return fail(req, res, err, "transformation", name, NULL);
    json_t *out = tf_view(&row, true);
    vdr_row_cleanup(&row);
    return res_json(res, 200, out);
}

static int vdr_tfs(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row row;
    char why[WHY] = "";
    int status;
    if (!vdr_or_respond(req, res, &sc, &row))
        return res->status;
    if (req->method == ED_GET) {
        json_t *out = NULL;
        enum ed_err err = tf_views(req->app, &sc, row.name, true, &out);
        status = err ? fail(req, res, err, "transformation", row.name, NULL)
                     : res_json(res, 200, out);
        vdr_row_cleanup(&row);
        return status;
    }
    const char *key = NULL;
    if (body_or_respond(req, res) &&
        (key = member_or_respond(req, res, req->body, "elementKey",
                                 "elementKey")))
        key = element_or_respond(req, res, "elementKey", key);
    if (!key) {
        vdr_row_cleanup(&row);
        return res->status;
    }
    json_t *out = NULL, *doc = strip(req->body, tf_members);
    sc.element_key = key;
    enum ed_err err = vdr_tf_put(req->app, &sc, row.name, doc, VDR_CREATE, &out,
                                 why, sizeof(why));
    json_decref(doc);
    json_decref(out);
    if (err == ED_ERR_EXISTS)
        status = res_error(req, res, ED_E_CONFLICT,
                           "VDR %.100s already has a transformation for "
                           "element %s",
                           row.name, key);
    else
        status = err ? fail(req, res, err, "transformation", row.name, why)
                     : tf_answer(req, res, &sc, row.name);
    vdr_row_cleanup(&row);
    return status;
}

static int vdr_tf_one(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row row, tf;
    char why[WHY] = "";
    int64_t tid;
    int status;
    enum ed_err err = ED_ERR_NOT_FOUND;
    if (!vdr_or_respond(req, res, &sc, &row))
        return res->status;
    memset(&tf, 0, sizeof(tf));
    if (id_of(req_param(req, 1), &tid))
        err = vdr_tf_by_id(req->app, &sc, tid, &tf);
    if (err == ED_OK && strcmp(tf.name, row.name) != 0)
        err = ED_ERR_NOT_FOUND;
    if (err) {
        status = err == ED_ERR_NOT_FOUND
                     ? res_error(req, res, ED_E_NOT_FOUND,
                                 "No transformation with id %.40s in VDR "
                                 "%.100s",
                                 req_param(req, 1), row.name)
                     : fail(req, res, err, "transformation", row.name, NULL);
        goto out;
    }
    sc.element_key = tf.element_key;
    switch (req->method) {
    case ED_GET: status = res_json(res, 200, tf_view(&tf, true)); break;
    case ED_DELETE:
        err = vdr_tf_delete(req->app, &sc, row.name);
        status = err ? fail(req, res, err, "transformation", row.name, NULL)
                     : res_json(res, 200, json_object());
        break;
    default: {
        json_t *k, *out = NULL, *doc;
        if (!body_or_respond(req, res)) {
            status = res->status;
            break;
        }
        k = json_object_get(req->body, "elementKey");
        if (k) {
            const struct element *el = json_is_string(k)
                                           ? elements_find(req->app->elements,
                                                           json_string_value(k))
                                           : NULL;
            if (!el || strcmp(el->key, tf.element_key) != 0) {
                status = res_error(req, res, ED_E_BAD_REQUEST,
                                   "elementKey: the transformation is "
                                   "%s's; it cannot change",
                                   tf.element_key);
                break;
            }
        }
        doc = strip(req->body, tf_members);
        err = vdr_tf_put(req->app, &sc, row.name, doc, VDR_REPLACE, &out, why,
                         sizeof(why));
        json_decref(doc);
        json_decref(out);
        status = err ? fail(req, res, err, "transformation", row.name, why)
                     : tf_answer(req, res, &sc, row.name);
        break;
    }
    }
out:
    vdr_row_cleanup(&tf);
    vdr_row_cleanup(&row);
    return status;
}

/* {elementKey: stored document} of name's transformations. */
static enum ed_err tf_docs(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, json_t **out)
{
    struct vdr_row *rows = NULL;
    size_t n = 0;
    enum ed_err err = vdr_tf_rows(app, sc, name, &rows, &n);
    *out = NULL;
    if (err)
        return err;
    *out = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set(*out, rows[i].element_key, rows[i].doc);
    vdr_rows_free(rows, n);
    return ED_OK;
}

static int vdr_clone(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row row;
    char why[WHY] = "";
    bool all;
    json_t *tfs = NULL;
    enum ed_err err = ED_OK;
    int status;
    if (!flag_or_respond(req, res, "cloneAllTransformations", &all) ||
        !body_or_respond(req, res))
        return res->status;
    const char *name = member_or_respond(req, res, req->body, "objectName",
                                         "objectName");
    if (!name || !vdr_or_respond(req, res, &sc, &row))
        return res->status;
    if (all)
        err = tf_docs(req->app, &sc, row.name, &tfs);
    if (!err)
        err = vdr_object_put(req->app, &sc, name, row.doc, tfs, false, why,
                             sizeof(why));
    json_decref(tfs);
    status = err ? fail(req, res, err, "VDR", name, why)
                 : vdr_answer(req, res, &sc, name);
    vdr_row_cleanup(&row);
    return status;
}

static int vdr_export(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    struct vdr_row row;
    const char *name = req_param(req, 0);
    json_t *tfs = NULL;
    enum ed_err err = vdr_def_row(req->app, &sc, name, &row);
    if (!err)
        err = tf_views(req->app, &sc, name, false, &tfs);
    if (err) {
        vdr_row_cleanup(&row);
        return fail(req, res, err, "VDR", name, NULL);
    }
    json_t *out = vdr_view(&row, false);
    json_object_set_new(out, "transformations", tfs);
    vdr_row_cleanup(&row);
    return res_json(res, 200, out);
}

/* POST /vdrs/import: an export document, all or nothing. */
static int vdr_import(struct ed_request *req, struct ed_response *res)
{
    struct vdr_scope sc = org_scope(req);
    char why[WHY] = "";
    bool overwrite;
    size_t i;
    json_t *item, *tfs, *list, *def, *out = NULL;
    if (!flag_or_respond(req, res, "overwrite", &overwrite) ||
        !body_or_respond(req, res))
        return res->status;
    const char *name = member_or_respond(req, res, req->body, "objectName",
                                         "objectName");
    if (!name)
        return res->status;
    list = json_object_get(req->body, "transformations");
    if (list && !json_is_array(list))
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "transformations: an array of transformations");
    tfs = json_object();
    json_array_foreach(list, i, item) {
        char field[64];
        const char *key = NULL;
        snprintf(field, sizeof(field), "transformations[%zu].elementKey", i);
        if (!json_is_object(item)) {
            json_decref(tfs);
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "transformations[%zu]: must be a JSON object", i);
        }
        if (!(key = member_or_respond(req, res, item, field, "elementKey")) ||
            !(key = element_or_respond(req, res, field, key))) {
            json_decref(tfs);
            return res->status;
        }
        if (json_object_get(tfs, key)) {
            json_decref(tfs);
            return res_error(req, res, ED_E_BAD_REQUEST,
                             "%s: element %s has two transformations", field,
                             key);
        }
        json_object_set_new(tfs, key, strip(item, tf_members));
    }
    def = strip(req->body, vdr_members);
    enum ed_err err = vdr_object_put(req->app, &sc, name, def, tfs, overwrite,
                                     why, sizeof(why));
    json_decref(def);
    json_decref(tfs);
    if (err)
        return fail(req, res, err, "VDR", name, why);
    struct vdr_row row;
    if (!(err = vdr_def_row(req->app, &sc, name, &row))) {
        err = tf_views(req->app, &sc, name, true, &list);
        out = vdr_view(&row, true);
        vdr_row_cleanup(&row);
        if (!err)
            json_object_set_new(out, "transformations", list);
    }
    if (err) {
        json_decref(out);
        return fail(req, res, err, "VDR", name, NULL);
    }
    return res_json(res, 200, out);
}

/* Writes are audited (issue 15): each row below whose handler writes goes
 * through AUDITED. */
#define AUDITED(fn)                                                            \
    static int fn##_audited(struct ed_request *req, struct ed_response *res)   \
    {                                                                          \
        return api_audit_write(req, "vdr.write", "vdr", fn(req, res));         \
    }
AUDITED(cr_root)
AUDITED(cr_one)
AUDITED(vdrs_root)
AUDITED(vdr_import)
AUDITED(vdr_one)
AUDITED(vdr_tfs)
AUDITED(vdr_tf_one)
AUDITED(vdr_clone)

#define J ED_ROUTE_JSON

const struct ed_route api_vdrs_routes[] = {
    {ED_GET | ED_POST, "/common-resources", cr_root_audited, J},
    {ED_GET | ED_PUT | ED_DELETE, "/common-resources/{name}", cr_one_audited,
     J},
    {ED_GET, "/common-resources/{name}/usages", cr_usages, 0},
    {ED_GET | ED_POST, "/vdrs", vdrs_root_audited, J},
    {ED_POST, "/vdrs/import", vdr_import_audited, J},
    {ED_GET | ED_PUT | ED_DELETE, "/vdrs/{id}", vdr_one_audited, J},
    {ED_GET | ED_POST, "/vdrs/{id}/transformations", vdr_tfs_audited, J},
    {ED_GET | ED_PUT | ED_DELETE, "/vdrs/{id}/transformations/{tid}",
     vdr_tf_one_audited, J},
    {ED_POST, "/vdrs/{id}/clone", vdr_clone_audited, J},
    {ED_GET, "/vdrs/{name}/export", vdr_export, 0},
    {0, NULL, NULL, 0},
};
