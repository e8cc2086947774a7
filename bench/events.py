#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Events benchmarks (issue 11; bench/README.md "Events").

  events.py receiver-capacity [--secs 5]
        what one local receiver process (below) can take: wrk POSTing a
        10-event notification to it, 16 connections
  events.py delivery [--backend sqlite|pg] [--nodes 1] [--notifications 20000]
                     [--events-per 10] [--receivers 2] [--concurrency 16]
        outbox drain rate: N notifications put straight into the outbox
        table (bench-only bulk insert, see below), then elementsd started
        and the rate measured at the receivers (first to last POST)
  events.py polling [--instances 10000] [--portals 1000] [--minutes 3]
                    [--latency-ms 200] [--poll-minute-ms 60000]
        10,000 polling instances x 3 resources, refresh_interval 1, over
        1,000 portals (OAuth instances whose tokens have distinct hub ids),
        sim at 200 ms with its rate limits on: share of polls that start
        within 5 s of their due time, RSS, CPU per poll

The receiver is `events.py _receiver PORT`: one asyncio process, HTTP/1.1
keep-alive, answers 200 to every POST, counts notifications, events (the
"eventType" members of the body) and distinct Elements-Webhook-Id values,
and reports them on GET /__stats.

Bulk enqueue (delivery): the only public way to queue a notification is
POST /instances/{id}/events/test (one event each) or a poll/webhook, so the
benchmark inserts rows into event_deliveries the way events_enqueue writes
them (status 'pending', a 24-hex eventId, the §5.4 body with
--events-per events and a raw of that many contact records) while
elementsd is stopped, then starts it. What is measured is the delivery
path alone: claim, instance load, HMAC signature, POST, outcome write-back.

