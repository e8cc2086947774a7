/* SPDX-License-Identifier: MIT
 * transform/map.c and transform/datefmt.c: fromVendor (field order, nested
 * output, missing properties, nulls, every type conversion, multi-select
 * arrays, transformDate, remove, passThrough), toVendor (the reverse,
 * date pattern errors naming field and transformation, joins, vendorType,
 * read-only paths), the query helpers, and the date patterns themselves. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "transform/datefmt.h"
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

static struct tf_map *compile(const char *tf, const char *def)
{
    char err[300];
    json_t *t = J(tf), *d = def ? J(def) : NULL;
    json_t *checked = tf_transformation_check(t, "organization", err,
                                              sizeof(err));
    struct tf_map *m;
    if (!checked)
        fprintf(stderr, "check: %s\n", err);
    CHECK(checked != NULL);
    m = tf_map_compile("myContact", checked, d, err, sizeof(err));
    if (!m)
        fprintf(stderr, "compile: %s\n", err);
    CHECK(m != NULL);
    json_decref(checked);
    json_decref(t);
    json_decref(d);
    return m;
}

static void check_from(const struct tf_map *m, const char *vendor,
                       const char *want)
{
    json_t *v = J(vendor);
    json_t *out = tf_map_from_vendor(m, v);
    char *s = json_dumps(out, JSON_COMPACT);
    CHECK_EQ_STR(s, want);
    free(s);
    json_decref(out);
    json_decref(v);
}

/* want NULL: must fail with want_err in the message. */
static void check_to(const struct tf_map *m, const char *rec, const char *want,
                     const char *want_err)
{
    char err[300] = "";
    json_t *r = J(rec);
    json_t *out = tf_map_to_vendor(m, r, err, sizeof(err));
    if (want) {
        char *s = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS);
        if (!out)
            fprintf(stderr, "to_vendor: %s\n", err);
        CHECK_EQ_STR(s, want);
        free(s);
    } else {
        CHECK(out == NULL);
        if (!strstr(err, want_err))
            fprintf(stderr, "err: %s\n", err);
        CHECK(strstr(err, want_err) != NULL);
    }
    json_decref(out);
    json_decref(r);
}

static const char *CONTACT_TF =
    "{\"vendorName\":\"contacts\",\"fields\":["
    "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"vid\"},"
    "{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":"
    "\"properties.email\"},"
    "{\"path\":\"name.first\",\"vendorPath\":\"properties.firstname\"},"
    "{\"path\":\"name.last\",\"vendorPath\":\"properties.lastname\"},"
    "{\"path\":\"age\",\"type\":\"number\",\"vendorPath\":\"properties.age\","
    "\"vendorType\":\"number\"},"
    "{\"path\":\"score\",\"type\":\"number\",\"vendorPath\":"
    "\"properties.score\",\"vendorType\":\"string\"},"
    "{\"path\":\"optIn\",\"type\":\"boolean\",\"vendorPath\":"
    "\"properties.optin\",\"vendorType\":\"boolean\"},"
    "{\"path\":\"created\",\"type\":\"date\",\"vendorPath\":"
    "\"properties.createdate\"},"
    "{\"path\":\"interests\",\"type\":\"array[string]\",\"vendorPath\":"
    "\"properties.interests\"},"
    "{\"path\":\"lucky\",\"type\":\"array\",\"subType\":\"number\","
    "\"vendorPath\":\"properties.lucky\"},"
    "{\"path\":\"note\",\"vendorPath\":\"properties.notes\","
    "\"configuration\":[{\"type\":\"remove\",\"properties\":{\"fromVendor\":"
    "true,\"toVendor\":false}}]},"
    "{\"path\":\"secret\",\"vendorPath\":\"properties.secret\","
    "\"configuration\":[{\"type\":\"remove\"}]},"
    "{\"path\":\"firstItem\",\"vendorPath\":\"Items[0].id\"},"
    "{\"path\":\"itemCount\",\"vendorPath\":\"Items[*].size()\"},"
    "{\"path\":\"names\",\"vendorPath\":\"Items[*].name\"},"
    "{\"path\":\"typed\"}"
    "]}";

