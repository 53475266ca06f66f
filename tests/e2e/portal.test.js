// The customer's way in, in Chromium: register, open the confirmation link, sign in by phone through
// ?auth=1, see the account's sessions, sign out; in French.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText, awaitDelivered } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { launch, withPage, seriousViolations } from './browser.js';

const PASSWORD = 'ma phrase de passe du portail';
let db, server, browser;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_DEFAULT_COUNTRY: 'FR' } });
  // links in messages point at the server the test talks to
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

test('register, confirm by the link, sign in by phone, sign out', async (t) => {
  await withPage(browser, t, { locale: 'fr-FR' }, async (page) => {
    await page.goto(`${server.url}/register`);
    await page.getByRole('heading', { level: 1, name: 'Créer un compte' }).waitFor();
    await page.getByLabel('Prénom').fill('Zoé');
    await page.getByLabel('Nom', { exact: true }).fill('Martin');
    await page.getByLabel('E-mail').fill('zoe@example.org');
    await page.getByLabel('Téléphone (facultatif)').fill('06 98 76 54 32');
    await page.getByLabel('Mot de passe', { exact: true }).fill('password123');
    await page.getByLabel('Nouveau mot de passe (bis)').fill('password123');
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.locator('[data-error-for="password"]').getByText(/too easy to guess|dictionary/).waitFor();
    await page.getByLabel('Mot de passe', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Nouveau mot de passe (bis)').fill(PASSWORD);
    await page.getByRole('button', { name: 'Créer mon compte' }).click();
    await page.getByRole('heading', { level: 1, name: 'Consultez votre messagerie' }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);

    const token = deliveredText(db.url, "address = 'zoe@example.org'").match(/token=([0-9a-f]{64})/)[1];
    assert.match(token, /^[0-9a-f]{64}$/);
    await page.goto(`${server.url}/confirm?token=${token}`);
    await page.getByRole('status').getByText('Votre adresse est confirmée.', { exact: false }).waitFor();

    await page.goto(`${server.url}/?auth=1`);
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await page.getByLabel('E-mail ou téléphone').fill('+33 6 98 76 54 32');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Votre compte' }).waitFor();
    assert.equal(await page.getByTestId('who').textContent(), 'Zoé Martin');
    await page.getByRole('link', { name: 'Sécurité' }).click();
    await page.getByTestId('sessions').getByText('Cet appareil').waitFor();
    await page.reload();
    await page.getByTestId('sessions').getByText('Cet appareil').waitFor();
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await page.getByRole('link', { name: 'Créer un compte' }).waitFor();
    assert.deepEqual(page.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  });
});

test('a used or wrong confirmation link says so', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/confirm?token=${'a'.repeat(64)}`);
    await page.getByRole('alert').getByText(/not valid/).waitFor();
    page.problems = page.problems.filter((p) => !p.includes('400'));
    assert.deepEqual(page.problems, []);
  });
});

test('forgot password: a code by SMS, then the new password; the link of an e-mail works too', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/?auth=1`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { level: 1, name: 'Forgot your password?' }).waitFor();
    await page.getByLabel('E-mail or phone').fill('06 98 76 54 32');
    await page.getByLabel('SMS').check();
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('status').getByText(/a code is on its way/).waitFor();
    const code = await awaitDelivered(db.url, "address = '+33698765432' AND event = 'recovery_code'", /([0-9]{6})/);
    await page.getByLabel('Code').fill(code === '000000' ? '111111' : '000000'); // a wrong code first
    await page.getByLabel('New password', { exact: true }).fill('recovered by sms code');
    await page.getByLabel('New password again').fill('recovered by sms code');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.locator('[data-error-for="code"]').getByText(/not valid/).waitFor();
    await page.getByLabel('Code').fill(code);
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('status').getByText(/Your password is changed/).waitFor();

    const r = await fetch(`${server.url}/api/v1/auth/recovery`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'zoe@example.org' }) });
    assert.equal(r.status, 202);
    const token = await awaitDelivered(db.url, "address = 'zoe@example.org' AND event = 'password_reset_link'", /token=([0-9a-f]{64})/);
    await page.goto(`${server.url}/reset?token=${token}`);
    await page.getByText('Setting a new password signs you out everywhere and revokes your API tokens', { exact: false }).waitFor();
    assert.doesNotMatch(page.url(), /token=/, 'the token is out of the address bar at once');
    await page.getByLabel('New password', { exact: true }).fill('recovered by the link');
    await page.getByLabel('New password again').fill('recovered by the link');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('status').getByText(/Your password is changed/).waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail or phone').fill('zoe@example.org');
    await page.getByLabel('Password').fill('recovered by the link');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Votre compte' }).waitFor(); // her language: French
    assert.deepEqual(page.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  });
});

test("after sign-in the portal follows the account's language; the profile page changes it", async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/?auth=1`);
    await page.getByLabel('E-mail or phone').fill('zoe@example.org');
    await page.getByLabel('Password').fill('recovered by the link');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => document.documentElement.lang === 'fr'); // Zoé registered in French
    await page.getByRole('link', { name: 'Profil' }).click();
    const form = page.getByTestId('profile');
    await form.getByLabel('Société').fill('Martin & fils');
    await form.getByLabel('Téléphone (facultatif)').fill('not a phone');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await form.locator('[data-error-for="phone"]').getByText(/Not a phone number/).waitFor();
    await form.getByLabel('Téléphone (facultatif)').fill('+33 6 98 76 54 32');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    // a new phone number is a sensitive change: the current password is asked
    await form.locator('[data-error-for="current_password"]').getByText(/current password/).waitFor();
    await form.getByLabel('Mot de passe actuel').fill('recovered by the link');
    await form.getByLabel('Fuseau horaire').selectOption('America/New_York');
    await form.getByLabel('Format d’affichage des dates').selectOption('DD.MM.YYYY');
    await form.getByLabel('Langue').selectOption('en');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').getByText('Profile saved.').waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.evaluate(() => localStorage.getItem('cabinet.tz')), 'America/New_York');
    assert.equal(psql(db.url, "SELECT company || '|' || time_zone || '|' || language || '|' || phone FROM customers WHERE email = 'zoe@example.org'"), 'Martin & fils|America/New_York|en|+33698765432');
    // a new number waits for the code sent to it by SMS
    await form.getByLabel('Phone (optional)').fill('06 12 00 00 01');
    await form.getByLabel('Current password').fill('recovered by the link');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('phone-pending').getByText('+33612000001', { exact: false }).waitFor();
    const sms = await awaitDelivered(db.url, "address = '+33612000001' AND channel = 'sms'", /\b(\d{6})\b/);
    const confirm = page.getByTestId('phone-confirm');
    await confirm.getByLabel('Code sent to +33612000001').fill(sms);
    await confirm.getByRole('button', { name: 'Use this number' }).click();
    await page.getByRole('status').getByText('Your phone number is changed.').waitFor();
    assert.equal(psql(db.url, "SELECT phone FROM customers WHERE email = 'zoe@example.org'"), '+33612000001');
    // every date of the portal follows the display format, in the account's time zone
    await page.getByRole('link', { name: 'Security' }).click();
    const firstEntry = page.getByTestId('history').locator('li').first();
    await firstEntry.waitFor();
    assert.match(await firstEntry.locator('small').innerText(), /^\d{2}\.\d{2}\.\d{4} /);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  });
});
