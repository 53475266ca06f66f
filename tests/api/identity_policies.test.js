// The rest of identity: settings and the 2FA policies (enrolment at sign-in), the security question
// in recovery, e-mail changes confirmed before they apply, new-device notices and "this wasn't me".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText, jobsDone } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'a policy passphrase 2026';
let db, server, api, n = 0, offset = 0;

before(async () => {
  db = createDatabase();
  // 127.0.0.1 is a trusted proxy here, so tests can sign in "from" other networks
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_PUBLIC_URL: 'https://portal.example.com', CABINET_TRUSTED_PROXIES: '127.0.0.1' },
  });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

/** A fresh active customer with the owner's password; fields go into the INSERT as they are. */
function customer(fields = {}) {
  n++;
  const email = `p${n}@example.org`;
  const cols = Object.keys(fields);
  psql(db.url, `INSERT INTO customers (email, first_name, status, email_confirmed_at, password_hash${cols.map((c) => `, ${c}`).join('')})
    SELECT '${email}', 'Pia', 'active', now(), password_hash${cols.map((c) => `, '${fields[c]}'`).join('')} FROM staff LIMIT 1`);
  return email;
}
const login = (l, { realm = 'portal', password = PASSWORD, headers = {} } = {}) => api.post('/api/v1/auth/login', { json: { login: l, password, realm }, headers });
const bearer = (r) => ({ headers: { authorization: `Bearer ${r.json.access_token}` } });
const totp = (secret) => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + offset}`, secret], { encoding: 'utf8' }).trim();
async function nextStep() {
  offset += 30;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
}
const lastMessage = (address, event) => deliveredText(db.url, `address = '${address}'${event ? ` AND event = '${event}'` : ''}`);
const count = (sql) => Number(psql(db.url, sql));

let staff;
test('settings: staff with settings.manage read and change them; bad values change nothing', async () => {
  staff = bearer(await login(OWNER, { realm: 'staff' }));
  const s = await api.get('/api/v1/settings', staff);
  assert.equal(s.status, 200);
  assert.deepEqual(s.json, {
    'two_factor.default_policy': 'optional', 'two_factor.staff_required': false, 'password.hash_driver': 'argon2id', 'password.bcrypt_cost': 12, 'password.min_length': 8,
    'registration.open': true, 'registration.auto_confirm': false, 'session.idle_seconds': 1800, 'session.max_seconds': 43200,
    'lockout.threshold': 5, 'lockout.base_seconds': 60, 'lockout.max_seconds': 900, 'portal.sign_in': true,
    'defaults.language': 'en', 'defaults.time_zone': 'UTC', 'defaults.date_input_format': 'YYYY-MM-DD', 'defaults.date_output_format': 'YYYY-MM-DD',
    'roles.default': 'organization-admin', 'branding.portal_name': 'Cabinet', 'branding.primary_color': '#0172ad',
  });
  const bad = await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'two_factor.default_policy': 'always', 'two_factor.staff_required': 'yes', 'registration.colour': true, 'branding.primary_color': 'red', 'lockout.threshold': 1 } });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.fromEntries(bad.json.errors.map((e) => [e.field, e.code])), { 'two_factor.default_policy': 'invalid', 'two_factor.staff_required': 'invalid', 'registration.colour': 'unknown_field', 'branding.primary_color': 'invalid', 'lockout.threshold': 'invalid' });
  const tz = await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'defaults.time_zone': 'Mars/Olympus', 'defaults.language': 'fr' } });
  assert.deepEqual(tz.json.errors.map((e) => `${e.field}:${e.code}`), ['defaults.time_zone:invalid'], 'checked against PostgreSQL');
  assert.equal(count("SELECT count(*) FROM settings WHERE key <> 'roles.default'"), 0, 'nothing changed (roles.default is seeded)');
  const ok = await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'two_factor.default_policy': 'optional' } });
  assert.equal(ok.status, 200);
  assert.match(psql(db.url, "SELECT details::text FROM audit_log WHERE action = 'settings.updated'"), /"changes": \{\}/, 'saving the same value records no change');
  const c = customer();
  const mine = bearer(await login(c));
  assert.equal((await api.get('/api/v1/settings', mine)).status, 403);
  assert.equal((await api.request('PATCH', '/api/v1/settings', { ...mine, json: { 'two_factor.staff_required': true } })).status, 403);
});

test('2FA required: a customer without it enrols at sign-in, gets its recovery codes, cannot turn it off', async () => {
  const email = customer({ two_factor_policy: 'required' });
  const first = await login(email);
  assert.equal(first.status, 401);
  assert.equal(first.json.code, 'mfa_enrolment_required');
  const { secret, otpauth_uri: uri } = first.json.enrolment;
  assert.match(uri, /^otpauth:\/\/totp\/Cabinet:/);
  const wrong = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: first.json.mfa_token, code: totp(secret) === '000000' ? '111111' : '000000' } });
  assert.equal(wrong.json.code, 'invalid_code');
  const noRecovery = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: first.json.mfa_token, recovery_code: 'abcd-efgh' } });
  assert.equal(noRecovery.json.code, 'invalid_code', 'an enrolment is confirmed by a code of the new secret only');
  const done = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: first.json.mfa_token, code: totp(secret) } });
  assert.equal(done.status, 200);
  assert.equal(done.json.recovery_codes.length, 10);
  assert.equal(done.json.principal.two_factor, true);
  const off = await api.request('DELETE', '/api/v1/me/2fa', { ...bearer(done), json: { recovery_code: done.json.recovery_codes[0] } });
  assert.equal(off.status, 409);
  assert.equal(off.json.code, 'two_factor_required');
  await nextStep();
  const again = await login(email);
  assert.equal(again.json.code, 'mfa_required', 'from now on the code is asked');
  const second = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: again.json.mfa_token, code: totp(secret) } });
  assert.equal(second.status, 200);
  assert.equal(second.json.recovery_codes, undefined, 'codes are shown once');
  assert.match(psql(db.url, `SELECT string_agg(action, ',' ORDER BY a.id) FROM audit_log a JOIN customers c ON c.id = a.customer_id WHERE c.email = '${email}'`), /auth\.2fa_enabled,auth\.login/);
});

test('2FA inherit follows the default; off skips the second step and refuses enrolment; staff follow their setting', async () => {
  const inherit = customer();
  const off = customer({ two_factor_policy: 'off' });
  assert.equal((await login(inherit)).status, 200, 'optional by default');
  await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'two_factor.default_policy': 'required' } });
  assert.equal((await login(inherit)).json.code, 'mfa_enrolment_required');
  const o = await login(off);
  assert.equal(o.status, 200, 'off wins over the default');
  const enrol = await api.post('/api/v1/me/2fa', bearer(o));
  assert.equal(enrol.status, 403);
  assert.equal(enrol.json.code, 'two_factor_off');
  await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'two_factor.default_policy': 'optional', 'two_factor.staff_required': true } });
  assert.equal((await login(inherit)).status, 200);
  const s = await login(OWNER, { realm: 'staff' });
  assert.equal(s.json.code, 'mfa_enrolment_required', 'the staff setting applies at the next sign-in');
  await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'two_factor.staff_required': false } });
  assert.equal((await login(OWNER, { realm: 'staff' })).status, 200);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'settings.updated'"), '4');
});

test('security question: set with the password, asked in recovery only of a valid code, compared loosely', async () => {
  const email = customer();
  const me = bearer(await login(email));
  const noPassword = await api.request('PUT', '/api/v1/me/security-question', { ...me, json: { question: 'First pet?', answer: 'Rex' } });
  assert.deepEqual(noPassword.json.errors.map((e) => [e.field, e.code]), [['current_password', 'required']]);
  const wrongPassword = await api.request('PUT', '/api/v1/me/security-question', { ...me, json: { question: 'First pet?', answer: 'Rex the Dog', current_password: 'nope nope nope' } });
  assert.equal(wrongPassword.json.errors[0].code, 'wrong_password');
  const set = await api.request('PUT', '/api/v1/me/security-question', { ...me, json: { question: 'First pet?', answer: '  Rex   the Dog ', current_password: PASSWORD } });
  assert.equal(set.status, 204);
  assert.equal((await api.get('/api/v1/me', me)).json.profile.security_question, 'First pet?');
  assert.doesNotMatch(psql(db.url, `SELECT security_answer_hash FROM customers WHERE email = '${email}'`), /rex/i, 'stored hashed');

  await api.post('/api/v1/auth/recovery', { json: { login: email, method: 'code' } });
  await jobsDone(db.url);
  const code = lastMessage(email, 'recovery_code').match(/\b(\d{6})\b/)[1];
  const stranger = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code: code === '000000' ? '111111' : '000000', new_password: 'the stranger passphrase' } });
  assert.equal(stranger.json.errors[0].code, 'invalid_or_expired');
  assert.equal(stranger.json.security_question, undefined, 'never shown without a valid code');
  const asked = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code, new_password: 'my recovered passphrase' } });
  assert.equal(asked.status, 400);
  assert.equal(asked.json.code, 'security_answer_required');
  assert.equal(asked.json.security_question, 'First pet?');
  const wrong = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code, new_password: 'my recovered passphrase', security_answer: 'Felix' } });
  assert.equal(wrong.json.errors[0].code, 'wrong_answer');
  const right = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code, new_password: 'my recovered passphrase', security_answer: 'rex THE dog' } });
  assert.equal(right.status, 200);
  assert.equal((await login(email, { password: 'my recovered passphrase' })).status, 200);
  assert.equal(psql(db.url, `SELECT failed_attempts FROM recovery_requests r JOIN customers c ON c.id = r.account_id WHERE c.email = '${email}'`), '2', 'the wrong code and the wrong answer counted');

  const me2 = bearer(await login(email, { password: 'my recovered passphrase' }));
  const removed = await api.request('DELETE', '/api/v1/me/security-question', { ...me2, json: { current_password: 'my recovered passphrase' } });
  assert.equal(removed.status, 204);
  assert.equal((await api.request('DELETE', '/api/v1/me/security-question', { ...me2, json: { current_password: 'my recovered passphrase' } })).status, 404);
  assert.match(psql(db.url, "SELECT string_agg(DISTINCT action, ',') FROM audit_log WHERE action LIKE 'auth.security_question%'"), /removed,auth\.security_question_set/);
});

test('five wrong answers kill the recovery code', async () => {
  const email = customer({ security_question: 'Town?', security_answer_hash: psql(db.url, 'SELECT password_hash FROM staff LIMIT 1') });
  await api.post('/api/v1/auth/recovery', { json: { login: email, method: 'code' } });
  await jobsDone(db.url);
  const code = lastMessage(email, 'recovery_code').match(/\b(\d{6})\b/)[1];
  for (let i = 0; i < 5; i++) {
    const r = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code, new_password: 'guessing passphrase x', security_answer: `guess ${i}` } });
    assert.equal(r.json.errors[0].code, 'wrong_answer');
  }
  const dead = await api.post('/api/v1/auth/recovery/confirm', { json: { login: email, code, new_password: 'guessing passphrase x', security_answer: PASSWORD } });
  assert.equal(dead.json.errors[0].code, 'invalid_or_expired');
});

test('e-mail change: needs the password, confirmed by a link to the new address, the old one told', async () => {
  const email = customer();
  const me = bearer(await login(email));
  const wrong = await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: 'new@example.net', current_password: 'not the password' } });
  assert.equal(wrong.json.errors[0].code, 'wrong_password');
  const invalid = await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: 'not an address', current_password: PASSWORD } });
  assert.equal(invalid.json.errors[0].field, 'email');
  const same = await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: email.toUpperCase(), current_password: PASSWORD } });
  assert.equal(same.json.errors[0].code, 'unchanged');
  const r = await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: 'new@example.net', current_password: PASSWORD } });
  assert.equal(r.status, 202);
  assert.match(lastMessage(email, 'email_change_notice'), /new@example\.net/);
  const token = lastMessage('new@example.net', 'email_confirmation').match(/https:\/\/portal\.example\.com\/confirm\?token=([0-9a-f]{64})/)[1];
  assert.equal((await login('new@example.net')).status, 401, 'nothing changes before the link is used');
  const c = await api.post('/api/v1/auth/confirm', { json: { token } });
  assert.equal(c.status, 200);
  assert.equal(c.json.purpose, 'email_change');
  assert.equal((await login('new@example.net')).status, 200);
  assert.equal((await login(email)).status, 401);
  assert.equal((await api.post('/api/v1/auth/confirm', { json: { token } })).status, 400, 'single use');
  assert.equal(psql(db.url, "SELECT details->>'from' || ' -> ' || (details->>'to') FROM audit_log WHERE action = 'account.email_changed'"), `${email} -> new@example.net`);
});

test('e-mail change to an address another account holds: the same answer, no link; taken meanwhile: 409', async () => {
  const email = customer();
  const other = customer();
  const me = bearer(await login(email));
  const before = count('SELECT count(*) FROM messages');
  const r = await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: other, current_password: PASSWORD } });
  assert.equal(r.status, 202);
  assert.equal(count('SELECT count(*) FROM messages'), before + 1, 'no link, no notice to the caller\'s address');
  assert.equal(count(`SELECT count(*) FROM messages WHERE address = '${other}' AND event = 'address_in_use'`), 1, 'the holder is told');
  await api.request('PUT', '/api/v1/me/email', { ...me, json: { email: 'race@example.net', current_password: PASSWORD } });
  const token = lastMessage('race@example.net', 'email_confirmation').match(/token=([0-9a-f]{64})/)[1];
  customer(); // the next customer takes the address first
  psql(db.url, `UPDATE customers SET email = 'race@example.net' WHERE email = 'p${n}@example.org'`);
  const late = await api.post('/api/v1/auth/confirm', { json: { token } });
  assert.equal(late.status, 409);
  assert.equal(late.json.code, 'email_taken');
  assert.equal((await login(email)).status, 200, 'the account keeps its address');
});

test('a sign-in from a new device and network queues a notice; its link ends every session and sends recovery', async () => {
  const email = customer();
  const here = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' };
  const keep = await login(email, { headers: here }); // the first sign-in: nothing to compare with
  assert.equal(count(`SELECT count(*) FROM messages WHERE address = '${email}' AND event = 'new_device_login'`), 0);
  await login(email, { headers: { ...here, 'x-forwarded-for': '198.51.100.7' } }); // known device, new network
  await login(email, { headers: { 'user-agent': 'curl/8.0', 'x-forwarded-for': '127.0.0.9' } }); // new device, known network
  assert.equal(count(`SELECT count(*) FROM messages WHERE address = '${email}' AND event = 'new_device_login'`), 0);
  const intruder = await login(email, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36', 'x-forwarded-for': '203.0.113.50' } });
  assert.equal(intruder.status, 200);
  const notice = lastMessage(email, 'new_device_login');
  assert.match(notice, /Chrome on Windows, 203\.0\.113\.50/);
  const token = notice.match(/https:\/\/portal\.example\.com\/not-me\?token=([0-9a-f]{64})/)[1];
  await login(email, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36', 'x-forwarded-for': '203.0.113.51' } });
  assert.equal(count(`SELECT count(*) FROM messages WHERE address = '${email}' AND event = 'new_device_login'`), 1, 'seen now');

  const r = await api.post('/api/v1/auth/not-me', { json: { token } });
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.get('/api/v1/me', bearer(intruder))).status, 401);
  assert.equal((await api.get('/api/v1/me', bearer(keep))).status, 401, 'every session ends');
  assert.match(lastMessage(email, 'password_reset_link'), /reset\?token=/);
  assert.equal((await api.post('/api/v1/auth/not-me', { json: { token } })).json.code, 'invalid_token');
  assert.equal((await api.post('/api/v1/auth/not-me', { json: { token: 'x' } })).status, 400);
  assert.equal(count("SELECT count(*) FROM audit_log WHERE action = 'auth.not_me'"), 1);
});

test('hashing driver: bcrypt makes the new hashes and re-hashes at sign-in; back to argon2id likewise', async () => {
  const email = customer();
  const hashOf = () => psql(db.url, `SELECT password_hash FROM customers WHERE email = '${email}'`);
  assert.match(hashOf(), /^\$argon2id\$/);
  const bad = await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'password.hash_driver': 'md5', 'password.bcrypt_cost': 31 } });
  assert.deepEqual(bad.json.errors.map((e) => [e.field, e.code]).sort(), [['password.bcrypt_cost', 'invalid'], ['password.hash_driver', 'invalid']]);
  const set = await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'password.hash_driver': 'bcrypt', 'password.bcrypt_cost': 10 } });
  assert.equal(set.json['password.hash_driver'], 'bcrypt');
  assert.equal((await login(email, { password: 'wrong password here' })).status, 401);
  assert.match(hashOf(), /^\$argon2id\$/, 'a wrong password changes nothing');
  const r = await login(email);
  assert.equal(r.status, 200);
  assert.match(hashOf(), /^\$2b\$10\$.{53}$/);
  assert.equal((await login(email)).status, 200, 'the bcrypt hash verifies');
  const changed = await api.request('PUT', '/api/v1/me/password', { ...bearer(r), json: { current_password: PASSWORD, new_password: 'a bcrypt era passphrase' } });
  assert.equal(changed.status, 204);
  assert.match(hashOf(), /^\$2b\$10\$/);
  await api.request('PATCH', '/api/v1/settings', { ...staff, json: { 'password.hash_driver': 'argon2id' } });
  assert.equal((await login(email, { password: 'a bcrypt era passphrase' })).status, 200);
  assert.match(hashOf(), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
});

test('operator settings apply on the next request: registration, lockout, portal sign-in, defaults, branding', async () => {
  const set = (json) => api.request('PATCH', '/api/v1/settings', { ...staff, json });
  const register = (email) => api.post('/api/v1/auth/register', { json: { email, password: 'a registration passphrase', first_name: 'Zed' } });
  await set({ 'registration.open': false });
  assert.equal((await register('closed@example.org')).json.code, 'registration_closed');
  await set({ 'registration.open': true, 'registration.auto_confirm': true, 'defaults.language': 'fr', 'defaults.time_zone': 'Europe/Paris', 'defaults.date_output_format': 'DD/MM/YYYY', 'branding.portal_name': 'Espace Client' });
  assert.equal((await register('open@example.org')).status, 202);
  assert.equal(psql(db.url, "SELECT status || ' ' || language || ' ' || time_zone || ' ' || date_output_format FROM customers WHERE email = 'open@example.org'"), 'active fr Europe/Paris DD/MM/YYYY');
  assert.match(psql(db.url, "SELECT subject FROM messages WHERE address = 'open@example.org' ORDER BY created_at DESC LIMIT 1"), /Espace Client/, 'the portal name in messages');
  const made = await api.post('/api/v1/customers', { ...staff, json: { email: 'staffmade@example.org' } });
  assert.equal(made.json.time_zone, 'Europe/Paris');
  assert.equal(made.json.language, 'fr');

  await set({ 'password.min_length': 30 });
  const short = await api.request('PUT', '/api/v1/me/password', { ...bearer(await login(customer())), json: { current_password: PASSWORD, new_password: 'twenty-nine characters long!!' } });
  assert.deepEqual(short.json.errors.map((e) => `${e.field}:${e.code}`), ['new_password:too_short']);
  await set({ 'password.min_length': 8, 'lockout.threshold': 3, 'lockout.base_seconds': 30 });
  const email = customer();
  for (let i = 0; i < 3; i++) await login(email, { password: `wrong ${i}` });
  const lock = psql(db.url, `SELECT extract(epoch FROM locked_until - now())::int FROM login_throttle WHERE subject = 'customer:' || (SELECT id FROM customers WHERE email = '${email}')`);
  assert.ok(Number(lock) > 20 && Number(lock) <= 30 + offset, `a 30 s lock after 3 failures (${lock})`);
  assert.equal((await login(email)).status, 401, 'locked');

  await set({ 'portal.sign_in': false, 'session.max_seconds': 600 });
  const other = customer();
  const closed = await login(other);
  assert.equal(closed.status, 403);
  assert.equal(closed.json.code, 'portal_closed');
  assert.equal((await login(OWNER, { realm: 'staff' })).status, 200, 'staff sign in all the same');
  await set({ 'portal.sign_in': true });
  const s = await login(other);
  assert.match(s.headers.get('set-cookie'), /Max-Age=600/);
  assert.equal(psql(db.url, `SELECT extract(epoch FROM expires_at - created_at)::int FROM sessions WHERE customer_id = (SELECT id FROM customers WHERE email = '${other}') ORDER BY created_at DESC LIMIT 1`), '600');
  await set({ 'lockout.threshold': 5, 'lockout.base_seconds': 60, 'registration.auto_confirm': false, 'defaults.language': 'en', 'defaults.time_zone': 'UTC', 'defaults.date_output_format': 'YYYY-MM-DD', 'branding.portal_name': 'Cabinet', 'session.max_seconds': 43200 });
});
