// "Log in as customer": a portal session handed to a tab by a single-use code, tokens carrying the
// act claim, credentials out of reach, every action audited with both people, the customer's own
// history showing the access; it ends on logout, after 30 minutes (test clock), or when the staff
// member is disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText } from '../lib/outbox.js';
import { createHmac } from 'node:crypto';
import { startServer, TEST_JWT_SECRET } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, customerId;

const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const payload = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_PUBLIC_URL: 'https://portal.example.com' } });
  api = client(server.url);
  owner = bearer((await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } })).json.access_token);
  const c = await api.post('/api/v1/customers', { ...owner, json: { email: 'quinn@example.org', first_name: 'Quinn', login: { password: 'the customer passphrase', password_confirm: 'the customer passphrase', email_confirmed: true } } });
  assert.equal(c.status, 201, c.text);
  customerId = c.json.id;
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

async function impersonate(auth = owner) {
  const r = await api.post(`/api/v1/customers/${customerId}/impersonate`, { ...auth, json: { mode: 'assigned_role', reason: 'Ticket 4521: cannot find the invoice' } });
  assert.equal(r.status, 201, r.text);
  const code = r.json.handoff_url.match(/^https:\/\/portal\.example\.com\/impersonate#code=([0-9a-f]{64})$/)[1];
  const t = await api.post('/api/v1/auth/impersonation', { json: { code } });
  assert.equal(t.status, 200, t.text);
  return { r, t, code };
}

test('bad requests open nothing', async () => {
  const bad = await api.post(`/api/v1/customers/${customerId}/impersonate`, { ...owner, json: { mode: 'god', individual_id: 'someone' } });
  assert.deepEqual(bad.json.errors.map((e) => `${e.field}:${e.code}`).sort(), ['individual_id:invalid', 'mode:invalid', 'reason:required']);
  const nobody = await api.post(`/api/v1/customers/${customerId}/impersonate`, { ...owner, json: { mode: 'assigned_role', reason: 'x', individual_id: '6b1d6f0e-0000-4000-8000-000000000000' } });
  assert.equal(nobody.status, 404, 'no such individual of this customer');
  assert.equal(psql(db.url, 'SELECT count(*) FROM sessions WHERE impersonator_id IS NOT NULL'), '0');
  assert.equal((await api.post('/api/v1/customers/6b1d6f0e-0000-4000-8000-000000000000/impersonate', { ...owner, json: { mode: 'default_role', reason: 'x' } })).status, 404);
  assert.equal((await api.post('/api/v1/auth/impersonation', { json: { code: 'f'.repeat(64) } })).json.code, 'invalid_token');
});

test('the hand-off gives a portal session once; its token names the staff member', async () => {
  const { t, code } = await impersonate();
  assert.equal(t.json.principal.kind, 'customer');
  assert.equal(t.json.principal.id, customerId);
  assert.equal(t.json.principal.impersonator.name, 'Owner');
  assert.match(t.headers.get('set-cookie'), /^cabinet_refresh_portal=/);
  const claims = payload(t.json.access_token);
  assert.equal(claims.sub, customerId);
  assert.match(claims.act.sub, /^[0-9a-f-]{36}$/);
  assert.equal((await api.post('/api/v1/auth/impersonation', { json: { code } })).status, 400, 'single use');
  const me = await api.get('/api/v1/me', bearer(t.json.access_token));
  assert.equal(me.json.impersonator.name, 'Owner');
  // the refreshed tokens still carry the actor
  const r = await api.post('/api/v1/auth/refresh', { json: { refresh_token: t.json.refresh_token } });
  assert.equal(payload(r.json.access_token).act.sub, claims.act.sub);
  await api.post('/api/v1/auth/logout', bearer(r.json.access_token));
  assert.equal((await api.get('/api/v1/me', bearer(r.json.access_token))).status, 401, 'ends on logout');
});

test('credentials cannot be changed; everything done is audited with both; the customer sees the access', async () => {
  const { t } = await impersonate();
  const auth = bearer(t.json.access_token);
  for (const [method, path, json] of [
    ['PUT', '/api/v1/me/password', { current_password: 'the customer passphrase', new_password: 'a takeover passphrase' }],
    ['PUT', '/api/v1/me/email', { email: 'thief@example.net', current_password: 'the customer passphrase' }],
    ['POST', '/api/v1/me/2fa', undefined],
    ['DELETE', '/api/v1/me/2fa', { code: '123456' }],
    ['PUT', '/api/v1/me/trusted-ips', { trusted_ips: '', current_password: 'x' }],
    ['PUT', '/api/v1/me/security-question', { question: 'q', answer: 'aa', current_password: 'x' }],
  ]) {
    const r = await api.request(method, path, { ...auth, ...(json ? { json } : {}) });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.json.code, 'impersonation_restricted');
  }
  const p = await api.request('PATCH', '/api/v1/me', { ...auth, json: { company: 'Fixed by support' } });
  assert.equal(p.status, 200);
  const staffId = payload(t.json.access_token).act.sub;
  assert.equal(psql(db.url, `SELECT actor_id || ' ' || impersonator_id FROM audit_log WHERE action = 'account.profile_updated'`), `${customerId} ${staffId}`);
  // the customer's own history: the access, and what was done during it
  const own = await api.post('/api/v1/auth/login', { json: { login: 'quinn@example.org', password: 'the customer passphrase' } });
  const h = await api.get('/api/v1/me/history', bearer(own.json.access_token));
  const started = h.json.items.find((i) => i.action === 'customer.impersonation_started');
  assert.equal(started.details.staff_name, 'Owner');
  assert.equal(started.details.reason, 'Ticket 4521: cannot find the invoice');
  assert.equal(h.json.items.find((i) => i.action === 'account.profile_updated').impersonator_name, 'Owner');
  assert.equal(h.json.items.find((i) => i.action === 'auth.login').impersonator_name, null);
  const audit = await api.get(`/api/v1/audit?customer_id=${customerId}&action=account.`, owner);
  assert.equal(audit.json.items[0].impersonator_name, 'Owner');
});

