// Report a vacancy: German validation messages, a report with a photo sent from the map
// and confirmed by its nearest address, found with its photo in the planner's moderation
// queue, approved, and then shown on the public map with its photo re-encoded; "Mein
// Standort" granted and denied; the form on a phone. Also the planner's review list
// (evidence, override) and cases.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser, mapIdle, rendered, screenshot, api, PLANNER, BASE, REPO } from './lib.mjs';

// A phone's JPEG with EXIF (camera, time, GPS position), 2000 × 1500 pixels.
const PHOTO = join(REPO, 'data', 'fixtures', 'photos', 'gps.jpg');

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
  // The place is confirmed by the nearest address, not by coordinates.
  const near = await api(`/addresses/nearest?lon=${reportPoint[0]}&lat=${reportPoint[1]}`);
  assert.equal(near.status, 200, 'an address near the middle of Kindelbrück');
  assert.equal(near.body.town, 'Kindelbrück');
  await page.waitForFunction((label) => document.getElementById('report-point-text').textContent === `Gewählte Stelle: Nähe ${label}`, near.body.label);
  await page.setInputFiles('#report-photos', PHOTO);
  assert.match(await page.locator('#report-photos-chosen').innerText(), /Gewählt: gps\.jpg/);
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
  // The photo, before approval, loaded with the planner's token.
  const img = item.locator('.report-photo img');
  await img.waitFor({ timeout: 15000 });
  await planner.waitForFunction((id) => document.querySelector(`#moderation-queue li[data-id="${id}"] .report-photo img`)?.naturalWidth === 1600, reportId);
  assert.equal(await img.getAttribute('alt'), `Foto 1 von Meldung Nr. ${reportId}`);
  assert.equal((await api(`/reports/${reportId}/photos/1`)).status, 404, 'no public photo before approval');
  await screenshot(planner, 'planner-moderation');
  await item.locator('textarea').fill('Leerstehendes Wohnhaus, gemeldet und geprüft.');
  await item.locator('button[data-decision=approve]').click();
  await planner.waitForFunction((id) => document.querySelector(`#moderation-queue li[data-id="${id}"]`)?.dataset.decided === 'approve', reportId);

  // Public now, without the reporter's words or contact.
  const after = await api(`/collections/reports/items/${reportId}`);
  assert.equal(after.status, 200);
  const publicText = JSON.stringify(after.body);
  assert.ok(!publicText.includes('buerger@example.org') && !publicText.includes(token), 'no personal data in public');
  // The photo is public now: a new JPEG, 1600 px wide, without the phone's EXIF.
  const list = await api(`/reports/${reportId}/photos`);
  assert.deepEqual(list.body.photos, [`/reports/${reportId}/photos/1`]);
  const served = await fetch(`${BASE}/reports/${reportId}/photos/1`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/jpeg');
  const bytes = Buffer.from(await served.arrayBuffer());
  const original = readFileSync(PHOTO);
  assert.ok(original.includes('Exif') && original.includes('Fixture'), 'the upload carried EXIF');
  assert.equal(bytes.readUInt16BE(0), 0xffd8, 'a JPEG');
  assert.ok(!bytes.includes('Exif') && !bytes.includes('Fixture'), 'no EXIF, no camera');
  assert.ok(!bytes.equals(original), 're-encoded');

  const map = await browser.page('/index.html');
  await mapIdle(map);
  await map.evaluate((pt) => window.leerstand.map.jumpTo({ center: pt, zoom: 16 }), reportPoint);
  await mapIdle(map);
  const points = await rendered(map, ['reports-point']);
  assert.ok(points.some((f) => String(f.id) === String(reportId)), `report ${reportId} is drawn on the public map`);
  await screenshot(map, 'report-public');
});

test('"Mein Standort" takes the device\'s position, and says so in German when it may not', async () => {
  const page = await browser.page('/index.html#melden');
  await mapIdle(page);
  // Denied: a clear message, no place chosen.
  await browser.context.clearPermissions();
  await page.click('#report-locate');
  const error = page.locator('#report-point-error');
  await error.waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await error.innerText(), /Ihr Standort wurde nicht freigegeben/);
  assert.equal(await page.locator('#panel-melden').getAttribute('data-point'), null);
  // Granted: the place is the device's, named by its nearest address.
  const [lon, lat] = reportPoint ?? [11.0, 51.25];
  await browser.context.grantPermissions(['geolocation'], { origin: BASE });
  await browser.context.setGeolocation({ longitude: lon, latitude: lat, accuracy: 10 });
  await page.click('#report-locate');
  await page.waitForFunction(() => document.getElementById('panel-melden').dataset.point);
  const point = (await page.locator('#panel-melden').getAttribute('data-point')).split(',').map(Number);
  assert.ok(Math.abs(point[0] - lon) < 1e-6 && Math.abs(point[1] - lat) < 1e-6, `${point} is the device's position`);
  await page.waitForFunction(() => /Nähe|keine Adresse/.test(document.getElementById('report-point-text').textContent));
  assert.equal(await error.isVisible(), false, 'the error went with a chosen place');
  await browser.context.clearPermissions();
});

test('the report form on a phone (390 × 844)', async () => {
  const phone = await openBrowser({ viewport: { width: 390, height: 844 } });
  try {
    const page = await phone.page('/index.html#melden');
    await mapIdle(page);
    await page.click('#report-point button:has-text("Kartenmitte verwenden")');
    await page.waitForFunction(() => /Gewählte Stelle/.test(document.getElementById('report-point-text').textContent));
    await page.setInputFiles('#report-photos', PHOTO);
    await page.locator('#report-photos').scrollIntoViewIfNeeded();
    const box = await page.locator('#report-photos').boundingBox();
    assert.ok(box.width <= 390 && box.height >= 44, `the file chooser fits and is a 44 px target: ${JSON.stringify(box)}`);
    const locate = await page.locator('#report-locate').boundingBox();
    assert.ok(locate.height >= 44, 'Mein Standort is a 44 px target');
    await screenshot(page, 'report-form-phone');
  } finally {
    await phone.close();
  }
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
