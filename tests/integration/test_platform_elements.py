# SPDX-License-Identifier: MIT
"""The element catalogue, the hub catalogue and OAuth URL generation over
real HTTP against build/elementsd (started with --hubspot-app-url so the
host is ours): every row of the seed's default-scope table, both seed
examples, the legacy Portal-ID flow, the POST variant, errors and the
optional-but-checked credentials."""
import os
import shutil
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness as h  # noqa: E402

APP = "http://127.0.0.1:9/hs-app"
ALL8 = "contacts%20timeline%20files%20content%20reports%20social%20automation%20forms"
CRM3 = "contacts%20timeline%20files"
SEED_ID = "123456789d-1234-12e4-bda9-12345b8bf20"
CB = "https://www.mycoolapp.com/auth"
CB_ENC = "https%3A%2F%2Fwww.mycoolapp.com%2Fauth"


class PlatformElements(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-elements-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        cls.acct = h.bootstrap(cls.data, "el@example.com", "password-el")
        cls.srv = h.start_elementsd(cls.data, "--hubspot-app-url", APP)
        cls.base = cls.srv.base + h.API_BASE
        cls.auth = {"Authorization": h.platform_auth(cls.acct)}

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        with open(cls.srv.log_path) as f:
            log = f.read()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        # a clean exit (and, in sanitizer builds, no report) after the module
        assert rc == 0, "elementsd exited %s:\n%s" % (rc, log[-4000:])

    def get(self, path, headers=None, **kw):
        return h.request(self.base, "GET", path,
                         headers=self.auth if headers is None else headers, **kw)

    def ok(self, path):
        r = self.get(path)
        self.assertEqual(r.status, 200, (path, r))
        return r.json()

    def oauth(self, key, qs, headers=None):
        """GET /elements/KEY/oauth/url?QS (QS given raw, as a client sends it)."""
        r = h.request(self.base, "GET", "/elements/%s/oauth/url?%s" % (key, qs),
                      headers=headers or {})
        return r

    def oauth_url(self, key, qs, headers=None):
        r = self.oauth(key, qs, headers)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(set(body), {"element", "oauthUrl"})
        return body

    # --- catalogue -------------------------------------------------------

    def test_catalogue_needs_auth(self):
        for p in ("/elements", "/elements/keys", "/elements/hubspot",
                  "/elements/metadata", "/hubs", "/hubs/crm"):
            self.assertEqual(self.get(p, headers={}).status, 401, p)

    def test_list(self):
        els = self.ok("/elements")
        self.assertEqual(sorted(e["key"] for e in els), ["hubspot", "hubspotcrm"])
        for e in els:
            for f in ("id", "name", "key", "description", "image", "active",
                      "typeOauth", "hub", "authentication", "protocolType"):
                self.assertIn(f, e)
            self.assertEqual(e["authentication"], {"type": "oauth2"})

    def test_keys(self):
        self.assertEqual(self.ok("/elements/keys"), ["hubspot", "hubspotcrm"])

    def test_by_key_and_id(self):
        crm = self.ok("/elements/hubspotcrm")
        self.assertEqual(crm["id"], 229)
        self.assertEqual(crm["name"], "Hubspot CRM")
        self.assertEqual(crm["hookName"], "HubSpotCRM")
        self.assertEqual(crm["hub"], "crm")
        self.assertIsInstance(crm["configuration"], list)
        self.assertEqual(self.ok("/elements/229"), crm)
        mkt = self.ok("/elements/43")
        self.assertEqual(mkt["key"], "hubspot")
        self.assertEqual(mkt["name"], "Hubspot Marketing")
        self.assertEqual(mkt["hookName"], "HubSpot")
        self.assertEqual(mkt["hub"], "marketing")
        self.assertEqual(self.ok("/elements/hubspot"), mkt)

    def test_unknown_element_404(self):
        for p in ("/elements/salesforce", "/elements/999999999999",
                  "/elements/nope/configuration", "/elements/999999999999/metadata",
                  "/elements/nope/oauth/url?apiKey=k&callbackUrl=x"):
            r = self.get(p)
            self.assertEqual(r.status, 404, p)
            self.assertEqual(r.json()["requestId"], r.header("Elements-Request-Id"))

    def test_configuration(self):
        for key in ("hubspotcrm", "hubspot", "229", "43"):
            cfg = self.ok("/elements/%s/configuration" % key)
            by_key = {c["key"]: c for c in cfg}
            self.assertEqual(len(by_key), len(cfg))
            for k in ("oauth.api.key", "oauth.api.secret", "oauth.callback.url",
                      "hubspot.authorization.apikey", "create.bulk.properties"):
                self.assertIn(k, by_key)
            self.assertEqual(by_key["oauth.api.secret"]["type"], "PASSWORD")
            self.assertEqual(by_key["hubspot.authorization.apikey"]["type"], "PASSWORD")
            self.assertEqual(by_key["oauth.api.key"]["type"], "TEXTFIELD_128")
            for c in cfg:
                for f in ("id", "name", "key", "description", "defaultValue",
                          "type", "required", "hideFromConsole", "active"):
                    self.assertIn(f, c, c["key"])
            self.assertEqual(self.ok("/elements/%s" % key)["configuration"], cfg)

    def test_metadata(self):
        all_ = self.ok("/elements/metadata")
        self.assertEqual(sorted(m["key"] for m in all_), ["hubspot", "hubspotcrm"])
        for key, eid, hub in (("hubspotcrm", 229, "crm"), ("hubspot", 43, "marketing")):
            m = self.ok("/elements/%s/metadata" % key)
            self.assertEqual(m["id"], eid)
            self.assertEqual(m["key"], key)
            self.assertEqual(m["hub"], hub)
            self.assertEqual(m["events"], {"supported": True,
                                           "methods": ["polling", "webhook"]})
            self.assertEqual(m["bulk"], {"upload": True, "download": True})
            self.assertIn("customFields", m["discovery"])
            self.assertEqual(self.ok("/elements/%d/metadata" % eid), m)
            self.assertIn(m, all_)

    def test_hubs(self):
        hubs = self.ok("/hubs")
        self.assertEqual(sorted(x["key"] for x in hubs), ["crm", "marketing"])
        self.assertEqual(sorted(self.ok("/hubs/keys")), ["crm", "marketing"])
        crm = self.ok("/hubs/crm")
        self.assertEqual(crm["key"], "crm")
        self.assertIn("name", crm)
        self.assertEqual([e["key"] for e in self.ok("/hubs/crm/elements")], ["hubspotcrm"])
        self.assertEqual([e["key"] for e in self.ok("/hubs/marketing/elements")],
                         ["hubspot"])
        self.assertEqual(self.get("/hubs/nohub").status, 404)
        self.assertEqual(self.get("/hubs/nohub/elements").status, 404)

    # --- OAuth URL: the seed's default-scope table ---------------------

    def test_scope_table_crm_absent(self):
        b = self.oauth_url("hubspotcrm", "apiKey=k1&apiSecret=s1&callbackUrl=" + CB_ENC)
        self.assertEqual(b["element"], "hubspotcrm")
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=k1&redirect_uri="
                         + CB_ENC + "&scope=" + CRM3 + "&state=hubspotcrm")

    def test_scope_table_crm_empty(self):
        b = self.oauth_url("hubspotcrm", "apiKey=k1&apiSecret=s1&callbackUrl=%s&scope="
                           % CB_ENC)
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=k1&redirect_uri="
                         + CB_ENC + "&scope=" + ALL8 + "&state=hubspotcrm")

    def test_scope_table_marketing_absent(self):
        b = self.oauth_url("hubspot", "apiKey=k1&apiSecret=s1&callbackUrl=" + CB_ENC)
        self.assertEqual(b["element"], "hubspot")
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=k1&redirect_uri="
                         + CB_ENC + "&scope=" + ALL8 + "&state=hubspot")

    def test_scope_table_marketing_empty(self):
        b = self.oauth_url("hubspot", "apiKey=k1&apiSecret=s1&callbackUrl=%s&scope="
                           % CB_ENC)
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=k1&redirect_uri="
                         + CB_ENC + "&scope=" + ALL8 + "&state=hubspot")

    def test_scope_table_by_id(self):
        b = self.oauth_url("229", "apiKey=k&callbackUrl=http://cb")
        self.assertEqual(b["element"], "hubspotcrm")
        self.assertIn("&scope=" + CRM3 + "&state=hubspotcrm", b["oauthUrl"])
        b = self.oauth_url("43", "apiKey=k&callbackUrl=http://cb&scope=")
        self.assertEqual(b["element"], "hubspot")
        self.assertIn("&scope=" + ALL8 + "&state=hubspot", b["oauthUrl"])

    # --- OAuth URL: the seed examples ------------------------------------

    def test_seed_new_flow_example(self):
        qs = ("apiKey=%s&apiSecret=%s&scope=contacts%%20%%20timeline&callbackUrl=%s"
              % (SEED_ID, SEED_ID, CB_ENC))
        b = self.oauth_url("hubspotcrm", qs)
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=" + SEED_ID
                         + "&redirect_uri=" + CB_ENC
                         + "&scope=contacts%20timeline&state=hubspotcrm")
        # the seed's "empty scope" example
        qs = "apiKey=%s&apiSecret=%s&scope=&callbackUrl=%s" % (SEED_ID, SEED_ID, CB_ENC)
        b = self.oauth_url("hubspotcrm", qs)
        self.assertTrue(b["oauthUrl"].endswith("&scope=" + ALL8 + "&state=hubspotcrm"))

    def test_seed_legacy_example(self):
        qs = ("apiKey=%s&apiSecret=123456&scope=contacts-rw%%20offline"
              "&callbackUrl=http://demonstrab.ly" % SEED_ID)
        b = self.oauth_url("hubspot", qs)
        self.assertEqual(b, {
            "element": "hubspot",
            "oauthUrl": APP + "/auth/authenticate?client_id=123456789d-1234-12e4-"
                        "bda9-12345b8bf20&portalId=123456&redirect_uri=http%3A%2F%2F"
                        "demonstrab.ly&scope=contacts-rw%20offline"})

    def test_legacy_plus_in_query_is_space(self):
        # the seed writes the legacy scope as "contacts-rw+offline"
        b = self.oauth_url("hubspotcrm", "apiKey=k&apiSecret=42&callbackUrl=http://cb"
                                         "&scope=contacts-rw+offline")
        self.assertEqual(b["oauthUrl"], APP + "/auth/authenticate?client_id=k&portalId=42"
                         "&redirect_uri=http%3A%2F%2Fcb&scope=contacts-rw%20offline")

    def test_state_and_encoding(self):
        q = urllib.parse.urlencode({"apiKey": "a b&c", "apiSecret": "cs-XYZ-secret",
                                    "callbackUrl": "http://x/y?z=1",
                                    "scope": "contacts timeline", "state": "s/1 2"},
                                   quote_via=urllib.parse.quote)
        b = self.oauth_url("hubspotcrm", q)
        self.assertEqual(b["oauthUrl"], APP + "/oauth/authorize?client_id=a%20b%26c"
                         "&redirect_uri=http%3A%2F%2Fx%2Fy%3Fz%3D1"
                         "&scope=contacts%20timeline&state=s%2F1%202")
        self.assertNotIn("+", b["oauthUrl"])

    def test_scopes_spelling_query(self):
        # seed 002 lists the parameter as "scopes" and writes "scope" in its
        # examples: both are read, "scope" wins when both are sent
        for key, flow in (("hubspotcrm", "s1"), ("hubspot", "123456")):
            b = self.oauth_url(key, "apiKey=k&apiSecret=%s&callbackUrl=%s"
                               "&scopes=contacts-rw%%20offline" % (flow, CB_ENC))
            self.assertIn("&scope=contacts-rw%20offline", b["oauthUrl"])
            b = self.oauth_url(key, "apiKey=k&apiSecret=%s&callbackUrl=%s&scopes="
                               % (flow, CB_ENC))
            self.assertIn("&scope=" + ALL8, b["oauthUrl"])
        b = self.oauth_url("hubspotcrm", "apiKey=k&callbackUrl=x&scope=forms"
                           "&scopes=contacts")
        self.assertIn("&scope=forms&", b["oauthUrl"])

    def test_legacy_keeps_state(self):
        state = "tok/1 2&x=y+z\u00e9"
        q = urllib.parse.urlencode({"apiKey": SEED_ID, "apiSecret": "123456",
                                    "callbackUrl": "http://demonstrab.ly",
                                    "scopes": "contacts-rw offline", "state": state})
        b = self.oauth_url("hubspot", q)
        self.assertEqual(b["oauthUrl"], APP + "/auth/authenticate?client_id=" + SEED_ID
                         + "&portalId=123456&redirect_uri=http%3A%2F%2Fdemonstrab.ly"
                         "&scope=contacts-rw%20offline"
                         "&state=tok%2F1%202%26x%3Dy%2Bz%C3%A9")
        got = urllib.parse.parse_qs(urllib.parse.urlsplit(b["oauthUrl"]).query)
        self.assertEqual(got["state"], [state])
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k1", "apiSecret": 62515, "callbackUrl": CB,
                            "scopes": ["contacts", "oauth"], "state": state})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["oauthUrl"], APP + "/auth/authenticate?client_id=k1"
                         "&portalId=62515&redirect_uri=" + CB_ENC
                         + "&scope=contacts%20oauth&state=tok%2F1%202%26x%3Dy%2Bz%C3%A9")

    def test_scopes_spelling_post(self):
        for body, want in (({"scopes": "contacts  timeline"}, "contacts%20timeline"),
                           ({"scopes": ["contacts", "forms"]}, "contacts%20forms"),
                           ({"scopes": ""}, ALL8),
                           ({"scopes": []}, ALL8),
                           ({"scope": "files", "scopes": "forms"}, "files")):
            body.update({"apiKey": "k1", "apiSecret": "s1", "callbackUrl": CB,
                         "state": "st"})
            r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url", body=body)
            self.assertEqual(r.status, 200, (body, r))
            self.assertTrue(r.json()["oauthUrl"].endswith("&scope=%s&state=st" % want),
                            (body, r.json()))
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k1", "callbackUrl": CB, "scopes": {"a": 1}})
        self.assertEqual(r.status, 400)
        self.assertEqual(set(r.json()), {"requestId", "message"})
        self.assertIn("scope", r.json()["message"])

    def test_client_secret_never_in_url(self):
        for key in ("hubspot", "hubspotcrm"):
            for scope in ("", "&scope=", "&scope=contacts"):
                b = self.oauth_url(key, "apiKey=k&apiSecret=TopSecret-123&callbackUrl=x"
                                   + scope)
                self.assertNotIn("TopSecret", b["oauthUrl"])
                self.assertNotIn("secret", b["oauthUrl"].lower())

    def test_post_variant(self):
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k1", "apiSecret": "s1", "callbackUrl": CB,
                            "scope": "contacts  timeline", "state": "st"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"element": "hubspotcrm", "oauthUrl":
                                    APP + "/oauth/authorize?client_id=k1&redirect_uri="
                                    + CB_ENC + "&scope=contacts%20timeline&state=st"})
        r = h.request(self.base, "POST", "/elements/hubspot/oauth/url",
                      body={"apiKey": SEED_ID, "apiSecret": "123456",
                            "callbackUrl": "http://demonstrab.ly",
                            "scope": "contacts-rw offline"})
        self.assertEqual(r.json()["oauthUrl"], APP + "/auth/authenticate?client_id="
                         + SEED_ID + "&portalId=123456&redirect_uri=http%3A%2F%2F"
                         "demonstrab.ly&scope=contacts-rw%20offline")
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k1", "callbackUrl": CB})
        self.assertTrue(r.json()["oauthUrl"].endswith("&scope=" + CRM3 + "&state=hubspotcrm"))
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k1", "callbackUrl": CB, "scope": ""})
        self.assertTrue(r.json()["oauthUrl"].endswith("&scope=" + ALL8 + "&state=hubspotcrm"))
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body=["not", "an", "object"])
        self.assertEqual(r.status, 400)

    def test_missing_parameters_400(self):
        cases = [("apiSecret=s&callbackUrl=x", "apiKey", "callbackUrl"),
                 ("apiKey=k&apiSecret=s", "callbackUrl", "apiKey"),
                 ("apiKey=&callbackUrl=x", "apiKey", "callbackUrl"),
                 ("", "apiKey, callbackUrl", None)]
        for qs, named, not_named in cases:
            r = self.oauth("hubspotcrm", qs)
            self.assertEqual(r.status, 400, qs)
            body = r.json()
            self.assertEqual(set(body), {"requestId", "message"})
            self.assertIn(named, body["message"])
            if not_named:
                self.assertNotIn(not_named, body["message"])
        r = h.request(self.base, "POST", "/elements/hubspot/oauth/url",
                      body={"apiKey": "k"})
        self.assertEqual(r.status, 400)
        self.assertIn("callbackUrl", r.json()["message"])

    def test_optional_credentials(self):
        qs = "apiKey=k&callbackUrl=http://cb"
        # none: fine; valid secrets: fine; valid bearer: fine
        self.oauth_url("hubspotcrm", qs)
        self.oauth_url("hubspotcrm", qs, headers=self.auth)
        tok = h.request(self.base, "POST", "/authentication",
                        body={"username": "el@example.com",
                              "password": "password-el"}).json()["token"]
        self.oauth_url("hubspotcrm", qs, headers={"Authorization": "Bearer " + tok})
        # sent but wrong or malformed: 401
        bad_user = "User %s, Organization %s" % ("A" * 43 + "=",
                                                 self.acct["organizationSecret"])
        for authz in (bad_user, "Bearer nope", "garbage", "User only"):
            r = self.oauth("hubspotcrm", qs, headers={"Authorization": authz})
            self.assertEqual(r.status, 401, authz)
        r = h.request(self.base, "POST", "/elements/hubspotcrm/oauth/url",
                      body={"apiKey": "k", "callbackUrl": "x"},
                      headers={"Authorization": bad_user})
        self.assertEqual(r.status, 401)


