// Report a vacancy: German validation messages, a report sent from the map, found in the
// planner's moderation queue, approved, and then shown on the public map. Also the
// planner's review list (evidence, override) and cases.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, rendered, screenshot, api, PLANNER, BASE } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

const KINDELBRUECK = '16068064';
const token = `Testmeldung ${Date.now()}`;
let reportId = null;
let reportPoint = null;

async function plannerLogin(page, view = '') {
  await page.goto(`${BASE}/planner.html${view}`);
  await page.waitForSelector('body[data-ready=true]', { state: 'attached' });
  if (await page.locator('#login').isVisible()) {
    await page.fill('#login-name', PLANNER.login);
    await page.fill('#login-password', PLANNER.password);
    await page.click('#login-form button[type=submit]');
  }
  await page.locator('#work').waitFor({ state: 'visible' });
}

test('a report needs a place, a category and a text (German messages)', async () => {
  const page = await browser.page('/index.html#melden');
  await mapIdle(page);
  await page.click('#report-submit');
  const errors = page.locator('#report-errors');
  await errors.waitFor({ state: 'visible' });
  const text = await errors.innerText();
  assert.match(text, /Bitte wählen Sie die Stelle in der Karte aus\./);
  assert.match(text, /Bitte wählen Sie aus, was Sie bemerkt haben\./);
  assert.match(text, /Bitte beschreiben Sie kurz, was Ihnen aufgefallen ist\./);
  assert.equal(await page.locator('#report-text').getAttribute('aria-invalid'), 'true');
  await screenshot(page, 'report-validation');
});

test('a submitted report reaches the moderation queue and, approved, the public map', async () => {
  const page = await browser.page('/index.html');
  await mapIdle(page);
  await page.selectOption('#town', KINDELBRUECK);
  await mapIdle(page);
  await page.click('#tab-melden');
  // The place: the middle of the map, clicked like a citizen would.
  const box = await page.locator('#map canvas').boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForFunction(() => document.getElementById('panel-melden').dataset.point);
  reportPoint = (await page.locator('#panel-melden').getAttribute('data-point')).split(',').map(Number);
  await page.check('input[name=category][value=vacant_building]');
  await page.fill('#report-text', `${token}: Fenster seit Monaten verhängt, Briefkasten überfüllt.`);
  await page.fill('#report-contact', 'buerger@example.org');
  await screenshot(page, 'report-form');
  await page.click('#report-submit');
  const done = page.locator('#report-done');
  await done.waitFor({ state: 'visible', timeout: 15000 });
  reportId = Number(await done.getAttribute('data-report-id'));
  assert.ok(reportId > 0, 'the server gave the report a number');
  assert.match(await done.innerText(), /Vielen Dank für Ihre Meldung/);
  await screenshot(page, 'report-sent');

  // Not public before moderation.
  const before = await api('/collections/reports/items?limit=1000');
  assert.ok(!before.body.features.some((f) => String(f.id) === String(reportId)), 'pending reports are not public');

  // The planner finds it in the moderation queue and approves it with a public text.
  const planner = await browser.page(null);
  await plannerLogin(planner, '#moderation');
  await planner.click('#ptab-moderation');
  const item = planner.locator(`#moderation-queue li[data-id="${reportId}"]`);
  await item.waitFor({ timeout: 15000 });
  const itemText = await item.innerText();
  assert.ok(itemText.includes(token), 'the queue shows the citizen\'s text');
  assert.ok(itemText.includes('buerger@example.org'), 'the planner sees the contact');
  await screenshot(planner, 'planner-moderation');
  await item.locator('textarea').fill('Leerstehendes Wohnhaus, gemeldet und geprüft.');
  await item.locator('button[data-decision=approve]').click();
  await planner.waitForFunction((id) => document.querySelector(`#moderation-queue li[data-id="${id}"]`)?.dataset.decided === 'approve', reportId);

  // Public now, without the reporter's words or contact.
  const after = await api(`/collections/reports/items/${reportId}`);
  assert.equal(after.status, 200);
  const publicText = JSON.stringify(after.body);
  assert.ok(!publicText.includes('buerger@example.org') && !publicText.includes(token), 'no personal data in public');

  const map = await browser.page('/index.html');
  await mapIdle(map);
  await map.evaluate((pt) => window.leerstand.map.jumpTo({ center: pt, zoom: 16 }), reportPoint);
  await mapIdle(map);
  const points = await rendered(map, ['reports-point']);
  assert.ok(points.some((f) => String(f.id) === String(reportId)), `report ${reportId} is drawn on the public map`);
  await screenshot(map, 'report-public');
});

test('planners review verdicts with their evidence and work cases', async () => {
  const page = await browser.page(null);
  await plannerLogin(page, '#review');
  await page.click('#ptab-review');
  const first = page.locator('#review-list li button').first();
  await first.waitFor({ timeout: 15000 });
  await first.click();
  await page.locator('#evidence li').first().waitFor({ timeout: 15000 });
  assert.ok(await page.locator('#evidence li').count() > 0, 'evidence listed');
  // An override needs a reason: the form says so in German.
  await page.click('#review-detail button[type=submit]');
  assert.match(await page.locator('#override-note-error').innerText(), /Bitte beschreiben Sie kurz/);
  await page.selectOption('#override-class', 'occupied');
  await page.fill('#override-note', 'Vor Ort geprüft: wieder bewohnt (Test).');
  await page.click('#review-detail button[type=submit]');
  await page.waitForFunction(() => /Korrektur gespeichert/.test(document.querySelector('#review-detail .form-result')?.textContent || ''), null, { timeout: 15000 });
  const evidence = await page.locator('#evidence').innerText();
  assert.match(evidence, /Vor Ort geprüft: wieder bewohnt/);
  await screenshot(page, 'planner-review');
  // Take it back, so the demo data stay as the analysis left them.
  await page.click('#override-withdraw');
  await page.waitForFunction(() => /zurückgenommen/.test(document.querySelector('#review-detail .form-result')?.textContent || ''), null, { timeout: 15000 });

  // A case for this subject: open it (or take the open one), move it on, see the history.
  const existing = page.locator('#review-detail button.link');
  if (await existing.count()) await existing.click();
  else await page.click('#case-open');
  await page.locator('#case-detail h3').waitFor({ timeout: 15000 });
  const before = await page.locator('#case-detail .history li').count();
  const next = await page.locator('#case-next option').first().getAttribute('value');
  await page.fill('#case-note', 'Schreiben an die Eigentümer verschickt (Test).');
  await page.click('#case-detail button[type=submit]');
  await page.waitForFunction(() => /Stand gespeichert/.test(document.querySelector('#case-detail .form-result')?.textContent || ''), null, { timeout: 15000 });
  assert.equal(await page.locator('#case-detail .history li').count(), before + 1, `history grew by the move to ${next}`);
  assert.match(await page.locator('#case-detail .history').innerText(), /Schreiben an die Eigentümer verschickt/);
  await screenshot(page, 'planner-cases');
  // Close it again, so a later run can open a new one.
  if (await page.locator('#case-next option[value=closed]').count()) {
    await page.selectOption('#case-next', 'closed');
    await page.click('#case-detail button[type=submit]');
    await page.waitForFunction(() => /abgeschlossen/.test(document.querySelector('#case-detail h3')?.textContent || ''), null, { timeout: 15000 });
  }
});