static void test_from_vendor(void)
{
    struct tf_map *m = compile(CONTACT_TF, "{\"fields\":[{\"path\":\"typed\","
                                           "\"type\":\"string\"},{\"path\":"
                                           "\"name.first\",\"type\":"
                                           "\"string\"}]}");
    /* HubSpot sends numbers and booleans as strings, dates as ms */
    check_from(
        m,
        "{\"vid\":51,\"properties\":{\"email\":\"a@b.c\",\"firstname\":"
        "\"Ann\",\"lastname\":\"Lee\",\"age\":\"42\",\"score\":\"9.5\","
        "\"optin\":\"true\",\"createdate\":\"1700000000123\",\"interests\":"
        "\"golf;chess\",\"lucky\":[\"7\",8,\"x\"],\"notes\":\"n\","
        "\"secret\":\"s\"},\"Items\":[{\"id\":3,\"name\":\"a\"},{\"id\":4,"
        "\"name\":\"b\"}],\"other\":1}",
        "{\"id\":\"51\",\"email\":\"a@b.c\",\"name\":{\"first\":\"Ann\","
        "\"last\":\"Lee\"},\"age\":42,\"score\":9.5,\"optIn\":true,"
        "\"created\":\"2023-11-14T22:13:20.123Z\",\"interests\":[\"golf\","
        "\"chess\"],\"lucky\":[7,8,\"x\"],\"firstItem\":3,\"itemCount\":2,"
        "\"names\":[\"a\",\"b\"]}");
    /* missing properties give no member; nulls stay null; no Items is 0 */
    check_from(m,
               "{\"vid\":\"7\",\"properties\":{\"email\":null,\"age\":null}}",
               "{\"id\":\"7\",\"email\":null,\"age\":null,\"itemCount\":0}");
    check_from(m, "{}", "{\"itemCount\":0}");
    check_from(m, "[]", "{\"itemCount\":0}");
    /* values that do not convert are kept as they are */
    check_from(m,
               "{\"vid\":true,\"properties\":{\"age\":\"forty\",\"optin\":"
               "\"yes\",\"createdate\":\"soon\",\"interests\":\"\",\"email\":"
               "{\"a\":1},\"firstname\":12,\"score\":\"007\",\"lucky\":5}}",
               "{\"id\":\"true\",\"email\":{\"a\":1},\"name\":{\"first\":"
               "\"12\"},\"age\":\"forty\",\"score\":\"007\",\"optIn\":\"yes\","
               "\"created\":\"soon\",\"interests\":[],\"lucky\":5,"
               "\"itemCount\":0}");
    /* ISO kept as written; numbers as dates; big and real numbers */
    check_from(
        m,
        "{\"vid\":1.5,\"properties\":{\"createdate\":"
        "\"2024-02-29T10:00:00+01:00\",\"age\":\"-1.25e2\",\"score\":"
        "\"12345678901234567890\",\"optin\":\"FALSE\"}}",
        "{\"id\":\"1.5\",\"age\":-125.0,\"score\":\"12345678901234567890\","
        "\"optIn\":false,\"created\":\"2024-02-29T10:00:00+01:00\","
        "\"itemCount\":0}");
    check_from(m, "{\"properties\":{\"createdate\":0}}",
               "{\"created\":\"1970-01-01T00:00:00.000Z\",\"itemCount\":0}");
    tf_map_free(m);
}

