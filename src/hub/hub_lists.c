/* SPDX-License-Identifier: MIT
 * Contact lists on HubSpot's current Lists API (crm/v3/lists), in the
 * shape users of Cloud Elements' classic /lists expect: the classic body
 * (name, dynamic, filters as v1 filter groups) is translated to
 * processingType and a v3 filterBranch, and every list answered carries
 * listId (a number), name, dynamic, listType, metaData.size and filters
 * (v1 groups, when the filterBranch has that form) beside HubSpot's v3
 * fields. Membership: POST /lists/{id}/contacts (vids, or emails resolved
 * to ids) and GET /lists/{id}/contacts (memberships, then the contacts,
 * shaped like /contacts records). Served on both elements: HubSpot offers
 * the Lists API to CRM apps too (crm.lists.* scopes). docs/hub-api.md,
 * "Marketing", has the mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "hub/ceql.h"
#include "hub/hub.h"
#include "hub/hub_lists.h"
#include "hub/jsonfilter.h"
#include "hub/paging.h"
#include "hub/resource.h"
#include "provider/provider.h"

#define LISTS "/crm/v3/lists"
#define CONTACTS_TYPE "0-1"
#define FILTER_GROUPS_MAX 50 /* v1 filter groups (OR) in one body */
#define FILTERS_MAX 250      /* v1 filters in all groups */
#define MEMBERS_BODY_MAX 100 /* contacts per POST /lists/{id}/contacts */
#define MEMBERS_CALL_MAX 250 /* HubSpot's memberships limit */
#define LIST_NAME_MAX 255
#define LIST_SEARCH_MAX 500 /* HubSpot's search count limit */

/* --- v1 filters <-> v3 filterBranch ---------------------------------------- */

static const struct {
    const char *v1, *v3;
} ops[] = {
    {"EQ", "IS_EQUAL_TO"},
    {"NEQ", "IS_NOT_EQUAL_TO"},
    {"CONTAINS", "CONTAINS"},
    {"NOT_CONTAINS", "DOES_NOT_CONTAIN"},
    {"STR_STARTS_WITH", "STARTS_WITH"},
    {"STR_ENDS_WITH", "ENDS_WITH"},
    {"SET", "IS_KNOWN"},
    {"NOT_SET", "IS_UNKNOWN"},
};

#define N_OPS (sizeof(ops) / sizeof(ops[0]))

static bool op_known(const char *v3)
{
    return strcmp(v3, "IS_KNOWN") == 0 || strcmp(v3, "IS_UNKNOWN") == 0;
}

/* One v1 filter → PublicPropertyFilter; NULL with *why (arena) set. */
static json_t *filter_v3(struct hub_op *op, json_t *f, size_t g, size_t i,
                         const char **why)
{
    const char *prop = hub_jstr(f, "property"), *oper = hub_jstr(f, "operator");
    const char *v3 = NULL;
    json_t *val = json_object_get(f, "value"), *sv;
    for (size_t k = 0; oper && k < N_OPS; k++)
        if (strcmp(ops[k].v1, oper) == 0)
            v3 = ops[k].v3;
    if (!json_is_object(f) || !prop || !*prop) {
        *why = ed_arena_printf(op->req->arena,
                               "filters[%zu][%zu] needs a property", g, i);
        return NULL;
    }
    if (!v3) {
        *why = ed_arena_printf(op->req->arena,
                               "filters[%zu][%zu].operator must be one of EQ, "
                               "NEQ, CONTAINS, NOT_CONTAINS, STR_STARTS_WITH, "
                               "STR_ENDS_WITH, SET, NOT_SET",
                               g, i);
        return NULL;
    }
    if (op_known(v3))
        return json_pack("{s:s, s:s, s:{s:s, s:s, s:b}}", "filterType",
                         "PROPERTY", "property", prop, "operation",
                         "operationType", "ALL_PROPERTY", "operator", v3,
                         "includeObjectsWithNoValueSet", false);
    if (!(sv = hub_scalar_str(val))) {
        *why = ed_arena_printf(op->req->arena,
                               "filters[%zu][%zu].value must be a string, "
                               "number or boolean",
                               g, i);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:o, s:b}}", "filterType",
                     "PROPERTY", "property", prop, "operation", "operationType",
                     "STRING", "operator", v3, "value", sv,
                     "includeObjectsWithNoValueSet", false);
}

/* filters (an array of groups, each an array of filters; OR of ANDs) →
 * the root OR filterBranch. A flat array of filters is one group. New
 * reference, or NULL with *why set. */
