// Every limit holds under a parallel burst larger than it: each test fires the burst at once and
// then counts in the database what was let through (checks hashed, codes compared, messages
// queued, requests served). On the code before this file, the same bursts hashed 59 of 60 guesses,
// let the right password in after the lockout, compared 125 TOTP codes and queued 4 to 6 recovery
// messages for a cap of 3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { eventually } from '../lib/peers.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, n = 0, clock = 0;

before(async () => {
  db = createDatabase();
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_TRUSTED_PROXIES: '127.0.0.1', CABINET_NOTIFY_POLL_MS: '50' },
  });
  api = client(server.url);
  owner = bearer(await login(OWNER, { realm: 'staff' }));
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

const bearer = (r) => ({ headers: { authorization: `Bearer ${r.json.access_token}` } });
const from = (ip) => ({ 'x-forwarded-for': ip });
const login = (l, { realm = 'portal', password = PASSWORD, headers = {} } = {}) =>
  api.post('/api/v1/auth/login', { json: { login: l, password, realm }, headers });
const count = (sql) => Number(psql(db.url, sql));
const burst = (k, fn) => Promise.all(Array.from({ length: k }, (_, i) => fn(i)));
const statuses = (rs) => rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
/** Failed checks of an account recorded with reason (each one was hashed or compared). */
const failures = (id, reason, action = 'auth.login_failed') =>
  count(`SELECT count(*) FROM audit_log WHERE action = '${action}' AND actor_id = '${id}' AND details->>'reason' = '${reason}'`);

/** A fresh active customer signing in with PASSWORD; returns { id, email }. */
function customer() {
  n++;
  const email = `race${n}@example.org`;
  const id = psql(db.url, `INSERT INTO customers (email, first_name, status, email_confirmed_at, password_hash)
    SELECT '${email}', 'Rae', 'active', now(), password_hash FROM staff LIMIT 1 RETURNING id`);
  return { id, email };
}

async function moveClock(seconds) {
  clock += seconds;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: clock } });
}

