/* SPDX-License-Identifier: MIT
 * transform/script: the done() contract, the variables a body sees, the
 * sandbox (no host globals, fresh globals per run, CPU and memory limits
 * that stop a runaway script with a message naming the transformation),
 * and the pool (every job done once, cancel of a queued or running job). */
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "transform/script.h"

static const struct tf_script_limits lim = {.cpu_ms = 200,
                                            .memory_bytes = 8u << 20};
static char err[512];

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
    if (!v)
        fprintf(stderr, "bad test JSON: %s\n", e.text);
    CHECK(v != NULL);
    return v;
}

static char text_err[512];

/* The text variant on the same input: its result text parsed back and
 * dumped with sorted keys (a heap string), or NULL with text_err set. */
static char *run_text(const char *body, const char *records,
                      const char *originals, bool from_vendor,
                      bool filter_empty)
{
    size_t len = 0;
    text_err[0] = '\0';
    char *t = tf_script_run_text("myContact", body, records, strlen(records),
                                 originals, originals ? strlen(originals) : 0,
                                 from_vendor, filter_empty, &lim, &len,
                                 text_err, sizeof(text_err));
    if (!t)
        return NULL;
    CHECK_EQ_INT((long long)len, (long long)strlen(t));
    json_t *v = J(t);
    free(t);
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(v);
    return s;
}

/* Run body over the records text with both variants, which must agree;
 * returns the result as compact text (a static buffer) or NULL with err
 * set. */
