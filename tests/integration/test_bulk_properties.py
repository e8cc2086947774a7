# SPDX-License-Identifier: MIT
"""create.bulk.properties (issue 13, docs/api/bulk.md "Creating
properties") against hubspot-sim: with it true, an upload first makes in
HubSpot the properties its records name and the portal lacks, in the group
elementsd_bulk (made when missing), number when every value of the first
batch is a plain number, else string; the rows then land with their values
and the job status lists createdProperties. Off (the default), the rows
fail with HubSpot's message and nothing is created."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil  # noqa: E402
from test_bulk_upload import multipart, B  # noqa: E402

h = hubutil.h
CSV = (b"email,lastname,Favorite_Color,shoe_size,zip_code\r\n"
       b"p1@props.test,props,teal,42,01234\r\n"
       b"p2@props.test,props,,41.5,99999\r\n")


class BulkProperties(hubutil.ClassHub):
    ED_FLAGS = ("--bulk-lease-ms", "1500")

    @classmethod
    def make_instances(cls):
        cls.on = cls.hub.instance(name="props-on",
                                  config={"create.bulk.properties": "true"})
        cls.off = cls.hub.instance(name="props-off")

    def upload(self, inst, data):
        hd = {"Authorization": "%s, Element %s" % (self.hub.platform, inst["token"]),
              "Content-Type": "multipart/form-data; boundary=" + B}
        r = h.request(self.hub.base, "POST", "/hubs/crm/bulk/contacts",
                      raw_body=multipart(data), headers=hd)
        self.assertEqual(r.status, 200, r)
        job = r.json()["id"]

        def status():
            r = self.hub.call(inst["token"], "GET", "/bulk/%d/status" % job)
            self.assertEqual(r.status, 200, r)
            return r.json()
        return job, self.wait_until(status,
                                    lambda s: s["status"] in hubutil.BULK_FINISHED,
                                    "job %d finishing" % job, period=0.05)

    def sim(self, method, path):
        return h.request(self.hub.sim.base, method, path,
                         headers={"Authorization": "Bearer " + hubutil.API_KEY})

    def test_on_creates_missing_properties(self):
        job, st = self.upload(self.on, CSV)
        self.assertEqual(st["status"], "COMPLETED", st)
        self.assertEqual((st["recordsCount"], st["recordsFailedCount"]), (2, 0), st)
        self.assertEqual(sorted(st["createdProperties"]),
                         ["favorite_color", "shoe_size", "zip_code"])
        groups = self.hub.sim_seen("/crm/v3/properties/contacts/groups", "POST")
        self.assertEqual(len(groups), 1)
        self.assertEqual(json.loads(groups[0]["body"])["name"], "elementsd_bulk")
        made = {json.loads(x["body"])["name"]: json.loads(x["body"])
                for x in self.hub.sim_seen("/crm/v3/properties/contacts", "POST")
                if x["path"] == "/crm/v3/properties/contacts"}
        self.assertEqual(sorted(made), ["favorite_color", "shoe_size", "zip_code"])
        self.assertEqual(made["shoe_size"]["type"], "number")
        self.assertEqual(made["favorite_color"]["type"], "string")
        self.assertEqual(made["zip_code"]["type"], "string")  # a leading zero
        for m in made.values():
            self.assertEqual(m["groupName"], "elementsd_bulk")
        r = self.sim("GET", "/crm/v3/properties/contacts/shoe_size")
        self.assertEqual(r.status, 200, r)
        # the values landed
        r = self.sim("GET", "/crm/v3/objects/contacts/p1@props.test?idProperty=email"
                     "&properties=favorite_color,shoe_size,zip_code")
        self.assertEqual(r.status, 200, r)
        p = r.json()["properties"]
        self.assertEqual((p["favorite_color"], p["shoe_size"], p["zip_code"]),
                         ("teal", "42", "01234"))
        # a second upload finds them: nothing more is created
        self.hub.sim_clear()
        job, st = self.upload(self.on, CSV.replace(b"@props", b"@props2"))
        self.assertEqual(st["createdProperties"], [])
        self.assertEqual(self.hub.sim_seen("/crm/v3/properties/contacts", "POST"), [])

    def test_off_rows_fail_as_hubspot_says(self):
        job, st = self.upload(self.off, CSV)
        self.assertEqual(st["status"], "COMPLETED", st)
        self.assertEqual((st["recordsCount"], st["recordsFailedCount"]), (0, 2), st)
        self.assertNotIn("createdProperties", st)
        self.assertEqual(self.hub.sim_seen("/crm/v3/properties/contacts", "POST"), [])
        r = self.hub.call(self.off["token"], "GET", "/bulk/%d/errors" % job)
        errs = r.json()
        self.assertEqual([e["row"] for e in errs], [1, 2])
        self.assertIn("does not exist", errs[0]["message"])


if __name__ == "__main__":
    unittest.main()
