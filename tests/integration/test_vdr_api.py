# SPDX-License-Identifier: MIT
"""Virtual data resources (issue 12), the platform routes over real HTTP:
object definitions and transformations at organization, account and
instance level (by id and by Element token), rename, the element and bulk
calls, the §7.2 example documents round trip, 400/404/409 bodies, nothing
half-saved after a refused multi-document write, an instance's documents
deleted with it (checked in the database), isolation between
organizations, platform routes winning over the hub catch-all, and, on
PostgreSQL, a write on one node seen by another."""
import copy
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

h = u.h

DEFINITION = {"fields": [{"path": "id", "type": "string"},
                         {"path": "email", "type": "string"},
                         {"path": "name", "type": "string"}],
              "level": "organization"}

TRANSFORMATION = {
    "level": "organization",
    "vendorName": "contacts",
    "fields": [
        {"path": "id", "type": "string", "vendorPath": "vid"},
        {"path": "email", "type": "string", "vendorPath": "properties.email"},
        {"path": "signedUp", "type": "date", "vendorPath": "properties.createdate",
         "vendorType": "date",
         "configuration": [{"type": "transformDate",
                            "properties": {"pattern": "yyyy-MM-dd"}}]},
        {"path": "internalNote", "vendorPath": "properties.notes",
         "configuration": [{"type": "remove",
                            "properties": {"fromVendor": True, "toVendor": True}}]},
    ],
    "configuration": [{"type": "passThrough",
                       "properties": {"fromVendor": False, "toVendor": False}},
                      {"type": "inherit",
                       "properties": {"fromVendor": True, "toVendor": True}},
                      {"type": "addToDocumentation"}],
    "script": {"body": "transformedObject.source = 'hubspot'; done(transformedObject);",
               "mimeType": "application/javascript", "filterEmptyResponse": False},
    "isLegacy": False,
}


def at(doc, level):
    d = copy.deepcopy(doc)
    d["level"] = level
    return d


def simple_tf(vendor="contacts", path="email", vendor_path="properties.email"):
    return {"vendorName": vendor,
            "fields": [{"path": path, "type": "string", "vendorPath": vendor_path}]}


def db_scalar(data_dir, sql):
    """One number from DATA_DIR's store (either backend); sql is ours."""
    url = h.db_url(data_dir)
    if url is None:
        import sqlite3
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(data_dir, "elementsd.db"),
                              uri=True, timeout=10)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-A", "-t", "-v",
                        "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s" % r.stderr)
    return int(r.stdout.strip())


class VdrApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = e = u.InstEnv("ed-vdr-api-")
        cls.org = int(e.a["organizationId"])
        cls.inst = e.create(e.body_apikey(name="vdr-crm"))
        cls.other = e.create(e.body_apikey(name="vdr-bob"), who="b")

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    # --- helpers -------------------------------------------------------------

    def call(self, method, path, body=None, who="a", token=None, query=None,
             raw_body=None):
        return self.env.api(method, path, body, who=who, token=token, query=query,
                            raw_body=raw_body)

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
        return db_scalar(self.env.data, "SELECT COUNT(*) FROM %s WHERE %s" % (table, where))

    # --- definitions ---------------------------------------------------------

    def test_definition_crud_and_example_round_trip(self):
        p = "/organizations/objects/vdrContact/definitions"
        self.assertEqual(self.ok(self.call("POST", p, DEFINITION)), DEFINITION)
        self.assertEqual(self.ok(self.call("GET", p)), DEFINITION)
        self.err(self.call("POST", p, DEFINITION), 409, "vdrContact", "already exists")
        changed = {"fields": DEFINITION["fields"] + [{"path": "phone", "type": "string"}]}
        self.assertEqual(self.ok(self.call("PUT", p, changed)),
                         at(changed, "organization"))
        self.assertIn("vdrContact",
                      self.ok(self.call("GET", "/organizations/objects/definitions")))
        self.err(self.call("PUT", "/organizations/objects/vdrNope/definitions", changed),
                 404, "vdrNope")
        self.assertEqual(self.ok(self.call("DELETE", p)), {})
        self.err(self.call("DELETE", p), 404, "vdrContact")
        self.err(self.call("GET", p), 404, "No definition named vdrContact")

    def test_level_is_the_routes(self):
        body = at(DEFINITION, "instance")
        got = self.ok(self.call("POST", "/accounts/objects/vdrLevel/definitions", body))
        self.assertEqual(got["level"], "account")
        self.assertEqual(self.ok(self.call(
            "GET", "/accounts/%d/objects/vdrLevel/definitions" % self.org))["level"],
            "account")
        self.ok(self.call("DELETE", "/accounts/objects/vdrLevel/definitions"))

    def test_definition_map_all_or_nothing(self):
        p = "/accounts/%d/objects/definitions" % self.org
        self.assertEqual(self.ok(self.call("GET", p)), {})
        two = {"vdrA": DEFINITION, "vdrB": {"fields": [{"path": "x", "type": "number"}]}}
        got = self.ok(self.call("POST", p, two))
        self.assertEqual(sorted(got), ["vdrA", "vdrB"])
        self.assertEqual(got["vdrB"]["level"], "account")
        before = self.count("vdr_definitions", "org_id=%d" % self.org)
        # the second exists: the first is not kept
        self.err(self.call("POST", p, {"vdrC": DEFINITION, "vdrB": DEFINITION}), 409,
                 "vdrB")
        # an invalid one: a 400 naming it, nothing kept
        bad = {"vdrD": DEFINITION,
               "vdrE": {"fields": [{"path": "a", "type": "integr"}]}}
        self.err(self.call("POST", p, bad), 400, "vdrE", "fields[0]", "integr")
        self.assertEqual(self.count("vdr_definitions", "org_id=%d" % self.org), before)
        self.assertEqual(sorted(self.ok(self.call("GET", "/accounts/objects/definitions"))),
                         ["vdrA", "vdrB"])
        self.err(self.call("POST", p, {}), 400)
        self.assertEqual(self.ok(self.call("DELETE", "/accounts/objects/definitions")), {})
        self.assertEqual(self.ok(self.call("GET", p)), {})

    def test_account_of_another_id(self):
        for path in ("/accounts/%d/objects/definitions" % (self.org + 1000),
                     "/accounts/x/objects/vdrA/definitions",
                     "/accounts/%d/elements/hubspotcrm/transformations/vdrA" % (self.org + 1)):
            with self.subTest(path=path):
                self.err(self.call("GET", path), 404, "No account found")

    def test_bad_documents_and_names(self):
        p = "/organizations/objects/%s/definitions"
        cases = [
            ("vdrBad", {"fields": [{"path": "a", "type": "integr"}]}, "fields[0] (path 'a'): unknown type"),
            ("vdrBad", {"fields": "no"}, "fields"),
            ("vdrBad", {"fields": [{"path": "a", "type": "string"},
                                   {"path": "a", "type": "string"}]}, "fields[1]"),
            ("ping", DEFINITION, "reserved"),
            ("objects", DEFINITION, "reserved"),
            ("bad%20name", DEFINITION, "letters, digits"),
            ("x" * 101, DEFINITION, "1 to 100"),
            ("vdrBig", dict(DEFINITION, note="x" * (300 * 1024)), "256 KiB"),
        ]
        for name, doc, needle in cases:
            with self.subTest(name=name[:20], needle=needle):
                self.err(self.call("POST", p % name, doc), 400, needle)
        self.err(self.call("POST", p % "vdrBad", [1]), 400, "JSON object")
        self.err(self.call("POST", p % "vdrBad"), 400, "JSON object")
        self.assertEqual(self.count("vdr_definitions", "name='vdrBad' OR name='vdrBig'"), 0)

    def test_per_owner_limit(self):
        p = "/instances/%d/objects/definitions" % self.inst["id"]
        small = {"fields": [{"path": "a", "type": "string"}]}
        self.err(self.call("POST", p, {"vdrL%d" % i: small for i in range(501)}), 400,
                 "at most 500")
        self.ok(self.call("POST", p, {"vdrL%d" % i: small for i in range(500)}))
        self.err(self.call("POST", "/instances/%d/objects/vdrL500/definitions"
                           % self.inst["id"], small), 400, "at most 500")
        self.ok(self.call("DELETE", p))
        self.assertEqual(self.ok(self.call("GET", p)), {})

    def test_rename(self):
        self.ok(self.call("POST", "/organizations/objects/vdrOld/definitions", DEFINITION))
        self.ok(self.call("POST", "/organizations/objects/vdrTaken/definitions", DEFINITION))
        self.ok(self.call("POST", "/organizations/elements/hubspotcrm/transformations/vdrOld",
                          simple_tf()))
        self.err(self.call("PATCH", "/organizations/objects/vdrOld",
                           {"objectName": "vdrTaken"}), 409, "vdrTaken")
        self.err(self.call("PATCH", "/organizations/objects/vdrGhost",
                           {"objectName": "vdrNew"}), 404, "vdrGhost")
        self.err(self.call("PATCH", "/organizations/objects/vdrOld",
                           {"objectName": "bulk"}), 400, "reserved")
        self.err(self.call("PATCH", "/organizations/objects/vdrOld", {"name": "x"}), 400,
                 "objectName")
        got = self.ok(self.call("PATCH", "/organizations/objects/vdrOld",
                                {"objectName": "vdrNew"}))
        self.assertEqual(got, DEFINITION)
        self.err(self.call("GET", "/organizations/objects/vdrOld/definitions"), 404)
        self.ok(self.call("GET", "/organizations/objects/vdrNew/definitions"))
        # its transformation went with it
        self.ok(self.call("GET", "/organizations/elements/hubspotcrm/transformations/vdrNew"))
        self.err(self.call("GET", "/organizations/elements/hubspotcrm/transformations/vdrOld"),
                 404)
        for n in ("vdrNew", "vdrTaken"):
            self.ok(self.call("DELETE", "/organizations/objects/%s/definitions" % n))
        self.ok(self.call("DELETE", "/organizations/elements/hubspotcrm/transformations/vdrNew"))

    # --- transformations -------------------------------------------------------

    def test_transformation_crud_and_example_round_trip(self):
        base = "/organizations/elements/hubspotcrm/transformations"
        p = base + "/vdrContact"
        self.assertEqual(self.ok(self.call("POST", p, TRANSFORMATION)), TRANSFORMATION)
        self.assertEqual(self.ok(self.call("GET", p)), TRANSFORMATION)
        self.err(self.call("POST", p, TRANSFORMATION), 409, "vdrContact")
        self.assertEqual(self.ok(self.call("GET", base)), {"vdrContact": TRANSFORMATION})
        self.assertEqual(self.ok(self.call("GET", "/elements/hubspotcrm/transformations")),
                         {"vdrContact": TRANSFORMATION})
        self.assertEqual(self.ok(self.call("GET", "/organizations/elements/hubspot/"
                                           "transformations")), {})
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/objects/vdrContact/transformations")),
            {"hubspotcrm": TRANSFORMATION})
        # by element id: stored under its key
        el = self.ok(self.call("GET", "/elements/hubspot"))
        self.ok(self.call("POST", "/organizations/elements/%s/transformations/vdrContact"
                          % el["id"], simple_tf()))
        self.assertEqual(sorted(self.ok(self.call(
            "GET", "/organizations/objects/vdrContact/transformations"))),
            ["hubspot", "hubspotcrm"])
        self.err(self.call("GET", "/organizations/elements/nosuch/transformations"), 404,
                 "nosuch")
        self.err(self.call("POST", base + "/vdrBad", {"fields": []}), 400, "vendorName")
        self.err(self.call("POST", base + "/vdrBad",
                           simple_tf(vendor_path="properties..x")), 400, "vendorPath")
        self.err(self.call("PUT", base + "/vdrAbsent", simple_tf()), 404, "vdrAbsent")
        self.assertEqual(self.ok(self.call("PUT", p, simple_tf()))["level"], "organization")
        self.assertEqual(self.ok(self.call("DELETE", p)), {})
        self.err(self.call("DELETE", p), 404)
        self.assertEqual(self.ok(self.call("DELETE", "/organizations/elements/hubspot/"
                                           "transformations")), {})
        self.assertEqual(self.ok(self.call(
            "GET", "/organizations/objects/vdrContact/transformations")), {})

    def test_account_transformations(self):
        p = "/accounts/elements/hubspotcrm/transformations/vdrAcct"
        got = self.ok(self.call("POST", p, at(simple_tf(), "organization")))
        self.assertEqual(got["level"], "account")
        q = "/accounts/%d/elements/hubspotcrm/transformations" % self.org
        self.assertEqual(self.ok(self.call("GET", q)), {"vdrAcct": got})
        self.ok(self.call("PUT", q + "/vdrAcct", simple_tf(path="mail")))
        self.assertEqual(self.ok(self.call("GET", p))["fields"][0]["path"], "mail")
        # not an organization-level document
        self.assertEqual(self.ok(self.call("GET", "/elements/hubspotcrm/transformations")
                                 ).get("vdrAcct"), None)
        self.ok(self.call("DELETE", q + "/vdrAcct"))
        self.assertEqual(self.ok(self.call("GET", q)), {})

    def test_bulk_put(self):
        body = {"hubspotcrm": {"vdrBulk1": simple_tf(), "vdrBulk2": simple_tf()},
                "hubspot": {"vdrBulk1": simple_tf()}}
        got = self.ok(self.call("PUT", "/transformations", body))
        self.assertEqual(sorted(got), ["hubspot", "hubspotcrm"])
        self.assertEqual(got["hubspot"]["vdrBulk1"]["level"], "organization")
        # upsert: again is fine
        self.ok(self.call("PUT", "/transformations", body))
        before = self.count("vdr_transformations", "name LIKE 'vdrBulk%'")
        self.assertEqual(before, 3)
        # one bad document: nothing written
        bad = {"hubspotcrm": {"vdrBulk3": simple_tf(),
                              "vdrBulk1": {"vendorName": "contacts",
                                           "fields": [{"path": "a", "type": "nope"}]}}}
        self.err(self.call("PUT", "/transformations", bad), 400, "vdrBulk1")
        self.err(self.call("PUT", "/transformations", {"nosuch": {"x": simple_tf()}}),
                 400, "nosuch")
        self.err(self.call("PUT", "/transformations", {"hubspot": []}), 400, "hubspot")
        self.assertEqual(self.count("vdr_transformations", "name LIKE 'vdrBulk%'"), before)
        for el in ("hubspot", "hubspotcrm"):
            self.ok(self.call("DELETE", "/organizations/elements/%s/transformations" % el))

    # --- instance levels -------------------------------------------------------

    def test_instance_levels_by_id_and_token(self):
        iid, tok = self.inst["id"], self.inst["token"]
        p = "/instances/%d/objects/vdrInst/definitions" % iid
        self.assertEqual(self.ok(self.call("POST", p, DEFINITION))["level"], "instance")
        # the token names the same instance
        self.assertEqual(self.ok(self.call("GET", "/instances/objects/vdrInst/definitions",
                                           token=tok))["level"], "instance")
        self.assertIn("vdrInst", self.ok(self.call(
            "GET", "/instances/objects/definitions", token=tok)))
        self.err(self.call("GET", "/instances/objects/definitions"), 400, "Element")
        t = "/instances/%d/transformations/vdrInst" % iid
        self.assertEqual(self.ok(self.call("POST", t, simple_tf()))["level"], "instance")
        self.assertEqual(list(self.ok(self.call("GET", "/instances/transformations",
                                                token=tok))), ["vdrInst"])
        self.ok(self.call("PUT", "/instances/transformations/vdrInst",
                          simple_tf(path="e2"), token=tok))
        self.assertEqual(self.ok(self.call("GET", t))["fields"][0]["path"], "e2")
        # stored under the instance's element
        self.assertEqual(self.count("vdr_transformations",
                                    "level='instance' AND owner_id=%d AND "
                                    "element_key='hubspotcrm'" % iid), 1)
        self.assertEqual(self.ok(self.call("DELETE", "/instances/%d/transformations" % iid,
                                           query={"propagate": "true"})), {})
        self.assertEqual(self.ok(self.call("GET", "/instances/%d/transformations" % iid)), {})
        self.ok(self.call("DELETE", "/instances/objects/vdrInst/definitions", token=tok))
        self.err(self.call("GET", "/instances/999999/transformations"), 404,
                 "No element instance found")

    def test_instance_delete_removes_its_documents(self):
        e = self.env
        inst = e.create(e.body_apikey(name="vdr-doomed"))
        iid = inst["id"]
        self.ok(self.call("POST", "/instances/%d/objects/vdrGone/definitions" % iid,
                          DEFINITION))
        self.ok(self.call("POST", "/instances/%d/transformations/vdrGone" % iid,
                          simple_tf()))
        self.ok(self.call("POST", "/organizations/objects/vdrStays/definitions", DEFINITION))
        mine = "level='instance' AND owner_id=%d" % iid
        self.assertEqual(self.count("vdr_definitions", mine), 1)
        self.assertEqual(self.count("vdr_transformations", mine), 1)
        self.ok(self.call("DELETE", "/instances/%d" % iid))
        self.assertEqual(self.count("vdr_definitions", mine), 0)
        self.assertEqual(self.count("vdr_transformations", mine), 0)
        self.assertEqual(self.count("vdr_definitions", "name='vdrStays'"), 1)
        self.ok(self.call("DELETE", "/organizations/objects/vdrStays/definitions"))

    def test_other_organization_sees_nothing(self):
        self.ok(self.call("POST", "/organizations/objects/vdrMine/definitions", DEFINITION))
        self.ok(self.call("POST", "/instances/%d/transformations/vdrMine" % self.inst["id"],
                          simple_tf()))
        self.assertNotIn("vdrMine", self.ok(self.call(
            "GET", "/organizations/objects/definitions", who="b")))
        self.err(self.call("GET", "/organizations/objects/vdrMine/definitions", who="b"), 404)
        self.err(self.call("GET", "/instances/%d/transformations" % self.inst["id"],
                           who="b"), 404)
        self.err(self.call("GET", "/accounts/%d/objects/definitions" % self.org, who="b"),
                 404)
        # B's own document of the same name is B's
        self.ok(self.call("POST", "/organizations/objects/vdrMine/definitions",
                          {"fields": [{"path": "b", "type": "string"}]}, who="b"))
        self.assertEqual(self.ok(self.call("GET", "/organizations/objects/vdrMine/"
                                           "definitions"))["fields"], DEFINITION["fields"])
        # B's token is refused on A's token routes
        self.err(self.call("GET", "/instances/transformations", token=self.other["token"]),
                 401)
        for who in ("a", "b"):
            self.ok(self.call("DELETE", "/organizations/objects/vdrMine/definitions", who=who))
        self.ok(self.call("DELETE", "/instances/%d/transformations/vdrMine" % self.inst["id"]))

    # --- routing ----------------------------------------------------------------

    def test_platform_routes_win_over_hub(self):
        e, tok = self.env, self.inst["token"]
        e.clear_requests()
        self.assertEqual(self.ok(self.call("GET", "/accounts/%d/objects/definitions"
                                           % self.org, token=tok)), {})
        self.assertEqual(self.ok(self.call(
            "GET", "/accounts/%d/elements/hubspotcrm/transformations" % self.org,
            token=tok)), {})
        self.assertEqual(self.ok(self.call("GET", "/accounts/objects/definitions",
                                           token=tok)), {})
        self.assertEqual(e.requests(), [])
        # /accounts and /accounts/{id} with a token stay the hub resource
        r = self.call("GET", "/accounts", token=tok, query={"pageSize": "1"})
        self.assertEqual(r.status, 200, r)
        self.assertIsInstance(r.json(), list)
        self.assertTrue(e.requests("/crm/v3/objects/companies"))
        e.clear_requests()
        r = self.call("GET", "/accounts/%d" % self.org, token=tok)
        self.assertTrue(e.requests("/crm/v3/objects/companies"), r)

    # --- several nodes ------------------------------------------------------------

    @unittest.skipUnless(h.db_backend() == "postgresql", "several nodes need PostgreSQL")
    def test_write_on_one_node_seen_on_another(self):
        e = self.env
        node = h.start_elementsd(e.data, "--hubspot-app-url", e.sim.base,
                                 "--hubspot-api-url", e.sim.base)
        try:
            base = node.base + h.API_BASE
            p = "/organizations/objects/vdrNodes/definitions"
            self.ok(self.call("POST", p, DEFINITION))
            r = h.request(base, "GET", p, headers=e.auth())
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json(), DEFINITION)
            r = h.request(base, "DELETE", p, headers=e.auth())
            self.assertEqual(r.status, 200, r)
            self.err(self.call("GET", p), 404)
        finally:
            self.assertEqual(node.stop(), 0)


if __name__ == "__main__":
    unittest.main()
