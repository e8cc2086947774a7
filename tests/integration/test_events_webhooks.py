# SPDX-License-Identifier: MIT
"""HubSpot webhooks in (issue 11, "Webhooks from HubSpot" and the ingress
half of "Bad input and faults"): POST /elements/api-v2/events/{elementKey}.

hubspot-sim sends its signed, batched webhooks to elementsd's ingress; a
contact created or changed through an instance ends as a Cloud Elements
notification at a local receiver. Forged, stale, unsigned, malformed and
oversized batches get a 4xx envelope and nothing is stored. v1 and v2
signatures (older apps) are accepted, as is --public-url. Routing: by
HubSpot app and portal, event.notification.enabled, event.vendor.type and
event.objects. A batch stored before a kill -9 is processed after the
restart. Database down (PostgreSQL) answers 503 so HubSpot retries."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import instutil as iu  # noqa: E402

h = iu.h
APP_ID = 1234567        # hubspot-sim's default --app-id
OTHER_PORTAL = 7770001  # instance B's portal
EMPTY_PORTAL = 9990001  # no instance there
PATH = h.API_BASE + "/events/hubspotcrm"


class Receiver:
    """A local callback receiver: records every POST, answers 200."""

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.posts.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def events(self, path):
        """Every Cloud Elements event POSTed to path, in arrival order."""
        out = []
        with self.lock:
            for p, _, body in self.posts:
                if p == path:
                    out += json.loads(body)["message"]["events"]
        return out

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def db_rows(data_dir, sql):
    """Rows of a query on DATA_DIR's store (either backend), as lists of
    strings ("" for NULL)."""
    url = h.db_url(data_dir)
    if url is None:
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "elementsd.db"),
                              uri=True, timeout=10)
        try:
            return [["" if v is None else str(v) for v in r]
                    for r in con.execute(sql).fetchall()]
        finally:
            con.close()
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-A", "-t", "-F", "\t",
                        "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s" % r.stderr)
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def db_exec(data_dir, sql):
    url = h.db_url(data_dir)
    if url is None:
        import sqlite3
        con = sqlite3.connect(os.path.join(data_dir, "elementsd.db"), timeout=10)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()
        return
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-c", sql], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s" % r.stderr)


def event(portal, otype, oid, kind="creation", app=APP_ID, eid=1, **extra):
    e = {"eventId": eid, "subscriptionId": 11, "portalId": portal, "appId": app,
         "occurredAt": 1767603600012, "subscriptionType": "%s.%s" % (otype, kind),
         "attemptNumber": 0, "objectId": oid, "changeSource": "API"}
    e.update(extra)
    return e


def sign_v3(secret, url, body, ts, method="POST"):
    msg = method.encode() + url.encode() + body + str(ts).encode()
    return base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()


def sign_v1(secret, body):
    return hashlib.sha256(secret.encode() + body).hexdigest()


def sign_v2(secret, url, body, method="POST"):
    return hashlib.sha256(secret.encode() + method.encode() + url.encode() + body).hexdigest()


def events_config(callback, objects=None, enabled="true", vendor="webhook"):
    c = {"event.notification.enabled": enabled, "event.vendor.type": vendor,
         "event.notification.callback.url": callback}
    if objects is not None:
        c["event.objects"] = objects
    return c


class WebhookEnv:
    """hubspot-sim + elementsd + a receiver, with three instances of the
    sim's OAuth app (APP_ID): A on the sim's portal (contacts and accounts),
    B on OTHER_PORTAL (accounts only), C on the sim's portal with events
    off."""

    def __init__(self, prefix, ed_flags=()):
        self.rx = Receiver()
        self.env = iu.InstEnv(prefix, sim_flags=("--webhook-batch-ms", "20",
                                                 "--webhook-retry-delays", "300,300,300"),
                              ed_flags=ed_flags)
        e = self.env
        self.a = e.create(e.body_code(name="wh-a", extra=events_config(
            self.rx.url + "/a", "Contact, Accounts")))
        self.b = e.create(e.body_code(name="wh-b", code=self.code_on(OTHER_PORTAL),
                                      extra=events_config(self.rx.url + "/b", "accounts")))
        self.c = e.create(e.body_code(name="wh-c", extra=events_config(
            self.rx.url + "/c", enabled="false")))

    def code_on(self, portal):
        r = self.env.sim_call("POST", "/__sim/oauth/code",
                              {"client_id": iu.CLIENT_ID, "redirect_uri": iu.CALLBACK,
                               "scopes": ["contacts", "oauth"], "hub_id": portal})
        assert r.status == 200, r
        return r.json()["code"]

    def host_url(self):
        return "http://127.0.0.1:%d%s" % (self.env.ed.port, PATH)

    def post(self, body, headers=None, content_type="application/json"):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        hd = {"Content-Type": content_type}
        hd.update(headers or {})
        return h.request(self.env.ed.base, "POST", PATH, raw_body=raw, headers=hd)

    def post_v3(self, body, secret=iu.CLIENT_SECRET, ts=None, url=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        ts = int(time.time() * 1000) if ts is None else ts
        sig = sign_v3(secret, url or self.host_url(), raw, ts)
        return self.post(raw, {"X-HubSpot-Signature-v3": sig,
                               "X-HubSpot-Request-Timestamp": str(ts)})

    def inbox(self):
        return db_rows(self.env.data, "SELECT id, element_key, body, processed_at, "
                       "last_error, attempts FROM events_inbox ORDER BY id")

    def inbox_row(self, body):
        for r in self.inbox():
            if r[2] == body:
                return r
        return None

    def settled(self, raw, timeout=15):
        """Wait until the inbox row of this batch was processed or failed
        once; returns the row."""
        raw = raw.decode()

        def done():
            r = self.inbox_row(raw)
            return r if r and (r[3] or r[4]) else None
        row = iu.wait_for(done, timeout=timeout, step=0.1)
        assert row, (self.inbox(), self.env.ed_log()[-3000:])
        return row

    def close(self):
        rc = self.env.close()
        self.rx.close()
        return rc


class WebhooksIn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = WebhookEnv("ed-evb-")
        cls.env = cls.w.env

    @classmethod
    def tearDownClass(cls):
        rc = cls.w.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def assert_refused(self, r, status, text):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"}, body)
        self.assertIn(text, body["message"])
        self.assertEqual(r.header("Elements-Request-Id"), body["requestId"])

    def test_instances_know_their_app_and_portal(self):
        rows = db_rows(self.env.data, "SELECT id, app_id, portal_id FROM instances "
                       "ORDER BY id")
        got = {int(r[0]): (int(r[1]), int(r[2])) for r in rows}
        self.assertEqual(got[self.w.a["id"]], (APP_ID, iu.PORTAL_ID))
        self.assertEqual(got[self.w.b["id"]], (APP_ID, OTHER_PORTAL))

    def test_sim_webhooks_reach_the_callback(self):
        e, w = self.env, self.w
        r = e.sim_call("POST", "/__sim/webhooks",
                       {"appId": APP_ID, "url": w.host_url(), "secret": iu.CLIENT_SECRET})
        self.assertEqual(r.status, 200, r)
        try:
            e.sim_call("DELETE", "/__sim/webhooks")
            before = len(w.inbox())
            r = e.api("POST", "/hubs/crm/contacts", {"properties": {
                "email": "ada-wh@example.test", "firstname": "Ada"}}, token=w.a["token"])
            self.assertEqual(r.status, 200, r)
            cid = str(r.json()["id"])

            def delivered():
                res = e.sim_call("GET", "/__sim/webhooks").json()["results"]
                return [x for x in res if x["outcome"] == "delivered"]
            self.assertTrue(iu.wait_for(delivered, timeout=15),
                            e.sim_call("GET", "/__sim/webhooks").json())
            res = e.sim_call("GET", "/__sim/webhooks").json()["results"]
            self.assertTrue(all(x.get("status") == 200 for x in res), res)
            rows = iu.wait_for(lambda: len(w.inbox()) > before and w.inbox(), timeout=10)
            self.assertTrue(rows)
            stored = json.loads(rows[-1][2])
            self.assertEqual(rows[-1][1], "hubspotcrm")
            self.assertEqual(stored[0]["subscriptionType"], "contact.creation")
            self.assertEqual(str(stored[0]["objectId"]), cid)
            row = w.settled(rows[-1][2].encode())
            self.assertTrue(row[3], row)
            got = iu.wait_for(lambda: [x for x in w.rx.events("/a")
                                       if x["objectId"] == cid], timeout=15)
            self.assertTrue(got, w.rx.posts)
            self.assertEqual(got[0]["objectType"], "contacts")
            self.assertEqual(got[0]["eventType"], "CREATED")
            self.assertRegex(got[0]["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            # a change: UPDATED
            r = e.api("PATCH", "/hubs/crm/contacts/" + cid,
                      {"properties": {"firstname": "Augusta"}}, token=w.a["token"])
            self.assertEqual(r.status, 200, r)
            upd = iu.wait_for(lambda: [x for x in w.rx.events("/a")
                                       if x["objectId"] == cid and x["eventType"] == "UPDATED"],
                              timeout=15)
            self.assertTrue(upd, w.rx.posts)
            self.assertEqual(w.rx.events("/c"), [])  # events off
        finally:
            e.sim_call("POST", "/__sim/webhooks", {"appId": APP_ID, "url": None})

    def test_refused_batches_store_nothing(self):
        w = self.w
        body = json.dumps([event(iu.PORTAL_ID, "contact", 501)]).encode()
        now = int(time.time() * 1000)
        good = sign_v3(iu.CLIENT_SECRET, w.host_url(), body, now)
        before = len(w.inbox())
        cases = [
            ("forged", {"X-HubSpot-Signature-v3": base64.b64encode(os.urandom(32)).decode(),
                        "X-HubSpot-Request-Timestamp": str(now)}, body, 401, "Invalid"),
            ("wrong secret", {"X-HubSpot-Signature-v3": sign_v3("nope", w.host_url(), body, now),
                              "X-HubSpot-Request-Timestamp": str(now)}, body, 401, "Invalid"),
            ("other url", {"X-HubSpot-Signature-v3": sign_v3(
                iu.CLIENT_SECRET, "https://elsewhere.test" + PATH, body, now),
                "X-HubSpot-Request-Timestamp": str(now)}, body, 401, "Invalid"),
            ("body changed", {"X-HubSpot-Signature-v3": good,
                              "X-HubSpot-Request-Timestamp": str(now)},
             body.replace(b"501", b"502"), 401, "Invalid"),
            ("missing", {}, body, 401, "Missing"),
            ("no timestamp", {"X-HubSpot-Signature-v3": good}, body, 401, "Timestamp"),
            ("stale", {"X-HubSpot-Signature-v3": sign_v3(iu.CLIENT_SECRET, w.host_url(), body,
                                                         now - 6 * 60 * 1000),
                       "X-HubSpot-Request-Timestamp": str(now - 6 * 60 * 1000)},
             body, 401, "5 minutes"),
            ("v1 forged", {"X-HubSpot-Signature-Version": "v1",
                           "X-HubSpot-Signature": sign_v1("nope", body)}, body, 401, "Invalid"),
            ("unknown version", {"X-HubSpot-Signature-Version": "v7",
                                 "X-HubSpot-Signature": sign_v1(iu.CLIENT_SECRET, body)},
             body, 401, "Version"),
        ]
        for name, hd, raw, status, text in cases:
            with self.subTest(name):
                self.assert_refused(w.post(raw, hd), status, text)
        # unknown app: no secret to check with
        other = json.dumps([event(iu.PORTAL_ID, "contact", 1, app=42)]).encode()
        self.assert_refused(w.post_v3(other), 401, "Invalid")
        # malformed, not a batch, oversized
        self.assert_refused(w.post_v3(b"[{\"appId\":"), 400, "not valid JSON")
        self.assert_refused(w.post_v3(b"{\"appId\": 1}"), 400, "array")
        self.assert_refused(w.post_v3(b"[]"), 400, "array")
        self.assert_refused(w.post_v3(json.dumps([{"appId": APP_ID}]).encode()), 400,
                            "portalId")
        self.assert_refused(w.post(body, {"X-HubSpot-Signature-v3": good,
                                          "X-HubSpot-Request-Timestamp": str(now)},
                                   content_type="text/plain"), 415, "Content-Type")
        big = json.dumps([event(iu.PORTAL_ID, "contact", i, eid=i,
                                pad="x" * 1000) for i in range(1100)]).encode()
        self.assertGreater(len(big), 1048576)
        self.assert_refused(w.post_v3(big), 413, "exceeds the limit")
        self.assertEqual(len(w.inbox()), before)
        # and the good one is taken
        r = w.post(body, {"X-HubSpot-Signature-v3": good, "X-HubSpot-Request-Timestamp": str(now)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "received", "events": 1})
        self.assertEqual(len(w.inbox()), before + 1)

    def test_v1_and_v2_signatures(self):
        w = self.w
        before = len(w.inbox())
        b1 = json.dumps([event(iu.PORTAL_ID, "contact", 601)]).encode()
        r = w.post(b1, {"X-HubSpot-Signature-Version": "v1",
                        "X-HubSpot-Signature": sign_v1(iu.CLIENT_SECRET, b1)})
        self.assertEqual(r.status, 200, r)
        b2 = json.dumps([event(iu.PORTAL_ID, "contact", 602)]).encode()
        r = w.post(b2, {"X-HubSpot-Signature-Version": "v2",
                        "X-HubSpot-Signature": sign_v2(iu.CLIENT_SECRET, w.host_url(), b2)})
        self.assertEqual(r.status, 200, r)
        # v2 covers the URL: one signed for another URL is refused
        r = w.post(b2, {"X-HubSpot-Signature-Version": "v2",
                        "X-HubSpot-Signature": sign_v2(iu.CLIENT_SECRET, "http://x" + PATH, b2)})
        self.assertEqual(r.status, 401, r)
        self.assertEqual(len(w.inbox()), before + 2)
        self.assertIsNotNone(w.inbox_row(b1.decode()))
        self.assertIsNotNone(w.inbox_row(b2.decode()))

    def test_sim_stale_timestamp_refused(self):
        """The sim's own stale timestamps are refused (401) and not stored."""
        e, w = self.env, self.w
        r = e.sim_call("POST", "/__sim/webhooks", {
            "appId": APP_ID, "url": w.host_url(), "secret": iu.CLIENT_SECRET,
            "timestampOffsetMs": -6 * 60 * 1000, "noRetryStatuses": [401]})
        self.assertEqual(r.status, 200, r)
        try:
            e.sim_call("DELETE", "/__sim/webhooks")
            before = len(w.inbox())
            r = e.api("POST", "/hubs/crm/contacts", {"properties": {
                "email": "stale-wh@example.test"}}, token=w.a["token"])
            self.assertEqual(r.status, 200, r)
            res = iu.wait_for(lambda: e.sim_call("GET", "/__sim/webhooks").json()["results"],
                              timeout=15)
            self.assertTrue(res)
            self.assertEqual(res[0]["status"], 401, res)
            self.assertEqual(len(w.inbox()), before)
        finally:
            e.sim_call("POST", "/__sim/webhooks", {"appId": APP_ID, "url": None})

    def test_public_url(self):
        e, w = self.env, self.w
        body = json.dumps([event(EMPTY_PORTAL, "contact", 701)]).encode()
        e.ed.stop()
        e.ed_flags = ["--public-url", "https://hub.example.test/"]
        e.start_ed()
        try:
            r = w.post_v3(body, url="https://hub.example.test" + PATH)
            self.assertEqual(r.status, 200, r)
            r = w.post_v3(body, url=w.host_url())
            self.assertEqual(r.status, 401, r)
        finally:
            e.ed.stop()
            e.ed_flags = []
            e.start_ed()

    def test_routing(self):
        """A: contacts and accounts of the sim's portal; B: accounts of
        OTHER_PORTAL; C: events off; nothing on EMPTY_PORTAL."""
        w = self.w
        nobody = json.dumps([event(EMPTY_PORTAL, "contact", 801)]).encode()
        b_only_contacts = json.dumps([event(OTHER_PORTAL, "contact", 802)]).encode()
        mixed = json.dumps([event(iu.PORTAL_ID, "contact", 803, eid=1),
                            event(OTHER_PORTAL, "contact", 804, eid=2),
                            event(OTHER_PORTAL, "company", 805, eid=3),
                            event(iu.PORTAL_ID, "deal", 806, eid=4, kind="propertyChange"),
                            event(iu.PORTAL_ID, "company", 807, eid=5, kind="deletion")]).encode()
        for b in (nobody, b_only_contacts, mixed):
            self.assertEqual(w.post_v3(b).status, 200)
        # nothing to route: processed at once, no notification needed
        for b in (nobody, b_only_contacts):
            row = w.settled(b)
            self.assertTrue(row[3], row)
            self.assertEqual(row[4], "", row)
        row = w.settled(mixed)
        self.assertTrue(row[3], row)
        a = iu.wait_for(lambda: len(w.rx.events("/a")) >= 2 and w.rx.events("/a"), timeout=15)
        b = iu.wait_for(lambda: w.rx.events("/b"), timeout=15)
        time.sleep(0.5)
        a = [(x["objectType"], x["objectId"], x["eventType"]) for x in w.rx.events("/a")
             if x["objectId"] in ("801", "802", "803", "804", "805", "806", "807")]
        self.assertEqual(sorted(a), [("accounts", "807", "DELETED"),
                                     ("contacts", "803", "CREATED")])
        b = [(x["objectType"], x["objectId"], x["eventType"]) for x in w.rx.events("/b")
             if x["objectId"] in ("801", "802", "803", "804", "805", "806", "807")]
        self.assertEqual(b, [("accounts", "805", "CREATED")])
        self.assertEqual(w.rx.events("/c"), [])
        # raw carries only the routed HubSpot events of that instance
        with w.rx.lock:
            for p, _, body in w.rx.posts:
                m = json.loads(body)["message"]
                if p == "/b" and any(x["objectId"] == "805" for x in m["events"]):
                    self.assertEqual([x["objectId"] for x in m["raw"]], [805])


