#!/usr/bin/env bash
# The Python environment of the API fuzzing (scripts/test-api-fuzz.sh): a venv in
# tests/api/.venv with the pinned schemathesis of tests/api/requirements.txt. Sourced at the
# end of scripts/setup.sh (and runs on its own). Idempotent: the sha256 of requirements.txt
# is kept in the venv, and nothing is installed again while it matches.
# LEERSTAND_SKIP_API_FUZZ=1 skips the whole step.

setup_api_fuzz() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  . "$root/scripts/setup-venv.sh"
  ensure_venv "API fuzzing environment" "$root/tests/api/.venv" "$root/tests/api/requirements.txt" schemathesis
}

if [ -z "${LEERSTAND_SKIP_API_FUZZ:-}" ]; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    setup_api_fuzz
  else
    setup_api_fuzz || return 1
  fi
fi
