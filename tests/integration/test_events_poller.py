# SPDX-License-Identifier: MIT
"""The events poller (issue 11, spec elements-api.md §5.2, docs/api/events.md
"Polling"): a contact created then updated at hubspot-sim (its own API)
reaches a local receiver as CREATED then UPDATED with the §5.4 body; the
same change is never reported twice across overlapping windows (pollDelay);
a poller killed between the outbox commit and the watermark re-polls after
restart and skips nothing; polls go through the per-portal throttle shared
with clients (the sim's request log and its 429 counter); two instances
poll at different instants; a changed refresh_interval reschedules.
--poll-minute-ms 1000 makes refresh_interval 1 poll every second. Runs on
SQLite and (label pg) PostgreSQL."""
import datetime
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402
from test_events_outbox import Receiver, db_query  # noqa: E402

h = u.h
MINUTE_MS = 1000
TOLERANCE_S = 1


def poller_config(delay=0):
    """contacts only, the CRM default with a 1 s createdCheckTolerance."""
    return {"contacts": {
        "url": "/hubs/crm/contacts?where=lastmodifieddate='${date}'",
        "idField": "vid", "filterByUpdatedDate": True, "pageSize": 2,
        "pollDelay": delay,
        "datesConfiguration": {
            "updatedDateField": "properties.lastmodifieddate",
            "updatedDateFormat": "milliseconds",
            "createdDateField": "properties.createdate",
            "createdDateFormat": "milliseconds"},
        "createdCheckTolerance": TOLERANCE_S}}


