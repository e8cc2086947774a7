# SPDX-License-Identifier: MIT
"""hubspot-sim timeline: v3 templates, tokens and immutable events under both
prefixes, and the legacy v1 event types, properties and events."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import CLIENT, SimCase  # noqa: E402

DEV = "devkey-0001"
APP = 1234567
TEMPLATE = {
    "name": "Webinar registration", "objectType": "contacts",
    "headerTemplate": "Registered for {{webinarName}}", "detailTemplate": "Track: {{ track }}",
    "tokens": [
        {"name": "webinarName", "label": "Webinar", "type": "string", "options": []},
        {"name": "track", "label": "Track", "type": "enumeration",
         "options": [{"label": "Beginner", "value": "beg"}, {"label": "Advanced", "value": "adv"}]},
        {"name": "stage", "label": "Stage", "type": "string",
         "objectPropertyName": "lifecyclestage"}]}


class TimelineV3Test(SimCase):
    FLAGS = ("--developer-key", DEV, "--rate-limit", "0")

    def tpl_path(self, prefix="/integrators/timeline/v3", suffix=""):
        return "%s/%d/event-templates%s?hapikey=%s" % (prefix, APP, suffix, DEV)

    def create_template(self, prefix="/integrators/timeline/v3"):
        r = self.call("POST", self.tpl_path(prefix), TEMPLATE, token=None)
        self.assertEqual(r.status, 201, r)
        return r.json()

    def test_template_lifecycle_and_auth(self):
        t = self.create_template()
        self.assertEqual(t["objectType"], "contacts")
        self.assertEqual([x["name"] for x in t["tokens"]], ["webinarName", "track", "stage"])
        self.assertIn("createdAt", t)
        self.assertNotIn("_app", t)
        # the other prefix sees the same data
        r = self.call("GET", self.tpl_path("/crm/v3/timeline"), token=None)
        self.assertEqual([x["id"] for x in r.json()["results"]], [t["id"]])
        # developer key required; account keys and bearer tokens are not enough
        self.assert_error(self.call("GET", "/integrators/timeline/v3/%d/event-templates" % APP),
                          401, "INVALID_AUTHENTICATION")
        self.assert_error(self.call("GET", "/integrators/timeline/v3/%d/event-templates"
                                    "?hapikey=nope" % APP, token=None), 401)
        self.assert_error(self.call("GET", "/integrators/timeline/v3/999/event-templates"
                                    "?hapikey=" + DEV, token=None), 404)
        # tokens
        r = self.call("POST", self.tpl_path(suffix="/%s/tokens" % t["id"]),
                      {"name": "seat", "label": "Seat", "type": "number"}, token=None)
        self.assertEqual(r.status, 200, r)
        r = self.call("POST", self.tpl_path(suffix="/%s/tokens" % t["id"]),
                      {"name": "seat", "label": "Seat", "type": "number"}, token=None)
        self.assert_error(r, 400, "VALIDATION_ERROR")
        r = self.call("PUT", self.tpl_path(suffix="/%s/tokens/seat" % t["id"]),
                      {"label": "Seat no.", "options": []}, token=None)
        self.assertEqual(r.json()["label"], "Seat no.")
        self.assertEqual(r.json()["type"], "number")
        self.assertEqual(self.call("DELETE", self.tpl_path(suffix="/%s/tokens/seat" % t["id"]),
                                   token=None).status, 204)
        # PUT replaces name and tokens, keeps objectType
        r = self.call("PUT", self.tpl_path(suffix="/" + t["id"]),
                      {"id": t["id"], "name": "Renamed", "objectType": "deals",
                       "tokens": TEMPLATE["tokens"][:1]}, token=None)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["name"], r.json()["objectType"]), ("Renamed", "contacts"))
        self.assertEqual(self.call("DELETE", self.tpl_path(suffix="/" + t["id"]),
                                   token=None).status, 204)
        self.assert_error(self.call("GET", self.tpl_path(suffix="/" + t["id"]), token=None), 404)

    def test_template_validation(self):
        for bad in ({"name": "x", "objectType": "widgets", "tokens": []},
                    {"name": "x", "objectType": "contacts"},
                    {"name": "x", "objectType": "contacts",
                     "tokens": [{"name": "a b", "label": "A", "type": "string"}]},
                    {"name": "x", "objectType": "contacts",
                     "tokens": [{"name": "a", "label": "A", "type": "enumeration"}]}):
            self.assert_error(self.call("POST", self.tpl_path(), bad, token=None), 400,
                              "VALIDATION_ERROR")

    def test_events(self):
        t = self.create_template()
        tok = self.mint(client_id=CLIENT, scopes=["timeline"])["access_token"]
        ev = {"eventTemplateId": t["id"], "objectId": "101",
              "tokens": {"webinarName": "Intro to APIs", "track": "beg", "stage": "customer"},
              "extraData": {"seat": "B12"}, "id": "reg-{{uuid}}"}
        r = self.call("POST", "/integrators/timeline/v3/events", ev, token=tok)
        self.assertEqual(r.status, 201, r)
        b = r.json()
        self.assertTrue(b["id"].startswith("reg-") and len(b["id"]) == 40, b["id"])
        self.assertEqual((b["objectType"], b["objectId"]), ("contacts", "101"))
        self.assertEqual(b["extraData"], {"seat": "B12"})
        # objectPropertyName token set the CRM property
        c = self.call("GET", "/crm/v3/objects/contacts/101?properties=lifecyclestage").json()
        self.assertEqual(c["properties"]["lifecyclestage"], "customer")
        # read back under the other prefix; detail and render
        path = "/crm/v3/timeline/events/%s/%s" % (t["id"], b["id"])
        self.assertEqual(self.call("GET", path, token=tok).json(), b)
        self.assertEqual(self.call("GET", path + "/detail", token=tok).json(),
                         {"details": "Track: beg"})
        r = self.call("GET", path + "/render", token=tok)
        self.assertEqual(r.body.decode(), "Registered for Intro to APIs")
        # immutable: no update route
        self.assertEqual(self.call("PATCH", path, {"tokens": {}}, token=tok).status, 405)
        # email creates the contact when unknown
        r = self.call("POST", "/integrators/timeline/v3/events",
                      {"eventTemplateId": t["id"], "email": "new.person@example.test",
                       "tokens": {"track": "adv"}}, token=tok)
        self.assertEqual(r.status, 201, r)
        cid = r.json()["objectId"]
        c = self.call("GET", "/crm/v3/objects/contacts/%s" % cid).json()
        self.assertEqual(c["properties"]["email"], "new.person@example.test")
        # validation
        for bad, status in (({"eventTemplateId": t["id"], "objectId": "101",
                              "tokens": {"track": "expert"}}, 400),
                            ({"eventTemplateId": t["id"], "objectId": "101",
                              "tokens": {"nope": "x"}}, 400),
                            ({"eventTemplateId": t["id"], "objectId": "999999"}, 400),
                            ({"eventTemplateId": "424242", "objectId": "101"}, 404)):
            self.assert_error(self.call("POST", "/integrators/timeline/v3/events", bad,
                                        token=tok), status)
        # scope
        weak = self.mint(client_id=CLIENT, scopes=["crm.objects.contacts.read"])["access_token"]
        self.assert_error(self.call("POST", "/integrators/timeline/v3/events", ev, token=weak),
                          403, "MISSING_SCOPES")
        # batch: one good, one bad -> 207
        r = self.call("POST", "/integrators/timeline/v3/events/batch/create",
                      {"inputs": [{"eventTemplateId": t["id"], "objectId": "102", "tokens": {}},
                                  {"eventTemplateId": t["id"], "objectId": "0"}]}, token=tok)
        self.assertEqual(r.status, 207, r)
        self.assertEqual((len(r.json()["results"]), r.json()["numErrors"]), (1, 1))


class TimelineV1Test(SimCase):
    FLAGS = ("--developer-key", DEV, "--rate-limit", "0")

    def v1(self, suffix):
        return "/integrations/v1/%d/timeline%s?hapikey=%s&userId=1" % (APP, suffix, DEV)

    def test_event_types_properties_events(self):
        r = self.call("POST", self.v1("/event-types"),
                      {"name": "Demo", "headerTemplate": "Demo {{x}}", "objectType": "CONTACT",
                       "applicationId": APP}, token=None)
        self.assertEqual(r.status, 200, r)
        ty = r.json()
        self.assertIsInstance(ty["id"], int)
        self.assertEqual((ty["applicationId"], ty["objectType"]), (APP, "CONTACT"))
        tid = ty["id"]
        self.assertEqual([x["id"] for x in self.call("GET", self.v1("/event-types"),
                                                     token=None).json()], [tid])
        r = self.call("POST", self.v1("/event-types/%d/properties" % tid),
                      {"name": "presentationId", "label": "Presentation", "propertyType": "String"},
                      token=None)
        self.assertEqual(r.status, 200, r)
        prop = r.json()
        self.assertEqual(prop["eventTypeId"], tid)
        r = self.call("PUT", self.v1("/event-types/%d/properties" % tid),
                      {"id": prop["id"], "name": "ignored", "label": "Deck",
                       "propertyType": "String"}, token=None)
        self.assertEqual((r.json()["name"], r.json()["label"]), ("presentationId", "Deck"))
        self.assert_error(self.call("PUT", self.v1("/event-types/%d/properties" % tid),
                                    {"id": 1, "label": "x", "propertyType": "String"},
                                    token=None), 404)
        self.assert_error(self.call("POST", self.v1("/event-types/%d/properties" % tid),
                                    {"name": "timestamp", "label": "x", "propertyType": "String"},
                                    token=None), 400)
        # events: OAuth, 204, reused id -> 400
        tok = self.mint(client_id=CLIENT, scopes=["timeline"])["access_token"]
        path = "/integrations/v1/%d/timeline/event" % APP
        ev = {"id": "evt-1", "eventTypeId": tid, "email": "ada.lovelace@example.test",
              "presentationId": "9876543"}
        r = self.call("POST", path, ev, token=tok)
        self.assertEqual(r.status, 204, r)
        g = self.call("GET", "%s/%d/evt-1" % (path, tid), token=tok)
        self.assertEqual(g.status, 200, g)
        self.assertEqual((g.json()["id"], g.json()["email"]), ("evt-1", ev["email"]))
        self.assertEqual(g.json()["objectId"], "101")
        self.assert_error(self.call("PUT", path, ev, token=tok), 400, "VALIDATION_ERROR")
        r = self.call("PUT", path + "/batch",
                      {"eventWrappers": [dict(ev, id="evt-2"), dict(ev, id="evt-3")]}, token=tok)
        self.assertEqual(r.status, 204, r)
        r = self.call("POST", path + "/batch",
                      {"eventWrappers": [dict(ev, id="evt-4"), dict(ev, id="evt-1")]}, token=tok)
        self.assert_error(r, 400)
        self.assertEqual(self.call("GET", "%s/%d/evt-4" % (path, tid), token=tok).status, 404)
        # delete the property and the type
        self.assertEqual(self.call("DELETE", self.v1("/event-types/%d/properties/%d"
                                                     % (tid, prop["id"])), token=None).status, 204)
        self.assertEqual(self.call("DELETE", self.v1("/event-types/%d" % tid),
                                   token=None).status, 204)
        self.assert_error(self.call("GET", self.v1("/event-types/%d" % tid), token=None), 404)


if __name__ == "__main__":
    unittest.main()
