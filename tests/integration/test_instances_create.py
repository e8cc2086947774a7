# SPDX-License-Identifier: MIT
"""Creating element instances (issue 4) over real HTTP against build/elementsd
and build/hubspot-sim: each of the four ways for both elements (with the
seed documents' exact request bodies where they exist), each failure path
(and that nothing is stored), and the shape of the instance object."""
import base64
import os
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402
h = u.h

# The seed documents (shared/seeds/*.txt) use these literal placeholders as
# client id, client secret and API keys; the sim registers them so that the
# bodies can be sent exactly as written. Only single-use values (the
# authorization code, legacy tokens) and the <PLACEHOLDER> names and tags
# are substituted (sent literally they are markup, stripped to nothing).
SEED_CLIENT = "xxxxxxxxxxxxxxxxxx"
SEED_SECRET = "xxxxxxxxxxxxxxxxxxxxxxxx"
SEED_KEY_1 = "3a9990ff-bf17-40b1-9ce1-e1702e36ab51"
SEED_KEY_2 = "xxxxxxxxxxxxxxxxxxxxxxxx"
SEED_CALLBACK = "https;//mycoolapp.com"  # sic: the seed's typo


def seed000_oauth(code):
    """000_*.txt, "Create an instance" curl body (OAuth 2)."""
    return {
        "element": {"key": "hubspotcrm"},
        "providerData": {"code": code},
        "configuration": {
            "authentication.type": "oauth2",
            "oauth.callback.url": SEED_CALLBACK,
            "oauth.api.key": SEED_CLIENT,
            "oauth.api.secret": SEED_SECRET,
            "create.bulk.properties": "false",
            "filter.response.nulls": True,
        },
        "tags": ["Docs"],
        "name": "API Instance",
    }


def seed000_apikey_template(key):
    """000_*.txt, the API-key JSON body (with filter.response.nulls)."""
    return {
        "element": {"key": "hubspotcrm"},
        "configuration": {
            "hubspot.authorization.apikey": key,
            "authentication.type": "apiKey",
            "create.bulk.properties": "false",
            "filter.response.nulls": True,
        },
        "tags": ["Docs"],
        "name": "API Instance",
    }


def seed000_apikey_curl():
    """000_*.txt, the API-key curl body (no filter.response.nulls)."""
    return {
        "element": {"key": "hubspotcrm"},
        "configuration": {
            "hubspot.authorization.apikey": SEED_KEY_2,
            "authentication.type": "apiKey",
            "create.bulk.properties": "false",
        },
        "tags": ["Docs"],
        "name": "API Instance",
    }


def seed002_oauth(code, key="hubspotcrm"):
    """002_*.txt, OAuth 2 instance.json (no authentication.type)."""
    return {
        "element": {"key": key},
        "providerData": {"code": code},
        "configuration": {
            "oauth.api.key": SEED_CLIENT,
            "oauth.api.secret": SEED_SECRET,
            "oauth.callback.url": "https://www.mycoolapp.com/auth",
        },
        "tags": ["seed-tag"],
        "name": "seed-002-oauth",
    }


def seed002_legacy(pair, key="hubspotcrm"):
    """002_*.txt, OAuth 2 Legacy instance.json."""
    return {
        "element": {"key": key},
        "providerData": {
            "apikey": SEED_CLIENT,
            "access_token": pair["access_token"],
            "refresh_token": pair["refresh_token"],
            "expires_in": str(pair["expires_in"]),
        },
        "configuration": {
            "oauth.api.key": SEED_CLIENT,
            "oauth.api.secret": str(u.PORTAL_ID),
            "oauth.callback.url": "www.samplecallbackurl.com",
            "oauth.scope": "contacts-rw+offline",
        },
        "tags": ["seed-tag"],
        "name": "seed-002-legacy",
    }


def seed002_quick(key="hubspotcrm"):
    """002_*.txt, "HubSpot CRM Quick Provision" (placeholder → "true")."""
    return {
        "element": {"key": key},
        "configuration": {
            "hubspot.authorization.apikey": SEED_KEY_1,
            "authentication.type": "apiKey",
            "create.bulk.properties": "true",
        },
        "tags": ["seed-tag"],
        "name": "seed-002-quick",
    }


