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
        if not self.log.closed:
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
    """Run `elementsd ARGS...` to completion; returns CompletedProcess (text).
    In the PostgreSQL runs, ARGS with --data-dir D and no --db get D's
    database (db_flags)."""
    e = dict(os.environ)
    e.update(env or {})
    args = list(args)
    if "--data-dir" in args and "--db" not in args:
        i = args.index("--data-dir")
        if i + 1 < len(args):
            args += db_flags(args[i + 1])
    return subprocess.run([ELEMENTSD_BIN] + args, capture_output=True,
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
    exit code. The log goes next to DATA_DIR (so it is removed with it).
    In the PostgreSQL runs it also gets DATA_DIR's database (db_flags)."""
    port = free_port()
    argv = [ELEMENTSD_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
            "--data-dir", data_dir] + list(flags)
    if "--db" not in flags:
        argv += db_flags(data_dir)
    log = os.path.join(os.path.dirname(os.path.abspath(data_dir)),
                       "elementsd-%d.log" % port)
    return Proc(argv, port, env=env, log_path=log)


def platform_auth(account):
    """The Authorization header value for a bootstrap/create-user result."""
    return "User %s, Organization %s" % (account["userSecret"],
                                         account["organizationSecret"])


# --- PostgreSQL runs ----------------------------------------------------------
# CTest's pg fixture (tests/integration/pg.cmake) starts a throw-away cluster
# and sets ELEMENTSD_TEST_PG_URL_FILE. Then every data directory a test uses
# gets its own fresh database on that cluster (what sqlite:DATA_DIR/elementsd.db
# is otherwise), and run_elementsd, bootstrap, create_user and start_elementsd
# pass it as --db, so the admin commands and the server of one data
# directory share it.

PG_URL_FILE_ENV = "ELEMENTSD_TEST_PG_URL_FILE"
_db_urls = {}  # abspath(data_dir) -> database URL, for this process


def _pg_tool(name):
    """Path of a PostgreSQL client program (the newest server's, else PATH)."""
    if name == "psql" and os.environ.get("ELEMENTSD_TEST_PSQL"):
        return os.environ["ELEMENTSD_TEST_PSQL"]
    import glob
    import re
    found = glob.glob("/usr/lib/postgresql/*/bin/" + name)
    if found:
        return max(found, key=lambda p: int(re.search(r"/(\d+)/bin/", p).group(1)))
    import shutil
    return shutil.which(name) or name


def pg_server_url():
    """The test cluster's URL, or None outside the PostgreSQL runs."""
    path = os.environ.get(PG_URL_FILE_ENV)
    if not path:
        return None
    with open(path) as f:
        return f.read().strip()


def fresh_db_url():
    """None unless ELEMENTSD_TEST_PG_URL_FILE is set; then a new, empty,
    uniquely named database on that cluster, and its URL."""
    server = pg_server_url()
    if server is None:
        return None
    name = "ed_%d_%s" % (os.getpid(), os.urandom(6).hex())
    r = subprocess.run([_pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", server, "-c", "CREATE DATABASE " + name],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("CREATE DATABASE failed: %s" % r.stderr)
    return server.rsplit("/", 1)[0] + "/" + name


def db_url(data_dir):
    """DATA_DIR's database URL: None with SQLite (the database lives in
    DATA_DIR), else one fresh PostgreSQL database per data directory,
    created on first use and kept for this test module."""
    if not os.environ.get(PG_URL_FILE_ENV):
        return None
    key = os.path.abspath(data_dir)
    if key not in _db_urls:
        _db_urls[key] = fresh_db_url()
    return _db_urls[key]


def db_flags(data_dir):
    """["--db", URL] for DATA_DIR in the PostgreSQL runs, else []: add it to
    an elementsd command line built by hand."""
    url = db_url(data_dir)
    return ["--db", url] if url else []


def db_backend():
    """The store backend the tests run on: "sqlite" or "postgresql"."""
    return "postgresql" if os.environ.get(PG_URL_FILE_ENV) else "sqlite"


def db_dump(data_dir):
    """What DATA_DIR's store holds at rest, as {name: bytes}: the SQLite
    files (database, -wal, -shm), or a pg_dump of the PostgreSQL database
    (bytea is dumped in hex). For "no secret in clear" checks."""
    url = db_url(data_dir)
    if url is None:
        import glob
        out = {}
        for f in sorted(glob.glob(os.path.join(data_dir, "elementsd.db*"))):
            with open(f, "rb") as fh:
                out[f] = fh.read()
        return out
    r = subprocess.run([_pg_tool("pg_dump"), "--data-only", "-d", url],
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("pg_dump failed: %s" % r.stderr.decode("utf-8", "replace"))
    return {"pg_dump": r.stdout}


def db_count(data_dir, table):
    """Number of rows in TABLE of DATA_DIR's store (either backend)."""
    if not table.replace("_", "").isalnum():
        raise ValueError("bad table name %r" % table)
    url = db_url(data_dir)
    sql = "SELECT COUNT(*) FROM %s" % table
    if url is None:
        import sqlite3
        path = os.path.join(data_dir, "elementsd.db")
        con = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    r = subprocess.run([_pg_tool("psql"), "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s" % r.stderr)
    return int(r.stdout.strip())
