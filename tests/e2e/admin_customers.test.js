// The admin panel's customer screens in Chromium: create a customer with "generate and send" and read
// its credentials from a real SMTP sink; search with "/", status chips and the address bar; suspend
// with a reason and cascade after seeing the impact; reactivate; delete with the e-mail typed; the CSV
// export downloads; staff, settings and audit pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, freePort } from '../lib/server.js';
import { client } from '../lib/client.js';
import { startSmtpSink, eventually } from '../lib/peers.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
let db, server, browser, smtp;

before(async () => {
  db = createDatabase();
  smtp = await startSmtpSink(await freePort());
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, CABINET_NOTIFY_POLL_MS: '50' },
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.stop();
  db?.drop();
});

async function signIn(page, path = '/admin/') {
  await page.goto(server.url + path);
  await page.getByLabel('E-mail').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('create with generate-and-send: the credentials arrive by e-mail and sign in', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('button', { name: 'New customer' }).click();
    const form = page.getByTestId('customer-form');
    assert.equal(await form.getByLabel('Password', { exact: true }).count(), 0, 'generate-and-send hides the password fields');
    await form.getByLabel('Set a password').check();
    await form.getByLabel('Password', { exact: true }).waitFor();
    await form.getByLabel('Generate a password and send it by e-mail').check();
    assert.equal(await form.getByLabel('Password', { exact: true }).count(), 0);
    await form.getByLabel('E-mail', { exact: true }).fill('not an address');
    await form.getByLabel('Phone').fill('nope');
    await form.getByRole('button', { name: 'Create the customer' }).click();
    await form.locator('[data-error-for="email"]').getByText('Not an e-mail address.').waitFor();
    await form.locator('[data-error-for="phone"]').getByText(/Not a phone number/).waitFor();
    await form.getByLabel('First name').fill('Grace');
    await form.getByLabel('Last name').fill('Hopper');
    await form.getByLabel('E-mail', { exact: true }).fill('grace@example.org');
    await form.getByLabel('Phone').fill('+1 415 555 2671');
    await form.getByRole('button', { name: 'Create the customer' }).click();
    await page.getByRole('heading', { level: 1, name: /Grace Hopper/ }).waitFor();
    await page.getByTestId('status-badge').getByText('Active').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    const mail = await eventually(() => smtp.messages().find((m) => m.rcpt_tos.includes('grace@example.org')), { what: 'the credentials e-mail' });
    const password = mail.parts[0].text.match(/Password: (\S+)/)[1];
    const r = await client(server.url).post('/api/v1/auth/login', { json: { login: 'grace@example.org', password } });
    assert.equal(r.status, 200);
    assert.equal(r.json.principal.must_change_password, true);
  });
});

test('the list: "/" focuses the search, chips filter, the state is in the address bar; CSV export', async (t) => {
  const api = client(server.url);
  const owner = { headers: { authorization: `Bearer ${(await api.post('/api/v1/auth/login', { json: { login: ADMIN, password: PASSWORD, realm: 'staff' } })).json.access_token}` } };
  for (const [first, last, email] of [['Élodie', 'Dupré', 'elodie@example.fr'], ['Alan', 'Turing', 'alan@example.org'], ['Ada', 'Lovelace', 'ada@example.org']]) {
    await api.post('/api/v1/customers', { ...owner, json: { email, first_name: first, last_name: last, login: { email_confirmed: email !== 'alan@example.org' } } });
  }
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/customers');
    await page.getByTestId('customers-total').getByText('4 customer(s)').waitFor();
    await page.locator('body').press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'customer-search');
    await page.keyboard.type('dupre');
    await page.getByTestId('customers-total').getByText('1 customer(s)').waitFor();
    assert.match(page.url(), /\?q=dupre$/);
    await page.getByRole('cell', { name: /Élodie Dupré/ }).waitFor();
    await page.getByTestId('customer-search').fill('');
    await page.getByTestId('customers-total').getByText('4 customer(s)').waitFor();
    await page.getByRole('group', { name: 'Filter by status' }).getByRole('button', { name: 'Pending' }).click();
    await page.getByTestId('customers-total').getByText('1 customer(s)').waitFor();
    assert.match(page.url(), /status=pending/);
    const badge = page.locator('tbody [data-testid="status-badge"]');
    assert.equal(await badge.textContent(), 'Pending');
    assert.match(await badge.getAttribute('class'), /badge-warn/);
    await page.reload();
    await page.getByTestId('customers-total').getByText('1 customer(s)').waitFor(); // the state survived
    await page.getByRole('group', { name: 'Filter by status' }).getByRole('button', { name: 'All' }).click();
    await page.getByRole('button', { name: /Created/ }).click();
    assert.match(page.url(), /sort=created/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'customers.csv');
    const csv = readFileSync(await download.path(), 'utf8');
    assert.match(csv, /^"id","email"/);
    assert.equal(csv.trim().split('\n').length, 5);
    assert.deepEqual(await seriousViolations(page), []);
  });
});

