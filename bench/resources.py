#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Marketing and CRM resources through the hub: CPU per KB (see bench/README.md).

  resources.py        elementsd CPU per KB of response for contacts and each
                      resource of issue 14 (lists, files, folders, forms,
                      emails, campaigns, workflows, properties,
                      associations), each a full page from a seeded
                      hubspot-sim, on one HubSpot Marketing instance;
                      interleaved rounds, elementsd pinned to one CPU, wrk
                      to the other; the median of each resource's ratio to
                      contacts in the same round, per KB (raw) and against
                      contacts at the same answer size (matched: contacts'
                      CPU per call fitted as fixed + per-KB from pages of 50
                      and 100, so a resource whose records are small is not
                      charged the per-call cost every answer pays).

CPU is elementsd's /proc/<pid>/stat utime+stime over the calls of a wrk
run; KB are the bytes of the answer's body (one checked call per resource).
Figures are ratios within one run: these machines are shared and noisy.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as b  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import harness  # noqa: E402

N = 100  # a full page (HubSpot's maximum)
PROPS = ["firstname", "lastname", "email", "phone", "company", "city", "state",
         "country", "zip", "address", "jobtitle", "website"]
BOUNDARY = "benchboundary7d1f"


def fixtures():
    contacts, companies, assoc = [], [], []
    for i in range(N + 20):
        p = {k: "%s-value-%d" % (k, i) for k in PROPS}
        p["email"] = "bench%d@example.test" % i
        contacts.append({"id": str(500000 + i), "properties": p,
                         "createdAt": "2026-01-05T09:00:00.000Z",
                         "updatedAt": "2026-01-05T09:00:00.000Z"})
    for i in range(N):
        cid = str(600000 + i)
        companies.append({"id": cid, "properties": {
            "name": "Company %d" % i, "domain": "c%d.example.test" % i,
            "city": "City %d" % i, "industry": "RESEARCH"},
            "createdAt": "2026-01-05T09:00:00.000Z",
            "updatedAt": "2026-01-05T09:00:00.000Z"})
        assoc.append({"from": {"type": "contacts", "id": "500000"},
                      "to": {"type": "companies", "id": cid}})
    props = [{"name": "bench_prop_%d" % i, "label": "Bench property %d" % i,
              "type": "string", "fieldType": "text",
              "groupName": "contactinformation"} for i in range(N)]
    campaigns = [{"id": "7a000000-0000-4000-8000-%012d" % i,
                  "properties": {"hs_name": "Campaign %d" % i,
                                 "hs_start_date": "2026-02-01",
                                 "hs_end_date": "2026-03-01",
                                 "hs_notes": "notes for campaign %d" % i},
                  "createdAt": "2026-01-05T09:00:00.000Z",
                  "updatedAt": "2026-01-05T09:00:00.000Z",
                  "businessUnits": [{"id": 0}]} for i in range(N)]
    return {"objects": {"contacts": contacts, "companies": companies},
            "associations": assoc, "properties": {"contacts": props},
            "campaigns": campaigns,
            "marketingEmails": [{"name": "Email %d" % i, "subject": "Subject %d" % i}
                                for i in range(N)],
            "forms": [{"name": "Form %d" % i} for i in range(N)]}


def multipart(name, data):
    return (("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
             "filename=\"%s\"\r\nContent-Type: text/plain\r\n\r\n"
             % (BOUNDARY, name)).encode() + data +
            ("\r\n--%s--\r\n" % BOUNDARY).encode())


