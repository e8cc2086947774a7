/* SPDX-License-Identifier: MIT
 * domain/vdr.c on a fresh SQLite store: documents written through the
 * model (checked, levels set by the scope, names and limits), and
 * resolution for an instance: native names, a definition without a
 * transformation, the most specific level winning, inheritance merged
 * over the levels above, other elements and instances ignored, every
 * write seen at once (the store hook drops the snapshot), a binding that
 * outlives the snapshot, and a stored document that does not compile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "domain/app.h"
#include "domain/instances.h"
#include "domain/vdr.h"
#include "store/store.h"
#include "transform/transform.h"

static char dir[] = "/tmp/ed-test-vdr-XXXXXX";
static struct ed_app app;
static int64_t org;

static json_t *tf_doc(const char *vendor, const char *path, const char *vpath,
                      bool inherit)
{
    json_t *t = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "vendorName", vendor,
                          "fields", "path", path, "type", "string",
                          "vendorPath", vpath);
    if (inherit)
        json_object_set_new(t, "configuration",
                            json_pack("[{s:s}]", "type", "inherit"));
    return t;
}

static void put_tf(enum vdr_level level, int64_t owner, const char *el,
                   const char *name, json_t *doc)
{
    struct vdr_scope sc = {org, level, owner, el};
    json_t *out = NULL;
    char why[300] = "";
    enum ed_err err = vdr_tf_put(&app, &sc, name, doc, VDR_UPSERT, &out, why,
                                 sizeof(why));
    if (err)
        fprintf(stderr, "put_tf: %s\n", why);
    CHECK_EQ_INT(err, ED_OK);
    json_decref(out);
    json_decref(doc);
}

static enum vdr_find resolve(const struct instance *in, const char *name,
                             const char *field, const char **vendor_field,
                             const char **vendor_name)
{
    const struct tf_map *m = NULL;
    struct vdr_binding *b = NULL;
    char why[300] = "";
    static char vf[100], vn[100];
    enum vdr_find f = vdr_resolve(&app, in, name, &m, &b, why, sizeof(why));
    *vendor_field = NULL;
    *vendor_name = NULL;
    if (f == VDR_FOUND) {
        const char *w = NULL, *p = tf_map_vendor_field(m, field, &w);
        snprintf(vf, sizeof(vf), "%s", p ? p : "");
        snprintf(vn, sizeof(vn), "%s", tf_map_vendor_name(m));
        *vendor_field = vf;
        *vendor_name = vn;
        vdr_binding_release(b);
    } else {
        CHECK(b == NULL && m == NULL);
    }
    return f;
}

static void test_documents(void)
{
    struct vdr_scope sc = {org, VDR_ORG, org, NULL};
    json_t *out = NULL, *doc;
    char why[300] = "";
    doc = json_pack("{s:[{s:s, s:s}], s:s}", "fields", "path", "id", "type",
                    "string", "level", "instance");
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "myContact", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_OK);
    CHECK_EQ_STR(json_string_value(json_object_get(out, "level")),
                 "organization");
    json_decref(out);
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "myContact", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_ERR_EXISTS);
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "ping", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_ERR_INVALID);
    CHECK(strstr(why, "reserved") != NULL);
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "a/b", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_ERR_INVALID);
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "..", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_ERR_INVALID);
    json_decref(doc);
    doc = json_pack("{s:[{s:s, s:s}]}", "fields", "path", "id", "type", "int");
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "other", doc, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_ERR_INVALID);
    CHECK(strstr(why, "other: fields[0]") == why);
    json_decref(doc);
    CHECK_EQ_INT(vdr_def_get(&app, &sc, "other", &out), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(vdr_def_list(&app, &sc, &out), ED_OK);
    CHECK_EQ_INT(json_object_size(out), 1);
    json_decref(out);
    CHECK_EQ_INT(vdr_def_delete(&app, &sc, "myContact"), ED_OK);
}

static void test_resolution(void)
{
    struct instance in, in2;
    const char *vf, *vn;
    struct vdr_scope sc = {org, VDR_ORG, org, NULL};
    json_t *out = NULL;
    char why[300];
    memset(&in, 0, sizeof(in));
    in.row.id = 7001;
    in.row.org_id = org;
    in.row.element_key = "hubspotcrm";
    in2 = in;
    in2.row.id = 7002;

    /* nothing stored: native */
    CHECK_EQ_INT(resolve(&in, "contacts", "email", &vf, &vn), VDR_NONE);
    /* a definition alone: no transformation for this element */
    json_t *def = json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "fields", "path",
                            "email", "type", "string", "path", "phone", "type",
                            "string");
    CHECK_EQ_INT(vdr_def_put(&app, &sc, "person", def, VDR_CREATE, &out, why,
                             sizeof(why)),
                 ED_OK);
    json_decref(out);
    json_decref(def);
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_NO_TRANSFORM);
    /* another element's transformation does not count */
    put_tf(VDR_ORG, org, "hubspot", "person",
           tf_doc("contacts", "email", "properties.mkt_email", false));
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_NO_TRANSFORM);
    /* organization level: seen at once (the write dropped the snapshot) */
    json_t *org_tf = tf_doc("contacts", "email", "properties.email", false);
    json_array_append_new(json_object_get(org_tf, "fields"),
                          json_pack("{s:s, s:s}", "path", "phone", "vendorPath",
                                    "properties.phone"));
    put_tf(VDR_ORG, org, "hubspotcrm", "person", org_tf);
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.email");
    CHECK_EQ_STR(vn, "contacts");
    /* account level, not inheriting: replaces it (phone is then the
     * definition's, with no vendor path) */
    put_tf(VDR_ACCOUNT, org, "hubspotcrm", "person",
           tf_doc("companies", "email", "properties.acct_email", false));
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.acct_email");
    CHECK_EQ_STR(vn, "companies");
    CHECK_EQ_INT(resolve(&in, "person", "phone", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "");
    /* instance level, inheriting: merged over the account's (which does
     * not inherit, so the organization's phone stays out) */
    put_tf(VDR_INSTANCE, in.row.id, "hubspotcrm", "person",
           tf_doc("contacts", "email", "properties.work_email", true));
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.work_email");
    CHECK_EQ_STR(vn, "contacts");
    CHECK_EQ_INT(resolve(&in, "person", "phone", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "");
    /* the account's inheriting too: the organization's phone comes down */
    put_tf(VDR_ACCOUNT, org, "hubspotcrm", "person",
           tf_doc("companies", "email", "properties.acct_email", true));
    CHECK_EQ_INT(resolve(&in, "person", "phone", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.phone");
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.work_email");
    /* another instance of the organization does not see instance 7001's */
    CHECK_EQ_INT(resolve(&in2, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.acct_email");

    /* a binding outlives the snapshot it came from */
    const struct tf_map *m = NULL;
    struct vdr_binding *b = NULL;
    CHECK_EQ_INT(vdr_resolve(&app, &in, "person", &m, &b, why, sizeof(why)),
                 VDR_FOUND);
    struct vdr_scope inst = {org, VDR_INSTANCE, in.row.id, "hubspotcrm"};
    CHECK_EQ_INT(vdr_tf_delete(&app, &inst, "person"), ED_OK);
    CHECK_EQ_STR(tf_map_name(m), "person");
    CHECK_EQ_STR(tf_map_vendor_name(m), "contacts");
    vdr_binding_release(b);
    CHECK_EQ_INT(resolve(&in, "person", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.acct_email");

    /* another node's write arrives as the hook (here: org 0, everything) */
    struct store_vdr_doc raw;
    memset(&raw, 0, sizeof(raw));
    raw.org_id = org;
    raw.level = "instance";
    raw.owner_id = in.row.id;
    raw.element_key = "hubspotcrm";
    raw.name = "person";
    raw.doc = "{not json";
    CHECK_EQ_INT(store_vdr_put(app.store, STORE_VDR_TF, STORE_VDR_CREATE, &raw,
                               1, 0, NULL),
                 ED_OK);
    CHECK_EQ_INT(vdr_resolve(&app, &in, "person", &m, &b, why, sizeof(why)),
                 VDR_BROKEN);
    CHECK(strstr(why, "not valid JSON") != NULL);
    CHECK(b == NULL);
    /* a name in no document: native, whatever else is stored */
    CHECK_EQ_INT(resolve(&in, "contacts", "email", &vf, &vn), VDR_NONE);
}

/* The VDR v2 view: a definition and its transformations written and
 * deleted together (all or nothing, seen at once by resolution), lookups
 * by id confined to their level and owner. */
static void test_objects(void)
{
    struct instance in;
    const char *vf, *vn;
    struct vdr_scope sc = {org, VDR_ORG, org, NULL};
    struct vdr_scope acct = {org, VDR_ACCOUNT, org, NULL};
    struct vdr_row row, tf, *rows = NULL;
    size_t n = 0;
    char why[300] = "";
    memset(&in, 0, sizeof(in));
    in.row.id = 7101;
    in.row.org_id = org;
    in.row.element_key = "hubspotcrm";
    json_t *def = json_pack("{s:[{s:s, s:s}]}", "fields", "path", "email",
                            "type", "string");
    json_t *tfs = json_pack(
        "{s:o, s:o}", "hubspotcrm",
        tf_doc("contacts", "email", "properties.email", false), "hubspot",
        tf_doc("contacts", "email", "properties.email.value", false));
    CHECK_EQ_INT(resolve(&in, "obj", "email", &vf, &vn), VDR_NONE);
    CHECK_EQ_INT(vdr_object_put(&app, &sc, "obj", def, tfs, false, why,
                                sizeof(why)),
                 ED_OK);
    CHECK_EQ_INT(resolve(&in, "obj", "email", &vf, &vn), VDR_FOUND);
    CHECK_EQ_STR(vf, "properties.email");
    /* again: the definition exists, nothing changes */
    CHECK_EQ_INT(vdr_object_put(&app, &sc, "obj", def, tfs, false, why,
                                sizeof(why)),
                 ED_ERR_EXISTS);
    CHECK(strstr(why, "definition named obj") != NULL);
    /* a new name whose transformation exists: rolled back, no definition */
    put_tf(VDR_ORG, org, "hubspot", "obj2",
           tf_doc("contacts", "email", "properties.email", false));
    CHECK_EQ_INT(vdr_object_put(&app, &sc, "obj2", def, tfs, false, why,
                                sizeof(why)),
                 ED_ERR_EXISTS);
    CHECK(strstr(why, "element hubspot") != NULL);
    CHECK_EQ_INT(vdr_def_row(&app, &sc, "obj2", &row), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(vdr_tf_rows(&app, &sc, "obj2", &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    vdr_rows_free(rows, n);
    /* an invalid document: 400 naming it, nothing written */
    json_t *bad = json_pack("{s:{s:s}}", "hubspot", "vendorName", "");
    CHECK_EQ_INT(vdr_object_put(&app, &sc, "obj3", def, bad, false, why,
                                sizeof(why)),
                 ED_ERR_INVALID);
    CHECK(strstr(why, "transformations.hubspot") != NULL);
    CHECK_EQ_INT(vdr_def_row(&app, &sc, "obj3", &row), ED_ERR_NOT_FOUND);
    json_decref(bad);
    /* ids: by name, by id, and not at another level */
    CHECK_EQ_INT(vdr_def_row(&app, &sc, "obj", &row), ED_OK);
    int64_t id = row.id;
    vdr_row_cleanup(&row);
    CHECK_EQ_INT(vdr_def_by_id(&app, &sc, id, &row), ED_OK);
    CHECK_EQ_STR(row.name, "obj");
    vdr_row_cleanup(&row);
    CHECK_EQ_INT(vdr_def_by_id(&app, &acct, id, &row), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(vdr_def_by_id(&app, &sc, id + 1000, &row), ED_ERR_NOT_FOUND);
    sc.element_key = "hubspotcrm";
    CHECK_EQ_INT(vdr_tf_row(&app, &sc, "obj", &tf), ED_OK);
    sc.element_key = NULL;
    int64_t crm = tf.id;
    vdr_row_cleanup(&tf);
    CHECK_EQ_INT(vdr_tf_by_id(&app, &sc, crm, &tf), ED_OK);
    CHECK_EQ_STR(tf.element_key, "hubspotcrm");
    vdr_row_cleanup(&tf);
    /* replace: the transformations become exactly these, ids kept */
    json_object_del(tfs, "hubspot");
    CHECK_EQ_INT(vdr_object_put(&app, &sc, "obj", def, tfs, true, why,
                                sizeof(why)),
                 ED_OK);
    CHECK_EQ_INT(vdr_tf_rows(&app, &sc, "obj", &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(rows[0].id, crm);
    vdr_rows_free(rows, n);
    CHECK_EQ_INT(vdr_def_row(&app, &sc, "obj", &row), ED_OK);
    CHECK_EQ_INT(row.id, id);
    vdr_row_cleanup(&row);
    json_t *use = NULL;
    CHECK_EQ_INT(vdr_usages(&app, org, "obj", &use), ED_OK);
    CHECK_EQ_INT(json_array_size(json_object_get(use, "elements")), 1);
    json_decref(use);
    /* delete: both kinds, seen at once */
    CHECK_EQ_INT(vdr_object_delete(&app, &sc, "obj"), ED_OK);
    CHECK_EQ_INT(resolve(&in, "obj", "email", &vf, &vn), VDR_NONE);
    CHECK_EQ_INT(vdr_tf_rows(&app, &sc, "obj", &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 0);
    vdr_rows_free(rows, n);
    CHECK_EQ_INT(vdr_object_delete(&app, &sc, "obj"), ED_ERR_NOT_FOUND);
    /* no definition: nothing deleted */
    CHECK_EQ_INT(vdr_object_delete(&app, &sc, "obj2"), ED_ERR_NOT_FOUND);
    CHECK_EQ_INT(vdr_tf_rows(&app, &sc, "obj2", &rows, &n), ED_OK);
    CHECK_EQ_INT(n, 1);
    vdr_rows_free(rows, n);
    json_decref(def);
    json_decref(tfs);
}

int main(void)
{
    char url[300];
    ed_log_threshold = ED_LOG_ERROR + 1;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    CHECK_EQ_INT(store_open(url, &app.store), ED_OK);
    /* an organization to own the documents */
    struct store_org o = {0};
    struct store_user u = {0};
    uint8_t oh[32] = {1}, uh[32] = {2};
    o.name = strdup("Acme");
    o.secret_ct.data = (uint8_t *)strdup("ct");
    o.secret_ct.len = 2;
    u.email = strdup("vdr@example.com");
    u.password_hash = strdup("$argon2id$fake");
    u.secret_ct.data = (uint8_t *)strdup("ct");
    u.secret_ct.len = 2;
    CHECK_EQ_INT(store_org_create_with_user(app.store, &o, oh, &u, uh), ED_OK);
    org = o.id;
    store_org_cleanup(&o);
    store_user_cleanup(&u);
    CHECK_EQ_INT(vdr_cache_init(&app), ED_OK);
    RUN(test_documents);
    RUN(test_resolution);
    RUN(test_objects);
    vdr_cache_free(&app);
    store_close(app.store);
    const char *names[] = {"t.db", "t.db-wal", "t.db-shm", NULL};
    for (size_t i = 0; names[i]; i++) {
        char p[400];
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
    return 0;
}
