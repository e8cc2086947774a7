# SPDX-License-Identifier: MIT
"""HubSpot errors on CRM calls over real HTTP, elementsd against hubspot-sim
(docs/hub-api.md "Errors from HubSpot"): 4xx keep their status with
HubSpot's body in providerMessage, 5xx become 502 and timeouts 504 after one
retry of an idempotent call (never of a create), 429 is retried within
--retry-budget-ms and then answered 429 with Retry-After. The sim's fault
injection produces the failures; its request log shows the retries."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

CONTACTS = "/crm/v3/objects/contacts"
TIMEOUT_MS = 400
BUDGET_MS = 2500


class Errors(u.HubFlagsCase):
    SIM_FLAGS = ("--search-rate-limit", "0")
    ED_FLAGS = ("--provider-timeout-ms", str(TIMEOUT_MS),
                "--retry-budget-ms", str(BUDGET_MS))

    def fault(self, prefix, status=0, count=1, delay_ms=0):
        u.sim_fault(self.hub, prefix, status, count, delay_ms)

    def statuses(self, prefix, method=None):
        return [s["status"] for s in self.seen(prefix, method)]

    def assert_mapped(self, r, status, words=(), provider=True):
        b = self.assert_error(r, status, *words)
        self.assertEqual(r.header("Elements-Element-Instance-Id"), str(self.inst["id"]))
        self.assertEqual(r.header("Elements-Request-Id"), b["requestId"])
        if provider:
            self.assertIn("providerMessage", b)
            return json.loads(b["providerMessage"])
        return b

    # --- 4xx: same status, HubSpot's body --------------------------------------------
    def test_unknown_property_is_400(self):
        for method, path in (("POST", "/contacts"), ("PATCH", "/contacts/101"),
                             ("PUT", "/contacts/101")):
            self.hub.sim_clear()
            r = self.call(method, path, {"email": "x@zz.test", "shoeSize": "9"})
            pm = self.assert_mapped(r, 400)
            self.assertEqual(pm["category"], "VALIDATION_ERROR")
            self.assertEqual(pm["errors"][0]["code"], "PROPERTY_DOESNT_EXIST")
            self.assertEqual(pm["errors"][0]["context"], {"propertyName": ["shoesize"]})
            self.assertEqual(self.statuses(CONTACTS), [400])  # a 4xx is not retried

    def test_duplicate_email_is_409(self):
        r = self.call("POST", "/contacts", {"email": "ada.lovelace@example.test"})
        pm = self.assert_mapped(r, 409)
        self.assertEqual(pm["message"], "Contact already exists. Existing ID: 101")
        self.assertEqual(pm["category"], "CONFLICT")
        r = self.call("PATCH", "/contacts/102", {"email": "ada.lovelace@example.test"})
        self.assertEqual(self.assert_mapped(r, 409)["category"], "CONFLICT")
        self.assertEqual(self.statuses(CONTACTS), [409, 409])

    def test_other_4xx_keep_their_status(self):
        for status in (403, 401, 423):
            self.hub.sim_clear()
            self.fault(CONTACTS, status)
            r = self.call("GET", "/contacts/101")
            self.assert_mapped(r, status)
            self.assertEqual(self.statuses(CONTACTS), [status])
        self.assertEqual(self.call("GET", "/contacts/101").status, 200)

    # --- 5xx: 502 after one retry of an idempotent call ----------------------------------
    def test_5xx_retried_once_then_502(self):
        self.fault(CONTACTS, 500, count=2)
        t0 = time.monotonic()
        r = self.call("GET", "/contacts/101")
        self.assertGreaterEqual(time.monotonic() - t0, 0.25)
        pm = self.assert_mapped(r, 502)
        self.assertEqual(pm["status"], "error")
        self.assertEqual(self.statuses(CONTACTS), [500, 500])
        # a list and a search too
        for q in ({}, {"where": "firstname='Ada'"}):
            self.hub.sim_clear()
            self.fault(CONTACTS, 503, count=2)
            self.assert_mapped(self.call("GET", "/contacts", query=q), 502)
            self.assertEqual(self.statuses(CONTACTS), [503, 503])

    def test_5xx_once_is_retried_for_idempotent_calls(self):
        cases = (("GET", "/contacts/101", None, "GET"),
                 ("GET", "/contacts", {"where": "firstname='Ada'"}, "POST"),
                 ("PATCH", "/contacts/101", {"lastname": "L"}, "PATCH"),
                 ("PUT", "/contacts/101", {"lastname": "M"}, "PATCH"))
        for method, path, b, hs_method in cases:
            self.hub.sim_clear()
            self.fault(CONTACTS, 502)
            q = b if method == "GET" else None
            r = self.call(method, path, None if method == "GET" else b, query=q)
            self.assertEqual(r.status, 200, (method, path, r))
            self.assertEqual(self.statuses(CONTACTS, hs_method), [502, 200], (method, path))
        self.assertEqual(self.ok("GET", "/contacts/101").json()["properties"]["lastname"], "M")
        # DELETE: the read and the archive are each retried
        self.hub.sim_clear()
        self.fault(CONTACTS, 503)
        self.assertEqual(self.ok("DELETE", "/contacts/103").json(), {})
        self.assertEqual([(s["method"], s["status"]) for s in self.seen(CONTACTS)],
                         [("GET", 503), ("GET", 200), ("DELETE", 204)])

    def test_create_is_not_retried(self):
        self.fault(CONTACTS, 500)
        r = self.call("POST", "/contacts", {"email": "once@zz.test"})
        self.assert_mapped(r, 502)
        self.assertEqual(self.statuses(CONTACTS), [500])
        r = self.ok("GET", "/contacts", query={"where": "email='once@zz.test'"})
        self.assertEqual(r.json(), [])

    # --- timeouts: 504 ------------------------------------------------------------------
    def wait_logged(self, prefix, n, timeout=3.0):
        """The sim logs a request once it answered it (after the delay)."""
        deadline = time.monotonic() + timeout
        while len(self.seen(prefix)) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.seen(prefix)

    def test_timeout_is_504(self):
        delay = TIMEOUT_MS + 250
        self.fault(CONTACTS, 0, count=2, delay_ms=delay)
        t0 = time.monotonic()
        r = self.call("GET", "/contacts/101")
        took = time.monotonic() - t0
        self.assert_mapped(r, 504, provider=False)
        self.assertGreaterEqual(took, 2 * TIMEOUT_MS / 1000 + 0.25)
        self.assertLess(took, 2 * delay / 1000 + 0.25)
        self.assertEqual(len(self.wait_logged(CONTACTS, 2)), 2)
        # a create times out once: not retried
        self.hub.sim_clear()
        self.fault(CONTACTS, 0, count=1, delay_ms=delay)
        self.assert_mapped(self.call("POST", "/contacts", {"email": "slow@zz.test"}), 504,
                           provider=False)
        self.assertEqual(len(self.wait_logged(CONTACTS, 1)), 1)
        time.sleep(0.3)
        self.assertEqual(len(self.seen(CONTACTS)), 1)
        # a slow answer within the timeout is fine
        self.fault(CONTACTS, 0, count=1, delay_ms=TIMEOUT_MS // 3)
        self.assertEqual(self.call("GET", "/contacts/101").status, 200)

    # --- 429 ----------------------------------------------------------------------------
    def test_429(self):
        """Four cases at once (each on its own path, so its own faults):
        HubSpot's 429 carries no Retry-After, so elementsd waits 2 s (1 s
        for search) per retry while the total stays within the 2.5 s
        budget, then answers 429 with Retry-After."""
        cases = {
            # name: (fault prefix, 429s, method, path, body, query,
            #        status, statuses at the sim, min s, max s)
            "get once": ("/crm/v3/objects/contacts/101", 1, "GET", "/contacts/101", None, None,
                         200, [429, 200], 2.0, 3.5),
            "get twice": ("/crm/v3/objects/companies", 2, "GET", "/accounts/2001", None, None,
                          429, [429, 429], 2.0, 3.5),
            "search": ("/crm/v3/objects/contacts/search", 5, "GET", "/contacts", None,
                       {"where": "firstname='Ada'"}, 429, [429, 429, 429], 2.0, 3.5),
            # a 429 means HubSpot did not run the call: a create is retried too
            "create": ("/crm/v3/objects/deals", 1, "POST", "/opportunities", {"dealname": "r"},
                       None, 200, [429, 201], 2.0, 3.5),
        }
        for prefix, n, *_ in cases.values():
            self.fault(prefix, 429, count=n)
        results = {}

        def run(name):
            _, _, method, path, b, q, *_ = cases[name]
            t0 = time.monotonic()
            r = self.call(method, path, b, query=q)
            results[name] = (r, time.monotonic() - t0)
        threads = [threading.Thread(target=run, args=(k,)) for k in cases]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for name, (prefix, _, method, path, b, q, status, seen, lo, hi) in cases.items():
            r, took = results[name]
            self.assertEqual(r.status, status, (name, r))
            self.assertEqual(self.statuses(prefix), seen, name)
            self.assertTrue(lo <= took < hi, (name, took))
            if status == 429:
                pm = self.assert_mapped(r, 429)
                self.assertEqual(pm["policyName"], "TEN_SECONDLY_ROLLING")
                self.assertTrue(r.header("Retry-After", "").isdigit(), (name, r.headers))
                self.assertGreater(int(r.header("Retry-After")), 0)


class Unreachable(u.HubCase):
    """HubSpot gone (the sim stopped after the instance was made): 502 after
    one retry of an idempotent call."""

    SIM_FLAGS = ("--search-rate-limit", "0")

    def setUp(self):
        pass  # no sim to reset

    def test_unreachable_is_502(self):
        self.hub.sim.stop()
        for method, path, b in (("GET", "/contacts/101", None), ("GET", "/contacts", None),
                                ("POST", "/contacts", {"email": "x@zz.test"}),
                                ("GET", "/ping", None)):
            t0 = time.monotonic()
            r = self.call(method, path, b)
            took = time.monotonic() - t0
            b = self.assert_error(r, 502, "could not be reached")
            self.assertNotIn("providerMessage", b)
            self.assertEqual(r.header("Elements-Element-Instance-Id"), str(self.inst["id"]))
            # idempotent calls wait 250 ms for their one retry, a create does not
            if method == "GET":
                self.assertGreaterEqual(took, 0.25, path)
            else:
                self.assertLess(took, 0.25)


if __name__ == "__main__":
    unittest.main()
