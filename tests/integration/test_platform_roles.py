# SPDX-License-Identifier: MIT
"""Roles (issue 15): an organization admin sees every instance, an account
admin its account's, a user its own; another account's instance is a 404
by id and a 403 by Element token (hub calls included); escalation attempts
are 403s, audited ("auth.denied"), and change nothing."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import platutil as pu  # noqa: E402


class PlatformRoles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        e = cls.env = pu.Env("ed-roles-")
        cls.addClassCleanup(e.close)
        cls.org = e.a["organizationId"]
        cls.x = e.new_account("X")["id"]
        cls.y = e.new_account("Y")["id"]
        cls.ax = e.new_user("ax@example.test", "account-admin", cls.x)
        cls.ux1 = e.new_user("ux1@example.test", "user", cls.x)
        cls.ux2 = e.new_user("ux2@example.test", "user", cls.x)
        cls.uy = e.new_user("uy@example.test", "user", cls.y)
        cls.i1 = e.create(e.body_code(name="i1"), who=cls.ux1)
        cls.i2 = e.create(e.body_code(name="i2"), who=cls.ax)
        cls.i3 = e.create(e.body_code(name="i3"), who=cls.uy)

    def api(self, *a, **kw):
        return self.env.api(*a, **kw)

    def ids(self, who, path="/instances"):
        r = self.api("GET", path, who=who)
        self.assertEqual(r.status, 200, r)
        return sorted(i["id"] for i in r.json())

    def test_instances_owned_by_account(self):
        rows = self.env.db("SELECT id, account_id, user_id FROM instances ORDER BY id")
        self.assertEqual(rows, [[str(self.i1["id"]), str(self.x), str(self.ux1["id"])],
                                [str(self.i2["id"]), str(self.x), str(self.ax["id"])],
                                [str(self.i3["id"]), str(self.y), str(self.uy["id"])]])

    def test_lists_by_role(self):
        a, b, c = self.i1["id"], self.i2["id"], self.i3["id"]
        self.assertEqual(self.ids("a"), [a, b, c])
        self.assertEqual(self.ids(self.ax), [a, b])
        self.assertEqual(self.ids(self.ux1), [a])
        self.assertEqual(self.ids(self.ux2), [])
        self.assertEqual(self.ids(self.uy), [c])
        self.assertEqual(self.api("GET", "/instances/count", who=self.ax).json()["totalInstances"], 2)
        self.assertEqual(self.ids(self.ax, "/accounts/%d/instances" % self.x), [a, b])
        self.assertEqual(self.ids(self.ux1, "/accounts/instances"), [a])

    def test_other_account_by_id_is_404(self):
        for who in (self.ax, self.ux1, self.ux2):
            r = self.api("GET", "/instances/%d" % self.i3["id"], who=who)
            self.assertEqual(r.status, 404, r)
        self.assertEqual(self.api("GET", "/instances/%d" % self.i2["id"], who=self.ux1).status, 404)
        self.assertEqual(self.api("DELETE", "/instances/%d" % self.i3["id"], who=self.ax).status, 404)
        self.assertEqual(self.env.db("SELECT count(*) FROM instances WHERE id=%d"
                                     % self.i3["id"]), [["1"]])
        self.assertEqual(self.api("GET", "/instances/%d" % self.i3["id"]).status, 200)
        self.assertEqual(self.api("GET", "/instances/%d" % self.i1["id"], who=self.ax).status, 200)

    def test_other_account_token_is_403(self):
        before = len(self.env.denied())
        self.env.clear_requests()
        r = self.env.hub(self.i3["token"], who=self.ax)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(set(r.json()), {"requestId", "message"})
        self.assertEqual(self.env.requests("/crm/v3/objects/contacts"), [])
        r = self.env.api("GET", "/instances", who=self.ux1, token=self.i2["token"])
        self.assertEqual(self.api("GET", "/instances/configuration", who=self.ux1,
                                  token=self.i2["token"]).status, 403)
        self.assertEqual(self.env.hub(self.i1["token"], who=self.ux1).status, 200)
        self.assertEqual(self.env.hub(self.i3["token"], who="a").status, 200)
        self.assertGreater(len(self.env.denied()), before)

    def test_other_account_instance_routes_404_by_id(self):
        """Traces, events, virtual resources and docs of another account's
        instance: 404 by id, as GET /instances/{id}; nothing is written."""
        i3 = self.i3["id"]
        vdr = "SELECT count(*) FROM vdr_definitions"
        defs = self.env.db(vdr)
        body = {"fields": [{"path": "id", "type": "string"}]}
        calls = (
            ("GET", "/instances/%d/traces" % i3, None),
            ("DELETE", "/instances/%d/traces" % i3, None),
            ("GET", "/instances/%d/events" % i3, None),
            ("POST", "/instances/%d/events/test" % i3, {}),
            ("GET", "/instances/%d/objects/definitions" % i3, None),
            ("POST", "/instances/%d/objects/mine/definitions" % i3, body),
            ("GET", "/instances/%d/transformations" % i3, None),
            ("GET", "/instances/%d/docs" % i3, None),
        )
        for method, path, b in calls:
            for who in (self.ux1, self.ax):
                r = self.api(method, path, b, who=who)
                self.assertEqual(r.status, 404, (method, path, r))
                self.assertEqual(set(r.json()), {"requestId", "message"})
        self.assertEqual(self.env.db(vdr), defs)
        # the caller's own instance still answers; an org admin reaches all
        for method, path, _ in calls[:1] + calls[2:3] + calls[4:5]:
            own = path.replace("/%d/" % i3, "/%d/" % self.i1["id"])
            self.assertEqual(self.api(method, own, who=self.ux1).status, 200, own)
            self.assertEqual(self.api(method, path, who="a").status, 200, path)

    def test_other_account_token_routes_403(self):
        """The same routes and bulk, selected by another account's Element
        token: 403, audited, like hub calls."""
        tok = self.i3["token"]
        for method, path in (("GET", "/instances/traces"),
                             ("GET", "/instances/events"),
                             ("GET", "/instances/objects/definitions"),
                             ("GET", "/bulk/jobs"),
                             ("GET", "/hubs/crm/bulk/jobs"),
                             ("GET", "/bulk/1/status"),
                             ("GET", "/bulk/workflows/1")):
            before = len(self.env.denied())
            r = self.env.api(method, path, who=self.ux1, token=tok)
            self.assertDenied(r, before)
        self.assertEqual(self.env.api("GET", "/bulk/jobs", who=self.uy,
                                      token=tok).status, 200)

    def test_other_account_workflow_runs_hidden(self):
        """A bulk workflow made through another account's instance: its runs
        are left out of /bulkloader and the workflow is a 404 by id."""
        step = [{"q": "select * from contacts"}]
        r = self.api("POST", "/bulk/workflows", step, who=self.uy, token=self.i3["token"])
        self.assertEqual(r.status, 200, r)
        wf = r.json()["id"]
        runs = []
        for _ in range(600):  # the run row appears when the workflow fires
            runs = self.api("GET", "/bulkloader", who="a", query={"jobId": wf}).json()
            if runs:
                break
            time.sleep(0.05)
        self.assertTrue(runs, "workflow %d never ran" % wf)
        self.assertEqual(self.api("GET", "/bulkloader", who=self.uy,
                                  query={"jobId": wf}).json()[0]["groupName"], wf)
        for who in (self.ux1, self.ax):
            r = self.api("GET", "/bulkloader", who=who, query={"jobId": wf})
            self.assertEqual((r.status, r.json()), (200, []), r)
            self.assertEqual(r.header("Elements-Returned-Count"), "0")
            r = self.api("GET", "/bulkloader", who=who)
            self.assertNotIn(wf, [x["groupName"] for x in r.json()])
        tok1 = self.i1["token"]
        r = self.api("GET", "/bulk/workflows/%d" % wf, who=self.ux1, token=tok1)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.api("GET", "/bulk/workflows/%d" % wf, who=self.uy,
                                  token=self.i3["token"]).status, 200)

    def assertDenied(self, r, before):
        self.assertEqual(r.status, 403, r)
        self.assertEqual(set(r.json()), {"requestId", "message"})
        self.assertEqual(len(self.env.denied()), before + 1)

    def test_escalation_refused_and_audited(self):
        e = self.env
        attempts = (
            (self.ux1, "PATCH", "/users/%d" % self.ux1["id"], {"role": "org-admin"}),
            (self.ax, "PATCH", "/users/%d" % self.ax["id"], {"role": "org-admin"}),
            ("a", "PATCH", "/users/%d" % e.a["userId"], {"disabled": True}),
            (self.ax, "POST", "/users", {"email": "esc1@example.test",
                                         "password": "password-esc", "role": "org-admin",
                                         "accountId": self.x}),
            (self.ax, "POST", "/users", {"email": "esc2@example.test",
                                         "password": "password-esc", "accountId": self.y}),
            (self.ax, "POST", "/accounts/%d/users" % self.y,
             {"email": "esc3@example.test", "password": "password-esc"}),
            (self.ax, "PATCH", "/users/%d" % self.uy["id"], {"disabled": True}),
            (self.ax, "DELETE", "/users/%d" % e.a["userId"], None),
            (self.ax, "GET", "/accounts/%d" % self.y, None),
            (self.ax, "GET", "/accounts/%d/users" % self.y, None),
            (self.ax, "POST", "/accounts", {"name": "mine"}),
            (self.ax, "PATCH", "/accounts/%d" % self.x, {"name": "renamed"}),
            (self.ux1, "POST", "/users", {"email": "esc4@example.test",
                                          "password": "password-esc"}),
            (self.ux1, "PATCH", "/users/%d" % self.ux2["id"], {"firstName": "x"}),
            (self.ux1, "GET", "/users/%d" % self.ux2["id"], None),
            (self.uy, "GET", "/accounts/%d/instances" % self.x, None),
        )
        users = e.db("SELECT id, role, disabled, first_name FROM users ORDER BY id")
        accounts = e.db("SELECT id, name FROM accounts ORDER BY id")
        for who, method, path, body in attempts:
            before = len(e.denied())
            r = self.api(method, path, body, who=who)
            self.assertDenied(r, before)
        self.assertEqual(e.db("SELECT id, role, disabled, first_name FROM users ORDER BY id"),
                         users)
        self.assertEqual(e.db("SELECT id, name FROM accounts ORDER BY id"), accounts)
        log = e.denied()[-1]
        self.assertIn("actor=%d" % self.uy["id"], log)

    def test_allowed_within_reach(self):
        u = self.env.new_user("inx@example.test", "user", self.x, who=self.ax)
        self.assertEqual(u["accountId"], self.x)
        r = self.api("PATCH", "/users/%d" % u["id"], {"role": "account-admin"}, who=self.ax)
        self.assertEqual(r.status, 200, r)
        r = self.api("GET", "/users", who=self.ax)
        self.assertTrue(all(x["accountId"] == self.x for x in r.json()), r.json())
        self.assertEqual([x["id"] for x in self.api("GET", "/users", who=self.ux1).json()],
                         [self.ux1["id"]])
        self.assertEqual([a["id"] for a in self.api("GET", "/accounts", who=self.ax).json()],
                         [self.x])
        r = self.api("PATCH", "/users/%d" % self.ux1["id"], {"lastName": "Self"}, who=self.ux1)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.api("DELETE", "/users/%d" % u["id"], who=self.ax).status, 200)


if __name__ == "__main__":
    unittest.main()
