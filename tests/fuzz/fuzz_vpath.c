/* SPDX-License-Identifier: MIT
 * libFuzzer target for transform/vpath.c. The input is a vendorPath,
 * optionally followed by a newline and a JSON record (a fixed HubSpot-like
 * record otherwise). Besides crashes and sanitizer reports it checks the
 * module's contract and aborts when it breaks: a refusal leaves a
 * "vendorPath" message (valid UTF-8 when the input is) that fits its
 * buffer; an accepted path is within the bounds and keeps its text;
 * evaluation never fails; a write that is refused leaves the record as it
 * was, and on a simple path a write that succeeds reads back the value.
 * CTest replays corpus/vpath and regressions/vpath through replay.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform/vpath.h"

#define INPUT_MAX (VPATH_MAX_LEN * 2 + 4096)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char
    *RECORD = "{\"vid\":51,\"properties\":{\"email\":\"a@b.c\",\"n\":null},"
              "\"Items\":[{\"id\":4,\"name\":\"x\",\"tags\":[\"a\",\"b\"]},"
              "{\"id\":\"5\",\"name\":\"y\"},3,null,[1,2]],"
              "\"details\":{\"Items\":[{\"id\":2,\"name\":\"two\"}]}}";

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_vpath: contract broken: %s\n", what);
        abort();
    }
}

static void check_paths(const char *path, bool utf8, json_t *record)
{
    char err[256], tiny[8];
    struct vpath *p = vpath_compile(path, err, sizeof(err));
    struct vpath *q = vpath_compile(path, tiny, sizeof(tiny));
    json_t *v, *copy, *js;

    require(!p == !q, "the error buffer size does not change the verdict");
    vpath_free(q);
    if (!p) {
        require(strncmp(err, "vendorPath", 10) == 0, "error prefix");
        require(strlen(tiny) < sizeof(tiny), "error fits its buffer");
        if (utf8) {
            js = json_string(err);
            require(js != NULL, "error message is valid UTF-8");
            json_decref(js);
        }
        return;
    }
    require(strlen(path) <= VPATH_MAX_LEN, "length bound");
    require(strcmp(vpath_text(p), path) == 0, "text kept");
    require(!vpath_is_simple(p) || vpath_nsteps(p) <= VPATH_MAX_STEPS,
            "step bound");
    for (size_t i = 0; i < vpath_nsteps(p); i++)
        require(vpath_step(p, i) && *vpath_step(p, i), "steps are names");

    v = vpath_get(p, record);
    json_decref(v);

    copy = json_deep_copy(record);
    if (!vpath_set(p, copy, json_string("w"))) {
        require(json_equal(copy, record), "a refused write changes nothing");
    } else if (vpath_is_simple(p)) {
        v = vpath_get(p, copy);
        require(v && json_is_string(v) &&
                    strcmp(json_string_value(v), "w") == 0,
                "a simple path reads back what it wrote");
        json_decref(v);
    }
    /* serialises: nothing cyclic or broken was built */
    char *s = json_dumps(copy, JSON_COMPACT | JSON_ENCODE_ANY);
    require(s != NULL, "the record serialises");
    free(s);
    json_decref(copy);
    vpath_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf, *rec_text;
    json_t *record, *probe;
    bool utf8;

    if (size > INPUT_MAX)
        return 0;
    buf = malloc(size + 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    rec_text = strchr(buf, '\n');
    if (rec_text)
        *rec_text++ = '\0';
    record = rec_text ? json_loads(rec_text, JSON_DECODE_ANY, NULL) : NULL;
    if (!record)
        record = json_loads(RECORD, 0, NULL);
    probe = json_string(buf);
    utf8 = probe != NULL;
    json_decref(probe);
    check_paths(buf, utf8, record);
    json_decref(record);
    free(buf);
    return 0;
}
