# SPDX-License-Identifier: MIT
"""The audit log (issue 15) over real HTTP: instance create, update,
configuration change, disable, enable and delete, virtual-resource writes,
secret resets and failed logins are each one entry (who, what, when, from
where, the request id, the outcome), never with a secret or a password in
it; GET /audit pages newest first (pageSize, nextPage,
Elements-Returned-Count, Elements-Next-Page-Token) and filters with a
`where` subset (action, actorId, targetType, targetId, since/until, at);
bad paging or filters are 400s naming the problem; an organization sees
only its own entries."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audit_util as au  # noqa: E402
import instutil as u  # noqa: E402

h = u.h


class PlatformAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-audit-")

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def ok(self, r):
        self.assertEqual(r.status, 200, r)
        return r

    def audit(self, who="a", **query):
        r = self.ok(self.env.api("GET", "/audit", who=who, query=query or None))
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(r.json())))
        return r

    def entries(self, where, who="a"):
        return self.audit(who=who, where=where).json()

    def bad(self, query, word):
        r = self.env.api("GET", "/audit", query=query)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(set(r.json()), {"requestId", "message"})
        self.assertIn(word, r.json()["message"])

    def test_instance_lifecycle_is_audited(self):
        e = self.env
        body = e.body_apikey(name="audited")
        inst = e.create(body)
        iid = inst["id"]
        self.ok(e.api("PATCH", "/instances/%d" % iid,
                      {"name": "audited-2", "configuration": {
                          "event.notification.enabled": False}}))
        cfg = self.ok(e.api("GET", "/instances/%d/configuration" % iid)).json()
        entry = next(c for c in cfg if c["key"] == "filter.response.nulls")
        self.ok(e.api("PATCH", "/instances/%d/configuration/%s" % (iid, entry["id"]),
                      {"propertyValue": "false"}))
        self.ok(e.api("DELETE", "/instances/%d/enabled" % iid))
        self.ok(e.api("PUT", "/instances/%d/enabled" % iid))
        last = self.ok(e.api("DELETE", "/instances/%d" % iid))
        got = self.entries("targetType='instance' and targetId='%d'" % iid)
        self.assertEqual([x["action"] for x in got],
                         ["instance.delete", "instance.enable", "instance.disable",
                          "config.update", "instance.update", "instance.create"])
        for x in got:
            self.assertEqual(x["actorId"], e.a["userId"])
            self.assertEqual(x["actorIp"], "127.0.0.1")
            self.assertEqual(x["targetId"], iid)
            self.assertEqual(x["outcome"], 200)
            self.assertRegex(x["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertRegex(x["requestId"], r"^[0-9a-zA-Z]+$")
        self.assertEqual(got[0]["requestId"], last.header("Elements-Request-Id"))
        self.assertEqual(got[-1]["detail"], "hubspotcrm")
        # an update names the fields it changed, not their values
        self.assertIn("name", got[4]["detail"])
        self.assertIn("event.notification.enabled", got[4]["detail"])
        self.assertNotIn("audited-2", got[4]["detail"])
        self.assertEqual(got[3]["detail"], "filter.response.nulls")
        # the API key of the instance is in no entry
        au.assert_no_secret(self, e.data, [u.API_KEY, inst["token"]])

    def test_vdr_write_is_audited(self):
        e = self.env
        self.ok(e.api("POST", "/common-resources", {
            "name": "auditedCr", "fields": [{"path": "email", "type": "string"}]}))
        self.ok(e.api("GET", "/common-resources/auditedCr"))
        self.ok(e.api("DELETE", "/common-resources/auditedCr"))
        got = self.entries("action='vdr.write'")
        self.assertEqual([x["detail"] for x in got[:2]],
                         ["DELETE /common-resources/{name} auditedCr",
                          "POST /common-resources"])

    def test_failed_login_is_audited_without_the_password(self):
        e = self.env
        r = h.request(e.base, "POST", "/authentication",
                      body={"username": "bob@example.test",
                            "password": "not-bobs-password-xyz"})
        self.assertEqual(r.status, 401)
        got = self.entries("action='auth.login.failed'", who="b")
        self.assertTrue(got)
        x = got[0]
        self.assertEqual((x["actorId"], x["targetType"], x["targetId"], x["outcome"]),
                         (0, "user", e.b["userId"], 401))
        self.assertEqual(x["actorIp"], "127.0.0.1")
        self.assertEqual(x["requestId"], r.header("Elements-Request-Id"))
        # organization A does not see B's entries
        self.assertEqual(self.entries("action='auth.login.failed' and targetId='%d'"
                                      % e.b["userId"]), [])
        au.assert_no_secret(self, e.data, ["not-bobs-password-xyz"])

    def test_paging_newest_first(self):
        e = self.env
        for i in range(5):
            e.create(e.body_apikey(name="page-%d" % i))
        first = self.audit(pageSize="2", where="action='instance.create'")
        one = first.json()
        self.assertEqual(len(one), 2)
        tok = first.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        two = self.audit(pageSize="2", nextPage=tok,
                         where="action='instance.create'").json()
        self.assertEqual(len(two), 2)
        ids = [x["id"] for x in one + two]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(set(ids)), 4)
        # the whole list, in one page, agrees
        allc = self.audit(pageSize="500", where="action='instance.create'")
        self.assertIsNone(allc.header("Elements-Next-Page-Token"))
        self.assertEqual([x["id"] for x in allc.json()[:4]], ids)

    def test_where_times(self):
        self.env.create(self.env.body_apikey(name="times"))
        self.assertEqual(self.entries("since='2999-01-01'"), [])
        self.assertTrue(self.entries("since='2000-01-01T00:00:00Z'"))
        self.assertEqual(self.entries("until='2000-01-01'"), [])
        got = self.entries("at >= '2000-01-01' and at < '2999-01-01T00:00:00.000Z' "
                           "and action='instance.create'")
        self.assertTrue(got)
        self.assertTrue(self.entries("actorId='%d'" % self.env.a["userId"]))
        self.assertEqual(self.entries("actorId='999999'"), [])

    def test_bad_queries(self):
        self.bad({"pageSize": "0"}, "pageSize")
        self.bad({"pageSize": "501"}, "pageSize")
        self.bad({"nextPage": "abc"}, "nextPage")
        self.bad({"where": "password='x'"}, "unknown field")
        self.bad({"where": "action='x"}, "unterminated")
        self.bad({"where": "since='yesterday'"}, "ISO-8601")
        self.bad({"where": "action > 'x'"}, "=")
        self.bad({"where": "action='x' or action='y'"}, "and")
        self.bad({"where": "targetId='-1'"}, "targetId")
        self.bad({"where": " and ".join(["action='x'"] * 20)}, "too many")

    def test_markup_in_a_detail_is_data(self):
        # a name is not a secret: a field named with markup is kept as text
        e = self.env
        inst = e.create(e.body_apikey(name="markup"))
        self.ok(e.api("PATCH", "/instances/%d" % inst["id"],
                      {"configuration": {"<img src=x onerror=alert(1)>": "v"}}))
        got = self.entries("action='instance.update' and targetId='%d'" % inst["id"])
        self.assertTrue(got)
        self.assertIn("<img src=x onerror=alert(1)>", got[0]["detail"])


if __name__ == "__main__":
    unittest.main()