static const char *run(const char *body, const char *records,
                       const char *originals, bool from_vendor,
                       bool filter_empty)
{
    static char out[4096];
    json_t *rec = J(records), *orig = originals ? J(originals) : NULL;
    err[0] = '\0';
    json_t *res = tf_script_run("myContact", body, rec, orig, from_vendor,
                                filter_empty, &lim, err, sizeof(err));
    json_decref(rec);
    json_decref(orig);
    char *text = run_text(body, records, originals, from_vendor, filter_empty);
    if (!res) {
        CHECK(text == NULL);
        CHECK_EQ_STR(text_err, err);
        free(text);
        return NULL;
    }
    char *s = json_dumps(res, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(res);
    CHECK(text != NULL);
    if (text)
        CHECK_EQ_STR(text, s);
    free(text);
    snprintf(out, sizeof(out), "%s", s);
    free(s);
    return out;
}

static void test_done_contract(void)
{
    CHECK_EQ_STR(run("transformedObject.source = 'hubspot'; "
                     "done(transformedObject);",
                     "[{\"id\":1},{\"id\":2}]", NULL, true, false),
                 "[{\"id\":1,\"source\":\"hubspot\"},"
                 "{\"id\":2,\"source\":\"hubspot\"}]");
    /* done(x) replaces the record; the first call wins */
    CHECK_EQ_STR(run("done({n: transformedObject.id * 10}); done({n: 0});",
                     "[{\"id\":4}]", NULL, true, false),
                 "[{\"n\":40}]");
    /* without done, the modified transformedObject is the result */
    CHECK_EQ_STR(run("transformedObject.x = [1, 'a', null]; "
                     "delete transformedObject.id;",
                     "[{\"id\":1,\"y\":true}]", NULL, true, false),
                 "[{\"x\":[1,\"a\",null],\"y\":true}]");
    /* an empty batch is an empty array */
    CHECK_EQ_STR(run("done(1);", "[]", NULL, true, false), "[]");
}

static void test_variables(void)
{
    CHECK_EQ_STR(run("done({o: originalObject.properties.email, "
                     "f: fromVendor});",
                     "[{\"email\":\"x\"}]",
                     "[{\"properties\":{\"email\":\"a@b.c\"}}]", true, false),
                 "[{\"f\":true,\"o\":\"a@b.c\"}]");
    CHECK_EQ_STR(run("done({f: fromVendor});", "[{}]", NULL, false, false),
                 "[{\"f\":false}]");
    /* without originals, originalObject is the record before the body ran */
    CHECK_EQ_STR(run("transformedObject.a = 2; "
                     "done({a: transformedObject.a, o: originalObject.a});",
                     "[{\"a\":1}]", NULL, false, false),
                 "[{\"a\":2,\"o\":1}]");
}

static void test_filter_empty(void)
{
    const char *body = "if (transformedObject.k == 1) done(null);"
                       "else if (transformedObject.k == 2) done();"
                       "else if (transformedObject.k == 3) done({});"
                       "else done({k: transformedObject.k});";
    const char *recs = "[{\"k\":1},{\"k\":2},{\"k\":3},{\"k\":4}]";
    CHECK_EQ_STR(run(body, recs, NULL, true, true), "[{\"k\":4}]");
    /* without filterEmptyResponse, null is not a record */
    CHECK(run(body, recs, NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record "
                      "0 is not an object (got null)");
}

static void test_bad_results(void)
{
    CHECK(run("done(42);", "[{}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record "
                      "0 is not an object (got a number)");
    CHECK(run("done([1]);", "[{}]", NULL, true, false) == NULL);
    CHECK(strstr(err, "(got an array)"));
    CHECK(run("var o = {}; o.self = o; done(o);", "[{}]", NULL, true, false) ==
          NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record 0 "
                      "cannot be serialised: TypeError: cyclic input");
}

static void test_throw_names_line(void)
{
    CHECK(run("var a = 1;\nthrow new Error('boom');", "[{}]", NULL, true,
              false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script error: Error: boom "
                      "(line 2)");
    CHECK(run("\n\nx.y = 1;", "[{}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script error: "
                      "ReferenceError: identifier 'x' undefined (line 3)");
    CHECK(run("throw 'plain';", "[{}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script error: uncaught "
                      "plain");
    /* a long message is cut, and stays valid UTF-8 */
    CHECK(run("throw new Error(new Array(400).join('\\u00e9'));", "[{}]", NULL,
              true, false) == NULL);
    CHECK(strlen(err) < 400);
    json_t *s = json_string(err);
    CHECK(s != NULL);
    json_decref(s);
}

static void test_syntax_error(void)
{
    CHECK(run("done(transformedObject;", "[{}]", NULL, true, false) == NULL);
    CHECK(strncmp(err,
                  "transformation 'myContact': script syntax error: "
                  "SyntaxError: ",
                  62) == 0);
    CHECK(strstr(err, "(line 1"));
    /* a stray closing brace is an error, not the end of the script */
    CHECK(run("done({a: 1}); }", "[{}]", NULL, true, false) == NULL);
    CHECK(strstr(err, "script syntax error: SyntaxError"));
    CHECK(run("done({a: 1}); } garbage {", "[{}]", NULL, true, false) == NULL);
    CHECK(strstr(err, "script syntax error: SyntaxError"));
    /* a body may return early */
    CHECK_EQ_STR(run("if (transformedObject.a) return; done({b: 1});",
                     "[{\"a\":1},{}]", NULL, true, false),
                 "[{\"a\":1},{\"b\":1}]");
}

static void test_cpu_limit(void)
{
    CHECK(run("while (true) {}", "[{}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its CPU "
                      "time limit of 200 ms");
    /* catching the timeout does not help */
    CHECK(run("for (;;) { try { while (true) {} } catch (e) {} }", "[{}]", NULL,
              true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its CPU "
                      "time limit of 200 ms");
}

static void test_memory_limit(void)
{
    CHECK(run("var a = []; for (;;) a.push('x' + a.length);", "[{}]", NULL,
              true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its memory "
                      "limit of 8 MiB");
    CHECK(run("var s = 'x'; for (;;) s = s + s;", "[{}]", NULL, true, false) ==
          NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its memory "
                      "limit of 8 MiB");
}

static void test_no_host_globals(void)
{
    CHECK_EQ_STR(run("done({r: typeof require, p: typeof print, "
                     "a: typeof alert, d: typeof Duktape, "
                     "s: typeof setTimeout, i: typeof setInterval, "
                     "c: typeof console, pr: typeof process, "
                     "m: typeof module, cb: typeof CBOR, "
                     "te: typeof TextEncoder, pf: typeof performance, "
                     "j: typeof JSON, math: typeof Math});",
                     "[{}]", NULL, true, false),
                 "[{\"a\":\"undefined\",\"c\":\"undefined\","
                 "\"cb\":\"undefined\",\"d\":\"undefined\","
                 "\"i\":\"undefined\",\"j\":\"object\",\"m\":\"undefined\","
                 "\"math\":\"object\",\"p\":\"undefined\","
                 "\"pf\":\"undefined\",\"pr\":\"undefined\","
                 "\"r\":\"undefined\",\"s\":\"undefined\","
                 "\"te\":\"undefined\"}]");
    /* nothing but ECMAScript's own globals is left */
    CHECK_EQ_STR(run("var g = Function('return this')(); var extra = [];"
                     "Object.getOwnPropertyNames(g).forEach(function (k) {"
                     "  if (!/^(Array|ArrayBuffer|Boolean|DataView|Date|"
                     "Error|EvalError|Float32Array|Float64Array|Function|"
                     "Infinity|Int16Array|Int32Array|Int8Array|JSON|Math|NaN|"
                     "Number|Object|Proxy|RangeError|ReferenceError|Reflect|"
                     "RegExp|String|Symbol|SyntaxError|TypeError|URIError|"
                     "Uint16Array|Uint32Array|Uint8Array|Uint8ClampedArray|"
                     "decodeURI|decodeURIComponent|encodeURI|"
                     "encodeURIComponent|escape|eval|globalThis|isFinite|"
                     "isNaN|parseFloat|parseInt|undefined|unescape)$/"
                     ".test(k)) extra.push(k); });"
                     "done({extra: extra});",
                     "[{}]", NULL, true, false),
                 "[{\"extra\":[]}]");
}

static void test_runs_are_isolated(void)
{
    CHECK_EQ_STR(run("leaked = 1; Object.prototype.polluted = 2; "
                     "done({});",
                     "[{}]", NULL, true, false),
                 "[{}]");
    CHECK_EQ_STR(run("done({l: typeof leaked, p: typeof ({}).polluted});",
                     "[{}]", NULL, true, false),
                 "[{\"l\":\"undefined\",\"p\":\"undefined\"}]");
}

/* --- the text variant ---------------------------------------------------- */

static char *text_run(const char *body, const char *records,
                      const char *originals, bool filter_empty, size_t *len)
{
    err[0] = '\0';
    return tf_script_run_text("myContact", body, records,
                              records ? strlen(records) : 0, originals,
                              originals ? strlen(originals) : 0, true,
                              filter_empty, &lim, len, err, sizeof(err));
}

static void test_text_result(void)
{
    size_t len = 0;
    char *t = text_run("transformedObject.s = originalObject.p;",
                       "[{\"a\":1},{\"b\":\"\u00e9\\n\"}]",
                       "[{\"p\":\"x\"},{\"p\":[2]}]", false, &len);
    CHECK_EQ_STR(t, "[{\"a\":1,\"s\":\"x\"},{\"b\":\"\u00e9\\n\",\"s\":[2]}]");
    CHECK_EQ_INT(len, strlen(t));
    free(t);
    /* every record left out: an empty array */
    t = text_run("done(null);", "[{},{}]", NULL, true, &len);
    CHECK_EQ_STR(t, "[]");
    CHECK_EQ_INT(len, 2);
    free(t);
    /* a result is what it was when its call returned, even if a later call
     * changes the object */
    t = text_run("if (!this.keep) this.keep = {n: 0}; keep.n++; done(keep);",
                 "[{},{}]", NULL, false, &len);
    CHECK_EQ_STR(t, "[{\"n\":1},{\"n\":2}]");
    free(t);
}

static void test_text_bad_input(void)
{
    size_t len;
    const char *pre = "transformation 'myContact': script input is not an "
                      "array of records";
    CHECK(text_run("done({});", "[{\"a\":1},", NULL, false, &len) == NULL);
    CHECK(strncmp(err, pre, strlen(pre)) == 0);
    CHECK(strstr(err, ": SyntaxError: "));
    CHECK(text_run("done({});", "{\"a\":1}", NULL, false, &len) == NULL);
    CHECK_EQ_STR(err, pre);
    CHECK(text_run("done({});", NULL, NULL, false, &len) == NULL);
    CHECK_EQ_STR(err, pre);
    /* originals: malformed, not an array, or of another length */
    CHECK(text_run("done({});", "[{}]", "[{}", false, &len) == NULL);
    CHECK(strncmp(err, pre, strlen(pre)) == 0);
    CHECK(text_run("done({});", "[{}]", "7", false, &len) == NULL);
    CHECK_EQ_STR(err, pre);
    CHECK(text_run("done({});", "[{}]", "[{},{}]", false, &len) == NULL);
    CHECK_EQ_STR(err, pre);
    CHECK(text_run("done({});", "[{},{}]", "[{}]", false, &len) == NULL);
    CHECK_EQ_STR(err, pre);
}

static void test_text_unreadable_results(void)
{
    /* the engine writes a lone surrogate as CESU-8, and a NUL as \u0000:
     * neither is JSON every reader takes (both variants agree) */
    CHECK(run("done({e: transformedObject.i ? '\\ud83d' : 'a'});",
              "[{\"i\":0},{\"i\":1}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record 1 "
                      "cannot be read: unable to decode byte 0xed");
    CHECK(run("done({e: 'x\\u0000'});", "[{}]", NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record 0 "
                      "cannot be read: \\u0000 is not allowed");
    /* a character past U+FFFF, from the input (a \u pair or raw) or made by
     * the script, comes out as UTF-8 */
    CHECK_EQ_STR(run("done({e: transformedObject.e, f: '\\ud83d\\ude01', "
                     "g: transformedObject.g});",
                     "[{\"e\":\"\\ud83d\\ude00\",\"g\":\"\xF0\x9F\x98\x82\"}]",
                     NULL, true, false),
                 "[{\"e\":\"\xF0\x9F\x98\x80\",\"f\":\"\xF0\x9F\x98\x81\","
                 "\"g\":\"\xF0\x9F\x98\x82\"}]");
    size_t len;
    char *t = text_run("done({e: transformedObject.e + '\\u00e9'});",
                       "[{\"e\":\"\\ud83d\\ude00\"}]", NULL, false, &len);
    CHECK_EQ_STR(t, "[{\"e\":\"\xF0\x9F\x98\x80\xC3\xA9\"}]");
    free(t);
    /* toJSON: an object whose JSON is not an object */
    CHECK(run("done({toJSON: function () { return 1; }});", "[{}]", NULL, true,
              false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script result of record 0 "
                      "is not an object (got JSON that is not an object)");
}

static void test_text_memory(void)
{
    size_t len;
    /* the records as the engine holds them count */
    size_t n = 9u << 20;
    char *big = malloc(n + 16);
    memcpy(big, "[{\"s\":\"", 7);
    memset(big + 7, 'x', n);
    memcpy(big + 7 + n, "\"}]", 4);
    CHECK(text_run("done({});", big, NULL, false, &len) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its memory "
                      "limit of 8 MiB");
    free(big);
    /* and so do the results written so far: 64 results of 256 KiB each,
     * any one of which fits */
    CHECK(run("done({s: new Array(262144).join('x')});",
              "[{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
              "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
              "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
              "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]",
              NULL, true, false) == NULL);
    CHECK_EQ_STR(err, "transformation 'myContact': script exceeded its memory "
                      "limit of 8 MiB");
    char *t = text_run("done({s: new Array(262144).join('x')});", "[{},{}]",
                       NULL, false, &len);
    CHECK(t != NULL);
    CHECK_EQ_INT(len, 2 * (262143 + 8) + 3);
    free(t);
}

/* --- the pool ------------------------------------------------------------- */

static atomic_int done_count;
static atomic_int done_fail;

struct slot {
    atomic_int calls;
    atomic_int ok;
};

static void count_done(void *ud, json_t *result, const char *e)
{
    struct slot *s = ud;
    atomic_fetch_add(&s->calls, 1);
    if (result && json_array_size(result) == 1)
        atomic_store(&s->ok, 1);
    else
        atomic_fetch_add(&done_fail, 1);
    json_decref(result);
    atomic_fetch_add(&done_count, 1);
}

#define PER_THREAD 50
static struct slot slots[4][PER_THREAD];
static struct tf_script_job *jobs[4][PER_THREAD];

static void *submitter(void *arg)
{
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        json_t *recs = json_pack("[{s:i}]", "i", i);
        jobs[t][i] = tf_script_submit(
            "myContact", "transformedObject.t = 1; done(transformedObject);",
            recs, NULL, true, false, count_done, &slots[t][i]);
        CHECK(jobs[t][i] != NULL);
    }
    return NULL;
}

static void wait_for(atomic_int *v, int want)
{
    /* no timed assertion: CTest's timeout catches a hang */
    struct timespec ms = {0, 1000000};
    while (atomic_load(v) < want)
        nanosleep(&ms, NULL);
}

static void test_pool_all_once(void)
{
    CHECK(tf_script_init(2, &lim));
    CHECK(!tf_script_init(2, &lim)); /* already running */
    pthread_t th[4];
    for (int t = 0; t < 4; t++)
        CHECK(pthread_create(&th[t], NULL, submitter, (void *)(intptr_t)t) ==
              0);
    for (int t = 0; t < 4; t++)
        pthread_join(th[t], NULL);
    wait_for(&done_count, 4 * PER_THREAD);
    tf_script_shutdown();
    CHECK_EQ_INT(atomic_load(&done_count), 4 * PER_THREAD);
    CHECK_EQ_INT(atomic_load(&done_fail), 0);
    for (int t = 0; t < 4; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            CHECK_EQ_INT(atomic_load(&slots[t][i].calls), 1);
            CHECK_EQ_INT(atomic_load(&slots[t][i].ok), 1);
            /* done has run: cancel says so and lets go */
            CHECK(!tf_script_cancel(jobs[t][i]));
        }
    /* not running: refused, and the records' reference is taken */
    CHECK(tf_script_submit("x", "done({})", json_array(), NULL, true, false,
                           count_done, &slots[0][0]) == NULL);
}

struct gate {
    atomic_int calls;
};

static void gate_done(void *ud, json_t *result, const char *e)
{
    struct gate *g = ud;
    json_decref(result);
    atomic_fetch_add(&g->calls, 1);
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Wait until the process has burnt `ms` more CPU time than at `from`: with
 * this thread asleep and one worker, a spinning job is then running. */
static void wait_cpu(double from, double ms)
{
    struct timespec t = {0, 1000000};
    while (cpu_ms() - from < ms)
        nanosleep(&t, NULL);
}

static void test_pool_cancel(void)
{
    CHECK(tf_script_init(1,
                         &(struct tf_script_limits){.cpu_ms = 60000,
                                                    .memory_bytes = 8u << 20}));
    struct gate loop = {0}, queued = {0}, after = {0};
    double t0 = cpu_ms();
    /* one worker: the loop runs (60 s of CPU allowed), the next waits */
    struct tf_script_job *jl = tf_script_submit("spin", "while (true) {}",
                                                J("[{}]"), NULL, true, false,
                                                gate_done, &loop);
    struct tf_script_job *jq = tf_script_submit("queued", "done({})", J("[{}]"),
                                                NULL, true, false, gate_done,
                                                &queued);
    CHECK(jl && jq);
    wait_cpu(t0, 50);
    CHECK(tf_script_cancel(jq)); /* queued: dropped */
    /* running: interrupted at its next check, and the worker moves on (if
     * it were not, "after" would wait for the 60 s limit and loop's done
     * would be called with the timeout) */
    CHECK(tf_script_cancel(jl));
    struct tf_script_job *ja = tf_script_submit("after", "done({})", J("[{}]"),
                                                NULL, true, false, gate_done,
                                                &after);
    CHECK(ja != NULL);
    wait_for(&after.calls, 1);
    tf_script_release(ja);
    tf_script_shutdown();
    CHECK_EQ_INT(atomic_load(&queued.calls), 0);
    CHECK_EQ_INT(atomic_load(&loop.calls), 0);
    CHECK_EQ_INT(atomic_load(&after.calls), 1);
}

struct text_gate {
    atomic_int calls;
    char result[64];
};

static void text_done(void *ud, char *result, size_t len, const char *e)
{
    struct text_gate *g = ud;
    snprintf(g->result, sizeof(g->result), "%s",
             result && len == strlen(result) ? result : e);
    free(result);
    atomic_fetch_add(&g->calls, 1);
}

static void test_pool_text(void)
{
    /* not running: refused (the texts are taken) */
    CHECK(tf_script_submit_text("x", "done({})", strdup("[{}]"), 4, NULL, 0,
                                true, false, text_done, NULL) == NULL);
    CHECK(tf_script_init(1,
                         &(struct tf_script_limits){.cpu_ms = 60000,
                                                    .memory_bytes = 8u << 20}));
    struct text_gate loop = {0}, queued = {0}, after = {0}, bad = {0};
    double t0 = cpu_ms();
    struct tf_script_job *jl = tf_script_submit_text("spin", "while (true) {}",
                                                     strdup("[{}]"), 4, NULL, 0,
                                                     true, false, text_done,
                                                     &loop);
    struct tf_script_job *jq = tf_script_submit_text("queued", "done({})",
                                                     strdup("[{}]"), 4, NULL, 0,
                                                     true, false, text_done,
                                                     &queued);
    CHECK(jl && jq);
    wait_cpu(t0, 50);
    CHECK(tf_script_cancel(jq)); /* queued: dropped */
    CHECK(tf_script_cancel(jl)); /* running: interrupted, dropped */
    struct tf_script_job *ja = tf_script_submit_text(
        "after", "done({o: originalObject.id, f: fromVendor});",
        strdup("[{\"a\":1}]"), 9, strdup("[{\"id\":\"7\"}]"), 12, false, false,
        text_done, &after);
    struct tf_script_job *jb = tf_script_submit_text("bad", "done({});",
                                                     strdup("[{}]"), 4,
                                                     strdup("[]"), 2, false,
                                                     false, text_done, &bad);
    CHECK(ja && jb);
    wait_for(&bad.calls, 1);
    tf_script_release(ja);
    tf_script_release(jb);
    tf_script_shutdown();
    CHECK_EQ_INT(atomic_load(&queued.calls), 0);
    CHECK_EQ_INT(atomic_load(&loop.calls), 0);
    CHECK_EQ_INT(atomic_load(&after.calls), 1);
    CHECK_EQ_STR(after.result, "[{\"o\":\"7\",\"f\":false}]");
    CHECK_EQ_STR(bad.result, "transformation 'bad': script input is not an "
                             "array of records");
}

static void test_pool_shutdown_drops_queued(void)
{
    CHECK(tf_script_init(1,
                         &(struct tf_script_limits){.cpu_ms = 2000,
                                                    .memory_bytes = 8u << 20}));
    struct gate spin = {0}, dropped = {0};
    double t0 = cpu_ms();
    struct tf_script_job *js = tf_script_submit("spin", "while (true) {}",
                                                J("[{}]"), NULL, true, false,
                                                gate_done, &spin);
    wait_cpu(t0, 50);
    struct tf_script_job *jd = tf_script_submit("d", "done({})", J("[{}]"),
                                                NULL, true, false, gate_done,
                                                &dropped);
    CHECK(js && jd);
    tf_script_shutdown(); /* waits for the running job, drops the queued */
    CHECK(tf_script_cancel(jd));
    CHECK_EQ_INT(atomic_load(&dropped.calls), 0);
    CHECK_EQ_INT(atomic_load(&spin.calls), 1); /* timed out: done ran */
    CHECK(!tf_script_cancel(js));
    /* the pool starts again after a shutdown */
    CHECK(tf_script_init(1, &lim));
    tf_script_shutdown();
}

int main(void)
{
    RUN(test_done_contract);
    RUN(test_variables);
    RUN(test_filter_empty);
    RUN(test_bad_results);
    RUN(test_throw_names_line);
    RUN(test_syntax_error);
    RUN(test_cpu_limit);
    RUN(test_memory_limit);
    RUN(test_no_host_globals);
    RUN(test_runs_are_isolated);
    RUN(test_text_result);
    RUN(test_text_bad_input);
    RUN(test_text_unreadable_results);
    RUN(test_text_memory);
    RUN(test_pool_all_once);
    RUN(test_pool_cancel);
    RUN(test_pool_text);
    RUN(test_pool_shutdown_drops_queued);
    return 0;
}