test('suspend with a reason and cascade after the impact; reactivate shows the reason; delete needs the e-mail', async (t) => {
  const api = client(server.url);
  const grace = await api.post('/api/v1/auth/login', { json: { login: 'elodie@example.fr', password: 'x' } });
  assert.equal(grace.status, 401); // (a failure on purpose: its history shows it)
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/customers?q=grace');
    await page.getByRole('link', { name: 'Grace Hopper' }).click();
    await page.getByRole('heading', { level: 1, name: /Grace Hopper/ }).waitFor();
    const actions = async (name) => {
      await page.getByTestId('actions').locator('summary').click();
      await page.getByTestId('actions').getByRole('link', { name, exact: true }).click();
    };
    await actions('Suspend');
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('impact').getByText(/This touches \d+ live session\(s\)\./).waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Suspend' }).isDisabled(), true, 'a reason is required');
    await dialog.getByLabel('Reason').fill('Unpaid invoices since March');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await page.getByTestId('status-badge').first().getByText('Suspended').waitFor();
    await page.getByTestId('reasons').getByText('Unpaid invoices since March').waitFor();
    await actions('Reactivate');
    await page.getByRole('dialog').getByText(/Unpaid invoices since March/).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Reactivate' }).click();
    await page.getByTestId('status-badge').first().getByText('Active').waitFor();
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByTestId('customer-history').getByText('customer.suspend').waitFor();
    await page.getByRole('link', { name: 'Notes' }).click();
    await page.getByTestId('note-form').getByLabel('New note').fill('Paid by bank transfer.');
    await page.getByRole('button', { name: 'Add the note' }).click();
    await page.getByTestId('notes').getByText('Paid by bank transfer.').waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    await page.getByTestId('actions').locator('summary').click();
    await page.getByTestId('actions').getByRole('link', { name: 'Delete the customer' }).click();
    const del = page.getByRole('dialog');
    const confirm = del.getByRole('button', { name: 'Delete the customer' });
    assert.equal(await confirm.isDisabled(), true);
    await del.getByLabel('Type grace@example.org to confirm').fill('grace@example.org');
    await confirm.click();
    await page.getByRole('heading', { level: 1, name: 'Customers' }).waitFor();
    assert.equal(psql(db.url, "SELECT status FROM customers WHERE email = 'grace@example.org'"), 'deleted');
    assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
  });
});

test('log in as customer: the portal opens in a new tab with the banner; the customer sees the access', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/customers?q=alan');
    await page.getByRole('link', { name: 'Alan Turing' }).click();
    await page.getByRole('heading', { level: 1, name: /Alan Turing/ }).waitFor();
    await page.getByTestId('actions').locator('summary').click();
    assert.equal(await page.getByTestId('actions').getByRole('link', { name: 'Log in as customer' }).count(), 0, 'a pending customer cannot be looked at');
    await page.getByTestId('actions').getByRole('link', { name: 'Mark the e-mail confirmed' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mark the e-mail confirmed' }).click();
    await page.getByTestId('status-badge').first().getByText('Active').waitFor();
    await page.getByTestId('actions').locator('summary').click();
    await page.getByTestId('actions').getByRole('link', { name: 'Log in as customer' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Helping with the portal');
    const [portal] = await Promise.all([page.context().waitForEvent('page'), dialog.getByRole('button', { name: 'Log in as customer' }).click()]);
    const banner = portal.getByTestId('impersonation-banner');
    await banner.getByText('by Owner (support)', { exact: false }).waitFor();
    assert.doesNotMatch(portal.url(), /code=/, 'the code left the address bar');
    portal.problems = [];
    await portal.getByRole('link', { name: 'Security' }).click();
    await portal.getByTestId('history').getByText('Support accessed your account').waitFor();
    assert.deepEqual(await seriousViolations(portal), []);
    await banner.getByRole('button', { name: 'End session' }).click();
    await portal.getByRole('status').getByText('The support session has ended.', { exact: false }).waitFor();
    assert.equal(psql(db.url, "SELECT count(*) FROM sessions WHERE impersonator_id IS NOT NULL AND revoked_at IS NULL"), '0');
  });
});

test('import: check the file first, see the refused rows, then import', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/customers');
    await page.getByRole('button', { name: 'Import customers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import customers' }).waitFor();
    const csv = 'email,first_name,last_name\nimp1@example.org,Imre,One\nnot-an-address,Bad,Row\nimp2@example.org,Inès,Two\n';
    await page.getByTestId('import-file').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true, 'check first');
    await page.getByRole('button', { name: 'Check the file' }).click();
    const report = page.getByTestId('import-report');
    await report.getByText('3 row(s): 2 new, 0 updated, 1 refused.').waitFor();
    await report.getByRole('cell', { name: 'not-an-address' }).waitFor();
    assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE email LIKE 'imp_@example.org'"), '0', 'nothing written yet');
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('status').getByText('Imported: 2 new, 0 updated.').waitFor();
    assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE email LIKE 'imp_@example.org'"), '2');
  });
});

