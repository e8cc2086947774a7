/* SPDX-License-Identifier: MIT
 * elements: both compiled-in definitions load and validate; the validator
 * rejects broken definitions; lookups by key and id; secret keys. */
#include <jansson.h>

#include "check.h"
#include "elements/elements.h"

static json_t *load_def(const char *key)
{
    char path[256];
    json_error_t err;
    /* tests run from the source root (WORKING_DIRECTORY) */
    snprintf(path, sizeof(path), "src/elements/defs/%s.json", key);
    json_t *d = json_load_file(path, 0, &err);
    if (!d)
        fprintf(stderr, "%s: %s\n", path, err.text);
    CHECK(d != NULL);
    return d;
}

static void expect_invalid(json_t *def, const char *needle)
{
    char why[256] = "";
    CHECK_EQ_INT(elements_validate_def(def, why, sizeof(why)), ED_ERR_INVALID);
    if (!strstr(why, needle)) {
        fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", why, needle);
        CHECK(0);
    }
}

static void test_load(void)
{
    struct elements *e = NULL;
    char *why = NULL;
    CHECK_EQ_INT(elements_load(&e, &why), ED_OK);
    CHECK(why == NULL);
    CHECK_EQ_INT(elements_count(e), 2);
    const struct element *crm = elements_find(e, "hubspotcrm");
    const struct element *mkt = elements_find(e, "hubspot");
    CHECK(crm && mkt);
    CHECK_EQ_INT(crm->id, 229);
    CHECK_EQ_STR(crm->hub, "crm");
    CHECK_EQ_STR(crm->name, "Hubspot CRM");
    CHECK_EQ_INT(mkt->id, 43);
    CHECK_EQ_STR(mkt->hub, "marketing");
    CHECK_EQ_STR(mkt->name, "Hubspot Marketing");
    CHECK(elements_find(e, "229") == crm);
    CHECK(elements_find(e, "43") == mkt);
    CHECK(elements_find(e, "nope") == NULL);
    CHECK(elements_find(e, "999") == NULL);
    CHECK(elements_find(e, "") == NULL);
    CHECK(elements_find(e, "HUBSPOT") == NULL); /* keys are case-sensitive */
    CHECK(elements_find(e, "-229") == NULL);
    CHECK(elements_at(e, 2) == NULL);
    /* hubs */
    json_t *hubs = elements_hubs(e);
    CHECK(json_is_array(hubs) && json_array_size(hubs) == 2);
    /* the OAuth default-scope rules (the seed's table) */
    CHECK_EQ_STR(element_oauth(crm, "defaultScope"), "contacts timeline files");
    CHECK_EQ_STR(element_oauth(crm, "emptyScope"),
                 "contacts timeline files content reports social automation "
                 "forms");
    CHECK_EQ_STR(element_oauth(mkt, "defaultScope"),
                 "contacts timeline files content reports social automation "
                 "forms");
    CHECK_EQ_STR(element_oauth(mkt, "emptyScope"),
                 element_oauth(mkt, "defaultScope"));
    CHECK_EQ_STR(element_oauth(crm, "authorizePath"), "/oauth/authorize");
    CHECK_EQ_STR(element_oauth(crm, "legacyAuthorizePath"),
                 "/auth/authenticate");
    CHECK(element_oauth(crm, "noSuchSetting") == NULL);
    elements_free(e);
    elements_free(NULL);
}

static void test_secret_keys(void)
{
    struct elements *e = NULL;
    char *why = NULL;
    CHECK_EQ_INT(elements_load(&e, &why), ED_OK);
    for (size_t i = 0; i < elements_count(e); i++) {
        const struct element *el = elements_at(e, i);
        CHECK(element_config_is_secret(el, "oauth.api.secret"));
        CHECK(element_config_is_secret(el, "oauth.user.token"));
        CHECK(element_config_is_secret(el, "oauth.user.refresh_token"));
        CHECK(element_config_is_secret(el, "hubspot.authorization.apikey"));
        CHECK(!element_config_is_secret(el, "oauth.api.key"));
        CHECK(!element_config_is_secret(el, "oauth.callback.url"));
        CHECK(!element_config_is_secret(el, "unknown.key"));
        CHECK(element_config_def(el, "oauth.api.key") != NULL);
        CHECK(element_config_def(el, "unknown.key") == NULL);
        /* every PASSWORD key is secret */
        size_t j;
        json_t *c;
        json_array_foreach(el->config, j, c) {
            const char *type = json_string_value(json_object_get(c, "type"));
            const char *key = json_string_value(json_object_get(c, "key"));
            if (strcmp(type, "PASSWORD") == 0)
                CHECK(element_config_is_secret(el, key));
        }
    }
    elements_free(e);
}

