#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""HubSpot webhooks in (issue 11 figures): ingest rate and webhook → callback
latency. Starts hubspot-sim (for the OAuth instance), elementsd (SQLite by
default; --db postgresql://... for PostgreSQL) and a local receiver; one
OAuth instance of the sim's app with webhook events on. PostgreSQL: set
ELEMENTSD_TEST_PG_URL_FILE to a file holding a server URL (as the pg tests
do: scripts/pg-cluster.sh start DIR writes DIR/url); each run gets a fresh
database there.

  python3 bench/events_ingest.py ingest  [--secs 10] [--clients 8] [--batch 100]
  python3 bench/events_ingest.py latency [--n 300]

ingest: clients POST v3-signed batches of `batch` contact events as fast as
they can for `secs`; reported: events/s answered 200 (each batch committed
before its answer: SQLite synchronous=FULL, PostgreSQL synchronous_commit),
and how long the pipeline then takes to route and deliver everything to the
receiver. latency: one single-event batch at a time; time from sending the
batch to the notification arriving at the receiver (p50, p99)."""
import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import instutil as iu  # noqa: E402
from test_events_webhooks import db_rows  # noqa: E402

h = iu.h
APP_ID = 1234567
PATH = h.API_BASE + "/events/hubspotcrm"


class Receiver:
    def __init__(self):
        self.count = 0
        self.seen = {}
        self.cv = threading.Condition()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.perf_counter()
                evs = json.loads(body)["message"]["events"]
                with outer.cv:
                    outer.count += len(evs)
                    for e in evs:
                        outer.seen.setdefault(e["objectId"], now)
                    outer.cv.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        class S(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a kept-alive connection closed by elementsd

        self.srv = S(("127.0.0.1", 0), H)
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()


def batch(first, n):
    now = int(time.time() * 1000)
    return json.dumps([{"eventId": first + i, "subscriptionId": 11, "portalId": iu.PORTAL_ID,
                        "appId": APP_ID, "occurredAt": now,
                        "subscriptionType": "contact.creation", "attemptNumber": 0,
                        "objectId": first + i, "changeSource": "API"}
                       for i in range(n)], separators=(",", ":")).encode()


def signed_headers(port, body):
    ts = str(int(time.time() * 1000))
    url = "http://127.0.0.1:%d%s" % (port, PATH)
    msg = b"POST" + url.encode() + body + ts.encode()
    sig = base64.b64encode(hmac.new(iu.CLIENT_SECRET.encode(), msg, hashlib.sha256).digest())
    return {"Content-Type": "application/json", "X-HubSpot-Signature-v3": sig.decode(),
            "X-HubSpot-Request-Timestamp": ts, "Host": "127.0.0.1:%d" % port}


def setup(ed_flags):
    rx = Receiver()
    env = iu.InstEnv("ed-bench-wh-", sim_flags=(), ed_flags=ed_flags)
    env.create(env.body_code(name="bench", extra={
        "event.notification.enabled": "true", "event.vendor.type": "webhook",
        "event.notification.callback.url": rx.url}))
    return env, rx


def ingest(args):
    env, rx = setup(args.ed_flags)
    # --nodes N (PostgreSQL): N-1 more nodes on the same database and master
    # key; client k posts to node k % N
    nodes = [env.ed]
    for _ in range(args.nodes - 1):
        nodes.append(h.start_elementsd(
            env.data, "--hubspot-app-url", env.sim.base, "--hubspot-api-url",
            env.sim.base, "--throttle", "0", "--search-throttle", "0",
            *args.ed_flags))
    stop = time.perf_counter() + args.secs
    done = [0] * args.clients
    errors = [0] * args.clients

    def client(k):
        port = nodes[k % len(nodes)].port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        seq = k * 100_000_000
        while time.perf_counter() < stop:
            body = batch(seq, args.batch)
            seq += args.batch
            conn.request("POST", PATH, body=body, headers=signed_headers(port, body))
            r = conn.getresponse()
            r.read()
            if r.status == 200:
                done[k] += args.batch
            else:
                errors[k] += 1
        conn.close()

    t0 = time.perf_counter()
    ts = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    t1 = time.perf_counter()
    total = sum(done)
    print("posted %d events, %d errors; waiting for the inbox" % (total, sum(errors)), flush=True)
    left = None
    while time.perf_counter() - t1 < 300:
        left = int(db_rows(env.data, "SELECT COUNT(*) FROM events_inbox "
                                     "WHERE processed_at IS NULL")[0][0])
        if left == 0:
            break
        time.sleep(0.2)
    t2 = time.perf_counter()
    with rx.cv:
        rx.cv.wait_for(lambda: rx.count >= total, timeout=args.wait)
        delivered = rx.count
    t3 = time.perf_counter()
    print("ingest: %d events in %.1f s = %.0f events/s answered 200 (%d batches of %d, "
          "%d clients, %d errors)" % (total, t1 - t0, total / (t1 - t0), total // args.batch,
                                      args.batch, args.clients, sum(errors)))
    print("inbox: every batch routed and queued %.1f s after the last one (%.0f events/s "
          "ingested and queued; %s left)" % (t2 - t1, total / (t2 - t0), left))
    print("receiver: %d of %d events delivered %.1f s after the last batch"
          % (delivered, total, t3 - t1))
    for n in nodes[1:]:
        n.stop()
    env.close()


def latency(args):
    env, rx = setup(args.ed_flags)
    port = env.ed.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lat = []
    for i in range(args.n):
        oid = 900_000_000 + i
        body = batch(oid, 1)
        t0 = time.perf_counter()
        conn.request("POST", PATH, body=body, headers=signed_headers(port, body))
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        with rx.cv:
            rx.cv.wait_for(lambda: str(oid) in rx.seen, timeout=30)
            lat.append((rx.seen[str(oid)] - t0) * 1000)
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print("webhook in -> notification at the receiver, %d single-event batches: "
          "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (len(lat), p(0.5), p(0.9), p(0.99), lat[-1]))
    conn.close()
    env.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("ingest", "latency"))
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--nodes", type=int, default=1,
                    help="ingest: elementsd nodes on one PostgreSQL database")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--wait", type=float, default=60, help="ingest: longest wait for deliveries")
    args = ap.parse_args()
    args.ed_flags = []
    (ingest if args.what == "ingest" else latency)(args)


if __name__ == "__main__":
    main()
