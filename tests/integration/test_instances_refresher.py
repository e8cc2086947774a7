# SPDX-License-Identifier: MIT
"""The background refresher (issue 4): with --idle-refresh 1 --refresh-check 1
elementsd refreshes idle OAuth instances on its own, without any call: OAuth
2 instances at /oauth/v3/token, legacy ones at /auth/v1/refresh; API-key,
disabled and invalid instances are left alone."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402


class InstancesRefresher(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-bg-", ed_flags=("--idle-refresh", "1",
                                                     "--refresh-check", "1"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def refreshed_with(self, path, rt):
        return [f for _, f in self.env.token_posts("refresh_token", path=path)
                if f["refresh_token"] == rt]

    def test_idle_instances_refreshed_without_calls(self):
        e = self.env
        pair = e.mint()
        ext = e.create(e.body_external(name="bg-oauth", refresh=pair["refresh_token"]))
        lpair = e.mint(legacy=True)
        leg = e.create(e.body_legacy(name="bg-legacy", pair=lpair))
        key = e.create(e.body_apikey(name="bg-key"))
        off = e.create(e.body_external(name="bg-disabled",
                                       refresh=e.mint()["refresh_token"]))
        off_rt = e.token_posts("refresh_token")[-1][1]["refresh_token"]
        self.assertEqual(e.api("DELETE", "/instances/%d/enabled" % off["id"]).status,
                         200)
        e.clear_requests()
        t0 = time.time()
        got = u.wait_for(lambda: self.refreshed_with("/oauth/v3/token",
                                                     pair["refresh_token"]) and
                         self.refreshed_with("/auth/v1/refresh",
                                             lpair["refresh_token"]), timeout=8)
        self.assertTrue(got, e.requests())
        self.assertLess(time.time() - t0, 8)
        # nothing but token refreshes: no call drove them
        paths = {r["path"] for r in e.requests()}
        self.assertLessEqual(paths, {"/oauth/v3/token", "/auth/v1/refresh"})
        self.assertEqual(self.refreshed_with("/oauth/v3/token", off_rt), [])
        legacy = self.refreshed_with("/auth/v1/refresh", lpair["refresh_token"])[0]
        self.assertEqual(legacy, {"grant_type": "refresh_token",
                                  "client_id": u.CLIENT_ID,
                                  "refresh_token": lpair["refresh_token"]})
        for inst in (ext, leg, key):
            r = e.api("GET", "/instances/%d" % inst["id"])
            self.assertTrue(r.json()["valid"], r)
            self.assertEqual(e.hub(inst["token"]).status, 200)
        cfg = e.api("GET", "/instances/%d" % ext["id"]).json()["configuration"]
        self.assertGreater(int(cfg["oauth.user.refresh_time"]),
                           int(ext["configuration"]["oauth.user.refresh_time"]))

    def test_dead_grant_found_by_refresher_marks_invalid(self):
        e = self.env
        pair = e.mint()
        inst = e.create(e.body_external(name="bg-dead", refresh=pair["refresh_token"]))
        e.revoke(pair["refresh_token"])
        ok = u.wait_for(lambda: not e.api("GET", "/instances/%d" % inst["id"])
                        .json()["valid"], timeout=8, step=0.2)
        self.assertTrue(ok)
        e.clear_requests()
        time.sleep(2.2)  # two more passes: an invalid instance is left alone
        self.assertEqual(self.refreshed_with("/oauth/v3/token",
                                             pair["refresh_token"]), [])
        r = e.hub(inst["token"])
        self.assertEqual(r.status, 401)
        self.assertIn("re-authenticat", r.json()["message"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
