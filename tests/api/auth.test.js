// Staff sign-in, access tokens, refresh rotation and reuse detection, logout; JWT forgeries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, TEST_JWT_SECRET } from '../lib/server.js';
import { client } from '../lib/client.js';

const EMAIL = 'owner@example.com';
const PASSWORD = 'a long and hard to guess passphrase';
let db, server, api;

before(async () => {
  db = createDatabase();
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD },
  });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

const login = (body) => api.post('/api/v1/auth/login', { json: { realm: 'staff', ...body } });
const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });

test('staff sign in and see themselves', async () => {
  const r = await login({ login: 'Owner@Example.com', password: PASSWORD });
  assert.equal(r.status, 200);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.expires_in, 300);
  assert.equal(r.json.principal.email, EMAIL);
  assert.equal(r.json.principal.role, 'owner');
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^cabinet_refresh_staff=[0-9a-f]{64}/);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  assert.match(cookie, /Path=\/api\/v1\/auth/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const me = await api.get('/api/v1/me', bearer(r.json.access_token));
  assert.equal(me.status, 200);
  const { profile, ...principal } = me.json;
  assert.deepEqual(principal, r.json.principal);
  assert.deepEqual(profile, { display_name: 'Owner', security_question: null });
  const audit = psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.login'");
  assert.ok(Number(audit) >= 1);
  assert.match(psql(db.url, `SELECT last_login_ip FROM staff WHERE email = '${EMAIL}'`), /127\.0\.0\.1/);
});

test('wrong password and unknown account get the same answer, and are audited', async () => {
  const wrong = await login({ login: EMAIL, password: 'not the password' });
  const unknown = await login({ login: 'nobody@example.com', password: 'not the password' });
  const portal = await api.post('/api/v1/auth/login', { json: { login: EMAIL, password: PASSWORD } });
  for (const r of [wrong, unknown, portal]) {
    assert.equal(r.status, 401);
    assert.equal(r.json.code, 'invalid_credentials');
  }
  const strip = (j) => ({ ...j, request_id: undefined });
  assert.deepEqual(strip(wrong.json), strip(unknown.json));
  const reasons = psql(db.url, "SELECT details->>'reason' FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id");
  assert.match(reasons, /wrong_password/);
  assert.match(reasons, /unknown_account/);
  assert.doesNotMatch(psql(db.url, 'SELECT details::text FROM audit_log'), /not the password/);
  assert.doesNotMatch(server.output(), /not the password/);
});

test('login validation names every bad field', async () => {
  const r = await api.post('/api/v1/auth/login', { json: { password: '', realm: 'moon', extra: 1 } });
  assert.equal(r.status, 400);
  const fields = Object.fromEntries(r.json.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(fields, { login: 'required', password: 'invalid', realm: 'invalid', extra: 'unknown_field' });
  const long = await login({ login: EMAIL, password: 'x'.repeat(1025) });
  assert.equal(long.status, 400, 'over-long passwords are refused before hashing');
});

test('a disabled account is told so only after the right password', async () => {
  const id = psql(db.url, "INSERT INTO staff (email, password_hash, role, status) SELECT 'off@example.com', password_hash, 'support', 'disabled' FROM staff WHERE role = 'owner' RETURNING id");
  assert.ok(id);
  assert.equal((await login({ login: 'off@example.com', password: 'wrong' })).json.code, 'invalid_credentials');
  const r = await login({ login: 'off@example.com', password: PASSWORD });
  assert.equal(r.status, 403);
  assert.equal(r.json.code, 'account_disabled');
});

test('refresh rotates the token; reusing an old one ends the session', async () => {
  const first = await login({ login: EMAIL, password: PASSWORD });
  const r1 = await api.post('/api/v1/auth/refresh', { json: { refresh_token: first.json.refresh_token } });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.json.refresh_token, first.json.refresh_token);
  // the cookie works as well as the body
  const r2 = await api.post('/api/v1/auth/refresh?realm=staff', { headers: { cookie: `cabinet_refresh_staff=${r1.json.refresh_token}` } });
  assert.equal(r2.status, 200);
  // the portal's cookie is another one: a staff cookie does not count there
  const other = await api.post('/api/v1/auth/refresh', { headers: { cookie: `cabinet_refresh_staff=${r2.json.refresh_token}` } });
  assert.equal(other.status, 401);
  assert.equal((await api.get('/api/v1/me', bearer(r2.json.access_token))).status, 200);
  // replaying the first token: refused, and the whole family with it
  const replay = await api.post('/api/v1/auth/refresh', { json: { refresh_token: first.json.refresh_token } });
  assert.equal(replay.status, 401);
  assert.equal(replay.json.code, 'invalid_refresh_token');
  const after = await api.get('/api/v1/me', bearer(r2.json.access_token));
  assert.equal(after.status, 401);
  assert.match(after.headers.get('www-authenticate'), /error="invalid_token"/);
  assert.equal((await api.post('/api/v1/auth/refresh', { json: { refresh_token: r2.json.refresh_token } })).status, 401);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.refresh_reuse'"), '1');
});

