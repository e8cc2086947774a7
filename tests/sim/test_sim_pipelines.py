# SPDX-License-Identifier: MIT
"""hubspot-sim pipeline and stage audit endpoints (spec §10.2): PublicAuditInfo
entries for fixtures, create, replace, patch, stage writes and archive."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simutil import SimCase  # noqa: E402

PORTAL = 62515


class PipelineAuditTest(SimCase):
    FLAGS = ("--rate-limit", "0")

    def audit(self, path, status=200):
        r = self.call("GET", "/crm/v3/pipelines/" + path + "/audit")
        self.assertEqual(r.status, status, r)
        return r.json().get("results")

    def test_builtin_pipelines_have_a_create_entry(self):
        (e,) = self.audit("deals/default")
        self.assertEqual((e["action"], e["identifier"], e["portalId"]), ("CREATE", "default", PORTAL))
        self.assertIsInstance(e["rawObject"], str)  # JSON-encoded, as HubSpot's examples
        self.assertEqual(json.loads(e["rawObject"])["label"], "Sales Pipeline")
        (e,) = self.audit("deals/default/stages/closedwon")
        self.assertEqual((e["action"], e["identifier"]), ("CREATE", "closedwon"))
        self.assertEqual(json.loads(e["rawObject"])["metadata"]["probability"], "1.0")
        self.assertEqual(self.audit("0-5/0")[0]["identifier"], "0")

    def test_writes_are_audited_newest_first(self):
        body = {"label": "Audit me", "displayOrder": 5,
                "stages": [{"label": "Open", "displayOrder": 0, "metadata": {"probability": "0.2"}},
                           {"label": "Won", "displayOrder": 1, "metadata": {"probability": "1.0"}}]}
        r = self.call("POST", "/crm/v3/pipelines/deals", body)
        self.assertEqual(r.status, 201, r)
        p = r.json()
        pid, s_open, s_won = p["id"], p["stages"][0]["id"], p["stages"][1]["id"]
        self.ctl("POST", "/__sim/clock", {"advance_ms": 1000})
        r = self.call("PATCH", "/crm/v3/pipelines/deals/" + pid, {"label": "Audited"})
        self.assertEqual(r.status, 200, r)
        r = self.call("PATCH", "/crm/v3/pipelines/deals/%s/stages/%s" % (pid, s_open),
                      {"label": "Opened", "metadata": {"probability": "0.3"}})
        self.assertEqual(r.status, 200, r)
        r = self.call("POST", "/crm/v3/pipelines/deals/%s/stages" % pid,
                      {"label": "Lost", "displayOrder": 2, "metadata": {"probability": "0.0"}})
        self.assertEqual(r.status, 201, r)
        s_lost = r.json()["id"]
        # PUT keeps "Opened", drops "Won" and "Lost", adds "Parked"
        r = self.call("PUT", "/crm/v3/pipelines/deals/" + pid,
                      {"label": "Audited", "displayOrder": 5,
                       "stages": [{"stageId": s_open, "label": "Opened", "displayOrder": 0,
                                   "metadata": {"probability": "0.3"}},
                                  {"label": "Parked", "displayOrder": 1,
                                   "metadata": {"probability": "0.5"}}]})
        self.assertEqual(r.status, 200, r)
        s_parked = r.json()["stages"][1]["id"]

        log = self.audit("deals/" + pid)
        self.assertEqual([e["action"] for e in log], ["UPDATE", "UPDATE", "CREATE"])
        self.assertEqual({e["identifier"] for e in log}, {pid})
        self.assertEqual(json.loads(log[1]["rawObject"])["label"], "Audited")
        self.assertGreater(log[0]["timestamp"], log[2]["timestamp"])
        self.assertTrue(all(e["portalId"] == PORTAL and "fromUserId" in e for e in log), log)
        self.assertEqual([e["action"] for e in self.audit("deals/%s/stages/%s" % (pid, s_open))],
                         ["UPDATE", "UPDATE", "CREATE"])
        self.assertEqual([e["action"] for e in self.audit("deals/%s/stages/%s" % (pid, s_parked))],
                         ["CREATE"])
        # stages that are gone answer 404, like every other stage route
        self.assertEqual(self.audit("deals/%s/stages/%s" % (pid, s_won), 404), None)
        self.assertEqual(self.audit("deals/%s/stages/%s" % (pid, s_lost), 404), None)
        # archive: the DELETE entry shows once the pipeline is restored
        self.assertEqual(self.call("DELETE", "/crm/v3/pipelines/deals/" + pid).status, 204)
        self.audit("deals/" + pid, 404)
        r = self.call("PATCH", "/crm/v3/pipelines/deals/" + pid, {"archived": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([e["action"] for e in self.audit("deals/" + pid)][:2], ["UPDATE", "DELETE"])
        # a stage DELETE is audited too; the log shows if the id comes back
        r = self.call("DELETE", "/crm/v3/pipelines/deals/%s/stages/%s" % (pid, s_parked))
        self.assertEqual(r.status, 204, r)
        r = self.call("POST", "/crm/v3/pipelines/deals/%s/stages" % pid,
                      {"stageId": s_parked, "label": "Parked again", "displayOrder": 1,
                       "metadata": {"probability": "0.5"}})
        self.assertEqual(r.status, 201, r)
        log = self.audit("deals/%s/stages/%s" % (pid, s_parked))
        self.assertEqual([e["action"] for e in log], ["CREATE", "DELETE", "CREATE"])
        self.assertEqual(json.loads(log[1]["rawObject"])["label"], "Parked")
        # reset drops the log back to the fixtures
        self.ctl("POST", "/__sim/reset", {})
        self.audit("deals/" + pid, 404)
        self.assertEqual(len(self.audit("deals/default")), 1)

    def test_unknown_pipeline_or_stage(self):
        self.audit("deals/nope", 404)
        self.audit("deals/default/stages/nope", 404)
        self.assertEqual(self.call("GET", "/crm/v3/pipelines/widgets/default/audit").status, 400)


if __name__ == "__main__":
    unittest.main()
