/* SPDX-License-Identifier: MIT */
#ifndef ED_DOMAIN_VDR_H
#define ED_DOMAIN_VDR_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"

/* Virtual data resources (spec §7): object definitions and
 * transformations stored per level, and their resolution for hub calls.
 *
 * Levels and their owners: organization (owner = the organization id),
 * account (owner = the account id; until sub-accounts exist each
 * organization has one default account whose id is the organization id),
 * instance (owner = the instance id). Transformations are also keyed by
 * element key. Documents are validated by transform/transform.h before
 * they are stored, and stored as JSON text (what a GET returns is what was
 * stored). Every write invalidates the resolution cache of its
 * organization at once on this node and, with PostgreSQL, on the others. */

struct ed_app;
struct instance;
struct tf_map;

enum vdr_level { VDR_ORG = 0, VDR_ACCOUNT = 1, VDR_INSTANCE = 2 };

/* Bounds: a stored document's JSON text, and the documents of each kind
 * per level and owner (all elements together for transformations). Names
 * are 1..TF_MAX_NAME bytes of [A-Za-z0-9_.-], not "." or "..", and not a
 * hub segment of its own (ping, objects, bulk). */
#define VDR_MAX_DOC (256 * 1024)
#define VDR_MAX_PER_OWNER 500
/* "organization", "account", "instance". */
const char *vdr_level_name(enum vdr_level l);

/* Write modes: create (ED_ERR_EXISTS if present), replace (ED_ERR_NOT_FOUND
 * if absent), upsert. */
enum vdr_write { VDR_CREATE, VDR_REPLACE, VDR_UPSERT };

/* A level and owner, plus the element key for transformations (NULL for
 * definitions). */
struct vdr_scope {
    int64_t org_id;
    enum vdr_level level;
    int64_t owner_id;
    const char *element_key;
};

/* Definitions. On ED_ERR_INVALID `why` holds the 400 message; *out is a
 * new reference to what is stored now. */
enum ed_err vdr_def_put(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, const json_t *doc,
                        enum vdr_write mode, json_t **out, char *why,
                        size_t whylen);
enum ed_err vdr_def_get(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, json_t **out);
/* {name: definition, ...} of one level ({} when none). */
enum ed_err vdr_def_list(struct ed_app *app, const struct vdr_scope *sc,
                         json_t **out);
enum ed_err vdr_def_delete(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name);
/* Rename a definition and the transformations of that name at the same
 * level and owner, in one transaction (ED_ERR_EXISTS if `to` is taken). */
enum ed_err vdr_def_rename(struct ed_app *app, const struct vdr_scope *sc,
                           const char *from, const char *to, char *why,
                           size_t whylen);

/* Several definitions of one level and owner, {name: document}, in one
 * transaction: all or none. ED_ERR_INVALID (400) and ED_ERR_EXISTS (409,
 * the first in the map's order that exists) with `why` naming the
 * document; *out {name: stored document}. */
enum ed_err vdr_def_put_many(struct ed_app *app, const struct vdr_scope *sc,
                             const json_t *docs, enum vdr_write mode,
                             json_t **out, char *why, size_t whylen);
/* Every definition of one level and owner (none: ED_OK). */
enum ed_err vdr_def_delete_all(struct ed_app *app, const struct vdr_scope *sc);

/* Transformations (sc->element_key set, except for the lists noted). */
enum ed_err vdr_tf_put(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, const json_t *doc, enum vdr_write mode,
                       json_t **out, char *why, size_t whylen);
enum ed_err vdr_tf_get(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, json_t **out);
/* {name: transformation, ...} of one level, owner and element. */
enum ed_err vdr_tf_list(struct ed_app *app, const struct vdr_scope *sc,
                        json_t **out);
enum ed_err vdr_tf_delete(struct ed_app *app, const struct vdr_scope *sc,
                          const char *name);
/* Every transformation of one level and owner; sc->element_key NULL:
 * of every element. */
enum ed_err vdr_tf_delete_all(struct ed_app *app, const struct vdr_scope *sc);
/* {elementKey: transformation} of `name` at one level and owner
 * (sc->element_key ignored; {} when none). */
enum ed_err vdr_tf_by_name(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, json_t **out);
/* Transformations of several elements, {elementKey: {name: document}}
 * (element keys checked by the caller), at one level and owner, in one
 * transaction: all or none; errors as vdr_def_put_many. *out: the stored
 * documents in the same shape. */
enum ed_err vdr_tf_put_many(struct ed_app *app, const struct vdr_scope *sc,
                            const json_t *by_element, enum vdr_write mode,
                            json_t **out, char *why, size_t whylen);