class AdvertisedFeatures(unittest.TestCase):
    """The element object and its metadata advertise exactly what is served:
    each feature flag is true if and only if the feature's routes answer
    something other than 404. The flags are data in
    src/elements/defs/*.json; a later issue that serves a feature and
    forgets its flag (or the reverse) fails here."""

    @classmethod
    def setUpClass(cls):
        import instutil
        cls.env = instutil.InstEnv("ed-features-")
        cls.addClassCleanup(cls.env.close)
        cls.inst = cls.env.create(cls.env.body_apikey(name="features"))

    def served(self, method, path, element=False):
        # every probe below answers something other than 404 once its
        # feature is served (lists, jobs, definitions)
        r = self.env.api(method, path, token=self.inst["token"] if element else None)
        if r.status == 404:
            self.assertEqual(set(r.json()), {"requestId", "message"})
        return r.status != 404

    def feature_routes(self):
        i, el = self.inst["id"], "hubspotcrm"
        return {
            "events": [("GET", "/instances/%d/events" % i, False),
                       ("GET", "/instances/events", True),
                       ("GET", "/instances/events/analytics", False)],
            "bulkDownload": [("GET", "/hubs/crm/bulk/jobs", True),
                             ("GET", "/hubs/marketing/bulk/jobs", True),
                             ("POST", "/hubs/crm/bulk/query?q=select%20*%20from%20contacts",
                              True)],
            "bulkUpload": [("POST", "/hubs/crm/bulk/contacts", True)],
            "transformations": [("GET", "/organizations/objects/definitions", False),
                                ("GET", "/instances/%d/transformations" % i, False),
                                ("GET", "/organizations/elements/%s/transformations" % el,
                                 False),
                                ("GET", "/elements/%s/transformations" % el, False)],
            "extendable": [("GET", "/elements/%s/resources" % el, False)],
        }

    def test_flags_match_routes(self):
        served = {f: any(self.served(*r) for r in routes)
                  for f, routes in self.feature_routes().items()}
        for key in ("hubspotcrm", "hubspot"):
            for path in ("/elements/%s" % key, "/elements"):
                r = self.env.api("GET", path)
                self.assertEqual(r.status, 200, r)
                obj = r.json()
                if isinstance(obj, list):
                    obj = next(e for e in obj if e["key"] == key)
                self.assertEqual(obj["bulkDownloadEnabled"], served["bulkDownload"], path)
                self.assertEqual(obj["bulkUploadEnabled"], served["bulkUpload"], path)
                self.assertEqual(obj["transformationsEnabled"], served["transformations"],
                                 path)
                self.assertEqual(obj["extendable"], served["extendable"], path)
                self.assertEqual(obj["defaultTransformations"], [])
            for path in ("/elements/%s/metadata" % key, "/elements/metadata"):
                r = self.env.api("GET", path)
                self.assertEqual(r.status, 200, r)
                m = r.json()
                if isinstance(m, list):
                    m = next(e for e in m if e["key"] == key)
                self.assertEqual(m["events"]["supported"], served["events"], path)
                self.assertEqual(bool(m["events"]["methods"]), served["events"], path)
                self.assertEqual(m["bulk"], {"upload": served["bulkUpload"],
                                             "download": served["bulkDownload"]}, path)
        # today: events (issue 11), transformations (issue 12) and bulk
        # (issue 13) are served; element extension is not
        self.assertEqual(served, {f: f != "extendable" for f in served})

    def test_hub_elements_agree(self):
        # /hubs/{key}/elements shows the same objects as /elements
        for hub, key in (("crm", "hubspotcrm"), ("marketing", "hubspot")):
            r = self.env.api("GET", "/hubs/%s/elements" % hub)
            self.assertEqual(r.status, 200, r)
            one = self.env.api("GET", "/elements/%s" % key).json()
            one.pop("configuration")
            self.assertEqual(r.json(), [one])

    def test_discovery_is_served(self):
        # discovery.customFields: the object metadata lists HubSpot's
        # properties, custom ones included
        m = self.env.api("GET", "/elements/hubspotcrm/metadata").json()
        self.assertTrue(m["discovery"]["customFields"])
        self.assertFalse(m["discovery"]["customObjects"])
        r = self.env.hub(self.inst["token"], "/hubs/crm/objects/contacts/metadata")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["fields"])


class DefaultAppUrl(unittest.TestCase):
    """Without --hubspot-app-url the URLs point at app.hubspot.com, and the
    ELEMENTSD_HUBSPOT_APP_URL environment variable is honoured."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-appurl-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def url_from(self, srv):
        r = h.request(srv.base + h.API_BASE, "GET",
                      "/elements/hubspot/oauth/url?apiKey=k&callbackUrl=x")
        return r.json()["oauthUrl"]

    def test_default_and_env(self):
        srv = h.start_elementsd(self.data)
        try:
            self.assertTrue(self.url_from(srv).startswith(
                "https://app.hubspot.com/oauth/authorize?client_id=k&"))
        finally:
            srv.stop()
        srv = h.start_elementsd(self.data, env={
            "ELEMENTSD_HUBSPOT_APP_URL": "http://env.example/"})
        try:
            self.assertTrue(self.url_from(srv).startswith(
                "http://env.example/oauth/authorize?client_id=k&"))
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
