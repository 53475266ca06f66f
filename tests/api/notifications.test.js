// The outbox end to end: real SMTP delivery, the signed SMS webhook, back-off and retry, held
// messages, two instances delivering 200 messages once each, rollback, templates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, freePort } from '../lib/server.js';
import { client } from '../lib/client.js';
import { startSmtpSink, startWebhook, eventually } from '../lib/peers.js';

const OWNER = { login: 'owner@example.com', password: 'a long and hard to guess passphrase', realm: 'staff' };
const SMS_SECRET = 'sms-webhook-secret-0123456789-0123456789';
const FAST = { CABINET_NOTIFY_POLL_MS: '50', CABINET_NOTIFY_BACKOFF_S: '1', CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER.login, CABINET_BOOTSTRAP_ADMIN_PASSWORD: OWNER.password };

let db, smtp, hook, server, api, auth;

/** Signs in as the owner; returns request options carrying the bearer token. */
async function signIn(c) {
  const r = await c.post('/api/v1/auth/login', { json: OWNER });
  assert.equal(r.status, 200);
  return { headers: { authorization: `Bearer ${r.json.access_token}` } };
}

/** The messages table as pg_dump writes it (what a stolen backup holds). */
const pg_dump = (url) => execFileSync('pg_dump', ['--data-only', '--table=messages', url], { encoding: 'utf8' });
const enqueue = (c, body) => c.post('/api/v1/test/messages', { json: { language: 'en', channel: 'email', ...body } });
const message = async (c, id, a) => (await c.get(`/api/v1/messages/${id}`, a)).json;

before(async () => {
  db = createDatabase();
  smtp = await startSmtpSink(await freePort());
  hook = await startWebhook();
  server = await startServer({
    databaseUrl: db.url,
    env: {
      ...FAST,
      CABINET_SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      CABINET_SMTP_FROM: 'Cabinet Café <noreply@cabinet.example>',
      CABINET_SMS_WEBHOOK_URL: hook.url,
      CABINET_SMS_WEBHOOK_SECRET: SMS_SECRET,
    },
  });
  api = client(server.url);
  auth = await signIn(api);
});
after(async () => {
  await server?.stop();
  await smtp?.stop();
  await hook?.stop();
  db?.drop();
});

test('an e-mail reaches a real SMTP server with exact headers, UTF-8 subject and both parts', async () => {
  const subject = 'Réunion déplacée à 14 h 🎉 — café offert';
  const r = await enqueue(api, {
    event: 'staff_message', language: 'fr', address: 'zoe@example.org',
    vars: { first_name: 'Zoé', subject, message: 'Rendez-vous <b>demain</b> & "merci"' },
  });
  assert.equal(r.status, 201);
  const mail = await eventually(() => smtp.messages().find((m) => m.rcpt_tos.includes('zoe@example.org')), { what: 'the e-mail' });
  assert.equal(mail.subject, subject, 'the subject decodes exactly');
  assert.match(mail.raw_subject, /^=\?UTF-8\?B\?/, 'encoded per RFC 2047');
  assert.equal(mail.from, 'Cabinet Café <noreply@cabinet.example>');
  assert.equal(mail.mail_from, 'noreply@cabinet.example');
  assert.equal(mail.to, 'zoe@example.org');
  assert.equal(mail.mime_version, '1.0');
  assert.match(mail.message_id, /^<[0-9a-f]{32}@cabinet\.example>$/);
  assert.ok(!Number.isNaN(Date.parse(mail.date)));
  assert.equal(mail.content_type, 'multipart/alternative');
  const text = mail.parts.find((p) => p.content_type === 'text/plain');
  const html = mail.parts.find((p) => p.content_type === 'text/html');
  assert.equal(text.charset, 'utf-8');
  assert.match(text.text, /Bonjour Zoé,/);
  assert.match(text.text, /Rendez-vous <b>demain<\/b> & "merci"/, 'text is not escaped');
  assert.match(html.text, /Rendez-vous &lt;b&gt;demain&lt;\/b&gt; &amp; &quot;merci&quot;/, 'values are escaped in HTML');
  assert.match(html.text, /<p>Bonjour Zoé,<\/p>/, 'the template markup is kept');
  const m = await eventually(async () => { const x = await message(api, r.json.id, auth); return x.status === 'sent' && x; });
  assert.equal(m.attempts, 1);
  assert.ok(m.sent_at);
});

