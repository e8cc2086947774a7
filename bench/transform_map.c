/* SPDX-License-Identifier: MIT
 * Micro-benchmark of transform/map.c and transform/stream.c: 100
 * HubSpot-shaped contact records (30 properties each, numbers, booleans
 * and dates as strings, as HubSpot sends them) mapped through a 20-field
 * transformation, N times. Prints ns per record for fromVendor and
 * toVendor, next to what parsing and serialising the same page with
 * jansson costs; then fromVendor on the record text both ways: parsed,
 * mapped and dumped with jansson, or streamed (tf_map_stream_record), next
 * to the native reshaper's copy of the same record (jsonfilter_copy).
 *   cmake --build build --target bench_transform_map
 *   ./build/tests/unit/bench_transform_map [N]      (default N = 2000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/strparse.h"
#include "hub/jsonfilter.h"
#include "transform/transform.h"

#define RECORDS 100

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static json_t *page(void)
{
    json_t *results = json_array();
    for (int i = 0; i < RECORDS; i++) {
        char email[64], ms[32], num[16];
        json_t *p = json_object();
        snprintf(email, sizeof(email), "user%d@example.com", i);
        snprintf(ms, sizeof(ms), "%lld", 1700000000000LL + i * 86400000LL);
        snprintf(num, sizeof(num), "%d", 20 + i % 50);
        json_object_set_new(p, "email", json_string(email));
        json_object_set_new(p, "firstname", json_string("Ann"));
        json_object_set_new(p, "lastname", json_string("Lee"));
        json_object_set_new(p, "phone", json_string("+1 555 0100"));
        json_object_set_new(p, "company", json_string("Acme"));
        json_object_set_new(p, "city", json_string("Boston"));
        json_object_set_new(p, "state", json_string("MA"));
        json_object_set_new(p, "zip", json_string("02110"));
        json_object_set_new(p, "country", json_string("US"));
        json_object_set_new(p, "age", json_string(num));
        json_object_set_new(p, "score", json_string("12.5"));
        json_object_set_new(p, "optin", json_string("true"));
        json_object_set_new(p, "createdate", json_string(ms));
        json_object_set_new(p, "lastmodifieddate", json_string(ms));
        json_object_set_new(p, "closedate", json_string(ms));
        json_object_set_new(p, "interests", json_string("golf;chess;tea"));
        json_object_set_new(p, "lifecyclestage", json_string("lead"));
        json_object_set_new(p, "jobtitle", json_string("CTO"));
        json_object_set_new(p, "website", json_string("https://acme.test"));
        for (int k = 0; k < 11; k++) {
            char name[16];
            snprintf(name, sizeof(name), "custom_%d", k);
            json_object_set_new(p, name, json_string("some value"));
        }
        json_array_append_new(results,
                              json_pack("{s:s,s:o,s:s,s:s,s:b}", "id", num,
                                        "properties", p, "createdAt",
                                        "2023-11-14T22:13:20.000Z", "updatedAt",
                                        "2023-11-14T22:13:20.000Z", "archived",
                                        0));
    }
    return results;
}

static const char
    *TF = "{\"vendorName\":\"contacts\",\"fields\":["
          "{\"path\":\"id\",\"type\":\"string\",\"vendorPath\":\"id\"},"
          "{\"path\":\"email\",\"type\":\"string\",\"vendorPath\":\"properties."
          "email\"},"
          "{\"path\":\"name.first\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.firstname\"},"
          "{\"path\":\"name.last\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.lastname\"},"
          "{\"path\":\"phone\",\"type\":\"string\",\"vendorPath\":\"properties."
          "phone\"},"
          "{\"path\":\"company\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.company\"},"
          "{\"path\":\"address.city\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.city\"},"
          "{\"path\":\"address.state\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.state\"},"
          "{\"path\":\"address.zip\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.zip\"},"
          "{\"path\":\"address.country\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.country\"},"
          "{\"path\":\"age\",\"type\":\"number\",\"vendorPath\":\"properties."
          "age\",\"vendorType\":\"number\"},"
          "{\"path\":\"score\",\"type\":\"number\",\"vendorPath\":\"properties."
          "score\"},"
          "{\"path\":\"optIn\",\"type\":\"boolean\",\"vendorPath\":"
          "\"properties.optin\"},"
          "{\"path\":\"created\",\"type\":\"date\",\"vendorPath\":\"properties."
          "createdate\"},"
          "{\"path\":\"modified\",\"type\":\"date\",\"vendorPath\":"
          "\"properties.lastmodifieddate\"},"
          "{\"path\":\"closeDay\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.closedate\","
          "\"configuration\":[{\"type\":\"transformDate\",\"properties\":{"
          "\"pattern\":\"yyyy-MM-dd\"}}]},"
          "{\"path\":\"interests\",\"type\":\"array[string]\",\"vendorPath\":"
          "\"properties.interests\"},"
          "{\"path\":\"stage\",\"type\":\"string\",\"vendorPath\":\"properties."
          "lifecyclestage\"},"
          "{\"path\":\"title\",\"type\":\"string\",\"vendorPath\":\"properties."
          "jobtitle\"},"
          "{\"path\":\"missing\",\"type\":\"string\",\"vendorPath\":"
          "\"properties.not_in_portal\"}"
          "]}";

int main(int argc, char **argv)
{
    uint64_t n = 2000;
    char err[300];
    json_t *recs = page(), *tf = json_loads(TF, 0, NULL), *mapped;
    struct tf_map *m;
    double t0, t_from, t_to, t_json;
    char *text;
    size_t sink = 0;

    if (argc > 1 && !ed_parse_u64(argv[1], 1000000, &n))
        return 2;
    m = tf_map_compile("myContact", tf, NULL, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    mapped = json_array();
    for (size_t i = 0; i < RECORDS; i++)
        json_array_append_new(mapped,
                              tf_map_from_vendor(m, json_array_get(recs, i)));

    t0 = now_ns();
    for (uint64_t r = 0; r < n; r++)
        for (size_t i = 0; i < RECORDS; i++) {
            json_t *o = tf_map_from_vendor(m, json_array_get(recs, i));
            sink += json_object_size(o);
            json_decref(o);
        }
    t_from = (now_ns() - t0) / (double)(n * RECORDS);

    t0 = now_ns();
    for (uint64_t r = 0; r < n; r++)
        for (size_t i = 0; i < RECORDS; i++) {
            json_t *o = tf_map_to_vendor(m, json_array_get(mapped, i), err,
                                         sizeof(err));
            sink += json_object_size(o);
            json_decref(o);
        }
    t_to = (now_ns() - t0) / (double)(n * RECORDS);

    text = json_dumps(recs, JSON_COMPACT);
    t0 = now_ns();
    for (uint64_t r = 0; r < n / 10 + 1; r++) {
        json_t *p = json_loads(text, 0, NULL);
        char *out = json_dumps(p, JSON_COMPACT);
        sink += strlen(out);
        free(out);
        json_decref(p);
    }
    t_json = (now_ns() - t0) / (double)((n / 10 + 1) * RECORDS);

    /* fromVendor on the text of each record, as the virtual read gets it */
    char *rec_text[RECORDS];
    size_t rec_len[RECORDS];
    struct tf_stream_opts so = {"vid", true};
    struct ed_buf ob;
    double t_tree, t_stream, t_native;
    ed_buf_init(&ob, 1 << 24);
    for (size_t i = 0; i < RECORDS; i++) {
        rec_text[i] = json_dumps(json_array_get(recs, i), JSON_COMPACT);
        rec_len[i] = strlen(rec_text[i]);
    }
    /* the two ways agree on these records */
    for (size_t i = 0; i < RECORDS; i++) {
        json_t *v, *o, *g;
        char *a, *b;
        ed_buf_reset(&ob);
        if (jsonfilter_copy(rec_text[i], rec_len[i], true, "vid", &ob) != ED_OK)
            return 1;
        v = json_loads(ob.data, 0, NULL);
        o = tf_map_from_vendor(m, v);
        ed_buf_reset(&ob);
        if (!tf_map_stream_record(m, rec_text[i], rec_text[i] + rec_len[i], &so,
                                  &ob))
            return 1;
        g = json_loads(ob.data, 0, NULL);
        a = json_dumps(o, JSON_COMPACT);
        b = json_dumps(g, JSON_COMPACT);
        if (!a || !b || strcmp(a, b) != 0) {
            fprintf(stderr, "streamed %s\ntree     %s\n", b, a);
            return 1;
        }
        free(a);
        free(b);
        json_decref(v);
        json_decref(o);
        json_decref(g);
    }
    t0 = now_ns();
    for (uint64_t r = 0; r < n / 4 + 1; r++) {
        ed_buf_reset(&ob);
        for (size_t i = 0; i < RECORDS; i++) {
            json_t *v = json_loadb(rec_text[i], rec_len[i], 0, NULL);
            json_t *o = tf_map_from_vendor(m, v);
            char *d = json_dumps(o, JSON_COMPACT);
            ed_buf_appends(&ob, d);
            free(d);
            json_decref(o);
            json_decref(v);
        }
        sink += ob.len;
    }
    t_tree = (now_ns() - t0) / (double)((n / 4 + 1) * RECORDS);
    t0 = now_ns();
    for (uint64_t r = 0; r < n; r++) {
        ed_buf_reset(&ob);
        for (size_t i = 0; i < RECORDS; i++)
            if (!tf_map_stream_record(m, rec_text[i], rec_text[i] + rec_len[i],
                                      &so, &ob))
                return 1;
        sink += ob.len;
    }
    t_stream = (now_ns() - t0) / (double)(n * RECORDS);
    t0 = now_ns();
    for (uint64_t r = 0; r < n; r++) {
        ed_buf_reset(&ob);
        for (size_t i = 0; i < RECORDS; i++)
            if (jsonfilter_copy(rec_text[i], rec_len[i], true, "vid", &ob) !=
                ED_OK)
                return 1;
        sink += ob.len;
    }
    t_native = (now_ns() - t0) / (double)(n * RECORDS);

    printf("records=%d fields=20 rounds=%llu\n", RECORDS,
           (unsigned long long)n);
    printf("fromVendor: %.0f ns/record (%.1f us per 100-record page)\n", t_from,
           t_from * RECORDS / 1000);
    printf("toVendor:   %.0f ns/record\n", t_to);
    printf("jansson parse+dump of the vendor page: %.0f ns/record\n", t_json);
    printf("record text (%zu bytes) to mapped text:\n", rec_len[0]);
    printf("  parsed + fromVendor + dumped (jansson): %.0f ns/record\n",
           t_tree);
    printf("  streamed (tf_map_stream_record):        %.0f ns/record\n",
           t_stream);
    printf("  native reshaper copy (jsonfilter_copy): %.0f ns/record\n",
           t_native);
    printf("(sink %zu)\n", sink);
    for (size_t i = 0; i < RECORDS; i++)
        free(rec_text[i]);
    ed_buf_cleanup(&ob);
    free(text);
    json_decref(mapped);
    json_decref(recs);
    json_decref(tf);
    tf_map_free(m);
    return 0;
}
