#!/usr/bin/env bash
# Vector tile benchmark: ~1M generated parcels (scale 20), analysed; every z12–z16 tile over
# the data in a fixed shuffled order; then, in one run:
#   raw PostGIS  pgbench running the server's tile query (`leerstand tiles sql --zoom Z`)
#                once per tile: the ceiling for any live PostGIS tile server;
#   cold         a fresh `leerstand serve`, each tile requested once (every request a miss);
#   warm         the same list again, from the tile cache.
# Requests ask for gzip like a browser; requests/s and p99 of each, and the ratios to raw.
#
#   bench/tiles.sh                       # scale 20; reuses its database when it is complete
#   SCALE=4 bench/tiles.sh               # smaller, quicker
#   FRESH=1 bench/tiles.sh               # re-import and re-analyse
#   FROM_DB=name bench/tiles.sh          # copy an existing database of the same import (faster)
#   CONNECTIONS=8 WARM_SECONDS=20 bench/tiles.sh
#
# Needs the set-up of scripts/setup.sh; installs wrk (apt) when missing. Run it alone on the
# machine (e.g. `flock /tmp/bench.lock bash bench/tiles.sh`): both sides share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-20}
FRESH=${FRESH:-0}
FROM_DB=${FROM_DB:-}
CONNECTIONS=${CONNECTIONS:-8}
WARM_SECONDS=${WARM_SECONDS:-20}
PORT=${PORT:-18231}
DATA=${DATA:-target/bench/gen-$SCALE}
WORK=target/bench/tiles-$SCALE
db=leerstand_bench_tiles_$SCALE

. scripts/setup.sh
command -v wrk >/dev/null || ensure_packages wrk
command -v pgbench >/dev/null || ensure_packages postgresql-contrib

. bench/lib.sh
bench_tile_list "$WORK/tiles.txt" "$CONNECTIONS"
say "$N tiles ($(q "SELECT string_agg(z || ': ' || c, ', ' ORDER BY z) FROM (SELECT z, count(*) c FROM bench_tile WHERE n <= $N GROUP BY z) s"))"

# --- raw PostGIS -----------------------------------------------------------------------------
# The server's query of each zoom (`leerstand tiles sql`, one prepared statement per zoom as
# in the server), its parameters as pgbench variables, after a lookup of the next tile of the
# list (a primary-key read; it counts against PostGIS, not for it).
{
  echo "SELECT z AS tz, x AS tx, y AS ty FROM bench_tile WHERE n = (SELECT nextval('bench_tile_seq')) \\gset"
  for z in 12 13 14 15 16; do
    if [[ $z == 12 ]]; then echo "\\if :tz = $z"; else echo "\\elif :tz = $z"; fi
    "$leerstand" tiles sql --zoom "$z" | sed -e 's/--.*$//' -e 's/\$1/:tz/g' -e 's/\$2/:tx/g' -e 's/\$3/:ty/g'
  done
  echo "\\endif"
} > "$WORK/raw.sql"
q "SELECT setval('bench_tile_seq', 1, false)" >/dev/null
say "raw PostGIS: pgbench, $CONNECTIONS clients, $N tiles"
rm -f "$WORK"/raw_log*
(cd "$WORK" && pgbench "$URL" -n -M prepared -c "$CONNECTIONS" -j 2 -t $(( N / CONNECTIONS )) \
   -f raw.sql -l --log-prefix=raw_log) > "$WORK/raw.out" 2>&1 || { cat "$WORK/raw.out" >&2; exit 1; }
RAW_RPS=$(awk '/^tps = / {print $3}' "$WORK/raw.out")
RAW_P99=$(cat "$WORK"/raw_log* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR]=$1} END {print a[int(NR * 0.99)]}')