def setup(st):
    r = harness.request(st.sim.base, "POST", "/__sim/fixtures", body=fixtures())
    assert r.status == 200, r
    r = harness.request(st.base, "POST", "/instances", body={
        "element": {"key": "hubspot"}, "name": "bench-mkt",
        "configuration": {"authentication.type": "apiKey",
                          "hubspot.authorization.apikey": "pat-bench"}},
        headers={"Authorization": st.platform})
    assert r.status == 200, r
    auth = st.platform + ", Element " + r.json()["token"]
    hub = "/hubs/marketing"

    def post(path, body=None, **kw):
        r = harness.request(st.base, "POST", hub + path, body=body,
                            headers=dict({"Authorization": auth}, **kw.pop("headers", {})),
                            **kw)
        assert r.status == 200, (path, r)

    for i in range(N):
        post("/lists", {"name": "Bench list %d" % i})
        post("/folders", {"name": "bench-folder-%d" % i})
        post("/workflows", {"name": "Bench workflow %d" % i, "type": "DRIP_DELAY"})
        post("/files", raw_body=multipart("f%d.txt" % i, b"bench file %d" % i),
             query={"path": "/bench/file-%d.txt" % i},
             headers={"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
    return auth


def urls(st):
    hub = st.ed.base + "/elements/api-v2/hubs/marketing"
    page = "?pageSize=%d" % N
    return [("contacts", hub + "/contacts" + page),
            ("contacts-50", hub + "/contacts?pageSize=%d" % (N // 2)),
            ("lists", hub + "/lists" + page),
            ("files", hub + "/files" + page),
            ("folders", hub + "/folders" + page),
            ("forms", hub + "/forms" + page),
            ("emails", hub + "/emails" + page),
            ("campaigns", hub + "/campaigns" + page),
            ("workflows", hub + "/workflows" + page),
            ("properties", hub + "/contacts/properties"),
            ("associations", hub + "/contacts/500000/accounts" + page)]


def check(st, auth, name, url):
    path = url.split("/elements/api-v2", 1)[1]
    r = harness.request(st.base, "GET", path, headers={"Authorization": auth})
    assert r.status == 200, (name, r)
    n = len(r.json())
    assert n >= (N // 2 if name == "contacts-50" else N), (name, n)
    return len(r.body)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--secs", type=int, default=3)
    ap.add_argument("--conns", type=int, default=8)
    a = ap.parse_args()
    st = b.Stack()
    try:
        auth = setup(st)
        us = urls(st)
        size = {}
        for name, url in us:
            size[name] = check(st, auth, name, url)
        pids = [st.ed_pid()]
        res = {n: [] for n, _ in us}   # CPU µs per KB
        call = {n: [] for n, _ in us}  # CPU µs per call
        for rnd in range(a.rounds):
            for name, url in us:
                c0 = b.cpu_seconds(pids)
                w = b.wrk(url, auth, a.conns, a.secs)
                c1 = b.cpu_seconds(pids)
                if w["non2xx"] or w["sockerr"] or not w["requests"]:
                    raise SystemExit("errors in %s: %s" % (name, w["raw"]))
                call[name].append((c1 - c0) * 1e6 / w["requests"])
                res[name].append(call[name][-1] / (size[name] / 1024))
            print("round %d: " % (rnd + 1) + ", ".join(
                "%s %.1f" % (n, res[n][-1]) for n, _ in us), flush=True)
        # contacts' cost per call in each round: fixed + slope * KB
        k1, k2 = size["contacts-50"] / 1024, size["contacts"] / 1024
        fits = []
        for c1_, c2_ in zip(call["contacts-50"], call["contacts"]):
            slope = (c2_ - c1_) / (k2 - k1)
            fits.append((c2_ - slope * k2, slope))
        print("\ncontacts per call: fixed %.0f µs + %.2f µs/KB (medians of the rounds' fits)"
              % (sorted(f for f, _ in fits)[len(fits) // 2],
                 sorted(s_ for _, s_ in fits)[len(fits) // 2]))
        print("\n| resource | page | KB | CPU µs/KB (median) | ÷ contacts per KB: median (min – max) "
              "| ÷ contacts at the same size: median (min – max) |")
        print("|---|---|---|---|---|---|")
        for name, _ in us:
            v = sorted(res[name])
            ratios = sorted(x / c for x, c in zip(res[name], res["contacts"]))
            kb = size[name] / 1024
            matched = sorted(x / (f + sl * kb) for x, (f, sl) in zip(call[name], fits))
            print("| %s | %d | %.1f | %.1f | %.2f (%.2f – %.2f) | %.2f (%.2f – %.2f) |"
                  % (name, N // 2 if name == "contacts-50" else N, kb, v[len(v) // 2],
                     ratios[len(ratios) // 2], ratios[0], ratios[-1],
                     matched[len(matched) // 2], matched[0], matched[-1]))
    finally:
        st.stop()


if __name__ == "__main__":
    main()