static json_t *branch_of_filters(struct hub_op *op, json_t *filters,
                                 const char **why)
{
    json_t *root, *kids, *grp;
    size_t g, total = 0;
    if (!json_is_array(filters) || json_array_size(filters) == 0) {
        *why = "filters must be a non-empty array of filter groups";
        return NULL;
    }
    if (json_is_object(json_array_get(filters, 0)))
        filters = json_pack("[O]", filters);
    else
        json_incref(filters);
    if (json_array_size(filters) > FILTER_GROUPS_MAX) {
        *why = "filters has more than 50 groups";
        json_decref(filters);
        return NULL;
    }
    kids = json_array();
    root = json_pack("{s:s, s:s, s:[], s:o}", "filterBranchType", "OR",
                     "filterBranchOperator", "OR", "filters", "filterBranches",
                     kids);
    json_array_foreach(filters, g, grp) {
        json_t *fs = json_array(), *f;
        size_t i;
        if (!json_is_array(grp) || json_array_size(grp) == 0) {
            *why = ed_arena_printf(op->req->arena,
                                   "filters[%zu] must be a non-empty array "
                                   "of filters",
                                   g);
            json_decref(fs);
            goto fail;
        }
        json_array_append_new(kids, json_pack("{s:s, s:s, s:o, s:[]}",
                                              "filterBranchType", "AND",
                                              "filterBranchOperator", "AND",
                                              "filters", fs, "filterBranches"));
        json_array_foreach(grp, i, f) {
            json_t *v3 = ++total > FILTERS_MAX ? NULL
                                               : filter_v3(op, f, g, i, why);
            if (!v3) {
                if (total > FILTERS_MAX)
                    *why = "filters has more than 250 filters";
                goto fail;
            }
            json_array_append_new(fs, v3);
        }
    }
    json_decref(filters);
    return root;
fail:
    json_decref(filters);
    json_decref(root);
    return NULL;
}

/* The v1 groups of a filterBranch of the form branch_of_filters makes, or
 * NULL when it has another form. New reference. */
static json_t *filters_of_branch(json_t *b)
{
    json_t *out = json_array(), *k, *f;
    size_t i, j;
    if (!json_is_array(json_object_get(b, "filterBranches")))
        goto no;
    json_array_foreach(json_object_get(b, "filterBranches"), i, k) {
        json_t *grp = json_array();
        json_array_append_new(out, grp);
        if (json_array_size(json_object_get(k, "filterBranches")))
            goto no;
        json_array_foreach(json_object_get(k, "filters"), j, f) {
            json_t *o = json_object_get(f, "operation");
            const char *v3 = hub_jstr(o, "operator"), *v1 = NULL;
            for (size_t n = 0; v3 && n < N_OPS; n++)
                if (strcmp(ops[n].v3, v3) == 0)
                    v1 = ops[n].v1;
            if (!v1 || !hub_jstr(f, "property"))
                goto no;
            json_t *c = json_pack("{s:s, s:s}", "operator", v1, "property",
                                  hub_jstr(f, "property"));
            if (json_object_get(o, "value"))
                json_object_set(c, "value", json_object_get(o, "value"));
            json_array_append_new(grp, c);
        }
    }
    return out;
no:
    json_decref(out);
    return NULL;
}

/* --- shaping -------------------------------------------------------------- */

/* A v3 list (PublicObjectList or a search result) with the classic members
 * added: id, listId (number), dynamic, listType, metaData.size, filters. */
void hub_list_shape(json_t *l)
{
    const char *id = hub_jstr(l, "listId");
    const char *pt = hub_jstr(l, "processingType");
    json_t *size = json_object_get(l, "size");
    int64_t n;
    bool dyn = pt && strcmp(pt, "DYNAMIC") == 0;
    if (id) {
        json_object_set_new(l, "id", json_string(id));
        if (ed_all_digits(id) && ed_parse_i64(id, &n))
            json_object_set_new(l, "listId", json_integer(n));
    }
    json_object_set_new(l, "dynamic", json_boolean(dyn));
    json_object_set_new(l, "listType", json_string(dyn ? "DYNAMIC" : "STATIC"));
    if (!size) {
        json_t *hs = hub_number_of(
            hub_jstr(json_object_get(l, "additionalProperties"),
                     "hs_list_size"));
        if (hs) {
            json_object_set_new(l, "size", hs);
            size = hs;
        }
    }
    if (size)
        json_object_set_new(l, "metaData", json_pack("{s:O}", "size", size));
    json_t *fb = json_object_get(l, "filterBranch");
    json_t *v1 = fb ? filters_of_branch(fb) : NULL;
    if (v1)
        json_object_set_new(l, "filters", v1);
}

/* The classic members a list gets from hub_list_shape, streamed: the list
 * is copied (validated, nulls dropped as asked), then read again in its
 * copy (compact, nulls gone, so it is what hub_list_shape would see after
 * the null filter), listId turned into a number in place and id, dynamic,
 * listType, size and metaData added before the closing brace, in
 * hub_list_shape's order. A list with a member hub_list_shape would
 * replace or read in a form this does not (id, dynamic, listType, size,
 * metaData, filters, filterBranch, a name written with escapes, a
 * repeated member, a size that is not plain digits) goes through
 * hub_list_shape itself: same answer, jansson's cost. */
enum { M_LISTID, M_PT, M_ADD, M_OTHER };
static const char *const list_keys[] = {
    "listId", "processingType", "additionalProperties",
    /* hub_list_shape sets or reads these: the slow path */
    "id", "dynamic", "listType", "size", "metaData", "filters", "filterBranch"};
