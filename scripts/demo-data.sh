#!/usr/bin/env bash
# The demo data in the database named by DATABASE_URL (default: the set-up's database):
# set up, build, generate the four towns (ALKIS, land values, registers, ground truth), import them,
# analyse, score the analysis, create the demo planner account and publish the plots whose
# § 200 (3) BauGB notice period has passed. Idempotent: a second run regenerates the same
# files, the imports are no-ops, and the analysis records a new run.
set -euo pipefail
cd "$(dirname "$0")/.."

target=${DATABASE_URL:-}
. scripts/setup.sh
# setup.sh exports the set-up's own database; a DATABASE_URL given by the caller wins.
export DATABASE_URL=${target:-$DATABASE_URL}

# LEERSTAND_PROFILE=debug reuses the test build (the test scripts do, to save a compile).
profile=${LEERSTAND_PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --locked -p cli
else
  cargo build --locked -p cli
fi
leerstand=target/$profile/leerstand
data=${LEERSTAND_DEMO_DATA:-out/demo}

"$leerstand" db migrate
"$leerstand" db status
"$leerstand" generate --out "$data" --seed 1
"$leerstand" import alkis "$data/alkis"
"$leerstand" import landvalues "$data/landvalues.geojson"
for kind in residents meters survey reports; do
  "$leerstand" import register "$kind" "$data/registers/$kind.csv"
done
# The generated registers are dated 31.12.2024: judge as of the day after.
"$leerstand" analyze --as-of 2025-01-01 --evaluate "$data/truth.csv" --compare
# The demo planner (password for the demo database only) and the towns' notice of
# 1 November 2024 that their building gaps and vacant plots will be published.
echo "${LEERSTAND_DEMO_PASSWORD:-demo-planer-2025}" |
  "$leerstand" user add planer --all-towns --name "Demo-Planerin" --password-stdin --if-missing >/dev/null
"$leerstand" publish notice --announced-on 2024-11-01 --by planer