test('a secret-bearing message shows its secret masked, delivers it, and loses its seal once sent', async () => {
  const r = await enqueue(api, { event: 'recovery_code', address: 'ada@example.org', vars: { code: '428913', expires_minutes: 10 } });
  const stored = psql(db.url, `SELECT body_text || body_html || subject || encode(sealed, 'escape') FROM messages WHERE id = '${r.json.id}'`);
  assert.doesNotMatch(stored, /428913/, 'no plaintext secret in the row, sealed column included');
  const mail = await eventually(() => smtp.messages().find((x) => x.rcpt_tos.includes('ada@example.org')));
  assert.match(mail.parts[0].text, /428913/, 'the worker delivers the opened secret');
  const m = await eventually(async () => { const x = await message(api, r.json.id, auth); return x.status === 'sent' && x; });
  assert.equal(m.sensitive, true);
  assert.doesNotMatch(m.body_text + m.body_html, /428913/);
  assert.match(m.body_text, /\[hidden\]/, 'staff see what was sent with the secret masked');
  assert.equal(psql(db.url, `SELECT sealed IS NULL FROM messages WHERE id = '${r.json.id}'`), 't', 'the seal is wiped once sent');
});

test('an SMS goes to the webhook with a verifiable HMAC-SHA256 signature', async () => {
  const r = await enqueue(api, { event: 'recovery_code', channel: 'sms', address: '+33612345678', language: 'fr', vars: { code: '123456', expires_minutes: 10 } });
  assert.equal(r.status, 201);
  const req = await eventually(() => hook.requests.find((x) => x.body.includes(r.json.id)), { what: 'the webhook call' });
  assert.equal(req.method, 'POST');
  assert.match(req.headers['content-type'], /^application\/json/);
  const expected = `sha256=${createHmac('sha256', SMS_SECRET).update(req.body).digest('hex')}`;
  assert.equal(req.headers['x-cabinet-signature'], expected);
  const body = JSON.parse(req.body);
  assert.equal(body.to, '+33612345678');
  assert.match(body.text, /123456/);
  assert.match(body.text, /Votre code de vérification/);
  assert.match(body.sent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const m = await eventually(async () => { const x = await message(api, r.json.id, auth); return x.status === 'sent' && x; });
  assert.equal(m.body_html, null);
});

test('a rolled-back transaction leaves no message; bad input is refused', async () => {
  const before = (await api.get('/api/v1/messages', auth)).json.total;
  const r = await enqueue(api, { event: 'welcome', address: 'ghost@example.org', rollback: true });
  assert.equal(r.status, 200);
  assert.equal(r.json.committed, false);
  assert.equal((await api.get(`/api/v1/messages/${r.json.id}`, auth)).status, 404);
  assert.equal(psql(db.url, `SELECT count(*) FROM messages WHERE id = '${r.json.id}'`), '0');
  assert.equal((await api.get('/api/v1/messages', auth)).json.total, before);
  assert.equal((await enqueue(api, { event: 'no_such_event', address: 'x@example.org' })).status, 400);
  assert.equal((await enqueue(api, { event: 'welcome', channel: 'fax', address: 'x@example.org' })).status, 400);
});

test('the list filters, pages and refuses bad parameters', async () => {
  for (let i = 0; i < 5; i++) await enqueue(api, { event: 'welcome', address: `page${i}@example.org` });
  await eventually(async () => (await api.get('/api/v1/messages?status=queued', auth)).json.total === 0);
  const sms = await api.get('/api/v1/messages?channel=sms', auth);
  assert.ok(sms.json.items.length >= 1 && sms.json.items.every((m) => m.channel === 'sms'));
  const seen = new Set();
  let cursor = null;
  let pages = 0;
  do {
    const r = await api.get(`/api/v1/messages?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, auth);
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 2);
    for (const m of r.json.items) { assert.ok(!seen.has(m.id), 'no duplicates across pages'); seen.add(m.id); }
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor && pages < 50);
  assert.equal(seen.size, (await api.get('/api/v1/messages', auth)).json.total);
  for (const q of ['status=lost', 'channel=fax', 'limit=0', 'limit=201', 'cursor=abc', 'from=yesterday', 'customer_id=1']) {
    const r = await api.get(`/api/v1/messages?${q}`, auth);
    assert.equal(r.status, 400, q);
  }
  const since = await api.get(`/api/v1/messages?from=${encodeURIComponent(new Date(Date.now() + 3600e3).toISOString().slice(0, 19) + 'Z')}`, auth);
  assert.equal(since.json.total, 0);
});

test('staff only: no token is 401, the read-only role cannot change templates', async () => {
  assert.equal((await api.get('/api/v1/messages')).status, 401);
  psql(db.url, "INSERT INTO staff (email, password_hash, role) SELECT 'viewer@example.com', password_hash, 'read_only' FROM staff WHERE role = 'owner'");
  const v = await api.post('/api/v1/auth/login', { json: { ...OWNER, login: 'viewer@example.com' } });
  const viewer = { headers: { authorization: `Bearer ${v.json.access_token}` } };
  assert.equal((await api.get('/api/v1/messages', viewer)).status, 200);
  assert.equal((await api.get('/api/v1/templates/welcome/en', viewer)).status, 200);
  const put = await api.request('PUT', '/api/v1/templates/welcome/en', { ...viewer, json: { subject: 'x', body_text: 'x', body_html: 'x' } });
  assert.equal(put.status, 403);
  assert.equal((await api.post('/api/v1/messages/00000000-0000-0000-0000-000000000000/retry', viewer)).status, 403);
});

test('templates: unknown placeholders are refused, previews do not save, saves are audited', async () => {
  const list = await api.get('/api/v1/templates', auth);
  assert.equal(list.json.items.length, 36, '18 events in English and French');
  const t = await api.get('/api/v1/templates/recovery_code/fr', auth);
  assert.equal(t.status, 200);
  assert.ok(t.json.placeholders.includes('code'));
  assert.match(t.json.preview.body_text, /428 913/);

  const bad = await api.request('PUT', '/api/v1/templates/recovery_code/en', {
    ...auth, json: { subject: 'Code {{code}}', body_text: 'Hi {{first_name}}, {{password}}', body_html: '<p>{{ code </p>' },
  });
  assert.equal(bad.status, 400);
  const errors = Object.fromEntries(bad.json.errors.map((e) => [e.field, e]));
  assert.equal(errors.body_text.code, 'invalid_placeholder');
  assert.match(errors.body_text.message, /\{\{password\}\}/);
  assert.equal(errors.body_html.code, 'invalid_placeholder');
  assert.ok(!errors.subject);

  const texts = { subject: 'Code: {{code}}', body_text: 'Code {{ code }} for {{first_name}}', body_html: '<p>{{code}} — {{first_name}}</p>' };
  const preview = await api.request('PUT', '/api/v1/templates/recovery_code/en?preview=1', { ...auth, json: texts });
  assert.equal(preview.status, 200);
  assert.equal(preview.json.preview.body_text, 'Code 428 913 for Ada');
  assert.equal((await api.get('/api/v1/templates/recovery_code/en', auth)).json.subject, 'Your verification code', 'preview saved nothing');

  const saved = await api.request('PUT', '/api/v1/templates/recovery_code/en', { ...auth, json: texts });
  assert.equal(saved.status, 200);
  assert.equal(saved.json.subject, texts.subject);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'template.update'"), '1');
  const sent = await enqueue(api, { event: 'recovery_code', address: 'newtpl@example.org', vars: { code: '555', first_name: '<Bob>' } });
  assert.equal(sent.status, 201);
  const mail = await eventually(() => smtp.messages().find((m) => m.rcpt_tos.includes('newtpl@example.org')));
  assert.equal(mail.subject, 'Code: 555');
  assert.equal(mail.parts.find((p) => p.content_type === 'text/html').text.trim(), '<p>555 — &lt;Bob&gt;</p>');

  assert.equal((await api.get('/api/v1/templates/nope/en', auth)).status, 404);
  assert.equal((await api.get('/api/v1/templates/welcome/de', auth)).status, 404);
  const unknownField = await api.request('PUT', '/api/v1/templates/welcome/en', { ...auth, json: { ...texts, event: 'x' } });
  assert.equal(unknownField.status, 400);
});

test('with the SMTP server down, attempts back off, end failed with the error, and a retry delivers', async () => {
  const port = await freePort(); // nothing listens here yet
  const db2 = createDatabase();
  const s = await startServer({ databaseUrl: db2.url, env: { ...FAST, CABINET_SMTP_URL: `smtp://127.0.0.1:${port}`, CABINET_NOTIFY_MAX_ATTEMPTS: '3' } });
  const c = client(s.url);
  let sink;
  try {
    const a = await signIn(c);
    const r = await enqueue(c, { event: 'welcome', address: 'later@example.org' });
    const secret = await enqueue(c, { event: 'password_reset_link', address: 'later@example.org', vars: { link: 'https://portal.example.com/reset?token=71c0de5ec12e7', expires_minutes: 30 } });
    const started = Date.now();
    // a dump of the table while SMTP is down holds no live secret
    const dump = pg_dump(db2.url);
    assert.match(dump, /later@example\.org/, 'the dump has the messages');
    assert.doesNotMatch(dump, /71c0de5ec12e7/, 'but not the link they carry');
    const failed = await eventually(async () => { const m = await message(c, r.json.id, a); return m.status === 'failed' && m; }, { what: 'failed status' });
    assert.equal(failed.attempts, 3);
    assert.match(failed.last_error, /SMTP: .*(connect|Couldn't)/i);
    // 1 s then 2 s between attempts, on a clock of whole seconds
    assert.ok(Date.now() - started >= 1500, `waited between attempts (${Date.now() - started} ms)`);
    const retryTooEarly = await c.post(`/api/v1/messages/${r.json.id}/retry`, a);
    assert.equal(retryTooEarly.status, 200);
    assert.equal(retryTooEarly.json.status, 'queued');
    await eventually(async () => (await message(c, r.json.id, a)).status === 'failed', { what: 'failed again' });
    // the secret-bearing one failed for good too: its seal is wiped, so it cannot be sent again
    await eventually(async () => (await message(c, secret.json.id, a)).status === 'failed', { what: 'the secret one failed' });
    assert.equal(psql(db2.url, `SELECT sealed IS NULL FROM messages WHERE id = '${secret.json.id}'`), 't');
    const gone = await c.post(`/api/v1/messages/${secret.json.id}/retry`, a);
    assert.equal(gone.status, 409);
    assert.equal(gone.json.code, 'secret_wiped');

    sink = await startSmtpSink(port);
    const retried = await c.post(`/api/v1/messages/${r.json.id}/retry`, a);
    assert.equal(retried.status, 200);
    const sent = await eventually(async () => { const m = await message(c, r.json.id, a); return m.status === 'sent' && m; });
    assert.equal(sent.attempts, 1);
    assert.equal(sink.messages().length, 1);
    const again = await c.post(`/api/v1/messages/${r.json.id}/retry`, a);
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'not_retryable');
    assert.equal(psql(db2.url, "SELECT count(*) FROM audit_log WHERE action = 'message.retry'"), '2');
  } finally {
    await s.stop();
    await sink?.stop();
    db2.drop();
  }
});

test('without delivery configured messages are held, and sent once an instance has it', async () => {
  const db3 = createDatabase();
  const sink = await startSmtpSink(await freePort());
  const bare = await startServer({ databaseUrl: db3.url, env: { ...FAST } });
  let full;
  try {
    const c = client(bare.url);
    const a = await signIn(c);
    const r = await enqueue(c, { event: 'welcome', address: 'held@example.org' });
    const code = await enqueue(c, { event: 'recovery_code', address: 'held@example.org', vars: { code: '604517', expires_minutes: 10 } });
    assert.equal((await message(c, r.json.id, a)).status, 'held');
    const held = await message(c, code.json.id, a);
    assert.equal(held.status, 'held');
    assert.doesNotMatch(JSON.stringify(held), /604517/, 'a held message shows its code masked');
    assert.doesNotMatch(pg_dump(db3.url), /604517/, 'and keeps it sealed');
    assert.match(bare.output(), /CABINET_SMTP_URL is not set/);
    full = await startServer({ databaseUrl: db3.url, env: { ...FAST, CABINET_SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
    await eventually(() => sink.messages().filter((m) => m.rcpt_tos.includes('held@example.org')).length === 2, { what: 'held mail sent' });
    assert.ok(sink.messages().some((m) => /604517/.test(m.parts[0].text)), 'the held code is delivered once SMTP is there');
    assert.equal((await message(c, r.json.id, a)).status, 'sent');
  } finally {
    await full?.stop();
    await bare.stop();
    await sink.stop();
    db3.drop();
  }
});

test('two instances with workers deliver each of 200 queued messages exactly once', async () => {
  const db4 = createDatabase();
  const sink = await startSmtpSink(await freePort());
  // enqueue everything first with delivery on no instance, then start two delivering instances at once
  const enqueuer = await startServer({ databaseUrl: db4.url, env: { ...FAST, CABINET_NOTIFY_WORKERS: '0', CABINET_SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
  const c = client(enqueuer.url);
  let a, b;
  try {
    for (let i = 0; i < 200; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) =>
        enqueue(c, { event: 'staff_message', address: `n${i + k}@example.org`, vars: { subject: `#${i + k}`, message: 'x' } })));
    }
    assert.equal(psql(db4.url, "SELECT count(*) FROM messages WHERE status = 'queued'"), '200');
    const env = { ...FAST, CABINET_NOTIFY_WORKERS: '3', CABINET_SMTP_URL: `smtp://127.0.0.1:${sink.port}` };
    [a, b] = await Promise.all([startServer({ databaseUrl: db4.url, env }), startServer({ databaseUrl: db4.url, env })]);
    await eventually(() => psql(db4.url, "SELECT count(*) FROM messages WHERE status = 'sent'") === '200', { timeout: 60000, what: '200 sent' });
    const got = sink.messages();
    assert.equal(got.length, 200, 'the server received 200 messages');
    assert.equal(new Set(got.map((m) => m.subject)).size, 200, 'each one exactly once');
    assert.equal(psql(db4.url, 'SELECT max(attempts) FROM messages'), '1');
    // stopped, their logs are complete: together they report each delivery once
    const outputs = await Promise.all([a, b].map(async (s) => (await s.stop()).output));
    a = b = null;
    const sentBy = outputs.map((o) => (o.match(/message [0-9a-f-]+ sent/g) || []).length);
    assert.equal(sentBy[0] + sentBy[1], 200);
  } finally {
    await a?.stop();
    await b?.stop();
    await enqueuer.stop();
    await sink.stop();
    db4.drop();
  }
});
