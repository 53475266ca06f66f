// A customer's whole way through identity, in Chromium, in English and in French: sign up, confirm,
// sign in, turn on 2FA (codes from oathtool), sign out, sign in with a code, then with a recovery code,
// set a security question, and sign out everywhere else. Then a customer whose policy requires 2FA
// sets it up during sign-in, and a "this wasn't me" link ends every session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredMessages, deliveredText, awaitDelivered } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { launch, withPage, seriousViolations } from './browser.js';

let db, server, browser, api, offset = 0;
let journeyCodes = []; // the English journey's recovery codes, used again by the recovery test

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_TRUSTED_PROXIES: '127.0.0.1' } });
  api = client(server.url);
  browser = await launch();
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await browser?.close();
  await server?.stop();
  db?.drop();
});

const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + offset}`, secret], { encoding: 'utf8' }).trim();
async function nextStep() {
  offset += 30;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
}

const WORDS = {
  en: {
    locale: 'en-US', register: 'Create an account', first: 'First name', last: 'Last name', password: 'Password', again: 'New password again',
    create: 'Create my account', inbox: 'Check your inbox', confirmed: 'Your address is confirmed', login: 'E-mail or phone', signIn: 'Sign in',
    home: 'Your account', security: 'Security', setUp: 'Set up', qr: 'QR code of the secret key', code: 'Code from your authenticator app',
    turnOn: 'Turn on', saved: 'I have saved them', on: 'On', signOut: 'Sign out', verify: 'Verify', useRecovery: 'Use a recovery code',
    recovery: 'Recovery code', question: 'Question', answer: 'Answer', current: 'Current password', saveQuestion: 'Save the question',
    questionSaved: 'Security question saved.', everywhere: 'Sign out everywhere else', everywhereDone: 'Every other session has ended.',
  },
  fr: {
    locale: 'fr-FR', register: 'Créer un compte', first: 'Prénom', last: 'Nom', password: 'Mot de passe', again: 'Nouveau mot de passe (bis)',
    create: 'Créer mon compte', inbox: 'Consultez votre messagerie', confirmed: 'Votre adresse est confirmée', login: 'E-mail ou téléphone', signIn: 'Se connecter',
    home: 'Votre compte', security: 'Sécurité', setUp: 'Configurer', qr: 'Code QR de la clé secrète', code: 'Code de votre application d’authentification',
    turnOn: 'Activer', saved: 'Je les ai enregistrés', on: 'Activée', signOut: 'Se déconnecter', verify: 'Vérifier', useRecovery: 'Utiliser un code de récupération',
    recovery: 'Code de récupération', question: 'Question', answer: 'Réponse', current: 'Mot de passe actuel', saveQuestion: 'Enregistrer la question',
    questionSaved: 'Question de sécurité enregistrée.', everywhere: 'Se déconnecter partout ailleurs', everywhereDone: 'Toutes les autres sessions sont fermées.',
  },
};

for (const [lang, w] of Object.entries(WORDS)) {
  test(`the whole journey in ${lang}: sign-up to sign-out everywhere`, async (t) => {
    const email = `journey-${lang}@example.org`;
    const password = `the ${lang} journey passphrase`;
    await withPage(browser, t, { locale: w.locale }, async (page) => {
      const signIn = async () => {
        await page.goto(`${server.url}/?auth=1`);
        await page.getByLabel(w.login).fill(email);
        await page.getByLabel(w.password, { exact: true }).fill(password);
        await page.getByRole('button', { name: w.signIn }).click();
      };
      const signOut = async () => {
        await page.getByRole('button', { name: w.signOut, exact: true }).click();
        await page.getByRole('link', { name: w.register }).waitFor();
      };

      await page.goto(`${server.url}/register`);
      await page.getByLabel(w.first).fill('Jo');
      await page.getByLabel(w.last, { exact: true }).fill('Journey');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel(w.password, { exact: true }).fill(password);
      await page.getByLabel(w.again).fill(password);
      await page.getByRole('button', { name: w.create }).click();
      await page.getByRole('heading', { level: 1, name: w.inbox }).waitFor();
      const token = deliveredText(db.url, `address = '${email}' AND event = 'email_confirmation'`).match(/token=([0-9a-f]{64})/)[1];
      await page.goto(`${server.url}/confirm?token=${token}`);
      await page.getByRole('status').getByText(w.confirmed, { exact: false }).waitFor();

      await signIn();
      await page.getByRole('heading', { level: 1, name: w.home }).waitFor();
      await page.getByRole('link', { name: w.security }).click();
      const box = page.getByTestId('two-factor');
      await box.getByRole('button', { name: w.setUp }).click();
      await box.getByRole('img', { name: w.qr }).waitFor();
      const secret = await page.getByTestId('totp-secret').textContent();
      await box.getByLabel(w.code).fill(totp(secret));
      await box.getByRole('button', { name: w.turnOn }).click();
      const codes = await page.getByTestId('recovery-codes').locator('code');
      await codes.nth(9).waitFor();
      const recoveryCodes = await codes.allTextContents();
      if (lang === 'en') journeyCodes = recoveryCodes;
      await box.getByRole('button', { name: w.saved }).click();
      await box.getByText(w.on, { exact: true }).waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await signOut();

      await nextStep();
      await signIn();
      await page.getByLabel(w.code).fill(totp(secret));
      await page.getByRole('button', { name: w.verify }).click();
      await page.getByRole('heading', { level: 1, name: w.home }).waitFor();
      await signOut();

      await signIn();
      await page.getByRole('button', { name: w.useRecovery }).click();
      await page.getByLabel(w.recovery).fill(recoveryCodes[0].toUpperCase()); // typed in any case
      await page.getByRole('button', { name: w.verify }).click();
      await page.getByRole('heading', { level: 1, name: w.home }).waitFor();

      await page.getByRole('link', { name: w.security }).click();
      const q = page.getByTestId('security-question');
      await q.getByLabel(w.question).fill('Favourite hill?');
      await q.getByLabel(w.answer).fill('Mont Ventoux');
      await q.getByLabel(w.current).fill(password);
      await q.getByRole('button', { name: w.saveQuestion }).click();
      await page.getByRole('status').getByText(w.questionSaved).waitFor();
      await page.getByTestId('question-state').getByText('Favourite hill?', { exact: false }).waitFor();

      // another device signs in (through the API, with the second recovery code)
      const other = await api.post('/api/v1/auth/login', { json: { login: email, password } });
      const elsewhere = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: other.json.mfa_token, recovery_code: recoveryCodes[1] } });
      assert.equal(elsewhere.status, 200);
      await page.reload();
      await page.getByTestId('sessions').locator('li').nth(1).waitFor();
      await page.getByRole('button', { name: w.everywhere }).click();
      await page.getByRole('dialog').getByRole('button', { name: w.everywhere }).click();
      await page.getByRole('status').getByText(w.everywhereDone).waitFor();
      assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${elsewhere.json.access_token}` } })).status, 401);
      await page.getByTestId('sessions').locator('li').nth(1).waitFor({ state: 'detached' }); // the list reloads
      assert.equal(await page.getByTestId('sessions').locator('li').count(), 1);
      assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
    });
  });
}

