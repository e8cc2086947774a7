/* SPDX-License-Identifier: MIT
 * api/api_elements.c handlers without a socket: an ed_request built by hand
 * with an arena and a fake ed_app (configuration + element catalogue, no
 * store needed). Covers the OAuth URL rules (the seed's default-scope
 * table, both seed examples, legacy detection, encoding, errors), the
 * catalogue handlers, and the error envelope rendering. */
#include <stdarg.h>

#include "api/api.h"
#include "domain/app.h"
#include "check.h"
#include "core/config.h"
#include "elements/elements.h"
#include "http/response.h"
#include "http/router.h"

#define APP "https://app.example.test"

static struct ed_config cfg;
static struct ed_app app;
static struct ed_request req;
static struct ed_response res;
static struct ed_kv query[8];

static void reset(void)
{
    ed_arena_free(req.arena);
    json_decref(res.body);
    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    req.arena = ed_arena_new();
    req.app = &app;
    memcpy(req.request_id, "0123456789abcdef01234567", 24);
    res.status = 500;
}

/* Route and run like http/server.c does (auth optional here). */
static int call(enum ed_method m, const char *path, json_t *body)
{
    unsigned allowed = 0;
    const struct ed_route *r = router_match(&req, path, m, &allowed);
    CHECK(r != NULL);
    req.method = m;
    req.body = body;
    return r->handler(&req, &res);
}

/* GET .../oauth/url with name/value pairs; a NULL value means "key
 * without '='", the string "<absent>" leaves the pair out. */
static int oauth_get(const char *key, int n, ...)
{
    char path[128];
    va_list ap;
    reset();
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        query[req.nquery].name = va_arg(ap, const char *);
        query[req.nquery].value = va_arg(ap, const char *);
        req.nquery++;
    }
    va_end(ap);
    req.query = query;
    snprintf(path, sizeof(path), "/elements/%s/oauth/url", key);
    return call(ED_GET, path, NULL);
}

static const char *url_of(void)
{
    CHECK_EQ_INT(res.status, 200);
    CHECK(res.error == ED_E_NONE);
    return json_string_value(json_object_get(res.body, "oauthUrl"));
}

#define ALL8                                                                   \
    "contacts%20timeline%20files%20content%20reports%20social%20automation%20" \
    "forms"
#define CB "https%3A%2F%2Fwww.mycoolapp.com%2Fauth"

static void test_scope_table(void)
{
    /* hubspotcrm, scope absent → contacts timeline files */
    CHECK_EQ_INT(oauth_get("hubspotcrm", 3, "apiKey", "id1", "apiSecret",
                           "sec", "callbackUrl",
                           "https://www.mycoolapp.com/auth"),
                 200);
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=id1&redirect_uri=" CB
                               "&scope=contacts%20timeline%20files"
                               "&state=hubspotcrm");
    CHECK_EQ_STR(json_string_value(json_object_get(res.body, "element")),
                 "hubspotcrm");
    /* hubspotcrm, scope= (empty) → all eight */
    oauth_get("hubspotcrm", 4, "apiKey", "id1", "apiSecret", "sec",
              "callbackUrl", "https://www.mycoolapp.com/auth", "scope", "");
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=id1&redirect_uri=" CB
                               "&scope=" ALL8 "&state=hubspotcrm");
    /* hubspotcrm, "scope" without '=' counts as present and empty */
    oauth_get("hubspotcrm", 3, "apiKey", "id1", "callbackUrl",
              "https://www.mycoolapp.com/auth", "scope", NULL);
    CHECK(strstr(url_of(), "&scope=" ALL8 "&") != NULL);
    /* hubspotcrm, only blanks → treated as empty */
    oauth_get("hubspotcrm", 3, "apiKey", "id1", "callbackUrl",
              "https://www.mycoolapp.com/auth", "scope", "  ");
    CHECK(strstr(url_of(), "&scope=" ALL8 "&") != NULL);
    /* hubspot, absent and empty → all eight */
    oauth_get("hubspot", 2, "apiKey", "id1", "callbackUrl",
              "https://www.mycoolapp.com/auth");
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=id1&redirect_uri=" CB
                               "&scope=" ALL8 "&state=hubspot");
    oauth_get("hubspot", 3, "apiKey", "id1", "callbackUrl",
              "https://www.mycoolapp.com/auth", "scope", "");
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=id1&redirect_uri=" CB
                               "&scope=" ALL8 "&state=hubspot");
    /* by numeric id too */
    oauth_get("229", 2, "apiKey", "id1", "callbackUrl", "http://cb");
    CHECK(strstr(url_of(), "&scope=contacts%20timeline%20files&state=hubspotcrm"));
    oauth_get("43", 2, "apiKey", "id1", "callbackUrl", "http://cb");
    CHECK(strstr(url_of(), "&scope=" ALL8 "&state=hubspot"));
}

