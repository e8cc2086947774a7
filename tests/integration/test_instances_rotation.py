# SPDX-License-Identifier: MIT
"""Never losing a rotated refresh token (issue 4): hubspot-sim runs with
--rotate-refresh-tokens (each refresh returns a new refresh token; the old
one stays usable until the new pair is first used), and elementsd is killed
with SIGKILL while a refresh is in flight, or right after HubSpot answered
it, then restarted on the same data directory: hub calls must work
afterwards. Also: an instance change racing a refresh keeps the new tokens."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

CONTACTS = "/hubs/crm/contacts?pageSize=1"


class InstancesRotation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-rot-", sim_flags=("--rotate-refresh-tokens",))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()
        self.env.clear_requests()

    def background_call(self, token, out):
        def run():
            try:
                out.append(self.env.hub(token, CONTACTS, timeout=20))
            except Exception as e:  # the server died under it
                out.append(e)
        t = threading.Thread(target=run)
        t.start()
        return t

    def refresh_posts(self):
        return self.env.token_posts("refresh_token")

    def hub_ok(self, inst):
        r = self.env.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 200, (r, self.env.ed_log()[-2000:]))

    def valid(self, inst):
        return self.env.api("GET", "/instances/%d" % inst["id"]).json()["valid"]

    def test_kill_while_refresh_in_flight(self):
        e = self.env
        inst = e.create_code(name="rot-kill-inflight")
        at = e.current_access_token(inst["token"])
        e.clear_requests()
        e.fault("/oauth/v3/token", status=0, delay_ms=3000)
        e.expire(at)
        out = []
        t = self.background_call(inst["token"], out)
        posts = u.wait_for(self.refresh_posts, timeout=10)
        self.assertTrue(posts, "elementsd never refreshed")
        old_rt = posts[0][1]["refresh_token"]
        e.kill_ed()  # HubSpot has rotated; elementsd never saw the answer
        t.join(20)
        self.assertFalse(hasattr(out[0], "status") and out[0].status == 200)
        e.clear_faults()
        e.start_ed()
        self.hub_ok(inst)
        self.assertTrue(self.valid(inst))
        used = [f["refresh_token"] for _, f in self.refresh_posts()]
        self.assertEqual(used, [old_rt, old_rt])  # the stored one, again
        self.assertEqual(e.stats().get("refreshTokenReuse", 0), 0)
        # and the rotated token it got now is kept: the next refresh works
        e.expire(e.current_access_token(inst["token"]))
        self.hub_ok(inst)
        self.assertNotEqual(self.refresh_posts()[-1][1]["refresh_token"], old_rt)

    def test_kill_right_after_hubspot_answered(self):
        e = self.env
        inst = e.create_code(name="rot-kill-after")
        for i, pause in enumerate((0, 0.001, 0.003, 0.010)):
            with self.subTest(iteration=i):
                at = e.current_access_token(inst["token"])
                e.clear_requests()
                e.expire(at)
                out = []
                t = self.background_call(inst["token"], out)
                answered = lambda: [p for p in self.refresh_posts()  # noqa: E731
                                    if p[0]["status"] == 200]
                self.assertTrue(u.wait_for(answered, timeout=10, step=0.001))
                time.sleep(pause)
                e.kill_ed()
                t.join(20)
                e.start_ed()
                self.hub_ok(inst)
                self.assertTrue(self.valid(inst))
        self.assertEqual(e.stats().get("refreshTokenReuse", 0), 0)

    def test_change_during_refresh_keeps_new_tokens(self):
        # PATCH (name) while a refresh is waiting on HubSpot: both succeed,
        # the refreshed tokens are kept (no second refresh, no 401)
        e = self.env
        inst = e.create_code(name="rot-race")
        at = e.current_access_token(inst["token"])
        before = e.refreshes()
        e.clear_requests()
        e.fault("/oauth/v3/token", status=0, delay_ms=1000)
        e.expire(at)
        out = []
        t = self.background_call(inst["token"], out)
        self.assertTrue(u.wait_for(self.refresh_posts, timeout=10))
        p = e.api("PATCH", "/instances/%d" % inst["id"], {"name": "rot-race-renamed"})
        self.assertEqual(p.status, 200, p)
        t.join(20)
        self.assertEqual(out[0].status, 200, (out[0], e.ed_log()[-2000:]))
        self.hub_ok(inst)
        self.assertEqual(e.refreshes() - before, 1)
        got = e.api("GET", "/instances/%d" % inst["id"]).json()
        self.assertEqual((got["name"], got["valid"]), ("rot-race-renamed", True))

    def test_zz_no_secret_in_database_files(self):
        e = self.env
        e.harvest()
        secrets = {s for s in e.seen | {u.CLIENT_SECRET} if len(s) >= 12}
        raw = e.db_bytes()
        self.assertEqual([s for s in secrets if s.encode() in raw], [])
        log = e.ed_log().encode()
        self.assertEqual([s for s in secrets if s.encode() in log], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
