# SPDX-License-Identifier: MIT
"""Hub resources of src/hub/hub_{objects,owners,pipelines}.c over real HTTP,
elementsd against hubspot-sim:
the object catalogue and metadata, property lists, owners and pipelines.
Each test checks the Cloud Elements response (status, shape, headers) and
what HubSpot received. Activities and timeline: test_hub_misc_engagements.py."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402


def body(req):
    return json.loads(req["body"]) if req["body"] else None


class Objects(u.HubCase):
    def test_names(self):
        r = self.ok("GET", "/objects")
        names = r.json()
        for n in ("contacts", "accounts", "opportunities", "leads", "activities",
                  "owners", "pipelines", "timeline-event-types"):
            self.assertIn(n, names)
        self.assertTrue(all(isinstance(n, str) for n in names))
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(names)))
        # only the portal's custom objects (test_hub_custom_objects.py)
        self.assertEqual([x["path"] for x in self.seen("/crm") + self.seen("/engagements")],
                         ["/crm/v3/schemas"])

    def test_helium(self):
        objs = self.ok("GET", "/objects", headers={"Elements-Version": "Helium"}).json()
        by = {o["name"]: o for o in objs}
        self.assertEqual(by["accounts"], {"name": "accounts", "vendorName": "companies",
                                          "type": "ceCanonical"})
        self.assertEqual(by["opportunities"]["vendorName"], "deals")
        self.assertEqual(by["tickets"]["type"], "vendor")
        self.assertTrue(all(set(o) == {"name", "vendorName", "type"} for o in objs))

    def test_disabled_instance(self):
        inst = self.hub.instance(name="disabled")
        r = self.hub.platform_call("DELETE", "/instances/%s/enabled" % inst["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.call("GET", "/objects", token=inst["token"]).status, 200)
        self.assertEqual(self.call("GET", "/objects", token=inst["token"],
                                   headers={"Elements-Version": "Helium"}).status, 200)
        self.assert_error(self.call("GET", "/owners", token=inst["token"]), 403)
        self.assert_error(self.call("GET", "/objects/contacts/metadata",
                                    token=inst["token"]), 403, "disabled")
        self.assertEqual(self.seen("/crm"), [])

    def test_methods_and_paths(self):
        self.assert_error(self.call("POST", "/objects", {}), 405)
        self.assert_error(self.call("GET", "/objects/contacts"), 404)
        self.assert_error(self.call("GET", "/objects/contacts/docs"), 404)

    def test_metadata(self):
        for name, hs in (("contacts", "contacts"), ("accounts", "companies"),
                         ("opportunities", "deals"), ("leads", "contacts"),
                         ("tickets", "tickets")):
            self.hub.sim_clear()
            r = self.ok("GET", "/objects/%s/metadata" % name)
            fields = r.json()["fields"]
            self.assertEqual(self.seen_one("/crm/v3/properties")["path"],
                             "/crm/v3/properties/" + hs)
            keys = {"vendorPath", "type", "vendorDisplayName", "vendorReadOnly",
                    "vendorRequired", "filterable", "createable", "updateable"}
            self.assertTrue(all(set(f) == keys for f in fields), fields[:3])
        email = [f for f in self.ok("GET", "/objects/contacts/metadata").json()["fields"]
                 if f["vendorPath"] == "properties.email"][0]
        self.assertEqual(email, {"vendorPath": "properties.email", "type": "string",
                                 "vendorDisplayName": "Email", "vendorReadOnly": False,
                                 "vendorRequired": False, "filterable": True,
                                 "createable": True, "updateable": True})
        fields = self.ok("GET", "/objects/contacts/metadata").json()["fields"]
        by = {f["vendorPath"]: f for f in fields}
        self.assertEqual(by["properties.createdate"]["type"], "date")
        self.assertTrue(by["properties.createdate"]["vendorReadOnly"])
        self.assertFalse(by["properties.createdate"]["updateable"])

    def test_metadata_errors(self):
        # owners have static fields in the catalogue: no HubSpot call
        self.assertIn("email", [f["vendorPath"] for f in
                                self.ok("GET", "/objects/owners/metadata").json()["fields"]])
        self.assertEqual(self.seen("/crm/v3/properties"), [])
        r = self.call("GET", "/objects/nosuchthing/metadata")
        self.assertEqual(r.status, 400, r)
        self.assertIn("providerMessage", r.json())
        self.assert_error(self.call("GET", "/objects/a.b/metadata"), 404)

    def test_contact_properties(self):
        r = self.ok("GET", "/contacts/properties")
        props = r.json()
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(props)))
        self.assertIn("email", [p["name"] for p in props])
        self.assertEqual(self.seen_one("/crm/v3/properties")["path"],
                         "/crm/v3/properties/contacts")
        one = self.ok("GET", "/contacts/properties/email").json()
        self.assertEqual(one["name"], "email")
        self.ok("GET", "/accounts/properties")
        self.assertEqual(self.seen("/crm/v3/properties")[-1]["path"],
                         "/crm/v3/properties/companies")
        # a create needs HubSpot's required members (test_hub_properties.py)
        self.assert_error(self.call("POST", "/contacts/properties", {"name": "x"}), 400, "label")

    def test_contacts_still_served_by_crm(self):
        self.assertEqual(self.ok("GET", "/contacts/101").json()["id"], "101")
        self.assert_error(self.call("GET", "/contacts/101/notathing"), 404)


class Owners(u.HubCase):
    def test_list(self):
        r = self.ok("GET", "/owners")
        owners = r.json()
        self.assertEqual(len(owners), 5)  # the archived one is left out
        self.assertEqual(r.header("Elements-Returned-Count"), "5")
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        o = owners[0]
        self.assertEqual(o["ownerId"], int(o["id"]))
        self.assertNotIn("userId", [k for k, v in o.items() if v is None])
        req = self.seen_one("/crm/v3/owners")
        self.assertEqual((req["method"], req["path"], req["query"]),
                         ("GET", "/crm/v3/owners", {"limit": "100"}))

    def test_where_email(self):
        first = self.ok("GET", "/owners").json()[0]
        self.hub.sim_clear()
        r = self.ok("GET", "/owners", query={"where": "email = '%s'" % first["email"]})
        self.assertEqual([o["id"] for o in r.json()], [first["id"]])
        self.assertEqual(self.seen_one("/crm/v3/owners")["query"],
                         {"email": first["email"], "limit": "100"})

    def test_where_unsupported(self):
        cases = (("firstName = 'Rita'", "firstname"),
                 ("email = 'a@b' OR email = 'c@d'", "OR"),
                 ("email = 'a@b' AND email = 'c@d'", "AND"),
                 ("email != 'a@b'", "NEQ"),
                 ("email LIKE 'a%'", "CONTAINS_TOKEN"))
        for where, word in cases:
            self.assert_error(self.call("GET", "/owners", query={"where": where}), 400,
                              "email='...'", word)
        self.assert_error(self.call("GET", "/owners", query={"where": "email = "}), 400,
                          "CEQL")
        self.assert_error(self.call("GET", "/owners", query={"orderBy": "email"}), 400,
                          "orderBy")
        self.assertEqual(self.seen("/crm/v3/owners"), [])

    def test_get(self):
        o = self.ok("GET", "/owners/31400012").json()
        self.assertEqual((o["id"], o["ownerId"]), ("31400012", 31400012))
        self.assertEqual(self.seen_one("/crm/v3/owners")["path"], "/crm/v3/owners/31400012")
        self.assertEqual(self.call("GET", "/owners/999").status, 404)

    def test_paging(self):
        r1 = self.ok("GET", "/owners", query={"pageSize": 2})
        self.assertEqual(len(r1.json()), 2)
        tok = r1.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        r2 = self.ok("GET", "/owners", query={"pageSize": 2, "nextPage": tok})
        by_page = self.ok("GET", "/owners", query={"pageSize": 2, "page": 2})
        self.assertEqual(r2.json(), by_page.json())
        self.assertEqual(len(r2.json()), 2)
        whole = self.ok("GET", "/owners", query={"pageSize": 4}).json()
        self.assertEqual(r1.json() + r2.json(), whole)
        last = self.ok("GET", "/owners", query={"pageSize": 2, "page": 3})
        self.assertEqual(len(last.json()), 1)
        self.assertIsNone(last.header("Elements-Next-Page-Token"))
        self.assertEqual(self.ok("GET", "/owners", query={"pageSize": 2, "page": 9}).json(),
                         [])
        queries = [q["query"] for q in self.seen("/crm/v3/owners")]
        self.assertEqual(queries[0], {"limit": "2"})
        self.assertEqual(queries[1]["limit"], "2")
        self.assertIn("after", queries[1])

    def test_paging_errors(self):
        self.assert_error(self.call("GET", "/owners", query={"pageSize": "x"}), 400,
                          "pageSize")
        self.assert_error(self.call("GET", "/owners", query={"page": "0"}), 400, "page")
        self.assert_error(self.call("GET", "/owners", query={"nextPage": "zz"}), 400,
                          "nextPage")
        self.assert_error(self.call("GET", "/owners", query={"page": 200, "pageSize": 100}),
                          400, "nextPage")
        r = self.ok("GET", "/owners", query={"pageSize": 500})
        self.assertIn("clipped to 100", r.header("Elements-Error"))
        self.assertEqual(self.seen("/crm/v3/owners")[-1]["query"], {"limit": "100"})

    def test_read_only(self):
        self.assert_error(self.call("POST", "/owners", {"email": "a@b"}), 405)
        self.assert_error(self.call("DELETE", "/owners/31400012"), 405)
        self.assert_error(self.call("GET", "/owners/31400012/x"), 404)


STAGES = "/crm/v3/pipelines/deals"


class Pipelines(u.HubCase):
    def create(self):
        r = self.ok("POST", "/pipelines", {
            "label": "CE Pipe", "displayOrder": 2,
            "stages": [{"label": "Won", "displayOrder": 3, "probability": 1},
                       {"label": "Open"}]})
        return r.json()

    def test_list(self):
        r = self.ok("GET", "/pipelines")
        ps = r.json()
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(ps)))
        default = [p for p in ps if p["pipelineId"] == "default"][0]
        self.assertNotIn("id", default)
        st = default["stages"][0]
        self.assertEqual(st["stageId"], "appointmentscheduled")
        self.assertEqual(st["probability"], 0.2)
        self.assertEqual(st["metadata"]["probability"], "0.2")
        req = self.seen_one("/crm/v3/pipelines")
        self.assertEqual((req["method"], req["path"]), ("GET", STAGES))

    def test_list_paged_in_memory(self):
        r = self.ok("GET", "/pipelines", query={"pageSize": 1})
        self.assertEqual(len(r.json()), 1)
        r2 = self.ok("GET", "/pipelines",
                     query={"pageSize": 1, "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual(r2.json(), self.ok("GET", "/pipelines",
                                            query={"pageSize": 1, "page": 2}).json())
        self.assertNotEqual(r.json()[0]["pipelineId"], r2.json()[0]["pipelineId"])
        self.assertIsNone(r2.header("Elements-Next-Page-Token"))

    def test_create(self):
        p = self.create()
        self.assertTrue(p["pipelineId"])
        self.assertNotIn("id", p)
        self.assertEqual([(s["label"], s["probability"]) for s in p["stages"]],
                         [("Won", 1), ("Open", 0.5)])
        sent = body(self.seen_one(STAGES, "POST"))
        self.assertEqual(sent, {
            "label": "CE Pipe", "displayOrder": 2,
            "stages": [{"label": "Won", "displayOrder": 3, "metadata": {"probability": "1"}},
                       {"label": "Open", "displayOrder": 1,
                        "metadata": {"probability": "0.5"}}]})

    def test_create_with_ids_and_metadata(self):
        self.ok("POST", "/pipelines", {
            "pipelineId": "ce-p", "label": "Mine",
            "stages": [{"stageId": "ce-s", "label": "A",
                        "metadata": {"probability": 0.3, "isClosed": False}}]})
        sent = body(self.seen_one(STAGES, "POST"))
        self.assertEqual(sent, {"label": "Mine", "displayOrder": 0, "pipelineId": "ce-p",
                                "stages": [{"stageId": "ce-s", "label": "A", "displayOrder": 0,
                                            "metadata": {"probability": "0.3",
                                                         "isClosed": "false"}}]})
        got = self.ok("GET", "/pipelines/ce-p").json()
        self.assertEqual((got["pipelineId"], got["stages"][0]["stageId"]), ("ce-p", "ce-s"))

    def test_put_merges(self):
        p = self.create()
        won = p["stages"][0]["stageId"]
        self.hub.sim_clear()
        r = self.ok("PUT", "/pipelines/" + p["pipelineId"],
                    {"label": "CE Pipe 2", "stages": [{"label": "Won"}, {"label": "New"}]})
        calls = self.seen(STAGES)
        self.assertEqual([c["method"] for c in calls], ["GET", "PUT"])
        self.assertEqual(calls[1]["path"], STAGES + "/" + p["pipelineId"])
        self.assertEqual(body(calls[1]), {
            "label": "CE Pipe 2", "displayOrder": 2,
            "stages": [{"stageId": won, "label": "Won", "displayOrder": 0,
                        "metadata": {"probability": "1"}},
                       {"label": "New", "displayOrder": 1,
                        "metadata": {"probability": "0.5"}}]})
        out = r.json()
        self.assertEqual(out["label"], "CE Pipe 2")
        self.assertEqual(out["stages"][0]["stageId"], won)

    def test_patch_keeps_stages(self):
        p = self.create()
        r = self.ok("PATCH", "/pipelines/" + p["pipelineId"], {"label": "Renamed"})
        self.assertEqual([s["stageId"] for s in r.json()["stages"]],
                         [s["stageId"] for s in p["stages"]])
        self.assertEqual(r.json()["label"], "Renamed")

    def test_delete(self):
        p = self.create()
        r = self.ok("DELETE", "/pipelines/" + p["pipelineId"])
        self.assertEqual(r.json(), {})
        self.assertEqual(self.seen(STAGES, "DELETE")[0]["status"], 204)
        self.assertEqual(self.call("GET", "/pipelines/" + p["pipelineId"]).status, 404)

    def test_errors(self):
        self.assert_error(self.call("POST", "/pipelines", {"label": "x", "stages": {}}),
                          400, "stages")
        self.assert_error(self.call("POST", "/pipelines", {"label": "x", "stages": [1]}),
                          400, "stage")
        self.assert_error(self.call("POST", "/pipelines", [1]), 400, "JSON object")
        self.assertEqual(self.seen(STAGES), [])
        r = self.call("POST", "/pipelines", {"label": "Sales Pipeline", "stages": []})
        self.assertIn(r.status, (400, 409), r)
        self.assertIn("providerMessage", r.json())
        self.assert_error(self.call("PUT", "/pipelines/nope", {"label": "x"}), 404)
        self.assert_error(self.call("PATCH", "/pipelines"), 405)
        self.assert_error(self.call("GET", "/pipelines/default/stages"), 404)


class DocsPage(unittest.TestCase):
    def test_page(self):
        path = os.path.join(u.h.ROOT, "docs", "api", "hub-resources.md")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for section in ("Synopsis", "Request", "Responses", "Errors", "Example",
                        "See also"):
            self.assertRegex(text, r"(?m)^## %s$" % section)
        for p in ("/objects", "/objects/{objectName}/metadata", "/activities/{id}",
                  "/contacts/{id}/activities", "/accounts/{id}/activities",
                  "/contacts/properties", "/owners/{id}", "/pipelines/{pipelineId}",
                  "/timeline-event-types/{id}/properties/{name}",
                  "/timeline-event-types/{id}/events/{eventId}",
                  "hubspot.timeline.app.id", "hubspot.developer.apikey", '"0.5"'):
            self.assertIn(p, text)


if __name__ == "__main__":
    unittest.main()
