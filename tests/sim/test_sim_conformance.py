# SPDX-License-Identifier: MIT
"""hubspot-sim checked against HubSpot's published OpenAPI documents (issue 10):
batch update with a missing record (207 multi-status), the introspection and
token-metadata bodies, and the request log after invalid UTF-8."""
import base64
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from simutil import CLIENT, SECRET, SimCase  # noqa: E402

ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"

# object type -> a writable property that is not required on create
UPDATABLE = {
    "contacts": "phone", "companies": "description", "deals": "description",
    "tickets": "content", "products": "description", "line_items": "description",
    "notes": "hs_note_body", "calls": "hs_call_body", "emails": "hs_email_text",
    "meetings": "hs_meeting_body", "tasks": "hs_task_body",
}

TS = "2026-01-05T09:00:00.000Z"
CREATE = {
    "contacts": {"email": "conf@example.test"}, "companies": {"name": "Conf"},
    "deals": {"dealname": "Conf", "pipeline": "default", "dealstage": "appointmentscheduled"},
    "tickets": {"subject": "Conf", "hs_pipeline": "0", "hs_pipeline_stage": "1"},
    "products": {"name": "Conf", "price": "1"}, "line_items": {"name": "Conf"},
    "notes": {"hs_timestamp": TS}, "calls": {"hs_timestamp": TS},
    "emails": {"hs_timestamp": TS}, "meetings": {"hs_timestamp": TS},
    "tasks": {"hs_timestamp": TS},
}


class BatchUpdateMissingTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def existing_id(self, type_):
        r = self.call("POST", "/crm/v3/objects/" + type_, {"properties": CREATE[type_]})
        self.assertEqual(r.status, 201, r)
        return r.json()["id"]

    def test_missing_record_is_a_per_input_error(self):
        for type_, prop in UPDATABLE.items():
            with self.subTest(type=type_):
                rid = self.existing_id(type_)
                r = self.call("POST", "/crm/v3/objects/%s/batch/update" % type_,
                              {"inputs": [{"id": rid, "properties": {prop: "changed"}},
                                          {"id": "987654321", "properties": {prop: "x"}},
                                          {"id": "987654322", "properties": {prop: "y"}}]})
                self.assertEqual(r.status, 207, r)
                b = r.json()
                self.assertEqual(set(b), {"status", "results", "numErrors", "errors",
                                          "requestedAt", "startedAt", "completedAt"}, b)
                self.assertEqual(b["status"], "COMPLETE")
                for k in ("requestedAt", "startedAt", "completedAt"):
                    self.assertRegex(b[k], ISO_MS)
                self.assertEqual([o["id"] for o in b["results"]], [rid])
                self.assertEqual(b["results"][0]["properties"][prop], "changed")
                self.assertEqual(b["numErrors"], 2)
                self.assertEqual(len(b["errors"]), 2)
                for e, missing in zip(b["errors"], ("987654321", "987654322")):
                    self.assertEqual(e["status"], "error")
                    self.assertEqual(e["category"], "OBJECT_NOT_FOUND")
                    self.assertIn(missing, e["message"])
                    self.assertEqual(e["context"], {"ids": [missing]})
                # the update was applied, the missing records were not created
                r = self.call("GET", "/crm/v3/objects/%s/%s" % (type_, rid),
                              query={"properties": prop})
                self.assertEqual(r.json()["properties"][prop], "changed")
                r = self.call("GET", "/crm/v3/objects/%s/987654321" % type_)
                self.assertEqual(r.status, 404)

    def test_all_missing_still_207(self):
        r = self.call("POST", "/crm/v3/objects/deals/batch/update",
                      {"inputs": [{"id": "987654321", "properties": {"description": "x"}}]})
        self.assertEqual(r.status, 207, r)
        b = r.json()
        self.assertEqual(b["results"], [])
        self.assertEqual(b["numErrors"], 1)

    def test_invalid_property_on_missing_record_is_still_400(self):
        r = self.call("POST", "/crm/v3/objects/deals/batch/update",
                      {"inputs": [{"id": "987654321", "properties": {"shoe_size": "9"}}]})
        self.assert_error(r, 400, "VALIDATION_ERROR")

    def test_all_found_stays_200_without_errors(self):
        rid = self.existing_id("deals")
        r = self.call("POST", "/crm/v3/objects/deals/batch/update",
                      {"inputs": [{"id": rid, "properties": {"description": "z"}}]})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertNotIn("errors", b)
        self.assertNotIn("numErrors", b)


