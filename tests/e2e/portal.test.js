// The customer's way in, in Chromium: register, open the confirmation link, sign in by phone through
// ?auth=1, see the account's sessions, sign out; in French.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
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

    const token = psql(db.url, "SELECT substring(body_text from 'token=([0-9a-f]{64})') FROM messages WHERE address = 'zoe@example.org'");
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
