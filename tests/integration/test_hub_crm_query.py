# SPDX-License-Identifier: MIT
"""Listing CRM objects over real HTTP, elementsd against hubspot-sim: Cloud
Elements paging (pageSize, page, nextPage and the Elements-* headers) on
HubSpot's list and search endpoints, and CEQL (where, orderBy, fields)
translated to HubSpot search bodies: for each clause the exact body HubSpot
received and the records that came back; what HubSpot cannot express is a
400 naming it."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = CONTACTS + "/search"


def body(req):
    return json.loads(req["body"]) if req["body"] else None


def ids(r):
    return [x["id"] for x in r.json()]


def f(prop, op, value=None, values=None):
    x = {"propertyName": prop, "operator": op}
    if value is not None:
        x["value"] = value
    if values is not None:
        x["values"] = values
    return x


class Paging(u.HubCase):
    SIM_FLAGS = ("--search-rate-limit", "0")
    EXTRA = 130  # contacts 20001.. on top of the sim's 101-125

    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(20001 + i), "properties": {"email": "p%03d@paging.test" % i,
                                                  "firstname": "P%03d" % i}}
            for i in range(self.EXTRA)]}})
        self.hub.sim_clear()

    def walk(self, query, limit=50):
        """Every page by nextPage; returns (pages of ids, responses)."""
        pages, resps, q = [], [], dict(query)
        for _ in range(limit):
            r = self.ok("GET", "/contacts", query=q)
            resps.append(r)
            pages.append(ids(r))
            self.assertEqual(r.header("Elements-Returned-Count"), str(len(pages[-1])))
            tok = r.header("Elements-Next-Page-Token")
            if not tok:
                return pages, resps
            q = dict(query, nextPage=tok)
        self.fail("no last page")

    def test_default_and_clipped_page_size(self):
        r = self.ok("GET", "/contacts")
        self.assertEqual(len(r.json()), 100)
        self.assertIsNone(r.header("Elements-Error"))
        self.assertIsNone(r.header("Elements-Total-Count"))  # searches only
        self.assertEqual(self.seen(CONTACTS)[-1]["query"], {"limit": "100"})
        r2 = self.ok("GET", "/contacts", query={"pageSize": "300"})
        self.assertEqual(r2.json(), r.json())
        self.assertIn("300", r2.header("Elements-Error"))
        self.assertIn("100", r2.header("Elements-Error"))
        self.assertEqual(r2.header("Elements-Returned-Count"), "100")
        self.assertEqual(self.seen(CONTACTS)[-1]["query"], {"limit": "100"})
        for bad in ("0", "-1", "x", "1.5"):
            self.assert_error(self.call("GET", "/contacts", query={"pageSize": bad}), 400,
                              "pageSize")
        for bad in ("0", "-2", "x"):
            self.assert_error(self.call("GET", "/contacts", query={"page": bad}), 400, "page")

    def test_page_n_is_the_nth_slice_of_the_walk(self):
        k = 40
        pages, resps = self.walk({"pageSize": str(k)})
        everything = [i for p in pages for i in p]
        self.assertEqual(len(everything), 25 + self.EXTRA)
        self.assertEqual(len(set(everything)), len(everything))
        self.assertEqual([len(p) for p in pages], [40, 40, 40, 35])
        # the token is absent exactly on the last page
        self.assertEqual([bool(r.header("Elements-Next-Page-Token")) for r in resps],
                         [True, True, True, False])
        for n in range(1, len(pages) + 1):
            self.hub.sim_clear()
            r = self.ok("GET", "/contacts", query={"pageSize": str(k), "page": str(n)})
            self.assertEqual(ids(r), pages[n - 1], n)
            self.assertEqual(r.header("Elements-Returned-Count"), str(len(pages[n - 1])))
            self.assertEqual(bool(r.header("Elements-Next-Page-Token")), n < len(pages))
            # page n walks n*k records in calls of at most 100, the last one
            # ending at the page's end (paging.c): ceil(n*k/100) calls
            limits = [int(s["query"]["limit"]) for s in self.seen(CONTACTS)]
            need = n * k
            calls = -(-need // 100)
            self.assertEqual(limits, [need] if calls == 1 else
                             [(need - 1) % 100 + 1] + [100] * (calls - 1))
        # the token of page n leads to page n+1
        r = self.ok("GET", "/contacts", query={"pageSize": str(k), "page": "2"})
        r = self.ok("GET", "/contacts", query={"pageSize": str(k),
                                               "nextPage": r.header("Elements-Next-Page-Token")})
        self.assertEqual(ids(r), pages[2])
        # past the end: 200 []
        r = self.ok("GET", "/contacts", query={"pageSize": str(k), "page": "9"})
        self.assertEqual(r.json(), [])
        self.assertEqual(r.header("Elements-Returned-Count"), "0")
        self.assertIsNone(r.header("Elements-Next-Page-Token"))

    def test_exact_multiple_has_no_token_on_the_last_page(self):
        # 155 records, pages of 31: the fifth page is full and the last one
        pages, resps = self.walk({"pageSize": "31"})
        self.assertEqual([len(p) for p in pages], [31] * 5)
        self.assertIsNone(resps[-1].header("Elements-Next-Page-Token"))
        r = self.ok("GET", "/contacts", query={"pageSize": "31", "page": "5"})
        self.assertEqual(ids(r), pages[4])
        self.assertIsNone(r.header("Elements-Next-Page-Token"))

    def test_next_page_empty_and_precedence(self):
        first = self.ok("GET", "/contacts", query={"pageSize": "10"})
        r = self.ok("GET", "/contacts", query={"pageSize": "10", "nextPage": ""})
        self.assertEqual(ids(r), ids(first))
        self.assertEqual(r.header("Elements-Next-Page-Token"),
                         first.header("Elements-Next-Page-Token"))
        second = self.ok("GET", "/contacts", query={"pageSize": "10", "page": "2"})
        tok = first.header("Elements-Next-Page-Token")
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts", query={"pageSize": "10", "page": "7", "nextPage": tok})
        self.assertEqual(ids(r), ids(second))
        s = self.seen_one(CONTACTS)
        self.assertEqual(s["query"], {"limit": "10", "after": ids(second)[0]})
        # an empty nextPage does not override page
        r = self.ok("GET", "/contacts", query={"pageSize": "10", "page": "2", "nextPage": ""})
        self.assertEqual(ids(r), ids(second))

    def test_forged_next_page(self):
        for tok in ("garbage", "l1", "s1", "l1zz", "x13130", "l2313030", "l1313", "s1%%",
                    "l100", "l1" + "31" * 300):
            self.hub.sim_clear()
            r = self.call("GET", "/contacts", query={"nextPage": tok})
            self.assert_error(r, 400, "nextPage")
            self.assertEqual(self.seen("/crm"), [], tok)
        # well-formed but never issued: HubSpot refuses the cursor
        r = self.call("GET", "/contacts", query={"nextPage": "l1" + "xyz".encode().hex()})
        self.assert_error(r, 400)
        self.assertIn("after", r.json()["providerMessage"])
        self.assertEqual(self.seen_one(CONTACTS)["query"]["after"], "xyz")

    def test_search_paging(self):
        where = "email LIKE '%@paging.test'"
        pages, resps = self.walk({"where": where, "pageSize": "50"})
        self.assertEqual([len(p) for p in pages], [50, 50, 30])
        self.assertEqual([i for p in pages for i in p],
                         [str(20001 + i) for i in range(self.EXTRA)])
        for r in resps:
            self.assertEqual(r.header("Elements-Total-Count"), str(self.EXTRA))
        self.assertTrue(resps[0].header("Elements-Next-Page-Token").startswith("s1"))
        sent = [body(s) for s in self.seen(SEARCH)]
        self.assertEqual([(b["limit"], b.get("after")) for b in sent],
                         [(50, None), (50, "50"), (50, "100")])
        self.assertTrue(all(b["filterGroups"] == [{"filters": [
            f("email", "CONTAINS_TOKEN", "*@paging.test")]}] for b in sent))
        # page n of a search is the offset (n-1)*k
        for n in (1, 2, 3):
            self.hub.sim_clear()
            r = self.ok("GET", "/contacts", query={"where": where, "pageSize": "50", "page": str(n)})
            self.assertEqual(ids(r), pages[n - 1])
            self.assertEqual(body(self.seen_one(SEARCH)).get("after"),
                             None if n == 1 else str(50 * (n - 1)))
            self.assertEqual(bool(r.header("Elements-Next-Page-Token")), n < 3)
        # the cursor holds the position, not the query: one of the other
        # kind (search without where, list with where, list on leads) is 400
        stok = resps[0].header("Elements-Next-Page-Token")
        ltok = self.ok("GET", "/contacts", query={"pageSize": "5"}).header(
            "Elements-Next-Page-Token")
        self.hub.sim_clear()
        for path, q in (("/contacts", {"nextPage": stok}),
                        ("/contacts", {"nextPage": ltok, "where": where}),
                        ("/contacts", {"nextPage": ltok, "orderBy": "email"}),
                        ("/leads", {"nextPage": ltok})):
            self.assert_error(self.call("GET", path, query=q), 400, "nextPage", "same where")
        self.assertEqual(self.seen("/crm"), [])

    def test_order_by_alone_uses_search(self):
        r = self.ok("GET", "/contacts", query={"orderBy": "email desc", "pageSize": "3"})
        s = self.seen_one(CONTACTS)
        self.assertEqual(s["path"], SEARCH)
        self.assertEqual(body(s), {"filterGroups": [], "limit": 3, "sorts": [
            {"propertyName": "email", "direction": "DESCENDING"}]})
        emails = [c["properties"]["email"] for c in r.json()]
        self.assertEqual(emails, sorted(emails, reverse=True))
        self.assertEqual(r.header("Elements-Total-Count"), str(25 + self.EXTRA))


class Ceql(u.HubCase):
    """where → HubSpot search body, and the records it finds."""

    SIM_FLAGS = ("--search-rate-limit", "0")
    FIX = {
        "properties": {"contacts": [
            {"name": "shoe_size", "label": "Shoe size", "type": "number",
             "fieldType": "number", "groupName": "contactinformation"}]},
        "objects": {
            "contacts": [
                {"id": "9001", "properties": {"firstname": "Zora", "lastname": "O'Neil",
                                              "email": "zora@zz.test", "shoe_size": "38"},
                 "updatedAt": "2026-11-25T09:00:00.000Z"},
                {"id": "9002", "properties": {"firstname": "Zane", "lastname": "Quinn",
                                              "email": "zane@zz.test", "shoe_size": "42"},
                 "updatedAt": "2026-11-26T00:00:00.000Z"},
                {"id": "9003", "properties": {"firstname": "Zelda", "lastname": "Quinn",
                                              "email": "zelda@zz.test", "shoe_size": "45"},
                 "updatedAt": "2026-11-25T08:00:00.000Z"},
                {"id": "9004", "properties": {"firstname": "Zed", "email": "zed@zz.test"},
                 "updatedAt": "2026-11-25T08:15:00.000Z"}],
            "companies": [
                {"id": "8001", "properties": {"name": "Newco"},
                 "updatedAt": "2026-11-27T00:00:00.000Z"},
                {"id": "8002", "properties": {"name": "Oldco"},
                 "updatedAt": "2026-11-24T00:00:00.000Z"}],
            "deals": [
                {"id": "8101", "properties": {"dealname": "New deal", "pipeline": "default",
                                              "dealstage": "appointmentscheduled"},
                 "updatedAt": "2026-11-25T08:15:00.001Z"}]}}
    # 2026-11-25T10:15:00+02:00 in epoch ms
    SINCE = 1795594500000
    ZZ = f("email", "CONTAINS_TOKEN", "*@zz.test")

    def setUp(self):
        super().setUp()
        self.hub.sim_fixtures(self.FIX)
        self.hub.sim_clear()

    def search(self, where, resource="contacts", **q):
        self.hub.sim_clear()
        q = dict(q)
        if where is not None:
            q["where"] = where
        r = self.ok("GET", "/" + resource, query=q)
        s = self.seen("/crm")
        self.assertEqual(len(s), 1, s)
        self.assertEqual(s[0]["method"], "POST")
        self.assertTrue(s[0]["path"].endswith("/search"), s[0]["path"])
        return r, body(s[0])

    def test_translation_table(self):
        table = [
            ("shoe_size = 42", [[f("shoe_size", "EQ", "42")]], ["9002"]),
            ("shoe_size != 42 AND email LIKE '%@zz.test'",
             [[f("shoe_size", "NEQ", "42"), self.ZZ]], ["9001", "9003", "9004"]),
            ("shoe_size <> 42 AND email LIKE '%@zz.test'",
             [[f("shoe_size", "NEQ", "42"), self.ZZ]], ["9001", "9003", "9004"]),
            ("shoe_size < 42", [[f("shoe_size", "LT", "42")]], ["9001"]),
            ("shoe_size <= 42", [[f("shoe_size", "LTE", "42")]], ["9001", "9002"]),
            ("shoe_size > 42", [[f("shoe_size", "GT", "42")]], ["9003"]),
            ("shoe_size >= 42", [[f("shoe_size", "GTE", "42")]], ["9002", "9003"]),
            ("shoe_size >= 42.5", [[f("shoe_size", "GTE", "42.5")]], ["9003"]),
            ("email LIKE '%@zz.test'", [[self.ZZ]], ["9001", "9002", "9003", "9004"]),
            ("firstname LIKE 'Ze%'", [[f("firstname", "CONTAINS_TOKEN", "Ze*")]],
             ["9003", "9004"]),
            ("firstname LIKE 'Zed'", [[f("firstname", "EQ", "Zed")]], ["9004"]),
            ("lastname IN ('Quinn', 'O''Neil')",
             [[f("lastname", "IN", values=["quinn", "o'neil"])]], ["9001", "9002", "9003"]),
            ("lastname NOT IN ('QUINN') AND email LIKE '%@zz.test'",
             [[f("lastname", "NOT_IN", values=["quinn"]), self.ZZ]], ["9001", "9004"]),
            ("shoe_size IS NULL AND email LIKE '%@zz.test'",
             [[f("shoe_size", "NOT_HAS_PROPERTY"), self.ZZ]], ["9004"]),
            ("shoe_size IS NOT NULL", [[f("shoe_size", "HAS_PROPERTY")]],
             ["9001", "9002", "9003"]),
            ("email LIKE '%@zz.test' AND (shoe_size > 40 OR lastname = 'O''Neil')",
             [[self.ZZ, f("shoe_size", "GT", "40")], [self.ZZ, f("lastname", "EQ", "O'Neil")]],
             ["9001", "9002", "9003"]),
            ("(firstname = 'Zed' OR firstname = 'Zane') AND (shoe_size = 42 OR shoe_size IS NULL)",
             [[f("firstname", "EQ", "Zed"), f("shoe_size", "EQ", "42")],
              [f("firstname", "EQ", "Zed"), f("shoe_size", "NOT_HAS_PROPERTY")],
              [f("firstname", "EQ", "Zane"), f("shoe_size", "EQ", "42")],
              [f("firstname", "EQ", "Zane"), f("shoe_size", "NOT_HAS_PROPERTY")]],
             ["9002", "9004"]),
            ("firstname = 'Zora' or FirstName = 'Zed'",
             [[f("firstname", "EQ", "Zora")], [f("firstname", "EQ", "Zed")]], ["9001", "9004"]),
            ("`firstname` = 'Zed'", [[f("firstname", "EQ", "Zed")]], ["9004"]),
            ("`properties.firstname` = 'Zed'", [[f("firstname", "EQ", "Zed")]], ["9004"]),
            ("lastname = 'O''Neil'", [[f("lastname", "EQ", "O'Neil")]], ["9001"]),
            ("hs_object_id = 9003", [[f("hs_object_id", "EQ", "9003")]], ["9003"]),
            ("email = 'zed@zz.test' AND shoe_size = true",
             [[f("email", "EQ", "zed@zz.test"), f("shoe_size", "EQ", "true")]], []),
        ]
        for where, groups, want in table:
            r, sent = self.search(where)
            self.assertEqual(sent, {"filterGroups": [{"filters": g} for g in groups],
                                    "limit": 100}, where)
            self.assertEqual(ids(r), want, where)
            self.assertEqual(r.header("Elements-Total-Count"), str(len(want)), where)

    def test_lastmodifieddate_since(self):
        cases = [
            ("contacts", "lastmodifieddate='2026-11-25T10:15:00+02:00'", "lastmodifieddate",
             ["9002", "9001", "9004"]),
            ("contacts", "lastmodifieddate='2026-11-25T08:15:00Z'", "lastmodifieddate",
             ["9002", "9001", "9004"]),
            ("contacts", "lastmodifieddate='2026-11-25T08:15:00.000Z'", "lastmodifieddate", None),
            ("contacts", "lastmodifieddate=%d" % self.SINCE, "lastmodifieddate", None),
            ("contacts", "lastmodifieddate='%d'" % self.SINCE, "lastmodifieddate", None),
            ("accounts", "lastmodifieddate='2026-11-25T10:15:00+02:00'", "hs_lastmodifieddate",
             ["8001"]),
            ("accounts", "hs_lastmodifieddate='2026-11-25T03:15:00-05:00'", "hs_lastmodifieddate",
             ["8001"]),
            ("opportunities", "lastmodifieddate='2026-11-25T10:15:00+0200'", "hs_lastmodifieddate",
             ["8101"]),
        ]
        for resource, where, prop, want in cases:
            r, sent = self.search(where, resource)
            self.assertEqual(sent, {
                "filterGroups": [{"filters": [f(prop, "GTE", str(self.SINCE))]}],
                "sorts": [{"propertyName": prop, "direction": "DESCENDING"}],
                "limit": 100}, where)
            got = ids(r)
            if want is not None:
                self.assertEqual(got[:len(want)], want, where)
            # newest first, nothing older than the date
            stamps = [x["properties"][prop] for x in r.json()]
            self.assertEqual(stamps, sorted(stamps, reverse=True), where)
            self.assertTrue(all(s >= "2026-11-25T08:15:00.000Z" for s in stamps), (where, stamps))
            self.assertNotIn("9003", got)
            self.assertNotIn("8002", got)
        # other comparisons keep their operator, dates in epoch ms, no sort
        r, sent = self.search("lastmodifieddate < '2026-01-05T12:00:00Z'")
        self.assertEqual(sent, {"filterGroups": [{"filters": [
            f("lastmodifieddate", "LT", "1767614400000")]}], "limit": 100})
        self.assertEqual(ids(r), ["101"])
        # an explicit orderBy wins over the implied sort
        r, sent = self.search("lastmodifieddate='2026-11-25T08:15:00Z'", orderBy="email")
        self.assertEqual(sent["sorts"], [{"propertyName": "email", "direction": "ASCENDING"}])
        # a date that is not one
        for bad in ("lastmodifieddate='yesterday'", "lastmodifieddate='2026-13-01'",
                    "lastmodifieddate='2026-11-25T25:00:00Z'"):
            self.assert_error(self.call("GET", "/contacts", query={"where": bad}), 400,
                              "lastmodifieddate")

    def test_order_by_and_fields(self):
        r, sent = self.search("shoe_size IS NOT NULL", orderBy="shoe_size desc",
                              fields="firstName,shoe_size")
        self.assertEqual(sent, {"filterGroups": [{"filters": [f("shoe_size", "HAS_PROPERTY")]}],
                                "sorts": [{"propertyName": "shoe_size",
                                           "direction": "DESCENDING"}],
                                "properties": ["firstname", "shoe_size"], "limit": 100})
        self.assertEqual(ids(r), ["9003", "9002", "9001"])
        for rec in r.json():
            self.assertEqual(set(rec["properties"]) - {"createdate", "hs_object_id",
                                                       "lastmodifieddate"},
                             {"firstname", "shoe_size"})
        r, sent = self.search("email LIKE '%@zz.test'", orderBy="firstname ASC")
        self.assertEqual(ids(r), ["9002", "9004", "9003", "9001"])
        self.assertEqual(sent["sorts"], [{"propertyName": "firstname", "direction": "ASCENDING"}])
        # fields on a plain list and a get: HubSpot's properties=
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts", query={"fields": "email,shoe_size", "pageSize": "2"})
        self.assertEqual(self.seen_one(CONTACTS)["query"],
                         {"limit": "2", "properties": "email,shoe_size"})
        self.assertTrue(all("firstname" not in c["properties"] for c in r.json()))
        self.hub.sim_clear()
        r = self.ok("GET", "/contacts/9002", query={"fields": "shoe_size"})
        self.assertEqual(self.seen_one(CONTACTS)["query"], {"properties": "shoe_size"})
        self.assertEqual(r.json()["properties"]["shoe_size"], "42")
        self.assertNotIn("email", r.json()["properties"])

    def test_free_text_q(self):
        r, sent = self.search("q='zelda' AND shoe_size > 40")
        self.assertEqual(sent, {"filterGroups": [{"filters": [f("shoe_size", "GT", "40")]}],
                                "query": "zelda", "limit": 100})
        self.assertEqual(ids(r), ["9003"])

    def test_what_hubspot_cannot_express(self):
        six_or = " OR ".join("firstname = 'n%d'" % i for i in range(6))
        seven_and = " AND ".join("firstname = 'n%d'" % i for i in range(7))
        wide = "(a=1 OR b=1 OR c=1) AND (d=1 OR e=1) AND (f=1 OR g=1)"
        total = " OR ".join("(%s)" % " AND ".join("p%d_%d = 1" % (g, i) for i in range(4))
                            for g in range(5))
        cases = [
            (six_or, ["5 filter groups", "needs 6"]),
            (wide, ["5 filter groups", "needs 12"]),
            (seven_and, ["6 filters per group", "needs 7"]),
            (total, ["18 filters in total", "needs 20"]),
            ("NOT (firstname = 'Zed')", ["NOT"]),
            ("firstname LIKE 'Z_d'", ["'_' wildcard"]),
            ("firstname LIKE 'Z%d'", ["'%'"]),
            ("firstname = 'Zed' OR q = 'x'", ["q="]),
            ("firstname = ", ["end of the where clause"]),
            ("firstname = 'unterminated", ["CEQL"]),
            ("(((firstname = 'Zed')", ["CEQL"]),
            ("firstname ~ 'Zed'", ["CEQL"]),
        ]
        for where, words in cases:
            self.hub.sim_clear()
            r = self.call("GET", "/contacts", query={"where": where})
            self.assert_error(r, 400, *words)
            self.assertEqual(self.seen("/crm"), [], where)
        # leads add lifecyclestage = lead to every group: the limits count it
        six_and = " AND ".join("firstname = 'n%d'" % i for i in range(6))
        for where, need in ((six_and, "needs 7 and 7"),
                            (" OR ".join("(%s)" % " AND ".join(
                                "p%d_%d = 1" % (g, i) for i in range(3)) for g in range(5)),
                             "needs 4 and 20")):
            self.hub.sim_clear()
            self.assert_error(self.call("GET", "/leads", query={"where": where}), 400,
                              "6 filters per group", "18 filters in total", need)
            self.assertEqual(self.seen("/crm"), [])
        r, sent = self.search(" AND ".join("firstname = 'n%d'" % i for i in range(5)), "leads")
        self.assertEqual(len(sent["filterGroups"][0]["filters"]), 6)
        # five groups of up to six filters is fine
        five = " OR ".join("firstname = 'n%d'" % i for i in range(5))
        r, sent = self.search(five)
        self.assertEqual(len(sent["filterGroups"]), 5)
        r = self.call("GET", "/contacts", query={"orderBy": "firstname, lastname"})
        self.assert_error(r, 400, "1 sort")
        r = self.call("GET", "/contacts", query={"orderBy": "firstname sideways"})
        self.assert_error(r, 400, "orderBy")


if __name__ == "__main__":
    unittest.main()