# --- leerstand -------------------------------------------------------------------------------
cat > "$WORK/list.lua" <<'EOF'
-- Requests the paths of a file: each thread every n-th path. `once`: a thread that has had
-- its answers stops and leaves a file `done.N` in the directory given (wrk itself only ends
-- when its duration has passed or on SIGINT); otherwise the list repeats.
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  local file, nthreads, mode = args[1], tonumber(args[2]), args[3]
  marker = (args[4] or ".") .. "/done." .. index
  paths = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == index then paths[#paths + 1] = line end
    i = i + 1
  end
  once = mode == "once"
  sent, received, bad = 0, 0, 0
  wrk.headers["Accept-Encoding"] = "gzip, deflate, br"
end
function request()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) % #paths + 1])
end
if true then
  function response(status, headers, body)
    received = received + 1
    if status ~= 200 and status ~= 204 then bad = bad + 1 end
    if once and received == #paths then
      io.open(marker, "w"):close()
      wrk.thread:stop()
    end
  end
end
function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do bad_total = bad_total + t:get("bad") end
  io.write(string.format("RESULT %d %d %.3f %d\n", summary.requests, summary.duration,
                         latency:percentile(99.0) / 1000, bad_total))
end
EOF
# The warm pass needs no per-response hook (it slows wrk down): the same script without it.
sed 's/^if true then$/if false then/' "$WORK/list.lua" > "$WORK/loop.lua"

SERVER_PID=
stop_server() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap stop_server EXIT
say "starting leerstand serve on 127.0.0.1:$PORT"
"$leerstand" --database-url "$URL" serve --addr "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

THREADS=2
say "leerstand cold: $CONNECTIONS connections, each tile once"
rm -f "$WORK"/done.*
wrk -t$THREADS -c"$CONNECTIONS" -d 3600s --timeout 60s -s "$WORK/list.lua" "http://127.0.0.1:$PORT" \
  -- "$WORK/tiles.txt" $THREADS once "$WORK" > "$WORK/cold.out" &
WRK_PID=$!
shopt -s nullglob
while kill -0 "$WRK_PID" 2>/dev/null; do
  markers=("$WORK"/done.*)
  (( ${#markers[@]} < THREADS )) || break
  sleep 0.05
done
# wrk reports (and runs `done`) when interrupted; its clock then includes ≤ 50 ms of polling.
kill -INT "$WRK_PID" 2>/dev/null || true
wait "$WRK_PID" || true
read -r _ COLD_N COLD_US COLD_P99 COLD_BAD < <(grep '^RESULT' "$WORK/cold.out")
say "leerstand warm: $CONNECTIONS connections, the list again for ${WARM_SECONDS}s"
wrk -t$THREADS -c"$CONNECTIONS" -d "${WARM_SECONDS}s" --timeout 60s -s "$WORK/loop.lua" "http://127.0.0.1:$PORT" \
  -- "$WORK/tiles.txt" $THREADS loop > "$WORK/warm.out"
read -r _ WARM_N WARM_US WARM_P99 WARM_BAD < <(grep '^RESULT' "$WORK/warm.out")
METRICS=$(curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^leerstand_tile_cache' | tr '\n' ' ')
stop_server

rps() { python3 -c "print(f'{$1 / ($2 / 1e6):.1f}')"; }
COLD_RPS=$(rps "$COLD_N" "$COLD_US")
WARM_RPS=$(rps "$WARM_N" "$WARM_US")
echo
echo "tiles: $N (z12–z16, $PARCELS parcels), $CONNECTIONS connections; $METRICS"
printf '%-22s %10s %12s %10s\n' run requests "requests/s" "p99 ms"
printf '%-22s %10s %12.1f %10.1f\n' "raw PostGIS (pgbench)" "$N" "$RAW_RPS" "$RAW_P99"
printf '%-22s %10s %12s %10.1f\n' "leerstand cold" "$COLD_N" "$COLD_RPS" "$COLD_P99"
printf '%-22s %10s %12s %10.1f\n' "leerstand warm" "$WARM_N" "$WARM_RPS" "$WARM_P99"
echo "cold / raw: $(python3 -c "print(f'{$COLD_RPS / $RAW_RPS:.2f}')")  (goal ≥ 1.0)"
echo "warm / raw: $(python3 -c "print(f'{$WARM_RPS / $RAW_RPS:.1f}')")  (goal ≥ 50)"
[[ $COLD_BAD == 0 && $WARM_BAD == 0 ]] || echo "non-2xx answers: cold $COLD_BAD, warm $WARM_BAD"