static void test_pass_through_and_dates(void)
{
    struct tf_map *m = compile(
        "{\"vendorName\":\"contacts\",\"fields\":["
        "{\"path\":\"id\",\"vendorPath\":\"vid\"},"
        "{\"path\":\"day\",\"vendorPath\":\"properties.createdate\","
        "\"configuration\":[{\"type\":\"transformDate\",\"properties\":"
        "{\"pattern\":\"yyyy-MM-dd\"}}]},"
        "{\"path\":\"when\",\"vendorPath\":\"properties.closedate\","
        "\"vendorType\":\"number\",\"configuration\":[{\"type\":"
        "\"transformDate\",\"properties\":{\"pattern\":\"dd/MM/yy hh:mm a "
        "'UTC'XXX\"}}]},"
        "{\"path\":\"ms\",\"vendorPath\":\"properties.lastmod\","
        "\"configuration\":[{\"type\":\"transformDate\",\"properties\":"
        "{\"pattern\":\"milliseconds\"}}]},"
        "{\"path\":\"gone\",\"vendorPath\":\"properties.gone\","
        "\"configuration\":[{\"type\":\"remove\",\"properties\":"
        "{\"fromVendor\":true,\"toVendor\":true}}]}"
        "],\"configuration\":[{\"type\":\"passThrough\",\"properties\":"
        "{\"fromVendor\":true,\"toVendor\":true}}]}",
        NULL);
    CHECK(tf_map_pass_through_from_vendor(m));
    check_from(m,
               "{\"vid\":1,\"properties\":{\"createdate\":\"1700000000123\","
               "\"closedate\":\"2023-11-14T22:13:20Z\",\"lastmod\":"
               "\"2023-11-14T22:13:20.5Z\",\"gone\":1},\"portalId\":62515,"
               "\"isContact\":true,\"id\":\"dup\"}",
               "{\"id\":1,\"day\":\"2023-11-14\",\"when\":\"14/11/23 10:13 "
               "PM UTCZ\",\"ms\":1700000000500,\"portalId\":62515,"
               "\"isContact\":true}");
    /* toVendor: patterns parsed; ISO out, or ms for a number vendorType */
    check_to(m,
             "{\"id\":1,\"day\":\"2024-02-29\",\"when\":\"01/03/24 12:05 AM "
             "UTC+02:00\",\"ms\":1700000000500,\"gone\":5,\"extra\":[1]}",
             "{\"extra\":[1],\"properties\":{\"closedate\":1709244300000,"
             "\"createdate\":\"2024-02-29T00:00:00.000Z\",\"lastmod\":"
             "\"2023-11-14T22:13:20.500Z\"},\"vid\":1}",
             NULL);
    check_to(m, "{\"day\":\"2024-02-30\"}", NULL,
             "transformation 'myContact': field 'day': \"2024-02-30\" does "
             "not match the date pattern 'yyyy-MM-dd'");
    check_to(m, "{\"day\":\"29/02/2024\"}", NULL, "field 'day'");
    check_to(m, "{\"day\":20240229}", NULL, "field 'day'");
    check_to(m, "{\"ms\":\"later\"}", NULL, "field 'ms'");
    check_to(m, "{\"day\":null}", "{\"properties\":{\"createdate\":null}}",
             NULL);
    tf_map_free(m);
}

static void test_to_vendor(void)
{
    struct tf_map *m = compile(CONTACT_TF, NULL);
    check_to(m,
             "{\"id\":\"51\",\"email\":\"a@b.c\",\"name\":{\"first\":\"Ann\"},"
             "\"age\":\"42\",\"score\":9.5,\"optIn\":\"false\",\"interests\":"
             "[\"golf\",\"chess\"],\"lucky\":[7,true],\"note\":\"kept\","
             "\"secret\":\"dropped\",\"firstItem\":3,\"itemCount\":2,"
             "\"names\":[\"x\"],\"unknown\":1,\"created\":1700000000123}",
             "{\"Items\":[{\"id\":3}],\"properties\":{\"age\":42,"
             "\"createdate\":1700000000123,\"email\":\"a@b.c\",\"firstname\":"
             "\"Ann\",\"interests\":\"golf;chess\",\"lucky\":\"7;true\","
             "\"notes\":\"kept\",\"optin\":false,\"score\":\"9.5\"},\"vid\":"
             "\"51\"}",
             NULL);
    /* nested member missing, or not an object: nothing written */
    check_to(m, "{\"name\":\"Ann\"}", "{}", NULL);
    check_to(m, "{\"age\":\"old\"}", NULL,
             "transformation 'myContact': field 'age': cannot write \"old\" "
             "as vendorType number");
    check_to(m, "{\"optIn\":1}", NULL, "field 'optIn'");
    check_to(m, "{\"score\":{\"a\":1}}", NULL, "field 'score'");
    check_to(m, "{\"interests\":[{\"a\":1}]}", NULL, "field 'interests'");
    check_to(m, "{\"age\":null}", "{\"properties\":{\"age\":null}}", NULL);
    check_to(m, "[1]", NULL, "the record must be a JSON object");
    tf_map_free(m);

    m = compile("{\"vendorName\":\"x\",\"fields\":[{\"path\":\"d\","
                "\"vendorPath\":\"d\",\"vendorType\":\"date\"},{\"path\":"
                "\"s\",\"vendorPath\":\"a.s\",\"vendorType\":\"string\"}]}",
                NULL);
    check_to(m, "{\"d\":1700000000123,\"s\":true}",
             "{\"a\":{\"s\":\"true\"},\"d\":\"2023-11-14T22:13:20.123Z\"}",
             NULL);
    check_to(m, "{\"d\":\"2024-01-01\"}", "{\"d\":\"2024-01-01\"}", NULL);
    check_to(m, "{\"d\":\"Monday\"}", NULL, "vendorType date");
    tf_map_free(m);
}

