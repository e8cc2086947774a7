# SPDX-License-Identifier: MIT
"""Helpers of the audit and secret tests (issue 15): the audit_log table
as stored (either backend), for "no secret in it" checks."""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness as h  # noqa: E402

COLS = ("id", "org_id", "at", "actor_id", "actor_ip", "action", "target_type",
        "target_id", "detail", "request_id", "outcome")


def audit_rows(data_dir):
    """Every row of DATA_DIR's audit_log, oldest first, as dicts."""
    url = h.db_url(data_dir)
    sql = "SELECT %s FROM audit_log ORDER BY id" % ", ".join(COLS)
    if url is None:
        db = sqlite3.connect(os.path.join(data_dir, "elementsd.db"))
        try:
            return [dict(zip(COLS, r)) for r in db.execute(sql)]
        finally:
            db.close()
    r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-At", "-d", url, "-c",
                        "SELECT row_to_json(a) FROM (%s) a" % sql],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("psql failed: %s" % r.stderr)
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def assert_no_secret(test, data_dir, secrets):
    """No value in `secrets` appears in any column of the audit table."""
    rows = audit_rows(data_dir)
    test.assertTrue(rows, "the audit log is empty")
    text = json.dumps(rows)
    for s in secrets:
        test.assertTrue(s)
        test.assertNotIn(s, text, "a secret is in the audit log")
