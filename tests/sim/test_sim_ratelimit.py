# SPDX-License-Identifier: MIT
"""hubspot-sim rate limits, 429 bodies, faults and the /__sim control API."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from simutil import KEY, SimCase  # noqa: E402

TEN = {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
       "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"}


class RateLimitTest(SimCase):
    FLAGS = ("--rate-limit", "5/10s", "--search-rate-limit", "2/s", "--daily-limit", "1000")

    def check_429(self, r, expected):
        self.assertEqual(r.status, 429, r)
        b = r.json()
        self.assertEqual(b["correlationId"], r.header("x-hubspot-correlation-id"))
        for k, v in expected.items():
            self.assertEqual(b[k], v)
        self.assertEqual(list(b)[:5], ["status", "message", "errorType", "correlationId", "policyName"])

    def test_ten_secondly_private_app(self):
        for i in range(5):
            r = self.call("GET", "/crm/v3/objects/contacts", query={"limit": 1})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("x-hubspot-ratelimit-max"), "5")
            self.assertEqual(r.header("x-hubspot-ratelimit-remaining"), str(4 - i))
            self.assertEqual(r.header("x-hubspot-ratelimit-interval-milliseconds"), "10000")
            self.assertEqual(r.header("x-hubspot-ratelimit-daily"), "1000")
            self.assertEqual(r.header("x-hubspot-ratelimit-daily-remaining"), str(999 - i))
        r = self.call("GET", "/crm/v3/objects/contacts")
        self.check_429(r, TEN)
        self.assertEqual(r.header("x-hubspot-ratelimit-remaining"), "0")
        # the window rolls: 10 s later the bucket is free again
        self.ctl("POST", "/__sim/clock", {"advance_ms": 10001})
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts").status, 200)
        self.assertGreaterEqual(self.ctl("GET", "/__sim/stats").json()["rateLimited"], 1)

    def test_oauth_bucket_per_app_no_daily_headers(self):
        a, b = self.mint(), self.mint()
        r = self.call("GET", "/crm/v3/owners", token=a["access_token"])
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("x-hubspot-ratelimit-daily"))
        for _ in range(4):
            self.call("GET", "/crm/v3/owners", token=b["access_token"])
        # both tokens belong to the same app and portal: one shared bucket
        self.check_429(self.call("GET", "/crm/v3/owners", token=a["access_token"]), TEN)
        # the private-app token has its own bucket
        self.assertEqual(self.call("GET", "/crm/v3/owners").status, 200)

    def test_burst_and_search_limit(self):
        self.ctl("POST", "/__sim/ratelimit/burst", {})
        self.check_429(self.call("GET", "/crm/v3/objects/deals"), TEN)
        self.ctl("POST", "/__sim/reset", {})
        r = self.call("POST", "/crm/v3/objects/contacts/search", {})
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("x-hubspot-ratelimit-remaining"))
        self.call("POST", "/crm/v3/objects/contacts/search", {})
        self.check_429(self.call("POST", "/crm/v3/objects/contacts/search", {}),
                       {"message": "You have reached your secondly limit.", "policyName": "SECONDLY"})
        self.ctl("POST", "/__sim/ratelimit/burst", {"policy": "daily", "token": KEY})
        self.check_429(self.call("GET", "/crm/v3/objects/deals"),
                       {"message": "You have reached your daily limit.", "policyName": "DAILY"})

    def test_faults(self):
        r = self.ctl("POST", "/__sim/faults", {"count": 2, "status": 503, "path_prefix": "/crm/v3/objects"})
        self.assertEqual(r.status, 201)
        self.assert_error(self.call("GET", "/crm/v3/objects/contacts"), 503)
        self.assertEqual(self.call("GET", "/crm/v3/owners").status, 200)  # prefix does not match
        self.assert_error(self.call("GET", "/crm/v3/objects/contacts"), 503)
        self.assertEqual(self.call("GET", "/crm/v3/objects/contacts").status, 200)
        self.ctl("POST", "/__sim/faults", {"count": 1, "status": 429})
        self.check_429(self.call("GET", "/crm/v3/owners"), TEN)
        self.ctl("POST", "/__sim/faults", {"count": 1, "status": 0, "delay_ms": 400})
        t0 = time.time()
        self.assertEqual(self.call("GET", "/crm/v3/owners").status, 200)
        self.assertGreaterEqual(time.time() - t0, 0.35)
        self.ctl("POST", "/__sim/faults", {"count": 1, "status": 500, "delay_ms": 3000})
        with self.assertRaises(OSError):
            self.call("GET", "/crm/v3/owners", timeout=0.5)



class ControlTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def test_request_log_reset_and_fixtures(self):
        self.ctl("DELETE", "/__sim/requests")
        self.call("POST", "/crm/v3/objects/contacts", {"properties": {"email": "log@example.test"}},
                  headers={"X-Trace": "t1"}, query={"a": "1"})
        self.call("GET", "/crm/v3/owners")
        log = self.ctl("GET", "/__sim/requests").json()
        self.assertEqual(log["total"], 2)
        e = log["results"][0]
        self.assertEqual((e["method"], e["path"], e["status"]), ("POST", "/crm/v3/objects/contacts", 201))
        self.assertEqual(e["query"], {"a": "1"})
        self.assertEqual(e["headers"]["x-trace"], "t1")
        self.assertIn("log@example.test", e["body"])
        log = self.ctl("GET", "/__sim/requests", query={"path_prefix": "/crm/v3/owners"}).json()
        self.assertEqual(log["total"], 1)
        stats = self.ctl("GET", "/__sim/stats").json()
        self.assertEqual(stats["apiCalls"], 2)
        # reset restores fixtures and clears log/counters
        self.ctl("POST", "/__sim/reset", {})
        self.assertEqual(self.ctl("GET", "/__sim/requests").json()["total"], 0)
        self.assertEqual(self.ctl("GET", "/__sim/stats").json().get("apiCalls", 0), 0)
        r = self.call("GET", "/crm/v3/objects/contacts/log@example.test", query={"idProperty": "email"})
        self.assertEqual(r.status, 404)
        # fixtures load (merge) and replace
        fx = {"objects": {"companies": [{"id": "77", "properties": {"name": "Fixture Co", "tier": "gold"}}]},
              "owners": [{"id": "42", "email": "o@example.test", "firstName": "O", "lastName": "W"}],
              "engagements": [{"engagement": {"id": 1, "type": "NOTE"}}]}
        self.assertEqual(self.ctl("POST", "/__sim/fixtures", fx).status, 200)
        c = self.call("GET", "/crm/v3/objects/companies/77", query={"properties": "name,tier"}).json()
        self.assertEqual(c["properties"]["tier"], "gold")
        self.assertEqual(self.call("GET", "/crm/v3/objects/companies/2001").status, 200)
        self.assertEqual(self.call("GET", "/crm/v3/owners/42").status, 200)
        fx["replace"] = True
        self.ctl("POST", "/__sim/fixtures", fx)
        self.assertEqual(self.call("GET", "/crm/v3/objects/companies/2001").status, 404)
        self.assertEqual(len(self.call("GET", "/crm/v3/objects/contacts").json()["results"]), 0)
        self.assertEqual(self.ctl("POST", "/__sim/fixtures", {"objects": {"widgets": []}}).status, 400)
        self.assertEqual(self.ctl("POST", "/__sim/fixtures", raw_body=b"{nope",
                                  headers={"Content-Type": "application/json"}).status, 400)


class LatencyTest(SimCase):
    FLAGS = ("--latency-ms", "150")

    def test_latency_applies_to_api_not_control(self):
        t0 = time.time()
        self.assertEqual(self.call("GET", "/crm/v3/owners").status, 200)
        self.assertGreaterEqual(time.time() - t0, 0.14)
        t0 = time.time()
        self.ctl("GET", "/__sim/stats")
        self.assertLess(time.time() - t0, 0.1)


if __name__ == "__main__":
    unittest.main()