class WebhooksCrash(unittest.TestCase):
    """kill -9 between ingest and delivery loses nothing."""

    def setUp(self):
        self.w = WebhookEnv("ed-evb-crash-")
        self.env = self.w.env

    def tearDown(self):
        self.w.close()

    def test_kill9_after_ingest(self):
        w, e = self.w, self.env
        body = json.dumps([event(iu.PORTAL_ID, "contact", 901)]).encode()
        r = w.post_v3(body)
        self.assertEqual(r.status, 200, r)
        e.kill_ed()
        self.assertIsNotNone(w.inbox_row(body.decode()))
        # a batch stored by a node that died before processing it, and one
        # whose processing lease ran out (the node died while processing)
        now = int(time.time() * 1000)
        b2 = json.dumps([event(iu.PORTAL_ID, "contact", 902)])
        b3 = json.dumps([event(iu.PORTAL_ID, "contact", 903)])
        db_exec(e.data, "INSERT INTO events_inbox(element_key, body, received_at) "
                "VALUES('hubspotcrm', '%s', %d)" % (b2, now))
        db_exec(e.data, "INSERT INTO events_inbox(element_key, body, received_at, "
                "claimed_until, attempts) VALUES('hubspotcrm', '%s', %d, %d, 1)"
                % (b3, now, now - 1))
        e.start_ed()
        # the first one may have been claimed when the node died: its lease
        # (15 s) runs out first
        rows = [w.settled(b, timeout=40) for b in (body, b2.encode(), b3.encode())]
        got = iu.wait_for(lambda: {"901", "902", "903"} <= {x["objectId"] for x in
                                                         w.rx.events("/a")} and True,
                          timeout=20)
        self.assertTrue(got, (w.rx.posts, w.inbox()))
        for r in rows:
            self.assertTrue(w.inbox_row(r[2])[3])


