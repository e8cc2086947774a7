#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""elementsd benchmarks (see bench/README.md for what they measure and why).

  bench.py latency   512 clients, hubspot-sim at --latency-ms 200: req/s vs
                     the ideal 2,560/s, errors, elementsd peak RSS
  bench.py compare   no injected latency, interleaved A B A B: sim direct,
                     nginx proxy, Node.js proxy, elementsd: req/s (32 conns),
                     p50 at 1 connection, server CPU per request
  bench.py scale     hub-call throughput with 10 vs 100,000 stored instances

Needs wrk, nginx, node (make deps installs them; see bench/README.md).
Figures are ratios within one run: these machines are shared and noisy.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness  # noqa: E402

NCPU = os.cpu_count() or 1
SERVER_CPU = "0"                       # servers pinned here
LOAD_CPU = "1" if NCPU > 1 else "0"    # wrk pinned here


def wrk(url, auth, conns, secs, threads=1, latency=False, script=None):
    argv = ["taskset", "-c", LOAD_CPU, "wrk", "-t%d" % threads, "-c%d" % conns,
            "-d%ds" % secs, "-H", "Authorization: " + auth]
    if latency:
        argv.append("--latency")
    if script:
        argv += ["-s", script]
    argv.append(url)
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    r = {"raw": out}
    m = re.search(r"(\d+) requests in", out)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    r["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    r["sockerr"] = sum(int(x) for x in m.groups()) if m else 0
    m = re.search(r"\s50%\s+([\d.]+)(us|ms|s)", out)
    if m:
        v = float(m.group(1))
        r["p50_us"] = v * {"us": 1, "ms": 1000, "s": 1e6}[m.group(2)]
    return r


def cpu_seconds(pids):
    tck = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/stat" % (pid, task)) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tck
    return total


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Stack:
    """hubspot-sim + elementsd with one API-key instance."""

    def __init__(self, sim_flags=(), ed_flags=(), pin=True):
        self.dir = tempfile.mkdtemp(prefix="ed-bench-")
        self.sim = harness.start_sim("--api-key", "pat-bench", "--rate-limit", "0",
                                     "--search-rate-limit", "0", "--daily-limit", "0",
                                     *sim_flags)
        if pin:
            subprocess.run(["taskset", "-pc", SERVER_CPU, str(self.sim.proc.pid)],
                           capture_output=True)
        data = os.path.join(self.dir, "data")
        boot = json.loads(subprocess.run(
            [harness.ELEMENTSD_BIN, "admin", "bootstrap", "--data-dir", data,
             "--email", "bench@example.test", "--password", "bench-password"],
            capture_output=True, text=True, check=True).stdout)
        port = harness.free_port()
        argv = (["taskset", "-c", SERVER_CPU] if pin else []) + [harness.ELEMENTSD_BIN, "serve",
                "--data-dir", data, "--listen", "127.0.0.1:%d" % port,
                "--hubspot-api-url", self.sim.base, "--hubspot-app-url", self.sim.base,
                "--throttle", "0", "--search-throttle", "0", "--log-level", "warn"]
        self.ed = harness.Proc(argv + list(ed_flags), port)
        self.data = data
        self.base = self.ed.base + "/elements/api-v2"
        self.platform = "User %s, Organization %s" % (boot["userSecret"],
                                                      boot["organizationSecret"])
        self.token = self.new_instance()
        self.auth = self.platform + ", Element " + self.token

    def new_instance(self, name="bench"):
        r = harness.request(self.base, "POST", "/instances", body={
            "element": {"key": "hubspotcrm"}, "name": name,
            "configuration": {"authentication.type": "apiKey",
                              "hubspot.authorization.apikey": "pat-bench"}},
            headers={"Authorization": self.platform})
        assert r.status == 200, r
        return r.json()["token"]

    def ed_pid(self):
        # harness.Proc runs taskset, which execs elementsd: same pid
        return self.ed.proc.pid

    def stop(self):
        self.ed.stop()
        self.sim.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def cmd_latency(secs=15):
    # not pinned: both servers and wrk share the machine's cores
    st = Stack(sim_flags=("--latency-ms", "200"), pin=False)
    try:
        url = st.base + "/hubs/crm/contacts?pageSize=20"
        wrk(url, st.auth, 64, 2, threads=2)  # warm up connections
        peak = [0]
        pid = st.ed_pid()
        import threading
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(pid))
                time.sleep(0.1)
        t = threading.Thread(target=sample)
        t.start()
        argv_threads = 2 if NCPU > 1 else 1
        r = wrk(url, st.auth, 512, secs, threads=argv_threads)
        stop.set()
        t.join()
        ideal = 512 / 0.2
        res = {"rps": r["rps"], "ideal": ideal, "fraction": r["rps"] / ideal,
               "errors": r["non2xx"] + r["sockerr"], "peak_rss_mb": peak[0] / 1024.0}
        print(json.dumps(res, indent=2))
        return res
    finally:
        st.stop()


