// API tokens: created by their owner (customer or staff) with a subset of its permissions, shown once,
// used as a bearer credential or exchanged for a session (POST /auth/token), narrowed to their own
// permissions, refused for credentials, in a query string, from untrusted addresses, over their rate
// limit, after expiry, revocation, or the owner's suspension; staff list and revoke a customer's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { staffMember } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the tokens owner passphrase';
const CUSTOMER = 'crm-owner@example.org';
const CUSTOMER_PASSWORD = 'a customer passphrase 7';
let db, server, api, owner, customer, customerId;

const auth = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const bearer = (r) => auth(r.json.access_token);
const create = (who, json) => api.post('/api/v1/tokens', { ...who, json });

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = bearer(await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } }));
  const c = await api.post('/api/v1/customers', { ...owner, json: { email: CUSTOMER, first_name: 'Carla', login: { password: CUSTOMER_PASSWORD, password_confirm: CUSTOMER_PASSWORD, email_confirmed: true } } });
  customerId = c.json.id;
  customer = bearer(await api.post('/api/v1/auth/login', { json: { login: CUSTOMER, password: CUSTOMER_PASSWORD } }));
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

let crm;
test('a customer creates a token: the secret once, a subset of its permissions, narrowed on use', async () => {
  const bad = await create(customer, { name: '', permissions: ['customers.read'], customer_id: customerId, expires_at: 'tomorrow', rate_limit: 0 });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['customer_id', 'expires_at', 'name', 'permissions', 'rate_limit'], 'every error at once, unknown fields too');
  const past = await create(customer, { name: 'old', permissions: ['profile.read'], expires_at: '2001-01-01T00:00:00Z' });
  assert.equal(past.json.errors[0].field, 'expires_at');
  assert.equal((await api.get('/api/v1/tokens', customer)).json.items.length, 0, 'nothing was saved');

  const r = await create(customer, { name: 'CRM', permissions: ['profile.read', 'tokens.manage'] });
  assert.equal(r.status, 201, r.text);
  crm = r.json;
  assert.match(crm.secret, /^cab_[0-9a-f]{48}$/);
  assert.equal(crm.prefix, crm.secret.slice(0, 12));
  assert.equal(crm.state, 'active');
  const listed = await api.get('/api/v1/tokens', customer);
  assert.equal(listed.json.items.length, 1);
  assert.equal(listed.json.items[0].secret, undefined, 'never shown again');
  assert.equal(listed.text.includes(crm.secret), false);
  const [row] = psql(db.url, `SELECT encode(secret_hash, 'hex') FROM api_tokens WHERE id = '${crm.id}'`).split('\n');
  assert.notEqual(row, '', 'stored');
  assert.equal(psql(db.url, `SELECT count(*) FROM api_tokens WHERE secret_hash = sha256('${crm.secret}')`), '1', 'as its SHA-256 only');

  const me = await api.get('/api/v1/me', auth(crm.secret));
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.id, customerId);
  assert.equal(me.json.api_token_id, crm.id);
  assert.deepEqual(me.json.permissions, ['profile.read', 'tokens.manage'], 'the token\'s set, not the role\'s');
  assert.equal((await api.get('/api/v1/me/history', auth(crm.secret))).status, 403, 'history.read is not the token\'s');
  assert.equal((await api.get('/api/v1/tokens', auth(crm.secret))).status, 200);
  const again = await create(auth(crm.secret), { name: 'child', permissions: ['profile.read'] });
  assert.equal(again.json.code, 'token_restricted', 'a token does not mint tokens');
  const pw = await api.request('PUT', '/api/v1/me/password', { ...auth(crm.secret), json: { current_password: CUSTOMER_PASSWORD, new_password: 'x'.repeat(20) } });
  assert.equal(pw.json.code, 'token_restricted', 'nor change credentials');
  assert.equal((await api.post('/api/v1/auth/logout', auth(crm.secret))).json.code, 'session_required');
  assert.equal((await api.get('/api/v1/customers', auth(crm.secret))).status, 403, 'a customer token never reaches staff routes');
});

test('a token in a query string is refused; a malformed one is just invalid', async () => {
  const q = await api.get(`/api/v1/me?access_token=${crm.secret}`);
  assert.equal(q.status, 400);
  assert.equal(q.json.code, 'token_in_query');
  assert.equal((await api.get(`/api/v1/customers?q=${crm.secret}`, owner)).json.code, 'token_in_query');
  const wrong = await api.get('/api/v1/me', auth(`cab_${'0'.repeat(48)}`));
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('www-authenticate'), /invalid_token/);
});

