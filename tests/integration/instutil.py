# SPDX-License-Identifier: MIT
"""Shared helpers for the element-instance integration tests (issue 4).

An InstEnv is one hubspot-sim plus one elementsd pointed at it, with two
organizations (A and B) bootstrapped in a fresh data directory. It wraps the
calls the tests make over and over: platform calls as A or B, hub calls with
an Element token, the simulator's control API (codes, token pairs, expiry,
revocation, faults, the request log, stats), instance creation in each of
the four ways, and direct looks at the SQLite files. Also here: a draft-04
subset validator for Cloud Elements' published JSON schemas.

Python 3 standard library only; harness.py (tests/support) does the process
handling."""
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import harness as h  # noqa: E402

ROOT = h.ROOT
SCHEMA_DIR = os.environ.get(
    "ED_SCHEMA_DIR",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "schemas"))
DEFS_DIR = os.path.join(ROOT, "src", "elements", "defs")

CLIENT_ID = "inst-client-7f1c"
CLIENT_SECRET = "inst-secret-4b8e0d2a9c"
API_KEY = "pat-na1-5d1e7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
CALLBACK = "https://app.example.test/hs/callback"
PORTAL_ID = 4242017
ELEMENTS = ("hubspotcrm", "hubspot")
MASK = "********"
SECRET_KEYS = ("oauth.api.secret", "hubspot.authorization.apikey",
               "oauth.user.token", "oauth.user.refresh_token",
               "event.notification.signature.key")


def element_def(key):
    """The element definition file (src/elements/defs/KEY.json) as a dict."""
    with open(os.path.join(DEFS_DIR, key + ".json")) as f:
        return json.load(f)


def config_keys(key):
    """Every configuration key the element defines, in definition order."""
    return [c["key"] for c in element_def(key)["configuration"]]


def password_keys(key):
    return [c["key"] for c in element_def(key)["configuration"]
            if c.get("type") == "PASSWORD"]


# --- JSON schema (draft-04 subset: type, required, properties, items, $ref) --

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def have_schemas():
    """The published schemas live outside the repository (ED_SPEC_DIR)."""
    return os.path.exists(os.path.join(SCHEMA_DIR, "element.instance.schema.json"))


def load_schema(name):
    with open(os.path.join(SCHEMA_DIR, name)) as f:
        return json.load(f)


def schema_errors(value, schema, path="$"):
    """List of violations of `schema` by `value` (empty = valid)."""
    if "$ref" in schema:
        return schema_errors(value, load_schema(schema["$ref"]), path)
    errs = []
    t = schema.get("type")
    if t is not None:
        types = t if isinstance(t, list) else [t]
        if not any(_TYPES[x](value) for x in types):
            return ["%s: expected %s, got %r" % (path, "|".join(types), value)]
    if isinstance(value, dict):
        for k in schema.get("required", []):
            if k not in value:
                errs.append("%s: missing required %r" % (path, k))
        for k, sub in schema.get("properties", {}).items():
            if k in value:
                errs += schema_errors(value[k], sub, "%s.%s" % (path, k))
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            errs += schema_errors(item, schema["items"], "%s[%d]" % (path, i))
    return errs


# --- the environment -----------------------------------------------------------


