# SPDX-License-Identifier: MIT
"""Losing the database (issue 7, phase B): two nodes on a PostgreSQL
cluster of this test's own (scripts/pg-cluster.sh), which is stopped for
about 1.5 s and started again (a restart) under load. During the outage
calls that need the database answer 503 {"requestId","message":"Database
unavailable..."} (with Retry-After), never 500 or 401; everything started
after the server is back answers 200, without restarting elementsd."""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_multinode_env as mn  # noqa: E402

h = mn.h
OUTAGE = 1.5


@unittest.skipUnless(mn.ON_PG, mn.SKIP_WHY)
class MultiNodeOutage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-multi-pg-")
        cls.cluster = mn.PrivateCluster(os.path.join(cls.tmp, "cluster"))
        # from here on, fresh databases come from this cluster
        cls.saved = os.environ[h.PG_URL_FILE_ENV]
        os.environ[h.PG_URL_FILE_ENV] = cls.cluster.url_file
        try:
            cls.env = mn.MultiEnv("ed-multi-out-", nodes=2)
        except Exception:
            cls.cluster.destroy()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        os.environ[h.PG_URL_FILE_ENV] = cls.saved
        cls.cluster.destroy()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "elementsd exited with %r" % rc

    def assert503(self, r):
        self.assertEqual(r.status, 503, r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"}, body)
        self.assertIn("Database unavailable", body["message"])
        self.assertEqual(r.header("Retry-After"), "1")

    def test_restart_under_load(self):
        e = self.env
        key = e.create(e.body_apikey(name="out-key"))
        oauth = e.create_code(name="out-oauth")
        tokens = (key["token"], oauth["token"])

        def call(k):
            node, token = k % 2, tokens[(k // 2) % 2]
            if k % 5 == 4:  # a platform call now and then
                return e.on(node, "GET", "/instances", timeout=20)
            return e.hub_on(node, token, timeout=20)

        load = mn.Load(4, call)
        try:
            time.sleep(0.8)
            down = time.time()
            self.cluster.stop_server()
            time.sleep(0.3)
            # whatever the caches still hold, these need the database
            during_calls = []
            for i in range(2):
                during_calls += [
                    e.on(i, "GET", "/instances/%d" % key["id"]),
                    e.on(i, "GET", "/instances", who="b"),
                    h.request(e.nodes[i].base, "POST", "/authentication",
                              body={"username": "bob@example.test",
                                    "password": "password-bob"})]
            time.sleep(max(0, OUTAGE - (time.time() - down)))
        finally:
            self.cluster.start_server()
            up = time.time()
            time.sleep(1.5)
            results = load.stop()
        for r in during_calls:
            self.assert503(r)

        during = [r for r in results if down <= r[0] and r[1] <= up]
        after = [r for r in results if r[0] >= up]
        statuses = sorted({r[2] for r in results})
        self.assertLessEqual(set(statuses), {200, 503},
                             ([r for r in results if r[2] not in (200, 503)][:3],
                              e.logs()))
        self.assertTrue([r for r in during if r[2] == 503], statuses)
        for r in during:
            if r[2] == 503:
                self.assertIn(b"Database unavailable", r[3])
        self.assertGreater(len(after), 20)
        self.assertEqual([r[2] for r in after if r[2] != 200], [], e.logs())
        # and everything works on both nodes, writes included
        for i in range(2):
            self.assertEqual(e.on(i, "PATCH", "/instances/%d" % key["id"],
                                  {"name": "out-key-%d" % i}).status, 200)
            for t in tokens:
                self.assertEqual(e.hub_on(i, t).status, 200)
        for n in e.nodes:
            self.assertIn("connection lost", n.log())
        self.assertIn("change feed restored", e.nodes[0].log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
