# SPDX-License-Identifier: MIT
"""Shared helpers for the hub integration tests (Python 3 standard library).

One HubCase class runs one hubspot-sim and one elementsd pointed at it
(bootstrap account, no throttle) for the whole test class; tests create
instances, call /hubs/crm/... with the instance's Element token and read
what the sim received through its control API. Process helpers come from
tests/support/harness.py.
"""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "support"))
import harness as h  # noqa: E402

API_KEY = "pat-na1-test"
DEV_KEY = "dev-key-test"
CLIENT = "cid:csecret"
APP_ID = 1234567  # the sim's default --app-id


class Hub:
    """hubspot-sim + elementsd + one bootstrap account."""

    def __init__(self, sim_flags=(), ed_flags=()):
        self.tmp = tempfile.mkdtemp(prefix="ed-hub-")
        self.sim = h.start_sim("--client", CLIENT, "--api-key", API_KEY,
                               "--developer-key", DEV_KEY, "--log-level", "warn", "--rate-limit", "0",
                               *sim_flags)
        data = os.path.join(self.tmp, "data")
        try:
            self.acct = h.bootstrap(data, "hub@example.com", "password-hub")
            self.ed = h.start_elementsd(
                data, "--hubspot-app-url", self.sim.base, "--hubspot-api-url",
                self.sim.base, "--throttle", "0", "--search-throttle", "0",
                *ed_flags)
        except Exception:
            self.sim.stop()
            raise
        self.base = self.ed.base + h.API_BASE
        self.platform = h.platform_auth(self.acct)

    def stop(self):
        """Stop both; returns (elementsd rc, sim rc, elementsd log tail)."""
        rc = self.ed.stop()
        with open(self.ed.log_path, "rb") as f:
            log = f.read().decode("utf-8", "replace")[-4000:]
        src = self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc, src, log

    # --- platform ------------------------------------------------------------
    def platform_call(self, method, path, body=None):
        return h.request(self.base, method, path, body=body,
                         headers={"Authorization": self.platform})

    def instance(self, config=None, name="t", element="hubspotcrm"):
        """Create an apiKey instance; returns its JSON (token, id, ...)."""
        cfg = {"authentication.type": "apiKey",
               "hubspot.authorization.apikey": API_KEY}
        cfg.update(config or {})
        r = self.platform_call("POST", "/instances", {
            "element": {"key": element}, "configuration": cfg, "name": name})
        if r.status != 200:
            raise AssertionError("instance create failed: %r" % r)
        return r.json()

    # --- hub calls -------------------------------------------------------------
    def call(self, token, method, path, body=None, headers=None, query=None,
             hub="crm"):
        """METHOD /hubs/HUB/PATH with the instance's Element token."""
        hd = {"Authorization": "%s, Element %s" % (self.platform, token)}
        hd.update(headers or {})
        return h.request(self.base, method, "/hubs/%s%s" % (hub, path), body=body,
                         headers=hd, query=query)

    # --- what the sim saw ------------------------------------------------------
    def sim_clear(self):
        h.request(self.sim.base, "DELETE", "/__sim/requests")

    def sim_reset(self):
        r = h.request(self.sim.base, "POST", "/__sim/reset", body={})
        assert r.status == 200, r

    def sim_seen(self, prefix, method=None):
        """Requests the sim received under prefix (oldest first)."""
        q = {"path_prefix": prefix}
        if method:
            q["method"] = method
        r = h.request(self.sim.base, "GET", "/__sim/requests", query=q)
        assert r.status == 200, r
        return r.json()["results"]

    def sim_fixtures(self, doc):
        r = h.request(self.sim.base, "POST", "/__sim/fixtures", body=doc)
        assert r.status == 200, r


# A bulk job's statuses after which it no longer changes.
BULK_FINISHED = ("COMPLETED", "ERROR", "ABORTED", "CANCELLED")


