# SPDX-License-Identifier: MIT
"""The HTTP front door with odd and hostile clients (issue 10, docs/http.md):
bodies that mean "no body", '+' in paths, request size limits (414/431), the
envelope with invalid UTF-8, one credential per request, the console's
headers on every non-API response, CORS for password login and console
sessions, the failed-login throttle, the read timeout against trickling
clients and the per-address connection cap."""
import http.client
import os
import resource
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import harness as h  # noqa: E402
from instutil import InstEnv  # noqa: E402

OK_ORIGIN = "https://console.ok.test"
EVIL = "https://evil.example"
SECURITY = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
            "Referrer-Policy")


def raw_request(port, method, target, headers=(), body=None, source="127.0.0.1",
                timeout=10):
    """One request with headers sent as given (order and repeats kept)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0))
    try:
        c.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers:
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        resp = h.Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        return resp
    finally:
        c.close()


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Envelope:
    def assertEnvelope(self, r, status, needle=None):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"}, body)
        self.assertEqual(body["requestId"], r.header("Elements-Request-Id"))
        if needle:
            self.assertIn(needle, body["message"])
        return body


class Hostile(unittest.TestCase, Envelope):
    @classmethod
    def setUpClass(cls):
        cls.env = InstEnv("ed-hostile-", ed_flags=("--cors-origins", OK_ORIGIN + ", https://other.ok.test",
                                                   "--read-timeout", "3"))
        cls.addClassCleanup(cls.env.close)
        cls.port = cls.env.ed.port
        cls.inst = cls.env.create(cls.env.body_apikey(name="hostile-main"))

    def api(self, *a, **kw):
        return self.env.api(*a, **kw)

    def hdrs(self, extra=None):
        d = dict(self.env.auth())
        d.update(extra or {})
        return d

    # --- 1. bodies ----------------------------------------------------------

    def test_delete_with_null_or_empty_json_body_deletes(self):
        for raw in ("null", "{}", '""', "", " \n"):
            inst = self.env.create(self.env.body_apikey(name="del-%d" % len(raw)))
            r = h.request(self.env.base, "DELETE", "/instances/%d" % inst["id"],
                          raw_body=raw, headers=self.hdrs({"Content-Type": "application/json"}))
            self.assertIn(r.status, (200, 404), (raw, r))
            r = self.api("GET", "/instances/%d" % inst["id"])
            self.assertEqual(r.status, 404, (raw, r))

    def test_get_with_json_body_is_no_body(self):
        for raw in ("null", "{}", '""', "[1,2]", "not json"):
            r = h.request(self.env.base, "GET", "/instances/%d" % self.inst["id"],
                          raw_body=raw, headers=self.hdrs({"Content-Type": "application/json"}))
            self.assertEqual(r.status, 200, (raw, r))
            # a hub call (its rows take any JSON) too
            r = h.request(self.env.base, "GET", "/hubs/crm/contacts?pageSize=1", raw_body=raw,
                          headers=dict(self.env.auth(token=self.inst["token"]),
                                       **{"Content-Type": "application/json"}))
            self.assertEqual(r.status, 200, (raw, r))

    def test_wrong_json_type_needs_object(self):
        for raw in ("[]", "3", '"x"', "true"):
            r = h.request(self.env.base, "POST", "/instances", raw_body=raw,
                          headers=self.hdrs({"Content-Type": "application/json"}))
            self.assertEnvelope(r, 400, "must be a JSON object")
            r = h.request(self.env.base, "PATCH", "/instances/%d" % self.inst["id"],
                          raw_body=raw,
                          headers=self.hdrs({"Content-Type": "application/json"}))
            self.assertEnvelope(r, 400, "must be a JSON object")

    def test_null_body_on_post_is_no_body(self):
        r = h.request(self.env.base, "POST", "/instances", raw_body="null",
                      headers=self.hdrs({"Content-Type": "application/json"}))
        self.assertEqual(r.status, 400, r)
        self.assertNotIn("not valid JSON", r.json()["message"])

    # --- 2. '+' in paths ----------------------------------------------------

    def test_plus_in_path_is_a_plus(self):
        self.env.clear_requests()
        r = self.env.hub(self.inst["token"], "/hubs/crm/contacts/a+b")
        self.assertIn(r.status, (200, 404), r)
        paths = [s["path"] for s in self.env.requests("/crm/v3/objects/contacts/")]
        self.assertIn("/crm/v3/objects/contacts/a+b", paths, paths)

    def test_plus_in_query_is_a_space(self):
        r = h.request(self.env.base, "GET", "/elements/hubspotcrm/oauth/url?apiKey=a+b"
                      "&apiSecret=x&callbackUrl=https://c.example/cb&state=s+t%2Bu")
        self.assertEqual(r.status, 200, r)
        url = r.json()["oauthUrl"]
        self.assertIn("client_id=a%20b", url)
        self.assertIn("state=s%20t%2Bu", url)

    # --- 7. limits ------------------------------------------------------------

    def test_long_queries(self):
        for n in (1024, 6000):
            r = self.api("GET", "/instances?x=" + "a" * n)
            self.assertEqual(r.status, 200, (n, r))
        r = self.api("GET", "/instances?x=" + "a" * 9000)
        self.assertEnvelope(r, 414)

    def test_many_headers(self):
        auth = self.env.auth()["Authorization"]
        filler = [("X-Filler-%d" % i, "v%d" % i) for i in range(79)]
        r = raw_request(self.port, "GET", h.API_BASE + "/instances/count",
                        filler + [("Authorization", auth)])
        self.assertEqual(r.status, 200, r)
        filler = [("X-Filler-%d" % i, "v") for i in range(101)]
        r = raw_request(self.port, "GET", h.API_BASE + "/instances/count",
                        filler + [("Authorization", auth)])
        self.assertEnvelope(r, 431)

    def test_largest_head_within_limits_is_served(self):
        """An 8 KiB target with 99 headers of 60 bytes (a ~15 KiB head) is
        within every documented limit: served, not refused by the HTTP
        library without the envelope."""
        auth = self.env.auth()["Authorization"]
        filler = [("X-Filler-%02d" % i, "v" * 60) for i in range(98)]
        target = h.API_BASE + "/instances/count?x=" + "a" * 8000
        r = raw_request(self.port, "GET", target, filler + [("Authorization", auth)])
        self.assertEqual(r.status, 200, r)

    # --- 6. invalid UTF-8 -----------------------------------------------------

    def test_invalid_utf8_keeps_the_envelope(self):
        for path in ("/elements/%FF%FEx", "/nothing/%C3%28/%ED%A0%80"):
            r = self.api("GET", path)
            self.assertGreaterEqual(r.status, 400, r)
            body = self.assertEnvelope(r, r.status)
            self.assertTrue(body["message"])
        r = self.api("GET", "/elements/%FF")
        self.assertIn("\ufffd", r.json()["message"])

    # --- 5. one credential ----------------------------------------------------

    def test_two_credentials_refused(self):
        a = self.env.a
        for v in ("Bearer x, Bearer y",
                  "User %s, User %s, Organization %s" % (a["userSecret"], a["userSecret"],
                                                         a["organizationSecret"]),
                  h.platform_auth(a) + ", Organization " + a["organizationSecret"],
                  h.platform_auth(a) + ", Element a, Element b"):
            r = h.request(self.env.base, "GET", "/instances/count", headers={"Authorization": v})
            self.assertEnvelope(r, 400)
        auth = h.platform_auth(a)
        r = raw_request(self.port, "GET", h.API_BASE + "/instances/count",
                        [("Authorization", auth), ("Authorization", auth)])
        self.assertEnvelope(r, 400, "Authorization")

    # --- 8. console headers ---------------------------------------------------

    def test_console_errors_carry_security_headers(self):
        for method, path, status in (("GET", "/nothing-here", 404),
                                     ("POST", "/console", 405),
                                     ("GET", "/console/nope.js", 404),
                                     ("GET", "/x" + "a" * 9000, 414)):
            r = h.request(self.env.ed.base, method, path)
            self.assertEqual(r.status, status, (path, r))
            for name in SECURITY:
                self.assertIsNotNone(r.header(name), (path, name, r.headers))
            self.assertEqual(r.header("X-Frame-Options"), "DENY")

    # --- 4. CORS ----------------------------------------------------------------

    def login(self, origin=None, source="127.0.0.1"):
        hd = [("Content-Type", "application/json")]
        if origin:
            hd.append(("Origin", origin))
        return raw_request(self.port, "POST", h.API_BASE + "/authentication", hd,
                           b'{"username":"alice@example.test","password":"password-alice"}',
                           source=source)

    def test_cors_login_allow_list(self):
        r = self.login(EVIL)
        self.assertEqual(r.status, 200, r)
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        r = self.login("null")
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        r = self.login(OK_ORIGIN)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), OK_ORIGIN)
        self.assertIsNotNone(r.header("Access-Control-Expose-Headers"))
        r = self.login("https://other.ok.test")
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://other.ok.test")
        own = "http://127.0.0.1:%d" % self.port
        r = self.login(own)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), own)

    def test_cors_bearer_calls(self):
        tok = self.login().json()["token"]
        for origin, granted in ((EVIL, False), ("null", False), (OK_ORIGIN, True)):
            r = h.request(self.env.base, "GET", "/instances",
                          headers={"Authorization": "Bearer " + tok, "Origin": origin})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.header("Access-Control-Allow-Origin"),
                             origin if granted else None, origin)
        # calls with their own secrets: any origin, as before
        r = h.request(self.env.base, "GET", "/instances", headers=self.hdrs({"Origin": EVIL}))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), EVIL)
        self.assertIn("Elements-Request-Id", r.header("Access-Control-Expose-Headers"))

    def test_cors_preflights(self):
        pf = {"Access-Control-Request-Method": "POST",
              "Access-Control-Request-Headers": "content-type"}
        r = h.request(self.env.base, "OPTIONS", "/authentication", headers=dict(pf, Origin=EVIL))
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        self.assertIsNone(r.header("Access-Control-Allow-Methods"))
        r = h.request(self.env.base, "OPTIONS", "/authentication", headers=dict(pf, Origin="null"))
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        r = h.request(self.env.base, "OPTIONS", "/authentication",
                      headers=dict(pf, Origin=OK_ORIGIN))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), OK_ORIGIN)
        self.assertIn("POST", r.header("Access-Control-Allow-Methods"))
        r = h.request(self.env.base, "OPTIONS", "/instances", headers=dict(pf, Origin=EVIL))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), EVIL)

    # --- 3. slow clients ----------------------------------------------------------

    def test_trickling_clients(self):
        """~1,500 connections trickle header lines: /health still answers
        fast, and the trickling connections are closed after --read-timeout
        (3 s here)."""
        n = min(1500, raise_nofile() - 200)
        socks = []
        t0 = time.time()
        for i in range(n):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i % 3), 0))
            s.settimeout(5)
            s.connect(("127.0.0.1", self.port))
            s.setblocking(False)
            s.send(b"GET " + h.API_BASE.encode() + b"/health HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        try:
            worst = 0.0
            for _ in range(4):
                for s in socks:
                    try:
                        s.send(b"X-Trickle: 1\r\n")
                    except OSError:
                        pass
                t = time.time()
                r = h.request(self.env.base, "GET", "/health", timeout=10)
                worst = max(worst, time.time() - t)
                self.assertEqual(r.status, 200)
                time.sleep(0.5)
            self.assertLess(worst, 1.0)
            # after the bound every trickler has been shut down
            deadline = t0 + 3 + 10
            open_ = set(range(len(socks)))
            while open_ and time.time() < deadline:
                for i in list(open_):
                    try:
                        socks[i].send(b"X-Trickle: 1\r\n")
                        if socks[i].recv(4096) == b"":
                            open_.discard(i)
                    except BlockingIOError:
                        pass
                    except OSError:
                        open_.discard(i)
                time.sleep(0.5)
            self.assertEqual(len(open_), 0, "%d of %d still open" % (len(open_), len(socks)))
        finally:
            for s in socks:
                s.close()
        self.assertEqual(h.request(self.env.base, "GET", "/health").status, 200)

    def test_slow_handler_is_not_cut(self):
        """A request being handled (a hub call HubSpot answers after 4 s) is
        never cut by the read timeout (3 s)."""
        self.env.fault("/crm/v3/objects/contacts", status=0, count=1, delay_ms=4000)
        try:
            r = self.env.hub(self.inst["token"], "/hubs/crm/contacts?pageSize=1")
            self.assertEqual(r.status, 200, r)
        finally:
            self.env.clear_faults()


class ConnCap(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        cls.tmp = tempfile.mkdtemp(prefix="ed-cap-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        h.bootstrap(cls.data, "cap@example.test", "password-cap")
        cls.srv = h.start_elementsd(cls.data, "--max-conns-per-ip", "20")
        cls.addClassCleanup(cls.srv.stop)

    def refused(self, s):
        try:
            s.sendall(b"GET /elements/api-v2/health HTTP/1.1\r\nHost: x\r\n\r\n")
            return s.recv(4096) == b""
        except OSError:
            return True

    def test_cap_per_address(self):
        held = []
        try:
            for _ in range(20):
                s = socket.create_connection(("127.0.0.1", self.srv.port), 5, ("127.0.0.5", 0))
                held.append(s)
            # each is served
            for s in held[:2]:
                s.sendall(b"GET /elements/api-v2/health HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertIn(b"200", s.recv(4096))
            extra = socket.create_connection(("127.0.0.1", self.srv.port), 5, ("127.0.0.5", 0))
            extra.settimeout(5)
            self.assertTrue(self.refused(extra))
            extra.close()
            # other addresses are not affected
            r = h.request(self.srv.base + h.API_BASE, "GET", "/health")
            self.assertEqual(r.status, 200)
            # a slot freed is a slot usable again
            held.pop().close()
            ok = False
            for _ in range(20):
                s = socket.create_connection(("127.0.0.1", self.srv.port), 5, ("127.0.0.5", 0))
                s.settimeout(5)
                if not self.refused(s):
                    ok = True
                    held.append(s)
                    break
                s.close()
                time.sleep(0.1)
            self.assertTrue(ok)
        finally:
            for s in held:
                s.close()


class LoginThrottle(unittest.TestCase, Envelope):
    @classmethod
    def setUpClass(cls):
        import shutil
        import tempfile
        cls.tmp = tempfile.mkdtemp(prefix="ed-throttle-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        h.bootstrap(cls.data, "t1@example.test", "password-t1")
        cls.srv = h.start_elementsd(cls.data)
        cls.addClassCleanup(cls.srv.stop)

    def login(self, email, password, source):
        body = ('{"username":"%s","password":"%s"}' % (email, password)).encode()
        return raw_request(self.srv.port, "POST", h.API_BASE + "/authentication",
                           [("Content-Type", "application/json")], body, source=source)

    def test_account_throttle_and_reset(self):
        src = "127.0.0.2"
        for _ in range(4):
            self.assertEqual(self.login("t1@example.test", "wrong", src).status, 401)
        self.assertEqual(self.login("t1@example.test", "password-t1", src).status, 200)
        for _ in range(5):  # the success reset the count: 5 more failures allowed
            self.assertEqual(self.login("T1@example.test", "wrong", src).status, 401)
        r = self.login("t1@example.test", "password-t1", src)
        self.assertEnvelope(r, 429, "Too many failed logins")
        ra = int(r.header("Retry-After"))
        self.assertTrue(0 < ra <= 301, ra)
        # another account from the same address is not locked out
        self.assertEqual(self.login("other@example.test", "wrong", src).status, 401)

    def test_address_throttle(self):
        src = "127.0.0.3"
        for i in range(20):
            self.assertEqual(self.login("nobody%d@example.test" % (i // 4), "x", src).status,
                             401)
        r = self.login("fresh@example.test", "x", src)
        self.assertEnvelope(r, 429)
        self.assertIsNotNone(r.header("Retry-After"))
        # another address still may
        self.assertEqual(self.login("fresh@example.test", "x", "127.0.0.4").status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