static void test_seed_examples(void)
{
    /* seed 002, new flow, "contacts  timeline" (two spaces) */
    oauth_get("hubspotcrm", 4, "apiKey", "123456789d-1234-12e4-bda9-12345b8bf20",
              "apiSecret", "123456789d-1234-12e4-bda9-12345b8bf20", "scope",
              "contacts  timeline", "callbackUrl",
              "https://www.mycoolapp.com/auth");
    CHECK_EQ_STR(url_of(),
                 APP "/oauth/authorize?client_id=123456789d-1234-12e4-bda9-"
                     "12345b8bf20&redirect_uri=" CB
                     "&scope=contacts%20timeline&state=hubspotcrm");
    /* seed 002, legacy flow: a numeric apiSecret is a Portal ID */
    oauth_get("hubspot", 4, "apiKey", "123456789d-1234-12e4-bda9-12345b8bf20",
              "apiSecret", "123456", "scope", "contacts-rw offline",
              "callbackUrl", "http://demonstrab.ly");
    CHECK_EQ_STR(url_of(),
                 APP "/auth/authenticate?client_id=123456789d-1234-12e4-bda9-"
                     "12345b8bf20&portalId=123456&redirect_uri=http%3A%2F%2F"
                     "demonstrab.ly&scope=contacts-rw%20offline");
    CHECK_EQ_STR(json_string_value(json_object_get(res.body, "element")),
                 "hubspot");
}

static void test_state_and_encoding(void)
{
    oauth_get("hubspotcrm", 5, "apiKey", "a b&c", "apiSecret", "s3cr3t-value",
              "callbackUrl", "http://x/y?z=1", "scope", " contacts\ttimeline ",
              "state", "my state/1");
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=a%20b%26c"
                               "&redirect_uri=http%3A%2F%2Fx%2Fy%3Fz%3D1"
                               "&scope=contacts%20timeline"
                               "&state=my%20state%2F1");
    /* the client secret never appears in the URL */
    CHECK(strstr(url_of(), "s3cr3t") == NULL);
    CHECK(strstr(url_of(), "client_secret") == NULL);
    /* empty state falls back to the key */
    oauth_get("hubspotcrm", 3, "apiKey", "k", "callbackUrl", "http://cb",
              "state", "");
    CHECK(strstr(url_of(), "&state=hubspotcrm") != NULL);
    /* '+' and ',' in the scope are separators */
    oauth_get("hubspotcrm", 3, "apiKey", "k", "callbackUrl", "http://cb",
              "scope", "contacts+timeline,files");
    CHECK(strstr(url_of(), "&scope=contacts%20timeline%20files&") != NULL);
}

/* Seed 002 names the parameter "scope" and "scopes"; the legacy URL keeps a
 * caller's state. */
