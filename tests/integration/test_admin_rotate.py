# SPDX-License-Identifier: MIT
"""`elementsd admin rotate-key` (issue 15, docs/operations.md "Key rotation")
against two serving nodes on one database: SQLite (both nodes on one data
directory, key files) or, registered in pg.cmake, PostgreSQL (each node its
own data directory, the key in ELEMENTSD_MASTER_KEY). Hub and platform
calls keep working through a rotation that is killed (-9) half-way and run
again; afterwards no sealed value names the old key, the lookup hashes are
recomputed, the old key file is gone. A wrong or missing key stops the
command with a clear message and changes nothing.
Python 3 standard library only."""
import base64
import json
import os
import sqlite3
import subprocess
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import instutil as u  # noqa: E402

h = u.h
ON_PG = h.db_backend() == "postgresql"
N_INST = 30
PING = "/hubs/crm/ping"


def query(env, sql_sqlite, sql_pg):
    """Rows (tuples of text) of a query on env's database."""
    url = h.db_url(env.data)
    if url is None:
        con = sqlite3.connect("file:%s?mode=ro" % env.db_path(), uri=True,
                              timeout=10)
        try:
            return [tuple("" if v is None else str(v) for v in r)
                    for r in con.execute(sql_sqlite).fetchall()]
        finally:
            con.close()
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", "-d", url, "-c", sql_pg],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [tuple(line.split("|")) for line in r.stdout.splitlines() if line]


def key_ids(env):
    """{table.column: sorted set of key ids (hex) its sealed values name}."""
    out = {}
    for table, col in (("orgs", "secret_ct"), ("users", "secret_ct"),
                       ("instances", "token_ct"), ("instances", "secrets_ct")):
        rows = query(env,
                     "SELECT lower(hex(substr(%s, 2, 4))) FROM %s WHERE "
                     "length(%s) > 0" % (col, table, col),
                     "SELECT encode(substring(%s from 2 for 4), 'hex') FROM %s "
                     "WHERE length(%s) > 0" % (col, table, col))
        out["%s.%s" % (table, col)] = sorted({r[0] for r in rows})
    return out


def all_ids(env):
    s = set()
    for v in key_ids(env).values():
        s.update(v)
    return s


def hashes(env):
    """Every lookup hash column, as text (to see them change)."""
    out = []
    for table, col in (("orgs", "secret_hash"), ("users", "secret_hash"),
                       ("instances", "token_hash")):
        out += [r[0] for r in query(
            env, "SELECT hex(%s) FROM %s ORDER BY id" % (col, table),
            "SELECT encode(%s, 'hex') FROM %s ORDER BY id" % (col, table))]
    return [x.lower() for x in out]


def rotation_row(env):
    rows = query(env,
                 "SELECT old_key_id, new_key_id, state, length(new_key_ct) "
                 "FROM key_rotation",
                 "SELECT old_key_id, new_key_id, state, length(new_key_ct) "
                 "FROM key_rotation")
    return rows[0] if rows else None


def rotate(env, *extra, extra_env=None):
    e = dict(extra_env or {})
    return h.run_elementsd("admin", "rotate-key", "--data-dir", env.data,
                           *extra, env=e, timeout=300)


class Traffic:
    """Hub calls (Element token) and platform calls (User/Organization
    secrets) on every node in a loop; failures are kept."""

    def __init__(self, env, bases, tokens):
        self.env, self.bases, self.tokens = env, bases, tokens
        self.stop = threading.Event()
        self.failures, self.calls = [], 0
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        i = 0
        while not self.stop.is_set():
            base = self.bases[i % len(self.bases)]
            tok = self.tokens[i % len(self.tokens)]
            r = h.request(base, "GET", PING, headers=self.env.auth("a", tok))
            r2 = h.request(base, "GET", "/instances/count",
                           headers=self.env.auth("b"))
            for x in (r, r2):
                if x.status != 200:
                    self.failures.append((x.status, x.body[:200]))
            self.calls += 2
            i += 1

    def end(self):
        self.stop.set()
        self.t.join(60)
        return self.failures


class RotateEnv(u.InstEnv):
    """InstEnv + a second node on the same database. On PostgreSQL every
    process gets the key from ELEMENTSD_MASTER_KEY (as docs/scaling.md
    says); on SQLite the key is DATA_DIR/master.key."""

    def __init__(self, prefix):
        if ON_PG:
            os.environ["ELEMENTSD_MASTER_KEY"] = base64.b64encode(
                os.urandom(32)).decode()
        else:
            os.environ.pop("ELEMENTSD_MASTER_KEY", None)
        super().__init__(prefix)
        self.node2 = None
        try:
            self.node2 = self.start_node2()
        except Exception:
            self.close()
            raise

    def start_node2(self, env=None):
        data = self.data if not ON_PG else os.path.join(self.tmp, "node2")
        os.makedirs(data, exist_ok=True)
        return h.start_elementsd(data, "--db", h.db_url(self.data) or
                                 "sqlite:%s" % self.db_path(),
                                 "--hubspot-app-url", self.sim.base,
                                 "--hubspot-api-url", self.sim.base,
                                 "--throttle", "0", "--search-throttle", "0",
                                 env=env)

    def bases(self):
        return [self.base, self.node2.base + h.API_BASE]

    def close(self):
        if self.node2 is not None and self.node2.proc.poll() is None:
            self.node2.stop()
        return super().close()


