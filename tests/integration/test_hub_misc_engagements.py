# SPDX-License-Identifier: MIT
"""Activities (HubSpot engagements v1) and timeline event types (timeline v3)
over real HTTP, elementsd against hubspot-sim: Cloud Elements shapes in and
out, and what HubSpot received."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

ENG = "/engagements/v1/engagements"
TL = "/integrators/timeline/v3"
TPL = TL + "/%d/event-templates" % u.APP_ID


def body(req):
    return json.loads(req["body"]) if req["body"] else None


def note(text, contact=None, company=None):
    b = {"engagement": {"active": True, "ownerId": 31400011, "type": "NOTE",
                        "timestamp": 1767600000000},
         "metadata": {"body": text}}
    if contact or company:
        b["associations"] = {"contactIds": [contact] if contact else [],
                             "companyIds": [company] if company else []}
    return b


class Activities(u.HubCase):
    def test_crud(self):
        r = self.ok("POST", "/activities", note("hello", contact=101))
        a = r.json()
        self.assertEqual(a["id"], a["engagement"]["id"])
        self.assertEqual(a["metadata"], {"body": "hello"})
        self.assertEqual(body(self.seen_one(ENG, "POST")), note("hello", contact=101))
        path = "/activities/%d" % a["id"]
        self.assertEqual(self.ok("GET", path).json()["engagement"]["id"], a["id"])
        p = self.ok("PATCH", path, {"metadata": {"body": "edited"}}).json()
        self.assertEqual((p["id"], p["metadata"]["body"]), (a["id"], "edited"))
        req = self.seen(ENG, "PATCH")[0]
        self.assertEqual((req["path"], body(req)),
                         (ENG + "/%d" % a["id"], {"metadata": {"body": "edited"}}))
        self.assertEqual(self.ok("DELETE", path).json(), {})
        self.assertEqual(self.seen(ENG, "DELETE")[0]["status"], 204)
        self.assertEqual(self.call("GET", path).status, 404)

    def test_put(self):
        a = self.ok("POST", "/activities", note("x")).json()
        self.ok("PUT", "/activities/%d" % a["id"], {"metadata": {"body": "y"}})
        self.assertEqual(len(self.seen(ENG, "PUT")), 1)

    def test_list(self):
        r = self.ok("GET", "/activities")
        acts = r.json()
        self.assertEqual(len(acts), 3)
        self.assertEqual(r.header("Elements-Returned-Count"), "3")
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        self.assertTrue(all(a["id"] == a["engagement"]["id"] for a in acts))
        req = self.seen_one(ENG)
        self.assertEqual((req["path"], req["query"]), (ENG + "/paged", {"limit": "100"}))

    def test_list_paging(self):
        for i in range(4):
            self.ok("POST", "/activities", note("n%d" % i))
        whole = self.ok("GET", "/activities", query={"pageSize": 7}).json()
        self.assertEqual(len(whole), 7)
        self.hub.sim_clear()
        p1 = self.ok("GET", "/activities", query={"pageSize": 3})
        tok = p1.header("Elements-Next-Page-Token")
        p2 = self.ok("GET", "/activities", query={"pageSize": 3, "nextPage": tok})
        p3 = self.ok("GET", "/activities", query={
            "pageSize": 3, "nextPage": p2.header("Elements-Next-Page-Token")})
        self.assertEqual(p1.json() + p2.json() + p3.json(), whole)
        self.assertIsNone(p3.header("Elements-Next-Page-Token"))
        q = [x["query"] for x in self.seen(ENG)]
        self.assertEqual(q[0], {"limit": "3"})
        self.assertEqual(q[1], {"limit": "3", "offset": str(p1.json()[-1]["id"])})
        self.assertEqual(self.ok("GET", "/activities",
                                 query={"pageSize": 3, "page": 2}).json(), p2.json())
        self.assertEqual(self.ok("GET", "/activities",
                                 query={"pageSize": 3, "page": 4}).json(), [])

    def test_list_errors(self):
        self.assert_error(self.call("GET", "/activities", query={"where": "type='NOTE'"}),
                          400, "where")
        owners = self.ok("GET", "/owners", query={"pageSize": 1})
        self.assert_error(self.call("GET", "/activities", query={
            "nextPage": owners.header("Elements-Next-Page-Token")}), 400, "nextPage")
        r = self.ok("GET", "/activities", query={"pageSize": 101})
        self.assertIn("clipped", r.header("Elements-Error"))
        self.assert_error(self.call("POST", "/activities", [1]), 400, "JSON object")
        self.assert_error(self.call("DELETE", "/activities"), 405)
        self.assert_error(self.call("GET", "/activities/1/x"), 404)
        r = self.call("POST", "/activities", {"engagement": {"type": "BOGUS"}})
        self.assertEqual(r.status, 400, r)
        self.assertIn("providerMessage", r.json())

    def test_per_record(self):
        self.ok("POST", "/activities", note("on ada", contact=110))
        self.ok("POST", "/activities", note("on acme", company=2005))
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts/110/activities")
        self.assertEqual([a["metadata"]["body"] for a in r.json()], ["on ada"])
        self.assertEqual(r.header("Elements-Returned-Count"), "1")
        self.assertEqual(self.seen_one(ENG)["path"], ENG + "/associated/CONTACT/110/paged")
        self.hub.sim_clear()
        r = self.ok("GET", "/accounts/2005/activities")
        self.assertEqual([a["metadata"]["body"] for a in r.json()], ["on acme"])
        self.assertEqual(self.seen_one(ENG)["path"], ENG + "/associated/COMPANY/2005/paged")
        self.hub.sim_clear()
        self.ok("GET", "/opportunities/3001/activities")
        self.assertEqual(self.seen_one(ENG)["path"], ENG + "/associated/DEAL/3001/paged")

    def test_per_record_paging(self):
        for i in range(3):
            self.ok("POST", "/activities", note("c%d" % i, contact=111))
        p1 = self.ok("GET", "/contacts/111/activities", query={"pageSize": 2})
        self.assertEqual(len(p1.json()), 2)
        p2 = self.ok("GET", "/contacts/111/activities", query={
            "pageSize": 2, "nextPage": p1.header("Elements-Next-Page-Token")})
        self.assertEqual([a["metadata"]["body"] for a in p2.json()], ["c2"])
        self.assertEqual(self.ok("GET", "/contacts/111/activities",
                                 query={"pageSize": 2, "page": 2}).json(), p2.json())
        self.assert_error(self.call("POST", "/contacts/111/activities", note("x")), 405)
        self.assert_error(self.call("GET", "/contacts/111/activities/1"), 404)


class Timeline(u.HubCase):
    CONFIG = {"hubspot.developer.apikey": u.DEV_KEY}

    def create(self, name="webinar-attended"):
        return self.ok("POST", "/timeline-event-types", {"name": name}).json()

    def test_create_and_list(self):
        t = self.create()
        self.assertTrue(t["id"])
        self.assertEqual(t["name"], "webinar-attended")
        req = self.seen_one(TPL, "POST")
        self.assertEqual((req["path"], req["query"]), (TPL, {"hapikey": u.DEV_KEY}))
        self.assertEqual(body(req), {"name": "webinar-attended", "objectType": "contacts",
                                     "headerTemplate": "webinar-attended",
                                     "detailTemplate": "webinar-attended", "tokens": []})
        self.create("second")
        r = self.ok("GET", "/timeline-event-types")
        self.assertEqual([x["name"] for x in r.json()], ["webinar-attended", "second"])
        self.assertEqual(r.header("Elements-Returned-Count"), "2")
        p1 = self.ok("GET", "/timeline-event-types", query={"pageSize": 1})
        self.assertEqual(len(p1.json()), 1)
        p2 = self.ok("GET", "/timeline-event-types", query={
            "pageSize": 1, "nextPage": p1.header("Elements-Next-Page-Token")})
        self.assertEqual(p2.json()[0]["name"], "second")
        self.assertIsNone(p2.header("Elements-Next-Page-Token"))
        self.assertEqual(self.seen(TPL, "GET")[0]["query"], {"hapikey": u.DEV_KEY})

    def test_create_v1_shape(self):
        self.ok("POST", "/timeline-event-types", {
            "name": "call", "objectType": "COMPANY", "headerTemplate": "Call",
            "properties": [{"name": "topic", "label": "Topic", "propertyType": "String"},
                           {"name": "level", "label": "Level",
                            "propertyType": "Enumeration",
                            "options": [{"value": "a", "label": "A"}]}]})
        self.assertEqual(body(self.seen_one(TPL, "POST")), {
            "name": "call", "objectType": "companies", "headerTemplate": "Call",
            "detailTemplate": "call",
            "tokens": [{"name": "topic", "label": "Topic", "type": "string", "options": []},
                       {"name": "level", "label": "Level", "type": "enumeration",
                        "options": [{"label": "A", "value": "a"}]}]})

    def test_update_and_delete(self):
        t = self.create()
        self.hub.sim_clear()
        r = self.ok("PATCH", "/timeline-event-types/%s" % t["id"], {"name": "renamed"})
        self.assertEqual(r.json()["name"], "renamed")
        calls = self.seen(TPL)
        self.assertEqual([c["method"] for c in calls], ["GET", "PUT"])
        self.assertEqual(calls[1]["path"], TPL + "/" + t["id"])
        self.assertEqual(calls[1]["query"], {"hapikey": u.DEV_KEY})
        self.assertEqual(body(calls[1]), {"id": t["id"], "name": "renamed",
                                          "headerTemplate": "webinar-attended",
                                          "detailTemplate": "webinar-attended",
                                          "tokens": []})
        self.assertEqual(self.ok("DELETE", "/timeline-event-types/%s" % t["id"]).json(), {})
        self.assertEqual(self.call("GET", "/timeline-event-types/%s" % t["id"]).status, 404)

    def test_properties(self):
        t = self.create()
        base = "/timeline-event-types/%s/properties" % t["id"]
        p = self.ok("POST", base, {"name": "topic", "label": "Topic",
                                   "propertyType": "String"}).json()
        self.assertEqual((p["id"], p["name"], p["label"], p["propertyType"]),
                         ("topic", "topic", "Topic", "String"))
        req = self.seen_one(TPL + "/%s/tokens" % t["id"], "POST")
        self.assertEqual(req["query"], {"hapikey": u.DEV_KEY})
        self.assertEqual(body(req), {"name": "topic", "label": "Topic", "type": "string",
                                     "options": []})
        self.hub.sim_clear()
        p = self.ok("PATCH", base + "/topic", {"label": "Subject"}).json()
        self.assertEqual((p["id"], p["label"]), ("topic", "Subject"))
        calls = self.seen(TPL)
        self.assertEqual([c["method"] for c in calls], ["GET", "PUT"])
        self.assertEqual(calls[1]["path"], TPL + "/%s/tokens/topic" % t["id"])
        self.assertEqual(body(calls[1]), {"label": "Subject", "options": []})
        listed = self.ok("GET", base).json()
        self.assertEqual([(x["id"], x["label"]) for x in listed], [("topic", "Subject")])
        self.assert_error(self.call("PATCH", base + "/nope", {"label": "x"}), 404, "nope")
        self.assertEqual(self.ok("DELETE", base + "/topic").json(), {})
        self.assertEqual(self.ok("GET", base).json(), [])
        self.assert_error(self.call("POST", base, {"label": "no name"}), 400, "name")
        self.assert_error(self.call("POST", base, {"name": "x", "propertyType": "Blob"}),
                          400, "propertyType")

    def test_events(self):
        t = self.create()
        self.ok("POST", "/timeline-event-types/%s/properties" % t["id"],
                {"name": "topic", "label": "Topic", "propertyType": "String"})
        ev = "/timeline-event-types/%s/events" % t["id"]
        self.hub.sim_clear()
        r = self.ok("POST", ev, {"id": "evt-7", "email": "ada.lovelace@example.test",
                                 "topic": "APIs", "timestamp": 1767600000123,
                                 "extraData": {"seat": "B12"}})
        self.assertEqual(r.json(), {})
        req = self.seen_one(TL + "/events", "POST")
        self.assertEqual(req["query"], {})
        self.assertEqual(body(req), {"eventTemplateId": t["id"], "id": "evt-7",
                                     "email": "ada.lovelace@example.test",
                                     "timestamp": "2026-01-05T08:00:00.123Z",
                                     "extraData": {"seat": "B12"},
                                     "tokens": {"topic": "APIs"}})
        got = self.ok("GET", ev + "/evt-7").json()
        self.assertEqual((got["id"], got["email"], got["topic"]),
                         ("evt-7", "ada.lovelace@example.test", "APIs"))
        self.assertEqual(self.seen(TL + "/events", "GET")[0]["path"],
                         TL + "/events/%s/evt-7" % t["id"])
        self.assert_error(self.call("PATCH", ev + "/evt-7", {"topic": "x"}), 405,
                          "immutable")
        self.assert_error(self.call("POST", ev, {"id": "e", "email": "a@b", "x": {}}),
                          400, "'x'")
        self.assertEqual(self.call("GET", ev + "/nope").status, 404)
        self.assert_error(self.call("GET", ev), 405)

    def test_app_id_from_configuration(self):
        inst = self.hub.instance({"hubspot.developer.apikey": u.DEV_KEY,
                                  "hubspot.timeline.app.id": "99"}, name="other")
        self.hub.sim_clear()
        r = self.call("GET", "/timeline-event-types", token=inst["token"])
        self.assertEqual(r.status, 404, r)  # the sim knows no app 99
        self.assertEqual(self.seen_one(TL)["path"], TL + "/99/event-templates")
        bad = self.hub.instance({"hubspot.timeline.app.id": "x1"}, name="bad")
        self.assert_error(self.call("GET", "/timeline-event-types", token=bad["token"]),
                          400, "hubspot.timeline.app.id")
        # events name their template only: no app id needed
        t = self.create()
        r = self.call("POST", "/timeline-event-types/%s/events" % t["id"],
                      {"id": "e1", "email": "ada.lovelace@example.test"}, token=bad["token"])
        self.assertEqual((r.status, r.json()), (200, {}))

    def test_without_developer_key(self):
        inst = self.hub.instance(name="nokey")
        self.hub.sim_clear()
        r = self.call("GET", "/timeline-event-types", token=inst["token"])
        self.assertEqual(r.status, 401, r)  # the instance's bearer is not a developer key
        self.assertEqual(self.seen_one(TL)["query"], {})


if __name__ == "__main__":
    unittest.main()
