# SPDX-License-Identifier: MIT
"""The events outbox and delivery (issue 11, spec elements-api.md §5.4-5.6):
what a callback receiver gets (body, Elements-Webhook-Id, the HMAC signature
recomputed here), what the database holds, retries on a compressed
schedule (--event-retry-unit-us), queued deliveries listed and re-sent,
redirects as failures, one slow receiver not holding another's events,
GET /instances/{id}/events, organization scoping, and kill -9 before and
during a delivery. Runs on SQLite and (label pg) PostgreSQL."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

h = u.h
HEX24 = re.compile(r"^[0-9a-f]{24}$")
UNIT_US = "10"  # retry x waits 4^x * 10 us: the whole schedule in ~3.5 s
TIMEOUT_MS = "1500"


class Receiver:
    """A callback receiver: records every request; answers by mode.
    modes: "ok" 200, "fail" 500, "redirect" 302 to /ok, "hold" blocks
    until release() (then 200), "failN" 500 for the first N then 200."""

    def __init__(self, mode="ok"):
        self.mode = mode
        self.got = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.holding = 0
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with rec.lock:
                    rec.got.append({"path": self.path,
                                    "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": body})
                    count = len(rec.got)
                    mode = rec.mode
                status = 200
                if mode == "fail":
                    status = 500
                elif mode == "redirect":
                    status = 302
                elif mode.startswith("fail") and count <= int(mode[4:]):
                    status = 500
                elif mode == "hold":
                    with rec.lock:
                        rec.holding += 1
                    rec.gate.wait(60)
                    with rec.lock:
                        rec.holding -= 1
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/ok")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        class S(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # a client gone (timeout, kill -9) mid-answer

        self.srv = S(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        self.url = "http://127.0.0.1:%d/cb" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def release(self):
        self.gate.set()

    def requests(self):
        with self.lock:
            return list(self.got)

    def close(self):
        self.gate.set()
        self.srv.shutdown()
        self.srv.server_close()


def db_query(data, sql):
    """Rows of SQL on the test's store, either backend, as lists of strings."""
    url = h.db_url(data)
    if url is None:
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "elementsd.db"),
                              uri=True, timeout=10)
        try:
            return [[None if v is None else str(v) for v in r]
                    for r in con.execute(sql).fetchall()]
        finally:
            con.close()
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-A", "-t", "-F", "\x1f",
                        "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return [line.split("\x1f") for line in r.stdout.splitlines() if line]