def start_nginx(sim_port, token, d):
    port = harness.free_port()
    conf = open(os.path.join(HERE, "nginx.conf")).read()
    conf = (conf.replace("@SIM_PORT@", str(sim_port)).replace("@NGINX_PORT@", str(port))
            .replace("@TOKEN@", token).replace("@DIR@", d))
    path = os.path.join(d, "nginx.conf")
    open(path, "w").write(conf)
    p = harness.Proc(["taskset", "-c", SERVER_CPU, "nginx", "-c", path, "-p", d], port)
    return p


def worker_pids(proc):
    """nginx: the worker processes; others: the process itself."""
    kids = subprocess.run(["pgrep", "-P", str(proc.proc.pid)], capture_output=True,
                          text=True).stdout.split()
    return [int(k) for k in kids] or [proc.proc.pid]


def measure(name, url, auth, pids, secs):
    c0 = cpu_seconds(pids)
    r32 = wrk(url, auth, 32, secs)
    c1 = cpu_seconds(pids)
    r1 = wrk(url, auth, 1, max(2, secs // 2), latency=True)
    return {"name": name, "rps32": r32["rps"],
            "cpu_us_per_req": (c1 - c0) * 1e6 / max(1, r32["requests"]),
            "p50_us": r1.get("p50_us", 0.0),
            "errors": r32["non2xx"] + r32["sockerr"] + r1["non2xx"] + r1["sockerr"]}


def cmd_compare(rounds=3, secs=5):
    # elementsd with its defaults; ED_BENCH_THREADS sets --threads
    flags = ("--threads", os.environ["ED_BENCH_THREADS"]) \
        if os.environ.get("ED_BENCH_THREADS") else ()
    st = Stack(ed_flags=flags)
    # ED_BENCH_BASELINE_BIN: a second elementsd (an earlier build) measured
    # in the same rounds, so a change is judged against its predecessor
    # under the same machine load
    base_bin = os.environ.get("ED_BENCH_BASELINE_BIN")
    st2 = None
    d = tempfile.mkdtemp(prefix="ed-bench-px-")
    nginx = node = None
    try:
        if base_bin:
            saved, harness.ELEMENTSD_BIN = harness.ELEMENTSD_BIN, base_bin
            try:
                st2 = Stack(ed_flags=flags)
            finally:
                harness.ELEMENTSD_BIN = saved
        sim_port = st.sim.port
        nginx = start_nginx(sim_port, "pat-bench", d)
        nport = harness.free_port()
        node = harness.Proc(["taskset", "-c", SERVER_CPU, "node",
                             os.path.join(HERE, "node-proxy.js"), str(nport),
                             str(sim_port), "pat-bench"], nport)
        path = "/crm/v3/objects/contacts?limit=20"
        targets = [
            ("sim", st.sim.base + path, "Bearer pat-bench", [st.sim.proc.pid]),
            ("nginx", nginx.base + path, "Bearer ignored", worker_pids(nginx)),
            ("node", node.base + path, "Bearer ignored", [node.proc.pid]),
            ("elementsd", st.base + "/hubs/crm/contacts?pageSize=20", st.auth,
             [st.ed_pid()]),
        ]
        if st2:
            targets.append(("elementsd-base", st2.base + "/hubs/crm/contacts?pageSize=20",
                            st2.auth, [st2.ed_pid()]))
        for name, url, auth, _ in targets:  # warm up
            wrk(url, auth, 8, 1)
        runs = {t[0]: [] for t in targets}
        for _ in range(rounds):
            for name, url, auth, pids in targets:
                runs[name].append(measure(name, url, auth, pids, secs))
        out = {}
        for name in runs:
            rs = runs[name]
            med = lambda k: sorted(x[k] for x in rs)[len(rs) // 2]  # noqa: E731
            out[name] = {"rps32": med("rps32"), "p50_us": med("p50_us"),
                         "cpu_us_per_req": med("cpu_us_per_req"),
                         "errors": sum(x["errors"] for x in rs)}
        base = out["sim"]["p50_us"]
        for name in [t[0] for t in targets if t[0] != "sim"]:
            out[name]["added_p50_us"] = out[name]["p50_us"] - base
        e, n, g = out["elementsd"], out["node"], out["nginx"]
        out["ratios"] = {
            "elementsd_vs_node_added_p50": e["added_p50_us"] / max(1e-9, n["added_p50_us"]),
            "elementsd_vs_node_cpu": e["cpu_us_per_req"] / max(1e-9, n["cpu_us_per_req"]),
            "elementsd_vs_nginx_added_p50": e["added_p50_us"] / max(1e-9, g["added_p50_us"]),
            "elementsd_vs_nginx_cpu": e["cpu_us_per_req"] / max(1e-9, g["cpu_us_per_req"]),
        }
        if st2:
            b = out["elementsd-base"]
            out["ratios"].update({
                "base_vs_node_added_p50": b["added_p50_us"] / max(1e-9, n["added_p50_us"]),
                "base_vs_node_cpu": b["cpu_us_per_req"] / max(1e-9, n["cpu_us_per_req"]),
                "elementsd_vs_base_cpu": e["cpu_us_per_req"] / max(1e-9, b["cpu_us_per_req"]),
                "elementsd_vs_base_added_p50": e["added_p50_us"] / max(1e-9, b["added_p50_us"]),
            })
        print(json.dumps(out, indent=2))
        return out
    finally:
        for p in (nginx, node):
            if p:
                p.stop()
        if st2:
            st2.stop()
        st.stop()
        shutil.rmtree(d, ignore_errors=True)


def fill_instances(db_path, total):
    """Clone the stored instance row until `total` rows exist (the clones get
    random token hashes: only the index size matters to a lookup)."""
    con = sqlite3.connect(db_path)
    n = con.execute("SELECT count(*) FROM instances").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(instances)")]
    sel = ", ".join("randomblob(32)" if c == "token_hash" else c
                    for c in cols if c != "id")
    ins = ", ".join(c for c in cols if c != "id")
    while n < total:
        k = min(total - n, 10000)
        con.execute("INSERT INTO instances(%s) SELECT %s FROM instances "
                    "WHERE id=(SELECT min(id) FROM instances) LIMIT 1" % (ins, sel))
        con.execute("INSERT INTO instances(%s) SELECT %s FROM instances LIMIT %d"
                    % (ins, sel, k - 1))
        con.commit()
        n = con.execute("SELECT count(*) FROM instances").fetchone()[0]
    con.close()
    return n


def cmd_scale(secs=5, rounds=5):
    """10 vs 100,000 stored instances, both stacks up at once and measured
    interleaved (A B A B ...): the same calls over 10 real tokens, with the
    lookup cache off so every call looks its instance up in the database."""
    stacks, luas = {}, {}
    try:
        for total in (10, 100000):
            st = Stack(ed_flags=("--cache-ttl-ms", "0"))
            stacks[total] = st
            tokens = [st.token] + [st.new_instance("i%d" % i) for i in range(9)]
            if total > 10:
                st.ed.stop()
                fill_instances(os.path.join(st.data, "elementsd.db"), total)
                st.ed = harness.Proc(st.ed.argv, st.ed.port)
            lua = os.path.join(st.dir, "tokens.lua")
            with open(lua, "w") as f:
                f.write("local t = {%s}\nlocal i = 0\nrequest = function()\n"
                        "  i = i + 1\n  local tok = t[(i %% #t) + 1]\n"
                        "  wrk.headers['Authorization'] = '%s, Element ' .. tok\n"
                        "  return wrk.format(nil)\nend\n"
                        % (", ".join('"%s"' % t for t in tokens), st.platform))
            luas[total] = lua
            wrk(st.base + "/hubs/crm/contacts?pageSize=20", st.auth, 8, 1, script=lua)
        rps = {10: [], 100000: []}
        for _ in range(rounds):
            for total, st in stacks.items():
                r = wrk(st.base + "/hubs/crm/contacts?pageSize=20", st.auth, 32, secs,
                        script=luas[total])
                assert r["non2xx"] == 0 and r["sockerr"] == 0, r["raw"]
                rps[total].append(r["rps"])
        med = {k: sorted(v)[len(v) // 2] for k, v in rps.items()}
        res = {"10": med[10], "100000": med[100000],
               "ratio_100k_vs_10": med[100000] / max(1e-9, med[10]),
               "rounds": {str(k): v for k, v in rps.items()}}
        print(json.dumps(res, indent=2))
        return res
    finally:
        for st in stacks.values():
            st.stop()


if __name__ == "__main__":
    cmds = {"latency": cmd_latency, "compare": cmd_compare, "scale": cmd_scale}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__)
        sys.exit(2)
    cmds[sys.argv[1]]()