#define N_LIST_KEYS (sizeof(list_keys) / sizeof(list_keys[0]))

/* A JSON string token of 1-18 digits without a leading zero ("0" too). */
static bool digits_token(const char *vs, const char *ve)
{
    size_t n = (size_t)(ve - vs);
    if (n < 3 || n > 20 || *vs != '"' || ve[-1] != '"' ||
        (vs[1] == '0' && n > 3))
        return false;
    for (const char *q = vs + 1; q < ve - 1; q++)
        if (*q < '0' || *q > '9')
            return false;
    return true;
}

static void drop_nulls_json(json_t *v)
{
    const char *k;
    json_t *m;
    void *tmp;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach_safe(v, tmp, k, m) {
            if (json_is_null(m))
                json_object_del(v, k);
            else
                drop_nulls_json(m);
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m)
            drop_nulls_json(m);
    }
}

/* The slow path: [p, e) (validated) through jansson and hub_list_shape. */
static const char *list_slow(const char *p, const char *e, bool drop_nulls,
                             struct ed_buf *out)
{
    json_error_t je;
    json_t *l = json_loadb(p, (size_t)(e - p), 0, &je);
    char *text;
    enum ed_err rc;
    if (!l)
        return NULL;
    hub_list_shape(l);
    if (drop_nulls)
        drop_nulls_json(l);
    text = json_dumps(l, JSON_COMPACT);
    json_decref(l);
    if (!text)
        return NULL;
    rc = ed_buf_appends(out, text);
    free(text);
    return rc == ED_OK ? e : NULL;
}

const char *hub_list_record(void *ud, const char *p, const char *end,
                            const char *classic_id, bool drop_nulls,
                            struct ed_buf *out)
{
    struct jsonfilter_member m[N_LIST_KEYS], hs = {"hs_list_size", 0, 0, 0};
    size_t start = out->len, i, lv_off = 0, lv_len = 0, hs_len = 0;
    const char *e, *base, *lv, *pt;
    char digits[24], size[24];
    bool esc = false, dyn, num = false, empty;
    int64_t n;
    enum ed_err rc;
    (void)ud;
    (void)classic_id;
    for (i = 0; i < N_LIST_KEYS; i++)
        m[i].key = list_keys[i];
    /* one pass: the record copied, its members found as it is */
    if (!(e = jsonfilter_copy_members(p, end, drop_nulls, out, m, N_LIST_KEYS,
                                      &esc))) {
        out->len = start;
        if (!(e = jsonfilter_copy_one(p, end, drop_nulls, out)))
            return NULL;
        goto slow; /* not an object: as the shape would have it */
    }
    base = out->data + start;
    if (esc || m[M_LISTID].count > 1 || m[M_PT].count > 1 || m[M_ADD].count > 1)
        goto slow;
    for (i = M_OTHER; i < N_LIST_KEYS; i++)
        if (m[i].count)
            goto slow;
    pt = m[M_PT].vs;
    if (pt && *pt == '"' && memchr(pt, '\\', (size_t)(m[M_PT].ve - pt)))
        goto slow; /* "DYNAMIC" spelled with escapes */
    dyn = pt && m[M_PT].ve - pt == 9 && memcmp(pt, "\"DYNAMIC\"", 9) == 0;
    if (m[M_ADD].vs && *m[M_ADD].vs == '{') {
        if (!jsonfilter_members_valid(m[M_ADD].vs, m[M_ADD].ve, &hs, 1, &esc) ||
            esc)
            goto slow;
        if (hs.vs && *hs.vs == '"') {
            if (!digits_token(hs.vs, hs.ve))
                goto slow; /* a size hub_number_of reads otherwise */
            hs_len = (size_t)(hs.ve - hs.vs) - 2;
            memcpy(size, hs.vs + 1, hs_len);
            size[hs_len] = '\0';
        }
    }
    lv = m[M_LISTID].vs;
    if (lv && *lv == '"') {
        lv_off = (size_t)(lv - base);
        lv_len = (size_t)(m[M_LISTID].ve - lv);
        if (lv_len - 2 < sizeof(digits)) {
            /* as hub_list_shape: all digits and an int64 ("007" is 7) */
            memcpy(digits, lv + 1, lv_len - 2);
            digits[lv_len - 2] = '\0';
            num = ed_all_digits(digits) && ed_parse_i64(digits, &n);
        }
    }
    /* the additions replace the closing brace (offsets, not pointers: the
     * buffer may move) */
    empty = out->len - start == 2;
    out->len--;
    rc = ED_OK;
    if (lv_len) {
        rc = ed_buf_appends(out, empty ? "\"id\":" : ",\"id\":");
        if (rc == ED_OK)
            rc = ed_buf_append(out, out->data + start + lv_off, lv_len);
        empty = false;
    }
    if (rc == ED_OK && !empty)
        rc = ed_buf_append(out, ",", 1);
    if (rc == ED_OK)
        rc = ed_buf_appends(out,
                            dyn ? "\"dynamic\":true,\"listType\":\"DYNAMIC\""
                                : "\"dynamic\":false,\"listType\":\"STATIC\"");
    if (rc == ED_OK && hs_len) {
        rc = ed_buf_appends(out, ",\"size\":");
        if (rc == ED_OK)
            rc = ed_buf_append(out, size, hs_len);
        if (rc == ED_OK)
            rc = ed_buf_appends(out, ",\"metaData\":{\"size\":");
        if (rc == ED_OK)
            rc = ed_buf_append(out, size, hs_len);
        if (rc == ED_OK)
            rc = ed_buf_append(out, "}", 1);
    }
    if (rc == ED_OK)
        rc = ed_buf_append(out, "}", 1);
    if (rc != ED_OK)
        return NULL;
    if (num) {
        /* listId's value: "123" becomes 123 in place (shorter) */
        char *d = out->data + start + lv_off;
        int w = snprintf(digits, sizeof(digits), "%lld", (long long)n);
        size_t nl = (size_t)w;
        memcpy(d, digits, nl);
        memmove(d + nl, d + lv_len, out->len - (start + lv_off + lv_len));
        out->len -= lv_len - nl;
        out->data[out->len] = '\0';
    }
    return e;
slow:
    out->len = start;
    out->data[start] = '\0';
    return list_slow(p, e, drop_nulls, out);
}

