// Customers sign in to the portal realm by e-mail or phone; a refusal says why only after the right
// password; suspending a customer stops its tokens on the next request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const PASSWORD = 'customer passphrase 2026';
let db, server, api;

/** Inserts a customer with the owner's password hash (so the same password), or none. */
function customer(email, fields = {}) {
  const f = { status: 'active', ...fields };
  const hash = 'password_hash' in f ? 'NULL' : 'password_hash';
  delete f.password_hash;
  const cols = Object.keys(f);
  const vals = cols.map((c) => `'${f[c]}'`);
  return psql(db.url, `INSERT INTO customers (email, first_name, last_name, password_hash, ${cols.join(', ')})
    SELECT '${email}', 'Ada', 'Lovelace', ${hash}, ${vals.join(', ')} FROM staff WHERE role = 'owner' RETURNING id`);
}

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_DEFAULT_COUNTRY: 'FR' } });
  api = client(server.url);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const login = (loginName, password = PASSWORD) => api.post('/api/v1/auth/login', { json: { login: loginName, password } });

test('a customer signs in by e-mail or by phone in any common spelling', async () => {
  const id = customer('ada@example.org', { phone: '+33612345678', email_confirmed_at: '2026-01-01T00:00:00Z' });
  for (const name of ['ada@example.org', 'ADA@Example.org', '+33 6 12 34 56 78', '06 12 34 56 78', '0033612345678']) {
    const r = await login(name);
    assert.equal(r.status, 200, name);
    assert.equal(r.json.principal.kind, 'customer');
    assert.equal(r.json.principal.id, id);
    assert.equal(r.json.principal.display_name, 'Ada Lovelace');
  }
  const r = await login('ada@example.org');
  const me = await api.get('/api/v1/me', { headers: { authorization: `Bearer ${r.json.access_token}` } });
  assert.equal(me.json.kind, 'customer');
  // the portal realm is not the staff realm, and the other way round
  assert.equal((await api.post('/api/v1/auth/login', { json: { login: 'ada@example.org', password: PASSWORD, realm: 'staff' } })).status, 401);
  assert.equal((await login('admin@example.com')).status, 401);
  assert.match(psql(db.url, `SELECT last_login_ip FROM customers WHERE id = '${id}'`), /127\.0\.0\.1/);
  assert.equal(psql(db.url, `SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND customer_id = '${id}'`), '6');
});

test('refusals say why only after the right password', async () => {
  const cases = [
    ['pending@example.org', { status: 'pending' }, 'email_unconfirmed'],
    ['suspended@example.org', { status: 'suspended', email_confirmed_at: '2026-01-01T00:00:00Z' }, 'account_suspended'],
    ['banned@example.org', { status: 'banned', email_confirmed_at: '2026-01-01T00:00:00Z' }, 'account_banned'],
    ['nologin@example.org', { login_enabled: 'false', email_confirmed_at: '2026-01-01T00:00:00Z' }, 'login_disabled'],
  ];
  for (const [email, fields, code] of cases) {
    customer(email, fields);
    const wrong = await login(email, 'not the password');
    assert.equal(wrong.status, 401, email);
    assert.equal(wrong.json.code, 'invalid_credentials', email);
    const right = await login(email);
    assert.equal(right.status, 403, email);
    assert.equal(right.json.code, code, email);
  }
  customer('gone@example.org', { status: 'deleted', email_confirmed_at: '2026-01-01T00:00:00Z' });
  assert.equal((await login('gone@example.org')).json.code, 'invalid_credentials', 'a deleted account does not exist');
  customer('nopassword@example.org', { password_hash: null, email_confirmed_at: '2026-01-01T00:00:00Z' });
  assert.equal((await login('nopassword@example.org')).json.code, 'invalid_credentials');
});

test("suspending a customer stops its tokens; a customer's token is no staff token", async () => {
  const id = customer('bob@example.org', { email_confirmed_at: '2026-01-01T00:00:00Z' });
  const r = await login('bob@example.org');
  const auth = { headers: { authorization: `Bearer ${r.json.access_token}` } };
  assert.equal((await api.get('/api/v1/me', auth)).status, 200);
  assert.equal((await api.get('/api/v1/messages', auth)).status, 403, 'staff endpoints are not for customers');
  const sessions = await api.get('/api/v1/me/sessions', auth);
  assert.equal(sessions.json.items.length, 1);
  psql(db.url, `UPDATE customers SET status = 'suspended' WHERE id = '${id}'`);
  assert.equal((await api.get('/api/v1/me', auth)).status, 401);
  assert.equal((await api.post('/api/v1/auth/refresh', { json: { refresh_token: r.json.refresh_token } })).status, 401);
});

