// API tokens in Chromium: a customer creates one in the portal with permission checkboxes and an
// expiry, sees the secret once (copy button), software uses it, the customer revokes it; staff see a
// customer's tokens on its profile and revoke one; staff have their own tokens page too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
const CUSTOMER = 'crm@example.org';
const CUSTOMER_PASSWORD = 'the portal passphrase of a reseller';
let db, server, browser, api;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  const owner = await api.post('/api/v1/auth/login', { json: { login: ADMIN, password: PASSWORD, realm: 'staff' } });
  const c = await api.post('/api/v1/customers', {
    headers: { authorization: `Bearer ${owner.json.access_token}` },
    json: { email: CUSTOMER, first_name: 'Carla', last_name: 'Rossi', login: { password: CUSTOMER_PASSWORD, password_confirm: CUSTOMER_PASSWORD, email_confirmed: true } },
  });
  assert.equal(c.status, 201, c.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

const me = (secret) => api.get('/api/v1/me', { headers: { authorization: `Bearer ${secret}` } });

let secret;
test('portal: create a token with checkboxes, see the secret once, use it, revoke it', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await page.goto(`${server.url}/?auth=1`);
    await page.getByLabel('E-mail or phone').fill(CUSTOMER);
    await page.getByLabel('Password').fill(CUSTOMER_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    await page.getByTestId('tokens-empty').waitFor();

    const form = page.getByTestId('token-form');
    await form.getByRole('button', { name: 'Create the token' }).click();
    await form.locator('[data-error-for="name"]').getByText(/characters/).waitFor();
    await form.getByLabel('Name').fill('CRM');
    await form.getByRole('group', { name: 'Profile' }).getByLabel('profile.read').check();
    await form.getByRole('group', { name: 'History' }).getByLabel('history.read').check();
    await form.getByLabel('Expires on (optional)').fill('2099-12-31');
    await form.getByRole('button', { name: 'Create the token' }).click();
    const shown = page.getByTestId('token-secret');
    await shown.getByText('Token “CRM” created').waitFor();
    secret = await page.getByTestId('token-secret-value').textContent();
    assert.match(secret, /^cab_[0-9a-f]{48}$/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('status').getByText('Copied to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    assert.deepEqual(await seriousViolations(page), []);

    const used = await me(secret);
    assert.equal(used.status, 200);
    assert.deepEqual(used.json.permissions, ['profile.read', 'history.read']);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByTestId('token-secret').waitFor({ state: 'detached' });
    await page.reload();
    const row = page.getByTestId('tokens').getByRole('row', { name: /CRM/ });
    await row.getByText('profile.read, history.read').waitFor();
    await row.getByText('active').waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'never shown again');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await row.getByText('revoked').waitFor();
    assert.equal((await me(secret)).status, 401);
    assert.deepEqual(page.problems.filter((p) => !p.includes('400')), []);
  });
});

test('admin: a customer\'s tokens on its profile, and staff\'s own tokens page', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/admin/customers?q=carla`);
    await page.getByLabel('E-mail').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Carla Rossi' }).click();
    await page.getByRole('navigation', { name: 'Customer sections' }).getByRole('link', { name: 'API tokens' }).click();
    const table = page.getByTestId('customer-tokens');
    await table.getByRole('row', { name: /CRM/ }).getByText('revoked').waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();
    const form = page.getByTestId('token-form');
    await form.getByLabel('Name').fill('Reporting');
    await form.getByRole('group', { name: 'Customers' }).getByLabel('customers.read').check();
    await form.getByRole('button', { name: 'Create the token' }).click();
    const staffSecret = await page.getByTestId('token-secret-value').textContent();
    const list = await api.get('/api/v1/customers', { headers: { authorization: `Bearer ${staffSecret}` } });
    assert.equal(list.status, 200);
    assert.equal(list.json.items[0].email, CUSTOMER);
    assert.deepEqual(page.problems, []);
  });
});
