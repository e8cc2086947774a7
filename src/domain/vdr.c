/* SPDX-License-Identifier: MIT
 * Virtual data resources (see vdr.h): the stored documents, validated by
 * transform/transform.h, and their resolution for hub calls.
 *
 * Resolution works on a snapshot per organization: every document of the
 * organization read in one query, parsed once, indexed by name (a jansson
 * object: a lookup allocates nothing). A name found in the snapshot is
 * resolved per (instance, element, name) once, under the snapshot's lock,
 * and the outcome (a compiled binding, or no-transformation / broken) is
 * kept in the snapshot. The cache (struct vdr_cache) maps organization ids
 * to snapshots; the store's vdr hook drops an organization's snapshot
 * after every write, on this node and on the others (PostgreSQL NOTIFY),
 * and everything when the change feed was lost. A generation number stops
 * a snapshot read before a drop from being cached after it. Snapshots and
 * bindings are reference-counted: a caller's binding outlives a drop. */
#include "domain/vdr.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "store/store.h"
#include "transform/transform.h"
#include "metrics/metrics.h"

#define ORG_BUCKETS 256
#define ORG_MAX 4096 /* snapshots cached; past it all are dropped */
#define BIND_BUCKETS 64
#define BIND_MAX 4096 /* resolutions per snapshot; past it, dropped */

static const char *const level_names[] = {"organization", "account",
                                          "instance"};

const char *vdr_level_name(enum vdr_level l)
{
    return (unsigned)l < 3 ? level_names[l] : "organization";
}

static int level_of(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

/* --- names and documents ------------------------------------------------- */

static bool name_ok(const char *what, const char *name, char *why,
                    size_t whylen)
{
    static const char *const reserved[] = {"ping", "objects", "bulk", ".",
                                           ".."};
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > TF_MAX_NAME) {
        snprintf(why, whylen, "%s: a name is 1 to %d bytes", what, TF_MAX_NAME);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
            snprintf(why, whylen,
                     "%s: a name has only letters, digits, '_', '.' and "
                     "'-'",
                     what);
            return false;
        }
    }
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (strcmp(name, reserved[i]) == 0) {
            snprintf(why, whylen,
                     "%s: '%s' is reserved (a hub call of its own)", what,
                     name);
            return false;
        }
    return true;
}

/* What is stored, as text: NULL (why set) past VDR_MAX_DOC. */
static char *doc_text(const json_t *doc, const char *name, char *why,
                      size_t whylen)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text) {
        snprintf(why, whylen, "%.100s: the document cannot be stored", name);
        return NULL;
    }
    if (strlen(text) > VDR_MAX_DOC) {
        free(text);
        snprintf(why, whylen, "%.100s: the document is larger than %d KiB",
                 name, VDR_MAX_DOC / 1024);
        return NULL;
    }
    return text;
}

static json_t *doc_parse(const char *text)
{
    return text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
}

/* One document to write: the checked JSON and its text. */
struct pending {
    const char *element_key;
    const char *name;
    json_t *doc;
    char *text;
};

static void pending_free(struct pending *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++) {
        json_decref(p[i].doc);
        free(p[i].text);
    }
    free(p);
}

/* Check one document of kind for sc's level: name, document, size. */
static bool prepare_one(enum store_vdr_kind kind, const struct vdr_scope *sc,
                        const char *element_key, const char *name,
                        const json_t *doc, struct pending *p, char *why,
                        size_t whylen)
{
    char err[300];
    const char *level = vdr_level_name(sc->level);
    memset(p, 0, sizeof(*p));
    if (!name_ok(kind == STORE_VDR_DEF ? "objectName" : "transformation name",
                 name, why, whylen))
        return false;
    if (!json_is_object(doc)) {
        snprintf(why, whylen, "%s: the document must be a JSON object", name);
        return false;
    }
    p->doc = kind == STORE_VDR_DEF
                 ? tf_definition_check(doc, level, err, sizeof(err))
                 : tf_transformation_check(doc, level, err, sizeof(err));
    if (!p->doc) {
        snprintf(why, whylen, "%s: %s", name, err);
        return false;
    }
    if (!(p->text = doc_text(p->doc, name, why, whylen))) {
        json_decref(p->doc);
        p->doc = NULL;
        return false;
    }
    p->element_key = element_key;
    p->name = name;
    return true;
}

static const char *kind_word(enum store_vdr_kind kind)
{
    return kind == STORE_VDR_DEF ? "definition" : "transformation";
}

