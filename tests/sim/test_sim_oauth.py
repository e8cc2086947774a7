# SPDX-License-Identifier: MIT
"""hubspot-sim OAuth: consent page, grant/deny, token endpoint errors, metadata,
introspection, revocation, legacy OAuth and credential checks on API calls."""
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from simutil import CLIENT, KEY, REDIRECT, SECRET, SimCase, query_of  # noqa: E402

NO_AUTH = ("Authentication credentials not found. This API supports OAuth 2.0 authentication "
           "and you can find more details at "
           "https://developers.hubspot.com/docs/methods/auth/oauth-overview")


def authorize_qs(**over):
    q = {"client_id": CLIENT, "redirect_uri": REDIRECT, "scope": "oauth crm.objects.contacts.read",
         "state": "st-123"}
    q.update(over)
    return "/oauth/authorize?" + urllib.parse.urlencode({k: v for k, v in q.items() if v is not None},
                                                        quote_via=urllib.parse.quote)


def hidden_fields(html):
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


class OAuthTest(SimCase):
    def consent(self, **over):
        r = self.ctl("GET", authorize_qs(**over))
        self.assertEqual(r.status, 200, r)
        html = r.body.decode()
        self.assertIn('id="grant"', html)
        self.assertIn('id="deny"', html)
        return html

    def exchange(self, auth_code, **over):
        f = {"grant_type": "authorization_code", "client_id": CLIENT, "client_secret": SECRET,
             "redirect_uri": REDIRECT, "code": auth_code}
        f.update(over)
        return self.form("/oauth/v1/token", {k: v for k, v in f.items() if v is not None})

    def code(self):
        html = self.consent()
        fields = hidden_fields(html)
        fields["decision"] = "grant"
        r = self.form("/oauth/authorize/decision", fields)
        self.assertEqual(r.status, 302, r)
        q = query_of(r.header("location"))
        self.assertEqual(q["state"], "st-123")
        return q["code"]

    def test_consent_page_names_app_and_scopes(self):
        html = self.consent()
        self.assertIn(CLIENT, html)
        self.assertIn("crm.objects.contacts.read", html)
        self.assertIn('action="/oauth/authorize/decision"', html)

    def test_grant_and_exchange(self):
        code = self.code()
        self.assertTrue(code.startswith("na1-"))
        r = self.exchange(code)
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(b["token_type"], "bearer")
        self.assertEqual(b["expires_in"], 1800)
        self.assertEqual(b["hub_id"], 62515)
        self.assertEqual(b["token_use"], "access_token")
        self.assertEqual(sorted(b["scopes"]), ["crm.objects.contacts.read", "oauth"])
        for k in ("access_token", "refresh_token", "user_id"):
            self.assertIn(k, b)
        self.assertLessEqual(len(b["access_token"]), 512)
        # the token works, and only for what it was granted
        r = self.call("GET", "/crm/v3/objects/contacts", token=b["access_token"])
        self.assertEqual(r.status, 200, r)
        r = self.call("GET", "/crm/v3/objects/deals", token=b["access_token"])
        e = self.assert_error(r, 403, "MISSING_SCOPES")
        self.assertEqual(e["errors"][0]["context"]["requiredGranularScopes"],
                         ["crm.objects.deals.read"])
        self.assertEqual(e["links"], {"scopes": "https://developers.hubspot.com/scopes"})
        # code is single-use
        r = self.exchange(code)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["status"], "BAD_AUTH_CODE")
        stats = self.ctl("GET", "/__sim/stats").json()
        self.assertEqual(stats["clients"][CLIENT]["tokenExchanges"], 1)

    def test_deny_redirects_with_error(self):
        fields = hidden_fields(self.consent())
        fields["decision"] = "deny"
        r = self.form("/oauth/authorize/decision", fields)
        self.assertEqual(r.status, 302)
        q = query_of(r.header("location"))
        self.assertEqual(q["error"], "access_denied")
        self.assertEqual(q["state"], "st-123")
        self.assertIn("error_description", q)
        self.assertNotIn("code", q)

    def test_authorize_errors_are_pages_not_redirects(self):
        for over in ({"client_id": "nope"}, {"redirect_uri": "http://evil.example/cb"},
                     {"redirect_uri": None}, {"scope": None}, {"scope": "not-a-scope"}):
            r = self.ctl("GET", authorize_qs(**over))
            self.assertEqual(r.status, 400, (over, r))
            self.assertIsNone(r.header("location"))
            self.assertIn("text/html", r.header("content-type"))
        # https and 127.0.0.1 are fine
        self.consent(redirect_uri="https://app.example.test/cb")
        self.consent(redirect_uri="http://127.0.0.1:4000/cb")
        r = self.ctl("GET", "/oauth/62515/authorize?" + authorize_qs()[len("/oauth/authorize?"):])
        self.assertEqual(r.status, 200)

    def test_token_errors(self):
        code = self.code()
        cases = [
            ({"client_id": "unknown"}, "BAD_CLIENT_ID", "invalid_client"),
            ({"grant_type": "password"}, "BAD_GRANT_TYPE", "unsupported_grant_type"),
            ({"client_secret": "wrong"}, "BAD_CLIENT_SECRET", "invalid_client"),
            ({"code": "na1-nope"}, "BAD_AUTH_CODE", "invalid_grant"),
            ({"redirect_uri": "http://localhost:9999/other"}, "BAD_REDIRECT_URI", "invalid_grant"),
        ]
        for over, status, error in cases:
            r = self.exchange(code, **over)
            self.assertEqual(r.status, 400, (over, r))
            b = r.json()
            self.assertEqual(b["status"], status, b)
            self.assertEqual(b["error"], error, b)
            self.assertEqual(set(b), {"error", "error_description", "status", "message"})
        # none of the failures consumed the code
        self.assertEqual(self.exchange(code).status, 200)
        # expired code
        code = self.code()
        self.ctl("POST", "/__sim/clock", {"advance_seconds": 301})
        r = self.exchange(code)
        self.assertEqual(r.json()["status"], "EXPIRED_AUTH_CODE")
        # JSON is refused
        r = harness.request(self.base, "POST", "/oauth/v1/token",
                            body={"grant_type": "authorization_code"})
        self.assertEqual(r.status, 415)
        r = harness.request(self.base, "POST", "/oauth/v3/token", body={})
        self.assertEqual(r.status, 415)

    def refresh(self, rt, path="/oauth/v3/token", **over):
        f = {"grant_type": "refresh_token", "client_id": CLIENT, "client_secret": SECRET,
             "refresh_token": rt}
        f.update(over)
        return self.form(path, f)

    def test_refresh_and_metadata(self):
        b = self.exchange(self.code()).json()
        r = self.refresh(b["refresh_token"])
        self.assertEqual(r.status, 200, r)
        b2 = r.json()
        self.assertEqual(b2["refresh_token"], b["refresh_token"])  # no rotation by default
        self.assertNotEqual(b2["access_token"], b["access_token"])
        r = self.refresh("na1-bogus")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"error": "invalid_grant",
                                    "error_description": "refresh token is invalid, expired or revoked",
                                    "status": "BAD_REFRESH_TOKEN",
                                    "message": "refresh token is invalid, expired or revoked"})
        m = self.ctl("GET", "/oauth/v1/access-tokens/" + b2["access_token"])
        self.assertEqual(m.status, 200)
        m = m.json()
        for k in ("app_id", "expires_in", "hub_id", "scopes", "token", "token_type", "user_id"):
            self.assertIn(k, m)
        self.assertEqual(m["token_type"], "access")
        m = self.ctl("GET", "/oauth/v1/refresh-tokens/" + b["refresh_token"]).json()
        self.assertEqual(m["client_id"], CLIENT)
        # introspection, both field styles
        for fields in ({"token": b2["access_token"], "token_type_hint": "access_token"},
                       {"access_token": b2["access_token"]}):
            i = self.form("/oauth/v3/token/introspect", dict(fields, client_id=CLIENT,
                                                             client_secret=SECRET)).json()
            self.assertTrue(i["active"])
            self.assertEqual(i["token_use"], "access_token")
            self.assertEqual(i["token_type"], "Bearer")
            self.assertEqual(i["client_id"], CLIENT)
        i = self.form("/oauth/v3/token/introspect", {"refresh_token": b["refresh_token"]}).json()
        self.assertEqual(i["token_use"], "refresh_token")
        i = self.form("/oauth/v3/token/introspect", {"token": "nope"}).json()
        self.assertEqual(i, {"active": False})
        # delete the refresh token: 204, refresh fails, access token still works
        r = self.ctl("DELETE", "/oauth/v1/refresh-tokens/" + b["refresh_token"])
        self.assertEqual(r.status, 204)
        self.assertEqual(self.refresh(b["refresh_token"]).status, 400)
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts", token=b2["access_token"]).status, 200)
        stats = self.ctl("GET", "/__sim/stats").json()
        self.assertEqual(stats["clients"][CLIENT]["refreshes"], 1)

    def test_revoke(self):
        b = self.exchange(self.code()).json()
        r = self.form("/oauth/v3/token/revoke", {"token": b["refresh_token"],
                                                 "token_type_hint": "refresh_token"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.refresh(b["refresh_token"]).status, 400)
        b = self.mint()
        self.form("/oauth/v3/token/revoke", {"token": b["access_token"]})
        self.assert_error(self.call("GET", "/crm/v3/objects/contacts", token=b["access_token"]),
                          401, "INVALID_AUTHENTICATION")

    def test_api_credentials(self):
        r = self.call("GET", "/crm/v3/objects/contacts", token=None)
        self.assert_error(r, 401, "INVALID_AUTHENTICATION", NO_AUTH)
        self.assertEqual(r.header("x-hubspot-auth-failure"), "401 Unauthorized")
        self.assert_error(self.call("GET", "/crm/v3/objects/contacts", token="CObogus"), 401,
                          "INVALID_AUTHENTICATION", NO_AUTH)
        r = self.call("GET", "/crm/v3/objects/contacts", token=None, query={"hapikey": "bad"})
        self.assert_error(r, 401, "INVALID_AUTHENTICATION")
        r = self.call("GET", "/crm/v3/objects/contacts", token=None, query={"hapikey": KEY})
        self.assertEqual(r.status, 200)
        # expiry, via the control API and via the clock
        b = self.mint()
        self.ctl("POST", "/__sim/tokens/expire", {"access_token": b["access_token"]})
        r = self.call("GET", "/crm/v3/objects/contacts", token=b["access_token"])
        e = self.assert_error(r, 401, "EXPIRED_AUTHENTICATION")
        self.assertRegex(e["message"], r"^The OAuth token used to make this call expired \d+ second\(s\) ago\.$")
        self.assertIn("expire time", e["context"])
        b = self.mint()
        self.ctl("POST", "/__sim/clock", {"advance_seconds": 1800 + 7200})
        e = self.assert_error(self.call("GET", "/crm/v3/objects/contacts", token=b["access_token"]),
                              401, "EXPIRED_AUTHENTICATION")
        self.assertIn("hour(s) ago", e["message"])
        # private app info
        r = self.ctl("POST", "/oauth/v2/private-apps/get/access-token-info", {"tokenKey": KEY})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["hubId"], 62515)

    def test_legacy_oauth(self):
        q = urllib.parse.urlencode({"client_id": CLIENT, "portalId": "62515",
                                    "redirect_uri": REDIRECT, "scope": "contacts-rw offline"})
        r = self.ctl("GET", "/auth/authenticate?" + q)
        self.assertEqual(r.status, 200)
        fields = hidden_fields(r.body.decode())
        self.assertEqual(fields["flow"], "legacy")
        fields["decision"] = "grant"
        r = self.form("/oauth/authorize/decision", fields)
        self.assertEqual(r.status, 302)
        q = query_of(r.header("location"))
        for k in ("access_token", "refresh_token", "expires_in"):
            self.assertIn(k, q)
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts", token=q["access_token"]).status, 200)
        r = self.form("/auth/v1/refresh", {"refresh_token": q["refresh_token"], "client_id": CLIENT,
                                           "grant_type": "refresh_token"})
        self.assertEqual(r.status, 200, r)
        b = r.json()
        self.assertEqual(set(b), {"portal_id", "expires_in", "refresh_token", "access_token"})
        self.assertEqual(b["portal_id"], 62515)
        self.assertEqual(self.call("GET", "/crm/v3/owners", token=b["access_token"]).status, 200)


