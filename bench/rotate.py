#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Key rotation under load (issue 15; bench/README.md "Key rotation").

One elementsd (SQLite, lookup cache off so every hub call looks its
instance up under the live hash keys) with 100,000 API-key instances; a few
client threads call GET /hubs/crm/ping over kept-alive connections with 10
real tokens the whole time. We record each call's latency and when it
ended, take a window before the rotation and the window while
`elementsd admin rotate-key` runs, and print the rotation's time and the
calls' p50/p99 in both windows, as JSON.

The 100,000 instances are written straight into the stopped server's
database, sealed like elementsd seals them (libsodium through ctypes:
XChaCha20-Poly1305 with the derived key, keyed BLAKE2b lookup hash), each
with a token of its own, so the rotation re-seals and re-hashes 100,000
real rows.

    python3 bench/rotate.py [--instances N] [--threads T] [--batch B]
"""
import argparse
import base64
import ctypes
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402

harness = bench.harness
na = ctypes.CDLL("libsodium.so.23")


def derive(master, subkey_id):
    out = ctypes.create_string_buffer(32)
    na.crypto_kdf_derive_from_key(out, ctypes.c_size_t(32),
                                  ctypes.c_uint64(subkey_id), b"elementd", master)
    return out.raw


def key_id(master):
    out = ctypes.create_string_buffer(16)
    na.crypto_generichash(out, ctypes.c_size_t(16), master,
                          ctypes.c_ulonglong(32), b"key-id", ctypes.c_size_t(6))
    return out.raw[:4]


class Sealer:
    """crypto_seal and crypto_lookup_hash of src/crypto/crypto.c."""

    def __init__(self, master):
        self.seal_key = derive(master, 1)
        self.hash_key = derive(master, 2)
        self.header = b"\x01" + key_id(master)

    def seal(self, pt):
        nonce = os.urandom(24)
        out = ctypes.create_string_buffer(len(pt) + 16)
        clen = ctypes.c_ulonglong(0)
        na.crypto_aead_xchacha20poly1305_ietf_encrypt(
            out, ctypes.byref(clen), pt, ctypes.c_ulonglong(len(pt)),
            self.header, ctypes.c_ulonglong(5), None, nonce, self.seal_key)
        return self.header + nonce + out.raw[:clen.value]

    def hash(self, s):
        out = ctypes.create_string_buffer(32)
        na.crypto_generichash(out, ctypes.c_size_t(32), s,
                              ctypes.c_ulonglong(len(s)), self.hash_key,
                              ctypes.c_size_t(32))
        return out.raw


def fill(data, total):
    """Clone the first instance until `total` rows, each with its own
    sealed token and its lookup hash."""
    with open(os.path.join(data, "master.key"), "rb") as f:
        s = Sealer(f.read())
    con = sqlite3.connect(os.path.join(data, "elementsd.db"))
    cols = [r[1] for r in con.execute("PRAGMA table_info(instances)")
            if r[1] not in ("id", "token_ct", "token_hash")]
    gen = [r[1] for r in con.execute("PRAGMA table_xinfo(instances)") if r[5]]
    cols = [c for c in cols if c not in gen]
    base = con.execute("SELECT %s FROM instances ORDER BY id LIMIT 1"
                       % ", ".join(cols)).fetchone()
    n = con.execute("SELECT count(*) FROM instances").fetchone()[0]
    sql = "INSERT INTO instances(%s, token_ct, token_hash) VALUES(%s)" % (
        ", ".join(cols), ", ".join("?" * (len(cols) + 2)))
    while n < total:
        rows = []
        for _ in range(min(10000, total - n)):
            tok = base64.b64encode(os.urandom(32))
            rows.append(tuple(base) + (s.seal(tok), s.hash(tok)))
        con.executemany(sql, rows)
        con.commit()
        n += len(rows)
    con.close()
    return n


class Load:
    """T threads calling the hub; samples (end time, latency ms, status)."""

    def __init__(self, port, auths, threads):
        self.port, self.auths = port, auths
        self.samples, self.stop = [], threading.Event()
        self.lock = threading.Lock()
        self.ts = [threading.Thread(target=self.run, args=(i,))
                   for i in range(threads)]
        for t in self.ts:
            t.start()

    def run(self, i):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        k = i
        while not self.stop.is_set():
            t0 = time.monotonic()
            c.request("GET", "/elements/api-v2/hubs/crm/ping",
                      headers={"Authorization": self.auths[k % len(self.auths)]})
            r = c.getresponse()
            r.read()
            t1 = time.monotonic()
            with self.lock:
                self.samples.append((t1, (t1 - t0) * 1000.0, r.status))
            k += 1

    def end(self):
        self.stop.set()
        for t in self.ts:
            t.join(60)

    def window(self, a, b):
        with self.lock:
            w = [x for x in self.samples if a <= x[0] < b]
        lat = sorted(x[1] for x in w)
        bad = {}
        for x in w:
            if x[2] != 200:
                bad[str(x[2])] = bad.get(str(x[2]), 0) + 1

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None
        return {"calls": len(w), "non200": bad, "p50_ms": pct(0.50),
                "p99_ms": pct(0.99),
                "calls_per_s": round(len(w) / max(1e-9, b - a), 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--instances", type=int, default=100000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--before-s", type=float, default=10.0)
    a = ap.parse_args()
    os.environ.pop("ELEMENTSD_MASTER_KEY", None)
    st = bench.Stack(ed_flags=("--cache-ttl-ms", "0"), pin=False)
    try:
        tokens = [st.token] + [st.new_instance("t%d" % i) for i in range(9)]
        st.ed.stop()
        t0 = time.monotonic()
        n = fill(st.data, a.instances)
        fill_s = time.monotonic() - t0
        st.ed = harness.Proc(st.ed.argv, st.ed.port)
        auths = [st.platform + ", Element " + t for t in tokens]
        load = Load(st.ed.port, auths, a.threads)
        try:
            time.sleep(2.0)  # warm up
            b0 = time.monotonic()
            time.sleep(a.before_s)
            r0 = time.monotonic()
            r = subprocess.run([harness.ELEMENTSD_BIN, "admin", "rotate-key",
                                "--data-dir", st.data, "--batch", str(a.batch)],
                               capture_output=True, text=True, timeout=3600)
            r1 = time.monotonic()
            time.sleep(3.0)
            a0 = time.monotonic()
            time.sleep(a.before_s)
            a1 = time.monotonic()
        finally:
            load.end()
        if r.returncode != 0:
            raise SystemExit("rotate-key failed: %s" % r.stderr)
        summary = json.loads(r.stdout)
        out = {
            "instances": n, "fill_s": round(fill_s, 1), "batch": a.batch,
            "client_threads": a.threads,
            "rotation_s": round(r1 - r0, 2),
            "propagation_wait_s": 3.0,
            "rotate_key": summary,
            "before": load.window(b0, r0),
            "during": load.window(r0, r1),
            # the re-sealing itself (after the 3 s propagation wait)
            "during_reseal": load.window(r0 + 3.0, r1),
            "after": load.window(a0, a1),
        }
        print(json.dumps(out, indent=2))
    finally:
        st.stop()


if __name__ == "__main__":
    main()