/* Write the prepared documents in one transaction. */
static enum ed_err write_all(struct ed_app *app, enum store_vdr_kind kind,
                             const struct vdr_scope *sc, enum vdr_write mode,
                             struct pending *p, size_t n, char *why,
                             size_t whylen)
{
    static const enum store_vdr_mode modes[] = {
        [VDR_CREATE] = STORE_VDR_CREATE,
        [VDR_REPLACE] = STORE_VDR_REPLACE,
        [VDR_UPSERT] = STORE_VDR_UPSERT,
    };
    struct store_vdr_doc *rows = ed_calloc(n ? n : 1, sizeof(*rows));
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        rows[i].org_id = sc->org_id;
        rows[i].level = (char *)vdr_level_name(sc->level);
        rows[i].owner_id = sc->owner_id;
        rows[i].element_key = (char *)p[i].element_key;
        rows[i].name = (char *)p[i].name;
        rows[i].doc = p[i].text;
    }
    enum ed_err err = store_vdr_put(app->store, kind, modes[mode], rows, n,
                                    VDR_MAX_PER_OWNER, &failed);
    free(rows);
    if (failed >= n)
        failed = 0;
    switch (err) {
    case ED_OK: break;
    case ED_ERR_TOO_LARGE:
        snprintf(why, whylen, "at most %d %ss per %s", VDR_MAX_PER_OWNER,
                 kind_word(kind), vdr_level_name(sc->level));
        err = ED_ERR_INVALID;
        break;
    case ED_ERR_EXISTS:
        snprintf(why, whylen, "A %s named %s already exists at the %s level",
                 kind_word(kind), p[failed].name, vdr_level_name(sc->level));
        break;
    case ED_ERR_NOT_FOUND:
        snprintf(why, whylen, "No %s named %s at the %s level", kind_word(kind),
                 p[failed].name, vdr_level_name(sc->level));
        break;
    default:
        snprintf(why, whylen, "Cannot store the %s", kind_word(kind));
        break;
    }
    return err; /* the store's vdr hook dropped the cached snapshot */
}

static enum ed_err put_one(struct ed_app *app, enum store_vdr_kind kind,
                           const struct vdr_scope *sc, const char *name,
                           const json_t *doc, enum vdr_write mode, json_t **out,
                           char *why, size_t whylen)
{
    struct pending p;
    *out = NULL;
    if (!prepare_one(kind, sc, sc->element_key, name, doc, &p, why, whylen))
        return ED_ERR_INVALID;
    enum ed_err err = write_all(app, kind, sc, mode, &p, 1, why, whylen);
    if (err == ED_OK)
        *out = json_incref(p.doc);
    json_decref(p.doc);
    free(p.text);
    return err;
}

enum ed_err vdr_def_put(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, const json_t *doc,
                        enum vdr_write mode, json_t **out, char *why,
                        size_t whylen)
{
    return put_one(app, STORE_VDR_DEF, sc, name, doc, mode, out, why, whylen);
}

enum ed_err vdr_tf_put(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, const json_t *doc, enum vdr_write mode,
                       json_t **out, char *why, size_t whylen)
{
    return put_one(app, STORE_VDR_TF, sc, name, doc, mode, out, why, whylen);
}

enum ed_err vdr_def_put_many(struct ed_app *app, const struct vdr_scope *sc,
                             const json_t *docs, enum vdr_write mode,
                             json_t **out, char *why, size_t whylen)
{
    size_t n = json_object_size(docs), k = 0;
    const char *name;
    const json_t *doc;
    enum ed_err err = ED_OK;
    *out = NULL;
    if (!json_is_object(docs) || n == 0) {
        snprintf(why, whylen,
                 "The body must be a map {name: definition} "
                 "with at least one definition");
        return ED_ERR_INVALID;
    }
    if (n > VDR_MAX_PER_OWNER) {
        snprintf(why, whylen, "at most %d definitions per %s",
                 VDR_MAX_PER_OWNER, vdr_level_name(sc->level));
        return ED_ERR_INVALID;
    }
    struct pending *p = ed_calloc(n, sizeof(*p));
    json_object_foreach((json_t *)docs, name, doc) {
        if (!prepare_one(STORE_VDR_DEF, sc, NULL, name, doc, &p[k], why,
                         whylen)) {
            err = ED_ERR_INVALID;
            goto out;
        }
        k++;
    }
    if ((err = write_all(app, STORE_VDR_DEF, sc, mode, p, k, why, whylen)))
        goto out;
    *out = json_object();
    for (size_t i = 0; i < k; i++)
        json_object_set(*out, p[i].name, p[i].doc);
out:
    pending_free(p, k);
    return err;
}