static void test_render(void)
{
    struct elements *e = NULL;
    char *why = NULL;
    CHECK_EQ_INT(elements_load(&e, &why), ED_OK);
    const struct element *crm = elements_find(e, "hubspotcrm");
    json_t *cfg = element_config_render(crm);
    /* every definition is rendered (none silently dropped) */
    CHECK_EQ_INT(json_array_size(cfg), json_array_size(crm->config));
    size_t i;
    json_t *c;
    bool saw_password = false;
    json_array_foreach(cfg, i, c) {
        CHECK(json_is_integer(json_object_get(c, "id")));
        CHECK(json_is_string(json_object_get(c, "key")));
        CHECK(json_is_string(json_object_get(c, "defaultValue")));
        CHECK(json_is_boolean(json_object_get(c, "required")));
        CHECK(json_is_boolean(json_object_get(c, "hideFromConsole")));
        if (strcmp(json_string_value(json_object_get(c, "key")),
                   "oauth.api.secret") == 0) {
            CHECK_EQ_STR(json_string_value(json_object_get(c, "type")),
                         "PASSWORD");
            saw_password = true;
        }
    }
    CHECK(saw_password);
    json_decref(cfg);
    json_t *m = element_metadata_render(crm);
    CHECK(m != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(m, "id")), 229);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "key")), "hubspotcrm");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "hub")), "crm");
    CHECK(json_is_object(json_object_get(m, "events")));
    CHECK(json_is_object(json_object_get(m, "bulk")));
    CHECK(json_is_object(json_object_get(m, "discovery")));
    json_decref(m);
    elements_free(e);
}

static void test_validate(void)
{
    char why[256];
    json_t *d = load_def("hubspotcrm");
    CHECK_EQ_INT(elements_validate_def(d, why, sizeof(why)), ED_OK);
    json_t *m = load_def("hubspot");
    CHECK_EQ_INT(elements_validate_def(m, why, sizeof(why)), ED_OK);
    json_decref(m);

    json_t *x;
    /* not an object */
    x = json_array();
    expect_invalid(x, "object");
    json_decref(x);
    /* missing element key */
    x = json_deep_copy(d);
    json_object_del(json_object_get(x, "element"), "key");
    expect_invalid(x, "element.key");
    json_decref(x);
    /* wrong type for a boolean / the id */
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(x, "element"), "active",
                        json_string("yes"));
    expect_invalid(x, "element.active");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(x, "element"), "id", json_integer(0));
    expect_invalid(x, "element.id");
    json_decref(x);
    /* oauth settings */
    x = json_deep_copy(d);
    json_object_del(json_object_get(x, "oauth"), "defaultScope");
    expect_invalid(x, "oauth.defaultScope");
    json_decref(x);
    /* configuration: missing key, bad type, duplicate key */
    x = json_deep_copy(d);
    json_object_del(json_array_get(json_object_get(x, "configuration"), 1),
                    "key");
    expect_invalid(x, "missing key");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_array_get(json_object_get(x, "configuration"), 1),
                        "type", json_string("TEXTFIELD_9"));
    expect_invalid(x, "bad type");
    json_decref(x);
    x = json_deep_copy(d);
    json_t *cfg = json_object_get(x, "configuration");
    json_array_append_new(cfg, json_deep_copy(json_array_get(cfg, 2)));
    expect_invalid(x, "duplicate key");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_array_get(json_object_get(x, "configuration"), 0),
                        "defaultValue", json_integer(1));
    expect_invalid(x, "defaultValue");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(x, "configuration", json_array());
    expect_invalid(x, "non-empty");
    json_decref(x);
    /* metadata */
    x = json_deep_copy(d);
    json_object_del(x, "metadata");
    expect_invalid(x, "metadata");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_del(json_object_get(x, "metadata"), "discovery");
    expect_invalid(x, "metadata.discovery");
    json_decref(x);
    json_decref(d);
}

/* Only what works is advertised: element extension is not implemented
 * yet, in the object and the metadata alike (events, transformations and
 * bulk are); the validator keeps the two in agreement. */
