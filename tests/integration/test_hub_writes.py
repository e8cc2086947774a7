# SPDX-License-Identifier: MIT
"""Writes with null and nested values (src/hub/hub_crm.c body shaping,
issue 14): null clears a property on an update (HubSpot takes ""), is left
out of a create; arrays of scalars are multi-select values joined with ';';
objects are a 400 naming the field with nothing sent. Flat camelCase fields
and `properties` on both elements."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

PROPS = {"properties": {"contacts": [
    {"name": "colors", "label": "Colors", "type": "enumeration",
     "fieldType": "checkbox", "groupName": "contactinformation",
     "options": [{"label": "Red", "value": "red"}, {"label": "Blue", "value": "blue"}]}]}}


def sent(req):
    return json.loads(req["body"])


class Writes(u.HubCase):
    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures(PROPS)
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": "7101", "properties": {"email": "w@zz.test", "firstname": "Wil",
                                          "phone": "123"}}]}})
        self.hub.sim_clear()

    def test_null_clears_on_update(self):
        r = self.ok("PATCH", "/contacts/7101", {"firstname": None, "lastName": "X"})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts/7101", "PATCH")),
                         {"properties": {"firstname": "", "lastname": "X"}})
        self.assertNotIn("firstname", r.json()["properties"])
        got = self.ok("GET", "/contacts/7101").json()["properties"]
        self.assertNotIn("firstname", got)
        self.assertEqual(got["lastname"], "X")
        # inside "properties" and through PUT too
        self.ok("PUT", "/contacts/7101", {"properties": {"phone": None}})
        self.assertEqual(sent(self.seen("/crm/v3/objects/contacts/7101", "PATCH")[-1]),
                         {"properties": {"phone": ""}})

    def test_null_left_out_of_create(self):
        self.ok("POST", "/contacts", {"email": "n@zz.test", "phone": None})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts", "POST")),
                         {"properties": {"email": "n@zz.test"}})

    def test_multi_select_array(self):
        r = self.ok("PATCH", "/contacts/7101", {"colors": ["red", "blue"]})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts/7101", "PATCH")),
                         {"properties": {"colors": "red;blue"}})
        self.assertEqual(r.json()["properties"]["colors"], "red;blue")

    def test_objects_refused(self):
        for b, field in (({"address": {"city": "Paris"}}, "address"),
                         ({"properties": {"colors": [["red"]]}}, "colors[0]"),
                         ({"colors": [{"v": 1}]}, "colors[0]")):
            self.assert_error(self.call("PATCH", "/contacts/7101", b), 400, field)
            self.assert_error(self.call("POST", "/contacts", b), 400, field)
        self.assert_error(self.call("POST", "/contacts/batch/update", {
            "inputs": [{"id": "7101", "properties": {"a": {"b": 1}}}]}), 400, "inputs[0]", "a")
        self.assertEqual(self.seen("/crm"), [])

    def test_batch_update_null_clears(self):
        self.ok("POST", "/contacts/batch/update", {
            "inputs": [{"id": "7101", "properties": {"phone": None, "firstname": "Z"}}]})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts/batch/update")),
                         {"inputs": [{"id": "7101", "properties": {"phone": "",
                                                                   "firstname": "Z"}}]})
        self.ok("POST", "/contacts/batch/create", {
            "inputs": [{"properties": {"email": "bc@zz.test", "phone": None}}]})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts/batch/create")),
                         {"inputs": [{"properties": {"email": "bc@zz.test"}}]})


class MarketingWrites(u.HubCase):
    """Flat camelCase fields and `properties` on the Marketing element."""

    @classmethod
    def setUpClass(cls):
        cls.hub = u.Hub()
        try:
            cls.inst = cls.hub.instance(element="hubspot")
        except Exception:
            cls.hub.stop()
            raise
        cls.tok = cls.inst["token"]

    def call(self, method, path, body=None, token=None, **kw):
        return self.hub.call(token or self.tok, method, path, body=body,
                             hub="marketing", **kw)

    def test_flat_and_properties(self):
        r = self.ok("POST", "/contacts", {"firstName": "Ada", "lastName": "Byron",
                                          "email": "ada.m@zz.test", "city": "London",
                                          "zip": "N1"})
        self.assertEqual(sent(self.seen_one("/crm/v3/objects/contacts", "POST")),
                         {"properties": {"firstname": "Ada", "lastname": "Byron",
                                         "email": "ada.m@zz.test", "city": "London",
                                         "zip": "N1"}})
        cid = r.json()["id"]
        self.ok("PATCH", "/contacts/" + cid, {"properties": {"firstName": "Augusta",
                                                             "city": None}})
        got = self.ok("GET", "/contacts/" + cid).json()["properties"]
        self.assertEqual(got["firstname"], "Augusta")
        self.assertNotIn("city", got)
        r = self.ok("POST", "/accounts", {"name": "Acme M", "description": "d"})
        self.assertEqual(r.json()["properties"]["name"], "Acme M")


if __name__ == "__main__":
    unittest.main()