enum ed_err vdr_tf_put_many(struct ed_app *app, const struct vdr_scope *sc,
                            const json_t *by_element, enum vdr_write mode,
                            json_t **out, char *why, size_t whylen)
{
    const char *key, *name;
    const json_t *docs, *doc;
    size_t n = 0, k = 0;
    enum ed_err err = ED_OK;
    *out = NULL;
    if (!json_is_object(by_element)) {
        snprintf(why, whylen,
                 "The body must be a map {elementKey: {name: "
                 "transformation}}");
        return ED_ERR_INVALID;
    }
    json_object_foreach((json_t *)by_element, key, docs) {
        if (!json_is_object(docs)) {
            snprintf(why, whylen,
                     "%.100s: must be a map {name: transformation}", key);
            return ED_ERR_INVALID;
        }
        n += json_object_size(docs);
    }
    if (n == 0) {
        snprintf(why, whylen, "The body holds no transformation");
        return ED_ERR_INVALID;
    }
    if (n > VDR_MAX_PER_OWNER) {
        snprintf(why, whylen, "at most %d transformations per %s",
                 VDR_MAX_PER_OWNER, vdr_level_name(sc->level));
        return ED_ERR_INVALID;
    }
    struct pending *p = ed_calloc(n, sizeof(*p));
    json_object_foreach((json_t *)by_element, key, docs) {
        json_object_foreach((json_t *)docs, name, doc) {
            char w[400];
            if (!prepare_one(STORE_VDR_TF, sc, key, name, doc, &p[k], w,
                             sizeof(w))) {
                snprintf(why, whylen, "%.60s.%s", key, w);
                err = ED_ERR_INVALID;
                goto out;
            }
            k++;
        }
    }
    if ((err = write_all(app, STORE_VDR_TF, sc, mode, p, k, why, whylen)))
        goto out;
    *out = json_object();
    for (size_t i = 0; i < k; i++) {
        json_t *m = json_object_get(*out, p[i].element_key);
        if (!m) {
            m = json_object();
            json_object_set_new(*out, p[i].element_key, m);
        }
        json_object_set(m, p[i].name, p[i].doc);
    }
out:
    pending_free(p, k);
    return err;
}

static enum ed_err get_one(struct ed_app *app, enum store_vdr_kind kind,
                           const struct vdr_scope *sc, const char *name,
                           json_t **out)
{
    struct store_vdr_doc d;
    *out = NULL;
    enum ed_err err = store_vdr_get(app->store, kind, sc->org_id,
                                    vdr_level_name(sc->level), sc->owner_id,
                                    sc->element_key, name, &d);
    if (err)
        return err;
    *out = doc_parse(d.doc);
    free(d.level);
    free(d.element_key);
    free(d.name);
    free(d.doc);
    return *out ? ED_OK : ED_ERR_DB;
}

enum ed_err vdr_def_get(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, json_t **out)
{
    return get_one(app, STORE_VDR_DEF, sc, name, out);
}

enum ed_err vdr_tf_get(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, json_t **out)
{
    return get_one(app, STORE_VDR_TF, sc, name, out);
}

/* {key: document} of a list, keyed by name or by element key. */
static enum ed_err list_map(struct ed_app *app, enum store_vdr_kind kind,
                            const struct vdr_scope *sc, const char *name,
                            bool by_element, json_t **out)
{
    struct store_vdr_doc *rows = NULL;
    size_t n = 0;
    *out = NULL;
    enum ed_err err = store_vdr_list(app->store, kind, sc->org_id,
                                     vdr_level_name(sc->level), sc->owner_id,
                                     by_element ? NULL : sc->element_key, name,
                                     &rows, &n);
    if (err)
        return err;
    *out = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *doc = doc_parse(rows[i].doc);
        const char *key = by_element ? rows[i].element_key : rows[i].name;
        if (doc && key)
            json_object_set_new(*out, key, doc);
        else
            json_decref(doc);
    }
    store_vdr_docs_free(rows, n);
    return ED_OK;
}

enum ed_err vdr_def_list(struct ed_app *app, const struct vdr_scope *sc,
                         json_t **out)
{
    return list_map(app, STORE_VDR_DEF, sc, NULL, false, out);
}

enum ed_err vdr_tf_list(struct ed_app *app, const struct vdr_scope *sc,
                        json_t **out)
{
    return list_map(app, STORE_VDR_TF, sc, NULL, false, out);
}

enum ed_err vdr_tf_by_name(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, json_t **out)
{
    return list_map(app, STORE_VDR_TF, sc, name, true, out);
}

