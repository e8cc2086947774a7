/* SPDX-License-Identifier: MIT
 * Transformation script cost (not run in CI): build with
 *   cmake --build build --target script_bench && build/script_bench
 * Prints the cost of one run with no records (a fresh Duktape heap, the
 * globals removed, the body compiled, the heap destroyed) and the cost per
 * record of a small script over 100 records of 20 fields. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Median wall time of one run over `records`, in ms. */
static double time_run(const char *body, const json_t *records)
{
    static double t[ROUNDS];
    struct tf_script_limits lim = {.cpu_ms = 10000, .memory_bytes = 32u << 20};
    char err[512];
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = now_ms();
        json_t *out = tf_script_run("bench", body, records, NULL, true, false,
                                    &lim, err, sizeof(err));
        t[i] = now_ms() - t0;
        if (!out) {
            fprintf(stderr, "script_bench: %s\n", err);
            exit(1);
        }
        json_decref(out);
    }
    qsort(t, ROUNDS, sizeof(t[0]), cmp);
    return t[ROUNDS / 2];
}

int main(void)
{
    const char *body =
        "transformedObject.source = 'hubspot'; done(transformedObject);";
    json_t *none = json_array(), *recs = json_array();
    for (int r = 0; r < 100; r++) {
        json_t *o = json_object();
        for (int f = 0; f < 20; f++) {
            char k[16];
            snprintf(k, sizeof(k), "field%02d", f);
            json_object_set_new(o, k,
                                f % 2 ? json_integer(r * 100 + f)
                                      : json_sprintf("value %d-%d", r, f));
        }
        json_array_append_new(recs, o);
    }
    double empty = time_run(body, none);
    double full = time_run(body, recs);
    printf("run with no records (heap, sandbox, compile, destroy): %.3f ms\n",
           empty);
    printf("100 records x 20 fields: %.3f ms per run, %.1f us per record\n",
           full, (full - empty) * 1000.0 / 100);
    json_decref(none);
    json_decref(recs);
    return 0;
}
