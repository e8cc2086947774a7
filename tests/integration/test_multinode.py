# SPDX-License-Identifier: MIT
"""Several elementsd nodes on one PostgreSQL database (issue 7, phase B):
three nodes, one hubspot-sim with --rotate-refresh-tokens.

- any node answers any call: instances, sessions and secrets made on one
  node work on the others;
- caches across nodes: an instance deleted or disabled on node 0 is refused
  on the others within one second, also on node 1, whose cache TTL is a
  minute (so only the change feed, LISTEN/NOTIFY, can make it);
- token refresh exactly once across nodes: 100 concurrent hub calls spread
  over the three nodes on an expired access token cause one token request
  at HubSpot, and all of them succeed;
- a node killed with SIGKILL while its refresh waits on HubSpot loses
  nothing: its claim dies with its connection, another node refreshes with
  the stored refresh token (still valid under rotation), calls on the other
  nodes succeed."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_multinode_env as mn  # noqa: E402

u = mn.u
CONTACTS = "/hubs/crm/contacts?pageSize=1"
LONG_TTL_NODE = 1


@unittest.skipUnless(mn.ON_PG, mn.SKIP_WHY)
class MultiNode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = mn.MultiEnv("ed-multi-", nodes=3,
                              sim_flags=("--rotate-refresh-tokens",),
                              node_flags={LONG_TTL_NODE: ("--cache-ttl-ms", "60000")})

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()
        self.env.clear_requests()

    def ok(self, r):
        self.assertEqual(r.status, 200, (r, self.env.logs()))
        return r

    def test_any_node_answers_any_call(self):
        e = self.env
        inst = e.create_code(name="multi-any")
        key = e.create(e.body_apikey(name="multi-any-key"))
        for i in range(3):
            got = self.ok(e.on(i, "GET", "/instances/%d" % inst["id"])).json()
            self.assertEqual((got["id"], got["name"]), (inst["id"], "multi-any"))
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
            self.ok(e.hub_on(i, key["token"], CONTACTS))
            # organization B sees none of A's instances on any node
            self.assertEqual(e.on(i, "GET", "/instances/%d" % inst["id"], who="b").status,
                             404)
        # a change on one node is what the next node reads
        self.ok(e.on(2, "PATCH", "/instances/%d" % inst["id"], {"name": "multi-any-2"}))
        for i in range(3):
            self.assertEqual(e.on(i, "GET", "/instances/%d" % inst["id"]).json()["name"],
                             "multi-any-2")
        # a console session opened on node 0 works on node 2, ends on node 1
        r = mn.h.request(e.nodes[0].base, "POST", "/authentication",
                         body={"username": "alice@example.test",
                               "password": "password-alice"})
        self.ok(r)
        bearer = {"Authorization": "Bearer " + r.json()["token"]}
        self.ok(mn.h.request(e.nodes[2].base, "GET", "/authentication/secrets",
                             headers=bearer))
        self.ok(mn.h.request(e.nodes[1].base, "DELETE", "/authentication",
                             headers=bearer))
        self.assertEqual(mn.h.request(e.nodes[2].base, "GET",
                                      "/authentication/secrets",
                                      headers=bearer).status, 401)

    def refused_within(self, node, token, statuses, limit=1.0, before=200):
        """Poll a hub call on node until it answers one of statuses (until
        then it must answer `before`, the state the change ends); the
        seconds it took (None if not within 3 s)."""
        t0 = time.time()
        while time.time() - t0 < 3.0:
            r = self.env.hub_on(node, token, "/hubs/crm/ping")
            if r.status in statuses:
                return time.time() - t0, r
            self.assertEqual(r.status, before, r)
            time.sleep(0.01)
        return None, None

    def test_delete_on_one_node_refused_on_the_others_within_1s(self):
        e = self.env
        inst = e.create(e.body_apikey(name="multi-del"))
        for i in range(3):  # every node has it cached now
            self.ok(e.hub_on(i, inst["token"], "/hubs/crm/ping"))
        self.ok(e.api("DELETE", "/instances/%d" % inst["id"]))
        for i in (1, 2):
            took, r = self.refused_within(i, inst["token"], (401,))
            self.assertIsNotNone(took, "node %d still serves a deleted instance" % i)
            self.assertLess(took, 1.0, "node %d took %.3f s" % (i, took))
            self.assertIn("no such element instance", r.json()["message"])

    def test_disable_on_one_node_refused_on_the_others_within_1s(self):
        e = self.env
        inst = e.create(e.body_apikey(name="multi-off"))
        for i in range(3):
            self.ok(e.hub_on(i, inst["token"], "/hubs/crm/ping"))
        self.ok(e.api("DELETE", "/instances/%d/enabled" % inst["id"]))
        took = {}
        for i in (1, 2):
            took[i], r = self.refused_within(i, inst["token"], (403,))
            self.assertIsNotNone(took[i], "node %d still serves a disabled instance" % i)
            self.assertLess(took[i], 1.0, "node %d took %.3f s" % (i, took[i]))
            self.assertIn("disabled", r.json()["message"])
        # and enabled again on node 2: served on node 1 (long TTL) at once
        self.ok(e.on(2, "PUT", "/instances/%d/enabled" % inst["id"]))
        # (the change reaches node 1 through NOTIFY, asynchronously: until
        # it does, node 1 still answers 403)
        took_on, _ = self.refused_within(LONG_TTL_NODE, inst["token"], (200,),
                                         before=403)
        self.assertIsNotNone(took_on)
        self.assertLess(took_on, 1.0)

    def test_refresh_exactly_once_across_nodes(self):
        e = self.env
        inst = e.create_code(name="multi-once")
        at = e.current_access_token(inst["token"])
        for i in range(3):  # cached on every node, with the old token
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
        before = e.refreshes()
        e.clear_requests()
        # a slow token endpoint: every call arrives while the refresh is out
        e.fault("/oauth/v3/token", status=0, delay_ms=700)
        e.expire(at)
        out = u.parallel(100, lambda i: e.hub_on(i % 3, inst["token"], CONTACTS,
                                                 timeout=30))
        bad = [r for r in out if not (hasattr(r, "status") and r.status == 200)]
        self.assertEqual(bad, [], e.logs())
        self.assertEqual(e.refreshes() - before, 1,
                         (e.token_posts("refresh_token"), e.logs()))
        self.assertEqual(len(e.token_posts("refresh_token")), 1)
        self.assertEqual(e.stats().get("refreshTokenReuse", 0), 0)
        self.assertEqual(e.stats().get("failedTokenRequests", 0), 0)
        # every node now calls with the one new access token
        e.clear_requests()
        for i in range(3):
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
        self.assertEqual(len(e.bearers()), 1, e.bearers())
        self.assertNotEqual(e.bearers()[0], at)

    def test_zz_node_killed_mid_refresh(self):
        e = self.env
        inst = e.create_code(name="multi-kill")
        at = e.current_access_token(inst["token"])
        for i in range(3):
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
        e.clear_requests()
        e.fault("/oauth/v3/token", status=0, delay_ms=3000)
        e.expire(at)
        out = {}

        def call(i):
            try:
                out[i] = e.hub_on(i, inst["token"], CONTACTS, timeout=20)
            except Exception as ex:  # node 0 dies under it
                out[i] = ex
        t0 = threading.Thread(target=call, args=(0,))
        t0.start()
        posts = u.wait_for(lambda: e.token_posts("refresh_token"), timeout=10)
        self.assertTrue(posts, "node 0 never refreshed")
        old_rt = posts[0][1]["refresh_token"]
        # the other nodes' calls now wait for node 0's claim
        others = [threading.Thread(target=call, args=(i,)) for i in (1, 2)]
        for t in others:
            t.start()
        time.sleep(0.3)
        self.assertEqual(len(e.token_posts("refresh_token")), 1)
        killed = time.time()
        e.kill_node(0)  # HubSpot rotates; node 0 never sees the answer
        for t in others + [t0]:
            t.join(20)
        for i in (1, 2):
            self.assertEqual(getattr(out[i], "status", None), 200, (out[i], e.logs()))
        # well before node 0's HubSpot call would have come back
        self.assertLess(time.time() - killed, 2.5)
        used = [f["refresh_token"] for _, f in e.token_posts("refresh_token")]
        self.assertEqual(used, [old_rt, old_rt])  # node 0's, then one other node's
        self.assertEqual(e.stats().get("refreshTokenReuse", 0), 0)
        # the grant is intact: a new node 0 and the others carry on, and the
        # next refresh uses the rotated token that was stored
        e.restart_node(0)
        for i in range(3):
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
        e.expire(e.current_access_token(inst["token"]))
        for i in range(3):
            self.ok(e.hub_on(i, inst["token"], CONTACTS))
        self.assertNotEqual(e.token_posts("refresh_token")[-1][1]["refresh_token"],
                            old_rt)
        self.assertTrue(e.api("GET", "/instances/%d" % inst["id"]).json()["valid"])
        self.assertEqual(e.stats().get("refreshTokenReuse", 0), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
