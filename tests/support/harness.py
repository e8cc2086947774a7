# SPDX-License-Identifier: MIT
"""Shared helpers for the integration tests (Python 3 standard library only).

Tests run the real binaries (build/elementsd, build/hubspot-sim) on ephemeral
ports and talk to them over real HTTP. Binary paths come from the environment
(ELEMENTSD_BIN, HUBSPOT_SIM_BIN, set by CTest) or default to ./build/.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ELEMENTSD_BIN = os.environ.get("ELEMENTSD_BIN", os.path.join(ROOT, "build", "elementsd"))
SIM_BIN = os.environ.get("HUBSPOT_SIM_BIN", os.path.join(ROOT, "build", "hubspot-sim"))


def free_port():
    """Return a TCP port that was free a moment ago on 127.0.0.1."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc=None, timeout=15.0):
    """Wait until something accepts connections on 127.0.0.1:port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("process exited early with %s" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d never opened" % port)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # dict, lower-case names
        self.raw_headers = None         # list of (name, value)
        self.body = body                # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.body[:300])


def request(base, method, path, body=None, headers=None, timeout=30, raw_body=None,
            query=None):
    """One HTTP request; body (a dict/list) is sent as JSON unless raw_body is given."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    hdrs = dict(headers or {})
    data = None
    if raw_body is not None:
        data = raw_body if isinstance(raw_body, bytes) else raw_body.encode()
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    full = u.path.rstrip("/") + path
    if query:
        full += ("&" if "?" in full else "?") + urllib.parse.urlencode(query, doseq=True)
    try:
        conn.request(method, full, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, payload)
        resp.raw_headers = r.getheaders()
        return resp
    finally:
        conn.close()


def form(base, path, fields, headers=None):
    """POST application/x-www-form-urlencoded."""
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return request(base, "POST", path, raw_body=urllib.parse.urlencode(fields), headers=h)


class Proc:
    """A child process on an ephemeral port, stopped (SIGTERM, then SIGKILL) on stop()."""

    def __init__(self, argv, port, env=None, log_path=None):
        self.argv = argv
        self.port = port
        self.log_path = log_path or tempfile.mktemp(prefix="ed-proc-", suffix=".log")
        self.log = open(self.log_path, "wb")
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        try:
            wait_port(port, self.proc)
        except Exception:
            self.stop()
            raise RuntimeError("%s failed to start:\n%s" % (argv[0], self.read_log()))

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def read_log(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def start_sim(*args, env=None):
    """Start hubspot-sim on a free port with extra flags; returns a Proc."""
    port = free_port()
    argv = [SIM_BIN, "--listen", "127.0.0.1:%d" % port] + list(args)
    return Proc(argv, port, env=env)


# --- elementsd helpers (platform integration tests) ------------------------

API_BASE = "/elements/api-v2"


def run_elementsd(*args, env=None, timeout=30):
    """Run `elementsd ARGS...` to completion; returns CompletedProcess (text)."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([ELEMENTSD_BIN] + list(args), capture_output=True,
                          text=True, env=e, timeout=timeout)


def _admin(cmd, data_dir, email, password, extra, env):
    r = run_elementsd("admin", cmd, "--data-dir", data_dir, "--email", email,
                      "--password", password, *extra, env=env)
    if r.returncode != 0:
        raise RuntimeError("elementsd admin %s failed (%d): %s"
                           % (cmd, r.returncode, r.stderr))
    return json.loads(r.stdout)


def bootstrap(data_dir, email, password, *extra, env=None):
    """`elementsd admin bootstrap`; returns its JSON output as a dict
    (organizationId, userId, email, userSecret, organizationSecret)."""
    return _admin("bootstrap", data_dir, email, password, extra, env)


def create_user(data_dir, org_id, email, password, *extra, env=None):
    """`elementsd admin create-user --org ORG`; returns its JSON output."""
    return _admin("create-user", data_dir, email, password,
                  ("--org", str(org_id)) + tuple(extra), env)


def start_elementsd(data_dir, *flags, env=None):
    """Start `elementsd serve` on a free port with --data-dir DATA_DIR and
    extra flags; returns a Proc whose .base is the server root URL (add
    API_BASE for platform paths). Stop it with .stop(), which returns the
    exit code. The log goes next to DATA_DIR (so it is removed with it)."""
    port = free_port()
    argv = [ELEMENTSD_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
            "--data-dir", data_dir] + list(flags)
    log = os.path.join(os.path.dirname(os.path.abspath(data_dir)),
                       "elementsd-%d.log" % port)
    return Proc(argv, port, env=env, log_path=log)


def platform_auth(account):
    """The Authorization header value for a bootstrap/create-user result."""
    return "User %s, Organization %s" % (account["userSecret"],
                                         account["organizationSecret"])
