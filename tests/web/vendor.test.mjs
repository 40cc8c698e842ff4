// The vendored MapLibre GL JS in web/vendor/ is exactly the npm package pinned in
// package-lock.json (update: bump the version in package.json, npm install, copy dist/).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { REPO } from './lib.mjs';

const require = createRequire(import.meta.url);

test('web/vendor/maplibre-gl is the pinned npm release', () => {
  const pkg = require('maplibre-gl/package.json');
  const dist = join(require.resolve('maplibre-gl/package.json'), '..');
  const vendor = join(REPO, 'web', 'vendor', 'maplibre-gl');
  const version = readFileSync(join(vendor, 'VERSION'), 'utf8').trim();
  assert.equal(version, pkg.version, 'web/vendor/maplibre-gl/VERSION names the pinned version');
  for (const file of ['maplibre-gl.mjs', 'maplibre-gl-worker.mjs', 'maplibre-gl.css']) {
    assert.ok(readFileSync(join(dist, 'dist', file)).equals(readFileSync(join(vendor, file))), `${file} is unchanged`);
  }
  assert.ok(readFileSync(join(dist, 'LICENSE.txt')).equals(readFileSync(join(vendor, 'LICENSE.txt'))), 'licence beside it');
});
