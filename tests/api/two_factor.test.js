// TOTP 2FA with codes computed by oathtool: enrolment, sign-in in two steps, no code accepted twice
// (also under 20 parallel uses), recovery codes once each, five wrong codes end a challenge, turning off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const EMAIL = 'owner@example.com';
const PASSWORD = 'owner passphrase with 2fa';
let db, server, api, secret, offset = 0;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

/** The code oathtool computes for the server's clock (moved by the test clock). */
const totp = (s = secret) => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + offset}`, s], { encoding: 'utf8' }).trim();
/** Moves both clocks past the current 30-second step, so a fresh code exists. */
async function nextStep() {
  offset += 30;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
}
const login = () => api.post('/api/v1/auth/login', { json: { login: EMAIL, password: PASSWORD, realm: 'staff' } });
const mfa = (body) => api.post('/api/v1/auth/login/mfa', { json: body });

let auth;
test('enrolment: a secret and its otpauth URI, then a first code turns 2FA on with 10 recovery codes', async () => {
  const s = await login();
  auth = { headers: { authorization: `Bearer ${s.json.access_token}` } };
  const e = await api.post('/api/v1/me/2fa', auth);
  assert.equal(e.status, 200);
  secret = e.json.secret;
  assert.match(e.json.otpauth_uri, new RegExp(`^otpauth://totp/Cabinet:owner%40example\\.com\\?secret=${secret}&issuer=Cabinet`));
  assert.doesNotMatch(psql(db.url, 'SELECT secret_sealed FROM totp_credentials'), new RegExp(secret), 'sealed, not stored plain');
  assert.equal((await login()).status, 200, 'not on before confirmation');
  const wrong = await api.post('/api/v1/me/2fa/confirm', { ...auth, json: { code: totp() === '000000' ? '111111' : '000000' } });
  assert.equal(wrong.status, 400);
  const c = await api.post('/api/v1/me/2fa/confirm', { ...auth, json: { code: totp() } });
  assert.equal(c.status, 200);
  assert.equal(c.json.recovery_codes.length, 10);
  assert.equal(new Set(c.json.recovery_codes).size, 10);
  globalThis.recoveryCodes = c.json.recovery_codes;
  assert.equal((await api.post('/api/v1/me/2fa', auth)).status, 409, 'enrolling again needs turning off first');
});

test('sign-in takes two steps; a code is never accepted twice', async () => {
  await nextStep();
  const first = await login();
  assert.equal(first.status, 401);
  assert.equal(first.json.code, 'mfa_required');
  assert.match(first.json.mfa_token, /^[0-9a-f]{64}$/);
  assert.equal(first.json.access_token, undefined);
  const code = totp();
  const ok = await mfa({ mfa_token: first.json.mfa_token, code });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.principal.email, EMAIL);
  const again = await login();
  const replay = await mfa({ mfa_token: again.json.mfa_token, code });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.code, 'invalid_code');
  assert.equal((await mfa({ mfa_token: first.json.mfa_token, code })).status, 401, 'a challenge is used once');
});

test('20 parallel second steps with one code: exactly one signs in', async () => {
  await nextStep();
  const challenges = [];
  for (let i = 0; i < 20; i++) challenges.push((await login()).json.mfa_token);
  const code = totp();
  const answers = await Promise.all(challenges.map((t) => mfa({ mfa_token: t, code })));
  assert.equal(answers.filter((a) => a.status === 200).length, 1);
  // the replays counted against this address: the next tests start two minutes later
  for (let i = 0; i < 4; i++) await nextStep();
});

test('recovery codes work once each; five wrong codes end a challenge', async () => {
  const [rc1] = globalThis.recoveryCodes;
  const a = await login();
  assert.equal((await mfa({ mfa_token: a.json.mfa_token, recovery_code: rc1.toUpperCase() })).status, 200);
  const b = await login();
  assert.equal((await mfa({ mfa_token: b.json.mfa_token, recovery_code: rc1 })).status, 401, 'used already');
  await nextStep(); // a full sign-in clears the failures the account has so far
  assert.equal((await mfa({ mfa_token: (await login()).json.mfa_token, code: totp() })).status, 200);
  const c = await login();
  for (let i = 0; i < 5; i++) assert.equal((await mfa({ mfa_token: c.json.mfa_token, code: '000000' === totp() ? '111111' : '000000' })).status, 401);
  await nextStep();
  const dead = await mfa({ mfa_token: c.json.mfa_token, code: totp() });
  assert.equal(dead.status, 401);
  assert.equal(dead.json.code, 'invalid_mfa_token');
  // five wrong codes in a row also locked the account, as five wrong passwords do
  assert.equal((await login()).status, 401);
  for (let i = 0; i < 3; i++) await nextStep(); // past the 60-second lock
});

test('new recovery codes replace the old; turning off needs a code', async () => {
  await nextStep(); // a fresh session: the clock moved past the first one's access token
  auth = { headers: { authorization: `Bearer ${(await mfa({ mfa_token: (await login()).json.mfa_token, code: totp() })).json.access_token}` } };
  await nextStep();
  const renewed = await api.post('/api/v1/me/2fa/recovery-codes', { ...auth, json: { code: totp() } });
  assert.equal(renewed.status, 200);
  const old = globalThis.recoveryCodes[1];
  const a = await login();
  assert.equal((await mfa({ mfa_token: a.json.mfa_token, recovery_code: old })).status, 401, 'the old codes stopped working');
  assert.equal((await api.request('DELETE', '/api/v1/me/2fa', { ...auth, json: { code: '12345' } })).status, 400);
  assert.equal((await api.request('DELETE', '/api/v1/me/2fa', { ...auth, json: { recovery_code: 'aaaa-bbbb' } })).status, 400);
  const off = await api.request('DELETE', '/api/v1/me/2fa', { ...auth, json: { recovery_code: renewed.json.recovery_codes[0] } });
  assert.equal(off.status, 204);
  assert.equal((await login()).status, 200, 'one step again');
  assert.match(psql(db.url, "SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE action LIKE 'auth.2fa%'"),
    /auth\.2fa_enabled,auth\.2fa_recovery_codes_renewed,auth\.2fa_disabled/);
});
