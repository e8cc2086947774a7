/* SPDX-License-Identifier: MIT
 * http/router: literal segments beat parameters whatever the table order,
 * parameters are extracted, a known path with the wrong method reports
 * the allowed methods, an unknown path reports none. */
#include "check.h"
#include "core/arena.h"
#include "http/router.h"

static struct ed_request req;

static const struct ed_route *match(const char *path, enum ed_method m,
                                    unsigned *allowed)
{
    ed_arena_free(req.arena);
    memset(&req, 0, sizeof(req));
    req.arena = ed_arena_new();
    return router_match(&req, path, m, allowed);
}

static void test_methods(void)
{
    CHECK_EQ_INT(router_method("GET"), ED_GET);
    CHECK_EQ_INT(router_method("POST"), ED_POST);
    CHECK_EQ_INT(router_method("PUT"), ED_PUT);
    CHECK_EQ_INT(router_method("PATCH"), ED_PATCH);
    CHECK_EQ_INT(router_method("DELETE"), ED_DELETE);
    CHECK_EQ_INT(router_method("OPTIONS"), ED_OPTIONS);
    CHECK_EQ_INT(router_method("HEAD"), ED_HEAD);
    CHECK_EQ_INT(router_method("get"), 0);
    CHECK_EQ_INT(router_method("BREW"), 0);
}

static void test_literal_beats_param(void)
{
    unsigned allowed = 0;
    const struct ed_route *r;
    r = match("/elements/keys", ED_GET, &allowed);
    CHECK(r != NULL);
    CHECK_EQ_STR(r->pattern, "/elements/keys");
    CHECK_EQ_INT(req.nparams, 0);
    CHECK_EQ_STR(req.route, "/elements/keys");
    r = match("/elements/metadata", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/metadata");
    r = match("/hubs/keys", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/hubs/keys");
    r = match("/authentication/secrets", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/authentication/secrets");
}

static void test_params(void)
{
    unsigned allowed = 0;
    const struct ed_route *r;
    r = match("/elements/hubspotcrm", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/{keyOrId}");
    CHECK_EQ_INT(req.nparams, 1);
    CHECK_EQ_STR(req.params[0], "hubspotcrm");
    CHECK_EQ_STR(req_param(&req, 0), "hubspotcrm");
    CHECK_EQ_STR(req_param(&req, 1), "");
    r = match("/elements/229/oauth/url", ED_POST, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/{keyOrId}/oauth/url");
    CHECK(r->methods & ED_POST);
    CHECK_EQ_STR(req.params[0], "229");
    r = match("/elements/43/metadata", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/{keyOrId}/metadata");
    CHECK_EQ_STR(req.params[0], "43");
    r = match("/hubs/crm/elements", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/hubs/{key}/elements");
    CHECK_EQ_STR(req.params[0], "crm");
    /* redundant slashes are ignored */
    r = match("//elements//hubspot/", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/{keyOrId}");
    CHECK_EQ_STR(req.params[0], "hubspot");
}

static void test_405_and_404(void)
{
    unsigned allowed = 0;
    /* a known path with the wrong method: 405 with the allowed methods,
     * even though the hub catch-all would take any method */
    CHECK(match("/elements/keys", ED_DELETE, &allowed) == NULL);
    CHECK_EQ_INT(allowed, ED_GET);
    CHECK(match("/health", ED_POST, &allowed) == NULL);
    CHECK_EQ_INT(allowed, ED_GET);
    CHECK(match("/elements/hubspot/oauth/url", ED_PUT, &allowed) == NULL);
    CHECK_EQ_INT(allowed, ED_GET | ED_POST);
    CHECK(match("/authentication", ED_GET, &allowed) == NULL);
    CHECK(allowed & ED_POST);
    CHECK(allowed & ED_DELETE);
    CHECK(!(allowed & ED_GET));
    /* nothing matches an empty path or one with too many segments */
    CHECK(match("", ED_GET, &allowed) == NULL);
    CHECK_EQ_INT(allowed, 0);
    CHECK(match("/", ED_GET, &allowed) == NULL);
    CHECK_EQ_INT(allowed, 0);
    CHECK(match("/elements/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", ED_GET,
                &allowed) == NULL);
    CHECK_EQ_INT(allowed, 0);
    /* a failed match leaves no route behind */
    CHECK(req.route == NULL);
}

/* Unknown paths fall to the hub catch-all rows (resolved by Element
 * token), which hand the rest of the path to the handler. */
static void test_catch_all(void)
{
    unsigned allowed = 0;
    const struct ed_route *r;
    r = match("/nothing/here", ED_GET, &allowed);
    CHECK(r != NULL);
    CHECK_EQ_STR(r->pattern, "/*");
    CHECK_EQ_STR(req.rest, "/nothing/here");
    r = match("/hubs/crm/contacts/12", ED_PATCH, &allowed);
    CHECK(r != NULL);
    CHECK_EQ_STR(r->pattern, "/hubs/{hub}/*");
    CHECK_EQ_INT(req.nparams, 1);
    CHECK_EQ_STR(req.params[0], "crm");
    CHECK_EQ_STR(req.rest, "/contacts/12");
    /* literal and parameter rows still beat the catch-alls */
    r = match("/hubs/crm/elements", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/hubs/{key}/elements");
    CHECK(req.rest == NULL);
    r = match("/elements/hubspot", ED_GET, &allowed);
    CHECK_EQ_STR(r->pattern, "/elements/{keyOrId}");
}

int main(void)
{
    router_init();
    router_init(); /* idempotent */
    RUN(test_methods);
    RUN(test_literal_beats_param);
    RUN(test_params);
    RUN(test_405_and_404);
    RUN(test_catch_all);
    ed_arena_free(req.arena);
    return 0;
}
