// The portal and admin shells in Chromium: loading, navigation, theme, language, dialogs,
// accessibility, and the API reference page under the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
let db, server, browser;

/** Fills the admin sign-in form shown in place of any admin page. */
async function signIn(page, password = PASSWORD) {
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('E-mail').fill(ADMIN);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
before(async () => {
  db = createDatabase();
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

test('the portal loads with no console error and a working navigation', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    assert.equal(await page.title(), 'Cabinet', 'the operator\'s portal name (branding.portal_name)');
    await page.getByRole('link', { name: 'System status' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/status');
    await page.getByTestId('status').getByText('OK').first().waitFor();
    assert.equal(await page.getByTestId('status').locator('.badge-ok').count(), 2);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    assert.deepEqual(page.problems, []);
  });
});

test('the admin panel asks staff to sign in, keeps the deep link, survives a reload, signs out', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/admin/status`);
    assert.equal(await page.getByRole('link', { name: 'System status' }).count(), 0, 'no navigation before sign-in');
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    assert.match(await page.title(), /Admin panel/);
    assert.equal(await page.getByTestId('who').textContent(), 'Owner');
    await page.reload(); // the access token is gone; the HttpOnly refresh cookie restores the session
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    assert.equal(await page.evaluate(() => document.cookie), '', 'the refresh token is not readable by scripts');
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/');
    await page.goto(`${server.url}/admin/no/such/page`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    // the session restore after sign-out is an expected 401, not a page problem
    page.problems = page.problems.filter((p) => !p.includes('401'));
    assert.deepEqual(page.problems, []);
  });
});

test('a wrong password is told in the form, without saying whether the account exists', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/admin/`);
    await signIn(page, 'not the password');
    await page.getByRole('alert').getByText('The e-mail or the password is wrong.').waitFor();
    assert.equal(await page.getByLabel('Password').inputValue(), 'not the password');
    page.problems = page.problems.filter((p) => !p.includes('401'));
    assert.deepEqual(page.problems, []);
  });
});

test('theme switches between light, dark and system, and is remembered', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/`);
    const theme = page.getByTestId('theme');
    await theme.selectOption('dark');
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.reload();
    await page.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    await page.getByTestId('theme').selectOption('light');
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), bg);
    await page.getByTestId('theme').selectOption('system');
    assert.equal(await page.locator('html').getAttribute('data-theme'), null);
    assert.deepEqual(page.problems, []);
  });
});

test('language switches to French and back, dates follow it', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/status`);
    await page.getByText(/Checked at/).waitFor();
    await page.getByTestId('language').selectOption('fr');
    await page.getByRole('heading', { level: 1, name: 'État du système' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    assert.match(await page.getByText(/Vérifié le/).textContent(), /Vérifié le \d{1,2} \p{L}+\.? \d{4}/u);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'État du système' }).waitFor();
    await page.getByTestId('language').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'System status' }).waitFor();
    assert.deepEqual(page.problems, []);
  });
});

test('a French browser gets French by default', async (t) => {
  await withPage(browser, t, { locale: 'fr-FR' }, async (page) => {
    await page.goto(`${server.url}/admin/`);
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByLabel('E-mail').fill(ADMIN);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vue d’ensemble' }).waitFor();
    page.problems = page.problems.filter((p) => !p.includes('401'));
    assert.deepEqual(page.problems, []);
  });
});

test('the confirm dialog cancels by Escape and confirms with a toast', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/`);
    await page.getByTestId('theme').selectOption('dark');
    await page.getByTestId('reset-preferences').click();
    const dialog = page.getByRole('dialog', { name: 'Reset display preferences?' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => localStorage.getItem('cabinet.theme')), 'dark');
    await page.getByTestId('reset-preferences').click();
    await dialog.getByRole('button', { name: 'Reset display preferences' }).click();
    await page.getByRole('status').getByText('Display preferences reset.').waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('cabinet.theme')), null);
    assert.deepEqual(page.problems, []);
  });
});

test('an API error becomes a toast with the problem detail', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const message = await page.evaluate(async () => {
      const { api } = await import('/js/api.js');
      try { await api('GET', '/api/v1/nothing-here'); } catch (e) { return `${e.status} ${e.code}`; }
      return 'no error';
    });
    assert.equal(message, '404 not_found');
    await page.getByRole('alert').getByText('No API endpoint at this path.').waitFor();
    // the 404 of the fetch is the expected answer here, not a page problem
    page.problems = page.problems.filter((p) => !p.includes('404'));
    assert.deepEqual(page.problems, []);
  });
});

for (const [name, path, staff] of [['portal', '/'], ['admin sign-in', '/admin/'], ['admin overview', '/admin/', true], ['status', '/status']]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`axe finds no serious or critical violation: ${name}, ${colorScheme}`, async (t) => {
      await withPage(browser, t, { colorScheme }, async (page) => {
        await page.goto(server.url + path);
        if (staff) await signIn(page);
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.locator('#app:not([aria-busy])').waitFor();
        if (staff) await page.getByTestId('who').waitFor();
        if (name === 'status') await page.getByText(/Checked at/).waitFor();
        assert.deepEqual(await seriousViolations(page), []);
      });
    });
  }
}

test('the API reference renders under the strict CSP without console errors', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/docs`);
    await page.locator('.swagger-ui .info .title').getByText('Cabinet API').waitFor({ timeout: 20000 });
    await page.locator('.opblock-summary-path', { hasText: '/readyz' }).first().waitFor();
    assert.deepEqual(page.problems, []);
  });
});
