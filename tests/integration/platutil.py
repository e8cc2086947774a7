# SPDX-License-Identifier: MIT
"""Helpers of the accounts, users and roles tests (issue 15): an InstEnv
whose calls can be made as any user (a bootstrap/create-user/POST /users
result, or "a"/"b"), and direct reads of the database on either backend."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import harness as h  # noqa: E402
import instutil as iu  # noqa: E402


class Env(iu.InstEnv):
    def auth(self, who="a", token=None):
        if isinstance(who, dict):
            v = "User %s, Organization %s" % (
                who["userSecret"], who.get("organizationSecret",
                                           self.a["organizationSecret"]))
            if token:
                v += ", Element " + token
            return {"Authorization": v}
        return super().auth(who, token)

    def new_user(self, email, role="user", account=None, who="a"):
        body = {"email": email, "password": "password-" + email[:4],
                "role": role}
        if account is not None:
            body["accountId"] = account
        r = self.api("POST", "/users", body, who=who)
        assert r.status == 200, r
        u = r.json()
        org = self.a if who == "a" or (isinstance(who, dict) and
                                       who.get("org") != "b") else self.b
        u["organizationSecret"] = org["organizationSecret"]
        return u

    def new_account(self, name, who="a"):
        r = self.api("POST", "/accounts", {"name": name}, who=who)
        assert r.status == 200, r
        return r.json()

    def db(self, sql):
        """Rows of a SELECT as lists of strings, either backend."""
        url = h.db_url(self.data)
        if url is None:
            import sqlite3
            con = sqlite3.connect("file:%s?mode=ro" % self.db_path(), uri=True,
                                  timeout=10)
            try:
                return [[None if c is None else str(c) for c in row]
                        for row in con.execute(sql).fetchall()]
            finally:
                con.close()
        r = subprocess.run([h._pg_tool("psql"), "-X", "-q", "-A", "-t", "-F",
                            "|", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return [line.split("|") for line in r.stdout.splitlines() if line]

    def denied(self):
        """The auth.denied entries of the audit log so far, one line each
        ("org=.. actor=.. action=auth.denied target=type:id outcome=..")."""
        rows = self.db("SELECT org_id, actor_id, action, target_type, target_id, "
                       "outcome FROM audit_log WHERE action='auth.denied' "
                       "ORDER BY id")
        return ["org=%s actor=%s action=%s target=%s:%s outcome=%s" % tuple(r)
                for r in rows]
