/* SPDX-License-Identifier: MIT
 * transform/doc.c: definitions and transformations accepted as stored
 * (level set, unknown members kept), every refusal with a message naming
 * the field, tf_inherits, and the inheritance merge rules. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "transform/transform.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j)
        fprintf(stderr, "bad test JSON: %s: %s\n", e.text, text);
    CHECK(j != NULL);
    return j;
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

/* Check doc with a definition (def) or transformation check; when want is
 * NULL the document must be accepted, else the message must contain it. */
static void check_doc(bool def, const char *doc, const char *want)
{
    char err[400] = "";
    json_t *in = J(doc);
    json_t *out = def ? tf_definition_check(in, "account", err, sizeof(err))
                      : tf_transformation_check(in, "account", err,
                                                sizeof(err));
    if (want ? out != NULL || !strstr(err, want) : out == NULL)
        fprintf(stderr, "doc %s\n  gave: %s\n  want: %s\n", doc,
                out ? "accepted" : err, want ? want : "accepted");
    CHECK(want ? out == NULL && strstr(err, want) != NULL : out != NULL);
    if (out) {
        CHECK_EQ_STR(json_string_value(json_object_get(out, "level")),
                     "account");
    }
    json_decref(out);
    json_decref(in);
}

#define DEF_OK(doc) check_doc(true, doc, NULL)
#define DEF_BAD(doc, want) check_doc(true, doc, want)
#define TF_OK(doc) check_doc(false, doc, NULL)
#define TF_BAD(doc, want) check_doc(false, doc, want)

