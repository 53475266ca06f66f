// The role matrix: tests/api/role_matrix.json says, for every route of the route table, which
// principals may call it. Every cell is called: a principal not listed must be refused by the
// dispatcher (401 `unauthorized` when anonymous, else 403 with a refusal code), a listed one must get
// past authorization. A route missing from the file (or listed but gone) fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createDatabase } from '../lib/pg.js';
import { startServer, BINARY } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, staffMember, customerAccount, individualAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the matrix owner passphrase';
const matrix = JSON.parse(readFileSync(new URL('./role_matrix.json', import.meta.url), 'utf8'));
const REFUSALS = new Set(['forbidden', 'impersonation_restricted', 'token_restricted', 'session_required']);
const NOWHERE = '6b1d6f0e-0000-4000-8000-00000000beef'; // ids in paths: authorization comes first

let db, server, api;
/** name -> { auth: request options, renew: () => Promise } */
const principals = {};

async function portalLogin(email, password) {
  const r = await signIn(api, email, password);
  assert.equal(r.status, 200, r.text);
  return bearer(r.json.access_token);
}

async function impersonation(admin, customerId) {
  const r = await api.post(`/api/v1/customers/${customerId}/impersonate`, { ...admin, json: { mode: 'assigned_role', reason: 'role matrix' } });
  assert.equal(r.status, 201, r.text);
  const code = r.json.handoff_url.split('#code=')[1];
  const t = await api.post('/api/v1/auth/impersonation', { json: { code } });
  assert.equal(t.status, 200, t.text);
  return bearer(t.json.access_token);
}

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  const ownerLogin = async () => bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  const owner = await ownerLogin();
  const readOnly = await staffMember(api, db, owner, { email: 'ro@example.com', role: 'read_only', password: 'quiet meadow compass 41' });
  const admin = await staffMember(api, db, owner, { email: 'admin@example.com', role: 'admin', password: 'silver orchard ladder 52' });

  const pw = 'a matrix customer passphrase';
  await customerAccount(api, owner, { email: 'org@example.org', password: pw });
  const customId = await customerAccount(api, owner, { email: 'reader@example.org', password: pw });
  const reader = await api.post('/api/v1/roles', { ...owner, json: { name: 'Matrix reader', permissions: ['profile.read', 'history.read'] } });
  await api.request('PATCH', `/api/v1/customers/${customId}`, { ...owner, json: { role_id: reader.json.id } });
  const peopleRole = await api.post('/api/v1/roles', { ...owner, json: { name: 'Matrix people', permissions: ['profile.read', 'individuals.manage', 'tokens.manage'] } });
  const orgWithPeople = await customerAccount(api, owner, { email: 'people@example.org', password: pw, extra: { allowed_role_ids: [peopleRole.json.id] } });
  await individualAccount(api, db, owner, orgWithPeople, { email: 'user@example.org', password: pw });
  await individualAccount(api, db, owner, orgWithPeople, { email: 'manager@example.org', password: pw, roleId: peopleRole.json.id });
  await customerAccount(api, owner, { email: 'software@example.org', password: pw });
  const software = await portalLogin('software@example.org', pw);
  const token = await api.post('/api/v1/tokens', { ...software, json: { name: 'matrix', permissions: ['profile.read', 'sessions.manage'] } });
  assert.equal(token.status, 201, token.text);
  const impersonatedId = await customerAccount(api, owner, { email: 'looked-at@example.org', password: pw });

  const add = async (name, login) => { principals[name] = { auth: await login(), renew: login }; };
  await add('anonymous', async () => ({}));
  await add('customer', () => portalLogin('org@example.org', pw));
  await add('customer_custom', () => portalLogin('reader@example.org', pw));
  await add('individual_user', () => portalLogin('user@example.org', pw));
  await add('individual_custom', () => portalLogin('manager@example.org', pw));
  await add('token', async () => bearer(token.json.secret));
  await add('staff_read_only', async () => readOnly);
  await add('staff_admin', async () => admin);
  await add('staff_owner', ownerLogin);
  await add('impersonator', () => impersonation(principals.staff_admin.auth, impersonatedId));
  // staff sessions that a logout ends must come back: sign in again
  principals.staff_read_only.renew = async () => bearer((await signIn(api, 'ro@example.com', 'quiet meadow compass 41', 'staff')).json.access_token);
  principals.staff_admin.renew = async () => bearer((await signIn(api, 'admin@example.com', 'silver orchard ladder 52', 'staff')).json.access_token);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const concrete = (path) => path.replace('{event}', 'welcome').replace('{language}', 'en').replace('{name}', 'no-such-role').replace(/\{[a-z]+\}/g, NOWHERE);

test('the file lists every route of the route table, and only those', () => {
  const routes = execFileSync(BINARY, ['--routes'], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(Object.keys(matrix.routes).sort(), [...routes].sort());
  for (const [route, allowed] of Object.entries(matrix.routes)) {
    for (const p of allowed) assert.ok(p in matrix.principals, `${route}: unknown principal ${p}`);
  }
});

test('every cell: refused when not listed, let through when listed', async () => {
  const mismatches = [];
  let cells = 0;
  for (const [route, allowed] of Object.entries(matrix.routes)) {
    const [method, path] = route.split(' ');
    for (const name of Object.keys(matrix.principals)) {
      const p = principals[name];
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? { json: {} } : {};
      const r = await api.request(method, concrete(path), { ...p.auth, ...body });
      cells++;
      const code = r.json?.code;
      const refused = name === 'anonymous' ? r.status === 401 && code === 'unauthorized' : r.status === 403 && REFUSALS.has(code);
      if (name !== 'anonymous' && r.status === 401 && code === 'invalid_token') mismatches.push(`${route} as ${name}: the principal lost its credentials`);
      else if (refused === allowed.includes(name)) mismatches.push(`${route} as ${name}: ${r.status} ${code ?? ''} (${allowed.includes(name) ? 'should be let through' : 'should be refused'})`);
      if (route === 'POST /api/v1/auth/logout' && r.status === 204) p.auth = await p.renew();
    }
  }
  console.log(`role matrix: ${Object.keys(matrix.routes).length} routes x ${Object.keys(matrix.principals).length} principals = ${cells} cells`);
  assert.deepEqual(mismatches, []);
});
