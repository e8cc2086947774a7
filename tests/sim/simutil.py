# SPDX-License-Identifier: MIT
"""Shared helpers for the hubspot-sim tests: start a sim, call it with a token."""
import json
import os
import sys
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

import harness  # noqa: E402

KEY = "pat-na1-11111111-2222-3333-4444-555555555555"
CLIENT = "client-one"
SECRET = "secret-one"
REDIRECT = "http://localhost:9999/callback"


class SimCase(unittest.TestCase):
    """One simulator per test class; FLAGS adds command-line flags."""

    FLAGS = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = harness.start_sim("--api-key", KEY, "--client", CLIENT + ":" + SECRET,
                                    "--log-level", "warn", *cls.FLAGS)
        cls.base = cls.sim.base

    @classmethod
    def tearDownClass(cls):
        rc = cls.sim.stop()
        if rc != 0:
            raise AssertionError("hubspot-sim exited %s:\n%s" % (rc, cls.sim.read_log()))

    def setUp(self):
        r = self.ctl("POST", "/__sim/reset", {})
        self.assertEqual(r.status, 200, r)

    # -- helpers -------------------------------------------------------------
    def call(self, method, path, body=None, token=KEY, headers=None, **kw):
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        return harness.request(self.base, method, path, body=body, headers=h, **kw)

    def ctl(self, method, path, body=None, **kw):
        return harness.request(self.base, method, path, body=body, **kw)

    def form(self, path, fields):
        return harness.form(self.base, path, fields)

    def mint(self, **body):
        r = self.ctl("POST", "/__sim/tokens", body)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def assert_error(self, r, status, category=None, message=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.header("content-type", "").startswith("application/json"), r.headers)
        b = r.json()
        cid = r.header("x-hubspot-correlation-id")
        self.assertTrue(cid)
        self.assertEqual(b.get("correlationId"), cid)
        self.assertEqual(b.get("status"), "error")
        if category:
            self.assertEqual(b.get("category"), category, b)
        if message:
            self.assertEqual(b.get("message"), message, b)
        return b


def query_of(location):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def dumps(obj):
    return json.dumps(obj)