static void test_queries(void)
{
    char buf[128];
    const char *why = NULL;
    struct tf_map *m = compile(
        CONTACT_TF, "{\"fields\":[{\"path\":\"id\",\"type\":\"string\"},"
                    "{\"path\":\"phone\",\"type\":\"string\"}]}");
    CHECK_EQ_STR(tf_map_vendor_field(m, "email", &why), "properties.email");
    CHECK_EQ_STR(tf_map_vendor_field(m, "name.first", &why),
                 "properties.firstname");
    CHECK(tf_map_vendor_field(m, "firstItem", &why) == NULL);
    CHECK_EQ_STR(why, "unmapped");
    why = NULL;
    CHECK(tf_map_vendor_field(m, "typed", &why) == NULL);
    CHECK_EQ_STR(why, "unmapped");
    why = NULL;
    CHECK(tf_map_vendor_field(m, "phone", &why) == NULL);
    CHECK_EQ_STR(why, "unmapped");
    CHECK(tf_map_vendor_field(m, "nope", &why) == NULL);
    CHECK_EQ_STR(why, "unknown");

    CHECK(tf_map_vendor_members(m, "properties.", buf, sizeof(buf)));
    CHECK_EQ_STR(buf, "email,firstname,lastname,age,score,optin,createdate,"
                      "interests,lucky");
    CHECK(!tf_map_vendor_members(m, "properties.", buf, 20));
    CHECK(tf_map_vendor_members(m, "Items", buf, sizeof(buf)));
    CHECK_EQ_STR(buf, "");
    CHECK(tf_map_vendor_members(m, "nothing.", buf, sizeof(buf)));
    CHECK_EQ_STR(buf, "");
    CHECK_EQ_STR(tf_map_name(m), "myContact");
    CHECK_EQ_STR(tf_map_vendor_name(m), "contacts");
    CHECK(tf_map_script(m) == NULL);
    CHECK(!tf_map_filter_empty(m));
    CHECK(!tf_map_pass_through_from_vendor(m));
    tf_map_free(m);

    m = compile("{\"vendorName\":\"contacts\",\"script\":{\"body\":"
                "\"done(transformedObject)\",\"filterEmptyResponse\":true}}",
                NULL);
    CHECK_EQ_STR(tf_map_script(m), "done(transformedObject)");
    CHECK(tf_map_filter_empty(m));
    check_from(m, "{\"vid\":1}", "{}");
    tf_map_free(m);
}

static void test_compile_errors(void)
{
    char err[200];
    json_t *t = J("{\"vendorName\":\"c\",\"fields\":[{\"path\":\"a\","
                  "\"vendorPath\":\"x[\"}]}");
    CHECK(tf_map_compile("t1", t, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "transformation 't1': field 'a': vendorPath 'x['"));
    json_decref(t);
    t = J("[]");
    CHECK(tf_map_compile("t1", t, NULL, err, sizeof(err)) == NULL);
    json_decref(t);
}

static void check_fmt(const char *pattern, int64_t ms, const char *want)
{
    char err[200], buf[DATEFMT_MAX_OUT];
    int64_t back;
    struct datefmt *f = datefmt_compile(pattern, err, sizeof(err));
    CHECK(f != NULL);
    CHECK(datefmt_format(f, ms, buf, sizeof(buf)));
    CHECK_EQ_STR(buf, want);
    CHECK(datefmt_parse(f, buf, &back));
    datefmt_free(f);
}

static void check_parse(const char *pattern, const char *s, int64_t want,
                        bool ok)
{
    char err[200];
    int64_t got = 0;
    struct datefmt *f = datefmt_compile(pattern, err, sizeof(err));
    CHECK(f != NULL);
    CHECK(datefmt_parse(f, s, &got) == ok);
    if (ok)
        CHECK_EQ_INT(got, want);
    datefmt_free(f);
}

