#!/usr/bin/env bash
# The browser tests of the web map: starts the demo server over the generated four towns
# (scripts/demo-server.sh), runs the Playwright tests in tests/web/ with Debian's chromium
# (fresh profile, WebGL on SwiftShader), stops the server. Screenshots of every page and the
# TAP results land in out/web-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/setup.sh

artifacts=$PWD/out/web-artifacts
rm -rf "$artifacts"
mkdir -p "$artifacts"
url=$(bash scripts/demo-server.sh start)
trap 'bash scripts/demo-server.sh stop' EXIT

echo "== browser tests against $url" >&2
started=$(date +%s)
status=0
(
  cd tests/web
  LEERSTAND_WEB_URL="$url" LEERSTAND_WEB_ARTIFACTS="$artifacts" \
    node --test --test-concurrency=1 \
      --test-reporter=spec --test-reporter-destination=stdout \
      --test-reporter=tap --test-reporter-destination="$artifacts/results.tap" \
      ./*.test.mjs
) || status=$?
echo "== browser tests took $(($(date +%s) - started)) s; screenshots in out/web-artifacts/" >&2
exit "$status"
