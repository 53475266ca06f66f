// What an attacker holding a session (and maybe the password) could leave behind, and what the
// owner's remedies now end: pending e-mail changes, API tokens, the stolen password itself; the
// "recent sign-in" rule of sensitive changes; staff.manage that cannot make owners; invitations that
// cannot be sent in bulk. Each was possible on the tree before this file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText, deliveredMessages } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { eventually } from '../lib/peers.js';
import { staffMember } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, n = 0, clock = 0;

before(async () => {
  db = createDatabase();
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_PUBLIC_URL: 'https://portal.example.com', CABINET_NOTIFY_POLL_MS: '50', CABINET_TRUSTED_PROXIES: '127.0.0.1' },
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
const login = (l, { realm = 'portal', password = PASSWORD } = {}) => api.post('/api/v1/auth/login', { json: { login: l, password, realm } });
const count = (sql) => Number(psql(db.url, sql));
const confirm = (token) => api.post('/api/v1/auth/confirm', { json: { token } });
const tokenOf = (address, event = 'email_confirmation') => deliveredText(db.url, `address = '${address}' AND event = '${event}'`).match(/token=([0-9a-f]{64})/)[1];

/** A fresh active customer with PASSWORD, signed in: { id, email, auth }. */
async function customer() {
  n++;
  const email = `victim${n}@example.org`;
  const id = psql(db.url, `INSERT INTO customers (email, first_name, status, email_confirmed_at, password_hash)
    SELECT '${email}', 'Vic', 'active', now(), password_hash FROM staff LIMIT 1 RETURNING id`);
  return { id, email, auth: bearer(await login(email)) };
}

/** The attacker, holding the session and the password, asks to move the account to its address. */
async function plantChange(c) {
  const attacker = `thief${n}@example.net`;
  const r = await api.request('PUT', '/api/v1/me/email', { ...c.auth, json: { email: attacker, current_password: PASSWORD } });
  assert.equal(r.status, 202, r.text);
  return tokenOf(attacker);
}

async function expectDead(token, c) {
  const r = await confirm(token);
  assert.equal(r.status, 400, 'the planted link no longer moves the account');
  assert.equal(r.json.code, 'invalid_token');
  assert.equal(psql(db.url, `SELECT email FROM customers WHERE id = '${c.id}'`), c.email);
}

test('a planted e-mail change dies with a password change', async () => {
  const c = await customer();
  const token = await plantChange(c);
  assert.equal((await api.request('PUT', '/api/v1/me/password', { ...c.auth, json: { current_password: PASSWORD, new_password: 'orange kettle drum 5581' } })).status, 204);
  await expectDead(token, c);
});

test('a planted e-mail change dies with a reset by recovery, which also revokes API tokens and says which', async () => {
  const c = await customer();
  const t = await api.post('/api/v1/tokens', { ...c.auth, json: { name: 'backdoor', permissions: ['profile.read'] } });
  assert.equal(t.status, 201, t.text);
  const token = await plantChange(c);
  assert.equal((await api.post('/api/v1/auth/recovery', { json: { login: c.email } })).status, 202);
  await eventually(() => count(`SELECT count(*) FROM messages WHERE address = '${c.email}' AND event = 'password_reset_link'`) === 1, { what: 'the link' });
  const reset = await api.post('/api/v1/auth/recovery/confirm', { json: { token: tokenOf(c.email, 'password_reset_link'), new_password: 'silver harbor lamp 7720' } });
  assert.equal(reset.status, 200, reset.text);
  await expectDead(token, c);
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${t.json.secret}` } })).status, 401, 'the token planted is revoked');
  assert.match(deliveredText(db.url, `address = '${c.email}' AND event = 'password_reset_done'`), new RegExp(`backdoor \\(${t.json.prefix}\\)`), 'the notice names it');
});

test('"sign out everywhere" revokes the API tokens too, and the e-mail says which', async () => {
  const c = await customer();
  const other = bearer(await login(c.email));
  const t = await api.post('/api/v1/tokens', { ...other, json: { name: 'left behind', permissions: ['profile.read'] } });
  assert.equal(t.status, 201, t.text);
  assert.equal((await api.request('DELETE', '/api/v1/me/sessions', c.auth)).status, 204);
  assert.equal((await api.get('/api/v1/me', other)).status, 401, 'the other session ended');
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${t.json.secret}` } })).status, 401, 'and the token');
  assert.equal((await api.get('/api/v1/me', c.auth)).status, 200, 'this one stays');
  assert.match(deliveredText(db.url, `address = '${c.email}' AND event = 'signed_out_everywhere'`), new RegExp(`left behind \\(${t.json.prefix}\\)`));
});

