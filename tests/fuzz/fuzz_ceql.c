/* SPDX-License-Identifier: MIT
 * libFuzzer target for api/ceql.c. The input is a where clause, optionally
 * followed by a newline and an orderBy value. Besides crashes and sanitizer
 * reports it checks the module's contract and aborts when it breaks:
 * translate succeeds only on input that ceql_check accepts, a success is a
 * body within HubSpot's limits (5 groups, 6 filters per group, 18 filters,
 * one sort) that serialises, and a failure leaves a "CEQL: " message that
 * is valid UTF-8 (it ends up in a JSON error envelope). CTest replays
 * corpus/ceql and regressions/ceql through tests/fuzz/replay.c's main(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/ceql.h"

#define INPUT_MAX (3 * CEQL_MAX_LEN) /* past the length limit, not far */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_ceql: contract broken: %s\n", what);
        abort();
    }
}

static void check_err(const char *err)
{
    json_t *j = json_string(err);

    require(strncmp(err, "CEQL: ", 6) == 0, "error message prefix");
    require(j != NULL, "error message is valid UTF-8");
    json_decref(j);
}

static void check_body(json_t *body)
{
    json_t *groups = json_object_get(body, "filterGroups");
    json_t *sorts = json_object_get(body, "sorts");
    json_t *g, *f;
    size_t i, k, total = 0;
    char *s;

    require(json_is_array(groups), "filterGroups is an array");
    require(json_array_size(groups) <= CEQL_HS_MAX_GROUPS, "group limit");
    json_array_foreach(groups, i, g) {
        json_t *filters = json_object_get(g, "filters");

        require(json_is_array(filters) && json_array_size(filters) > 0,
                "non-empty filters array");
        require(json_array_size(filters) <= CEQL_HS_MAX_FILTERS_PER_GROUP,
                "filters per group limit");
        total += json_array_size(filters);
        json_array_foreach(filters, k, f) {
            require(json_is_string(json_object_get(f, "propertyName")),
                    "propertyName");
            require(json_is_string(json_object_get(f, "operator")),
                    "operator");
        }
    }
    require(total <= CEQL_HS_MAX_FILTERS, "total filter limit");
    require(!sorts || (json_is_array(sorts) && json_array_size(sorts) == 1),
            "at most one sort, never empty");
    s = json_dumps(body, JSON_COMPACT);
    require(s != NULL, "body serialises");
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ceql_options contacts = {"contacts",
                                                 "lastmodifieddate"};
    static const struct ceql_options deals = {"deals", NULL};
    char err[256], *buf, *order_by;
    json_t *out = NULL;
    enum ed_err checked, rc;

    if (size > INPUT_MAX)
        return 0;
    buf = malloc(size + 1);
    if (!buf)
        abort();
    memcpy(buf, data, size);
    buf[size] = '\0';
    order_by = strchr(buf, '\n');
    if (order_by)
        *order_by++ = '\0';

    checked = ceql_check(buf, err, sizeof(err));
    if (checked != ED_OK)
        check_err(err);
    rc = ceql_translate(buf, order_by, &contacts, &out, err, sizeof(err));
    if (rc == ED_OK) {
        require(checked == ED_OK, "translate accepts only what check does");
        check_body(out);
        json_decref(out);
        out = NULL;
    } else {
        require(out == NULL, "no output on error");
        check_err(err);
    }
    /* Another object type, no orderBy, and a tiny error buffer. */
    rc = ceql_translate(buf, NULL, &deals, &out, err, 7);
    if (rc == ED_OK) {
        check_body(out);
        json_decref(out);
    } else {
        require(strlen(err) < 7, "error fits its buffer");
    }
    free(buf);
    return 0;
}
