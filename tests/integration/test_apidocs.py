# SPDX-License-Identifier: MIT
"""API documents (src/apidocs/, docs/api/apidocs.md): element, hub and
instance documents, Swagger 2.0 and OpenAPI 3.1, validated by
@apidevtools/swagger-parser (tests/browser/validate-openapi.mjs), the
instance's live properties and virtual resources, and the cache."""
import json
import os
import re
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
        self.assertEqual(mk["summary"], "HubSpot marketing emails")
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


# calls the issue names (issue 14, BRIEF "API docs"): each must be in the
# element's document ("*": both elements; "hubspot": the Marketing element)
KNOWN = [
    ("*", "get", "/contacts/{id}/accounts"), ("*", "post", "/contacts/{id}/accounts"),
    ("*", "put", "/contacts/{id}/accounts/{childId}"),
    ("*", "delete", "/contacts/{id}/accounts/{childId}"),
    ("*", "get", "/accounts/{id}/contacts"), ("*", "post", "/accounts/{id}/contacts"),
    ("*", "get", "/opportunities/{id}/contacts"),
    ("*", "get", "/opportunities/{id}/accounts"),
    ("*", "delete", "/opportunities/{id}/contacts/{childId}"),
    ("*", "get", "/tickets/{id}/contacts"), ("*", "get", "/contacts/{id}/tickets"),
    ("*", "get", "/contacts/{id}/notes"), ("*", "put", "/accounts/{id}/tasks/{childId}"),
    ("*", "get", "/opportunities/{id}/meetings"), ("*", "get", "/tickets/{id}/calls"),
    ("*", "post", "/contacts/properties"), ("*", "patch", "/contacts/properties/{name}"),
    ("*", "put", "/contacts/properties/{name}"), ("*", "delete", "/contacts/properties/{name}"),
    ("*", "get", "/contacts/propertygroups"), ("*", "post", "/contacts/propertygroups"),
    ("*", "get", "/contacts/propertygroups/{name}"),
    ("*", "patch", "/contacts/propertygroups/{name}"),
    ("*", "delete", "/contacts/propertygroups/{name}"),
    ("*", "post", "/accounts/properties"), ("*", "delete", "/accounts/properties/{name}"),
    ("*", "get", "/accounts/propertygroups"), ("*", "put", "/accounts/propertygroups/{name}"),
    ("*", "get", "/opportunities/propertygroups"),
    ("*", "get", "/lists"), ("*", "post", "/lists"), ("*", "put", "/lists/{id}"),
    ("*", "get", "/lists/{id}/contacts"), ("*", "post", "/lists/{id}/contacts"),
    ("*", "post", "/bulk/query"), ("*", "post", "/bulk/{objectName}"),
    ("*", "get", "/bulk/jobs"), ("*", "get", "/bulk/{id}/status"),
    ("*", "get", "/bulk/{id}/errors"), ("*", "put", "/bulk/{id}/cancel"),
    ("*", "get", "/bulk/{id}/{objectName}"), ("*", "post", "/bulk/workflows"),
    ("*", "get", "/bulk/workflows/{id}"), ("*", "delete", "/bulk/workflows/{id}"),
    ("hubspot", "get", "/campaigns"), ("hubspot", "get", "/campaigns/{id}"),
    ("hubspot", "get", "/campaigns/{id}/activities"),
    ("hubspot", "get", "/campaigns/{id}/activities/{activityId}"),
    ("hubspot", "post", "/files"), ("hubspot", "get", "/files/{id}"),
    ("hubspot", "patch", "/files/{id}/archive"),
    ("hubspot", "delete", "/files/cdn/files/{id}"),
    ("hubspot", "get", "/folders"), ("hubspot", "patch", "/folders/{id}"),
    ("hubspot", "post", "/workflows"), ("hubspot", "delete", "/workflows/{id}"),
    ("hubspot", "get", "/emails"), ("hubspot", "patch", "/emails/{id}"),
    ("hubspot", "put", "/forms/{id}"),
]
# what the documents must not list: the hub answers these 404/405
ABSENT = [
    ("hubspot", "post", "/campaigns"), ("hubspot", "patch", "/campaigns/{id}"),
    ("hubspot", "delete", "/campaigns/{id}"), ("hubspot", "patch", "/workflows/{id}"),
    ("hubspot", "put", "/workflows/{id}"), ("hubspot", "put", "/emails/{id}"),
    ("hubspot", "put", "/files/{id}"), ("hubspot", "put", "/folders/{id}"),
    ("*", "put", "/owners/{id}"),
]
# the hub's own "no such resource" / "no such method" answers
NO_RESOURCE = re.compile(r"^(No resource|Use |Method not allowed)")
FILL = {"id": "101", "childId": "202", "objectName": "contacts", "name": "email",
        "eventId": "1", "activityId": "1", "created": "1"}


def element_keys(el):
    return ("hubspot", "hubspotcrm") if el == "*" else (el,)


