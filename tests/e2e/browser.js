// Chromium for browser tests: Debian's /usr/bin/chromium through playwright-core (no browser download).
// Collects console errors and failed requests per page; saves a screenshot when a test fails.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/pg.js';

const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');
const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A fresh context and page; page.problems lists console errors, page errors and failed requests. */
export async function openPage(browser, { colorScheme = 'light', locale = 'en-US' } = {}) {
  const context = await browser.newContext({ colorScheme, locale, timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // a navigation cancels what the previous page was still loading (its favicon, say): not a fault
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') page.problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return page;
}

/** Runs fn(page); on failure saves a full-page screenshot named after the test, then rethrows. */
export async function withPage(browser, t, options, fn) {
  const page = await openPage(browser, options);
  try {
    await fn(page);
  } catch (e) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, `${t.name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    e.message += `\nscreenshot: ${file}\nproblems: ${page.problems.join('\n')}`;
    throw e;
  } finally {
    await page.context().close();
  }
}

/** axe-core violations of impact serious or critical on the current page. */
export async function seriousViolations(page) {
  // evaluate is not subject to the page's CSP, unlike an injected <script>
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
