/* SPDX-License-Identifier: MIT
 * Cloud Elements paging for every hub list resource (see paging.h): the
 * reading of pageSize, page and nextPage with one depth limit and one
 * message, the budget and abandon checks of a walk, the walk over listings
 * HubSpot pages with cursors and reshaped through jansson (owners,
 * engagements), and the in-memory slicing of listings HubSpot returns
 * whole (pipelines, timeline event types); v3 listings with no shape, or
 * one that only adds a member, are streamed (jsonfilter) instead. The CRM
 * hot path (hub_crm.c)
 * walks with its streaming reshaper but reads and checks through here. */
#include "hub/paging.h"

#include <stddef.h>
#include <string.h>

#include "core/mem.h"
#include "core/strparse.h"
#include "hub/jsonfilter.h"
#include "provider/provider.h"
#include "hub/resource.h"

int hub_paging_read(struct hub_op *op, char kind, struct hub_paging *pg)
{
    const char *ps = req_query(op->req, "pageSize");
    const char *page = req_query(op->req, "page");
    const char *next = req_query(op->req, "nextPage");
    uint64_t v = 0;
    memset(pg, 0, sizeof(*pg));
    pg->size = HUB_PAGE_SIZE_MAX;
    pg->page = 1;
    if (ps && *ps) {
        if (!ed_parse_u64(ps, 1000000000, &v) || v == 0)
            return hub_bad_request(op, "pageSize must be a positive integer");
        if (v > HUB_PAGE_SIZE_MAX)
            res_header(
                op->res, "Elements-Error",
                ed_arena_printf(op->req->arena,
                                "pageSize %llu exceeds HubSpot's maximum; "
                                "clipped to %d",
                                (unsigned long long)v, HUB_PAGE_SIZE_MAX));
        else
            pg->size = (long)v;
    }
    if (page && *page &&
        (!ed_parse_u64(page, 1000000000, &pg->page) || pg->page == 0))
        return hub_bad_request(op, "page must be a positive integer");
    if (next && *next) {
        pg->next = next;
        if (kind && !(pg->after = hub_cursor_read(op, kind, next)))
            return hub_bad_request(
                op, "nextPage is not a cursor this server issued "
                    "for this resource");
        pg->page = 1; /* nextPage wins over page */
    }
    uint64_t reach = pg->page * (uint64_t)pg->size;
    if (reach > HUB_PAGE_REACH_MAX)
        return res_error(
            op->req, op->res, ED_E_BAD_REQUEST,
            "page %llu of size %ld reaches past record %d, the "
            "deepest a page number goes; follow nextPage (the "
            "Elements-Next-Page-Token of the previous page) instead",
            (unsigned long long)pg->page, pg->size, HUB_PAGE_REACH_MAX);
    pg->skip = (long)(reach - (uint64_t)pg->size);
    return 0;
}

int hub_paging_call(struct hub_op *op, struct hub_paging *pg)
{
    if (op->req->abandoned)
        return res_error(op->req, op->res, ED_E_UNAVAILABLE,
                         "The client went away; the listing stopped");
    if (pg->calls >= HUB_PAGE_CALLS_MAX)
        return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                         "Reaching this page needs more than %d HubSpot calls; "
                         "follow nextPage instead",
                         HUB_PAGE_CALLS_MAX);
    pg->calls++;
    return 0;
}

long hub_paging_next(struct hub_paging *pg, long max_call)
{
    long need = pg->skip + pg->size;
    if (need <= max_call) {
        pg->offset =
            pg->skip; /* the last call: skipped records, then the page */
        return need;
    }
    /* skip so that what remains is a whole number of full calls */
    pg->offset = -1;
    return (need - 1) % max_call + 1;
}

/* --- listings HubSpot pages with cursors ------------------------------------ */

struct vlist {
    struct hub_paging pg;
    const struct hub_vlist_spec *spec;
    const struct hub_vlist_add *add; /* streamed shape, or NULL */
    const char *path; /* HubSpot path, possibly with a query already */
};

