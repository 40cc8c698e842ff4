// Names on the public map: at the start view the four towns are in sight and named on every
// screen (desktop, phone, kiosk); close up, in Sömmerda, street names and house numbers are
// drawn. The glyphs come from the server (/fonts/…), nothing from elsewhere.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, rendered, screenshot, BASE } from './lib.mjs';

const TOWNS = ['Sömmerda', 'Buttstädt', 'Kindelbrück', 'Straußfurt'];
const SCREENS = [
  { name: 'desktop', width: 1280, height: 800, path: '/index.html' },
  { name: 'phone', width: 390, height: 844, path: '/index.html' },
  { name: 'kiosk', width: 1080, height: 1920, path: '/index.html?kiosk=1' },
];

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

/** A page of the given size, recording the glyph ranges it asks the server for. */
async function open(screen) {
  const page = await browser.page(null);
  await page.setViewportSize({ width: screen.width, height: screen.height });
  const glyphs = [];
  page.on('request', (r) => { if (r.url().includes('/fonts/')) glyphs.push(r.url()); });
  await page.goto(BASE + screen.path);
  await mapIdle(page);
  return { page, glyphs };
}

for (const screen of SCREENS) {
  test(`the start view names all four towns (${screen.name}, ${screen.width}×${screen.height})`, async () => {
    const { page, glyphs } = await open(screen);
    await screenshot(page, `labels-start-${screen.name}`);
    const towns = await rendered(page, ['town-labels']);
    const names = towns.map((f) => f.properties.name).sort();
    assert.deepEqual(names, [...TOWNS].sort(), 'the four town names are placed');
    // Each name's point lies within the map's visible canvas.
    const outside = await page.evaluate((names) => {
      const map = window.leerstand.map;
      const { width, height } = map.getCanvas().getBoundingClientRect();
      return map.queryRenderedFeatures({ layers: ['town-labels'] })
        .filter((f) => names.includes(f.properties.name))
        .map((f) => ({ name: f.properties.name, p: map.project(f.geometry.coordinates) }))
        .filter(({ p }) => p.x < 0 || p.y < 0 || p.x > width || p.y > height)
        .map(({ name }) => name);
    }, TOWNS);
    assert.deepEqual(outside, [], 'no town is cut off');
    // Ortsteile are named by the Gemarkung catalogue, never by their number.
    const districts = await page.evaluate(() => window.leerstand.map
      .querySourceFeatures('leerstand', { sourceLayer: 'place_labels' })
      .map((f) => f.properties.name));
    assert.ok(districts.length >= TOWNS.length, 'place names in the tiles');
    for (const n of districts) assert.doesNotMatch(n, /Gemarkung|^\d+$/, n);
    assert.ok(glyphs.length > 0, 'the glyphs were asked for');
    for (const url of glyphs) assert.ok(url.startsWith(`${BASE}/fonts/`), url);
    assert.deepEqual(browser.foreign, [], 'no request left the server');
    await page.close();
  });
}

test('close up (z17) street names and house numbers are drawn', async () => {
  const { page } = await open(SCREENS[0]);
  // The old town of Sömmerda, at its label point.
  const centre = await page.evaluate(() => window.leerstand.map
    .queryRenderedFeatures({ layers: ['town-labels'] })
    .find((f) => f.properties.name === 'Sömmerda').geometry.coordinates);
  await page.evaluate((c) => window.leerstand.map.jumpTo({ center: c, zoom: 17 }), centre);
  await mapIdle(page);
  await screenshot(page, 'labels-z17');
  const streets = await rendered(page, ['street-labels']);
  const numbers = await rendered(page, ['house-numbers']);
  assert.ok(streets.length > 0, 'street names placed at z17');
  assert.ok(numbers.length >= 5, `house numbers placed at z17 (${numbers.length})`);
  for (const f of streets) assert.match(f.properties.name, /^\p{Lu}[\p{L} .\-]+$/u, f.properties.name);
  for (const f of numbers) assert.match(f.properties.number, /^[1-9][0-9]*[a-z]?$/, f.properties.number);
  console.log(`# z17 in Sömmerda: ${streets.length} street names (${streets.slice(0, 3).map((f) => f.properties.name).join(', ')}, …), ${numbers.length} house numbers`);
  assert.deepEqual(browser.foreign, [], 'no request left the server');
  await page.close();
});
