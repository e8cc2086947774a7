# SPDX-License-Identifier: MIT
"""Bulk uploads (issue 13, spec elements-api.md §6, docs/api/bulk.md)
against hubspot-sim: POST /bulk/{objectName} with a multipart body (CSV,
JSON array, JSON lines) lands the records through HubSpot's batch
endpoints (at most 100 inputs a call); contacts are created or updated
by email, and upsert by identifierFieldName updates instead of
duplicating; rows the reader refuses and a record
HubSpot refuses become errors with their row numbers while the rest land;
an unknown object fails every row and completes; a bad body is a 400 and
makes no job; a node killed (-9) mid-upload resumes with no duplicate.
Runs on SQLite and (label pg) PostgreSQL."""
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
B = "xXbOuNdArYxX"


def multipart(file_bytes, meta=None, boundary=B, filename="data"):
    parts = []
    if meta is not None:
        m = meta if isinstance(meta, (bytes, str)) else json.dumps(meta)
        m = m if isinstance(m, bytes) else m.encode()
        parts.append(b"--" + boundary.encode() + b"\r\n"
                     b'Content-Disposition: form-data; name="metaData"\r\n'
                     b"Content-Type: application/json\r\n\r\n" + m + b"\r\n")
    if file_bytes is not None:
        parts.append(b"--" + boundary.encode() + b"\r\n"
                     b'Content-Disposition: form-data; name="file"; '
                     b'filename="' + filename.encode() + b'"\r\n'
                     b"Content-Type: application/octet-stream\r\n\r\n"
                     + file_bytes + b"\r\n")
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"


def people(tag, n, start=0):
    return [{"email": "%s%04d@up.test" % (tag, i), "firstname": "F%04d" % i,
             "lastname": tag} for i in range(start, start + n)]


def as_csv(rows):
    out = "email,firstname,lastname\r\n"
    for r in rows:
        out += "%s,%s,%s\r\n" % (r["email"], r["firstname"], r["lastname"])
    return out.encode()


def as_jsonl(rows):
    return "".join(json.dumps({"properties": r}) + "\n" for r in rows).encode()