static enum ed_err delete_some(struct ed_app *app, enum store_vdr_kind kind,
                               const struct vdr_scope *sc, const char *name)
{
    return store_vdr_delete(app->store, kind, sc->org_id,
                            vdr_level_name(sc->level), sc->owner_id,
                            sc->element_key, name, NULL);
}

enum ed_err vdr_def_delete(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name)
{
    return delete_some(app, STORE_VDR_DEF, sc, name);
}

enum ed_err vdr_def_delete_all(struct ed_app *app, const struct vdr_scope *sc)
{
    return delete_some(app, STORE_VDR_DEF, sc, NULL);
}

enum ed_err vdr_tf_delete(struct ed_app *app, const struct vdr_scope *sc,
                          const char *name)
{
    return delete_some(app, STORE_VDR_TF, sc, name);
}

enum ed_err vdr_tf_delete_all(struct ed_app *app, const struct vdr_scope *sc)
{
    return delete_some(app, STORE_VDR_TF, sc, NULL);
}

enum ed_err vdr_def_rename(struct ed_app *app, const struct vdr_scope *sc,
                           const char *from, const char *to, char *why,
                           size_t whylen)
{
    if (!name_ok("objectName", to, why, whylen))
        return ED_ERR_INVALID;
    return store_vdr_rename(app->store, sc->org_id, vdr_level_name(sc->level),
                            sc->owner_id, from, to);
}

/* --- the VDR v2 view --------------------------------------------------------- */

void vdr_row_cleanup(struct vdr_row *row)
{
    if (!row)
        return;
    free(row->name);
    free(row->element_key);
    json_decref(row->doc);
    memset(row, 0, sizeof(*row));
}

void vdr_rows_free(struct vdr_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        vdr_row_cleanup(&rows[i]);
    free(rows);
}

/* A store row → a vdr_row (the strings move; d is emptied). */
static bool row_take(struct store_vdr_doc *d, struct vdr_row *r)
{
    memset(r, 0, sizeof(*r));
    r->doc = doc_parse(d->doc);
    if (!r->doc)
        return false;
    r->id = d->id;
    r->name = d->name;
    r->element_key = d->element_key;
    d->name = NULL;
    d->element_key = NULL;
    return true;
}

static void store_doc_cleanup(struct store_vdr_doc *d)
{
    free(d->level);
    free(d->element_key);
    free(d->name);
    free(d->doc);
}

static enum ed_err rows_of(struct ed_app *app, enum store_vdr_kind kind,
                           const struct vdr_scope *sc, const char *name,
                           struct vdr_row **out, size_t *n)
{
    struct store_vdr_doc *rows = NULL;
    size_t k = 0;
    *out = NULL;
    *n = 0;
    enum ed_err err = store_vdr_list(app->store, kind, sc->org_id,
                                     vdr_level_name(sc->level), sc->owner_id,
                                     sc->element_key, name, &rows, &k);
    if (err)
        return err;
    *out = ed_calloc(k ? k : 1, sizeof(**out));
    for (size_t i = 0; i < k; i++)
        if (row_take(&rows[i], &(*out)[*n]))
            (*n)++;
    store_vdr_docs_free(rows, k);
    return ED_OK;
}

enum ed_err vdr_def_rows(struct ed_app *app, const struct vdr_scope *sc,
                         struct vdr_row **out, size_t *n)
{
    return rows_of(app, STORE_VDR_DEF, sc, NULL, out, n);
}

enum ed_err vdr_tf_rows(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, struct vdr_row **out, size_t *n)
{
    return rows_of(app, STORE_VDR_TF, sc, name, out, n);
}

static enum ed_err row_by_name(struct ed_app *app, enum store_vdr_kind kind,
                               const struct vdr_scope *sc, const char *name,
                               struct vdr_row *out)
{
    struct store_vdr_doc d;
    memset(out, 0, sizeof(*out));
    enum ed_err err = store_vdr_get(app->store, kind, sc->org_id,
                                    vdr_level_name(sc->level), sc->owner_id,
                                    sc->element_key, name, &d);
    if (err)
        return err;
    if (!row_take(&d, out))
        err = ED_ERR_DB;
    store_doc_cleanup(&d);
    return err;
}

enum ed_err vdr_def_row(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, struct vdr_row *out)
{
    return row_by_name(app, STORE_VDR_DEF, sc, name, out);
}

enum ed_err vdr_tf_row(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, struct vdr_row *out)
{
    return row_by_name(app, STORE_VDR_TF, sc, name, out);
}

