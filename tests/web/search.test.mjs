// Investor search: the filters change the result list and the map in step, a result opens
// the plot's detail panel.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, rendered, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

/** Waits for the search started by the last action, then returns list ids and rendered ids. */
async function results(page, previous = null) {
  await page.waitForFunction((prev) => {
    const el = document.getElementById('panel-suche');
    return el.dataset.loading === 'false' && Number(el.dataset.done || 0) > (prev ?? 0);
  }, previous, { timeout: 30000 });
  await mapIdle(page);
  const state = await page.evaluate(() => {
    const el = document.getElementById('panel-suche');
    return {
      stamp: Number(el.dataset.done),
      matched: Number(el.dataset.matched),
      ids: [...document.querySelectorAll('#results li')].map((li) => li.dataset.id),
      texts: [...document.querySelectorAll('#results li')].map((li) => li.innerText),
    };
  });
  state.rendered = (await rendered(page, ['search-fill'])).map((f) => String(f.id));
  return state;
}

test('the investor filters change the result list and the map', async () => {
  const page = await browser.page('/index.html#suche');
  await mapIdle(page);
  const all = await results(page);
  assert.ok(all.ids.length > 0, 'the search lists plots');
  assert.ok(all.rendered.length > 0, 'the results are drawn on the map');
  for (const id of all.rendered) assert.ok(all.ids.includes(id), `map shows ${id}, which is in the list`);

  await page.selectOption('#search-class', 'brownfield');
  const brown = await results(page, all.stamp);
  assert.ok(brown.ids.length > 0, 'there are brownfields');
  assert.ok(brown.matched < all.matched, `fewer brownfields (${brown.matched}) than plots (${all.matched})`);
  for (const text of brown.texts) assert.match(text, /^Brache/);
  assert.ok(brown.rendered.length > 0);
  for (const id of brown.rendered) assert.ok(brown.ids.includes(id), `map shows only listed plots (${id})`);
  assert.notDeepEqual(brown.ids, all.ids);

  await page.selectOption('#search-class', 'building_gap');
  const gaps = await results(page, brown.stamp);
  await page.selectOption('#search-town', '16068051');
  const town = await results(page, gaps.stamp);
  assert.ok(town.matched < gaps.matched, 'the town narrows the search');
  for (const text of town.texts) assert.match(text, /Sömmerda/);

  // The minimum area: every listed plot is at least that large.
  await page.fill('#search-min_area', '600');
  await page.press('#search-min_area', 'Enter');
  const large = await results(page, town.stamp);
  assert.ok(large.matched < town.matched, 'the area narrows the search');
  const areas = await page.evaluate(() => window.leerstand.app.views.suche.results.map((f) => f.properties.area_m2));
  assert.ok(areas.length > 0);
  for (const a of areas) assert.ok(a >= 600, `area ${a}`);

  // German validation message for an impossible range.
  await page.fill('#search-max_area', '100');
  await page.press('#search-max_area', 'Enter');
  await page.locator('#search-error').waitFor();
  assert.match(await page.locator('#search-error').innerText(), /Mindestfläche darf nicht größer als die Höchstfläche/);
  await page.fill('#search-max_area', '');
  await page.press('#search-max_area', 'Enter');
  const back = await results(page, large.stamp);
  await page.evaluate(() => document.getElementById('results-title').scrollIntoView({ block: 'start' }));
  await page.hover('#results li:first-child button');
  await mapIdle(page);
  await screenshot(page, 'search');

  // A result opens the detail panel with the plot's facts.
  const first = page.locator('#results li button').first();
  await first.click();
  const detail = page.locator('#plot-detail');
  await detail.waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('#plot-detail h3'));
  const text = await detail.innerText();
  assert.equal(await detail.getAttribute('data-id'), back.ids[0]);
  assert.match(text, /Grundstück: Gemarkung \d{4}, Flur \d+, Flurstück \d+/);
  assert.match(text, /zuletzt geprüft/);
  assert.match(text, /Angebote/);
  // The land value of the plot's zone and the rough land price, German first.
  assert.match(text, /Bodenrichtwert\s+\d+ €\/m² \(Stichtag 01\.01\.2024, [^)]+\)/);
  assert.match(text, /rund [\d.]+ € \(überschlägig: Fläche × Bodenrichtwert, kein Gutachten\)/);
  await mapIdle(page);
  await screenshot(page, 'search-detail');
  assert.deepEqual(browser.foreign, []);
});

test('a plot chosen on the map is marked in the list', async () => {
  const page = await browser.page('/index.html#suche');
  await mapIdle(page);
  const state = await results(page);
  const target = state.rendered[0];
  // Close up on the result, then click a point of the map that belongs to it.
  await page.evaluate((id) => {
    const f = window.leerstand.app.views.suche.results.find((r) => String(r.id) === id);
    const ring = f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates[0][0] : f.geometry.coordinates[0];
    const xs = ring.map((c) => c[0]); const ys = ring.map((c) => c[1]);
    window.leerstand.map.jumpTo({ center: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2], zoom: 18 });
  }, target);
  await mapIdle(page);
  const point = await page.evaluate((id) => {
    const map = window.leerstand.map;
    const canvas = map.getCanvas().getBoundingClientRect();
    for (let y = 5; y < canvas.height; y += 6) {
      for (let x = 5; x < canvas.width; x += 6) {
        const hits = map.queryRenderedFeatures([x, y], { layers: ['search-fill'] });
        if (hits.some((f) => String(f.id) === id)) return { x: canvas.left + x, y: canvas.top + y };
      }
    }
    return null;
  }, target);
  assert.ok(point, 'the result is clickable on the map');
  await page.mouse.click(point.x, point.y);
  await page.waitForFunction(() => !document.getElementById('plot-detail').hidden && document.querySelector('#plot-detail h3'));
  const id = await page.locator('#plot-detail').getAttribute('data-id');
  assert.ok(state.ids.includes(id));
  assert.equal(await page.locator('#results li.active').getAttribute('data-id'), id);
});
