# SPDX-License-Identifier: MIT
"""Bulk workflows (issue 13, spec elements-api.md §6.1, docs/api/bulk.md
"Workflows") against hubspot-sim: POST /bulk/workflows runs a query step on
one instance (portal A's key) feeding an upload step on another (portal B's
key), once or on a Quartz schedule (Elements-Schedule-Request); its runs
show in GET /bulkloader (a platform route even with an Element token) with
groupName equal to the id POST returned; ?jobId= and pageSize/nextPage; a
query that finds nothing completes its run; a fire while a run is going is
skipped and counted; DELETE stops the schedule; bad bodies and bad cron are
400s naming the step or field and store nothing; kill -9 mid-run, and the
run finishes after restart with exactly the right rows. Runs on SQLite and
(label pg) PostgreSQL."""
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
KEY_B = "pat-na1-portal-b"
FINISHED = ("COMPLETED", "FAILED")


def contacts(tag, n, start):
    return [{"id": str(start + i),
             "properties": {"email": "%s%05d@wf.test" % (tag.lower(), i),
                            "firstname": "%s%05d" % (tag, i), "lastname": tag}}
            for i in range(n)]


def copy_steps(tag, tok_b):
    return [{"q": "select properties.firstname, properties.lastname from "
                  "contacts where lastname = '%s'" % tag},
            {"elementToken": tok_b, "objectName": "contacts",
             "metaData": {"useBatchUpload": True}}]


