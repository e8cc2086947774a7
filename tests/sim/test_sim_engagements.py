# SPDX-License-Identifier: MIT
"""hubspot-sim: account info and the legacy v1 engagements API."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import CLIENT, SimCase  # noqa: E402

ENG = "/engagements/v1/engagements"


class AccountInfoTest(SimCase):
    FLAGS = ("--portal-id", "777001")

    def test_details(self):
        r = self.call("GET", "/account-info/v3/details")
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(set(b), {"portalId", "timeZone", "companyCurrency",
                                  "additionalCurrencies", "utcOffset", "utcOffsetMilliseconds",
                                  "uiDomain", "dataHostingLocation", "accountType"})
        self.assertEqual(b["portalId"], 777001)
        self.assertEqual(b["utcOffsetMilliseconds"], -18000000)

    def test_details_any_scope_but_needs_credentials(self):
        tok = self.mint(client_id=CLIENT, scopes=["oauth"])["access_token"]
        self.assertEqual(self.call("GET", "/account-info/v3/details", token=tok).status, 200)
        self.assert_error(self.call("GET", "/account-info/v3/details", token=None), 401,
                          "INVALID_AUTHENTICATION")

    def test_private_app_usage(self):
        for _ in range(3):
            self.call("GET", "/crm/v3/owners")
        r = self.call("GET", "/account-info/v3/api-usage/daily/private-apps")
        self.assertEqual(r.status, 200, r)
        u = r.json()["results"][0]
        self.assertEqual(u["name"], "api-calls-daily")
        self.assertEqual(u["usageLimit"], 250000)
        self.assertEqual(u["currentUsage"], 4)   # the usage call counts too
        self.assertEqual(u["fetchStatus"], "SUCCESS")


class EngagementsTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def test_builtin_engagements_and_paging(self):
        r = self.call("GET", ENG + "/paged")
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual([e["engagement"]["id"] for e in b["results"]],
                         [4400001, 4400002, 4400003])
        self.assertFalse(b["hasMore"])
        self.assertEqual(b["offset"], 4400003)
        e = b["results"][0]
        self.assertEqual(set(e), {"engagement", "associations", "attachments", "metadata"})
        self.assertEqual(e["engagement"]["type"], "NOTE")
        self.assertEqual(e["engagement"]["portalId"], 62515)
        self.assertEqual(set(e["associations"]),
                         {"contactIds", "companyIds", "dealIds", "ownerIds", "ticketIds"})
        r = self.call("GET", ENG + "/paged?limit=2").json()
        self.assertTrue(r["hasMore"])
        self.assertEqual(len(r["results"]), 2)
        r2 = self.call("GET", ENG + "/paged?limit=2&offset=%d" % r["offset"]).json()
        self.assertEqual([e["engagement"]["id"] for e in r2["results"]], [4400003])
        self.assertFalse(r2["hasMore"])
        # limit above 250 is capped
        self.assertEqual(self.call("GET", ENG + "/paged?limit=1000").status, 200)

    def test_associated_with_first_contact_and_company(self):
        for otype, oid in (("CONTACT", 101), ("COMPANY", 2001), ("DEAL", 3001)):
            r = self.call("GET", "%s/associated/%s/%d/paged" % (ENG, otype, oid))
            self.assertEqual(r.status, 200, r)
            ids = [e["engagement"]["id"] for e in r.json()["results"]]
            self.assertEqual(ids, [4400001], otype)
        r = self.call("GET", ENG + "/associated/WIDGET/1/paged")
        self.assert_error(r, 400, "VALIDATION_ERROR")

    def test_crud(self):
        body = {"engagement": {"active": True, "ownerId": 31400011, "type": "NOTE",
                               "timestamp": 1767603600000},
                "associations": {"contactIds": [102], "companyIds": ["2002"]},
                "metadata": {"body": "note body"}}
        r = self.call("POST", ENG, body)
        self.assertEqual(r.status, 200, r)
        e = r.json()
        eid = e["engagement"]["id"]
        self.assertEqual(eid, 4400004)
        self.assertEqual(e["associations"]["companyIds"], [2002])
        self.assertEqual(e["associations"]["dealIds"], [])
        self.assertEqual(e["attachments"], [])
        self.assertEqual(e["engagement"]["timestamp"], 1767603600000)
        self.assertEqual(self.call("GET", "%s/%d" % (ENG, eid)).json(), e)
        # PATCH merges metadata
        r = self.call("PATCH", "%s/%d" % (ENG, eid), {"metadata": {"extra": "x"},
                                                      "engagement": {"ownerId": 31400012}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["metadata"], {"body": "note body", "extra": "x"})
        self.assertEqual(r.json()["engagement"]["ownerId"], 31400012)
        # PUT replaces it
        r = self.call("PUT", "%s/%d" % (ENG, eid), {"metadata": {"body": "new"}})
        self.assertEqual(r.json()["metadata"], {"body": "new"})
        # associate
        r = self.call("PUT", "%s/%d/associations/DEAL/3005" % (ENG, eid))
        self.assertEqual(r.status, 204, r)
        ids = [x["engagement"]["id"] for x in
               self.call("GET", ENG + "/associated/DEAL/3005/paged").json()["results"]]
        self.assertEqual(ids, [eid])
        # recently modified: newest first, 30-day window (built-ins are older)
        self.call("POST", ENG, {"engagement": {"type": "TASK"}})
        self.ctl("POST", "/__sim/clock", {"advance_ms": 5})
        self.call("PATCH", "%s/%d" % (ENG, eid), {"metadata": {}})
        r = self.call("GET", ENG + "/recent/modified?count=1").json()
        self.assertEqual(r["results"][0]["engagement"]["id"], eid)
        self.assertTrue(r["hasMore"])
        self.assertEqual(r["offset"], 1)
        r = self.call("GET", ENG + "/recent/modified?count=1&offset=1").json()
        self.assertEqual(r["results"][0]["engagement"]["type"], "TASK")
        self.assertEqual(self.call("DELETE", "%s/%d" % (ENG, eid)).status, 204)
        self.assert_error(self.call("GET", "%s/%d" % (ENG, eid)), 404, "OBJECT_NOT_FOUND")
        self.assert_error(self.call("DELETE", "%s/%d" % (ENG, eid)), 404)

    def test_validation(self):
        self.assert_error(self.call("POST", ENG, {"metadata": {}}), 400, "VALIDATION_ERROR")
        self.assert_error(self.call("POST", ENG, {"engagement": {"type": "INCOMING_EMAIL"}}), 400)
        self.assert_error(self.call("POST", ENG, {"engagement": {"type": "NOTE"},
                                                  "metadata": {"body": "x" * 65537}}), 400)
        self.assert_error(self.call("POST", ENG, {"engagement": {"type": "NOTE"},
                                                  "associations": {"contactIds": ["abc"]}}), 400)

    def test_scopes(self):
        tok = self.mint(client_id=CLIENT, scopes=["crm.objects.companies.read"])["access_token"]
        self.assert_error(self.call("GET", ENG + "/paged", token=tok), 403, "MISSING_SCOPES")
        tok = self.mint(client_id=CLIENT, scopes=["contacts"])["access_token"]
        self.assertEqual(self.call("GET", ENG + "/paged", token=tok).status, 200)

    def test_fixtures(self):
        r = self.ctl("POST", "/__sim/fixtures", {"engagements": [
            {"engagement": {"id": 9, "type": "CALL", "timestamp": 1},
             "metadata": {"body": "x"}}]})
        self.assertEqual(r.status, 200, r)
        e = self.call("GET", ENG + "/9").json()
        self.assertEqual(e["engagement"]["type"], "CALL")
        self.assertEqual(e["associations"]["contactIds"], [])


if __name__ == "__main__":
    unittest.main()
