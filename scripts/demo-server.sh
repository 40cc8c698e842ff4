#!/usr/bin/env bash
# A demo server for the browser and notebook tests: `start` fills the database
# `leerstand_e2e` with the demo data (once; again with LEERSTAND_E2E_REFRESH=1), starts
# `leerstand serve` on 127.0.0.1:${LEERSTAND_E2E_PORT:-8181} in the background and waits
# until it is ready; `stop` stops it. `url` prints the server's URL, `database-url` its database.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${LEERSTAND_E2E_PORT:-8181}
url="http://127.0.0.1:$port"
# One pid and log file per port, so servers on other ports are left alone.
pidfile=out/e2e-server-$port.pid
logfile=out/e2e-server-$port.log
base=$(grep -o 'postgres://[^"]*' .cargo/config.toml | head -1)
export DATABASE_URL=${LEERSTAND_E2E_DATABASE_URL:-${base%/*}/leerstand_e2e}

start() {
  local e2e_url=$DATABASE_URL
  . scripts/setup.sh
  # setup.sh exports the set-up's own database; the demo server's is another.
  export DATABASE_URL=$e2e_url
  psql_su -tAc "SELECT 1 FROM pg_database WHERE datname = 'leerstand_e2e'" | grep -q 1 ||
    psql_su -c "CREATE DATABASE leerstand_e2e OWNER leerstand TEMPLATE template1" >/dev/null
  # The debug build of the test suite serves well enough and saves a second compile.
  export LEERSTAND_PROFILE=${LEERSTAND_PROFILE:-debug}
  if [ "$LEERSTAND_PROFILE" = release ]; then cargo build --release --locked -p cli; else cargo build --locked -p cli; fi
  local published
  # Complete means analysed and published (the last step of demo-data.sh), so a run that
  # stopped half-way is finished by the next one.
  published=$(psql "$DATABASE_URL" -tAc "SELECT (SELECT count(*) FROM analysis_run WHERE status = 'done')
                                                 * (SELECT count(*) FROM publication_consent)" 2>/dev/null || echo 0)
  if [ "${published:-0}" = 0 ] || [ -n "${LEERSTAND_E2E_REFRESH:-}" ]; then
    LEERSTAND_DEMO_DATA=out/e2e bash scripts/demo-data.sh >&2
    # Fresh tables have no planner statistics yet: without them the public views take
    # tens of seconds instead of milliseconds.
    PGOPTIONS='-c client_min_messages=error' psql "$DATABASE_URL" -qXc 'ANALYZE' >&2
  fi
  stop
  mkdir -p out
  "target/$LEERSTAND_PROFILE/leerstand" serve --addr "127.0.0.1:$port" >"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    # A server that died (port taken by another) must not pass for ready.
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    if curl -fsS "$url/ready" >/dev/null 2>&1; then
      echo "$url"
      return 0
    fi
    sleep 0.2
  done
  echo "demo server did not become ready; log:" >&2
  cat "$logfile" >&2
  return 1
}

stop() {
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$url" ;;
  database-url) echo "$DATABASE_URL" ;;
  *) echo "usage: $0 start|stop|url|database-url" >&2; exit 2 ;;
esac
