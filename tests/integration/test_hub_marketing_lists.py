# SPDX-License-Identifier: MIT
"""HubSpot Marketing resources of src/hub/hub_{lists,campaigns,workflows}.c
over real HTTP, elementsd against hubspot-sim: /lists (classic body on
crm/v3/lists), list membership, /campaigns and their activities,
/workflows. Each test checks the Cloud Elements answer (status, shape,
headers) and what HubSpot received."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402


def body(req):
    return json.loads(req["body"]) if req["body"] else None


class Marketing(u.HubCase):
    """One Marketing (hubspot) instance; self.crm is a CRM instance."""

    @classmethod
    def setUpClass(cls):
        cls.hub = u.Hub(cls.SIM_FLAGS)
        try:
            cls.inst = cls.hub.instance(element="hubspot", name="mkt")
            cls.crm = cls.hub.instance(name="crm")["token"]
        except Exception:
            cls.hub.stop()
            raise
        cls.tok = cls.inst["token"]

    def call(self, method, path, body=None, token=None, **kw):
        kw.setdefault("hub", "marketing")
        return self.hub.call(token or self.tok, method, path, body=body, **kw)

    def contact(self, email):
        r = self.ok("POST", "/contacts", {"properties": {"email": email}})
        return int(r.json()["id"])


class Lists(Marketing):
    def test_create_static_classic(self):
        r = self.ok("POST", "/lists", {"name": "Newsletter", "dynamic": False})
        lst = r.json()
        self.assertIsInstance(lst["listId"], int)
        self.assertEqual(lst["id"], str(lst["listId"]))
        self.assertEqual(lst["name"], "Newsletter")
        self.assertIs(lst["dynamic"], False)
        self.assertEqual(lst["listType"], "STATIC")
        self.assertEqual(lst["processingType"], "MANUAL")
        sent = body(self.seen_one("/crm/v3/lists", "POST"))
        self.assertEqual(sent, {"name": "Newsletter", "objectTypeId": "0-1",
                                "processingType": "MANUAL"})

    def test_create_dynamic_filters_translated(self):
        f = [[{"operator": "EQ", "property": "email", "value": "a@x.test"}],
             [{"operator": "CONTAINS", "property": "firstname", "value": "Ad"},
              {"operator": "SET", "property": "lastname"}]]
        r = self.ok("POST", "/lists", {"name": "Dyn", "dynamic": True, "filters": f})
        lst = r.json()
        self.assertIs(lst["dynamic"], True)
        self.assertEqual(lst["listType"], "DYNAMIC")
        self.assertEqual(lst["filters"], f)
        sent = body(self.seen_one("/crm/v3/lists", "POST"))
        self.assertEqual(sent["processingType"], "DYNAMIC")
        fb = sent["filterBranch"]
        self.assertEqual(fb["filterBranchType"], "OR")
        self.assertEqual(len(fb["filterBranches"]), 2)
        and1 = fb["filterBranches"][0]
        self.assertEqual(and1["filterBranchType"], "AND")
        self.assertEqual(and1["filters"], [{
            "filterType": "PROPERTY", "property": "email",
            "operation": {"operationType": "STRING", "operator": "IS_EQUAL_TO",
                          "value": "a@x.test", "includeObjectsWithNoValueSet": False}}])
        self.assertEqual(fb["filterBranches"][1]["filters"][1]["operation"]["operator"],
                         "IS_KNOWN")

    def test_create_errors_name_the_field(self):
        self.assert_error(self.call("POST", "/lists", {"dynamic": True}), 400, "name")
        self.assert_error(self.call("POST", "/lists", {"name": "D", "dynamic": True}),
                          400, "filters")
        self.assert_error(self.call("POST", "/lists", {
            "name": "D", "dynamic": True,
            "filters": [[{"operator": "LIKE", "property": "email", "value": "x"}]]}),
            400, "filters[0][0].operator")
        self.assert_error(self.call("POST", "/lists", {
            "name": "S", "filters": [[{"operator": "EQ", "property": "email",
                                       "value": "x"}]]}), 400, "dynamic")
        self.assertEqual(self.seen("/crm/v3/lists"), [])

    def test_read_update_delete(self):
        lid = self.ok("POST", "/lists", {"name": "Old", "dynamic": True, "filters": [
            [{"operator": "EQ", "property": "email", "value": "a@x.test"}]]}).json()["id"]
        r = self.ok("GET", "/lists/%s" % lid)
        self.assertEqual(r.json()["name"], "Old")
        self.assertEqual(r.json()["filters"][0][0]["value"], "a@x.test")
        self.hub.sim_clear()
        nf = [[{"operator": "EQ", "property": "email", "value": "b@x.test"}]]
        r = self.ok("PUT", "/lists/%s" % lid, {"name": "New", "filters": nf})
        self.assertEqual(r.json()["name"], "New")
        self.assertEqual(r.json()["filters"], nf)
        ren = self.seen_one("/crm/v3/lists/%s/update-list-name" % lid, "PUT")
        self.assertEqual(ren["query"]["listName"], "New")
        upd = body(self.seen_one("/crm/v3/lists/%s/update-list-filters" % lid, "PUT"))
        self.assertEqual(upd["filterBranch"]["filterBranches"][0]["filters"][0]
                         ["operation"]["value"], "b@x.test")
        self.assert_error(self.call("PATCH", "/lists/%s" % lid, {"dynamic": False}),
                          400, "dynamic")
        self.ok("DELETE", "/lists/%s" % lid)
        self.seen_one("/crm/v3/lists/%s" % lid, "DELETE")
        r = self.assert_error(self.call("GET", "/lists/%s" % lid), 404)
        self.assertIn("List does not exist", r["providerMessage"])

    def test_search_pages_with_next_page(self):
        for n in range(5):
            self.ok("POST", "/lists", {"name": "L%d" % n})
        r = self.ok("GET", "/lists", query={"pageSize": "2"})
        self.assertEqual([x["name"] for x in r.json()], ["L0", "L1"])
        self.assertEqual(r.header("Elements-Returned-Count"), "2")
        tok = r.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        r = self.ok("GET", "/lists", query={"pageSize": "2", "nextPage": tok})
        self.assertEqual([x["name"] for x in r.json()], ["L2", "L3"])
        r = self.ok("GET", "/lists", query={"pageSize": "2", "page": "3"})
        self.assertEqual([x["name"] for x in r.json()], ["L4"])
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        self.assertEqual(r.json()[0]["metaData"], {"size": 0})
        sent = body(self.seen("/crm/v3/lists/search", "POST")[-1])
        self.assertEqual((sent["offset"], sent["count"]), (4, 2))

    def test_where_name(self):
        for n in ("Alpha", "Alphabet", "Beta"):
            self.ok("POST", "/lists", {"name": n})
        r = self.ok("GET", "/lists", query={"where": "name = 'alpha'"})
        self.assertEqual([x["name"] for x in r.json()], ["Alpha"])
        r = self.ok("GET", "/lists", query={"where": "name like '%pha%'"})
        self.assertEqual([x["name"] for x in r.json()], ["Alpha", "Alphabet"])
        self.assertEqual(body(self.seen("/crm/v3/lists/search")[-1])["query"], "pha")
        self.assert_error(self.call("GET", "/lists", query={"where": "size = 3"}),
                          400, "name")

    def test_members_add_by_vid_and_email_then_page(self):
        ids = [self.contact("m%d@x.test" % i) for i in range(3)]
        lid = self.ok("POST", "/lists", {"name": "Members"}).json()["id"]
        self.hub.sim_clear()
        r = self.ok("POST", "/lists/%s/contacts" % lid, [
            {"vid": ids[0]}, {"properties": {"email": "m1@x.test"}},
            {"properties": {"email": "nobody@x.test"}}, {"vid": 999999}])
        self.assertEqual(r.json(), {"updated": [ids[0], ids[1]], "discarded": [],
                                    "invalidVids": [999999],
                                    "invalidEmails": ["nobody@x.test"]})
        add = body(self.seen_one("/crm/v3/lists/%s/memberships/add" % lid, "PUT"))
        self.assertEqual(sorted(add), sorted([str(ids[0]), str(ids[1]), "999999"]))
        rd = body(self.seen_one("/crm/v3/objects/contacts/batch/read", "POST"))
        self.assertEqual(rd["idProperty"], "email")
        r = self.ok("POST", "/lists/%s/contacts" % lid, [{"vid": ids[0]}, {"vid": ids[2]}])
        self.assertEqual(r.json()["updated"], [ids[2]])
        self.assertEqual(r.json()["discarded"], [ids[0]])
        r = self.ok("GET", "/lists/%s/contacts" % lid, query={"pageSize": "2"})
        got = r.json()
        self.assertEqual([c["vid"] for c in got], ids[:2])
        self.assertEqual(got[1]["properties"]["email"], "m1@x.test")
        self.assertEqual(r.header("Elements-Returned-Count"), "2")
        r = self.ok("GET", "/lists/%s/contacts" % lid,
                    query={"pageSize": "2",
                           "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual([c["vid"] for c in r.json()], [ids[2]])
        r = self.ok("GET", "/lists/%s/contacts" % lid, query={"page": "2", "pageSize": "2"})
        self.assertEqual([c["vid"] for c in r.json()], [ids[2]])

    def test_members_dynamic_list_is_hubspot_400(self):
        cid = self.contact("dyn@x.test")
        lid = self.ok("POST", "/lists", {"name": "D", "dynamic": True, "filters": [
            [{"operator": "EQ", "property": "email", "value": "dyn@x.test"}]]}).json()["id"]
        r = self.assert_error(self.call("POST", "/lists/%s/contacts" % lid,
                                        [{"vid": cid}]), 400)
        self.assertIn("DYNAMIC", r["providerMessage"])
        r = self.ok("GET", "/lists/%s/contacts" % lid)
        self.assertEqual([c["vid"] for c in r.json()], [cid])

    def test_members_body_errors(self):
        for b in ({}, [], [{"vid": "x"}], [{"properties": {}}], [{"vid": 1}] * 101):
            self.assert_error(self.call("POST", "/lists/1/contacts", b), 400)
        self.assertEqual(self.seen("/crm/v3"), [])

    def test_objects_names_lists(self):
        self.assertIn("lists", self.ok("GET", "/objects").json())

    def test_crm_element_has_lists(self):
        r = self.call("POST", "/lists", {"name": "From CRM"}, token=self.crm, hub="crm")
        self.assertEqual(r.status, 200, r)


class Workflows(Marketing):
    def test_create_read_list_delete(self):
        r = self.ok("POST", "/workflows", {"name": "Welcome", "type": "DRIP_DELAY",
                                           "enabled": False})
        wf = r.json()
        self.assertEqual(wf["name"], "Welcome")
        self.assertIs(wf["enabled"], False)
        self.assertEqual(wf["type"], "CONTACT_FLOW")
        sent = body(self.seen_one("/automation/v4/flows", "POST"))
        self.assertEqual(sent, {"name": "Welcome", "flowType": "WORKFLOW",
                                "isEnabled": False, "type": "CONTACT_FLOW",
                                "objectTypeId": "0-1"})
        self.assertEqual(self.ok("GET", "/workflows/%s" % wf["id"]).json()["name"],
                         "Welcome")
        for n in range(3):
            self.ok("POST", "/workflows", {"name": "W%d" % n})
        r = self.ok("GET", "/workflows", query={"pageSize": "3"})
        self.assertEqual([w["name"] for w in r.json()], ["Welcome", "W0", "W1"])
        r = self.ok("GET", "/workflows", query={
            "pageSize": "3", "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual([w["name"] for w in r.json()], ["W2"])
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        self.ok("DELETE", "/workflows/%s" % wf["id"])
        self.assert_error(self.call("GET", "/workflows/%s" % wf["id"]), 404)

    def test_errors(self):
        self.assert_error(self.call("POST", "/workflows", {"type": "DRIP_DELAY"}),
                          400, "name")
        self.assert_error(self.call("POST", "/workflows", {
            "name": "x", "actions": [{"type": "DELAY", "delayMillis": 1}]}),
            400, "actions[0]")
        self.assert_error(self.call("PUT", "/workflows/1", {"name": "x"}), 405)
        self.assertEqual(self.seen("/automation"), [])
        self.assert_error(self.call("GET", "/workflows", token=self.crm, hub="crm"),
                          404, "No resource")


class Campaigns(Marketing):
    def test_search_and_read(self):
        r = self.ok("GET", "/campaigns", query={"pageSize": "2"})
        got = r.json()
        self.assertEqual([c["name"] for c in got], ["Spring launch", "Summer sale"])
        self.assertEqual(r.header("Elements-Returned-Count"), "2")
        q = self.seen("/marketing/v3/campaigns")[-1]["query"]
        self.assertIn("hs_name", q["properties"])
        r = self.ok("GET", "/campaigns", query={
            "pageSize": "2", "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual([c["name"] for c in r.json()], ["Autumn webinar"])
        one = self.ok("GET", "/campaigns/%s" % got[0]["id"]).json()
        self.assertEqual(one["name"], "Spring launch")
        self.assertEqual(one["properties"]["hs_start_date"], "2026-03-01")
        r = self.ok("GET", "/campaigns", query={"where": "name like '%sale%'"})
        self.assertEqual([c["name"] for c in r.json()], ["Summer sale"])
        self.assertEqual(self.seen("/marketing/v3/campaigns")[-1]["query"]["name"], "sale")
        self.assert_error(self.call("GET", "/campaigns", query={"where": "name = 'x'"}),
                          400, "like")
        self.assert_error(self.call("GET", "/campaigns/nope"), 404)

    def test_activities(self):
        r = self.ok("GET", "/campaigns/9100001/activities",
                    query={"where": "appId='113'", "pageSize": "4"})
        ev = r.json()
        self.assertEqual(len(ev), 4)
        self.assertEqual(ev[0]["type"], "SENT")
        q = self.seen("/email/public/v1/events")[-1]["query"]
        self.assertEqual((q["campaignId"], q["appId"]), ("9100001", "113"))
        r = self.ok("GET", "/campaigns/9100001/activities", query={
            "where": "appId='113'", "pageSize": "4",
            "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual(len(r.json()), 2)
        one = self.ok("GET", "/campaigns/9100001/activities/%s" % ev[1]["id"],
                      query={"created": str(ev[1]["created"])}).json()
        self.assertEqual(one["type"], "DELIVERED")

    def test_activities_errors(self):
        self.assert_error(self.call("GET", "/campaigns/9100001/activities"), 400, "appId")
        self.assert_error(self.call("GET", "/campaigns/6b3c-guid/activities",
                                    query={"where": "appId='113'"}), 400, "email campaign")
        self.assert_error(self.call("GET", "/campaigns/9100001/activities/x"), 400,
                          "created")
        self.assert_error(self.call("POST", "/campaigns", {}), 405)
        self.assertEqual(self.seen("/email") + self.seen("/marketing"), [])
        self.assert_error(self.call("GET", "/campaigns", token=self.crm, hub="crm"),
                          404, "No resource")


if __name__ == "__main__":
    unittest.main()