static void test_definition(void)
{
    char err[300];
    json_t *in = J("{\"fields\":[{\"path\":\"id\",\"type\":\"string\"},"
                   "{\"path\":\"tags\",\"type\":\"array\",\"subType\":"
                   "\"string\"}],\"level\":\"organization\",\"x-note\":1}");
    json_t *out = tf_definition_check(in, "instance", err, sizeof(err));
    char *s = dump(out);
    CHECK_EQ_STR(s, "{\"fields\":[{\"path\":\"id\",\"type\":\"string\"},"
                    "{\"path\":\"tags\",\"subType\":\"string\",\"type\":"
                    "\"array\"}],\"level\":\"instance\",\"x-note\":1}");
    free(s);
    /* the input is untouched */
    CHECK_EQ_STR(json_string_value(json_object_get(in, "level")),
                 "organization");
    json_decref(out);
    json_decref(in);

    DEF_OK("{\"fields\":[]}");
    DEF_OK("{\"fields\":[{\"path\":\"a\",\"type\":\"number\"},"
           "{\"path\":\"b\",\"type\":\"boolean\"},{\"path\":\"c\",\"type\":"
           "\"date\"},{\"path\":\"d\",\"type\":\"array[string]\"},"
           "{\"path\":\"e\",\"type\":\"array [number]\"},{\"path\":"
           "\"addr.city\",\"type\":\"string\"},{\"path\":\"addr.zip\","
           "\"type\":\"string\"},{\"path\":\"f\",\"type\":\"array\"}]}");
    DEF_BAD("[]", "must be a JSON object");
    DEF_BAD("{}", "fields is required");
    DEF_BAD("{\"fields\":{}}", "fields is required");
    DEF_BAD("{\"fields\":[1]}", "fields[0]: must be an object");
    DEF_BAD("{\"fields\":[{\"type\":\"string\"}]}",
            "fields[0]: path is required");
    DEF_BAD("{\"fields\":[{\"path\":\"\",\"type\":\"string\"}]}",
            "fields[0]: path is required");
    DEF_BAD("{\"fields\":[{\"path\":7,\"type\":\"string\"}]}",
            "fields[0]: path is required");
    DEF_BAD("{\"fields\":[{\"path\":\"a\",\"type\":\"string\"},"
            "{\"path\":\"b\",\"type\":\"integr\"}]}",
            "fields[1] (path 'b'): unknown type 'integr'; use string, "
            "number, boolean, date or array");
    DEF_BAD("{\"fields\":[{\"path\":\"b\"}]}",
            "fields[0] (path 'b'): type is required");
    DEF_BAD("{\"fields\":[{\"path\":\"b\",\"type\":3}]}", "unknown type");
    DEF_BAD("{\"fields\":[{\"path\":\"b\",\"type\":\"array[int]\"}]}",
            "unknown type 'array[int]'");
    DEF_BAD("{\"fields\":[{\"path\":\"b\",\"type\":\"array\",\"subType\":"
            "\"object\"}]}",
            "unknown type 'array'");
    DEF_BAD("{\"fields\":[{\"path\":\"b\",\"type\":\"array[string\"}]}",
            "unknown type");
    DEF_BAD("{\"fields\":[{\"path\":\"a\",\"type\":\"string\"},"
            "{\"path\":\"a\",\"type\":\"number\"}]}",
            "fields[1] (path 'a'): same path as fields[0] (path 'a')");
    DEF_BAD("{\"fields\":[{\"path\":\"a\",\"type\":\"string\"},"
            "{\"path\":\"a.b\",\"type\":\"number\"}]}",
            "fields[1] (path 'a.b'): conflicts with fields[0] (path 'a')");
    DEF_BAD("{\"fields\":[{\"path\":\"a.b\",\"type\":\"string\"},"
            "{\"path\":\"a\",\"type\":\"number\"}]}",
            "conflicts with fields[0]");
    DEF_BAD("{\"fields\":[{\"path\":\"a[0]\",\"type\":\"string\"}]}",
            "fields[0] (path 'a[0]'): malformed path");
    DEF_BAD("{\"fields\":[{\"path\":\"a..b\",\"type\":\"string\"}]}",
            "malformed path");
    DEF_BAD("{\"fields\":[{\"path\":\"a.size()\",\"type\":\"string\"}]}",
            "malformed path");
    DEF_BAD("{\"fields\":[{\"path\":\"a\\u0001\",\"type\":\"string\"}]}",
            "malformed path");

    /* bounds: name length and field count */
    char big[TF_MAX_NAME + 2];
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    json_t *d = J("{\"fields\":[{\"type\":\"string\"}]}");
    json_object_set_new(json_array_get(json_object_get(d, "fields"), 0), "path",
                        json_string(big));
    CHECK(tf_definition_check(d, "account", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "fields[0]: path is longer than 100 bytes"));
    json_decref(d);
    d = J("{\"fields\":[]}");
    for (int i = 0; i <= TF_MAX_FIELDS; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        json_array_append_new(json_object_get(d, "fields"),
                              json_pack("{s:s,s:s}", "path", name, "type",
                                        "string"));
    }
    CHECK(tf_definition_check(d, "account", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "more than 256 fields"));
    json_array_remove(json_object_get(d, "fields"), 0);
    json_t *ok = tf_definition_check(d, "account", err, sizeof(err));
    CHECK(ok != NULL);
    json_decref(ok);
    json_decref(d);
}