test('"this wasn\'t me" ends the change, the tokens and the password, and sends a link to set a new one', async () => {
  const c = await customer();
  // a sign-in from elsewhere makes the notice with its link
  await api.post('/api/v1/auth/login', { json: { login: c.email, password: PASSWORD }, headers: { 'user-agent': 'Chrome/126.0 (Windows NT 10.0)' } });
  await api.post('/api/v1/auth/login', { json: { login: c.email, password: PASSWORD }, headers: { 'user-agent': 'curl/8.1', 'x-forwarded-for': '203.0.113.77' } });
  const notice = deliveredMessages(db.url, `address = '${c.email}' AND event = 'new_device_login'`)[0];
  assert.ok(notice, 'a new device on a new network: the notice');
  const t = await api.post('/api/v1/tokens', { ...c.auth, json: { name: 'backdoor', permissions: ['profile.read'] } });
  const token = await plantChange(c);
  const notMe = notice.body_text.match(/not-me\?token=([0-9a-f]{64})/)[1];
  assert.equal((await api.post('/api/v1/auth/not-me', { json: { token: notMe } })).status, 200);
  await expectDead(token, c);
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${t.json.secret}` } })).status, 401);
  assert.equal((await login(c.email)).status, 401, 'the password the intruder knows stops working');
  assert.match(deliveredText(db.url, `address = '${c.email}' AND event = 'password_reset_link'`), /reset\?token=/);
});

test('a planted e-mail change dies with a suspension (even after reactivation) and with a staff edit of the address', async () => {
  const c = await customer();
  const token = await plantChange(c);
  assert.equal((await api.post(`/api/v1/customers/${c.id}/actions/suspend`, { ...owner, json: { reason: 'investigating a takeover' } })).status, 200);
  assert.equal((await api.post(`/api/v1/customers/${c.id}/actions/reactivate`, { ...owner, json: {} })).status, 200);
  await expectDead(token, c);

  const d = await customer();
  const second = await plantChange(d);
  const edited = await api.request('PATCH', `/api/v1/customers/${d.id}`, { ...owner, json: { email: `restored${n}@example.org` } });
  assert.equal(edited.status, 200, edited.text);
  const r = await confirm(second);
  assert.equal(r.status, 400);
  assert.equal(psql(db.url, `SELECT email FROM customers WHERE id = '${d.id}'`), `restored${n}@example.org`, 'the address staff set wins');
});

test('ten change requests at once leave one live link', async () => {
  const c = await customer();
  const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => api.request('PUT', '/api/v1/me/email', { ...c.auth, json: { email: `many${n}.${i}@example.net` } })));
  assert.ok(rs.every((r) => r.status === 202), 'no password needed right after signing in');
  assert.equal(count(`SELECT count(*) FROM email_confirmations WHERE customer_id = '${c.id}' AND purpose = 'change' AND used_at IS NULL`), 1);
});

test('a completed change ends every session and gives the old address a week to undo it', async () => {
  const c = await customer();
  const token = await plantChange(c);
  const done = await confirm(token);
  assert.equal(done.json.purpose, 'email_change');
  assert.equal((await api.get('/api/v1/me', c.auth)).status, 401, 'the sessions ended');
  const undo = tokenOf(c.email, 'email_changed');
  const back = await confirm(undo);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.purpose, 'email_change_undone');
  assert.equal(psql(db.url, `SELECT email FROM customers WHERE id = '${c.id}'`), c.email, 'the account is back');
  assert.equal((await login(c.email)).status, 401, 'the password (known to whoever moved it) no longer works');
  assert.match(deliveredText(db.url, `address = '${c.email}' AND event = 'password_reset_link'`), /reset\?token=/, 'a link to set a new one');
  assert.equal((await confirm(undo)).status, 400, 'once');
});

test('sensitive changes need the current password once the sign-in is 5 minutes old', async () => {
  const c = await customer();
  const first = await login(c.email);
  clock += 301;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: clock } });
  try {
    // the same session, refreshed: it signed in 5 minutes ago
    const refreshed = await api.post('/api/v1/auth/refresh', { json: { refresh_token: first.json.refresh_token } });
    assert.equal(refreshed.status, 200, refreshed.text);
    const auth = bearer(refreshed);
    for (const [method, path, json] of [
      ['POST', '/api/v1/tokens', { name: 'later', permissions: ['profile.read'] }],
      ['POST', '/api/v1/me/2fa', {}],
      ['PUT', '/api/v1/me/trusted-ips', { trusted_ips: '' }],
      ['PUT', '/api/v1/me/email', { email: `late${n}@example.org` }],
    ]) {
      const r = await api.request(method, path, { ...auth, json });
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.deepEqual(r.json.errors.map((e) => `${e.field}:${e.code}`), ['current_password:required'], path);
      const ok = await api.request(method, path, { ...auth, json: { ...json, current_password: PASSWORD } });
      assert.ok(ok.status < 300, `${method} ${path} with the password: ${ok.text}`);
    }
  } finally {
    clock = 0;
    await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  }
});

test('staff.manage alone cannot make owners, grant what it lacks, or change itself', async () => {
  const made = await api.post('/api/v1/staff/roles', { ...owner, json: { name: 'people-admin', permissions: ['staff.manage'] } });
  assert.equal(made.status, 201, made.text);
  const pa = await staffMember(api, db, owner, { email: 'pa@example.com', role: 'people-admin', password: 'granite meadow 3390' });
  const me = JSON.parse(psql(db.url, "SELECT json_build_object('id', id) FROM staff WHERE email = 'pa@example.com'")).id;
  const refusals = [
    await api.request('PATCH', '/api/v1/staff/roles/people-admin', { ...pa, json: { permissions: ['staff.manage', 'settings.manage'] } }),
    await api.request('PATCH', `/api/v1/staff/${me}`, { ...pa, json: { role: 'owner' } }),
    await api.post('/api/v1/staff', { ...pa, json: { email: 'puppet@example.com', role: 'owner' } }),
    await api.post('/api/v1/staff', { ...pa, json: { email: 'puppet@example.com', role: 'admin' } }),
    await api.post('/api/v1/staff/roles', { ...pa, json: { name: 'sneaky', permissions: ['settings.manage'] } }),
    await api.request('PATCH', `/api/v1/staff/${JSON.parse(psql(db.url, `SELECT json_build_object('id', id) FROM staff WHERE email = '${OWNER}'`)).id}`, { ...pa, json: { status: 'disabled' } }),
  ];
  assert.deepEqual(refusals.map((r) => `${r.status}:${r.json?.code}`),
    ['403:own_account', '403:own_account', '403:not_grantable', '403:not_grantable', '403:not_grantable', '403:not_grantable']);
  assert.equal(count("SELECT count(*) FROM staff WHERE role = 'owner'"), 1, 'no new owner');
  assert.equal(psql(db.url, "SELECT array_to_string(permissions, ',') FROM staff_roles WHERE name = 'people-admin'"), 'staff.manage');
  // within its own permissions it still works
  const peer = await api.post('/api/v1/staff', { ...pa, json: { email: 'peer@example.com', role: 'people-admin' } });
  assert.equal(peer.status, 201, peer.text);
});

test('an organization sends at most 30 invitations an hour: 40 at once, 30 made', async () => {
  const org = await customer();
  const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => api.post(`/api/v1/customers/${org.id}/individuals`, { ...org.auth, json: { email: `guest${n}.${i}@example.net`, first_name: 'Guest' } })));
  const by = rs.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
  assert.deepEqual(by, { 201: 30, 429: 10 });
  assert.equal(rs.find((r) => r.status === 429).json.code, 'too_many_invitations');
  assert.equal(count(`SELECT count(*) FROM messages m JOIN individuals i ON i.id = m.individual_id WHERE i.customer_id = '${org.id}' AND m.event = 'individual_invitation'`), 30);
});

test('staff taking away a customer\'s second factor tell it and end its sessions', async () => {
  const c = await customer();
  const e = await api.post('/api/v1/me/2fa', { ...c.auth, json: {} });
  assert.equal(e.status, 200, e.text);
  psql(db.url, `UPDATE totp_credentials SET confirmed_at = now() WHERE account_id = '${c.id}'`);
  const r = await api.post(`/api/v1/customers/${c.id}/actions/remove-2fa`, { ...owner, json: {} });
  assert.equal(r.status, 200, r.text);
  assert.equal((await api.get('/api/v1/me', c.auth)).status, 401, 'its sessions ended');
  assert.match(deliveredText(db.url, `address = '${c.email}' AND event = 'account_security_changed'`), /two-step verification was turned off/);
});
