/* SPDX-License-Identifier: MIT
 * The bulk query: `select * from contacts where ... order by ...` split
 * into the object, the fields and the where (kept as CEQL text, checked
 * with ceql_check); lastRunDate/from/to become bounds on the object's
 * last-modified field. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bulk/bulk.h"
#include "core/buf.h"
#include "core/mem.h"
#include "hub/ceql.h"

#define QUERY_MAX 8192
#define FIELDS_MAX 500
#define NAME_MAX_LEN 128

static const struct {
    const char *object;
    const char *field;
} lastmod[] = {
    {"contacts", "lastmodifieddate"},
    {"leads", "lastmodifieddate"},
    {"companies", "hs_lastmodifieddate"},
    {"accounts", "hs_lastmodifieddate"},
    {"deals", "hs_lastmodifieddate"},
    {"opportunities", "hs_lastmodifieddate"},
};

const char *bulk_lastmod_field(const char *object)
{
    for (size_t i = 0; i < sizeof(lastmod) / sizeof(lastmod[0]); i++)
        if (strcmp(lastmod[i].object, object) == 0)
            return lastmod[i].field;
    return NULL;
}

void bulk_query_cleanup(struct bulk_query *q)
{
    free(q->object);
    json_decref(q->fields);
    free(q->where);
    free(q->order);
    memset(q, 0, sizeof(*q));
}

static const char *skip_ws(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* p starts with keyword kw (any case) followed by a space or the end. */
static bool keyword(const char *p, const char *kw)
{
    size_t n = strlen(kw);
    return strncasecmp(p, kw, n) == 0 &&
           (p[n] == '\0' || isspace((unsigned char)p[n]));
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* Scan a name at *pp into out; false if there is none or it is too long. */
static bool scan_name(const char **pp, char *out, size_t outlen)
{
    const char *p = *pp;
    size_t n = 0;
    while (name_char(p[n]))
        n++;
    if (n == 0 || n >= outlen)
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    *pp = p + n;
    return true;
}

/* The offset of a top-level "order by" in s (outside quotes), or NULL. */
static const char *find_order(const char *s)
{
    bool quoted = false;
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && (p == s || isspace((unsigned char)p[-1])) &&
                 keyword(p, "order")) {
            const char *b = skip_ws(p + 5);
            if (keyword(b, "by"))
                return p;
        }
    }
    return NULL;
}

/* A date bound: printable, no quote or backslash. */
static bool date_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 64)
        return false;
    for (const char *p = v; *p; p++)
        if (!isprint((unsigned char)*p) || *p == '\'' || *p == '\\')
            return false;
    return true;
}

static char *trimmed(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return ed_strndup(s, n);
}

enum ed_err bulk_query_parse(const char *q, const char *from, const char *to,
                             struct bulk_query *out, char *err, size_t errlen)
{
    char name[NAME_MAX_LEN];
    struct ed_buf w;
    ed_buf_init(&w, 2 * QUERY_MAX + 256);
    memset(out, 0, sizeof(*out));
    if (!q || !*skip_ws(q)) {
        snprintf(err, errlen, "q is required: select * from <object>");
        goto bad;
    }
    if (strlen(q) > QUERY_MAX) {
        snprintf(err, errlen, "q is longer than %d characters", QUERY_MAX);
        goto bad;
    }
    const char *p = skip_ws(q);
    if (!keyword(p, "select")) {
        snprintf(err, errlen, "q must start with 'select'");
        goto bad;
    }
    p = skip_ws(p + 6);
    if (*p == '*') {
        p = skip_ws(p + 1);
    } else {
        out->fields = json_array();
        for (;;) {
            if (!scan_name(&p, name, sizeof(name)) ||
                strcasecmp(name, "from") == 0) {
                snprintf(err, errlen,
                         "q: expected a field name or '*' after 'select'");
                goto bad;
            }
            if (json_array_size(out->fields) == FIELDS_MAX) {
                snprintf(err, errlen, "q selects more than %d fields",
                         FIELDS_MAX);
                goto bad;
            }
            json_array_append_new(out->fields, json_string(name));
            p = skip_ws(p);
            if (*p != ',')
                break;
            p = skip_ws(p + 1);
        }
    }
    if (!keyword(p, "from")) {
        snprintf(err, errlen, "q: expected 'from <object>' after the fields");
        goto bad;
    }
    p = skip_ws(p + 4);
    if (!scan_name(&p, name, sizeof(name)) || strchr(name, '.')) {
        snprintf(err, errlen, "q: expected an object name after 'from'");
        goto bad;
    }
    out->object = ed_strdup(name);
    p = skip_ws(p);
    if (keyword(p, "where")) {
        p = skip_ws(p + 5);
        const char *o = find_order(p);
        out->where = trimmed(p, o ? (size_t)(o - p) : strlen(p));
        if (!*out->where) {
            snprintf(err, errlen, "q: 'where' needs a condition");
            goto bad;
        }
        char cerr[200];
        if (ceql_check(out->where, cerr, sizeof(cerr)) != ED_OK) {
            snprintf(err, errlen, "q: invalid where: %s", cerr);
            goto bad;
        }
        p = o ? o : p + strlen(p);
    }
    if (keyword(p, "order")) {
        p = skip_ws(skip_ws(p + 5) + 2);
        out->order = trimmed(p, strlen(p));
        if (!*out->order) {
            snprintf(err, errlen, "q: 'order by' needs a field");
            goto bad;
        }
        p += strlen(p);
    }
    if (*skip_ws(p)) {
        snprintf(err, errlen, "q: unexpected text at '%.40s'", skip_ws(p));
        goto bad;
    }
    if ((from && *from) || (to && *to)) {
        const char *f = bulk_lastmod_field(out->object);
        if (!f) {
            snprintf(err, errlen,
                     "lastRunDate, from and to are not supported on '%s'",
                     out->object);
            goto bad;
        }
        if ((from && *from && !date_ok(from)) || (to && *to && !date_ok(to))) {
            snprintf(err, errlen, "lastRunDate/from/to must be a date");
            goto bad;
        }
        if (out->where)
            ed_buf_printf(&w, "(%s)", out->where);
        if (from && *from)
            ed_buf_printf(&w, "%s%s >= '%s'", w.len ? " AND " : "", f, from);
        if (to && *to)
            ed_buf_printf(&w, "%s%s <= '%s'", w.len ? " AND " : "", f, to);
        free(out->where);
        out->where = ed_buf_take(&w);
    }
    return ED_OK;
bad:
    ed_buf_cleanup(&w);
    bulk_query_cleanup(out);
    return ED_ERR_INVALID;
}