static const char *vlist_cursor(struct hub_op *op, json_t *body)
{
    json_t *after = json_object_get(
        json_object_get(json_object_get(body, "paging"), "next"), "after");
    if (json_is_string(after) && *json_string_value(after))
        return ed_arena_strdup(op->req->arena, json_string_value(after));
    if (!json_is_true(json_object_get(body, "hasMore")))
        return NULL;
    json_t *off = json_object_get(body, "offset");
    if (json_is_integer(off))
        return ed_arena_printf(op->req->arena, "%lld",
                               (long long)json_integer_value(off));
    return json_is_string(off) && *json_string_value(off)
               ? ed_arena_strdup(op->req->arena, json_string_value(off))
               : NULL;
}

static int vlist_step(struct hub_op *op, const char *after);

static int vlist_next(struct hub_op *op, int status, json_t *body)
{
    struct vlist *vl = op->state;
    json_t *results = json_object_get(body, "results");
    const char *next = vlist_cursor(op, body);
    (void)status;
    if (vl->pg.offset < 0) {
        long got = (long)json_array_size(results);
        vl->pg.skip -= got;
        if (!next || got == 0)
            return hub_reply_list(op, json_array(), NULL); /* past the end */
        return vlist_step(op, next);
    }
    json_t *arr = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(results, i, it) {
        if ((long)i >= vl->pg.offset)
            json_array_append(arr, it);
    }
    if (vl->spec->shape)
        json_array_foreach(arr, i, it)
            vl->spec->shape(it);
    return hub_reply_list(op, arr,
                          next ? hub_cursor_make(op, vl->spec->kind, next)
                               : NULL);
}

/* --- streamed v3 listings ------------------------------------------------ */

/* The record projection of hub_vlist_add: the record copied, then the
 * member added before its closing brace. One pass over the record's
 * members (and over from1's, for from2). */
static const char *add_record(void *ud, const char *p, const char *end,
                              const char *classic_id, bool drop_nulls,
                              struct ed_buf *out)
{
    const struct hub_vlist_add *a = ud;
    struct jsonfilter_member m[2] = {{a->member, NULL, NULL, 0},
                                     {a->from1, NULL, NULL, 0}};
    const char *vs, *ve, *e;
    size_t start = out->len;
    (void)classic_id;
    /* one pass: the record copied, the members found as it is */
    if (!(e = jsonfilter_copy_members(p, end, drop_nulls, out, m, 2, NULL))) {
        out->len = start; /* not an object, or malformed */
        return jsonfilter_copy_one(p, end, drop_nulls, out);
    }
    if (m[0].count)
        return e; /* the record has it already */
    vs = m[1].vs;
    ve = m[1].ve;
    if (vs && a->from2) {
        struct jsonfilter_member m2 = {a->from2, NULL, NULL, 0};
        if (*vs != '{' || !jsonfilter_members_valid(vs, ve, &m2, 1, NULL))
            return e;
        vs = m2.vs;
        ve = m2.ve;
    }
    if (!vs || (a->type == 's' ? *vs != '"' : (*vs != 't' && *vs != 'f')))
        return e;
    if (out->len - start < 2 || out->data[out->len - 1] != '}')
        return NULL;
    bool empty = out->len - start == 2;
    out->len--;
    if ((!empty && ed_buf_append(out, ",", 1) != ED_OK) ||
        ed_buf_append(out, "\"", 1) != ED_OK ||
        ed_buf_appends(out, a->member) != ED_OK ||
        ed_buf_append(out, "\":", 2) != ED_OK ||
        ed_buf_append(out, vs, (size_t)(ve - vs)) != ED_OK ||
        ed_buf_append(out, "}", 1) != ED_OK)
        return NULL;
    return e;
}

/* A listing without a shape: HubSpot's v3 page is copied in one streaming
 * pass (jsonfilter), as the CRM objects' hot path does, instead of being
 * parsed and dumped through jansson (most of its CPU: bench/resources.py). */
