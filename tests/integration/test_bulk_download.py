# SPDX-License-Identifier: MIT
"""Bulk downloads (issue 13, spec elements-api.md §6, docs/api/bulk.md)
against hubspot-sim: POST /bulk/query, status, results as JSON lines and
CSV, errors, cancel, the job list; an export of every contact equals what
the hub lists; a where matching over 10,000 records is exported whole by
keyset paging (the sim never sees a search with after >= 10,000); a node
killed (-9) mid-export resumes from its checkpoint with no duplicate or
lost row; results are encrypted at rest. Runs on SQLite and (label pg)
PostgreSQL."""
import csv
import io
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402

h = hubutil.h
LEASE_MS = 1500
ED_FLAGS = ("--bulk-lease-ms", str(LEASE_MS))
BIG = 10150
KILL = 1500


def contacts(tag, n, start):
    return [{"id": str(start + i),
             "properties": {"email": "%s%05d@bulk.test" % (tag.lower(), i),
                            "firstname": "F%05d" % i, "lastname": tag}}
            for i in range(n)]


class BulkDownload(hubutil.ClassHub):
    ED_FLAGS = ED_FLAGS

    @classmethod
    def make_instances(cls):
        cls.inst = cls.hub.instance(name="bulk")
        cls.other = cls.hub.instance(name="other")
        cls.tok = cls.inst["token"]

    def setUp(self):
        super().setUp()
        h.request(self.hub.sim.base, "DELETE", "/__sim/faults")

    # --- helpers ---------------------------------------------------------------
    def call(self, method, path, body=None, token=None, **kw):
        return self.hub.call(token or self.tok, method, path, body=body, **kw)

    def query(self, q, **params):
        params["q"] = q
        r = self.call("POST", "/bulk/query", query=params)
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["status"], "CREATED")
        self.assertIsInstance(body["id"], int)
        return body["id"]

    def status(self, job):
        r = self.call("GET", "/bulk/%d/status" % job)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait(self, job, statuses=("COMPLETED",), timeout=120):
        s = self.wait_until(
            lambda: self.status(job),
            lambda s: s["status"] in statuses or s["status"] in ("ERROR", "ABORTED"),
            "job %d reaching %s" % (job, statuses), timeout)
        if s["status"] not in statuses:
            self.fail("job %d: %r" % (job, s))
        return s

    def lines(self, job, obj="contacts", **kw):
        r = self.call("GET", "/bulk/%d/%s" % (job, obj), **kw)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        return [json.loads(x) for x in r.body.decode().splitlines() if x]

    def hub_all(self, where=None):
        """Every contact the hub lists (nextPage walk)."""
        out, q = [], {"pageSize": "200"}
        if where:
            q["where"] = where
        for _ in range(500):
            r = self.call("GET", "/contacts", query=q)
            self.assertEqual(r.status, 200, r)
            out += r.json()
            nxt = r.header("Elements-Next-Page-Token")
            if not nxt:
                return out
            q["nextPage"] = nxt
        self.fail("no end")

    def seed(self, tag, n, start):
        self.hub.sim_fixtures({"objects": {"contacts": contacts(tag, n, start)}})

    # --- tests -------------------------------------------------------------------
    def test_export_all_equals_hub(self):
        self.seed("All", 250, 300000)
        job = self.query("select * from contacts")
        s = self.wait(job)
        self.assertEqual(s["objectName"], "contacts")
        self.assertIn("bulk_finish_time", s)
        self.assertIn("bulk_start_time", s)
        self.assertEqual(s["recordsFailedCount"], 0)
        got = self.lines(job, query={"json": '{"convertToNativeType":false}'})
        want = self.hub_all()
        self.assertEqual(s["recordsCount"], len(want))
        self.assertEqual(sorted(got, key=lambda r: r["id"]),
                         sorted(want, key=lambda r: r["id"]))
        # the hub list was paged with nextPage, as a background call
        seen = self.hub.sim_seen("/crm/v3/objects/contacts", "GET")
        self.assertGreater(len(seen), 1)
        # /hubs/{hub}/bulk and /bulk alike
        r = h.request(self.hub.base, "GET", "/bulk/%d/status" % job, headers={
            "Authorization": "%s, Element %s" % (self.hub.platform, self.tok)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["id"], job)
        # the file on disk is not plaintext
        path = os.path.join(self.hub.tmp, "data", "bulk", "job-%d.bin" % job)
        with open(path, "rb") as f:
            raw = f.read()
        self.assertGreater(len(raw), 1000)
        self.assertNotIn(b"@bulk.test", raw)
        self.assertNotIn(b"all00001", raw)

    def test_native_types(self):
        self.seed("Nat", 3, 310000)
        job = self.query("select id, properties.firstname from contacts "
                         "where lastname = 'Nat'")
        self.wait(job)
        recs = self.lines(job)
        self.assertEqual(len(recs), 3)
        for r in recs:
            self.assertEqual(set(r), {"id", "properties"})
            self.assertEqual(set(r["properties"]), {"firstname"})
            self.assertIsInstance(r["id"], int)  # converted by default
        recs = self.lines(job, query={"json": '{"convertToNativeType":false}'})
        self.assertIsInstance(recs[0]["id"], str)

    def test_where_over_search_cap(self):
        self.seed("Big", BIG, 400000)
        self.hub.sim_clear()
        job = self.query("select * from contacts where lastname = 'Big'")
        s = self.wait(job, timeout=300)
        self.assertEqual(s["recordsCount"], BIG)
        ids = [r["id"] for r in self.lines(job)]
        self.assertEqual(len(ids), BIG)
        self.assertEqual(sorted(ids), list(range(400000, 400000 + BIG)))
        searches = self.hub.sim_seen("/crm/v3/objects/contacts/search", "POST")
        self.assertGreaterEqual(len(searches), BIG // 100)
        for s in searches:
            body = json.loads(s["body"]) if isinstance(s["body"], str) else s["body"]
            self.assertLess(int(body.get("after") or 0), 10000, body)

    def test_kill_mid_export_resumes(self):
        self.seed("Kill", KILL, 500000)
        for _ in range(6):
            r = h.request(self.hub.sim.base, "POST", "/__sim/faults", body={
                "path_prefix": "/crm/v3/objects/contacts/search", "status": 0,
                "count": 1, "delay_ms": 400})
            self.assertEqual(r.status, 201, r)
        job = self.query("select * from contacts where lastname = 'Kill'")
        end = time.time() + 60
        while self.status(job)["recordsCount"] < 200 and time.time() < end:
            time.sleep(0.05)
        s = self.status(job)
        self.assertEqual(s["status"], "RUNNING")
        self.assertLess(s["recordsCount"], KILL)
        # kill -9 mid-export, start again on the same data
        self.restart(kill=True)
        s = self.wait(job)
        self.assertEqual(s["recordsCount"], KILL)
        ids = [r["id"] for r in self.lines(job)]
        self.assertEqual(len(ids), KILL)  # no duplicates
        self.assertEqual(sorted(ids), list(range(500000, 500000 + KILL)))
        # resumed, not restarted: one search only started from the top
        firsts = []
        for x in self.hub.sim_seen("/crm/v3/objects/contacts/search", "POST"):
            b = json.loads(x["body"])
            props = [f["propertyName"] for g in b["filterGroups"]
                     for f in g["filters"]]
            if "hs_object_id" not in props:
                firsts.append(b)
        self.assertEqual(len(firsts), 1, firsts)

    def test_cancel(self):
        self.seed("Can", 1000, 600000)
        for _ in range(4):
            h.request(self.hub.sim.base, "POST", "/__sim/faults", body={
                "path_prefix": "/crm/v3/objects/contacts/search", "status": 0,
                "count": 1, "delay_ms": 500})
        job = self.query("select * from contacts where lastname = 'Can'")
        r = self.call("PUT", "/bulk/%d/cancel" % job)
        self.assertEqual(r.status, 200, r)
        self.assertIn(r.json()["status"],
                      ("CANCELLED", "CANCELLATION_PENDING"))
        s = self.wait(job, ("CANCELLED",), timeout=30)
        self.assertIn("bulk_finish_time", s)
        self.assertLess(s["recordsCount"], 1000)
        r = self.call("PUT", "/bulk/%d/cancel" % job)
        self.assertEqual(r.status, 409, r)
        self.assertIn("already finished", r.json()["message"])
        r = self.call("GET", "/bulk/%d/contacts" % job)
        self.assertEqual(r.status, 409, r)

    def test_csv(self):
        names = ["plain", "with, comma", 'with "quotes"', "two\nlines"]
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(700000 + i), "properties": {
                "email": "csv%d@bulk.test" % i, "firstname": n,
                "lastname": "Csv"}} for i, n in enumerate(names)]}})
        job = self.query("select id, properties.firstname, properties.email "
                         "from contacts where lastname = 'Csv'")
        self.wait(job)
        r = self.call("GET", "/bulk/%d/contacts" % job,
                      headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/csv")
        text = r.body.decode()
        self.assertIn('"with, comma"', text)
        self.assertIn('"with ""quotes"""', text)
        self.assertIn('"two\nlines"', text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], ["id", "properties.firstname",
                                   "properties.email"])
        self.assertEqual(sorted(r[1] for r in rows[1:]), sorted(names))
        # text/csv exactly: with a parameter it is JSON lines
        r = self.call("GET", "/bulk/%d/contacts" % job,
                      headers={"Accept": "text/csv; charset=utf-8"})
        self.assertEqual(r.header("Content-Type"), "application/json")
        # select *: the header is the records' keys, flattened
        job = self.query("select * from contacts where lastname = 'Csv'")
        self.wait(job)
        r = self.call("GET", "/bulk/%d/contacts" % job,
                      headers={"Accept": "text/csv"})
        rows = list(csv.reader(io.StringIO(r.body.decode(), newline="")))
        self.assertIn("properties.email", rows[0])
        self.assertIn("id", rows[0])
        self.assertEqual(len(rows), 5)

    def test_errors_and_routes(self):
        # a bad q is a 400 that names the part, and no job exists
        before = self.call("GET", "/bulk/jobs").json()
        for q, frag in (("", "q is required"), ("delete from contacts", "select"),
                        ("select from contacts", "field name"),
                        ("select * contacts", "from"),
                        ("select * from contacts where email = ", "where"),
                        ("select * from contacts where", "where")):
            r = self.call("POST", "/bulk/query", query={"q": q} if q else None)
            self.assertEqual(r.status, 400, (q, r))
            self.assertIn(frag, r.json()["message"], q)
            self.assertIn("requestId", r.json())
        r = self.call("POST", "/bulk/query", query={
            "q": "select * from contacts", "lastRunDate": "x'y"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(self.call("GET", "/bulk/jobs").json(), before)
        # unknown and foreign jobs
        for p in ("/bulk/999999/status", "/bulk/abc/status",
                  "/bulk/999999/errors", "/bulk/999999/contacts"):
            r = self.call("GET", p)
            self.assertEqual(r.status, 404, (p, r))
        r = self.call("PUT", "/bulk/999999/cancel")
        self.assertEqual(r.status, 404, r)
        self.seed("Err", 5, 800000)
        job = self.query("select * from contacts where lastname = 'Err'",
                         lastRunDate="2000-01-01T00:00:00Z")
        self.wait(job)
        other = self.other["token"]
        for m, p in (("GET", "/bulk/%d/status"), ("GET", "/bulk/%d/errors"),
                     ("GET", "/bulk/%d/contacts"), ("PUT", "/bulk/%d/cancel")):
            r = self.call(m, p % job, token=other)
            self.assertEqual(r.status, 404, (p, r))
        self.assertEqual(self.call("GET", "/bulk/jobs", token=other).json(), [])
        # the date bound went to HubSpot as a filter on lastmodifieddate
        self.assertEqual(len(self.lines(job)), 5)
        props = [f["propertyName"] for x in self.hub.sim_seen(
            "/crm/v3/objects/contacts/search", "POST")
            for g in json.loads(x["body"])["filterGroups"]
            for f in g["filters"]]
        self.assertIn("lastmodifieddate", props)
        # the wrong object name
        r = self.call("GET", "/bulk/%d/companies" % job)
        self.assertEqual(r.status, 404, r)
        # errors: [] when none
        r = self.call("GET", "/bulk/%d/errors" % job)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), [])
        self.assertEqual(r.header("Elements-Returned-Count"), "0")
        r = self.call("GET", "/bulk/%d/errors" % job, query={"pageSize": "0"})
        self.assertEqual(r.status, 400, r)

    def test_jobs_list(self):
        self.seed("Lst", 3, 900000)
        a = self.query("select * from contacts where lastname = 'Lst'")
        b = self.query("select * from companies")
        self.wait(a)
        self.wait(b)
        r = self.call("GET", "/bulk/jobs", query={"pageSize": "1"})
        self.assertEqual(r.status, 200, r)
        first = r.json()
        self.assertEqual(len(first), 1)
        self.assertEqual(first[0]["job_id"], b)
        self.assertEqual(r.header("Elements-Returned-Count"), "1")
        nxt = r.header("Elements-Next-Page-Token")
        self.assertTrue(nxt)
        r = self.call("GET", "/bulk/jobs", query={"pageSize": "1",
                                                  "nextPage": nxt})
        self.assertEqual(r.json()[0]["job_id"], a)
        j = r.json()[0]
        for k in ("job_id", "object_name", "job_status", "job_direction",
                  "record_count", "error_count", "createdDate",
                  "completion_time", "fileFormat", "notification_url",
                  "job_query", "job_state", "job_reset_attempt"):
            self.assertIn(k, j)
        self.assertEqual(j["job_direction"], "DOWNLOAD")
        self.assertEqual(j["record_count"], 3)
        self.assertIsInstance(j["completion_time"], int)
        r = self.call("GET", "/bulk/jobs", query={
            "where": "object_name = 'companies' and job_status = 'COMPLETED'"})
        self.assertEqual([x["job_id"] for x in r.json()], [b])
        r = self.call("GET", "/bulk/jobs", query={
            "where": "object_name = 'nothing'"})
        self.assertEqual(r.json(), [])
        r = self.call("GET", "/bulk/jobs", query={
            "where": "record_count = 3 and job_direction = 'DOWNLOAD'"})
        self.assertIn(a, [x["job_id"] for x in r.json()])
        self.assertNotIn(b, [x["job_id"] for x in r.json()])
        r = self.call("GET", "/bulk/jobs", query={"where": "color = 'red'"})
        self.assertEqual(r.status, 400, r)
        self.assertIn("color", r.json()["message"])

    def test_virtual_resource(self):
        r = self.hub.platform_call(
            "POST", "/organizations/objects/bulkContact/definitions",
            {"fields": [{"path": "id", "type": "string"},
                        {"path": "mail", "type": "string"},
                        {"path": "family", "type": "string"}]})
        self.assertEqual(r.status, 200, r)
        r = self.hub.platform_call(
            "POST",
            "/organizations/elements/hubspotcrm/transformations/bulkContact",
            {"vendorName": "contacts", "fields": [
                {"path": "id", "type": "string", "vendorPath": "id"},
                {"path": "mail", "vendorPath": "properties.email"},
                {"path": "family", "vendorPath": "properties.lastname"}]})
        self.assertEqual(r.status, 200, r)
        self.seed("Vdr", 230, 950000)
        job = self.query("select * from bulkContact where family = 'Vdr'")
        s = self.wait(job)
        self.assertEqual(s["objectName"], "bulkContact")
        recs = self.lines(job, "bulkContact",
                          query={"json": '{"convertToNativeType":false}'})
        self.assertEqual(len(recs), 230)
        self.assertEqual(sorted(int(r["id"]) for r in recs),
                         list(range(950000, 950230)))
        self.assertEqual(set(recs[0]), {"id", "mail", "family"})
        self.assertTrue(all(r["family"] == "Vdr" for r in recs))

    def test_files_go_with_their_instance(self):
        inst = self.hub.instance(name="doomed")
        self.seed("Gone", 3, 980000)
        r = self.hub.call(inst["token"], "POST", "/bulk/query", query={
            "q": "select * from contacts where lastname = 'Gone'"})
        self.assertEqual(r.status, 200, r)
        job = r.json()["id"]
        end = time.time() + 30
        while time.time() < end:
            r = self.hub.call(inst["token"], "GET", "/bulk/%d/status" % job)
            if r.json()["status"] == "COMPLETED":
                break
            time.sleep(0.1)
        path = os.path.join(self.hub.tmp, "data", "bulk", "job-%d.bin" % job)
        self.assertTrue(os.path.exists(path))
        r = self.hub.platform_call("DELETE", "/instances/%d" % inst["id"])
        self.assertEqual(r.status, 200, r)
        # the job went with the instance; its file goes at the next sweep
        # (at start, then every 10 minutes)
        self.restart()
        end = time.time() + 30
        while os.path.exists(path) and time.time() < end:
            time.sleep(0.1)
        self.assertFalse(os.path.exists(path))

    def restart(self, kill=False):
        if kill:
            self.hub.ed.kill9()
            self.hub.ed.log.close()
        else:
            self.assertEqual(self.hub.ed.stop(), 0)
        data = os.path.join(self.hub.tmp, "data")
        self.hub.ed = h.start_elementsd(
            data, "--hubspot-app-url", self.hub.sim.base, "--hubspot-api-url",
            self.hub.sim.base, "--throttle", "0", "--search-throttle", "0",
            *ED_FLAGS)
        self.hub.base = self.hub.ed.base + h.API_BASE


if __name__ == "__main__":
    unittest.main()
