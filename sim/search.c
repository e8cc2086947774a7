/* SPDX-License-Identifier: MIT */
/*
 * CRM v3 search for hubspot-sim: POST /crm/v3/objects/{type}/search with
 * HubSpot's filter groups (OR of ANDs), operators, one sort, free-text
 * `query`, offset paging and the documented limits (5 groups, 6 filters per
 * group, 18 filters, limit <= 200, 10,000 results, 3,000-byte body). Filters
 * are parsed and validated once, then every live record is tested; values
 * compare as numbers, instants or case-insensitive strings according to the
 * property definition, as HubSpot's index does.
 */
#include "sim.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUPS 5
#define MAX_FILTERS 6
#define MAX_TOTAL 18
#define LIMIT_MAX 200
#define RESULT_CAP 10000
#define BODY_MAX 3000

enum op {
    OP_EQ,
    OP_NEQ,
    OP_LT,
    OP_LTE,
    OP_GT,
    OP_GTE,
    OP_BETWEEN,
    OP_IN,
    OP_NOT_IN,
    OP_HAS,
    OP_NOT_HAS,
    OP_CONTAINS,
    OP_NOT_CONTAINS
};

static const struct {
    const char *name;
    enum op op;
} ops[] = {
    {"EQ", OP_EQ},
    {"NEQ", OP_NEQ},
    {"LT", OP_LT},
    {"LTE", OP_LTE},
    {"GT", OP_GT},
    {"GTE", OP_GTE},
    {"BETWEEN", OP_BETWEEN},
    {"IN", OP_IN},
    {"NOT_IN", OP_NOT_IN},
    {"HAS_PROPERTY", OP_HAS},
    {"NOT_HAS_PROPERTY", OP_NOT_HAS},
    {"CONTAINS_TOKEN", OP_CONTAINS},
    {"NOT_CONTAINS_TOKEN", OP_NOT_CONTAINS},
};

enum kind { K_STRING, K_ENUM, K_NUMBER, K_TIME };

struct filter {
    const char *prop;
    enum op op;
    enum kind kind;
    const char *value, *high;
    const json_t *values;
    char vbuf[64], hbuf[64];
    size_t group;
    bool idf;        /* hs_object_id with numeric value(s): compared on r->id */
    double idv, idh; /* value, highValue */
};

struct search {
    struct sim_state *st;
    const struct sim_objtype *t;
    struct filter f[MAX_TOTAL];
    size_t nf, ngroups;
    const char *query;
    const char *sort_prop;
    bool sort_desc;
    enum kind sort_kind;
};

static enum kind prop_kind(struct sim_state *st, const struct sim_objtype *t,
                           const char *name)
{
    const char *type = json_string_value(
        json_object_get(sim_prop_def(st, t, name), "type"));

    if (!type)
        return K_STRING;
    if (strcmp(type, "number") == 0)
        return K_NUMBER;
    if (strcmp(type, "datetime") == 0 || strcmp(type, "date") == 0)
        return K_TIME;
    if (strcmp(type, "enumeration") == 0)
        return K_ENUM;
    return K_STRING;
}

/* Three-way compare; *ok false when a value cannot be read as the kind. */
static int compare(enum kind k, const char *a, const char *b, bool *ok)
{
    double x, y;
    int64_t p, q;

    *ok = true;
    switch (k) {
    case K_NUMBER:
        if (!sim_parse_double(a, &x) || !sim_parse_double(b, &y))
            break;
        return x < y ? -1 : x > y;
    case K_TIME:
        if (!sim_parse_time(a, &p) || !sim_parse_time(b, &q))
            break;
        return p < q ? -1 : p > q;
    case K_ENUM: return strcmp(a, b);
    case K_STRING: return strcasecmp(a, b);
    }
    *ok = false;
    return 0;
}