test('parallel refreshes of one token: exactly one succeeds', async () => {
  const s = await login({ login: EMAIL, password: PASSWORD });
  const answers = await Promise.all(Array.from({ length: 10 }, () =>
    api.post('/api/v1/auth/refresh', { json: { refresh_token: s.json.refresh_token } })));
  assert.equal(answers.filter((a) => a.status === 200).length, 1);
});

test('logout stops the access token at once and clears the cookie', async () => {
  const s = await login({ login: EMAIL, password: PASSWORD });
  const out = await api.post('/api/v1/auth/logout', bearer(s.json.access_token));
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /cabinet_refresh_staff=;/);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  assert.equal((await api.post('/api/v1/auth/refresh', { json: { refresh_token: s.json.refresh_token } })).status, 401);
});

test('disabling the account stops its tokens on the next request', async () => {
  psql(db.url, "INSERT INTO staff (email, password_hash, role) SELECT 'temp@example.com', password_hash, 'admin' FROM staff WHERE role = 'owner'");
  const s = await login({ login: 'temp@example.com', password: PASSWORD });
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 200);
  psql(db.url, "UPDATE staff SET status = 'disabled' WHERE email = 'temp@example.com'");
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
});

test('access tokens expire with the clock; sessions end when idle', async () => {
  const s = await login({ login: EMAIL, password: PASSWORD });
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 301 } });
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  const r = await api.post('/api/v1/auth/refresh', { json: { refresh_token: s.json.refresh_token } });
  assert.equal(r.status, 200, 'the session is still live');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 301 + 1801 } });
  const idle = await api.post('/api/v1/auth/refresh', { json: { refresh_token: r.json.refresh_token } });
  assert.equal(idle.status, 401, 'idle for longer than 30 minutes');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
});

// --- forged tokens -------------------------------------------------------------------------------

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function sign(header, payload, secret = TEST_JWT_SECRET, alg = 'sha256') {
  const head = `${b64(header)}.${b64(payload)}`;
  return `${head}.${createHmac(alg, secret).update(head).digest('base64url')}`;
}

test('forged, altered or misused tokens are 401 invalid_token, never 5xx', async () => {
  const s = await login({ login: EMAIL, password: PASSWORD });
  const [h, p] = s.json.access_token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  const good = sign({ alg: 'HS256', typ: 'JWT' }, claims);
  assert.equal((await api.get('/api/v1/me', bearer(good))).status, 200, 'the test signs like the server');

  const forgeries = {
    'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    'alg none, no dot': `${b64({ alg: 'none' })}.${b64(claims)}`,
    HS384: sign({ alg: 'HS384', typ: 'JWT' }, claims, TEST_JWT_SECRET, 'sha384'),
    HS512: sign({ alg: 'HS512', typ: 'JWT' }, claims, TEST_JWT_SECRET, 'sha512'),
    'wrong secret': sign({ alg: 'HS256' }, claims, 'another-secret-0123456789-0123456789'),
    'signature stripped': `${h}.${p}.`,
    'signature flipped': `${h}.${p}.${s.json.access_token.split('.')[2].replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
    'payload edited': `${h}.${b64({ ...claims, sub: '00000000-0000-0000-0000-000000000000' })}.${s.json.access_token.split('.')[2]}`,
    expired: sign({ alg: 'HS256' }, { ...claims, iat: now - 600, exp: now - 300 }),
    'nbf in the future': sign({ alg: 'HS256' }, { ...claims, nbf: now + 3600 }),
    'iat in the future': sign({ alg: 'HS256' }, { ...claims, iat: now + 3600, exp: now + 3700 }),
    'wrong iss': sign({ alg: 'HS256' }, { ...claims, iss: 'https://evil.example' }),
    'wrong aud': sign({ alg: 'HS256' }, { ...claims, aud: 'cabinet-portal' }),
    'wrong typ': sign({ alg: 'HS256' }, { ...claims, typ: 'refresh' }),
    'exp as string': sign({ alg: 'HS256' }, { ...claims, exp: String(claims.exp) }),
    'lifetime too long': sign({ alg: 'HS256' }, { ...claims, exp: now + 86400 }),
    'sid not a uuid': sign({ alg: 'HS256' }, { ...claims, sid: "x' OR 1=1 --" }),
    'unknown session': sign({ alg: 'HS256' }, { ...claims, sid: '11111111-1111-1111-1111-111111111111' }),
    'refresh token as access token': s.json.refresh_token,
    oversized: sign({ alg: 'HS256' }, { ...claims, pad: 'x'.repeat(5000) }),
    garbage: 'not.a.token',
    empty: '',
  };
  for (const [name, token] of Object.entries(forgeries)) {
    const r = await api.get('/api/v1/me', bearer(token));
    assert.equal(r.status, 401, name);
    assert.match(r.headers.get('www-authenticate') || '', /^Bearer realm="cabinet"/, name);
    if (token) assert.equal(r.json.code, 'invalid_token', name);
  }
  const none = await api.get('/api/v1/me');
  assert.equal(none.status, 401);
  assert.equal(none.json.code, 'unauthorized');
  const basic = await api.get('/api/v1/me', { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
  assert.equal(basic.status, 401);
});
