#!/usr/bin/env bash
# The main job: set up the machine and the database, build leerstand, generate the four
# towns' data, import it, analyse it, score the analysis (scripts/demo-data.sh) and serve
# the web map and API on http://127.0.0.1:8080 until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/demo-data.sh
echo "serving the four towns on http://127.0.0.1:8080 (Ctrl-C stops)" >&2
exec target/release/leerstand serve --addr "${LEERSTAND_ADDR:-127.0.0.1:8080}"
