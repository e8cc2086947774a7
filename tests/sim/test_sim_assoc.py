# SPDX-License-Identifier: MIT
"""hubspot-sim associations v4 basics and the v3 hooks (?associations=,
associations.<type> search filters)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import CLIENT, SimCase  # noqa: E402


class AssociationsTest(SimCase):
    FLAGS = ("--rate-limit", "0", "--search-rate-limit", "0")

    def assoc(self, path):
        r = self.call("GET", "/crm/v4/objects/" + path)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_builtin_contact_company(self):
        b = self.assoc("contacts/101/associations/companies")
        self.assertEqual(len(b["results"]), 1)
        res = b["results"][0]
        self.assertEqual(res["toObjectId"], 2001)
        types = sorted((t["typeId"], t["category"], t["label"]) for t in res["associationTypes"])
        self.assertEqual(types, [(1, "HUBSPOT_DEFINED", "Primary"),
                                 (279, "HUBSPOT_DEFINED", None)])
        back = self.assoc("companies/2001/associations/contacts")["results"]
        self.assertEqual([r["toObjectId"] for r in back], [101])
        self.assertEqual(sorted(t["typeId"] for t in back[0]["associationTypes"]), [2, 280])
        deal = self.assoc("deals/3001/associations/contacts")["results"]
        self.assertEqual(deal[0]["associationTypes"][0]["typeId"], 3)
        # object type ids work too
        self.assertEqual(self.assoc("0-1/101/associations/0-2")["results"][0]["toObjectId"], 2001)

    def test_create_default_label_and_delete(self):
        r = self.call("PUT", "/crm/v4/objects/contacts/120/associations/default/companies/2005")
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["status"], "COMPLETE")
        ids = sorted(x["associationSpec"]["associationTypeId"] for x in b["results"])
        self.assertEqual(ids, [1, 279])     # first company also becomes primary
        r = self.call("PUT", "/crm/v4/objects/contacts/120/associations/default/companies/2006")
        self.assertEqual([x["associationSpec"]["associationTypeId"] for x in r.json()["results"]],
                         [279])
        got = self.assoc("contacts/120/associations/companies")["results"]
        self.assertEqual(sorted(x["toObjectId"] for x in got), [2005, 2006])
        # explicit type ids
        r = self.call("PUT", "/crm/v4/objects/notes/7001/associations/contacts/120",
                      [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}])
        self.assertEqual(r.status, 404, r)   # no such note yet
        n = self.call("POST", "/crm/v3/objects/notes",
                      {"properties": {"hs_timestamp": "2026-03-02T14:00:00Z",
                                      "hs_note_body": "hi"}}).json()
        r = self.call("PUT", "/crm/v4/objects/notes/%s/associations/contacts/120" % n["id"],
                      [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}])
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["fromObjectTypeId"], "0-46")
        back = self.assoc("contacts/120/associations/notes")["results"]
        self.assertEqual(back[0]["associationTypes"][0]["typeId"], 201)
        # search: notes of contact 120
        r = self.call("POST", "/crm/v3/objects/notes/search",
                      {"filterGroups": [{"filters": [{"propertyName": "associations.contact",
                                                      "operator": "EQ", "value": "120"}]}]})
        self.assertEqual([x["id"] for x in r.json()["results"]], [n["id"]])
        # delete removes both ends
        r = self.call("DELETE", "/crm/v4/objects/contacts/120/associations/companies/2005")
        self.assertEqual(r.status, 204, r)
        self.assertEqual([x["toObjectId"] for x in
                          self.assoc("companies/2005/associations/contacts")["results"]], [105])
        self.assert_error(self.call("PUT", "/crm/v4/objects/contacts/120/associations/default/"
                                    "companies/999"), 404, "OBJECT_NOT_FOUND")
        self.assert_error(self.call("PUT", "/crm/v4/objects/contacts/120/associations/default/"
                                    "widgets/1"), 400, "VALIDATION_ERROR")

    def test_v3_associations_param_and_paging(self):
        c = self.call("GET", "/crm/v3/objects/contacts/101?associations=companies,deals").json()
        self.assertEqual(sorted(c["associations"]["companies"]["results"],
                                key=lambda x: x["type"]),
                         [{"id": "2001", "type": "contact_to_company"},
                          {"id": "2001", "type": "contact_to_company_unlabeled"}])
        self.assertEqual(c["associations"]["deals"]["results"],
                         [{"id": "3001", "type": "contact_to_deal"}])
        c = self.call("GET", "/crm/v3/objects/contacts/125?associations=companies").json()
        self.assertNotIn("associations", c)
        for i in range(3):
            self.call("PUT", "/crm/v4/objects/companies/2010/associations/default/contacts/%d"
                      % (120 + i))
        b = self.assoc("companies/2010/associations/contacts?limit=2")
        self.assertEqual(len(b["results"]), 2)
        b2 = self.assoc("companies/2010/associations/contacts?limit=2&after="
                        + b["paging"]["next"]["after"])
        self.assertEqual(len(b2["results"]), 2)
        self.assertNotIn("paging", b2)
        seen = [x["toObjectId"] for x in b["results"] + b2["results"]]
        self.assertEqual(sorted(seen), [110, 120, 121, 122])
        # search by company
        r = self.call("POST", "/crm/v3/objects/contacts/search",
                      {"filterGroups": [{"filters": [{"propertyName": "associations.company",
                                                      "operator": "EQ", "value": "2010"}]}]})
        self.assertEqual(sorted(x["id"] for x in r.json()["results"]), ["110", "120", "121", "122"])

    def test_scopes_and_fixtures(self):
        tok = self.mint(client_id=CLIENT, scopes=["crm.objects.contacts.read"])["access_token"]
        self.assertEqual(self.call("GET", "/crm/v4/objects/contacts/101/associations/companies",
                                   token=tok).status, 200)
        self.assert_error(self.call("PUT", "/crm/v4/objects/contacts/101/associations/default/"
                                    "companies/2002", token=tok), 403, "MISSING_SCOPES")
        r = self.ctl("POST", "/__sim/fixtures", {"associations": [
            {"from": {"type": "contacts", "id": "125"}, "to": {"type": "deals", "id": 3010}}]})
        self.assertEqual(r.status, 200, r)
        got = self.assoc("deals/3010/associations/contacts")["results"]
        self.assertEqual(sorted(x["toObjectId"] for x in got), [110, 125])


if __name__ == "__main__":
    unittest.main()
