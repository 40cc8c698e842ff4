#!/usr/bin/env bash
# Import benchmark: times `ogr2ogr -f PostgreSQL` (GDAL's default: COPY, spatial index) and
# `leerstand import` on the same generated files, into fresh tables of a fresh database, checks
# that both hold the same parcels, and prints the ratio.
#
#   bench/import.sh                 # ~1M parcels (leerstand generate --scale 20)
#   SCALE=4 bench/import.sh         # smaller, quicker
#   NAS=0 bench/import.sh           # GeoPackage only
#
# Needs the set-up of scripts/setup.sh (PostGIS, gdal-bin) and a role that may create databases.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=${SCALE:-20}
NAS=${NAS:-1}
DATA=${DATA:-target/bench/gen-$SCALE}
BASE_URL=${DATABASE_URL:-postgres://leerstand:leerstand@127.0.0.1:5432/leerstand}
SERVER=${BASE_URL%/*}
DB=leerstand_bench
URL="$SERVER/$DB"
# ogr2ogr takes libpq parameters
PGCONN=$(python3 - "$URL" <<'EOF'
import sys, urllib.parse as u
p = u.urlparse(sys.argv[1])
print(f"host={p.hostname} port={p.port or 5432} dbname={p.path[1:]} user={p.username} password={p.password or ''}")
EOF
)

say() { echo "== $*" >&2; }
now() { date +%s.%N; }
psql_q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
fresh_db() {
  psql "$SERVER/postgres" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
  psql_q "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  ./target/release/leerstand --database-url "$URL" db migrate >/dev/null
}

say "building the release binary"
cargo build --release -p cli --quiet

if [[ ! -f $DATA/manifest.json ]]; then
  say "generating --scale $SCALE into $DATA"
  rm -rf "$DATA"
  ./target/release/leerstand generate --out "$DATA" --scale "$SCALE" >&2
fi
PARCELS=$(ogrinfo -ro -so "$DATA/alkis.gpkg" parcels | awk -F': ' '/Feature Count/ {print $2}')
say "$PARCELS parcels"

rate() { python3 -c "print(f'{$1 / $2:,.0f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# --- GeoPackage ----------------------------------------------------------------------------
fresh_db
say "ogr2ogr GeoPackage → PostgreSQL"
t0=$(now)
ogr2ogr -f PostgreSQL "PG:$PGCONN" "$DATA/alkis.gpkg" parcels -nln ogr_parcels \
  -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST
t1=$(now)
OGR_GPKG=$(python3 -c "print($t1 - $t0)")

say "leerstand import vector GeoPackage"
t0=$(now)
./target/release/leerstand --database-url "$URL" import vector "$DATA/alkis.gpkg" --as parcels >&2
t1=$(now)
LS_GPKG=$(python3 -c "print($t1 - $t0)")

say "comparing the two tables"
DIFF=$(psql_q "SELECT count(*) FROM parcel p FULL JOIN ogr_parcels o ON o.alkis_id = p.alkis_id
               WHERE p.id IS NULL OR o.alkis_id IS NULL OR o.kennzeichen <> p.kennzeichen
                  OR ST_AsBinary(o.geom) <> ST_AsBinary(p.geom)")
[[ $DIFF == 0 ]] || { echo "tables differ in $DIFF rows" >&2; exit 1; }

# The database's own floor for these rows: the parcels as binary COPY data in a file, loaded
# into a bare table with the spatial index ogr2ogr builds; nothing read, decoded or checked.
# No importer that writes through one COPY on one connection can be faster than this.
say "floor: binary COPY of the same rows from a file into a bare table, then its GiST index"
FLOOR_FILE=$(mktemp /tmp/leerstand-bench-floor.XXXXXX)
trap 'rm -f "$FLOOR_FILE"' EXIT
psql "$URL" -qX -v ON_ERROR_STOP=1 \
  -c "\\copy (SELECT alkis_id, kennzeichen, ags, official_area_m2, geom FROM parcel) TO '$FLOOR_FILE' (FORMAT binary)"
psql_q "CREATE TABLE floor_parcels (alkis_id char(16), kennzeichen char(20), ags char(8),
        official_area_m2 double precision, geom geometry(MultiPolygon, 25832))"
t0=$(now)
psql "$URL" -qX -v ON_ERROR_STOP=1 -c "\\copy floor_parcels FROM '$FLOOR_FILE' (FORMAT binary)" \
  -c "CREATE INDEX ON floor_parcels USING gist (geom)"
t1=$(now)
FLOOR_GPKG=$(python3 -c "print($t1 - $t0)")

# --- NAS -----------------------------------------------------------------------------------
if [[ $NAS == 1 ]]; then
  fresh_db
  NASDIR=target/bench/nas-$SCALE
  rm -rf "$NASDIR" && mkdir -p "$NASDIR" && cp "$DATA"/alkis/*.xml "$NASDIR"/  # GDAL writes .gfs beside them
  say "ogr2ogr NAS → PostgreSQL (AX_Flurstueck, all files)"
  t0=$(now)
  first=1
  for f in "$NASDIR"/*.xml; do
    if [[ $first == 1 ]]; then mode=(); first=0; else mode=(-append); fi
    ogr2ogr -f PostgreSQL "PG:$PGCONN" "$f" AX_Flurstueck -nln ogr_flurstueck "${mode[@]}" \
      -nlt MULTIPOLYGON -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -a_srs EPSG:25832 \
      --config NAS_NO_RELATION_LAYER YES
  done
  t1=$(now)
  OGR_NAS=$(python3 -c "print($t1 - $t0)")

  say "leerstand import alkis (all object classes: parcels, buildings, addresses, land use)"
  t0=$(now)
  ./target/release/leerstand --database-url "$URL" import alkis "$NASDIR" >&2
  t1=$(now)
  LS_NAS=$(python3 -c "print($t1 - $t0)")
  N_OGR=$(psql_q "SELECT count(*) FROM ogr_flurstueck")
  N_LS=$(psql_q "SELECT count(*) FROM parcel")
  DIFF=$(psql_q "SELECT count(*) FROM parcel p FULL JOIN ogr_flurstueck o ON o.flurstueckskennzeichen = p.kennzeichen
                 WHERE p.id IS NULL OR o.flurstueckskennzeichen IS NULL OR NOT ST_Equals(o.geom, p.geom)")
  [[ $DIFF == 0 ]] || { echo "NAS tables differ in $DIFF rows ($N_OGR vs $N_LS)" >&2; exit 1; }
fi

echo
printf '%-34s %10s %14s\n' "run ($PARCELS parcels)" "seconds" "parcels/s"
printf '%-34s %10.1f %14s\n' "ogr2ogr GeoPackage" "$OGR_GPKG" "$(rate "$PARCELS" "$OGR_GPKG")"
printf '%-34s %10.1f %14s\n' "leerstand import vector GeoPackage" "$LS_GPKG" "$(rate "$PARCELS" "$LS_GPKG")"
printf '%-34s %10.1f %14s\n' "floor: binary COPY file + GiST" "$FLOOR_GPKG" "$(rate "$PARCELS" "$FLOOR_GPKG")"
echo "GeoPackage ratio (ogr2ogr time / leerstand time): $(ratio "$OGR_GPKG" "$LS_GPKG")"
echo "GeoPackage ceiling through one COPY (ogr2ogr time / floor time): $(ratio "$OGR_GPKG" "$FLOOR_GPKG")"
if [[ $NAS == 1 ]]; then
  printf '%-34s %10.1f %14s\n' "ogr2ogr NAS (AX_Flurstueck only)" "$OGR_NAS" "$(rate "$PARCELS" "$OGR_NAS")"
  printf '%-34s %10.1f %14s\n' "leerstand import alkis (all)" "$LS_NAS" "$(rate "$PARCELS" "$LS_NAS")"
  echo "NAS ratio (ogr2ogr time / leerstand time): $(ratio "$OGR_NAS" "$LS_NAS")"
fi