class TokenMetadataTest(SimCase):
    def pair(self):
        r = self.ctl("POST", "/__sim/tokens", {"client_id": CLIENT})
        self.assertEqual(r.status, 200, r)
        return r.json()

    def introspect(self, fields):
        r = self.form("/oauth/v3/token/introspect",
                      dict(fields, client_id=CLIENT, client_secret=SECRET))
        self.assertEqual(r.status, 200, r)
        return r.json()

    def check_signed(self, s, meta):
        ints = ("appId", "hubId", "userId", "installingUserId")
        strs = ("scopes", "signature", "newSignature", "hublet", "scopeToScopeGroupPks",
                "trialScopes", "trialScopeToScopeGroupPks")
        bools = ("isUserLevel", "isServiceAccount", "isPrivateDistribution")
        self.assertEqual(set(s), set(ints + strs + bools + ("expiresAt",)), s)
        for k in ints + ("expiresAt",):
            self.assertIsInstance(s[k], int, k)
        for k in strs:
            self.assertIsInstance(s[k], str, k)
        for k in bools:
            self.assertIsInstance(s[k], bool, k)
        self.assertEqual(s["appId"], meta["app_id"])
        self.assertEqual(s["hubId"], meta["hub_id"])
        self.assertEqual(s["userId"], meta["user_id"])
        self.assertEqual(s["isPrivateDistribution"], meta["is_private_distribution"])
        self.assertEqual(s["hublet"], "na1")
        base64.b64decode(s["scopes"], validate=True)
        self.assertGreater(s["expiresAt"], 1_600_000_000_000)

    def test_introspect_access_token_has_distribution_and_signed_token(self):
        t = self.pair()
        i = self.introspect({"token": t["access_token"], "token_type_hint": "access_token"})
        self.assertTrue(i["active"])
        self.assertIs(i["is_private_distribution"], False)
        self.check_signed(i["signed_access_token"], i)
        # the v1 metadata carries the same optional fields
        m = self.ctl("GET", "/oauth/v1/access-tokens/" + t["access_token"]).json()
        self.assertIs(m["is_private_distribution"], False)
        self.check_signed(m["signed_access_token"], m)

    def test_introspect_refresh_token_has_app_id(self):
        t = self.pair()
        a = self.introspect({"token": t["access_token"]})
        i = self.introspect({"token": t["refresh_token"], "token_type_hint": "refresh_token"})
        self.assertEqual(i["token_use"], "refresh_token")
        self.assertIsInstance(i["app_id"], int)
        self.assertEqual(i["app_id"], a["app_id"])
        self.assertNotIn("signed_access_token", i)

    def test_metadata_404_is_hubspot_error_body(self):
        for path in ("/oauth/v1/access-tokens/COnope", "/oauth/v1/refresh-tokens/na1-nope"):
            with self.subTest(path=path):
                r = self.ctl("GET", path)
                b = self.assert_error(r, 404, "OBJECT_NOT_FOUND")
                self.assertTrue(b["message"])
                self.assertRegex(b["correlationId"], r"^[0-9a-f-]{36}$")
        r = self.ctl("DELETE", "/oauth/v1/refresh-tokens/na1-nope")
        self.assert_error(r, 404, "OBJECT_NOT_FOUND")


class RequestLogUtf8Test(SimCase):
    def log(self, prefix):
        r = self.ctl("GET", "/__sim/requests", query={"path_prefix": prefix})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body, "empty request log body")
        return r.json()["results"]

    def test_invalid_utf8_in_path_query_header_and_body(self):
        self.ctl("DELETE", "/__sim/requests")
        raw = b'{"properties":{"firstname":"A\xff\xfeB \xc3\xa9"}}'
        r = self.call("POST", "/crm/v3/objects/contacts/x%FFy", raw_body=raw,
                      headers={"Content-Type": "application/json"})
        self.assertIn(r.status, (400, 404, 405), r)
        r = harness.request(self.base, "GET", "/crm/v3/objects/contacts?a%FE=b%FF",
                            headers={"Authorization": "Bearer x"})
        self.assertTrue(r.status >= 400, r)
        # error bodies that quote the path keep their envelope
        r = self.call("GET", "/crm/v3/objects/x%FFy")
        b = self.assert_error(r, 400, "VALIDATION_ERROR")
        self.assertIn("x\ufffdy", b["message"])
        entries = self.log("/crm/v3/objects/contacts")
        self.assertEqual(len(entries), 2, entries)
        post, get = entries
        self.assertEqual(post["path"], "/crm/v3/objects/contacts/x\ufffdy")
        self.assertEqual(post["body"], '{"properties":{"firstname":"A\ufffd\ufffdB \u00e9"}}')
        self.assertEqual(base64.b64decode(post["bodyBase64"]), raw)
        self.assertEqual(get["query"], {"a\ufffd": "b\ufffd"})
        self.assertNotIn("bodyBase64", get)

    def test_valid_body_truncated_mid_character_stays_valid(self):
        self.ctl("DELETE", "/__sim/requests")
        raw = b'"' + b"a" * 65534 + "é".encode() * 10 + b'"'
        self.call("POST", "/crm/v3/objects/contacts/search", raw_body=raw,
                  headers={"Content-Type": "application/json"})
        e = self.log("/crm/v3/objects/contacts/search")[0]
        self.assertTrue(e["bodyTruncated"])
        self.assertNotIn("\ufffd", e["body"])
        self.assertNotIn("bodyBase64", e)
        self.assertTrue(re.fullmatch(r'"a{65534}', e["body"]), e["body"][-10:])


if __name__ == "__main__":
    unittest.main()
