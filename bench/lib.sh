# Shared by the benches that serve the generated towns (tiles.sh, load.sh): the release
# binary, the generated data of scale $SCALE, and a database of it imported, analysed and
# released (every analysed subject with consent, every citizen report approved), reused
# while it is complete. Source it after setting SCALE, FRESH, FROM_DB, DATA, WORK and db, and
# after `. scripts/setup.sh`.

say() { echo "== $*" >&2; }
URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:5432/$db"
q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
export RUST_LOG=warn

say "building the release binary"
cargo build --release --locked -p cli >&2
leerstand=$PWD/target/release/leerstand
mkdir -p "$WORK"

if [[ ! -f $DATA/manifest.json ]]; then
  say "generating --scale $SCALE into $DATA (minutes)"
  rm -rf "$DATA"
  "$leerstand" generate --out "$DATA" --scale "$SCALE" >&2
fi
PARCELS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['totals']['parcels'])" "$DATA/manifest.json")

# --- the database: imported, analysed, with releases ---------------------------------------
ready_db() {
  [[ $FRESH == 0 ]] || return 1
  psql "$URL" -qAtX -c "SELECT 1" >/dev/null 2>&1 || return 1
  [[ $(q "SELECT count(*) FROM parcel") == "$PARCELS" ]] || return 1
  [[ $(q "SELECT count(*) FROM analysis_run WHERE status = 'done'") -gt 0 ]] || return 1
  [[ $(q "SELECT count(*) FROM publication_consent") -gt 0 ]]
}
if ready_db; then
  say "reusing database $db"
  "$leerstand" --database-url "$URL" db migrate >&2
else
  psql_su -d postgres -c "DROP DATABASE IF EXISTS $db"
  if [[ -n $FROM_DB ]]; then
    say "copying database $FROM_DB"
    psql_su -d postgres -c "CREATE DATABASE $db TEMPLATE $FROM_DB OWNER $DB_USER"
    "$leerstand" --database-url "$URL" db migrate >&2
  else
    psql_su -d postgres -c "CREATE DATABASE $db OWNER $DB_USER"
    "$leerstand" --database-url "$URL" db migrate >&2
    say "importing $DATA (minutes)"
    "$leerstand" --database-url "$URL" import alkis "$DATA/alkis" >&2
    for kind in residents meters survey reports; do
      "$leerstand" --database-url "$URL" import register "$kind" "$DATA/registers/$kind.csv" >&2
    done
  fi
  say "analysing"
  "$leerstand" --database-url "$URL" analyze --as-of 2025-01-01 >&2
  # The towns publish what owners agreed to: here every analysed subject and every citizen
  # report, so the public layers carry as much as they ever could.
  say "releasing the analysed subjects"
  q "INSERT INTO app_user (login, display_name, role) VALUES ('bench', 'Benchmark', 'planner')
     ON CONFLICT DO NOTHING" >/dev/null
  q "INSERT INTO publication_consent (parcel_id, basis, consent_on, recorded_by)
     SELECT DISTINCT coalesce(v.parcel_id, b.parcel_id), 'owner_consent', DATE '2024-10-01',
            (SELECT id FROM app_user WHERE login = 'bench')
       FROM verdict v LEFT JOIN building b ON b.id = v.building_id
      WHERE v.run_id = (SELECT max(id) FROM analysis_run WHERE status = 'done')
        AND coalesce(v.parcel_id, b.parcel_id) IS NOT NULL
     ON CONFLICT DO NOTHING" >/dev/null
  q "UPDATE citizen_report SET status = 'approved', moderated_at = now(),
            moderated_by = (SELECT id FROM app_user WHERE login = 'bench'),
            public_text = 'Gemeldet: ' || category
      WHERE status = 'pending'" >/dev/null
  psql "$URL" -qX -c "VACUUM ANALYZE" >&2
fi
say "$(q "SELECT count(*) FROM published.parcel") parcels, $(q "SELECT count(*) FROM published.vacancy") vacancy, $(q "SELECT count(*) FROM published.plot") plots public"


# Writes to $1 the paths of every z12–z16 tile over the data, in a fixed shuffled order,
# as many as fill whole rounds of $2 connections; sets N to their number.
bench_tile_list() {
  local out=$1 connections=$2
  # Every z16 tile a parcel's box touches, and their parents up to z12; shuffled by a hash of
  # the address (a fixed order for every run).
  say "listing the z12–z16 tiles over the data"
  q "DROP TABLE IF EXISTS bench_tile; DROP SEQUENCE IF EXISTS bench_tile_seq;
     CREATE UNLOGGED TABLE bench_tile AS
     WITH b AS (
         SELECT ST_XMin(g) AS x0, ST_YMin(g) AS y0, ST_XMax(g) AS x1, ST_YMax(g) AS y1
           FROM (SELECT ST_Transform(ST_Envelope(geom), 3857) AS g FROM parcel) p
     ), z16 AS (
         SELECT DISTINCT x, y
           FROM b, generate_series(floor((x0 + 20037508.342789244) / 611.4962262814100)::int,
                                   floor((x1 + 20037508.342789244) / 611.4962262814100)::int) x,
                   generate_series(floor((20037508.342789244 - y1) / 611.4962262814100)::int,
                                   floor((20037508.342789244 - y0) / 611.4962262814100)::int) y
     ), all_tiles AS (
         SELECT DISTINCT 16 - k AS z, x >> k AS x, y >> k AS y FROM z16, generate_series(0, 4) k
     )
     SELECT (row_number() OVER (ORDER BY md5(z || '/' || x || '/' || y)))::int AS n, z, x, y
       FROM all_tiles;
     ALTER TABLE bench_tile ADD PRIMARY KEY (n);
     CREATE SEQUENCE bench_tile_seq;"
  N=$(q "SELECT count(*) FROM bench_tile")
  N=$(( N / connections * connections ))
  q "SELECT '/tiles/public/' || z || '/' || x || '/' || y || '.mvt' FROM bench_tile WHERE n <= $N ORDER BY n" > "$out"
}
