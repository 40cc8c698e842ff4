// Address search in the header: typing a street (abbreviated), number and town lists the
// address in an accessible combobox; the keyboard chooses it and the map flies there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, screenshot, api, axe } from './lib.mjs';

const QUERY = 'Marktpl 15 Sömmerda';

/** The server's own first hit for the text: what the list must show first. */
async function expected() {
  const r = await api(`/search/addresses?q=${encodeURIComponent(QUERY)}`);
  assert.equal(r.status, 200);
  const first = r.body.features[0];
  assert.ok(first, 'the demo data has a Marktplatz 15 in Sömmerda');
  assert.equal(first.properties.street, 'Marktplatz');
  assert.equal(first.properties.house_number, '15');
  assert.equal(first.properties.town, 'Sömmerda');
  return first;
}

async function typeAndWait(page) {
  await page.click('#address-q');
  await page.type('#address-q', QUERY, { delay: 20 });
  await page.waitForSelector('#address-list [role=option]', { state: 'visible' });
}

for (const [name, viewport] of [['desktop', { width: 1280, height: 860 }], ['phone', { width: 390, height: 844 }]]) {
  test(`address search lists the address and flies there (${name})`, async () => {
    const hit = await expected();
    const browser = await openBrowser({ viewport });
    try {
      const page = await browser.page('/index.html');
      await mapIdle(page);
      assert.equal(await page.getAttribute('#address-q', 'role'), 'combobox');
      assert.equal(await page.getAttribute('#address-q', 'aria-expanded'), 'false');
      await typeAndWait(page);
      assert.equal(await page.getAttribute('#address-q', 'aria-expanded'), 'true');
      const options = await page.$$eval('#address-list [role=option]', (els) => els.map((e) => e.textContent));
      assert.ok(options.length >= 1 && options.length <= 10, `${options.length} options`);
      assert.match(options[0], /^Marktplatz 15, (\d{5} )?Sömmerda/, options[0]);

      // Keyboard: arrows move the active option, Escape closes, Enter chooses.
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.getAttribute('#address-q', 'aria-activedescendant'), 'address-hit-0');
      assert.equal(await page.getAttribute('#address-hit-0', 'aria-selected'), 'true');
      await screenshot(page, `addresses-list-${name}`);
      assert.deepEqual(await axe(page), [], 'list open');
      await page.keyboard.press('Escape');
      assert.equal(await page.isHidden('#address-list'), true);
      assert.equal(await page.getAttribute('#address-q', 'aria-expanded'), 'false');
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.isVisible('#address-list'), true, 'ArrowDown opens the list again');
      await page.keyboard.press('Enter');

      const [lon, lat] = hit.geometry.coordinates;
      await page.waitForFunction(([lon, lat]) => {
        const m = window.leerstand.map;
        const c = m.getCenter();
        return !m.isMoving() && m.getZoom() > 17.9 && Math.abs(c.lng - lon) < 1e-4 && Math.abs(c.lat - lat) < 1e-4;
      }, [lon, lat], { timeout: 15000 });
      assert.equal(await page.isHidden('#address-list'), true);
      assert.equal(await page.$$eval('.marker-address', (els) => els.length), 1, 'the address is marked');
      assert.match(await page.inputValue('#address-q'), /^Marktplatz 15, /);
      assert.match(await page.textContent('#address-status'), /Marktplatz 15/);
      await mapIdle(page);
      await screenshot(page, `addresses-chosen-${name}`);
    } finally {
      await browser.close();
    }
  });
}

test('nonsense lists nothing and says so', async () => {
  const browser = await openBrowser();
  try {
    const page = await browser.page('/index.html');
    await mapIdle(page);
    await page.type('#address-q', 'Qxzvw 3', { delay: 20 });
    await page.waitForFunction(() => document.getElementById('address-status').textContent !== '');
    assert.equal(await page.textContent('#address-status'), 'Keine passende Adresse gefunden');
    assert.equal(await page.isHidden('#address-list'), true);
  } finally {
    await browser.close();
  }
});
