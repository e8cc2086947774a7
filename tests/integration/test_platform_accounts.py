# SPDX-License-Identifier: MIT
"""Accounts (issue 15): GET /organizations/me, /accounts and /accounts/{id}
(list, create, read, rename, delete with its refusals), one id space for
organizations and accounts, /accounts/{id}/instances, and /accounts with an
Element token staying the hub's accounts resource (HubSpot companies)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platutil as pu  # noqa: E402
import harness as h  # noqa: E402


class PlatformAccounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = pu.Env("ed-accounts-")
        cls.addClassCleanup(cls.env.close)
        cls.org = cls.env.a["organizationId"]

    def api(self, *a, **kw):
        return self.env.api(*a, **kw)

    def test_org_me(self):
        r = self.api("GET", "/organizations/me")
        self.assertEqual(r.status, 200, r)
        me = r.json()
        self.assertEqual(me["id"], self.org)
        self.assertEqual(me["defaultAccountId"], self.org)
        self.assertEqual(me["role"], "org-admin")
        self.assertEqual(me["accountId"], self.org)
        self.assertEqual(self.api("GET", "/organizations/me", who="b").json()["id"],
                         self.env.b["organizationId"])

    def test_default_account_listed_first(self):
        acc = self.env.new_account("listed")
        r = self.api("GET", "/accounts")
        self.assertEqual(r.status, 200, r)
        rows = r.json()
        self.assertEqual(rows[0]["id"], self.org)
        self.assertTrue(rows[0]["defaultAccount"])
        self.assertIn(acc["id"], [a["id"] for a in rows])
        # another organization sees none of them
        ids_b = [a["id"] for a in self.api("GET", "/accounts", who="b").json()]
        self.assertEqual(ids_b, [self.env.b["organizationId"]])
        self.assertEqual(self.api("GET", "/accounts/%d" % acc["id"], who="b").status, 404)

    def test_create_stored_and_ids_never_collide(self):
        acc = self.env.new_account("Sub <b>one</b>")
        self.assertEqual(acc["name"], "Sub <b>one</b>")
        self.assertFalse(acc["defaultAccount"])
        self.assertEqual(self.env.db(
            "SELECT org_id, name, is_default FROM accounts WHERE id=%d" % acc["id"]),
            [[str(self.org), "Sub <b>one</b>", "0"]])
        # an organization made afterwards takes an id no account has
        c = h.bootstrap(self.env.data, "carol-%d@example.test" % acc["id"],
                        "password-carol")
        self.assertNotIn(str(c["organizationId"]),
                         [r[0] for r in self.env.db(
                             "SELECT id FROM accounts WHERE is_default=0")])
        rows = self.env.db("SELECT id, is_default FROM accounts WHERE org_id=%d"
                           % c["organizationId"])
        self.assertEqual(rows, [[str(c["organizationId"]), "1"]])

    def test_bad_bodies_save_nothing(self):
        before = self.env.db("SELECT count(*) FROM accounts")
        for body, field in (({}, "name"), ({"name": ""}, "name"),
                            ({"name": "x" * 201}, "name"),
                            ({"name": 7}, "name"),
                            ({"name": "ok", "colour": "red"}, "colour"),
                            ({"name": "ok", "description": ["x"]}, "description")):
            r = self.api("POST", "/accounts", body)
            self.assertEqual(r.status, 400, (body, r))
            self.assertIn(field, r.json()["message"])
            self.assertEqual(set(r.json()), {"requestId", "message"})
        r = h.request(self.env.base, "POST", "/accounts", raw_body=b"[1,2]",
                      headers=dict(self.env.auth("a"),
                                   **{"Content-Type": "application/json"}))
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.env.db("SELECT count(*) FROM accounts"), before)

    def test_read_patch(self):
        acc = self.env.new_account("before")
        r = self.api("PATCH", "/accounts/%d" % acc["id"],
                     {"name": "after", "externalId": "ext-1"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["name"], "after")
        self.assertEqual(self.api("GET", "/accounts/%d" % acc["id"]).json()["externalId"],
                         "ext-1")
        self.assertEqual(self.env.db("SELECT name, external_id FROM accounts WHERE id=%d"
                                     % acc["id"]), [["after", "ext-1"]])
        for bad in ("999999", "abc", "0", "-1"):
            self.assertEqual(self.api("GET", "/accounts/" + bad).status, 404, bad)
        r = self.api("PATCH", "/accounts/%d" % acc["id"], {"name": None})
        self.assertEqual(r.status, 400, r)

    def test_delete_rules(self):
        r = self.api("DELETE", "/accounts/%d" % self.org)
        self.assertEqual(r.status, 409, r)
        self.assertIn("default", r.json()["message"])
        # with a user: 409, then empty: deleted
        acc = self.env.new_account("with-user")
        u = self.env.new_user("acc-del-%d@example.test" % acc["id"], account=acc["id"])
        r = self.api("DELETE", "/accounts/%d" % acc["id"])
        self.assertEqual(r.status, 409, r)
        self.assertIn("users", r.json()["message"])
        # the user makes an instance there: 409 names instances
        inst = self.env.create(self.env.body_code(name="acc-inst"), who=u)
        self.assertEqual(self.env.db("SELECT account_id, user_id FROM instances WHERE id=%d"
                                     % inst["id"]), [[str(acc["id"]), str(u["id"])]])
        r = self.api("DELETE", "/accounts/%d" % acc["id"])
        self.assertEqual(r.status, 409, r)
        self.assertIn("instances", r.json()["message"])
        # its instances, listed
        r = self.api("GET", "/accounts/%d/instances" % acc["id"])
        self.assertEqual([i["id"] for i in r.json()], [inst["id"]])
        self.assertEqual(self.api("DELETE", "/instances/%d" % inst["id"]).status, 200)
        self.assertEqual(self.api("DELETE", "/users/%d" % u["id"]).status, 200)
        r = self.api("DELETE", "/accounts/%d" % acc["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.env.db("SELECT count(*) FROM accounts WHERE id=%d"
                                     % acc["id"]), [["0"]])
        self.assertEqual(self.api("GET", "/accounts/%d" % acc["id"]).status, 404)

    def test_element_token_keeps_hub_accounts(self):
        inst = self.env.create_code(name="hub-accounts")
        self.env.clear_requests()
        r = self.env.api("GET", "/accounts", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json(), list)
        self.assertTrue(self.env.requests("/crm/v3/objects/companies"), "no HubSpot call")
        # without the token: the platform's list
        self.assertTrue(self.api("GET", "/accounts").json()[0]["defaultAccount"])
        # /accounts/{id}/users is always the platform's
        r = self.env.api("GET", "/accounts/%d/users" % self.org, token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertIn("alice@example.test", [u["email"] for u in r.json()])
        # /accounts/{id} with a token: HubSpot's company
        self.env.clear_requests()
        self.env.api("GET", "/accounts/12345", token=inst["token"])
        self.assertTrue(self.env.requests("/crm/v3/objects/companies/12345"))

    def test_default_account_vdr_level_still_works(self):
        r = self.api("GET", "/accounts/%d/objects/definitions" % self.org)
        self.assertNotEqual(r.status, 404, r)
        self.assertNotEqual(r.status, 403, r)


if __name__ == "__main__":
    unittest.main()
