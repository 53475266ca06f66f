// Mass assignment and duplicate keys: every route of the route table that takes a body is called by
// the owner (who may call them all) on real objects with fields no body ever accepts (a hash, an id,
// the owner of a row, a creation time), and with a key given twice: every call is refused with 400
// (415 where the body is not JSON at all) and the data does not move.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { spec } from '../lib/contract.js';
import { bearer, signIn, customerAccount, individualAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the mass assignment owner passphrase';
const PW = 'quartz harbour bicycle 27';
// the routes whose contract has a request body (the others take none and read none)
const routes = Object.keys(JSON.parse(readFileSync(new URL('./role_matrix.json', import.meta.url), 'utf8')).routes)
  .filter((r) => {
    const [method, path] = r.split(' ');
    return !path.includes('/test/') && spec.paths[path]?.[method.toLowerCase()]?.requestBody;
  });
/** Whether a route's body is a JSON object whose fields are listed (so an unknown one is named). */
const objectBody = (route) => {
  const [method, path] = route.split(' ');
  const schema = spec.paths[path][method.toLowerCase()].requestBody.content?.['application/json']?.schema;
  return schema?.type === 'object' || !!schema?.$ref;
};
const FORBIDDEN_FIELDS = { password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', id: '6b1d6f0e-0000-4000-8000-000000000001', customer_id: '6b1d6f0e-0000-4000-8000-000000000002', created_at: '2001-01-01T00:00:00Z', is_admin: true };

let db, server, api, owner, ids, others;

const checksum = () => psql(db.url, `SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
  SELECT 'c' || row(c.*)::text t FROM customers c
  UNION ALL SELECT 'i' || row(i.*)::text FROM individuals i
  UNION ALL SELECT 'g' || row(g.*)::text FROM groups g
  UNION ALL SELECT 'm' || row(m.*)::text FROM group_members m
  UNION ALL SELECT 't' || row(k.id, k.name, k.permissions, k.revoked_at)::text FROM api_tokens k
  UNION ALL SELECT 'st' || row(s.id, s.email, s.role, s.status, s.password_hash, s.trusted_ips)::text FROM staff s
  UNION ALL SELECT 'r' || row(r.*)::text FROM portal_roles r
  UNION ALL SELECT 'sr' || row(r.*)::text FROM staff_roles r
  UNION ALL SELECT 'set' || row(x.*)::text FROM settings x
  UNION ALL SELECT 'tpl' || row(p.event, p.language, p.subject, p.body_text)::text FROM templates p
  UNION ALL SELECT 'n' || row(n.*)::text FROM customer_notes n) x`);

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  const customer = await customerAccount(api, owner, { email: 'target@example.org', password: PW });
  const iid = await individualAccount(api, db, owner, customer, { email: 'person@example.org', password: PW });
  const group = await api.post(`/api/v1/customers/${customer}/groups`, { ...owner, json: { name: 'Team' } });
  const role = await api.post('/api/v1/roles', { ...owner, json: { name: 'Viewer', permissions: ['profile.read'] } });
  await api.post('/api/v1/staff/roles', { ...owner, json: { name: 'billing', permissions: ['customers.read'] } });
  const staff = await api.post('/api/v1/staff', { ...owner, json: { email: 'sam@example.com', display_name: 'Sam', role: 'support' } });
  const message = psql(db.url, 'SELECT id FROM messages LIMIT 1');
  ids = { '{id}': customer, '{iid}': iid, '{gid}': group.json.id, '{name}': 'billing', '{event}': 'welcome', '{language}': 'en' };
  others = { staff: staff.json.id, role: role.json.id, message };
});
after(async () => {
  await server?.stop();
  db?.drop();
});

/** The path of a route on real objects of the right kind. */
function concrete(template) {
  let path = template;
  if (template.startsWith('/api/v1/staff/{id}')) path = path.replace('{id}', others.staff);
  if (template.startsWith('/api/v1/roles/{id}')) path = path.replace('{id}', others.role);
  if (template.startsWith('/api/v1/messages/{id}')) path = path.replace('{id}', others.message);
  for (const [k, v] of Object.entries(ids)) path = path.replace(k, v);
  return path;
}

test('fields no body accepts are refused on every writable route, and nothing changes', async () => {
  const before = checksum();
  const accepted = [];
  for (const route of routes) {
    const [method, template] = route.split(' ');
    const r = await api.request(method, concrete(template), { ...owner, json: FORBIDDEN_FIELDS });
    if (![400, 415].includes(r.status)) accepted.push(`${route}: ${r.status} ${r.json?.code ?? ''} ${r.json?.detail ?? ''}`);
    else if (r.status === 400 && objectBody(route)) {
      const fields = new Set((r.json.errors || []).map((e) => e.field));
      const missed = Object.keys(FORBIDDEN_FIELDS).filter((f) => !fields.has(f));
      if (missed.length) accepted.push(`${route}: 400 without naming ${missed.join(', ')}`);
    }
  }
  console.log(`mass assignment: ${routes.length} writable routes`);
  assert.deepEqual(accepted, []);
  assert.equal(checksum(), before);
});

test('a key given twice is refused on every writable route', async () => {
  const before = checksum();
  const accepted = [];
  for (const route of routes) {
    const [method, template] = route.split(' ');
    const r = await api.request(method, concrete(template), { ...owner, headers: { ...owner.headers, 'content-type': 'application/json' }, body: '{"name":"a","name":"b","email":"x@example.org","email":"y@example.org"}' });
    if (![400, 415].includes(r.status)) accepted.push(`${route}: ${r.status} ${r.json?.code ?? ''}`);
  }
  assert.deepEqual(accepted, []);
  assert.equal(checksum(), before);
});
