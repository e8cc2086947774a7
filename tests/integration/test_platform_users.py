# SPDX-License-Identifier: MIT
"""Users (issue 15): POST /users answers the secret once, GET /users[/{id}],
PATCH (names, role, disabled), DELETE; bad bodies are 400s naming the field
and save nothing; a disabled or deleted user is refused at once (also on a
second node, PostgreSQL); another organization's users do not exist."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platutil as pu  # noqa: E402
import harness as h  # noqa: E402


class PlatformUsers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = pu.Env("ed-users-")
        cls.addClassCleanup(cls.env.close)
        cls.org = cls.env.a["organizationId"]

    def api(self, *a, **kw):
        return self.env.api(*a, **kw)

    def test_create_answers_secret_once(self):
        r = self.api("POST", "/users", {"email": "new1@example.test",
                                        "password": "password-new1",
                                        "firstName": "<i>Nia</i>", "lastName": "New"})
        self.assertEqual(r.status, 200, r)
        u = r.json()
        self.assertTrue(pu.iu.B64_44.match(u["userSecret"]), u)
        self.assertEqual((u["role"], u["accountId"], u["disabled"]), ("user", self.org, False))
        self.assertEqual(u["firstName"], "<i>Nia</i>")
        # never again
        g = self.api("GET", "/users/%d" % u["id"])
        self.assertEqual(g.status, 200, g)
        self.assertNotIn("userSecret", g.json())
        self.assertNotIn(u["userSecret"], g.body.decode())
        self.assertNotIn(u["userSecret"], self.api("GET", "/users").body.decode())
        # stored sealed, with its role and account
        self.assertEqual(self.env.db("SELECT role, account_id, disabled, org_id FROM users "
                                     "WHERE id=%d" % u["id"]),
                         [["user", str(self.org), "0", str(self.org)]])
        self.assertNotIn(u["userSecret"].encode(), self.env.db_bytes())
        # and it works
        u["organizationSecret"] = self.env.a["organizationSecret"]
        me = self.api("GET", "/organizations/me", who=u)
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.json()["role"], "user")

    def test_bad_bodies_save_nothing(self):
        before = self.env.db("SELECT count(*) FROM users")
        for body, field in (
                ({"password": "password-x"}, "email"),
                ({"email": "nope", "password": "password-x"}, "email"),
                ({"email": "x1@example.test", "password": "short"}, "password"),
                ({"email": "x2@example.test", "password": "password-x", "role": "root"}, "role"),
                ({"email": "x3@example.test", "password": "password-x", "admin": True}, "admin"),
                ({"email": "x4@example.test", "password": "password-x", "firstName": 5},
                 "firstName"),
                ({"email": "x5@example.test", "password": "password-x",
                  "accountId": self.env.b["organizationId"]}, "accountId"),
                ({"email": "x6@example.test", "password": "password-x", "accountId": "1"},
                 "accountId"),
                ({"email": "x7@example.test", "password": "password-x", "lastName": "y" * 201},
                 "lastName")):
            r = self.api("POST", "/users", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, r.json()["message"])
            self.assertEqual(set(r.json()), {"requestId", "message"})
        r = self.api("POST", "/users", {"email": "ALICE@example.test", "password": "password-x"})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.env.db("SELECT count(*) FROM users"), before)
        r = self.api("PATCH", "/users/%d" % self.env.a["userId"], {"disabled": "yes"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("disabled", r.json()["message"])

    def test_patch_and_role(self):
        u = self.env.new_user("pat@example.test")
        r = self.api("PATCH", "/users/%d" % u["id"], {"firstName": "Pat", "role": "account-admin"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["firstName"], r.json()["role"]), ("Pat", "account-admin"))
        self.assertEqual(self.env.db("SELECT first_name, role FROM users WHERE id=%d" % u["id"]),
                         [["Pat", "account-admin"]])
        self.assertEqual(self.api("GET", "/organizations/me", who=u).json()["role"],
                         "account-admin")

    def test_disable_refused_at_once_and_enable(self):
        u = self.env.new_user("dis@example.test")
        self.assertEqual(self.api("GET", "/organizations/me", who=u).status, 200)  # cached
        r = self.api("PATCH", "/users/%d" % u["id"], {"disabled": True})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["disabled"])
        self.assertEqual(self.env.db("SELECT disabled FROM users WHERE id=%d" % u["id"]), [["1"]])
        r = self.api("GET", "/organizations/me", who=u)
        self.assertEqual(r.status, 401, r)
        self.assertIn("disabled", r.json()["message"])
        # the console's bearer session too
        lg = h.request(self.env.base, "POST", "/authentication",
                       body={"username": "dis@example.test", "password": "password-dis@"})
        self.assertEqual(lg.status, 401, lg)
        self.assertEqual(self.api("PATCH", "/users/%d" % u["id"], {"disabled": False}).status, 200)
        self.assertEqual(self.api("GET", "/organizations/me", who=u).status, 200)

    def test_delete(self):
        u = self.env.new_user("del@example.test")
        self.assertEqual(self.api("GET", "/organizations/me", who=u).status, 200)
        r = self.api("DELETE", "/users/%d" % u["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.env.db("SELECT count(*) FROM users WHERE id=%d" % u["id"]), [["0"]])
        self.assertEqual(self.api("GET", "/organizations/me", who=u).status, 401)
        self.assertEqual(self.api("GET", "/users/%d" % u["id"]).status, 404)
        # a user that owns an instance stays
        o = self.env.new_user("own@example.test")
        inst = self.env.create(self.env.body_code(name="owned"), who=o)
        r = self.api("DELETE", "/users/%d" % o["id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.env.db("SELECT count(*) FROM users WHERE id=%d" % o["id"]), [["1"]])
        self.assertEqual(self.api("DELETE", "/instances/%d" % inst["id"]).status, 200)
        self.assertEqual(self.api("DELETE", "/users/%d" % o["id"]).status, 200)

    def test_other_organization(self):
        u = self.env.new_user("iso@example.test")
        self.assertEqual(self.api("GET", "/users/%d" % u["id"], who="b").status, 404)
        self.assertEqual(self.api("PATCH", "/users/%d" % u["id"], {"firstName": "x"},
                                  who="b").status, 404)
        self.assertEqual(self.api("DELETE", "/users/%d" % u["id"], who="b").status, 404)
        emails = [x["email"] for x in self.api("GET", "/users", who="b").json()]
        self.assertEqual(emails, ["bob@example.test"])

    @unittest.skipUnless(h.db_backend() == "postgresql", "several nodes: PostgreSQL")
    def test_disable_on_another_node(self):
        # both nodes keep verified secrets for a minute: only the change
        # announcement can make the second one refuse
        n1 = h.start_elementsd(self.env.data, "--cache-ttl-ms", "60000")
        n2 = h.start_elementsd(self.env.data, "--cache-ttl-ms", "60000")
        try:
            u = self.env.new_user("multi@example.test")
            b1, b2 = n1.base + h.API_BASE, n2.base + h.API_BASE
            hdr = self.env.auth(u)
            self.assertEqual(h.request(b2, "GET", "/organizations/me", headers=hdr).status, 200)
            r = h.request(b1, "PATCH", "/users/%d" % u["id"], body={"disabled": True},
                          headers=self.env.auth("a"))
            self.assertEqual(r.status, 200, r)
            st = None
            for _ in range(200):  # the NOTIFY is asynchronous: wait for it
                st = h.request(b2, "GET", "/organizations/me", headers=hdr).status
                if st == 401:
                    break
                import time
                time.sleep(0.05)
            self.assertEqual(st, 401)
        finally:
            n1.stop()
            n2.stop()


if __name__ == "__main__":
    unittest.main()
