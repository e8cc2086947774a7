# SPDX-License-Identifier: MIT
"""Virtual data resources, the VDR v2 calls (src/api/api_vdrs.c) over real
HTTP: /common-resources and /vdrs as views over the documents the v1
routes store (each side sees what the other wrote), integer ids, the
transformations of a VDR by id, clone with and without transformations,
export -> delete -> import giving the same documents, import's 409 and
?overwrite=true, all or nothing (checked in the database), 400/404/409
bodies, another organization seeing nothing, and a v2-created VDR
answering on /hubs/crm/{objectName} against hubspot-sim."""
import copy
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402
from test_vdr_api import db_scalar  # noqa: E402

FIELDS = [{"path": "id", "type": "string"},
          {"path": "email", "type": "string"},
          {"path": "firstName", "type": "string"}]

TF = {"vendorName": "contacts",
      "fields": [{"path": "id", "type": "string", "vendorPath": "id"},
                 {"path": "email", "vendorPath": "properties.email"},
                 {"path": "firstName", "vendorPath": "properties.firstname"}],
      "configuration": [{"type": "passThrough",
                         "properties": {"fromVendor": False, "toVendor": False}}]}

TF_MKT = {"vendorName": "contacts",
          "fields": [{"path": "email", "vendorPath": "properties.email.value"}]}


def without(doc, *keys):
    d = copy.deepcopy(doc)
    for k in keys:
        d.pop(k, None)
    return d


