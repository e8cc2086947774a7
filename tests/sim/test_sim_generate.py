# SPDX-License-Identifier: MIT
"""hubspot-sim --generate-contacts: synthetic contacts derived from the id
(counts, full list walk, search on generated properties, keyset paging on
hs_object_id, the 10,000-result cap, batch calls, writes that stick), on
N = 20,000 in full and N = 1,000,000 by spot checks (start, RSS)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import KEY, SimCase  # noqa: E402  (puts tests/support on the path)
import harness  # noqa: E402,I100

BASE = 1000001          # first generated id
FIXTURES = 25           # built-in contacts 101..125
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
          "opportunity", "customer", "evangelist", "other")
FAST = ("--rate-limit", "0", "--search-rate-limit", "0")


def search_body(filters=None, sorts=None, limit=10, after=None, props=None):
    b = {"limit": limit}
    if filters is not None:
        b["filterGroups"] = [{"filters": filters}]
    if sorts is not None:
        b["sorts"] = sorts
    if after is not None:
        b["after"] = after
    if props is not None:
        b["properties"] = props
    return b


class GenMixin:
    N = 0

    def search(self, **kw):
        r = self.call("POST", "/crm/v3/objects/contacts/search", search_body(**kw))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def check_generated(self, rec):
        p = rec["properties"]
        i = int(rec["id"])
        self.assertGreaterEqual(i, BASE)
        email = p["email"]
        self.assertEqual(email, email.lower())
        local, domain = email.split("@")
        self.assertEqual(local, "%s.%s.%d" % (p["firstname"].lower(),
                                             p["lastname"].lower(), i))
        self.assertTrue(domain.endswith(".example"), email)
        self.assertEqual(p["hs_object_id"], rec["id"])

    def keyset(self):
        # hs_object_id GT X sorted by id: the next ids in order
        x = BASE + self.N - 250
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GT",
                                  "value": str(x)}],
                        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                        limit=100)
        self.assertEqual(b["total"], 249)
        self.assertEqual([int(r["id"]) for r in b["results"]], list(range(x + 1, x + 101)))
        self.assertEqual(b["paging"]["next"]["after"], "100")
        # next keyset page from the last id seen
        last = b["results"][-1]["id"]
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GT",
                                  "value": last}],
                        sorts=["hs_object_id"], limit=100)
        self.assertEqual(int(b["results"][0]["id"]), x + 101)
        # descending with LT, and a window with GTE + LTE
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "LT",
                                  "value": BASE + 3}],
                        sorts=[{"propertyName": "hs_object_id", "direction": "DESCENDING"}],
                        limit=4)
        self.assertEqual([int(r["id"]) for r in b["results"]],
                         [BASE + 2, BASE + 1, BASE, 125])
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GTE",
                                  "value": BASE + 10},
                                 {"propertyName": "hs_object_id", "operator": "LTE",
                                  "value": str(BASE + 12)}])
        self.assertEqual([int(r["id"]) for r in b["results"]],
                         [BASE + 10, BASE + 11, BASE + 12])
        self.assertEqual(b["total"], 3)

    def cap(self):
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GTE",
                                  "value": BASE}], after=9900, limit=100)
        self.assertEqual(b["total"], self.N)
        self.assertEqual(int(b["results"][0]["id"]), BASE + 9900)
        self.assertNotIn("paging", b)  # the 10,000th result ends paging
        r = self.call("POST", "/crm/v3/objects/contacts/search",
                      search_body(after=10000, limit=10))
        b = self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertIn("10000", b["message"])

    def written(self):
        rid = BASE + self.N // 2
        before = self.call("GET", "/crm/v3/objects/contacts/%d?properties=email,company,"
                           "phone,lifecyclestage,firstname" % rid).json()
        r = self.call("PATCH", "/crm/v3/objects/contacts/%d" % rid,
                      {"properties": {"firstname": "Zelda", "jobtitle": "Pilot"}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["properties"]["firstname"], "Zelda")
        after = self.call("GET", "/crm/v3/objects/contacts/%d?properties=email,company,"
                          "phone,lifecyclestage,firstname,jobtitle" % rid).json()
        p = after["properties"]
        self.assertEqual((p["firstname"], p["jobtitle"]), ("Zelda", "Pilot"))
        for k in ("email", "company", "phone", "lifecyclestage"):
            self.assertEqual(p[k], before["properties"][k], k)
        self.assertNotEqual(after["updatedAt"], before["updatedAt"])
        # searchable by the new value, still found by its (generated) email
        b = self.search(filters=[{"propertyName": "firstname", "operator": "EQ",
                                  "value": "zelda"}])
        self.assertEqual([x["id"] for x in b["results"]], [str(rid)])
        g = self.call("GET", "/crm/v3/objects/contacts/%s?idProperty=email"
                      % p["email"].upper())
        self.assertEqual(g.status, 200, g)
        self.assertEqual(g.json()["id"], str(rid))
        return rid, p


class GeneratedSmallTest(GenMixin, SimCase):
    N = 20000
    FLAGS = ("--generate-contacts", "20000") + FAST

    def test_counts(self):
        self.assertEqual(self.search()["total"], self.N + FIXTURES)
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GTE",
                                  "value": BASE}])
        self.assertEqual(b["total"], self.N)

    def test_list_walk_to_the_end(self):
        ids, stages, after, pages = [], {}, None, 0
        while True:
            q = "/crm/v3/objects/contacts?limit=100&properties=email,firstname,lastname," \
                "company,phone,lifecyclestage"
            if after:
                q += "&after=" + after
            r = self.call("GET", q)
            self.assertEqual(r.status, 200, r)
            b = r.json()
            pages += 1
            for rec in b["results"]:
                ids.append(int(rec["id"]))
                if int(rec["id"]) >= BASE:
                    self.check_generated(rec)
                    st = rec["properties"]["lifecyclestage"]
                    self.assertIn(st, STAGES)
                    stages[st] = stages.get(st, 0) + 1
                    self.assertTrue(rec["properties"]["company"])
                    self.assertTrue(rec["properties"]["phone"].startswith("+1-"))
            if "paging" not in b:
                break
            after = b["paging"]["next"]["after"]
            self.assertEqual(after, str(ids[-1] + 1) if ids[-1] >= BASE else after)
        self.assertEqual(ids, list(range(101, 126)) + list(range(BASE, BASE + self.N)))
        self.assertEqual(pages, (self.N + FIXTURES + 99) // 100)
        self.assertEqual(len(stages), 8)
        # search by a generated property agrees with the walk
        b = self.search(filters=[{"propertyName": "lifecyclestage", "operator": "EQ",
                                  "value": "customer"},
                                 {"propertyName": "hs_object_id", "operator": "GTE",
                                  "value": BASE}])
        self.assertEqual(b["total"], stages["customer"])

    def test_dates_spread_deterministically(self):
        a = self.call("GET", "/crm/v3/objects/contacts?limit=3&after=%d" % BASE).json()
        self.assertEqual(self.ctl("POST", "/__sim/reset", {}).status, 200)
        b = self.call("GET", "/crm/v3/objects/contacts?limit=3&after=%d" % BASE).json()
        self.assertEqual(a["results"], b["results"])
        c = [r["createdAt"] for r in a["results"]]
        self.assertEqual(c, sorted(c))
        self.assertTrue(c[0].startswith("2020-01-01T"), c)
        last = self.call("GET", "/crm/v3/objects/contacts?limit=1&after=%d"
                         % (BASE + self.N - 1)).json()["results"][0]
        self.assertEqual(last["createdAt"][:4], "2025")
        for r in a["results"] + [last]:
            self.assertGreaterEqual(r["updatedAt"], r["createdAt"])
            self.assertEqual(r["properties"]["createdate"], r["createdAt"])

    def test_search_sort_on_generated(self):
        b = self.search(filters=[{"propertyName": "company", "operator": "EQ",
                                  "value": "contoso"}],
                        sorts=[{"propertyName": "lastname", "direction": "ASCENDING"}],
                        limit=200, props=["lastname", "company"])
        self.assertGreater(b["total"], 200)
        names = [r["properties"]["lastname"].lower() for r in b["results"]]
        self.assertEqual(names, sorted(names))
        self.assertTrue(all(r["properties"]["company"] == "Contoso" for r in b["results"]))
        b = self.search(filters=[{"propertyName": "hs_object_id", "operator": "GTE",
                                  "value": BASE}], sorts=["-createdate"], limit=2)
        self.assertEqual(int(b["results"][0]["id"]), BASE + self.N - 1)
        b = self.search(filters=[{"propertyName": "email", "operator": "EQ",
                                  "value": "x"}])
        self.assertEqual(b["total"], 0)
        email = self.call("GET", "/crm/v3/objects/contacts/%d?properties=email"
                          % (BASE + 77)).json()["properties"]["email"]
        b = self.search(filters=[{"propertyName": "email", "operator": "EQ",
                                  "value": email}])
        self.assertEqual([r["id"] for r in b["results"]], [str(BASE + 77)])

    def test_keyset_paging(self):
        self.keyset()

    def test_result_cap(self):
        self.cap()

    def test_write_keeps_changes(self):
        rid, p = self.written()
        # survives other writes and reads, and a reset brings the generated value back
        self.assertEqual(self.ctl("POST", "/__sim/reset", {}).status, 200)
        g = self.call("GET", "/crm/v3/objects/contacts/%d" % rid).json()
        self.assertNotEqual(g["properties"]["firstname"], "Zelda")

    def test_email_is_taken(self):
        email = self.call("GET", "/crm/v3/objects/contacts/%d?properties=email"
                          % (BASE + 5)).json()["properties"]["email"]
        r = self.call("POST", "/crm/v3/objects/contacts",
                      {"properties": {"email": email.upper()}})
        b = self.assert_error(r, 409, "CONFLICT")
        self.assertEqual(b["message"], "Contact already exists. Existing ID: %d" % (BASE + 5))
        # a new contact gets the next id after the generated range
        r = self.call("POST", "/crm/v3/objects/contacts",
                      {"properties": {"email": "new.one@example.test"}})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(int(r.json()["id"]), BASE + self.N)
        # archived: the email is free again
        self.assertEqual(self.call("DELETE", "/crm/v3/objects/contacts/%d"
                                   % (BASE + 5)).status, 204)
        r = self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": email}})
        self.assertEqual(r.status, 201, r)

    def test_batches(self):
        ids = [str(BASE + i) for i in range(100)]
        r = self.call("POST", "/crm/v3/objects/contacts/batch/read",
                      {"inputs": [{"id": i} for i in ids], "properties": ["email"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(x["id"] for x in r.json()["results"]), sorted(ids))
        r = self.call("POST", "/crm/v3/objects/contacts/batch/read",
                      {"inputs": [{"id": i} for i in ids + [str(BASE + 100)]]})
        self.assert_error(r, 400)
        r = self.call("POST", "/crm/v3/objects/contacts/batch/update",
                      {"inputs": [{"id": i, "properties": {"jobtitle": "T" + i}} for i in ids]})
        self.assertEqual(r.status, 200, r)
        g = self.call("GET", "/crm/v3/objects/contacts/%s?properties=jobtitle,email" % ids[42])
        self.assertEqual(g.json()["properties"]["jobtitle"], "T" + ids[42])
        self.assertIn("." + ids[42] + "@", g.json()["properties"]["email"])
        # upsert by email: a generated address updates its record, a new one creates
        email = g.json()["properties"]["email"]
        r = self.call("POST", "/crm/v3/objects/contacts/batch/upsert",
                      {"inputs": [{"id": email, "idProperty": "email",
                                   "properties": {"lastname": "Upserted"}},
                                  {"id": "brand.new@example.test", "idProperty": "email",
                                   "properties": {"firstname": "Brand"}}]})
        self.assertEqual(r.status, 200, r)
        res = {x["id"]: x for x in r.json()["results"]}
        self.assertIn(ids[42], res)
        self.assertFalse(res[ids[42]]["new"])
        self.assertEqual(sum(1 for x in res.values() if x["new"]), 1)
        r = self.call("POST", "/crm/v3/objects/contacts/batch/create",
                      {"inputs": [{"properties": {"email": "b%d@example.test" % i}}
                                  for i in range(100)]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.search()["total"], self.N + FIXTURES + 101)

    def test_reset_body(self):
        r = self.ctl("POST", "/__sim/reset", {"generateContacts": 5})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.search()["total"], 5 + FIXTURES)
        r = self.call("GET", "/crm/v3/objects/contacts?limit=100&after=%d" % BASE).json()
        self.assertEqual([x["id"] for x in r["results"]],
                         [str(BASE + i) for i in range(5)])
        self.assertNotIn("paging", r)
        self.assertEqual(self.ctl("POST", "/__sim/reset", {"generateContacts": 0}).status, 200)
        self.assertEqual(self.search()["total"], FIXTURES)
        for bad in (-1, "10", 10000001, 1.5):
            r = self.ctl("POST", "/__sim/reset", {"generateContacts": bad})
            self.assertEqual(r.status, 400, (bad, r))
        self.assertEqual(self.ctl("POST", "/__sim/reset", {}).status, 200)
        self.assertEqual(self.search()["total"], self.N + FIXTURES)


class GeneratedMillionTest(GenMixin, SimCase):
    """Spot checks on 1,000,000 contacts (one start for the class)."""
    N = 1000000

    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.sim = harness.start_sim("--api-key", KEY, "--log-level", "warn",
                                    "--generate-contacts", str(cls.N), *FAST)
        cls.start_s = time.monotonic() - t0
        cls.base = cls.sim.base

    def setUp(self):
        pass  # a reset per test is not needed here; writes use distinct ids

    def rss_mb(self):
        with open("/proc/%d/status" % self.sim.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        self.fail("no VmRSS")

    def test_start_and_rss(self):
        rss = self.rss_mb()
        sys.stderr.write("\n1,000,000 contacts: start %.2f s, RSS %.1f MB\n"
                         % (self.start_s, rss))
        self.assertLess(rss, 500)
        self.assertLess(self.start_s, 30)  # "a few seconds"; loose for busy CI

    def test_first_and_last_page(self):
        b = self.call("GET", "/crm/v3/objects/contacts?limit=100").json()
        self.assertEqual([int(r["id"]) for r in b["results"]],
                         list(range(101, 126)) + list(range(BASE, BASE + 75)))
        self.assertEqual(b["paging"]["next"]["after"], str(BASE + 75))
        last = BASE + self.N - 1
        b = self.call("GET", "/crm/v3/objects/contacts?limit=100&properties=email,"
                      "firstname,lastname&after=%d" % (last - 9)).json()
        self.assertEqual([int(r["id"]) for r in b["results"]], list(range(last - 9, last + 1)))
        self.assertNotIn("paging", b)
        for rec in b["results"]:
            self.check_generated(rec)
        self.assertEqual(self.search()["total"], self.N + FIXTURES)

    def test_keyset_paging(self):
        self.keyset()

    def test_result_cap(self):
        self.cap()

    def test_write_keeps_changes(self):
        self.written()
        self.assertLess(self.rss_mb(), 500)


if __name__ == "__main__":
    unittest.main(verbosity=2)