test('60 wrong passwords and the right one at once: at most 5 are checked, and the lock holds', async () => {
  const c = customer();
  const rs = await burst(61, (i) => login(c.email, { password: i === 30 ? PASSWORD : `wrong guess ${i}`, headers: from('198.51.100.1') }));
  const signedIn = rs.filter((r) => r.status === 200).length;
  const hashed = failures(c.id, 'wrong_password') + signedIn;
  assert.ok(hashed <= 5, `${hashed} passwords checked for a lockout of 5`);
  const refused = statuses(rs)[429] ?? 0;
  assert.equal(failures(c.id, 'wrong_password') + failures(c.id, 'locked') + signedIn + refused, 61, 'every attempt is recorded or refused');
  if (!signedIn) {
    // the right password did not get one of the five checks: the account is locked now
    assert.equal((await login(c.email, { headers: from('198.51.100.2') })).status, 401);
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE action = 'auth.locked' AND actor_id = '${c.id}'`), 1, 'one lock');
  }
});

test('60 wrong sign-ins from one address at once: at most 20 are checked, the rest are 429', async () => {
  const ip = '198.51.100.20';
  const rs = await burst(60, (i) => login(`nobody${i}@example.org`, { headers: from(ip) }));
  const checked = count(`SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed' AND ip = '${ip}'`);
  assert.ok(checked <= 20, `${checked} checked from one address for a limit of 20`);
  assert.equal(statuses(rs)[429], 60 - checked, 'the others were refused before any check');
});

test('an unknown login locks like a known one: the lock says nothing about existence', async () => {
  const ghost = 'ghost@example.org';
  for (let i = 0; i < 5; i++) assert.equal((await login(ghost, { password: `guess ${i}`, headers: from(`198.51.100.${30 + i}`) })).status, 401);
  const started = Date.now();
  const locked = await login(ghost, { headers: from('198.51.100.40') });
  assert.equal(locked.status, 401);
  assert.equal(locked.json.code, 'invalid_credentials');
  assert.equal(count(`SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed' AND details->>'reason' = 'locked' AND ip = '198.51.100.40'`), 1);
  assert.ok(Date.now() - started < 2000);
});

test('the hourly cap of 100 holds across locks and addresses', async () => {
  const put = (patch) => api.request('PATCH', '/api/v1/settings', { ...owner, json: patch });
  owner = bearer(await login(OWNER, { realm: 'staff' }));
  assert.equal((await put({ 'lockout.threshold': 20, 'lockout.base_seconds': 10, 'lockout.max_seconds': 60 })).status, 200);
  try {
    const c = customer();
    // rounds of 25 from a new address each (20 get through the address's limit, then a lock), until
    // the cap refuses; a check the hashing gate could not take in time (busy) gives its slot back
    for (let round = 0; round < 8 && failures(c.id, 'hourly_limit') === 0; round++) {
      await burst(25, (i) => login(c.email, { password: `wrong ${round} ${i}`, headers: from(`203.0.113.${round + 1}`) }));
      await moveClock(61); // past the lock (and into a new minute for the next address)
    }
    const hashed = failures(c.id, 'wrong_password');
    assert.equal(hashed, 100, `${hashed} checked in an hour for a cap of 100`);
    assert.ok(failures(c.id, 'hourly_limit') >= 1, 'then the cap refused without checking');
  } finally {
    await moveClock(-clock); // back to now: the owner's token was issued then
    owner = bearer(await login(OWNER, { realm: 'staff' }));
    assert.equal((await put({ 'lockout.threshold': 5, 'lockout.base_seconds': 60, 'lockout.max_seconds': 900 })).status, 200);
  }
});

test('TOTP codes count like passwords: 30 wrong codes at once through 3 sign-ins, at most 5 compared', async () => {
  const c = customer();
  const first = await login(c.email, { headers: from('198.51.100.50') });
  const auth = bearer(first);
  const e = await api.post('/api/v1/me/2fa', { headers: { ...auth.headers, ...from('198.51.100.50') }, json: { current_password: PASSWORD } });
  assert.equal(e.status, 200, e.text);
  const totp = () => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + clock}`, e.json.secret], { encoding: 'utf8' }).trim();
  assert.equal((await api.post('/api/v1/me/2fa/confirm', { ...auth, json: { code: totp() } })).status, 200);
  const challenges = [];
  for (let i = 0; i < 3; i++) challenges.push((await login(c.email, { headers: from('198.51.100.51') })).json.mfa_token);
  const right = totp();
  const wrong = (i) => String((Number(right) + 1 + i) % 1000000).padStart(6, '0');
  const rs = await burst(30, (i) => api.post('/api/v1/auth/login/mfa', { json: { mfa_token: challenges[i % 3], code: wrong(i) }, headers: from('198.51.100.52') }));
  const compared = rs.filter((r) => r.json?.code === 'invalid_code').length;
  assert.ok(compared <= 5, `${compared} codes compared for a lockout of 5`);
  assert.equal(failures(c.id, 'wrong_code'), compared, 'each compared code is recorded');
  assert.ok(rs.every((r) => [401, 429].includes(r.status)));
  // the account is locked now: even the right code is not looked at
  const fresh = await login(c.email, { headers: from('198.51.100.53') });
  assert.equal(fresh.status, 401, 'the password step is locked too');
  const late = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: challenges[0], code: right }, headers: from('198.51.100.54') });
  assert.notEqual(late.status, 200);
});

test('wrong current passwords count toward the lockout: 30 at once, at most 5 checked, then sign-in is locked', async () => {
  const c = customer();
  const auth = bearer(await login(c.email, { headers: from('198.51.100.60') }));
  const headers = { ...auth.headers, ...from('198.51.100.62') };
  const rs = await burst(30, (i) => api.request('PUT', '/api/v1/me/password', { headers, json: { current_password: `not it ${i}`, new_password: 'a fresh and long passphrase' } }));
  const checked = failures(c.id, 'wrong_password', 'auth.password_check_failed');
  assert.ok(checked <= 5, `${checked} current passwords checked for a lockout of 5`);
  assert.equal(statuses(rs)[400], checked);
  assert.equal(statuses(rs)[429], 30 - checked);
  assert.ok(rs.some((r) => r.status === 429 && r.json.code === 'locked'), 'refused as locked, not checked');
  assert.equal((await login(c.email, { headers: from('198.51.100.61') })).status, 401, 'locked for sign-in as well');
});

test('100 recovery requests at once queue exactly 3 messages (the hourly cap)', async () => {
  const c = customer();
  const rs = await burst(100, () => api.post('/api/v1/auth/recovery', { json: { login: c.email } }));
  assert.ok(rs.every((r) => r.status === 202));
  await eventually(() => count('SELECT count(*) FROM recovery_jobs') === 0, { what: 'the jobs run' });
  assert.equal(count(`SELECT count(*) FROM messages WHERE address = '${c.email}' AND event = 'password_reset_link'`), 3);
  assert.equal(count(`SELECT count(*) FROM recovery_requests WHERE account_id = '${c.id}'`), 3);
});

test('an API token over its rate limit: 40 requests at once, exactly 10 served', async () => {
  const c = customer();
  const auth = bearer(await login(c.email, { headers: from('198.51.100.70') }));
  const t = await api.post('/api/v1/tokens', { headers: { ...auth.headers, ...from('198.51.100.71') }, json: { name: 'burst', permissions: ['profile.read'], rate_limit: 10, current_password: PASSWORD } });
  assert.equal(t.status, 201, t.text);
  const rs = await burst(40, () => api.get('/api/v1/me', { headers: { authorization: `Bearer ${t.json.secret}` } }));
  assert.deepEqual(statuses(rs), { 200: 10, 429: 30 });
});

test('phone changes: 20 at once queue at most 5 SMS; 30 wrong codes at once, at most 5 compared', async () => {
  const c = customer();
  const auth = bearer(await login(c.email, { headers: from('198.51.100.80') }));
  const rs = await burst(20, (i) => api.request('PATCH', '/api/v1/me', { headers: { ...auth.headers, ...from('198.51.100.81') }, json: { phone: `+3361200${String(i).padStart(4, '0')}`, current_password: PASSWORD } }));
  assert.equal(rs.filter((r) => r.status === 200).length, 5, 'five changes an hour');
  assert.equal(count(`SELECT count(*) FROM messages WHERE channel = 'sms' AND customer_id = '${c.id}'`), 5);
  const guesses = await burst(30, (i) => api.post('/api/v1/me/phone', { ...auth, json: { code: String(100000 + i) } }));
  assert.ok(guesses.every((r) => r.status === 400));
  assert.equal(count(`SELECT failed_attempts FROM phone_changes WHERE account_id = '${c.id}'`), 5, 'the sixth and later were not compared');
});
