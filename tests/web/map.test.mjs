// The public map: it renders vacancy features from the server, a click on a plot opens a
// popup with that plot's public facts, and nothing is fetched from outside the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, rendered, screenshot, api, de } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

const KINDELBRUECK = '16068064';

test('the map loads and renders vacancy features', async () => {
  const page = await browser.page('/index.html');
  await mapIdle(page);
  await screenshot(page, 'map-start');
  // Low zoom: the districts' choropleth.
  const districts = await rendered(page, ['districts-fill']);
  assert.ok(districts.length > 0, 'district choropleth rendered at the start view');
  await page.selectOption('#town', KINDELBRUECK);
  await mapIdle(page);
  const vacancy = await rendered(page, ['vacancy-fill']);
  const plots = await rendered(page, ['plots-fill']);
  assert.ok(vacancy.length > 0, 'vacant buildings rendered in Kindelbrück');
  assert.ok(plots.length > 0, 'plots rendered in Kindelbrück');
  for (const f of vacancy) assert.ok(['vacant', 'partly_vacant'].includes(f.properties.class), f.properties.class);
  const background = await rendered(page, ['parcels-fill', 'buildings']);
  const mode = await page.evaluate(() => window.leerstand.vmap.mode);
  if (mode === 'tiles') assert.ok(background.length > 0, 'cadastral background from the vector tiles');
  console.log(`# source mode: ${mode}; rendered in Kindelbrück: ${vacancy.length} vacant buildings, ${plots.length} plots, ${background.length} background features`);
  await screenshot(page, 'map-kindelbrueck');
  // Closer, in the old town of Sömmerda (the README's picture).
  await page.selectOption('#town', '16068051');
  await page.evaluate(() => window.leerstand.map.jumpTo({ zoom: 15.6 }));
  await mapIdle(page);
  await screenshot(page, 'map-soemmerda');
  assert.deepEqual(browser.foreign, [], 'no request left the server');
});

test('a click on a plot opens its popup with the right facts', async () => {
  const page = await browser.page('/index.html');
  await mapIdle(page);
  await page.selectOption('#town', KINDELBRUECK);
  await mapIdle(page);
  // A building gap in view (no building on it that would take the click) and a point inside it.
  const target = await page.evaluate(() => {
    const map = window.leerstand.map;
    const inside = (pt, ring) => {
      let c = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i]; const [xj, yj] = ring[j];
        if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) c = !c;
      }
      return c;
    };
    const feats = map.queryRenderedFeatures({ layers: ['plots-fill'], filter: ['==', ['get', 'class'], 'building_gap'] });
    for (const f of feats) {
      const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const poly of polys) {
        const ring = poly[0];
        const xs = ring.map((c) => c[0]); const ys = ring.map((c) => c[1]);
        const [w, e, s, n] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
        for (let i = 1; i < 8; i++) {
          for (let j = 1; j < 8; j++) {
            const pt = [w + ((e - w) * i) / 8, s + ((n - s) * j) / 8];
            if (inside(pt, ring) && poly.slice(1).every((hole) => !inside(pt, hole))) return { id: f.properties.alkis_id ?? f.id ?? f.properties.id, point: pt };
          }
        }
      }
    }
    return null;
  });
  assert.ok(target, 'a building gap is rendered in Kindelbrück');
  await page.evaluate((pt) => window.leerstand.map.jumpTo({ center: pt, zoom: 18 }), target.point);
  await mapIdle(page);
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const popup = page.locator('.maplibregl-popup .popup');
  await popup.waitFor({ timeout: 10000 });
  const text = await popup.innerText();
  const { status, body } = await api(`/collections/plots/items/${encodeURIComponent(target.id)}`);
  assert.equal(status, 200);
  const p = body.properties;
  assert.equal(await popup.getAttribute('data-feature-id'), String(target.id));
  assert.match(text, /Baulücke/);
  // The Gemarkung by its name from the catalogue, with its number.
  assert.ok(text.includes(de.parcel(p.kennzeichen, p.district)), `${de.parcel(p.kennzeichen, p.district)} in ${text}`);
  assert.doesNotMatch(p.district, /^Gemarkung/);
  assert.ok(text.includes(de.area(p.area_m2)), `area ${de.area(p.area_m2)} in ${text}`);
  assert.ok(text.includes(p.town), 'town');
  assert.match(text, /zuletzt geprüft/);
  assert.ok(text.includes(de.date(p.last_verified)), `date ${de.date(p.last_verified)} in ${text}`);
  await screenshot(page, 'map-popup');
  assert.deepEqual(browser.foreign, []);
});