static enum ed_err row_by_id(struct ed_app *app, enum store_vdr_kind kind,
                             const struct vdr_scope *sc, int64_t id,
                             struct vdr_row *out)
{
    struct store_vdr_doc d;
    memset(out, 0, sizeof(*out));
    enum ed_err err = store_vdr_get_id(app->store, kind, sc->org_id, id, &d);
    if (err)
        return err;
    if (!d.level || strcmp(d.level, vdr_level_name(sc->level)) != 0 ||
        d.owner_id != sc->owner_id)
        err = ED_ERR_NOT_FOUND;
    else if (!row_take(&d, out))
        err = ED_ERR_DB;
    store_doc_cleanup(&d);
    return err;
}

enum ed_err vdr_def_by_id(struct ed_app *app, const struct vdr_scope *sc,
                          int64_t id, struct vdr_row *out)
{
    return row_by_id(app, STORE_VDR_DEF, sc, id, out);
}

enum ed_err vdr_tf_by_id(struct ed_app *app, const struct vdr_scope *sc,
                         int64_t id, struct vdr_row *out)
{
    return row_by_id(app, STORE_VDR_TF, sc, id, out);
}

static struct store_vdr_doc pending_row(const struct vdr_scope *sc,
                                        const struct pending *p)
{
    struct store_vdr_doc d;
    memset(&d, 0, sizeof(d));
    d.org_id = sc->org_id;
    d.level = (char *)vdr_level_name(sc->level);
    d.owner_id = sc->owner_id;
    d.element_key = (char *)p->element_key;
    d.name = (char *)p->name;
    d.doc = p->text;
    return d;
}

enum ed_err vdr_object_put(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, const json_t *def,
                           const json_t *tfs, bool replace, char *why,
                           size_t whylen)
{
    size_t n = json_object_size(tfs), k = 0, failed = 0;
    struct pending *p = NULL;
    struct store_vdr_doc drow, *trows = NULL;
    const char *key;
    const json_t *doc;
    enum ed_err err = ED_OK;
    if (n > VDR_MAX_PER_OWNER) {
        snprintf(why, whylen, "at most %d transformations per %s",
                 VDR_MAX_PER_OWNER, vdr_level_name(sc->level));
        return ED_ERR_INVALID;
    }
    p = ed_calloc(n + 1, sizeof(*p));
    if (!prepare_one(STORE_VDR_DEF, sc, NULL, name, def, &p[0], why, whylen)) {
        err = ED_ERR_INVALID;
        goto out;
    }
    k = 1;
    json_object_foreach((json_t *)tfs, key, doc) {
        char w[400];
        if (!prepare_one(STORE_VDR_TF, sc, key, name, doc, &p[k], w,
                         sizeof(w))) {
            snprintf(why, whylen, "transformations.%.60s: %s", key, w);
            err = ED_ERR_INVALID;
            goto out;
        }
        k++;
    }
    drow = pending_row(sc, &p[0]);
    trows = ed_calloc(n ? n : 1, sizeof(*trows));
    for (size_t i = 1; i < k; i++)
        trows[i - 1] = pending_row(sc, &p[i]);
    err = store_vdr_object_put(app->store, &drow, trows, k - 1, replace,
                               VDR_MAX_PER_OWNER, &failed);
    if (failed >= k)
        failed = 0;
    switch (err) {
    case ED_OK: break;
    case ED_ERR_TOO_LARGE:
        snprintf(why, whylen, "at most %d %ss per %s", VDR_MAX_PER_OWNER,
                 failed ? "transformation" : "definition",
                 vdr_level_name(sc->level));
        err = ED_ERR_INVALID;
        break;
    case ED_ERR_EXISTS:
        if (failed)
            snprintf(why, whylen,
                     "A transformation named %s already exists for element "
                     "%s at the %s level",
                     name, p[failed].element_key, vdr_level_name(sc->level));
        else
            snprintf(why, whylen,
                     "A definition named %s already exists at "
                     "the %s level",
                     name, vdr_level_name(sc->level));
        break;
    default: snprintf(why, whylen, "Cannot store the definition"); break;
    }
out:
    free(trows);
    pending_free(p, k);
    return err;
}

enum ed_err vdr_object_delete(struct ed_app *app, const struct vdr_scope *sc,
                              const char *name)
{
    return store_vdr_object_delete(app->store, sc->org_id,
                                   vdr_level_name(sc->level), sc->owner_id,
                                   name);
}