class AdminRotate(unittest.TestCase):
    def setUp(self):
        self.env = RotateEnv("ed-rotate-")

    def tearDown(self):
        self.env.close()

    def new_key_env(self):
        """The environment of a rotate-key run (PostgreSQL: env keys)."""
        if not ON_PG:
            return {}
        self.new_key = base64.b64encode(os.urandom(32)).decode()
        return {"ELEMENTSD_NEW_MASTER_KEY": self.new_key}

    def test_rotation_while_serving(self):
        e = self.env
        tokens = [e.create(e.body_apikey(name="i%d" % i))["token"]
                  for i in range(N_INST)]
        (old,) = all_ids(e)
        hashes0 = hashes(e)
        for b in e.bases():
            r = h.request(b, "GET", PING, headers=e.auth("a", tokens[0]))
            self.assertEqual(r.status, 200, r)
        traffic = Traffic(e, e.bases(), tokens)
        try:
            # 1. killed half-way (as kill -9: the test hook SIGKILLs itself
            # after 4 batches of 5 rows: orgs, users, 2 of instances)
            kenv = self.new_key_env()
            kenv["ELEMENTSD_ROTATE_KILL_AFTER_BATCHES"] = "4"
            r = rotate(e, "--batch", "5", "--propagation-ms", "2500",
                       extra_env=kenv)
            self.assertEqual(r.returncode, -9, (r.returncode, r.stderr))
            row = rotation_row(e)
            self.assertEqual(row[0], old)
            self.assertEqual(row[2], "running")
            new = row[1]
            self.assertNotEqual(new, old)
            self.assertEqual(int(row[3]), 32 + 45)  # the new key, sealed
            ids = key_ids(e)
            self.assertEqual(ids["orgs.secret_ct"], [new])
            self.assertEqual(ids["instances.token_ct"], sorted([old, new]))
            if not ON_PG:
                self.assertTrue(os.path.exists(
                    os.path.join(e.data, "keys", old + ".key")))
            # old and new secrets keep authenticating on both nodes
            for b in e.bases():
                for tok in (tokens[0], tokens[-1]):
                    r = h.request(b, "GET", PING, headers=e.auth("a", tok))
                    self.assertEqual(r.status, 200, r)
            # 2. run again: finishes
            renv = {} if not ON_PG else {"ELEMENTSD_NEW_MASTER_KEY": self.new_key}
            r = rotate(e, "--batch", "5", "--propagation-ms", "2500",
                       extra_env=renv)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertEqual(out["state"], "done")
            self.assertEqual((out["oldKeyId"], out["newKeyId"]), (old, new))
            self.assertEqual(out["resealed"]["instances"], N_INST - 10)
            self.assertEqual(out["resealed"]["orgs"], 0)
        finally:
            failures = traffic.end()
        self.assertEqual(failures, [], "%d calls" % traffic.calls)
        self.assertGreater(traffic.calls, 0)
        # no sealed value names the old key; every lookup hash is new
        self.assertEqual(all_ids(e), {new})
        hashes1 = hashes(e)
        self.assertEqual(len(hashes1), len(hashes0))
        self.assertFalse(set(hashes0) & set(hashes1))
        row = rotation_row(e)
        self.assertEqual(row[2], "done")
        self.assertIn(row[3], ("", "0", None))  # the sealed key is gone
        if not ON_PG:
            self.assertFalse(os.path.exists(
                os.path.join(e.data, "keys", old + ".key")))
            with open(os.path.join(e.data, "master.key"), "rb") as f:
                self.assertEqual(len(f.read()), 32)
        # every token and secret still works, on both nodes
        for b in e.bases():
            for tok in tokens:
                r = h.request(b, "GET", PING, headers=e.auth("a", tok))
                self.assertEqual(r.status, 200, r)
        # a node started now (new key only) serves every instance
        e.node2.stop()
        env2 = None
        if ON_PG:
            env2 = dict(os.environ, ELEMENTSD_MASTER_KEY=self.new_key)
        e.node2 = e.start_node2(env=env2)
        for tok in tokens:
            r = h.request(e.node2.base + h.API_BASE, "GET", PING,
                          headers=e.auth("a", tok))
            self.assertEqual(r.status, 200, r)
        # an instance created after the rotation is sealed with the new key
        e.create(e.body_apikey(name="after"))
        self.assertEqual(all_ids(e), {new})

    def snapshot(self):
        e = self.env
        return (key_ids(e), hashes(e), rotation_row(e),
                sorted(os.listdir(e.data)))

    def test_wrong_key_changes_nothing(self):
        e = self.env
        e.create(e.body_apikey(name="one"))
        before = self.snapshot()
        wrong = base64.b64encode(os.urandom(32)).decode()
        if ON_PG:
            r = rotate(e, extra_env={"ELEMENTSD_MASTER_KEY": wrong,
                                     "ELEMENTSD_NEW_MASTER_KEY": wrong})
        else:
            path = os.path.join(e.data, "master.key")
            with open(path, "rb") as f:
                good = f.read()
            with open(path, "wb") as f:
                f.write(os.urandom(32))
            try:
                r = rotate(e)
            finally:
                with open(path, "wb") as f:
                    f.write(good)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not in the keyring: wrong or missing master key",
                      r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(self.snapshot(), before)
        if not ON_PG:
            # a missing key file: said so, and not created
            os.rename(path, path + ".aside")
            try:
                r = rotate(e)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("master.key is missing", r.stderr)
                self.assertFalse(os.path.exists(path))
            finally:
                os.rename(path + ".aside", path)
            self.assertEqual(self.snapshot(), before)
        else:
            # env keys and no new key given: said so
            r = rotate(e)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("ELEMENTSD_NEW_MASTER_KEY", r.stderr)
            self.assertEqual(self.snapshot(), before)
        # the right key still rotates
        r = rotate(e, "--propagation-ms", "1500", extra_env=self.new_key_env())
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