def signature(key, body):
    mac = hmac.new(key.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


class EventsOutbox(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-events-outbox-", ed_flags=(
            "--event-retry-unit-us", UNIT_US,
            "--event-delivery-timeout-ms", TIMEOUT_MS,
            "--event-receiver-concurrency", "2"))
        cls.receivers = []

    @classmethod
    def tearDownClass(cls):
        for r in cls.receivers:
            r.close()
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    # helpers

    def receiver(self, mode="ok"):
        r = Receiver(mode)
        self.receivers.append(r)
        return r

    def instance(self, url, key=None, who="a", name="ev"):
        e = self.env
        body = e.body_apikey(name=name)
        body["configuration"]["event.notification.enabled"] = True
        body["configuration"]["event.notification.callback.url"] = url
        if key is not None:
            body["configuration"]["event.notification.signature.key"] = key
        return e.create(body, who=who)

    def send_test(self, inst, who="a"):
        r = self.env.api("POST", "/instances/%d/events/test" % inst["id"], who=who)
        self.assertEqual(r.status, 200, r)
        eid = r.json()["eventId"]
        self.assertRegex(eid, HEX24)
        return eid

    def rows(self, inst):
        return db_query(self.env.data,
                        "SELECT event_id, status, attempts, last_status, "
                        "delivered_at, body, url FROM event_deliveries "
                        "WHERE instance_id=%d ORDER BY id" % inst["id"])

    def wait_rows(self, inst, pred, timeout=30):
        got = u.wait_for(lambda: (lambda rs: rs if pred(rs) else None)(self.rows(inst)),
                         timeout=timeout, step=0.05)
        self.assertTrue(got, (self.rows(inst), self.env.ed_log()[-3000:]))
        return got

    # --- the notification ----------------------------------------------------------

    def test_signed_notification(self):
        rec = self.receiver()
        key = "s3cret-key-\u00e9"
        inst = self.instance(rec.url, key=key, name="ev-signed")
        eid = self.send_test(inst)
        self.assertTrue(u.wait_for(lambda: rec.requests(), 20), self.env.ed_log()[-3000:])
        got = rec.requests()[0]
        hd = got["headers"]
        self.assertEqual(got["path"], "/cb")
        self.assertTrue(hd["content-type"].startswith("application/json"))
        self.assertEqual(hd["elements-webhook-id"], eid)
        self.assertEqual(hd["elements-webhook-signature"], signature(key, got["body"]))
        msg = json.loads(got["body"])["message"]
        self.assertEqual(msg["eventId"], eid)
        self.assertEqual(msg["instance_id"], inst["id"])
        self.assertEqual(msg["instanceId"], inst["id"])
        self.assertIsInstance(msg["instance_id"], int)
        self.assertEqual(msg["elementKey"], "hubspotcrm")
        self.assertEqual(len(msg["events"]), 1)
        ev = msg["events"][0]
        self.assertEqual(ev["eventType"], "UNKNOWN")
        self.assertEqual(ev["objectType"], "test")
        self.assertEqual(ev["elementKey"], "hubspotcrm")
        self.assertIn("objectId", ev)
        self.assertRegex(ev["date"], u.ISO_UTC)
        self.assertEqual(msg["raw"]["source"], "test")
        self.assertEqual(msg["raw"]["instance_id"], inst["id"])
        # the database: delivered, one attempt, the exact body sent
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        self.assertEqual(rows[0][0], eid)
        self.assertEqual(rows[0][2], "1")
        self.assertEqual(rows[0][3], "200")
        self.assertGreater(int(rows[0][4]), 0)
        self.assertEqual(rows[0][5].encode(), got["body"])
        # §5.6: the instance's events
        r = self.env.api("GET", "/instances/%d/events" % inst["id"])
        self.assertEqual(r.status, 200, r)
        evs = r.json()
        self.assertEqual(len(evs), 1)
        self.assertEqual(evs[0]["id"], eid)
        self.assertEqual(evs[0]["status"], "NOTIFIED")
        self.assertRegex(evs[0]["eventDate"], u.ISO_UTC)
        self.assertEqual(json.loads(evs[0]["providerData"]), msg["raw"])
        self.assertEqual(evs[0]["notifiedData"], msg["events"])
        # the same by Element token
        r = self.env.api("GET", "/instances/events", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x["id"] for x in r.json()], [eid])

    def test_unsigned_without_key(self):
        rec = self.receiver()
        inst = self.instance(rec.url, key="", name="ev-unsigned")
        eid = self.send_test(inst)
        self.assertTrue(u.wait_for(lambda: rec.requests(), 20))
        hd = rec.requests()[0]["headers"]
        self.assertEqual(hd["elements-webhook-id"], eid)
        self.assertNotIn("elements-webhook-signature", hd)

    def test_no_callback_url_refused(self):
        e = self.env
        inst = e.create(e.body_apikey(name="ev-nourl"))
        r = e.api("POST", "/instances/%d/events/test" % inst["id"])
        self.assertEqual(r.status, 400, r)
        self.assertIn("requestId", r.json())
        self.assertEqual(self.rows(inst), [])

    # --- retries -------------------------------------------------------------------

    def test_retry_same_event_then_delivered(self):
        rec = self.receiver("fail3")
        inst = self.instance(rec.url, key="k", name="ev-retry")
        eid = self.send_test(inst)
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        self.assertEqual(rows[0][2], "4")
        got = rec.requests()
        self.assertEqual(len(got), 4)
        self.assertEqual({g["headers"]["elements-webhook-id"] for g in got}, {eid})
        self.assertEqual({g["body"] for g in got}, {got[0]["body"]})
        self.assertEqual({g["headers"]["elements-webhook-signature"] for g in got},
                         {signature("k", got[0]["body"])})

    def test_queued_after_nine_retries_and_resent(self):
        rec = self.receiver("fail")
        inst = self.instance(rec.url, name="ev-queued")
        eid = self.send_test(inst)
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "queued")
        self.assertEqual(rows[0][2], "10")  # the first attempt + 9 retries
        self.assertEqual(rows[0][3], "500")
        self.assertEqual(len(rec.requests()), 10)
        # further events queue behind it (the subscription is off)
        eid2 = self.send_test(inst)
        rows = self.wait_rows(inst, lambda rs: len(rs) == 2)
        self.assertEqual(rows[1][1], "queued")
        time.sleep(0.3)
        self.assertEqual(len(rec.requests()), 10)
        # listed as §5.5 shows
        where = ("channel='webhook' and status='queued' and config.url='%s'" % rec.url)
        r = self.env.api("GET", "/notifications/subscriptions/deliveries",
                         query={"where": where})
        self.assertEqual(r.status, 200, r)
        listed = r.json()
        self.assertEqual(sorted(d["id"] for d in listed), sorted([eid, eid2]))
        for d in listed:
            self.assertEqual(d["status"], "queued")
            self.assertEqual(d["channel"], "webhook")
            self.assertEqual(d["config"]["url"], rec.url)
        # organization B sees none of them and cannot re-send them
        r = self.env.api("GET", "/notifications/subscriptions/deliveries",
                         query={"where": where}, who="b")
        self.assertEqual(r.json(), [])
        r = self.env.api("PUT", "/notifications/subscriptions/deliveries",
                         query={"where": where}, who="b")
        self.assertEqual(r.json()["requeued"], 0)
        # re-sent: delivered with the same eventIds
        rec.mode = "ok"
        r = self.env.api("PUT", "/notifications/subscriptions/deliveries",
                         query={"where": where})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["requeued"], 2)
        self.wait_rows(inst, lambda rs: [x[1] for x in rs] == ["delivered"] * 2)
        ok = [g["headers"]["elements-webhook-id"] for g in rec.requests()[10:]]
        self.assertEqual(sorted(ok), sorted([eid, eid2]))

    def test_redirect_is_a_failure(self):
        rec = self.receiver("redirect")
        inst = self.instance(rec.url, name="ev-redirect")
        self.send_test(inst)
        rows = self.wait_rows(inst, lambda rs: rs and int(rs[0][2]) >= 2)
        self.assertIn(rows[0][1], ("retry", "queued"))
        self.assertEqual(rows[0][3], "302")
        self.assertEqual({g["path"] for g in rec.requests()}, {"/cb"})

    def test_where_clause_refused(self):
        r = self.env.api("GET", "/notifications/subscriptions/deliveries",
                         query={"where": "colour='red'"})
        self.assertEqual(r.status, 400, r)
        r = self.env.api("PUT", "/notifications/subscriptions/deliveries",
                         query={"where": "status='delivered'"})
        self.assertEqual(r.status, 400, r)

    # --- receivers apart -----------------------------------------------------------

    def test_slow_receiver_does_not_hold_another(self):
        slow = self.receiver("hold")
        fast = self.receiver()
        a = self.instance(slow.url, name="ev-slow")
        b = self.instance(fast.url, name="ev-fast")
        for _ in range(6):
            self.send_test(a)
        self.assertTrue(u.wait_for(lambda: slow.holding >= 2, 20))
        eid = self.send_test(b)
        self.assertTrue(u.wait_for(lambda: fast.requests(), 20),
                        self.env.ed_log()[-3000:])
        self.assertEqual(fast.requests()[0]["headers"]["elements-webhook-id"], eid)
        # the slow receiver never had more than the cap (2) at once
        self.assertLessEqual(slow.holding, 2)
        slow.release()

    def test_claims_sized_to_receiver_room(self):
        """A receiver full (cap 2: 2 in flight, 4 waiting) with 30 more
        notifications due: its rows are not claimed (and put back) again and
        again while it is full, nor beyond its room once it drains: almost
        every claim makes an attempt."""
        rec = self.receiver("hold")
        inst = self.instance(rec.url, name="ev-room")
        for _ in range(36):
            self.send_test(inst)
        self.assertTrue(u.wait_for(lambda: rec.holding >= 2, 20))
        time.sleep(3.5)  # several ticks (1 s) while the receiver is full
        rec.release()
        self.wait_rows(inst, lambda rs: len(rs) == 36 and
                       all(x[1] == "delivered" for x in rs))
        # claims that made no attempt (put back); the held POSTs time out
        # (1.5 s) and are retried: those claims are attempts
        idle = [int(r[0]) - int(r[1]) for r in db_query(
            self.env.data, "SELECT claim, attempts FROM event_deliveries "
            "WHERE instance_id=%d" % inst["id"])]
        self.assertLessEqual(max(idle), 2, idle)
        self.assertLessEqual(sum(idle) / len(idle), 0.5, idle)
        got = {g["headers"]["elements-webhook-id"] for g in rec.requests()}
        self.assertEqual(got, {r[0] for r in self.rows(inst)})

    # --- listing and scope -----------------------------------------------------------

    def test_events_paging_and_scope(self):
        rec = self.receiver()
        inst = self.instance(rec.url, name="ev-page")
        ids = [self.send_test(inst) for _ in range(3)]
        r = self.env.api("GET", "/instances/%d/events" % inst["id"],
                         query={"pageSize": "2"})
        self.assertEqual(r.status, 200, r)
        first = [x["id"] for x in r.json()]
        self.assertEqual(first, ids[::-1][:2])
        tok = r.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        r = self.env.api("GET", "/instances/%d/events" % inst["id"],
                         query={"pageSize": "2", "nextPage": tok})
        self.assertEqual([x["id"] for x in r.json()], ids[:1])
        r = self.env.api("GET", "/instances/%d/events" % inst["id"], who="b")
        self.assertEqual(r.status, 404, r)
        r = self.env.api("POST", "/instances/%d/events/test" % inst["id"], who="b")
        self.assertEqual(r.status, 404, r)

    # --- several nodes ----------------------------------------------------------------

    @unittest.skipUnless(h.db_backend() == "postgresql", "several nodes: PostgreSQL")
    def test_two_nodes_each_attempt_once(self):
        """Two nodes on one database, both delivering: every notification
        is POSTed once (the claim), whichever node queued it."""
        e = self.env
        rec = self.receiver()
        inst = self.instance(rec.url, name="ev-nodes")
        node2 = h.start_elementsd(e.data, "--hubspot-app-url", e.sim.base,
                                  "--hubspot-api-url", e.sim.base,
                                  *e.ed_flags)
        try:
            base2 = node2.base + h.API_BASE
            ids = []
            for i in range(40):
                r = h.request(e.base if i % 2 else base2, "POST",
                              "/instances/%d/events/test" % inst["id"],
                              headers=e.auth())
                self.assertEqual(r.status, 200, r)
                ids.append(r.json()["eventId"])
            self.wait_rows(inst, lambda rs: len(rs) == 40 and
                           all(x[1] == "delivered" for x in rs))
            got = [g["headers"]["elements-webhook-id"] for g in rec.requests()]
            self.assertEqual(sorted(got), sorted(ids))
        finally:
            self.assertEqual(node2.stop(), 0)

    # --- kill -9 ---------------------------------------------------------------------

    def test_zz_kill9_before_and_during_delivery(self):
        """Receiver cap 2: two notifications held by the receiver (in
        delivery), two more claimed and waiting (enqueued, not sent). kill
        -9, restart: all four are delivered, with their eventIds."""
        e = self.env
        rec = self.receiver("hold")
        inst = self.instance(rec.url, key="kk", name="ev-kill")
        ids = [self.send_test(inst) for _ in range(4)]
        self.assertTrue(u.wait_for(lambda: rec.holding == 2, 20))
        e.kill_ed()
        rec.mode = "ok"
        rec.release()
        e.start_ed()
        rows = self.wait_rows(inst, lambda rs: len(rs) == 4 and
                              all(x[1] == "delivered" for x in rs), timeout=60)
        self.assertEqual([x[0] for x in rows], ids)
        seen = {g["headers"]["elements-webhook-id"] for g in rec.requests()}
        self.assertEqual(seen, set(ids))
        for g in rec.requests():
            self.assertEqual(g["headers"]["elements-webhook-signature"],
                             signature("kk", g["body"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
