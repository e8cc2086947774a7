# SPDX-License-Identifier: MIT
"""The background refresher on several nodes (issue 7, phase B): two nodes
with --idle-refresh 1 --refresh-check 1 share the idle-instance refreshes
without doing any twice, and after one of them is killed the other one
refreshes them all.

With --idle-refresh 1 an instance is due again once its refreshed_at (whole
seconds) is more than one second old, so one node alone refreshes it about
every two seconds and never twice within a second. The simulator delays
every token request by 300 ms, so that a second node checking the same
instance while the first one's refresh is out would refresh it again
within that window: the test asserts no instance is refreshed twice
within a second, and each at least once per window."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_multinode_env as mn  # noqa: E402

N = 5
WINDOW = 4.5
TOKEN_DELAY_MS = 300


@unittest.skipUnless(mn.ON_PG, mn.SKIP_WHY)
class MultiNodeBackground(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = mn.MultiEnv("ed-multi-bg-", nodes=2,
                              ed_flags=("--idle-refresh", "1", "--refresh-check", "1"))

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def window(self, rts, secs):
        e = self.env
        e.clear_requests()
        time.sleep(secs)
        times = mn.refresh_times(e, rts)
        for name, ts in times.items():
            gaps = [b - a for a, b in zip(ts, ts[1:])]
            self.assertTrue(ts, "%s never refreshed in %.1f s\n%s" % (name, secs, e.logs()))
            self.assertTrue(all(g >= 1.0 for g in gaps),
                            "%s refreshed twice within a second: %s\n%s"
                            % (name, gaps, e.logs()))
        return times

    def test_idle_refresh_shared_once_and_survives_a_node(self):
        e = self.env
        e.fault("/oauth/v3/token", status=0, delay_ms=TOKEN_DELAY_MS, count=100000)
        rts = {}
        insts = []
        for k in range(N):
            rt = e.mint()["refresh_token"]
            inst = e.create(e.body_external(name="bg-%d" % k, refresh=rt))
            rts[rt] = inst["name"]
            insts.append(inst)
        # both nodes at work, each instance refreshed by one of them per period
        self.window(rts, WINDOW)
        logs = [n.log() for n in e.nodes]
        self.assertTrue(all("token refreshed" in lg for lg in logs),
                        "one node did all the work:\n" + e.logs())
        # node 0 dies (possibly mid-refresh): node 1 carries on alone
        e.kill_node(0)
        self.window(rts, WINDOW)
        self.assertEqual(e.stats().get("failedTokenRequests", 0), 0)
        e.clear_faults()
        for inst in insts:
            r = e.on(1, "GET", "/instances/%d" % inst["id"])
            self.assertTrue(r.json()["valid"], r)
            self.assertEqual(e.hub_on(1, inst["token"]).status, 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
