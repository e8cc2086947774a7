#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What /metrics bookkeeping costs a hub call, in instructions (bench/README.md
"Metrics"). callgrind on `elementsd serve --threads 1`, with and without
--metrics-listen (without it every hook is one untaken branch), N calls of
GET /hubs/crm/contacts?pageSize=20 against hubspot-sim; instructions per
call are the difference between a LONG-call and a SHORT-call run divided by
their difference, so start-up and shutdown cancel out.

    python3 bench/metrics_callgrind.py [--short 300] [--long 1300]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness as h  # noqa: E402

API_KEY = "pat-na1-bench"


# The bookkeeping itself: self cost of src/metrics/metrics.c, plus the
# hooks' helpers (inclusive: the endpoint-family match calls libc).
HOOKS = ("hs_metrics_call", "http_metrics_count")


def bookkeeping(path):
    p = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                       capture_output=True, text=True)
    own = 0
    for line in p.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+) .*?(\S+):(\S+)", line)
        if m and "metrics/metrics.c" in m.group(2):
            own += int(m.group(1).replace(",", ""))
    p = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                       capture_output=True, text=True)
    for line in p.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+) .*?(\S+):(\S+)", line)
        if m and m.group(3).split(" ")[0] in HOOKS:
            own += int(m.group(1).replace(",", ""))
    return own


def run(calls, metrics):
    tmp = tempfile.mkdtemp(prefix="ed-mxcg-")
    sim = h.start_sim("--api-key", API_KEY, "--rate-limit", "0",
                      "--search-rate-limit", "0", "--log-level", "warn")
    try:
        data = os.path.join(tmp, "data")
        acct = h.bootstrap(data, "bench@example.com", "password-bench")
        port = h.free_port()
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/cg.%%p" % tmp,
                h.ELEMENTSD_BIN, "serve", "--listen", "127.0.0.1:%d" % port,
                "--data-dir", data, "--threads", "1", "--log-level", "warn",
                "--hubspot-api-url", sim.base, "--hubspot-app-url", sim.base,
                "--throttle", "0", "--search-throttle", "0"]
        if metrics:
            argv += ["--metrics-listen", "127.0.0.1:%d" % h.free_port()]
        log = open(os.path.join(tmp, "ed.log"), "wb")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        h.wait_port(port, timeout=120)
        base = "http://127.0.0.1:%d%s" % (port, h.API_BASE)
        auth = h.platform_auth(acct)
        r = h.request(base, "POST", "/instances", headers={"Authorization": auth}, body={
            "element": {"key": "hubspotcrm"}, "name": "cg",
            "configuration": {"authentication.type": "apiKey",
                              "hubspot.authorization.apikey": API_KEY}}, timeout=120)
        assert r.status == 200, r
        hd = {"Authorization": "%s, Element %s" % (auth, r.json()["token"])}
        for _ in range(calls):
            r = h.request(base, "GET", "/hubs/crm/contacts", headers=hd,
                          query={"pageSize": "20"}, timeout=120)
            assert r.status == 200, r
        p.terminate()
        p.wait(timeout=300)
        total, own = 0, 0
        for f in glob.glob(os.path.join(tmp, "cg.*")):
            with open(f) as fh:
                for line in fh:
                    m = re.match(r"^(summary|totals): (\d+)", line)
                    if m:
                        total = max(total, int(m.group(2)))
            if metrics:
                own += bookkeeping(f)
        return total, own
    finally:
        sim.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--short", type=int, default=300)
    ap.add_argument("--long", type=int, default=1300)
    a = ap.parse_args()
    out, own = {}, 0
    for metrics in (False, True):
        t0 = time.monotonic()
        lo, own_lo = run(a.short, metrics)
        hi, own_hi = run(a.long, metrics)
        out[metrics] = (hi - lo) / (a.long - a.short)
        if metrics:
            own = (own_hi - own_lo) / (a.long - a.short)
        print("metrics=%s: %.0f instructions per call (%.0f s)"
              % ("on" if metrics else "off", out[metrics], time.monotonic() - t0),
              flush=True)
    print("difference of the runs: %+.0f instructions per call (%+.2f %%)"
          % (out[True] - out[False], 100.0 * (out[True] - out[False]) / out[False]))
    print("bookkeeping in the metrics code itself: %.0f instructions per call "
          "(%.2f %% of %.0f)" % (own, 100.0 * own / out[True], out[True]))


if __name__ == "__main__":
    main()
