# SPDX-License-Identifier: MIT
"""Platform HTTP conventions over real HTTP against build/elementsd: health
without auth, Elements-Request-Id and JSON on every response, the error
envelope, 400/401/404/405/413/415, the body cap, CORS and preflights, the
access log, and a clean stop on SIGTERM/SIGINT."""
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness as h  # noqa: E402

EXPOSE = ("Elements-Returned-Count, Elements-Total-Count, Elements-Request-Id, "
          "Elements-Next-Page-Token, Elements-Trace-Id, Elements-Error, "
          "Content-Disposition")
REQID = re.compile(r"^[0-9a-f]{24}$")


class PlatformHttp(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-http-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        cls.acct = h.bootstrap(cls.data, "http@example.com", "password-http")
        cls.srv = h.start_elementsd(cls.data, "--max-body", "2048")
        cls.base = cls.srv.base + h.API_BASE
        cls.auth = {"Authorization": h.platform_auth(cls.acct)}

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        with open(cls.srv.log_path) as f:
            log = f.read()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        # a clean exit (and, in sanitizer builds, no report) after the module
        assert rc == 0, "elementsd exited %s:\n%s" % (rc, log[-4000:])

    def req(self, method, path, **kw):
        return h.request(self.base, method, path, **kw)

    def assertCommon(self, r):
        """Every response: JSON content type and a request id header."""
        self.assertTrue(r.header("Content-Type", "").startswith("application/json"),
                        r.headers)
        self.assertIn("charset=utf-8", r.header("Content-Type").lower())
        rid = r.header("Elements-Request-Id")
        self.assertIsNotNone(rid, r.headers)
        self.assertRegex(rid, REQID)
        r.json()  # parses
        return rid

    def assertEnvelope(self, r, status, needle=None):
        """The error envelope is exactly {requestId (= header), message}."""
        self.assertEqual(r.status, status, r)
        rid = self.assertCommon(r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"}, body)
        self.assertEqual(body["requestId"], rid)
        self.assertIsInstance(body["message"], str)
        self.assertTrue(body["message"])
        if needle:
            self.assertIn(needle, body["message"])
        return body

    # --- health and common headers --------------------------------------

    def test_health_without_auth(self):
        r = self.req("GET", "/health")
        self.assertEqual(r.status, 200)
        self.assertCommon(r)
        self.assertEqual(r.json(), {"status": "ok", "database": h.db_backend()})

    def test_request_ids_are_unique(self):
        ids = {self.req("GET", "/health").header("Elements-Request-Id")
               for _ in range(5)}
        self.assertEqual(len(ids), 5)

    def test_every_response_has_id_and_json(self):
        cases = [
            ("GET", "/health", {}, 200),
            ("GET", "/elements", self.auth, 200),
            ("GET", "/elements", {}, 401),
            ("GET", "/nothing", self.auth, 404),
            ("DELETE", "/elements", self.auth, 405),
        ]
        for method, path, hdrs, status in cases:
            r = self.req(method, path, headers=hdrs)
            self.assertEqual(r.status, status, (method, path, r))
            self.assertCommon(r)
        # outside the base path too
        r = h.request(self.srv.base, "GET", "/elements/api-v3/elements")
        self.assertEqual(r.status, 404)
        self.assertCommon(r)

    # --- errors ----------------------------------------------------------

    def test_404_unknown_path_with_creds(self):
        self.assertEnvelope(self.req("GET", "/no/such/thing", headers=self.auth), 404)

    def test_401_unknown_path_without_creds(self):
        self.assertEnvelope(self.req("GET", "/no/such/thing"), 401)

    def test_404_outside_base_path(self):
        r = h.request(self.srv.base, "GET", "/elements/api-v3/health")
        self.assertEnvelope(r, 404)
        r = h.request(self.srv.base, "GET", "/elements/api-v2x/health")
        self.assertEnvelope(r, 404)

    def test_405_wrong_method(self):
        self.assertEnvelope(self.req("PUT", "/elements/keys", headers=self.auth),
                            405, "PUT")
        self.assertEnvelope(self.req("DELETE", "/hubs", headers=self.auth), 405)
        # an unknown method
        self.assertEnvelope(self.req("BREW", "/health"), 405)

    def test_415_wrong_content_type(self):
        r = self.req("POST", "/authentication",
                     raw_body=b'{"username":"a@b.c","password":"x"}',
                     headers={"Content-Type": "text/plain"})
        self.assertEnvelope(r, 415, "Content-Type")
        r = self.req("POST", "/authentication", raw_body=b'{"username":"a"}')
        self.assertEnvelope(r, 415)

    def test_400_bad_json(self):
        r = self.req("POST", "/authentication", raw_body=b'{"username":',
                     headers={"Content-Type": "application/json"})
        self.assertEnvelope(r, 400, "JSON")
        r = self.req("POST", "/authentication", raw_body=b'{"a":1,"a":2}',
                     headers={"Content-Type": "application/json"})
        self.assertEnvelope(r, 400)
        r = self.req("POST", "/authentication", body={"username": "x@y.z"})
        self.assertEnvelope(r, 400, "password")

    def test_413_body_cap(self):
        big = b'{"username":"' + b"a" * 3000 + b'","password":"x"}'
        r = self.req("POST", "/authentication", raw_body=big,
                     headers={"Content-Type": "application/json"})
        self.assertEnvelope(r, 413, "2048")
        # just under the cap is parsed normally (401: no such user)
        ok = b'{"username":"' + b"a" * 1900 + b'","password":"x"}'
        self.assertLess(len(ok), 2048)
        r = self.req("POST", "/authentication", raw_body=ok,
                     headers={"Content-Type": "application/json"})
        self.assertEnvelope(r, 401)
        # the server is still fine after a rejected body
        self.assertEqual(self.req("GET", "/health").status, 200)

    # --- CORS ------------------------------------------------------------

    def test_cors_headers_with_origin(self):
        o = "https://console.example.com"
        for method, path, hdrs in [("GET", "/health", {}),
                                   ("GET", "/elements", self.auth),
                                   ("GET", "/elements", {})]:
            r = self.req(method, path, headers=dict(hdrs, Origin=o))
            self.assertEqual(r.header("Access-Control-Allow-Origin"), o)
            self.assertEqual(r.header("Access-Control-Expose-Headers"), EXPOSE)
            self.assertCommon(r)

    def test_no_cors_headers_without_origin(self):
        r = self.req("GET", "/health")
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        self.assertIsNone(r.header("Access-Control-Expose-Headers"))

    def test_preflight_without_auth(self):
        o = "https://console.example.com"
        r = self.req("OPTIONS", "/instances", headers={
            "Origin": o, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        self.assertEqual(r.status, 200, r)
        self.assertCommon(r)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), o)
        self.assertEqual(r.header("Access-Control-Expose-Headers"), EXPOSE)
        self.assertIn("POST", r.header("Access-Control-Allow-Methods"))
        self.assertIn("authorization", r.header("Access-Control-Allow-Headers").lower())
        # also on a known route
        r = self.req("OPTIONS", "/elements/hubspotcrm/oauth/url",
                     headers={"Origin": o, "Access-Control-Request-Method": "GET"})
        self.assertEqual(r.status, 200)
        self.assertIn("GET", r.header("Access-Control-Allow-Methods"))

    def test_port_in_use_refused(self):
        """A second server on the same port fails instead of sharing it."""
        r = h.run_elementsd("serve", "--listen", "127.0.0.1:%d" % self.srv.port,
                            "--data-dir", self.data, timeout=5)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot listen", r.stderr)

    # --- access log ------------------------------------------------------

    def test_access_log_line(self):
        r = self.req("GET", "/elements/hubspot", headers=self.auth)
        rid = r.header("Elements-Request-Id")
        deadline = time.time() + 3
        line = None
        while time.time() < deadline and line is None:
            for ln in self.srv.read_log().splitlines():
                if "access" in ln and "reqid=%s" % rid in ln:
                    line = ln
            time.sleep(0.05)
        self.assertIsNotNone(line, "no access log line for %s" % rid)
        self.assertIn("method=GET", line)
        self.assertIn("route=/elements/{keyOrId}", line)
        self.assertIn("status=200", line)
        self.assertRegex(line, r"ms=\d+\.\d+")
        # exactly one line per request
        n = sum(1 for ln in self.srv.read_log().splitlines() if rid in ln)
        self.assertEqual(n, 1)


class GracefulStop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-stop-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        h.bootstrap(cls.data, "stop@example.com", "password-stop")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_sigterm_idle_exits_zero_quickly(self):
        srv = h.start_elementsd(self.data)
        self.assertEqual(h.request(srv.base + h.API_BASE, "GET", "/health").status, 200)
        t0 = time.time()
        rc = srv.stop(timeout=5)
        with open(srv.log_path) as f:
            log = f.read()
        self.assertEqual(rc, 0, log)
        self.assertLess(time.time() - t0, 3.0)
        self.assertIn("stopping", log)

    def test_sigint_exits_zero(self):
        srv = h.start_elementsd(self.data)
        srv.proc.send_signal(signal.SIGINT)
        srv.proc.wait(5)
        self.assertEqual(srv.stop(), 0)

    def test_sigterm_lets_in_flight_request_finish(self):
        """A request whose body is still arriving when SIGTERM comes is
        answered; the server exits 0 right after."""
        srv = h.start_elementsd(self.data)
        body = b'{"username":"stop@example.com","password":"password-stop"}'
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            s.sendall(b"POST /elements/api-v2/authentication HTTP/1.1\r\n"
                      b"Host: x\r\nContent-Type: application/json\r\n"
                      b"Connection: close\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
            time.sleep(0.3)               # headers parsed, body incomplete
            srv.proc.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            self.assertIsNone(srv.proc.poll(), "exited with a request in flight")
            s.sendall(body[10:])
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        self.assertIn(b'"token"', data)
        srv.proc.wait(5)
        self.assertEqual(srv.stop(), 0)
        # new connections are refused once stopping
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
