/* SPDX-License-Identifier: MIT
 * GET /audit: the organization's audit log (issue 15), for its admins,
 * newest first. Paging as the other lists: pageSize (default 50, at most
 * 500) and nextPage, the token given in Elements-Next-Page-Token, with
 * Elements-Returned-Count. `where` is a CEQL subset: conditions joined
 * with `and`, each `name = 'value'` for action, actorId, targetType,
 * targetId, or a time bound: `since = '<time>'` / `at >= '<time>'`
 * (inclusive) and `until = '<time>'` / `at < '<time>'` (exclusive), where
 * a time is ISO-8601 UTC (YYYY-MM-DD[THH:MM:SS[.mmm]][Z]) or epoch
 * milliseconds. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "core/strparse.h"
#include "core/timeutil.h"
#include "domain/app.h"
#include "domain/audit.h"
#include "store/store.h"

#define PAGE_DEFAULT 50
#define PAGE_MAX 500
#define WHERE_MAX 2048
#define WHERE_TERMS 16

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n digits at s into *v; false unless all are digits. */
static bool digits(const char *s, int n, int64_t *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* ISO-8601 UTC date or date-time, or epoch milliseconds → epoch ms. */
static bool parse_time(const char *s, int64_t *ms)
{
    int64_t y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
    uint64_t u;
    size_t len = strlen(s);
    if (len > 0 && len <= 16 && !strchr(s, '-') &&
        ed_parse_u64(s, INT64_MAX, &u)) {
        *ms = (int64_t)u;
        return true;
    }
    if (len < 10 || !digits(s, 4, &y) || s[4] != '-' ||
        !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
        mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) ||
            h > 23 || mi > 59)
            return false;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &se) || se > 60)
                return false;
            p += 3;
            if (*p == '.') {
                if (!digits(p + 1, 3, &frac))
                    return false;
                p += 4;
            }
        }
    }
    if (*p == 'Z')
        p++;
    if (*p)
        return false;
    *ms = ((days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + se) *
              1000 +
          frac;
    return true;
}

static size_t skip_ws(const char *s, size_t i)
{
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    return i;
}

static bool parse_id(const char *v, int64_t *out)
{
    uint64_t u;
    if (!ed_parse_u64(v, INT64_MAX, &u))
        return false;
    *out = (int64_t)u;
    return true;
}

/* The where clause into f; false with *why on a bad clause. */
static bool parse_where(struct ed_request *req, const char *w,
                        struct store_audit_filter *f, const char **why)
{
    size_t i = 0;
    unsigned terms = 0;
    if (!w)
        return true;
    if (strlen(w) > WHERE_MAX) {
        *why = "too long";
        return false;
    }
    for (;;) {
        i = skip_ws(w, i);
        if (!w[i])
            return terms > 0 || (*why = "empty", false);
        if (++terms > WHERE_TERMS) {
            *why = "too many conditions";
            return false;
        }
        size_t ns = i;
        while (w[i] && strchr("=<> \t", w[i]) == NULL)
            i++;
        size_t nlen = i - ns;
        const char *name = w + ns;
        i = skip_ws(w, i);
        char op[3] = {0};
        if (w[i] == '>' || w[i] == '<') {
            op[0] = w[i++];
            if (w[i] == '=')
                op[1] = w[i++];
        } else if (w[i] == '=') {
            op[0] = w[i++];
        } else {
            *why = "expected name = 'value'";
            return false;
        }
        i = skip_ws(w, i);
        const char *val = api_where_value(req, w, &i, why);
        if (!val)
            return false;
#define IS(lit) (nlen == strlen(lit) && strncasecmp(name, lit, nlen) == 0)
        bool eq = !strcmp(op, "=");
        int64_t t;
        if (IS("at") || IS("since") || IS("until")) {
            if (!parse_time(val, &t)) {
                *why = "a time is ISO-8601 UTC or epoch milliseconds";
                return false;
            }
            if ((IS("since") && eq) || (IS("at") && !strcmp(op, ">=")))
                f->since = t;
            else if (IS("at") && !strcmp(op, ">"))
                f->since = t + 1;
            else if ((IS("until") && eq) || (IS("at") && !strcmp(op, "<")))
                f->until = t;
            else if (IS("at") && !strcmp(op, "<="))
                f->until = t + 1;
            else {
                *why = "times take since = , until = , or at >=, >, <, <=";
                return false;
            }
        } else if (!eq) {
            *why = "only = is supported for this field";
            return false;
        } else if (IS("action")) {
            f->action = val;
        } else if (IS("targetType") || IS("target_type")) {
            f->target_type = val;
        } else if (IS("actorId") || IS("actor_id")) {
            if (!parse_id(val, &f->actor_id)) {
                *why = "actorId must be a user id";
                return false;
            }
        } else if (IS("targetId") || IS("target_id")) {
            if (!parse_id(val, &f->target_id)) {
                *why = "targetId must be an id";
                return false;
            }
        } else {
            *why = "unknown field (action, actorId, targetType, targetId, "
                   "since, until, at)";
            return false;
        }
#undef IS
        i = skip_ws(w, i);
        if (!w[i])
            return true;
        if (strncasecmp(w + i, "and", 3) != 0 ||
            (w[i + 3] != ' ' && w[i + 3] != '\t')) {
            *why = "conditions are joined with 'and'";
            return false;
        }
        i += 3;
    }
}