Needs wrk (receiver-capacity), the postgresql package (--backend pg).
Figures are from a shared 2-vCPU machine: say the load you saw.
"""
import argparse
import asyncio
import base64
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness  # noqa: E402
from bench import cpu_seconds, rss_kb  # noqa: E402

SIG_KEY = "bench-signature-key"


# --- the receiver ---------------------------------------------------------

def receiver_main(port):
    stats = {"requests": 0, "events": 0, "first": 0.0, "last": 0.0, "ids": set(),
             "lat": []}
    cl_re = re.compile(rb"\r\ncontent-length:\s*(\d+)")
    id_re = re.compile(rb"\r\nelements-webhook-id:\s*([0-9a-f]+)")

    class Rx(asyncio.Protocol):
        def connection_made(self, t):
            self.t = t
            self.buf = bytearray()

        def data_received(self, data):
            self.buf += data
            while True:
                i = self.buf.find(b"\r\n\r\n")
                if i < 0:
                    return
                head = bytes(self.buf[:i]).lower()
                m = cl_re.search(head)
                n = int(m.group(1)) if m else 0
                if len(self.buf) < i + 4 + n:
                    return
                body = bytes(self.buf[i + 4:i + 4 + n])
                del self.buf[:i + 4 + n]
                if head.startswith(b"get /__stats"):
                    out = json.dumps({k: (len(v) if k == "ids" else v)
                                      for k, v in stats.items() if k != "lat"}).encode()
                    self.t.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(out), out))
                    continue
                if head.startswith(b"delete /__stats"):
                    stats.update(requests=0, events=0, first=0.0, last=0.0, ids=set())
                    self.t.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                    continue
                now = time.time()
                if not stats["requests"]:
                    stats["first"] = now
                stats["last"] = now
                stats["requests"] += 1
                stats["events"] += body.count(b'"eventType"')
                m = id_re.search(head)
                if m:
                    stats["ids"].add(m.group(1))
                self.t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    async def serve():
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(Rx, "127.0.0.1", port, backlog=1024)
        async with srv:
            await srv.serve_forever()

    asyncio.run(serve())


class Receiver:
    def __init__(self):
        self.port = harness.free_port()
        self.proc = harness.Proc([sys.executable, os.path.abspath(__file__), "_receiver",
                                  str(self.port)], self.port)
        self.url = "http://127.0.0.1:%d/hook" % self.port

    def stats(self):
        return harness.request(self.proc.base, "GET", "/__stats").json()

    def reset(self):
        harness.request(self.proc.base, "DELETE", "/__stats")

    def stop(self):
        self.proc.stop()


# --- bodies ---------------------------------------------------------------

def contact(i, now_ms):
    return {"vid": 1000 + i, "canonical-vid": 1000 + i, "portal-id": 62515,
            "is-contact": True,
            "properties": {"firstname": {"value": "First%d" % i},
                           "lastname": {"value": "Last%d" % i},
                           "email": {"value": "c%d@example.test" % i},
                           "createdate": {"value": str(now_ms - 86400000)},
                           "lastmodifieddate": {"value": str(now_ms)}}}


def notification_body(event_id, instance_id, k, now_ms):
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now_ms / 1000))
    events = [{"elementKey": "hubspotcrm", "objectType": "contacts",
               "objectId": str(1000 + i), "eventType": "UPDATED", "date": date}
              for i in range(k)]
    raw = {"contacts": [contact(i, now_ms) for i in range(k)],
           "objectType": "contacts", "instance_id": instance_id}
    return json.dumps({"message": {"eventId": event_id, "instance_id": instance_id,
                                   "instanceId": instance_id, "elementKey": "hubspotcrm",
                                   "events": events, "raw": raw}},
                      separators=(",", ":"))


def outbox_rows(instances, n, k):
    """n rows for event_deliveries, round robin over instances [(id, org, url)]."""
    now = int(time.time() * 1000)
    tmpl = {}
    for iid, _, _ in instances:
        tmpl[iid] = notification_body("@EID@", iid, k, now)
    for j in range(n):
        iid, org, url = instances[j % len(instances)]
        eid = os.urandom(12).hex()
        yield (eid, org, iid, "hubspotcrm", "polling", tmpl[iid].replace("@EID@", eid),
               url, "pending", now, now)


COLS = ("event_id, org_id, instance_id, element_key, source, body, url, status, "
        "next_at, created_at")


# --- a stack: sim, store (SQLite or a throw-away PostgreSQL), nodes --------

class EvStack:
    def __init__(self, backend="sqlite", sim_flags=None):
        self.dir = tempfile.mkdtemp(prefix="ed-bench-ev-")
        self.backend = backend
        self.env = dict(os.environ)
        self.env["ELEMENTSD_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
        self.db = None
        self.cluster = None
        if backend == "pg":
            self.cluster = os.path.join(self.dir, "cluster")
            r = subprocess.run(["sh", os.path.join(HERE, "..", "scripts", "pg-cluster.sh"),
                                "start", self.cluster], capture_output=True, text=True)
            if r.returncode != 0:
                raise SystemExit("pg-cluster start failed: " + r.stderr)
            server = open(os.path.join(self.cluster, "url")).read().strip()
            self.psql = harness._pg_tool("psql")
            subprocess.run([self.psql, "-X", "-q", "-d", server, "-c",
                            "CREATE DATABASE bench"], check=True, capture_output=True)
            self.db = server.rsplit("/", 1)[0] + "/bench"
        self.sim = harness.start_sim(*(sim_flags or (
            "--api-key", "pat-bench", "--rate-limit", "0", "--search-rate-limit", "0",
            "--daily-limit", "0", "--log-level", "warn")))
        self.data0 = os.path.join(self.dir, "node0")
        boot = json.loads(subprocess.run(
            [harness.ELEMENTSD_BIN, "admin", "bootstrap", "--data-dir", self.data0,
             "--email", "bench@example.test", "--password", "bench-password"]
            + self.dbflags(), capture_output=True, text=True, check=True,
            env=self.env).stdout)
        self.org = boot["organizationId"]
        self.platform = "User %s, Organization %s" % (boot["userSecret"],
                                                      boot["organizationSecret"])
        self.nodes = []

    def dbflags(self):
        return ["--db", self.db] if self.db else []

    def start(self, k=1, flags=()):
        for i in range(k):
            port = harness.free_port()
            argv = [harness.ELEMENTSD_BIN, "serve", "--data-dir",
                    os.path.join(self.dir, "node%d" % (i if self.db else 0)),
                    "--listen", "127.0.0.1:%d" % port,
                    "--hubspot-api-url", self.sim.base, "--hubspot-app-url", self.sim.base,
                    "--log-level", "warn"] + self.dbflags() + list(flags)
            self.nodes.append(harness.Proc(argv, port, env=self.env,
                                           log_path=os.path.join(self.dir, "node%d.log" % i)))
        return self.nodes

    def stop_nodes(self):
        for n in self.nodes:
            n.stop()
        self.nodes = []

    def api(self, method, path, body=None, auth=None):
        return harness.request(self.nodes[0].base + harness.API_BASE, method, path, body=body,
                               headers={"Authorization": auth or self.platform})

    def sql(self, q):
        """One query on the store (a list of rows)."""
        if self.db:
            out = subprocess.run([self.psql, "-X", "-q", "-A", "-t", "-F", "\t", "-d",
                                  self.db, "-c", q], capture_output=True, text=True,
                                 check=True).stdout
            return [tuple(line.split("\t")) for line in out.splitlines() if line]
        con = sqlite3.connect(os.path.join(self.data0, "elementsd.db"), timeout=30)
        try:
            return con.execute(q).fetchall()
        finally:
            con.close()

    def bulk_outbox(self, rows):
        if self.db:
            p = subprocess.Popen([self.psql, "-X", "-q", "-d", self.db, "-c",
                                  "COPY event_deliveries(%s) FROM STDIN" % COLS],
                                 stdin=subprocess.PIPE, text=True)
            for r in rows:
                p.stdin.write("\t".join(str(x).replace("\\", "\\\\") for x in r) + "\n")
            p.stdin.close()
            if p.wait() != 0:
                raise SystemExit("COPY failed")
            return
        con = sqlite3.connect(os.path.join(self.data0, "elementsd.db"), timeout=30)
        con.executemany("INSERT INTO event_deliveries(%s) VALUES(?,?,?,?,?,?,?,?,?,?)"
                        % COLS, rows)
        con.commit()
        con.close()

    def close(self):
        self.stop_nodes()
        self.sim.stop()
        if self.cluster:
            subprocess.run(["sh", os.path.join(HERE, "..", "scripts", "pg-cluster.sh"),
                            "stop", self.cluster], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- receiver capacity ------------------------------------------------------

def cmd_receiver_capacity(a):
    rx = Receiver()
    d = tempfile.mkdtemp(prefix="ed-bench-rx-")
    try:
        body = notification_body("0123456789abcdef01234567", 1, a.events_per,
                                 int(time.time() * 1000))
        lua = os.path.join(d, "post.lua")
        with open(lua, "w") as f:
            f.write("wrk.method = 'POST'\nwrk.body = %s\n"
                    "wrk.headers['Content-Type'] = 'application/json'\n"
                    "wrk.headers['Elements-Webhook-Id'] = '0123456789abcdef01234567'\n"
                    % json.dumps(body))
        c0 = cpu_seconds([rx.proc.proc.pid])
        out = subprocess.run(["wrk", "-t1", "-c%d" % a.conns, "-d%ds" % a.secs, "-s", lua,
                              rx.url], capture_output=True, text=True).stdout
        c1 = cpu_seconds([rx.proc.proc.pid])
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        rps = float(m.group(1)) if m else 0.0
        st = rx.stats()
        res = {"load": loadavg(), "body_bytes": len(body), "events_per": a.events_per,
               "conns": a.conns, "notifications_per_s": rps,
               "events_per_s": rps * a.events_per,
               "receiver_cpu_us_per_notification": (c1 - c0) * 1e6 / max(1, st["requests"])}
        print(json.dumps(res, indent=2))
    finally:
        rx.stop()
        shutil.rmtree(d, ignore_errors=True)


# --- delivery ---------------------------------------------------------------

def cmd_delivery(a):
    rxs = [Receiver() for _ in range(a.receivers)]
    st = EvStack(a.backend)
    try:
        st.start(1)
        insts = []
        for i in range(a.instances):
            rx = rxs[i % len(rxs)]
            r = st.api("POST", "/instances", {
                "element": {"key": "hubspotcrm"}, "name": "ev%d" % i,
                "configuration": {"authentication.type": "apiKey",
                                  "hubspot.authorization.apikey": "pat-bench",
                                  "event.notification.enabled": "true",
                                  "event.vendor.type": "webhook",
                                  "event.notification.callback.url": rx.url,
                                  "event.notification.signature.key": SIG_KEY}})
            assert r.status == 200, r
            insts.append((r.json()["id"], st.org, rx.url))
        st.stop_nodes()
        t0 = time.time()
        st.bulk_outbox(outbox_rows(insts, a.notifications, a.events_per))
        fill_s = time.time() - t0
        for rx in rxs:
            rx.reset()
        load0 = loadavg()
        flags = ["--event-receiver-concurrency", str(a.concurrency)]
        nodes = st.start(a.nodes, flags)
        pids = [n.proc.pid for n in nodes]
        rx_pids = [rx.proc.proc.pid for rx in rxs]
        c0 = (cpu_seconds(pids), cpu_seconds(rx_pids))
        peak = 0
        deadline = time.time() + a.timeout
        total = 0
        while time.time() < deadline:
            time.sleep(0.5)
            peak = max([peak] + [rss_kb(p) for p in pids])
            sts = [rx.stats() for rx in rxs]
            total = sum(s["requests"] for s in sts)
            if total >= a.notifications:
                break
        c1 = (cpu_seconds(pids), cpu_seconds(rx_pids))
        sts = [rx.stats() for rx in rxs]
        first = min(s["first"] for s in sts if s["first"])
        last = max(s["last"] for s in sts)
        reqs = sum(s["requests"] for s in sts)
        evs = sum(s["events"] for s in sts)
        ids = sum(s["ids"] for s in sts)
        secs = max(1e-9, last - first)
        delivered = st.sql("SELECT count(*), avg(claim), max(claim) FROM event_deliveries "
                           "WHERE status='delivered'")
        res = {"backend": a.backend, "nodes": a.nodes, "receivers": a.receivers,
               "instances": a.instances, "receiver_concurrency": a.concurrency,
               "events_per_notification": a.events_per,
               "notifications": a.notifications, "received": reqs,
               "distinct_event_ids": ids, "events_received": evs,
               "stored_delivered": int(delivered[0][0]),
               "claims_per_row_avg_max": [round(float(delivered[0][1]), 2),
                                          int(delivered[0][2])],
               "seconds_first_to_last": round(secs, 2),
               "notifications_per_s": round(reqs / secs, 1),
               "events_per_s": round(evs / secs, 1),
               "elementsd_cpu_us_per_notification": round((c1[0] - c0[0]) * 1e6 / max(1, reqs), 1),
               "receivers_cpu_us_per_notification": round((c1[1] - c0[1]) * 1e6 / max(1, reqs), 1),
               "elementsd_peak_rss_mb": round(peak / 1024.0, 1),
               "bulk_insert_s": round(fill_s, 1),
               "load_before": load0, "load_after": loadavg()}
        print(json.dumps(res, indent=2))
        return res
    finally:
        st.close()
        for rx in rxs:
            rx.stop()


CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-client-secret"
CALLBACK = "https://app.example.test/callback"


def parallel(items, fn, width=32):
    """fn(item) for every item, `width` threads at a time; results in order."""
    out = [None] * len(items)
    it = iter(enumerate(items))
    lock = threading.Lock()
    err = []

    def work():
        while True:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            try:
                out[nxt[0]] = fn(nxt[1])
            except Exception as e:  # noqa: BLE001
                err.append(e)
                return
    ts = [threading.Thread(target=work) for _ in range(width)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if err:
        raise err[0]
    return out


def clone_instances(db_path, total):
    """Clone the stored instances round robin until `total` rows exist: the
    clones keep the original's sealed credentials (so its portal) and
    configuration, with a random token hash. Returns the count."""
    con = sqlite3.connect(db_path, timeout=30)
    cols = [r[1] for r in con.execute("PRAGMA table_info(instances)") if r[1] != "id"]
    sel = ", ".join("randomblob(32)" if c == "token_hash" else c for c in cols)
    ids = [r[0] for r in con.execute("SELECT id FROM instances ORDER BY id")]
    n = len(ids)
    k = 0
    while n < total:
        con.execute("INSERT INTO instances(%s) SELECT %s FROM instances WHERE id=?"
                    % (", ".join(cols), sel), (ids[k % len(ids)],))
        k += 1
        n += 1
    con.commit()
    con.close()
    return n


def cmd_polling(a):
    rx = Receiver()
    st = EvStack("sqlite", sim_flags=(
        "--client", "%s:%s" % (CLIENT_ID, CLIENT_SECRET), "--latency-ms", str(a.latency_ms),
        "--log-level", "warn"))  # rate limits: the sim's defaults (on)
    db = os.path.join(st.data0, "elementsd.db")
    try:
        st.start(1, ["--poll-minute-ms", str(a.poll_minute_ms)])
        t0 = time.time()

        def make(i):
            r = harness.request(st.sim.base, "POST", "/__sim/oauth/code", body={
                "client_id": CLIENT_ID, "redirect_uri": CALLBACK,
                "scopes": ["oauth", "contacts", "crm.objects.contacts.read",
                           "crm.objects.companies.read", "crm.objects.deals.read"],
                "hub_id": 500000 + i})
            assert r.status == 200, r
            r = st.api("POST", "/instances", {
                "element": {"key": "hubspotcrm"}, "name": "poll%d" % i,
                "providerData": {"code": r.json()["code"]},
                "configuration": {
                    "authentication.type": "oauth2", "oauth.callback.url": CALLBACK,
                    "oauth.api.key": CLIENT_ID, "oauth.api.secret": CLIENT_SECRET,
                    "event.notification.enabled": "true", "event.vendor.type": "polling",
                    "event.notification.callback.url": rx.url,
                    "event.poller.refresh_interval": "1"}})
            assert r.status == 200, (r, st.nodes[0].read_log()[-2000:])
            return r.json()["id"]
        parallel(list(range(a.portals)), make)
        create_s = time.time() - t0
        st.stop_nodes()
        total = clone_instances(db, a.instances)
        con = sqlite3.connect(db, timeout=30)
        con.execute("DELETE FROM event_polls")  # one schedule for all, made at start
        con.commit()
        load0 = loadavg()
        node = st.start(1, ["--poll-minute-ms", str(a.poll_minute_ms)])[0]
        pid, simpid = node.proc.pid, st.sim.proc.pid
        start = time.time()
        end = start + a.minutes * a.poll_minute_ms / 1000.0
        warm = start + a.warmup
        prev = {}
        lat, failed = [], 0
        peak, c0, s0 = 0, None, None
        sample_every = min(5.0, a.poll_minute_ms / 4000.0)
        while time.time() < end:
            time.sleep(sample_every)
            peak = max(peak, rss_kb(pid))
            now = time.time()
            if c0 is None and now >= warm:
                c0, s0 = cpu_seconds([pid]), cpu_seconds([simpid])
                counting_from = now
            rows = con.execute("SELECT instance_id, resource, due_ms, watermark_ms "
                               "FROM event_polls").fetchall()
            for iid, res, due, wm in rows:
                key = (iid, res)
                old = prev.get(key)
                prev[key] = (due, wm)
                if old is None or c0 is None:
                    continue
                if wm != old[1]:
                    lat.append(wm - old[0])  # started minus its due time
                elif due != old[0]:
                    failed += 1
        c1, s1 = cpu_seconds([pid]), cpu_seconds([simpid])
        polls = len(lat) + failed
        window = time.time() - counting_from
        lat.sort()
        within = sum(1 for x in lat if x <= 5000)
        q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] if lat else None  # noqa: E731
        rstats = rx.stats()
        res = {"instances": total, "portals": a.portals, "resources_per_instance": 3,
               "poll_rows": len(prev), "poll_minute_ms": a.poll_minute_ms,
               "sim_latency_ms": a.latency_ms, "create_portal_instances_s": round(create_s, 1),
               "measured_s": round(window, 1),
               "polls_ok": len(lat), "polls_failed": failed,
               "polls_per_s": round(polls / max(1e-9, window), 1),
               "expected_polls_per_s": round(len(prev) * 1000.0 / a.poll_minute_ms, 1),
               "share_within_5s": round(within / max(1, polls), 4),
               "lateness_ms_p50_p99_max": [q(0.5), q(0.99), lat[-1] if lat else None],
               "elementsd_peak_rss_mb": round(peak / 1024.0, 1),
               "elementsd_cpu_us_per_poll": round((c1 - c0) * 1e6 / max(1, polls), 1),
               "sim_cpu_us_per_poll": round((s1 - s0) * 1e6 / max(1, polls), 1),
               "notifications_received": rstats["requests"],
               "load_before": load0, "load_after": loadavg()}
        warns = [ln for ln in node.read_log().splitlines() if "level=warn" in ln
                 or "warn" in ln[:40]]
        res["log_warnings"] = len(warns)
        res["log_warning_sample"] = warns[:3]
        print(json.dumps(res, indent=2))
        con.close()
        return res
    finally:
        st.close()
        rx.stop()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "_receiver":
        receiver_main(int(sys.argv[2]))
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("receiver-capacity")
    p.add_argument("--secs", type=int, default=5)
    p.add_argument("--conns", type=int, default=16)
    p.add_argument("--events-per", type=int, default=10)
    p = sub.add_parser("delivery")
    p.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite")
    p.add_argument("--nodes", type=int, default=1)
    p.add_argument("--notifications", type=int, default=20000)
    p.add_argument("--events-per", type=int, default=10)
    p.add_argument("--receivers", type=int, default=2)
    p.add_argument("--instances", type=int, default=4)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--timeout", type=int, default=300)
    p = sub.add_parser("polling")
    p.add_argument("--instances", type=int, default=10000)
    p.add_argument("--portals", type=int, default=1000)
    p.add_argument("--minutes", type=float, default=3)
    p.add_argument("--latency-ms", type=int, default=200)
    p.add_argument("--poll-minute-ms", type=int, default=60000)
    p.add_argument("--warmup", type=float, default=20,
                   help="seconds after start before polls are counted")
    a = ap.parse_args()
    {"receiver-capacity": cmd_receiver_capacity, "delivery": cmd_delivery,
     "polling": cmd_polling}[a.cmd](a)


if __name__ == "__main__":
    main()