static void test_scopes_and_legacy_state(void)
{
    json_t *b;
    /* GET, new flow: "scopes" alone; present but empty; "scope" wins */
    oauth_get("hubspotcrm", 3, "apiKey", "k", "callbackUrl", "http://cb",
              "scopes", "contacts  timeline");
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=k&redirect_uri="
                               "http%3A%2F%2Fcb&scope=contacts%20timeline"
                               "&state=hubspotcrm");
    oauth_get("hubspotcrm", 3, "apiKey", "k", "callbackUrl", "http://cb",
              "scopes", "");
    CHECK(strstr(url_of(), "&scope=" ALL8 "&state=hubspotcrm") != NULL);
    oauth_get("hubspotcrm", 4, "apiKey", "k", "callbackUrl", "http://cb",
              "scope", "forms", "scopes", "contacts");
    CHECK(strstr(url_of(), "&scope=forms&") != NULL);
    /* GET, legacy flow: scopes, and the caller's state, encoded */
    oauth_get("hubspot", 5, "apiKey", "k", "apiSecret", "123456", "callbackUrl",
              "http://demonstrab.ly", "scopes", "contacts-rw offline", "state",
              "a b&c=d/é");
    CHECK_EQ_STR(url_of(), APP "/auth/authenticate?client_id=k&portalId=123456"
                               "&redirect_uri=http%3A%2F%2Fdemonstrab.ly"
                               "&scope=contacts-rw%20offline"
                               "&state=a%20b%26c%3Dd%2F%C3%A9");
    /* legacy without a state: none (the guide's URL), empty counts as none */
    oauth_get("hubspot", 5, "apiKey", "k", "apiSecret", "123456", "callbackUrl",
              "http://cb", "scope", "contacts", "state", "");
    CHECK(strstr(url_of(), "state") == NULL);
    /* POST: "scopes" as a string and as an array, legacy with state */
    reset();
    b = json_pack("{s:s, s:s, s:s, s:s}", "apiKey", "k", "callbackUrl",
                  "http://cb", "scopes", "contacts timeline", "state", "st");
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspotcrm/oauth/url", b), 200);
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=k&redirect_uri="
                               "http%3A%2F%2Fcb&scope=contacts%20timeline"
                               "&state=st");
    json_decref(b);
    reset();
    b = json_pack("{s:s, s:i, s:s, s:[s,s], s:s}", "apiKey", "k", "apiSecret",
                  42, "callbackUrl", "http://cb", "scopes", "contacts-rw",
                  "offline", "state", "x/y z");
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", b), 200);
    CHECK_EQ_STR(url_of(), APP "/auth/authenticate?client_id=k&portalId=42"
                               "&redirect_uri=http%3A%2F%2Fcb"
                               "&scope=contacts-rw%20offline&state=x%2Fy%20z");
    json_decref(b);
    /* a scope of another type is a 400 that says what was expected */
    reset();
    b = json_pack("{s:s, s:s, s:i}", "apiKey", "k", "callbackUrl", "http://cb",
                  "scopes", 3);
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", b), 400);
    CHECK(strstr(res.message, "array of strings") != NULL);
    json_decref(b);
}

static void expect_400(const char *needle)
{
    CHECK_EQ_INT(res.status, 400);
    CHECK(res.error == ED_E_BAD_REQUEST);
    CHECK(res.message != NULL);
    if (!strstr(res.message, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", res.message, needle);
        CHECK(0);
    }
}

static void test_errors(void)
{
    CHECK_EQ_INT(oauth_get("hubspotcrm", 1, "callbackUrl", "http://cb"), 400);
    expect_400("apiKey");
    CHECK(strstr(res.message, "callbackUrl") == NULL);
    CHECK_EQ_INT(oauth_get("hubspotcrm", 1, "apiKey", "k"), 400);
    expect_400("callbackUrl");
    CHECK(strstr(res.message, "apiKey") == NULL);
    CHECK_EQ_INT(oauth_get("hubspotcrm", 0), 400);
    expect_400("apiKey, callbackUrl");
    CHECK_EQ_INT(oauth_get("hubspotcrm", 2, "apiKey", "", "callbackUrl", "x"),
                 400);
    expect_400("apiKey");
    CHECK_EQ_INT(oauth_get("nope", 2, "apiKey", "k", "callbackUrl", "x"), 404);
    CHECK(res.error == ED_E_NOT_FOUND);
    CHECK(strstr(res.message, "nope") != NULL);
}

static void test_post(void)
{
    json_t *b;
    reset();
    b = json_pack("{s:s, s:s, s:s, s:s}", "apiKey", "k", "apiSecret", "sec",
                  "callbackUrl", "https://www.mycoolapp.com/auth", "scope", "");
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspotcrm/oauth/url", b), 200);
    CHECK_EQ_STR(url_of(), APP "/oauth/authorize?client_id=k&redirect_uri=" CB
                               "&scope=" ALL8 "&state=hubspotcrm");
    json_decref(b);
    /* a numeric Portal ID given as a JSON number */
    reset();
    b = json_pack("{s:s, s:i, s:s, s:s}", "apiKey", "k", "apiSecret", 123456,
                  "callbackUrl", "http://demonstrab.ly", "scope",
                  "contacts-rw offline");
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", b), 200);
    CHECK_EQ_STR(url_of(), APP "/auth/authenticate?client_id=k&portalId=123456"
                               "&redirect_uri=http%3A%2F%2Fdemonstrab.ly"
                               "&scope=contacts-rw%20offline");
    json_decref(b);
    /* not an object, or no body */
    reset();
    b = json_array();
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", b), 400);
    json_decref(b);
    reset();
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", NULL), 400);
    /* missing callbackUrl in the body */
    reset();
    b = json_pack("{s:s}", "apiKey", "k");
    CHECK_EQ_INT(call(ED_POST, "/elements/hubspot/oauth/url", b), 400);
    expect_400("callbackUrl");
    json_decref(b);
}

static void test_catalogue(void)
{
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 2);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/keys", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 2);
    CHECK_EQ_STR(json_string_value(json_array_get(res.body, 0)), "hubspot");
    CHECK_EQ_STR(json_string_value(json_array_get(res.body, 1)), "hubspotcrm");
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/229", NULL), 200);
    CHECK_EQ_STR(json_string_value(json_object_get(res.body, "key")),
                 "hubspotcrm");
    CHECK(json_is_array(json_object_get(res.body, "configuration")));
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/hubspot/configuration", NULL), 200);
    CHECK(json_array_size(res.body) > 5);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/hubspot/metadata", NULL), 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(res.body, "id")), 43);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/metadata", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 2);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/elements/999/metadata", NULL), 404);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/hubs/marketing/elements", NULL), 200);
    CHECK_EQ_INT(json_array_size(res.body), 1);
    reset();
    CHECK_EQ_INT(call(ED_GET, "/hubs/nohub", NULL), 404);
}