/* HubSpot's {"list":..} or {"updatedList":..} → the shaped list. */
static int list_done(struct hub_op *op, int status, json_t *body)
{
    json_t *l = json_object_get(body, "list");
    (void)status;
    if (!l)
        l = json_object_get(body, "updatedList");
    if (!json_is_object(l))
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot answered without a list");
    return hub_reply_shaped(op, l, hub_list_shape);
}

/* --- listing ----------------------------------------------------------------- */

struct list_query {
    const char *exact;    /* name = '...' */
    const char *contains; /* name LIKE '%...%' */
};

/* where on name only: name = 'x' (exact) or name LIKE '%x%'. */
static int list_where(struct hub_op *op, struct list_query *q)
{
    const char *where = req_query(op->req, "where");
    const struct ceql_options opt = {"lists", NULL};
    json_t *t = NULL, *groups, *filters, *f;
    const char *prop, *oper, *val;
    char err[256];
    memset(q, 0, sizeof(*q));
    if (!where || !*where)
        return 0;
    if (ceql_translate(where, NULL, &opt, &t, err, sizeof(err)) != ED_OK)
        return hub_bad_request(op, err);
    groups = json_object_get(t, "filterGroups");
    filters = json_object_get(json_array_get(groups, 0), "filters");
    f = json_array_get(filters, 0);
    prop = hub_jstr(f, "propertyName");
    oper = hub_jstr(f, "operator");
    val = hub_jstr(f, "value");
    if (json_array_size(groups) != 1 || json_array_size(filters) != 1 ||
        !prop || strcmp(prop, "name") != 0 || !oper || !val ||
        json_object_get(t, "query")) {
        json_decref(t);
        return hub_bad_request(op, "/lists supports only where name = '...' "
                                   "or name like '%...%'");
    }
    char *v = ed_arena_strdup(op->req->arena, val);
    if (strcmp(oper, "EQ") == 0)
        q->exact = v;
    else if (strcmp(oper, "CONTAINS_TOKEN") == 0) {
        while (*v == '*')
            v++;
        size_t n = strlen(v);
        while (n && v[n - 1] == '*')
            v[--n] = '\0';
        q->contains = v;
    }
    json_decref(t);
    if (!q->exact && !q->contains)
        return hub_bad_request(op, "/lists supports only where name = '...' "
                                   "or name like '%...%'");
    return 0;
}

static int lists_searched(struct hub_op *op, int status, json_t *body);

struct lists_walk {
    struct hub_paging pg;
    const char *exact; /* name = '...': search, keep the exact match */
    json_t *body;      /* the search body, owned */
};

static void walk_cleanup(void *p)
{
    struct lists_walk *w = p;
    json_decref(w->body);
    w->body = NULL;
}

/* A page of the search (no name = '...'), streamed: HubSpot's lists go
 * through hub_list_record as they are copied; no document is built. */
static int lists_streamed(struct hub_op *op, int status, const char *body,
                          size_t len)
{
    struct jsonfilter_proj proj = {hub_list_record, NULL, false};
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    ed_buf_reserve(&out, len + len / 4);
    if (jsonfilter_page_key(body, len, "lists", hub_drop_nulls(op), NULL, 0,
                            &proj, &out, &pg) != ED_OK) {
        ed_buf_cleanup(&out);
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot answered with invalid or oversized JSON");
    }
    return hub_reply_page(
        op, &out, pg.count,
        pg.has_more && pg.has_offset
            ? hub_cursor_make(op, 'L',
                              ed_arena_printf(op->req->arena, "%lld",
                                              (long long)pg.offset))
            : NULL,
        -1);
}

