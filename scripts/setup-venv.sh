#!/usr/bin/env bash
# The one way the project makes a Python environment from a pinned requirements file (the
# notebooks', the API fuzzing's): `ensure_venv LABEL VENV REQUIREMENTS MODULE` makes VENV with
# Debian's python3 and installs REQUIREMENTS into it, unless the venv exists, imports MODULE
# and holds the sha256 of REQUIREMENTS from its last install. Sourced by the setup scripts.

ensure_venv() {
  local label=$1 venv=$2 req=$3 module=$4 marker want python
  marker=$venv/.requirements.sha256
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$marker" 2>/dev/null)" = "$want" ] &&
    "$venv/bin/python" -c "import $module" 2>/dev/null; then
    return 0
  fi
  # Debian's python3 (the one python3-venv belongs to) when there is one.
  if declare -F ensure_packages >/dev/null; then
    ensure_packages python3 python3-venv
  fi
  python=/usr/bin/python3
  [ -x "$python" ] || python=$(command -v python3) ||
    { echo "setup: error: python3 is missing (apt-get install python3 python3-venv)" >&2; return 1; }
  echo "setup: $label: $venv ($("$python" --version 2>&1))" >&2
  "$python" -m venv --clear "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-virtualenv \
    -r "$req" >&2 ||
    { echo "setup: error: installing $req into $venv failed (is PyPI reachable?)" >&2; return 1; }
  echo "$want" >"$marker"
}
