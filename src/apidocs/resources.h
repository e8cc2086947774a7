/* SPDX-License-Identifier: MIT */
#ifndef ED_APIDOCS_RESOURCES_H
#define ED_APIDOCS_RESOURCES_H
#include <stddef.h>

/* What API documents list (internal to src/apidocs/): per resource, the
 * operations the hub answers, as data (resources.c). build.c turns each
 * row into Swagger paths; nothing there knows a resource by name.
 * docs/api/apidocs.md "Operations are data". */

/* What an operation is: the shape of its answer and whether it has a body. */
enum xkind {
    X_LIST,   /* a paged array of records (+ list headers) */
    X_GET,    /* one record */
    X_CREATE, /* body in, record out */
    X_UPDATE, /* body in, record out */
    X_DELETE, /* no answer body */
    X_ARRAY,  /* an array, not paged (+ Elements-Returned-Count) */
};

enum {
    F_WHERE = 1 << 0,     /* where, orderBy, fields */
    F_NOPAGE = 1 << 1,    /* a list without pageSize/page/nextPage */
    F_MULTIPART = 1 << 2, /* multipart/form-data: a formData "file" part */
    F_NOTHUB = 1 << 3,    /* not a hub call (bulk): no Elements-Async-* */
    F_CALLBACK = 1 << 4,  /* takes Elements-Async-Callback-Url (bulk) */
    F_SCHEDULE = 1 << 5,  /* takes Elements-Schedule-Request (workflows) */
    F_CSV = 1 << 6,       /* answers application/json or text/csv */
    F_METADATA = 1 << 7,  /* a formData "metaData" part (bulk upload) */
    F_PAGETOKEN = 1 << 8, /* a list paged by pageSize/nextPage only */
};

struct doc_op {
    const char *method; /* "GET", ... */
    const char *path;   /* below /{resource}: "", "/{id}", "/{id}/x" */
    enum xkind kind;
    unsigned flags;
    const char *summary; /* NULL: the resource's */
    /* answer schema: NULL the resource's record, "" any object, else a
     * definition (resources.c apidocs_static_defs or the document's) */
    const char *schema;
    const char *input; /* body: NULL the resource's <Record>Input, "" any
                        * object, else a definition */
    const char *query; /* extra query parameters, "a,b!" ("!": required) */
};

/* How a resource's record and input schemas are made. */
enum doc_schema {
    S_CATALOGUE, /* the element catalogue's fields, else any object */
    S_CRM,       /* a CRM object: id, properties (live ones for instances) */
    S_NONE,      /* none of its own (every operation names its schemas) */
};

enum { A_PARENT = 1, A_CHILD = 2 }; /* associations (src/hub/hub_assoc.c) */

#define DOC_RES_OPS 5

struct doc_res {
    const char *name;
    const char *hub; /* NULL: every hub; else only that hub's documents */
    enum doc_schema schema;
    int props; /* index in apidocs_prop_objects (live properties), -1 */
    unsigned assoc;
    const char *summary;
    const struct doc_op *ops[DOC_RES_OPS]; /* NULL-ended op tables */
};

extern const struct doc_res apidocs_resources[];
extern const size_t apidocs_n_resources;

/* The association operations (resources.c): "@" in path and summary is
 * the child's name; schema NULL is the child's record. */
extern const struct doc_op apidocs_assoc_ops[];
/* The operations of an instance's virtual resources. */
extern const struct doc_op *const apidocs_virtual_ops[DOC_RES_OPS];

/* Definitions every document carries: {name, JSON schema text}. */
struct doc_def {
    const char *name, *json;
};
extern const struct doc_def apidocs_static_defs[];
extern const size_t apidocs_n_static_defs;

/* The row of `name` for a document of `hub`, or NULL (another hub's, or a
 * resource no row describes: it is left out of the documents). */
const struct doc_res *apidocs_resource(const char *name, const char *hub);

#endif