static int lists_search_send(struct hub_op *op, json_int_t offset)
{
    struct lists_walk *w = op->state;
    int st = hub_paging_call(op, &w->pg);
    if (st)
        return st;
    json_object_set_new(w->body, "offset", json_integer(offset));
    /* name = '...' keeps only some lists and may search on; a virtual
     * read (op->proj) projects HubSpot's records itself: both reshape
     * through jansson */
    if (!w->exact && !op->proj)
        return hub_send_raw(op, "POST", LISTS "/search", w->body, false,
                            lists_streamed);
    return hub_send(op, "POST", LISTS "/search", w->body, false,
                    lists_searched);
}

/* HubSpot's ListSearchResponse → a page (or, for name = '...', the list
 * whose name is the one asked, searching on while HubSpot has more). */
static int lists_searched(struct hub_op *op, int status, json_t *body)
{
    struct lists_walk *w = op->state;
    json_t *lists = json_object_get(body, "lists");
    json_t *off = json_object_get(body, "offset");
    bool more = json_is_true(json_object_get(body, "hasMore")) &&
                json_is_integer(off);
    json_t *arr = json_array(), *l;
    size_t i;
    (void)status;
    json_array_foreach(lists, i, l) {
        if (w->exact &&
            !ed_strcaseeq(hub_first(hub_jstr(l, "name"), ""), w->exact))
            continue;
        json_t *c = json_deep_copy(l);
        hub_list_shape(c);
        json_array_append_new(arr, c);
    }
    if (w->exact) {
        if (json_array_size(arr) == 0 && more && json_array_size(lists)) {
            json_decref(arr);
            return lists_search_send(op, json_integer_value(off));
        }
        return hub_reply_list(op, arr, NULL);
    }
    const char *next = NULL;
    if (more)
        next = hub_cursor_make(op, 'L',
                               ed_arena_printf(op->req->arena, "%lld",
                                               (long long)json_integer_value(
                                                   off)));
    return hub_reply_list(op, arr, next);
}

static int lists_list(struct hub_op *op)
{
    struct lists_walk *w = ed_arena_alloc(op->req->arena, sizeof(*w));
    struct list_query q;
    int64_t offset;
    int st;
    if ((st = hub_paging_read(op, 'L', &w->pg)) || (st = list_where(op, &q)))
        return st;
    offset = w->pg.skip;
    if (w->pg.after && (!ed_parse_i64(w->pg.after, &offset) || offset < 0))
        return hub_bad_request(op, "nextPage is not a cursor this server "
                                   "issued for this resource");
    op->state = w;
    op->state_cleanup = walk_cleanup;
    w->exact = q.exact;
    w->body = json_pack("{s:i, s:[s]}", "count",
                        q.exact ? LIST_SEARCH_MAX : (int)w->pg.size,
                        "additionalProperties", "hs_list_size");
    if (q.exact || q.contains)
        json_object_set_new(w->body, "query",
                            json_string(q.exact ? q.exact : q.contains));
    return lists_search_send(op, q.exact ? 0 : (json_int_t)offset);
}

/* --- create, update ------------------------------------------------------ */

static int list_create(struct hub_op *op)
{
    json_t *in = op->req->body, *out, *fb = NULL;
    const char *name = hub_jstr(in, "name"), *why = NULL;
    json_t *dyn = json_object_get(in, "dynamic");
    const char *pt = hub_jstr(in, "processingType");
    json_t *filters = json_object_get(in, "filters");
    int st;
    if ((st = hub_need_object(op)))
        return st;
    if (!name || !*name || strlen(name) > LIST_NAME_MAX)
        return hub_bad_request(op, "name is required (1 to 255 characters)");
    if (dyn && !json_is_boolean(dyn))
        return hub_bad_request(op, "dynamic must be true or false");
    if (pt && strcmp(pt, "MANUAL") != 0 && strcmp(pt, "DYNAMIC") != 0 &&
        strcmp(pt, "SNAPSHOT") != 0)
        return hub_bad_request(op, "processingType must be MANUAL, DYNAMIC "
                                   "or SNAPSHOT");
    if (!pt)
        pt = json_is_true(dyn) ? "DYNAMIC" : "MANUAL";
    else if (dyn && json_is_true(dyn) != (strcmp(pt, "DYNAMIC") == 0))
        return hub_bad_request(op, "dynamic and processingType disagree");
    if (json_object_get(in, "filterBranch"))
        fb = json_incref(json_object_get(in, "filterBranch"));
    else if (filters && !(fb = branch_of_filters(op, filters, &why)))
        return hub_bad_request(op, why);
    if (strcmp(pt, "MANUAL") == 0 && fb) {
        json_decref(fb);
        return hub_bad_request(op, "filters apply to dynamic lists only; "
                                   "send \"dynamic\": true");
    }
    if (strcmp(pt, "MANUAL") != 0 && !fb)
        return hub_bad_request(op, "filters is required for a dynamic list");
    out = json_pack("{s:s, s:s, s:s}", "name", name, "objectTypeId",
                    CONTACTS_TYPE, "processingType", pt);
    if (fb)
        json_object_set_new(out, "filterBranch", fb);
    st = hub_send(op, "POST", LISTS, out, false, list_done);
    json_decref(out);
    return st;
}

