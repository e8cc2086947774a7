# SPDX-License-Identifier: MIT
"""Bulk completion callbacks (issue 13, spec elements-api.md §6.3,
docs/api/bulk.md "Completion callbacks") against hubspot-sim: a job that
ends queues one callback in the events outbox, to Elements-Async-Callback-Url
or else the instance's event.notification.callback.url, signed like events
(Elements-Webhook-Signature), with the job's status, instanceId, elementKey
and the metaData's callback-payload; the header URL wins over the
instance's; a failing receiver is retried (the deliveries list shows it)
and the job's status is untouched; no URL, no delivery row; a job that ends
again after a restart (its node died before writing the final status) is
not announced twice. Runs on SQLite and (label pg) PostgreSQL."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402
from test_events_outbox import Receiver, db_query, signature  # noqa: E402
from test_bulk_upload import multipart, B  # noqa: E402

h = hubutil.h
HEX24 = re.compile(r"^[0-9a-f]{24}$")
ED_FLAGS = ("--bulk-lease-ms", "1500", "--event-retry-unit-us", "10",
            "--event-delivery-timeout-ms", "1500")
KEY = "bulk-s3cret"


def db_exec(data, sql):
    """Run a write on the store (elementsd stopped)."""
    url = h.db_url(data)
    if url is None:
        import sqlite3
        con = sqlite3.connect(os.path.join(data, "elementsd.db"), timeout=10)
        try:
            con.execute(sql)
            con.commit()
        finally:
            con.close()
        return
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
                        "-d", url, "-c", sql], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)


class BulkCallbacks(hubutil.ClassHub):
    ED_FLAGS = ED_FLAGS

    @classmethod
    def make_instances(cls):
        cls.receivers = []
        cls.data = os.path.join(cls.hub.tmp, "data")

    @classmethod
    def tearDownClass(cls):
        for r in cls.receivers:
            r.close()
        super().tearDownClass()

    # --- helpers ---------------------------------------------------------------
    def receiver(self, mode="ok"):
        r = Receiver(mode)
        self.receivers.append(r)
        return r

    def instance(self, name, url=None, key=None):
        cfg = {}
        if url is not None:
            cfg["event.notification.callback.url"] = url
        if key is not None:
            cfg["event.notification.signature.key"] = key
        return self.hub.instance(config=cfg, name=name)

    def call(self, inst, method, path, body=None, **kw):
        return self.hub.call(inst["token"], method, path, body=body, **kw)

    def seed(self, inst, tag, n):
        for i in range(n):
            r = self.call(inst, "POST", "/contacts", {
                "properties": {"email": "%s%d@cb.test" % (tag, i),
                               "lastname": tag}})
            self.assertEqual(r.status, 200, r)

    def query(self, inst, tag, headers=None, body=None):
        r = self.call(inst, "POST", "/bulk/query", body=body, headers=headers,
                      query={"q": "select * from contacts where lastname = '%s'" % tag})
        self.assertEqual(r.status, 200, r)
        return r.json()["id"]

    def wait(self, inst, job, timeout=120):
        def status():
            r = self.call(inst, "GET", "/bulk/%d/status" % job)
            self.assertEqual(r.status, 200, r)
            return r.json()
        return self.wait_until(status, lambda s: s["status"] in hubutil.BULK_FINISHED,
                               "job %d finishing" % job, timeout, period=0.05)

    def rows(self, inst):
        return db_query(self.data,
                        "SELECT event_id, status, attempts, source, url, body "
                        "FROM event_deliveries WHERE instance_id=%d ORDER BY id"
                        % inst["id"])

    def wait_rows(self, inst, pred, timeout=30):
        end = time.time() + timeout
        rs = None
        while time.time() < end:
            rs = self.rows(inst)
            if pred(rs):
                return rs
            time.sleep(0.05)
        self.fail("rows never matched: %r\n%s" % (rs, self.log()))

    def wait_got(self, rec, n=1, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if len(rec.requests()) >= n:
                return rec.requests()
            time.sleep(0.05)
        self.fail("receiver got %d of %d\n%s" % (len(rec.requests()), n, self.log()))

    def log(self):
        with open(self.hub.ed.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]

    def restart(self):
        self.assertEqual(self.hub.ed.stop(), 0)
        self.hub.ed = h.start_elementsd(
            self.data, "--hubspot-app-url", self.hub.sim.base, "--hubspot-api-url",
            self.hub.sim.base, "--throttle", "0", "--search-throttle", "0",
            *ED_FLAGS)
        self.hub.base = self.hub.ed.base + h.API_BASE

    # --- tests -----------------------------------------------------------------
    def test_signed_callback_once_with_status_body(self):
        rec = self.receiver()
        inst = self.instance("cb-signed", url=rec.url, key=KEY)
        self.seed(inst, "signed", 3)
        job = self.query(inst, "signed",
                         body={"metaData": {"callback-payload": {"batch": 7, "who": "me"}}})
        st = self.wait(inst, job)
        self.assertEqual(st["status"], "COMPLETED")
        got = self.wait_got(rec)[0]
        hd = got["headers"]
        self.assertEqual(got["path"], "/cb")
        self.assertTrue(hd["content-type"].startswith("application/json"))
        self.assertEqual(hd["elements-webhook-signature"], signature(KEY, got["body"]))
        self.assertRegex(hd["elements-webhook-id"], HEX24)
        body = json.loads(got["body"])
        self.assertEqual(body["id"], job)
        self.assertEqual(body["status"], "COMPLETED")
        self.assertEqual(body["objectName"], "contacts")
        self.assertEqual(body["recordsCount"], 3)
        self.assertEqual(body["recordsFailedCount"], 0)
        self.assertEqual(body["instanceId"], inst["id"])
        self.assertEqual(body["elementKey"], "hubspotcrm")
        self.assertEqual(body["callback-payload"], {"batch": 7, "who": "me"})
        # the status fields are exactly GET /bulk/{id}/status's
        for k, v in st.items():
            self.assertEqual(body[k], v, k)
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], hd["elements-webhook-id"])
        self.assertEqual(rows[0][3], "bulk")
        self.assertEqual(rows[0][5].encode(), got["body"])
        self.assertEqual(len(rec.requests()), 1)

    def test_header_url_wins_over_instance_url(self):
        inst_rec, hdr_rec = self.receiver(), self.receiver()
        inst = self.instance("cb-header", url=inst_rec.url)
        self.seed(inst, "hdr", 1)
        job = self.query(inst, "hdr",
                         headers={"Elements-Async-Callback-Url": hdr_rec.url + "?j=1"})
        self.assertEqual(self.wait(inst, job)["status"], "COMPLETED")
        got = self.wait_got(hdr_rec)[0]
        self.assertEqual(got["path"], "/cb?j=1")
        self.assertNotIn("elements-webhook-signature", got["headers"])  # no key
        self.assertEqual(json.loads(got["body"])["id"], job)
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][4], hdr_rec.url + "?j=1")
        self.assertEqual(inst_rec.requests(), [])
        # an upload, header only (no instance URL), with metaData's payload
        rec = self.receiver()
        plain = self.instance("cb-upload")
        csv = b"email,lastname\r\nup1@cb.test,up\r\nnot-an-email,up\r\n"
        hd = {"Authorization": "%s, Element %s" % (self.hub.platform, plain["token"]),
              "Content-Type": "multipart/form-data; boundary=" + B,
              "Elements-Async-Callback-Url": rec.url}
        r = h.request(self.hub.base, "POST", "/hubs/crm/bulk/contacts",
                      raw_body=multipart(csv, {"callback-payload": "p-1"}), headers=hd)
        self.assertEqual(r.status, 200, r)
        up = r.json()["id"]
        st = self.wait(plain, up)
        body = json.loads(self.wait_got(rec)[0]["body"])
        self.assertEqual(body["id"], up)
        self.assertEqual(body["status"], "COMPLETED")
        self.assertEqual(body["recordsCount"], st["recordsCount"])
        self.assertEqual(body["recordsFailedCount"], st["recordsFailedCount"])
        self.assertEqual(body["recordsCount"] + body["recordsFailedCount"], 2)
        self.assertEqual(body["callback-payload"], "p-1")
        self.assertEqual(body["instanceId"], plain["id"])

    def test_failing_receiver_retried_job_unaffected(self):
        rec = self.receiver("fail2")
        inst = self.instance("cb-retry", url=rec.url, key=KEY)
        self.seed(inst, "retry", 2)
        job = self.query(inst, "retry")
        st = self.wait(inst, job)
        self.assertEqual(st["status"], "COMPLETED")
        self.assertNotIn("message", st)
        rows = self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][2], "3")
        got = rec.requests()
        self.assertEqual(len(got), 3)
        self.assertEqual({g["headers"]["elements-webhook-id"] for g in got}, {rows[0][0]})
        self.assertEqual({g["body"] for g in got}, {got[0]["body"]})
        # the deliveries list shows it (platform call)
        r = h.request(self.hub.base, "GET", "/notifications/subscriptions/deliveries",
                      query={"where": "instanceId=%d" % inst["id"]},
                      headers={"Authorization": self.hub.platform})
        self.assertEqual(r.status, 200, r)
        listed = r.json()
        self.assertEqual([d["id"] for d in listed], [rows[0][0]])
        self.assertEqual(listed[0]["attempts"], 3)
        self.assertEqual(listed[0]["config"]["url"], rec.url)
        self.assertEqual(listed[0]["payload"]["id"], job)
        # the job's own status is what it was
        r = self.call(inst, "GET", "/bulk/%d/status" % job)
        self.assertEqual(r.json(), st)

    def test_no_url_no_delivery(self):
        inst = self.instance("cb-none")
        self.seed(inst, "none", 1)
        job = self.query(inst, "none")
        self.assertEqual(self.wait(inst, job)["status"], "COMPLETED")
        self.assertEqual(self.rows(inst), [])

    def test_zz_ended_again_after_restart_announced_once(self):
        rec = self.receiver()
        inst = self.instance("cb-restart", url=rec.url)
        self.seed(inst, "again", 2)
        job = self.query(inst, "again")
        self.assertEqual(self.wait(inst, job)["status"], "COMPLETED")
        self.wait_rows(inst, lambda rs: rs and rs[0][1] == "delivered")
        # as if the node had died after queuing the callback and before
        # writing the final status: the job is runnable again
        self.hub.ed.stop()
        db_exec(self.data, "UPDATE bulk_jobs SET status='RUNNING', claimed_by='', "
                "lease_until=0, finished_at=0, checkpoint='{}', records_count=0 "
                "WHERE id=%d" % job)
        self.restart()
        self.assertEqual(self.wait(inst, job)["status"], "COMPLETED")
        self.assertIn("job=%d status=COMPLETED" % job, self.log())
        rows = self.rows(inst)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(len(rec.requests()), 1)


if __name__ == "__main__":
    unittest.main()
