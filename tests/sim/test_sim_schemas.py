# SPDX-License-Identifier: MIT
"""hubspot-sim custom objects: the schemas API (list, read, create with
HubSpot's validation errors, fixtures) and records of a custom object on the
generic CRM endpoints by objectTypeId and by fullyQualifiedName."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import SimCase  # noqa: E402

PORTAL = 62515
FQN = "p%d_cars" % PORTAL

CARS = {
    "name": "cars",
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model",
    "requiredProperties": ["model"],
    "searchableProperties": ["model", "vin"],
    "secondaryDisplayProperties": ["year"],
    "associatedObjects": ["CONTACT", "0-2"],
    "properties": [
        {"name": "model", "label": "Model", "type": "string", "fieldType": "text"},
        {"name": "vin", "label": "VIN", "type": "string", "fieldType": "text",
         "hasUniqueValue": True},
        {"name": "year", "label": "Year", "type": "number", "fieldType": "number"},
        {"name": "color", "label": "Color", "type": "enumeration", "fieldType": "select",
         "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]},
    ],
}


class SchemasTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def create(self, body=CARS, status=201):
        r = self.call("POST", "/crm/v3/schemas", body)
        self.assertEqual(r.status, status, r)
        return r.json()

    def test_create_list_read(self):
        self.assertEqual(self.call("GET", "/crm/v3/schemas").json(), {"results": []})
        s = self.create()
        self.assertRegex(s["objectTypeId"], r"^2-\d+$")
        self.assertEqual(s["objectTypeId"], "2-" + s["id"])
        self.assertEqual((s["name"], s["fullyQualifiedName"]), ("cars", FQN))
        self.assertEqual(s["labels"], {"singular": "Car", "plural": "Cars"})
        self.assertEqual(s["requiredProperties"], ["model"])
        self.assertEqual(s["searchableProperties"], ["model", "vin"])
        self.assertEqual(s["primaryDisplayProperty"], "model")
        self.assertFalse(s["archived"])
        names = {p["name"] for p in s["properties"]}
        self.assertTrue({"model", "vin", "year", "color", "hs_object_id",
                         "hs_createdate", "hs_lastmodifieddate"} <= names, names)
        self.assertEqual(sorted(a["toObjectTypeId"] for a in s["associations"]), ["0-1", "0-2"])
        for a in s["associations"]:
            self.assertEqual(a["fromObjectTypeId"], s["objectTypeId"])
        (listed,) = self.call("GET", "/crm/v3/schemas").json()["results"]
        self.assertEqual(listed["objectTypeId"], s["objectTypeId"])
        for key in (s["objectTypeId"], FQN):
            r = self.call("GET", "/crm/v3/schemas/" + key)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["name"], "cars")
        r = self.call("GET", "/crm-object-schemas/v3/schemas/" + FQN)
        self.assertEqual(r.status, 200, r)
        self.assert_error(self.call("GET", "/crm/v3/schemas/2-999999"), 404, "OBJECT_NOT_FOUND")

    def test_validation(self):
        def bad(patch, status=400, category="VALIDATION_ERROR"):
            body = dict(CARS)
            body.update(patch)
            for k, v in list(body.items()):
                if v is None:
                    del body[k]
            r = self.call("POST", "/crm/v3/schemas", body)
            return self.assert_error(r, status, category)

        bad({"name": "9cars"})
        bad({"name": None})
        bad({"labels": {"singular": "Car"}})
        bad({"properties": []})
        bad({"requiredProperties": ["nope"]})
        bad({"requiredProperties": None})
        bad({"primaryDisplayProperty": "nope"})
        bad({"associatedObjects": ["spaceships"]})
        bad({"properties": [{"name": "x", "label": "X", "type": "wat", "fieldType": "text"}],
             "requiredProperties": [], "primaryDisplayProperty": None,
             "searchableProperties": None, "secondaryDisplayProperties": None})
        bad({"bogus": 1})
        self.assertEqual(self.call("GET", "/crm/v3/schemas").json(), {"results": []})
        self.create()
        bad({}, 409, "CONFLICT")

    def test_records_by_type_id_and_name(self):
        tid = self.create()["objectTypeId"]
        r = self.call("POST", "/crm/v3/objects/" + FQN,
                      {"properties": {"model": "Corolla", "vin": "V1", "year": "2020"}})
        self.assertEqual(r.status, 201, r)
        rec = r.json()
        self.assertEqual(rec["properties"]["model"], "Corolla")
        self.assertIn("hs_createdate", rec["properties"])
        rid = rec["id"]
        r = self.call("GET", "/crm/v3/objects/%s/%s?properties=model,year" % (tid, rid))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["properties"]["year"], "2020")
        # required, unknown property, bad option, bad number
        self.assert_error(self.call("POST", "/crm/v3/objects/" + tid,
                                    {"properties": {"vin": "V2"}}), 400, "VALIDATION_ERROR")
        for props in ({"wheels": "4"}, {"color": "green"}, {"year": "old"}):
            self.assert_error(self.call("PATCH", "/crm/v3/objects/%s/%s" % (tid, rid),
                                        {"properties": props}), 400, "VALIDATION_ERROR")
        r = self.call("PATCH", "/crm/v3/objects/%s/%s" % (FQN, rid),
                      {"properties": {"color": "red"}})
        self.assertEqual(r.status, 200, r)
        for i in range(3):
            self.call("POST", "/crm/v3/objects/" + tid,
                      {"properties": {"model": "M%d" % i}})
        r = self.call("GET", "/crm/v3/objects/%s?limit=2" % FQN)
        page = r.json()
        self.assertEqual(len(page["results"]), 2)
        self.assertIn("after", page["paging"]["next"])
        r = self.call("POST", "/crm/v3/objects/%s/search" % tid,
                      {"filterGroups": [{"filters": [{"propertyName": "model",
                                                      "operator": "EQ", "value": "Corolla"}]}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.json()["results"]], [rid])
        r = self.call("GET", "/crm/v3/properties/" + FQN)
        self.assertEqual(r.status, 200, r)
        self.assertIn("vin", {p["name"] for p in r.json()["results"]})
        r = self.call("POST", "/crm/v3/properties/" + tid,
                      {"name": "trim", "label": "Trim", "type": "string",
                       "fieldType": "text", "groupName": "cars_information"})
        self.assertEqual(r.status, 201, r)
        s = self.call("GET", "/crm/v3/schemas/" + tid).json()
        self.assertIn("trim", {p["name"] for p in s["properties"]})
        self.assertEqual(self.call("DELETE", "/crm/v3/objects/%s/%s" % (tid, rid)).status, 204)
        self.assertEqual(self.call("GET", "/crm/v3/objects/%s/%s" % (tid, rid)).status, 404)
        # the plain name is not an object type at HubSpot
        self.assert_error(self.call("GET", "/crm/v3/objects/cars"), 400, "VALIDATION_ERROR")

    def test_fixtures_declare_schemas_and_records(self):
        fx = {"schemas": [dict(CARS, id=4242)],
              "properties": {FQN: [{"name": "trim", "label": "Trim", "type": "string",
                                    "fieldType": "text", "groupName": "cars_information"}]},
              "objects": {"2-4242": [{"id": 7, "properties": {"model": "Golf", "trim": "GTI"}}]}}
        r = self.ctl("POST", "/__sim/fixtures", fx)
        self.assertEqual(r.status, 200, r)
        r = self.call("GET", "/crm/v3/objects/%s/7?properties=model,trim" % FQN)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["properties"]["trim"], "GTI")
        self.assertEqual(self.call("GET", "/crm/v3/schemas/2-4242").status, 200)
        # a reset drops them
        self.ctl("POST", "/__sim/reset", {})
        self.assertEqual(self.call("GET", "/crm/v3/schemas").json(), {"results": []})
        self.assertEqual(self.call("GET", "/crm/v3/objects/2-4242").status, 400)
        r = self.ctl("POST", "/__sim/fixtures", {"schemas": [{"name": "x"}]})
        self.assertEqual(r.status, 400, r)

    def test_scopes(self):
        tok = self.mint(scopes=["crm.objects.contacts.read"])["access_token"]
        r = self.call("GET", "/crm/v3/schemas", token=tok)
        self.assertEqual(r.status, 403, r)
        tok = self.mint(scopes=["crm.schemas.custom.read"])["access_token"]
        self.assertEqual(self.call("GET", "/crm/v3/schemas", token=tok).status, 200)


if __name__ == "__main__":
    unittest.main()