static void test_features(void)
{
    static const char *const off[] = {"extendable", NULL};
    static const char *const on[] = {"transformationsEnabled",
                                     "bulkDownloadEnabled", "bulkUploadEnabled",
                                     NULL};
    struct elements *e = NULL;
    char *why = NULL;
    char msg[256];
    CHECK_EQ_INT(elements_load(&e, &why), ED_OK);
    for (size_t i = 0; i < elements_count(e); i++) {
        const struct element *el = elements_at(e, i);
        for (size_t k = 0; off[k]; k++)
            CHECK(json_is_false(json_object_get(el->object, off[k])));
        for (size_t k = 0; on[k]; k++)
            CHECK(json_is_true(json_object_get(el->object, on[k])));
        json_t *m = element_metadata_render(el);
        json_t *ev = json_object_get(m, "events");
        json_t *both = json_pack("{s:b, s:[s, s]}", "supported", 1, "methods",
                                 "polling", "webhook");
        CHECK(json_equal(ev, both) == 1); /* issue 11: both work */
        json_decref(both);
        json_t *bulk = json_pack("{s:b, s:b}", "upload", 1, "download", 1);
        CHECK(json_equal(json_object_get(m, "bulk"), bulk) == 1); /* 13 */
        json_decref(bulk);
        json_decref(m);
    }
    elements_free(e);

    json_t *d = load_def("hubspotcrm"), *x;
    /* supported without methods, methods without supported */
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(json_object_get(x, "metadata"),
                                        "events"),
                        "methods", json_array());
    expect_invalid(x, "metadata.events.supported");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(json_object_get(x, "metadata"),
                                        "events"),
                        "supported", json_false());
    expect_invalid(x, "metadata.events.supported");
    json_decref(x);
    /* both switched off together: fine */
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(json_object_get(x, "metadata"),
                                        "events"),
                        "supported", json_false());
    json_object_set_new(json_object_get(json_object_get(x, "metadata"),
                                        "events"),
                        "methods", json_array());
    CHECK_EQ_INT(elements_validate_def(x, msg, sizeof(msg)), ED_OK);
    json_decref(x);
    /* bulk in the metadata disagreeing with the element object */
    x = json_deep_copy(d);
    json_object_set_new(json_object_get(json_object_get(x, "metadata"), "bulk"),
                        "upload", json_false());
    expect_invalid(x, "bulkUploadEnabled");
    json_object_set_new(json_object_get(x, "element"), "bulkUploadEnabled",
                        json_false());
    CHECK_EQ_INT(elements_validate_def(x, msg, sizeof(msg)), ED_OK);
    json_object_set_new(json_object_get(json_object_get(x, "metadata"), "bulk"),
                        "download", json_string("yes"));
    expect_invalid(x, "metadata.bulk");
    json_decref(x);
    json_decref(d);
}

/* The object catalogue: per element, and checked at load. */
static void test_objects(void)
{
    struct elements *e = NULL;
    char *why = NULL;
    CHECK_EQ_INT(elements_load(&e, &why), ED_OK);
    json_t *crm = element_objects(elements_find(e, "hubspotcrm"));
    json_t *mkt = element_objects(elements_find(e, "hubspot"));
    CHECK(json_array_size(crm) > 0 && json_array_size(mkt) > 0);
    bool crm_files = false, mkt_files = false;
    size_t i;
    json_t *o;
    json_array_foreach(crm, i, o) {
        crm_files |= strcmp(json_string_value(json_object_get(o, "name")),
                            "files") == 0;
    }
    json_array_foreach(mkt, i, o) {
        mkt_files |= strcmp(json_string_value(json_object_get(o, "name")),
                            "files") == 0;
    }
    CHECK(!crm_files && mkt_files);
    elements_free(e);

    json_t *d = load_def("hubspot"), *x, *objs;
    x = json_deep_copy(d);
    json_object_del(x, "objects");
    expect_invalid(x, "objects must be");
    json_decref(x);
    x = json_deep_copy(d);
    objs = json_object_get(x, "objects");
    json_array_append(objs, json_array_get(objs, 0));
    expect_invalid(x, "duplicate name");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_array_get(json_object_get(x, "objects"), 0),
                        "name", json_string("Bad Name"));
    expect_invalid(x, "objects[0].name");
    json_decref(x);
    x = json_deep_copy(d);
    json_object_set_new(json_array_get(json_object_get(x, "objects"), 0),
                        "type", json_string("vdr"));
    expect_invalid(x, "ceCanonical or vendor");
    json_decref(x);
    x = json_deep_copy(d);
    json_array_foreach(json_object_get(x, "objects"), i, o) {
        json_t *f = json_array_get(json_object_get(o, "fields"), 0);
        if (f) {
            json_object_set_new(f, "createable", json_string("yes"));
            break;
        }
    }
    expect_invalid(x, "createable must be a boolean");
    json_decref(x);
    json_decref(d);
}

/* Optional fields of a configuration definition ("internal",
 * "displayOrder") may be absent: the entry is still rendered. */
static void test_render_optional_fields(void)
{
    char why[256];
    json_t *d = load_def("hubspot");
    json_t *cfg = json_object_get(d, "configuration");
    json_object_del(json_array_get(cfg, 0), "internal");
    json_object_del(json_array_get(cfg, 1), "displayOrder");
    CHECK_EQ_INT(elements_validate_def(d, why, sizeof(why)), ED_OK);
    struct element el = {0};
    el.id = 43;
    el.key = "hubspot";
    el.def = d;
    el.object = json_object_get(d, "element");
    el.config = cfg;
    json_t *out = element_config_render(&el);
    CHECK_EQ_INT(json_array_size(out), json_array_size(cfg));
    json_t *c0 = json_array_get(out, 0), *c1 = json_array_get(out, 1);
    CHECK(json_is_false(json_object_get(c0, "internal")));
    CHECK(json_is_false(json_object_get(c0, "hideFromConsole")));
    CHECK_EQ_INT(json_integer_value(json_object_get(c1, "displayOrder")), 2);
    json_decref(out);
    json_decref(d);
}

int main(void)
{
    RUN(test_load);
    RUN(test_secret_keys);
    RUN(test_render);
    RUN(test_validate);
    RUN(test_features);
    RUN(test_render_optional_fields);
    RUN(test_objects);
    return 0;
}
