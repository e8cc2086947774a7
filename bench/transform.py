#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Virtual resources: what a transformation costs (see bench/README.md).

  transform.py cpu    elementsd CPU per 100-record page: the native call
                      (GET /contacts?pageSize=100&fields=<20 properties>)
                      vs the same page through a 20-field transformation
                      (GET /bench20?pageSize=100), and through the same
                      transformation with a one-line script; interleaved
                      rounds, server pinned to one CPU, wrk to the other.
  transform.py rss    RSS of elementsd after each of 4 segments of 10 s
                      of virtual pages, without and with a script (mapping
                      is bounded: RSS must not grow with the number of
                      pages served).

Figures are ratios within one run: these machines are shared and noisy.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as b  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness  # noqa: E402

PROPS = ["firstname", "lastname", "email", "phone", "company", "city", "state",
         "country", "zip", "address", "jobtitle", "website", "industry",
         "lifecyclestage", "hs_lead_status", "numemployees", "annualrevenue",
         "mobilephone", "fax", "createdate"]
N_RECORDS = 150


def seed_contacts(sim_base):
    recs = []
    for i in range(N_RECORDS):
        p = {k: "%s-value-%d" % (k, i) for k in PROPS}
        p["email"] = "bench%d@example.test" % i
        p["createdate"] = "2026-01-05T09:%02d:00.000Z" % (i % 60)
        p["numemployees"] = str(10 + i)
        recs.append({"id": str(500000 + i), "properties": p,
                     "createdAt": p["createdate"],
                     "updatedAt": p["createdate"]})
    r = harness.request(sim_base, "POST", "/__sim/fixtures",
                        body={"objects": {"contacts": recs}})
    assert r.status == 200, r


def transformation(script=None):
    fields = []
    for k in PROPS:
        f = {"path": "f_" + k, "vendorPath": "properties." + k}
        if k == "numemployees":
            f["type"] = "number"
        if k == "createdate":
            f["type"] = "date"
        fields.append(f)
    fields[0] = {"path": "id", "vendorPath": "id"}
    tf = {"vendorName": "contacts", "fields": fields}
    if script:
        tf["script"] = {"body": script}
    return tf


def setup(st):
    seed_contacts(st.sim.base)
    defn = {"fields": [{"path": f["path"], "type": f.get("type", "string")}
                       for f in transformation()["fields"]]}
    for name, script in (("bench20", None),
                         ("bench20s", "transformedObject.source = 'hubspot';"
                                      " done(transformedObject);")):
        r = harness.request(st.base, "POST",
                            "/organizations/objects/%s/definitions" % name,
                            body=defn, headers={"Authorization": st.platform})
        assert r.status == 200, r
        r = harness.request(st.base, "POST",
                            "/organizations/elements/hubspotcrm/transformations/%s"
                            % name, body=transformation(script),
                            headers={"Authorization": st.platform})
        assert r.status == 200, r


def urls(st):
    hub = st.ed.base + "/elements/api-v2/hubs/crm"
    return [("native", hub + "/contacts?pageSize=100&fields=" + ",".join(PROPS)),
            ("virtual", hub + "/bench20?pageSize=100"),
            ("script", hub + "/bench20s?pageSize=100")]


def check(st, url):
    path = url.split("/elements/api-v2", 1)[1]
    r = harness.request(st.base, "GET", path, headers={"Authorization": st.auth})
    assert r.status == 200, r
    n = len(r.json())
    assert n == 100, n
    return len(r.body)


def cmd_cpu(a):
    st = b.Stack()
    try:
        setup(st)
        us = urls(st)
        for name, url in us:
            print("%-8s page of 100: %d bytes" % (name, check(st, url)))
        pids = [st.ed_pid()]
        res = {n: [] for n, _ in us}
        for rnd in range(a.rounds):
            for name, url in us:
                c0 = b.cpu_seconds(pids)
                w = b.wrk(url, st.auth, a.conns, a.secs)
                c1 = b.cpu_seconds(pids)
                if w["non2xx"] or w["sockerr"] or not w["requests"]:
                    raise SystemExit("errors in %s: %s" % (name, w["raw"]))
                res[name].append((c1 - c0) * 1e6 / w["requests"])
            print("round %d: " % (rnd + 1) + ", ".join(
                "%s %.0f us" % (n, res[n][-1]) for n, _ in us))
        for name in ("virtual", "script"):
            ratios = sorted(v / n for v, n in zip(res[name], res["native"]))
            print("%s / native CPU per page: median %.2f (min %.2f, max %.2f)"
                  % (name, ratios[len(ratios) // 2], ratios[0], ratios[-1]))
    finally:
        st.stop()


def cmd_rss(a):
    st = b.Stack()
    try:
        setup(st)
        pid = st.ed_pid()
        for name, url in urls(st):
            check(st, url)
            b.wrk(url, st.auth, 8, 3)
            rss = [b.rss_kb(pid)]
            pages = 0
            for _ in range(a.segments):
                w = b.wrk(url, st.auth, 8, a.secs)
                pages += w["requests"]
                rss.append(b.rss_kb(pid))
            print("%-8s %d pages in %d segments of %d s; RSS KiB after each: %s"
                  % (name, pages, a.segments, a.secs,
                     " ".join(str(x) for x in rss)))
    finally:
        st.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cpu")
    c.add_argument("--rounds", type=int, default=5)
    c.add_argument("--secs", type=int, default=4)
    c.add_argument("--conns", type=int, default=8)
    r = sub.add_parser("rss")
    r.add_argument("--secs", type=int, default=10)
    r.add_argument("--segments", type=int, default=4)
    a = ap.parse_args()
    {"cpu": cmd_cpu, "rss": cmd_rss}[a.cmd](a)


if __name__ == "__main__":
    main()
