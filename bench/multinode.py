#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hub-call throughput with 1, 2 and 3 elementsd nodes on one PostgreSQL
database (issue 7, docs/scaling.md "Measured").

  bench/multinode.py [--rounds 3] [--secs 8] [--conns 256] [--latency-ms 50]

One throw-away PostgreSQL cluster (scripts/pg-cluster.sh), one hubspot-sim
with --latency-ms 50 and its rate limits off, one organization and one
API-key instance. Each round starts K nodes (K = 1, 2, 3, interleaved:
1 2 3 1 2 3 ...) on the database, with the same ELEMENTSD_MASTER_KEY, and
runs one wrk per node at the same time, the `conns` connections split
evenly between them (a client-side round robin), for `secs` seconds:
GET /hubs/crm/contacts?pageSize=20. The figure is the sum of the wrk
rates, and its ratio to K = 1 (median of the rounds). Also printed: the
ideal rate (conns / latency), errors, and the CPU seconds elementsd, the
simulator and PostgreSQL used per 1,000 calls.

Nothing is pinned: the nodes, the simulator, PostgreSQL and wrk share the
machine's cores, as they would on one host. Needs wrk (make deps) and the
postgresql package. Figures are ratios within one run: these machines are
shared and noisy.
"""
import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness  # noqa: E402
from bench import cpu_seconds  # noqa: E402

PATH = "/hubs/crm/contacts?pageSize=20"


def wrk_start(url, auth, conns, secs):
    """One wrk (one thread, not pinned) in the background."""
    return subprocess.Popen(["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs,
                             "-H", "Authorization: " + auth, url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def wrk_result(proc):
    out = proc.communicate()[0]
    r = {"requests": 0, "rps": 0.0, "errors": 0}
    m = re.search(r"(\d+) requests in", out)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    if m:
        r["errors"] += sum(int(x) for x in m.groups())
    return r


def cluster_pids(data_dir):
    """The PostgreSQL server's processes (postmaster and children)."""
    with open(os.path.join(data_dir, "postmaster.pid")) as f:
        pm = int(f.readline())
    out = [pm]
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pm:
                        out.append(int(p))
            except OSError:
                pass
    return out


def alive_cpu(pids):
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds([p])
        except OSError:
            pass  # a backend that ended meanwhile
    return total


