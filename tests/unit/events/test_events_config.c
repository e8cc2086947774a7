/* SPDX-License-Identifier: MIT
 * events/config.c: reading an instance's event.* keys with their defaults,
 * object-name matching (HubSpot's and Cloud Elements' names, singular or
 * plural, any case), callback URL syntax and the configuration-time check.
 * Instances are built by hand on the compiled-in element catalogue. */
#include <unistd.h>

#include "check.h"
#include "core/config.h"
#include "core/log.h"
#include "crypto/crypto.h"
#include "domain/app.h"
#include "domain/instance_cache.h"
#include "domain/instances.h"
#include "elements/elements.h"
#include "events/config.h"
#include "store/store.h"

static struct elements *cat;

/* An unsaved instance of element key with the element defaults, then
 * pairs of (key, value) (value NULL: JSON null). */
static void make(struct instance *in, const char *key)
{
    memset(in, 0, sizeof(*in));
    in->el = elements_find(cat, key);
    CHECK(in->el != NULL);
    in->config = json_object();
    in->secrets = json_object();
    size_t i;
    json_t *d;
    json_array_foreach(in->el->config, i, d) {
        json_t *dv = json_object_get(d, "defaultValue");
        if (dv)
            json_object_set(in->config,
                            json_string_value(json_object_get(d, "key")), dv);
    }
}

static void set(struct instance *in, const char *key, const char *v)
{
    json_object_set_new(in->config, key, v ? json_string(v) : json_null());
}

static void drop(struct instance *in)
{
    json_decref(in->config);
    json_decref(in->secrets);
    memset(in, 0, sizeof(*in));
}

static void test_defaults(void)
{
    struct instance in;
    struct events_config c;
    const char *why = "x";
    make(&in, "hubspotcrm");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK(why == NULL);
    CHECK(!c.enabled);
    CHECK(!c.webhook);
    CHECK(c.callback_url == NULL);
    CHECK(c.signature_key == NULL);
    CHECK_EQ_INT(c.refresh_minutes, 15);
    CHECK_EQ_INT(c.nobjects, 0);
    CHECK_EQ_INT(c.nurls, 0);
    CHECK_EQ_INT(json_object_size(c.poller), 3);
    CHECK_EQ_STR(json_string_value(json_object_get(
                     json_object_get(c.poller, "opportunities"), "idField")),
                 "dealId");
    CHECK(events_config_wants(&c, "anything"));
    CHECK(events_config_polls(&c, "contacts"));
    events_config_cleanup(&c);
    drop(&in);

    make(&in, "hubspot");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK(json_object_get(c.poller, "deals") != NULL);
    CHECK(json_object_get(c.poller, "accounts") != NULL);
    CHECK(json_object_get(c.poller, "contacts") != NULL);
    CHECK_EQ_INT(json_object_size(c.poller), 3);
    CHECK(
        strncmp(json_string_value(
                    json_object_get(json_object_get(c.poller, "deals"), "url")),
                "/hubs/marketing/deals", 21) == 0);
    events_config_cleanup(&c);
    drop(&in);
}