struct list_update {
    const char *id, *name;
    json_t *branch; /* owned until the op ends */
};

static void update_cleanup(void *p)
{
    struct list_update *u = p;
    json_decref(u->branch);
    u->branch = NULL;
}

/* Step 3: rename done (or not needed); filters next, if any. */
static int update_filters(struct hub_op *op, int status, json_t *body)
{
    struct list_update *u = op->state;
    if (!u->branch)
        return list_done(op, status, body);
    json_t *b = json_pack("{s:O}", "filterBranch", u->branch);
    int st = hub_send(op, "PUT",
                      ed_arena_printf(op->req->arena,
                                      LISTS "/%s/update-list-filters",
                                      hub_escape(op, u->id)),
                      b, false, list_done);
    json_decref(b);
    return st;
}

/* Step 2: the current list is known: check, then rename if asked. */
static int update_got(struct hub_op *op, int status, json_t *body)
{
    struct list_update *u = op->state;
    json_t *l = json_object_get(body, "list");
    json_t *dyn = json_object_get(op->req->body, "dynamic");
    const char *pt = hub_jstr(l, "processingType");
    bool is_dyn = pt && strcmp(pt, "DYNAMIC") == 0;
    if (dyn && json_is_true(dyn) != is_dyn)
        return hub_bad_request(op, "dynamic cannot be changed: create a new "
                                   "list");
    if (u->branch && !is_dyn)
        return hub_bad_request(op, "filters apply to dynamic lists only");
    if (u->name && strcmp(u->name, hub_first(hub_jstr(l, "name"), "")) != 0)
        return hub_send(op, "PUT",
                        ed_arena_printf(op->req->arena,
                                        LISTS "/%s/update-list-name?listName="
                                              "%s&includeFilters=true",
                                        hub_escape(op, u->id),
                                        hub_escape(op, u->name)),
                        NULL, false, update_filters);
    return update_filters(op, status, body);
}

static int list_update(struct hub_op *op)
{
    json_t *in = op->req->body;
    struct list_update *u = ed_arena_alloc(op->req->arena, sizeof(*u));
    const char *why = NULL;
    json_t *name = json_object_get(in, "name");
    json_t *dyn = json_object_get(in, "dynamic");
    int st;
    if ((st = hub_need_object(op)))
        return st;
    if (name && (!json_is_string(name) || !*json_string_value(name) ||
                 strlen(json_string_value(name)) > LIST_NAME_MAX))
        return hub_bad_request(op, "name must be a string of 1 to 255 "
                                   "characters");
    if (dyn && !json_is_boolean(dyn))
        return hub_bad_request(op, "dynamic must be true or false");
    u->id = op->id;
    u->name = json_string_value(name);
    op->state = u;
    op->state_cleanup = update_cleanup;
    if (json_object_get(in, "filterBranch"))
        u->branch = json_incref(json_object_get(in, "filterBranch"));
    else if (json_object_get(in, "filters") &&
             !(u->branch = branch_of_filters(op, json_object_get(in, "filters"),
                                             &why)))
        return hub_bad_request(op, why);
    return hub_send(op, "GET",
                    ed_arena_printf(op->req->arena,
                                    LISTS "/%s?includeFilters=true",
                                    hub_escape(op, op->id)),
                    NULL, false, update_got);
}

/* --- membership ------------------------------------------------------------ */

struct members_add {
    json_t *ids;            /* record ids (strings) to add */
    json_t *invalid_emails; /* emails HubSpot does not know */
    json_t *emails;         /* emails to resolve, in order */
};

static void add_cleanup(void *p)
{
    struct members_add *a = p;
    json_decref(a->ids);
    json_decref(a->invalid_emails);
    json_decref(a->emails);
    a->ids = a->invalid_emails = a->emails = NULL;
}

static json_t *num_array(json_t *strs)
{
    json_t *out = json_array(), *v;
    size_t i;
    int64_t n;
    json_array_foreach(strs, i, v) {
        const char *s = json_string_value(v);
        if (s && ed_all_digits(s) && ed_parse_i64(s, &n))
            json_array_append_new(out, json_integer(n));
        else if (s)
            json_array_append_new(out, json_string(s));
    }
    return out;
}

/* Classic answer: updated (added), discarded (already members), invalidVids
 * (no such contact), invalidEmails. */
static int members_added(struct hub_op *op, int status, json_t *body)
{
    struct members_add *a = op->state;
    json_t *added = json_object_get(body, "recordsIdsAdded");
    json_t *missing = json_object_get(body, "recordIdsMissing");
    json_t *discarded = json_array(), *v, *w;
    size_t i, j;
    (void)status;
    json_array_foreach(a->ids, i, v) {
        bool seen = false;
        json_array_foreach(added, j, w)
            seen = seen || json_equal(v, w);
        json_array_foreach(missing, j, w)
            seen = seen || json_equal(v, w);
        if (!seen)
            json_array_append(discarded, v);
    }
    json_t *out = json_pack("{s:o, s:o, s:o, s:O}", "updated", num_array(added),
                            "discarded", num_array(discarded), "invalidVids",
                            num_array(missing), "invalidEmails",
                            a->invalid_emails);
    json_decref(discarded);
    return hub_reply(op, out);
}

