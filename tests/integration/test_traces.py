# SPDX-License-Identifier: MIT
"""Per-instance traces (issue 15; docs/api/instances.md "Traces"):
traceLoggingEnabled on POST/PATCH /instances, GET/DELETE
/instances/{id}/traces (and the Element-token form /instances/traces). An
enabled instance records its hub calls with every secret redacted, in the
API answer and in the store; a disabled one records nothing; at most
--trace-max-calls stay per instance; traces older than --trace-ttl-s are
swept from the store."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

h = u.h


def platform_secrets(acct):
    """The user and organization secrets of an account's Authorization."""
    out = []
    for part in h.platform_auth(acct).split(","):
        out.append(part.strip().split(" ", 1)[1])
    return out


class Traces(unittest.TestCase):
    MAX = 3

    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-traces-", ed_flags=(
            "--trace-max-calls", str(cls.MAX)))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc in (0, None), rc

    def traced(self, **kw):
        body = self.env.body_code(**kw)
        body["traceLoggingEnabled"] = True
        inst = self.env.create(body)
        self.assertIs(inst["traceLoggingEnabled"], True)
        return inst

    def traces(self, inst_id, query=None, who="a"):
        r = self.env.api("GET", "/instances/%s/traces" % inst_id, query=query,
                         who=who)
        self.assertEqual(r.status, 200, r)
        return r

    def test_enabled_records_calls_with_secrets_redacted(self):
        env = self.env
        inst = self.traced(name="traced")
        tok = inst["token"]
        access = env.current_access_token(tok)  # one ping: traced too
        secrets = [tok, access, u.CLIENT_SECRET] + platform_secrets(env.a)
        # secrets where a careless trace would keep them: a query value, a
        # query key named like a key, a body member named like a token, and
        # the Element token as a plain body value
        r = env.hub(tok, "/hubs/crm/contacts?pageSize=1&note=%s&hapikey=hk-%s"
                    % (access, "q1w2e3r4t5"))
        self.assertEqual(r.status, 200, r)
        r = env.api("POST", "/hubs/crm/contacts", token=tok, body={
            "properties": {"email": "ada@example.test", "lastname": tok},
            "refresh_token": "rt-zz9-plural-z-alpha"})
        self.assertIn(r.status, (200, 400), r)
        secrets += ["hk-q1w2e3r4t5", "rt-zz9-plural-z-alpha"]
        r = self.traces(inst["id"])
        text = r.body.decode("utf-8")
        got = r.json()
        self.assertEqual(len(got), 3, got)  # ping, GET, POST; newest first
        post, get, ping = got
        self.assertEqual((post["method"], get["method"], ping["method"]),
                         ("POST", "GET", "GET"))
        self.assertTrue(get["path"].endswith("/hubs/crm/contacts"), get)
        self.assertEqual(get["status"], 200)
        self.assertTrue(post["id"] > get["id"] > ping["id"])
        self.assertGreaterEqual(get["durationMs"], get["upstreamMs"])
        self.assertEqual(get["instanceId"], inst["id"])
        calls = get["hubspotCalls"]
        self.assertEqual(len(calls), 1, calls)
        self.assertTrue(calls[0]["url"].startswith("/crm/v3/objects/contacts"),
                        calls)
        self.assertEqual(calls[0]["status"], 200)
        self.assertIn("results", calls[0]["responseBody"])
        self.assertIn('"vid":101', get["responseBody"])
        q = {p["name"]: p["value"] for p in get["query"]}
        self.assertEqual(q["pageSize"], "1")
        self.assertEqual(q["note"], "[REDACTED]")
        self.assertEqual(q["hapikey"], "[REDACTED]")
        self.assertEqual(get["requestHeaders"].get("Authorization")
                         or get["requestHeaders"].get("authorization"),
                         "[REDACTED]")
        self.assertEqual(json.loads(post["requestBody"])["refresh_token"],
                         "[REDACTED]")
        self.assertIn("ada@example.test", post["requestBody"])
        for s in secrets:
            self.assertNotIn(s, text)
        # and at rest
        dump = env.db_bytes()
        self.assertIn(b"ada@example.test", dump)
        for s in secrets:
            self.assertNotIn(s.encode(), dump, s)

    def test_disabled_instance_records_nothing(self):
        env = self.env
        inst = env.create_code(name="plain")
        self.assertIs(inst["traceLoggingEnabled"], False)
        before = env.db_rows("instance_traces")
        self.assertEqual(env.hub(inst["token"]).status, 200)
        self.assertEqual(self.traces(inst["id"]).json(), [])
        self.assertEqual(env.db_rows("instance_traces"), before)

    def test_patch_toggles_and_refuses_non_booleans(self):
        env = self.env
        inst = env.create_code(name="toggle")
        r = env.api("PATCH", "/instances/%s" % inst["id"],
                    {"traceLoggingEnabled": "yes"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("traceLoggingEnabled", r.json()["message"])
        r = env.api("PATCH", "/instances/%s" % inst["id"],
                    {"traceLoggingEnabled": True})
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["traceLoggingEnabled"], True)
        r = env.api("GET", "/instances/%s" % inst["id"])
        self.assertIs(r.json()["traceLoggingEnabled"], True)
        self.assertEqual(env.hub(inst["token"]).status, 200)
        self.assertEqual(len(self.traces(inst["id"]).json()), 1)
        r = env.api("PATCH", "/instances/%s" % inst["id"],
                    {"traceLoggingEnabled": False, "name": "toggle2"})
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json()["traceLoggingEnabled"], False)
        self.assertEqual(env.hub(inst["token"]).status, 200)
        self.assertEqual(len(self.traces(inst["id"]).json()), 1)

    def test_at_most_max_calls_newest_first_paged(self):
        env = self.env
        inst = self.traced(name="bounded")
        for i in range(self.MAX + 2):
            r = env.hub(inst["token"], "/hubs/crm/contacts?pageSize=%d" % (i + 1))
            self.assertEqual(r.status, 200, r)
        got = self.traces(inst["id"]).json()
        self.assertEqual(len(got), self.MAX)
        sizes = [{p["name"]: p["value"] for p in t["query"]}["pageSize"]
                 for t in got]
        self.assertEqual(sizes, ["5", "4", "3"])
        r = self.traces(inst["id"], query={"pageSize": "2"})
        self.assertEqual(len(r.json()), 2)
        nxt = r.header("Elements-Next-Page-Token")
        self.assertTrue(nxt, r.headers)
        r2 = self.traces(inst["id"], query={"pageSize": "2", "nextPage": nxt})
        self.assertEqual([t["id"] for t in r2.json()], [got[2]["id"]])
        r = env.api("GET", "/instances/%s/traces" % inst["id"],
                    query={"pageSize": "0"})
        self.assertEqual(r.status, 400, r)

    def test_token_form_delete_and_other_organization(self):
        env = self.env
        inst = self.traced(name="tokform")
        self.assertEqual(env.hub(inst["token"]).status, 200)
        r = env.api("GET", "/instances/traces", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()), 1)
        # organization B does not see A's instance
        r = env.api("GET", "/instances/%s/traces" % inst["id"], who="b")
        self.assertEqual(r.status, 404, r)
        r = env.api("DELETE", "/instances/%s/traces" % inst["id"], who="b")
        self.assertEqual(r.status, 404, r)
        r = env.api("DELETE", "/instances/traces", token=inst["token"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["deleted"], 1)
        self.assertEqual(self.traces(inst["id"]).json(), [])


class TracesTtl(unittest.TestCase):
    TTL = 2

    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-traces-ttl-", ed_flags=(
            "--trace-ttl-s", str(cls.TTL)))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc in (0, None), rc

    def test_old_traces_are_swept(self):
        env = self.env
        body = env.body_code(name="ttl")
        body["traceLoggingEnabled"] = True
        inst = env.create(body)
        self.assertEqual(env.hub(inst["token"]).status, 200)
        # stored (off the request's path: wait for the writer)
        self.assertTrue(u.wait_for(lambda: env.db_rows("instance_traces") == 1))
        time.sleep(self.TTL + 1)
        r = env.api("GET", "/instances/%s/traces" % inst["id"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), [])
        self.assertEqual(env.db_rows("instance_traces"), 0)


if __name__ == "__main__":
    unittest.main()