enum ed_err vdr_usages(struct ed_app *app, int64_t org_id, const char *name,
                       json_t **out)
{
    struct store_vdr_doc *rows = NULL;
    size_t n = 0;
    *out = NULL;
    enum ed_err err = store_vdr_list_org(app->store, org_id, &rows, &n);
    if (err)
        return err;
    json_t *elements = json_array(), *instances = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct store_vdr_doc *d = &rows[i];
        if (d->kind != STORE_VDR_TF || !d->name || !d->element_key ||
            strcmp(d->name, name) != 0)
            continue;
        if (level_of(d->level) == VDR_INSTANCE) {
            json_array_append_new(instances,
                                  json_pack("{sI ss}", "id",
                                            (json_int_t)d->owner_id,
                                            "elementKey", d->element_key));
            continue;
        }
        bool seen = false;
        size_t j;
        json_t *v;
        json_array_foreach(elements, j, v)
            seen |= strcmp(json_string_value(v), d->element_key) == 0;
        if (!seen)
            json_array_append_new(elements, json_string(d->element_key));
    }
    store_vdr_docs_free(rows, n);
    *out = json_pack("{so so}", "elements", elements, "instances", instances);
    return ED_OK;
}

/* --- resolution ------------------------------------------------------------ */

struct vdr_binding {
    atomic_int refs;
    struct tf_map *map;
};

void vdr_binding_release(struct vdr_binding *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1) {
        tf_map_free(b->map);
        free(b);
    }
}

/* One resolution: (instance, element, name) → outcome. */
struct resolved {
    struct resolved *next;
    int64_t instance_id;
    char *element_key;
    char *name;
    enum vdr_find find;
    struct vdr_binding *b; /* VDR_FOUND: the snapshot's reference */
    char *why;             /* VDR_BROKEN */
};

struct doc {
    enum store_vdr_kind kind;
    int level;
    int64_t owner_id;
    char *element_key;
    json_t *json; /* NULL: stored text that does not parse */
};

struct snap {
    int64_t org_id;
    atomic_int refs;
    struct snap *next; /* hash chain of the cache */
    struct doc *docs;
    size_t ndocs;
    json_t *names; /* name → [index into docs, ...]; read-only once built */
    pthread_mutex_t lock; /* what follows */
    struct resolved *res[BIND_BUCKETS];
    size_t nres;
};

struct vdr_cache {
    pthread_mutex_t lock;
    struct snap *orgs[ORG_BUCKETS];
    size_t n;
    uint64_t gen; /* bumped by every drop */
};

static void resolved_free_all(struct snap *s)
{
    for (size_t i = 0; i < BIND_BUCKETS; i++) {
        struct resolved *r = s->res[i], *next;
        for (; r; r = next) {
            next = r->next;
            vdr_binding_release(r->b);
            free(r->element_key);
            free(r->name);
            free(r->why);
            free(r);
        }
        s->res[i] = NULL;
    }
    s->nres = 0;
}

static void snap_release(struct snap *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    resolved_free_all(s);
    for (size_t i = 0; i < s->ndocs; i++) {
        free(s->docs[i].element_key);
        json_decref(s->docs[i].json);
    }
    free(s->docs);
    json_decref(s->names);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static enum ed_err snap_load(struct ed_app *app, int64_t org_id,
                             struct snap **out)
{
    struct store_vdr_doc *rows = NULL;
    size_t n = 0;
    enum ed_err err = store_vdr_list_org(app->store, org_id, &rows, &n);
    if (err)
        return err;
    struct snap *s = ed_calloc(1, sizeof(*s));
    s->org_id = org_id;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->lock, NULL);
    s->names = json_object();
    s->docs = ed_calloc(n ? n : 1, sizeof(*s->docs));
    for (size_t i = 0; i < n; i++) {
        struct doc *d = &s->docs[s->ndocs];
        int level = level_of(rows[i].level);
        if (level < 0)
            continue;
        d->kind = rows[i].kind;
        d->level = level;
        d->owner_id = rows[i].owner_id;
        d->element_key = rows[i].element_key;
        rows[i].element_key = NULL;
        d->json = doc_parse(rows[i].doc);
        json_t *idx = json_object_get(s->names, rows[i].name);
        if (!idx) {
            idx = json_array();
            json_object_set_new(s->names, rows[i].name, idx);
        }
        json_array_append_new(idx, json_integer((json_int_t)s->ndocs));
        s->ndocs++;
    }
    store_vdr_docs_free(rows, n);
    *out = s;
    return ED_OK;
}

static size_t org_bucket(int64_t org_id)
{
    return (size_t)((uint64_t)org_id * 0x9E3779B97F4A7C15ull >> 56) %
           ORG_BUCKETS;
}

