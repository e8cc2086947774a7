# SPDX-License-Identifier: MIT
"""`elementsd admin backup --to FILE` and `admin restore --from FILE`
(issue 15, docs/operations.md "Backups"). SQLite: a backup taken while a
thread keeps creating instances is a consistent database (integrity_check,
foreign keys, a count between the counts before and after the backup),
restore is refused while a node runs on the data directory, and once done
the restored instances work and the later ones are gone. PostgreSQL (the
pg variant): both commands say to use pg_dump / pg_restore and exit 2.
Python 3 standard library only."""
import json
import os
import sqlite3
import sys
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import instutil as u  # noqa: E402

h = u.h
ON_PG = h.db_backend() == "postgresql"
PING = "/hubs/crm/ping"


class Writer:
    """Creates instances in a loop until stopped; keeps their tokens."""

    def __init__(self, env):
        self.env = env
        self.tokens, self.errors = [], []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run)
        self.t.start()

    def run(self):
        i = 0
        while not self.stop.is_set():
            r = self.env.api("POST", "/instances",
                             self.env.body_apikey(name="w%d" % i))
            if r.status == 200:
                self.tokens.append(r.json()["token"])
            else:
                self.errors.append(r.status)
            i += 1

    def end(self):
        self.stop.set()
        self.t.join(60)


class AdminBackup(unittest.TestCase):
    def setUp(self):
        os.environ.pop("ELEMENTSD_MASTER_KEY", None)
        self.env = u.InstEnv("ed-backup-")

    def tearDown(self):
        self.env.close()

    def admin(self, *args):
        return h.run_elementsd("admin", *args, "--data-dir", self.env.data,
                               timeout=120)

    @unittest.skipIf(not ON_PG, "PostgreSQL only")
    def test_pg_says_pg_dump(self):
        out = os.path.join(self.env.tmp, "b.db")
        r = self.admin("backup", "--to", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pg_dump", r.stderr)
        self.assertFalse(os.path.exists(out))
        r = self.admin("restore", "--from", out)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pg_restore", r.stderr)

    @unittest.skipIf(ON_PG, "SQLite only")
    def test_backup_under_load_restores(self):
        e = self.env
        first = e.create(e.body_apikey(name="first"))
        out = os.path.join(e.tmp, "backup.db")
        w = Writer(e)
        try:
            u.wait_for(lambda: len(w.tokens) >= 5, timeout=30)
            n_before = e.db_rows("instances")
            r = self.admin("backup", "--to", out)
            n_after = e.db_rows("instances")
            u.wait_for(lambda: e.db_rows("instances") >= n_after + 3, timeout=30)
        finally:
            w.end()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["backup"], out)
        self.assertEqual(w.errors, [])
        # one self-contained file, consistent
        self.assertFalse(os.path.exists(out + "-wal"))
        con = sqlite3.connect("file:%s?mode=ro" % out, uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
            n_b = con.execute("SELECT COUNT(*) FROM instances").fetchone()[0]
            ids = [x[0] for x in con.execute("SELECT id FROM instances ORDER BY id")]
        finally:
            con.close()
        self.assertGreaterEqual(n_b, n_before)
        self.assertLessEqual(n_b, n_after)
        # a point in time: the ids are a prefix of what was created
        self.assertEqual(ids, list(range(ids[0], ids[0] + n_b)))
        total = e.db_rows("instances")
        self.assertGreater(total, n_b)
        # restore is refused while a node runs on the data dir
        before = open(e.db_path(), "rb").read()
        r = self.admin("restore", "--from", out)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("a node is running", r.stderr)
        self.assertEqual(e.db_rows("instances"), total)
        self.assertTrue(before)
        # stopped: restored
        self.assertEqual(e.ed.stop(), 0)
        r = self.admin("restore", "--from", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(e.db_rows("instances"), n_b)
        e.start_ed()
        self.assertEqual(e.count(), n_b)
        # instances of the backup work; the later ones are gone
        for tok in [first["token"]] + w.tokens[:n_b - 1][-3:]:
            r = e.hub(tok, PING)
            self.assertEqual(r.status, 200, r)
        r = e.hub(w.tokens[-1], PING)
        self.assertEqual(r.status, 401, r)
        # and the database takes writes again
        e.create(e.body_apikey(name="after-restore"))

    @unittest.skipIf(ON_PG, "SQLite only")
    def test_restore_refuses_bad_files(self):
        e = self.env
        e.create(e.body_apikey(name="keep"))
        e.ed.stop()
        junk = os.path.join(e.tmp, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"not a database" * 100)
        r = self.admin("restore", "--from", junk)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not an elementsd database", r.stderr)
        r = self.admin("restore", "--from", os.path.join(e.tmp, "missing.db"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot read", r.stderr)
        # a backup of another data dir (another master key) is refused
        other = u.InstEnv("ed-backup-other-")
        try:
            other.create(other.body_apikey(name="x"))
            ob = os.path.join(e.tmp, "other.db")
            r = h.run_elementsd("admin", "backup", "--to", ob, "--data-dir",
                                other.data)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            other.close()
        r = self.admin("restore", "--from", ob)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("does not open with this keyring", r.stderr)
        self.assertEqual(e.db_rows("instances"), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
