# SPDX-License-Identifier: MIT
"""Managing element instances (issue 4) over real HTTP: listing with tag and
text filters, counting, per-element lists, reading and changing an instance
by id, by element key + id and by Element token, configuration entries,
disable/enable, re-authentication, delete (with revocation at HubSpot),
isolation between organizations, and no secret in the database files."""
import json
import os
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402


class InstancesManage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = e = u.InstEnv("ed-inst-manage-")
        cls.alpha = e.create(e.body_code(name="mgr-crm-alpha",
                                         tags=["lst-shared", "lst-x"]))
        cls.beta = e.create(e.body_apikey(element="hubspot", name="mgr-mkt-beta",
                                          tags=["lst-shared", "lst-y"]))
        cls.gamma = e.create(e.body_apikey(name="other-gamma", tags=None))
        cls.bob = e.create(e.body_apikey(name="bob-crm", tags=["lst-shared"]),
                           who="b")

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()

    # --- helpers ------------------------------------------------------------------

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, (r, self.env.ed_log()[-1500:]))
        return r.json() if r.body else None

    def get(self, inst, who="a"):
        return self.env.api("GET", "/instances/%d" % inst["id"], who=who)

    def names(self, r):
        return sorted(i["name"] for i in self.ok(r))

    def hub_ok(self, inst, hub=None):
        hub = hub or inst["element"]["hub"]
        r = self.env.hub(inst["token"], "/hubs/%s/contacts?pageSize=1" % hub)
        self.assertEqual(r.status, 200, r)

    # --- list / count ------------------------------------------------------------------

    def test_list_filters(self):
        e = self.env
        every = self.ok(e.api("GET", "/instances"))
        ids = {i["id"] for i in every}
        self.assertTrue({self.alpha["id"], self.beta["id"], self.gamma["id"]} <= ids)
        self.assertNotIn(self.bob["id"], ids)
        for i in every:
            self.assertNotIn("providerData", i)
        q = lambda **kw: e.api("GET", "/instances", query=kw)  # noqa: E731
        self.assertEqual(self.names(q(**{"tags[]": "lst-shared"})),
                         ["mgr-crm-alpha", "mgr-mkt-beta"])
        self.assertEqual(self.names(q(**{"tags[]": ["lst-shared", "lst-x"]})),
                         ["mgr-crm-alpha"])
        self.assertEqual(self.names(q(searchText="mgr-")),
                         ["mgr-crm-alpha", "mgr-mkt-beta"])
        self.assertEqual(self.names(q(searchText="MKT")), ["mgr-mkt-beta"])
        self.assertEqual(self.names(q(**{"tags[]": "lst-shared",
                                         "searchText": "beta"})), ["mgr-mkt-beta"])
        # the name is the default tag
        self.assertEqual(self.names(q(**{"tags[]": "other-gamma"})), ["other-gamma"])
        for kw in ({"searchText": "zzz-no-such"}, {"tags[]": "no-such-tag"},
                   {"tags[]": "lst-x", "searchText": "beta"},
                   {"tags[]": ["lst-x", "lst-y"]}):
            with self.subTest(query=kw):
                r = q(**kw)
                self.assertEqual(r.status, 404, r)
                self.assertIn("message", r.json())

    def test_count(self):
        e = self.env
        every = self.ok(e.api("GET", "/instances"))
        c = self.ok(e.api("GET", "/instances/count"))
        self.assertEqual(c["totalInstances"], len(every))
        per = {}
        for i in every:
            per[i["element"]["key"]] = per.get(i["element"]["key"], 0) + 1
        self.assertEqual(c["elementInstances"], per)
        mine = self.ok(e.api("GET", "/instances", who="b"))
        self.assertEqual(self.ok(e.api("GET", "/instances/count", who="b")),
                         {"totalInstances": len(mine),
                          "elementInstances": {"hubspotcrm": len(mine)}})

    def test_element_instances_list(self):
        e = self.env
        for ref in ("hubspot", "43"):
            with self.subTest(element=ref):
                lst = self.ok(e.api("GET", "/elements/%s/instances" % ref))
                self.assertIn(self.beta["id"], [i["id"] for i in lst])
                for i in lst:
                    self.assertEqual(i["element"]["key"], "hubspot")
                    self.assertRegex(i["createdDate"], u.ISO_UTC)
        crm = self.ok(e.api("GET", "/elements/hubspotcrm/instances"))
        self.assertIn(self.alpha["id"], [i["id"] for i in crm])
        self.assertNotIn(self.bob["id"], [i["id"] for i in crm])
        self.assertEqual(e.api("GET", "/elements/nope/instances").status, 404)

    # --- read by id / element + id -------------------------------------------------------

    def test_get_by_id_and_by_element(self):
        e = self.env
        a = self.ok(self.get(self.alpha))
        self.assertEqual(a["id"], self.alpha["id"])
        self.assertEqual(a["token"], self.alpha["token"])
        for ref in ("hubspotcrm", "229"):
            self.assertEqual(self.ok(e.api("GET", "/elements/%s/instances/%d"
                                           % (ref, a["id"]))), a)
        self.assertEqual(e.api("GET", "/elements/hubspot/instances/%d"
                               % a["id"]).status, 404)
        for bad in ("999999", "abc", "-1", "1.5"):
            self.assertEqual(e.api("GET", "/instances/" + bad).status, 404, bad)

    # --- PATCH / PUT ---------------------------------------------------------------------------

    def test_patch_and_put_by_id(self):
        e = self.env
        inst = e.create(e.body_apikey(name="edit-me", tags=["t1"]))
        path = "/instances/%d" % inst["id"]
        p = self.ok(e.api("PATCH", path, {"name": "<i>edited</i>", "tags": ["n1", "n2"]}))
        self.assertEqual((p["id"], p["token"], p["name"], p["tags"]),
                         (inst["id"], inst["token"], "edited", ["n1", "n2"]))
        p = self.ok(e.api("PATCH", path, {"configuration": {
            "event.notification.callback.url": "https://cb.example.test/x"}}))
        self.assertEqual(p["configuration"]["event.notification.callback.url"],
                         "https://cb.example.test/x")
        self.assertEqual(p["name"], "edited")
        unchanged = dict(inst["configuration"])
        unchanged["event.notification.callback.url"] = "https://cb.example.test/x"
        self.assertEqual(p["configuration"], unchanged)
        got = self.ok(e.api("GET", path))
        self.assertEqual(got, p)
        self.hub_ok(got)  # "********" never replaced the key
        # PUT replaces: tags [] clears, unsent keys fall back to defaults,
        # a masked secret keeps its value
        put = {"name": "put-name", "tags": [], "configuration": {
            "authentication.type": "apiKey",
            "hubspot.authorization.apikey": u.MASK,
            "filter.response.nulls": "false"}}
        p = self.ok(e.api("PUT", path, put))
        self.assertEqual((p["id"], p["token"], p["name"], p["tags"]),
                         (inst["id"], inst["token"], "put-name", []))
        self.assertEqual(p["configuration"]["filter.response.nulls"], "false")
        self.assertIsNone(p["configuration"]["event.notification.callback.url"])
        self.assertEqual(p["configuration"]["hubspot.authorization.apikey"], u.MASK)
        self.hub_ok(p)
        self.assertEqual(e.api("PATCH", path, {"name": ""}).status, 400)
        self.assertEqual(e.api("PATCH", path, [1]).status, 400)
        self.assertEqual(e.api("PATCH", "/instances/999999", {"name": "x"}).status,
                         404)

    def test_patch_and_put_by_element_path(self):
        e = self.env
        inst = e.create(e.body_apikey(element="hubspot", name="el-edit"))
        path = "/elements/hubspot/instances/%d" % inst["id"]
        p = self.ok(e.api("PATCH", path, {"name": "el-edited"}))
        self.assertEqual((p["id"], p["name"]), (inst["id"], "el-edited"))
        p = self.ok(e.api("PUT", path, {"name": "el-put", "configuration": {
            "authentication.type": "apiKey",
            "hubspot.authorization.apikey": u.MASK}}))
        self.assertEqual((p["name"], p["tags"]), ("el-put", ["el-put"]))
        self.assertEqual(e.api("PATCH", "/elements/hubspotcrm/instances/%d"
                               % inst["id"], {"name": "x"}).status, 404)
        self.assertEqual(self.ok(self.get(inst))["name"], "el-put")

    def test_put_and_patch_by_token(self):
        e = self.env
        inst = e.create(e.body_apikey(name="tok-edit"))
        p = self.ok(e.api("PATCH", "/instances", {"name": "tok-patched"},
                          token=inst["token"]))
        self.assertEqual((p["id"], p["name"]), (inst["id"], "tok-patched"))
        p = self.ok(e.api("PUT", "/instances", {"name": "tok-put", "tags": ["z"],
                                                "configuration": {
                                                    "authentication.type": "apiKey",
                                                    "hubspot.authorization.apikey": u.MASK}},
                          token=inst["token"]))
        self.assertEqual((p["id"], p["name"], p["tags"]), (inst["id"], "tok-put", ["z"]))
        self.assertEqual(self.ok(self.get(inst))["name"], "tok-put")
        me = self.ok(e.api("GET", "/instances/me", token=inst["token"]))
        self.assertEqual(me, self.ok(self.get(inst)))
        self.assertEqual(e.api("GET", "/instances/me").status, 400)
        # without an Element token the instance cannot be selected
        self.assertEqual(e.api("PATCH", "/instances", {"name": "x"}).status, 400)
        # a token of no instance: 401 as on hub calls (issue 10)
        self.assert_invalid_token("bm9wZQ==")

    TOKEN_CALLS = [("GET", "/instances/me", None),
                   ("GET", "/instances/configuration", None),
                   ("GET", "/instances/configuration/229001", None),
                   ("PATCH", "/instances/configuration/229001",
                    {"propertyValue": "apiKey"}),
                   ("PUT", "/instances", {"name": "stolen"}),
                   ("PATCH", "/instances", {"name": "stolen"}),
                   ("PUT", "/instances/enabled", None),
                   ("DELETE", "/instances/enabled", None)]

    def assert_invalid_token(self, token, who="a", message="no such element instance"):
        """Every call by Element token answers 401 'Invalid Element token'."""
        for method, path, body in self.TOKEN_CALLS:
            with self.subTest(call="%s %s" % (method, path), who=who):
                r = self.env.api(method, path, body, who=who, token=token)
                self.assertEqual(r.status, 401, r)
                j = r.json()
                self.assertEqual(j["message"], "Invalid Element token: " + message
                                 if message == "no such element instance"
                                 else "Invalid Element token " + message)
                self.assertEqual(set(j), {"requestId", "message"})

    # --- configuration entries ----------------------------------------------------------------

    def test_configuration_entries_by_id(self):
        e = self.env
        inst = e.create(e.body_apikey(name="cfg-id"))
        base = "/instances/%d/configuration" % inst["id"]
        entries = self.ok(e.api("GET", base))
        self.assertEqual([x["key"] for x in entries], u.config_keys("hubspotcrm"))
        by_key = {x["key"]: x for x in entries}
        for x in entries:
            self.assertEqual(set(x) >= {"id", "key", "propertyValue"}, True, x)
            v = inst["configuration"][x["key"]]
            self.assertEqual(x["propertyValue"], v, x["key"])
        nulls = by_key["filter.response.nulls"]
        self.assertEqual(self.ok(e.api("GET", "%s/%d" % (base, nulls["id"]))), nulls)
        p = self.ok(e.api("PATCH", "%s/%d" % (base, nulls["id"]),
                          dict(nulls, propertyValue="false")))
        self.assertEqual((p["id"], p["key"], p["propertyValue"]),
                         (nulls["id"], "filter.response.nulls", "false"))
        self.assertEqual(self.ok(self.get(inst))["configuration"]
                         ["filter.response.nulls"], "false")
        # hub responses now keep null members (contacts without lastname)
        r = e.hub(inst["token"], "/hubs/crm/contacts?pageSize=25")
        self.assertEqual(r.status, 200)
        self.assertIn(b"null", r.body)
        self.ok(e.api("PATCH", "%s/%d" % (base, nulls["id"]), {"propertyValue": "true"}))
        r = e.hub(inst["token"], "/hubs/crm/contacts?pageSize=25")
        self.assertNotIn(b"null", r.body)
        sig = by_key["event.notification.signature.key"]
        p = self.ok(e.api("PATCH", "%s/%d" % (base, sig["id"]),
                          {"propertyValue": "sig-secret-77aa"}))
        self.assertEqual(p["propertyValue"], u.MASK)
        e.seen.add("sig-secret-77aa")
        self.assertEqual(e.api("GET", "%s/%d" % (base, 1)).status, 404)
        self.assertEqual(e.api("GET", base + "/nope").status, 404)
        self.assertEqual(e.api("PATCH", "%s/%d" % (base, nulls["id"]),
                               {"value": "x"}).status, 400)

    def test_configuration_entries_by_token(self):
        e = self.env
        inst = e.create(e.body_apikey(element="hubspot", name="cfg-tok"))
        tok = inst["token"]
        entries = self.ok(e.api("GET", "/instances/configuration", token=tok))
        self.assertEqual([x["key"] for x in entries], u.config_keys("hubspot"))
        cb = [x for x in entries if x["key"] == "event.notification.callback.url"][0]
        self.assertEqual(self.ok(e.api("GET", "/instances/configuration/%d" % cb["id"],
                                       token=tok)), cb)
        p = self.ok(e.api("PATCH", "/instances/configuration/%d" % cb["id"],
                          {"propertyValue": "https://cb.example.test/t"}, token=tok))
        self.assertEqual(p["propertyValue"], "https://cb.example.test/t")
        self.assertEqual(self.ok(self.get(inst))["configuration"]
                         ["event.notification.callback.url"],
                         "https://cb.example.test/t")
        self.assertEqual(e.api("GET", "/instances/configuration").status, 400)

    # --- disable / enable -------------------------------------------------------------------------

    def objects_status(self, tok):
        """Status of GET /hubs/crm/objects, or None while that resource is
        not implemented (404, or HubSpot refusing an object type "objects")."""
        r = self.env.hub(tok, "/hubs/crm/objects")
        if r.status == 404 or (r.status == 400 and b"infer object type" in r.body):
            return None
        return r.status

    def test_disable_enable_by_id(self):
        e = self.env
        inst = e.create(e.body_apikey(name="dis-id"))
        path = "/instances/%d/enabled" % inst["id"]
        self.assertTrue(self.ok(e.api("DELETE", path))["disabled"])
        self.assertTrue(self.ok(self.get(inst))["disabled"])
        r = e.hub(inst["token"])
        self.assertEqual(r.status, 403, r)
        st = self.objects_status(inst["token"])
        if st is not None:  # /objects arrives with the hub-resources work
            self.assertEqual(st, 200)
        self.assertFalse(self.ok(e.api("PUT", path))["disabled"])
        self.assertFalse(self.ok(self.get(inst))["disabled"])
        self.hub_ok(inst)

    def test_disable_enable_by_token(self):
        e = self.env
        inst = e.create(e.body_apikey(name="dis-tok"))
        tok = inst["token"]
        self.assertTrue(self.ok(e.api("DELETE", "/instances/enabled", token=tok))
                        ["disabled"])
        self.assertEqual(e.hub(tok).status, 403)
        self.assertFalse(self.ok(e.api("PUT", "/instances/enabled", token=tok))
                         ["disabled"])
        self.hub_ok(inst)

    # --- re-authentication --------------------------------------------------------------------------

    def test_reauthenticate_with_provider_data(self):
        e = self.env
        inst = e.create(e.body_code(name="reauth"))
        path = "/instances/%d" % inst["id"]
        at1 = e.current_access_token(inst["token"])
        e.clear_requests()
        code = e.code()
        p = self.ok(e.api("PATCH", path, {"name": "reauth", "providerData": {"code": code}}))
        self.assertEqual((p["id"], p["token"], p["valid"]),
                         (inst["id"], inst["token"], True))
        self.assertNotIn("providerData", p)
        posts = e.token_posts("authorization_code")
        self.assertEqual([f["code"] for _, f in posts], [code])
        at2 = e.current_access_token(inst["token"])
        self.assertNotEqual(at1, at2)
        # Cloud Elements' recipe: GET, drop the tokens, add providerData, PUT
        body = self.ok(self.get(inst))
        for k in ("oauth.user.token", "oauth.user.refresh_token"):
            body["configuration"].pop(k)
        body["providerData"] = {"code": e.code()}
        p = self.ok(e.api("PUT", path, body, query={"reAuthenticate": "true"}))
        self.assertEqual((p["id"], p["token"], p["valid"]),
                         (inst["id"], inst["token"], True))
        at3 = e.current_access_token(inst["token"])
        self.assertNotIn(at3, (at1, at2))
        # a refused re-authentication changes nothing
        r = e.api("PATCH", path, {"providerData": {"code": "na1-wrong"}})
        self.assertEqual(r.status, 400)
        self.assertIn("providerMessage", r.json())
        self.assertEqual(e.current_access_token(inst["token"]), at3)
        self.assertTrue(self.ok(self.get(inst))["valid"])

    # --- delete -------------------------------------------------------------------------------------------

    def assert_gone(self, inst):
        e = self.env
        self.assertEqual(self.get(inst).status, 404)
        r = e.hub(inst["token"])
        self.assertEqual(r.status, 401, r)
        self.assertEqual(e.api("DELETE", "/instances/%d" % inst["id"]).status, 404)
        self.assert_invalid_token(inst["token"])

    def test_delete_revokes_refresh_token(self):
        e = self.env
        pair = e.mint()
        inst = e.create(e.body_external(name="del-ext", refresh=pair["refresh_token"]))
        self.hub_ok(inst)
        before = (e.count(), e.db_rows())
        e.clear_requests()
        d = self.ok(e.api("DELETE", "/instances/%d" % inst["id"]))
        self.assertIsInstance(d, dict)
        self.assertEqual((e.count(), e.db_rows()), (before[0] - 1, before[1] - 1))
        rev = [dict(urllib.parse.parse_qsl(r["body"]))
               for r in e.requests("/oauth/v3/token/revoke")]
        self.assertEqual(len(rev), 1, rev)
        self.assertEqual(rev[0]["token"], pair["refresh_token"])
        self.assertEqual(rev[0].get("token_type_hint"), "refresh_token")
        self.assertEqual(rev[0]["client_id"], u.CLIENT_ID)
        # HubSpot no longer honours the refresh token
        r = u.h.form(e.sim.base, "/oauth/v3/token", {
                "grant_type": "refresh_token", "client_id": u.CLIENT_ID,
                "client_secret": u.CLIENT_SECRET,
                "refresh_token": pair["refresh_token"]})
        self.assertEqual(r.status, 400)
        self.assertIn(b"BAD_REFRESH_TOKEN", r.body)
        self.assert_gone(inst)

    def test_delete_code_instance_by_element_path(self):
        e = self.env
        inst = e.create(e.body_code(element="hubspot", name="del-code"))
        e.clear_requests()
        self.assertEqual(e.api("DELETE", "/elements/hubspotcrm/instances/%d"
                               % inst["id"]).status, 404)
        self.ok(e.api("DELETE", "/elements/hubspot/instances/%d" % inst["id"]))
        self.assertEqual(len(e.requests("/oauth/v3/token/revoke")), 1)
        self.assert_gone(inst)

    def test_delete_without_revoke(self):
        e = self.env
        pair = e.mint()
        body = e.body_external(name="del-norevoke", refresh=pair["refresh_token"])
        body["configuration"]["provider.revoke.on.delete"] = "false"
        inst = e.create(body)
        e.clear_requests()
        self.ok(e.api("DELETE", "/instances/%d" % inst["id"]))
        self.assertEqual(e.requests("/oauth/v3/token/revoke"), [])
        r = u.h.form(e.sim.base, "/oauth/v3/token", {
            "grant_type": "refresh_token", "client_id": u.CLIENT_ID,
            "client_secret": u.CLIENT_SECRET, "refresh_token": pair["refresh_token"]})
        self.assertEqual(r.status, 200, r)
        self.assert_gone(inst)

    def test_delete_apikey_instance(self):
        e = self.env
        inst = e.create(e.body_apikey(name="del-key"))
        e.clear_requests()
        self.ok(e.api("DELETE", "/instances/%d" % inst["id"]))
        self.assertEqual(e.requests("/oauth"), [])  # nothing to revoke
        self.assert_gone(inst)

    # --- isolation ------------------------------------------------------------------------------------------

    def test_other_organization_sees_nothing(self):
        e = self.env
        a = self.alpha
        before = self.ok(self.get(a))
        i = a["id"]
        calls = [("GET", "/instances/%d" % i, None),
                 ("PUT", "/instances/%d" % i, {"name": "stolen"}),
                 ("PATCH", "/instances/%d" % i, {"name": "stolen"}),
                 ("DELETE", "/instances/%d" % i, None),
                 ("GET", "/elements/hubspotcrm/instances/%d" % i, None),
                 ("PATCH", "/elements/hubspotcrm/instances/%d" % i, {"name": "stolen"}),
                 ("DELETE", "/elements/hubspotcrm/instances/%d" % i, None),
                 ("GET", "/instances/%d/configuration" % i, None),
                 ("GET", "/instances/%d/configuration/229001" % i, None),
                 ("PATCH", "/instances/%d/configuration/229001" % i,
                  {"propertyValue": "apiKey"}),
                 ("DELETE", "/instances/%d/enabled" % i, None),
                 ("PUT", "/instances/%d/enabled" % i, None)]
        for method, path, body in calls:
            with self.subTest(call="%s %s" % (method, path)):
                r = e.api(method, path, body, who="b")
                self.assertEqual(r.status, 404, r)
        # B's secrets with A's Element token
        self.assert_invalid_token(a["token"], who="b",
                                  message="for this organization")
        r = e.hub(a["token"], who="b")
        self.assertEqual(r.status, 401, r)
        self.assertNotIn(i, [x["id"] for x in self.ok(e.api("GET", "/instances",
                                                            who="b"))])
        after = self.ok(self.get(a))
        self.assertEqual(after, before)
        self.hub_ok(a)

    # --- issue 10: lost updates, markup, injection toward HubSpot ---------------------------------

    def test_disable_racing_rename_loses_nothing(self):
        """50 rounds of DELETE /instances/{id}/enabled racing a PATCH of the
        name: every round ends disabled with the new name."""
        e = self.env
        inst = e.create(e.body_apikey(name="race-0", tags=["race"]))
        path = "/instances/%d" % inst["id"]
        bad = []
        for rnd in range(1, 51):
            self.ok(e.api("PUT", path + "/enabled"))
            self.ok(e.api("PATCH", path, {"name": "race-base"}))
            barrier = threading.Barrier(2)
            out = {}

            def disable():
                barrier.wait()
                out["d"] = e.api("DELETE", path + "/enabled")

            def rename(n=rnd):
                barrier.wait()
                out["r"] = e.api("PATCH", path, {"name": "race-%d" % n})

            ts = [threading.Thread(target=disable), threading.Thread(target=rename)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
            self.assertEqual(out["d"].status, 200, out["d"])
            self.assertEqual(out["r"].status, 200, out["r"])
            got = self.ok(self.get(inst))
            if (got["disabled"], got["name"]) != (True, "race-%d" % rnd):
                bad.append((rnd, got["disabled"], got["name"]))
        self.assertEqual(bad, [])
        self.assertEqual(self.ok(self.get(inst))["tags"], ["race"])

    MARKUP = [  # given → stored (decoded first, then stripped)
        ("Sales CRM", "Sales CRM"),
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("<b>bold</b> name", "bold name"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;x", "alert(1)x"),
        ("&#60;script&#62;alert(1)&#60;/script&#62;x", "alert(1)x"),
        ("&#x3c;img src=y onerror=alert(1)&#x3e;y", "y"),
        ("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;x", "alert(1)x"),
    ]

    def test_entity_encoded_markup_in_names_and_tags(self):
        e = self.env
        for given, want in self.MARKUP:
            with self.subTest(given=given):
                inst = e.create(e.body_apikey(name=given, tags=[given, "k"]))
                for got in (inst, self.ok(self.get(inst))):
                    self.assertEqual(got["name"], want)
                    self.assertEqual(got["tags"], [want, "k"])
                    self.assertNotIn("<", got["name"] + "".join(got["tags"]))
                p = self.ok(e.api("PATCH", "/instances/%d" % inst["id"],
                                  {"name": "p " + given, "tags": ["t " + given]}))
                self.assertEqual(p["name"], ("p " + want).strip())
                self.assertEqual(p["tags"], [("t " + want).strip()])
                self.ok(e.api("DELETE", "/instances/%d" % inst["id"]))

    def assert_refused_unsent(self, r, key):
        self.assertEqual(r.status, 400, r)
        self.assertIn(key, r.json()["message"])
        self.assertIn("Control characters", r.json()["message"])
        self.assertEqual(self.env.requests(), [])

    def test_control_characters_in_credentials_refused(self):
        e = self.env
        evil = "\r\nX-Injected: 1"
        cases = []
        b = e.body_apikey(name="inj-key")
        b["configuration"]["hubspot.authorization.apikey"] = u.API_KEY + evil
        cases.append(("hubspot.authorization.apikey", b))
        for key in ("oauth.api.key", "oauth.api.secret"):
            b = e.body_code(name="inj-code")
            b["configuration"][key] += evil
            cases.append((key, b))
        b = e.body_code(name="inj-code")
        b["providerData"]["code"] += "\n"
        cases.append(("providerData.code", b))
        b = e.body_external(name="inj-ext")
        b["configuration"]["oauth.user.refresh_token"] += "\rx"
        cases.append(("oauth.user.refresh_token", b))
        for key in ("access_token", "refresh_token"):
            b = e.body_legacy(name="inj-legacy")
            b["providerData"][key] += "\x7f"
            cases.append(("providerData." + key, b))
        for key, body in cases:
            with self.subTest(key=key):
                e.clear_requests()
                self.assert_refused_unsent(e.api("POST", "/instances", body), key)
        # re-authentication by PATCH (a new API key; providerData)
        inst = e.create(e.body_apikey(name="inj-reauth"))
        e.clear_requests()
        self.assert_refused_unsent(
            e.api("PATCH", "/instances/%d" % inst["id"],
                  {"configuration": {"hubspot.authorization.apikey": "k" + evil}}),
            "hubspot.authorization.apikey")
        code = self.alpha
        e.clear_requests()
        self.assert_refused_unsent(
            e.api("PATCH", "/instances/%d" % code["id"],
                  {"providerData": {"code": "c\r\nd"}}), "providerData.code")
        self.assertEqual(self.ok(self.get(inst))["name"], "inj-reauth")

    def test_legacy_token_escaped_in_url(self):
        e = self.env
        token = "ab/cd?x=1#frag"
        b = e.body_legacy(name="legacy-escape")
        b["providerData"]["access_token"] = token
        e.clear_requests()
        r = e.api("POST", "/instances", b)
        self.assertEqual(r.status, 400, r)  # the sim knows no such token
        got = e.requests("/oauth/v1/access-tokens/")
        self.assertEqual(len(got), 1, got)
        # the sim decodes the path: the whole token arrived inside it
        self.assertEqual(got[0]["path"], "/oauth/v1/access-tokens/" + token)
        self.assertEqual(got[0]["headers"]["authorization"], "Bearer " + token)

    # --- secrets at rest (runs last: zz) -------------------------------------------------------------

    def test_zz_no_secret_in_database_files(self):
        e = self.env
        e.harvest()
        secrets = set(e.seen) | {u.CLIENT_SECRET, u.API_KEY}
        secrets = {s for s in secrets if len(s) >= 12}
        self.assertGreater(len(secrets), 10)
        raw = e.db_bytes()
        self.assertGreater(len(raw), 0)
        leaked = [s for s in secrets if s.encode() in raw]
        self.assertEqual(leaked, [])
        log = e.ed_log().encode()
        self.assertEqual([s for s in secrets if s.encode() in log], [])


class InstancesDocs(unittest.TestCase):
    """Every /instances route of src/api/api_instances.c has its page."""

    def test_every_route_documented(self):
        import re
        with open(os.path.join(u.ROOT, "src", "api", "api_instances.c")) as f:
            paths = set(re.findall(r'\{ED_[A-Z]+, "([^"]+)"', f.read()))
        self.assertGreaterEqual(len(paths), 12)
        with open(os.path.join(u.ROOT, "docs", "api", "instances.md")) as f:
            doc = f.read()
        for section in ("Synopsis", "Request", "Responses", "Errors", "Example",
                        "See also"):
            self.assertRegex(doc, r"(?m)^## %s$" % section)
        self.assertIn("http://127.0.0.1:8080/elements/api-v2", doc)
        for p in sorted(paths):
            self.assertIn(p, doc.replace("[/{configId}]", "/{configId}"), p)
        with open(os.path.join(u.ROOT, "docs", "instances-lifecycle.md")) as f:
            life = f.read()
        for flag in ("--refresh-margin", "--idle-refresh", "--refresh-check"):
            self.assertIn(flag, life)


if __name__ == "__main__":
    unittest.main(verbosity=2)
