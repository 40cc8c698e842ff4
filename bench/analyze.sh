#!/usr/bin/env bash
# End-to-end benchmark of `leerstand analyze`: generates the towns at a scale (default 20,
# about 1M parcels), imports them into a fresh database, and runs the analysis, printing its
# wall time, peak memory, and its phases: preparing (the districts, in PostGIS), reading the
# facts, classifying in Rust (rayon, with the parcels' land-use lookup), writing the run (and
# waiting for the parcels' land use and district, stored meanwhile).
# Usage: bench/analyze.sh [SCALE]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-20}
. scripts/setup.sh
command -v /usr/bin/time >/dev/null || ensure_packages time

cargo build --release --locked -p cli >&2
leerstand=$PWD/target/release/leerstand
work=$(mktemp -d /tmp/leerstand-bench-analyze.XXXXXX)
trap 'rm -rf "$work"' EXIT
db=leerstand_bench_analyze
psql_su -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db OWNER $DB_USER"
export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:5432/$db" RUST_LOG=warn

echo "== generate scale $scale" >&2
"$leerstand" generate --out "$work/data" --scale "$scale" >&2
"$leerstand" db migrate >&2
echo "== import" >&2
"$leerstand" import alkis "$work/data/alkis" >&2
for kind in residents meters survey reports; do
  "$leerstand" import register "$kind" "$work/data/registers/$kind.csv" >&2
done
psql "$DATABASE_URL" -qc "VACUUM ANALYZE" >&2

echo "== analyze" >&2
/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$leerstand" analyze --as-of 2025-01-01 > "$work/out"
read -r wall rss user sys < "$work/time"
line=$(head -1 "$work/out")
echo "$line"
parcels=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM parcel")
phase() { sed -E "s/.*[(, ]$1 ([0-9.]+) s.*/\1/" <<<"$line"; }
awk -v p="$parcels" -v w="$wall" -v m="$rss" -v u="$user" -v s="$sys" \
    -v pr="$(phase prepare)" -v r="$(phase read)" -v c="$(phase classify)" -v wr="$(phase write)" \
    -v cores="$(sed -nE 's/.* on ([0-9.]+) cores.*/\1/p' <<<"$line")" 'BEGIN {
  printf "\nparcels            %d\nwall time          %.1f s\npeak RSS           %.0f MiB\n", p, w, m / 1024
  printf "CPU of the binary  %.1f s user + %.1f s system\n", u, s
  printf "phases             prepare %.1f s, read %.1f s, classify %.1f s, write %.1f s\n", pr, r, c, wr
  printf "PostGIS I/O        %.1f s (%.0f %%): prepare %.1f + read %.1f + write %.1f\n", pr + r + wr, 100 * (pr + r + wr) / w, pr, r, wr
  printf "Rust classify      %.1f s (%.0f %%) on %s cores, with suitability and statistics\n", c, 100 * c / w, cores
}'
psql_su -d postgres -c "DROP DATABASE IF EXISTS $db"