class VdrV2(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = e = u.InstEnv("ed-vdr-v2-")
        cls.org = int(e.a["organizationId"])
        cls.inst = e.create(e.body_apikey(name="vdr2-crm"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    # --- helpers -------------------------------------------------------------

    def call(self, method, path, body=None, who="a", token=None, query=None):
        return self.env.api(method, path, body, who=who, token=token, query=query)

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, (r, self.env.ed_log()[-1500:]))
        return r.json() if r.body else None

    def err(self, r, status, *needles):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"}, body)
        self.assertEqual(body["requestId"], r.header("elements-request-id"))
        for n in needles:
            self.assertIn(n, body["message"])
        return body["message"]

    def count(self, table, where):
        return db_scalar(self.env.data, "SELECT COUNT(*) FROM %s WHERE org_id=%d AND %s"
                         % (table, self.org, where))

    def vdr(self, name, fields=FIELDS, **extra):
        body = dict({"objectName": name, "fields": fields}, **extra)
        return self.ok(self.call("POST", "/vdrs", body))

    def add_tf(self, vid, element="hubspotcrm", doc=TF):
        return self.ok(self.call("POST", "/vdrs/%d/transformations" % vid,
                                 dict(doc, elementKey=element)))

    # --- /common-resources ----------------------------------------------------

    def test_common_resources(self):
        got = self.ok(self.call("POST", "/common-resources",
                                {"name": "crOne", "fields": FIELDS}))
        self.assertEqual(got, {"name": "crOne", "fields": FIELDS, "elementKeys": [],
                               "level": "organization"})
        self.err(self.call("POST", "/common-resources",
                           {"name": "crOne", "fields": FIELDS}), 409, "crOne")
        self.err(self.call("POST", "/common-resources", {"fields": FIELDS}), 400, "name")
        self.err(self.call("POST", "/common-resources",
                           {"name": "bad name", "fields": FIELDS}), 400, "name:")
        self.err(self.call("POST", "/common-resources",
                           {"name": "crBad", "fields": [{"path": "a", "type": "integr"}]}),
                 400, "fields[0]", "integr")
        self.assertEqual(self.count("vdr_definitions", "name='crBad'"), 0)
        # v1 sees it, and v2 sees a v1 transformation
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/objects/crOne/definitions"))["fields"], FIELDS)
        self.ok(self.call("POST", "/organizations/elements/hubspotcrm/transformations/crOne",
                          TF))
        self.ok(self.call("POST", "/instances/%d/transformations/crOne" % self.inst["id"],
                          TF))
        one = self.ok(self.call("GET", "/common-resources/crOne"))
        self.assertEqual(one["elementKeys"], ["hubspotcrm"])
        self.assertIn(one, self.ok(self.call("GET", "/common-resources")))
        self.assertEqual(self.ok(self.call("GET", "/common-resources/crOne/usages")),
                         {"name": "crOne", "elements": ["hubspotcrm"],
                          "instances": [{"id": self.inst["id"],
                                         "elementKey": "hubspotcrm"}]})
        # PUT upserts: replaces this one, creates another
        more = FIELDS + [{"path": "phone", "type": "string"}]
        self.assertEqual(self.ok(self.call("PUT", "/common-resources/crOne",
                                           {"fields": more}))["fields"], more)
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/objects/crOne/definitions"))["fields"], more)
        self.assertEqual(self.ok(self.call("PUT", "/common-resources/crTwo",
                                           {"name": "crTwo", "fields": FIELDS}))["name"],
                         "crTwo")
        self.err(self.call("PUT", "/common-resources/crTwo",
                           {"name": "crOther", "fields": FIELDS}), 400, "name")
        # DELETE takes its organization-level transformations with it
        self.assertEqual(self.ok(self.call("DELETE", "/common-resources/crOne")), {})
        self.err(self.call("GET", "/organizations/objects/crOne/definitions"), 404)
        self.err(self.call("GET", "/organizations/elements/hubspotcrm/transformations/crOne"),
                 404)
        self.assertEqual(self.count("vdr_transformations",
                                    "name='crOne' AND level='organization'"), 0)
        self.err(self.call("DELETE", "/common-resources/crOne"), 404, "crOne")
        self.err(self.call("GET", "/common-resources/crOne"), 404, "crOne")
        self.err(self.call("GET", "/common-resources/crOne/usages"), 404, "crOne")
        self.ok(self.call("DELETE", "/instances/%d/transformations/crOne" % self.inst["id"]))
        self.ok(self.call("DELETE", "/common-resources/crTwo"))

    # --- /vdrs ----------------------------------------------------------------

    def test_vdr_crud(self):
        got = self.vdr("v2One", description="a contact")
        vid = got["id"]
        self.assertIsInstance(vid, int)
        self.assertEqual(got, {"id": vid, "objectName": "v2One", "fields": FIELDS,
                               "description": "a contact", "level": "organization"})
        self.assertEqual(self.count("vdr_definitions", "id=%d AND name='v2One'" % vid), 1)
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d" % vid)), got)
        self.assertIn(got, self.ok(self.call("GET", "/vdrs")))
        self.err(self.call("POST", "/vdrs", {"objectName": "v2One", "fields": FIELDS}),
                 409, "v2One")
        self.err(self.call("POST", "/vdrs", {"fields": FIELDS}), 400, "objectName")
        self.err(self.call("POST", "/vdrs", {"objectName": "ping", "fields": FIELDS}),
                 400, "objectName", "reserved")
        self.err(self.call("POST", "/vdrs", {"objectName": "v2Bad",
                                             "fields": [{"path": "a", "type": "string"},
                                                        {"path": "a", "type": "string"}]}),
                 400, "fields[1]")
        self.err(self.call("POST", "/vdrs", [1]), 400, "JSON object")
        more = FIELDS + [{"path": "phone", "type": "string"}]
        put = self.ok(self.call("PUT", "/vdrs/%d" % vid, {"objectName": "v2One",
                                                          "fields": more}))
        self.assertEqual(put, {"id": vid, "objectName": "v2One", "fields": more,
                               "level": "organization"})
        self.err(self.call("PUT", "/vdrs/%d" % vid, {"objectName": "v2Else",
                                                     "fields": more}), 400, "objectName")
        self.err(self.call("PUT", "/vdrs/%d" % vid, {"fields": "x"}), 400, "fields")
        # v1 sees v2's write, v2 sees v1's
        self.assertEqual(self.ok(self.call("GET", "/organizations/objects/v2One/definitions")),
                         {"fields": more, "level": "organization"})
        self.ok(self.call("PUT", "/organizations/objects/v2One/definitions",
                          {"fields": FIELDS}))
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d" % vid))["fields"], FIELDS)
        for bad in ("999999", "abc", "-1"):
            self.err(self.call("GET", "/vdrs/%s" % bad), 404, "No VDR")
        # an account-level definition of another name is not a VDR
        self.ok(self.call("POST", "/accounts/objects/v2Acct/definitions", {"fields": FIELDS}))
        acct = db_scalar(self.env.data, "SELECT id FROM vdr_definitions WHERE "
                         "name='v2Acct'")
        self.err(self.call("GET", "/vdrs/%d" % acct), 404)
        self.assertNotIn("v2Acct", [v["objectName"] for v in
                                    self.ok(self.call("GET", "/vdrs"))])
        self.ok(self.call("DELETE", "/accounts/objects/v2Acct/definitions"))
        self.assertEqual(self.ok(self.call("DELETE", "/vdrs/%d" % vid)), {})
        self.err(self.call("GET", "/vdrs/%d" % vid), 404)
        self.err(self.call("DELETE", "/vdrs/%d" % vid), 404)
        self.err(self.call("GET", "/organizations/objects/v2One/definitions"), 404)

    def test_vdr_transformations(self):
        vid = self.vdr("v2Tf")["id"]
        t = self.add_tf(vid)
        tid = t["id"]
        self.assertIsInstance(tid, int)
        self.assertEqual(t, dict(TF, id=tid, elementKey="hubspotcrm", level="organization"))
        self.err(self.call("POST", "/vdrs/%d/transformations" % vid,
                           dict(TF, elementKey="hubspotcrm")), 409, "v2Tf", "hubspotcrm")
        self.err(self.call("POST", "/vdrs/%d/transformations" % vid, TF), 400, "elementKey")
        self.err(self.call("POST", "/vdrs/%d/transformations" % vid,
                           dict(TF, elementKey="nosuch")), 400, "elementKey", "nosuch")
        bad = copy.deepcopy(TF)
        bad["fields"][1]["vendorPath"] = "properties..x"
        self.err(self.call("POST", "/vdrs/%d/transformations" % vid,
                           dict(bad, elementKey="hubspot")), 400, "vendorPath")
        self.assertEqual(self.count("vdr_transformations",
                                    "name='v2Tf' AND element_key='hubspot'"), 0)
        # v1 sees it; v2 sees v1's transformation of another element
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/elements/hubspotcrm/transformations/v2Tf")),
            dict(TF, level="organization"))
        self.ok(self.call("POST", "/organizations/elements/hubspot/transformations/v2Tf",
                          TF_MKT))
        lst = self.ok(self.call("GET", "/vdrs/%d/transformations" % vid))
        self.assertEqual([(x["elementKey"], x["vendorName"]) for x in lst],
                         [("hubspot", "contacts"), ("hubspotcrm", "contacts")])
        mkt = [x for x in lst if x["elementKey"] == "hubspot"][0]
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d/transformations/%d"
                                           % (vid, tid))), t)
        # PUT keeps the id; the element cannot change
        changed = dict(TF, fields=TF["fields"][:2])
        got = self.ok(self.call("PUT", "/vdrs/%d/transformations/%d" % (vid, tid), changed))
        self.assertEqual(got, dict(changed, id=tid, elementKey="hubspotcrm",
                                   level="organization"))
        self.err(self.call("PUT", "/vdrs/%d/transformations/%d" % (vid, tid),
                           dict(changed, elementKey="hubspot")), 400, "elementKey")
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/elements/hubspotcrm/transformations/v2Tf"))["fields"],
            changed["fields"])
        # a transformation of another VDR is not found through this one
        other = self.vdr("v2TfOther")["id"]
        self.err(self.call("GET", "/vdrs/%d/transformations/%d" % (other, tid)), 404)
        self.err(self.call("GET", "/vdrs/%d/transformations/x" % vid), 404)
        self.assertEqual(self.ok(self.call("DELETE", "/vdrs/%d/transformations/%d"
                                           % (vid, mkt["id"]))), {})
        self.err(self.call("GET", "/organizations/elements/hubspot/transformations/v2Tf"),
                 404)
        self.err(self.call("DELETE", "/vdrs/%d/transformations/%d" % (vid, mkt["id"])),
                 404)
        self.ok(self.call("DELETE", "/vdrs/%d" % vid))
        self.assertEqual(self.count("vdr_transformations", "name='v2Tf'"), 0)
        self.ok(self.call("DELETE", "/vdrs/%d" % other))

    def test_clone(self):
        src = self.vdr("v2Src", description="d")
        self.add_tf(src["id"])
        self.add_tf(src["id"], "hubspot", TF_MKT)
        bare = self.ok(self.call("POST", "/vdrs/%d/clone" % src["id"],
                                 {"objectName": "v2Bare"}))
        self.assertNotEqual(bare["id"], src["id"])
        self.assertEqual(without(bare, "id"), dict(without(src, "id"), objectName="v2Bare"))
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d/transformations" % bare["id"])),
                         [])
        full = self.ok(self.call("POST", "/vdrs/%d/clone" % src["id"],
                                 {"objectName": "v2Full"},
                                 query={"cloneAllTransformations": "true"}))
        self.assertEqual(without(full, "id"), dict(without(src, "id"), objectName="v2Full"))
        strip = lambda lst: [without(x, "id") for x in lst]  # noqa: E731
        a = self.ok(self.call("GET", "/vdrs/%d/transformations" % src["id"]))
        b = self.ok(self.call("GET", "/vdrs/%d/transformations" % full["id"]))
        self.assertEqual(strip(a), strip(b))
        self.assertEqual(len(b), 2)
        self.assertFalse({x["id"] for x in a} & {x["id"] for x in b})
        self.err(self.call("POST", "/vdrs/%d/clone" % src["id"], {"objectName": "v2Full"},
                           query={"cloneAllTransformations": "true"}), 409, "v2Full")
        self.err(self.call("POST", "/vdrs/%d/clone" % src["id"], {}), 400, "objectName")
        self.err(self.call("POST", "/vdrs/%d/clone" % src["id"], {"objectName": "v2X"},
                           query={"cloneAllTransformations": "yes"}), 400,
                 "cloneAllTransformations")
        self.err(self.call("POST", "/vdrs/999999/clone", {"objectName": "v2X"}), 404)
        # a clone whose name has a stray transformation: 409, nothing kept
        self.ok(self.call("POST", "/organizations/elements/hubspot/transformations/v2Stray",
                          TF_MKT))
        self.err(self.call("POST", "/vdrs/%d/clone" % src["id"], {"objectName": "v2Stray"},
                           query={"cloneAllTransformations": "true"}), 409, "v2Stray")
        self.assertEqual(self.count("vdr_definitions", "name='v2Stray'"), 0)
        self.assertEqual(self.count("vdr_transformations", "name='v2Stray'"), 1)
        self.ok(self.call("DELETE", "/organizations/elements/hubspot/transformations/v2Stray"))
        for v in (src, bare, full):
            self.ok(self.call("DELETE", "/vdrs/%d" % v["id"]))

    def test_export_delete_import(self):
        v = self.vdr("v2Exp", description="exported")
        t1 = self.add_tf(v["id"])
        self.add_tf(v["id"], "hubspot", TF_MKT)
        exp = self.ok(self.call("GET", "/vdrs/v2Exp/export"))
        self.assertEqual(exp, dict(without(v, "id"), transformations=[
            without(self.ok(self.call("GET", "/vdrs/%d/transformations" % v["id"]))[0], "id"),
            dict(TF, elementKey="hubspotcrm", level="organization")]))
        before_v1 = self.ok(self.call("GET", "/organizations/objects/v2Exp/transformations"))
        self.err(self.call("POST", "/vdrs/import", exp), 409, "v2Exp")
        self.ok(self.call("DELETE", "/vdrs/%d" % v["id"]))
        self.err(self.call("GET", "/vdrs/v2Exp/export"), 404, "v2Exp")
        got = self.ok(self.call("POST", "/vdrs/import", exp))
        self.assertEqual(without(got, "id", "transformations"), without(v, "id"))
        self.assertEqual(self.ok(self.call("GET", "/vdrs/v2Exp/export")), exp)
        self.assertEqual(self.ok(self.call("GET",
                                           "/organizations/objects/v2Exp/transformations")),
                         before_v1)
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d" % got["id"])),
                         without(got, "transformations"))
        # overwrite: the definition and the set of transformations replaced,
        # the same element keeps its id
        crm = [x for x in got["transformations"] if x["elementKey"] == "hubspotcrm"][0]
        new = dict(exp, description="again",
                   transformations=[dict(TF, elementKey="hubspotcrm",
                                         fields=TF["fields"][:1])])
        self.err(self.call("POST", "/vdrs/import", new), 409)
        self.err(self.call("POST", "/vdrs/import", new, query={"overwrite": "maybe"}), 400,
                 "overwrite")
        again = self.ok(self.call("POST", "/vdrs/import", new, query={"overwrite": "true"}))
        self.assertEqual(again["id"], got["id"])
        self.assertEqual(again["description"], "again")
        self.assertEqual([(x["id"], x["elementKey"], x["fields"])
                          for x in again["transformations"]],
                         [(crm["id"], "hubspotcrm", TF["fields"][:1])])
        self.err(self.call("GET", "/organizations/elements/hubspot/transformations/v2Exp"),
                 404)
        # all or nothing: a bad transformation keeps everything as it was
        defs, tfs = (self.count("vdr_definitions", "1=1"),
                     self.count("vdr_transformations", "1=1"))
        bad_tf = dict(TF, elementKey="hubspot", fields=[{"path": "a", "vendorPath": "x[["}])
        for body, needle in (
                (dict(exp, objectName="v2Imp", transformations=[
                    dict(TF, elementKey="hubspotcrm"), bad_tf]), "vendorPath"),
                (dict(exp, objectName="v2Imp", transformations=[
                    dict(TF, elementKey="hubspotcrm"), dict(TF, elementKey="hubspotcrm")]),
                 "transformations[1].elementKey"),
                (dict(exp, objectName="v2Imp", transformations=[dict(TF)]),
                 "transformations[0].elementKey"),
                (dict(exp, objectName="v2Imp", transformations={"hubspotcrm": TF}),
                 "transformations"),
                (dict(exp, objectName="v2Imp", fields=[{"path": "a", "type": "x"}]),
                 "fields[0]"),
                (without(exp, "objectName"), "objectName")):
            with self.subTest(needle=needle):
                self.err(self.call("POST", "/vdrs/import", body,
                                   query={"overwrite": "true"}), 400, needle)
        self.err(self.call("POST", "/vdrs/import", dict(new, transformations=[bad_tf]),
                           query={"overwrite": "true"}), 400, "vendorPath")
        self.assertEqual((self.count("vdr_definitions", "1=1"),
                          self.count("vdr_transformations", "1=1")), (defs, tfs))
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d" % got["id"]))["description"],
                         "again")
        self.assertNotEqual(t1["id"], None)
        self.ok(self.call("DELETE", "/vdrs/%d" % got["id"]))

    def test_another_organization_sees_nothing(self):
        v = self.vdr("v2Mine")
        t = self.add_tf(v["id"])
        self.ok(self.call("POST", "/common-resources", {"name": "crMine", "fields": FIELDS}))
        b = "b"
        self.assertEqual(self.ok(self.call("GET", "/vdrs", who=b)), [])
        self.assertEqual(self.ok(self.call("GET", "/common-resources", who=b)), [])
        for m, p, body in (
                ("GET", "/vdrs/%d" % v["id"], None),
                ("PUT", "/vdrs/%d" % v["id"], {"fields": FIELDS}),
                ("DELETE", "/vdrs/%d" % v["id"], None),
                ("GET", "/vdrs/%d/transformations" % v["id"], None),
                ("GET", "/vdrs/%d/transformations/%d" % (v["id"], t["id"]), None),
                ("DELETE", "/vdrs/%d/transformations/%d" % (v["id"], t["id"]), None),
                ("POST", "/vdrs/%d/clone" % v["id"], {"objectName": "v2Theirs"}),
                ("GET", "/vdrs/v2Mine/export", None),
                ("GET", "/common-resources/crMine", None),
                ("DELETE", "/common-resources/crMine", None),
                ("GET", "/common-resources/crMine/usages", None)):
            with self.subTest(method=m, path=p):
                self.err(self.call(m, p, body, who=b), 404)
        # the same name is free there
        theirs = self.ok(self.call("POST", "/vdrs", {"objectName": "v2Mine",
                                                     "fields": FIELDS}, who=b))
        self.assertNotEqual(theirs["id"], v["id"])
        self.assertEqual(self.ok(self.call("GET", "/vdrs/%d" % v["id"]))["fields"], FIELDS)
        self.err(self.call("GET", "/vdrs/%d" % theirs["id"]), 404)
        self.ok(self.call("DELETE", "/vdrs/%d" % theirs["id"], who=b))
        self.ok(self.call("DELETE", "/vdrs/%d" % v["id"]))
        self.ok(self.call("DELETE", "/common-resources/crMine"))

    def test_unauthenticated(self):
        r = u.h.request(self.env.base, "GET", "/vdrs")
        self.assertEqual(r.status, 401, r)

    # --- a hub call ----------------------------------------------------------

    def test_v2_vdr_answers_on_the_hub(self):
        v = self.vdr("v2Contact")
        self.add_tf(v["id"])
        tok = self.inst["token"]
        r = self.env.api("POST", "/hubs/crm/contacts",
                         {"properties": {"email": "v2@example.com", "firstname": "Vee"}},
                         token=tok)
        self.assertEqual(r.status, 200, r)
        cid = r.json()["id"]
        r = self.env.hub(tok, "/hubs/crm/v2Contact?pageSize=100")
        self.assertEqual(r.status, 200, (r, self.env.ed_log()[-1500:]))
        mine = [x for x in r.json() if x.get("email") == "v2@example.com"]
        self.assertEqual(mine, [{"id": cid, "email": "v2@example.com", "firstName": "Vee"}])
        self.ok(self.call("DELETE", "/vdrs/%d" % v["id"]))
        r = self.env.hub(tok, "/hubs/crm/v2Contact?pageSize=1")
        self.assertNotEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