class InstEnv:
    """hubspot-sim + elementsd + organizations A and B in a temp directory."""

    def __init__(self, prefix, sim_flags=(), ed_flags=()):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.data = os.path.join(self.tmp, "data")
        self.ed = None
        self.seen = set()  # every secret that went over the wire (harvest)
        self.sim = h.start_sim("--client", "%s:%s" % (CLIENT_ID, CLIENT_SECRET),
                               "--api-key", API_KEY, "--portal-id", str(PORTAL_ID),
                               "--rate-limit", "0", "--search-rate-limit", "0",
                               "--log-level", "warn", *sim_flags)
        try:
            self.a = h.bootstrap(self.data, "alice@example.test", "password-alice",
                                 "--first-name", "Alice", "--last-name", "Anders")
            self.b = h.bootstrap(self.data, "bob@example.test", "password-bob",
                                 "--first-name", "Bob", "--last-name", "Berg")
            self.ed_flags = list(ed_flags)
            self.start_ed()
        except Exception:
            self.close()
            raise

    # processes

    def start_ed(self):
        self.ed = h.start_elementsd(
            self.data, "--hubspot-app-url", self.sim.base, "--hubspot-api-url",
            self.sim.base, "--throttle", "0", "--search-throttle", "0",
            *self.ed_flags)
        self.base = self.ed.base + h.API_BASE
        return self.ed

    def kill_ed(self):
        self.ed.kill9()
        self.ed.log.close()

    def close(self):
        rc = None
        if self.ed is not None and self.ed.proc.poll() is None:
            rc = self.ed.stop()
        if self.sim is not None:
            self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc

    def ed_log(self):
        return self.ed.read_log()

    # elementsd calls

    def auth(self, who="a", token=None):
        acct = self.a if who == "a" else self.b
        v = h.platform_auth(acct)
        if token:
            v += ", Element " + token
        return {"Authorization": v}

    def api(self, method, path, body=None, who="a", token=None, query=None,
            raw_body=None, timeout=30):
        return h.request(self.base, method, path, body=body,
                         headers=self.auth(who, token), query=query,
                         raw_body=raw_body, timeout=timeout)

    def hub(self, token, path="/hubs/crm/contacts?pageSize=1", who="a",
            method="GET", timeout=30):
        return self.api(method, path, who=who, token=token, timeout=timeout)

    def count(self, who="a"):
        r = self.api("GET", "/instances/count", who=who)
        assert r.status == 200, r
        return r.json()["totalInstances"]

    # simulator control API

    def sim_call(self, method, path, body=None, query=None):
        return h.request(self.sim.base, method, path, body=body, query=query)

    def code(self, scopes=("contacts", "oauth"), client=CLIENT_ID,
             redirect=CALLBACK):
        r = self.sim_call("POST", "/__sim/oauth/code",
                          {"client_id": client, "redirect_uri": redirect,
                           "scopes": list(scopes)})
        assert r.status == 200, r
        return r.json()["code"]

    def mint(self, legacy=False, ttl=None):
        body = {"client_id": CLIENT_ID, "legacy": legacy}
        if ttl is not None:
            body["ttl"] = ttl
        r = self.sim_call("POST", "/__sim/tokens", body)
        assert r.status == 200, r
        pair = r.json()
        self.seen.update((pair["access_token"], pair["refresh_token"]))
        return pair

    def expire(self, access_token):
        r = self.sim_call("POST", "/__sim/tokens/expire",
                          {"access_token": access_token})
        assert r.status in (200, 204), r

    def revoke(self, refresh_token):
        r = self.sim_call("POST", "/__sim/tokens/revoke",
                          {"refresh_token": refresh_token})
        assert r.status in (200, 204), r

    def fault(self, path_prefix, status=0, count=1, delay_ms=0):
        r = self.sim_call("POST", "/__sim/faults",
                          {"path_prefix": path_prefix, "status": status,
                           "count": count, "delay_ms": delay_ms})
        assert r.status in (200, 201, 204), r

    def clear_faults(self):
        self.sim_call("DELETE", "/__sim/faults")

    def requests(self, path_prefix=None, method=None):
        q = {}
        if path_prefix:
            q["path_prefix"] = path_prefix
        if method:
            q["method"] = method
        r = self.sim_call("GET", "/__sim/requests", query=q)
        assert r.status == 200, r
        return r.json()["results"]

    def clear_requests(self):
        self.harvest()
        self.sim_call("DELETE", "/__sim/requests")

    def harvest(self):
        """Remember every credential in the sim's request log (bearers, form
        fields, tokens in paths) in self.seen, for the secrets-at-rest
        checks. Called before the log is cleared."""
        for r in self.requests():
            a = r["headers"].get("authorization", "")
            if a.startswith("Bearer "):
                self.seen.add(a[7:])
            if r["path"].startswith("/oauth/v1/access-tokens/"):
                self.seen.add(r["path"].rsplit("/", 1)[1])
            if "form" in r["headers"].get("content-type", ""):
                f = dict(urllib.parse.parse_qsl(r["body"]))
                for k in ("client_secret", "refresh_token", "token", "code"):
                    if f.get(k):
                        self.seen.add(f[k])
            elif r["body"].startswith("{"):
                try:
                    b = json.loads(r["body"])
                except ValueError:
                    b = {}
                if isinstance(b, dict) and isinstance(b.get("tokenKey"), str):
                    self.seen.add(b["tokenKey"])

    def stats(self, client=CLIENT_ID):
        s = self.sim_call("GET", "/__sim/stats").json()
        return s.get("clients", {}).get(client, {})

    def refreshes(self):
        return self.stats().get("refreshes", 0)

    def token_posts(self, grant=None, path="/oauth/v3/token"):
        """Form POSTs to exactly `path` (not /introspect, /revoke), decoded."""
        out = []
        for r in self.requests(path, "POST"):
            if r["path"] != path:
                continue
            f = dict(urllib.parse.parse_qsl(r["body"], keep_blank_values=True))
            if grant is None or f.get("grant_type") == grant:
                out.append((r, f))
        return out

    def bearers(self):
        """Every bearer the sim received on API calls, oldest first."""
        out = []
        for r in self.requests():
            a = r["headers"].get("authorization", "")
            if a.startswith("Bearer ") and a[7:] not in out:
                out.append(a[7:])
        return out

    def current_access_token(self, token):
        """The access token elementsd uses now for the instance: one ping,
        then the bearer of that ping as the sim received it."""
        r = self.hub(token, "/hubs/crm/ping")
        assert r.status == 200, (r, self.ed_log()[-2000:])
        pings = self.requests("/account-info/v3/details")
        return pings[-1]["headers"]["authorization"][len("Bearer "):]

    # instance creation, the four ways

    def body_code(self, element="hubspotcrm", name="inst-code", code=None,
                  tags=("t-code",), extra=None):
        cfg = {"authentication.type": "oauth2", "oauth.callback.url": CALLBACK,
               "oauth.api.key": CLIENT_ID, "oauth.api.secret": CLIENT_SECRET,
               "create.bulk.properties": "false", "filter.response.nulls": True}
        cfg.update(extra or {})
        b = {"element": {"key": element},
             "providerData": {"code": code or self.code()},
             "configuration": cfg, "name": name}
        if tags is not None:
            b["tags"] = list(tags)
        return b

    def body_apikey(self, element="hubspotcrm", name="inst-key", key=API_KEY,
                    tags=("t-key",)):
        b = {"element": {"key": element},
             "configuration": {"hubspot.authorization.apikey": key,
                               "authentication.type": "apiKey",
                               "create.bulk.properties": "false",
                               "filter.response.nulls": True},
             "name": name}
        if tags is not None:
            b["tags"] = list(tags)
        return b

    def body_legacy(self, element="hubspotcrm", name="inst-legacy", pair=None,
                    expires_in=None):
        pair = pair or self.mint(legacy=True)
        return {"element": {"key": element},
                "providerData": {"apikey": CLIENT_ID,
                                 "access_token": pair["access_token"],
                                 "refresh_token": pair["refresh_token"],
                                 "expires_in": str(pair["expires_in"] if expires_in is None
                                                   else expires_in)},
                "configuration": {"oauth.api.key": CLIENT_ID,
                                  "oauth.api.secret": str(PORTAL_ID),
                                  "oauth.callback.url": "www.samplecallbackurl.com",
                                  "oauth.scope": "contacts-rw+offline"},
                "tags": ["t-legacy"], "name": name}

    def body_external(self, element="hubspotcrm", name="inst-ext", refresh=None):
        refresh = refresh or self.mint()["refresh_token"]
        return {"element": {"key": element},
                "configuration": {"oauth.user.refresh_token": refresh,
                                  "oauth.api.key": CLIENT_ID,
                                  "oauth.api.secret": CLIENT_SECRET,
                                  "oauth.scope": "contacts"},
                "externalAuthentication": "initial", "name": name}

    def create(self, body, who="a", path="/instances"):
        r = self.api("POST", path, body, who=who)
        assert r.status == 200, (r, self.ed_log()[-2000:])
        inst = r.json()
        self.seen.add(inst["token"])
        return inst

    def create_code(self, **kw):
        return self.create(self.body_code(**kw))

    # the database files

    def db_path(self):
        return os.path.join(self.data, "elementsd.db")

    def db_rows(self, table="instances"):
        """Rows in a table, whichever backend this run uses."""
        return h.db_count(self.data, table)

    def db_bytes(self):
        """Raw bytes of the database (SQLite files incl. -wal, or a pg_dump)."""
        return b"".join(h.db_dump(self.data).values())


# --- small helpers ----------------------------------------------------------------

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
B64_44 = re.compile(r"^[A-Za-z0-9+/]{43}=$")


def parallel(n, fn):
    """Run fn(i) for i in range(n) on n threads at once; results in order
    (an exception is returned in place of its result)."""
    out = [None] * n
    start = threading.Barrier(n)

    def run(i):
        try:
            start.wait(10)
            out[i] = fn(i)
        except Exception as e:  # reported by the caller
            out[i] = e

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return out


def wait_for(pred, timeout=10.0, step=0.02):
    """Poll pred() until it returns something truthy; returns it or None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return None
