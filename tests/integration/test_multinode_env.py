# SPDX-License-Identifier: MIT
"""Shared environment of the multi-node tests (issue 7, phase B); no tests
here. A MultiEnv is one hubspot-sim and N elementsd nodes on one
PostgreSQL database: an instutil.InstEnv (organizations A and B, the
simulator's control API, instance bodies) whose first node is its own
elementsd, plus more nodes, each with a data directory of its own and the
database of the first. All nodes and the admin commands get one master key
through ELEMENTSD_MASTER_KEY, as docs/scaling.md says to run several nodes.

Only meaningful on PostgreSQL: the modules are registered in pg.cmake, and
skip themselves when run without a cluster (h.db_backend() == "sqlite").
Python 3 standard library only."""
import base64
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import instutil as u  # noqa: E402

h = u.h
ON_PG = h.db_backend() == "postgresql"
SKIP_WHY = "several nodes need PostgreSQL (run with label pg)"


def use_master_key():
    """One fresh master key for this test process and its children."""
    os.environ["ELEMENTSD_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()


class Node:
    """One elementsd node: .proc (harness.Proc), .base (API root)."""

    def __init__(self, proc):
        self.proc = proc
        self.base = proc.base + h.API_BASE

    def log(self):
        with open(self.proc.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def alive(self):
        return self.proc.proc.poll() is None


class MultiEnv(u.InstEnv):
    """InstEnv with `nodes` elementsd processes on one database. self.nodes[0]
    is InstEnv's own server; node_flags[i] are extra flags for node i."""

    def __init__(self, prefix, nodes=3, sim_flags=(), ed_flags=(), node_flags=None):
        use_master_key()
        self.node_flags = node_flags or {}
        self.nodes = []
        super().__init__(prefix, sim_flags=sim_flags,
                         ed_flags=tuple(ed_flags) + tuple(self.node_flags.get(0, ())))
        self.common_flags = list(ed_flags)
        try:
            self.nodes.append(Node(self.ed))
            for i in range(1, nodes):
                self.nodes.append(self.start_node(i))
        except Exception:
            self.close()
            raise

    def start_node(self, i):
        """Start node i (a new process; its data directory holds no key)."""
        data = os.path.join(self.tmp, "node%d" % i)
        os.makedirs(data, exist_ok=True)
        proc = h.start_elementsd(
            data, "--db", h.db_url(self.data), "--hubspot-app-url", self.sim.base,
            "--hubspot-api-url", self.sim.base, "--throttle", "0",
            "--search-throttle", "0", *self.common_flags,
            *self.node_flags.get(i, ()))
        return Node(proc)

    def restart_node(self, i):
        """Replace node i (after kill9) by a fresh process."""
        if i == 0:
            self.start_ed()
            self.nodes[0] = Node(self.ed)
        else:
            self.nodes[i] = self.start_node(i)
        return self.nodes[i]

    def kill_node(self, i):
        n = self.nodes[i]
        n.proc.kill9()
        n.proc.log.close()

    def close(self):
        for n in self.nodes[1:]:
            if n.alive():
                n.proc.stop()
        return super().close()

    # calls on a given node

    def on(self, i, method, path, body=None, who="a", token=None, timeout=30,
           query=None):
        return h.request(self.nodes[i].base, method, path, body=body,
                         headers=self.auth(who, token), timeout=timeout,
                         query=query)

    def hub_on(self, i, token, path="/hubs/crm/contacts?pageSize=1", timeout=30):
        return self.on(i, "GET", path, token=token, timeout=timeout)

    def logs(self, lines=25):
        """The last non-access log lines of every node (failure messages)."""
        out = []
        for i, n in enumerate(self.nodes):
            ls = [x for x in n.log().splitlines() if " access " not in x]
            out.append("--- node %d ---\n%s" % (i, "\n".join(ls[-lines:])))
        return "\n".join(out)


def refresh_times(env, rt_of):
    """{name: [epoch seconds, ...]} of the refresh-token POSTs the simulator
    received (arrival time), for each refresh token in rt_of {rt: name}."""
    out = {name: [] for name in rt_of.values()}
    for r, f in env.token_posts("refresh_token"):
        name = rt_of.get(f.get("refresh_token"))
        if name is not None:
            out[name].append(iso_epoch(r["time"]))
    return out


def iso_epoch(ts):
    """'2026-01-05T09:00:00.123Z' -> epoch seconds (float)."""
    import calendar
    main, _, frac = ts.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


# --- a PostgreSQL cluster of one's own (stopped and started by a test) --------

class PrivateCluster:
    """scripts/pg-cluster.sh's throw-away cluster, for a test that stops the
    server: the shared one (pg fixture) serves the other tests meanwhile."""

    SCRIPT = os.path.join(h.ROOT, "scripts", "pg-cluster.sh")

    def __init__(self, d):
        self.dir = d
        r = subprocess.run(["sh", self.SCRIPT, "start", d], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("pg-cluster start failed: %s" % r.stderr)
        self.url_file = os.path.join(d, "url")
        with open(self.url_file) as f:
            self.url = f.read().strip()
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        df = os.path.join(d, "datadir")
        self.data = os.path.join(d, "data")
        if os.path.exists(df):
            with open(df) as f:
                self.data = f.read().strip()

    def pg_ctl(self, *args):
        argv = [h._pg_tool("pg_ctl"), "-D", self.data] + list(args)
        if os.getuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/")
        if r.returncode != 0:
            raise RuntimeError("pg_ctl %s failed: %s%s" % (args, r.stdout, r.stderr))

    def stop_server(self):
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start_server(self):
        self.pg_ctl("-l", os.path.join(self.data, "server.log"), "-w", "-t", "60",
                    "-o", "-p %d" % self.port, "start")

    def destroy(self):
        subprocess.run(["sh", self.SCRIPT, "stop", self.dir], capture_output=True,
                       timeout=60)


class Load:
    """Threads calling fn(i) in a loop until stop(); every answer is kept as
    (start time, end time, status, body)."""

    def __init__(self, threads, fn):
        self.fn = fn
        self.results = []
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.ts = [threading.Thread(target=self.run, args=(i,), daemon=True)
                   for i in range(threads)]
        for t in self.ts:
            t.start()

    def run(self, i):
        k = 0
        while not self.done.is_set():
            t0 = time.time()
            try:
                r = self.fn(i + k)
                rec = (t0, time.time(), r.status, r.body)
            except Exception as e:  # noqa: BLE001 (recorded)
                rec = (t0, time.time(), 0, repr(e).encode())
            with self.lock:
                self.results.append(rec)
            k += 1
            time.sleep(0.01)

    def stop(self):
        self.done.set()
        for t in self.ts:
            t.join(30)
        return self.results
