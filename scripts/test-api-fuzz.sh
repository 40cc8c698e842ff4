#!/usr/bin/env bash
# Fuzzing of the web API: schemathesis (tests/api/.venv, pinned in tests/api/requirements.txt)
# reads the server's own /openapi.json and sends generated requests to every operation,
# public and planner (with an administrator's token), checking that no answer is a server
# error and that status, media type and body are the ones the document gives.
#
# The server runs on 127.0.0.1:${LEERSTAND_FUZZ_PORT:-8191} over a fresh copy of the database
# `lt_oas_fuzz` (the demo data, made once by scripts/demo-data.sh): the planner operations
# write to it. The logout runs last, on its own, since it revokes the token. Prints the
# counts: operations, test cases, failures. Reports in out/api-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/setup.sh

port=${LEERSTAND_FUZZ_PORT:-8191}
url="http://127.0.0.1:$port"
server=${DATABASE_URL%/*}
master=lt_oas_fuzz
copy=lt_oas_fuzz_run
out=$PWD/out/api-fuzz
mkdir -p "$out"
started=$(date +%s)

# The debug build of the test suite serves well enough and saves a second compile.
export LEERSTAND_PROFILE=${LEERSTAND_PROFILE:-debug}
if [ "$LEERSTAND_PROFILE" = release ]; then cargo build --release --locked -p cli; else cargo build --locked -p cli; fi
leerstand=target/$LEERSTAND_PROFILE/leerstand

complete=$(psql "$server/$master" -XtAc "SELECT (SELECT count(*) FROM analysis_run WHERE status = 'done')
                                                * (SELECT count(*) FROM publication_consent)" 2>/dev/null || echo 0)
if [ "${complete:-0}" = 0 ] || [ -n "${LEERSTAND_FUZZ_REFRESH:-}" ]; then
  psql_su -qc "DROP DATABASE IF EXISTS $master" >/dev/null
  psql_su -qc "CREATE DATABASE $master OWNER $DB_USER TEMPLATE template1" >/dev/null
  DATABASE_URL="$server/$master" LEERSTAND_DEMO_DATA=out/api-fuzz/data bash scripts/demo-data.sh >&2
  # Fresh tables have no planner statistics yet; the public views need them.
  PGOPTIONS='-c client_min_messages=error' psql "$server/$master" -qXc 'ANALYZE' >&2
fi
psql_su -qc "DROP DATABASE IF EXISTS $copy WITH (FORCE)" >/dev/null
psql_su -qc "CREATE DATABASE $copy OWNER $DB_USER TEMPLATE $master" >/dev/null
export DATABASE_URL="$server/$copy"

token=$("$leerstand" user add fuzz --role admin --all-towns --name "Fuzz-Test")
"$leerstand" serve --addr "127.0.0.1:$port" >"$out/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  kill -0 "$pid" 2>/dev/null || break
  curl -fsS "$url/ready" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$url/ready" >/dev/null || { echo "the server did not become ready; log:" >&2; cat "$out/server.log" >&2; exit 1; }

schemathesis=tests/api/.venv/bin/schemathesis
fuzz() {
  local name=$1
  shift
  "$schemathesis" run "$url/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --header "Authorization: Bearer $token" \
    --workers 1 --seed 22 --max-examples "${LEERSTAND_FUZZ_EXAMPLES:-15}" \
    --request-timeout 30 --output-truncate true \
    --report junit --report-junit-path "$out/$name.xml" "$@" | tee "$out/$name.txt"
}
echo "== schemathesis against $url/openapi.json" >&2
status=0
fuzz all --exclude-path /planner/logout || status=$?
fuzz logout --include-path /planner/logout || status=$?

# The counts: operations and failures from the JUnit reports (one test case per operation,
# and one for the stateful scenarios), test cases from schemathesis' summary ("N generated").
tests/api/.venv/bin/python - "$out" <<'PY'
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

out = Path(sys.argv[1])
operations = failures = cases = 0
for name in ("all", "logout"):
    for case in ET.parse(out / f"{name}.xml").getroot().iter("testcase"):
        operations += case.get("name") != "Stateful tests"
        failures += len(case.findall("failure")) + len(case.findall("error"))
    found = re.search(r"(\d+) generated", (out / f"{name}.txt").read_text())
    cases += int(found.group(1)) if found else 0
print(f"api fuzzing: {operations} operations, {cases} test cases, {failures} failures")
PY
echo "api fuzzing took $(($(date +%s) - started)) s" >&2
exit "$status"