static int members_send(struct hub_op *op)
{
    struct members_add *a = op->state;
    if (json_array_size(a->ids) == 0)
        return members_added(op, 200, NULL);
    return hub_send(op, "PUT",
                    ed_arena_printf(op->req->arena, LISTS "/%s/memberships/add",
                                    hub_escape(op, op->id)),
                    a->ids, false, members_added);
}

/* Emails resolved through a batch read by email (HubSpot answers 207 with
 * errors for the unknown ones). */
static int members_resolved(struct hub_op *op, int status, json_t *body)
{
    struct members_add *a = op->state;
    json_t *e, *r;
    size_t i, j;
    (void)status;
    json_array_foreach(a->emails, i, e) {
        const char *want = json_string_value(e), *id = NULL;
        json_array_foreach(json_object_get(body, "results"), j, r) {
            const char *got = hub_jstr(json_object_get(r, "properties"),
                                       "email");
            if (got && ed_strcaseeq(got, want))
                id = hub_jstr(r, "id");
        }
        if (id)
            json_array_append_new(a->ids, json_string(id));
        else
            json_array_append(a->invalid_emails, e);
    }
    return members_send(op);
}

static int members_add(struct hub_op *op)
{
    json_t *in = op->req->body, *it;
    struct members_add *a = ed_arena_alloc(op->req->arena, sizeof(*a));
    size_t i;
    int64_t n;
    if (json_is_object(in) && json_is_array(json_object_get(in, "vids"))) {
        /* HubSpot's classic add body {"vids":[..],"emails":[..]} */
        json_t *arr = json_array(), *v;
        json_array_foreach(json_object_get(in, "vids"), i, v)
            json_array_append_new(arr, json_pack("{s:O}", "vid", v));
        json_array_foreach(json_object_get(in, "emails"), i, v)
            json_array_append_new(arr, json_pack("{s:{s:O}}", "properties",
                                                 "email", v));
        in = arr;
    } else if (json_is_object(in) &&
               json_is_array(json_object_get(in, "emails"))) {
        json_t *arr = json_array(), *v;
        json_array_foreach(json_object_get(in, "emails"), i, v)
            json_array_append_new(arr, json_pack("{s:{s:O}}", "properties",
                                                 "email", v));
        in = arr;
    } else
        json_incref(in);
    if (!json_is_array(in) || json_array_size(in) == 0 ||
        json_array_size(in) > MEMBERS_BODY_MAX) {
        json_decref(in);
        return hub_bad_request(op, "The body must be an array of 1 to 100 "
                                   "contacts ({\"vid\":..} or "
                                   "{\"properties\":{\"email\":..}})");
    }
    a->ids = json_array();
    a->emails = json_array();
    a->invalid_emails = json_array();
    op->state = a;
    op->state_cleanup = add_cleanup;
    json_array_foreach(in, i, it) {
        json_t *vid = json_object_get(it, "vid");
        const char *vs = json_string_value(vid);
        const char *email = hub_first(
            hub_jstr(json_object_get(it, "properties"), "email"),
            hub_jstr(it, "email"));
        if (json_is_integer(vid) && json_integer_value(vid) > 0)
            json_array_append_new(
                a->ids,
                json_sprintf("%lld", (long long)json_integer_value(vid)));
        else if (vs && ed_all_digits(vs) && ed_parse_i64(vs, &n) && n > 0)
            json_array_append_new(a->ids, json_string(vs));
        else if (!vid && email && *email)
            json_array_append_new(a->emails, json_string(email));
        else {
            json_decref(in);
            return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                             "[%zu] needs a vid (a positive number) or "
                             "properties.email",
                             i);
        }
    }
    json_decref(in);
    if (json_array_size(a->emails) == 0)
        return members_send(op);
    json_t *inputs = json_array(), *e;
    json_array_foreach(a->emails, i, e)
        json_array_append_new(inputs, json_pack("{s:O}", "id", e));
    json_t *b = json_pack("{s:s, s:o, s:[s]}", "idProperty", "email", "inputs",
                          inputs, "properties", "email");
    int st = hub_send(op, "POST", "/crm/v3/objects/contacts/batch/read", b,
                      false, members_resolved);
    json_decref(b);
    return st;
}

/* GET /lists/{id}/contacts: a page of memberships (walked for page n), then
 * the contacts by batch read, in membership order. */
struct members_list {
    struct hub_paging pg;
    const char *next; /* HubSpot's cursor after the page */
    json_t *order;    /* record ids of the page, owned */
};

static void mlist_cleanup(void *p)
{
    struct members_list *m = p;
    json_decref(m->order);
    m->order = NULL;
}

