// Kiosk mode: large touch targets, no text input anywhere, and back to the start view
// after the idle time (shortened by ?idle= for the test).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, screenshot } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser({ viewport: { width: 1080, height: 1920 } }); });
after(async () => { await browser?.close(); });

const IDLE_S = 3;

const view = (page) => page.evaluate(() => {
  const m = window.leerstand.map;
  const c = m.getCenter();
  return { view: document.body.dataset.view, lng: c.lng, lat: c.lat, zoom: m.getZoom(), resets: Number(document.body.dataset.kioskResets || 0), town: document.getElementById('town').value };
});

test('kiosk mode offers no text input and large touch targets', async () => {
  const page = await browser.page(`/index.html?kiosk=1&idle=600`);
  await mapIdle(page);
  assert.ok(await page.evaluate(() => document.body.classList.contains('kiosk')));
  for (const tab of ['karte', 'suche', 'melden', 'teilkultur']) {
    await page.click(`#tab-${tab}`);
    await page.waitForTimeout(300);
    const typed = await page.evaluate(() => [...document.querySelectorAll('input, textarea, [contenteditable=true]')]
      .filter((el) => !['checkbox', 'radio', 'button', 'submit'].includes(el.type) && el.offsetParent !== null)
      .map((el) => el.id || el.name || el.outerHTML.slice(0, 60)));
    assert.deepEqual(typed, [], `no text input on ${tab}`);
    const small = await page.evaluate(() => [...document.querySelectorAll('button, select, a.button')]
      .filter((el) => el.offsetParent !== null && !el.closest('.maplibregl-ctrl-attrib'))
      .map((el) => ({ el: el.id || el.textContent.trim().slice(0, 30), h: el.getBoundingClientRect().height }))
      .filter((x) => x.h < 44));
    assert.deepEqual(small, [], `touch targets on ${tab} are at least 44 px high`);
    if (tab === 'suche') await page.waitForFunction(() => document.getElementById('panel-suche').dataset.done);
    await screenshot(page, `kiosk-${tab}`);
  }
});

test('kiosk mode returns to the start view after the idle time', async () => {
  const page = await browser.page(`/index.html?kiosk=1&idle=${IDLE_S}`);
  await mapIdle(page);
  const start = await view(page);
  assert.equal(start.view, 'karte');
  // A visitor picks a town, zooms in and opens the search.
  await page.selectOption('#town', '16068051');
  await page.click('#kiosk-zoomin');
  await page.click('#tab-suche');
  await page.waitForTimeout(500);
  const busy = await view(page);
  assert.equal(busy.view, 'suche');
  assert.notEqual(busy.zoom.toFixed(2), start.zoom.toFixed(2));
  // …and walks away.
  await page.waitForFunction((n) => Number(document.body.dataset.kioskResets || 0) > n, busy.resets, { timeout: (IDLE_S + 5) * 1000 });
  await mapIdle(page);
  const after = await view(page);
  assert.equal(after.view, 'karte', 'back on the map');
  assert.equal(after.town, '', 'all four towns again');
  assert.ok(Math.abs(after.zoom - start.zoom) < 0.01, `start zoom (${after.zoom} vs ${start.zoom})`);
  assert.ok(Math.abs(after.lng - start.lng) < 1e-6 && Math.abs(after.lat - start.lat) < 1e-6, 'start centre');
  await screenshot(page, 'kiosk-reset');
  assert.deepEqual(browser.foreign, []);
});
