// People in Chromium: an organization invites a person from the portal, the person accepts the
// invitation and signs in with the role user, the organization gives a role it may give and puts the
// person in a group, then suspends them; staff see the individuals on the customer profile and log in
// as one of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount } from '../lib/people.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
const ORG_PASSWORD = 'copper lantern seventy 3';
const ANN_PASSWORD = 'violet tractor umbrella 88';
let db, server, browser, orgId;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  const api = client(server.url);
  const owner = bearer((await signIn(api, ADMIN, PASSWORD, 'staff')).json.access_token);
  const manager = await api.post('/api/v1/roles', { ...owner, json: { name: 'People manager', permissions: ['profile.read', 'individuals.manage'] } });
  orgId = await customerAccount(api, owner, { email: 'org@example.org', password: ORG_PASSWORD, firstName: 'Olga', lastName: 'Org', extra: { allowed_role_ids: [manager.json.id] } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

async function portalSignIn(page, login, password) {
  await page.goto(`${server.url}/?auth=1`);
  await page.getByLabel('E-mail or phone').fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('who').waitFor();
}

test('invite, accept, sign in as an individual, change the role, group, suspend', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await portalSignIn(page, 'org@example.org', ORG_PASSWORD);
    await page.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { level: 1, name: 'People' }).waitFor();
    await page.getByTestId('people-empty').waitFor();
    const form = page.getByTestId('invite-form');
    await form.getByLabel('First name').fill('Ann');
    await form.getByLabel('Last name').fill('Able');
    await form.getByLabel('E-mail').fill('ann@example.org');
    await form.getByRole('button', { name: 'Send the invitation' }).click();
    await page.getByRole('status').getByText('Invitation sent to ann@example.org.').waitFor();
    const row = page.getByTestId('people').getByRole('row', { name: /Ann Able/ });
    await row.getByText('invited').waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    // the person opens the link in their own browser
    const token = deliveredText(db.url, "address = 'ann@example.org'").match(/invitation\?token=([0-9a-f]{64})/)[1];
    const ann = await page.context().browser().newContext({ locale: 'en-US' }).then((c) => c.newPage());
    await ann.goto(`${server.url}/invitation?token=${token}`);
    await ann.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
    await ann.getByLabel('New password', { exact: true }).fill(ANN_PASSWORD);
    await ann.getByLabel('New password again').fill('something else entirely 1');
    await ann.getByRole('button', { name: 'Set my password' }).click();
    await ann.getByText('The two new passwords differ.').waitFor();
    await ann.getByLabel('New password again').fill(ANN_PASSWORD);
    await ann.getByRole('button', { name: 'Set my password' }).click();
    await ann.getByRole('status').getByText('Your password is set.', { exact: false }).waitFor();
    await portalSignIn(ann, 'ann@example.org', ANN_PASSWORD);
    assert.equal(await ann.getByTestId('who').textContent(), 'Ann Able');
    assert.equal(await ann.getByRole('link', { name: 'People' }).count(), 0, 'the role user does not manage people');
    await ann.getByRole('link', { name: 'Profile' }).click();
    await ann.getByTestId('profile').waitFor();
    assert.equal(await ann.getByLabel('Company').count(), 0, 'an individual has no company');

    // the organization gives a role it may give; it applies to the person's next request
    await page.reload();
    await row.getByRole('combobox').selectOption({ label: 'People manager' });
    await page.getByRole('status').getByText('Role changed', { exact: false }).waitFor();
    await ann.reload();
    await ann.getByRole('link', { name: 'People' }).waitFor();
    // the security page shows what the role allows, and nothing that would be refused
    const refused = [];
    ann.on('response', (r) => { if (r.status() === 403) refused.push(r.url()); });
    await ann.getByRole('link', { name: 'Security' }).click();
    await ann.getByTestId('password-form').waitFor();
    assert.equal(await ann.getByTestId('sessions').count(), 0, 'People manager has no sessions.manage');
    assert.deepEqual(refused, []);

    await page.getByRole('link', { name: 'Groups' }).click();
    const group = page.getByTestId('group-form');
    await group.getByLabel('Name').fill('Sales');
    await group.getByRole('button', { name: 'Create the group' }).click();
    await page.getByTestId('groups').getByRole('row', { name: /Sales/ }).getByRole('button', { name: 'Edit' }).click();
    await page.getByTestId('group-edit').getByLabel('Ann Able').check();
    await page.getByTestId('group-edit').getByRole('button', { name: 'Save the group' }).click();
    await page.getByTestId('groups').getByRole('row', { name: /Sales/ }).getByText('Ann Able').waitFor();

    await page.getByRole('link', { name: 'People' }).click();
    await row.getByRole('button', { name: 'Suspend' }).click();
    await row.getByText('suspended').waitFor();
    assert.equal(psql(db.url, "SELECT count(*) FROM sessions WHERE individual_id IS NOT NULL AND revoked_at IS NULL"), '0', 'their sessions ended');
    await ann.context().close();
    assert.deepEqual(page.problems.filter((p) => !p.includes('400')), []);
  });
});

test('admin: the customer\'s individuals and groups, and logging in as one of them', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/admin/customers/${orgId}`);
    await page.getByLabel('E-mail').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const tabs = page.getByRole('navigation', { name: 'Customer sections' });
    await tabs.getByRole('link', { name: 'Groups' }).click();
    await page.getByTestId('groups').getByText('Sales').waitFor();
    await tabs.getByRole('link', { name: 'Individuals' }).click();
    const row = page.getByTestId('people').getByRole('row', { name: /Ann Able/ });
    await row.getByRole('button', { name: 'Reactivate' }).click();
    await row.getByText('active').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await row.getByRole('button', { name: 'Log in as' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Ann cannot find the groups page');
    const [portal] = await Promise.all([page.context().waitForEvent('page'), dialog.getByRole('button', { name: 'Log in as ann@example.org' }).click()]);
    await portal.getByTestId('impersonation-banner').getByText('by Owner (support)', { exact: false }).waitFor();
    assert.equal(await portal.getByTestId('who').textContent(), 'Ann Able');
    await portal.getByRole('link', { name: 'People' }).waitFor();
  });
});