static void contact_shape(json_t *c)
{
    const char *id = hub_jstr(c, "id");
    int64_t n;
    if (id && ed_all_digits(id) && ed_parse_i64(id, &n))
        json_object_set_new(c, "vid", json_integer(n));
}

static int mlist_contacts(struct hub_op *op, int status, json_t *body)
{
    struct members_list *m = op->state;
    json_t *out = json_array(), *id, *r;
    size_t i, j;
    (void)status;
    json_array_foreach(m->order, i, id) {
        json_array_foreach(json_object_get(body, "results"), j, r) {
            const char *rid = hub_jstr(r, "id");
            if (rid && strcmp(rid, json_string_value(id)) == 0) {
                json_t *c = json_deep_copy(r);
                contact_shape(c);
                json_array_append_new(out, c);
                break;
            }
        }
    }
    return hub_reply_list(op, out,
                          m->next ? hub_cursor_make(op, 'm', m->next) : NULL);
}

static int mlist_step(struct hub_op *op, const char *after);

static int mlist_page(struct hub_op *op, int status, json_t *body)
{
    struct members_list *m = op->state;
    json_t *results = json_object_get(body, "results"), *r;
    json_t *after = json_object_get(
        json_object_get(json_object_get(body, "paging"), "next"), "after");
    const char *next = json_is_string(after) && *json_string_value(after)
                           ? ed_arena_strdup(op->req->arena,
                                             json_string_value(after))
                           : NULL;
    size_t i;
    (void)status;
    if (m->pg.offset < 0) {
        m->pg.skip -= (long)json_array_size(results);
        if (!next || json_array_size(results) == 0)
            return hub_reply_list(op, json_array(), NULL);
        return mlist_step(op, next);
    }
    m->next = next;
    m->order = json_array();
    json_array_foreach(results, i, r) {
        if ((long)i >= m->pg.offset && hub_jstr(r, "recordId"))
            json_array_append_new(m->order,
                                  json_string(hub_jstr(r, "recordId")));
    }
    if (json_array_size(m->order) == 0)
        return hub_reply_list(op, json_array(),
                              next ? hub_cursor_make(op, 'm', next) : NULL);
    json_t *inputs = json_array(), *id;
    json_array_foreach(m->order, i, id)
        json_array_append_new(inputs, json_pack("{s:O}", "id", id));
    json_t *b = json_pack("{s:o}", "inputs", inputs);
    const char *props = hub_fields(op);
    if (props)
        json_object_set_new(b, "properties", hub_csv_array(op, props));
    int st = hub_send(op, "POST", "/crm/v3/objects/contacts/batch/read", b,
                      false, mlist_contacts);
    json_decref(b);
    return st;
}

static int mlist_step(struct hub_op *op, const char *after)
{
    struct members_list *m = op->state;
    int st = hub_paging_call(op, &m->pg);
    if (st)
        return st;
    long limit = hub_paging_next(&m->pg, MEMBERS_CALL_MAX);
    const char *path = ed_arena_printf(op->req->arena,
                                       LISTS "/%s/memberships?limit=%ld",
                                       hub_escape(op, op->id), limit);
    if (after)
        path = ed_arena_printf(op->req->arena, "%s&after=%s", path,
                               hub_escape(op, after));
    return hub_send(op, "GET", path, NULL, false, mlist_page);
}

static int members_list(struct hub_op *op)
{
    struct members_list *m = ed_arena_alloc(op->req->arena, sizeof(*m));
    int st;
    if ((st = hub_refuse_where(op)) || (st = hub_paging_read(op, 'm', &m->pg)))
        return st;
    op->state = m;
    op->state_cleanup = mlist_cleanup;
    return mlist_step(op, m->pg.after);
}

/* --- routing ---------------------------------------------------------------- */

static int lists_handle(struct hub_op *op)
{
    struct ed_request *req = op->req;
    if (op->sub) {
        if (strcmp(op->sub, "contacts") != 0 || hub_seg(op, 3))
            return hub_no_resource(op);
        if (req->method == ED_GET)
            return members_list(op);
        if (req->method == ED_POST)
            return members_add(op);
        return hub_no_method(op, "GET or POST");
    }
    if (!op->id) {
        if (req->method == ED_GET)
            return lists_list(op);
        if (req->method == ED_POST)
            return list_create(op);
        return hub_no_method(op, "GET or POST");
    }
    switch (req->method) {
    case ED_GET:
        return hub_send(op, "GET",
                        ed_arena_printf(req->arena,
                                        LISTS "/%s?includeFilters=true",
                                        hub_escape(op, op->id)),
                        NULL, false, list_done);
    case ED_PUT:
    case ED_PATCH: return list_update(op);
    case ED_DELETE:
        return hub_send(op, "DELETE",
                        ed_arena_printf(req->arena, LISTS "/%s",
                                        hub_escape(op, op->id)),
                        NULL, false, hub_done_empty);
    default: return hub_no_method(op, "GET, PUT, PATCH or DELETE");
    }
}

const struct hub_resource hub_lists_resources[] = {
    {"lists", lists_handle},
    {NULL, NULL},
};