test('a customer whose policy requires 2FA sets it up while signing in', async (t) => {
  psql(db.url, `INSERT INTO customers (email, first_name, status, email_confirmed_at, password_hash, two_factor_policy)
    SELECT 'must@example.org', 'Max', 'active', now(), password_hash, 'required' FROM customers WHERE email = 'journey-en@example.org'`);
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/?auth=1`);
    await page.getByLabel('E-mail or phone').fill('must@example.org');
    await page.getByLabel('Password', { exact: true }).fill('the en journey passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const card = page.getByTestId('enrol-at-login');
    await card.getByRole('img', { name: 'QR code of the secret key' }).waitFor();
    const secret = await card.getByTestId('totp-secret').textContent();
    await nextStep();
    await card.getByLabel('Code from your authenticator app').fill(totp(secret));
    await card.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').locator('code').nth(9).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole('button', { name: 'I have saved them: continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
    assert.equal(psql(db.url, "SELECT confirmed_at IS NOT NULL FROM totp_credentials t JOIN customers c ON c.id = t.account_id WHERE c.email = 'must@example.org'"), 't');
    assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
  });
});

test('"this wasn\'t me": the link of a new-device notice ends every session', async (t) => {
  const email = 'owner-of-notice@example.org';
  psql(db.url, `INSERT INTO customers (email, first_name, status, email_confirmed_at, password_hash, language)
    SELECT '${email}', 'Noé', 'active', now(), password_hash, 'fr' FROM customers WHERE email = 'journey-fr@example.org'`);
  const signIn = (headers) => api.post('/api/v1/auth/login', { json: { login: email, password: 'the fr journey passphrase' }, headers });
  const mine = await signIn({ 'user-agent': 'Mozilla/5.0 (Macintosh; Mac OS X 14_5) Safari/605.1.15' });
  // a sign-in from an unknown device on an unknown network (through the trusted proxy 127.0.0.1)
  await signIn({ 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Firefox/120.0', 'x-forwarded-for': '203.0.113.9' });
  const notice = deliveredMessages(db.url, `address = '${email}' AND event = 'new_device_login'`).map((m) => `${m.subject} ${m.body_text}`).join('\n');
  assert.match(notice, /Nouvelle connexion.*Firefox on Windows, 203\.0\.113\.9/s);
  const token = notice.match(/not-me\?token=([0-9a-f]{64})/)[1];
  await withPage(browser, t, { locale: 'fr-FR' }, async (page) => {
    const button = () => page.getByRole('button', { name: 'Déconnecter partout et réinitialiser mon mot de passe' });
    await page.goto(`${server.url}/not-me?token=${'0'.repeat(64)}`);
    await button().click();
    await page.getByRole('alert').getByText('Ce lien n’est plus valable', { exact: false }).waitFor();
    await page.goto(`${server.url}/not-me?token=${token}`);
    await button().waitFor();
    assert.doesNotMatch(page.url(), /token=/, 'the token is out of the address bar at once');
    // opening the link (a preview would) does nothing: only the button acts
    assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${mine.json.access_token}` } })).status, 200);
    await button().click();
    await page.getByRole('status').getByText('Toutes les sessions de votre compte sont fermées', { exact: false }).waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('400')), []);
  });
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${mine.json.access_token}` } })).status, 401);
  assert.match(psql(db.url, `SELECT string_agg(event, ',') FROM messages WHERE address = '${email}'`), /password_reset_link/);
});

test('forgot password with a security question, then a change of e-mail address confirmed by its link', async (t) => {
  const email = 'journey-en@example.org'; // set "Favourite hill?" in the English journey
  await withPage(browser, t, {}, async (page) => {
    await page.goto(`${server.url}/forgot`);
    await page.getByLabel('E-mail or phone').fill(email);
    await page.getByRole('button', { name: 'Send me a code' }).click();
    await page.getByRole('status').getByText(/a code is on its way/).waitFor();
    const code = await awaitDelivered(db.url, `address = '${email}' AND event = 'recovery_code'`, /([0-9]{6})/);
    await page.getByLabel('Code').fill(code);
    await page.getByLabel('New password', { exact: true }).fill('after the hill question');
    await page.getByLabel('New password again').fill('after the hill question');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByTestId('security-question').getByText('Favourite hill?', { exact: false }).waitFor();
    await page.getByLabel('Your answer').fill('mont ventoux ');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByRole('status').getByText(/Your password is changed/).waitFor();

    // signed in again (with a recovery code: 2FA stays on after a recovery)
    await page.goto(`${server.url}/?auth=1`);
    await page.getByLabel('E-mail or phone').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('after the hill question');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    assert.ok(journeyCodes.length > 2, 'the codes of the English journey');
    await page.getByLabel('Recovery code').fill(journeyCodes[2]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

    await page.getByRole('link', { name: 'Profile' }).click();
    const form = page.getByTestId('email-change');
    await form.getByText(email).waitFor();
    await form.getByLabel('New address').fill('moved@example.net');
    await form.getByLabel('Current password').fill('after the hill question');
    await form.getByRole('button', { name: 'Change the address' }).click();
    await page.getByRole('status').getByText('A confirmation link was sent to moved@example.net.').waitFor();
    assert.deepEqual(await seriousViolations(page), []);
    assert.match(psql(db.url, `SELECT body_text FROM messages WHERE address = '${email}' AND event = 'email_change_notice'`), /moved@example\.net/);
    const token = deliveredText(db.url, "address = 'moved@example.net'").match(/token=([0-9a-f]{64})/)[1];
    await page.goto(`${server.url}/confirm?token=${token}`);
    await page.getByRole('status').getByText('Your e-mail address is changed and every session has ended', { exact: false }).waitFor();
    assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE email = 'moved@example.net'"), '1');
    assert.deepEqual(page.problems.filter((p) => !p.includes('400') && !p.includes('401')), []);
  });
});
