/* SPDX-License-Identifier: MIT
 * Helpers the hub resource families share (see resource.h and the helper
 * part of hub.h): null filtering as the instance asks, opaque paging
 * cursors, percent-encoding, JSON access, the catalogue errors resources
 * answer with, and their final responses. Nothing here calls HubSpot. */
#include "hub/resource.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/text.h"

/* --- null filtering, cursors, escaping (hub.h) ------------------------------ */

static void filter_nulls(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, m) {
            if (json_is_null(m))
                json_object_del(v, k);
            else
                filter_nulls(m);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
            filter_nulls(m);
    }
}

bool hub_drop_nulls(const struct hub_op *op)
{
    const char *f = instance_cfg(&op->in, "filter.response.nulls");
    return !f || strcmp(f, "false") != 0;
}

void hub_filter_nulls(const struct hub_op *op, json_t *v)
{
    if (hub_drop_nulls(op))
        filter_nulls(v);
}

const char *hub_cursor_make(struct hub_op *op, char kind, const char *after)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(after);
    char *out = ed_arena_alloc(op->req->arena, 2 * n + 3);
    out[0] = kind;
    out[1] = '1';
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = hex[(unsigned char)after[i] >> 4];
        out[3 + 2 * i] = hex[(unsigned char)after[i] & 15];
    }
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

const char *hub_cursor_read(struct hub_op *op, char kind, const char *c)
{
    size_t n = strlen(c);
    /* an issued cursor is never empty */
    if (n < 4 || n > 512 || c[0] != kind || c[1] != '1' || (n - 2) % 2)
        return NULL;
    char *out = ed_arena_alloc(op->req->arena, (n - 2) / 2 + 1);
    for (size_t i = 0; i < (n - 2) / 2; i++) {
        int h = hexval(c[2 + 2 * i]), l = hexval(c[3 + 2 * i]);
        if (h < 0 || l < 0 || (h == 0 && l == 0))
            return NULL;
        out[i] = (char)(h << 4 | l);
    }
    return out;
}

const char *hub_escape(struct hub_op *op, const char *s)
{
    struct ed_buf b;
    ed_buf_init(&b, 8192);
    ed_url_encode(&b, s);
    const char *out = ed_arena_strdup(op->req->arena, b.data ? b.data : "");
    ed_buf_cleanup(&b);
    return out;
}

/* --- small helpers -------------------------------------------------------- */

const char *hub_jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

const char *hub_first(const char *a, const char *b)
{
    return a ? a : b;
}

int hub_no_resource(struct hub_op *op)
{
    return res_error(op->req, op->res, ED_E_NOT_FOUND, "No resource at %s",
                     op->req->subpath);
}

int hub_no_method(struct hub_op *op, const char *allowed)
{
    return res_error(op->req, op->res, ED_E_METHOD, "Use %s on %s", allowed,
                     op->req->subpath);
}

int hub_bad_request(struct hub_op *op, const char *why)
{
    return res_error(op->req, op->res, ED_E_BAD_REQUEST, "%s", why);
}

/* 0 when the request body is a JSON object, else the status of the error. */
int hub_need_object(struct hub_op *op)
{
    if (json_is_object(op->req->body))
        return 0;
    return hub_bad_request(op, "The request body must be a JSON object");
}

/* Path segment i below the hub (0 is the resource; arena copy), or NULL.
 * hub.c splits the first three; the timeline needs a fourth. */
const char *hub_seg(const struct hub_op *op, int i)
{
    const char *p = op->req->rest ? op->req->rest : "";
    for (int k = 0;; k++) {
        while (*p == '/')
            p++;
        if (!*p)
            return NULL;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (k == i)
            return ed_arena_strndup(op->req->arena, p, n);
        p += n;
    }
}

/* A scalar in HubSpot's string form (new reference); NULL for anything else. */
json_t *hub_scalar_str(const json_t *v)
{
    if (json_is_string(v))
        return json_string(json_string_value(v));
    if (json_is_integer(v))
        return json_sprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return json_sprintf("%.15g", json_real_value(v));
    if (json_is_boolean(v))
        return json_string(json_is_true(v) ? "true" : "false");
    return NULL;
}

/* A number from HubSpot's string form ("0.2"), new reference, or NULL. */
json_t *hub_number_of(const char *s)
{
    json_error_t je;
    json_t *v = s && strlen(s) < 32 ? json_loads(s, JSON_DECODE_ANY, &je)
                                    : NULL;
    if (v && !json_is_number(v)) {
        json_decref(v);
        v = NULL;
    }
    return v;
}

void hub_rename_key(json_t *o, const char *from, const char *to)
{
    json_t *v = json_object_get(o, from);
    if (!v)
        return;
    json_object_set(o, to, v);
    json_object_del(o, from);
}

/* --- responses ------------------------------------------------------------ */

/* Final 200 with o (taken), nulls filtered as the instance asks. */
int hub_reply(struct hub_op *op, json_t *o)
{
    hub_filter_nulls(op, o);
    return res_json(op->res, 200, o);
}

int hub_reply_list(struct hub_op *op, json_t *arr, const char *next)
{
    res_header(op->res, "Elements-Returned-Count",
               ed_arena_printf(op->req->arena, "%zu", json_array_size(arr)));
    if (next)
        res_header(op->res, "Elements-Next-Page-Token", next);
    return hub_reply(op, arr);
}

int hub_reply_page(struct hub_op *op, struct ed_buf *out, size_t count,
                   const char *next, long long total)
{
    res_header(op->res, "Elements-Returned-Count",
               ed_arena_printf(op->req->arena, "%zu", count));
    if (next)
        res_header(op->res, "Elements-Next-Page-Token", next);
    if (total >= 0)
        res_header(op->res, "Elements-Total-Count",
                   ed_arena_printf(op->req->arena, "%lld", total));
    size_t n = out->len;
    return hub_respond_raw(op, 200, ed_buf_take(out), n);
}

const char *hub_fields(struct hub_op *op)
{
    const char *f = req_query(op->req, "fields");
    if (!f || !*f)
        return NULL;
    char *c = ed_arena_strdup(op->req->arena, f);
    for (char *p = c; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
        if (*p == ' ')
            *p = ',';
    }
    return c;
}

json_t *hub_csv_array(struct hub_op *op, const char *csv)
{
    json_t *arr = json_array();
    char *s = ed_arena_strdup(op->req->arena, csv ? csv : "");
    while (s && *s) {
        char *c = strchr(s, ',');
        if (c)
            *c = '\0';
        if (*s)
            json_array_append_new(arr, json_string(s));
        s = c ? c + 1 : NULL;
    }
    return arr;
}

int hub_done_empty(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    (void)body;
    return res_json(op->res, 200, json_object());
}

/* HubSpot's answer (borrowed), reshaped in place by shape (may be NULL). */
int hub_reply_shaped(struct hub_op *op, json_t *body, void (*shape)(json_t *))
{
    json_t *o = body ? json_incref(body) : json_object();
    if (shape)
        shape(o);
    return hub_reply(op, o);
}

int hub_done_pass(struct hub_op *op, int status, json_t *body)
{
    (void)status;
    return hub_reply_shaped(op, body, NULL);
}

int hub_refuse_where(struct hub_op *op)
{
    const char *w = req_query(op->req, "where");
    if (!w || !*w)
        return 0;
    return res_error(op->req, op->res, ED_E_BAD_REQUEST,
                     "where is not supported on %s", op->req->subpath);
}