static void test_datefmt(void)
{
    char buf[32], err[200];
    int64_t ms;

    check_fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1700000000123,
              "2023-11-14T22:13:20.123Z");
    check_fmt("yyyyMMddHHmmss", 1700000000000, "20231114221320");
    check_fmt("M/d/yy h:mm a", 1700000000000, "11/14/23 10:13 PM");
    check_fmt("hh 'o''clock' a Z X", 0, "12 o'clock AM +0000 Z");
    check_fmt("yyyy-MM-dd", -86400000, "1969-12-31");
    check_parse("yyyy-MM-dd HH:mmXXX", "2024-03-01 00:05+02:00", 1709244300000,
                true);
    check_parse("yyyy-MM-dd HH:mmXX", "2024-03-01 00:05+0200", 1709244300000,
                true);
    check_parse("yyyy-MM-dd HH:mmX", "2024-03-01 00:05-02", 1709258700000,
                true);
    check_parse("yyyy-MM-dd HH:mmZ", "2024-03-01 00:05+0000", 1709251500000,
                true);
    check_parse("yyyyMMdd", "20240229", 1709164800000, true);
    check_parse("yyyy-MM-dd", "2023-02-29", 0, false);
    check_parse("yyyy-MM-dd", "2024-13-01", 0, false);
    check_parse("yyyy-MM-dd", "2024-01-01x", 0, false);
    check_parse("yyyy-MM-dd", "2024-01-0", 0, false);
    check_parse("HH:mm", "24:00", 0, false);
    check_parse("hh a", "13 PM", 0, false);
    check_parse("hh a", "12 pm", 43200000, true);
    check_parse("d/M/y", "1/2/2024", 1706745600000, true);
    check_parse("ss.SSS", "01.5", 0, false);
    check_parse("ss.S", "01.5", 1005, true);
    CHECK(datefmt_compile("EEE", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "unsupported letters 'EEE'"));
    CHECK(datefmt_compile("yyyy-MMM", err, sizeof(err)) == NULL);
    CHECK(datefmt_compile("HHH", err, sizeof(err)) == NULL);
    CHECK(datefmt_compile("'x", err, sizeof(err)) == NULL);
    CHECK(datefmt_compile("", err, sizeof(err)) == NULL);
    /* ISO 8601 */
    CHECK(datefmt_iso_parse("2023-11-14T22:13:20.123Z", &ms));
    CHECK_EQ_INT(ms, 1700000000123);
    CHECK(datefmt_iso_parse("2023-11-14T23:13:20.123456+01:00", &ms));
    CHECK_EQ_INT(ms, 1700000000123);
    CHECK(datefmt_iso_parse("2023-11-14 22:13", &ms));
    CHECK_EQ_INT(ms, 1700000000000 - 20000);
    CHECK(datefmt_iso_parse("2023-11-14", &ms));
    CHECK(!datefmt_iso_parse("2023-11-14T", &ms));
    CHECK(!datefmt_iso_parse("2023-11-14T22", &ms));
    CHECK(!datefmt_iso_parse("2023-11-31", &ms));
    CHECK(!datefmt_iso_parse("2023-11-14T22:13:20.Z", &ms));
    CHECK(!datefmt_iso_parse("2023-11-14T22:13:20.1234567890Z", &ms));
    CHECK(!datefmt_iso_parse("2023-11-14T22:13+25:00", &ms));
    CHECK(datefmt_iso_format(DATEFMT_MAX_MS, buf, sizeof(buf)));
    CHECK_EQ_STR(buf, "9999-12-31T23:59:59.999Z");
    CHECK(datefmt_iso_format(DATEFMT_MIN_MS, buf, sizeof(buf)));
    CHECK_EQ_STR(buf, "0000-01-01T00:00:00.000Z");
    CHECK(!datefmt_iso_format(DATEFMT_MAX_MS + 1, buf, sizeof(buf)));
}

int main(void)
{
    RUN(test_from_vendor);
    RUN(test_pass_through_and_dates);
    RUN(test_to_vendor);
    RUN(test_queries);
    RUN(test_compile_errors);
    RUN(test_datefmt);
    return 0;
}
