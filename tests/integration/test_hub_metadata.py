# SPDX-License-Identifier: MIT
"""Object metadata (src/hub/hub_objects.c, issue 14): GET /objects?expand=true
lists every object with its fields (vendorPath, type, filterable,
createable, updateable) from the portal's properties API, so custom fields
appear and read-only or calculated ones are neither createable nor
updateable; /objects/{name}/metadata names each field too. The catalogue is
per element (src/elements/defs), lists the instance's virtual objects
(type vdr, fields with their vendorPath and the vendor field's flags), and
POST /instances with retrieveObjectsAfterInstantiation answers it."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

MARKETING_ONLY = {"campaigns", "workflows", "files", "folders", "forms"}

DEFINITION = {"fields": [{"path": "id", "type": "string"},
                         {"path": "email", "type": "string"},
                         {"path": "created", "type": "date"}]}
TRANSFORMATION = {"vendorName": "contacts", "fields": [
    {"path": "id", "vendorPath": "id"},
    {"path": "email", "vendorPath": "properties.email"},
    {"path": "created", "vendorPath": "properties.createdate"},
    {"path": "shoe", "vendorPath": "properties.shoe_size"},  # custom, untyped
    {"path": "colour", "vendorPath": "properties.no_such_prop"},
    {"path": "vid", "type": "number", "vendorPath": "vid"},
]}

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
        own = {x["vendorPath"]: x for x in objs["owners"]["fields"]}
        self.assertIs(own["email"]["filterable"], True)
        self.assertIs(own["email"]["createable"], False)
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


    def test_static_fields_make_no_call(self):
        # CRM lists: static fields (HubSpot has no properties API for them)
        f = self.ok("GET", "/objects/lists/metadata").json()["fields"]
        by = {x["vendorPath"]: x for x in f}
        self.assertIs(by["name"]["filterable"], True)
        self.assertIs(by["name"]["createable"], True)
        self.assertIs(by["listId"]["vendorReadOnly"], True)
        self.assertEqual(by["listId"]["type"], "number")
        self.assertEqual(self.seen("/crm"), [])
        # every object of the catalogue has metadata, with no HubSpot call
        # for those without a properties API
        for name, path, want in (("activities", "engagement.type", (False, True, False)),
                                 ("owners", "email", (True, False, False)),
                                 ("pipelines", "label", (False, True, True)),
                                 ("timeline-event-types", "name", (False, True, True))):
            f = self.ok("GET", "/objects/%s/metadata" % name).json()["fields"]
            by = {x["vendorPath"]: x for x in f}
            self.assertEqual((by[path]["filterable"], by[path]["createable"],
                              by[path]["updateable"]), want, name)
        self.assertEqual(self.seen("/crm"), [])
        self.assertEqual(self.seen("/engagements"), [])


class Catalogue(u.HubCase):
    """The catalogue per element: the Marketing element's resources on
    hubspot, only what it answers on hubspotcrm; no HubSpot call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mkt = cls.hub.instance(name="mkt", element="hubspot")

    def helium(self, token=None):
        r = self.ok("GET", "/objects", token=token,
                    headers={"Elements-Version": "Helium"})
        return {o["name"]: o for o in r.json()}

    def test_crm(self):
        names = self.ok("GET", "/objects").json()
        self.assertIn("lists", names)
        self.assertIn("emails", names)
        for n in MARKETING_ONLY:
            self.assertNotIn(n, names)
        by = self.helium()
        self.assertEqual(by["emails"], {"name": "emails", "vendorName": "emails",
                                        "type": "vendor"})
        self.assertEqual(len(names), len(set(names)))
        # the portal's custom objects: one schemas call per listing, no other
        self.assertEqual([x["path"] for x in self.seen("/")], ["/crm/v3/schemas"] * 2)

    def test_marketing(self):
        tok = self.mkt["token"]
        names = self.ok("GET", "/objects", token=tok).json()
        for n in MARKETING_ONLY | {"lists", "emails", "contacts", "accounts"}:
            self.assertIn(n, names)
        self.assertEqual(len(names), len(set(names)))
        by = self.helium(tok)
        self.assertEqual(by["emails"]["vendorName"], "marketing-emails")
        self.assertEqual(by["workflows"]["vendorName"], "flows")
        self.assertEqual(by["files"]["type"], "ceCanonical")
        self.assertEqual([x["path"] for x in self.seen("/")], ["/crm/v3/schemas"] * 2)

    def test_marketing_metadata_static(self):
        tok = self.mkt["token"]
        for name, path, flags in (
                ("files", "parentFolderId", (True, False, True)),
                ("folders", "name", (True, True, True)),
                ("emails", "subject", (False, True, True)),
                ("forms", "formType", (True, True, False)),
                ("campaigns", "properties.hs_start_date", (False, False, False)),
                ("workflows", "name", (False, True, False))):
            f = self.ok("GET", "/objects/%s/metadata" % name, token=tok).json()
            by = {x["vendorPath"]: x for x in f["fields"]}
            got = tuple(by[path][k] for k in ("filterable", "createable", "updateable"))
            self.assertEqual(got, flags, (name, path))
        self.assertEqual(self.seen("/"), [])
        r = self.ok("GET", "/objects", token=tok, query={"expand": "true"})
        objs = {o["name"]: o for o in r.json()}
        self.assertEqual(objs["campaigns"]["fields"][1]["vendorPath"], "name")
        self.assertIn("email", by_name(objs["contacts"]["fields"]))
        # the static objects cost no call; the properties ones one each, and
        # the portal's custom objects one schemas call
        paths = [s["path"] for s in self.seen("/")]
        self.assertEqual(len(paths), len(set(paths)), paths)
        self.assertEqual(paths[0], "/crm/v3/schemas")
        self.assertTrue(all(p.startswith("/crm/v3/properties/") for p in paths[1:]), paths)


