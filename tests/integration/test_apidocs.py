# SPDX-License-Identifier: MIT
"""API documents (src/apidocs/, docs/api/apidocs.md): element, hub and
instance documents, Swagger 2.0 and OpenAPI 3.1, validated by
@apidevtools/swagger-parser (tests/browser/validate-openapi.mjs), the
instance's live properties and virtual resources, and the cache."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import hubutil as u

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(HERE, "..", "browser")

# every operation the CRM hub answers (docs/hub-api.md, api/hub-resources.md)
EXPECTED = [
    ("get", "/ping"), ("get", "/objects"), ("get", "/objects/{objectName}/metadata"),
    ("get", "/contacts"), ("post", "/contacts"), ("get", "/contacts/{id}"),
    ("patch", "/contacts/{id}"), ("put", "/contacts/{id}"), ("delete", "/contacts/{id}"),
    ("get", "/contacts/{id}/activities"), ("get", "/contacts/properties"),
    ("get", "/contacts/properties/{name}"),
    ("get", "/accounts"), ("get", "/accounts/{id}/activities"),
    ("get", "/opportunities/{id}"), ("get", "/leads"), ("get", "/companies"),
    ("get", "/deals"), ("get", "/tickets"), ("get", "/activities"),
    ("put", "/activities/{id}"), ("get", "/owners"), ("get", "/owners/{id}"),
    ("get", "/pipelines"), ("delete", "/pipelines/{id}"),
    ("get", "/timeline-event-types"), ("post", "/timeline-event-types/{id}/events"),
    ("get", "/timeline-event-types/{id}/events/{eventId}"),
    ("delete", "/timeline-event-types/{id}/properties/{name}"),
]


def validate(*docs):
    """Validate documents with swagger-parser; returns [(ok, error)]."""
    script = os.path.join(BROWSER, "validate-openapi.mjs")
    if not os.path.isdir(os.path.join(BROWSER, "node_modules", "@apidevtools")):
        raise AssertionError("swagger-parser missing: run scripts/browser-deps.sh")
    tmp = tempfile.mkdtemp(prefix="ed-docs-")
    try:
        files = []
        for i, d in enumerate(docs):
            p = os.path.join(tmp, "doc%d.json" % i)
            with open(p, "w") as f:
                json.dump(d, f)
            files.append(p)
        out = subprocess.run(["node", script] + files, cwd=BROWSER,
                             capture_output=True, text=True, timeout=120)
        lines = [json.loads(x) for x in out.stdout.splitlines() if x.strip()]
        assert len(lines) == len(docs), out.stderr
        return [(x["ok"], x.get("error")) for x in lines]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class DocsCase(u.HubCase):
    def platform(self, method, path, **kw):
        return u.h.request(self.hub.base, method, path,
                           headers=dict({"Authorization": self.hub.platform},
                                        **kw.pop("headers", {})), **kw)

    def sim_property(self, name, label, obj="contacts", description=""):
        r = u.h.request(self.hub.sim.base, "POST", "/crm/v3/properties/" + obj,
                        body={"name": name, "label": label, "type": "string",
                              "description": description,
                              "fieldType": "text", "groupName": "contactinformation"},
                        headers={"Authorization": "Bearer " + u.API_KEY})
        self.assertIn(r.status, (200, 201), r)

    def assert_valid(self, *docs):
        for ok, err in validate(*docs):
            self.assertTrue(ok, err)


class ElementDocs(DocsCase):
    def test_element_swagger_lists_every_resource_and_validates(self):
        r = self.platform("GET", "/elements/hubspotcrm/docs")
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual(d["swagger"], "2.0")
        self.assertEqual(d["basePath"], "/elements/api-v2")
        for m, p in EXPECTED:
            self.assertIn(m, d["paths"].get("/hubs/crm" + p, {}), (m, p))
        lst = d["paths"]["/hubs/crm/contacts"]["get"]
        names = [x.get("$ref", "").rsplit("/", 1)[-1] for x in lst["parameters"]]
        for q in ("where", "pageSize", "page", "nextPage", "orderBy",
                  "ElementsAsyncRequest"):
            self.assertIn(q, names)
        self.assertIn("Elements-Next-Page-Token", lst["responses"]["200"]["headers"])
        self.assertEqual(lst["responses"]["404"], {"$ref": "#/responses/Error"})
        self.assertEqual(set(d["definitions"]["Error"]["properties"]),
                         {"requestId", "message", "providerMessage"})
        post = d["paths"]["/hubs/crm/contacts"]["post"]
        body = [x for x in post["parameters"] if x.get("in") == "body"][0]
        self.assertEqual(body["schema"], {"$ref": "#/definitions/ContactsInput"})
        self.assert_valid(d)

    def test_marketing_element_and_hub_documents(self):
        r = self.platform("GET", "/elements/hubspot/docs")
        self.assertEqual(r.status, 200, r)
        self.assertIn("/hubs/marketing/contacts", r.json()["paths"])
        # Marketing-only resources: in the Marketing element's document, not
        # in the CRM element's (the element definitions' object catalogues)
        for res in ("files", "folders", "forms", "campaigns", "workflows"):
            self.assertIn("/hubs/marketing/" + res, r.json()["paths"])
        c = self.platform("GET", "/elements/hubspotcrm/docs")
        for res in ("files", "folders", "forms", "campaigns", "workflows"):
            self.assertNotIn("/hubs/crm/" + res, c.json()["paths"])
        self.assertIn("/hubs/crm/lists", c.json()["paths"])
        # /emails: marketing emails on the Marketing element (its catalogue's
        # fields), CRM email engagements on the CRM element
        md, cd = r.json(), c.json()
        mk = md["paths"]["/hubs/marketing/emails"]["get"]
        self.assertEqual(mk["summary"], "HubSpot marketing-emails")
        self.assertNotIn("where", [p.get("name") for p in mk.get("parameters", [])])
        self.assertIn("subject", md["definitions"]["Emails"]["properties"])
        self.assertNotIn("id", md["definitions"]["EmailsInput"]["properties"])
        self.assertIn("subject", md["definitions"]["EmailsInput"]["properties"])
        self.assertEqual(cd["paths"]["/hubs/crm/emails"]["get"]["summary"], "HubSpot emails")
        lists = md["definitions"]["Lists"]["properties"]
        self.assertEqual(lists["size"], {"type": "number"})
        self.assertEqual(lists["filters"]["type"], "array")
        h = self.platform("GET", "/docs/crm")
        self.assertEqual(h.status, 200, h)
        self.assertIn("/hubs/crm/owners/{id}", h.json()["paths"])
        self.assert_valid(r.json(), h.json())

    def test_openapi_by_query_or_accept(self):
        a = self.platform("GET", "/elements/hubspotcrm/docs", query={"format": "openapi"})
        b = self.platform("GET", "/docs/crm",
                          headers={"Accept": "application/vnd.oai.openapi+json"})
        for r in (a, b):
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["openapi"], "3.1.0")
        d = a.json()
        post = d["paths"]["/hubs/crm/contacts"]["post"]
        self.assertEqual(post["requestBody"]["content"]["application/json"]["schema"],
                         {"$ref": "#/components/schemas/ContactsInput"})
        self.assertNotIn("definitions", json.dumps(d).replace("#/components", ""))
        self.assert_valid(a.json(), b.json())

    def test_errors(self):
        r = self.platform("GET", "/elements/hubspotcrm/docs", query={"format": "yaml"})
        self.assert_error(r, 400, "format")
        self.assert_error(self.platform("GET", "/docs/nohub"), 404, "nohub")
        self.assert_error(self.platform("GET", "/elements/nosuch/docs"), 404)
        self.assert_error(self.platform("GET", "/instances/999999/docs"), 404)
        r = u.h.request(self.hub.base, "GET", "/docs/crm")
        self.assertEqual(r.status, 401, r)


class InstanceDocs(DocsCase):
    def test_live_properties_cache_and_invalidation(self):
        self.sim_property("favourite_colour", "<b>Favourite</b> colour",
                          description="[see](javascript:x) <i>*this*</i>")
        path = "/instances/%s/docs" % self.inst["id"]
        r = self.platform("GET", path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("Elements-Docs-Cache"), "miss")
        d = r.json()
        props = d["definitions"]["Contacts"]["properties"]["properties"]["properties"]
        self.assertEqual(props["favourite_colour"]["title"], "<b>Favourite</b> colour")
        # descriptions are CommonMark: HubSpot's text is escaped to stay text
        self.assertEqual(props["favourite_colour"]["description"],
                         r"\[see\]\(javascript\:x\) \<i\>\*this\*\<\/i\>")
        self.assertIn("email", props)
        inp = d["definitions"]["ContactsInput"]["properties"]["properties"]["properties"]
        self.assertIn("favourite_colour", inp)
        self.assertIn("name", d["definitions"]["Accounts"]["properties"]["properties"]["properties"])
        for obj in ("contacts", "companies", "deals"):
            self.assertEqual(len(self.seen("/crm/v3/properties/" + obj, "GET")), 1, obj)
        self.assert_valid(d)
        # cached: no HubSpot call
        self.hub.sim_clear()
        r = self.platform("GET", path)
        self.assertEqual(r.header("Elements-Docs-Cache"), "hit")
        self.assertEqual(self.seen("/crm/v3/properties", "GET"), [])
        self.assertEqual(r.json(), d)
        # by token, same document
        r = u.base_call(self.hub, self.tok, "GET", "/instances/docs")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), d)
        # a property write through the hub ends the cached document
        self.call("POST", "/contacts/properties",
                  {"name": "x_y", "label": "XY", "type": "string", "fieldType": "text",
                   "groupName": "contactinformation"})
        self.sim_property("second_prop", "Second")
        r = self.platform("GET", path)
        self.assertEqual(r.header("Elements-Docs-Cache"), "miss")
        props = r.json()["definitions"]["Contacts"]["properties"]["properties"]["properties"]
        self.assertIn("second_prop", props)

    def test_openapi_instance_and_virtual_resources(self):
        r = self.hub.platform_call(
            "POST", "/instances/%s/transformations/myThing" % self.inst["id"],
            {"vendorName": "contacts", "fields": [
                {"path": "id", "type": "string", "vendorPath": "id"},
                {"path": "mail", "type": "string", "vendorPath": "properties.email"},
                {"path": "name.first", "type": "string",
                 "vendorPath": "properties.firstname"}]})
        self.assertEqual(r.status, 200, r)
        r = self.platform("GET", "/instances/%s/docs" % self.inst["id"],
                          query={"format": "openapi"})
        self.assertEqual(r.status, 200, r)
        d = r.json()
        self.assertEqual(d["openapi"], "3.1.0")
        self.assertIn("/hubs/crm/myThing/{id}", d["paths"])
        v = d["components"]["schemas"]["VMyThing"]["properties"]
        self.assertEqual(v["mail"]["x-vendorPath"], "properties.email")
        self.assertIn("first", v["name"]["properties"])
        self.assert_valid(d)

    def test_hubspot_error_is_passed_on(self):
        u.sim_fault(self.hub, "/crm/v3/properties/companies", status=403)
        r = self.platform("GET", "/instances/%s/docs" % self.inst["id"],
                          query={"format": "swagger"})
        self.assertEqual(r.status, 403, r)
        self.assertIn("requestId", r.json())


if __name__ == "__main__":
    unittest.main()
