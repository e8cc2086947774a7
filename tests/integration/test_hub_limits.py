# SPDX-License-Identifier: MIT
"""The hub's resources as Cloud Elements clients read them, and the work one
request may cause, elementsd against hubspot-sim: HubSpot's classic ids
beside id on every native record (vid, companyId, dealId, ownerId,
engagement.id) in list, get, create, update and search answers; one paging
rule for every list resource (a page number reaches the first 10,000
records; past that 400 pointing to nextPage, before any HubSpot call; a deep
allowed page costs at most 100 HubSpot calls and is the slice the nextPage
walk gives); HubSpot's 3,000-byte search body limit checked before sending."""
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = CONTACTS + "/search"
NO_LIMITS = ("--search-rate-limit", "0")


def ids(r):
    return [x["id"] for x in r.json()]


class ClassicIds(u.HubCase):
    SIM_FLAGS = NO_LIMITS

    def assert_classic(self, rec, key):
        self.assertIsInstance(rec["id"], str, rec)
        self.assertIs(type(rec[key]), int, rec)
        self.assertEqual(rec[key], int(rec["id"]), rec)

    def test_crm_records(self):
        for resource, key, create, patch in (
                ("contacts", "vid", {"email": "classic@zz.test"}, {"lastname": "C"}),
                ("leads", "vid", {"email": "lead.c@zz.test"}, {"lastname": "L"}),
                ("accounts", "companyId", {"name": "Classic Co"}, {"name": "C2"}),
                ("companies", "companyId", {"name": "Classic Inc"}, {"name": "C3"}),
                ("opportunities", "dealId", {"dealname": "Classic"}, {"amount": "1"}),
                ("deals", "dealId", {"dealname": "Classic 2"}, {"amount": "2"})):
            rec = self.ok("POST", "/" + resource, create).json()
            self.assert_classic(rec, key)
            rid = rec["id"]
            self.assert_classic(self.ok("GET", "/%s/%s" % (resource, rid)).json(), key)
            for method in ("PATCH", "PUT"):
                self.assert_classic(self.ok(method, "/%s/%s" % (resource, rid), patch).json(),
                                    key)
            listed = self.ok("GET", "/" + resource).json()
            self.assertTrue(listed, resource)
            for x in listed:
                self.assert_classic(x, key)
            # search results (where) carry it too
            q = {"where": "hs_object_id = '%s'" % rid}
            found = self.ok("GET", "/" + resource, query=q).json()
            self.assertEqual([x["id"] for x in found], [rid], resource)
            self.assert_classic(found[0], key)
        # with null members kept, and with fields=, the same
        r = self.ok("GET", "/contacts", query={"fields": "email", "pageSize": "3"})
        for x in r.json():
            self.assert_classic(x, "vid")
        # other objects keep HubSpot's v3 shape only
        for t in self.ok("GET", "/tickets").json():
            self.assertNotIn("vid", t)
            self.assertEqual(set(t) - {"id", "properties", "createdAt", "updatedAt",
                                       "archived"}, set())

    def test_owners_and_activities(self):
        owners = self.ok("GET", "/owners").json()
        self.assertTrue(owners)
        for o in owners:
            self.assert_classic(o, "ownerId")
        self.assert_classic(self.ok("GET", "/owners/" + owners[0]["id"]).json(), "ownerId")
        made = self.ok("POST", "/activities", {
            "engagement": {"active": True, "type": "NOTE", "timestamp": 1700000000000},
            "associations": {"contactIds": [101]},
            "metadata": {"body": "classic"}}).json()
        eid = made["engagement"]["id"]
        self.assertIs(type(eid), int)
        self.assertEqual(made["id"], eid)
        for rec in (self.ok("GET", "/activities/%d" % eid).json(),
                    self.ok("PATCH", "/activities/%d" % eid,
                            {"metadata": {"body": "classic 2"}}).json()):
            self.assertEqual((rec["engagement"]["id"], rec["id"]), (eid, eid))
        for path in ("/activities", "/contacts/101/activities"):
            listed = self.ok("GET", path).json()
            self.assertIn(eid, [a["engagement"]["id"] for a in listed], path)
            for a in listed:
                self.assertIs(type(a["engagement"]["id"]), int)
                self.assertEqual(a["id"], a["engagement"]["id"])


# every list resource, with what HubSpot would be asked
LISTS = ("/contacts", "/accounts", "/opportunities", "/leads", "/tickets", "/owners",
         "/activities", "/contacts/101/activities", "/accounts/2001/activities",
         "/pipelines")


