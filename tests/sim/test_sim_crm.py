# SPDX-License-Identifier: MIT
"""hubspot-sim CRM v3: objects CRUD, paging, batch, search, properties, owners,
pipelines, and malformed input."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import SimCase  # noqa: E402

ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


class ObjectsTest(SimCase):
    FLAGS = ("--rate-limit", "0", "--search-rate-limit", "0")

    def search(self, type_, body):
        r = self.call("POST", "/crm/v3/objects/%s/search" % type_, body)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_list_paging_and_shape(self):
        seen, after, pages = [], None, 0
        while True:
            q = {"limit": 10}
            if after:
                q["after"] = after
            r = self.call("GET", "/crm/v3/objects/contacts", query=q)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("content-type"), "application/json;charset=utf-8")
            b = r.json()
            seen += [o["id"] for o in b["results"]]
            pages += 1
            if "paging" not in b:
                break
            after = b["paging"]["next"]["after"]
            self.assertIn("after=" + after, b["paging"]["next"]["link"])
        self.assertEqual(len(seen), 25)
        self.assertEqual(pages, 3)
        o = self.call("GET", "/crm/v3/objects/contacts/101").json()
        self.assertEqual(set(o), {"id", "properties", "createdAt", "updatedAt", "archived"})
        self.assertEqual(set(o["properties"]), {"createdate", "email", "firstname", "hs_object_id",
                                                "lastmodifieddate", "lastname"})
        self.assertRegex(o["createdAt"], ISO_MS)
        self.assertEqual(o["properties"]["hs_object_id"], "101")
        c = self.call("GET", "/crm/v3/objects/0-2/2001").json()
        self.assertIn("hs_lastmodifieddate", c["properties"])
        self.assertIn("domain", c["properties"])
        # explicit properties, null for defined-but-empty, unknown left out
        o = self.call("GET", "/crm/v3/objects/contacts/121",
                      query={"properties": "lifecyclestage,phone,nosuchprop"}).json()
        self.assertIsNone(o["properties"]["lifecyclestage"])
        self.assertNotIn("nosuchprop", o["properties"])
        # limit is capped at 100
        b = self.call("GET", "/crm/v3/objects/contacts", query={"limit": 500}).json()
        self.assertEqual(len(b["results"]), 25)
        self.assert_error(self.call("GET", "/crm/v3/objects/widgets"), 400, "VALIDATION_ERROR")

    def test_get_by_email_and_not_found(self):
        o = self.call("GET", "/crm/v3/objects/contacts/Grace.Hopper@example.test",
                      query={"idProperty": "email"})
        self.assertEqual(o.json()["id"], "102")
        r = self.call("GET", "/crm/v3/objects/contacts/999999")
        b = self.assert_error(r, 404, "OBJECT_NOT_FOUND",
                              "Object not found.  objectId are usually numeric.")
        self.assertEqual(b["context"], {"id": ["999999"]})

    def test_create_update_delete(self):
        r = self.call("POST", "/crm/v3/objects/contacts",
                      {"properties": {"email": "New.Person@Example.test", "firstname": "New"}})
        self.assertEqual(r.status, 201, r)
        o = r.json()
        self.assertEqual(o["properties"]["email"], "new.person@example.test")
        self.assertEqual(o["properties"]["hs_object_id"], o["id"])
        self.assertEqual(o["properties"]["createdate"], o["createdAt"])
        cid = o["id"]
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "new.person@example.test"}})
        self.assert_error(r, 409, "CONFLICT", "Contact already exists. Existing ID: %s" % cid)
        r = self.call("PATCH", "/crm/v3/objects/contacts/" + cid,
                      {"properties": {"lastname": "Person", "firstname": ""}})
        self.assertEqual(r.status, 200)
        p = r.json()["properties"]
        self.assertEqual(p["lastname"], "Person")
        self.assertIsNone(p["firstname"])
        r = self.call("PATCH", "/crm/v3/objects/contacts/new.person@example.test?idProperty=email",
                      {"properties": {"jobtitle": "CTO"}})
        self.assertEqual(r.json()["properties"]["jobtitle"], "CTO")
        self.assertEqual(self.call("DELETE", "/crm/v3/objects/contacts/" + cid).status, 204)
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts/" + cid).status, 404)
        r = self.call("GET", "/crm/v3/objects/contacts/" + cid, query={"archived": "true"})
        self.assertTrue(r.json()["archived"])
        self.assertIn("archivedAt", r.json())
        b = self.call("GET", "/crm/v3/objects/contacts", query={"archived": "true"}).json()
        self.assertEqual([x["id"] for x in b["results"]], [cid])
        # the archived contact's email is free again
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "new.person@example.test"}})
        self.assertEqual(r.status, 201)
        # deal with numeric amount and ms closedate; required props
        r = self.call("POST", "/crm/v3/objects/deals", {"properties": {
            "dealname": "D", "dealstage": "qualifiedtobuy", "pipeline": "default", "amount": 100,
            "closedate": 1767603600000}})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["properties"]["amount"], "100")
        self.assertEqual(r.json()["properties"]["closedate"], "2026-01-05T09:00:00.000Z")
        b = self.assert_error(self.call("POST", "/crm/v3/objects/deals", {"properties": {"dealname": "D"}}),
                              400, "VALIDATION_ERROR")
        self.assertEqual(b["errors"][0]["code"], "REQUIRED_FIELD")
        # events recorded for phase 2 webhooks
        ev = self.ctl("GET", "/__sim/events").json()["results"]
        self.assertIn("contact.creation", [e["subscriptionType"] for e in ev])
        self.assertIn("contact.deletion", [e["subscriptionType"] for e in ev])

    def test_validation_errors(self):
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "a@b.test", "shoe_size": "9"}})
        b = self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertTrue(b["message"].startswith("Property values were not valid: "))
        detail = json.loads(b["message"][len("Property values were not valid: "):])
        self.assertEqual(detail[0]["error"], "PROPERTY_DOESNT_EXIST")
        self.assertEqual(detail[0]["name"], "shoe_size")
        self.assertEqual(b["errors"][0], {"message": 'Property "shoe_size" does not exist',
                                          "code": "PROPERTY_DOESNT_EXIST",
                                          "context": {"propertyName": ["shoe_size"]}})
        r = self.call("PATCH", "/crm/v3/objects/contacts/101", {"properties": {"lifecyclestage": "bogus"}})
        self.assertEqual(self.assert_error(r, 400)["errors"][0]["code"], "INVALID_OPTION")
        for raw in (b"{", b"[1,2", b"\xff\xfe", b'{"properties": 5}', b"null"):
            r = self.call("POST", "/crm/v3/objects/contacts", raw_body=raw,
                          headers={"Content-Type": "application/json"})
            self.assert_error(r, 400, "VALIDATION_ERROR")
        r = self.call("POST", "/crm/v3/objects/contacts", raw_body=b"x" * (4 * 1024 * 1024 + 10),
                      headers={"Content-Type": "application/json"})
        self.assert_error(r, 413)

    def test_email_index(self):
        # contacts are found by email through an index (crm.c email_index):
        # a fixture's address, a changed address (the old one is free, the
        # new one taken), any case
        r = self.call("POST", "/crm/v3/objects/contacts",
                      {"properties": {"email": "ada.lovelace@EXAMPLE.test"}})
        self.assertEqual(r.status, 409, r)
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "old@example.test"}})
        self.assertEqual(r.status, 201, r)
        cid = r.json()["id"]
        r = self.call("PATCH", "/crm/v3/objects/contacts/" + cid,
                      {"properties": {"email": "New@Example.test"}})
        self.assertEqual(r.status, 200, r)
        r = self.call("POST", "/crm/v3/objects/contacts/batch/create",
                      {"inputs": [{"properties": {"email": "new@example.TEST"}}]})
        self.assert_error(r, 409, "CONFLICT", "Contact already exists. Existing ID: %s" % cid)
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "old@example.test"}})
        self.assertEqual(r.status, 201, r)
        o = self.call("GET", "/crm/v3/objects/contacts/NEW@example.test", query={"idProperty": "email"})
        self.assertEqual(o.json()["id"], cid)

    def test_batch(self):
        r = self.call("POST", "/crm/v3/objects/contacts/batch/read",
                      {"properties": ["email"], "inputs": [{"id": "101"}, {"id": "102"}]})
        self.assertEqual(r.status, 200)
        b = r.json()
        self.assertEqual(b["status"], "COMPLETE")
        self.assertEqual(len(b["results"]), 2)
        for k in ("startedAt", "completedAt"):
            self.assertIn(k, b)
        r = self.call("POST", "/crm/v3/objects/contacts/batch/read",
                      {"idProperty": "email", "inputs": [{"id": "ada.lovelace@example.test"}, {"id": "x@y.z"}]})
        self.assertEqual(r.status, 207)
        b = r.json()
        self.assertEqual(b["numErrors"], 1)
        self.assertEqual(b["errors"][0]["context"]["ids"], ["x@y.z"])
        inputs = [{"properties": {"email": "b%d@example.test" % i}} for i in range(3)]
        r = self.call("POST", "/crm/v3/objects/contacts/batch/create", {"inputs": inputs})
        self.assertEqual(r.status, 201, r)
        ids = [o["id"] for o in r.json()["results"]]
        r = self.call("POST", "/crm/v3/objects/contacts/batch/create",
                      {"inputs": [{"properties": {"email": "b0@example.test"}}]})
        self.assert_error(r, 409, "CONFLICT", "Contact already exists. Existing ID: %s" % ids[0])
        r = self.call("POST", "/crm/v3/objects/contacts/batch/update",
                      {"inputs": [{"id": i, "properties": {"firstname": "B"}} for i in ids]})
        self.assertEqual(r.status, 200)
        self.assertEqual({o["properties"]["firstname"] for o in r.json()["results"]}, {"B"})
        r = self.call("POST", "/crm/v3/objects/contacts/batch/upsert",
                      {"inputs": [{"id": "b0@example.test", "idProperty": "email", "properties": {"lastname": "U"}},
                                  {"id": "fresh@example.test", "idProperty": "email", "properties": {"lastname": "F"}}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([o["new"] for o in r.json()["results"]], [False, True])
        r = self.call("POST", "/crm/v3/objects/contacts/batch/archive", {"inputs": [{"id": i} for i in ids]})
        self.assertEqual(r.status, 204)
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts/" + ids[0]).status, 404)
        r = self.call("POST", "/crm/v3/objects/contacts/batch/read", {"inputs": [{"id": "1"}] * 101})
        self.assert_error(r, 400, "VALIDATION_ERROR")

    def test_search(self):
        f = lambda *fs: {"filterGroups": [{"filters": list(fs)}]}  # noqa: E731
        b = self.search("contacts", f({"propertyName": "email", "operator": "EQ",
                                       "value": "ADA.lovelace@example.test"}))
        self.assertEqual(b["total"], 1)
        self.assertEqual(b["results"][0]["id"], "101")
        self.assertNotIn("paging", b)
        b = self.search("contacts", f({"propertyName": "lifecyclestage", "operator": "IN",
                                       "values": ["lead", "customer"]}))
        self.assertEqual(b["total"], 6)
        b = self.search("contacts", f({"propertyName": "lastname", "operator": "NOT_HAS_PROPERTY"}))
        self.assertEqual([r["id"] for r in b["results"]], ["123"])
        b = self.search("contacts", f({"propertyName": "phone", "operator": "HAS_PROPERTY"}))
        self.assertEqual(b["total"], 9)
        b = self.search("contacts", f({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "hop*"}))
        self.assertEqual(b["total"], 1)
        b = self.search("contacts", f({"propertyName": "hs_object_id", "operator": "BETWEEN",
                                       "value": "105", "highValue": "107"}))
        self.assertEqual(b["total"], 3)
        b = self.search("contacts", f({"propertyName": "createdate", "operator": "GTE",
                                       "value": "1767646800000"}))  # 2026-01-05T21:00Z
        self.assertEqual(b["total"], 13)
        b = self.search("contacts", f({"propertyName": "lastmodifieddate", "operator": "LT",
                                       "value": "2026-01-05T12:00:00Z"}))
        self.assertEqual(b["total"], 1)
        # OR of groups
        b = self.search("contacts", {"filterGroups": [
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "ada"}]},
            {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "alan"}]}]})
        self.assertEqual(b["total"], 2)
        # sorts, query, paging
        b = self.search("contacts", {"sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
                                     "limit": 5, "properties": ["email"]})
        self.assertEqual(b["total"], 25)
        self.assertEqual(b["results"][0]["id"], "125")
        self.assertEqual(b["paging"]["next"]["after"], "5")
        self.assertEqual(set(b["results"][0]["properties"]),
                         {"email", "createdate", "lastmodifieddate", "hs_object_id"})
        b = self.search("contacts", {"sorts": ["-createdate"], "after": "20", "limit": 10})
        self.assertEqual(len(b["results"]), 5)
        self.assertNotIn("paging", b)
        b = self.search("contacts", {"query": "turing"})
        self.assertEqual([r["id"] for r in b["results"]], ["103"])
        b = self.search("deals", f({"propertyName": "amount", "operator": "GT", "value": 12000}))
        self.assertEqual(b["total"], 2)
        # limits
        too_many = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6}
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search", too_many), 400, "VALIDATION_ERROR")
        seven = f(*[{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7)
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search", seven), 400)
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search", {"limit": 201}), 400)
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search", {"after": "10000"}), 400)
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search",
                                    f({"propertyName": "email", "operator": "LIKE", "value": "x"})), 400)
        self.assert_error(self.call("POST", "/crm/v3/objects/contacts/search",
                                    {"query": "x" * 3100}), 400)

    def test_properties_owners_pipelines(self):
        b = self.call("GET", "/crm/v3/properties/contacts").json()
        names = {p["name"] for p in b["results"]}
        self.assertTrue({"email", "firstname", "lifecyclestage", "hs_object_id"} <= names)
        p = self.call("GET", "/crm/v3/properties/0-1/lifecyclestage").json()
        self.assertEqual(p["type"], "enumeration")
        self.assertEqual(len(p["options"]), 8)
        new = {"groupName": "contactinformation", "name": "shoe_size", "label": "Shoe size",
               "type": "number", "fieldType": "number"}
        r = self.call("POST", "/crm/v3/properties/contacts", new)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.call("POST", "/crm/v3/properties/contacts", new).status, 409)
        r = self.call("PATCH", "/crm/v3/objects/contacts/101", {"properties": {"shoe_size": "9"}})
        self.assertEqual(r.json()["properties"]["shoe_size"], "9")
        g = self.call("GET", "/crm/v3/properties/contacts/groups").json()
        self.assertEqual(g["results"][0]["name"], "contactinformation")
        self.assertEqual(self.call("GET", "/crm/v3/properties/contacts/nope").status, 404)
        # owners
        b = self.call("GET", "/crm/v3/owners/").json()
        self.assertEqual(len(b["results"]), 5)
        self.assertNotIn("paging", b)
        b = self.call("GET", "/crm/v3/owners", query={"limit": 2}).json()
        self.assertEqual(b["paging"]["next"]["after"], "31400013")
        b = self.call("GET", "/crm/v3/owners", query={"email": "SAM.sales@example.test"}).json()
        self.assertEqual([o["id"] for o in b["results"]], ["31400012"])
        b = self.call("GET", "/crm/v3/owners", query={"archived": "true"}).json()
        self.assertIsNone(b["results"][0]["userId"])
        self.assertEqual(self.call("GET", "/crm/v3/owners/7700102", query={"idProperty": "userId"}).json()["id"],
                         "31400012")
        self.assertEqual(self.call("GET", "/crm/v3/owners/1").status, 404)
        # pipelines
        b = self.call("GET", "/crm/v3/pipelines/deals").json()
        self.assertEqual([p["id"] for p in b["results"]], ["default", "43215678"])
        self.assertEqual(len(b["results"][0]["stages"]), 7)
        self.assertEqual(b["results"][0]["stages"][5]["metadata"], {"probability": "1.0", "isClosed": "true"})
        body = {"label": "New biz", "displayOrder": 3, "stages": [
            {"label": "Open", "displayOrder": 0, "metadata": {"probability": 0.5}},
            {"label": "Won", "displayOrder": 1, "metadata": {"probability": "1.0"}}]}
        r = self.call("POST", "/crm/v3/pipelines/deals", body)
        self.assertEqual(r.status, 201, r)
        p = r.json()
        self.assertEqual(p["stages"][0]["metadata"]["probability"], "0.5")
        self.assertEqual(self.call("POST", "/crm/v3/pipelines/deals", body).status, 409)
        bad = {"label": "Bad", "displayOrder": 4, "stages": [{"label": "x", "displayOrder": 0, "metadata": {}}]}
        self.assert_error(self.call("POST", "/crm/v3/pipelines/deals", bad), 400, "VALIDATION_ERROR")
        r = self.call("POST", "/crm/v3/pipelines/deals/%s/stages" % p["id"],
                      {"label": "Lost", "displayOrder": 2, "metadata": {"probability": "0.0"}})
        self.assertEqual(r.status, 201)
        sid = r.json()["id"]
        self.assertEqual(self.call("PATCH", "/crm/v3/pipelines/deals/%s/stages/%s" % (p["id"], sid),
                                   {"label": "Open", "metadata": {"probability": "0.0"}}).status, 400)
        self.assertEqual(self.call("DELETE", "/crm/v3/pipelines/deals/%s/stages/%s" % (p["id"], sid)).status, 204)
        r = self.call("DELETE", "/crm/v3/pipelines/deals/default",
                      query={"validateReferencesBeforeDelete": "true"})
        b = self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertEqual(b["subCategory"], "PipelineError.STAGE_ID_IN_USE")
        self.assertEqual(self.call("DELETE", "/crm/v3/pipelines/deals/" + p["id"]).status, 204)
        self.assertEqual(self.call("GET", "/crm/v3/pipelines/deals/" + p["id"]).status, 404)
        r = self.call("PATCH", "/crm/v3/pipelines/deals/" + p["id"], {"archived": False})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.call("GET", "/crm/v3/pipelines/tickets/0").json()["stages"][3]["metadata"],
                         {"ticketState": "CLOSED"})


if __name__ == "__main__":
    unittest.main()