/* Under c->lock: unlink and return the snapshot of org (NULL if none). */
static struct snap *org_unlink(struct vdr_cache *c, int64_t org_id)
{
    struct snap **pp = &c->orgs[org_bucket(org_id)];
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->org_id == org_id) {
            struct snap *s = *pp;
            *pp = s->next;
            s->next = NULL;
            c->n--;
            return s;
        }
    return NULL;
}

/* Under c->lock: unlink every snapshot, returned as one chain. */
static struct snap *unlink_all(struct vdr_cache *c)
{
    struct snap *gone = NULL;
    for (size_t i = 0; i < ORG_BUCKETS; i++) {
        struct snap *s = c->orgs[i], *next;
        for (; s; s = next) {
            next = s->next;
            s->next = gone;
            gone = s;
        }
        c->orgs[i] = NULL;
    }
    c->n = 0;
    return gone;
}

static void release_chain(struct snap *gone)
{
    while (gone) {
        struct snap *next = gone->next;
        snap_release(gone);
        gone = next;
    }
}

static void drop(struct vdr_cache *c, int64_t org_id)
{
    struct snap *gone;
    pthread_mutex_lock(&c->lock);
    c->gen++;
    gone = org_id ? org_unlink(c, org_id) : unlink_all(c);
    pthread_mutex_unlock(&c->lock);
    release_chain(gone);
}

static void store_hook(void *ud, int64_t org_id)
{
    drop(ud, org_id);
}

/* The snapshot of org, with a reference for the caller. */
static enum ed_err snap_get(struct ed_app *app, int64_t org_id,
                            struct snap **out)
{
    struct vdr_cache *c = app->vdr;
    struct snap *s;
    pthread_mutex_lock(&c->lock);
    for (s = c->orgs[org_bucket(org_id)]; s && s->org_id != org_id; s = s->next)
        ;
    if (s)
        atomic_fetch_add(&s->refs, 1);
    uint64_t gen = c->gen;
    pthread_mutex_unlock(&c->lock);
    mx_inc(MX_CACHE_LOOKUPS, MXC_VDR, s ? MXH_HIT : MXH_MISS, 0);
    if (s) {
        *out = s;
        return ED_OK;
    }
    enum ed_err err = snap_load(app, org_id, &s);
    if (err)
        return err;
    struct snap *evicted = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->gen == gen) {                 /* no write since we read: keep it */
        evicted = org_unlink(c, org_id); /* a racing load's */
        if (evicted)
            evicted->next = NULL;
        if (c->n >= ORG_MAX) {
            struct snap *all = unlink_all(c);
            if (evicted)
                evicted->next = all;
            else
                evicted = all;
        }
        s->next = c->orgs[org_bucket(org_id)];
        c->orgs[org_bucket(org_id)] = s;
        c->n++;
        atomic_fetch_add(&s->refs, 1); /* the cache's */
    }
    pthread_mutex_unlock(&c->lock);
    release_chain(evicted);
    *out = s;
    return ED_OK;
}

static size_t res_bucket(int64_t id, const char *el, const char *name)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)id;
    for (const char *p = el; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = (h ^ '/') * 1099511628211ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (size_t)(h % BIND_BUCKETS);
}

/* Under s->lock: resolve name for the instance from the snapshot's docs. */
static struct resolved *resolve_in(struct snap *s, const json_t *idx,
                                   int64_t org_id, int64_t instance_id,
                                   const char *element_key, const char *name)
{
    const json_t *def[3] = {NULL, NULL, NULL}, *tf[3] = {NULL, NULL, NULL};
    bool def_any = false, bad = false;
    size_t i;
    json_t *v;
    char err[300] = "";
    struct resolved *r = ed_calloc(1, sizeof(*r));
    r->instance_id = instance_id;
    r->element_key = ed_strdup(element_key ? element_key : "");
    r->name = ed_strdup(name);
    json_array_foreach(idx, i, v) {
        struct doc *d = &s->docs[json_integer_value(v)];
        int64_t owner = d->level == VDR_INSTANCE ? instance_id : org_id;
        if (d->owner_id != owner)
            continue;
        if (d->kind == STORE_VDR_DEF) {
            def[d->level] = d->json;
            def_any = true;
            bad |= d->json == NULL;
        } else if (element_key && d->element_key &&
                   strcmp(d->element_key, element_key) == 0) {
            tf[d->level] = d->json;
            bad |= d->json == NULL;
        }
    }
    if (bad) {
        r->find = VDR_BROKEN;
        r->why = ed_strdup("a stored document is not valid JSON");
        return r;
    }
    if (!tf[0] && !tf[1] && !tf[2]) {
        r->find = def_any ? VDR_NO_TRANSFORM : VDR_NONE;
        return r;
    }
    /* most specific wins; an inheriting one is merged over the levels
     * above it */
    json_t *eff = NULL;
    for (int l = VDR_ORG; l <= VDR_INSTANCE; l++) {
        if (!tf[l])
            continue;
        json_t *next = eff && tf_inherits(tf[l])
                           ? tf_transformation_merge(eff, tf[l])
                           : json_incref((json_t *)tf[l]);
        json_decref(eff);
        eff = next;
        if (!eff) {
            r->find = VDR_BROKEN;
            r->why = ed_strdup("the inherited transformations do not merge");
            return r;
        }
    }
    const json_t *definition = def[2] ? def[2] : def[1] ? def[1] : def[0];
    struct tf_map *map = tf_map_compile(name, eff, definition, err,
                                        sizeof(err));
    json_decref(eff);
    if (!map) {
        r->find = VDR_BROKEN;
        r->why = ed_strdup(err[0] ? err
                                  : "the transformation does not "
                                    "compile");
        return r;
    }
    r->find = VDR_FOUND;
    r->b = ed_calloc(1, sizeof(*r->b));
    atomic_init(&r->b->refs, 1);
    r->b->map = map;
    return r;
}