test('a customer changes its profile and preferences; bad values change nothing', async () => {
  const id = customer('carol@example.org', { email_confirmed_at: '2026-01-01T00:00:00Z' });
  const r = await login('carol@example.org');
  const auth = { headers: { authorization: `Bearer ${r.json.access_token}` } };
  const me = await api.get('/api/v1/me', auth);
  assert.equal(me.json.profile.time_zone, 'UTC');
  // the phone signs in and receives codes: changing it needs the current password
  const change = { first_name: 'Carol', phone: '06 11 22 33 44', time_zone: 'Europe/Paris', date_output_format: 'DD/MM/YYYY', language: 'fr' };
  const unproven = await api.request('PATCH', '/api/v1/me', { ...auth, json: change });
  assert.equal(unproven.status, 400);
  assert.deepEqual(unproven.json.errors.map((e) => [e.field, e.code]), [['current_password', 'required']]);
  const wrong = await api.request('PATCH', '/api/v1/me', { ...auth, json: { ...change, current_password: 'not it at all' } });
  assert.deepEqual(wrong.json.errors.map((e) => [e.field, e.code]), [['current_password', 'wrong_password']]);
  assert.equal(psql(db.url, `SELECT first_name FROM customers WHERE id = '${id}'`), 'Ada', 'nothing changed');
  const patched = await api.request('PATCH', '/api/v1/me', { ...auth, json: { ...change, current_password: PASSWORD } });
  assert.equal(patched.status, 200);
  // the new number waits for the code sent to it; the rest applies at once
  const pending = patched.json.profile.phone_pending;
  assert.equal(pending.phone, '+33611223344');
  assert.deepEqual({ ...patched.json.profile, phone_pending: null }, { first_name: 'Carol', last_name: 'Lovelace', company: '', phone: null, language: 'fr', time_zone: 'Europe/Paris', date_input_format: 'YYYY-MM-DD', date_output_format: 'DD/MM/YYYY', security_question: null, two_factor_policy: 'inherit', phone_pending: null });
  assert.equal(patched.json.display_name, 'Ada Lovelace', 'the principal is the one of the request');
  const sms = deliveredText(db.url, "address = '+33611223344' AND channel = 'sms'");
  const code = sms.match(/\b(\d{6})\b/)[1];
  const wrongCode = await api.post('/api/v1/me/phone', { ...auth, json: { code: code === '000000' ? '111111' : '000000' } });
  assert.equal(wrongCode.status, 400);
  assert.equal(wrongCode.json.errors[0].code, 'invalid_or_expired');
  const confirmed = await api.post('/api/v1/me/phone', { ...auth, json: { code } });
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.equal(confirmed.json.profile.phone, '+33611223344');
  assert.equal(confirmed.json.profile.phone_pending, null);
  assert.equal((await api.post('/api/v1/me/phone', { ...auth, json: { code } })).status, 400, 'once');
  const bad = await api.request('PATCH', '/api/v1/me', { ...auth, json: { time_zone: 'Mars/Olympus', email: 'new@example.org', status: 'active', date_input_format: 'YY' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.fromEntries(bad.json.errors.map((e) => [e.field, e.code])), { email: 'not_here', status: 'unknown_field', date_input_format: 'invalid' });
  const tz = await api.request('PATCH', '/api/v1/me', { ...auth, json: { time_zone: 'Mars/Olympus', first_name: 'Nope' } });
  assert.equal(tz.json.errors[0].field, 'time_zone');
  assert.equal(psql(db.url, `SELECT first_name FROM customers WHERE id = '${id}'`), 'Carol', 'nothing changed');
  // a number another account holds: the same answer, no SMS, and the holder is told
  customer('dave@example.org', { phone: '+33655555555', email_confirmed_at: '2026-01-01T00:00:00Z' });
  const free = await api.request('PATCH', '/api/v1/me', { ...auth, json: { phone: '+33 6 44 44 44 44', current_password: PASSWORD } });
  const taken = await api.request('PATCH', '/api/v1/me', { ...auth, json: { phone: '+33 6 55 55 55 55', current_password: PASSWORD } });
  assert.equal(taken.status, free.status);
  assert.deepEqual(Object.keys(taken.json.profile.phone_pending), Object.keys(free.json.profile.phone_pending));
  assert.equal(taken.json.profile.phone_pending.phone, '+33655555555', 'shown pending like any number');
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE address = '+33655555555'"), '0', 'no SMS to the holder\'s phone');
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE address = 'dave@example.org' AND event = 'address_in_use'"), '1', 'the holder is told by e-mail');
  assert.equal(psql(db.url, `SELECT phone FROM customers WHERE id = '${id}'`), '+33611223344', 'nothing applied');
  assert.equal((await api.request('PATCH', '/api/v1/me', { ...auth, json: { phone: null, current_password: PASSWORD } })).json.profile.phone, null, 'removal applies at once');
  assert.match(psql(db.url, `SELECT details::text FROM audit_log WHERE action = 'account.profile_updated' AND customer_id = '${id}' ORDER BY id LIMIT 1`), /time_zone/);
});
