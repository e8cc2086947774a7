# SPDX-License-Identifier: MIT
"""The portal's custom objects (src/hub/hub_schemas.c, hub_objects.c, the
"*" row of hub_crm.c; issue 14): /objects, ?expand=true and
/objects/{name}/metadata add the custom objects of GET /crm/v3/schemas
(name, vendorName = fullyQualifiedName, type vendor, fields from the
schema's properties); /hubs/crm/{name} CRUDS on a custom object go to
HubSpot's /crm/v3/objects/<fullyQualifiedName>, through a per-instance cache
of the schemas (no schemas call for a standard object); a portal without the
schemas scope (403) or without custom objects gets the catalogue as before."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

CARS = {
    "name": "cars", "id": 4242,
    "labels": {"singular": "Car", "plural": "Cars"},
    "primaryDisplayProperty": "model", "requiredProperties": ["model"],
    "searchableProperties": ["model"], "associatedObjects": ["CONTACT"],
    "properties": [
        {"name": "model", "label": "Model", "type": "string", "fieldType": "text"},
        {"name": "mileage", "label": "Mileage", "type": "number", "fieldType": "number"},
    ],
}


def fqn_of(hub):
    r = u.h.request(hub.sim.base, "GET", "/crm/v3/schemas/2-4242",
                    headers={"Authorization": "Bearer " + u.API_KEY})
    assert r.status == 200, r
    return r.json()["fullyQualifiedName"]


class CustomObjects(u.HubCase):
    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures({"schemas": [CARS]})
        self.fqn = fqn_of(self.hub)
        self.hub.sim_clear()

    def test_list_expand_metadata(self):
        plain = self.ok("GET", "/objects").json()
        self.assertIn("cars", plain)
        self.assertIn("contacts", plain)
        self.assertEqual(len(self.seen("/crm/v3/schemas", "GET")), 1)
        helium = self.ok("GET", "/objects", headers={"Elements-Version": "Helium"}).json()
        (cars,) = [o for o in helium if o["name"] == "cars"]
        self.assertEqual(cars, {"name": "cars", "vendorName": self.fqn, "type": "vendor"})
        r = self.ok("GET", "/objects", query={"expand": "true"})
        objs = {o["name"]: o for o in r.json()}
        self.assertEqual(objs["cars"]["vendorName"], self.fqn)
        f = {x["vendorPath"]: x for x in objs["cars"]["fields"]}
        self.assertEqual(f["properties.model"]["type"], "string")
        self.assertEqual(f["properties.mileage"]["type"], "number")
        self.assertIs(f["properties.mileage"]["createable"], True)
        self.assertIs(f["properties.hs_object_id"]["createable"], False)
        self.assertIn("contacts", objs)
        # a custom field added later shows in the metadata
        self.hub.sim_fixtures({"properties": {self.fqn: [
            {"name": "vin", "label": "VIN", "type": "string", "fieldType": "text",
             "groupName": "cars_information"}]}})
        self.hub.sim_clear()
        self.ok("GET", "/objects")  # refreshes the cache
        r = self.ok("GET", "/objects/cars/metadata")
        f = {x["vendorPath"]: x for x in r.json()["fields"]}
        self.assertEqual(f["properties.vin"]["vendorDisplayName"], "VIN")
        self.assertEqual(f["id"]["type"], "string")
        # no properties call: the schema carries the fields
        self.assertEqual(self.seen("/crm/v3/properties"), [])

    def test_crud_and_paging_by_name(self):
        r = self.ok("POST", "/cars", {"properties": {"model": "Golf", "mileage": 10}})
        rid = r.json()["id"]
        self.assertEqual(r.json()["properties"]["model"], "Golf")
        self.assertEqual(len(self.seen("/crm/v3/objects/%s" % self.fqn, "POST")), 1)
        self.assertEqual(len(self.seen("/crm/v3/schemas")), 1)
        for i in range(3):
            self.ok("POST", "/cars", {"properties": {"model": "M%d" % i}})
        self.ok("PATCH", "/cars/%s" % rid, {"properties": {"mileage": 20}})
        r = self.ok("GET", "/cars/%s" % rid, query={"fields": "model,mileage"})
        self.assertEqual(r.json()["properties"]["mileage"], "20")
        r = self.ok("GET", "/cars", query={"pageSize": "3"})
        self.assertEqual(len(r.json()), 3)
        nxt = r.header("Elements-Next-Page-Token")
        self.assertTrue(nxt)
        r = self.ok("GET", "/cars", query={"pageSize": "3", "nextPage": nxt})
        self.assertEqual(len(r.json()), 1)
        r = self.ok("GET", "/cars", query={"where": "model = 'Golf'"})
        self.assertEqual([x["id"] for x in r.json()], [rid])
        self.assertEqual(len(self.seen("/crm/v3/objects/%s/search" % self.fqn, "POST")), 1)
        self.ok("DELETE", "/cars/%s" % rid)
        self.assertEqual(len(self.seen("/crm/v3/objects/%s/%s" % (self.fqn, rid),
                                       "DELETE")), 1)
        # one schemas call for all of it (the cache), none to /objects/cars
        self.assertEqual(len(self.seen("/crm/v3/schemas")), 1)
        self.assertEqual(self.seen("/crm/v3/objects/cars"), [])

    def test_standard_objects_make_no_schemas_call(self):
        for path in ("/tickets", "/products", "/contacts", "/0-5"):
            self.ok("GET", path)
        self.ok("POST", "/tickets", {"properties": {"subject": "s", "hs_pipeline": "0",
                                                    "hs_pipeline_stage": "1"}})
        self.assertEqual(self.seen("/crm/v3/schemas"), [])

    def test_unknown_name_still_goes_to_hubspot(self):
        r = self.call("GET", "/spaceships")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(len(self.seen("/crm/v3/objects/spaceships")), 1)


class NoSchemas(u.HubCase):
    """A portal without the schemas scope: HubSpot's 403 on /crm/v3/schemas."""

    def test_403_leaves_the_catalogue_as_before(self):
        plain_before = None
        u.sim_fault(self.hub, "/crm/v3/schemas", status=403, count=100)
        r = self.ok("GET", "/objects")
        plain_before = r.json()
        self.assertNotIn("cars", plain_before)
        self.assertIn("contacts", plain_before)
        self.assertEqual(len(self.seen("/crm/v3/schemas")), 1)
        r = self.ok("GET", "/objects", query={"expand": "true"})
        self.assertEqual(sorted(o["name"] for o in r.json()), sorted(plain_before))
        # no custom objects at all: the same catalogue, no error
        u.sim_control(self.hub, "DELETE", "/__sim/faults")
        self.assertEqual(sorted(self.ok("GET", "/objects").json()), sorted(plain_before))


if __name__ == "__main__":
    unittest.main()