static void test_transformation(void)
{
    /* the spec's example (§7.2) */
    TF_OK("{\"level\":\"organization\",\"vendorName\":\"contacts\","
          "\"fields\":[{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":"
          "\"vid\"},{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.email\"},{\"path\":\"signedUp\",\"type\":\"date\","
          "\"vendorPath\":\"properties.createdate\",\"vendorType\":\"date\","
          "\"configuration\":[{\"type\":\"transformDate\",\"properties\":"
          "{\"pattern\":\"yyyy-MM-dd\"}}]},{\"path\":\"internalNote\","
          "\"vendorPath\":\"properties.notes\",\"configuration\":[{\"type\":"
          "\"remove\",\"properties\":{\"fromVendor\":true,\"toVendor\":"
          "true}}]}],\"configuration\":[{\"type\":\"passThrough\","
          "\"properties\":{\"fromVendor\":false,\"toVendor\":false}},"
          "{\"type\":\"inherit\",\"properties\":{\"fromVendor\":true,"
          "\"toVendor\":true}},{\"type\":\"addToDocumentation\"}],"
          "\"script\":{\"body\":\"done(transformedObject);\",\"mimeType\":"
          "\"application/javascript\",\"filterEmptyResponse\":false},"
          "\"isLegacy\":false}");
    TF_OK("{\"vendorName\":\"contacts\",\"script\":{\"body\":\"done({})\"}}");
    TF_OK("{\"vendorName\":\"contacts\",\"configuration\":[{\"type\":"
          "\"inherit\"}]}");
    TF_OK("{\"vendorName\":\"deals\",\"fields\":[{\"path\":\"n\","
          "\"vendorPath\":\"Items[*].size()\"},{\"path\":\"a\",\"vendorPath\":"
          "\"d.Items[?(@.id==2)].name\"},{\"path\":\"b\"}]}");

    TF_BAD("7", "must be a JSON object");
    TF_BAD("{\"fields\":[]}", "vendorName is required");
    TF_BAD("{\"vendorName\":\"\",\"fields\":[]}", "vendorName is required");
    TF_BAD("{\"vendorName\":\"contacts\"}", "fields is required");
    TF_BAD("{\"vendorName\":\"contacts\",\"fields\":\"x\"}",
           "fields must be an array");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"e\",\"vendorPath\":"
           "\"properties..email\"}]}",
           "fields[0] (path 'e'): vendorPath 'properties..email': at byte 12");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"e\",\"vendorPath\":"
           "5}]}",
           "fields[0] (path 'e'): vendorPath must be a string");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"vid\"},{\"path\":\"b\",\"vendorPath\":\"vid\"}]}",
           "fields[1] (path 'b'): vendorPath 'vid' is already used by "
           "fields[0] (path 'a')");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"type\":"
           "\"strin\",\"vendorPath\":\"vid\"}]}",
           "fields[0] (path 'a'): unknown type 'strin'");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorType\":"
           "\"long\",\"vendorPath\":\"vid\"}]}",
           "fields[0] (path 'a'): unknown vendorType 'long'");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"passThrough\"}]}]}",
           "fields[0] (path 'a'): configuration[0]: unknown type "
           "'passThrough'; use remove or transformDate");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":{}}]}",
           "fields[0] (path 'a'): configuration must be an array");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[3]}]}",
           "configuration[0]: must be an object with a \"type\"");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"transformDate\"}]}]}",
           "configuration[0]: transformDate needs properties.pattern");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"transformDate\","
           "\"properties\":{\"pattern\":\"EEE yyyy\"}}]}]}",
           "unsupported letters 'EEE'");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"transformDate\","
           "\"properties\":{\"pattern\":\"yyyy 'T\"}}]}]}",
           "unclosed quote");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"remove\",\"properties\":"
           "{\"toVendor\":\"yes\"}}]}]}",
           "configuration[0]: properties.toVendor must be true or false");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\",\"vendorPath\":"
           "\"x\",\"configuration\":[{\"type\":\"remove\"},{\"type\":"
           "\"remove\"}]}]}",
           "configuration[1]: type 'remove' given twice");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[],\"configuration\":[{\"type\":"
           "\"passthrough\"}]}",
           "configuration[0]: unknown type 'passthrough'; use passThrough, "
           "inherit or addToDocumentation");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[],\"configuration\":[{\"type\":"
           "\"passThrough\",\"properties\":[]}]}",
           "configuration[0]: properties must be an object");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[],\"configuration\":\"x\"}",
           "configuration must be an array");
    TF_BAD("{\"vendorName\":\"c\",\"script\":\"done()\"}",
           "script must be {\"body\"");
    TF_BAD("{\"vendorName\":\"c\",\"script\":{\"body\":\"\"}}",
           "non-empty body");
    TF_BAD("{\"vendorName\":\"c\",\"script\":{\"body\":\"x\",\"mimeType\":1}}",
           "script.mimeType");
    TF_BAD("{\"vendorName\":\"c\",\"script\":{\"body\":\"x\","
           "\"filterEmptyResponse\":\"no\"}}",
           "script.filterEmptyResponse");
    TF_BAD("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\"},{\"path\":"
           "\"a\"}]}",
           "fields[1] (path 'a'): same path as fields[0]");

    /* a script over TF_MAX_SCRIPT bytes */
    char err[300];
    char *body = malloc(TF_MAX_SCRIPT + 2);
    memset(body, ' ', TF_MAX_SCRIPT + 1);
    body[TF_MAX_SCRIPT + 1] = '\0';
    json_t *d = json_pack("{s:s,s:{s:s}}", "vendorName", "c", "script", "body",
                          body);
    CHECK(tf_transformation_check(d, "account", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "script.body is longer than 65536 bytes"));
    json_decref(d);
    free(body);

    /* a message cut by a small buffer stays valid UTF-8 */
    json_t *u = J("{\"vendorName\":\"c\",\"fields\":[{\"path\":"
                  "\"\\u00e9\\u00e9\\u00e9\",\"type\":\"bad\"}]}");
    char small[26];
    CHECK(tf_transformation_check(u, "account", small, sizeof(small)) == NULL);
    json_t *js = json_string(small);
    CHECK(js != NULL);
    json_decref(js);
    json_decref(u);
}

