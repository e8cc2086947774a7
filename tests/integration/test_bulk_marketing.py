# SPDX-License-Identifier: MIT
"""Bulk on the HubSpot Marketing element (issue 14, docs/api/bulk.md)
against hubspot-sim, on a `hubspot` instance (hub marketing):

- POST /hubs/marketing/bulk/contacts (CSV, JSON) lands the records, and
  POST /hubs/marketing/bulk/query + the results download work;
- contact uploads create or update by email (HubSpot's batch/upsert with
  idProperty email): a row whose email exists updates that contact, rows
  without an email are created (a batch/create of their own); the same on
  the CRM element;
- CSV headers and JSON keys may be vendor paths (properties.email), JSON
  may nest a properties object; a path that names no property is that
  row's error;
- metaData.useBatchUpload is a boolean or "true"/"false"; anything else is
  a 400 naming it and makes no job."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402

h = hubutil.h
B = "mKtBoUnDaRy"
HUB = "marketing"


def multipart(file_bytes, meta=None):
    parts = []
    if meta is not None:
        m = meta if isinstance(meta, (bytes, str)) else json.dumps(meta)
        m = m if isinstance(m, bytes) else m.encode()
        parts.append(b"--" + B.encode() + b"\r\n"
                     b'Content-Disposition: form-data; name="metaData"\r\n'
                     b"Content-Type: application/json\r\n\r\n" + m + b"\r\n")
    parts.append(b"--" + B.encode() + b"\r\n"
                 b'Content-Disposition: form-data; name="file"; filename="d"\r\n'
                 b"Content-Type: application/octet-stream\r\n\r\n"
                 + file_bytes + b"\r\n")
    return b"".join(parts) + b"--" + B.encode() + b"--\r\n"


def people(tag, n, start=0):
    return [{"email": "%s%04d@mkt.test" % (tag, i), "firstname": "F%04d" % i,
             "lastname": tag} for i in range(start, start + n)]


def as_csv(rows, header="email,firstname,lastname"):
    out = header + "\r\n"
    for r in rows:
        out += "%s,%s,%s\r\n" % (r["email"], r["firstname"], r["lastname"])
    return out.encode()


def body_of(x):
    return x["body"] if isinstance(x["body"], dict) else json.loads(x["body"])


class BulkMarketing(hubutil.ClassHub):
    @classmethod
    def make_instances(cls):
        cls.inst = cls.hub.instance(name="bulkmkt", element="hubspot")
        cls.crm = cls.hub.instance(name="bulkcrm")
        cls.tok = cls.inst["token"]

    # --- helpers ---------------------------------------------------------------
    def call(self, method, path, body=None, tok=None, hub=HUB, **kw):
        return self.hub.call(tok or self.tok, method, path, body=body, hub=hub,
                             **kw)

    def post(self, obj, body, tok=None, hub=HUB):
        hd = {"Authorization": "%s, Element %s" % (self.hub.platform,
                                                  tok or self.tok),
              "Content-Type": "multipart/form-data; boundary=" + B}
        return h.request(self.hub.base, "POST", "/hubs/%s/bulk/%s" % (hub, obj),
                         raw_body=body, headers=hd)

    def upload(self, obj, data, meta=None, tok=None, hub=HUB):
        r = self.post(obj, multipart(data, meta), tok, hub)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "CREATED")
        return r.json()["id"]

    def status(self, job, tok=None, hub=HUB):
        r = self.call("GET", "/bulk/%d/status" % job, tok=tok, hub=hub)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def wait(self, job, tok=None, hub=HUB):
        return self.wait_until(lambda: self.status(job, tok, hub),
                               lambda s: s["status"] in hubutil.BULK_FINISHED,
                               "job %d finishing" % job)

    def errors(self, job, tok=None, hub=HUB):
        r = self.call("GET", "/bulk/%d/errors" % job, tok=tok, hub=hub,
                      query={"pageSize": "500"})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def sim_contacts(self, tag):
        return hubutil.sim_tagged_contacts(self, tag,
                                           "email,firstname,lastname,company")

    def batches(self, verb):
        """[(size, body)] of the contacts batch calls the sim got."""
        seen = self.hub.sim_seen("/crm/v3/objects/contacts/batch/" + verb, "POST")
        return [body_of(x) for x in seen]

    def done(self, job, landed, failed, **kw):
        s = self.wait(job, **kw)
        self.assertEqual((s["status"], s["objectName"], s["recordsCount"],
                          s["recordsFailedCount"]),
                         ("COMPLETED", "contacts", landed, failed), s)
        for k in ("id", "bulk_start_time", "bulk_finish_time"):
            self.assertIn(k, s)
        self.assertEqual(s["id"], job)
        return s

    # --- 1. uploads and queries on the Marketing element ------------------------
    def test_csv_and_json_upload(self):
        job = self.upload("contacts", as_csv(people("mcsv", 150)),
                          {"format": "csv"})
        self.done(job, 150, 0)
        self.assertEqual(self.errors(job), [])
        got = self.sim_contacts("mcsv")
        self.assertEqual(sorted(got), sorted(p["email"] for p in people("mcsv", 150)))
        self.assertEqual(got["mcsv0007@mkt.test"]["firstname"], "F0007")
        sent = self.batches("upsert")
        self.assertEqual([len(b["inputs"]) for b in sent], [100, 50])
        self.hub.sim_reset()
        data = json.dumps([{"properties": p} for p in people("mjs", 120)])
        job = self.upload("contacts", data.encode())
        self.done(job, 120, 0)
        self.assertEqual(len(self.sim_contacts("mjs")), 120)
        # /bulk (no hub) lists the same job
        r = h.request(self.hub.base, "GET", "/bulk/%d/status" % job, headers={
            "Authorization": "%s, Element %s" % (self.hub.platform, self.tok)})
        self.assertEqual(r.json()["status"], "COMPLETED")

    def test_query_and_download(self):
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(910000 + i), "properties": {
                "email": "q%03d@mkt.test" % i, "firstname": "Q%03d" % i,
                "lastname": "Mq"}} for i in range(130)]}})
        r = self.call("POST", "/bulk/query", query={
            "q": "select id, properties.email from contacts where lastname = 'Mq'"})
        self.assertEqual(r.status, 200, r)
        job = r.json()["id"]
        s = self.wait(job)
        self.assertEqual((s["status"], s["recordsCount"]), ("COMPLETED", 130), s)
        r = self.call("GET", "/bulk/%d/contacts" % job)
        self.assertEqual(r.status, 200, r)
        lines = [json.loads(x) for x in r.body.decode().splitlines() if x]
        self.assertEqual(len(lines), 130)
        self.assertEqual(sorted(x["properties"]["email"] for x in lines),
                         ["q%03d@mkt.test" % i for i in range(130)])
        self.assertEqual(set(lines[0]), {"id", "properties"})
        r = self.call("GET", "/bulk/%d/contacts" % job,
                      headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body.decode().splitlines()[0], "id,properties.email")
        self.assertTrue(self.hub.sim_seen("/crm/v3/objects/contacts/search", "POST"))

    # --- 2. create or update by email ---------------------------------------------
    def upsert_case(self, tok, hub):
        # 3 existing contacts; the file: 2 of them again (new first names),
        # one new with an email, two without an email, the third existing
        # one in a different case
        self.hub.sim_fixtures({"objects": {"contacts": [
            {"id": str(920000 + i), "properties": {
                "email": "old%d@mkt.test" % i, "firstname": "Old",
                "lastname": "Mup"}} for i in range(3)]}})
        text = ("email,firstname,lastname,company\r\n"
                "old0@mkt.test,New0,Mup,\r\n"
                ",NoMail1,Mup,A\r\n"
                "old1@mkt.test,New1,Mup,\r\n"
                "fresh@mkt.test,Fresh,Mup,\r\n"
                ",NoMail2,Mup,B\r\n"
                "OLD2@mkt.test,New2,Mup,\r\n")
        job = self.upload("contacts", text.encode(), tok=tok, hub=hub)
        self.done(job, 6, 0, tok=tok, hub=hub)
        self.assertEqual(self.errors(job, tok=tok, hub=hub), [])
        got = self.sim_contacts("Mup")
        self.assertEqual(len(got), 6, got)  # 3 old + fresh + 2 without email
        for i in range(3):
            self.assertEqual(got["old%d@mkt.test" % i]["firstname"], "New%d" % i)
        self.assertEqual(got["fresh@mkt.test"]["firstname"], "Fresh")
        nomail = sorted(p["firstname"] for k, p in got.items() if k.startswith("id:"))
        self.assertEqual(nomail, ["NoMail1", "NoMail2"])
        up = self.batches("upsert")
        self.assertEqual(len(up), 1)
        self.assertEqual({x["idProperty"] for x in up[0]["inputs"]}, {"email"})
        self.assertEqual([x["id"] for x in up[0]["inputs"]],
                         ["old0@mkt.test", "old1@mkt.test", "fresh@mkt.test",
                          "OLD2@mkt.test"])
        cr = self.batches("create")
        self.assertEqual(len(cr), 1)
        self.assertEqual([x["properties"]["firstname"] for x in cr[0]["inputs"]],
                         ["NoMail1", "NoMail2"])

    def test_upsert_by_email_marketing(self):
        self.upsert_case(None, HUB)

    def test_upsert_by_email_crm(self):
        self.upsert_case(self.crm["token"], "crm")

    def test_same_email_twice_in_a_file(self):
        # HubSpot refuses a batch with one email twice: the batch is sent
        # one record at a time, the second updates the first's contact
        rows = people("mtw", 5)
        rows[3]["email"] = rows[1]["email"]
        rows[3]["firstname"] = "Second"
        job = self.upload("contacts", as_csv(rows))
        self.done(job, 5, 0)
        got = self.sim_contacts("mtw")
        self.assertEqual(len(got), 4)
        self.assertEqual(got[rows[1]["email"]]["firstname"], "Second")
        self.assertEqual([len(b["inputs"]) for b in self.batches("upsert")],
                         [5, 1, 1, 1, 1, 1])

    # --- 3. vendor paths ------------------------------------------------------------
    def test_vendor_paths(self):
        csv = as_csv(people("mvp", 3), "properties.email,properties.firstname,lastname")
        job = self.upload("contacts", csv)
        self.done(job, 3, 0)
        sent = self.batches("upsert")
        self.assertEqual(sent[0]["inputs"][0]["properties"],
                         {"email": "mvp0000@mkt.test", "firstname": "F0000",
                          "lastname": "mvp"})
        self.hub.sim_reset()
        recs = [{"properties.email": "mvj0@mkt.test", "properties.FirstName": "A",
                 "lastname": "mvj"},
                {"properties": {"email": "mvj1@mkt.test", "firstname": "B"},
                 "lastname": "mvj"},
                {"properties": {"email": "mvj2@mkt.test", "firstname": "C",
                                "lastname": "mvj"}}]
        lines = "".join(json.dumps(r) + "\n" for r in recs).encode()
        job = self.upload("contacts", lines, {"format": "jsonl"})
        self.done(job, 3, 0)
        got = self.sim_contacts("mvj")
        self.assertEqual({k: p["firstname"] for k, p in got.items()},
                         {"mvj0@mkt.test": "A", "mvj1@mkt.test": "B",
                          "mvj2@mkt.test": "C"})
        sent = self.batches("upsert")
        self.assertEqual(sent[0]["inputs"][0]["properties"],
                         {"email": "mvj0@mkt.test", "firstname": "A",
                          "lastname": "mvj"})

    def test_bad_paths_are_row_errors(self):
        recs = [{"properties.email": "bp0@mkt.test", "lastname": "mbp"},
                {"properties.": "x", "email": "bp1@mkt.test", "lastname": "mbp"},
                {"a.b.c": "x", "email": "bp2@mkt.test", "lastname": "mbp"},
                {"properties": {"email": "bp3@mkt.test", "a": {"b": 1}},
                 "lastname": "mbp"},
                {"email": "bp4@mkt.test", "properties.email": "bp4@mkt.test",
                 "lastname": "mbp"},
                {"properties": "bp5@mkt.test", "lastname": "mbp"},
                {"properties.email": "bp6@mkt.test", "lastname": "mbp"}]
        lines = "".join(json.dumps(r) + "\n" for r in recs).encode()
        job = self.upload("contacts", lines)
        self.done(job, 2, 5)
        errs = self.errors(job)
        self.assertEqual([e["row"] for e in errs], [2, 3, 4, 5, 6])
        m = [e["message"] for e in errs]
        self.assertIn('record 2: "properties." is not a HubSpot property', m[0])
        self.assertIn("properties.<name>", m[0])
        self.assertIn('record 3: "a.b.c" is not a HubSpot property', m[1])
        self.assertIn('record 4: "properties.a.b" is not a HubSpot property', m[2])
        self.assertIn('record 5: the property "email" is given twice', m[3])
        self.assertIn('record 6: "properties" must be an object', m[4])
        self.assertEqual(errs[1]["record"], recs[2])  # as in the file
        self.assertEqual(sorted(self.sim_contacts("mbp")),
                         ["bp0@mkt.test", "bp6@mkt.test"])
        sent = self.batches("upsert")
        self.assertEqual([[x["id"] for x in b["inputs"]] for b in sent],
                         [["bp0@mkt.test", "bp6@mkt.test"]])
        # a CSV column that is a deeper path: every row's error
        self.hub.sim_reset()
        csv = b"email,a.b.c,lastname\r\nc0@mkt.test,x,mbp\r\nc1@mkt.test,y,mbp\r\n"
        job = self.upload("contacts", csv)
        self.done(job, 0, 2)
        errs = self.errors(job)
        self.assertEqual([e["row"] for e in errs], [1, 2])
        self.assertIn('row 1: "a.b.c" is not a HubSpot property', errs[0]["message"])
        self.assertEqual(self.batches("upsert"), [])

    # --- 4. useBatchUpload ------------------------------------------------------------
    def test_use_batch_upload(self):
        for val, sizes in (("false", [1, 1, 1]), (False, [1, 1, 1]),
                           ("TRUE", [3]), (True, [3])):
            self.hub.sim_reset()
            job = self.upload("contacts", as_csv(people("mub", 3)),
                              {"useBatchUpload": val})
            self.done(job, 3, 0)
            self.assertEqual([len(b["inputs"]) for b in self.batches("upsert")],
                             sizes, val)
            self.assertEqual(len(self.sim_contacts("mub")), 3)

        def jobs():
            r = self.call("GET", "/bulk/jobs", query={"pageSize": "500"})
            self.assertEqual(r.status, 200, r)
            return len(r.json())
        before = jobs()
        self.hub.sim_reset()
        for bad in ("yes", 1, 0, "", [True], {"v": True}, "true "):
            r = self.post("contacts", multipart(as_csv(people("mub", 2)),
                                                {"useBatchUpload": bad}))
            self.assertEqual(r.status, 400, (bad, r))
            self.assertIn("requestId", r.json())
            self.assertIn("metaData.useBatchUpload", r.json()["message"])
        self.assertEqual(jobs(), before)
        self.assertEqual(self.batches("upsert") + self.batches("create"), [])


if __name__ == "__main__":
    unittest.main()
