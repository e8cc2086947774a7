# SPDX-License-Identifier: MIT
"""Secret lifecycle (issue 15) over real HTTP: a user's secret, the
organization secret and an instance's Element token are replaced, the new
value is answered once (no-store) and the old one is refused at once, even
though the node's caches keep a value for a minute (--cache-ttl-ms 60000:
only the invalidation can make it); passwords are changed (own, with the
old one) and set by an admin; a new secret or password ends the user's
console sessions; another organization's user or instance is a 404; none
of the new values ever reaches the audit log. On PostgreSQL, with two nodes
on one database: a reset on node 0 is refused on node 1 at once."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audit_util as au  # noqa: E402
import instutil as u  # noqa: E402
import test_multinode_env as mn  # noqa: E402

h = u.h
LONG_TTL = ("--cache-ttl-ms", "60000")


def auth_of(user_secret, org_secret, token=None):
    v = "User %s, Organization %s" % (user_secret, org_secret)
    if token:
        v += ", Element " + token
    return {"Authorization": v}


class PlatformSecrets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-secrets-", ed_flags=LONG_TTL)
        cls.seen = []  # every new secret answered

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def call(self, method, path, hdrs, body=None):
        return h.request(self.env.base, method, path, body=body, headers=hdrs)

    def new_user(self, email, password="password-user-1"):
        acct = h.create_user(self.env.data, self.env.a["organizationId"], email,
                             password)
        return acct

    def ok(self, r):
        self.assertEqual(r.status, 200, r)
        return r

    def test_user_secret_reset(self):
        c = self.new_user("carol@example.test")
        old = auth_of(c["userSecret"], c["organizationSecret"])
        self.ok(self.call("GET", "/instances", old))  # cached now
        login = self.ok(h.request(self.env.base, "POST", "/authentication",
                                  body={"username": "carol@example.test",
                                        "password": "password-user-1"}))
        bearer = {"Authorization": "Bearer " + login.json()["token"]}
        self.ok(self.call("GET", "/authentication/me", bearer))
        r = self.ok(self.call("POST", "/users/%d/secrets" % c["userId"], old))
        self.assertEqual(r.header("Cache-Control"), "no-store")
        body = r.json()
        self.assertEqual(set(body), {"id", "secret"})
        self.assertEqual(body["id"], c["userId"])
        self.assertEqual(len(body["secret"]), 44)
        self.assertNotEqual(body["secret"], c["userSecret"])
        self.seen.append(body["secret"])
        # the old secret: refused at once (the cache would keep it a minute)
        r = self.call("GET", "/instances", old)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(set(r.json()), {"requestId", "message"})
        self.ok(self.call("GET", "/instances",
                          auth_of(body["secret"], c["organizationSecret"])))
        # the user's console session ended with it
        self.assertEqual(self.call("GET", "/authentication/me", bearer).status, 401)
        # the new secret is what /authentication/secrets reveals
        got = self.ok(self.call("GET", "/authentication/secrets",
                                auth_of(body["secret"], c["organizationSecret"])))
        self.assertEqual(got.json()["userSecret"], body["secret"])

    def test_user_secret_of_another_organization_is_404(self):
        e = self.env
        r = e.api("POST", "/users/%d/secrets" % e.b["userId"])
        self.assertEqual(r.status, 404, r)
        self.assertEqual(e.api("POST", "/users/abc/secrets").status, 404)
        self.assertEqual(e.api("POST", "/users/999999/secrets").status, 404)
        # bob's secret still works
        self.ok(e.api("GET", "/instances", who="b"))

    def test_org_secret_reset(self):
        d = h.bootstrap(self.env.data, "dora@example.test", "password-dora")
        old = auth_of(d["userSecret"], d["organizationSecret"])
        self.ok(self.call("GET", "/instances", old))
        r = self.ok(self.call("POST", "/organizations/secrets", old))
        self.assertEqual(r.header("Cache-Control"), "no-store")
        new = r.json()["secret"]
        self.seen.append(new)
        self.assertRegex(new, r"^[0-9a-f]{32}$")
        self.assertEqual(r.json()["id"], d["organizationId"])
        self.assertEqual(self.call("GET", "/instances", old).status, 401)
        self.ok(self.call("GET", "/instances", auth_of(d["userSecret"], new)))
        # other organizations are untouched
        self.ok(self.env.api("GET", "/instances"))

    def test_instance_token_regenerate(self):
        e = self.env
        inst = e.create(e.body_apikey(name="tok-regen"))
        old = inst["token"]
        self.ok(e.hub(old, "/hubs/crm/ping"))  # cached now
        r = self.ok(e.api("PUT", "/instances/%d/token" % inst["id"]))
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertEqual(set(r.json()), {"id", "token"})
        new = r.json()["token"]
        self.seen.append(new)
        self.assertNotEqual(new, old)
        r = e.hub(old, "/hubs/crm/ping")
        self.assertEqual(r.status, 401, r)
        self.assertIn("no such element instance", r.json()["message"])
        self.ok(e.hub(new, "/hubs/crm/ping"))
        # the instance itself is unchanged
        got = self.ok(e.api("GET", "/instances/%d" % inst["id"])).json()
        self.assertEqual(got["name"], "tok-regen")
        # another organization's instance, or none: 404, nothing changed
        self.assertEqual(e.api("PUT", "/instances/%d/token" % inst["id"],
                               who="b").status, 404)
        self.assertEqual(e.api("PUT", "/instances/9999999/token").status, 404)
        self.ok(e.hub(new, "/hubs/crm/ping"))

    def login(self, email, password):
        return h.request(self.env.base, "POST", "/authentication",
                         body={"username": email, "password": password})

    def test_password_change_own(self):
        f = self.new_user("frank@example.test", "password-frank")
        me = auth_of(f["userSecret"], f["organizationSecret"])
        path = "/users/%d/password" % f["userId"]
        bearer = {"Authorization": "Bearer " +
                  self.ok(self.login("frank@example.test", "password-frank")).json()["token"]}
        r = self.call("PATCH", path, me, {"password": "password-frank-2"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("oldPassword", r.json()["message"])
        r = self.call("PATCH", path, me, {"oldPassword": "password-frank", "password": "short"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("password", r.json()["message"])
        r = self.call("PATCH", path, me, {"oldPassword": "wrong-one-x",
                                          "password": "password-frank-2"})
        self.assertEqual(r.status, 403, r)
        self.ok(self.login("frank@example.test", "password-frank"))
        bearer = {"Authorization": "Bearer " +
                  self.ok(self.login("frank@example.test", "password-frank")).json()["token"]}
        self.ok(self.call("PATCH", path, me, {"oldPassword": "password-frank",
                                              "password": "password-frank-2"}))
        self.assertEqual(self.login("frank@example.test", "password-frank").status, 401)
        self.ok(self.login("frank@example.test", "password-frank-2"))
        self.assertEqual(self.call("GET", "/authentication/me", bearer).status, 401)
        # someone else's password is not changed with PATCH
        r = self.env.api("PATCH", path, {"oldPassword": "password-frank-2",
                                         "password": "password-frank-3"})
        self.assertEqual(r.status, 403, r)
        self.ok(self.login("frank@example.test", "password-frank-2"))

    def test_password_set_by_admin(self):
        g = self.new_user("gina@example.test", "password-gina")
        path = "/users/%d/password" % g["userId"]
        r = self.env.api("PUT", path, {"password": 5})
        self.assertEqual(r.status, 400, r)
        self.assertIn("password", r.json()["message"])
        self.ok(self.env.api("PUT", path, {"password": "password-gina-2"}))
        self.assertEqual(self.login("gina@example.test", "password-gina").status, 401)
        self.ok(self.login("gina@example.test", "password-gina-2"))
        # not across organizations
        self.assertEqual(self.env.api("PUT", path, {"password": "password-gina-3"},
                                      who="b").status, 404)

    def test_zz_no_secret_in_the_audit_log(self):
        # runs last (name order): every value answered above
        self.assertTrue(self.seen)
        e = self.env
        r = self.ok(e.api("GET", "/audit", query={"where": "action='user.secret.reset'"}))
        self.assertTrue(r.json())
        self.assertTrue(all(x["action"] == "user.secret.reset" for x in r.json()))
        au.assert_no_secret(self, e.data, self.seen + [
            "password-frank", "password-frank-2", "password-gina-2",
            e.a["userSecret"], e.a["organizationSecret"]])


@unittest.skipUnless(mn.ON_PG, mn.SKIP_WHY)
class TwoNodes(unittest.TestCase):
    """A reset on node 0 refuses the old value on node 1 (a minute of cache
    TTL there): only the change feed (LISTEN/NOTIFY) can make it."""

    @classmethod
    def setUpClass(cls):
        cls.env = mn.MultiEnv("ed-secrets2-", nodes=2, ed_flags=LONG_TTL)

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def refused_on(self, node, fn, limit=1.0):
        t0 = time.time()
        while time.time() - t0 < 3.0:
            r = fn()
            if r.status == 401:
                return time.time() - t0
            self.assertEqual(r.status, 200, r)
            time.sleep(0.01)
        self.fail("node %d still accepts the old value" % node)

    def test_user_secret_reset_on_a_refused_on_b(self):
        e = self.env
        c = h.create_user(e.data, e.a["organizationId"], "nina@example.test",
                          "password-nina")
        old = auth_of(c["userSecret"], c["organizationSecret"])
        for i in range(2):
            self.assertEqual(h.request(e.nodes[i].base, "GET", "/instances",
                                       headers=old).status, 200)
        r = h.request(e.nodes[0].base, "POST", "/users/%d/secrets" % c["userId"],
                      headers=old)
        self.assertEqual(r.status, 200, r)
        took = self.refused_on(1, lambda: h.request(e.nodes[1].base, "GET",
                                                    "/instances", headers=old))
        self.assertLess(took, 1.0)
        self.assertEqual(h.request(e.nodes[1].base, "GET", "/instances",
                                   headers=auth_of(r.json()["secret"],
                                                   c["organizationSecret"])).status, 200)

    def test_token_regenerate_on_a_refused_on_b(self):
        e = self.env
        inst = e.create(e.body_apikey(name="two-nodes-token"))
        for i in range(2):
            self.assertEqual(e.hub_on(i, inst["token"], "/hubs/crm/ping").status, 200)
        r = e.on(0, "PUT", "/instances/%d/token" % inst["id"])
        self.assertEqual(r.status, 200, r)
        took = self.refused_on(1, lambda: e.hub_on(1, inst["token"], "/hubs/crm/ping"))
        self.assertLess(took, 1.0)
        self.assertEqual(e.hub_on(1, r.json()["token"], "/hubs/crm/ping").status, 200)


if __name__ == "__main__":
    unittest.main()