static void test_values(void)
{
    struct instance in;
    struct events_config c;
    const char *why = "x";
    make(&in, "hubspotcrm");
    set(&in, "event.notification.enabled", "TRUE");
    set(&in, "event.vendor.type", "webhooks");
    set(&in, "event.notification.callback.url", "http://127.0.0.1:9/cb");
    json_object_set_new(in.secrets, "event.notification.signature.key",
                        json_string("k3y"));
    set(&in, "event.poller.refresh_interval", "1");
    set(&in, "event.objects", " Contact, companies ,deal");
    set(&in, "event.poller.configuration",
        "{\"contacts\": {\"pageSize\": 10}, \"tickets\": {\"url\": "
        "\"/hubs/crm/tickets\", \"idField\": \"id\"}}");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK(why == NULL);
    CHECK(c.enabled);
    CHECK(c.webhook);
    CHECK_EQ_STR(c.callback_url, "http://127.0.0.1:9/cb");
    CHECK_EQ_STR(c.signature_key, "k3y");
    CHECK_EQ_INT(c.refresh_minutes, 1);
    CHECK_EQ_INT(c.nobjects, 3);
    /* a partial resource is completed from the element's default */
    json_t *ct = json_object_get(c.poller, "contacts");
    CHECK_EQ_INT(json_integer_value(json_object_get(ct, "pageSize")), 10);
    CHECK_EQ_STR(json_string_value(json_object_get(ct, "idField")), "vid");
    CHECK(json_object_get(c.poller, "tickets") != NULL);
    CHECK(json_object_get(c.poller, "accounts") == NULL);
    CHECK(events_config_wants(&c, "contacts"));
    CHECK(events_config_wants(&c, "CONTACT"));
    CHECK(events_config_wants(&c, "accounts"));
    CHECK(events_config_wants(&c, "Company"));
    CHECK(events_config_wants(&c, "opportunities"));
    CHECK(events_config_wants(&c, "Opportunity"));
    CHECK(events_config_wants(&c, "deals"));
    CHECK(!events_config_wants(&c, "tickets"));
    CHECK(!events_config_wants(&c, "engagement"));
    CHECK(!events_config_polls(&c, "tickets"));
    CHECK(events_config_polls(&c, "contacts"));
    events_config_cleanup(&c);

    /* empty values are unset: unsigned, defaults */
    set(&in, "event.notification.callback.url", "");
    json_object_set_new(in.secrets, "event.notification.signature.key",
                        json_string(""));
    set(&in, "event.poller.refresh_interval", "");
    set(&in, "event.poller.configuration", NULL);
    set(&in, "event.vendor.type", "");
    set(&in, "event.objects", "");
    set(&in, "event.poller.urls", "contacts\ndeals\n");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK(why == NULL);
    CHECK(c.callback_url == NULL);
    CHECK(c.signature_key == NULL);
    CHECK(!c.webhook);
    CHECK_EQ_INT(c.refresh_minutes, 15);
    CHECK_EQ_INT(json_object_size(c.poller), 3);
    CHECK_EQ_INT(c.nurls, 2);
    CHECK(events_config_polls(&c, "contacts"));
    CHECK(events_config_polls(&c, "opportunities"));
    CHECK(!events_config_polls(&c, "accounts"));
    events_config_cleanup(&c);

    /* a stored value the check would refuse: the default, and why */
    set(&in, "event.poller.refresh_interval", "0");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK_EQ_STR(why, "event.poller.refresh_interval");
    CHECK_EQ_INT(c.refresh_minutes, 15);
    events_config_cleanup(&c);
    set(&in, "event.poller.refresh_interval", "5");
    set(&in, "event.poller.configuration", "[1]");
    CHECK_EQ_INT(events_config_read(&in, &c, &why), ED_OK);
    CHECK_EQ_STR(why, "event.poller.configuration");
    CHECK_EQ_INT(c.refresh_minutes, 5);
    CHECK_EQ_INT(json_object_size(c.poller), 3);
    events_config_cleanup(&c);
    drop(&in);
}

static void test_canon(void)
{
    static const char *const same[][2] = {
        {"contact", "contacts"}, {"Contacts", "CONTACT"},
        {"company", "accounts"}, {"Companies", "account"},
        {"deal", "opportunity"}, {"Opportunities", "deals"},
        {"0-1", "contact"},      {"line_items", "LINE_ITEM"},
        {"tickets", "ticket"},   {" engagement ", "Engagements"},
    };
    char a[80], b[80];
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        CHECK(events_object_canon(same[i][0], a, sizeof(a)));
        CHECK(events_object_canon(same[i][1], b, sizeof(b)));
        CHECK_EQ_STR(a, b);
    }
    CHECK(events_object_canon("address", a, sizeof(a)));
    CHECK_EQ_STR(a, "address");
    CHECK(events_object_canon("Companies", a, sizeof(a)));
    CHECK_EQ_STR(a, "account");
    CHECK(!events_object_canon("", a, sizeof(a)));
    CHECK(!events_object_canon("   ", a, sizeof(a)));
    CHECK(!events_object_canon("contacts", a, 4));
}

static void test_urls(void)
{
    static const char *const good[] = {
        "http://example.test",
        "https://example.test/cb?x=1#f",
        "HTTPS://Example.Test:8443/path",
        "http://127.0.0.1:8080/cb",
        "http://10.0.0.7/cb",
        "http://192.168.1.20/hooks",
        "http://localhost/cb",
        "http://[::1]:9000/cb",
        "https://user:pw@host.example.test/x",
    };
    static const char *const bad[] = {
        "ftp://example.test/x",
        "javascript:alert(1)",
        "garbage",
        "http://",
        "https:///path",
        "http://:80/x",
        "http://host:0/",
        "http://host:99999/",
        "http://host:x/",
        "http://exa mple.test/",
        "http://host/\n",
        "mailto:a@b.c",
        "//host/x",
        "http://[]/",
        "http://ho$t/",
        "",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!events_callback_url_ok(good[i]))
            fprintf(stderr, "refused: %s\n", good[i]);
        CHECK(events_callback_url_ok(good[i]));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (events_callback_url_ok(bad[i]))
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK(!events_callback_url_ok(bad[i]));
    }
    CHECK(!events_callback_url_ok(NULL));
}

