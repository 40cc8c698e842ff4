#!/usr/bin/env bash
# Feature-page benchmark: bbox pages of up to 1,000 parcels as GeoJSON, served by
# `leerstand serve` (/collections/parcels/items?bbox=…&limit=1000), against the same SQL run
# by pgbench straight in PostGIS (the features built by ST_AsGeoJSON, the count, the page).
# Both read the same 200 boxes (1.6 km × 1.6 km around random parcels, fixed seed; most hold
# more than 1,000 parcels), each box twice, first with one client, then with two.
#
#   bench/features.sh              # ~1M parcels (generated and imported once, then reused)
#   SCALE=4 bench/features.sh      # smaller, quicker
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-20}
DATA=${DATA:-target/bench/gen-$SCALE}
BASE_URL=${DATABASE_URL:-postgres://leerstand:leerstand@127.0.0.1:5432/leerstand}
SERVER=${BASE_URL%/*}
DB=${BENCH_DB:-leerstand_bench_features}
URL="$SERVER/$DB"
PORT=${PORT:-8191}
BOXES=200
OUT=target/bench/features
mkdir -p "$OUT"

say() { echo "== $*" >&2; }
psql_q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

say "building the release binary"
cargo build --release -p cli --quiet
leerstand=./target/release/leerstand

psql "$SERVER/postgres" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  psql "$SERVER/postgres" -qX -c "CREATE DATABASE $DB" >/dev/null
psql_q "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
"$leerstand" --database-url "$URL" db migrate >/dev/null
if [ "$(psql_q 'SELECT count(*) FROM parcel')" = 0 ]; then
  if [[ ! -f $DATA/manifest.json ]]; then
    say "generating --scale $SCALE into $DATA"
    "$leerstand" generate --out "$DATA" --scale "$SCALE" >&2
  fi
  say "importing $DATA/alkis"
  "$leerstand" --database-url "$URL" import alkis "$DATA/alkis" >&2
fi
PARCELS=$(psql_q "SELECT count(*) FROM parcel")
say "$PARCELS parcels"

# The boxes, in WGS84, numbered 1…$BOXES.
psql_q "DROP TABLE IF EXISTS bench_box;
        SELECT setseed(0.42);
        CREATE TABLE bench_box AS
        SELECT row_number() OVER () AS id, ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1
          FROM (SELECT ST_Transform(ST_Expand(ST_Centroid(geom), 800), 4326) AS b
                  FROM parcel ORDER BY random() LIMIT $BOXES) s;" >/dev/null
psql_q "SELECT x0 || ',' || y0 || ',' || x1 || ',' || y1 FROM bench_box ORDER BY id" >"$OUT/boxes.txt"

# The same two statements the server runs for a page (see crates/api/src/features.rs).
cat >"$OUT/page.sql" <<'SQL'
\set i random(1, 200)
SELECT x0 AS bx0, y0 AS by0, x1 AS bx1, y1 AS by1 FROM bench_box WHERE id = :i \gset
SELECT count(*) FROM published.parcel WHERE (true) AND geom && ST_Transform(ST_Segmentize(ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326), 0.001), 25832);
SELECT '{"type":"Feature","id":' || to_json(id)::text || ',"geometry":' || coalesce(ST_AsGeoJSON(ST_Transform(geom, 4326), 7), 'null') || ',"properties":' || json_build_object('kennzeichen', kennzeichen, 'ags', ags)::text || '}' FROM published.parcel WHERE (true) AND geom && ST_Transform(ST_Segmentize(ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326), 0.001), 25832) ORDER BY id LIMIT 1000 OFFSET 0;
SQL

say "starting leerstand serve on 127.0.0.1:$PORT"
"$leerstand" --database-url "$URL" serve --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done

# One pass to warm PostgreSQL's buffers for both.
pgbench -n -f "$OUT/page.sql" -c 1 -t 50 "$URL" >/dev/null 2>&1

client() {
  python3 - "$PORT" "$OUT/boxes.txt" "$1" <<'PY'
import http.client, re, sys, time, threading
port, boxes, clients = int(sys.argv[1]), open(sys.argv[2]).read().split(), int(sys.argv[3])
lat, lock, features = [], threading.Lock(), [0]
def run(part):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for b in part:
        t = time.perf_counter()
        c.request("GET", f"/collections/parcels/items?limit=1000&bbox={b}")
        r = c.getresponse(); body = r.read()
        assert r.status == 200, (r.status, body[:200])
        n = int(re.search(rb'"numberReturned":(\d+)', body[body.rfind(b'"numberMatched"'):]).group(1))
        with lock:
            lat.append(time.perf_counter() - t); features[0] += n
boxes = boxes * 2
parts = [boxes[i::clients] for i in range(clients)]
t0 = time.perf_counter()
ts = [threading.Thread(target=run, args=(p,)) for p in parts]
[t.start() for t in ts]; [t.join() for t in ts]
wall = time.perf_counter() - t0
lat.sort()
print(f"{len(lat) / wall:.1f} {lat[len(lat) // 2] * 1000:.1f} {lat[int(len(lat) * 0.99)] * 1000:.1f} {features[0] / len(lat):.0f}")
PY
}

printf '%-34s %10s %10s %10s\n' "" "pages/s" "p50 ms" "p99 ms"
for c in 1 2; do
  pg=$(pgbench -n -f "$OUT/page.sql" -c "$c" -j "$c" -t $((2 * BOXES / c)) -r "$URL" 2>/dev/null)
  pg_tps=$(awk '/^tps/ {print $3; exit}' <<<"$pg")
  pg_lat=$(awk '/^latency average/ {print $4; exit}' <<<"$pg")
  read -r ls_rate ls_p50 ls_p99 per_page <<<"$(client "$c")"
  printf '%-34s %10.1f %10s %10s\n' "PostGIS via pgbench, $c client(s)" "$pg_tps" "avg $pg_lat" "-"
  printf '%-34s %10.1f %10s %10s\n' "leerstand HTTP, $c client(s)" "$ls_rate" "$ls_p50" "$ls_p99"
  echo "ratio leerstand / PostGIS ($c client(s)): $(python3 -c "print(f'{$ls_rate / $pg_tps:.2f}')")  (features per page: $per_page)"
done
