/* SPDX-License-Identifier: MIT
 * Route matching on '/'-separated segments: "{name}" matches one non-empty
 * segment, a final "*" matches the rest of the path (possibly empty). */
#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 512
#define MAX_SEGS 16

static const struct ed_route *table[MAX_ROUTES];
static size_t ntable;

/* One entry per resource file (src/api/api_*.c). */
static const struct ed_route *const route_sets[] = {
    /* clang-format off */
    api_health_routes,
    api_auth_routes,
    api_audit_routes,
    api_secrets_routes,
    api_elements_routes,
    api_hubs_routes,
    api_instances_routes,
    api_hub_routes,
    api_events_routes,
    api_webhooks_routes,
    api_vdr_routes,
    api_vdrs_routes,
    api_bulk_routes,
    api_bulkloader_routes,
    api_docs_routes,
    api_accounts_routes,
    api_users_routes,
    api_traces_routes,
    NULL,
    /* clang-format on */
};

void router_init(void)
{
    if (ntable)
        return;
    for (size_t s = 0; route_sets[s]; s++)
        for (const struct ed_route *r = route_sets[s]; r->pattern; r++) {
            if (ntable == MAX_ROUTES) {
                /* a build error, not a runtime condition: never serve a
                 * table with routes silently missing */
                fprintf(stderr,
                        "router: more than %d routes; raise "
                        "MAX_ROUTES\n",
                        MAX_ROUTES);
                abort();
            }
            table[ntable++] = r;
        }
}

enum ed_method router_method(const char *name)
{
    static const struct {
        const char *name;
        enum ed_method m;
    } methods[] = {{"GET", ED_GET},       {"POST", ED_POST},
                   {"PUT", ED_PUT},       {"PATCH", ED_PATCH},
                   {"DELETE", ED_DELETE}, {"OPTIONS", ED_OPTIONS},
                   {"HEAD", ED_HEAD}};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(name, methods[i].name) == 0)
            return methods[i].m;
    return 0;
}

struct seg {
    const char *p;
    size_t n;
};

static size_t split(const char *path, struct seg *segs, size_t max,
                    bool *overflow)
{
    size_t n = 0;
    *overflow = false;
    while (*path) {
        while (*path == '/')
            path++;
        if (!*path)
            break;
        const char *e = strchr(path, '/');
        size_t len = e ? (size_t)(e - path) : strlen(path);
        if (n == max) {
            *overflow = true;
            return n;
        }
        segs[n].p = path;
        segs[n].n = len;
        n++;
        path += len;
    }
    return n;
}

/* Score = literal segments matched + 1, or 0 when no match. */
static int match_one(const struct ed_route *r, const struct seg *ps, size_t np,
                     const char **params, size_t *nparams, const char **rest)
{
    struct seg rs[MAX_SEGS];
    bool of;
    size_t nr = split(r->pattern, rs, MAX_SEGS, &of);
    int score = 1;
    size_t k = 0;
    *nparams = 0;
    *rest = NULL;
    for (size_t i = 0; i < nr; i++) {
        if (rs[i].n == 1 && rs[i].p[0] == '*' && i == nr - 1) {
            if (i >= np)
                return 0; /* '*' needs at least one segment */
            *rest = ps[i].p - 1;
            *nparams = k;
            return score;
        }
        if (i >= np)
            return 0;
        if (rs[i].p[0] == '{') {
            if (k < ED_MAX_PARAMS)
                params[k++] = ps[i].p; /* pointer into path; length below */
            continue;
        }
        if (rs[i].n != ps[i].n || memcmp(rs[i].p, ps[i].p, ps[i].n) != 0)
            return 0;
        score++;
    }
    if (nr != np)
        return 0;
    *nparams = k;
    return score;
}

static const struct ed_route *
match_in(const struct ed_route *const *tab, size_t ntab, struct ed_request *req,
         const char *subpath, enum ed_method method, unsigned *allowed);

const struct ed_route *router_match(struct ed_request *req, const char *subpath,
                                    enum ed_method method, unsigned *allowed)
{
    return match_in(table, ntable, req, subpath, method, allowed);
}

const struct ed_route *router_match_console(struct ed_request *req,
                                            const char *path,
                                            enum ed_method method,
                                            unsigned *allowed)
{
    static const struct ed_route *ctab[MAX_ROUTES];
    static size_t nctab;
    if (!nctab)
        for (const struct ed_route *r = api_console_routes;
             r->pattern && nctab < MAX_ROUTES; r++)
            ctab[nctab++] = r;
    return match_in(ctab, nctab, req, path, method, allowed);
}

static const struct ed_route *match_in(const struct ed_route *const *tab,
                                       size_t ntab, struct ed_request *req,
                                       const char *subpath,
                                       enum ed_method method, unsigned *allowed)
{
    struct seg ps[MAX_SEGS];
    bool overflow;
    size_t np = split(subpath, ps, MAX_SEGS, &overflow);
    const struct ed_route *best = NULL;
    int best_score = 0;
    const char *bparams[ED_MAX_PARAMS];
    const char *brest = NULL;
    size_t bn = 0;
    unsigned specific = 0; /* methods of non-catch-all rows matching the path */
    *allowed = 0;
    if (overflow)
        return NULL;
    for (size_t i = 0; i < ntab; i++) {
        const char *params[ED_MAX_PARAMS], *rest;
        size_t n;
        int score = match_one(tab[i], ps, np, params, &n, &rest);
        if (!score)
            continue;
        *allowed |= tab[i]->methods;
        if (!rest)
            specific |= tab[i]->methods;
        if (!(tab[i]->methods & method) || score <= best_score)
            continue;
        best = tab[i];
        best_score = score;
        bn = n;
        brest = rest;
        memcpy(bparams, params, sizeof(params));
    }
    /* a known path with the wrong method is 405, not a hub call */
    if (best && brest && specific && !(specific & method)) {
        *allowed = specific;
        return NULL;
    }
    if (!best)
        return NULL;
    /* copy the parameter segments out of the path */
    for (size_t i = 0; i < bn; i++) {
        const char *e = strchr(bparams[i], '/');
        size_t len = e ? (size_t)(e - bparams[i]) : strlen(bparams[i]);
        req->params[i] = ed_arena_strndup(req->arena, bparams[i], len);
    }
    req->nparams = bn;
    req->route = best->pattern;
    req->rest = brest ? ed_arena_strdup(req->arena, brest) : NULL;
    return best;
}
