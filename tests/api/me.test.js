// The caller's own account: password change under the policy, session list and revocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const EMAIL = 'grace.hopper@example.com';
let password = 'first passphrase of the owner';
let db, server, api;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: password } });
  api = client(server.url);
  psql(db.url, "UPDATE staff SET display_name = 'Grace Hopper'");
});
after(async () => {
  await server?.stop();
  db?.drop();
});

async function signIn(userAgent = 'test') {
  const r = await api.post('/api/v1/auth/login', { json: { login: EMAIL, password, realm: 'staff' }, headers: { 'user-agent': userAgent } });
  assert.equal(r.status, 200);
  return { headers: { authorization: `Bearer ${r.json.access_token}` }, tokens: r.json };
}

const change = (auth, body) => api.request('PUT', '/api/v1/me/password', { ...auth, json: body });

test('the policy names the rule a new password breaks', async () => {
  const auth = await signIn();
  const cases = [
    ['short', 'too_short'],
    ['x'.repeat(1025), 'too_long'],
    ['password123', 'too_weak'],
    ['12345678', 'too_weak'],
    ['my name is grace hopper!', 'contains_personal_data'],
    ['Grace.Hopper-2026!x', 'contains_personal_data'],
    [password, 'unchanged'],
  ];
  for (const [next, code] of cases) {
    const r = await change(auth, { current_password: password, new_password: next });
    assert.equal(r.status, 400, next);
    assert.equal(r.json.errors[0].field, 'new_password', next);
    assert.equal(r.json.errors[0].code, code, next);
    assert.ok(r.json.errors[0].message.length > 10);
  }
  const wrong = await change(auth, { current_password: 'not it', new_password: 'a completely new passphrase' });
  assert.equal(wrong.json.errors[0].field, 'current_password');
  assert.equal(wrong.json.errors[0].code, 'wrong_password');
  const missing = await change(auth, { new_password: 'x', extra: true });
  assert.deepEqual(missing.json.errors.map((e) => [e.field, e.code]).sort(),
    [['current_password', 'required'], ['extra', 'unknown_field']]);
});

test('changing the password ends the other sessions, keeps this one, clears must_change_password', async () => {
  psql(db.url, 'UPDATE staff SET must_change_password = true');
  const other = await signIn('other device');
  const here = await signIn('this device');
  assert.equal((await api.get('/api/v1/me', here)).json.must_change_password, true);
  const next = 'a completely new passphrase';
  const r = await change(here, { current_password: password, new_password: next });
  assert.equal(r.status, 204);
  password = next;
  assert.equal((await api.get('/api/v1/me', other)).status, 401, 'the other session ended');
  assert.equal((await api.post('/api/v1/auth/refresh', { json: { refresh_token: other.tokens.refresh_token } })).status, 401);
  const me = await api.get('/api/v1/me', here);
  assert.equal(me.status, 200, 'this session goes on');
  assert.equal(me.json.must_change_password, false);
  assert.match(psql(db.url, 'SELECT password_hash FROM staff'), /^\$argon2id\$/);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.password_changed'"), '1');
  assert.equal((await api.post('/api/v1/auth/login', { json: { login: EMAIL, password: 'first passphrase of the owner', realm: 'staff' } })).status, 401);
});

test('sessions are listed, one can be ended, and everywhere else', async () => {
  const a = await signIn('Device A');
  const b = await signIn('Device B');
  const list = await api.get('/api/v1/me/sessions', a);
  assert.equal(list.status, 200);
  const mine = list.json.items;
  assert.ok(mine.length >= 2);
  assert.equal(mine.filter((s) => s.current).length, 1);
  const current = mine.find((s) => s.current);
  assert.equal(current.user_agent, 'Device A');
  assert.equal(current.ip, '127.0.0.1');
  const bSession = mine.find((s) => s.user_agent === 'Device B');
  assert.equal((await api.request('DELETE', `/api/v1/me/sessions/${bSession.id}`, a)).status, 204);
  assert.equal((await api.get('/api/v1/me', b)).status, 401);
  assert.equal((await api.request('DELETE', `/api/v1/me/sessions/${bSession.id}`, a)).status, 404, 'already ended');
  assert.equal((await api.request('DELETE', '/api/v1/me/sessions/not-a-uuid', a)).status, 404);

  const c = await signIn('Device C');
  assert.equal((await api.request('DELETE', '/api/v1/me/sessions', a)).status, 204);
  assert.equal((await api.get('/api/v1/me', c)).status, 401);
  assert.equal((await api.get('/api/v1/me', a)).status, 200);
  assert.deepEqual((await api.get('/api/v1/me/sessions', a)).json.items.map((s) => s.user_agent), ['Device A']);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action IN ('auth.session_revoked', 'auth.logout_everywhere')"), '2');
});

test("another staff member's session cannot be ended", async () => {
  psql(db.url, "INSERT INTO staff (email, password_hash, role) SELECT 'other@example.com', password_hash, 'admin' FROM staff WHERE role = 'owner'");
  const them = await api.post('/api/v1/auth/login', { json: { login: 'other@example.com', password, realm: 'staff' } });
  const theirs = (await api.get('/api/v1/me/sessions', { headers: { authorization: `Bearer ${them.json.access_token}` } })).json.items[0];
  const me = await signIn();
  assert.equal((await api.request('DELETE', `/api/v1/me/sessions/${theirs.id}`, me)).status, 404);
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${them.json.access_token}` } })).status, 200);
});

test("the security history lists the caller's own events, newest first, page by page", async () => {
  const a = await signIn('History device');
  await api.post('/api/v1/auth/login', { json: { login: EMAIL, password: 'a wrong one', realm: 'staff' } });
  const first = await api.get('/api/v1/me/history?limit=2', a);
  assert.equal(first.status, 200);
  assert.equal(first.json.items.length, 2);
  assert.equal(first.json.items[0].action, 'auth.login_failed');
  assert.equal(first.json.items[0].ip, '127.0.0.1');
  const next = await api.get(`/api/v1/me/history?limit=2&cursor=${first.json.next_cursor}`, a);
  assert.ok(Number(next.json.items[0].id) < Number(first.json.items[1].id));
  const all = await api.get('/api/v1/me/history?limit=200', a);
  assert.equal(all.json.items.length, all.json.total);
  const actions = new Set(all.json.items.map((i) => i.action));
  for (const action of ['auth.login', 'auth.password_changed', 'auth.session_revoked', 'auth.logout_everywhere']) assert.ok(actions.has(action), action);
  assert.ok(!JSON.stringify(all.json).includes(password), 'no password in the history');
  // another account's events are not mine
  const them = await api.post('/api/v1/auth/login', { json: { login: 'other@example.com', password, realm: 'staff' } });
  const theirs = await api.get('/api/v1/me/history?limit=200', { headers: { authorization: `Bearer ${them.json.access_token}` } });
  assert.ok(theirs.json.items.every((i) => !['auth.password_changed', 'auth.logout_everywhere'].includes(i.action)));
  assert.equal((await api.get('/api/v1/me/history?cursor=abc', a)).status, 400);
});