enum vdr_find vdr_resolve(struct ed_app *app, const struct instance *in,
                          const char *name, const struct tf_map **map,
                          struct vdr_binding **ref, char *why, size_t whylen)
{
    struct snap *s = NULL;
    int64_t org_id = in->row.org_id, iid = in->row.id;
    const char *el = in->row.element_key;
    enum vdr_find find;
    *map = NULL;
    *ref = NULL;
    if (!app->vdr || !name)
        return VDR_NONE;
    if (snap_get(app, org_id, &s) != ED_OK) {
        snprintf(why, whylen, "cannot read the virtual resources");
        return VDR_BROKEN;
    }
    const json_t *idx = json_object_get(s->names, name);
    if (!idx) {
        snap_release(s);
        return VDR_NONE;
    }
    size_t b = res_bucket(iid, el, name);
    pthread_mutex_lock(&s->lock);
    struct resolved *r = s->res[b];
    for (; r; r = r->next)
        if (r->instance_id == iid && strcmp(r->name, name) == 0 &&
            strcmp(r->element_key, el ? el : "") == 0)
            break;
    if (!r) {
        if (s->nres >= BIND_MAX)
            resolved_free_all(s);
        r = resolve_in(s, idx, org_id, iid, el, name);
        r->next = s->res[b];
        s->res[b] = r;
        s->nres++;
    }
    find = r->find;
    if (find == VDR_FOUND) {
        atomic_fetch_add(&r->b->refs, 1);
        *ref = r->b;
        *map = r->b->map;
    } else if (find == VDR_BROKEN) {
        snprintf(why, whylen, "%s", r->why);
    }
    pthread_mutex_unlock(&s->lock);
    snap_release(s);
    return find;
}

enum ed_err vdr_names(struct ed_app *app, const struct instance *in,
                      json_t **out)
{
    struct snap *s = NULL;
    const char *name, *el = in->row.element_key;
    json_t *idx, *v;
    size_t i;
    *out = json_array();
    if (!app->vdr || !el)
        return ED_OK;
    enum ed_err err = snap_get(app, in->row.org_id, &s);
    if (err)
        return err;
    json_object_foreach(s->names, name, idx) {
        json_array_foreach(idx, i, v) {
            const struct doc *d = &s->docs[json_integer_value(v)];
            int64_t owner = d->level == VDR_INSTANCE ? in->row.id
                                                     : in->row.org_id;
            if (d->kind != STORE_VDR_DEF && d->owner_id == owner &&
                d->element_key && strcmp(d->element_key, el) == 0) {
                json_array_append_new(*out, json_string(name));
                break;
            }
        }
    }
    snap_release(s);
    return ED_OK;
}

enum ed_err vdr_cache_init(struct ed_app *app)
{
    struct vdr_cache *c = ed_calloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    app->vdr = c;
    store_set_vdr_hook(app->store, store_hook, c);
    return ED_OK;
}

void vdr_cache_free(struct ed_app *app)
{
    struct vdr_cache *c = app->vdr;
    if (!c)
        return;
    store_set_vdr_hook(app->store, NULL, NULL);
    drop(c, 0);
    pthread_mutex_destroy(&c->lock);
    free(c);
    app->vdr = NULL;
}
