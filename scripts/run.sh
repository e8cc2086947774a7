#!/bin/sh
# make run: start hubspot-sim (our local HubSpot) and elementsd pointed at
# it, with SQLite under ./var. On first run, create the first organization
# and user; print the console URL and that user's credentials every time.
# Ports: ELEMENTSD_PORT (default 8080), SIM_PORT (default 8081).
set -eu
cd "$(dirname "$0")/.."
DATA=${ELEMENTSD_DATA_DIR:-./var}
ED_PORT=${ELEMENTSD_PORT:-8080}
SIM_PORT=${SIM_PORT:-8081}
CREDS="$DATA/first-user.json"
mkdir -p "$DATA"
chmod 700 "$DATA"

SIM_PID=""
HS=""
if [ -x build/hubspot-sim ]; then
    build/hubspot-sim --listen "127.0.0.1:$SIM_PORT" \
        --client demo-client:demo-secret --api-key demo-key \
        >"$DATA/hubspot-sim.log" 2>&1 &
    SIM_PID=$!
    HS="--hubspot-app-url http://127.0.0.1:$SIM_PORT --hubspot-api-url http://127.0.0.1:$SIM_PORT"
fi
cleanup() { [ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [ ! -s "$CREDS" ]; then
    PASS=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
    OUT=$(build/elementsd admin bootstrap --data-dir "$DATA" \
        --email admin@example.com --password "$PASS" \
        --first-name Admin --last-name User)
    (umask 077 && printf '%s\n' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin); d["password"] = sys.argv[1]
print(json.dumps(d, indent=2))' "$PASS" >"$CREDS")
fi

python3 - "$CREDS" "$ED_PORT" "$SIM_PORT" "$SIM_PID" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("elementsd console:  http://127.0.0.1:%s/" % sys.argv[2])
print("API base:           http://127.0.0.1:%s/elements/api-v2" % sys.argv[2])
if sys.argv[4]:
    print("hubspot-sim:        http://127.0.0.1:%s  (OAuth app demo-client / demo-secret, API key demo-key)" % sys.argv[3])
print("email:              %s" % d["email"])
print("password:           %s" % d["password"])
print("user secret:        %s" % d["userSecret"])
print("organization secret: %s" % d["organizationSecret"])
print("(saved in %s, mode 0600)" % sys.argv[1])
PY
# shellcheck disable=SC2086
build/elementsd serve --data-dir "$DATA" --listen "127.0.0.1:$ED_PORT" $HS