class Virtual(u.HubCase):
    """Virtual objects in the catalogue and their metadata."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        hub = cls.hub
        for path, doc in (
                ("/organizations/objects/myContact/definitions", DEFINITION),
                ("/organizations/elements/hubspotcrm/transformations/myContact",
                 TRANSFORMATION)):
            r = hub.platform_call("POST", path, doc)
            assert r.status == 200, r
        cls.mkt = hub.instance(name="mkt", element="hubspot")

    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures(CUSTOM)
        self.hub.sim_clear()

    def test_listed(self):
        self.assertIn("myContact", self.ok("GET", "/objects").json())
        objs = self.ok("GET", "/objects", headers={"Elements-Version": "Helium"}).json()
        self.assertIn({"name": "myContact", "vendorName": "contacts", "type": "vdr"}, objs)
        # no transformation for the Marketing element: not its object
        self.assertNotIn("myContact",
                         self.ok("GET", "/objects", token=self.mkt["token"]).json())

    def check_fields(self, fields):
        by = {x["path"]: x for x in fields}
        self.assertEqual([x["path"] for x in fields],
                         ["id", "email", "created", "shoe", "colour", "vid"])
        self.assertEqual(by["email"]["vendorPath"], "properties.email")
        self.assertEqual(by["email"]["type"], "string")
        for k in ("filterable", "createable", "updateable"):
            self.assertIs(by["email"][k], True, k)
        # HubSpot's read-only property: the vendor field's flags
        self.assertEqual(by["created"]["type"], "date")
        self.assertIs(by["created"]["createable"], False)
        self.assertIs(by["created"]["vendorReadOnly"], True)
        self.assertIs(by["created"]["filterable"], True)
        # untyped in the transformation: the custom property's type
        self.assertEqual(by["shoe"]["type"], "number")
        self.assertEqual(by["shoe"]["vendorDisplayName"], "Shoe size")
        # a property the portal does not have: neither filtered nor written
        self.assertEqual(by["colour"]["vendorPath"], "properties.no_such_prop")
        for k in ("filterable", "createable", "updateable"):
            self.assertIs(by["colour"][k], False, k)
        self.assertIs(by["id"]["createable"], False)
        self.assertIs(by["id"]["filterable"], True)
        # not a property: written as it is, not filtered
        self.assertEqual(by["vid"]["type"], "number")
        self.assertIs(by["vid"]["filterable"], False)

    def test_metadata(self):
        f = self.ok("GET", "/objects/myContact/metadata").json()["fields"]
        self.check_fields(f)
        self.assertEqual([s["path"] for s in self.seen("/crm")],
                         ["/crm/v3/properties/contacts"])

    def test_expand(self):
        r = self.ok("GET", "/objects", query={"expand": "true"})
        objs = {o["name"]: o for o in r.json()}
        self.assertEqual(objs["myContact"]["type"], "vdr")
        self.check_fields(objs["myContact"]["fields"])
        paths = [s["path"] for s in self.seen("/crm/v3/properties")]
        self.assertEqual(paths.count("/crm/v3/properties/contacts"), 1)

    def test_instance_level(self):
        inst = self.hub.instance(name="own-vdr")
        r = self.hub.platform_call(
            "POST", "/instances/%s/transformations/onlyMine" % inst["id"],
            {"vendorName": "accounts", "fields": [
                {"path": "title", "type": "string", "vendorPath": "properties.name"}]})
        self.assertEqual(r.status, 200, r)
        self.assertIn("onlyMine", self.ok("GET", "/objects", token=inst["token"]).json())
        self.assertNotIn("onlyMine", self.ok("GET", "/objects").json())
        f = self.ok("GET", "/objects/onlyMine/metadata", token=inst["token"]).json()
        self.assertEqual(f["fields"][0]["vendorPath"], "properties.name")
        self.assertEqual(self.seen("/crm")[-1]["path"], "/crm/v3/properties/companies")


class RetrieveObjects(u.HubCase):
    """POST /instances with retrieveObjectsAfterInstantiation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for path, doc in (
                ("/organizations/objects/myContact/definitions", DEFINITION),
                ("/organizations/elements/hubspotcrm/transformations/myContact",
                 TRANSFORMATION)):
            r = cls.hub.platform_call("POST", path, doc)
            assert r.status == 200, r

    def create(self, element, value, name):
        body = {"element": {"key": element}, "name": name,
                "configuration": {"authentication.type": "apiKey",
                                  "hubspot.authorization.apikey": u.API_KEY}}
        if value is not None:
            body["retrieveObjectsAfterInstantiation"] = value
        return self.hub.platform_call("POST", "/instances", body)

    def count(self):
        return self.hub.platform_call("GET", "/instances/count").json()

    def test_objects_in_answer(self):
        r = self.create("hubspotcrm", True, "with-objects")
        self.assertEqual(r.status, 200, r)
        objs = {o["name"]: o for o in r.json()["objects"]}
        self.assertEqual(objs["accounts"], {"name": "accounts", "vendorName": "companies",
                                            "type": "ceCanonical"})
        self.assertEqual(objs["myContact"]["type"], "vdr")
        self.assertNotIn("files", objs)
        self.assertEqual(self.seen("/crm"), [])
        r = self.create("hubspot", "true", "mkt-with-objects")
        self.assertEqual(r.status, 200, r)
        names = [o["name"] for o in r.json()["objects"]]
        self.assertIn("files", names)
        self.assertNotIn("myContact", names)
        # the answer of a later read is the plain instance
        again = self.hub.platform_call("GET", "/instances/%s" % r.json()["id"]).json()
        self.assertNotIn("objects", again)

    def test_absent_or_false(self):
        for v in (None, False, "false"):
            r = self.create("hubspotcrm", v, "no-objects")
            self.assertEqual(r.status, 200, r)
            self.assertNotIn("objects", r.json())

    def test_bad_value(self):
        before = self.count()
        for v in ("yes", 1, {}, []):
            r = self.create("hubspotcrm", v, "bad")
            self.assertEqual(r.status, 400, r)
            self.assertIn("retrieveObjectsAfterInstantiation", r.json()["message"])
        self.assertEqual(self.count(), before)


if __name__ == "__main__":
    unittest.main()
