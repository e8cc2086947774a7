# SPDX-License-Identifier: MIT
"""Streamed bulk bodies (issue 13, docs/api/bulk.md "Streaming",
docs/http.md): an upload is parsed and sealed to disk as it arrives (a
multi-MB body sent in small chunks makes the right job), over
--bulk-max-file it is a 413 envelope and leaves no file and no job, a
client that goes away mid-upload leaves nothing; results are streamed from
the file (a large JSON result and its CSV, byte for byte what the
in-memory rendering made) and a client that goes away mid-download costs
nothing lasting. Runs on SQLite and (label pg) PostgreSQL."""
import http.client
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402
from test_bulk_upload import B, multipart  # noqa: E402

h = hubutil.h
MAX_FILE = 4 * 1024 * 1024
ED_FLAGS = ("--bulk-lease-ms", "1500", "--bulk-max-file", str(MAX_FILE))


def csv_value(v):
    """bulk_results' CSV cell (api_bulk.c csv_value)."""
    if v is None or isinstance(v, dict):
        s = ""
    elif isinstance(v, bool):
        s = "true" if v else "false"
    elif isinstance(v, (int, str)):
        s = str(v)
    elif isinstance(v, list):
        s = json.dumps(v, separators=(",", ":"))
    else:
        raise AssertionError("unexpected value %r" % (v,))
    if any(c in s for c in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def flatten(rec, prefix, out):
    for k, v in rec.items():
        name = prefix + ("." if prefix else "") + k
        if isinstance(v, dict):
            flatten(v, name, out)
        else:
            out[name] = v


class BulkStream(hubutil.ClassHub):
    ED_FLAGS = ED_FLAGS

    @classmethod
    def make_instances(cls):
        cls.inst = cls.hub.instance(name="bulkstream")
        cls.tok = cls.inst["token"]
        cls.bulkdir = os.path.join(cls.hub.tmp, "data", "bulk")

    # --- helpers ---------------------------------------------------------------
    def call(self, method, path, **kw):
        return self.hub.call(self.tok, method, path, **kw)

    def head(self):
        return {"Authorization": "%s, Element %s" % (self.hub.platform, self.tok),
                "Content-Type": "multipart/form-data; boundary=" + B}

    def chunked_post(self, body, piece=1000):
        """POST /bulk/contacts with a chunked body sent piece by piece."""
        port = int(self.hub.base.split(":")[2].split("/")[0])
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def gen():
            for i in range(0, len(body), piece):
                yield body[i:i + piece]
        c.request("POST", h.API_BASE + "/hubs/crm/bulk/contacts", body=gen(),
                  headers=self.head(), encode_chunked=True)
        r = c.getresponse()
        out = (r.status, dict((k.lower(), v) for k, v in r.getheaders()),
               r.read())
        c.close()
        return out

    def upload_jobs(self):
        r = self.call("GET", "/bulk/jobs",
                      query={"where": "job_direction='UPLOAD'", "pageSize": "500"})
        self.assertEqual(r.status, 200, r)
        return [j["job_id"] for j in r.json()]

    def uploads_on_disk(self):
        if not os.path.isdir(self.bulkdir):
            return []
        return [f for f in os.listdir(self.bulkdir) if f.startswith("upload-")]

    def wait_status(self, job, timeout=120):
        return self.wait_until(lambda: self.call("GET", "/bulk/%d/status" % job).json(),
                               lambda s: s["status"] in hubutil.BULK_FINISHED,
                               "job %d finishing" % job, timeout)

    def wait_for(self, cond, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if cond():
                return
            time.sleep(0.05)
        self.fail("never: " + what)

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.hub.ed.proc.pid))

    # --- uploads -----------------------------------------------------------------
    def test_multi_mb_upload_in_small_chunks(self):
        n = 400
        big = "x" * 7000
        rows = "email,firstname,lastname\r\n" + "".join(
            "st%04d@stream.test,%s%04d,Stream\r\n" % (i, big, i) for i in range(n))
        body = multipart(rows.encode(), {"format": "csv"})
        self.assertGreater(len(body), 2 * 1024 * 1024)
        before = self.upload_jobs()
        st, hd, raw = self.chunked_post(body, piece=997)
        self.assertEqual(st, 200, raw)
        job = json.loads(raw)
        self.assertEqual(job["status"], "CREATED")
        self.assertEqual(self.upload_jobs(), [job["id"]] + before)
        s = self.wait_status(job["id"])
        self.assertEqual(s["status"], "COMPLETED", s)
        self.assertEqual(s["recordsCount"], n)
        self.assertEqual(s["recordsFailedCount"], 0)
        got, after = {}, None
        for _ in range(100):  # what HubSpot holds now
            q = ("/crm/v3/objects/contacts?limit=100"
                 "&properties=email,firstname,lastname")
            r = h.request(self.hub.sim.base, "GET",
                          q + ("&after=" + after if after else ""),
                          headers={"Authorization": "Bearer " + hubutil.API_KEY})
            for rec in r.json()["results"]:
                p = rec["properties"]
                if p.get("lastname") == "Stream":
                    got[p["email"]] = p["firstname"]
            after = (r.json().get("paging") or {}).get("next", {}).get("after")
            if not after:
                break
        self.assertEqual(len(got), n)
        for i in range(n):
            self.assertEqual(got["st%04d@stream.test" % i], "%s%04d" % (big, i))
        self.assertEqual(self.uploads_on_disk(), [])

    def test_over_the_cap_is_413_and_leaves_nothing(self):
        rows = b"email\r\n" + b"".join(b"cap%07d@stream.test\r\n" % i
                                       for i in range(MAX_FILE // 20 + 10))
        body = multipart(rows, {"format": "csv"})
        self.assertGreater(len(body), MAX_FILE)
        before = self.upload_jobs()
        # chunked: found while streaming
        st, hd, raw = self.chunked_post(body, piece=16384)
        self.assertEqual(st, 413, raw)
        env = json.loads(raw)
        self.assertEqual(set(env), {"requestId", "message"})
        self.assertIn("exceeds the limit of %d bytes" % MAX_FILE, env["message"])
        self.assertEqual(hd.get("elements-request-id"), env["requestId"])
        # with a Content-Length: found at the head
        r = h.request(self.hub.base, "POST", "/hubs/crm/bulk/contacts",
                      raw_body=body, headers=self.head(), timeout=120)
        self.assertEqual(r.status, 413, r)
        self.assertIn("exceeds the limit", r.json()["message"])
        self.assertEqual(self.uploads_on_disk(), [])
        self.assertEqual(self.upload_jobs(), before)
        # just under the cap is fine (the cap is not --max-body's 1 MiB)
        small = multipart(rows[:MAX_FILE // 2], {"format": "csv"})
        self.assertGreater(len(small), 1024 * 1024)
        r = h.request(self.hub.base, "POST", "/hubs/crm/bulk/contacts",
                      raw_body=small, headers=self.head(), timeout=120)
        self.assertEqual(r.status, 200, r)
        self.call("PUT", "/bulk/%d/cancel" % r.json()["id"])

    def test_bad_credentials_answer_before_the_body_is_kept(self):
        body = multipart(b"email\r\na@b.test\r\n", {"format": "csv"})
        hd = self.head()
        hd["Authorization"] = "%s, Element nope" % self.hub.platform
        r = h.request(self.hub.base, "POST", "/hubs/crm/bulk/contacts",
                      raw_body=body, headers=hd)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(self.uploads_on_disk(), [])

    def test_client_gone_mid_upload_leaves_nothing(self):
        before = self.upload_jobs()
        port = int(self.hub.base.split(":")[2].split("/")[0])
        s = socket.create_connection(("127.0.0.1", port))
        head = ("POST %s/hubs/crm/bulk/contacts HTTP/1.1\r\nHost: x\r\n"
                "Authorization: %s\r\nContent-Type: %s\r\n"
                "Content-Length: 3000000\r\n\r\n" % (
                    h.API_BASE, self.head()["Authorization"],
                    self.head()["Content-Type"])).encode()
        part = multipart(b"email\r\n" + b"gone@stream.test\r\n" * 50000)
        s.sendall(head + part[:400000])
        self.wait_for(lambda: any(f.endswith(".part")
                                  for f in self.uploads_on_disk()),
                      "the upload file appears while the body streams")
        s.close()
        self.wait_for(lambda: self.uploads_on_disk() == [],
                      "the upload file is removed")
        self.assertEqual(self.upload_jobs(), before)
        r = self.call("GET", "/ping")
        self.assertIn(r.status, (200, 404), r)

    # --- downloads ---------------------------------------------------------------
    def test_large_result_json_and_csv(self):
        n = 3000
        recs = [{"id": str(700000 + i),
                 "properties": {"email": "big%05d@stream.test" % i,
                                "firstname": 'F,"%05d"' % i if i % 7 == 0 else "F%05d" % i,
                                "lastname": "Large"}} for i in range(n)]
        self.hub.sim_fixtures({"objects": {"contacts": recs}})
        r = self.call("POST", "/bulk/query",
                      query={"q": "select * from contacts where lastname = 'Large'"})
        self.assertEqual(r.status, 200, r)
        job = r.json()["id"]
        self.assertEqual(self.wait_status(job)["status"], "COMPLETED")
        r = self.call("GET", "/bulk/%d/contacts" % job)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "application/json")
        body = r.body
        self.assertGreater(len(body), 3 * 65536)  # several sealed chunks
        self.assertTrue(body.endswith(b"\n"))
        lines = body.split(b"\n")[:-1]
        self.assertEqual(len(lines), n)
        got = [json.loads(x) for x in lines]
        self.assertEqual(sorted(x["id"] for x in got),
                         list(range(700000, 700000 + n)))
        # compact, one object per line, as jansson's JSON_COMPACT writes it
        for x, raw in zip(got, lines):
            self.assertEqual(json.dumps(x, separators=(",", ":"),
                                        ensure_ascii=False).encode(), raw)
        # CSV: the columns in order of first appearance, every row
        r = self.call("GET", "/bulk/%d/contacts" % job,
                      headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Content-Type"), "text/csv")
        cols, flat = [], []
        for x in got:
            f = {}
            flatten(x, "", f)
            flat.append(f)
            for k in f:
                if k not in cols:
                    cols.append(k)
        want = ",".join(csv_value(c) for c in cols) + "\r\n"
        want += "".join(",".join(csv_value(f.get(c)) for c in cols) + "\r\n"
                        for f in flat)
        self.assertEqual(r.body, want.encode())

    def test_client_gone_mid_download(self):
        recs = [{"id": str(800000 + i),
                 "properties": {"email": "dl%05d@stream.test" % i,
                                "firstname": "D" * 200, "lastname": "Gone"}}
                for i in range(2000)]
        self.hub.sim_fixtures({"objects": {"contacts": recs}})
        r = self.call("POST", "/bulk/query",
                      query={"q": "select * from contacts where lastname = 'Gone'"})
        job = r.json()["id"]
        self.assertEqual(self.wait_status(job)["status"], "COMPLETED")
        base_fds = self.fds()
        port = int(self.hub.base.split(":")[2].split("/")[0])
        for accept in ("application/json", "text/csv"):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(("GET %s/hubs/crm/bulk/%d/contacts HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: %s\r\nAccept: %s\r\n\r\n" % (
                           h.API_BASE, job, self.head()["Authorization"],
                           accept)).encode())
            got = s.recv(4096)
            self.assertIn(b" 200 ", got.split(b"\r\n")[0])
            s.close()
        # the server closes the file and the connection; later calls work
        self.wait_for(lambda: self.fds() <= base_fds,
                      "file and socket released")
        r = self.call("GET", "/bulk/%d/contacts" % job)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.body.split(b"\n")) - 1, 2000)


class BulkOrphanSweep(unittest.TestCase):
    """The retention sweep (at start, then every 10 minutes) deletes upload
    files an hour old that no job names: a .part (an upload cut short by a
    crash) and a .bin without a job; it keeps a fresh .part and the .bin of
    a job that still needs it."""

    def test_sweep(self):
        flags = ("--bulk-lease-ms", "1500", "--bulk-jobs", "1")
        hub = hubutil.Hub(ed_flags=flags)
        try:
            inst = hub.instance(name="orphans")
            tok, org, iid = inst["token"], hub.acct["organizationId"], inst["id"]
            bulkdir = os.path.join(hub.tmp, "data", "bulk")
            hd = {"Authorization": "%s, Element %s" % (hub.platform, tok),
                  "Content-Type": "multipart/form-data; boundary=" + B}

            def up(email):
                r = h.request(hub.base, "POST", "/hubs/crm/bulk/contacts",
                              raw_body=multipart(b"email,lastname\r\n" +
                                                 email + b",Kept\r\n"),
                              headers=hd)
                self.assertEqual(r.status, 200, r)
                return r.json()["id"]
            # job 1 holds the only slot (its batch hangs at HubSpot), so
            # job 2 waits as CREATED with its file; then the node stops
            h.request(hub.sim.base, "POST", "/__sim/faults", body={
                "path_prefix": "/crm/v3/objects/contacts/batch", "status": 0,
                "count": 1, "delay_ms": 5000})
            up(b"first@stream.test")
            before = set(os.listdir(bulkdir))
            job = up(b"kept@stream.test")
            live = sorted(set(os.listdir(bulkdir)) - before)
            self.assertEqual(len(live), 1, live)
            self.assertTrue(live[0].startswith("upload-%d-%d-" % (org, iid)))
            self.assertEqual(hub.call(tok, "GET", "/bulk/%d/status" % job)
                             .json()["status"], "CREATED")
            hub.ed.stop()
            old = time.time() - 2 * 3600
            names = {"upload-%d-%d-aaaa.part" % (org, iid): False,
                     "upload-%d-%d-bbbb.bin" % (org, iid): False,
                     "upload-%d-%d-cccc.part" % (org, iid): True,
                     "upload-%d-999999-dddd.bin" % org: False,
                     "upload-notours.bin": True}
            for n in names:
                with open(os.path.join(bulkdir, n), "wb") as f:
                    f.write(b"x")
                if n != "upload-%d-%d-cccc.part" % (org, iid):
                    os.utime(os.path.join(bulkdir, n), (old, old))
            os.utime(os.path.join(bulkdir, live[0]), (old, old))
            h.request(hub.sim.base, "DELETE", "/__sim/faults")
            hub.ed = h.start_elementsd(
                os.path.join(hub.tmp, "data"), "--hubspot-app-url",
                hub.sim.base, "--hubspot-api-url", hub.sim.base, "--throttle",
                "0", "--search-throttle", "0", *flags)
            hub.base = hub.ed.base + h.API_BASE
            # job 2 starts after the sweep and reads its file: it was kept
            end = time.time() + 60
            while time.time() < end:
                st = hub.call(tok, "GET", "/bulk/%d/status" % job).json()
                if st["status"] not in ("CREATED", "RUNNING"):
                    break
                time.sleep(0.1)
            self.assertEqual(st["status"], "COMPLETED", json.dumps(st))
            self.assertEqual(st["recordsCount"], 1)
            left = set(os.listdir(bulkdir))
            for n, keep in names.items():
                self.assertEqual(n in left, keep, n)
        finally:
            rc, src, log = hub.stop()
        self.assertEqual(rc, 0, log)


class BulkStreamProgress(unittest.TestCase):
    """--read-timeout 1: a streamed upload that keeps sending is not cut by
    the whole-request limit; one that stops sending is dropped."""

    @classmethod
    def setUpClass(cls):
        cls.hub = hubutil.Hub(ed_flags=("--read-timeout", "1"))
        try:
            cls.tok = cls.hub.instance(name="progress")["token"]
        except Exception:
            cls.hub.stop()
            raise
        cls.bulkdir = os.path.join(cls.hub.tmp, "data", "bulk")

    @classmethod
    def tearDownClass(cls):
        rc, src, log = cls.hub.stop()
        assert rc == 0, "elementsd exited %s:\n%s" % (rc, log)
        assert src == 0, "hubspot-sim exited %s" % src

    def open_upload(self, length):
        port = int(self.hub.base.split(":")[2].split("/")[0])
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(("POST %s/hubs/crm/bulk/contacts HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: %s, Element %s\r\nContent-Type: "
                   "multipart/form-data; boundary=%s\r\n"
                   "Content-Length: %d\r\n\r\n" % (
                       h.API_BASE, self.hub.platform, self.tok, B,
                       length)).encode())
        return s

    def read_all(self, s):
        s.settimeout(60)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return out
            out += d
            if b"\r\n\r\n" in out and out.endswith(b"}"):
                return out

    def test_slow_but_steady_upload_is_not_cut(self):
        body = multipart(b"email\r\n" + b"".join(
            b"slow%04d@stream.test\r\n" % i for i in range(100)))
        s = self.open_upload(len(body))
        pieces = 8
        step = len(body) // pieces + 1
        for i in range(0, len(body), step):
            s.sendall(body[i:i + step])
            time.sleep(0.4)  # 8 x 0.4 s: well over the 1 s whole-request limit
        got = self.read_all(s)
        s.close()
        self.assertIn(b" 200 ", got.split(b"\r\n")[0], got)
        self.assertIn(b'"status":"CREATED"', got)

    def test_stalled_upload_is_dropped(self):
        body = multipart(b"email\r\n" + b"stall@stream.test\r\n" * 1000)
        s = self.open_upload(len(body))
        s.sendall(body[:len(body) // 2])
        s.settimeout(60)
        self.assertEqual(s.recv(4096), b"")  # shut down by the sweep
        s.close()
        end = time.time() + 30
        while time.time() < end and [
                f for f in os.listdir(self.bulkdir) if f.startswith("upload-")]:
            time.sleep(0.05)
        self.assertEqual([f for f in os.listdir(self.bulkdir)
                          if f.startswith("upload-")], [])


if __name__ == "__main__":
    unittest.main()
