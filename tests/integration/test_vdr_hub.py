# SPDX-License-Identifier: MIT
"""Hub calls on virtual resources (src/hub/virtual.c) over real HTTP,
elementsd against hubspot-sim: a definition and a transformation created
through the platform API, then /hubs/crm/{name} read and written on an
instance. Each test checks the mapped answer, its headers and what HubSpot
received (the vendor call, translated CEQL, the mapped write body)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

DEFINITION = {"fields": [
    {"path": "id", "type": "string"},
    {"path": "email", "type": "string"},
    {"path": "firstName", "type": "string"},
    {"path": "lastName", "type": "string"},
    {"path": "signedUp", "type": "date"},
    {"path": "favouriteColour", "type": "string"},
    {"path": "notes", "type": "string"},
]}

TRANSFORMATION = {
    "vendorName": "contacts",
    "fields": [
        {"path": "id", "type": "string", "vendorPath": "id"},
        {"path": "email", "vendorPath": "properties.email"},
        {"path": "firstName", "vendorPath": "properties.firstname"},
        {"path": "lastName", "vendorPath": "properties.lastname"},
        {"path": "signedUp", "vendorPath": "properties.createdate",
         "configuration": [{"type": "transformDate",
                            "properties": {"pattern": "yyyy-MM-dd"}}]},
        # a property this portal does not have: no value, never an error
        {"path": "favouriteColour", "vendorPath": "properties.favourite_colour_x"},
    ],
    "configuration": [{"type": "passThrough",
                       "properties": {"fromVendor": False, "toVendor": False}}],
}


def body_of(req):
    return json.loads(req["body"]) if req["body"] else None


class VdrHubCase(u.HubCase):
    SIM_FLAGS = ("--search-rate-limit", "0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        hub = cls.hub
        r = hub.platform_call("POST", "/organizations/objects/myContact/definitions",
                              DEFINITION)
        assert r.status == 200, r
        r = hub.platform_call(
            "POST", "/organizations/elements/hubspotcrm/transformations/myContact",
            TRANSFORMATION)
        assert r.status == 200, r

    def contact(self, email, first="Ada", last="Lovelace"):
        r = self.ok("POST", "/contacts", {"properties": {
            "email": email, "firstname": first, "lastname": last}})
        return r.json()

    def platform(self, method, path, body=None):
        return self.hub.platform_call(method, path, body)


class Reads(VdrHubCase):
    def test_list_is_mapped_and_asks_only_mapped_properties(self):
        c = self.contact("ada@example.com")
        self.hub.sim_clear()
        r = self.ok("GET", "/myContact")
        recs = r.json()
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(recs)))
        mine = [x for x in recs if x.get("email") == "ada@example.com"]
        self.assertEqual(len(mine), 1, recs)
        rec = mine[0]
        self.assertEqual(rec["id"], c["id"])
        self.assertEqual(rec["firstName"], "Ada")
        self.assertEqual(rec["lastName"], "Lovelace")
        self.assertRegex(rec["signedUp"], r"^\d{4}-\d{2}-\d{2}$")
        # unmapped vendor members are not passed through; a missing
        # property gives no member
        self.assertNotIn("properties", rec)
        self.assertNotIn("vid", rec)
        self.assertNotIn("favouriteColour", rec)
        seen = self.seen_one("/crm/v3/objects/contacts", "GET")
        props = set(seen["query"].get("properties", "").split(","))
        self.assertTrue({"email", "firstname", "lastname", "createdate",
                         "favourite_colour_x"} <= props, seen)

    def test_one_record(self):
        c = self.contact("one@example.com", "Grace", "Hopper")
        r = self.ok("GET", "/myContact/%s" % c["id"])
        self.assertEqual(r.json()["email"], "one@example.com")
        self.assertEqual(r.json()["firstName"], "Grace")
        self.assertEqual(r.json()["id"], c["id"])

    def test_missing_record_is_the_vendor_error(self):
        r = self.call("GET", "/myContact/999999999")
        self.assert_error(r, 404)

    def test_where_and_order_by_are_translated(self):
        self.contact("w1@example.com", "Wanda")
        self.hub.sim_clear()
        r = self.ok("GET", "/myContact", query={
            "where": "email = 'w1@example.com' AND firstName LIKE 'Wa%'",
            "orderBy": "lastName desc"})
        self.assertEqual([x["email"] for x in r.json()], ["w1@example.com"])
        s = body_of(self.seen_one("/crm/v3/objects/contacts/search", "POST"))
        filters = s["filterGroups"][0]["filters"]
        self.assertEqual({f["propertyName"] for f in filters}, {"email", "firstname"})
        self.assertEqual(s["sorts"], [{"propertyName": "lastname",
                                       "direction": "DESCENDING"}])

    def test_where_on_id_uses_the_object_id(self):
        c = self.contact("byid@example.com")
        self.hub.sim_clear()
        r = self.ok("GET", "/myContact", query={"where": "id = '%s'" % c["id"]})
        self.assertEqual([x["id"] for x in r.json()], [c["id"]])
        s = body_of(self.seen_one("/crm/v3/objects/contacts/search", "POST"))
        self.assertEqual(s["filterGroups"][0]["filters"][0]["propertyName"],
                         "hs_object_id")

    def test_where_on_unknown_or_unmapped_field_is_refused_first(self):
        self.hub.sim_clear()
        r = self.call("GET", "/myContact", query={"where": "shoeSize = 4"})
        self.assert_error(r, 400, "shoeSize", "myContact")
        r = self.call("GET", "/myContact", query={"where": "notes = 'x'"})
        self.assert_error(r, 400, "notes", "vendor path")
        r = self.call("GET", "/myContact", query={"where": "email = "})
        self.assert_error(r, 400, "CEQL")
        self.assertEqual(self.seen("/crm/"), [])

    def test_paging_headers_and_next_page(self):
        for i in range(5):
            self.contact("p%d@example.com" % i)
        r = self.ok("GET", "/myContact", query={"pageSize": "2"})
        self.assertEqual(len(r.json()), 2)
        self.assertEqual(r.header("Elements-Returned-Count"), "2")
        nxt = r.header("Elements-Next-Page-Token")
        self.assertTrue(nxt)
        r2 = self.ok("GET", "/myContact", query={"pageSize": "2", "nextPage": nxt})
        self.assertEqual(len(r2.json()), 2)
        self.assertFalse({x["id"] for x in r.json()} & {x["id"] for x in r2.json()})

    def test_page_too_deep_is_the_native_refusal(self):
        r = self.call("GET", "/myContact", query={"pageSize": "100", "page": "101"})
        self.assert_error(r, 400, "nextPage")

    def test_defined_without_transformation_is_404(self):
        r = self.platform("POST", "/organizations/objects/onlyDefined/definitions",
                          {"fields": [{"path": "a", "type": "string"}]})
        self.assertEqual(r.status, 200, r)
        r = self.call("GET", "/onlyDefined")
        self.assert_error(r, 404, "onlyDefined", "hubspotcrm")
        self.assertEqual(self.seen("/crm/"), [])


class Writes(VdrHubCase):
    def test_create_maps_to_vendor_and_back(self):
        self.hub.sim_clear()
        r = self.ok("POST", "/myContact", {"email": "new@example.com",
                                          "firstName": "Alan",
                                          "shoeSize": 44})
        rec = r.json()
        self.assertEqual(rec["email"], "new@example.com")
        self.assertEqual(rec["firstName"], "Alan")
        self.assertTrue(rec["id"])
        sent = body_of(self.seen_one("/crm/v3/objects/contacts", "POST"))
        self.assertEqual(sent, {"properties": {"email": "new@example.com",
                                               "firstname": "Alan"}})

    def test_patch_and_delete(self):
        c = self.contact("patch@example.com")
        self.hub.sim_clear()
        r = self.ok("PATCH", "/myContact/%s" % c["id"], {"lastName": "Byron"})
        self.assertEqual(r.json()["lastName"], "Byron")
        sent = body_of(self.seen_one("/crm/v3/objects/contacts/%s" % c["id"], "PATCH"))
        self.assertEqual(sent, {"properties": {"lastname": "Byron"}})
        self.ok("DELETE", "/myContact/%s" % c["id"])
        self.assert_error(self.call("GET", "/myContact/%s" % c["id"]), 404)

    def test_bad_date_names_field_and_transformation(self):
        r = self.call("POST", "/myContact", {"email": "d@example.com",
                                            "signedUp": "yesterday"})
        self.assert_error(r, 400, "signedUp", "myContact")
        self.assertEqual(self.seen("/crm/v3/objects/contacts", "POST"), [])

    def test_pass_through_to_vendor_lands_in_properties(self):
        tf = {"vendorName": "contacts",
              "fields": [{"path": "mail", "vendorPath": "properties.email"}],
              "configuration": [{"type": "passThrough",
                                 "properties": {"fromVendor": False,
                                                "toVendor": True}}]}
        r = self.platform("POST", "/organizations/elements/hubspotcrm/"
                          "transformations/passer", tf)
        self.assertEqual(r.status, 200, r)
        self.hub.sim_clear()
        self.ok("POST", "/passer", {"mail": "pt@example.com", "jobtitle": "Pilot"})
        sent = body_of(self.seen_one("/crm/v3/objects/contacts", "POST"))
        self.assertEqual(sent, {"properties": {"email": "pt@example.com",
                                               "jobtitle": "Pilot"}})

    def test_body_must_be_an_object(self):
        r = self.call("POST", "/myContact", [1, 2])
        self.assert_error(r, 400)


class Levels(VdrHubCase):
    def test_instance_transformation_named_like_native_replaces_it(self):
        other = self.hub.instance(name="other")
        self.contact("native@example.com")
        tf = {"vendorName": "contacts",
              "fields": [{"path": "mail", "vendorPath": "properties.email"}]}
        r = self.platform("POST", "/instances/%s/transformations/contacts"
                          % self.inst["id"], tf)
        self.assertEqual(r.status, 200, r)
        try:
            recs = self.ok("GET", "/contacts").json()
            self.assertTrue(recs and all(set(x) <= {"mail"} for x in recs), recs)
            self.assertIn("native@example.com", [x.get("mail") for x in recs])
            # the other instance keeps the native resource
            recs = self.ok("GET", "/contacts", token=other["token"]).json()
            self.assertIn("properties", recs[0])
            # writes go through the mapping too
            self.hub.sim_clear()
            self.ok("POST", "/contacts", {"mail": "via-virtual@example.com"})
            sent = body_of(self.seen_one("/crm/v3/objects/contacts", "POST"))
            self.assertEqual(sent, {"properties": {"email": "via-virtual@example.com"}})
        finally:
            self.platform("DELETE", "/instances/%s/transformations/contacts"
                          % self.inst["id"])
        recs = self.ok("GET", "/contacts").json()
        self.assertIn("properties", recs[0])

    def test_instance_level_inherits_org_fields(self):
        tf = {"vendorName": "contacts",
              "fields": [{"path": "firstName", "vendorPath": "properties.lastname"}],
              "configuration": [{"type": "inherit"}]}
        r = self.platform("POST", "/instances/%s/transformations/myContact"
                          % self.inst["id"], tf)
        self.assertEqual(r.status, 200, r)
        try:
            c = self.contact("inh@example.com", "First", "Last")
            rec = self.ok("GET", "/myContact/%s" % c["id"]).json()
            self.assertEqual(rec["firstName"], "Last")  # the instance's mapping
            self.assertEqual(rec["email"], "inh@example.com")  # inherited
        finally:
            self.platform("DELETE", "/instances/%s/transformations/myContact"
                          % self.inst["id"])


class Scripts(VdrHubCase):
    def put_tf(self, name, script):
        tf = dict(TRANSFORMATION)
        tf["script"] = {"body": script, "mimeType": "application/javascript"}
        r = self.platform("POST", "/organizations/objects/%s/definitions" % name,
                          DEFINITION)
        self.assertEqual(r.status, 200, r)
        r = self.platform("POST", "/organizations/elements/hubspotcrm/"
                          "transformations/%s" % name, tf)
        self.assertEqual(r.status, 200, r)

    def test_script_adds_to_each_record_and_sees_original(self):
        self.put_tf("scripted", "transformedObject.source = 'hubspot';"
                    "transformedObject.vendorId = originalObject.id;"
                    "transformedObject.dir = fromVendor; done(transformedObject);")
        c = self.contact("s@example.com")
        rec = self.ok("GET", "/scripted/%s" % c["id"]).json()
        self.assertEqual(rec["source"], "hubspot")
        self.assertEqual(rec["vendorId"], c["id"])
        self.assertIs(rec["dir"], True)
        recs = self.ok("GET", "/scripted").json()
        self.assertTrue(recs and all(x["source"] == "hubspot" for x in recs))

    def test_script_on_write(self):
        self.put_tf("scriptedw", "if (!fromVendor) { transformedObject.properties"
                    ".lastname = 'FromScript'; } done(transformedObject);")
        self.hub.sim_clear()
        r = self.ok("POST", "/scriptedw", {"email": "sw@example.com"})
        sent = body_of(self.seen_one("/crm/v3/objects/contacts", "POST"))
        self.assertEqual(sent["properties"]["lastname"], "FromScript")
        self.assertEqual(r.json()["lastName"], "FromScript")

    def test_throwing_script_names_the_transformation(self):
        self.put_tf("thrower", "throw new Error('no way');")
        self.contact("t@example.com")
        r = self.call("GET", "/thrower")
        self.assert_error(r, 400, "thrower", "no way")

    def test_looping_script_stops_and_server_stays_up(self):
        self.put_tf("looper", "while (true) {}")
        self.contact("l@example.com")
        r = self.call("GET", "/looper")
        self.assert_error(r, 400, "looper", "CPU")
        self.ok("GET", "/myContact")



class VendorIds(VdrHubCase):
    """A field mapped to the vendor id works on every CRM resource."""

    def put(self, name, vendor, fields):
        r = self.platform("POST", "/organizations/elements/hubspotcrm/"
                          "transformations/%s" % name,
                          {"vendorName": vendor, "fields": fields})
        self.assertEqual(r.status, 200, r)

    def test_id_transformed_on_each_resource(self):
        cases = [("vAccounts", "companies", "accounts", "properties.name"),
                 ("vDeals", "deals", "opportunities", "properties.dealname"),
                 ("vOwners", "owners", "owners", "email"),
                 ("vActivities", "engagements", "activities", "engagement.type")]
        for name, vendor, native, other in cases:
            with self.subTest(vendor=vendor):
                self.put(name, vendor, [{"path": "idTransformed", "vendorPath": "id"},
                                        {"path": "other", "vendorPath": other}])
                nat = self.ok("GET", "/" + native, query={"pageSize": "3"}).json()
                virt = self.ok("GET", "/" + name, query={"pageSize": "3"}).json()
                self.assertTrue(nat, native)
                self.assertEqual([str(x["idTransformed"]) for x in virt],
                                 [str(x["id"]) for x in nat])
                self.assertTrue(all(set(x) <= {"idTransformed", "other"} for x in virt))
                one = self.ok("GET", "/%s/%s" % (name, nat[0]["id"])).json()
                self.assertEqual(str(one["idTransformed"]), str(nat[0]["id"]))


if __name__ == "__main__":
    unittest.main()
