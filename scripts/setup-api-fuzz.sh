#!/usr/bin/env bash
# The Python environment of the API fuzzing (scripts/test-api-fuzz.sh): a venv in
# tests/api/.venv with the pinned schemathesis of tests/api/requirements.txt. Sourced at the
# end of scripts/setup.sh (and runs on its own). Idempotent: the sha256 of requirements.txt
# is kept in the venv, and nothing is installed again while it matches.
# LEERSTAND_SKIP_API_FUZZ=1 skips the whole step.

setup_api_fuzz() {
  local root venv req marker want python
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  venv=$root/tests/api/.venv
  req=$root/tests/api/requirements.txt
  marker=$venv/.requirements.sha256
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -x "$venv/bin/schemathesis" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ] &&
    "$venv/bin/python" -c 'import schemathesis' 2>/dev/null; then
    return 0
  fi
  if declare -F ensure_packages >/dev/null; then
    ensure_packages python3 python3-venv
  fi
  python=/usr/bin/python3
  [ -x "$python" ] || python=$(command -v python3) ||
    { echo "setup: error: python3 is missing (apt-get install python3 python3-venv)" >&2; return 1; }
  echo "setup: API fuzzing environment: $venv ($("$python" --version 2>&1))" >&2
  "$python" -m venv --clear "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-virtualenv \
    -r "$req" >&2 ||
    { echo "setup: error: installing $req into $venv failed (is PyPI reachable?)" >&2; return 1; }
  echo "$want" >"$marker"
}

if [ -z "${LEERSTAND_SKIP_API_FUZZ:-}" ]; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    setup_api_fuzz
  else
    setup_api_fuzz || return 1
  fi
fi
