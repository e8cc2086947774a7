# SPDX-License-Identifier: MIT
"""Organizations, users and platform authentication over real HTTP against
build/elementsd: the Authorization header rules, /authentication (login,
secrets, bearer tokens), admin create-user while the server runs, secrets
never stored or logged in clear, the master key file and
ELEMENTSD_MASTER_KEY."""
import base64
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness as h  # noqa: E402


class PlatformAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ed-auth-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.data = os.path.join(cls.tmp, "data")
        cls.a = h.bootstrap(cls.data, "alice@example.com", "password-alice",
                            "--first-name", "Alice", "--last-name", "A")
        cls.b = h.bootstrap(cls.data, "bob@example.com", "password-bob")
        cls.srv = h.start_elementsd(cls.data)
        cls.base = cls.srv.base + h.API_BASE

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        with open(cls.srv.log_path) as f:
            log = f.read()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        # a clean exit (and, in sanitizer builds, no report) after the module
        assert rc == 0, "elementsd exited %s:\n%s" % (rc, log[-4000:])

    def get(self, path, authz=None, **kw):
        hdrs = {"Authorization": authz} if authz is not None else {}
        return h.request(self.base, "GET", path, headers=hdrs, **kw)

    def assert401(self, r):
        self.assertEqual(r.status, 401, r)
        body = r.json()
        self.assertEqual(set(body), {"requestId", "message"})
        self.assertEqual(body["requestId"], r.header("Elements-Request-Id"))

    def login(self, email, password):
        return h.request(self.base, "POST", "/authentication",
                         body={"username": email, "password": password})

    # --- bootstrap output ------------------------------------------------

    def test_bootstrap_output(self):
        for acct, email in ((self.a, "alice@example.com"), (self.b, "bob@example.com")):
            self.assertEqual(set(acct), {"organizationId", "userId", "email",
                                         "userSecret", "organizationSecret"})
            self.assertEqual(acct["email"], email)
            self.assertEqual(len(acct["userSecret"]), 44)
            self.assertEqual(len(base64.b64decode(acct["userSecret"], validate=True)), 32)
            self.assertRegex(acct["organizationSecret"], r"^[0-9a-f]{32}$")
        # each bootstrap is a new organization
        self.assertNotEqual(self.a["organizationId"], self.b["organizationId"])
        self.assertNotEqual(self.a["organizationSecret"], self.b["organizationSecret"])

    def test_bootstrap_duplicate_email_fails(self):
        r = h.run_elementsd("admin", "bootstrap", "--data-dir", self.data,
                            "--email", "alice@example.com", "--password", "another-pw")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("exists", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_bootstrap_bad_input(self):
        r = h.run_elementsd("admin", "bootstrap", "--data-dir", self.data,
                            "--email", "x@example.com", "--password", "short")
        self.assertNotEqual(r.returncode, 0)
        r = h.run_elementsd("admin", "bootstrap", "--data-dir", self.data,
                            "--password", "long-enough")
        self.assertNotEqual(r.returncode, 0)

    # --- the Authorization header ---------------------------------------

    def test_valid_secrets(self):
        r = self.get("/elements/keys", h.platform_auth(self.a))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), ["hubspot", "hubspotcrm"])

    def test_parts_in_any_order_and_element_part(self):
        us, os_ = self.a["userSecret"], self.a["organizationSecret"]
        for authz in ("Organization %s, User %s" % (os_, us),
                      "User %s,Organization %s" % (us, os_),
                      "  User   %s ,  Organization %s  " % (us, os_),
                      "Element abc/def+ghi=, User %s, Organization %s" % (us, os_),
                      "User %s, Element tok, Organization %s" % (us, os_),
                      "user %s, organization %s" % (us, os_)):
            self.assertEqual(self.get("/elements", authz).status, 200, authz)

    def test_missing_and_malformed(self):
        us, os_ = self.a["userSecret"], self.a["organizationSecret"]
        self.assert401(self.get("/elements"))
        for authz in ("", "Basic dXNlcjpwdw==", "User %s" % us,
                      "Organization %s" % os_, "User, Organization",
                      "User %s, Organization" % us, "Nonsense %s" % us,
                      "User %s Organization %s" % (us, os_),
                      "Element tok"):
            self.assert401(self.get("/elements", authz))

    def test_wrong_secrets(self):
        us, os_ = self.a["userSecret"], self.a["organizationSecret"]
        wrong_user = base64.b64encode(b"\x01" * 32).decode()
        self.assert401(self.get("/elements", "User %s, Organization %s" % (wrong_user, os_)))
        self.assert401(self.get("/elements", "User %s, Organization %s" % (us, "0" * 32)))
        # swapped
        self.assert401(self.get("/elements", "User %s, Organization %s" % (os_, us)))
        # truncated / extended
        self.assert401(self.get("/elements", "User %s, Organization %s" % (us[:-1], os_)))
        self.assert401(self.get("/elements", "User %sA, Organization %s" % (us, os_)))

    def test_cross_organization(self):
        # alice's user secret with bob's organization secret and vice versa
        self.assert401(self.get("/elements", "User %s, Organization %s" % (
            self.a["userSecret"], self.b["organizationSecret"])))
        self.assert401(self.get("/elements", "User %s, Organization %s" % (
            self.b["userSecret"], self.a["organizationSecret"])))
        self.assertEqual(self.get("/elements", h.platform_auth(self.b)).status, 200)

    def test_auth_before_routing(self):
        self.assert401(self.get("/does/not/exist"))
        self.assert401(self.get("/instances"))
        r = self.get("/does/not/exist", h.platform_auth(self.a))
        self.assertEqual(r.status, 404)
        # health, login and the OAuth URL need none
        self.assertEqual(self.get("/health").status, 200)
        self.assertEqual(self.login("alice@example.com", "password-alice").status, 200)
        r = self.get("/elements/hubspot/oauth/url",
                     query={"apiKey": "k", "callbackUrl": "http://cb"})
        self.assertEqual(r.status, 200)

    # --- /authentication -------------------------------------------------

    def test_login_and_secrets(self):
        r = self.login("alice@example.com", "password-alice")
        self.assertEqual(r.status, 200, r)
        tok = r.json()["token"]
        self.assertTrue(tok)
        self.assertGreaterEqual(len(tok), 40)
        r = self.get("/authentication/secrets", "Bearer " + tok)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"userSecret": self.a["userSecret"],
                                    "organizationSecret": self.a["organizationSecret"]})
        # email lookup ignores case
        r = self.login("ALICE@example.com", "password-alice")
        self.assertEqual(r.status, 200)
        # each login is a fresh token
        self.assertNotEqual(r.json()["token"], tok)

    def test_login_failures(self):
        self.assert401(self.login("alice@example.com", "password-bob"))
        self.assert401(self.login("alice@example.com", ""))
        self.assert401(self.login("nobody@example.com", "password-alice"))
        r = self.login("alice@example.com", "password-bob")
        self.assertNotIn("alice", r.json()["message"].lower())
        r = h.request(self.base, "POST", "/authentication", body={"username": "a"})
        self.assertEqual(r.status, 400)

    def test_bearer_on_platform_calls(self):
        tok = self.login("bob@example.com", "password-bob").json()["token"]
        r = self.get("/elements/keys", "Bearer " + tok)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.get("/hubs", "Bearer " + tok).status, 200)
        r = self.get("/authentication/secrets", "Bearer " + tok)
        self.assertEqual(r.json()["organizationSecret"], self.b["organizationSecret"])
        # bad or tampered bearer tokens
        self.assert401(self.get("/elements", "Bearer " + tok[:-2] + "xx"))
        self.assert401(self.get("/elements", "Bearer nope"))
        self.assert401(self.get("/authentication/secrets", "Bearer nope"))

    def test_logout_ends_the_session(self):
        for scheme in ("Bearer", "bearer"):
            tok = self.login("alice@example.com", "password-alice").json()["token"]
            self.assertEqual(self.get("/elements", "%s %s" % (scheme, tok)).status, 200)
            r = h.request(self.base, "DELETE", "/authentication",
                          headers={"Authorization": "%s  %s , Element x" % (scheme, tok)})
            self.assertEqual(r.status, 200, r)
            self.assert401(self.get("/elements", "Bearer " + tok))
        # logging out needs a bearer session, not secrets
        r = h.request(self.base, "DELETE", "/authentication",
                      headers={"Authorization": h.platform_auth(self.a)})
        self.assertEqual(r.status, 400)
        self.assert401(h.request(self.base, "DELETE", "/authentication"))

    def test_secrets_need_auth(self):
        self.assert401(self.get("/authentication/secrets"))
        r = self.get("/authentication/secrets", h.platform_auth(self.a))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["userSecret"], self.a["userSecret"])

    # --- admin create-user while the server runs ------------------------

    def test_create_user_same_org_while_running(self):
        c = h.create_user(self.data, self.a["organizationId"], "carol@example.com",
                          "password-carol")
        self.assertEqual(c["organizationId"], self.a["organizationId"])
        self.assertEqual(c["organizationSecret"], self.a["organizationSecret"])
        self.assertNotEqual(c["userSecret"], self.a["userSecret"])
        self.assertNotEqual(c["userId"], self.a["userId"])
        self.assertEqual(self.get("/elements", h.platform_auth(c)).status, 200)
        tok = self.login("carol@example.com", "password-carol").json()["token"]
        r = self.get("/authentication/secrets", "Bearer " + tok)
        self.assertEqual(r.json()["userSecret"], c["userSecret"])
        # carol's user secret does not work with bob's organization
        self.assert401(self.get("/elements", "User %s, Organization %s" % (
            c["userSecret"], self.b["organizationSecret"])))
        # a bootstrap while running works too
        d = h.bootstrap(self.data, "dave@example.com", "password-dave")
        self.assertEqual(self.get("/elements", h.platform_auth(d)).status, 200)

    def test_create_user_unknown_org(self):
        r = h.run_elementsd("admin", "create-user", "--data-dir", self.data,
                            "--org", "999999", "--email", "eve@example.com",
                            "--password", "password-eve")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("organization", r.stderr)
        r = h.run_elementsd("admin", "create-user", "--data-dir", self.data,
                            "--email", "eve@example.com", "--password", "password-eve")
        self.assertNotEqual(r.returncode, 0)

    # --- secrets at rest and in the log ---------------------------------

    def test_no_secret_in_clear(self):
        tok = self.login("alice@example.com", "password-alice").json()["token"]
        self.assertEqual(self.get("/authentication/secrets", "Bearer " + tok).status, 200)
        self.assertEqual(self.get("/elements", h.platform_auth(self.a)).status, 200)
        self.assert401(self.get("/elements", "User %s, Organization %s" % (
            self.a["userSecret"], self.b["organizationSecret"])))
        needles = [self.a["userSecret"], self.a["organizationSecret"],
                   self.b["userSecret"], self.b["organizationSecret"],
                   "password-alice", "password-bob", tok]
        blobs = h.db_dump(self.data)
        if h.db_backend() == "sqlite":
            self.assertTrue(any(f.endswith("-wal") for f in blobs), list(blobs))
        blobs["log"] = self.srv.read_log().encode()
        self.assertIn(b"access reqid=", blobs["log"])  # the log is really there
        for name, data in blobs.items():
            for n in needles:
                self.assertNotIn(n.encode(), data, "%s found in %s" % (n[:6], name))
                # not in hex either
                self.assertNotIn(n.encode().hex().encode(), data)
        # the email itself is stored (sanity: the grep sees the data)
        self.assertTrue(any(b"alice@example.com" in d for n, d in blobs.items()
                            if n != "log"))

    def test_master_key_file_mode(self):
        st = os.stat(os.path.join(self.data, "master.key"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual(st.st_size, 32)


class MasterKeyFromEnv(unittest.TestCase):
    """ELEMENTSD_MASTER_KEY replaces the key file."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ed-mk-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.data = os.path.join(self.tmp, "data")
        self.key = base64.b64encode(os.urandom(32)).decode()
        self.env = {"ELEMENTSD_MASTER_KEY": self.key}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_env_key_used(self):
        acct = h.bootstrap(self.data, "env@example.com", "password-env", env=self.env)
        self.assertFalse(os.path.exists(os.path.join(self.data, "master.key")))
        srv = h.start_elementsd(self.data, env=self.env)
        try:
            base = srv.base + h.API_BASE
            r = h.request(base, "GET", "/elements",
                          headers={"Authorization": h.platform_auth(acct)})
            self.assertEqual(r.status, 200)
            self.assertFalse(os.path.exists(os.path.join(self.data, "master.key")))
            # the key is not logged
            self.assertNotIn(self.key, srv.read_log())
        finally:
            self.assertEqual(srv.stop(), 0)
        # the same data with another key cannot open the sealed secrets
        other = {"ELEMENTSD_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
        srv = h.start_elementsd(self.data, env=other)
        try:
            r = h.request(srv.base + h.API_BASE, "GET", "/elements",
                          headers={"Authorization": h.platform_auth(acct)})
            self.assertEqual(r.status, 401)
        finally:
            srv.stop()
        # and create-user refuses to work with the wrong key
        r = h.run_elementsd("admin", "create-user", "--data-dir", self.data,
                            "--org", str(acct["organizationId"]), "--email",
                            "x@example.com", "--password", "password-x", env=other)
        self.assertNotEqual(r.returncode, 0)

    def test_concurrent_bootstraps_share_one_key(self):
        """Several admin commands racing on a fresh data dir end up with one
        master key (and one schema): every account works afterwards."""
        procs = [subprocess.Popen([h.ELEMENTSD_BIN, "admin", "bootstrap",
                                   "--data-dir", self.data, "--email",
                                   "race%d@example.com" % i, "--password",
                                   "password-race"] + h.db_flags(self.data),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for i in range(6)]
        accts = []
        for p in procs:
            out, err = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 0, err)
            accts.append(json.loads(out))
        self.assertEqual([x for x in os.listdir(self.data)
                          if x.startswith("master.key.tmp")], [])
        srv = h.start_elementsd(self.data)
        try:
            for a in accts:
                r = h.request(srv.base + h.API_BASE, "GET", "/elements/keys",
                              headers={"Authorization": h.platform_auth(a)})
                self.assertEqual(r.status, 200, a["email"])
        finally:
            srv.stop()

    def test_bad_env_key_refused(self):
        for bad in ("not-base64!!", base64.b64encode(b"short").decode()):
            r = h.run_elementsd("serve", "--listen", "127.0.0.1:%d" % h.free_port(),
                                "--data-dir", self.data,
                                env={"ELEMENTSD_MASTER_KEY": bad}, timeout=10)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("master key", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