class InstancesCreate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-create-", sim_flags=(
            "--client", "%s:%s" % (SEED_CLIENT, SEED_SECRET),
            "--api-key", SEED_KEY_1, "--api-key", SEED_KEY_2))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()
        self.env.clear_requests()

    # --- helpers -----------------------------------------------------------------

    def post(self, body, path="/instances"):
        return self.env.api("POST", path, body)

    def created(self, r):
        self.assertEqual(r.status, 200, (r, self.env.ed_log()[-1500:]))
        inst = r.json()
        self.assertNotIn("providerData", inst)
        self.assertTrue(inst["valid"])
        return inst

    def assert_hub_works(self, inst, hub=None):
        hub = hub or inst["element"]["hub"]
        r = self.env.hub(inst["token"], "/hubs/%s/ping" % hub)
        self.assertEqual(r.status, 200, r)
        r = self.env.hub(inst["token"], "/hubs/%s/contacts?pageSize=1" % hub)
        self.assertEqual(r.status, 200, r)
        return self.env.requests()[-1]["headers"]["authorization"]

    def code_for(self, client, redirect):
        return self.env.code(client=client, redirect=redirect)

    def assert_code_exchange(self, client, secret, redirect, code):
        posts = self.env.token_posts()
        self.assertEqual(len(posts), 1, posts)
        rec, f = posts[0]
        self.assertTrue(rec["headers"]["content-type"].startswith(
            "application/x-www-form-urlencoded"), rec["headers"])
        self.assertEqual(f, {"grant_type": "authorization_code",
                             "client_id": client, "client_secret": secret,
                             "redirect_uri": redirect, "code": code})
        self.assertEqual(rec["status"], 200)
        intro = [r for r in self.env.requests("/oauth/v3/token/introspect")]
        self.assertEqual(len(intro), 1, intro)
        self.assertEqual(intro[0]["status"], 200)

    # --- OAuth 2 authorization code -----------------------------------------------

    def test_code_seed000_body_hubspotcrm(self):
        code = self.code_for(SEED_CLIENT, SEED_CALLBACK)
        inst = self.created(self.post(seed000_oauth(code)))
        self.assert_code_exchange(SEED_CLIENT, SEED_SECRET, SEED_CALLBACK, code)
        self.assertEqual(inst["portalId"], u.PORTAL_ID)
        self.assertEqual(inst["name"], "API Instance")
        self.assertEqual(inst["tags"], ["Docs"])
        self.assertEqual(inst["element"]["key"], "hubspotcrm")
        self.assertEqual(inst["externalAuthentication"], "none")
        cfg = inst["configuration"]
        self.assertEqual(cfg["authentication.type"], "oauth2")
        self.assertEqual(cfg["filter.response.nulls"], "true")
        self.assertEqual(cfg["create.bulk.properties"], "false")
        self.assertEqual(cfg["oauth.api.key"], SEED_CLIENT)
        for k in ("oauth.api.secret", "oauth.user.token", "oauth.user.refresh_token"):
            self.assertEqual(cfg[k], u.MASK, k)
        bearer = self.assert_hub_works(inst)
        self.assertTrue(bearer.startswith("Bearer CO"), bearer)

    def test_code_seed002_body_both_elements(self):
        for key in u.ELEMENTS:
            with self.subTest(element=key):
                self.env.clear_requests()
                code = self.code_for(SEED_CLIENT, "https://www.mycoolapp.com/auth")
                inst = self.created(self.post(seed002_oauth(code, key)))
                self.assert_code_exchange(SEED_CLIENT, SEED_SECRET,
                                          "https://www.mycoolapp.com/auth", code)
                self.assertEqual(inst["element"]["key"], key)
                self.assertEqual(inst["portalId"], u.PORTAL_ID)
                # authentication.type absent: OAuth 2, the element's default
                self.assertEqual(inst["configuration"]["authentication.type"], "oauth2")
                self.assertEqual(inst["tags"], ["seed-tag"])
                self.assertEqual(inst["name"], "seed-002-oauth")
                self.assert_hub_works(inst)

    def test_code_via_element_path_without_element_member(self):
        for key in u.ELEMENTS:
            with self.subTest(element=key):
                self.env.clear_requests()
                code = self.env.code()
                body = self.env.body_code(code=code, name="by-path-" + key)
                del body["element"]
                inst = self.created(self.post(body, "/elements/%s/instances" % key))
                self.assertEqual(inst["element"]["key"], key)
                self.assert_code_exchange(u.CLIENT_ID, u.CLIENT_SECRET,
                                          u.CALLBACK, code)
                self.assert_hub_works(inst)

    def test_element_by_id(self):
        for key, eid in (("hubspotcrm", 229), ("hubspot", 43)):
            with self.subTest(element=key):
                body = self.env.body_apikey(name="by-id-" + key)
                body["element"] = {"id": eid}
                inst = self.created(self.post(body))
                self.assertEqual((inst["element"]["key"], inst["elementId"]), (key, eid))
                inst = self.created(self.post(self.env.body_apikey(name="by-id-path"),
                                              "/elements/%d/instances" % eid))
                self.assertEqual(inst["element"]["key"], key)

    # --- OAuth 2 legacy -------------------------------------------------------------

    def test_legacy_seed002_body_both_elements(self):
        for key in u.ELEMENTS:
            with self.subTest(element=key):
                pair = self.env.sim_call("POST", "/__sim/tokens",
                                         {"client_id": SEED_CLIENT,
                                          "legacy": True}).json()
                self.env.clear_requests()
                inst = self.created(self.post(seed002_legacy(pair, key)))
                self.assertEqual(inst["element"]["key"], key)
                # no code exchange, no refresh: one verification call only
                self.assertEqual(self.env.token_posts(), [])
                self.assertEqual(self.env.requests("/auth/v1/refresh"), [])
                seen = self.env.requests()
                self.assertEqual(len(seen), 1, seen)
                self.assertEqual(seen[0]["method"], "GET")
                self.assertIn(pair["access_token"], seen[0]["path"])
                self.assertEqual(inst["portalId"], u.PORTAL_ID)
                self.assertEqual(inst["configuration"]["oauth.api.secret"], u.MASK)
                self.assertEqual(inst["configuration"]["oauth.scope"],
                                 "contacts-rw+offline")
                bearer = self.assert_hub_works(inst)
                self.assertEqual(bearer, "Bearer " + pair["access_token"])

    # --- existing refresh token (externalAuthentication "initial") -----------------------

    def test_external_refresh_token_both_elements(self):
        for key in u.ELEMENTS:
            with self.subTest(element=key):
                pair = self.env.mint()
                before = self.env.stats()
                self.env.clear_requests()
                body = self.env.body_external(element=key, name="ext-" + key,
                                              refresh=pair["refresh_token"])
                inst = self.created(self.post(body))
                after = self.env.stats()
                self.assertEqual(after.get("refreshes", 0) -
                                 before.get("refreshes", 0), 1)
                self.assertEqual(after.get("tokenExchanges", 0),
                                 before.get("tokenExchanges", 0))
                posts = self.env.token_posts()
                self.assertEqual(len(posts), 1, posts)
                self.assertEqual(posts[0][1], {
                    "grant_type": "refresh_token", "client_id": u.CLIENT_ID,
                    "client_secret": u.CLIENT_SECRET,
                    "refresh_token": pair["refresh_token"]})
                self.assertEqual(inst["externalAuthentication"], "initial")
                self.assertEqual(inst["configuration"]["oauth.user.refresh_token"],
                                 u.MASK)
                self.assertEqual(inst["portalId"], u.PORTAL_ID)
                bearer = self.assert_hub_works(inst)
                # the refreshed access token, not the minted one
                self.assertNotEqual(bearer, "Bearer " + pair["access_token"])

    # --- API key ----------------------------------------------------------------------------

    def test_apikey_seed_bodies(self):
        bodies = [("000-template", seed000_apikey_template(SEED_KEY_1), SEED_KEY_1),
                  ("000-curl", seed000_apikey_curl(), SEED_KEY_2),
                  ("002-quick-crm", seed002_quick("hubspotcrm"), SEED_KEY_1),
                  ("002-quick-marketing", seed002_quick("hubspot"), SEED_KEY_1)]
        for label, body, key in bodies:
            with self.subTest(body=label):
                self.env.clear_requests()
                inst = self.created(self.post(body))
                seen = self.env.requests()
                self.assertEqual(len(seen), 1, seen)  # one cheap verification call
                self.assertEqual(seen[0]["path"],
                                 "/oauth/v2/private-apps/get/access-token-info")
                self.assertEqual(self.env.token_posts(), [])
                cfg = inst["configuration"]
                self.assertEqual(cfg["authentication.type"], "apiKey")
                self.assertEqual(cfg["hubspot.authorization.apikey"], u.MASK)
                self.assertEqual(cfg["create.bulk.properties"],
                                 body["configuration"]["create.bulk.properties"])
                self.assertEqual(cfg["filter.response.nulls"], "true")
                self.assertIsNone(cfg["oauth.user.token"])
                bearer = self.assert_hub_works(inst)
                self.assertEqual(bearer, "Bearer " + key)

    # --- failures: nothing is stored -------------------------------------------------------------

    def assert_refused(self, body, status, path="/instances", provider=None,
                       message=None):
        before = (self.env.count(), self.env.db_rows())
        r = self.post(body, path)
        self.assertEqual(r.status, status, r)
        err = r.json()
        self.assertRegex(err["requestId"], r"^[0-9a-f]{24}$")
        if provider:
            self.assertIn(provider, err.get("providerMessage", ""), err)
        if message:
            self.assertIn(message, err["message"])
        self.assertEqual((self.env.count(), self.env.db_rows()), before)
        return err

    def test_unknown_element_404(self):
        body = self.env.body_apikey()
        body["element"] = {"key": "salesforce-nope"}
        self.assert_refused(body, 404)
        body["element"] = {"id": 987654}
        self.assert_refused(body, 404)
        self.assert_refused(self.env.body_apikey(), 404,
                            path="/elements/nope/instances")
        self.assertEqual(self.env.requests(), [])  # HubSpot never asked

    def test_missing_entries_listed_in_one_message(self):
        cases = [
            ("code", {"element": {"key": "hubspotcrm"}, "name": "m",
                      "configuration": {"authentication.type": "oauth2"}},
             ["oauth.api.key", "oauth.api.secret", "oauth.callback.url",
              "providerData.code"]),
            ("code-no-type", {"element": {"key": "hubspot"}, "name": "m",
                              "providerData": {"code": "c"},
                              "configuration": {"oauth.api.key": "k"}},
             ["oauth.api.secret", "oauth.callback.url"]),
            ("apikey", {"element": {"key": "hubspotcrm"}, "name": "m",
                        "configuration": {"authentication.type": "apiKey"}},
             ["hubspot.authorization.apikey"]),
            ("external", {"element": {"key": "hubspotcrm"}, "name": "m",
                          "externalAuthentication": "initial",
                          "configuration": {"oauth.api.key": "k"}},
             ["oauth.api.secret", "oauth.user.refresh_token"]),
            ("legacy", {"element": {"key": "hubspotcrm"}, "name": "m",
                        "providerData": {"access_token": "a"},
                        "configuration": {}},
             ["oauth.api.key", "oauth.api.secret", "providerData.refresh_token"]),
        ]
        for label, body, missing in cases:
            with self.subTest(case=label):
                err = self.assert_refused(body, 400)
                for k in missing:
                    self.assertIn(k, err["message"])
        self.assertEqual(self.env.requests(), [])

    def test_bad_code_400_with_provider_message(self):
        self.assert_refused(self.env.body_code(code="na1-not-a-code"), 400,
                            provider="missing or unknown auth code")

    def test_bad_client_secret_400(self):
        body = self.env.body_code(extra={"oauth.api.secret": "wrong-secret"})
        self.assert_refused(body, 400, provider="missing or invalid client secret")
        body = self.env.body_external(refresh=self.env.mint()["refresh_token"])
        body["configuration"]["oauth.api.secret"] = "wrong-secret"
        self.assert_refused(body, 400, provider="BAD_CLIENT_SECRET")

    def test_bad_api_key_400(self):
        for key in u.ELEMENTS:
            with self.subTest(element=key):
                self.assert_refused(self.env.body_apikey(element=key,
                                                         key="pat-na1-wrong"),
                                    400, provider="not found")

    def test_bad_legacy_and_refresh_tokens_400(self):
        body = self.env.body_legacy()
        body["providerData"]["access_token"] = "CO-not-a-token"
        self.assert_refused(body, 400, provider="invalid, expired or revoked")
        self.assert_refused(self.env.body_external(refresh="na1-unknown"), 400,
                            provider="BAD_REFRESH_TOKEN")

    def test_hubspot_5xx_502(self):
        for status in (500, 503):
            with self.subTest(status=status):
                self.env.fault("/oauth/v3/token", status=status)
                self.assert_refused(self.env.body_code(), 502, provider="error")
        self.env.fault("/oauth/v2/private-apps", status=503)
        self.assert_refused(self.env.body_apikey(), 502)

    def test_code_is_not_consumed_by_a_refused_request(self):
        # a failed exchange (bad secret) leaves the code usable (sim rule),
        # so a corrected retry works: elementsd kept nothing in between
        code = self.env.code()
        body = self.env.body_code(code=code, extra={"oauth.api.secret": "nope"})
        self.assert_refused(body, 400)
        inst = self.created(self.post(self.env.body_code(code=code, name="retry")))
        self.assertEqual(inst["name"], "retry")

    def test_malformed_bodies_400(self):
        for body in ([1, 2], {"element": "hubspotcrm", "name": "x"},
                     {"element": {"key": "hubspotcrm"}, "name": "x",
                      "configuration": "nope", "providerData": {"code": "c"}},
                     {"element": {"key": "hubspotcrm"}, "name": "",
                      "configuration": {"authentication.type": "apiKey",
                                        "hubspot.authorization.apikey": u.API_KEY}},
                     {"element": {"key": "hubspotcrm"}, "name": "x",
                      "providerData": "code"}):
            with self.subTest(body=body):
                self.assert_refused(body, 400)

    # --- the instance object -----------------------------------------------------------------------

    FIELDS = {"id": int, "name": str, "createdDate": str, "token": str,
              "element": dict, "elementId": int, "tags": list,
              "provisionInteractions": list, "valid": bool, "disabled": bool,
              "maxCacheSize": int, "cacheTimeToLive": int, "cachingEnabled": bool,
              "configuration": dict, "eventsEnabled": bool,
              "traceLoggingEnabled": bool, "externalAuthentication": str,
              "user": dict}

    def assert_shape(self, inst, element):
        for f, t in self.FIELDS.items():
            self.assertIn(f, inst)
            self.assertIsInstance(inst[f], t, f)
            if t is int:
                self.assertNotIsInstance(inst[f], bool, f)
        self.assertNotIn("providerData", inst)
        if u.have_schemas():
            self.assertEqual(u.schema_errors(inst, u.load_schema(
                "element.instance.schema.json")), [])
        self.assertRegex(inst["createdDate"], u.ISO_UTC)
        self.assertRegex(inst["token"], u.B64_44)
        self.assertEqual(len(base64.b64decode(inst["token"])), 32)
        self.assertEqual(inst["element"]["key"], element)
        self.assertEqual(inst["elementId"], inst["element"]["id"])
        self.assertEqual(inst["provisionInteractions"], [])
        self.assertFalse(inst["disabled"])
        self.assertEqual((inst["maxCacheSize"], inst["cacheTimeToLive"],
                          inst["cachingEnabled"]), (0, 0, False))
        self.assertFalse(inst["traceLoggingEnabled"])
        self.assertEqual(inst["user"], {"id": self.env.a["userId"],
                                        "emailAddress": "alice@example.test",
                                        "firstName": "Alice", "lastName": "Anders"})
        cfg = inst["configuration"]
        self.assertEqual(sorted(cfg), sorted(u.config_keys(element)))
        for k, v in cfg.items():
            self.assertTrue(v is None or isinstance(v, str), (k, v))
        for k in u.password_keys(element) + list(u.SECRET_KEYS):
            self.assertIn(cfg[k], (None, u.MASK), k)
        self.assertEqual(cfg["filter.response.nulls"], "true")
        self.assertEqual(cfg["create.bulk.properties"], "false")
        self.assertEqual(inst["eventsEnabled"],
                         cfg["event.notification.enabled"] == "true")

    def test_shape_every_way_both_elements(self):
        ids = []
        for key in u.ELEMENTS:
            bodies = {
                "code": self.env.body_code(element=key),
                "legacy": self.env.body_legacy(element=key),
                "external": self.env.body_external(element=key),
                "apikey": self.env.body_apikey(element=key),
            }
            for way, body in bodies.items():
                # no create.bulk.properties / filter.response.nulls: defaults
                body["configuration"].pop("create.bulk.properties", None)
                body["configuration"].pop("filter.response.nulls", None)
                with self.subTest(element=key, way=way):
                    inst = self.created(self.post(body))
                    self.assert_shape(inst, key)
                    ids.append(inst["id"])
                    self.assertEqual(self.env.api("GET", "/instances/%d" % inst["id"])
                                     .json(), inst)
        self.assertEqual(len(set(ids)), len(ids))
        r = self.env.api("GET", "/instances")
        self.assertEqual(r.status, 200)
        if not u.have_schemas():
            self.skipTest("schemas not found in %s (set ED_SPEC_DIR)" % u.SCHEMA_DIR)
        self.assertEqual(u.schema_errors(r.json(), u.load_schema(
            "element.instances.schema.json")), [])
        # the validator itself catches what the schema forbids
        bad = dict(r.json()[0], valid="yes", tags=[1])
        del bad["token"]
        errs = u.schema_errors(bad, u.load_schema("element.instance.schema.json"))
        self.assertEqual(len(errs), 3, errs)

    def test_every_secret_masked_everywhere(self):
        body = self.env.body_code(extra={
            "event.notification.signature.key": "sig-key-0a1b2c3d",
            "hubspot.developer.apikey": "dev-key-9f8e7d"})
        inst = self.created(self.post(body))
        secrets = [u.CLIENT_SECRET, "sig-key-0a1b2c3d", "dev-key-9f8e7d"]
        secrets += self.env.bearers()
        views = {
            "create": self.post_body_text(inst),
            "get": self.env.api("GET", "/instances/%d" % inst["id"]).body,
            "list": self.env.api("GET", "/instances").body,
            "element-list": self.env.api("GET", "/elements/hubspotcrm/instances").body,
            "config": self.env.api("GET", "/instances/%d/configuration" % inst["id"]).body,
            "config-by-token": self.env.api("GET", "/instances/configuration",
                                            token=inst["token"]).body,
        }
        for view, raw in views.items():
            for s in secrets:
                self.assertNotIn(s.encode(), raw, (view, s))
        entries = self.env.api("GET", "/instances/%d/configuration"
                               % inst["id"]).json()
        by_key = {e["key"]: e for e in entries}
        self.assertEqual(sorted(by_key), sorted(u.config_keys("hubspotcrm")))
        for k in ("oauth.api.secret", "oauth.user.token", "oauth.user.refresh_token",
                  "event.notification.signature.key", "hubspot.developer.apikey"):
            self.assertEqual(by_key[k]["propertyValue"], u.MASK, k)
        self.assertIsNone(by_key["hubspot.authorization.apikey"]["propertyValue"])
        for e in entries:
            self.assertIsInstance(e["id"], int)
            self.assertTrue(e["propertyValue"] is None or
                            isinstance(e["propertyValue"], str))
            one = self.env.api("GET", "/instances/%d/configuration/%d"
                               % (inst["id"], e["id"]))
            self.assertEqual(one.status, 200)
            self.assertEqual(one.json(), e)

    def post_body_text(self, inst):
        import json
        return json.dumps(inst).encode()

    def test_name_and_tags_sanitised(self):
        xss = '<a href="#" onClick=..>churros-xss</a>'
        body = self.env.body_apikey(name=xss, tags=None)
        inst = self.created(self.post(body))
        self.assertEqual(inst["name"], "churros-xss")
        self.assertEqual(inst["tags"], ["churros-xss"])
        body = self.env.body_apikey(name="plain", tags=[xss, "<b>bold</b>", "ok"])
        inst = self.created(self.post(body))
        self.assertEqual(inst["tags"], ["churros-xss", "bold", "ok"])
        got = self.env.api("GET", "/instances/%d" % inst["id"]).json()
        self.assertEqual(got["tags"], ["churros-xss", "bold", "ok"])

    def test_configuration_values_become_strings(self):
        body = self.env.body_apikey()
        body["configuration"].update({
            "create.bulk.properties": True, "event.poller.refresh_interval": 5,
            "event.poller.configuration": {"contacts": {"pageSize": 10}},
            "filter.response.nulls": False})
        inst = self.created(self.post(body))
        cfg = inst["configuration"]
        self.assertEqual(cfg["create.bulk.properties"], "true")
        self.assertEqual(cfg["filter.response.nulls"], "false")
        self.assertEqual(cfg["event.poller.refresh_interval"], "5")
        import json
        self.assertEqual(json.loads(cfg["event.poller.configuration"]),
                         {"contacts": {"pageSize": 10}})

    def test_introspection_failure_does_not_fail_creation(self):
        # token metadata is best effort once the code exchange succeeded
        self.env.fault("/oauth/v3/token/introspect", status=503)
        inst = self.created(self.post(self.env.body_code()))
        self.assert_hub_works(inst)