/* check(key=value) on a fresh CRM instance: the message or NULL. */
static char why_buf[400];
static const char *check_one(const char *key, const char *value)
{
    struct instance in;
    make(&in, "hubspotcrm");
    set(&in, key, value);
    bool ok = events_config_check(&in, NULL, why_buf, sizeof(why_buf));
    drop(&in);
    return ok ? NULL : why_buf;
}

static bool starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_check(void)
{
    CHECK(check_one("event.poller.refresh_interval", "1") == NULL);
    CHECK(check_one("event.poller.refresh_interval", "10080") == NULL);
    CHECK(starts(check_one("event.poller.refresh_interval", "0"),
                 "event.poller.refresh_interval "));
    CHECK(check_one("event.poller.refresh_interval", "-5") != NULL);
    CHECK(check_one("event.poller.refresh_interval", "1.5") != NULL);
    CHECK(check_one("event.poller.refresh_interval", "abc") != NULL);
    CHECK(check_one("event.poller.refresh_interval", "10081") != NULL);
    CHECK(check_one("event.vendor.type", "webhook") == NULL);
    CHECK(check_one("event.vendor.type", "Webhooks") == NULL);
    CHECK(check_one("event.vendor.type", "polling") == NULL);
    CHECK(starts(check_one("event.vendor.type", "push"), "event.vendor.type"));
    CHECK(check_one("event.notification.enabled", "false") == NULL);
    CHECK(starts(check_one("event.notification.enabled", "yes"),
                 "event.notification.enabled"));
    CHECK(starts(check_one("event.notification.callback.url", "ftp://x/y"),
                 "event.notification.callback.url"));
    CHECK(check_one("event.notification.callback.url",
                    "http://192.168.0.2/x") == NULL);
    CHECK(check_one("event.poller.configuration", "{\"contacts\": {}}") ==
          NULL);
    CHECK(starts(check_one("event.poller.configuration", "[]"),
                 "event.poller.configuration"));
    CHECK(check_one("event.poller.configuration", "{}") != NULL);
    CHECK(check_one("event.poller.configuration", "not json") != NULL);
    CHECK(check_one("event.poller.configuration", "{\"contacts\": 1}") != NULL);
    CHECK(check_one("event.poller.configuration",
                    "{\"widgets\": {\"idField\": \"id\"}}") != NULL);
    CHECK(check_one("event.poller.configuration",
                    "{\"contacts\": {\"url\": \"http://evil/\"}}") != NULL);
    CHECK(check_one("event.objects", "Contact,Account") == NULL);
    CHECK(starts(check_one("event.objects", "Contact,<script>"),
                 "event.objects"));

    /* enabled needs a callback URL */
    struct instance in;
    make(&in, "hubspotcrm");
    set(&in, "event.notification.enabled", "true");
    CHECK(!events_config_check(&in, NULL, why_buf, sizeof(why_buf)));
    CHECK(starts(why_buf, "event.notification.callback.url"));
    set(&in, "event.notification.callback.url", "https://app.example.test/e");
    CHECK(events_config_check(&in, NULL, why_buf, sizeof(why_buf)));
    /* unchanged stored values are not checked again */
    set(&in, "event.poller.refresh_interval", "0");
    json_t *old = json_deep_copy(in.config);
    CHECK(events_config_check(&in, old, why_buf, sizeof(why_buf)));
    set(&in, "event.poller.refresh_interval", "00");
    CHECK(!events_config_check(&in, old, why_buf, sizeof(why_buf)));
    json_decref(old);
    drop(&in);
}

/* A PATCH of event.* keys is visible at once to a reader that loads the
 * instance (instance_load, and the token caches, whose lifetime here is an
 * hour: only the invalidation on write can make the change visible). */