class Coverage(DocsCase):
    """The documents against the hub itself: every listed operation is
    answered (no phantom call), and every call the issue names is listed."""

    CONFIG = {"hubspot.timeline.app.id": "123"}  # so timeline calls get that far

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mtok = cls.hub.instance(cls.CONFIG, element="hubspot", name="mkt")["token"]

    def doc(self, key):
        r = self.platform("GET", "/elements/%s/docs" % key)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def minimal(self, d, schema, depth=0):
        """A minimal value of a schema of the document (its required members)."""
        while "$ref" in schema and depth < 8:
            schema = d["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
            depth += 1
        t = schema.get("type")
        if t == "array":
            return [self.minimal(d, schema.get("items", {}), depth + 1)]
        if t == "object" or "properties" in schema:
            props = schema.get("properties", {})
            return {k: self.minimal(d, props.get(k, {}), depth + 1)
                    for k in schema.get("required", [])}
        return {"integer": 1, "number": 1, "boolean": True}.get(t, "x")

    def request_of(self, d, method, path, op):
        """The request an operation of document d describes, filled in."""
        hub = path.split("/")[2]
        rel = re.sub(r"\{(\w+)\}", lambda m: FILL.get(m.group(1), "1"),
                     path[len("/hubs/" + hub):])
        query, body, raw, headers = {}, None, None, {}
        for p in op.get("parameters", []):
            if "$ref" in p:
                continue
            if p["in"] == "query" and p.get("required"):
                query[p["name"]] = FILL.get(p["name"], "1")
            elif p["in"] == "body":
                body = self.minimal(d, p["schema"])
        if "multipart/form-data" in op.get("consumes", []):
            from test_bulk_upload import multipart, B
            raw = multipart(b'{"email":"a@example.com"}\n', filename="a.json")
            headers["Content-Type"] = "multipart/form-data; boundary=" + B
        return hub, rel, query, body, raw, headers

    def test_no_phantom_calls(self):
        toks = {"hubspotcrm": self.tok, "hubspot": self.mtok}
        bad, n, statuses = [], 0, {}
        for key in ("hubspotcrm", "hubspot"):
            d = self.doc(key)
            for path, item in sorted(d["paths"].items()):
                for method, op in sorted(item.items()):
                    hub, rel, query, body, raw, hd = self.request_of(d, method, path, op)
                    hd["Authorization"] = "%s, Element %s" % (self.hub.platform, toks[key])
                    r = u.h.request(self.hub.base, method.upper(), "/hubs/%s%s" % (hub, rel),
                                    body=body, raw_body=raw, headers=hd, query=query)
                    n += 1
                    statuses[r.status] = statuses.get(r.status, 0) + 1
                    msg = ""
                    if r.status in (401, 403):
                        # HubSpot's refusal (timeline types want a developer
                        # key), never elementsd's door
                        self.assertIn("providerMessage", r.json(), (path, r))
                    if r.status in (404, 405):
                        try:
                            msg = r.json().get("message", "")
                        except ValueError:
                            msg = "(not JSON)"
                    if r.status == 405 or (r.status == 404 and NO_RESOURCE.match(msg)):
                        bad.append((key, method.upper(), path, r.status, msg))
        self.assertGreater(n, 200)
        self.assertEqual(bad, [])
        # the calls got through to the resources (not stopped at the door)
        self.assertGreater(statuses.get(200, 0), 50, statuses)
        print("coverage: %d calls, statuses %s" % (n, sorted(statuses.items())))

    def test_known_calls_listed(self):
        docs = {k: self.doc(k) for k in ("hubspot", "hubspotcrm")}
        hubs = {"hubspot": "marketing", "hubspotcrm": "crm"}
        missing, extra = [], []
        for el, m, p in KNOWN:
            for key in element_keys(el):
                if m not in docs[key]["paths"].get("/hubs/%s%s" % (hubs[key], p), {}):
                    missing.append((key, m, p))
        for el, m, p in ABSENT:
            for key in element_keys(el):
                if m in docs[key]["paths"].get("/hubs/%s%s" % (hubs[key], p), {}):
                    extra.append((key, m, p))
        self.assertEqual(missing, [])
        self.assertEqual(extra, [])
        # files: a multipart upload (Swagger 2.0 formData of type file)
        up = docs["hubspot"]["paths"]["/hubs/marketing/files"]["post"]
        self.assertEqual(up["consumes"], ["multipart/form-data"])
        ps = {p.get("name"): p for p in up["parameters"]}
        self.assertEqual((ps["file"]["in"], ps["file"]["type"]), ("formData", "file"))
        self.assertEqual(ps["path"]["in"], "query")
        # list membership: the body of §4.8
        mem = docs["hubspot"]["paths"]["/hubs/marketing/lists/{id}/contacts"]["post"]
        body = [p for p in mem["parameters"] if p.get("in") == "body"][0]["schema"]
        self.assertEqual(body, {"$ref": "#/definitions/ListMembersInput"})
        body = docs["hubspot"]["definitions"]["ListMembersInput"]
        self.assertEqual(body["type"], "array")
        self.assertIn("vid", body["items"]["properties"])
        self.assertIn("email", body["items"]["properties"]["properties"]["properties"])
        # campaign activities take where
        act = docs["hubspot"]["paths"]["/hubs/marketing/campaigns/{id}/activities"]["get"]
        self.assertIn("#/parameters/where", [p.get("$ref") for p in act["parameters"]])
        self.assert_valid(*docs.values())
        for key in docs:
            r = self.platform("GET", "/elements/%s/docs" % key, query={"format": "openapi"})
            self.assertEqual(r.status, 200, r)
            self.assert_valid(r.json())


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