class ProvisioningDoesNotBlock(unittest.TestCase):
    """Issue 10: provisioning is asynchronous. With one server thread and
    HubSpot's token endpoint slow (2 s per call), six creations run at once
    while /health keeps answering at once; all six succeed."""

    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-async-", ed_flags=("--threads", "1"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def test_six_slow_creations_leave_health_responsive(self):
        e = self.env
        bodies = [e.body_code(name="slow-%d" % i, tags=["slow"]) for i in range(6)]
        # token exchange and introspection: 12 calls, each 2 s late
        e.fault("/oauth/v3/token", status=0, count=12, delay_ms=2000)
        results = [None] * 6

        def create(i):
            results[i] = e.api("POST", "/instances", bodies[i], timeout=60)

        threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.5)  # the six are waiting on HubSpot now
        worst = 0.0
        polls = 0
        while any(t.is_alive() for t in threads) and polls < 40:
            t0 = time.monotonic()
            r = h.request(e.base, "GET", "/health", timeout=30)
            worst = max(worst, time.monotonic() - t0)
            self.assertEqual(r.status, 200, r)
            polls += 1
            time.sleep(0.1)
        for t in threads:
            t.join(60)
        self.assertGreaterEqual(polls, 5)  # health was asked while they waited
        self.assertLess(worst, 0.5, "health took %.2f s" % worst)
        for r in results:
            self.assertEqual(r.status, 200, (r, e.ed_log()[-1500:]))
        names = sorted(r.json()["name"] for r in results)
        self.assertEqual(names, ["slow-%d" % i for i in range(6)])
        for r in results:  # usable right away: tokens and introspection kept
            inst = r.json()
            self.assertEqual(inst["portalId"], u.PORTAL_ID)
            self.assertEqual(e.hub(inst["token"]).status, 200)

    def test_slow_revoke_on_delete_leaves_health_responsive(self):
        e = self.env
        inst = e.create(e.body_code(name="slow-del"))
        e.fault("/oauth/v3/token/revoke", status=0, count=1, delay_ms=2000)
        out = {}
        t = threading.Thread(target=lambda: out.update(
            r=e.api("DELETE", "/instances/%d" % inst["id"], timeout=60)))
        t.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        r = h.request(e.base, "GET", "/health", timeout=30)
        self.assertLess(time.monotonic() - t0, 0.5)
        self.assertEqual(r.status, 200)
        t.join(60)
        self.assertEqual(out["r"].status, 200, out["r"])
        self.assertEqual(out["r"].json(), {"id": inst["id"], "deleted": True,
                                           "revoked": True})


if __name__ == "__main__":
    unittest.main(verbosity=2)
