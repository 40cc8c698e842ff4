#!/usr/bin/env bash
# The Python environment of the planner notebooks: a venv in notebooks/.venv with the pinned
# packages of notebooks/requirements.txt. Sourced at the end of scripts/setup.sh (and runs on
# its own). Idempotent: the sha256 of requirements.txt is kept in the venv, and nothing is
# installed again while it matches. LEERSTAND_SKIP_NOTEBOOKS=1 skips the whole step.

setup_notebooks() {
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  . "$root/scripts/setup-venv.sh"
  ensure_venv "notebook environment" "$root/notebooks/.venv" "$root/notebooks/requirements.txt" sys
}

if [ -z "${LEERSTAND_SKIP_NOTEBOOKS:-}" ]; then
  if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    setup_notebooks
  else
    setup_notebooks || return 1
  fi
fi
