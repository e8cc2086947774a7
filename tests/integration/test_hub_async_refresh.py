# SPDX-License-Identifier: MIT
"""No thread waits on HubSpot's token endpoint (issue 10): with one server
thread and HubSpot's token endpoint answering in 3 s, a call on instance A
that needs a refresh does not hold up a call on instance B, and concurrent
calls on one expired instance share one refresh (they wait on its flight,
not on a lock or a thread)."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

CONTACTS = "/hubs/crm/contacts?pageSize=1"
TOKEN = "/oauth/v3/token"


class HubAsyncRefresh(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-async-refresh-", ed_flags=("--threads", "1"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()
        self.env.clear_requests()

    def token_calls(self):
        return [r for r in self.env.requests(TOKEN, "POST") if r["path"] == TOKEN]

    def test_slow_refresh_of_a_does_not_stall_b(self):
        e = self.env
        a = e.create_code(name="async-a")
        b = e.create_code(name="async-b")
        e.current_access_token(b["token"])  # B is warm and fresh
        e.expire(e.current_access_token(a["token"]))
        e.fault(TOKEN, status=0, count=1, delay_ms=3000)
        e.clear_requests()
        out = {}

        def call_a():
            t0 = time.monotonic()
            out["a"] = e.hub(a["token"], CONTACTS, timeout=30)
            out["a_s"] = time.monotonic() - t0

        t = threading.Thread(target=call_a)
        t.start()
        # A is waiting on the token endpoint now
        self.assertTrue(u.wait_for(lambda: self.token_calls(), timeout=5),
                        e.ed_log()[-2000:])
        t0 = time.monotonic()
        rb = e.hub(b["token"], CONTACTS)
        b_s = time.monotonic() - t0
        t.join(30)
        self.assertEqual(rb.status, 200, rb)
        self.assertLess(b_s, 1.0, "B waited on A's token refresh")
        self.assertEqual(out["a"].status, 200, (out["a"], e.ed_log()[-2000:]))
        self.assertGreater(out["a_s"], 2.5)
        self.assertEqual(len(self.token_calls()), 1)
        self.assertTrue(t.is_alive() is False)

    def test_twenty_concurrent_calls_one_refresh(self):
        e = self.env
        inst = e.create_code(name="async-20")
        e.expire(e.current_access_token(inst["token"]))
        e.fault(TOKEN, status=0, count=1, delay_ms=1000)
        before = e.refreshes()
        e.clear_requests()
        res = u.parallel(20, lambda i: e.hub(inst["token"], CONTACTS, timeout=30))
        self.assertEqual([getattr(r, "status", r) for r in res], [200] * 20,
                         e.ed_log()[-2000:])
        self.assertEqual(e.refreshes() - before, 1)
        self.assertEqual(len(self.token_calls()), 1)

    def test_transient_token_failures_retried_on_timers(self):
        # two 503s on the token endpoint, each slow: the refresh is retried
        # (200 ms, 400 ms back-off) and meanwhile another instance answers
        e = self.env
        a = e.create_code(name="async-503")
        b = e.create_code(name="async-503-b")
        e.current_access_token(b["token"])
        e.expire(e.current_access_token(a["token"]))
        e.fault(TOKEN, status=503, count=2, delay_ms=700)
        e.clear_requests()
        out = {}
        t = threading.Thread(target=lambda: out.update(a=e.hub(a["token"], CONTACTS)))
        t.start()
        self.assertTrue(u.wait_for(lambda: self.token_calls(), timeout=5))
        for _ in range(3):
            t0 = time.monotonic()
            rb = e.hub(b["token"], CONTACTS)
            self.assertEqual(rb.status, 200, rb)
            self.assertLess(time.monotonic() - t0, 1.0)
        t.join(30)
        self.assertEqual(out["a"].status, 200, (out["a"], e.ed_log()[-2000:]))
        self.assertEqual([r["status"] for r in self.token_calls()], [503, 503, 200])


if __name__ == "__main__":
    unittest.main(verbosity=2)
