#!/usr/bin/env bash
# The full test suite: set-up (idempotent), formatting, lints, and every test against a real
# PostGIS. Each database test runs in a fresh database of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/setup.sh

step() { echo "== $*" >&2; }
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test"
cargo test --workspace --locked
bash scripts/test-web.sh
bash scripts/test-notebooks.sh
bash scripts/test-api-fuzz.sh
