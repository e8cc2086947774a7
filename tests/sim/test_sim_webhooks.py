# SPDX-License-Identifier: MIT
"""hubspot-sim webhook delivery: batch shape for contact/company/deal
create, update and delete; v1, v2 and v3 signatures checked with HubSpot's
published algorithm; batching; retries on a compressed schedule (and no
more than the schedule); a receiver that is down or too slow; per-app
targets and their concurrency limit; reset and control-call validation."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import SimCase  # noqa: E402  (puts tests/support on the path)
import harness  # noqa: E402

WH_SECRET = "wh-secret-0001"
PORTAL = 62515
APP = 1234567
# Only these escapes are decoded before the v3 hash (HubSpot's guide).
V3_DECODE = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!",
             "%24": "$", "%27": "'", "%28": "(", "%29": ")", "%2A": "*",
             "%2C": ",", "%3B": ";"}


# -- HubSpot's published validation algorithm ----------------------------------
def sig_v1(secret, body):
    return hashlib.sha256(secret.encode() + body).hexdigest()


def sig_v2(secret, method, uri, body):
    return hashlib.sha256(secret.encode() + method.encode() + uri.encode() + body).hexdigest()


def v3_uri(uri):
    out, i = [], 0
    while i < len(uri):
        esc = uri[i:i + 3].upper()
        if uri[i] == "%" and esc in V3_DECODE:
            out.append(V3_DECODE[esc])
            i += 3
        else:
            out.append(uri[i])
            i += 1
    return "".join(out)


def sig_v3(secret, method, uri, body, timestamp):
    msg = method.encode() + v3_uri(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), msg, hashlib.sha256).digest()).decode()


# -- a tiny threaded receiver ----------------------------------------------------
class Receiver:
    """Records every POST; answers from a plan of statuses (then 200), with an
    optional delay, and tracks the highest number of concurrent requests."""

    def __init__(self):
        rec = self
        self.lock = threading.Lock()
        self.clear()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    rec.active += 1
                    rec.max_active = max(rec.max_active, rec.active)
                    status = rec.plan.pop(0) if rec.plan else 200
                    delay = rec.delay
                    rec.requests.append({"path": self.path, "body": body, "t": time.monotonic(),
                                         "headers": {k.lower(): v for k, v in self.headers.items()}})
                if delay:
                    time.sleep(delay)
                with rec.lock:
                    rec.active -= 1
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def clear(self, plan=(), delay=0.0):
        with self.lock:
            self.requests, self.plan, self.delay = [], list(plan), delay
            self.active = self.max_active = 0

    def url(self, path="/hooks/hubspot?tenant=acme%3Aeu"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def events(self):
        with self.lock:
            reqs = list(self.requests)
        return sorted((e for r in reqs for e in json.loads(r["body"])),
                      key=lambda e: (e["eventId"], e["attemptNumber"]))

    def wait(self, pred, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                reqs = list(self.requests)
            if pred(reqs):
                return reqs
            time.sleep(0.02)
        raise AssertionError("receiver: condition not met; got %d requests" % len(reqs))

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class WebhookCase(SimCase):
    EXTRA = ()

    @classmethod
    def setUpClass(cls):
        cls.recv = Receiver()
        cls.FLAGS = ("--rate-limit", "0", "--webhook-url", cls.recv.url(),
                     "--webhook-secret", WH_SECRET, "--webhook-batch-ms", "40") + cls.EXTRA
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.recv.stop()

    def setUp(self):
        super().setUp()  # /__sim/reset: pending deliveries and targets back to flags
        self.recv.clear()

    def deliveries(self):
        r = self.ctl("GET", "/__sim/webhooks")
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait_log(self, pred, timeout=3.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            d = self.deliveries()
            if pred(d["results"]):
                return d
            time.sleep(0.02)
        self.fail("delivery log: condition not met: %s" % json.dumps(self.deliveries())[:2000])

    def create(self, otype, props):
        r = self.call("POST", "/crm/v3/objects/" + otype, {"properties": props})
        self.assertEqual(r.status, 201, r)
        return int(r.json()["id"])


class WebhookDeliveryTest(WebhookCase):
    EXTRA = ("--webhook-retry-delays", "50,100,200")

    def test_crud_events_are_batched_and_shaped_like_hubspot(self):
        t0 = int(time.time() * 1000)
        ids = {
            "contact": self.create("contacts", {"email": "wh@example.test"}),
            "company": self.create("companies", {"name": "Hooks Ltd"}),
            "deal": self.create("deals", {"dealname": "Hook deal", "pipeline": "default",
                                          "dealstage": "appointmentscheduled"}),
        }
        paths = {"contact": "contacts", "company": "companies", "deal": "deals"}
        changes = {"contact": ("firstname", "Ada"), "company": ("domain", "hooks.example"),
                   "deal": ("amount", 1250)}
        for kind, (prop, value) in changes.items():
            r = self.call("PATCH", "/crm/v3/objects/%s/%d" % (paths[kind], ids[kind]),
                          {"properties": {prop: value}})
            self.assertEqual(r.status, 200, r)
        for kind in ("contact", "company", "deal"):
            r = self.call("DELETE", "/crm/v3/objects/%s/%d" % (paths[kind], ids[kind]))
            self.assertEqual(r.status, 204, r)
        self.recv.wait(lambda reqs: sum(len(json.loads(r["body"])) for r in reqs) >= 9)
        time.sleep(0.15)  # nothing else may follow
        events = self.recv.events()
        got = [(e["subscriptionType"], e["objectId"]) for e in events]
        want = ([(k + ".creation", ids[k]) for k in ("contact", "company", "deal")] +
                [(k + ".propertyChange", ids[k]) for k in ("contact", "company", "deal")] +
                [(k + ".deletion", ids[k]) for k in ("contact", "company", "deal")])
        self.assertEqual(got, want)
        self.assertEqual(len({e["eventId"] for e in events}), 9)
        for e in events:
            self.assertEqual((e["portalId"], e["appId"], e["attemptNumber"]), (PORTAL, APP, 0), e)
            self.assertIsInstance(e["subscriptionId"], int)
            self.assertEqual(e["changeSource"], "API")
            self.assertTrue(t0 - 1000 <= e["occurredAt"] <= int(time.time() * 1000) + 1000, e)
            if e["subscriptionType"].endswith(".propertyChange"):
                prop, value = changes[e["subscriptionType"].split(".")[0]]
                self.assertEqual((e["propertyName"], e["propertyValue"]), (prop, str(value)))
            else:
                self.assertNotIn("propertyName", e)
                self.assertNotIn("propertyValue", e)
        self.assertEqual(events[0]["changeFlag"], "CREATED")
        self.assertEqual(events[-1]["changeFlag"], "DELETED")
        # same type, same subscription; different types, different ones
        subs = {e["subscriptionType"]: e["subscriptionId"] for e in events}
        self.assertEqual(len(set(subs.values())), 9)
        for r in self.recv.requests:
            self.assertEqual(r["headers"]["content-type"], "application/json")
            self.assertEqual(r["path"], "/hooks/hubspot?tenant=acme%3Aeu")
            self.assertIsInstance(json.loads(r["body"]), list)
        # tickets can be subscribed to; activities (notes...) cannot
        self.call("POST", "/crm/v3/objects/notes",
                  {"properties": {"hs_timestamp": "2026-01-05T09:00:00Z", "hs_note_body": "x"}})
        self.create("tickets", {"subject": "Hook", "hs_pipeline": "0", "hs_pipeline_stage": "1"})
        self.recv.wait(lambda reqs: any(e["subscriptionType"] == "ticket.creation"
                                        for r in reqs for e in json.loads(r["body"])))
        self.assertFalse([e for e in self.recv.events() if e["subscriptionType"].startswith("note")])
        # the sim logs an attempt once the receiver has answered
        log = self.wait_log(lambda res: sum(x["events"] for x in res) == 10)
        self.assertEqual(log["targets"][0]["url"], self.recv.url())
        self.assertTrue(all(x["outcome"] == "delivered" and x["status"] == 200
                            for x in log["results"]), log)

    def test_signatures_v1_v3_and_v2(self):
        # the Python helpers reproduce HubSpot's published vectors (spec §5)
        vb = (b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
              b'"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
              b'"changeSource":"CRM","changeFlag":"NEW","appId":54321}]')
        self.assertEqual(sig_v1("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", vb),
                         "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de")
        self.assertEqual(sig_v2("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "POST",
                                "https://www.example.com/webhook_uri",
                                b'{"example_field":"example_value"}'),
                         "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900")
        vb3 = (b'[{"eventId":100,"subscriptionId":7,"portalId":12345,"appId":999,'
               b'"occurredAt":1735689599000,"subscriptionType":"contact.creation","attemptNumber":0,'
               b'"objectId":501,"changeFlag":"CREATED","changeSource":"CRM_UI"}]')
        self.assertEqual(sig_v3("test-client-secret", "POST",
                                "https://fake-receiver.test/hubspot/webhook?tenant=acme", vb3,
                                "1735689600000"), "1KzoYHf7L9nZZYhtyFgxM+2QpnEjl3mn3pDrzgJo61s=")

        self.create("contacts", {"email": "sig@example.test"})
        r = self.recv.wait(lambda reqs: reqs)[0]
        h, body, url = r["headers"], r["body"], self.recv.url()
        self.assertEqual(h["x-hubspot-signature-version"], "v1")
        self.assertEqual(h["x-hubspot-signature"], sig_v1(WH_SECRET, body))
        ts = h["x-hubspot-request-timestamp"]
        self.assertLess(abs(int(ts) - time.time() * 1000), 300000)  # the 5-minute rule
        self.assertEqual(h["x-hubspot-signature-v3"], sig_v3(WH_SECRET, "POST", url, body, ts))
        # %3A in the URL is decoded before the v3 hash
        self.assertNotEqual(h["x-hubspot-signature-v3"],
                            base64.b64encode(hmac.new(WH_SECRET.encode(),
                                                      b"POST" + url.encode() + body + ts.encode(),
                                                      hashlib.sha256).digest()).decode())
        self.assertEqual(h["x-hubspot-timeout-millis"], "5000")
        self.assertTrue(h["user-agent"].startswith("HubSpot Connect 2.0"))

        # v2 on request; the v2 URI is the URL exactly as configured
        self.assertEqual(self.ctl("POST", "/__sim/webhooks", {"signatureVersion": "v2"}).status, 200)
        self.recv.clear()
        self.create("contacts", {"email": "sig2@example.test"})
        r = self.recv.wait(lambda reqs: reqs)[0]
        h, body = r["headers"], r["body"]
        self.assertEqual(h["x-hubspot-signature-version"], "v2")
        self.assertEqual(h["x-hubspot-signature"], sig_v2(WH_SECRET, "POST", url, body))
        self.assertEqual(h["x-hubspot-signature-v3"],
                         sig_v3(WH_SECRET, "POST", url, body, h["x-hubspot-request-timestamp"]))

        # test hooks: bad signatures and a stale timestamp
        self.assertEqual(self.ctl("POST", "/__sim/webhooks",
                                  {"signatureVersion": "v1", "corruptSignatures": True,
                                   "timestampOffsetMs": -600000}).status, 200)
        self.recv.clear()
        self.create("contacts", {"email": "sig3@example.test"})
        r = self.recv.wait(lambda reqs: reqs)[0]
        h, body = r["headers"], r["body"]
        ts = h["x-hubspot-request-timestamp"]
        self.assertGreater(time.time() * 1000 - int(ts), 590000)
        self.assertNotEqual(h["x-hubspot-signature"], sig_v1(WH_SECRET, body))
        self.assertNotEqual(h["x-hubspot-signature-v3"], sig_v3(WH_SECRET, "POST", url, body, ts))

    def test_batches_hold_at_most_100_events(self):
        for n in (100, 50):
            r = self.call("POST", "/crm/v3/objects/contacts/batch/create",
                          {"inputs": [{"properties": {"email": "b%d-%d@example.test" % (n, i)}}
                                      for i in range(n)]})
            self.assertEqual(r.status, 201, r)
        reqs = self.recv.wait(lambda reqs: sum(len(json.loads(r["body"])) for r in reqs) >= 150)
        sizes = sorted(len(json.loads(r["body"])) for r in reqs)
        self.assertEqual(sizes, [50, 100])
        events = self.recv.events()
        self.assertEqual(len({e["eventId"] for e in events}), 150)
        self.assertEqual({e["subscriptionType"] for e in events}, {"contact.creation"})

    def test_retries_count_attempt_numbers_then_succeed(self):
        self.recv.clear(plan=[500, 503])
        cid = self.create("contacts", {"email": "retry@example.test"})
        reqs = self.recv.wait(lambda reqs: len(reqs) >= 3)
        time.sleep(0.45)  # the schedule would allow one more; none may come
        self.assertEqual(len(self.recv.requests), 3)
        bodies = [json.loads(r["body"]) for r in reqs]
        self.assertEqual([b[0]["attemptNumber"] for b in bodies], [0, 1, 2])
        self.assertEqual({b[0]["eventId"] for b in bodies}, {bodies[0][0]["eventId"]})
        self.assertEqual({b[0]["objectId"] for b in bodies}, {cid})
        gaps = [reqs[i + 1]["t"] - reqs[i]["t"] for i in range(2)]
        self.assertGreaterEqual(gaps[0], 0.045)
        self.assertGreaterEqual(gaps[1], 0.095)
        for r in reqs:  # every attempt is signed afresh
            self.assertEqual(r["headers"]["x-hubspot-signature"], sig_v1(WH_SECRET, r["body"]))
        log = self.wait_log(lambda res: len(res) == 3)["results"]
        self.assertEqual([(x["attemptNumber"], x.get("status"), x["outcome"]) for x in log],
                         [(0, 500, "retrying"), (1, 503, "retrying"), (2, 200, "delivered")])
        self.assertEqual([x["nextAttemptInMs"] for x in log[:2]], [50, 100])
        self.assertEqual(self.deliveries()["pendingBatches"], 0)

    def test_every_4xx_and_5xx_is_retried_until_the_schedule_ends(self):
        self.recv.clear(plan=[404, 429, 400, 502, 500, 500])
        self.create("contacts", {"email": "storm@example.test"})
        self.recv.wait(lambda reqs: len(reqs) >= 4)
        time.sleep(0.6)  # no storm: the schedule allows 3 retries
        self.assertEqual(len(self.recv.requests), 4)
        self.assertEqual([json.loads(r["body"])[0]["attemptNumber"] for r in self.recv.requests],
                         [0, 1, 2, 3])
        log = self.wait_log(lambda res: len(res) == 4)["results"]
        self.assertEqual([x["status"] for x in log], [404, 429, 400, 502])
        self.assertEqual(log[-1]["outcome"], "failed")
        self.assertNotIn("nextAttemptInMs", log[-1])
        # the older, community-reported rule, on request
        r = self.ctl("POST", "/__sim/webhooks", {"noRetryStatuses": [400, 401, 403, 404, 405]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["targets"][0]["noRetryStatuses"], [400, 401, 403, 404, 405])
        self.recv.clear(plan=[404])
        self.ctl("DELETE", "/__sim/webhooks")
        self.create("contacts", {"email": "storm2@example.test"})
        log = self.wait_log(lambda res: len(res) == 1)["results"]
        time.sleep(0.15)
        self.assertEqual(len(self.recv.requests), 1)
        self.assertEqual((log[0]["status"], log[0]["outcome"]), (404, "failed"))

    def test_receiver_down_is_retried_then_given_up(self):
        dead = harness.free_port()
        r = self.ctl("POST", "/__sim/webhooks", {"url": "http://127.0.0.1:%d/down" % dead})
        self.assertEqual(r.status, 200, r)
        self.create("companies", {"name": "Nobody home"})
        log = self.wait_log(lambda res: res and res[-1]["outcome"] == "failed")["results"]
        self.assertEqual([x["attemptNumber"] for x in log], [0, 1, 2, 3])
        for x in log:
            self.assertNotIn("status", x)
            self.assertIn("refused", x["error"].lower())
            self.assertEqual(x["events"], 1)
        time.sleep(0.3)
        self.assertEqual(len(self.deliveries()["results"]), 4)
        self.assertEqual(self.recv.requests, [])

    def test_per_app_targets_and_max_concurrent(self):
        other = Receiver()
        try:
            r = self.ctl("POST", "/__sim/webhooks", {"appId": 999, "url": other.url("/app999"),
                                                     "secret": "s-999", "maxConcurrent": 1})
            self.assertEqual(r.status, 200, r)
            self.assertEqual([(t["appId"], t["maxConcurrent"]) for t in r.json()["targets"]],
                             [(APP, 10), (999, 1)])
            other.clear(delay=0.15)
            for n in range(3):
                r = self.call("POST", "/crm/v3/objects/deals/batch/create",
                              {"inputs": [{"properties": {"dealname": "d%d-%d" % (n, i),
                                                          "pipeline": "default",
                                                          "dealstage": "closedwon"}}
                                          for i in range(100 if n < 2 else 1)]})
                self.assertEqual(r.status, 201, r)
            reqs = other.wait(lambda reqs: sum(len(json.loads(r["body"])) for r in reqs) >= 201)
            self.assertEqual(other.max_active, 1)
            self.recv.wait(lambda reqs: sum(len(json.loads(r["body"])) for r in reqs) >= 201)
            for rq in reqs:
                self.assertEqual(rq["path"], "/app999")
                self.assertEqual(rq["headers"]["x-hubspot-signature"], sig_v1("s-999", rq["body"]))
                self.assertEqual({e["appId"] for e in json.loads(rq["body"])}, {999})
            self.assertEqual({e["appId"] for e in self.recv.events()}, {APP})
            # same events, same ids, for both apps
            self.assertEqual([e["eventId"] for e in other.events()],
                             [e["eventId"] for e in self.recv.events()])
            # url null removes a target
            r = self.ctl("POST", "/__sim/webhooks", {"appId": 999, "url": None})
            self.assertEqual([t["appId"] for t in r.json()["targets"]], [APP])
            other.clear()
            self.create("contacts", {"email": "only-default@example.test"})
            self.recv.wait(lambda reqs: any(e["subscriptionType"] == "contact.creation"
                                            for r in reqs for e in json.loads(r["body"])))
            time.sleep(0.1)
            self.assertEqual(other.requests, [])
        finally:
            other.stop()

    def test_reset_drops_pending_deliveries_and_control_targets(self):
        dead = harness.free_port()
        self.ctl("POST", "/__sim/webhooks", {"url": "http://127.0.0.1:%d/" % dead})
        self.ctl("POST", "/__sim/webhooks", {"appId": 5, "url": "http://127.0.0.1:%d/" % dead})
        self.create("contacts", {"email": "pending@example.test"})
        self.wait_log(lambda res: len(res) >= 2)
        self.assertEqual(self.ctl("POST", "/__sim/reset", {}).status, 200)
        d = self.deliveries()
        self.assertEqual((d["pendingBatches"], d["pendingEvents"], d["results"]), (0, 0, []))
        self.assertEqual([(t["appId"], t["url"]) for t in d["targets"]], [(APP, self.recv.url())])
        time.sleep(0.4)
        self.assertEqual(self.deliveries()["results"], [])
        self.assertEqual(self.recv.requests, [])
        # DELETE clears the log only
        self.create("contacts", {"email": "after-reset@example.test"})
        self.wait_log(lambda res: len(res) == 1)
        self.assertEqual(self.ctl("DELETE", "/__sim/webhooks").status, 204)
        self.assertEqual(self.deliveries()["total"], 0)

    def test_control_validation(self):
        for body, word in (({"url": "https://receiver.example/hook"}, "TLS"),
                           ({"url": "ftp://x/"}, "http://"),
                           ({"maxConcurrent": 11}, "maxConcurrent"),
                           ({"appId": 42, "secret": "x"}, "url is required"),
                           ({"signatureVersion": "v9"}, "signatureVersion"),
                           ({"noRetryStatuses": [200]}, "4xx")):
            r = self.ctl("POST", "/__sim/webhooks", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(word, r.json()["message"])
        d = self.deliveries()
        self.assertEqual(d["retryDelaysMs"], [50, 100, 200])
        self.assertEqual((d["timeoutMs"], d["batchMs"]), (5000, 40))
        p = subprocess.run([harness.SIM_BIN, "--listen", "127.0.0.1:0",
                            "--webhook-url", "https://receiver.example/hook"],
                           capture_output=True, text=True, timeout=10)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no TLS", p.stderr)


class WebhookTimeoutTest(WebhookCase):
    EXTRA = ("--webhook-retry-delays", "50", "--webhook-timeout-ms", "300")

    def test_slow_receiver_times_out_and_is_retried(self):
        self.recv.clear(delay=0.8)
        self.create("contacts", {"email": "slow@example.test"})
        self.recv.wait(lambda reqs: len(reqs) >= 1)
        self.recv.delay = 0
        log = self.wait_log(lambda res: len(res) == 2)["results"]
        self.assertEqual(log[0]["attemptNumber"], 0)
        self.assertIn("timeout after 300 ms", log[0]["error"])
        self.assertGreaterEqual(log[0]["durationMs"], 280)
        self.assertLess(log[0]["durationMs"], 700)
        self.assertEqual((log[1]["attemptNumber"], log[1]["status"], log[1]["outcome"]),
                         (1, 200, "delivered"))
        self.assertEqual(self.recv.requests[1]["headers"]["x-hubspot-timeout-millis"], "300")


if __name__ == "__main__":
    unittest.main()