static void test_envelope(void)
{
    size_t len = 0;
    reset();
    res_error(&req, &res, ED_E_NOT_FOUND, "No element '%s'", "x");
    char *body = http_response_body(&req, &res, &len);
    CHECK_EQ_INT(res.status, 404);
    CHECK_EQ_STR(body, "{\"requestId\":\"0123456789abcdef01234567\","
                       "\"message\":\"No element 'x'\"}");
    CHECK_EQ_INT(len, strlen(body));
    free(body);
    /* the catalogue's default message when none is given */
    reset();
    res_error(&req, &res, ED_E_MEDIA_TYPE, NULL);
    body = http_response_body(&req, &res, &len);
    CHECK_EQ_INT(res.status, 415);
    CHECK(strstr(body, "\"message\":\"Unsupported Content-Type") != NULL);
    free(body);
    /* res_json after an error clears it */
    reset();
    res_error(&req, &res, ED_E_BAD_REQUEST, NULL);
    res_json(&res, 200, json_pack("{s:i}", "a", 1));
    body = http_response_body(&req, &res, &len);
    CHECK_EQ_STR(body, "{\"a\":1}");
    free(body);
}

static void test_optional_auth(void)
{
    struct ed_kv hdr = {"Authorization", "Garbage"};
    reset();
    /* no credentials: fine when optional, 401 when required */
    CHECK_EQ_INT(api_authenticate(&req, &res, ED_AUTH_OPTIONAL), 0);
    CHECK(!req.auth.authenticated);
    CHECK_EQ_INT(api_authenticate(&req, &res, ED_AUTH_REQUIRED), 401);
    CHECK(strstr(res.message, "Missing") != NULL);
    /* malformed credentials are rejected even when optional */
    reset();
    req.headers = &hdr;
    req.nheaders = 1;
    CHECK_EQ_INT(api_authenticate(&req, &res, ED_AUTH_OPTIONAL), 401);
    CHECK(res.error == ED_E_UNAUTHORIZED);
    reset();
    hdr.value = "User abc";
    req.headers = &hdr;
    req.nheaders = 1;
    CHECK_EQ_INT(api_authenticate(&req, &res, ED_AUTH_OPTIONAL), 401);
    reset();
    hdr.value = "Organization abc, Element tok";
    req.headers = &hdr;
    req.nheaders = 1;
    CHECK_EQ_INT(api_authenticate(&req, &res, ED_AUTH_REQUIRED), 401);
}

int main(void)
{
    char *why = NULL;
    char *argv[] = {"--hubspot-app-url", APP "/"}; /* trailing '/' trimmed */
    CHECK_EQ_INT(config_load(&cfg, 2, argv, &why), ED_OK);
    app.cfg = &cfg;
    CHECK_EQ_INT(elements_load(&app.elements, &why), ED_OK);
    router_init();
    RUN(test_scope_table);
    RUN(test_seed_examples);
    RUN(test_state_and_encoding);
    RUN(test_scopes_and_legacy_state);
    RUN(test_errors);
    RUN(test_post);
    RUN(test_catalogue);
    RUN(test_envelope);
    RUN(test_optional_auth);
    ed_arena_free(req.arena);
    json_decref(res.body);
    elements_free(app.elements);
    config_cleanup(&cfg);
    return 0;
}
