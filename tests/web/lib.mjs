// Shared pieces of the browser tests: Debian's chromium driven by playwright-core with a
// fresh profile, WebGL on SwiftShader, every request outside the server refused and
// recorded, and helpers for the map (idle, rendered features) and screenshots.

import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..');
export const BASE = (process.env.LEERSTAND_WEB_URL || 'http://127.0.0.1:8181').replace(/\/$/, '');
export const ARTIFACTS = process.env.LEERSTAND_WEB_ARTIFACTS || join(REPO, 'out', 'web-artifacts');
export const PLANNER = { login: process.env.LEERSTAND_PLANNER_LOGIN || 'planer', password: process.env.LEERSTAND_PLANNER_PASSWORD || 'demo-planer-2025' };
export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// The flags of the machine notes: no background traffic to Google's hosts, no GPU (WebGL
// falls back to SwiftShader, which must be allowed explicitly since Chromium 137).
export const FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
];

/** A browser with a fresh, throw-away profile; `close()` removes the profile. */
export async function openBrowser({ viewport = { width: 1280, height: 860 }, javaScriptEnabled = true, extraArgs = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'leerstand-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [...FLAGS, ...extraArgs],
    viewport,
    javaScriptEnabled,
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
  });
  const origin = new URL(BASE).origin;
  const foreign = [];
  // Nothing may leave the server's origin: no CDN, no basemap, no fonts from elsewhere.
  await context.route((url) => url.origin !== origin && !['data:', 'blob:'].includes(url.protocol), (route) => {
    foreign.push(route.request().url());
    route.abort();
  });
  const errors = [];
  context.on('weberror', (e) => errors.push(String(e.error())));
  return {
    context,
    foreign,
    errors,
    async page(path = '/index.html') {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      if (path) await page.goto(BASE + path);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits for the app to be ready and the map to be idle (all tiles loaded, nothing moving). */
export async function mapIdle(page, timeout = 60000) {
  await page.waitForSelector('body[data-ready=true]', { timeout, state: 'attached' });
  await page.evaluate(() => new Promise((resolve) => {
    const map = window.leerstand.map;
    const done = () => requestAnimationFrame(() => resolve());
    if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) {
      // Make sure the last change has been drawn: one more frame, then idle.
      map.once('idle', done);
      map.triggerRepaint();
    } else map.once('idle', done);
  }), null, { timeout });
}

/** Rendered features of `layers`, de-duplicated by feature id (tiles repeat features at edges). */
export async function rendered(page, layers, filter = null) {
  return page.evaluate(({ layers, filter }) => {
    const map = window.leerstand.map;
    const present = layers.filter((l) => map.getLayer(l));
    const seen = new Map();
    for (const f of map.queryRenderedFeatures({ layers: present, ...(filter ? { filter } : {}) })) {
      // Buildings and plots carry their ALKIS id; tiles give them a hashed feature id.
      const id = f.properties.alkis_id ?? f.id ?? f.properties.id;
      if (!seen.has(id)) seen.set(id, { id, layer: f.layer.id, properties: f.properties, geometry: f.geometry });
    }
    return [...seen.values()];
  }, { layers, filter });
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** The German number and date formats the UI uses, for comparing with API values. */
export const de = {
  area: (m2) => `${new Intl.NumberFormat('de-DE', { maximumFractionDigits: 0 }).format(Math.round(m2))} m²`,
  date: (iso) => iso.slice(0, 10).split('-').reverse().join('.'),
  parcel: (k, name = null) => `Gemarkung ${name ? `${name} (${k.slice(2, 6)})` : k.slice(2, 6)}, Flur ${+k.slice(6, 9)}, Flurstück ${+k.slice(9, 14)}${k.slice(14, 18) === '____' ? '' : `/${+k.slice(14, 18)}`}`,
};

export async function api(path, options = {}) {
  const r = await fetch(BASE + path, options);
  const type = r.headers.get('content-type') || '';
  return { status: r.status, body: type.includes('json') ? await r.json() : await r.text() };
}

/** Runs axe-core on the page; returns the serious and critical violations. */
export async function axe(page, exclude = []) {
  // Evaluated through the DevTools protocol: the pages' Content-Security-Policy forbids inline
  // scripts, which is what addScriptTag would insert.
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    await page.evaluate(readFileSync(AXE_PATH, 'utf8'));
  }
  const result = await page.evaluate(async (exclude) => window.axe.run({ include: [document], exclude }, { resultTypes: ['violations'] }), exclude);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}
