// Self-registration: the same answer whether the address is free or not, the confirmation link,
// single use and expiry, validation naming every field, and sign-in once confirmed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const PASSWORD = 'a passphrase for the portal';
let db, server, api;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_DEFAULT_COUNTRY: 'FR', CABINET_PUBLIC_URL: 'https://portal.example.com' } });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

const register = (body) => api.post('/api/v1/auth/register', { json: { password: PASSWORD, first_name: 'Ada', ...body } });
/** The token of the last confirmation link queued for an address (held: no SMTP here). */
const tokenFor = (email) => deliveredText(db.url, `address = '${email}' AND event = 'email_confirmation'`).match(/token=([0-9a-f]{64})/)?.[1] ?? '';

test('a registration queues a confirmation link built from the public URL; the link activates', async () => {
  const r = await register({ email: 'ada@example.org', last_name: 'Lovelace', phone: '06 12 34 56 78', language: 'fr' });
  assert.equal(r.status, 202);
  assert.equal(r.json.status, 'accepted');
  assert.equal(psql(db.url, "SELECT status || ' ' || phone || ' ' || language FROM customers WHERE email = 'ada@example.org'"), 'pending +33612345678 fr');
  assert.match(deliveredText(db.url, "address = 'ada@example.org'"), /https:\/\/portal\.example\.com\/confirm\?token=[0-9a-f]{64}/);
  assert.match(psql(db.url, "SELECT subject FROM messages WHERE address = 'ada@example.org'"), /Confirmez/);
  const before = await api.post('/api/v1/auth/login', { json: { login: 'ada@example.org', password: PASSWORD } });
  assert.equal(before.json.code, 'email_unconfirmed');
  const c = await api.post('/api/v1/auth/confirm', { json: { token: tokenFor('ada@example.org') } });
  assert.equal(c.status, 200);
  assert.equal(psql(db.url, "SELECT status FROM customers WHERE email = 'ada@example.org'"), 'active');
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE address = 'ada@example.org' AND event = 'welcome'"), '1');
  const again = await api.post('/api/v1/auth/confirm', { json: { token: tokenFor('ada@example.org') } });
  assert.equal(again.status, 400, 'a link works once');
  assert.equal(again.json.code, 'invalid_token');
  const login = await api.post('/api/v1/auth/login', { json: { login: '+33 6 12 34 56 78', password: PASSWORD } });
  assert.equal(login.status, 200);
  assert.equal(psql(db.url, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE customer_id = (SELECT id FROM customers WHERE email = 'ada@example.org')"),
    'customer.registered,auth.login_failed,customer.email_confirmed,auth.login');
});

test('a taken address gets the same answer; its owner is told, nothing else changes', async () => {
  const first = await register({ email: 'grace@example.org' });
  const second = await register({ email: 'GRACE@example.org', first_name: 'Mallory' });
  assert.equal(second.status, first.status);
  assert.deepEqual(second.json, first.json);
  assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE lower(email) = 'grace@example.org'"), '1');
  assert.equal(psql(db.url, "SELECT first_name FROM customers WHERE lower(email) = 'grace@example.org'"), 'Ada');
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE lower(address) = 'grace@example.org' AND event = 'registration_attempt'"), '1');
  // a phone already held is treated the same way
  await register({ email: 'phone.one@example.org', phone: '+33 7 00 00 00 01' });
  const dup = await register({ email: 'phone.two@example.org', phone: '07 00 00 00 01' });
  assert.equal(dup.status, 202);
  assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE email = 'phone.two@example.org'"), '0');
});

test('validation names every field at once and creates nothing', async () => {
  const r = await api.post('/api/v1/auth/register', { json: { email: 'not-an-email', password: 'password123', phone: 'call me', language: 'de', role: 'admin' } });
  assert.equal(r.status, 400);
  const fields = Object.fromEntries(r.json.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(fields, { email: 'invalid', first_name: 'required', phone: 'invalid', language: 'invalid', password: 'too_weak', role: 'unknown_field' });
  const personal = await register({ email: 'lovelace@example.org', password: 'I am lovelace, hello' });
  assert.equal(personal.json.errors[0].code, 'contains_personal_data');
  assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE email IN ('not-an-email', 'lovelace@example.org')"), '0');
});

test('a confirmation link expires after 24 hours', async () => {
  await register({ email: 'late@example.org' });
  const token = tokenFor('late@example.org');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 24 * 3600 + 60 } });
  const r = await api.post('/api/v1/auth/confirm', { json: { token } });
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  assert.equal(r.status, 400);
  assert.equal(psql(db.url, "SELECT status FROM customers WHERE email = 'late@example.org'"), 'pending');
  assert.equal((await api.post('/api/v1/auth/confirm', { json: { token: 'f'.repeat(64) } })).status, 400);
  assert.equal((await api.post('/api/v1/auth/confirm', { json: { token: "' OR 1=1 --" } })).status, 400);
});

test('registration can be closed; automatic confirmation activates at once', async () => {
  const db2 = createDatabase();
  const closed = await startServer({ databaseUrl: db2.url, env: { CABINET_REGISTRATION: 'false' } });
  try {
    const r = await client(closed.url).post('/api/v1/auth/register', { json: { email: 'x@example.org', password: PASSWORD, first_name: 'X' } });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'registration_closed');
  } finally {
    await closed.stop();
  }
  const open = await startServer({ databaseUrl: db2.url, env: { CABINET_AUTO_CONFIRM: 'true' } });
  try {
    const c = client(open.url);
    assert.equal((await c.post('/api/v1/auth/register', { json: { email: 'auto@example.org', password: PASSWORD, first_name: 'Auto' } })).status, 202);
    assert.equal(psql(db2.url, "SELECT status FROM customers WHERE email = 'auto@example.org'"), 'active');
    assert.equal(psql(db2.url, "SELECT event FROM messages WHERE address = 'auto@example.org'"), 'welcome');
    assert.equal((await c.post('/api/v1/auth/login', { json: { login: 'auto@example.org', password: PASSWORD } })).status, 200);
  } finally {
    await open.stop();
    db2.drop();
  }
});
