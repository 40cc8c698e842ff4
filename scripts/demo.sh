#!/usr/bin/env bash
# The main job: set up the machine and the database, build leerstand, generate the four
# towns' data (ALKIS, registers, ground truth), import it, analyse it and score the analysis.
# Idempotent: a second run regenerates the same files, the imports are no-ops, and the
# analysis records a new run.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/setup.sh

cargo build --release --locked -p cli
leerstand=target/release/leerstand
data=${LEERSTAND_DEMO_DATA:-out/demo}

"$leerstand" db migrate
"$leerstand" db status
"$leerstand" generate --out "$data" --seed 1
"$leerstand" import alkis "$data/alkis"
for kind in residents meters survey reports; do
  "$leerstand" import register "$kind" "$data/registers/$kind.csv"
done
# The generated registers are dated 31.12.2024: judge as of the day after.
"$leerstand" analyze --as-of 2025-01-01 --evaluate "$data/truth.csv" --compare