/* --- the VDR v2 view (api_vdrs.c) -----------------------------------------
 * A VDR is the definition of a name at one level and owner (the v2 calls
 * use the organization's); its transformations are the transformations of
 * that name at the same level and owner, one per element. Rows carry the
 * tables' integer ids (definitions and transformations count apart). */

struct vdr_row {
    int64_t id;
    char *name;
    char *element_key; /* transformations; NULL for definitions */
    json_t *doc;       /* what is stored */
};
void vdr_rows_free(struct vdr_row *rows, size_t n);
void vdr_row_cleanup(struct vdr_row *row);

/* The definitions of sc's level and owner, by name. */
enum ed_err vdr_def_rows(struct ed_app *app, const struct vdr_scope *sc,
                         struct vdr_row **out, size_t *n);
/* The transformations of sc's level and owner (and element, when
 * sc->element_key is set), of `name` (NULL: every name), by element key
 * then name. */
enum ed_err vdr_tf_rows(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, struct vdr_row **out, size_t *n);
/* One document by name (sc->element_key for a transformation), with its
 * id. */
enum ed_err vdr_def_row(struct ed_app *app, const struct vdr_scope *sc,
                        const char *name, struct vdr_row *out);
enum ed_err vdr_tf_row(struct ed_app *app, const struct vdr_scope *sc,
                       const char *name, struct vdr_row *out);
/* One document by id: ED_ERR_NOT_FOUND unless it is of sc's organization,
 * level and owner. */
enum ed_err vdr_def_by_id(struct ed_app *app, const struct vdr_scope *sc,
                          int64_t id, struct vdr_row *out);
enum ed_err vdr_tf_by_id(struct ed_app *app, const struct vdr_scope *sc,
                         int64_t id, struct vdr_row *out);
/* A definition and its transformations ({elementKey: document}, element
 * keys checked by the caller; may be NULL) written in one transaction,
 * all or none, each document checked as vdr_def_put / vdr_tf_put do.
 * replace false: ED_ERR_EXISTS when the definition or one of the
 * transformations exists; true: the definition is upserted and the
 * transformations of that name become exactly `tfs` (the same elements
 * keep their ids). Errors as vdr_def_put_many, `why` naming the document. */
enum ed_err vdr_object_put(struct ed_app *app, const struct vdr_scope *sc,
                           const char *name, const json_t *def,
                           const json_t *tfs, bool replace, char *why,
                           size_t whylen);
/* Delete the definition `name` and its transformations (every element) in
 * one transaction; ED_ERR_NOT_FOUND when there is no such definition. */
enum ed_err vdr_object_delete(struct ed_app *app, const struct vdr_scope *sc,
                              const char *name);

/* Where `name` is used in organization org_id: {"elements": [element
 * keys with a transformation of it at organization or account level],
 * "instances": [{"id", "elementKey"} with one at instance level]}. */
enum ed_err vdr_usages(struct ed_app *app, int64_t org_id, const char *name,
                       json_t **out);

/* --- resolution for hub calls ------------------------------------------- */

enum vdr_find {
    VDR_NONE,         /* no virtual resource of that name: native */
    VDR_FOUND,        /* *map is the effective transformation */
    VDR_NO_TRANSFORM, /* a definition of that name exists, but no
                          transformation for the instance's element */
    VDR_BROKEN,       /* the stored documents do not compile: why */
};

struct vdr_binding; /* a reference to a compiled, effective mapping */

/* What `name` is for instance `in` (its organization, account, id and
 * element): the most specific transformation of that name (instance, then
 * account, then organization), merged with the levels above when it
 * inherits (tf_transformation_merge), compiled with the most specific
 * definition of that name. Cached per organization (negative answers too:
 * a native call costs one hash lookup), so it is cheap on the hot path and
 * safe from any thread. On VDR_FOUND *ref must be released with
 * vdr_binding_release; *map stays valid until then. */
enum vdr_find vdr_resolve(struct ed_app *app, const struct instance *in,
                          const char *name, const struct tf_map **map,
                          struct vdr_binding **ref, char *why, size_t whylen);
void vdr_binding_release(struct vdr_binding *ref);

/* The names vdr_resolve may find for instance `in`: those with a
 * transformation for its element at a level that applies to it (*out a new
 * array, in no particular order). From the same cache. */
enum ed_err vdr_names(struct ed_app *app, const struct instance *in,
                      json_t **out);

/* The cache (created by main after the store; freed at shutdown). */
enum ed_err vdr_cache_init(struct ed_app *app);
void vdr_cache_free(struct ed_app *app);

#endif
