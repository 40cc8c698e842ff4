#!/usr/bin/env bash
# Benchmark of `leerstand generate`: wall time, parcels per second and peak RSS at scale 1
# (the four towns) and scale 20 (about 1 million parcels), measured with GNU time.
#
# Usage: bench/generate.sh [scale ...]      (default: 1 20)
# Settings (environment): BENCH_DIR (scratch directory, default a fresh temp dir, removed
# afterwards), SEED (1).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x /usr/bin/time ] || { echo "bench: GNU time is missing: apt-get install -y time" >&2; exit 1; }
SCALES=("$@")
[ ${#SCALES[@]} -gt 0 ] || SCALES=(1 20)
SEED=${SEED:-1}
if [ -n "${BENCH_DIR:-}" ]; then
  WORK=$BENCH_DIR
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
fi

cargo build --release -q -p cli
BIN=target/release/leerstand

printf '%-6s %10s %10s %9s %12s %12s %9s\n' scale parcels buildings seconds parcels/s peak_RSS_MB output_MB
for scale in "${SCALES[@]}"; do
  out="$WORK/scale-$scale"
  rm -rf "$out"
  log="$WORK/time-$scale.txt"
  RUST_LOG=warn /usr/bin/time -v "$BIN" generate --out "$out" --seed "$SEED" --scale "$scale" >/dev/null 2>"$log"
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")
  rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
  parcels=$(grep -m1 '"parcels"' "$out/manifest.json" | tr -dc '0-9')
  buildings=$(grep -m1 '"buildings"' "$out/manifest.json" | tr -dc '0-9')
  size_mb=$(du -sm "$out" | cut -f1)
  awk -v s="$scale" -v p="$parcels" -v b="$buildings" -v t="$secs" -v r="$rss_kb" -v m="$size_mb" \
    'BEGIN { printf "%-6s %10d %10d %9.1f %12.0f %12.0f %9d\n", s, p, b, t, p / t, r / 1024, m }'
  rm -rf "$out"
done
