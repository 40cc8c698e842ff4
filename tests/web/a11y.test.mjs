// Accessibility: axe-core finds no serious or critical violations on any page, the pages
// work at 360 px wide without sideways scrolling, and the tabs work from the keyboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, axe, screenshot, PLANNER } from './lib.mjs';

let browser;
let phone;
before(async () => {
  browser = await openBrowser();
  phone = await openBrowser({ viewport: { width: 360, height: 740 } });
});
after(async () => { await browser?.close(); await phone?.close(); });

const PUBLIC = ['karte', 'suche', 'melden', 'teilkultur'];

for (const view of PUBLIC) {
  test(`axe: no serious violations on the ${view} view`, async () => {
    const page = await browser.page(`/index.html#${view}`);
    await mapIdle(page);
    if (view === 'suche') await page.waitForFunction(() => document.getElementById('panel-suche').dataset.done);
    const violations = await axe(page);
    assert.deepEqual(violations, []);
  });
}

test('axe: no serious violations in the planner view', async () => {
  const page = await browser.page('/planner.html');
  await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
  assert.deepEqual(await axe(page), [], 'login');
  await screenshot(page, 'planner-login');
  await page.fill('#login-name', PLANNER.login);
  await page.fill('#login-password', PLANNER.password);
  await page.click('#login-form button[type=submit]');
  await page.locator('#work').waitFor({ state: 'visible' });
  for (const tab of ['review', 'moderation', 'cases']) {
    await page.click(`#ptab-${tab}`);
    await page.waitForTimeout(1500);
    assert.deepEqual(await axe(page), [], tab);
  }
});

test('the pages work at 360 px wide', async () => {
  for (const view of PUBLIC) {
    const page = await phone.page(`/index.html#${view}`);
    await mapIdle(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${view}: ${overflow} px of sideways scrolling`);
    assert.ok(await page.locator('#map canvas').isVisible(), 'map visible');
    await screenshot(page, `phone-${view}`);
    await page.close();
  }
  const planner = await phone.page('/planner.html');
  await planner.waitForSelector('body[data-ready=true]', { state: 'attached' });
  const overflow = await planner.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `planner: ${overflow} px of sideways scrolling`);
});

test('the tabs and the legend work from the keyboard', async () => {
  const page = await browser.page('/index.html');
  await mapIdle(page);
  await page.focus('#tab-karte');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-suche');
  assert.equal(await page.evaluate(() => document.body.dataset.view), 'suche');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.body.dataset.view), 'karte');
  // A legend toggle hides its class on the map.
  const box = page.locator('#panel-karte input[type=checkbox]').first();
  await box.focus();
  await page.keyboard.press('Space');
  assert.equal(await box.isChecked(), false);
  const filter = await page.evaluate(() => JSON.stringify(window.leerstand.map.getFilter('vacancy-fill')));
  assert.ok(!filter.includes('"vacant",'), `vacant hidden: ${filter}`);
});
