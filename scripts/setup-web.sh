#!/usr/bin/env bash
# Sourced at the end of scripts/setup.sh (uses its ensure_packages, say and die): what the
# browser tests of the web map need, idempotently — Debian's chromium, Node.js 20+ with npm
# (installed only when missing), and the test tooling pinned in tests/web/package-lock.json
# (playwright-core, axe-core, and maplibre-gl, the source of the vendored copy in web/vendor/).
ensure_packages chromium
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  ensure_packages nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $node_major is too old for playwright-core; install Node.js 20 or newer."

# npm ci only when the lock file changed since the last install (it empties node_modules).
web_tests="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/web" && pwd)"
web_lock_sum=$(sha256sum "$web_tests/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$web_tests/node_modules/.leerstand-lock" 2>/dev/null)" != "$web_lock_sum" ]; then
  say "npm ci in tests/web"
  (cd "$web_tests" && npm ci --no-audit --no-fund --loglevel=error >&2)
  echo "$web_lock_sum" >"$web_tests/node_modules/.leerstand-lock"
fi
