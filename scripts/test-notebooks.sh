#!/usr/bin/env bash
# The planner notebooks' test: checks that notebooks/*.ipynb are stored without outputs,
# starts the demo server (scripts/demo-server.sh) and makes sure its database has two analysis
# runs to compare, executes every notebook headless with papermill (the API's URL, the
# database and the output folder as parameters), fails on any error, checks that each wrote
# its figures, and leaves the executed notebooks and their HTML in out/notebook-artifacts/.
#
#   scripts/test-notebooks.sh                # the test
#   scripts/test-notebooks.sh --update-docs  # also copies one figure per notebook to docs/notebooks/
set -euo pipefail
cd "$(dirname "$0")/.."

update_docs=0
case "${1:-}" in
  --update-docs) update_docs=1 ;;
  "") ;;
  *) echo "usage: $0 [--update-docs]" >&2; exit 2 ;;
esac

started=$(date +%s)
. scripts/setup.sh
step() { echo "== $*" >&2; }

venv=notebooks/.venv
[ -x "$venv/bin/papermill" ] || { echo "no notebook environment in $venv: run scripts/setup-notebooks.sh" >&2; exit 1; }
art=$PWD/out/notebook-artifacts
figures=$art/figures
# The figure of each notebook that the docs show (aggregates only: no single addresses).
declare -A docs_figure=(
  [01_vacancy_overview]=district_vacancy_rate
  [02_inner_development]=potential_by_town
  [03_vacancy_forecast]=forecast_districts
  [04_data_quality]=quality_overview
)
notebooks=()
for nb in notebooks/[0-9]*.ipynb; do notebooks+=("$(basename "$nb" .ipynb)"); done
[ ${#notebooks[@]} -gt 0 ] || { echo "no notebooks in notebooks/" >&2; exit 1; }

step "notebooks are stored without outputs"
"$venv/bin/python" - "${notebooks[@]/#/notebooks/}" <<'PY'
import sys, nbformat
bad = []
for name in sys.argv[1:]:
    nb = nbformat.read(name + ".ipynb", as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            bad.append(f"{name}.ipynb: cell {i} has outputs or an execution count")
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        bad.append(f"{name}.ipynb: no cell tagged 'parameters'")
if bad:
    sys.exit("\n".join(bad) + "\nstrip them: jupyter nbconvert --clear-output --inplace NOTEBOOK")
print(f"{len(sys.argv) - 1} notebooks clean")
PY

step "demo server"
url=$(scripts/demo-server.sh start)
trap 'scripts/demo-server.sh stop' EXIT
db=$(scripts/demo-server.sh database-url)
# Two runs, so the overview has something to compare (the demo data records one).
runs=$(psql "$db" -X -tAc "SELECT count(*) FROM analysis_run WHERE status = 'done'")
if [ "$runs" -lt 2 ]; then
  # The binary demo-server.sh built (debug unless LEERSTAND_PROFILE=release).
  DATABASE_URL=$db "target/${LEERSTAND_PROFILE:-debug}/leerstand" analyze --as-of 2025-01-01 --compare >&2
  # Planner statistics for the new verdicts, as demo-server.sh does after loading.
  PGOPTIONS='-c client_min_messages=error' psql "$db" -qXc 'ANALYZE' >&2
fi

rm -rf "$art"
mkdir -p "$figures"
passed=0
failed=0
for name in "${notebooks[@]}"; do
  step "notebook $name"
  t0=$(date +%s)
  if "$venv/bin/papermill" "notebooks/$name.ipynb" "$art/$name.ipynb" --cwd notebooks \
    -k python3 --log-level WARNING --no-progress-bar --execution-timeout 600 \
    -p api_url "$url" -p database_url "$db" -p out_dir "$figures" &&
    "$venv/bin/jupyter" nbconvert --to html --log-level WARN --output-dir "$art" "$art/$name.ipynb" &&
    "$venv/bin/python" - "$figures/$name" "${docs_figure[$name]:-}" <<'PY'
import sys
from pathlib import Path
import matplotlib.image as mpimg
folder, main = Path(sys.argv[1]), sys.argv[2]
pngs = sorted(folder.glob("*.png"))
if not pngs:
    sys.exit(f"{folder}: no figures")
if main and not (folder / f"{main}.png").is_file():
    sys.exit(f"{folder}: the docs figure {main}.png is missing")
for png in pngs:
    img = mpimg.imread(png)
    h, w = img.shape[:2]
    # Non-trivial: a real size on disk and on screen, and more than one colour.
    if png.stat().st_size < 10_000 or w < 300 or h < 200 or img[..., :3].std() < 0.02:
        sys.exit(f"{png}: empty or trivial figure ({w}×{h}, {png.stat().st_size} bytes)")
print(f"{folder.name}: {len(pngs)} figures ({', '.join(p.stem for p in pngs)})")
PY
  then
    passed=$((passed + 1))
    echo "   $name: ok in $(($(date +%s) - t0)) s" >&2
  else
    failed=$((failed + 1))
    echo "   $name: FAILED after $(($(date +%s) - t0)) s (executed notebook: $art/$name.ipynb)" >&2
  fi
done

if [ "$update_docs" = 1 ] && [ "$failed" = 0 ]; then
  mkdir -p docs/notebooks
  for name in "${notebooks[@]}"; do
    [ -n "${docs_figure[$name]:-}" ] && cp "$figures/$name/${docs_figure[$name]}.png" "docs/notebooks/$name.png"
  done
  step "docs/notebooks/ updated"
fi

echo "artifacts: $art/*.html; $(($(date +%s) - started)) s in all" >&2
echo "notebooks: $passed passed, $failed failed"
[ "$failed" = 0 ]