static void test_inherits(void)
{
    json_t *a = J("{\"configuration\":[{\"type\":\"passThrough\"},"
                  "{\"type\":\"inherit\"}]}");
    json_t *b = J("{\"configuration\":[{\"type\":\"passThrough\"}]}");
    json_t *c = J("{}");
    CHECK(tf_inherits(a));
    CHECK(!tf_inherits(b));
    CHECK(!tf_inherits(c));
    CHECK(!tf_inherits(NULL));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static void test_merge(void)
{
    json_t *up = J(
        "{\"vendorName\":\"contacts\",\"level\":\"organization\","
        "\"fields\":[{\"path\":\"id\",\"vendorPath\":\"vid\"},"
        "{\"path\":\"email\",\"vendorPath\":\"properties.email\"},"
        "{\"path\":\"phone\",\"vendorPath\":\"properties.phone\"},"
        "{\"path\":\"city\",\"vendorPath\":\"properties.city\"}],"
        "\"configuration\":[{\"type\":\"passThrough\",\"properties\":"
        "{\"fromVendor\":true}},{\"type\":\"addToDocumentation\"}],"
        "\"script\":{\"body\":\"upper\"}}");
    json_t *low = J(
        "{\"level\":\"instance\",\"fields\":[{\"path\":\"email\","
        "\"vendorPath\":\"properties.work_email\"},{\"path\":\"town\","
        "\"vendorPath\":\"properties.city\"},{\"path\":\"x\",\"vendorPath\":"
        "\"properties.x\"}],\"configuration\":[{\"type\":\"inherit\"},"
        "{\"type\":\"passThrough\",\"properties\":{\"fromVendor\":false}}]}");
    char *before_up = dump(up), *before_low = dump(low);
    json_t *m = tf_transformation_merge(up, low);
    char *s = json_dumps(m, JSON_COMPACT);

    CHECK_EQ_STR(
        s, "{\"vendorName\":\"contacts\",\"level\":\"instance\","
           "\"fields\":[{\"path\":\"id\",\"vendorPath\":\"vid\"},"
           "{\"path\":\"email\",\"vendorPath\":\"properties.work_email\"},"
           "{\"path\":\"phone\",\"vendorPath\":\"properties.phone\"},"
           "{\"path\":\"town\",\"vendorPath\":\"properties.city\"},"
           "{\"path\":\"x\",\"vendorPath\":\"properties.x\"}],"
           "\"configuration\":[{\"type\":\"passThrough\",\"properties\":"
           "{\"fromVendor\":false}},{\"type\":\"addToDocumentation\"},"
           "{\"type\":\"inherit\"}],\"script\":{\"body\":\"upper\"}}");
    free(s);
    json_decref(m);
    /* the inputs are untouched */
    s = dump(up);
    CHECK_EQ_STR(s, before_up);
    free(s);
    s = dump(low);
    CHECK_EQ_STR(s, before_low);
    free(s);

    /* vendorName and script from the lower one when it has them */
    json_object_set_new(low, "vendorName", json_string("leads"));
    json_object_set_new(low, "script", json_pack("{s:s}", "body", "lower"));
    m = tf_transformation_merge(up, low);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "vendorName")), "leads");
    CHECK_EQ_STR(json_string_value(
                     json_object_get(json_object_get(m, "script"), "body")),
                 "lower");
    json_decref(m);
    m = tf_transformation_merge(NULL, low);
    CHECK(json_equal(m, low));
    json_decref(m);
    free(before_up);
    free(before_low);
    json_decref(up);
    json_decref(low);
}

int main(void)
{
    RUN(test_definition);
    RUN(test_transformation);
    RUN(test_inherits);
    RUN(test_merge);
    return 0;
}
