/* SPDX-License-Identifier: MIT
 * events/hs_signature.c against HubSpot's published v1/v2 vectors and the
 * spec's v3 vector (hubspot.md §5); stale and missing headers; the mapping
 * of HubSpot webhook events to Cloud Elements events (webhooks.c). */
#include "check.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "events/hs_signature.h"
#include "events/webhooks.h"

static const char *V12_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

static void test_v1(void)
{
    const char *body =
        "[{\"eventId\":1,\"subscriptionId\":12345,\"portalId\":62515,"
        "\"occurredAt\":1564113600000,\"subscriptionType\":\"contact."
        "creation\",\"attemptNumber\":0,\"objectId\":123,\"changeSource\":"
        "\"CRM\",\"changeFlag\":\"NEW\",\"appId\":54321}]";
    struct hs_sig_input in = {
        .method = "POST",
        .uri = "http://x/y",
        .body = body,
        .body_len = strlen(body),
        .version = "v1",
        .sig =
            "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
    };
    CHECK_EQ_INT(hs_sig_precheck(&in, ed_now_ms()), HS_SIG_OK);
    CHECK_EQ_STR(hs_sig_scheme(&in), "v1");
    CHECK(hs_sig_verify(&in, V12_SECRET));
    CHECK(!hs_sig_verify(&in, "another-secret"));
    in.sig = "232DB2615F3D666FE21A8EC971AC7B5402D33B9A925784DF3CA654D05F4817DE";
    CHECK(hs_sig_verify(&in, V12_SECRET)); /* hex case does not matter */
    in.version = NULL;                     /* v1 when unnamed */
    CHECK(hs_sig_verify(&in, V12_SECRET));
    in.body_len--;
    CHECK(!hs_sig_verify(&in, V12_SECRET));
}

static void test_v2(void)
{
    const char *body = "{\"example_field\":\"example_value\"}";
    struct hs_sig_input in = {
        .method = "GET",
        .uri = "https://www.example.com/webhook_uri",
        .body = "",
        .version = "v2",
        .sig =
            "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e",
    };
    CHECK_EQ_STR(hs_sig_scheme(&in), "v2");
    CHECK(hs_sig_verify(&in, V12_SECRET));
    in.method = "POST";
    in.body = body;
    in.body_len = strlen(body);
    in.sig = "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900";
    CHECK(hs_sig_verify(&in, V12_SECRET));
    in.uri = "https://www.example.com/webhook_uri2";
    CHECK(!hs_sig_verify(&in, V12_SECRET));
    in.version = "v9";
    CHECK_EQ_INT(hs_sig_precheck(&in, ed_now_ms()), HS_SIG_VERSION);
}

static void test_v3(void)
{
    const char *body =
        "[{\"eventId\":100,\"subscriptionId\":7,\"portalId\":12345,\"appId\":"
        "999,\"occurredAt\":1735689599000,\"subscriptionType\":\"contact."
        "creation\",\"attemptNumber\":0,\"objectId\":501,\"changeFlag\":"
        "\"CREATED\",\"changeSource\":\"CRM_UI\"}]";
    struct hs_sig_input in = {
        .method = "POST",
        .uri = "https://fake-receiver.test/hubspot/webhook?tenant=acme",
        .body = body,
        .body_len = strlen(body),
        .version = "v1",
        .sig = "0000",
        .sig_v3 = "1KzoYHf7L9nZZYhtyFgxM+2QpnEjl3mn3pDrzgJo61s=",
        .timestamp = "1735689600000",
    };
    int64_t ts = 1735689600000LL;
    CHECK_EQ_STR(hs_sig_scheme(&in), "v3");
    CHECK_EQ_INT(hs_sig_precheck(&in, ts + 1000), HS_SIG_OK);
    CHECK_EQ_INT(hs_sig_precheck(&in, ts + 299000), HS_SIG_OK);
    CHECK_EQ_INT(hs_sig_precheck(&in, ts + 301000), HS_SIG_STALE);
    CHECK_EQ_INT(hs_sig_precheck(&in, ts - 301000), HS_SIG_STALE);
    CHECK(hs_sig_verify(&in, "test-client-secret"));
    CHECK(!hs_sig_verify(&in, "test-client-secreT"));
    /* HubSpot decodes %3F, %2F...: the escaped URI signs the same */
    in.uri = "https%3A%2F%2Ffake-receiver.test/hubspot/webhook%3Ftenant=acme";
    CHECK(hs_sig_verify(&in, "test-client-secret"));
    in.uri = "https://fake-receiver.test/hubspot/webhook?tenant=acme";
    in.timestamp = "1735689600001"; /* the timestamp is signed */
    CHECK(!hs_sig_verify(&in, "test-client-secret"));
    in.timestamp = NULL;
    CHECK_EQ_INT(hs_sig_precheck(&in, ts), HS_SIG_NO_TS);
    in.timestamp = "soon";
    CHECK_EQ_INT(hs_sig_precheck(&in, ts), HS_SIG_NO_TS);
    struct hs_sig_input none = {.method = "POST", .uri = "u", .body = ""};
    CHECK_EQ_INT(hs_sig_precheck(&none, ts), HS_SIG_MISSING);
}

static void check_map(const char *el, const char *ev, const char *type,
                      const char *etype)
{
    json_error_t je;
    json_t *e = json_loads(ev, 0, &je);
    CHECK(e);
    json_t *m = events_webhooks_map(el, e);
    CHECK(m);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "objectType")), type);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "eventType")), etype);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "objectId")), "126");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "elementKey")), el);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "date")),
                 "2026-01-05T09:00:00.012Z");
    json_decref(m);
    json_decref(e);
}

static void test_map(void)
{
#define EV(t)                                                                  \
    "{\"objectId\":126,\"occurredAt\":1767603600012,"                          \
    "\"subscriptionType\":\"" t "\"}"
    check_map("hubspotcrm", EV("contact.creation"), "contacts", "CREATED");
    check_map("hubspotcrm", EV("contact.propertyChange"), "contacts",
              "UPDATED");
    check_map("hubspotcrm", EV("contact.deletion"), "contacts", "DELETED");
    check_map("hubspotcrm", EV("company.creation"), "accounts", "CREATED");
    check_map("hubspotcrm", EV("deal.propertyChange"), "opportunities",
              "UPDATED");
    check_map("hubspot", EV("deal.deletion"), "deals", "DELETED");
    check_map("hubspot", EV("company.restore"), "accounts", "CREATED");
    check_map("hubspotcrm", EV("ticket.creation"), "tickets", "CREATED");
    check_map("hubspotcrm", EV("line_item.creation"), "line_items", "CREATED");
    check_map("hubspotcrm", EV("contact.associationChange"), "contacts",
              "UPDATED");
    check_map("hubspotcrm", EV("contact.somethingNew"), "contacts", "UNKNOWN");
#undef EV
    json_t *bad = json_pack("{s:i}", "objectId", 1);
    CHECK(!events_webhooks_map("hubspotcrm", bad));
    json_decref(bad);
}

int main(void)
{
    CHECK(crypto_init() == ED_OK);
    test_v1();
    test_v2();
    test_v3();
    test_map();
    puts("ok");
    return 0;
}
