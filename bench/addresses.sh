#!/usr/bin/env bash
# Address-search benchmark: 1,000 mixed queries against `leerstand serve`
# (/search/addresses?q=…): full addresses with town, abbreviated streets with a number
# ("Marktpl 15"), typos, town first in lower case ("kindelbrück lange str"), streets alone
# and text that matches nothing; drawn from the imported addresses with a fixed seed.
# One client, then two; p50 and p99 of the HTTP round trip. Goal: p99 < 20 ms at scale 20.
#
#   bench/addresses.sh                        # ~1M parcels (generated and imported once, then reused)
#   SCALE=4 bench/addresses.sh                # smaller, quicker
#   PROFILE=debug SCALE=4 bench/addresses.sh  # without a release build
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-20}
PROFILE=${PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-target}
DATA=${DATA:-$TARGET/bench/gen-$SCALE}
BASE_URL=${DATABASE_URL:-postgres://leerstand:leerstand@127.0.0.1:5432/leerstand}
SERVER=${BASE_URL%/*}
DB=${BENCH_DB:-leerstand_bench_addresses_$SCALE}
URL="$SERVER/$DB"
PORT=${PORT:-8192}
QUERIES=1000
OUT=$TARGET/bench/addresses
mkdir -p "$OUT"

say() { echo "== $*" >&2; }
psql_q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

say "building the $PROFILE binary"
if [ "$PROFILE" = release ]; then cargo build --release -p cli --quiet; else cargo build -p cli --quiet; fi
leerstand=$TARGET/$PROFILE/leerstand

psql "$SERVER/postgres" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  psql "$SERVER/postgres" -qX -c "CREATE DATABASE $DB" >/dev/null
psql_q "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
"$leerstand" --database-url "$URL" db migrate >/dev/null
if [ "$(psql_q 'SELECT count(*) FROM address')" = 0 ]; then
  if [[ ! -f $DATA/manifest.json ]]; then
    say "generating --scale $SCALE into $DATA"
    "$leerstand" generate --out "$DATA" --scale "$SCALE" >&2
  fi
  say "importing $DATA/alkis"
  "$leerstand" --database-url "$URL" import alkis "$DATA/alkis" >&2
  psql_q "ANALYZE" >/dev/null
fi
say "$(psql_q "SELECT count(*) FROM address") addresses, $(psql_q "SELECT count(DISTINCT (ags, street_key)) FROM address") streets"

# The queries, one a line: six kinds in turn over addresses drawn with a fixed seed.
psql_q "SELECT setseed(0.42)" >/dev/null
psql "$URL" -qAtX -v ON_ERROR_STOP=1 >"$OUT/queries.txt" <<SQL
SELECT setseed(0.42);
SELECT CASE i % 6
         WHEN 0 THEN street || ' ' || house_number || house_suffix || ', ' || town
         WHEN 1 THEN left(street, greatest(4, length(street) - 4)) || ' ' || house_number
         WHEN 2 THEN overlay(street PLACING '' FROM 3 FOR 1) || ' ' || house_number
         WHEN 3 THEN lower(town) || ' ' || lower(replace(street, 'straße', 'str'))
         WHEN 4 THEN street
         ELSE 'Qx' || substr(md5(i::text), 1, 6) || ' ' || (i % 40 + 1)
       END
  FROM (SELECT row_number() OVER () AS i, a.*
          FROM (SELECT street, house_number, house_suffix, town
                  FROM published.address ORDER BY random() LIMIT $QUERIES) a) s;
SQL
sed -i '/^$/d' "$OUT/queries.txt"
say "$(wc -l <"$OUT/queries.txt") queries in $OUT/queries.txt"

say "starting leerstand serve on 127.0.0.1:$PORT"
"$leerstand" --database-url "$URL" serve --addr "127.0.0.1:$PORT" >"$OUT/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done

client() {
  python3 - "$PORT" "$OUT/queries.txt" "$1" <<'PY'
import http.client, json, sys, time, threading, urllib.parse
port, clients = int(sys.argv[1]), int(sys.argv[3])
queries = [q for q in open(sys.argv[2], encoding="utf-8").read().splitlines() if q]
lat, lock, hits = [], threading.Lock(), [0, 0]
def run(part, record):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for q in part:
        t = time.perf_counter()
        c.request("GET", "/search/addresses?q=" + urllib.parse.quote(q))
        r = c.getresponse(); body = r.read()
        assert r.status == 200, (q, r.status, body[:200])
        if record:
            n = len(json.loads(body)["features"])
            with lock:
                lat.append(time.perf_counter() - t); hits[0] += n; hits[1] += n > 0
run(queries, False)  # warm the buffers
parts = [queries[i::clients] for i in range(clients)]
t0 = time.perf_counter()
ts = [threading.Thread(target=run, args=(p, True)) for p in parts]
[t.start() for t in ts]; [t.join() for t in ts]
wall = time.perf_counter() - t0
lat.sort()
print(f"{len(lat) / wall:.1f} {lat[len(lat) // 2] * 1000:.1f} {lat[int(len(lat) * 0.99)] * 1000:.1f} {hits[0] / len(lat):.1f} {hits[1]}")
PY
}

printf '%-26s %10s %10s %10s %12s %14s\n' "" "queries/s" "p50 ms" "p99 ms" "hits/query" "with a hit"
for c in 1 2; do
  read -r rate p50 p99 per with <<<"$(client "$c")"
  printf '%-26s %10s %10s %10s %12s %14s\n' "leerstand HTTP, $c client(s)" "$rate" "$p50" "$p99" "$per" "$with/$QUERIES"
done
