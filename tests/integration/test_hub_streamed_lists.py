# SPDX-License-Identifier: MIT
"""Listings copied by the streaming reshaper (src/hub/paging.c, issue 14's
CPU figure): files, folders, marketing emails and forms as HubSpot sends
them, campaigns with `name` and workflows with `enabled` added in the same
pass, and property lists (hub_properties.c). Each listed record must equal
the record read alone (which goes through jansson), nulls must follow the
instance's filter.response.nulls, and paging must be the same."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

BOUNDARY = "streamedlistsb0undary"


def multipart(name, data):
    return (("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
             "filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n"
             % (BOUNDARY, name)).encode() + data + ("\r\n--%s--\r\n" % BOUNDARY).encode())


class Streamed(u.HubCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = u.Hub(cls.SIM_FLAGS)
        try:
            cls.inst = cls.hub.instance(element="hubspot", name="mkt")
            cls.keep = cls.hub.instance(element="hubspot", name="mkt-nulls",
                                        config={"filter.response.nulls": "false"})
        except Exception:
            cls.hub.stop()
            raise
        cls.tok = cls.inst["token"]

    def call(self, method, path, body=None, token=None, **kw):
        kw.setdefault("hub", "marketing")
        return self.hub.call(token or self.tok, method, path, body=body, **kw)

    def seed(self):
        for i in range(3):
            self.ok("POST", "/folders", {"name": "sf-%d" % i})
            self.ok("POST", "/workflows", {"name": "SW%d" % i, "type": "DRIP_DELAY",
                                           "enabled": i == 1})
            self.ok("POST", "/emails", {"name": "SE%d" % i})
            self.ok("POST", "/forms", {"name": "SF%d" % i, "formType": "hubspot"})
            hd = {"Authorization": "%s, Element %s" % (self.hub.platform, self.tok),
                  "Content-Type": "multipart/form-data; boundary=" + BOUNDARY}
            r = u.h.request(self.hub.base, "POST", "/hubs/marketing/files",
                            raw_body=multipart("s%d.txt" % i, b"x%d" % i), headers=hd,
                            query={"path": "/streamed/s%d.txt" % i})
            self.assertEqual(r.status, 200, r)

    def test_listing_equals_reads(self):
        self.seed()
        for res in ("files", "folders", "emails", "forms", "campaigns", "workflows"):
            r = self.ok("GET", "/" + res, query={"pageSize": 100})
            recs = r.json()
            self.assertGreaterEqual(len(recs), 3, res)
            self.assertEqual(r.header("Elements-Returned-Count"), str(len(recs)))
            for rec in recs:
                one = self.ok("GET", "/%s/%s" % (res, rec["id"])).json()
                if res == "workflows":  # HubSpot lists flow summaries
                    one = {k: v for k, v in one.items() if k in rec}
                self.assertEqual(rec, one, res)
        camps = self.ok("GET", "/campaigns").json()
        self.assertTrue(all(c["name"] == c["properties"]["hs_name"] for c in camps))
        flows = {w["name"]: w for w in self.ok("GET", "/workflows").json()}
        self.assertIs(flows["SW1"]["enabled"], True)
        self.assertIs(flows["SW0"]["enabled"], False)

    def test_nulls_follow_the_instance(self):
        # the sim answers campaign properties that are unset as null
        self.hub.sim_fixtures({"campaigns": [{
            "id": "7a000000-0000-4000-8000-000000000077",
            "properties": {"hs_name": "No \"dates\" \\ \u00e9t\u00e9 \\"},
            "nested": {"name": "not this one", "list": [{"x": "}"}, "]"]},
            "createdAt": "2026-01-05T09:00:00.000Z",
            "updatedAt": "2026-01-05T09:00:00.000Z"}]})
        dropped = self.ok("GET", "/campaigns").json()
        kept = self.ok("GET", "/campaigns", token=self.keep["token"]).json()
        self.assertFalse(any(v is None for c in dropped for v in c["properties"].values()))
        self.assertTrue(any(v is None for c in kept for v in c["properties"].values()))
        odd = [c for c in dropped if c["id"].endswith("77")][0]
        self.assertEqual(odd["name"], 'No "dates" \\ \u00e9t\u00e9 \\')
        self.assertEqual(odd["nested"]["name"], "not this one")
        for a, b in zip(dropped, kept):
            self.assertEqual(a["name"], b["name"])
            self.assertEqual(b, self.ok("GET", "/campaigns/" + b["id"],
                                        token=self.keep["token"]).json())

    def test_paging(self):
        self.seed()
        every = [w["id"] for w in self.ok("GET", "/workflows").json()]
        got, nxt = [], None
        while True:
            q = {"pageSize": 2}
            if nxt:
                q["nextPage"] = nxt
            r = self.ok("GET", "/workflows", query=q)
            got += [w["id"] for w in r.json()]
            nxt = r.header("Elements-Next-Page-Token")
            if not nxt:
                break
        self.assertEqual(got, every)
        page2 = self.ok("GET", "/campaigns", query={"pageSize": 1, "page": 2}).json()
        self.assertEqual(page2, self.ok("GET", "/campaigns").json()[1:2])

    def test_virtual_over_streamed(self):
        # a virtual resource over folders: records mapped in the stream
        for path, doc in (
                ("/organizations/objects/myFolder/definitions",
                 {"fields": [{"path": "id", "type": "string"},
                             {"path": "title", "type": "string"}]}),
                ("/organizations/elements/hubspot/transformations/myFolder",
                 {"vendorName": "folders", "fields": [
                     {"path": "id", "vendorPath": "id"},
                     {"path": "title", "vendorPath": "name"}]})):
            r = self.hub.platform_call("POST", path, doc)
            self.assertEqual(r.status, 200, r)
        self.seed()
        native = self.ok("GET", "/folders").json()
        mapped = self.ok("GET", "/myFolder").json()
        self.assertEqual(mapped, [{"id": f["id"], "title": f["name"]} for f in native])
        r = self.ok("GET", "/myFolder", query={"pageSize": 1})
        self.assertEqual(len(r.json()), 1)
        self.assertTrue(r.header("Elements-Next-Page-Token"))

    def test_properties_list(self):
        r = self.ok("GET", "/contacts/properties")
        props = r.json()
        self.assertEqual(r.header("Elements-Returned-Count"), str(len(props)))
        email = [p for p in props if p["name"] == "email"][0]
        self.assertEqual(email, self.ok("GET", "/contacts/properties/email").json())


if __name__ == "__main__":
    unittest.main()
