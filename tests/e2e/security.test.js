// The first sign-in with the one-time password printed at bootstrap, the forced password change,
// and the Security page (sessions, ending one), in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { launch, withPage, openPage, seriousViolations } from './browser.js';

const ADMIN = 'admin@example.com';
const NEW_PASSWORD = 'my own long passphrase 2026';
let db, server, browser, oneTime;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url }); // no bootstrap password: one is generated
  oneTime = server.output().match(/one-time password:\s+(\S+)/)[1];
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

async function signIn(page, password) {
  await page.goto(`${server.url}/admin/`);
  await page.getByLabel('E-mail').fill(ADMIN);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the one-time password leads to a forced, checked password change', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, oneTime);
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Messages' }).count(), 0, 'nothing else until then');
    const form = page.getByTestId('password-form');
    await form.getByLabel('Current password').fill(oneTime);
    await form.getByLabel('New password', { exact: true }).fill('password123');
    await form.getByLabel('New password again').fill('password123');
    await form.getByRole('button', { name: 'Change the password' }).click();
    await page.locator('[data-error-for="new_password"]').getByText(/too easy to guess/).waitFor();
    await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel('New password again').fill(NEW_PASSWORD + 'x');
    await form.getByRole('button', { name: 'Change the password' }).click();
    await page.locator('[data-error-for="confirm"]').getByText('The two new passwords differ.').waitFor();
    await form.getByLabel('New password again').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Change the password' }).click();
    await page.getByRole('status').getByText(/Password changed/).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.deepEqual(page.problems.filter((p) => !p.includes('401') && !p.includes('400')), []);
  });
});

test('the Security page lists sessions and ends another one', async (t) => {
  const other = await openPage(browser);
  await signIn(other, NEW_PASSWORD);
  await other.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, NEW_PASSWORD);
    await page.getByRole('link', { name: 'Security' }).click();
    await page.getByRole('heading', { level: 1, name: 'Security' }).waitFor();
    const list = page.getByTestId('sessions');
    await list.getByText('This device').waitFor();
    const count = await list.locator('li').count();
    assert.ok(count >= 2);
    await list.locator('li', { hasNotText: 'This device' }).first().getByRole('button', { name: 'End' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'End' }).click();
    await page.getByRole('status').getByText('Session ended.').waitFor();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="sessions"] li').length === n - 1, count);
    await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere else' }).click();
    await page.getByRole('status').getByText('Every other session has ended.').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="sessions"] li').length === 1);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
  });
  // the other browser's session is over: its next API call fails and it is back at the sign-in form
  await other.getByRole('link', { name: 'Messages' }).click();
  await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await other.context().close();
});

test('trusted addresses: a bad entry is named, a list leaving me out needs a yes; the history shows', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, NEW_PASSWORD);
    await page.getByRole('link', { name: 'Security' }).click();
    const form = page.getByTestId('trusted-ips');
    await form.getByLabel('Addresses').fill('127.0.0.1\n10.0.0.300');
    await form.getByLabel('Current password').fill(NEW_PASSWORD);
    await form.getByRole('button', { name: 'Save the addresses' }).click();
    await form.locator('[data-error-for="trusted_ips"]').getByText(/entry 2 "10\.0\.0\.300"/).waitFor();
    await form.getByLabel('Addresses').fill('192.0.2.1');
    await form.getByRole('button', { name: 'Save the addresses' }).click();
    await form.locator('[data-error-for="trusted_ips"]').getByText(/leaves out your current address/).waitFor();
    await form.getByLabel('Addresses').fill('127.0.0.0/8; ::1');
    await form.getByRole('button', { name: 'Save the addresses' }).click();
    await page.getByRole('status').getByText('Trusted addresses saved.').waitFor();
    await page.getByTestId('history').getByText('Signed in').first().waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  });
});