test('portal roles: a role made with grouped checkboxes, given to a customer, refused deletion while used', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/roles');
    await page.getByTestId('portal-roles').getByText('organization-admin').waitFor();
    const form = page.getByTestId('portal-role-form');
    await form.getByLabel('Name').fill('Reader');
    await form.getByRole('group', { name: 'Licenses' }).getByLabel('licenses.read').check();
    await form.getByRole('group', { name: 'Profile' }).getByLabel('profile.read').check();
    await form.getByRole('button', { name: 'Create the role' }).click();
    await page.getByTestId('portal-roles').getByText('profile.read, licenses.read').waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    await page.goto(`${server.url}/admin/customers?q=ada`);
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    const roles = page.getByTestId('customer-roles');
    await roles.getByLabel('Portal role').selectOption({ label: 'Reader' });
    await roles.getByLabel('user').check();
    await page.getByTestId('customer-edit').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Customer saved.').waitFor();
    assert.equal(psql(db.url, "SELECT r.name FROM customers c JOIN portal_roles r ON r.id = c.role_id WHERE c.email = 'ada@example.org'"), 'Reader');

    await page.goto(`${server.url}/admin/roles`);
    await page.getByRole('row', { name: /Reader/ }).getByRole('button', { name: 'Delete the role' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete the role' }).click();
    await page.getByRole('alert').getByText('This role is in use: 1 customer(s) hold it', { exact: false }).waitFor();
    page.problems = page.problems.filter((p) => !p.includes('409'));
    assert.deepEqual(page.problems, []);
  });
});

test('staff, settings and audit pages', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/staff');
    const form = page.getByTestId('staff-form');
    await form.getByLabel('E-mail', { exact: true }).fill('helper@example.com');
    await form.getByLabel('Name').fill('Hal Helper');
    await form.getByLabel('Role').selectOption('support');
    await form.getByRole('button', { name: 'Add a staff member' }).click();
    await page.getByTestId('staff').getByText('helper@example.com').waitFor();
    const role = page.getByTestId('role-form');
    await role.getByLabel('Name (lower case)').fill('billing');
    await role.getByLabel('customers.read').check();
    await role.getByLabel('audit.read').check();
    await role.getByRole('button', { name: 'Create the role' }).click();
    await page.getByTestId('staff-roles').getByText('customers.read, audit.read').waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    const s = page.getByTestId('settings');
    await s.getByLabel('Every staff member must use two-step verification').check();
    await s.getByLabel('Portal name').fill('Client Space');
    await s.getByRole('button', { name: 'Save the settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    assert.equal(psql(db.url, "SELECT value::text FROM settings WHERE key = 'two_factor.staff_required'"), 'true');
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await page.getByTestId('logo-upload').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('status').getByText('Logo saved.').waitFor();
    await page.getByRole('img', { name: 'Logo' }).waitFor();
    const portal = await page.context().newPage();
    await portal.goto(`${server.url}/`);
    await portal.locator('.brand').getByText('Client Space').waitFor();
    assert.equal(await portal.title(), 'Client Space');
    assert.equal(await portal.locator('.brand img.logo').count(), 1);
    await portal.close();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action (or prefix)').fill('settings.');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByTestId('audit').getByText('settings.updated').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
  });
});