static int vlist_raw_next(struct hub_op *op, int status, const char *body,
                          size_t len)
{
    struct vlist *vl = op->state;
    struct jsonfilter_page pg;
    struct ed_buf out;
    (void)status;
    if (vl->pg.offset < 0) {
        if (jsonfilter_page(body, len, false, NULL, 0, NULL, &pg) != ED_OK)
            return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                             "HubSpot answered with invalid or oversized "
                             "JSON");
        vl->pg.skip -= (long)pg.count;
        if (!pg.after[0] || pg.count == 0)
            return hub_reply_list(op, json_array(), NULL); /* past the end */
        return vlist_step(op, ed_arena_strdup(op->req->arena, pg.after));
    }
    struct jsonfilter_proj add = {add_record, (void *)vl->add, false};
    ed_buf_init(&out, PROVIDER_MAX_BODY);
    ed_buf_reserve(&out, len + len / 8);
    if (jsonfilter_page_proj(body, len, hub_drop_nulls(op), NULL,
                             (size_t)vl->pg.offset, vl->add ? &add : op->proj,
                             &out, &pg) != ED_OK) {
        ed_buf_cleanup(&out);
        return res_error(op->req, op->res, ED_E_BAD_GATEWAY,
                         "HubSpot answered with invalid or oversized JSON");
    }
    return hub_reply_page(
        op, &out, pg.count,
        pg.after[0] ? hub_cursor_make(op, vl->spec->kind, pg.after) : NULL, -1);
}

static int vlist_step(struct hub_op *op, const char *after)
{
    struct vlist *vl = op->state;
    int st = hub_paging_call(op, &vl->pg);
    if (st)
        return st;
    long limit = hub_paging_next(&vl->pg, vl->spec->max_call);
    const char *path = ed_arena_printf(op->req->arena, "%s%climit=%ld",
                                       vl->path,
                                       strchr(vl->path, '?') ? '&' : '?',
                                       limit);
    if (after)
        path = ed_arena_printf(op->req->arena, "%s&%s=%s", path,
                               vl->spec->cursor_param, hub_escape(op, after));
    if (strcmp(vl->spec->cursor_param, "after") == 0 &&
        (!vl->spec->shape || (vl->add && !op->proj)))
        return hub_send_raw(op, "GET", path, NULL, false, vlist_raw_next);
    return hub_send(op, "GET", path, NULL, false, vlist_next);
}

int hub_vlist_start_add(struct hub_op *op, const struct hub_vlist_spec *spec,
                        const struct hub_vlist_add *add, const char *path)
{
    struct vlist *vl = ed_arena_alloc(op->req->arena, sizeof(*vl));
    int st = hub_paging_read(op, spec->kind, &vl->pg);
    if (st)
        return st;
    vl->spec = spec;
    vl->add = add;
    vl->path = path;
    op->state = vl;
    return vlist_step(op, vl->pg.after);
}

int hub_vlist_start(struct hub_op *op, const struct hub_vlist_spec *spec,
                    const char *path)
{
    return hub_vlist_start_add(op, spec, NULL, path);
}

/* --- listings HubSpot returns whole ----------------------------------------- */

int hub_paging_begin(struct hub_op *op, char kind)
{
    struct hub_paging *pg = ed_arena_alloc(op->req->arena, sizeof(*pg));
    int st = hub_paging_read(op, kind, pg);
    if (st)
        return st;
    op->state = pg;
    return 0;
}

int hub_reply_sliced(struct hub_op *op, char kind, json_t *all)
{
    const struct hub_paging *pg = op->state;
    uint64_t page = pg->page;
    if (pg->after && (!ed_parse_u64(pg->after, 100000, &page) || page == 0)) {
        json_decref(all);
        return hub_bad_request(op,
                               "nextPage is not a cursor this server issued");
    }
    size_t from = (size_t)((page - 1) * (uint64_t)pg->size),
           n = json_array_size(all);
    json_t *out = json_array();
    for (size_t i = from; i < n && i < from + (size_t)pg->size; i++)
        json_array_append(out, json_array_get(all, i));
    const char *next = NULL;
    if (from + (size_t)pg->size < n)
        next = hub_cursor_make(op, kind,
                               ed_arena_printf(op->req->arena, "%llu",
                                               (unsigned long long)page + 1));
    json_decref(all);
    return hub_reply_list(op, out, next);
}