class Bench:
    def __init__(self, latency_ms):
        self.tmp = tempfile.mkdtemp(prefix="ed-bench-multi-")
        cdir = os.path.join(self.tmp, "cluster")
        r = subprocess.run(["sh", os.path.join(HERE, "..", "scripts", "pg-cluster.sh"),
                            "start", cdir], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("pg-cluster start failed: " + r.stderr)
        self.cluster_dir = cdir
        with open(os.path.join(cdir, "url")) as f:
            server = f.read().strip()
        df = os.path.join(cdir, "datadir")
        self.pg_data = os.path.join(cdir, "data")
        if os.path.exists(df):
            with open(df) as f:
                self.pg_data = f.read().strip()
        psql = harness._pg_tool("psql")
        subprocess.run([psql, "-X", "-q", "-d", server, "-c", "CREATE DATABASE bench"],
                       check=True, capture_output=True)
        self.db = server.rsplit("/", 1)[0] + "/bench"
        self.env = dict(os.environ)
        self.env["ELEMENTSD_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
        # every limit off, the daily one too: a full run makes ~300k calls
        self.sim = harness.start_sim("--api-key", "pat-bench", "--rate-limit", "0",
                                     "--search-rate-limit", "0", "--daily-limit", "0",
                                     "--latency-ms",
                                     str(latency_ms), "--log-level", "warn")
        boot = json.loads(subprocess.run(
            [harness.ELEMENTSD_BIN, "admin", "bootstrap", "--data-dir",
             os.path.join(self.tmp, "node0"), "--db", self.db,
             "--email", "bench@example.test", "--password", "bench-password"],
            capture_output=True, text=True, check=True, env=self.env).stdout)
        self.platform = "User %s, Organization %s" % (boot["userSecret"],
                                                      boot["organizationSecret"])
        nodes = self.start(1)
        r = harness.request(nodes[0].base + harness.API_BASE, "POST", "/instances", body={
            "element": {"key": "hubspotcrm"}, "name": "bench",
            "configuration": {"authentication.type": "apiKey",
                              "hubspot.authorization.apikey": "pat-bench"}},
            headers={"Authorization": self.platform})
        assert r.status == 200, r
        self.auth = self.platform + ", Element " + r.json()["token"]
        self.stop(nodes)

    def start(self, k):
        nodes = []
        for i in range(k):
            port = harness.free_port()
            argv = [harness.ELEMENTSD_BIN, "serve", "--data-dir",
                    os.path.join(self.tmp, "node%d" % i), "--db", self.db,
                    "--listen", "127.0.0.1:%d" % port,
                    "--hubspot-api-url", self.sim.base,
                    "--hubspot-app-url", self.sim.base,
                    "--throttle", "0", "--search-throttle", "0",
                    "--log-level", "warn"]
            nodes.append(harness.Proc(argv, port, env=self.env,
                                      log_path=os.path.join(self.tmp, "node%d.log" % i)))
        return nodes

    def stop(self, nodes):
        for n in nodes:
            n.stop()

    def round(self, k, conns, secs):
        nodes = self.start(k)
        try:
            for p in [wrk_start(n.base + harness.API_BASE + PATH, self.auth, 8, 1)
                      for n in nodes]:  # warm up: connections, caches
                wrk_result(p)
            pids = [n.proc.pid for n in nodes]
            pg = cluster_pids(self.pg_data)
            c0 = (cpu_seconds(pids), cpu_seconds([self.sim.proc.pid]), alive_cpu(pg))
            per = [conns // k + (1 if i < conns % k else 0) for i in range(k)]
            procs = [wrk_start(n.base + harness.API_BASE + PATH, self.auth, c, secs)
                     for n, c in zip(nodes, per)]
            rs = [wrk_result(p) for p in procs]
            c1 = (cpu_seconds(pids), cpu_seconds([self.sim.proc.pid]),
                  alive_cpu(cluster_pids(self.pg_data)))
            reqs = sum(r["requests"] for r in rs) or 1
            return {"nodes": k, "rps": sum(r["rps"] for r in rs),
                    "errors": sum(r["errors"] for r in rs),
                    "cpu_ms_per_1k": {
                        "elementsd": round((c1[0] - c0[0]) * 1e6 / reqs, 1),
                        "sim": round((c1[1] - c0[1]) * 1e6 / reqs, 1),
                        "postgresql": round((c1[2] - c0[2]) * 1e6 / reqs, 1)}}
        finally:
            self.stop(nodes)

    def close(self):
        self.sim.stop()
        subprocess.run(["sh", os.path.join(HERE, "..", "scripts", "pg-cluster.sh"),
                        "stop", self.cluster_dir], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--secs", type=int, default=8)
    ap.add_argument("--conns", type=int, default=256)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--nodes", default="1,2,3")
    a = ap.parse_args()
    ks = [int(x) for x in a.nodes.split(",")]
    b = Bench(a.latency_ms)
    runs = {k: [] for k in ks}
    try:
        for rnd in range(a.rounds):
            for k in ks:
                r = b.round(k, a.conns, a.secs)
                runs[k].append(r)
                print("round %d: %s" % (rnd + 1, json.dumps(r)), file=sys.stderr)
    finally:
        b.close()
    base = statistics.median(r["rps"] for r in runs[ks[0]])
    out = {"machine_cpus": os.cpu_count(), "conns": a.conns,
           "latency_ms": a.latency_ms, "secs": a.secs, "rounds": a.rounds,
           "ideal_rps": a.conns * 1000.0 / a.latency_ms, "results": []}
    for k in ks:
        med = statistics.median(r["rps"] for r in runs[k])
        out["results"].append({
            "nodes": k, "rps_median": round(med, 1),
            "rps_rounds": [round(r["rps"], 1) for r in runs[k]],
            "ratio_to_%d" % ks[0]: round(med / base, 2),
            "errors": sum(r["errors"] for r in runs[k]),
            "cpu_ms_per_1k_median": {
                p: statistics.median(r["cpu_ms_per_1k"][p] for r in runs[k])
                for p in ("elementsd", "sim", "postgresql")}})
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
