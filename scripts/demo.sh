#!/usr/bin/env bash
# The main job: set up the machine and the database, build leerstand, apply the schema and
# show the database status.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/setup.sh

cargo build --release --locked -p cli
leerstand=target/release/leerstand
"$leerstand" db migrate
"$leerstand" db status