test('a token cannot exceed its owner, now or later', async () => {
  const viewer = await api.post('/api/v1/roles', { ...owner, json: { name: 'Token viewer', permissions: ['profile.read', 'tokens.manage'] } });
  await api.request('PATCH', `/api/v1/customers/${customerId}`, { ...owner, json: { role_id: viewer.json.id } });
  const over = await create(customer, { name: 'wide', permissions: ['profile.read', 'history.read'] });
  assert.equal(over.json.errors[0].code, 'not_held');
  const wide = await create(customer, { name: 'history', permissions: ['history.read'] });
  assert.equal(wide.json.errors[0].code, 'not_held');
  // the owner loses tokens.manage: the token that names it loses it on the next request
  await api.request('PATCH', `/api/v1/roles/${viewer.json.id}`, { ...owner, json: { permissions: ['profile.read'] } });
  assert.equal((await api.get('/api/v1/tokens', auth(crm.secret))).status, 403);
  assert.equal((await api.get('/api/v1/me', auth(crm.secret))).status, 200);
  await api.request('PATCH', `/api/v1/customers/${customerId}`, { ...owner, json: { role_id: null } });
  assert.equal((await api.get('/api/v1/tokens', auth(crm.secret))).status, 200, 'back with the default role');
});

test('trusted addresses, the rate limit, and the last use recorded', async () => {
  const far = await create(customer, { name: 'far', permissions: ['profile.read'], trusted_ips: '203.0.113.0/24' });
  assert.equal(far.status, 201, far.text);
  const refused = await api.get('/api/v1/me', auth(far.json.secret));
  assert.equal(refused.status, 403);
  assert.equal(refused.json.code, 'ip_not_allowed');
  assert.equal((await create(customer, { name: 'bad ips', permissions: ['profile.read'], trusted_ips: '300.1.1.1' })).json.errors[0].field, 'trusted_ips');

  const slow = await create(customer, { name: 'slow', permissions: ['profile.read'], rate_limit: 3 });
  const codes = [];
  for (let i = 0; i < 4; i++) codes.push((await api.get('/api/v1/me', auth(slow.json.secret))));
  assert.deepEqual(codes.map((c) => c.status), [200, 200, 200, 429]);
  assert.equal(codes[3].json.code, 'rate_limited');
  assert.ok(Number(codes[3].headers.get('retry-after')) >= 1);
  assert.equal((await api.get('/api/v1/me', auth(crm.secret))).status, 200, 'other tokens keep their own count');

  const item = (await api.get('/api/v1/tokens', customer)).json.items.find((t) => t.id === slow.json.id);
  assert.equal(item.last_used_ip, '127.0.0.1');
  assert.ok(item.last_used_at);
  const before = psql(db.url, `SELECT xmin FROM api_tokens WHERE id = '${crm.id}'`);
  await api.get('/api/v1/me', auth(crm.secret));
  assert.equal(psql(db.url, `SELECT xmin FROM api_tokens WHERE id = '${crm.id}'`), before, 'no write on every call');
});

test('expiry, revocation and the owner\'s suspension stop a token on the next request', async () => {
  const soon = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const t = await create(customer, { name: 'hour', permissions: ['profile.read'], expires_at: soon });
  assert.equal(t.status, 201, t.text);
  assert.equal((await api.get('/api/v1/me', auth(t.json.secret))).status, 200);
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 3700 } });
  assert.equal((await api.get('/api/v1/me', auth(t.json.secret))).status, 401);
  assert.equal((await api.get('/api/v1/tokens', customer)).status, 401, 'the session idled out too');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  customer = bearer(await api.post('/api/v1/auth/login', { json: { login: CUSTOMER, password: CUSTOMER_PASSWORD } }));
  const items = (await api.get('/api/v1/tokens', customer)).json.items;
  assert.equal(items.find((i) => i.id === t.json.id).state, 'active', 'the clock is back');

  const gone = await create(customer, { name: 'gone', permissions: ['profile.read'] });
  assert.equal((await api.request('DELETE', `/api/v1/tokens/${gone.json.id}`, customer)).status, 204);
  assert.equal((await api.get('/api/v1/me', auth(gone.json.secret))).status, 401);
  assert.equal((await api.get('/api/v1/tokens', customer)).json.items.find((i) => i.id === gone.json.id).state, 'revoked');

  await api.post(`/api/v1/customers/${customerId}/actions/suspend`, { ...owner, json: { reason: 'unpaid invoices' } });
  assert.equal((await api.get('/api/v1/me', auth(crm.secret))).status, 401, 'suspended: its tokens stop');
  await api.post(`/api/v1/customers/${customerId}/actions/reactivate`, { ...owner, json: {} });
  assert.equal((await api.get('/api/v1/me', auth(crm.secret))).status, 200, 'and work again once reactivated');
  customer = bearer(await api.post('/api/v1/auth/login', { json: { login: CUSTOMER, password: CUSTOMER_PASSWORD } }));
});

