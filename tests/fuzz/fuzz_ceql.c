/* SPDX-License-Identifier: MIT
 * libFuzzer target for api/ceql.c. The input is a where clause, optionally
 * followed by a newline and an orderBy value. Besides crashes and sanitizer
 * reports it checks the module's contract and aborts when it breaks:
 * translate succeeds only on input that ceql_check accepts, a success is a
 * body within HubSpot's limits (5 groups, 6 filters per group, 18 filters,
 * one sort) that serialises, and a failure leaves a "CEQL: " message that
 * is valid UTF-8 (it ends up in a JSON error envelope). Built with
 * -DED_FUZZ_REPLAY it gets a plain main() instead, which feeds files or
 * directories of inputs to the same entry point: that is how CTest replays
 * corpus/ceql and regressions/ceql without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ceql.h"

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

#ifdef ED_FUZZ_REPLAY
#include <dirent.h>
#include <sys/stat.h>

int main(int argc, char **argv);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;
    int rc = 1;

    if (!f) {
        fprintf(stderr, "fuzz_ceql_replay: cannot open %s\n", path);
        return 1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *p;

            cap = cap ? cap * 2 : 4096;
            if (cap > 16 * INPUT_MAX) {
                fprintf(stderr, "fuzz_ceql_replay: %s is too large\n", path);
                goto out;
            }
            if (!(p = realloc(data, cap)))
                abort();
            data = p;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "fuzz_ceql_replay: cannot read %s\n", path);
        goto out;
    }
    LLVMFuzzerTestOneInput(data, len);
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}

/* A file, or every regular file in a directory (dot-files skipped). */
static int replay_path(const char *path, size_t *count)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int rc = 0;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz_ceql_replay: no such file: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    if (!(d = opendir(path)))
        return 1;
    while ((e = readdir(d))) {
        char full[4096];

        if (e->d_name[0] == '.')
            continue;
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            rc |= replay_file(full);
        }
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        rc |= replay_path(argv[i], &count);
    fprintf(stderr, "fuzz_ceql_replay: %zu input(s) replayed\n", count);
    return rc;
}
#endif
