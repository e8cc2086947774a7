# SPDX-License-Identifier: MIT
"""GET /metrics on --metrics-listen (docs/metrics.md): the exposition is
valid (a strict parser with promtool's conventions, and promtool itself when
installed), its counters move as the traffic says (hub calls by route,
HubSpot calls by family and status, a 429, retries, token refreshes and
their failures, cache lookups), its label values never carry an instance id,
token or portal id, only GET /metrics is served there, and every query of
the Grafana dashboard (docs/grafana-elementsd.json) names series that
exist."""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402
import instutil as iu  # noqa: E402
import promtext  # noqa: E402

h = u.h
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HUB_ROUTE = "/hubs/{hub}/*"


def scrape(port):
    r = h.request("http://127.0.0.1:%d" % port, "GET", "/metrics")
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("text/plain; version=0.0.4"), r.headers
    text = r.body.decode("utf-8")
    return text, promtext.lint(text)[2]


class Metrics(u.HubFlagsCase):
    PORT = h.free_port()
    ED_FLAGS = ("--metrics-listen", "127.0.0.1:%d" % PORT, "--retry-budget-ms", "0")

    def scrape(self):
        return scrape(self.PORT)

    def test_hub_calls_are_counted_by_route_and_family(self):
        _, before = self.scrape()
        for _ in range(3):
            self.ok("GET", "/contacts")
        _, after = self.scrape()

        def delta(name, **labels):
            return (promtext.value(after, name, **labels) -
                    promtext.value(before, name, **labels))
        self.assertEqual(delta("elementsd_http_requests_total", route=HUB_ROUTE,
                               method="GET", code="200"), 3)
        self.assertEqual(delta("elementsd_http_request_duration_seconds_count",
                               route=HUB_ROUTE), 3)
        self.assertEqual(delta("elementsd_hubspot_requests_total",
                               family="crm-objects", code="200"), 3)
        self.assertEqual(delta("elementsd_hubspot_request_duration_seconds_count",
                               family="crm-objects"), 3)
        self.assertEqual(delta("elementsd_hubspot_rate_limited_total"), 0)
        # the route below the hub is not a label: no path with an id leaks
        self.assertEqual(len(self.seen("/crm/v3/objects/contacts")), 3)

    def test_429_and_search_are_counted(self):
        _, before = self.scrape()
        u.sim_fault(self.hub, "/crm/v3/objects/contacts/search", 429, count=1)
        r = self.call("GET", "/contacts", query={"where": "firstname='Ada'"})
        self.assertEqual(r.status, 429, r)
        _, after = self.scrape()

        def delta(name, **labels):
            return (promtext.value(after, name, **labels) -
                    promtext.value(before, name, **labels))
        self.assertEqual(delta("elementsd_hubspot_rate_limited_total", family="search"), 1)
        self.assertEqual(delta("elementsd_hubspot_requests_total", family="search",
                               code="429"), 1)
        self.assertEqual(delta("elementsd_http_requests_total", route=HUB_ROUTE,
                               method="GET", code="429"), 1)
        # --retry-budget-ms 0: answered at once, no retry
        self.assertEqual(delta("elementsd_hubspot_retries_total"), 0)

    def test_transient_retry_and_unmatched_route(self):
        _, before = self.scrape()
        u.sim_fault(self.hub, "/crm/v3/objects/contacts/101", 503, count=1)
        self.ok("GET", "/contacts/101")
        r = h.request(self.hub.ed.base, "GET", "/elsewhere")
        self.assertEqual(r.status, 404, r)
        _, after = self.scrape()

        def delta(name, **labels):
            return (promtext.value(after, name, **labels) -
                    promtext.value(before, name, **labels))
        self.assertEqual(delta("elementsd_hubspot_retries_total", reason="transient"), 1)
        self.assertEqual(delta("elementsd_hubspot_requests_total", family="crm-objects",
                               code="503"), 1)
        self.assertEqual(delta("elementsd_http_requests_total", route="none",
                               method="GET", code="404"), 1)

    def test_no_identifier_in_any_label(self):
        self.ok("GET", "/contacts")
        self.ok("GET", "/contacts/101")
        self.call("GET", "/contacts/999999")
        text, samples = self.scrape()
        inst_id = str(self.inst["id"])
        values = {v for _, labels, _ in samples for k, v in labels.items() if k != "le"}
        names = {k for _, labels, _ in samples for k in labels}
        self.assertLessEqual(names, {"route", "method", "code", "family", "reason", "kind",
                                     "result", "cache", "status", "state", "le"})
        for v in values:
            self.assertNotEqual(v, inst_id)
            self.assertNotIn(self.tok, v)
            self.assertNotIn("101", v)
            self.assertFalse(re.search(r"\d{4,}", v), v)  # no id of any kind
        self.assertNotIn(self.tok, text)

    def test_exposition_is_valid(self):
        text, samples = self.scrape()
        for fam in ("elementsd_events_outbox_depth", "elementsd_bulk_jobs",
                    "elementsd_db_pool_connections_in_use",
                    "elementsd_hubspot_throttle_portals", "process_open_fds",
                    "process_resident_memory_bytes", "process_start_time_seconds"):
            self.assertIn("# TYPE %s gauge" % fam, text)
        self.assertEqual(promtext.value(samples, "elementsd_events_outbox_depth",
                                        status="pending"), 0)
        self.assertGreater(promtext.value(samples, "process_resident_memory_bytes"), 0)
        self.assertEqual(promtext.value(samples, "elementsd_metrics_dropped_total"), 0)
        promtool = shutil.which("promtool")
        if not promtool:
            return  # promtext.lint above is the check (docs/metrics.md)
        p = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_only_metrics_is_served_there(self):
        base = "http://127.0.0.1:%d" % self.PORT
        self.assertEqual(h.request(base, "GET", "/").status, 404)
        self.assertEqual(h.request(base, "GET", "/metrics/x").status, 404)
        self.assertEqual(h.request(base, "POST", "/metrics", body={}).status, 405)
        self.assertEqual(h.request(base, "GET", h.API_BASE + "/health").status, 404)
        # and the API does not serve it
        self.assertNotEqual(h.request(self.hub.ed.base, "GET", "/metrics").status, 200)

    def test_dashboard_queries_name_existing_series(self):
        text, samples = self.scrape()
        types, _, _ = promtext.parse(text)
        known = set()
        for fam, t in types.items():
            known.add(fam)
            if t == "histogram":
                known |= {fam + "_bucket", fam + "_sum", fam + "_count"}
        with open(os.path.join(ROOT, "docs", "grafana-elementsd.json")) as f:
            dash = json.load(f)
        exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
        self.assertGreaterEqual(len(exprs), 10)
        funcs = {"sum", "rate", "irate", "increase", "by", "histogram_quantile", "le",
                 "without", "max", "min", "avg", "clamp_min", "topk", "time", "on",
                 "ignoring", "or", "and", "unless", "count", "deriv", "delta"}
        for e in exprs:
            body = re.sub(r"\{[^}]*\}", "", e)            # label matchers
            body = re.sub(r"\[[^\]]*\]", "", body)        # ranges
            body = re.sub(r"by \([^)]*\)", "", body)      # groupings
            body = re.sub(r"\"[^\"]*\"", "", body)
            body = re.sub(r"(?<![a-zA-Z_])\d[\d.]*(e-?\d+)?", "", body)  # numbers
            names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", body)) - funcs
            self.assertTrue(names, e)
            for n in names:
                self.assertIn(n, known, "dashboard query %r names unknown series %s" % (e, n))