static json_t *render(const struct store_audit *a)
{
    char iso[32], at[40];
    ed_iso8601(a->at / 1000, iso, sizeof(iso));
    /* "YYYY-MM-DDTHH:MM:SSZ" → with milliseconds */
    size_t l = strlen(iso);
    if (l > 0 && iso[l - 1] == 'Z')
        iso[l - 1] = 0;
    snprintf(at, sizeof(at), "%s.%03dZ", iso, (int)(a->at % 1000));
    json_t *o = json_pack("{s:I, s:s, s:I, s:s?, s:s, s:s?, s:I, s:s?, s:s?, "
                          "s:I}",
                          "id", (json_int_t)a->id, "at", at, "actorId",
                          (json_int_t)a->actor_id, "actorIp", a->actor_ip,
                          "action", a->action, "targetType", a->target_type,
                          "targetId", (json_int_t)a->target_id, "detail",
                          a->detail, "requestId", a->request_id, "outcome",
                          (json_int_t)a->outcome);
    return o;
}

static int audit_list(struct ed_request *req, struct ed_response *res)
{
    struct store_audit_filter f = {NULL, NULL, -1, -1, 0, 0};
    struct store_audit *rows = NULL;
    size_t n = 0, size = PAGE_DEFAULT;
    int64_t before = 0;
    const char *why = NULL;
    if (!api_is_org_admin(req))
        return res_error(req, res, ED_E_FORBIDDEN,
                         "Only an organization administrator reads the "
                         "audit log");
    if (!api_id_paging(req, res, PAGE_DEFAULT, PAGE_MAX, &size, &before))
        return res->status;
    if (!parse_where(req, req_query(req, "where"), &f, &why))
        return res_error(req, res, ED_E_BAD_REQUEST, "Invalid where: %s", why);
    if (store_audit_list(req->app->store, req->auth.org_id, &f, before, size,
                         &rows, &n))
        return res_error(req, res, ED_E_INTERNAL, "Cannot read the audit log");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, render(&rows[i]));
    res_header(res, "Elements-Returned-Count",
               ed_arena_printf(req->arena, "%zu", n));
    if (n == size && n > 0)
        res_header(res, "Elements-Next-Page-Token",
                   ed_arena_printf(req->arena, "%lld",
                                   (long long)rows[n - 1].id));
    store_audit_free(rows, n);
    return res_json(res, 200, arr);
}

/* Append "%s" to buf (size n) at *k, marking a cut with "..." once. */
static void put(char *buf, size_t n, size_t *k, const char *s)
{
    size_t l = strlen(s);
    if (*k + l + 4 >= n) {
        if (*k + 4 <= n && (*k < 3 || strcmp(buf + *k - 3, "...") != 0)) {
            memcpy(buf + *k, "...", 4);
            *k += 3;
        }
        return;
    }
    memcpy(buf + *k, s, l + 1);
    *k += l;
}

const char *api_audit_fields(struct ed_request *req, const json_t *body)
{
    char buf[200];
    size_t k = 0;
    const char *key;
    json_t *v;
    if (!json_is_object(body))
        return NULL;
    buf[0] = 0;
    json_object_foreach((json_t *)body, key, v) {
        if (k)
            put(buf, sizeof(buf), &k, ", ");
        put(buf, sizeof(buf), &k, key);
        if (json_is_object(v) && !strcmp(key, "configuration")) {
            const char *ck;
            json_t *cv;
            bool first = true;
            put(buf, sizeof(buf), &k, "[");
            json_object_foreach(v, ck, cv) {
                (void)cv;
                if (!first)
                    put(buf, sizeof(buf), &k, ", ");
                put(buf, sizeof(buf), &k, ck);
                first = false;
            }
            put(buf, sizeof(buf), &k, "]");
        }
    }
    return ed_arena_strdup(req->arena, buf);
}

int api_audit_write(struct ed_request *req, const char *action,
                    const char *target_type, int st)
{
    char detail[256];
    size_t k;
    if (req->method == ED_GET || st < 200 || st > 299)
        return st;
    k = (size_t)snprintf(detail, sizeof(detail), "%s %s",
                         req->method_name ? req->method_name : "?",
                         req->route ? req->route : "?");
    for (size_t i = 0; i < req->nparams && k < sizeof(detail); i++)
        k += (size_t)snprintf(detail + k, sizeof(detail) - k, " %.60s",
                              req->params[i] ? req->params[i] : "");
    audit_req(req, 0, action, target_type, 0, detail, st);
    return st;
}

const struct ed_route api_audit_routes[] = {
    {ED_GET, "/audit", audit_list, 0},
    {0, NULL, NULL, 0},
};