static void test_change_visible(void)
{
    char dir[] = "/tmp/ed-test-evcfg-XXXXXX", url[300], p[320];
    uint8_t key[ED_KEY_BYTES] = {7}, oh[32] = {1}, uh[32] = {2};
    struct ed_config cfg = {0};
    struct ed_app app = {0};
    struct store_org org = {0};
    struct store_user user = {0};
    struct instance in, got;
    struct inst_error err = {0};
    struct inst_change ch;
    struct events_config c;
    const struct instance *view;
    struct instance_shared *h;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(url, sizeof(url), "sqlite:%s/t.db", dir);
    cfg.cache_ttl_ms = 3600 * 1000;
    app.cfg = &cfg;
    app.elements = cat;
    CHECK_EQ_INT(crypto_init(), ED_OK);
    app.keys = crypto_keyring_from_key(key);
    CHECK_EQ_INT(store_open(url, &app.store), ED_OK);
    caches_init(&app);
    org.name = strdup("Acme");
    org.secret_ct.data = (uint8_t *)strdup("o");
    org.secret_ct.len = 1;
    user.email = strdup("ada@example.test");
    user.password_hash = strdup("x");
    user.secret_ct.data = (uint8_t *)strdup("u");
    user.secret_ct.len = 1;
    CHECK_EQ_INT(store_org_create_with_user(app.store, &org, oh, &user, uh),
                 ED_OK);

    json_t *body = json_loads("{\"name\": \"ev\", \"configuration\": "
                              "{\"authentication.type\": \"apiKey\"}}",
                              0, NULL);
    CHECK(instance_prepare_new(&app, elements_find(cat, "hubspotcrm"), body,
                               &in, &err));
    json_decref(body);
    CHECK(instance_store_new(&app, &in, org.id, user.id, &err));
    int64_t id = in.row.id;
    char *token = strdup(in.token);
    instance_cleanup(&in);

    /* warm both caches */
    CHECK_EQ_INT(instance_load_by_token_cached(&app, token, &got), ED_OK);
    CHECK_EQ_INT(events_config_read(&got, &c, NULL), ED_OK);
    CHECK(!c.enabled);
    events_config_cleanup(&c);
    instance_cleanup(&got);
    CHECK_EQ_INT(instance_get_shared(&app, token, &view, &h), ED_OK);
    instance_shared_release(h);

    /* PATCH event.* */
    CHECK_EQ_INT(instance_load(&app, org.id, id, &in), ED_OK);
    body = json_loads(
        "{\"configuration\": {\"event.notification.enabled\": true, "
        "\"event.notification.callback.url\": \"http://127.0.0.1:1/cb\", "
        "\"event.vendor.type\": \"webhook\", "
        "\"event.poller.refresh_interval\": 2, "
        "\"event.objects\": \"Contact\"}}",
        0, NULL);
    CHECK(instance_change_apply(&app, &in, body, false, false, &ch, &err));
    CHECK(events_config_check(&in, ch.old_config, err.message,
                              sizeof(err.message)));
    CHECK(instance_change_commit(&app, &in, &ch, &err));
    inst_change_cleanup(&ch);
    json_decref(body);
    instance_cleanup(&in);

    /* every way of loading it sees the change at once */
    CHECK_EQ_INT(instance_load(&app, 0, id, &got), ED_OK);
    CHECK_EQ_INT(events_config_read(&got, &c, NULL), ED_OK);
    CHECK(c.enabled && c.webhook && c.refresh_minutes == 2);
    CHECK_EQ_STR(c.callback_url, "http://127.0.0.1:1/cb");
    CHECK(events_config_wants(&c, "contacts"));
    CHECK(!events_config_wants(&c, "deals"));
    events_config_cleanup(&c);
    instance_cleanup(&got);
    CHECK_EQ_INT(instance_load_by_token_cached(&app, token, &got), ED_OK);
    CHECK_EQ_INT(events_config_read(&got, &c, NULL), ED_OK);
    CHECK(c.enabled && c.webhook && c.refresh_minutes == 2);
    events_config_cleanup(&c);
    instance_cleanup(&got);
    CHECK_EQ_INT(instance_get_shared(&app, token, &view, &h), ED_OK);
    CHECK_EQ_INT(events_config_read(view, &c, NULL), ED_OK);
    CHECK(c.enabled && c.webhook && c.refresh_minutes == 2);
    events_config_cleanup(&c);
    instance_shared_release(h);

    free(token);
    inst_error_cleanup(&err);
    store_org_cleanup(&org);
    store_user_cleanup(&user);
    caches_free(&app);
    store_close(app.store);
    crypto_keyring_free(app.keys);
    static const char *const names[] = {"t.db", "t.db-wal", "t.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    char *why = NULL;
    ed_log_threshold = ED_LOG_ERROR + 1;
    CHECK(elements_load(&cat, &why) == ED_OK);
    RUN(test_defaults);
    RUN(test_values);
    RUN(test_canon);
    RUN(test_urls);
    RUN(test_check);
    RUN(test_change_visible);
    elements_free(cat);
    return 0;
}
