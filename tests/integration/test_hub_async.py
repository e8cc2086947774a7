# SPDX-License-Identifier: MIT
"""Elements-Async-Request on hub calls (src/events/async.c, issue 14; spec
elements-api.md §5.4): the immediate {"eventId","eventStatus":"dispatched"},
the call run as an internal hub call, the completion body queued through
the durable outbox (source "async") to Elements-Async-Callback-Url, else the
instance's callback URL, signed like events; errors carried with their
status and envelope; refusals before anything runs. Runs on SQLite and
(label pg) PostgreSQL."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402
import instutil  # noqa: E402
from test_events_outbox import Receiver, db_query, signature  # noqa: E402

HEX24 = re.compile(r"^[0-9a-f]{24}$")
ASYNC = {"Elements-Async-Request": "true"}


class Async(u.HubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rcv = Receiver()

    @classmethod
    def tearDownClass(cls):
        cls.rcv.close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.hub.sim_clear()
        with self.rcv.lock:
            self.rcv.got.clear()

    def data_dir(self):
        return os.path.join(self.hub.tmp, "data")

    def deliveries(self, inst_id):
        return db_query(self.data_dir(),
                        "SELECT event_id, source, url, status, body FROM event_deliveries "
                        "WHERE instance_id=%d ORDER BY id" % inst_id)

    def callbacks(self, n=1):
        got = instutil.wait_for(lambda: (lambda g: g if len(g) >= n else None)(
            self.rcv.requests()), timeout=20)
        self.assertTrue(got, "no callback came")
        return got

    def dispatch(self, method, path, body=None, url=None, token=None, **kw):
        hd = dict(ASYNC)
        if url is not False:
            hd["Elements-Async-Callback-Url"] = url or self.rcv.url
        hd.update(kw.pop("headers", {}))
        r = self.call(method, path, body, token=token, headers=hd, **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json()), {"eventId", "eventStatus"})
        self.assertEqual(r.json()["eventStatus"], "dispatched")
        self.assertRegex(r.json()["eventId"], HEX24)
        return r.json()["eventId"]

    def test_create_dispatched_then_called_back(self):
        # the sim holds the create 1.5 s: the client has its answer before
        # HubSpot has answered, and the call goes on without the client
        u.sim_fault(self.hub, "/crm/v3/objects/contacts", delay_ms=1500)
        eid = self.dispatch("POST", "/contacts", {"email": "async@zz.test",
                                                  "firstName": "Asy"})
        self.assertEqual(self.rcv.requests(), [])
        cb = self.callbacks()[0]
        self.assertEqual(cb["path"], "/cb")
        b = json.loads(cb["body"])
        self.assertEqual(set(b), {"eventId", "instanceId", "notificationId", "status",
                                  "response"})
        self.assertEqual(b["eventId"], eid)
        self.assertEqual(b["instanceId"], self.inst["id"])
        self.assertRegex(b["notificationId"], HEX24)
        self.assertNotEqual(b["notificationId"], eid)
        self.assertEqual(cb["headers"]["elements-webhook-id"], b["notificationId"])
        self.assertEqual(b["status"], 200)
        self.assertEqual(b["response"]["properties"]["email"], "async@zz.test")
        self.assertEqual(b["response"]["properties"]["firstname"], "Asy")
        # HubSpot got the create once; the record exists
        post = self.seen_one("/crm/v3/objects/contacts", "POST")
        self.assertEqual(json.loads(post["body"])["properties"]["email"], "async@zz.test")
        rid = b["response"]["id"]
        self.assertEqual(self.ok("GET", "/contacts/" + rid).json()["properties"]["email"],
                         "async@zz.test")
        # the outbox row: source async, the header's URL, delivered
        rows = instutil.wait_for(lambda: [r for r in self.deliveries(self.inst["id"])
                                          if r[0] == b["notificationId"] and
                                          r[3] == "delivered"], timeout=10)
        self.assertTrue(rows, self.deliveries(self.inst["id"]))
        self.assertEqual(rows[0][1:4], ["async", self.rcv.url, "delivered"])
        self.assertEqual(json.loads(rows[0][4]), b)

    def test_error_carries_status_and_envelope(self):
        self.dispatch("GET", "/contacts/424242")
        b = json.loads(self.callbacks()[0]["body"])
        self.assertEqual(b["status"], 404)
        self.assertEqual(set(b["response"]) - {"providerMessage"}, {"requestId", "message"})
        self.assertIn("providerMessage", b["response"])
        self.assertRegex(b["response"]["requestId"], HEX24)
        # a refusal by elementsd itself (no HubSpot call) is called back too
        self.hub.sim_clear()
        with self.rcv.lock:
            self.rcv.got.clear()
        self.dispatch("GET", "/contacts", query={"pageSize": "x"})
        b = json.loads(self.callbacks()[0]["body"])
        self.assertEqual(b["status"], 400)
        self.assertIn("pageSize", b["response"]["message"])
        self.assertEqual(self.seen("/crm"), [])

    def test_list_with_paging_headers_and_query(self):
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(9300 + i), "properties": {"email": "p%d@async.test" % i}}
            for i in range(3)]}})
        self.dispatch("GET", "/contacts", query={"pageSize": "2",
                                                 "where": "email LIKE '%@async.test'"})
        b = json.loads(self.callbacks()[0]["body"])
        self.assertEqual(b["status"], 200)
        self.assertEqual(len(b["response"]), 2)
        self.assertEqual(b["headers"]["Elements-Returned-Count"], "2")
        self.assertTrue(b["headers"]["Elements-Next-Page-Token"])
        self.seen_one("/crm/v3/objects/contacts/search", "POST")

    def test_request_headers_reach_the_call(self):
        self.dispatch("GET", "/objects", headers={"Elements-Version": "Helium"})
        b = json.loads(self.callbacks()[0]["body"])
        self.assertEqual(b["status"], 200)
        self.assertTrue(all(isinstance(o, dict) for o in b["response"]), b)

    def test_instance_callback_url_and_signature(self):
        rcv = Receiver()
        try:
            inst = self.hub.instance({"event.notification.callback.url": rcv.url,
                                      "event.notification.signature.key": "k3y"},
                                     name="async-cfg")
            r = self.call("GET", "/contacts", token=inst["token"], headers=ASYNC)
            self.assertEqual(r.status, 200, r)
            got = instutil.wait_for(lambda: rcv.requests(), timeout=20)
            self.assertTrue(got)
            cb = got[0]
            b = json.loads(cb["body"])
            self.assertEqual(b["eventId"], r.json()["eventId"])
            self.assertEqual(b["instanceId"], inst["id"])
            self.assertEqual(cb["headers"]["elements-webhook-signature"],
                             signature("k3y", cb["body"]))
            self.assertEqual(self.rcv.requests(), [])
        finally:
            rcv.close()

    def test_refused_before_anything_runs(self):
        # no URL at all: 400, nothing sent to HubSpot, nothing queued
        before = len(self.deliveries(self.inst["id"]))
        r = self.call("POST", "/contacts", {"email": "no@zz.test"}, headers=ASYNC)
        self.assert_error(r, 400, "Elements-Async-Callback-Url",
                          "event.notification.callback.url")
        r = self.call("POST", "/contacts", {"email": "no@zz.test"},
                      headers=dict(ASYNC, **{"Elements-Async-Callback-Url": "ftp://x/y"}))
        self.assert_error(r, 400, "Elements-Async-Callback-Url")
        self.assertEqual(self.seen("/crm"), [])
        self.assertEqual(len(self.deliveries(self.inst["id"])), before)
        # "false" (or no header) is an ordinary call
        r = self.call("GET", "/contacts", headers={"Elements-Async-Request": "false",
                                                   "Elements-Async-Callback-Url": self.rcv.url})
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json(), list)


if __name__ == "__main__":
    unittest.main()
