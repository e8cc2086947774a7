# SPDX-License-Identifier: MIT
"""hubspot-sim serves 1,000 concurrent delayed requests without a thread each:
--latency-ms suspends connections and a timer resumes them."""
import asyncio
import os
import resource
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import KEY, SimCase  # noqa: E402

N = 1000
LATENCY_MS = 200


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, N * 2 + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def threads_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return -1


class ConcurrencyTest(SimCase):
    FLAGS = ("--latency-ms", str(LATENCY_MS), "--rate-limit", "0", "--log-level", "error")

    def test_thousand_concurrent_delayed_requests(self):
        if raise_nofile() < N + 64:
            self.skipTest("RLIMIT_NOFILE too low for %d sockets" % N)
        port = self.sim.port
        pid = self.sim.proc.pid
        req = ("GET /crm/v3/objects/contacts?limit=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
               "Authorization: Bearer %s\r\nConnection: close\r\n\r\n" % (port, KEY)).encode()
        max_threads = [0]

        async def one():
            for attempt in range(5):
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    break
                except OSError:
                    await asyncio.sleep(0.05 * (attempt + 1))
            else:
                return "connect failed"
            writer.write(req)
            await writer.drain()
            data = await reader.read()
            writer.close()
            return data.split(b"\r\n", 1)[0].decode(errors="replace")

        async def watch(stop):
            while not stop.is_set():
                max_threads[0] = max(max_threads[0], threads_of(pid))
                await asyncio.sleep(0.02)

        async def main():
            stop = asyncio.Event()
            w = asyncio.create_task(watch(stop))
            res = await asyncio.gather(*(one() for _ in range(N)))
            stop.set()
            await w
            return res

        t0 = time.time()
        statuses = asyncio.run(main())
        elapsed = time.time() - t0
        ok = sum(1 for s in statuses if s == "HTTP/1.1 200 OK")
        self.assertEqual(ok, N, [s for s in statuses if s != "HTTP/1.1 200 OK"][:5])
        self.assertGreaterEqual(elapsed, LATENCY_MS / 1000.0)
        self.assertLess(elapsed, 10.0, "took %.1fs" % elapsed)
        self.assertLessEqual(max_threads[0], 8, "sim used %d threads" % max_threads[0])
        stats = self.ctl("GET", "/__sim/stats").json()
        self.assertEqual(stats["apiCalls"], N)
        print("\n%d requests with %d ms latency in %.2fs, max %d sim threads" %
              (N, LATENCY_MS, elapsed, max_threads[0]), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
