# SPDX-License-Identifier: MIT
"""Properties and property groups through the hub (issue 14,
docs/hub-api.md "Properties and property groups") against hubspot-sim's
CRM v3 properties API: full CRUD of /{contacts,accounts,opportunities}/
properties[/{name}] and /propertygroups[/{name}] on hubspotcrm and hubspot;
Cloud Elements' classic bodies (group displayName, v1 members, a new name
on update) become HubSpot's v3 bodies, what HubSpot refuses left out;
HubSpot's 409 on a duplicate and 404 on an unknown name come back with
providerMessage."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402


def body(req):
    return json.loads(req["body"]) if req["body"] else None


class HubProperties(hubutil.HubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.mkt = cls.hub.instance(name="mkt", element="hubspot")
        except Exception:
            cls.hub.stop()
            raise

    def each_element(self):
        yield "crm", self.tok
        yield "marketing", self.mkt["token"]

    def crud(self, hub, tok, resource, hs):
        def call(method, path, b=None):
            return self.hub.call(tok, method, path, body=b, hub=hub)

        def ok(method, path, b=None):
            r = call(method, path, b)
            self.assertEqual(r.status, 200, (hub, method, path, r))
            return r.json()

        base = "/crm/v3/properties/" + hs
        # a group, classic shape: displayName is HubSpot's label
        self.hub.sim_clear()
        g = ok("POST", "/%s/propertygroups" % resource,
               {"name": "migr", "displayName": "Migration", "displayOrder": 3})
        self.assertEqual((g["name"], g["label"], g["displayName"]),
                         ("migr", "Migration", "Migration"))
        sent = body(self.seen_one(base + "/groups", "POST"))
        self.assertEqual(sent, {"name": "migr", "label": "Migration", "displayOrder": 3})
        groups = ok("GET", "/%s/propertygroups" % resource)
        self.assertIn("migr", [x["name"] for x in groups])
        self.assertTrue(all("displayName" in x for x in groups))
        self.assertEqual(ok("GET", "/%s/propertygroups/migr" % resource)["label"],
                         "Migration")
        # duplicate: HubSpot's 409 with its message
        r = call("POST", "/%s/propertygroups" % resource,
                 {"name": "migr", "displayName": "Again"})
        self.assert_error(r, 409)
        self.assertIn("already exists", r.json()["providerMessage"])
        # a group rename is left out; the label changes
        self.hub.sim_clear()
        g = ok("PATCH", "/%s/propertygroups/migr" % resource,
               {"name": "other", "displayName": "Migrated"})
        self.assertEqual((g["name"], g["label"]), ("migr", "Migrated"))
        self.assertEqual(body(self.seen_one(base + "/groups/migr", "PATCH")),
                         {"label": "Migrated"})
        # a property, classic v1 shape (v1-only members are left out)
        self.hub.sim_clear()
        p = ok("POST", "/%s/properties" % resource, {
            "name": "legacy_code", "label": "Legacy code", "groupName": "migr",
            "type": "enumeration", "fieldType": "select", "readOnlyValue": False,
            "favorited": False, "deleted": None,
            "options": [{"label": "A", "value": "a", "readOnly": False},
                        {"label": "B", "value": "b"}]})
        self.assertEqual((p["name"], p["groupName"], p["type"]),
                         ("legacy_code", "migr", "enumeration"))
        sent = body(self.seen_one(base, "POST"))
        self.assertEqual(sorted(sent), ["fieldType", "groupName", "label", "name",
                                        "options", "type"])
        self.assertEqual(sent["options"][0],
                         {"label": "A", "value": "a", "displayOrder": 0, "hidden": False})
        self.assertEqual([x["value"] for x in p["options"]], ["a", "b"])
        self.assertIn("legacy_code",
                      [x["name"] for x in ok("GET", "/%s/properties" % resource)])
        self.assertEqual(ok("GET", "/%s/properties/legacy_code" % resource)["label"],
                         "Legacy code")
        r = call("POST", "/%s/properties" % resource, {
            "name": "legacy_code", "label": "X", "groupName": "migr",
            "type": "string", "fieldType": "text"})
        self.assert_error(r, 409)
        # update: a new name is left out (HubSpot cannot rename); PUT = PATCH
        for verb in ("PATCH", "PUT"):
            self.hub.sim_clear()
            p = ok(verb, "/%s/properties/legacy_code" % resource,
                   {"name": "renamed", "label": "Code " + verb, "readOnlyValue": True})
            self.assertEqual((p["name"], p["label"]), ("legacy_code", "Code " + verb))
            self.assertEqual(body(self.seen_one(base + "/legacy_code", "PATCH")),
                             {"label": "Code " + verb})
        # bad input: a 400 naming the member, nothing sent
        self.hub.sim_clear()
        self.assert_error(call("POST", "/%s/properties" % resource,
                               {"name": "x", "label": "X", "type": "string",
                                "fieldType": "text"}), 400, "groupName")
        self.assert_error(call("POST", "/%s/propertygroups" % resource,
                               {"name": "g"}), 400, "label")
        self.assert_error(call("PATCH", "/%s/properties/legacy_code" % resource,
                               {"options": 7}), 400, "options")
        self.assertEqual(self.seen(base), [])
        # delete, then 404 from HubSpot
        self.assertEqual(ok("DELETE", "/%s/properties/legacy_code" % resource), {})
        self.seen_one(base + "/legacy_code", "DELETE")
        r = call("GET", "/%s/properties/legacy_code" % resource)
        self.assert_error(r, 404)
        self.assertIn("legacy_code", r.json()["providerMessage"])
        self.assertEqual(ok("DELETE", "/%s/propertygroups/migr" % resource), {})
        self.assert_error(call("GET", "/%s/propertygroups/migr" % resource), 404)
        self.assert_error(call("POST", "/%s/properties/x" % resource, {}), 405)

    def test_contacts(self):
        for hub, tok in self.each_element():
            self.hub.sim_reset()
            self.crud(hub, tok, "contacts", "contacts")

    def test_accounts(self):
        for hub, tok in self.each_element():
            self.hub.sim_reset()
            self.crud(hub, tok, "accounts", "companies")

    def test_opportunities(self):
        for hub, tok in self.each_element():
            self.hub.sim_reset()
            self.crud(hub, tok, "opportunities", "deals")

    def test_sim_refuses_unknown_update_members(self):
        # what the hub leaves out: HubSpot's v3 update models have no name
        hd = {"Authorization": "Bearer " + hubutil.API_KEY}
        r = hubutil.h.request(self.hub.sim.base, "PATCH",
                              "/crm/v3/properties/contacts/firstname",
                              body={"name": "x", "label": "First"}, headers=hd)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["category"], "VALIDATION_ERROR")
        self.assertIn('Unrecognized field "name"', r.json()["message"])
        r = hubutil.h.request(self.hub.sim.base, "PATCH",
                              "/crm/v3/properties/contacts/groups/contactinformation",
                              body={"displayName": "x"}, headers=hd)
        self.assertEqual(r.status, 400, r)


if __name__ == "__main__":
    unittest.main()
