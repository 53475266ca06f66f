// 2FA in the admin panel, in Chromium: set up with the QR code's key (codes from oathtool), recovery
// codes shown once, sign-in with a code, then with a recovery code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
let db, server, browser, offset = 0;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  browser = await launch();
});
after(async () => {
  await client(server.url).post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await browser?.close();
  await server?.stop();
  db?.drop();
});

const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + offset}`, secret], { encoding: 'utf8' }).trim();
async function nextStep() {
  offset += 30;
  await client(server.url).post('/api/v1/test/clock', { json: { offset_seconds: offset } });
}
async function signIn(page) {
  await page.goto(`${server.url}/admin/`);
  await page.getByLabel('E-mail').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('set up 2FA, then sign in with a code and with a recovery code', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page);
    await page.getByRole('link', { name: 'Security' }).click();
    const box = page.getByTestId('two-factor');
    await box.getByRole('button', { name: 'Set up' }).click();
    await box.getByRole('img', { name: 'QR code of the secret key' }).waitFor();
    const size = await box.locator('canvas.qr').evaluate((c) => c.width);
    assert.ok(size > 20, 'the QR code is drawn');
    const secret = await page.getByTestId('totp-secret').textContent();
    await box.getByLabel('Code from your authenticator app').fill(totp(secret));
    await box.getByRole('button', { name: 'Turn on' }).click();
    await page.getByTestId('recovery-codes').locator('code').nth(9).waitFor();
    const codes = await page.getByTestId('recovery-codes').locator('code').allTextContents();
    assert.equal(codes.length, 10);
    assert.deepEqual(await seriousViolations(page), []);
    await box.getByRole('button', { name: 'I have saved them' }).click();
    await box.getByText('On', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await nextStep();
    await signIn(page);
    await page.getByRole('heading', { level: 1, name: 'Two-step verification' }).waitFor();
    await page.getByLabel('Code from your authenticator app').fill(totp(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signIn(page);
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill('wrong-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText(/not right/).waitFor();
    await page.getByLabel('Recovery code').fill(codes[3]);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
  });
});