@unittest.skipUnless(h.db_backend() == "postgresql",
                     "database outage: PostgreSQL only (SQLite is a file in the data dir)")
class WebhooksDatabaseDown(unittest.TestCase):
    """Database down: the ingress answers 503 (HubSpot retries), then takes
    batches again once it is back."""

    def setUp(self):
        import test_multinode_env as mn
        self.tmp = tempfile.mkdtemp(prefix="ed-evb-pg-")
        self.cluster = mn.PrivateCluster(os.path.join(self.tmp, "cluster"))
        self.saved = os.environ[h.PG_URL_FILE_ENV]
        os.environ[h.PG_URL_FILE_ENV] = self.cluster.url_file
        try:
            self.w = WebhookEnv("ed-evb-down-")
        except Exception:
            self.cluster.destroy()
            raise

    def tearDown(self):
        self.w.close()
        os.environ[h.PG_URL_FILE_ENV] = self.saved
        self.cluster.destroy()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_503_while_down(self):
        w = self.w
        ok = json.dumps([event(iu.PORTAL_ID, "contact", 1001)]).encode()
        self.assertEqual(w.post_v3(ok).status, 200)  # secret known, cached
        self.cluster.stop_server()
        try:
            for oid in (1002, 1003):
                body = json.dumps([event(iu.PORTAL_ID, "contact", oid)]).encode()
                r = w.post_v3(body)
                self.assertEqual(r.status, 503, r)
                self.assertEqual(set(r.json()), {"requestId", "message"})
                self.assertIn("Database unavailable", r.json()["message"])
                self.assertEqual(r.header("Retry-After"), "1")
                time.sleep(1.2)  # past the secret cache too
        finally:
            self.cluster.start_server()
        body = json.dumps([event(iu.PORTAL_ID, "contact", 1004)]).encode()
        r = iu.wait_for(lambda: (lambda x: x if x.status == 200 else None)(w.post_v3(body)),
                        timeout=20, step=0.5)
        self.assertTrue(r)
        bodies = [row[2] for row in w.inbox()]
        self.assertNotIn(json.dumps([event(iu.PORTAL_ID, "contact", 1002)]), bodies)
        self.assertIn(body.decode(), bodies)


if __name__ == "__main__":
    unittest.main(verbosity=2)
