// Sharing: the address holds the view, so a link reopens what the sender saw, the language
// switch keeps it, and a plot's own page works without JavaScript.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, screenshot, BASE } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

const state = (page) => page.evaluate(() => {
  const m = window.leerstand.map;
  const c = m.getCenter();
  const detail = document.getElementById('plot-detail');
  return {
    view: document.body.dataset.view,
    zoom: m.getZoom(),
    lat: c.lat,
    lng: c.lng,
    town: document.getElementById('town').value,
    reportsShown: document.querySelector('input[data-layer="reports"]').checked,
    plot: detail && !detail.hidden ? detail.dataset.id : null,
  };
});

async function firstResult(page) {
  await page.waitForFunction(() => Number(document.getElementById('panel-suche').dataset.results || 0) > 0, null, { timeout: 30000 });
  return page.evaluate(() => document.querySelector('#results li').dataset.id);
}

test('a permalink reopens the same view, layers and plot, also after the language switch', async () => {
  const page = await browser.page('/index.html');
  await mapIdle(page);
  await page.selectOption('#town', '16068064');
  await mapIdle(page);
  await page.click('input[data-layer="reports"]');
  await page.click('#tab-suche');
  const id = await firstResult(page);
  await page.click(`#results li[data-id="${id}"] button`);
  await page.waitForFunction((want) => document.getElementById('plot-detail').dataset.id === want && !document.getElementById('plot-detail').hidden, id);
  await mapIdle(page);
  const sent = await state(page);
  const link = page.url();
  assert.match(link, /#suche&map=/, link);
  assert.match(link, /town=16068064/, link);
  assert.match(link, /off=reports/, link);
  assert.ok(link.includes(`plot=${encodeURIComponent(id)}`), link);

  // A neighbour opens the link in another tab.
  const other = await browser.page(null);
  await other.goto(link);
  await mapIdle(other);
  await other.waitForFunction((want) => document.getElementById('plot-detail')?.dataset.id === want, id, { timeout: 30000 });
  await mapIdle(other);
  const got = await state(other);
  assert.equal(got.view, 'suche');
  assert.equal(got.town, '16068064');
  assert.equal(got.reportsShown, false, 'the reports layer stays hidden');
  assert.equal(got.plot, id);
  assert.ok(Math.abs(got.zoom - sent.zoom) < 0.05, `zoom ${got.zoom} vs ${sent.zoom}`);
  assert.ok(Math.abs(got.lat - sent.lat) < 1e-4 && Math.abs(got.lng - sent.lng) < 1e-4, 'the same centre');
  await screenshot(other, 'permalink-opened');

  // The language switch reloads the page and keeps everything.
  await other.click('#lang');
  await other.waitForURL(/lang=en/);
  await mapIdle(other);
  await other.waitForFunction((want) => document.getElementById('plot-detail')?.dataset.id === want, id, { timeout: 30000 });
  const english = await state(other);
  assert.equal(english.view, 'suche');
  assert.equal(english.town, '16068064');
  assert.equal(english.plot, id);
  assert.equal(await other.evaluate(() => document.documentElement.lang), 'en');

  // Back in the first tab, closing the detail takes the plot out of the address.
  await page.click('#plot-detail button.secondary');
  assert.ok(!page.url().includes('plot='), page.url());
});

test('a plot page and its enquiry form work without JavaScript', async () => {
  const page = await browser.page('/index.html#suche');
  await mapIdle(page);
  const id = await firstResult(page);
  // A reader whose browser runs no JavaScript.
  const noScript = await openBrowser({ javaScriptEnabled: false });
  const plain = await noScript.page(null);
  const response = await plain.goto(`${BASE}/grundstueck/${encodeURIComponent(id)}`);
  assert.equal(response.status(), 200);
  assert.equal(await plain.locator('script').count(), 0, 'the page has no script at all');
  assert.match(await plain.locator('h1').innerText(), /in (Sömmerda|Buttstädt|Kindelbrück|Straußfurt)/);
  assert.ok(await plain.locator('svg path.plot').count() === 1, 'the drawing shows the plot');
  assert.ok(await plain.locator('meta[property="og:title"]').count() === 1, 'a shared link previews');
  const toMap = await plain.locator('a', { hasText: 'Auf der Karte zeigen' }).getAttribute('href');
  assert.ok(toMap.includes(`plot=${encodeURIComponent(id)}`), toMap);
  await screenshot(plain, 'plot-page');
  await plain.setViewportSize({ width: 390, height: 844 });
  await screenshot(plain, 'plot-page-phone');
  // The offer form of the page, sent without script, if the plot has an offer.
  const offer = plain.locator('section.offer h3 a').first();
  if (await offer.count()) {
    await offer.click();
    await plain.fill('#message', 'Ist das Grundstück noch zu haben?');
    await plain.fill('#contact', 'bauherr@example.org');
    await plain.click('button[type=submit]');
    assert.match(await plain.locator('[role=status]').innerText(), /Danke/);
  }
  await noScript.close();
});

test('without WebGL the page says why and leads to the list', async () => {
  const noGl = await openBrowser({ extraArgs: ['--disable-3d-apis'] });
  try {
    const page = await noGl.page('/index.html');
    await page.waitForFunction(() => document.body.dataset.ready === 'nowebgl', null, { timeout: 30000 });
    const text = await page.locator('.nowebgl').innerText();
    assert.match(text, /WebGL/);
    assert.doesNotMatch(text, /konnten nicht geladen/, 'not the misleading "could not load"');
    await screenshot(page, 'no-webgl');
    await page.click('.nowebgl a');
    await page.waitForURL(/\/grundstuecke/);
    assert.ok(await page.locator('ol.plots li').count() > 0, 'the list lists plots');
    await page.selectOption('#art', 'building_gap');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/art=building_gap/);
    const first = page.locator('ol.plots li a').first();
    assert.match(await first.innerText(), /Baulücke/);
    await first.click();
    await page.waitForURL(/\/grundstueck\//);
    assert.equal(await page.locator('svg path.plot').count(), 1);
  } finally {
    await noGl.close();
  }
});