class BulkWorkflows(hubutil.ClassHub):
    SIM_FLAGS = ("--api-key", KEY_B)
    ED_FLAGS = ED_FLAGS

    @classmethod
    def make_instances(cls):
        cls.a = cls.hub.instance(name="portal-a")
        cls.b = cls.hub.instance(
            name="portal-b", config={"hubspot.authorization.apikey": KEY_B})
        cls.tok = cls.a["token"]
        cls.tok_b = cls.b["token"]

    def setUp(self):
        super().setUp()
        h.request(self.hub.sim.base, "DELETE", "/__sim/faults")

    # --- helpers ---------------------------------------------------------------
    def call(self, method, path, body=None, token=None, **kw):
        return self.hub.call(token or self.tok, method, path, body=body, **kw)

    def create(self, steps, cron=None):
        hd = {"Elements-Schedule-Request": cron} if cron else None
        r = self.call("POST", "/bulk/workflows", steps, headers=hd)
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["status"], "CREATED")
        self.assertIsInstance(b["id"], int)
        return b["id"]

    def loader(self, token=None, **query):
        auth = self.hub.platform
        if token:
            auth += ", Element " + token
        r = h.request(self.hub.base, "GET", "/bulkloader",
                      headers={"Authorization": auth},
                      query={k: str(v) for k, v in query.items()})
        self.assertEqual(r.status, 200, r)
        return r

    def runs(self, wf):
        return self.loader(jobId=wf, pageSize=500).json()

    def wait_run(self, wf, timeout=120):
        end = time.time() + timeout
        rs = []
        while time.time() < end:
            rs = self.runs(wf)
            if rs and rs[0]["status"] in FINISHED:
                return rs[0]
            time.sleep(0.1)
        self.fail("workflow %d never finished: %r" % (wf, rs))

    def status(self, job, token):
        r = self.call("GET", "/bulk/%d/status" % job, token=token)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def created_in_b(self):
        """firstnames of every input the sim got in batch creates, checking
        each came with portal B's key."""
        names = []
        for x in self.hub.sim_seen("/crm/v3/objects/contacts/batch/", "POST"):
            hd = {k.lower(): v for k, v in x["headers"].items()}
            self.assertEqual(hd.get("authorization"), "Bearer " + KEY_B, x)
            b = x["body"] if isinstance(x["body"], dict) else json.loads(x["body"])
            names += [i["properties"]["firstname"] for i in b["inputs"]]
        return names

    def seed(self, tag, n, start):
        self.hub.sim_fixtures({"objects": {"contacts": contacts(tag, n, start)}})

    # --- tests -------------------------------------------------------------------
    def test_copy_a_to_b(self):
        self.seed("Wfa", 250, 700000)
        wf = self.create(copy_steps("Wfa", self.tok_b))
        run = self.wait_run(wf)
        self.assertEqual(run["status"], "COMPLETED", run)
        self.assertEqual(run["groupName"], wf)
        self.assertIsInstance(run["groupName"], int)
        self.assertEqual(len(run["bulkJobIds"]), 2, run)
        dl, up = run["bulkJobIds"]
        names = self.created_in_b()
        self.assertEqual(sorted(names), ["Wfa%05d" % i for i in range(250)])
        # the query ran with A's key, the upload with B's
        for x in self.hub.sim_seen("/crm/v3/objects/contacts/search", "POST"):
            hd = {k.lower(): v for k, v in x["headers"].items()}
            self.assertEqual(hd.get("authorization"), "Bearer " + hubutil.API_KEY)
        s = self.status(up, self.tok_b)
        self.assertEqual((s["status"], s["recordsCount"], s["recordsFailedCount"]),
                         ("COMPLETED", 250, 0))
        self.assertEqual(self.status(dl, self.tok)["recordsCount"], 250)
        # the download's results are still there after the upload
        r = self.call("GET", "/bulk/%d/contacts" % dl)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body.decode().splitlines()), 250)
        # GET the workflow
        r = self.call("GET", "/bulk/workflows/%d" % wf)
        self.assertEqual(r.status, 200, r)
        w = r.json()
        self.assertEqual((w["id"], w["status"], w["schedule"]), (wf, "ONCE", None))
        self.assertEqual([x["type"] for x in w["steps"]], ["query", "upload"])
        self.assertEqual(w["steps"][1]["instanceId"], self.b["id"])

    def test_empty_query_completes(self):
        wf = self.create(copy_steps("Nobody", self.tok_b))
        run = self.wait_run(wf)
        self.assertEqual(run["status"], "COMPLETED", run)
        self.assertEqual(len(run["bulkJobIds"]), 2)
        self.assertIsNone(run["bulkJobIds"][1])
        self.assertEqual(self.status(run["bulkJobIds"][0], self.tok)["recordsCount"], 0)
        self.assertEqual(self.hub.sim_seen("/crm/v3/objects/contacts/batch/"), [])

    def test_failed_step_fails_the_run(self):
        self.seed("Wff", 3, 710000)
        steps = [{"q": "select properties.firstname from contacts where "
                       "lastname = 'Wff'"}]
        hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/search",
                          status=403, count=5)
        wf = self.create(steps)
        run = self.wait_run(wf)
        self.assertEqual(run["status"], "FAILED", run)
        self.assertIn("Step 1", run["message"])
        self.assertIn("ERROR", run["message"])

    def test_schedule_runs_pages_skips_and_stops(self):
        self.seed("Wfs", 3, 720000)
        steps = [{"q": "select * from contacts where lastname = 'Wfs'"}]
        # the first run's query is slow: the fires meanwhile are skipped
        hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/search",
                          delay_ms=2600)
        wf = self.create(steps, cron="*/1 * * * * ?")
        end = time.time() + 60
        rs = []
        while time.time() < end:
            rs = self.runs(wf)
            self.assertLessEqual(
                sum(1 for r in rs if r["status"] == "RUNNING"), 1, rs)
            if sum(1 for r in rs if r["status"] == "COMPLETED") >= 3:
                break
            time.sleep(0.1)
        done = [r for r in rs if r["status"] == "COMPLETED"]
        self.assertGreaterEqual(len(done), 3, rs)
        for r in rs:
            self.assertEqual(r["groupName"], wf)
            self.assertEqual(r["scheduledFireTime"] % 1000, 0)
        ids = [r["id"] for r in rs]
        self.assertEqual(ids, sorted(ids, reverse=True))
        fires = [r["scheduledFireTime"] for r in rs]
        self.assertEqual(len(set(fires)), len(fires))  # one run per fire
        w = self.call("GET", "/bulk/workflows/%d" % wf).json()
        self.assertEqual(w["status"], "SCHEDULED")
        self.assertEqual(w["timeZone"], "UTC")
        self.assertGreaterEqual(w["skippedCount"], 1, w)
        self.assertIsInstance(w["nextFireTime"], int)
        # pages of one, following the token
        r = self.loader(jobId=wf, pageSize=1)
        self.assertEqual(r.header("Elements-Returned-Count"), "1")
        first = r.json()
        tok = r.header("Elements-Next-Page-Token")
        self.assertTrue(tok)
        r2 = self.loader(jobId=wf, pageSize=1, nextPage=tok)
        second = r2.json()
        self.assertEqual(len(second), 1)
        self.assertLess(second[0]["id"], first[0]["id"])
        # stop it
        r = self.call("DELETE", "/bulk/workflows/%d" % wf)
        self.assertEqual(r.status, 200, r)
        w = r.json()
        self.assertEqual(w["status"], "STOPPED")
        self.assertIsNone(w["nextFireTime"])
        time.sleep(2.5)
        late = [x for x in self.runs(wf) if x["scheduledFireTime"] > w["stoppedDate"]]
        self.assertEqual(late, [])
        self.assertEqual(self.call("DELETE", "/bulk/workflows/%d" % wf).status, 200)

    def test_bulkloader_is_a_platform_route(self):
        wf = self.create(copy_steps("Nobody2", self.tok_b))
        self.wait_run(wf)
        self.hub.sim_clear()
        for token in (None, self.tok):
            r = self.loader(token=token)
            runs = r.json()
            self.assertIn(wf, [x["groupName"] for x in runs])
            self.assertEqual(r.header("Elements-Returned-Count"), str(len(runs)))
            for k in ("id", "groupName", "status", "createdDate"):
                self.assertIn(k, runs[0])
        self.assertEqual(self.hub.sim_seen("/"), [])
        r = self.loader(jobId=987654321)
        self.assertEqual(r.json(), [])
        self.assertEqual(r.header("Elements-Returned-Count"), "0")
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        for q in ({"pageSize": "0"}, {"pageSize": "x"}, {"nextPage": "-1"},
                  {"jobId": "abc"}):
            r = h.request(self.hub.base, "GET", "/bulkloader", query=q,
                          headers={"Authorization": self.hub.platform})
            self.assertEqual(r.status, 400, (q, r))
            self.assertIn(list(q)[0], r.json()["message"])

    def test_bad_requests_store_nothing(self):
        before = self.loader(pageSize=500).json()
        jobs_before = self.call("GET", "/bulk/jobs").json()
        q = {"q": "select * from contacts"}
        cases = [
            ([], None, "non-empty"),
            ({"q": "x"}, None, "array"),
            ([q] * 21, None, "at most 20"),
            ([q, {"elementToken": "nope", "objectName": "contacts"}], None,
             "steps[1].elementToken"),
            ([{"q": "select from contacts"}], None, "steps[0].q"),
            ([q, {"type": "upload"}], None, "steps[1].objectName"),
            ([q, {"objectName": "con/tacts"}], None, "steps[1].objectName"),
            ([{"objectName": "contacts"}], None, "steps[0]"),
            ([q, {"type": "bogus"}], None, "steps[1].type"),
            ([q, 7], None, "steps[1]"),
            ([q, {"objectName": "contacts", "metaData": {"useBatchUpload": "x"}}],
             None, "steps[1].metaData.useBatchUpload"),
            ([q], "*/2 * * * *", "Elements-Schedule-Request"),
            ([q], "0 0 0 * * *", "day-of-week"),
            ([q], "61 * * * * ?", "seconds"),
            ([q], "0 0 0 1 1 ? 2001", "never fires"),
        ]
        for body, cron, word in cases:
            hd = {"Elements-Schedule-Request": cron} if cron else None
            r = self.call("POST", "/bulk/workflows", body, headers=hd)
            self.assertEqual(r.status, 400, (word, r))
            b = r.json()
            self.assertIn("requestId", b)
            self.assertIn(word, b["message"])
        self.assertEqual(self.loader(pageSize=500).json(), before)
        self.assertEqual(self.call("GET", "/bulk/jobs").json(), jobs_before)
        r = self.call("GET", "/bulk/workflows/987654321")
        self.assertEqual(r.status, 404, r)

    def test_kill_mid_run(self):
        n = 1500
        self.seed("Wfk", n, 800000)
        for _ in range(6):
            hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/search",
                              delay_ms=400)
        wf = self.create(copy_steps("Wfk", self.tok_b))
        end = time.time() + 60
        dl = None
        while time.time() < end:
            rs = self.runs(wf)
            if rs and rs[0]["bulkJobIds"]:
                dl = rs[0]["bulkJobIds"][0]
                if self.status(dl, self.tok)["recordsCount"] >= 200:
                    break
            time.sleep(0.05)
        self.assertIsNotNone(dl)
        s = self.status(dl, self.tok)
        self.assertEqual(s["status"], "RUNNING")
        self.assertLess(s["recordsCount"], n)
        self.restart()
        run = self.wait_run(wf)
        self.assertEqual(run["status"], "COMPLETED", run)
        names = self.created_in_b()
        self.assertEqual(len(names), n)  # no duplicate, none lost
        self.assertEqual(sorted(names), ["Wfk%05d" % i for i in range(n)])

    def restart(self):
        self.hub.ed.kill9()
        self.hub.ed.log.close()
        data = os.path.join(self.hub.tmp, "data")
        self.hub.ed = h.start_elementsd(
            data, "--hubspot-app-url", self.hub.sim.base, "--hubspot-api-url",
            self.hub.sim.base, "--throttle", "0", "--search-throttle", "0",
            *ED_FLAGS)
        self.hub.base = self.hub.ed.base + h.API_BASE


if __name__ == "__main__":
    unittest.main()
