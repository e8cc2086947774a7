# SPDX-License-Identifier: MIT
"""Object metadata (src/hub/hub_objects.c, issue 14): GET /objects?expand=true
lists every object with its fields (vendorPath, type, filterable,
createable, updateable) from the portal's properties API, so custom fields
appear and read-only or calculated ones are neither createable nor
updateable; /objects/{name}/metadata names each field too."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

CUSTOM = {"properties": {"contacts": [
    {"name": "shoe_size", "label": "Shoe size", "type": "number",
     "fieldType": "number", "groupName": "contactinformation"}]}}


def by_name(fields):
    """{property name: field}, from each field's vendorPath."""
    return {x["vendorPath"].split(".", 1)[-1]: x for x in fields}


class Metadata(u.HubCase):
    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures(CUSTOM)
        self.hub.sim_clear()

    def test_expand(self):
        r = self.ok("GET", "/objects", query={"expand": "true"})
        objs = {o["name"]: o for o in r.json()}
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(objs)))
        plain = self.ok("GET", "/objects").json()
        self.assertEqual(sorted(objs), sorted(plain))
        self.assertEqual(objs["accounts"]["vendorName"], "companies")
        self.assertEqual(objs["accounts"]["type"], "ceCanonical")
        self.assertEqual(objs["tickets"]["type"], "vendor")
        self.assertEqual(objs["owners"]["fields"], [])
        f = by_name(objs["contacts"]["fields"])
        self.assertEqual(f["email"]["vendorPath"], "properties.email")
        self.assertEqual(f["email"]["type"], "string")
        for k in ("filterable", "createable", "updateable"):
            self.assertIs(f["email"][k], True)
        self.assertEqual(f["shoe_size"]["type"], "number")
        self.assertIs(f["shoe_size"]["createable"], True)
        # HubSpot's read-only values (modificationMetadata.readOnlyValue)
        for name in ("createdate", "lastmodifieddate", "hs_object_id"):
            self.assertIs(f[name]["createable"], False, name)
            self.assertIs(f[name]["updateable"], False, name)
            self.assertIs(f[name]["vendorReadOnly"], True, name)
        self.assertIs(f["id"]["createable"], False)
        self.assertEqual(objs["leads"]["fields"], objs["contacts"]["fields"])
        self.assertIn("dealname", by_name(objs["opportunities"]["fields"]))
        # one properties call per HubSpot object type
        paths = [s["path"] for s in self.seen("/crm/v3/properties")]
        self.assertEqual(paths.count("/crm/v3/properties/contacts"), 1)
        self.assertEqual(len(paths), len(set(paths)))
        self.assertIn("/crm/v3/properties/companies", paths)

    def test_metadata_names_fields(self):
        f = self.ok("GET", "/objects/contacts/metadata").json()["fields"]
        by = by_name(f)
        self.assertEqual(by["shoe_size"]["vendorPath"], "properties.shoe_size")
        self.assertIs(by["createdate"]["updateable"], False)

    def test_disabled_and_errors(self):
        inst = self.hub.instance(name="meta-disabled")
        self.hub.platform_call("DELETE", "/instances/%s/enabled" % inst["id"])
        self.assert_error(self.call("GET", "/objects", token=inst["token"],
                                    query={"expand": "true"}), 403, "disabled")
        self.assertEqual(self.seen("/crm"), [])
        u.sim_fault(self.hub, "/crm/v3/properties/deals", status=500, count=3)
        self.assert_error(self.call("GET", "/objects", query={"expand": "true"}), 502)


if __name__ == "__main__":
    unittest.main()
