// Portal roles: the permission catalogue, the two system roles, custom roles from the catalogue only,
// a customer's assigned role (the default setting otherwise) applying on its next request, allowed
// roles, and a role in use that cannot be deleted (409 saying where).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the roles owner passphrase';
let db, server, api, owner, customer, customerId;

const bearer = (r) => ({ headers: { authorization: `Bearer ${r.json.access_token}` } });
const patch = (path, json, auth = owner) => api.request('PATCH', path, { ...auth, json });

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = bearer(await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } }));
  const c = await api.post('/api/v1/customers', { ...owner, json: { email: 'org@example.org', first_name: 'Olga', login: { password: 'a customer passphrase 5', password_confirm: 'a customer passphrase 5', email_confirmed: true } } });
  customerId = c.json.id;
  customer = bearer(await api.post('/api/v1/auth/login', { json: { login: 'org@example.org', password: 'a customer passphrase 5' } }));
});
after(async () => {
  await server?.stop();
  db?.drop();
});

test('the catalogue, the system roles, and a customer acting as organization admin by default', async () => {
  const p = await api.get('/api/v1/permissions', customer);
  assert.equal(p.status, 200);
  assert.ok(p.json.items.some((i) => i.name === 'licenses.offline' && i.group === 'licenses'));
  assert.equal(p.json.items.length, 15);
  const me = await api.get('/api/v1/me', customer);
  assert.equal(me.json.permissions.length, 15, 'organization-admin: everything');
  const roles = await api.get('/api/v1/roles', owner);
  assert.deepEqual(roles.json.items.map((r) => [r.name, r.system]), [['organization-admin', true], ['user', true]]);
  assert.equal((await api.get('/api/v1/roles', customer)).status, 403);
});

let viewer;
test('custom roles come from the catalogue; a customer\'s role applies on its next request', async () => {
  const bad = await api.post('/api/v1/roles', { ...owner, json: { name: 'x', permissions: ['customers.read', '*'], colour: 1 } });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['colour', 'name', 'permissions']);
  const r = await api.post('/api/v1/roles', { ...owner, json: { name: 'Viewer', description: 'Reads', permissions: ['profile.read', 'history.read'] } });
  assert.equal(r.status, 201, r.text);
  viewer = r.json;
  assert.equal((await api.post('/api/v1/roles', { ...owner, json: { name: 'VIEWER', permissions: [] } })).json.errors[0].code, 'taken');
  const unknown = await patch(`/api/v1/customers/${customerId}`, { role_id: '6b1d6f0e-0000-4000-8000-000000000000', allowed_role_ids: ['not-a-uuid'] });
  assert.deepEqual(unknown.json.errors.map((e) => `${e.field}:${e.code}`).sort(), ['allowed_role_ids:invalid', 'role_id:unknown_role'], 'every error at once');
  const missing = await patch(`/api/v1/customers/${customerId}`, { role_id: '6b1d6f0e-0000-4000-8000-000000000000' });
  assert.deepEqual(missing.json.errors.map((e) => `${e.field}:${e.code}`), ['role_id:unknown_role']);
  const assigned = await patch(`/api/v1/customers/${customerId}`, { role_id: viewer.id, allowed_role_ids: [viewer.id] });
  assert.equal(assigned.json.role_id, viewer.id);
  assert.deepEqual(assigned.json.allowed_role_ids, [viewer.id]);
  assert.deepEqual((await api.get('/api/v1/me', customer)).json.permissions, ['profile.read', 'history.read'], 'the same token, the new role');
  const widened = await patch(`/api/v1/roles/${viewer.id}`, { permissions: ['profile.read', 'history.read', 'tokens.manage'] });
  assert.equal(widened.json.customers, 1);
  assert.ok((await api.get('/api/v1/me', customer)).json.permissions.includes('tokens.manage'));
  const sys = (await api.get('/api/v1/roles', owner)).json.items.find((x) => x.name === 'user');
  assert.equal((await patch(`/api/v1/roles/${sys.id}`, { permissions: [] })).json.code, 'system_role');
  assert.equal((await patch(`/api/v1/roles/${sys.id}`, { description: 'Our end users' })).json.description, 'Our end users');
  assert.equal((await api.request('DELETE', `/api/v1/roles/${sys.id}`, owner)).json.code, 'system_role');
});

test('a role in use cannot be deleted, and the answer says where', async () => {
  let del = await api.request('DELETE', `/api/v1/roles/${viewer.id}`, owner);
  assert.equal(del.status, 409);
  assert.deepEqual(del.json.where, { assigned: 1, allowed: 1, individuals: 0, default: false });
  await patch(`/api/v1/customers/${customerId}`, { role_id: null, allowed_role_ids: [] });
  assert.equal((await api.get('/api/v1/me', customer)).json.permissions.length, 15, 'back to the default role');
  assert.equal((await patch('/api/v1/settings', { 'roles.default': 'nobody' })).json.errors[0].field, 'roles.default');
  await patch('/api/v1/settings', { 'roles.default': 'viewer' });
  assert.deepEqual((await api.get('/api/v1/me', customer)).json.permissions, ['profile.read', 'tokens.manage', 'history.read'], 'the default follows the setting (in catalogue order)');
  del = await api.request('DELETE', `/api/v1/roles/${viewer.id}`, owner);
  assert.deepEqual(del.json.where, { assigned: 0, allowed: 0, individuals: 0, default: true });
  await patch('/api/v1/settings', { 'roles.default': 'organization-admin' });
  assert.equal((await api.request('DELETE', `/api/v1/roles/${viewer.id}`, owner)).status, 204);
  assert.equal((await api.get(`/api/v1/roles/${viewer.id}`, owner)).status, 404);
  assert.equal(Number(psql(db.url, "SELECT count(*) FROM audit_log WHERE action LIKE 'role.%'")), 4, 'created, two changes, deleted; refusals change nothing');
});
