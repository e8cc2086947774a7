/* SPDX-License-Identifier: MIT */
#ifndef ED_TRANSFORM_MAP_INT_H
#define ED_TRANSFORM_MAP_INT_H
#include <stdbool.h>
#include <stddef.h>

#include "transform/transform.h"
#include "transform/transform_int.h"

/* The compiled map's internals, shared by transform/map.c (compile,
 * fromVendor, toVendor) and transform/stream.c (fromVendor on JSON text). */

#define MAX_PATH_STEPS (TF_MAX_NAME / 2 + 1)

struct vpath;
struct datefmt;

struct mfield {
    char *path; /* the field path; steps point into pathbuf */
    char *pathbuf;
    const char *steps[MAX_PATH_STEPS];
    size_t nsteps;
    struct vpath *vp; /* NULL: no vendorPath */
    struct tf_type type;
    struct tf_type vtype; /* kind TF_NONE and !array: no vendorType */
    bool has_vtype;
    bool rm_from, rm_to;
    bool join; /* arrays are written as "a;b" (a properties. path) */
    struct datefmt *date;
};

struct tf_stream; /* stream.c: the vendor trie and the output layout */

struct tf_map {
    char *name, *vendor_name, *script;
    bool filter_empty, pt_from, pt_to;
    size_t nfields;
    struct mfield *fields;
    /* the definition's paths (known but perhaps unmapped) */
    char **def_paths;
    size_t ndef;
    /* distinct first steps of the vendorPaths (passThrough fromVendor) */
    char **vfirst;
    size_t nvfirst;
    /* built at compile by stream.c; NULL when the map is not streamable */
    struct tf_stream *stream;
};

/* stream.c: the streaming plan of a compiled map, or NULL when it cannot
 * stream (see tf_map_streamable). */
struct tf_stream *tf_stream_build(const struct tf_map *m);
void tf_stream_free(struct tf_stream *s);

#endif
