# SPDX-License-Identifier: MIT
"""CRM objects of hub_crm.c over real HTTP, elementsd against hubspot-sim:
every resource and operation of docs/hub-api.md's CRM table, the hub
segment, the headers on every hub response, write bodies, missing ids and
empty lists, null filtering (filter.response.nulls) and the instance states
(disabled, deleted, invalid). Each test checks status, headers and body of
the answer and what HubSpot received. Paging and CEQL:
test_hub_crm_query.py; errors, retries and throttling: test_hub_crm_errors.py
and test_hub_crm_throttle.py."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

NO_LIMITS = ("--search-rate-limit", "0")
RECORD_KEYS = {"id", "properties", "createdAt", "updatedAt", "archived"}
# HubSpot's classic ids, beside id as numbers (what Cloud Elements returned)
CLASSIC = {"contacts": "vid", "leads": "vid", "accounts": "companyId",
           "companies": "companyId", "opportunities": "dealId", "deals": "dealId"}


def body(req):
    return json.loads(req["body"]) if req["body"] else None


def has_null(v):
    if v is None:
        return True
    if isinstance(v, dict):
        return any(has_null(x) for x in v.values())
    if isinstance(v, list):
        return any(has_null(x) for x in v)
    return False


class CrmCase(u.HubCase):
    SIM_FLAGS = NO_LIMITS

    def assert_hub_headers(self, r, inst=None):
        """Every hub response: the request id (as in the body on errors) and
        the instance id."""
        inst = inst or self.inst
        self.assertEqual(r.header("Elements-Element-Instance-Id"), str(inst["id"]), r)
        rid = r.header("Elements-Request-Id")
        self.assertTrue(rid, r.headers)
        if r.status >= 400:
            self.assertEqual(r.json()["requestId"], rid)

    def assert_record(self, rec, rid=None, resource=None):
        classic = CLASSIC.get(resource)
        self.assertEqual(set(rec), RECORD_KEYS | ({classic} if classic else set()), rec)
        self.assertIsInstance(rec["id"], str)
        if classic:
            self.assertIs(type(rec[classic]), int)
            self.assertEqual(rec[classic], int(rec["id"]))
        self.assertEqual(rec["properties"]["hs_object_id"], rec["id"])
        self.assertTrue(all(isinstance(v, str) for v in rec["properties"].values()))
        self.assertIs(rec["archived"], False)
        if rid is not None:
            self.assertEqual(rec["id"], rid)

    def assert_not_found(self, r, rid):
        b = self.assert_error(r, 404)
        pm = json.loads(b["providerMessage"])
        self.assertEqual(pm["category"], "OBJECT_NOT_FOUND")
        self.assertEqual(pm["context"], {"id": [rid]})
        self.assert_hub_headers(r)


class Objects(CrmCase):
    def crud(self, resource, hs, create, patch, lastmod="hs_lastmodifieddate"):
        """The whole life of one record of RESOURCE (HubSpot object HS)."""
        hpath = "/crm/v3/objects/" + hs
        # create: 200 with the record; HubSpot got {"properties": ...} once
        r = self.ok("POST", "/" + resource, create)
        self.assert_hub_headers(r)
        rec = r.json()
        self.assert_record(rec, resource=resource)
        rid = rec["id"]
        post = self.seen_one(hpath, "POST")
        self.assertEqual(post["path"], hpath)
        sent = body(post)
        self.assertEqual(list(sent), ["properties"])
        for k, v in (create.get("properties") or create).items():
            self.assertEqual(sent["properties"][k.lower()], v)
        self.assertIn(lastmod, rec["properties"])
        # get
        self.hub.sim_clear()
        r = self.ok("GET", "/%s/%s" % (resource, rid))
        self.assert_hub_headers(r)
        self.assertEqual(r.json(), rec)
        self.assertEqual(self.seen_one(hpath)["path"], "%s/%s" % (hpath, rid))
        # PATCH and PUT are both HubSpot's PATCH
        for method in ("PATCH", "PUT"):
            self.hub.sim_clear()
            r = self.ok(method, "/%s/%s" % (resource, rid), patch)
            self.assert_hub_headers(r)
            got = r.json()
            self.assert_record(got, rid, resource)
            for k, v in patch.items():
                self.assertEqual(got["properties"][k.lower()], v)
            s = self.seen_one(hpath)
            self.assertEqual((s["method"], s["path"]), ("PATCH", "%s/%s" % (hpath, rid)))
            self.assertEqual(body(s), {"properties": {k.lower(): v for k, v in patch.items()}})
        # list: the record is there, HubSpot's list endpoint
        self.hub.sim_clear()
        r = self.ok("GET", "/" + resource)
        self.assert_hub_headers(r)
        listed = {x["id"]: x for x in r.json()}
        self.assertIn(rid, listed)
        self.assert_record(listed[rid], resource=resource)
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(listed)))
        s = self.seen_one(hpath)
        self.assertEqual((s["method"], s["path"], s["query"]), ("GET", hpath, {"limit": "100"}))
        # delete: 200 {} (a read first: HubSpot answers 204 for unknown ids
        # too), then 404
        self.hub.sim_clear()
        r = self.ok("DELETE", "/%s/%s" % (resource, rid))
        self.assert_hub_headers(r)
        self.assertEqual(r.json(), {})
        self.assertEqual([(s["method"], s["path"], s["status"]) for s in self.seen(hpath)],
                         [("GET", "%s/%s" % (hpath, rid), 200),
                          ("DELETE", "%s/%s" % (hpath, rid), 204)])
        self.assert_not_found(self.call("GET", "/%s/%s" % (resource, rid)), rid)
        return rec

    def test_contacts(self):
        self.crud("contacts", "contacts",
                  {"properties": {"email": "crud@zz.test", "firstname": "Cru"}},
                  {"lastname": "Dd"}, lastmod="lastmodifieddate")

    def test_accounts_are_companies(self):
        self.crud("accounts", "companies", {"name": "Acme", "domain": "acme.test"},
                  {"name": "Acme Two"})

    def test_opportunities_are_deals_with_defaults(self):
        rec = self.crud("opportunities", "deals", {"dealname": "Q3 renewal", "amount": "900"},
                        {"amount": "950"})
        self.assertEqual(rec["properties"]["pipeline"], "default")
        self.assertEqual(rec["properties"]["dealstage"], "appointmentscheduled")
        # the defaults are what HubSpot received on create
        self.ok("POST", "/opportunities", {"properties": {"dealname": "d2"}})
        self.assertEqual(body(self.seen("/crm/v3/objects/deals", "POST")[-1]),
                         {"properties": {"dealname": "d2", "pipeline": "default",
                                         "dealstage": "appointmentscheduled"}})
        # given values win; an update gets no defaults
        r = self.ok("POST", "/opportunities", {"dealname": "d3", "pipeline": "43215678",
                                               "dealstage": "renewal-open"})
        sent = body(self.seen("/crm/v3/objects/deals", "POST")[-1])
        self.assertEqual(sent["properties"]["pipeline"], "43215678")
        self.assertEqual(sent["properties"]["dealstage"], "renewal-open")
        self.hub.sim_clear()
        self.ok("PATCH", "/opportunities/" + r.json()["id"], {"amount": "1"})
        self.assertEqual(body(self.seen_one("/crm/v3/objects/deals")),
                         {"properties": {"amount": "1"}})

    def test_generic_objects(self):
        self.crud("tickets", "tickets",
                  {"subject": "Broken", "hs_pipeline": "0", "hs_pipeline_stage": "1"},
                  {"subject": "Fixed"})
        self.crud("products", "products", {"name": "Widget", "price": "3"},
                  {"price": "4"})
        # existing tickets as HubSpot lists them
        r = self.ok("GET", "/tickets", query={"pageSize": "2"})
        self.assertEqual([t["id"] for t in r.json()], ["4001", "4002"])
        self.assertEqual(self.seen("/crm/v3/objects/tickets")[-1]["query"], {"limit": "2"})
        # companies and deals also under HubSpot's names
        r = self.ok("GET", "/companies/2001")
        self.assertEqual(r.json()["properties"]["hs_object_id"], "2001")
        r = self.ok("GET", "/deals", query={"pageSize": "1"})
        self.assertEqual(r.json()[0]["id"], "3001")

    def test_unknown_object_and_bad_names(self):
        r = self.call("GET", "/widgets")
        self.assertEqual(r.status, 400, r)  # HubSpot: unable to infer object type
        self.assertIn("widgets", r.json()["providerMessage"])
        self.assert_hub_headers(r)
        self.assert_error(self.call("GET", "/Contacts!"), 404)
        self.assert_error(self.call("GET", "/contacts/101/whatever"), 404)
        self.assert_error(self.call("PATCH", "/contacts", {"a": "b"}), 405)
        self.assert_error(self.call("POST", "/contacts/101", {"a": "b"}), 405)
        self.assertEqual(self.seen("/crm/v3/objects/contacts"), [])

    def test_leads(self):
        # list: the search endpoint, lifecyclestage=lead in every group
        r = self.ok("GET", "/leads")
        self.assert_hub_headers(r)
        leads = r.json()
        s = self.seen_one("/crm/v3/objects/contacts")
        self.assertEqual((s["method"], s["path"]),
                         ("POST", "/crm/v3/objects/contacts/search"))
        self.assertEqual(body(s), {"filterGroups": [{"filters": [
            {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}],
            "limit": 100})
        self.assertEqual(r.header("Elements-Total-Count"), str(len(leads)))
        self.ok("GET", "/leads", query={"where": "firstname='Grace' OR firstname='Ada'"})
        self.assertEqual(body(self.seen("/crm/v3/objects/contacts/search")[-1])["filterGroups"], [
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Grace"},
                         {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]},
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Ada"},
                         {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}])
        # create sets lifecyclestage=lead unless given
        self.hub.sim_clear()
        r = self.ok("POST", "/leads", {"properties": {"email": "lead@zz.test"}})
        lead = r.json()
        self.assertEqual(lead["properties"]["lifecyclestage"], "lead")
        self.assertEqual(body(self.seen_one("/crm/v3/objects/contacts", "POST")),
                         {"properties": {"email": "lead@zz.test", "lifecyclestage": "lead"}})
        self.ok("POST", "/leads", {"email": "mql@zz.test", "lifecycleStage": "marketingqualifiedlead"})
        self.assertEqual(body(self.seen("/crm/v3/objects/contacts", "POST")[-1])["properties"]
                         ["lifecyclestage"], "marketingqualifiedlead")
        # get: a lead is returned, a contact that is not a lead is 404
        got = self.ok("GET", "/leads/" + lead["id"]).json()
        self.assertEqual(got["id"], lead["id"])
        self.assertEqual(got["properties"]["lifecyclestage"], "lead")
        listed = [x["id"] for x in self.ok("GET", "/leads").json()]
        self.assertEqual(len(listed), len(leads) + 1)
        self.assertIn(lead["id"], listed)
        non_lead = [c["id"] for c in self.ok("GET", "/contacts").json()
                    if c["id"] not in listed][0]
        r = self.call("GET", "/leads/" + non_lead)
        self.assert_error(r, 404, "lead")
        self.assert_hub_headers(r)
        self.assertEqual(self.seen("/crm/v3/objects/contacts/" + non_lead)[-1]["query"]
                         ["properties"].split(",").count("lifecyclestage"), 1)

    def test_hub_segment_ignored(self):
        bodies = []
        for path in ("/hubs/crm/contacts", "/hubs/anything/contacts",
                     "/hubs/marketing/contacts", "/contacts"):
            r = u.base_call(self.hub, self.tok, "GET", path, query={"pageSize": "3"})
            self.assertEqual(r.status, 200, (path, r))
            self.assert_hub_headers(r)
            self.assertEqual(r.header("Elements-Next-Page-Token"), "l1313034")
            bodies.append(r.json())
        self.assertTrue(all(b == bodies[0] for b in bodies))
        self.assertEqual([c["id"] for c in bodies[0]], ["101", "102", "103"])
        self.assertEqual([s["query"] for s in self.seen("/crm/v3/objects/contacts")],
                         [{"limit": "3"}] * 4)
        r = u.base_call(self.hub, self.tok, "GET", "/contacts/101")
        self.assertEqual(r.json()["id"], "101")
        # no Element part: not a hub call
        r = u.h.request(self.hub.base, "GET", "/hubs/crm/contacts",
                        headers={"Authorization": self.hub.platform})
        self.assert_error(r, 404)

    def test_headers_on_every_response(self):
        for method, path, b, q, status in (
                ("GET", "/contacts", None, None, 200),
                ("GET", "/contacts/101", None, None, 200),
                ("GET", "/contacts/424242", None, None, 404),
                ("GET", "/objects", None, None, 200),
                ("GET", "/ping", None, None, 200),
                ("POST", "/contacts", {"nosuch": "x"}, None, 400),
                ("DELETE", "/contacts/101", None, None, 200),
                ("PUT", "/contacts", {}, None, 405),
                ("GET", "/contacts", None, {"where": "a=("}, 400)):
            r = self.call(method, path, b, query=q)
            self.assertEqual(r.status, status, (method, path, r))
            self.assert_hub_headers(r)

    def test_write_shapes(self):
        self.hub.sim_fixtures({"properties": {"contacts": [
            {"name": "shoe_size", "label": "Shoe size", "type": "number",
             "fieldType": "number", "groupName": "contactinformation"},
            {"name": "vip", "label": "VIP", "type": "bool", "fieldType": "booleancheckbox",
             "groupName": "contactinformation"}]}})
        # flat fields, mixed case, numbers and booleans: lower-case names, strings
        r = self.ok("POST", "/contacts", {"firstName": "Ada", "LASTNAME": "Byron",
                                          "email": "ada.b@zz.test", "shoe_size": 38,
                                          "vip": True, "id": "ignored"})
        self.assertEqual(body(self.seen_one("/crm/v3/objects/contacts", "POST")),
                         {"properties": {"firstname": "Ada", "lastname": "Byron",
                                         "email": "ada.b@zz.test", "shoe_size": "38",
                                         "vip": "true"}})
        rec = r.json()
        self.assertEqual(rec["properties"]["firstname"], "Ada")
        self.assertEqual(rec["properties"]["shoe_size"], "38")
        # {"properties": {...}} with camelCase inside (what CE's tests send)
        self.hub.sim_clear()
        r = self.ok("PATCH", "/contacts/" + rec["id"],
                    {"properties": {"firstName": "Augusta", "shoe_size": 38.5, "vip": False}})
        self.assertEqual(body(self.seen_one("/crm/v3/objects/contacts")),
                         {"properties": {"firstname": "Augusta", "shoe_size": "38.5",
                                         "vip": "false"}})
        self.assertEqual(r.json()["properties"]["firstname"], "Augusta")
        # not an object: 400 before HubSpot
        self.hub.sim_clear()
        self.assert_error(self.call("POST", "/contacts", [1, 2]), 400)
        self.assert_error(self.call("PATCH", "/contacts/101", "x"), 400)
        self.assertEqual(self.seen("/crm"), [])

    def test_missing_id(self):
        self.assert_not_found(self.call("GET", "/contacts/424242"), "424242")
        self.assert_not_found(self.call("PATCH", "/contacts/424242", {"firstname": "x"}), "424242")
        self.assert_not_found(self.call("PUT", "/accounts/424242", {"name": "x"}), "424242")
        self.assert_not_found(self.call("GET", "/opportunities/424242"), "424242")
        self.assert_not_found(self.call("GET", "/tickets/424242"), "424242")
        self.assertEqual([s["path"] for s in self.seen("/crm")],
                         ["/crm/v3/objects/contacts/424242"] * 2 +
                         ["/crm/v3/objects/companies/424242", "/crm/v3/objects/deals/424242",
                          "/crm/v3/objects/tickets/424242"])

    def test_missing_id_delete(self):
        # HubSpot answers 204 to a DELETE of an unknown id; elementsd says 404
        for res, hs in (("contacts", "contacts"), ("accounts", "companies"),
                        ("tickets", "tickets")):
            self.hub.sim_clear()
            self.assert_not_found(self.call("DELETE", "/%s/424242" % res), "424242")
            self.assertEqual([s["method"] for s in self.seen("/crm/v3/objects/" + hs)],
                             ["GET"])

    def test_empty_list(self):
        for path in ("/products", "/line_items"):
            r = self.ok("GET", path)
            self.assertEqual(r.json(), [])
            self.assertEqual(r.header("Elements-Returned-Count"), "0")
            self.assertIsNone(r.header("Elements-Next-Page-Token"))
            self.assert_hub_headers(r)
        r = self.ok("GET", "/contacts", query={"where": "email='nobody@zz.test'"})
        self.assertEqual(r.json(), [])
        self.assertEqual(r.header("Elements-Total-Count"), "0")
        self.assertEqual(r.header("Elements-Returned-Count"), "0")


class Nulls(CrmCase):
    """filter.response.nulls: default true drops null members, false keeps
    them, the change applies to the next call."""

    FIX = {"objects": {"contacts": [
        {"id": "9101", "properties": {"email": "null1@zz.test", "firstname": None,
                                      "lastname": "Nil"}},
        {"id": "9102", "properties": {"email": "null2@zz.test"}}]}}

    def responses(self):
        self.hub.sim_fixtures(self.FIX)
        return {
            "list": self.ok("GET", "/contacts", query={"pageSize": "100"}).json(),
            "get": self.ok("GET", "/contacts/9101").json(),
            "get_fields": self.ok("GET", "/contacts/9102",
                                  query={"fields": "email,firstname,lastname"}).json(),
            "search": self.ok("GET", "/contacts", query={"where": "email LIKE '%@zz.test'"}).json(),
            "patch": self.ok("PATCH", "/contacts/9102", {"phone": "1"}).json(),
        }

    def test_default_true_then_false_then_true(self):
        # HubSpot sends nulls (the sim's list includes firstname: null)
        self.hub.sim_fixtures(self.FIX)
        raw = u.h.request(self.hub.sim.base, "GET", "/crm/v3/objects/contacts/9101",
                          headers={"Authorization": "Bearer " + u.API_KEY})
        self.assertIsNone(raw.json()["properties"]["firstname"])
        got = self.responses()
        self.assertEqual(self.inst["configuration"]["filter.response.nulls"], "true")
        for name, v in got.items():
            self.assertFalse(has_null(v), (name, v))
        self.assertNotIn("firstname", got["get"]["properties"])
        self.assertEqual(got["get"]["properties"]["lastname"], "Nil")
        self.assertEqual(set(got["get_fields"]["properties"]),
                         {"email", "createdate", "hs_object_id", "lastmodifieddate"})
        entry = u.config_entry_set(self.hub, self.inst["id"], "filter.response.nulls", "false")
        try:
            self.assertEqual(entry["propertyValue"], "false")
            got = self.responses()
            self.assertIsNone(got["get"]["properties"]["firstname"])
            self.assertEqual(got["get_fields"]["properties"]["firstname"], None)
            self.assertEqual(got["get_fields"]["properties"]["lastname"], None)
            self.assertTrue(has_null(got["list"]))
            self.assertTrue(has_null(got["search"]))
            by = {c["id"]: c for c in got["list"]}
            self.assertIsNone(by["9101"]["properties"]["firstname"])
        finally:
            u.config_entry_set(self.hub, self.inst["id"], "filter.response.nulls", "true")
        got = self.responses()
        for name, v in got.items():
            self.assertFalse(has_null(v), (name, v))

    def test_instance_patch_configuration(self):
        inst = self.hub.instance(name="nulls-patch")
        r = self.hub.platform_call("PATCH", "/instances/%s" % inst["id"],
                                   {"configuration": {"filter.response.nulls": "false"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["configuration"]["filter.response.nulls"], "false")
        self.hub.sim_fixtures(self.FIX)
        got = self.call("GET", "/contacts/9101", token=inst["token"])
        self.assertEqual(got.status, 200, got)
        self.assertIsNone(got.json()["properties"]["firstname"])
        r = self.hub.platform_call("PATCH", "/instances/%s" % inst["id"],
                                   {"configuration": {"filter.response.nulls": True}})
        self.assertEqual(r.status, 200, r)
        got = self.call("GET", "/contacts/9101", token=inst["token"])
        self.assertNotIn("firstname", got.json()["properties"])


class States(CrmCase):
    """Disabled, deleted, unknown and invalid instances."""

    def test_disabled(self):
        inst = self.hub.instance(name="disabled")
        r = self.hub.platform_call("DELETE", "/instances/%s/enabled" % inst["id"])
        self.assertEqual(r.status, 200, r)
        for method, path in (("GET", "/contacts"), ("GET", "/contacts/101"),
                             ("POST", "/contacts"), ("DELETE", "/contacts/101"),
                             ("GET", "/tickets"), ("GET", "/ping")):
            r = self.call(method, path, {} if method == "POST" else None, token=inst["token"])
            self.assert_error(r, 403, "disabled")
            self.assert_hub_headers(r, inst)
        r = self.call("GET", "/objects", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertIn("contacts", r.json())
        self.assertEqual(self.seen("/crm") + self.seen("/account-info"), [])
        # enabled again: calls run
        r = self.hub.platform_call("PUT", "/instances/%s/enabled" % inst["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.call("GET", "/contacts/101", token=inst["token"]).status, 200)

    def test_deleted_and_unknown(self):
        inst = self.hub.instance(name="deleted")
        self.assertEqual(self.call("GET", "/contacts/101", token=inst["token"]).status, 200)
        r = self.hub.platform_call("DELETE", "/instances/%s" % inst["id"])
        self.assertEqual(r.status, 200, r)
        self.hub.sim_clear()
        for path in ("/contacts", "/contacts/101", "/objects"):
            self.assert_error(self.call("GET", path, token=inst["token"]), 401)
        r = self.call("GET", "/contacts", token="bm90LWEtdG9rZW4=")
        self.assert_error(r, 401)
        self.assertTrue(r.header("Elements-Request-Id"))
        self.assertEqual(self.seen("/crm"), [])

    def test_invalid_until_reauthenticated(self):
        callback = "https://app.example.test/cb"
        client_id, secret = u.CLIENT.split(":")

        def code():
            r = u.sim_control(self.hub, "POST", "/__sim/oauth/code",
                              {"client_id": client_id, "redirect_uri": callback,
                               "scopes": ["contacts", "oauth"]})
            self.assertEqual(r.status, 200, r)
            return r.json()["code"]
        r = self.hub.platform_call("POST", "/instances", {
            "element": {"key": "hubspotcrm"}, "name": "oauth",
            "providerData": {"code": code()},
            "configuration": {"authentication.type": "oauth2", "oauth.api.key": client_id,
                              "oauth.api.secret": secret, "oauth.callback.url": callback}})
        self.assertEqual(r.status, 200, r)
        inst = r.json()
        self.assertEqual(self.call("GET", "/contacts/101", token=inst["token"]).status, 200)
        # the grant dies at HubSpot: refresh token revoked, access token expired
        for what in ("revoke", "expire"):
            r = u.sim_control(self.hub, "POST", "/__sim/tokens/" + what, {"all": True})
            self.assertIn(r.status, (200, 204), r)
        r = self.call("GET", "/contacts/101", token=inst["token"])
        self.assert_error(r, 401, "re-authenticat")
        self.assert_hub_headers(r, inst)
        got = self.hub.platform_call("GET", "/instances/%s" % inst["id"]).json()
        self.assertIs(got["valid"], False)
        # no HubSpot traffic while invalid
        self.hub.sim_clear()
        for path in ("/contacts", "/objects"):
            self.assert_error(self.call("GET", path, token=inst["token"]), 401,
                              "re-authenticat")
        self.assertEqual(self.seen("/"), [])
        # re-authenticated with a new code: valid again, same token
        r = self.hub.platform_call("PATCH", "/instances/%s" % inst["id"],
                                   {"providerData": {"code": code()}})
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["valid"], True)
        r = self.call("GET", "/contacts/101", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["id"], "101")
        auth = self.seen("/crm/v3/objects/contacts/101")[-1]["headers"]["authorization"]
        self.assertTrue(auth.startswith("Bearer CO"), auth)


if __name__ == "__main__":
    unittest.main()