test('at most 30 minutes (test clock); a suspended customer or a disabled staff member ends it', async () => {
  const { t } = await impersonate();
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 29 * 60 } });
  const refreshed = await api.post('/api/v1/auth/refresh', { json: { refresh_token: t.json.refresh_token } });
  assert.equal(refreshed.status, 200);
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 31 * 60 } });
  assert.equal((await api.post('/api/v1/auth/refresh', { json: { refresh_token: refreshed.json.refresh_token } })).status, 401, 'the session is over');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  owner = bearer((await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } })).json.access_token);

  // a second staff member with the permission, then disabled: its impersonation ends at once
  await api.post('/api/v1/staff', { ...owner, json: { email: 'sup@example.com', display_name: 'Sue Port', role: 'support' } });
  const once = deliveredText(db.url, "address = 'sup@example.com'").match(/Password: (\S+)/)[1];
  let sup = await api.post('/api/v1/auth/login', { json: { login: 'sup@example.com', password: once, realm: 'staff' } });
  await api.request('PUT', '/api/v1/me/password', { ...bearer(sup.json.access_token), json: { current_password: once, new_password: 'a helpful passphrase 9' } });
  sup = bearer((await api.post('/api/v1/auth/login', { json: { login: 'sup@example.com', password: 'a helpful passphrase 9', realm: 'staff' } })).json.access_token);
  const { t: t2 } = await impersonate(sup);
  assert.equal((await api.get('/api/v1/me', bearer(t2.json.access_token))).json.impersonator.name, 'Sue Port');
  const list = await api.get('/api/v1/staff', owner);
  await api.request('DELETE', `/api/v1/staff/${list.json.items.find((s) => s.email === 'sup@example.com').id}`, owner);
  assert.equal((await api.get('/api/v1/me', bearer(t2.json.access_token))).status, 401);

  const { t: t3 } = await impersonate();
  await api.post(`/api/v1/customers/${customerId}/actions/suspend`, { ...owner, json: { reason: 'checks', cascade: false } });
  assert.equal((await api.get('/api/v1/me', bearer(t3.json.access_token))).status, 401);
  const refused = await api.post(`/api/v1/customers/${customerId}/impersonate`, { ...owner, json: { mode: 'default_role', reason: 'x' } });
  assert.equal(refused.status, 409);
  assert.equal(refused.json.code, 'not_active');
  const ro = await api.post('/api/v1/staff', { ...owner, json: { email: 'ro@example.com', role: 'read_only' } });
  assert.equal(ro.status, 201);
});

test("the customer's own sessions name no actor", async () => {
  await api.post(`/api/v1/customers/${customerId}/actions/reactivate`, { ...owner, json: {} });
  const own = await api.post('/api/v1/auth/login', { json: { login: 'quinn@example.org', password: 'the customer passphrase' } });
  assert.equal(payload(own.json.access_token).act, undefined);
  assert.equal((await api.get('/api/v1/me', bearer(own.json.access_token))).json.impersonator, null);
});

/** Signs claims as the server would (the test secret): what a holder of the key could forge. */
function sign(claims) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${head}.${createHmac('sha256', TEST_JWT_SECRET).update(head).digest('base64url')}`;
}

test('a token must name the same actor as its session, both ways', async () => {
  const own = await api.post('/api/v1/auth/login', { json: { login: 'quinn@example.org', password: 'the customer passphrase' } });
  const mine = payload(own.json.access_token);
  assert.equal((await api.get('/api/v1/me', bearer(sign(mine)))).status, 200, 'the re-signed token is valid as it is');
  const withActor = sign({ ...mine, act: { sub: '6b1d6f0e-0000-4000-8000-000000000000' } });
  assert.equal((await api.get('/api/v1/me', bearer(withActor))).status, 401, 'an actor the session does not have');
  const { t } = await impersonate();
  const { act, ...withoutActor } = payload(t.json.access_token);
  assert.ok(act);
  assert.equal((await api.get('/api/v1/me', bearer(sign(withoutActor)))).status, 401, 'hiding the actor of an impersonation');
});
