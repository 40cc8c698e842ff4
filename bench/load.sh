#!/usr/bin/env bash
# Load benchmark of the public API over loopback: wrk with 64 connections for 60 s each on
#   features  bbox pages of parcels and vacancy (500 m boxes around random parcels, 100 each)
#   tiles     every z12–z16 tile over the data, shuffled (the first round misses the cache)
#   search    plot searches by town and area, and by distance from random points
#   mixed     the three lists interleaved
# The server believes X-Forwarded-For from loopback, and each request names one of 1,024
# client addresses, as behind a town hall's reverse proxy: the per-client read budget is
# then not what limits. Reports requests/s, p99 and the number of 5xx (goal 0) and 4xx.
#
#   bench/load.sh                      # scale 4 (quick); the database of bench/tiles.sh
#   SCALE=20 bench/load.sh             # ~1M parcels
#   CONNECTIONS=64 SECONDS_EACH=60 bench/load.sh
#
# Needs the set-up of scripts/setup.sh; installs wrk (apt) when missing. Run it alone on the
# machine: server, database and wrk share the cores.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-4}
FRESH=${FRESH:-0}
FROM_DB=${FROM_DB:-}
CONNECTIONS=${CONNECTIONS:-64}
SECONDS_EACH=${SECONDS_EACH:-60}
PORT=${PORT:-18232}
DATA=${DATA:-target/bench/gen-$SCALE}
WORK=target/bench/load-$SCALE
db=leerstand_bench_tiles_$SCALE

. scripts/setup.sh
command -v wrk >/dev/null || ensure_packages wrk
. bench/lib.sh

# --- the request lists ------------------------------------------------------------------------
bench_tile_list "$WORK/tiles.txt" "$CONNECTIONS"
q "WITH p AS (
       SELECT ST_Transform(ST_Expand(ST_PointOnSurface(geom), 250), 4326) AS b
         FROM parcel ORDER BY md5(id::text) LIMIT 500)
   SELECT '/collections/' || c || '/items?limit=100&bbox=' ||
          round(ST_XMin(b)::numeric, 6) || ',' || round(ST_YMin(b)::numeric, 6) || ',' ||
          round(ST_XMax(b)::numeric, 6) || ',' || round(ST_YMax(b)::numeric, 6)
     FROM p, (VALUES ('parcels'), ('vacancy')) v(c)
    ORDER BY md5(b::text || c)" > "$WORK/features.txt"
q "WITH towns AS (SELECT DISTINCT ags FROM published.plot),
        sizes(lo, hi) AS (VALUES (200, 800), (500, 1000), (800, 3000), (NULL, NULL)),
        points AS (
            SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS pt
              FROM parcel ORDER BY md5('near' || id::text) LIMIT 300)
   SELECT path FROM (
       SELECT '/search/plots?town=' || ags ||
              coalesce('&min_area=' || lo || '&max_area=' || hi, '') || '&limit=20' AS path
         FROM towns, sizes
       UNION ALL
       SELECT '/search/plots?near=' || round(ST_X(pt)::numeric, 6) || ',' ||
              round(ST_Y(pt)::numeric, 6) || '&max_distance_m=2000&sort=distance&limit=20'
         FROM points) s
    ORDER BY md5(path)" > "$WORK/search.txt"
# The three lists in turns, each as long as the longest.
python3 - "$WORK" <<'EOF'
import sys
work = sys.argv[1]
lists = [open(f"{work}/{k}.txt").read().split() for k in ("features", "tiles", "search")]
longest = max(map(len, lists))
with open(f"{work}/mixed.txt", "w") as out:
    for i in range(longest):
        for l in lists:
            out.write(l[i % len(l)] + "\n")
EOF
say "lists: $(wc -l < "$WORK/features.txt") feature pages, $(wc -l < "$WORK/tiles.txt") tiles, $(wc -l < "$WORK/search.txt") searches"

cat > "$WORK/load.lua" <<'EOF'
-- Requests the paths of a file round and round, each thread every n-th path, each request
-- from one of 1,024 client addresses; counts the answers by class.
local threads = {}
function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end
function init(args)
  local nthreads = tonumber(args[2])
  paths = {}
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == index then paths[#paths + 1] = line end
    i = i + 1
  end
  sent, s5xx, s4xx = 0, 0, 0
end
function request()
  sent = sent + 1
  local client = (sent * 7 + index * 512) % 1024
  return wrk.format("GET", paths[(sent - 1) % #paths + 1], {
    ["Accept-Encoding"] = "gzip",
    ["X-Forwarded-For"] = string.format("10.77.%d.%d", math.floor(client / 256), client % 256),
  })
end
function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1 elseif status >= 400 then s4xx = s4xx + 1 end
end
function done(summary, latency, requests)
  local n5, n4 = 0, 0
  for _, t in ipairs(threads) do n5 = n5 + t:get("s5xx"); n4 = n4 + t:get("s4xx") end
  io.write(string.format("RESULT %d %d %.3f %d %d %d\n", summary.requests, summary.duration,
                         latency:percentile(99.0) / 1000, n5, n4,
                         summary.errors.connect + summary.errors.read + summary.errors.write
                           + summary.errors.timeout))
end
EOF

SERVER_PID=
stop_server() {
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=
}
trap stop_server EXIT
say "starting leerstand serve on 127.0.0.1:$PORT (trusting X-Forwarded-For from loopback)"
"$leerstand" --database-url "$URL" serve --addr "127.0.0.1:$PORT" --trusted-proxy 127.0.0.1/32 \
  > "$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

RESULTS=()
for kind in features tiles search mixed; do
  say "$kind: $CONNECTIONS connections, ${SECONDS_EACH}s"
  wrk -t2 -c"$CONNECTIONS" -d "${SECONDS_EACH}s" --timeout 30s -s "$WORK/load.lua" \
    "http://127.0.0.1:$PORT" -- "$WORK/$kind.txt" 2 > "$WORK/$kind.out"
  RESULTS+=("$kind $(grep '^RESULT' "$WORK/$kind.out" | cut -d' ' -f2-)")
done
stop_server

PARCELS=$(q "SELECT count(*) FROM parcel")
echo
echo "load: $PARCELS parcels (scale $SCALE), $CONNECTIONS connections, ${SECONDS_EACH}s per run, loopback"
printf '%-10s %10s %12s %10s %6s %6s %8s\n' run requests "requests/s" "p99 ms" 5xx 4xx "socket"
for r in "${RESULTS[@]}"; do
  read -r kind n us p99 n5 n4 errs <<< "$r"
  printf '%-10s %10s %12.1f %10.1f %6s %6s %8s\n' "$kind" "$n" \
    "$(python3 -c "print($n / ($us / 1e6))")" "$p99" "$n5" "$n4" "$errs"
done