test('POST /auth/token: a session limited to the token, ended with it', async () => {
  const wrong = await api.post('/api/v1/auth/token', { json: { login: CUSTOMER, api_token: `cab_${'1'.repeat(48)}` } });
  const stranger = await api.post('/api/v1/auth/token', { json: { login: 'nobody@example.org', api_token: crm.secret } });
  assert.equal(wrong.status, 401);
  assert.equal(stranger.status, 401);
  assert.equal(wrong.text.replace(/"request_id":"[^"]*"/, ''), stranger.text.replace(/"request_id":"[^"]*"/, ''), 'the same answer');
  assert.equal((await api.post('/api/v1/auth/token', { json: { login: OWNER, api_token: crm.secret, realm: 'staff' } })).status, 401, 'someone else\'s token');
  assert.equal((await api.post('/api/v1/auth/token', { json: { login: CUSTOMER, api_token: crm.secret, password: 'x' } })).status, 400);

  // a policy that requires 2FA the account has not set up: sign in by password and enrol first
  await api.request('PATCH', `/api/v1/customers/${customerId}`, { ...owner, json: { two_factor_policy: 'required' } });
  const pending = await api.post('/api/v1/auth/token', { json: { login: CUSTOMER, api_token: crm.secret } });
  assert.equal(pending.status, 403);
  assert.equal(pending.json.code, 'mfa_enrolment_required');
  await api.request('PATCH', `/api/v1/customers/${customerId}`, { ...owner, json: { two_factor_policy: 'inherit' } });

  const s = await api.post('/api/v1/auth/token', { json: { login: CUSTOMER, api_token: crm.secret } });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.principal.api_token_id, crm.id);
  assert.deepEqual(s.json.principal.permissions, ['profile.read', 'tokens.manage']);
  const session = bearer(s);
  assert.equal((await api.get('/api/v1/me/history', session)).status, 403);
  assert.equal((await api.post('/api/v1/tokens', { ...session, json: { name: 'x', permissions: ['profile.read'] } })).json.code, 'token_restricted');
  const refreshed = await api.post('/api/v1/auth/refresh', { json: { refresh_token: s.json.refresh_token } });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.json.principal.api_token_id, crm.id, 'a refresh keeps the limit');
  await api.request('DELETE', `/api/v1/tokens/${crm.id}`, customer);
  assert.equal((await api.get('/api/v1/me', bearer(refreshed))).status, 401, 'revoking the token ends its sessions');
});

test('staff: their own tokens within their role, and a customer\'s tokens listed and revoked', async () => {
  const staffToken = await create(owner, { name: 'reporting', permissions: ['customers.read', 'profile.read'] });
  assert.equal(staffToken.status, 201, staffToken.text);
  const list = await api.get('/api/v1/customers', auth(staffToken.json.secret));
  assert.equal(list.status, 200);
  assert.equal((await api.post('/api/v1/customers', { ...auth(staffToken.json.secret), json: { email: 'x@example.org' } })).status, 403);
  assert.equal((await create(owner, { name: 'portal', permissions: ['licenses.read'] })).json.errors[0].code, 'not_held', 'staff hold only their own account\'s portal permissions');

  const sam = await staffMember(api, db, owner, { email: 'support@example.com', role: 'support', password: 'gentle harbour lantern 9' });
  const tooMuch = await create(sam, { name: 'too much', permissions: ['settings.manage'] });
  assert.equal(tooMuch.json.errors?.[0].code, 'not_held', tooMuch.text);

  const mine = await create(customer, { name: 'to revoke', permissions: ['profile.read'] });
  const listed = await api.get(`/api/v1/customers/${customerId}/tokens`, owner);
  assert.equal(listed.status, 200);
  assert.ok(listed.json.items.some((i) => i.id === mine.json.id));
  assert.equal((await api.get('/api/v1/customers/00000000-0000-4000-8000-000000000000/tokens', owner)).status, 404);
  const other = await api.post('/api/v1/customers', { ...owner, json: { email: 'other@example.org', first_name: 'Otto' } });
  assert.equal((await api.request('DELETE', `/api/v1/customers/${other.json.id}/tokens/${mine.json.id}`, owner)).status, 404, 'only through its own customer');
  assert.equal((await api.request('DELETE', `/api/v1/customers/${customerId}/tokens/${mine.json.id}`, owner)).status, 204);
  assert.equal((await api.get('/api/v1/me', auth(mine.json.secret))).status, 401);
  const history = await api.get(`/api/v1/customers/${customerId}/history`, owner);
  const actions = history.json.items.map((i) => i.action);
  assert.ok(actions.includes('token.created') && actions.includes('customer.token_revoked'), actions.join());
  assert.equal(history.text.includes(mine.json.secret), false, 'no secret in the audit log');
});