class RefreshMetrics(unittest.TestCase):
    """Token refreshes and their failures (OAuth instances)."""

    PORT = h.free_port()

    @classmethod
    def setUpClass(cls):
        cls.env = iu.InstEnv("ed-metrics-", ed_flags=(
            "--metrics-listen", "127.0.0.1:%d" % cls.PORT))

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    def test_refreshes_and_failures(self):
        e = self.env
        inst = e.create_code(name="metrics-refresh")
        _, before = scrape(self.PORT)
        e.expire(e.current_access_token(inst["token"]))
        self.assertEqual(e.hub(inst["token"]).status, 200)
        _, mid = scrape(self.PORT)

        def delta(a, b, name, **labels):
            return promtext.value(b, name, **labels) - promtext.value(a, name, **labels)
        self.assertEqual(delta(before, mid, "elementsd_token_refreshes_total",
                               result="success"), 1)
        self.assertEqual(delta(before, mid, "elementsd_hubspot_retries_total",
                               reason="unauthorized"), 1)
        self.assertGreaterEqual(delta(before, mid, "elementsd_hubspot_requests_total",
                                      family="auth", code="200"), 1)
        self.assertGreaterEqual(delta(before, mid, "elementsd_cache_lookups_total"), 1)
        # a revoked grant: the refresh is rejected, the instance invalid
        self.assertEqual(e.sim_call("POST", "/__sim/tokens/revoke", {"all": True}).status, 200)
        self.assertEqual(e.sim_call("POST", "/__sim/tokens/expire", {"all": True}).status, 200)
        r = e.hub(inst["token"])
        self.assertEqual(r.status, 401, r)
        _, after = scrape(self.PORT)
        self.assertEqual(delta(mid, after, "elementsd_token_refreshes_total",
                               result="rejected"), 1)
        self.assertEqual(delta(mid, after, "elementsd_token_refreshes_total",
                               result="success"), 0)


if __name__ == "__main__":
    unittest.main()