class AutoApproveRotateTest(SimCase):
    FLAGS = ("--auto-approve", "--rotate-refresh-tokens", "--token-ttl", "60")

    def test_auto_approve_and_rotation(self):
        r = self.ctl("GET", authorize_qs(state=None))
        self.assertEqual(r.status, 302)
        q = query_of(r.header("location"))
        self.assertNotIn("state", q)
        r = self.form("/oauth/v3/token", {"grant_type": "authorization_code", "client_id": CLIENT,
                                          "client_secret": SECRET, "redirect_uri": REDIRECT,
                                          "code": q["code"]})
        b = r.json()
        self.assertEqual(b["expires_in"], 60)
        f = {"grant_type": "refresh_token", "client_id": CLIENT, "client_secret": SECRET,
             "refresh_token": b["refresh_token"]}
        b2 = self.form("/oauth/v1/token", f).json()
        self.assertNotEqual(b2["refresh_token"], b["refresh_token"])
        # R1 still works: b2 was never used, so the client may have lost it
        b3 = self.form("/oauth/v1/token", f).json()
        self.assertNotEqual(b3["refresh_token"], b2["refresh_token"])
        f["refresh_token"] = b3["refresh_token"]
        self.assertEqual(self.form("/oauth/v1/token", f).status, 200)
        # code minted without the browser
        r = self.ctl("POST", "/__sim/oauth/code", {"client_id": CLIENT, "redirect_uri": REDIRECT,
                                                   "scopes": ["contacts"]})
        code = r.json()["code"]
        r = self.form("/oauth/v1/token", {"grant_type": "authorization_code", "client_id": CLIENT,
                                          "client_secret": SECRET, "redirect_uri": REDIRECT,
                                          "code": code})
        self.assertEqual(r.json()["scopes"], ["contacts"])

    def pair(self):
        return self.mint(client_id=CLIENT)

    def refresh(self, rt, path="/oauth/v1/token"):
        return self.form(path, {"grant_type": "refresh_token", "client_id": CLIENT,
                                "client_secret": SECRET, "refresh_token": rt})

    def test_rotation_old_token_survives_until_new_refresh_token_used(self):
        r1 = self.pair()["refresh_token"]
        lost = self.refresh(r1).json()          # client crashed before storing this
        again = self.refresh(r1)                # restart: R1 still works
        self.assertEqual(again.status, 200, again)
        r2 = again.json()["refresh_token"]
        self.assertNotIn(r2, (r1, lost["refresh_token"]))
        # using R2 proves R1 obsolete
        r3 = self.refresh(r2)
        self.assertEqual(r3.status, 200, r3)
        reuse = self.refresh(r1)
        self.assertEqual(reuse.status, 400, reuse)
        self.assertEqual(reuse.json(), {
            "error": "invalid_grant", "status": "BAD_REFRESH_TOKEN",
            "error_description": "refresh token is invalid, expired or revoked",
            "message": "refresh token is invalid, expired or revoked"})
        # R2 itself stays usable until R3 (or its access token) is used
        self.assertEqual(self.refresh(r2).status, 200)
        st = self.ctl("GET", "/__sim/stats").json()
        self.assertEqual(st["clients"][CLIENT]["refreshTokenReuse"], 1)
        # metadata of a retired token: 404
        self.assertEqual(self.ctl("GET", "/oauth/v1/refresh-tokens/" + r1).status, 404)

    def test_rotation_old_token_retired_by_new_access_token(self):
        r1 = self.pair()["refresh_token"]
        b = self.refresh(r1).json()
        self.assertEqual(self.call("GET", "/crm/v3/owners", token=b["access_token"]).status, 200)
        self.assertEqual(self.refresh(r1).status, 400)
        self.assertEqual(self.refresh(b["refresh_token"]).status, 200)

    def test_rotation_legacy_refresh(self):
        p = self.mint(client_id=CLIENT, legacy=True)
        f = {"grant_type": "refresh_token", "client_id": CLIENT,
             "refresh_token": p["refresh_token"]}
        b = self.form("/auth/v1/refresh", f).json()
        self.assertNotEqual(b["refresh_token"], p["refresh_token"])
        self.assertEqual(self.form("/auth/v1/refresh", f).status, 200)
        self.assertEqual(self.call("GET", "/crm/v3/owners", token=b["access_token"]).status, 200)
        self.assertEqual(self.form("/auth/v1/refresh", f).status, 400)


class NoRotationTest(SimCase):
    def test_refresh_token_is_returned_unchanged(self):
        p = self.mint(client_id=CLIENT)
        f = {"grant_type": "refresh_token", "client_id": CLIENT, "client_secret": SECRET,
             "refresh_token": p["refresh_token"]}
        for _ in range(2):
            b = self.form("/oauth/v1/token", f).json()
            self.assertEqual(b["refresh_token"], p["refresh_token"])
            self.assertEqual(self.call("GET", "/crm/v3/owners", token=b["access_token"]).status,
                             200)


if __name__ == "__main__":
    unittest.main()
