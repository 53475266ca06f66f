// Admin screens of the outbox in Chromium: the messages list, a message, retry; the templates editor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { launch, withPage, seriousViolations } from './browser.js';

const ADMIN = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
let db, server, browser;

before(async () => {
  db = createDatabase();
  // no SMTP and no webhook: every message is held, as on a fresh install
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: ADMIN, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  const api = client(server.url);
  const enqueue = (body) => api.post('/api/v1/test/messages', { json: { language: 'en', channel: 'email', ...body } });
  await enqueue({ event: 'welcome', address: 'ada@example.org', vars: { first_name: 'Ada' } });
  await enqueue({ event: 'staff_message', address: 'bob@example.org', vars: { subject: 'Hello Bob', message: 'See you <soon>' } });
  await enqueue({ event: 'recovery_code', channel: 'sms', address: '+33612345678', vars: { code: '424242' } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  db?.drop();
});

async function signIn(page, path) {
  await page.goto(server.url + path);
  await page.getByLabel('E-mail').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the messages page lists, filters and opens a message, which can be sent again', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/messages');
    await page.getByRole('heading', { level: 1, name: 'Messages' }).waitFor();
    await page.getByTestId('messages-total').getByText('3 message(s)').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 3);
    assert.equal(await page.locator('tbody .badge', { hasText: 'Held' }).count(), 3);
    await page.getByLabel('Channel').selectOption('sms');
    await page.getByTestId('messages-total').getByText('1 message(s)').waitFor();
    assert.match(await page.locator('tbody tr').first().textContent(), /\+33612345678/);
    await page.getByLabel('Channel').selectOption('');
    await page.getByTestId('messages-total').getByText('3 message(s)').waitFor();

    await page.getByRole('row', { name: /bob@example\.org/ }).getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Hello Bob' }).waitFor();
    assert.match(await page.locator('.message-text').textContent(), /See you <soon>/);
    const frame = page.frameLocator('iframe.message-html');
    await frame.getByText('See you <soon>').waitFor(); // escaped in the HTML body, shown as text
    await page.getByRole('button', { name: 'Send again' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Send again' }).click();
    await page.getByRole('status').getByText('The message is queued again.').waitFor();
    await page.getByTestId('message-detail').getByText('Queued').waitFor();
    await page.getByRole('link', { name: /All messages/ }).click();
    await page.locator('tbody .badge', { hasText: 'Queued' }).waitFor();

    // the SMS carries a code: the admin sees it masked, with a word on why
    await page.getByRole('row', { name: /\+33612345678/ }).getByRole('link').click();
    await page.getByTestId('secret-note').waitFor();
    const text = await page.locator('.message-text').textContent();
    assert.match(text, /\[hidden\]/);
    assert.doesNotMatch(await page.content(), /424242/, 'the code is nowhere on the page');
    await page.getByRole('link', { name: /All messages/ }).click();
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('401')), []);
  });
});

test('the templates editor previews live, refuses unknown placeholders and saves', async (t) => {
  await withPage(browser, t, {}, async (page) => {
    await signIn(page, '/admin/templates');
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    await page.getByTestId('template-event').selectOption('recovery_code');
    await page.getByTestId('template-language').selectOption('fr');
    await page.waitForFunction(() => document.querySelector('input[name="subject"]')?.value === 'Votre code de vérification');
    await page.getByTestId('preview-text').getByText(/428 913/).waitFor();

    await page.getByLabel('Text body').fill('Code : {{code}} — mot de passe {{password}}');
    await page.locator('[data-error-for="body_text"]').getByText(/Unknown placeholder \{\{password\}\}/).waitFor();
    assert.equal(await page.getByLabel('Text body').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Text body').fill('Code : {{code}} pour {{first_name}}');
    await page.getByTestId('preview-text').getByText('Code : 428 913 pour Ada').waitFor();
    assert.equal(await page.getByLabel('Text body').getAttribute('aria-invalid'), null);
    await page.getByLabel('HTML body').fill('<p><strong>{{code}}</strong> pour {{first_name}}</p>');
    await page.frameLocator('[data-testid="preview"] iframe').locator('strong', { hasText: '428 913' }).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Template saved.').waitFor();

    await page.reload();
    await page.getByTestId('template-event').selectOption('recovery_code');
    await page.getByTestId('template-language').selectOption('fr');
    await page.getByTestId('preview-text').getByText('Code : 428 913 pour Ada').waitFor();
    await page.waitForFunction(() => document.querySelector('textarea[name="body_text"]')?.value.startsWith('Code :'));
    assert.equal(await page.getByLabel('Text body').inputValue(), 'Code : {{code}} pour {{first_name}}');
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(page.problems.filter((p) => !p.includes('401') && !p.includes('400')), []);
  });
});
