# SPDX-License-Identifier: MIT
"""The token lifecycle of element instances (issue 4) over real HTTP: exactly
one refresh for 100 concurrent calls, refresh before expiry, one forced
refresh on a HubSpot 401, a dead grant marking the instance invalid until it
is re-authenticated, and transient HubSpot failures retried without marking
anything. Kill -9 durability and the background refresher have their own
modules (they need other server flags)."""
import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

CONTACTS = "/hubs/crm/contacts?pageSize=1"


class InstancesLifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-life-")

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def setUp(self):
        self.env.clear_faults()
        self.env.clear_requests()

    def valid(self, inst):
        r = self.env.api("GET", "/instances/%d" % inst["id"])
        self.assertEqual(r.status, 200, r)
        return r.json()["valid"]

    def hub_ok(self, inst, path=CONTACTS):
        r = self.env.hub(inst["token"], path)
        self.assertEqual(r.status, 200, (r, self.env.ed_log()[-1500:]))
        return r

    # (1) exactly one refresh ----------------------------------------------------------

    def test_100_concurrent_calls_one_refresh(self):
        e = self.env
        inst = e.create_code(name="life-100")
        at = e.current_access_token(inst["token"])
        e.expire(at)
        before = e.refreshes()
        e.clear_requests()
        res = u.parallel(100, lambda i: e.hub(inst["token"], CONTACTS, timeout=60))
        bad = [r for r in res if not hasattr(r, "status") or r.status != 200]
        self.assertEqual(bad, [], e.ed_log()[-2000:])
        self.assertEqual(e.refreshes() - before, 1)
        self.assertEqual(len(e.token_posts("refresh_token")), 1)
        self.assertTrue(self.valid(inst))
        self.assertNotEqual(e.current_access_token(inst["token"]), at)

    def test_token_with_time_left_is_used_as_is(self):
        # handed in with 20 s left: a lifetime under twice the margin, so
        # half of it is the margin (10 s): still fresh, no refresh
        e = self.env
        pair = e.mint(legacy=True)
        inst = e.create(e.body_legacy(name="life-20s", pair=pair, expires_in=20))
        e.clear_requests()
        self.hub_ok(inst)
        self.assertEqual(e.token_posts(path="/auth/v1/refresh"), [])
        self.assertEqual(e.bearers(), [pair["access_token"]])

    def test_refresh_before_expiry_single_flight(self):
        # legacy tokens handed in with no time left: the next calls refresh
        # first, once, through /auth/v1/refresh
        e = self.env
        pair = e.mint(legacy=True)
        inst = e.create(e.body_legacy(name="life-early", pair=pair, expires_in=0))
        e.clear_requests()
        res = u.parallel(20, lambda i: e.hub(inst["token"], CONTACTS))
        self.assertEqual([r.status for r in res if hasattr(r, "status")], [200] * 20)
        legacy = e.token_posts(path="/auth/v1/refresh")
        self.assertEqual(len(legacy), 1, legacy)
        self.assertEqual(legacy[0][1], {"grant_type": "refresh_token",
                                        "client_id": u.CLIENT_ID,
                                        "refresh_token": pair["refresh_token"]})
        self.assertEqual(e.token_posts(), [])  # not the OAuth 2 endpoint
        # every API call already used the new access token
        self.assertNotIn(pair["access_token"], e.bearers())
        # the new token lives 28799 s: no further refresh
        self.hub_ok(inst)
        self.assertEqual(len(e.token_posts(path="/auth/v1/refresh")), 1)

    # (5) a 401 on a token elementsd thinks is fresh -------------------------------------

    def test_hubspot_401_forces_one_refresh(self):
        e = self.env
        inst = e.create_code(name="life-401")
        at = e.current_access_token(inst["token"])
        e.expire(at)
        before = e.refreshes()
        e.clear_requests()
        self.hub_ok(inst)
        self.assertEqual(e.refreshes() - before, 1)
        seen = [(r["method"], r["path"], r["status"]) for r in e.requests()]
        self.assertEqual(seen, [("GET", "/crm/v3/objects/contacts", 401),
                                ("POST", "/oauth/v3/token", 200),
                                ("GET", "/crm/v3/objects/contacts", 200)])
        bearers = [r["headers"]["authorization"] for r in e.requests("/crm")]
        self.assertEqual(bearers[0], "Bearer " + at)
        self.assertNotEqual(bearers[1], bearers[0])

    def test_second_401_is_not_refreshed_again(self):
        # HubSpot refusing the fresh token too: one refresh only, then 401
        e = self.env
        inst = e.create_code(name="life-401x2")
        e.current_access_token(inst["token"])
        e.clear_requests()
        e.fault("/crm/v3/objects/contacts", status=0, count=0)
        body = {"status": "error", "message": "Authentication credentials not found.",
                "category": "INVALID_AUTHENTICATION"}
        r = e.sim_call("POST", "/__sim/faults", {"path_prefix": "/crm/v3/objects/contacts",
                                                 "status": 401, "count": 2, "body": body})
        self.assertIn(r.status, (200, 201, 204))
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(len(e.token_posts("refresh_token")), 1)
        self.assertEqual(len(e.requests("/crm/v3/objects/contacts")), 2)
        self.assertTrue(self.valid(inst))
        self.hub_ok(inst)

    # (3) invalid grant ----------------------------------------------------------------------

    def test_revoked_refresh_token_marks_invalid_until_reauth(self):
        e = self.env
        inst = e.create_code(name="life-invalid")
        at = e.current_access_token(inst["token"])
        # learn the refresh token from a first (forced) refresh
        e.expire(at)
        self.hub_ok(inst)
        rt = e.token_posts("refresh_token")[-1][1]["refresh_token"]
        e.revoke(rt)
        e.expire(e.current_access_token(inst["token"]))
        e.clear_requests()
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 401, r)
        self.assertIn("re-authenticat", r.json()["message"])
        got = e.api("GET", "/instances/%d" % inst["id"]).json()
        self.assertFalse(got["valid"])
        # no further HubSpot traffic for an invalid instance
        e.clear_requests()
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 401)
        self.assertIn("re-authenticat", r.json()["message"])
        self.assertEqual(e.requests(), [])
        # re-authentication with a new code: same id and token, valid again
        p = e.api("PATCH", "/instances/%d" % inst["id"],
                  {"providerData": {"code": e.code()}})
        self.assertEqual(p.status, 200, p)
        self.assertEqual((p.json()["id"], p.json()["token"], p.json()["valid"]),
                         (inst["id"], inst["token"], True))
        self.assertTrue(self.valid(inst))
        self.hub_ok(inst)

    def test_external_instance_with_dead_grant(self):
        # a refresh rejected as invalid also covers the legacy endpoint
        e = self.env
        pair = e.mint(legacy=True)
        inst = e.create(e.body_legacy(name="life-legacy-dead", pair=pair))
        e.revoke(pair["refresh_token"])
        e.expire(pair["access_token"])
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 401, r)
        self.assertIn("re-authenticat", r.json()["message"])
        self.assertFalse(self.valid(inst))

    def test_delete_during_refresh(self):
        # the instance is deleted while its refresh waits on HubSpot: the
        # call that needed the refresh answers 401 (gone), not 502
        e = self.env
        inst = e.create_code(name="life-del-race")
        e.expire(e.current_access_token(inst["token"]))
        e.clear_requests()
        e.fault("/oauth/v3/token", status=0, delay_ms=800)
        out = []
        t = threading.Thread(target=lambda: out.append(e.hub(inst["token"], CONTACTS)))
        t.start()
        self.assertTrue(u.wait_for(lambda: e.token_posts("refresh_token")))
        d = e.api("DELETE", "/instances/%d" % inst["id"])
        self.assertEqual(d.status, 200, d)
        t.join(20)
        self.assertEqual(out[0].status, 401, out[0])
        self.assertEqual(e.hub(inst["token"], CONTACTS).status, 401)

    # (4) transient failures -------------------------------------------------------------------

    def test_two_503_on_refresh_are_retried(self):
        e = self.env
        inst = e.create_code(name="life-503x2")
        e.expire(e.current_access_token(inst["token"]))
        before = e.refreshes()
        e.clear_requests()
        e.fault("/oauth/v3/token", status=503, count=2)
        self.hub_ok(inst)
        self.assertEqual(e.refreshes() - before, 1)
        statuses = [rec["status"] for rec, _ in e.token_posts("refresh_token")]
        self.assertEqual(statuses, [503, 503, 200])
        self.assertTrue(self.valid(inst))

    def test_503_forever_is_502_and_stays_valid(self):
        e = self.env
        inst = e.create_code(name="life-503")
        e.expire(e.current_access_token(inst["token"]))
        e.fault("/oauth/v3/token", status=503, count=1000)
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 502, r)
        self.assertTrue(self.valid(inst))
        attempts = len(e.token_posts("refresh_token"))
        self.assertGreaterEqual(attempts, 2)  # retried, with backoff
        r = e.hub(inst["token"], CONTACTS)
        self.assertEqual(r.status, 502, r)
        self.assertTrue(self.valid(inst))
        e.clear_faults()
        self.hub_ok(inst)
        self.assertTrue(self.valid(inst))

    def test_429_and_timeouts_on_refresh_are_transient(self):
        e = self.env
        inst = e.create_code(name="life-429")
        e.expire(e.current_access_token(inst["token"]))
        e.fault("/oauth/v3/token", status=429, count=1)
        e.fault("/oauth/v3/token", status=500, count=1)
        self.hub_ok(inst)
        self.assertTrue(self.valid(inst))

    # secrets at rest after refreshes (runs last) --------------------------------------------------

    def test_zz_no_secret_in_database_files(self):
        e = self.env
        e.harvest()
        secrets = {s for s in e.seen | {u.CLIENT_SECRET} if len(s) >= 12}
        raw = e.db_bytes()
        self.assertEqual([s for s in secrets if s.encode() in raw], [])
        log = e.ed_log().encode()
        self.assertEqual([s for s in secrets if s.encode() in log], [])


class InstancesShortTokens(unittest.TestCase):
    """HubSpot granting access tokens for less than twice --refresh-margin
    (sim --token-ttl 120, margin 300): half the lifetime serves as the
    margin, so tokens are not refreshed on every call, and concurrent calls
    that do need a refresh still share one."""

    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-inst-short-", sim_flags=("--token-ttl", "120"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def calls(self, inst, n):
        res = u.parallel(n, lambda i: self.env.hub(inst["token"], CONTACTS))
        self.assertEqual([getattr(r, "status", r) for r in res], [200] * n)

    def test_short_tokens_refreshed_once_not_per_call(self):
        e = self.env
        inst = e.create_code(name="short-ttl")
        before = e.refreshes()
        self.calls(inst, 30)
        self.assertEqual(e.refreshes() - before, 0)
        e.expire(e.current_access_token(inst["token"]))
        self.calls(inst, 30)
        self.assertEqual(e.refreshes() - before, 1)
        for _ in range(3):
            self.calls(inst, 1)
        self.assertEqual(e.refreshes() - before, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
