#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Building an instance's API document (bench/README.md "API docs").

hubspot-sim gets N custom contact properties (default 1,000) through its
properties API; elementsd builds GET /instances/{id}/docs: the first call
reads the portal's properties through the hub and builds the document
(Elements-Docs-Cache: miss, Elements-Docs-Build-Ms: server-side assembly
and rendering, HubSpot wait excluded), the next ones are served from the
cache (hit) until a property write through the hub. Prints one JSON line.

  python3 bench/apidocs.py [N] [ROUNDS]
"""
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import hubutil as u  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    r = fn()
    return r, (time.perf_counter() - t) * 1000


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    hub = u.Hub()
    try:
        inst = hub.instance()
        for i in range(n):
            r = u.h.request(hub.sim.base, "POST", "/crm/v3/properties/contacts",
                            body={"name": "custom_%04d" % i,
                                  "label": "Custom <%d> field" % i,
                                  "description": "bench property %d" % i,
                                  "type": "string", "fieldType": "text",
                                  "groupName": "contactinformation"},
                            headers={"Authorization": "Bearer " + u.API_KEY})
            assert r.status in (200, 201), r
        path = "/instances/%s/docs" % inst["id"]
        miss_build, miss_wall, hit_wall = [], [], []
        size = 0
        for _ in range(rounds):
            # a property write through the hub ends the cached document
            hub.call(inst["token"], "POST", "/contacts/properties", {"name": "x"})
            r, ms = timed(lambda: hub.platform_call("GET", path))
            assert r.status == 200 and r.header("Elements-Docs-Cache") == "miss", r
            miss_build.append(float(r.header("Elements-Docs-Build-Ms")))
            miss_wall.append(ms)
            size = len(r.body)
            props = r.json()["definitions"]["Contacts"]["properties"]["properties"]["properties"]
            assert len([k for k in props if k.startswith("custom_")]) == n
            for _ in range(5):
                r, ms = timed(lambda: hub.platform_call("GET", path))
                assert r.header("Elements-Docs-Cache") == "hit", r
                hit_wall.append(ms)
        print(json.dumps({
            "custom_properties": n, "document_bytes": size,
            "build_ms_median": statistics.median(miss_build),
            "build_ms_max": max(miss_build),
            "first_call_wall_ms_median": statistics.median(miss_wall),
            "cached_call_wall_ms_median": statistics.median(hit_wall),
        }))
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
