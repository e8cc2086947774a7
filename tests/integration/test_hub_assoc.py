# SPDX-License-Identifier: MIT
"""Child objects through associations (src/hub/hub_assoc.c, issue 14):
GET/POST /{parent}/{id}/{child}, PUT/DELETE /{parent}/{id}/{child}/{childId}
on both elements, against hubspot-sim's associations v4. Each test checks
the Cloud Elements answer and what HubSpot received."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

FIX = {
    "objects": {
        "contacts": [
            {"id": "8101", "properties": {"email": "c1@assoc.test", "firstname": "One"}},
            {"id": "8102", "properties": {"email": "c2@assoc.test", "firstname": "Two"}},
            {"id": "8103", "properties": {"email": "c3@assoc.test", "firstname": None}},
        ],
        "companies": [
            {"id": "8201", "properties": {"name": "Acme"}},
            {"id": "8202", "properties": {"name": "Other"}},
            {"id": "8203", "properties": {"name": "Lonely"}},
        ],
        "deals": [
            {"id": "8301", "properties": {"dealname": "Big", "amount": "10",
                                          "pipeline": "default",
                                          "dealstage": "appointmentscheduled"}},
            {"id": "8302", "properties": {"dealname": "Small", "amount": "1",
                                          "pipeline": "default",
                                          "dealstage": "appointmentscheduled"}},
        ],
        "tickets": [
            {"id": "8401", "properties": {"subject": "Broken",
                                          "hs_pipeline_stage": "1"}},
        ],
    },
    "associations": [
        {"from": {"type": "companies", "id": "8201"}, "to": {"type": "contacts", "id": "8101"}},
        {"from": {"type": "companies", "id": "8201"}, "to": {"type": "contacts", "id": "8102"}},
        {"from": {"type": "companies", "id": "8201"}, "to": {"type": "contacts", "id": "8103"}},
        {"from": {"type": "deals", "id": "8301"}, "to": {"type": "contacts", "id": "8101"}},
        {"from": {"type": "deals", "id": "8302"}, "to": {"type": "contacts", "id": "8101"}},
        {"from": {"type": "deals", "id": "8301"}, "to": {"type": "companies", "id": "8201"}},
        {"from": {"type": "contacts", "id": "8101"}, "to": {"type": "tickets", "id": "8401"}},
    ],
}


def body(req):
    return json.loads(req["body"]) if req["body"] else None


class Assoc(u.HubCase):
    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures(FIX)
        self.hub.sim_clear()

    def ids(self, r):
        return sorted(x["id"] for x in r.json())

    def test_read_children(self):
        for path, want in (("/accounts/8201/contacts", ["8101", "8102", "8103"]),
                           ("/contacts/8101/accounts", ["8201"]),
                           ("/opportunities/8301/contacts", ["8101"]),
                           ("/opportunities/8302/contacts", ["8101"]),
                           ("/opportunities/8301/accounts", ["8201"]),
                           ("/contacts/8101/opportunities", ["8301", "8302"]),
                           ("/accounts/8201/opportunities", ["8301"]),
                           ("/contacts/8101/tickets", ["8401"]),
                           ("/tickets/8401/contacts", ["8101"]),
                           ("/accounts/8202/contacts", [])):
            r = self.ok("GET", path)
            self.assertEqual(self.ids(r), want, path)
            self.assertEqual(r.header("Elements-Returned-Count"), str(len(want)))
            self.assertIsNone(r.header("Elements-Next-Page-Token"))
        # the record shapes of the child's own list: classic id, flat properties
        r = self.ok("GET", "/accounts/8201/contacts")
        one = [x for x in r.json() if x["id"] == "8101"][0]
        self.assertEqual(one["vid"], 8101)
        self.assertEqual(one["properties"]["email"], "c1@assoc.test")
        three = [x for x in r.json() if x["id"] == "8103"][0]
        self.assertNotIn("firstname", three["properties"])  # nulls dropped
        self.assertEqual(self.ok("GET", "/contacts/8101/accounts").json()[0]["companyId"], 8201)
        self.assertEqual(self.ok("GET", "/contacts/8101/opportunities").json()[0]["dealId"], 8301)

    def test_read_is_one_search(self):
        r = self.ok("GET", "/contacts/8101/accounts", query={"fields": "name,Domain"})
        self.assertEqual(self.ids(r), ["8201"])
        self.assertEqual(r.header("Elements-Total-Count"), "1")
        seen = self.seen("/crm")
        self.assertEqual([(s["method"], s["path"]) for s in seen],
                         [("POST", "/crm/v3/objects/companies/search")])
        self.assertEqual(body(seen[0]), {
            "filterGroups": [{"filters": [{"propertyName": "associations.contact",
                                           "operator": "EQ", "value": "8101"}]}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 100, "properties": ["name", "domain"]})
        # the other direction and other objects name the parent the same way
        self.hub.sim_clear()
        self.ok("GET", "/opportunities/8302/contacts", query={"pageSize": "5", "page": "2"})
        b = body(self.seen_one("/crm/v3/objects/contacts/search", "POST"))
        self.assertEqual(b["filterGroups"][0]["filters"][0]["propertyName"],
                         "associations.deal")
        self.assertEqual((b["limit"], b["after"]), (5, "5"))

    def test_engagement_parent_reads_v4(self):
        # search's associations.<type> is used for contacts, companies,
        # deals and tickets only; other parents are read through v4
        self.call("GET", "/notes/123/contacts")
        seen = self.seen("/crm")
        self.assertEqual((seen[0]["method"], seen[0]["path"]),
                         ("GET", "/crm/v4/objects/notes/123/associations/contacts"))
        self.assertEqual(self.seen("/crm/v3/objects/contacts/search"), [])

    def test_empty_search_asks_v4(self):
        # no child in the search index: the v4 list says whether the parent
        # has none (an empty page) or is unknown (404)
        r = self.ok("GET", "/accounts/8203/contacts")
        self.assertEqual(r.json(), [])
        self.assertEqual([(s["method"], s["path"]) for s in self.seen("/crm")],
                         [("POST", "/crm/v3/objects/contacts/search"),
                          ("GET", "/crm/v4/objects/companies/8203/associations/contacts")])

    def test_written_moments_ago_reads_v4(self):
        # HubSpot's search index trails writes: a record whose associations
        # this node has just changed is read through v4 (both ends)
        self.ok("PUT", "/contacts/8103/accounts/8203")
        self.hub.sim_clear()
        r = self.ok("GET", "/accounts/8203/contacts")
        self.assertEqual(self.ids(r), ["8103"])
        self.assertEqual(self.seen("/crm/v3/objects/contacts/search"), [])
        self.assertEqual(self.seen("/crm/v4")[0]["path"],
                         "/crm/v4/objects/companies/8203/associations/contacts")
        r = self.ok("GET", "/contacts/8103/accounts")
        self.assertEqual(self.ids(r), ["8201", "8203"])
        self.assertEqual(self.seen("/crm/v3/objects/companies/search"), [])
        # a record not written goes on searching
        self.ok("GET", "/contacts/8101/tickets")
        self.assertEqual(len(self.seen("/crm/v3/objects/tickets/search")), 1)

    def test_paging(self):
        r1 = self.ok("GET", "/accounts/8201/contacts", query={"pageSize": "2"})
        self.assertEqual(len(r1.json()), 2)
        tok = r1.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        r2 = self.ok("GET", "/accounts/8201/contacts",
                     query={"pageSize": "2", "nextPage": tok})
        self.assertEqual(len(r2.json()), 1)
        self.assertIsNone(r2.header("Elements-Next-Page-Token"))
        self.assertEqual(sorted(self.ids(r1) + self.ids(r2)), ["8101", "8102", "8103"])
        # page n is the n-th slice
        p2 = self.ok("GET", "/accounts/8201/contacts", query={"pageSize": "2", "page": "2"})
        self.assertEqual(self.ids(p2), self.ids(r2))
        p3 = self.ok("GET", "/accounts/8201/contacts", query={"pageSize": "2", "page": "3"})
        self.assertEqual(p3.json(), [])
        # a cursor of another listing is refused
        self.assert_error(self.call("GET", "/accounts/8201/contacts",
                                    query={"nextPage": "zz"}), 400, "nextPage")
        self.assert_error(self.call("GET", "/accounts/8201/contacts",
                                    query={"where": "email='x'"}), 400)

    def test_create_by_id(self):
        r = self.ok("POST", "/contacts/8102/accounts", {"id": "8202"})
        self.assertEqual(r.json()["id"], "8202")
        self.assertEqual(r.json()["companyId"], 8202)
        self.assertEqual(r.json()["properties"]["name"], "Other")
        put = self.seen_one("/crm/v4", "PUT")
        self.assertEqual(put["path"],
                         "/crm/v4/objects/contacts/8102/associations/default/companies/8202")
        self.assertEqual(self.ids(self.ok("GET", "/contacts/8102/accounts")), ["8201", "8202"])
        self.assertIn("8102", self.ids(self.ok("GET", "/accounts/8202/contacts")))
        # classic id and a number are accepted too
        self.ok("POST", "/opportunities/8301/contacts", {"vid": 8103})
        self.assertIn("8103", self.ids(self.ok("GET", "/opportunities/8301/contacts")))
        # PUT on the child's path associates without a body
        self.ok("PUT", "/tickets/8401/accounts/8202")
        self.assertEqual(self.ids(self.ok("GET", "/tickets/8401/accounts")), ["8202"])

    def test_create_refusals(self):
        self.assert_error(self.call("POST", "/contacts/8102/accounts", {"name": "New"}),
                          400, "id")
        self.assert_error(self.call("POST", "/contacts/8102/accounts", {"id": "abc"}),
                          400, "id")
        self.assert_error(self.call("POST", "/contacts/8102/accounts", [1]), 400)
        self.assertEqual(self.seen("/crm"), [])
        # an unknown child or parent: HubSpot's 404
        r = self.call("POST", "/contacts/8102/accounts", {"id": "999999"})
        self.assert_error(r, 404)
        r = self.call("GET", "/contacts/999999/accounts")
        self.assert_error(r, 404)

    def test_delete(self):
        r = self.ok("DELETE", "/accounts/8201/contacts/8102")
        self.assertEqual(r.json(), {})
        d = self.seen_one("/crm/v4", "DELETE")
        self.assertEqual(d["path"], "/crm/v4/objects/companies/8201/associations/contacts/8102")
        self.assertEqual(self.ids(self.ok("GET", "/accounts/8201/contacts")), ["8101", "8103"])
        self.assertEqual(self.ok("GET", "/contacts/8102/accounts").json(), [])
        self.assert_error(self.call("GET", "/accounts/8201/contacts/8102"), 405)
        self.assert_error(self.call("PATCH", "/accounts/8201/contacts"), 405)

    def test_other_routes_untouched(self):
        # /{parent}/{id}/activities, properties and batch stay with their tables
        self.ok("GET", "/contacts/8101/activities")
        self.ok("GET", "/contacts/properties")
        self.assertEqual(self.seen("/crm/v4"), [])
        self.assert_error(self.call("GET", "/contacts/8101/widgets"), 404)


class AssocDeep(u.HubCase):
    """A parent with more children than HubSpot's search reaches (10,000):
    the read goes to the v4 association list and its cursors."""

    N = 10005

    def test_past_search_reach(self):
        contacts = [{"id": str(900000 + i), "properties": {"email": "d%d@deep.test" % i}}
                    for i in range(self.N)]
        assoc = [{"from": {"type": "companies", "id": "8901"},
                  "to": {"type": "contacts", "id": c["id"]}} for c in contacts]
        self.hub.sim_fixtures({"objects": {
            "contacts": contacts,
            "companies": [{"id": "8901", "properties": {"name": "Deep"}}]},
            "associations": assoc})
        self.hub.sim_clear()
        r = self.ok("GET", "/accounts/8901/contacts", query={"pageSize": "100", "page": "100"})
        self.assertEqual([x["id"] for x in r.json()],
                         [str(900000 + i) for i in range(9900, 10000)])
        self.assertEqual([s["method"] + " " + s["path"] for s in self.seen("/crm")][:2],
                         ["POST /crm/v3/objects/contacts/search",
                          "GET /crm/v4/objects/companies/8901/associations/contacts"])
        self.assertEqual(self.seen("/crm")[-1]["path"], "/crm/v3/objects/contacts/batch/read")
        tok = r.header("Elements-Next-Page-Token")
        self.assertTrue(tok and tok.startswith("a"), tok)
        # the v4 cursor goes on past 10,000, with no search
        self.hub.sim_clear()
        r2 = self.ok("GET", "/accounts/8901/contacts", query={"pageSize": "100", "nextPage": tok})
        self.assertEqual([x["id"] for x in r2.json()],
                         [str(900000 + i) for i in range(10000, 10005)])
        self.assertIsNone(r2.header("Elements-Next-Page-Token"))
        self.assertEqual(self.seen("/crm/v3/objects/contacts/search"), [])


class AssocMarketing(u.HubCase):
    """The same calls on the HubSpot Marketing element (hub marketing)."""

    @classmethod
    def setUpClass(cls):
        cls.hub = u.Hub()
        try:
            cls.inst = cls.hub.instance(element="hubspot")
        except Exception:
            cls.hub.stop()
            raise
        cls.tok = cls.inst["token"]

    def call(self, method, path, body=None, token=None, **kw):
        return self.hub.call(token or self.tok, method, path, body=body,
                             hub="marketing", **kw)

    def test_read_create_delete(self):
        self.hub.sim_fixtures(FIX)
        r = self.ok("GET", "/accounts/8201/contacts")
        self.assertEqual(sorted(x["id"] for x in r.json()), ["8101", "8102", "8103"])
        self.ok("POST", "/deals/8301/contacts", {"id": "8102"})
        self.assertEqual(sorted(x["id"] for x in self.ok("GET", "/deals/8301/contacts").json()),
                         ["8101", "8102"])
        self.ok("DELETE", "/deals/8301/contacts/8101")
        self.assertEqual([x["id"] for x in self.ok("GET", "/deals/8301/contacts").json()],
                         ["8102"])


if __name__ == "__main__":
    unittest.main()