static bool glob_ci(const char *p, const char *s)
{
    if (*p == '\0')
        return *s == '\0';
    if (*p == '*')
        return glob_ci(p + 1, s) || (*s && glob_ci(p, s + 1));
    return *s && tolower((unsigned char)*p) == tolower((unsigned char)*s) &&
           glob_ci(p + 1, s + 1);
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

/* CONTAINS_TOKEN: whole value or any alphanumeric token, with * globs. */
static bool token_match(const char *value, const char *tok)
{
    const char *p = value;
    bool wild = strchr(tok, '*') != NULL;

    if (wild ? glob_ci(tok, value) : sim_str_ieq(value, tok))
        return true;
    for (const char *q = tok; !wild && *q; q++)
        if (!isalnum((unsigned char)*q))
            return contains_ci(value, tok);
    while (*p) {
        char word[256];
        size_t n = 0;

        while (*p && !isalnum((unsigned char)*p))
            p++;
        while (*p && isalnum((unsigned char)*p)) {
            if (n + 1 < sizeof(word))
                word[n++] = *p;
            p++;
        }
        word[n] = '\0';
        if (n && (wild ? glob_ci(tok, word) : sim_str_ieq(word, tok)))
            return true;
    }
    return false;
}

static bool in_values(enum kind k, const char *v, const json_t *values)
{
    size_t i;
    json_t *x;
    char buf[64];
    bool ok;

    json_array_foreach(values, i, x) {
        const char *s = sim_json_scalar(x, buf, sizeof(buf));

        if (s && compare(k == K_ENUM ? K_STRING : k, v, s, &ok) == 0 && ok)
            return true;
    }
    return false;
}

static bool filter_match(struct search *s, const struct sim_record *r,
                         const struct filter *f)
{
    char buf[64];
    const char *v;
    bool ok;
    int c;

    if (sim_str_prefix(f->prop, "associations.")) {
        return s->st->assoc_match && f->value &&
               s->st->assoc_match(s->st, s->t, r, f->prop + 13, f->value);
    }
    if (f->idf) {
        double id = (double)r->id;

        switch (f->op) {
        case OP_EQ: return id == f->idv;
        case OP_NEQ: return id != f->idv;
        case OP_LT: return id < f->idv;
        case OP_LTE: return id <= f->idv;
        case OP_GT: return id > f->idv;
        case OP_GTE: return id >= f->idv;
        case OP_BETWEEN: return id >= f->idv && id <= f->idh;
        default: break;
        }
    }
    v = sim_obj_prop(s->st, s->t, r, f->prop, buf, sizeof(buf));
    if (v && !*v)
        v = NULL;
    switch (f->op) {
    case OP_HAS: return v != NULL;
    case OP_NOT_HAS: return v == NULL;
    case OP_IN: return v && in_values(f->kind, v, f->values);
    case OP_NOT_IN: return !v || !in_values(f->kind, v, f->values);
    case OP_CONTAINS: return v && token_match(v, f->value);
    case OP_NOT_CONTAINS: return !v || !token_match(v, f->value);
    case OP_NEQ: return !v || compare(f->kind, v, f->value, &ok) != 0 || !ok;
    default: break;
    }
    if (!v)
        return false;
    c = compare(f->kind, v, f->value, &ok);
    if (!ok)
        return false;
    switch (f->op) {
    case OP_EQ: return c == 0;
    case OP_LT: return c < 0;
    case OP_LTE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GTE: return c >= 0;
    case OP_BETWEEN: {
        int h = compare(f->kind, v, f->high, &ok);

        return ok && c >= 0 && h <= 0;
    }
    default: return false;
    }
}

static bool record_match(struct search *s, const struct sim_record *r)
{
    bool any_group = s->ngroups == 0;

    for (size_t g = 0; g < s->ngroups && !any_group; g++) {
        bool all = true;

        for (size_t i = 0; i < s->nf && all; i++)
            if (s->f[i].group == g && !filter_match(s, r, &s->f[i]))
                all = false;
        any_group = all;
    }
    if (any_group && s->query && *s->query) {
        char buf[64];

        for (const char *const *p = s->t->text; *p; p++) {
            const char *v = sim_obj_prop(s->st, s->t, r, *p, buf, sizeof(buf));

            if (v && contains_ci(v, s->query))
                return true;
        }
        return false;
    }
    return any_group;
}

/* Parses filterGroups into s->f; returns an error message or NULL. */
static const char *parse_filters(struct search *s, const json_t *groups,
                                 char *msg, size_t cap)
{
    json_t *g, *f;
    size_t gi, fi;

    if (!groups)
        return NULL;
    if (!json_is_array(groups))
        return "filterGroups must be an array";
    if (json_array_size(groups) > MAX_GROUPS) {
        snprintf(msg, cap, "Too many filter groups: %zu, the maximum is %d",
                 json_array_size(groups), MAX_GROUPS);
        return msg;
    }
    json_array_foreach(groups, gi, g) {
        json_t *filters = json_object_get(g, "filters");

        if (!json_is_array(filters))
            return "Each filter group needs a filters array";
        if (json_array_size(filters) > MAX_FILTERS) {
            snprintf(msg, cap,
                     "Too many filters in group %zu: %zu, the maximum is %d",
                     gi, json_array_size(filters), MAX_FILTERS);
            return msg;
        }
        json_array_foreach(filters, fi, f) {
            struct filter *x;
            const char *opname = json_string_value(
                json_object_get(f, "operator"));
            size_t o = 0;

            if (s->nf == MAX_TOTAL) {
                snprintf(msg, cap,
                         "Too many filters: the maximum is %d in "
                         "total",
                         MAX_TOTAL);
                return msg;
            }
            x = &s->f[s->nf];
            memset(x, 0, sizeof(*x));
            x->group = gi;
            x->prop = json_string_value(json_object_get(f, "propertyName"));
            if (!x->prop)
                return "Each filter needs a propertyName";
            while (o < sizeof(ops) / sizeof(ops[0]) &&
                   (!opname || strcmp(ops[o].name, opname) != 0))
                o++;
            if (o == sizeof(ops) / sizeof(ops[0])) {
                snprintf(msg, cap, "Unknown filter operator: %s",
                         opname ? opname : "(missing)");
                return msg;
            }
            x->op = ops[o].op;
            x->kind = prop_kind(s->st, s->t, x->prop);
            x->value = sim_json_scalar(json_object_get(f, "value"), x->vbuf,
                                       sizeof(x->vbuf));
            x->high = sim_json_scalar(json_object_get(f, "highValue"), x->hbuf,
                                      sizeof(x->hbuf));
            x->values = json_object_get(f, "values");
            if ((x->op == OP_IN || x->op == OP_NOT_IN) &&
                !json_is_array(x->values))
                return "IN and NOT_IN filters need a values array";
            if (x->op == OP_BETWEEN && (!x->value || !x->high))
                return "BETWEEN filters need value and highValue";
            if (x->op != OP_HAS && x->op != OP_NOT_HAS && x->op != OP_IN &&
                x->op != OP_NOT_IN && !x->value) {
                snprintf(msg, cap, "Filter on %s needs a value", x->prop);
                return msg;
            }
            x->idf = strcmp(x->prop, "hs_object_id") == 0 && x->value &&
                     sim_parse_double(x->value, &x->idv) &&
                     (x->op != OP_BETWEEN ||
                      sim_parse_double(x->high, &x->idh));
            s->nf++;
        }
    }
    s->ngroups = json_array_size(groups);
    return NULL;
}

static void parse_sort(struct search *s, const json_t *sorts)
{
    const json_t *first = json_array_get(sorts, 0);
    const char *name = NULL;

    if (json_is_string(first)) {
        name = json_string_value(first);
        if (*name == '-') {
            s->sort_desc = true;
            name++;
        }
    } else if (json_is_object(first)) {
        const char *dir = json_string_value(
            json_object_get(first, "direction"));

        name = json_string_value(json_object_get(first, "propertyName"));
        s->sort_desc = dir && sim_str_ieq(dir, "DESCENDING");
    }
    if (name && *name) {
        s->sort_prop = name;
        s->sort_kind = prop_kind(s->st, s->t, name);
    }
}

/* The id range [lo, hi] the only filter group allows by its hs_object_id
 * filters (keyset paging), so a search scans only that part of the store. */
static void id_range(const struct search *s, uint64_t *lo, uint64_t *hi)
{
    *lo = 0;
    *hi = UINT64_MAX;
    if (s->ngroups != 1)
        return;
    for (size_t i = 0; i < s->nf; i++) {
        const struct filter *f = &s->f[i];
        double a = f->idv, b = f->op == OP_BETWEEN ? f->idh : f->idv;
        uint64_t l = 0, h = UINT64_MAX;

        if (!f->idf)
            continue;
        if (a < 0)
            a = 0;
        if (b < 0)
            b = -1;
        if (a > 1.8e19 || b > 1.8e19)
            continue;
        switch (f->op) {
        case OP_EQ:
        case OP_BETWEEN:
            l = (uint64_t)ceil(a);
            if (b < 0) {
                *hi = 0;
                *lo = 1;
                return;
            }
            h = (uint64_t)floor(b);
            break;
        case OP_GT: l = (uint64_t)floor(a) + 1; break;
        case OP_GTE: l = (uint64_t)ceil(a); break;
        case OP_LT:
            if (b <= 0) {
                *hi = 0;
                *lo = 1;
                return;
            }
            h = (uint64_t)ceil(b) - 1;
            break;
        case OP_LTE:
            if (b < 0) {
                *hi = 0;
                *lo = 1;
                return;
            }
            h = (uint64_t)floor(b);
            break;
        default: continue;
        }
        if (l > *lo)
            *lo = l;
        if (h < *hi)
            *hi = h;
    }
}

/* A hit with its sort key computed once (a sort over a million generated
 * records must not render two values per comparison). */
struct hit {
    struct sim_record *r;
    char *str;  /* key as text (NULL: missing, or numeric) */
    double num; /* key as number/instant when numeric */
    bool has, numeric;
};

/* qsort has no context argument; the global state lock makes this safe. */
static struct search *sort_ctx;

static int cmp_hits(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    int c;

    if (!x->has || !y->has) {
        if (x->has || y->has)
            return x->has ? -1 : 1; /* missing values sort last */
        c = 0;
    } else {
        if (x->numeric && y->numeric)
            c = x->num < y->num ? -1 : x->num > y->num;
        else if (x->numeric || y->numeric)
            c = x->numeric ? -1 : 1;
        else if (sort_ctx->sort_kind == K_ENUM)
            c = strcmp(x->str, y->str);
        else
            c = strcasecmp(x->str, y->str);
        if (sort_ctx->sort_desc)
            c = -c;
    }
    if (c == 0)
        c = x->r->id < y->r->id ? -1 : x->r->id > y->r->id;
    return c;
}

static void sort_hits(struct search *s, struct sim_record **hits, size_t n)
{
    struct hit *h;
    char buf[128];

    if (strcmp(s->sort_prop, "hs_object_id") == 0) {
        /* The store is in id order already. */
        for (size_t i = 0; s->sort_desc && i < n / 2; i++) {
            struct sim_record *tmp = hits[i];

            hits[i] = hits[n - 1 - i];
            hits[n - 1 - i] = tmp;
        }
        return;
    }
    h = sim_xcalloc(n + 1, sizeof(*h));
    for (size_t i = 0; i < n; i++) {
        const char *v = sim_obj_prop(s->st, s->t, hits[i], s->sort_prop, buf,
                                     sizeof(buf));
        int64_t ms;

        h[i].r = hits[i];
        if (!v)
            continue;
        h[i].has = true;
        if (s->sort_kind == K_NUMBER && sim_parse_double(v, &h[i].num))
            h[i].numeric = true;
        else if (s->sort_kind == K_TIME && sim_parse_time(v, &ms)) {
            h[i].numeric = true;
            h[i].num = (double)ms;
        } else
            h[i].str = sim_xstrdup(v);
    }
    sort_ctx = s;
    qsort(h, n, sizeof(*h), cmp_hits);
    sort_ctx = NULL;
    for (size_t i = 0; i < n; i++) {
        hits[i] = h[i].r;
        free(h[i].str);
    }
    free(h);
}

static int h_search(struct sim_request *req, struct sim_response *res)
{
    const struct sim_objtype *t = sim_objtype_or_respond(req, res);
    struct search *s = NULL;
    struct sim_store *store;
    struct sim_record **hits = NULL;
    json_t *body, *results, *out, *props;
    const char *err;
    char msg[256], buf[64];
    const char *after_s;
    int64_t limit = 10, after = 0;
    uint64_t lo, hi;
    size_t n = 0, i;

    if (!t || !(body = sim_req_object_or_respond(req, res)))
        return res->status;
    if (req->body_len > BODY_MAX)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Search request body is %zu characters; the "
                              "maximum is %d",
                              req->body_len, BODY_MAX);
    if (json_object_get(body, "limit") &&
        (!json_is_integer(json_object_get(body, "limit")) ||
         (limit = json_integer_value(json_object_get(body, "limit"))) < 0 ||
         limit > LIMIT_MAX))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "limit must be between 0 and %d", LIMIT_MAX);
    after_s = sim_json_scalar(json_object_get(body, "after"), buf, sizeof(buf));
    if (after_s && *after_s && (!sim_parse_i64(after_s, &after) || after < 0))
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Invalid 'after' value: %s", after_s);
    if (after >= RESULT_CAP)
        return sim_res_errorf(req, res, 400, "VALIDATION_ERROR",
                              "Search results are limited to %d; 'after' %lld "
                              "is past the end",
                              RESULT_CAP, (long long)after);
    s = sim_xcalloc(1, sizeof(*s));
    s->st = req->st;
    s->t = t;
    s->query = json_string_value(json_object_get(body, "query"));
    err = parse_filters(s, json_object_get(body, "filterGroups"), msg,
                        sizeof(msg));
    if (err) {
        sim_res_error(req, res, 400, "VALIDATION_ERROR", err, NULL);
        goto out;
    }
    parse_sort(s, json_object_get(body, "sorts"));
    store = &req->st->stores[t->idx];
    id_range(s, &lo, &hi);
    /* lower bound of lo in the id-sorted store */
    {
        size_t a = 0, b = store->n;

        while (a < b) {
            size_t mid = a + (b - a) / 2;

            if (store->recs[mid].id < lo)
                a = mid + 1;
            else
                b = mid;
        }
        i = a;
    }
    hits = sim_xcalloc(store->n - i + 1, sizeof(*hits));
    for (; i < store->n && store->recs[i].id <= hi; i++)
        if (!store->recs[i].archived && record_match(s, &store->recs[i]))
            hits[n++] = &store->recs[i];
    if (s->sort_prop)
        sort_hits(s, hits, n);
    props = json_object_get(body, "properties");
    results = json_array();
    out = json_pack("{s:I,s:o}", "total", (json_int_t)n, "results", results);
    for (i = (size_t)after; i < n && i < (size_t)(after + limit); i++)
        json_array_append_new(results,
                              sim_obj_render(req->st, t, hits[i],
                                             json_array_size(props) ? props
                                                                    : NULL));
    if ((size_t)(after + limit) < n && after + limit < RESULT_CAP) {
        snprintf(buf, sizeof(buf), "%lld", (long long)(after + limit));
        json_object_set_new(out, "paging",
                            json_pack("{s:{s:s}}", "next", "after", buf));
    }
    sim_res_json(res, 200, out);
out:
    free(hits);
    free(s);
    return res->status;
}

static const struct sim_route search_routes[] = {
    {"POST", "/crm/v3/objects/:type/search", h_search,
     SIM_R_AUTH | SIM_R_JSON | SIM_R_SEARCH, SIM_SCOPE_OBJ_READ, NULL},
    {NULL, NULL, NULL, 0, SIM_SCOPE_NONE, NULL},
};

const struct sim_module sim_module_search = {
    .name = "search",
    .routes = search_routes,
};