class PagingLimit(u.HubCase):
    SIM_FLAGS = NO_LIMITS

    def hubspot_calls(self):
        return [s for s in self.seen("/") if not s["path"].startswith("/__sim")]

    def test_page_past_the_limit_is_refused_before_hubspot(self):
        messages = set()
        for path in LISTS:
            for q in ({"page": "101"}, {"page": "101", "pageSize": "100"},
                      {"page": "100000"}, {"page": "201", "pageSize": "200"},
                      {"page": "10001", "pageSize": "1"}):
                self.hub.sim_clear()
                r = self.call("GET", path, query=q)
                b = self.assert_error(r, 400, "nextPage", "10000")
                self.assertEqual(self.hubspot_calls(), [], (path, q))
                if q == {"page": "101"}:
                    messages.add(b["message"])
        # the same rule and the same words on every list resource
        self.assertEqual(len(messages), 1, messages)
        # searches too (where, orderBy)
        for q in ({"where": "email LIKE '%@x.test'", "page": "101"},
                  {"orderBy": "email", "page": "201", "pageSize": "50"}):
            self.hub.sim_clear()
            self.assert_error(self.call("GET", "/contacts", query=q), 400, "nextPage")
            self.assertEqual(self.hubspot_calls(), [])
        # the last page a number reaches is allowed
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts", query={"page": "100", "pageSize": "100"})
        self.assertEqual(r.json(), [])  # the sim has fewer contacts


class DeepPage(u.HubCase):
    """A portal of 10,050 contacts: page 100 of 100 is a walk of 100 calls,
    the same records the nextPage walk reaches."""

    SIM_FLAGS = NO_LIMITS
    N = 10050

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(100001 + i), "properties": {"email": "d%05d@deep.test" % i}}
            for i in range(cls.N)]}})

    def setUp(self):
        self.hub.sim_clear()  # keep the fixtures

    def test_deep_page_is_bounded_and_right(self):
        r = self.ok("GET", "/contacts", query={"page": "100", "pageSize": "100"})
        calls = self.seen(CONTACTS)
        self.assertLessEqual(len(calls), 100)
        self.assertEqual(len(r.json()), 100)
        deep = ids(r)
        # walk by nextPage to the same place
        q = {"pageSize": "100"}
        for _ in range(99):
            tok = self.ok("GET", "/contacts", query=q).header("Elements-Next-Page-Token")
            self.assertTrue(tok)
            q = {"pageSize": "100", "nextPage": tok}
        self.assertEqual(ids(self.ok("GET", "/contacts", query=q)), deep)
        # an odd size deep down: the slice of the walk
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts", query={"page": "270", "pageSize": "37"})
        self.assertLessEqual(len(self.seen(CONTACTS)), 100)
        everything = []
        q = {"pageSize": "100"}
        while len(everything) < 270 * 37:
            rr = self.ok("GET", "/contacts", query=q)
            everything += ids(rr)
            q = {"pageSize": "100", "nextPage": rr.header("Elements-Next-Page-Token")}
        self.assertEqual(ids(r), everything[269 * 37:270 * 37])


    def test_walk_stops_when_its_client_goes_away(self):
        """A deep page is a walk of sequential HubSpot calls; a client that
        closes its connection mid-walk ends it: no further call is sent."""
        u.sim_fault(self.hub, CONTACTS, status=0, count=1000, delay_ms=250)
        target = "%s/hubs/crm/contacts?page=90&pageSize=100" % self.hub.base[
            len(self.hub.ed.base):]
        auth = "%s, Element %s" % (self.hub.platform, self.tok)
        s = socket.create_connection(("127.0.0.1", self.hub.ed.port), timeout=10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                   "\r\n" % (target, auth)).encode())
        time.sleep(1.5)  # about six calls of the 90 into the walk
        s.close()
        time.sleep(0.8)  # the call in flight when it closed is cancelled
        at_close = len(self.seen(CONTACTS))
        time.sleep(2.0)  # eight more calls' time
        after = len(self.seen(CONTACTS))
        u.sim_control(self.hub, "DELETE", "/__sim/faults")
        print("\ncalls at close %d, two seconds later %d" % (at_close, after))
        self.assertGreater(at_close, 1)
        self.assertLess(at_close, 20)
        self.assertEqual(after, at_close, "the walk went on after its client left")
        # the instance still answers
        self.ok("GET", "/contacts", query={"pageSize": "5"})


class SearchBodyLimit(u.HubCase):
    SIM_FLAGS = NO_LIMITS

    def where_in(self, n):
        return "email IN (%s)" % ", ".join("'%s-%03d@long-domain-name.example.test'"
                                           % ("x" * 20, i) for i in range(n))

    def test_body_over_3000_refused_before_sending(self):
        for resource in ("/contacts", "/leads"):
            self.hub.sim_clear()
            r = self.call("GET", resource, query={"where": self.where_in(60)})
            self.assert_error(r, 400, "3000", "search")
            self.assertEqual(self.seen(SEARCH), [], resource)
        # under the limit it goes to HubSpot
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts", query={"where": self.where_in(20)})
        sent = self.seen(SEARCH)
        self.assertEqual(len(sent), 1)
        self.assertLessEqual(len(sent[0]["body"].encode()), 3000)
        self.assertEqual(json.loads(sent[0]["body"])["limit"], 100)


if __name__ == "__main__":
    unittest.main()
