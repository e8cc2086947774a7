/* SPDX-License-Identifier: MIT
 * Transformation script cost (not run in CI): build with
 *   cmake --build build --target script_bench && build/script_bench
 * Prints the cost of one run with no records (a fresh Duktape heap, the
 * globals removed, the body compiled, the heap destroyed) and the cost of a
 * small script over a page of 100 records of 20 fields with their
 * originals, through both variants: json_t (tf_script_run) and JSON text
 * (tf_script_run_text, the hot path of reads). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transform/script.h"

#define ROUNDS 200

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const struct tf_script_limits lim = {.cpu_ms = 10000,
                                            .memory_bytes = 32u << 20};

static void fail(const char *err)
{
    fprintf(stderr, "script_bench: %s\n", err);
    exit(1);
}

/* Median wall time of one json_t run over `records`, in ms. */
static double time_run(const char *body, const json_t *records,
                       const json_t *originals)
{
    static double t[ROUNDS];
    char err[512];
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = now_ms();
        json_t *out = tf_script_run("bench", body, records, originals, true,
                                    false, &lim, err, sizeof(err));
        t[i] = now_ms() - t0;
        if (!out)
            fail(err);
        json_decref(out);
    }
    qsort(t, ROUNDS, sizeof(t[0]), cmp);
    return t[ROUNDS / 2];
}

/* The same on JSON text. */
static double time_run_text(const char *body, const char *records,
                            const char *originals)
{
    static double t[ROUNDS];
    char err[512];
    for (int i = 0; i < ROUNDS; i++) {
        size_t len;
        double t0 = now_ms();
        char *out = tf_script_run_text("bench", body, records, strlen(records),
                                       originals,
                                       originals ? strlen(originals) : 0, true,
                                       false, &lim, &len, err, sizeof(err));
        t[i] = now_ms() - t0;
        if (!out)
            fail(err);
        free(out);
    }
    qsort(t, ROUNDS, sizeof(t[0]), cmp);
    return t[ROUNDS / 2];
}

int main(void)
{
    const char *body =
        "transformedObject.source = 'hubspot'; done(transformedObject);";
    json_t *none = json_array(), *recs = json_array(), *origs = json_array();
    for (int r = 0; r < 100; r++) {
        json_t *o = json_object(), *p = json_object();
        for (int f = 0; f < 20; f++) {
            char k[16];
            snprintf(k, sizeof(k), "field%02d", f);
            json_t *v = f % 2 ? json_integer(r * 100 + f)
                              : json_sprintf("value %d-%d", r, f);
            json_object_set(o, k, v);
            json_object_set_new(p, k, v);
        }
        json_array_append_new(recs, o);
        json_array_append_new(origs,
                              json_pack("{s:i,s:o}", "id", r, "properties", p));
    }
    char *trecs = json_dumps(recs, JSON_COMPACT);
    char *torigs = json_dumps(origs, JSON_COMPACT);
    double empty = time_run(body, none, NULL);
    double full = time_run(body, recs, origs);
    double text = time_run_text(body, trecs, torigs);
    printf("run with no records (heap, sandbox, compile, destroy): %.3f ms\n",
           empty);
    printf("100 records x 20 fields, with originals:\n"
           "  json_t: %.0f us per page, %.1f us per record\n"
           "  text:   %.0f us per page, %.1f us per record\n",
           full * 1000.0, (full - empty) * 1000.0 / 100, text * 1000.0,
           (text - empty) * 1000.0 / 100);
    free(trecs);
    free(torigs);
    json_decref(none);
    json_decref(recs);
    json_decref(origs);
    return 0;
}