def sim_ms(req):
    t = datetime.datetime.strptime(req["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


class Poller(unittest.TestCase):
    SIM_FLAGS = ()
    ED_FLAGS = ()

    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-events-poller-", sim_flags=cls.SIM_FLAGS, ed_flags=(
            "--poll-minute-ms", str(MINUTE_MS), "--event-retry-unit-us", "10",
            *cls.ED_FLAGS))
        cls.receivers = []

    @classmethod
    def tearDownClass(cls):
        for r in cls.receivers:
            r.close()
        rc = cls.env.close()
        assert rc in (0, None), rc

    def receiver(self):
        r = Receiver("ok")
        self.receivers.append(r)
        return r

    def instance(self, url, name="poll", interval="1", delay=0, objects=None):
        e = self.env
        body = e.body_apikey(name=name)
        cfg = body["configuration"]
        cfg["event.notification.enabled"] = True
        cfg["event.vendor.type"] = "polling"
        cfg["event.notification.callback.url"] = url
        cfg["event.poller.refresh_interval"] = interval
        cfg["event.poller.configuration"] = json.dumps(poller_config(delay))
        if objects:
            cfg["event.objects"] = objects
        return e.create(body)

    def contact(self, email):
        r = h.request(self.env.sim.base, "POST", "/crm/v3/objects/contacts",
                      body={"properties": {"email": email, "firstname": "A"}},
                      headers={"Authorization": "Bearer " + u.API_KEY})
        self.assertIn(r.status, (200, 201), r)
        return r.json()["id"]

    def update(self, cid, name):
        r = h.request(self.env.sim.base, "PATCH", "/crm/v3/objects/contacts/" + cid,
                      body={"properties": {"firstname": name}},
                      headers={"Authorization": "Bearer " + u.API_KEY})
        self.assertEqual(r.status, 200, r)

    def events_at(self, rec):
        out = []
        for g in rec.requests():
            body = json.loads(g["body"])
            for ev in body["message"]["events"]:
                out.append((ev["objectId"], ev["eventType"], body))
        return out

    def wait_events(self, rec, pred, timeout=30):
        return u.wait_for(lambda: (lambda evs: evs if pred(evs) else None)(
            self.events_at(rec)), timeout=timeout, step=0.1)

    def polls(self, inst):
        return db_query(self.env.data,
                        "SELECT resource, interval_ms, due_ms, watermark_ms, seen "
                        "FROM event_polls WHERE instance_id=%d" % inst["id"])

    # --- tests ---------------------------------------------------------------

    def test_created_then_updated(self):
        rec = self.receiver()
        inst = self.instance(rec.url, name="cu")
        u.wait_for(lambda: self.polls(inst), timeout=10, step=0.1)
        t0 = time.monotonic()
        cid = self.contact("cu@example.test")
        evs = self.wait_events(rec, lambda es: any(e[0] == cid for e in es))
        self.assertLess(time.monotonic() - t0, 10)  # refresh_interval 1 (scaled)
        mine = [e for e in evs if e[0] == cid]
        self.assertEqual([e[1] for e in mine], ["CREATED"], mine)
        msg = mine[0][2]["message"]
        self.assertEqual(msg["instance_id"], inst["id"])
        self.assertEqual(msg["instanceId"], inst["id"])
        self.assertEqual(msg["elementKey"], "hubspotcrm")
        self.assertTrue(msg["eventId"])
        ev = [e for e in msg["events"] if e["objectId"] == cid][0]
        self.assertEqual(ev["objectType"], "contacts")
        self.assertRegex(ev["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        raw = msg["raw"]
        self.assertEqual(raw["objectType"], "contacts")
        self.assertEqual(raw["instance_id"], inst["id"])
        self.assertIn(cid, [str(c["vid"]) for c in raw["contacts"]])
        time.sleep(TOLERANCE_S + 0.5)
        self.update(cid, "B")
        evs = self.wait_events(rec, lambda es: any(
            e[0] == cid and e[1] == "UPDATED" for e in es))
        # several more windows: nothing reported twice
        time.sleep(3 * MINUTE_MS / 1000)
        mine = [e[1] for e in self.events_at(rec) if e[0] == cid]
        self.assertEqual(mine, ["CREATED", "UPDATED"])

    def test_overlapping_windows_no_duplicates(self):
        # pollDelay 5 s with 1 s polls: every change is in five windows
        rec = self.receiver()
        inst = self.instance(rec.url, name="ov", delay=5)
        u.wait_for(lambda: self.polls(inst), timeout=10, step=0.1)
        ids = [self.contact("ov%d@example.test" % i) for i in range(3)]
        self.wait_events(rec, lambda es: set(ids) <= {e[0] for e in es})
        time.sleep(7)
        got = [e[0] for e in self.events_at(rec) if e[0] in ids]
        self.assertEqual(sorted(got), sorted(ids))
        # the changes still inside the window are remembered for dedupe
        row = self.polls(inst)[0]
        self.assertEqual(row[0], "contacts")

    def test_spread_and_reschedule(self):
        rec = self.receiver()
        a = self.instance(rec.url, name="sa", interval="10")
        b = self.instance(rec.url, name="sb", interval="10")
        ra = u.wait_for(lambda: self.polls(a), timeout=10, step=0.1)
        rb = u.wait_for(lambda: self.polls(b), timeout=10, step=0.1)
        iv = 10 * MINUTE_MS
        self.assertEqual(int(ra[0][1]), iv)
        oa, ob = int(ra[0][2]) % iv, int(rb[0][2]) % iv
        gap = min(abs(oa - ob), iv - abs(oa - ob))
        self.assertGreater(gap, iv // 10, (oa, ob))
        # a changed refresh_interval takes effect: rescheduled to 2 minutes
        r = self.env.api("PATCH", "/instances/%d" % a["id"],
                         body={"configuration": {"event.poller.refresh_interval": "2"}})
        self.assertEqual(r.status, 200, r)
        u.wait_for(lambda: int(self.polls(a)[0][1]) == 2 * MINUTE_MS or None,
                   timeout=15, step=0.2)


class PollerThrottle(Poller):
    """Polls are searches: four instances on one portal polling every second
    against --search-throttle 1 and a sim enforcing 1 search per second."""
    SIM_FLAGS = ("--search-rate-limit", "1")
    ED_FLAGS = ("--search-throttle", "1")

    def test_created_then_updated(self):
        pass

    def test_overlapping_windows_no_duplicates(self):
        pass

    def test_spread_and_reschedule(self):
        pass

    def test_polls_respect_the_throttle(self):
        rec = self.receiver()
        insts = [self.instance(rec.url, name="th%d" % i) for i in range(4)]
        for inst in insts:
            u.wait_for(lambda: self.polls(inst), timeout=10, step=0.1)
        self.env.sim_call("DELETE", "/__sim/requests")
        time.sleep(6)
        seen = [s for s in self.env.requests("/crm/v3/objects/contacts/search")]
        self.assertGreaterEqual(len(seen), 3, seen)
        self.assertEqual([s["status"] for s in seen], [200] * len(seen))
        times = sorted(sim_ms(s) for s in seen)
        for i, t in enumerate(times):
            inside = [x for x in times[:i + 1] if x > t - 1000]
            self.assertLessEqual(len(inside), 1, times)
        stats = self.env.sim_call("GET", "/__sim/stats").json()
        self.assertEqual(stats.get("rateLimited", 0), 0, stats)


class PollerFollowsChanges(unittest.TestCase):
    """With a real one-minute poll-minute (the reconciliation pass runs once
    a minute), an instance created, disabled or changed through the API has
    its poll schedule follow at once, not at the next pass."""

    def test_schedule_follows_api_changes_at_once(self):
        env = u.InstEnv("ed-events-poller-follow-", ed_flags=(
            "--poll-minute-ms", "60000"))
        rec = Receiver("ok")
        try:
            t = Poller("test_created_then_updated")
            t.env = env
            t.receivers = [rec]
            time.sleep(1.0)  # the pass at start is over
            inst = t.instance(rec.url, name="follow")
            rows = u.wait_for(lambda: t.polls(inst), timeout=5, step=0.1)
            self.assertEqual([x[0] for x in rows], ["contacts"])
            r = env.api("PATCH", "/instances/%d" % inst["id"], {
                "configuration": {"event.objects": "accounts"}})
            self.assertEqual(r.status, 200, r)
            u.wait_for(lambda: not t.polls(inst) or None, timeout=5, step=0.1)
            r = env.api("PATCH", "/instances/%d" % inst["id"], {
                "configuration": {"event.objects": "Contact"}})
            self.assertEqual(r.status, 200, r)
            u.wait_for(lambda: t.polls(inst), timeout=5, step=0.1)
            r = env.api("DELETE", "/instances/%d/enabled" % inst["id"])
            self.assertEqual(r.status, 200, r)
            u.wait_for(lambda: not t.polls(inst) or None, timeout=5, step=0.1)
            r = env.api("PUT", "/instances/%d/enabled" % inst["id"])
            self.assertEqual(r.status, 200, r)
            u.wait_for(lambda: t.polls(inst), timeout=5, step=0.1)
        finally:
            rec.close()
            env.close()


class PollerCrash(unittest.TestCase):
    """kill -9 between the outbox commit and the watermark: after restart
    the window is polled again and the change is delivered (at least once)."""

    def test_crash_before_watermark(self):
        env = u.InstEnv("ed-events-poller-crash-", ed_flags=(
            "--poll-minute-ms", str(MINUTE_MS), "--event-retry-unit-us", "10"))
        rec = Receiver("ok")
        try:
            t = Poller("test_created_then_updated")
            t.env = env
            t.receivers = [rec]
            inst = t.instance(rec.url, name="crash")
            u.wait_for(lambda: t.polls(inst), timeout=10, step=0.1)
            # the next start dies after queueing, before the watermark
            env.ed.stop()
            env.ed.log.close()
            wm0 = int(t.polls(inst)[0][3])
            # the change is in HubSpot before the node comes back, so its
            # first poll finds it (an empty poll would rightly advance the
            # watermark first)
            cid = t.contact("crash@example.test")
            os.environ["ELEMENTSD_TEST_POLL_CRASH"] = "1"
            try:
                env.start_ed()
            except RuntimeError as e:
                # it may die, as asked, before its port is seen open: its
                # first poll can come first
                self.assertIn("exiting before the watermark", str(e))
            finally:
                del os.environ["ELEMENTSD_TEST_POLL_CRASH"]
            u.wait_for(lambda: env.ed.proc.poll() is not None or None,
                       timeout=30, step=0.1)
            self.assertEqual(int(t.polls(inst)[0][3]), wm0)  # not advanced
            env.ed.log.close()
            env.start_ed()
            evs = t.wait_events(rec, lambda es: any(e[0] == cid for e in es),
                                timeout=40)
            self.assertIn("CREATED", [e[1] for e in evs if e[0] == cid])
            u.wait_for(lambda: int(t.polls(inst)[0][3]) > wm0 or None,
                       timeout=20, step=0.2)
        finally:
            rec.close()
            env.close()


if __name__ == "__main__":
    unittest.main()