class ClassHub(unittest.TestCase):
    """One Hub per test class (SIM_FLAGS, ED_FLAGS) with the instances
    make_instances() creates; the processes must exit cleanly at the end;
    the sim's data and request log are reset before each test."""

    SIM_FLAGS = ()
    ED_FLAGS = ()

    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(sim_flags=cls.SIM_FLAGS, ed_flags=cls.ED_FLAGS)
        try:
            cls.make_instances()
        except Exception:
            cls.hub.stop()
            raise

    @classmethod
    def make_instances(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        rc, src, log = cls.hub.stop()
        assert rc == 0, "elementsd exited %s:\n%s" % (rc, log)
        assert src == 0, "hubspot-sim exited %s" % src

    def setUp(self):
        self.hub.sim_reset()

    def wait_until(self, get, done, what, timeout=120, period=0.1):
        """get() until done(value), at most timeout seconds; its last value."""
        end = time.time() + timeout
        v = None
        while time.time() < end:
            v = get()
            if done(v):
                return v
            time.sleep(period)
        self.fail("%s never happened: %r" % (what, v))


def sim_tagged_contacts(case, tag, props="email,firstname,lastname"):
    """{email (or "id:<id>"): properties} of the sim's contacts whose
    lastname is tag, read through HubSpot's list API; fails the test case
    on a duplicate."""
    out, after = {}, None
    for _ in range(100):
        q = "/crm/v3/objects/contacts?limit=100&properties=" + props
        if after:
            q += "&after=" + after
        r = h.request(case.hub.sim.base, "GET", q,
                      headers={"Authorization": "Bearer " + API_KEY})
        case.assertEqual(r.status, 200, r)
        b = r.json()
        for rec in b["results"]:
            p = rec["properties"]
            if p.get("lastname") == tag:
                key = p.get("email") or "id:" + rec["id"]
                case.assertNotIn(key, out, "duplicate %s" % key)
                out[key] = p
        after = (b.get("paging") or {}).get("next", {}).get("after")
        if not after:
            return out
    case.fail("no end")


class HubCase(ClassHub):
    """ClassHub with one apiKey instance (self.tok)."""

    CONFIG = {}

    @classmethod
    def make_instances(cls):
        cls.inst = cls.hub.instance(cls.CONFIG)
        cls.tok = cls.inst["token"]

    # --- shortcuts -------------------------------------------------------------
    def call(self, method, path, body=None, token=None, **kw):
        return self.hub.call(token or self.tok, method, path, body=body, **kw)

    def ok(self, method, path, body=None, **kw):
        r = self.call(method, path, body, **kw)
        self.assertEqual(r.status, 200, (method, path, r))
        return r

    def seen(self, prefix, method=None):
        return self.hub.sim_seen(prefix, method)

    def seen_one(self, prefix, method=None):
        s = self.seen(prefix, method)
        self.assertEqual(len(s), 1, s)
        return s[0]

    def assert_error(self, r, status, *words):
        self.assertEqual(r.status, status, r)
        body = r.json()
        self.assertIn("requestId", body)
        for w in words:
            self.assertIn(w, body["message"])
        return body


# --- additions for the CRM tests (test_hub_crm*.py) ---------------------------


class HubFlagsCase(HubCase):
    """HubCase with extra elementsd flags (ED_FLAGS) for the whole class."""

    ED_FLAGS = ()

    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(cls.SIM_FLAGS, cls.ED_FLAGS)
        try:
            cls.inst = cls.hub.instance(cls.CONFIG)
        except Exception:
            cls.hub.stop()
            raise
        cls.tok = cls.inst["token"]


def base_call(hub, token, method, path, body=None, query=None):
    """METHOD PATH directly under the base path (no /hubs/{hub})."""
    hd = {"Authorization": "%s, Element %s" % (hub.platform, token)}
    return h.request(hub.base, method, path, body=body, headers=hd, query=query)


def sim_fault(hub, path_prefix, status=0, count=1, delay_ms=0):
    """Queue a fault at the sim for the next COUNT requests under the prefix."""
    r = h.request(hub.sim.base, "POST", "/__sim/faults",
                  body={"path_prefix": path_prefix, "status": status,
                        "count": count, "delay_ms": delay_ms})
    assert r.status in (200, 201), r


def sim_control(hub, method, path, body=None):
    """Any /__sim/ control call; returns the Response."""
    return h.request(hub.sim.base, method, path, body=body)


def config_entry_set(hub, inst_id, key, value):
    """PATCH /instances/{id}/configuration/{configId} for KEY; returns the
    entry as answered."""
    r = hub.platform_call("GET", "/instances/%s/configuration" % inst_id)
    assert r.status == 200, r
    entry = [e for e in r.json() if e["key"] == key][0]
    r = hub.platform_call("PATCH", "/instances/%s/configuration/%s"
                          % (inst_id, entry["id"]), {"propertyValue": value})
    assert r.status == 200, r
    return r.json()