class BulkUpload(hubutil.ClassHub):
    ED_FLAGS = ED_FLAGS

    @classmethod
    def make_instances(cls):
        cls.inst = cls.hub.instance(name="bulkup")
        cls.tok = cls.inst["token"]

    def setUp(self):
        super().setUp()
        h.request(self.hub.sim.base, "DELETE", "/__sim/faults")

    # --- helpers ---------------------------------------------------------------
    def call(self, method, path, body=None, **kw):
        return self.hub.call(self.tok, method, path, body=body, **kw)

    def post(self, obj, body, ctype="multipart/form-data; boundary=" + B):
        hd = {"Authorization": "%s, Element %s" % (self.hub.platform, self.tok),
              "Content-Type": ctype}
        return h.request(self.hub.base, "POST", "/hubs/crm/bulk/%s" % obj,
                         raw_body=body, headers=hd)

    def upload(self, obj, file_bytes, meta=None):
        r = self.post(obj, multipart(file_bytes, meta))
        self.assertEqual(r.status, 200, r)
        body = r.json()
        self.assertEqual(body["status"], "CREATED")
        self.assertIsInstance(body["id"], int)
        return body["id"]

    def status(self, job):
        r = self.call("GET", "/bulk/%d/status" % job)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait(self, job, timeout=120):
        return self.wait_until(lambda: self.status(job),
                               lambda s: s["status"] in hubutil.BULK_FINISHED,
                               "job %d finishing" % job, timeout)

    def errors(self, job):
        r = self.call("GET", "/bulk/%d/errors" % job, query={"pageSize": "500"})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def sim_contacts(self, tag):
        return hubutil.sim_tagged_contacts(self, tag)

    def batches(self, verb):
        seen = self.hub.sim_seen("/crm/v3/objects/contacts/batch/" + verb, "POST")
        sizes = []
        for x in seen:
            b = x["body"] if isinstance(x["body"], dict) else json.loads(x["body"])
            sizes.append(len(b["inputs"]))
        return sizes, seen

    # --- tests -------------------------------------------------------------------
    def check_landed(self, tag, n, job):
        s = self.wait(job)
        self.assertEqual(s["status"], "COMPLETED", s)
        self.assertEqual(s["objectName"], "contacts")
        self.assertEqual(s["recordsCount"], n)
        self.assertEqual(s["recordsFailedCount"], 0)
        got = self.sim_contacts(tag)
        self.assertEqual(sorted(got), sorted(p["email"] for p in people(tag, n)))
        # contacts are created or updated by email (batch/upsert)
        sizes, _ = self.batches("upsert")
        self.assertEqual(self.batches("create")[0], [])
        self.assertEqual(sum(sizes), n)
        self.assertTrue(all(0 < k <= 100 for k in sizes), sizes)
        self.assertEqual(len(sizes), (n + 99) // 100)
        self.assertEqual(self.errors(job), [])

    def test_csv(self):
        job = self.upload("contacts", as_csv(people("csv", 250)),
                          {"format": "csv"})
        self.check_landed("csv", 250, job)
        # an upload has nothing to download, and says so
        r = self.call("GET", "/bulk/%d/contacts" % job)
        self.assertEqual(r.status, 404, r)
        self.assertIn("is an upload", r.json()["message"])
        # the stored upload file was encrypted, and is gone once done
        d = os.path.join(self.hub.tmp, "data", "bulk")
        for f in os.listdir(d):
            self.assertFalse(f.startswith("upload-"), f)

    def test_json_array(self):
        body = json.dumps([{"properties": p} for p in people("arr", 250)])
        job = self.upload("contacts", body.encode())  # sniffed
        self.check_landed("arr", 250, job)

    def test_json_lines(self):
        job = self.upload("contacts", as_jsonl(people("jl", 250)),
                          {"format": "jsonl", "useBatchUpload": "true"})
        self.check_landed("jl", 250, job)

    def test_upsert_by_email(self):
        job = self.upload("contacts", as_csv(people("ups", 150)))
        self.assertEqual(self.wait(job)["recordsCount"], 150)
        self.hub.sim_clear()
        # same emails, new first names, plus 20 new ones
        rows = people("ups", 170)
        for r in rows:
            r["firstname"] = "New" + r["firstname"]
        job = self.upload("contacts", as_csv(rows),
                          {"identifierFieldName": "email"})
        s = self.wait(job)
        self.assertEqual((s["status"], s["recordsCount"],
                          s["recordsFailedCount"]), ("COMPLETED", 170, 0))
        got = self.sim_contacts("ups")
        self.assertEqual(len(got), 170)
        self.assertTrue(all(p["firstname"].startswith("NewF") for p in got.values()))
        sizes, seen = self.batches("upsert")
        self.assertEqual(sizes, [100, 70])
        b = json.loads(seen[0]["body"]) if isinstance(seen[0]["body"], str) else seen[0]["body"]
        self.assertEqual(b["inputs"][0]["idProperty"], "email")
        self.assertEqual(b["inputs"][0]["id"], "ups0000@up.test")

    def test_bad_rows_and_refused_record(self):
        rows = people("bad", 120)
        text = as_csv(rows).decode().split("\r\n")
        # row 5: a field too many (the reader refuses it); row 50: an
        # unknown property HubSpot refuses (the whole batch is sent again one
        # record at a time)
        text[5] = text[5] + ",extra"
        data = "\r\n".join(text).encode()
        jl = [json.dumps({"properties": r}) for r in rows]
        jl[49] = json.dumps({"properties": dict(rows[49], nosuchprop="x")})
        jl[9] = "{not json"
        # row 70 repeats row 60's email: HubSpot refuses the batch (400);
        # sent alone, row 70 updates the contact row 60 made (contacts are
        # created or updated by email)
        jl[69] = json.dumps({"properties": dict(rows[69], email=rows[59]["email"])})
        job = self.upload("contacts", data, {"format": "csv"})
        s = self.wait(job)
        self.assertEqual((s["status"], s["recordsCount"], s["recordsFailedCount"]),
                         ("COMPLETED", 119, 1))
        errs = self.errors(job)
        self.assertEqual([e["row"] for e in errs], [5])
        self.assertIn("row 5", errs[0]["message"])
        self.assertEqual(len(self.sim_contacts("bad")), 119)
        self.hub.sim_reset()
        job = self.upload("contacts", ("\n".join(jl) + "\n").encode())
        s = self.wait(job)
        self.assertEqual((s["status"], s["recordsCount"], s["recordsFailedCount"]),
                         ("COMPLETED", 118, 2))
        errs = self.errors(job)
        self.assertEqual([e["row"] for e in errs], [10, 50])
        self.assertIn("nosuchprop", errs[1]["message"])
        self.assertEqual(errs[1]["record"]["properties"]["email"], rows[49]["email"])
        self.assertIsNone(errs[0]["record"])
        got = self.sim_contacts("bad")
        self.assertEqual(len(got), 117)
        self.assertNotIn(rows[69]["email"], got)
        self.assertEqual(got[rows[59]["email"]]["firstname"], rows[69]["firstname"])
        self.assertNotIn(rows[49]["email"], got)
        self.assertNotIn(rows[9]["email"], got)

    def test_unknown_object(self):
        job = self.upload("nosuchobjects", as_jsonl(people("unk", 30)))
        s = self.wait(job)
        self.assertEqual((s["status"], s["recordsCount"], s["recordsFailedCount"]),
                         ("COMPLETED", 0, 30))
        errs = self.errors(job)
        self.assertEqual([e["row"] for e in errs], list(range(1, 31)))
        self.assertTrue(all(e["message"] for e in errs))

    def test_hub_batch_resource(self):
        ins = [{"properties": {"Email": "hb%d@up.test" % i, "lastname": "hb"}}
               for i in range(2)]
        r = self.call("POST", "/contacts/batch/create", {"inputs": ins})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.json()["results"]), 2)
        self.assertEqual(r.json()["errors"], [])
        sent = self.hub.sim_seen("/crm/v3/objects/contacts/batch/create", "POST")
        b = json.loads(sent[0]["body"]) if isinstance(sent[0]["body"], str) else sent[0]["body"]
        self.assertEqual(b["inputs"][0]["properties"]["email"], "hb0@up.test")
        # upsert: idProperty top level, the id taken from the properties
        r = self.call("POST", "/contacts/batch/upsert", {
            "idProperty": "email",
            "inputs": [{"email": "hb0@up.test", "firstname": "Up"}]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sim_contacts("hb")["hb0@up.test"]["firstname"], "Up")
        for path, body, word in [
                ("/contacts/batch/upsert", {"inputs": [{"email": "a@b.c"}]}, "id"),
                ("/contacts/batch/create", {"inputs": []}, "inputs"),
                ("/contacts/batch/create", {"inputs": [{}] * 101}, "inputs"),
                ("/contacts/batch/create", {"inputs": [1]}, "inputs[0]")]:
            r = self.call("POST", path, body)
            self.assertEqual(r.status, 400, (path, body, r))
            self.assertIn(word, r.json()["message"])
        self.assertEqual(self.call("POST", "/contacts/batch/archive",
                                   {"inputs": [{}]}).status, 404)
        self.assertEqual(self.call("GET", "/contacts/batch/create").status, 405)

    def test_bad_bodies_make_no_job(self):
        def jobs():
            r = self.call("GET", "/bulk/jobs", query={"pageSize": "500"})
            self.assertEqual(r.status, 200, r)
            return len(r.json())
        before = jobs()
        f = as_csv(people("no", 2))
        cases = [
            (multipart(f), "application/json", "multipart"),
            (b"garbage", "multipart/form-data; boundary=" + B, "multipart"),
            (multipart(None, {"format": "csv"}), None, "file"),
            (multipart(f, "{not json"), None, "metaData"),
            (multipart(f, [1]), None, "metaData"),
            (multipart(f, {"format": "xml"}), None, "format"),
            (multipart(f, {"useBatchUpload": "maybe"}), None, "useBatchUpload"),
        ]
        for body, ctype, word in cases:
            r = self.post("contacts", body, ctype or "multipart/form-data; boundary=" + B)
            self.assertEqual(r.status, 400, (word, r))
            b = r.json()
            self.assertIn("requestId", b)
            self.assertIn(word, b["message"])
        self.assertEqual(jobs(), before)
        self.assertEqual(self.batches("create")[0], [])
        self.assertEqual(self.batches("upsert")[0], [])

    def test_cancel_mid_upload(self):
        n = 500
        for _ in range(3):
            hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/batch",
                              delay_ms=400)
        job = self.upload("contacts", as_csv(people("can", n)))
        end = time.time() + 60
        while self.status(job)["status"] != "RUNNING" and time.time() < end:
            time.sleep(0.05)
        r = self.call("PUT", "/bulk/%d/cancel" % job)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "CANCELLATION_PENDING")
        s = self.wait(job)
        self.assertEqual(s["status"], "CANCELLED")
        self.assertLess(s["recordsCount"], n)
        self.assertEqual(len(self.sim_contacts("can")), s["recordsCount"])
        d = os.path.join(self.hub.tmp, "data", "bulk")
        self.assertEqual([f for f in os.listdir(d) if f.startswith("upload-")], [])

    def test_kill_mid_upload(self):
        # a file of several encrypted chunks (64 KiB each): the resumed job
        # reads on from the chunk of its checkpoint
        n = 600
        rows = people("kill", n)
        for r in rows:
            r["firstname"] += "x" * 300
        data = as_csv(rows)
        self.assertGreater(len(data), 3 * 65536)
        for _ in range(4):
            hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/batch",
                              delay_ms=500)
        job = self.upload("contacts", data)
        end = time.time() + 60
        while self.status(job)["recordsCount"] < 300 and time.time() < end:
            time.sleep(0.05)
        s = self.status(job)
        self.assertEqual(s["status"], "RUNNING")
        self.assertLess(s["recordsCount"], n)
        self.restart(kill=True)
        s = self.wait(job)
        self.assertEqual(s["status"], "COMPLETED", s)
        got = self.sim_contacts("kill")  # fails on a duplicate
        self.assertEqual(sorted(got), sorted(p["email"] for p in rows))
        for r in rows:
            self.assertEqual(got[r["email"]]["firstname"], r["firstname"])
        self.assertEqual(s["recordsFailedCount"], 0)

    def test_kill_first_batch_in_flight(self):
        # killed while its FIRST batch is at HubSpot (landed, answer not
        # yet back): the checkpoint has no position yet, so the resumed
        # job reads from the top and sends that batch again (an upsert by
        # email, as every contacts batch with emails: no second contact);
        # before, it ended ABORTED ("The upload checkpoint cannot be used")
        n = 250
        rows = people("first", n)
        hubutil.sim_fault(self.hub, "/crm/v3/objects/contacts/batch",
                          delay_ms=30000)
        job = self.upload("contacts", as_csv(rows))
        end = time.time() + 60
        while not self.batches("upsert")[0] and time.time() < end:
            time.sleep(0.05)
        self.assertEqual(self.batches("upsert")[0], [100])
        s = self.status(job)
        self.assertEqual(s["status"], "RUNNING")
        self.assertEqual(s["recordsCount"], 0)
        self.restart(kill=True)
        s = self.wait(job)
        self.assertEqual(s["status"], "COMPLETED", s)
        self.assertEqual(s["recordsCount"], n)
        self.assertEqual(s["recordsFailedCount"], 0)
        got = self.sim_contacts("first")  # fails on a duplicate
        self.assertEqual(sorted(got), sorted(p["email"] for p in rows))
        self.assertEqual(self.batches("upsert")[0], [100, 100, 100, 50])
        self.assertEqual(self.batches("create")[0], [])
        self.assertEqual(self.errors(job), [])

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
