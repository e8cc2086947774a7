# SPDX-License-Identifier: MIT
"""Throttling before the 429 over real HTTP (docs/hub-api.md "Throttling
before the 429"): elementsd with --throttle 10 --search-throttle 2 against a
hubspot-sim that enforces the same limits (--rate-limit 10, a rolling ten
seconds, --search-rate-limit 2 per second). A burst larger than the limit
is delayed, not bounced: every call succeeds, the sim never answers 429,
the first window's worth goes out at once, and no rolling window at the sim
holds more calls than the limit. Takes about 13 s (the window is 10 s)."""
import datetime
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubutil as u  # noqa: E402

PER_10S = 10
SEARCH_PER_S = 2


def sim_ms(req):
    """The sim's receive time of a logged request, epoch ms."""
    t = datetime.datetime.strptime(req["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


class Throttle(u.HubFlagsCase):
    SIM_FLAGS = ("--rate-limit", str(PER_10S), "--search-rate-limit", str(SEARCH_PER_S))
    ED_FLAGS = ("--throttle", str(PER_10S), "--search-throttle", str(SEARCH_PER_S))

    def burst(self, calls):
        """Run calls [(token, path, query)] at once; returns [(status, s)]."""
        out = [None] * len(calls)

        def run(i):
            tok, path, q = calls[i]
            t0 = time.monotonic()
            r = self.call("GET", path, token=tok, query=q)
            out[i] = (r.status, time.monotonic() - t0, r)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out

    def assert_smoothed(self, seen, limit, window_ms, n):
        self.assertEqual(len(seen), n, [(s["path"], s["status"]) for s in seen])
        self.assertEqual([s["status"] for s in seen], [200] * n)
        times = sorted(sim_ms(s) for s in seen)
        # the first window's worth at once
        self.assertLess(times[limit - 1] - times[0], 0.5 * window_ms, times)
        # never more than `limit` in any rolling window at the sim
        for i, t in enumerate(times):
            inside = [x for x in times[:i + 1] if x > t - window_ms]
            self.assertLessEqual(len(inside), limit, (i, times))
        # the rest waited for the window (and not much longer)
        self.assertGreaterEqual(times[limit] - times[0], window_ms - 5, times)
        return times

    def test_burst_is_smoothed_not_bounced(self):
        # two instances on the same portal share the bucket
        other = self.hub.instance(name="same-portal")["token"]
        n = PER_10S + 5
        calls = [(self.tok if i % 2 else other, "/contacts/%d" % (101 + i), None)
                 for i in range(n)]
        t0 = time.monotonic()
        got = self.burst(calls)
        took = time.monotonic() - t0
        self.assertEqual([g[0] for g in got], [200] * n, [g[2] for g in got if g[0] != 200])
        times = self.assert_smoothed(self.seen("/crm"), PER_10S, 10000, n)
        self.assertLess(times[-1] - times[0], 12000, times)
        self.assertEqual(sum(1 for g in got if g[1] < 1.0), PER_10S)
        self.assertGreaterEqual(took, 10.0)
        self.assertLess(took, 13.0)
        stats = u.sim_control(self.hub, "GET", "/__sim/stats").json()
        self.assertEqual(stats.get("rateLimited", 0), 0, stats)

    def test_search_burst_is_smoothed(self):
        n = 3 * SEARCH_PER_S
        calls = [(self.tok, "/contacts", {"where": "firstname='Ada'"})] * n
        t0 = time.monotonic()
        got = self.burst(calls)
        took = time.monotonic() - t0
        self.assertEqual([g[0] for g in got], [200] * n, [g[2] for g in got if g[0] != 200])
        self.assert_smoothed(self.seen("/crm/v3/objects/contacts/search"), SEARCH_PER_S,
                             1000, n)
        self.assertGreaterEqual(took, 2.0)
        self.assertLess(took, 3.5)
        stats = u.sim_control(self.hub, "GET", "/__sim/stats").json()
        self.assertEqual(stats.get("rateLimited", 0), 0, stats)


if __name__ == "__main__":
    unittest.main()
