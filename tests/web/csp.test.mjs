// The pages under the server's Content-Security-Policy: no inline script or style is needed,
// so the browser reports no violation, and what the policy would silently drop (the legend's
// colours, set as styles) still shows.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openBrowser, mapIdle, BASE } from './lib.mjs';

let browser;
before(async () => { browser = await openBrowser(); });
after(async () => { await browser?.close(); });

/** Collects the page's CSP violations (the browser's securitypolicyviolation events). */
async function watchViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`);
    });
  });
}

for (const path of ['/index.html', '/planner.html']) {
  test(`${path} is served with a CSP and breaks none of it`, async () => {
    const response = await fetch(BASE + path);
    assert.equal(response.status, 200);
    const csp = response.headers.get('content-security-policy') || '';
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');

    const page = await browser.page(null);
    await watchViolations(page);
    await page.goto(BASE + path);
    if (path === '/index.html') await mapIdle(page);
    else await page.waitForLoadState('networkidle');
    const violations = await page.evaluate(() => window.__violations);
    assert.deepEqual(violations, [], 'no Content-Security-Policy violation');
    if (path === '/index.html') {
      const colours = await page.$$eval('.swatch', (els) => els.map((e) => getComputedStyle(e).backgroundColor));
      assert.ok(colours.length > 0, 'the legend has swatches');
      const blank = colours.filter((c) => c === 'rgba(0, 0, 0, 0)' || c === 'rgb(255, 255, 255)');
      assert.deepEqual(blank, [], 'every legend swatch shows its colour');
    }
  });
}
