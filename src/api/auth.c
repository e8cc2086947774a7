/* SPDX-License-Identifier: MIT
 * Platform authentication. The Authorization header holds comma-separated
 * "Scheme value" parts in any order: User, Organization, Element (Token is
 * a synonym of Element), or a console session "Bearer <token>". Secrets are
 * found by their keyed hash, then compared in constant time with the
 * unsealed stored value. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "domain/app.h"
#include "core/mem.h"
#include "core/strparse.h"
#include "core/ttlcache.h"
#include "core/timeutil.h"
#include "domain/accounts.h"
#include "crypto/crypto.h"
#include "store/store.h"

#define MAX_AUTH_HEADER 4096

struct auth_parts {
    const char *user, *org, *element, *bearer;
};

enum parse_result { PARSE_OK, PARSE_MALFORMED, PARSE_REPEATED };

/* Set *slot to v unless a part of the same scheme came before. */
static bool take(const char **slot, const char *v)
{
    if (*slot)
        return false;
    *slot = v;
    return true;
}

/* Split the header into parts. One credential per request: a scheme given
 * twice (two Bearer parts, two User parts, ...) is refused, not resolved. */
static enum parse_result parse_header(struct ed_arena *arena, const char *h,
                                      struct auth_parts *p)
{
    if (strlen(h) > MAX_AUTH_HEADER)
        return PARSE_MALFORMED;
    char *copy = ed_arena_strdup(arena, h);
    char *s = copy;
    memset(p, 0, sizeof(*p));
    while (*s) {
        char *end = strchr(s, ',');
        if (end)
            *end = '\0';
        while (*s == ' ' || *s == '\t')
            s++;
        char *sp = strpbrk(s, " \t");
        if (!sp)
            return PARSE_MALFORMED;
        *sp = '\0';
        char *v = sp + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            v[--vl] = '\0';
        if (!*v)
            return PARSE_MALFORMED;
        const char **slot;
        if (ed_strcaseeq(s, "User"))
            slot = &p->user;
        else if (ed_strcaseeq(s, "Organization"))
            slot = &p->org;
        else if (ed_strcaseeq(s, "Element") || ed_strcaseeq(s, "Token"))
            slot = &p->element;
        else if (ed_strcaseeq(s, "Bearer"))
            slot = &p->bearer;
        else
            return PARSE_MALFORMED;
        if (!take(slot, v))
            return PARSE_REPEATED;
        if (!end)
            break;
        s = end + 1;
    }
    return PARSE_OK;
}

/* How many Authorization header fields the request has. */
static size_t count_auth_headers(const struct ed_request *req)
{
    size_t n = 0;
    for (size_t i = 0; i < req->nheaders; i++)
        if (ed_strcaseeq(req->headers[i].name, "Authorization"))
            n++;
    return n;
}

/* Does the sealed blob open to exactly `given`? Constant time. */
static bool sealed_matches(struct ed_app *app, const struct store_blob *ct,
                           const char *given)
{
    char *plain = NULL;
    if (crypto_open(app->keys, ct->data, ct->len, &plain, NULL) != ED_OK)
        return false;
    bool ok = crypto_ct_streq(plain, given);
    crypto_free_secret(plain);
    return ok;
}

static int fail(struct ed_request *req, struct ed_response *res,
                const char *msg)
{
    return res_error(req, res, ED_E_UNAUTHORIZED, "%s", msg);
}

/* The user's account and role, or a 401 when the user is disabled (read
 * from the row just looked up: a disable takes effect at once; cached
 * pairs are dropped by the change announcement). */
static int take_user(struct ed_request *req, struct ed_response *res,
                     const struct store_user *u)
{
    if (u->disabled)
        return fail(req, res, "This user is disabled");
    req->auth.user_id = u->id;
    req->auth.org_id = u->org_id;
    req->auth.account_id = u->account_id;
    req->auth.role = (int)accounts_role_of(u->role);
    return 0;
}

static int auth_bearer(struct ed_request *req, struct ed_response *res,
                       const char *token)
{
    struct ed_app *app = req->app;
    uint8_t hash[ED_HASH_BYTES];
    int64_t uid = 0;
    struct store_user u = {0};
    /* under every live key: a key rotation may be under way */
    enum ed_err found = ED_ERR_NOT_FOUND;
    for (size_t k = 0; found == ED_ERR_NOT_FOUND &&
                       crypto_lookup_hash_n(app->keys, token, k, hash);
         k++)
        found = store_session_find(app->store, hash, ed_now_s(), &uid);
    if (found != ED_OK)
        return fail(req, res, "Invalid or expired bearer token");
    if (store_user_get(app->store, uid, &u) != ED_OK)
        return fail(req, res, "Invalid or expired bearer token");
    int rc = take_user(req, res, &u);
    req->auth.via_bearer = true;
    store_user_cleanup(&u);
    return rc;
}

