# SPDX-License-Identifier: MIT
"""HubSpot Marketing (`hubspot`, hub marketing) files, folders, marketing
emails and forms (src/hub/hub_files.c, src/hub/hub_marketing.c) over real
HTTP against hubspot-sim's files v3 and marketing v3 APIs (sim/files.c,
sim/marketing.c): each test checks the Cloud Elements answer and what the
sim received."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402
import harness as h  # noqa: E402

BOUNDARY = "xYzBoundary42"


def multipart(parts):
    """parts: (name, filename or None, content type or None, bytes)."""
    out = b""
    for name, fn, ct, data in parts:
        out += b"--" + BOUNDARY.encode() + b"\r\n"
        disp = 'form-data; name="%s"' % name
        if fn:
            disp += '; filename="%s"' % fn
        out += b"Content-Disposition: " + disp.encode() + b"\r\n"
        if ct:
            out += b"Content-Type: " + ct.encode() + b"\r\n"
        out += b"\r\n" + data + b"\r\n"
    return out + b"--" + BOUNDARY.encode() + b"--\r\n"


class Marketing(u.HubCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.mtok = cls.hub.instance(element="hubspot", name="mkt")["token"]

    def mcall(self, method, path, body=None, **kw):
        return self.hub.call(self.mtok, method, path, body=body,
                             hub="marketing", **kw)

    def mok(self, method, path, body=None, **kw):
        r = self.mcall(method, path, body, **kw)
        self.assertEqual(r.status, 200, (method, path, r))
        return r

    def upload(self, path, data=b"hello, files\x00\x01\xff", parts=None,
               query=None):
        q = {"path": path} if path is not None else {}
        q.update(query or {})
        body = multipart(parts if parts is not None else
                         [("file", "local.txt", "text/plain", data)])
        hd = {"Authorization": "%s, Element %s" % (self.hub.platform, self.mtok),
              "Content-Type": "multipart/form-data; boundary=" + BOUNDARY}
        return h.request(self.hub.base, "POST", "/hubs/marketing/files",
                         raw_body=body, headers=hd, query=q)


class Files(Marketing):
    def test_upload_read_patch_archive_delete(self):
        data = b"hello, files\x00\x01\xff" * 3
        r = self.upload("/docs/2024/report.txt", data)
        self.assertEqual(r.status, 200, r)
        f = r.json()
        self.assertEqual((f["name"], f["extension"], f["path"]),
                         ("report", "txt", "/docs/2024/report.txt"))
        self.assertEqual(f["size"], len(data))
        self.assertEqual(f["access"], "PUBLIC_INDEXABLE")
        self.assertTrue(f["url"].endswith("/docs/2024/report.txt"), f)
        # what HubSpot received: its multipart upload, the bytes intact
        sent = self.seen_one("/files/v3/files", "POST")
        self.assertTrue(sent["headers"]["content-type"].startswith(
            "multipart/form-data; boundary="))
        b = sent["body"]
        self.assertIn('name="folderPath"\r\n\r\n/docs/2024\r\n', b)
        self.assertIn('name="fileName"\r\n\r\nreport.txt\r\n', b)
        self.assertIn('name="options"\r\n\r\n{"access":"PUBLIC_INDEXABLE"}', b)
        self.assertIn('filename="report.txt"', b)
        fid = f["id"]
        self.assertEqual(self.mok("GET", "/files/" + fid).json()["path"],
                         "/docs/2024/report.txt")
        r = self.mok("PATCH", "/files/" + fid, {"name": "final",
                                                "access": "PRIVATE"})
        self.assertEqual((r.json()["name"], r.json()["access"]),
                         ("final", "PRIVATE"))
        self.assertEqual(json.loads(self.seen_one("/files/v3/files/" + fid,
                                                  "PATCH")["body"]),
                         {"name": "final", "access": "PRIVATE"})
        r = self.mok("PATCH", "/files/%s/archive" % fid)
        self.assertEqual(r.json(), {"id": fid, "archived": True})
        self.seen_one("/files/v3/files/" + fid, "DELETE")
        self.assertTrue(self.mok("GET", "/files/" + fid).json()["archived"])
        self.assertEqual(self.mok("DELETE", "/files/" + fid).json(), {})
        self.seen_one("/files/v3/files/%s/gdpr-delete" % fid, "DELETE")
        r = self.mcall("GET", "/files/" + fid)
        body = self.assert_error(r, 404)
        self.assertIn("OBJECT_NOT_FOUND", body["providerMessage"])

    def test_cdn_purge_is_200_twice(self):
        fid = self.upload("/purge.txt").json()["id"]
        self.hub.sim_clear()
        for _ in range(2):
            self.assertEqual(self.mok("DELETE", "/files/cdn/files/" + fid).json(),
                             {"id": fid})
        self.assertEqual(self.mok("DELETE", "/files/cdn/files/999").json(),
                         {"id": "999"})
        self.assertEqual(self.seen("/files"), [])

    def test_search_paging_and_where(self):
        for i in range(3):
            self.assertEqual(self.upload("/s/f%d.txt" % i).status, 200)
        self.hub.sim_clear()
        r = self.mok("GET", "/files", query={"pageSize": 2})
        self.assertEqual([f["name"] for f in r.json()], ["f0", "f1"])
        nxt = r.header("Elements-Next-Page-Token")
        self.assertTrue(nxt)
        r = self.mok("GET", "/files", query={"pageSize": 2, "nextPage": nxt})
        self.assertEqual([f["name"] for f in r.json()], ["f2"])
        self.assertIsNone(r.header("Elements-Next-Page-Token"))
        r = self.mok("GET", "/files", query={"where": "name = 'f1'"})
        self.assertEqual([f["name"] for f in r.json()], ["f1"])
        self.assertEqual(self.seen("/files/v3/files/search")[-1]["query"]["name"], "f1")
        self.assert_error(self.mcall("GET", "/files", query={"where": "size > 3"}),
                          400, "size")

    def test_upload_errors(self):
        self.assert_error(self.upload("/a/b.txt", parts=[
            ("other", None, None, b"x")]), 400, "'file'")
        self.assert_error(self.upload("/a/"), 400, "file name")
        self.assert_error(self.upload("/a/b.txt", query={"access": "OPEN"}), 400,
                          "access")
        r = self.mcall("POST", "/files", {"name": "x"})
        self.assert_error(r, 400, "multipart")
        self.assert_error(self.mcall("PATCH", "/files/1", {"size": 3}), 400,
                          "'size'")
        self.assertEqual(self.seen("/files"), [])

    def test_crm_element_has_no_files(self):
        r = self.call("POST", "/files", {})
        self.assertNotEqual(r.status, 200)
        self.assertEqual(self.seen("/files"), [])


class Folders(Marketing):
    def test_cruds(self):
        # the parent must exist at HubSpot
        body = self.assert_error(self.mcall("POST", "/folders",
                                            {"path": "/brand/logos"}), 404)
        self.assertIn("/brand", body["providerMessage"])
        sent = json.loads(self.seen_one("/files/v3/folders", "POST")["body"])
        self.assertEqual(sent, {"name": "logos", "parentPath": "/brand"})
        brand = self.mok("POST", "/folders", {"name": "brand"}).json()
        logos = self.mok("POST", "/folders", {"path": "/brand/logos"}).json()
        self.assertEqual((logos["name"], logos["path"]), ("logos", "/brand/logos"))
        self.assertEqual(logos["parentFolderId"], brand["id"])
        self.assertEqual(self.mok("GET", "/folders/" + logos["id"]).json()["path"],
                         "/brand/logos")
        r = self.mok("PATCH", "/folders/" + logos["id"], {"name": "icons"})
        self.assertEqual(r.json()["path"], "/brand/icons")
        r = self.mok("GET", "/folders", query={"where": "parentFolderId = '%s'"
                                                % brand["id"]})
        self.assertEqual([x["name"] for x in r.json()], ["icons"])
        self.assertEqual(self.mok("DELETE", "/folders/" + logos["id"]).json(), {})
        self.seen_one("/files/v3/folders/" + logos["id"], "DELETE")
        self.assertEqual(self.mok("GET", "/folders").json()[0]["name"], "brand")
        body = self.assert_error(self.mcall("GET", "/folders/424242"), 404)
        self.assertIn("providerMessage", body)
        self.assert_error(self.mcall("POST", "/folders", {"colour": "red"}), 400,
                          "'name'")
        self.assert_error(self.mcall("GET", "/folders/abc"), 400, "numeric")


class EmailsForms(Marketing):
    def test_emails_are_marketing_emails(self):
        r = self.mok("POST", "/emails", {"name": "Spring", "subject": "Hi"})
        e = r.json()
        self.assertEqual((e["name"], e["subject"], e["state"]),
                         ("Spring", "Hi", "DRAFT"))
        self.seen_one("/marketing/v3/emails", "POST")
        r = self.mok("GET", "/emails")
        self.assertEqual([x["id"] for x in r.json()], [e["id"]])
        self.assertEqual(self.seen("/crm"), [])
        self.assertEqual(self.mok("GET", "/emails/" + e["id"]).json()["name"],
                         "Spring")
        self.assertEqual(self.mok("PATCH", "/emails/" + e["id"],
                                  {"subject": "Hello"}).json()["subject"], "Hello")
        self.assertEqual(self.mok("DELETE", "/emails/" + e["id"]).json(), {})
        body = self.assert_error(self.mcall("GET", "/emails/" + e["id"]), 404)
        self.assertIn("OBJECT_NOT_FOUND", body["providerMessage"])
        # HubSpot's own validation comes back with its message
        body = self.assert_error(self.mcall("POST", "/emails", {"subject": "x"}),
                                 400)
        self.assertIn("name", body["providerMessage"])

    def test_crm_element_keeps_email_engagements(self):
        self.call("GET", "/emails")
        self.assertEqual(self.seen("/marketing"), [])
        self.assertEqual(len(self.seen("/crm/v3/objects/emails")), 1)

    def test_forms(self):
        f = self.mok("POST", "/forms", {"formType": "hubspot",
                                        "name": "Signup"}).json()
        self.assertEqual(f["legalConsentOptions"], {"type": "none"})
        r = self.mok("GET", "/forms", query={"pageSize": 5})
        self.assertEqual([x["name"] for x in r.json()], ["Signup"])
        self.assertEqual(self.seen("/marketing/v3/forms", "GET")[-1]["query"]["limit"],
                         "5")
        self.assertEqual(self.mok("PATCH", "/forms/" + f["id"],
                                  {"name": "Join"}).json()["name"], "Join")
        self.assertEqual(self.mok("GET", "/forms/" + f["id"]).json()["name"], "Join")
        self.assertEqual(self.mok("DELETE", "/forms/" + f["id"]).json(), {})
        self.assertEqual(self.mok("GET", "/forms").json(), [])
        self.assert_error(self.mcall("GET", "/forms/" + f["id"]), 404)

    def test_objects_lists_them(self):
        names = self.mok("GET", "/objects").json()
        for n in ("files", "folders", "forms", "emails"):
            self.assertIn(n, names)


if __name__ == "__main__":
    unittest.main()
