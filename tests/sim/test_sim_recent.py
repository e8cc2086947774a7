# SPDX-License-Identifier: MIT
"""hubspot-sim legacy "recently modified" endpoints: contacts v1, companies v2,
deals v1 (shapes, newest-first order, paging, the 30-day window)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import CLIENT, SimCase  # noqa: E402


class RecentTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def touch(self, otype, ids, prop, value):
        for i in ids:
            r = self.call("PATCH", "/crm/v3/objects/%s/%d" % (otype, i),
                          {"properties": {prop: value}})
            self.assertEqual(r.status, 200, r)
            self.ctl("POST", "/__sim/clock", {"advance_ms": 10})

    def test_window_hides_old_fixtures(self):
        # built-in records are older than 30 days
        b = self.call("GET", "/deals/v1/deal/recent/modified").json()
        self.assertEqual((b["results"], b["total"], b["hasMore"]), ([], 0, False))
        b = self.call("GET", "/contacts/v1/lists/recently_updated/contacts/recent").json()
        self.assertEqual(b["contacts"], [])

    def test_contacts_v1_paging(self):
        self.touch("contacts", (101, 102, 103), "jobtitle", "Engineer")
        b = self.call("GET", "/contacts/v1/lists/recently_updated/contacts/recent?count=2"
                      "&property=email&property=jobtitle").json()
        self.assertEqual([c["vid"] for c in b["contacts"]], [103, 102])
        self.assertTrue(b["has-more"])
        c = b["contacts"][0]
        self.assertEqual(sorted(c["properties"]), ["email", "jobtitle"])
        self.assertEqual(c["properties"]["jobtitle"], {"value": "Engineer"})
        self.assertEqual(c["canonical-vid"], 103)
        self.assertEqual(c["identity-profiles"][0]["identities"][0]["type"], "EMAIL")
        self.assertEqual(b["vid-offset"], 102)
        b2 = self.call("GET", "/contacts/v1/lists/recently_updated/contacts/recent?count=2"
                       "&timeOffset=%d&vidOffset=%d" % (b["time-offset"], b["vid-offset"])).json()
        self.assertEqual([c["vid"] for c in b2["contacts"]], [101])
        self.assertFalse(b2["has-more"])
        self.assertIn("lastmodifieddate", b2["contacts"][0]["properties"])
        # created-only twin
        new = self.call("POST", "/crm/v3/objects/contacts",
                        {"properties": {"email": "fresh@example.test"}}).json()
        b = self.call("GET", "/contacts/v1/lists/all/contacts/recent").json()
        self.assertEqual([c["vid"] for c in b["contacts"]], [int(new["id"])])

    def test_companies_v2_and_deals_v1(self):
        self.touch("companies", (2003, 2001), "industry", "RESEARCH")
        b = self.call("GET", "/companies/v2/companies/recent/modified?count=1").json()
        self.assertEqual(b["total"], 2)
        self.assertTrue(b["hasMore"])
        self.assertEqual(b["offset"], 1)
        c = b["results"][0]
        self.assertEqual(c["companyId"], 2001)
        self.assertFalse(c["isDeleted"])
        self.assertEqual(c["properties"]["industry"]["value"], "RESEARCH")
        self.assertIn("timestamp", c["properties"]["hs_lastmodifieddate"])
        b = self.call("GET", "/companies/v2/companies/recent/modified?count=1&offset=1").json()
        self.assertEqual(b["results"][0]["companyId"], 2003)
        self.assertFalse(b["hasMore"])
        self.touch("deals", (3002,), "amount", "99")
        b = self.call("GET", "/deals/v1/deal/recent/modified").json()
        d = b["results"][0]
        self.assertEqual(d["dealId"], 3002)
        self.assertEqual(d["associations"]["associatedVids"], [102])
        self.assertEqual(d["associations"]["associatedCompanyIds"], [2002])
        self.assertEqual(d["properties"]["amount"]["value"], "99")
        self.assertTrue(d["properties"]["closedate"]["value"].isdigit())
        # since is inclusive and in epoch ms
        since = d["properties"]["hs_lastmodifieddate"]["timestamp"]
        self.assertEqual(len(self.call("GET", "/deals/v1/deal/recent/modified?since=%d"
                                       % since).json()["results"]), 1)
        self.assertEqual(self.call("GET", "/deals/v1/deal/recent/modified?since=%d"
                                   % (since + 1)).json()["results"], [])

    def test_scopes(self):
        tok = self.mint(client_id=CLIENT, scopes=["crm.objects.contacts.read"])["access_token"]
        self.assertEqual(self.call("GET", "/contacts/v1/lists/recently_updated/contacts/recent",
                                   token=tok).status, 200)
        self.assert_error(self.call("GET", "/deals/v1/deal/recent/modified", token=tok), 403,
                          "MISSING_SCOPES")


if __name__ == "__main__":
    unittest.main()