static int auth_secrets(struct ed_request *req, struct ed_response *res,
                        const struct auth_parts *p)
{
    struct ed_app *app = req->app;
    uint8_t uh[ED_HASH_BYTES], oh[ED_HASH_BYTES];
    struct store_user u = {0};
    struct store_org o = {0};
    int rc = 0;
    /* A verified pair is remembered for --cache-ttl-ms under a keyed hash
     * of both secrets; a hit skips two lookups and two unsealings. */
    uint8_t ck[ED_HASH_BYTES];
    uint64_t gen = 0;
    if (app->auth_cache && app->cfg->cache_ttl_ms > 0) {
        char *pair = ed_asprintf("%s\x1f%s", p->user, p->org ? p->org : "");
        crypto_lookup_hash(app->keys, pair, ck);
        crypto_free_secret(pair);
        int64_t *hit = ed_ttlcache_get(app->auth_cache, ck);
        if (hit) {
            req->auth.user_id = hit[0];
            req->auth.org_id = hit[1];
            req->auth.account_id = hit[2];
            req->auth.role = (int)hit[3];
            free(hit);
            return 0;
        }
        gen = ed_ttlcache_generation(app->auth_cache);
    }
    /* under every live key: a key rotation may be under way */
    enum ed_err found = ED_ERR_NOT_FOUND;
    for (size_t k = 0; found == ED_ERR_NOT_FOUND &&
                       crypto_lookup_hash_n(app->keys, p->user, k, uh);
         k++)
        found = store_user_find_by_secret(app->store, uh, &u);
    if (found != ED_OK || !sealed_matches(app, &u.secret_ct, p->user)) {
        rc = fail(req, res, "Invalid user secret or organization secret");
        goto out;
    }
    if ((rc = take_user(req, res, &u)))
        goto out;
    if (!p->org) /* hub call with User + Element only */
        goto out;
    found = ED_ERR_NOT_FOUND;
    for (size_t k = 0; found == ED_ERR_NOT_FOUND &&
                       crypto_lookup_hash_n(app->keys, p->org, k, oh);
         k++)
        found = store_org_find_by_secret(app->store, oh, &o);
    if (found != ED_OK || !sealed_matches(app, &o.secret_ct, p->org) ||
        u.org_id != o.id) {
        rc = fail(req, res, "Invalid user secret or organization secret");
        goto out;
    }
out:
    if (rc == 0 && gen) {
        int64_t *ids = ed_malloc(4 * sizeof(int64_t));
        ids[0] = req->auth.user_id;
        ids[1] = req->auth.org_id;
        ids[2] = req->auth.account_id;
        ids[3] = req->auth.role;
        ed_ttlcache_put(app->auth_cache, ck, ids, app->cfg->cache_ttl_ms, gen);
    }
    store_user_cleanup(&u);
    store_org_cleanup(&o);
    return rc;
}

int api_authenticate(struct ed_request *req, struct ed_response *res,
                     enum ed_auth_mode mode)
{
    const char *h = req_header(req, "Authorization");
    struct auth_parts p;
    int rc;
    if (count_auth_headers(req) > 1)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "More than one Authorization header: send one");
    if (!h || !*h) {
        if (mode == ED_AUTH_OPTIONAL)
            return 0;
        return fail(req, res,
                    "Missing Authorization header: expected 'User <user "
                    "secret>, Organization <organization secret>'");
    }
    enum parse_result pr = parse_header(req->arena, h, &p);
    if (pr == PARSE_REPEATED)
        return res_error(req, res, ED_E_BAD_REQUEST,
                         "The Authorization header repeats a part: send one "
                         "credential of each kind");
    if (pr != PARSE_OK)
        return fail(req, res,
                    "Malformed Authorization header: expected 'User <user "
                    "secret>, Organization <organization secret>'");
    if (p.bearer)
        rc = auth_bearer(req, res, p.bearer);
    else if (p.user && (p.org || (mode == ED_AUTH_ELEMENT && p.element)))
        rc = auth_secrets(req, res, &p);
    else
        return fail(req, res,
                    "Authorization needs both 'User <user secret>' and "
                    "'Organization <organization secret>'");
    if (rc)
        return rc;
    req->auth.authenticated = true;
    req->auth.element_token = p.element;
    return 0;
}
