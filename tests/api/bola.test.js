// The BOLA matrix: three customers, each with its own login, two individuals (the role user and a
// people manager) and an API token. Every route of the route table that takes an object id is called
// by every one of those principals with the other customers' ids (and with its own customer's id
// but another's child ids, deleted ids and random ids): no answer may succeed, every read must be
// 403 or 404, and a checksum of every customer's data must not move.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount, individualAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the bola owner passphrase';
const PW = 'basalt meadow trumpet 64';
const RANDOM = '6b1d6f0e-0000-4000-8000-00000000f00d';
const routes = Object.keys(JSON.parse(readFileSync(new URL('./role_matrix.json', import.meta.url), 'utf8')).routes)
  .filter((r) => r.includes('{') && !r.includes('/test/'));

let db, server, api;
const tenants = []; // { id, principals: {name: auth}, objects: {id, iid, gid, tid, sid} , deleted }

/** What the customers' data looks like: any change to any of it shows here. */
const checksum = () => psql(db.url, `SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
  SELECT 'c' || row(id, email, phone, status, first_name, last_name, company, role_id, allowed_role_ids, login_enabled, password_hash, trusted_ips, custom_fields)::text t FROM customers
  UNION ALL SELECT 'i' || row(id, customer_id, email, phone, status, first_name, last_name, role_id, password_hash, trusted_ips, active_from, expires_at)::text FROM individuals
  UNION ALL SELECT 'g' || row(id, customer_id, name, description)::text FROM groups
  UNION ALL SELECT 'm' || row(group_id, individual_id)::text FROM group_members
  UNION ALL SELECT 't' || row(id, customer_id, individual_id, name, permissions, revoked_at, expires_at)::text FROM api_tokens
  UNION ALL SELECT 's' || row(id, revoked_at)::text FROM sessions WHERE realm = 'portal'
  UNION ALL SELECT 'n' || row(id, customer_id, body)::text FROM customer_notes
  UNION ALL SELECT 'r' || row(id, name, permissions)::text FROM portal_roles) x`);

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  const owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  const manager = (await api.post('/api/v1/roles', { ...owner, json: { name: 'People manager', permissions: ['profile.read', 'individuals.manage', 'groups.manage', 'tokens.manage', 'sessions.manage'] } })).json;
  const login = async (email) => bearer((await signIn(api, email, PW)).json.access_token);
  for (const name of ['alpha', 'beta', 'gamma']) {
    const id = await customerAccount(api, owner, { email: `${name}@example.org`, password: PW, extra: { allowed_role_ids: [manager.id] } });
    const user = await individualAccount(api, db, owner, id, { email: `${name}.user@example.org`, password: PW });
    const mgr = await individualAccount(api, db, owner, id, { email: `${name}.manager@example.org`, password: PW, roleId: manager.id });
    const gone = await individualAccount(api, db, owner, id, { email: `${name}.gone@example.org`, password: PW });
    await api.request('DELETE', `/api/v1/customers/${id}/individuals/${gone}`, owner);
    const own = await login(`${name}@example.org`);
    const token = await api.post('/api/v1/tokens', { ...own, json: { name: 'crm', permissions: ['profile.read', 'individuals.manage', 'groups.manage', 'tokens.manage', 'sessions.manage', 'history.read'] } });
    assert.equal(token.status, 201, token.text);
    const group = await api.post(`/api/v1/customers/${id}/groups`, { ...own, json: { name: 'Team' } });
    await api.request('PUT', `/api/v1/customers/${id}/groups/${group.json.id}/members`, { ...own, json: { individual_ids: [user, mgr] } });
    const sessions = await api.get('/api/v1/me/sessions', own);
    tenants.push({
      id,
      principals: { owner: own, user: await login(`${name}.user@example.org`), manager: await login(`${name}.manager@example.org`), token: bearer(token.json.secret) },
      objects: { iid: mgr, gid: group.json.id, tid: token.json.id, sid: sessions.json.items[0].id },
      gone,
    });
  }
  // a deleted customer, whose ids must lead nowhere either
  const deadId = await customerAccount(api, owner, { email: 'dead@example.org', password: PW });
  const deadPerson = await individualAccount(api, db, owner, deadId, { email: 'dead.user@example.org', password: PW });
  await api.request('DELETE', `/api/v1/customers/${deadId}`, owner);
  tenants.push({ id: deadId, dead: true, principals: {}, objects: { iid: deadPerson, gid: RANDOM, tid: RANDOM, sid: RANDOM } });
});
after(async () => {
  await server?.stop();
  db?.drop();
});

/** A body that passes validation, so that only the object check can stop the call. */
function bodyOf(method, path, attacker) {
  if (method === 'GET' || method === 'DELETE') return undefined;
  if (path.endsWith('/members')) return { individual_ids: [attacker.objects.iid] };
  if (path.endsWith('/groups/{gid}')) return { name: 'Mallory' };
  if (path.endsWith('/individuals/{iid}')) return { first_name: 'Mallory' };
  if (path.endsWith('/individuals')) return { email: `mallory${Math.random().toString(36).slice(2)}@example.org` };
  if (path.endsWith('/groups')) return { name: `Mallory ${Math.random().toString(36).slice(2)}` };
  if (path.endsWith('/notes')) return { body: 'Mallory was here' };
  if (path.endsWith('/impersonate')) return { mode: 'assigned_role', reason: 'x' };
  return ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined;
}

/** Concrete paths aiming at victim: its own ids, and the attacker's customer with the victim's children. */
function targets(path, attacker, victim) {
  const fill = (customerId, o) => path.replace('{id}', path.startsWith('/api/v1/customers/') ? customerId : (path.includes('/me/sessions') ? o.sid : path.startsWith('/api/v1/tokens') ? o.tid : RANDOM))
    .replace('{iid}', o.iid).replace('{gid}', o.gid).replace('{tid}', o.tid).replace('{sid}', o.sid)
    .replace('{event}', 'welcome').replace('{language}', 'en').replace('{name}', 'no-such-role');
  const list = [fill(victim.id, victim.objects)];
  if (path.startsWith('/api/v1/customers/{id}/') && /\{(iid|gid|tid|sid)\}/.test(path)) list.push(fill(attacker.id, victim.objects));
  return list;
}

test('no principal of one customer reaches another customer\'s objects', async () => {
  const before = checksum();
  const leaks = [];
  let calls = 0;
  for (const attacker of tenants.filter((t) => !t.dead)) {
    const own = { ...attacker.objects };
    for (const [who, auth] of Object.entries(attacker.principals)) {
      for (const route of routes) {
        const [method, template] = route.split(' ');
        const victims = tenants.filter((t) => t !== attacker);
        const paths = victims.flatMap((v) => targets(template, attacker, v));
        // its own customer with a deleted child, and random ids everywhere
        if (template.includes('{iid}')) paths.push(template.replace('{id}', attacker.id).replace('{iid}', attacker.gone));
        paths.push(template.replace(/\{[a-z]+\}/g, RANDOM));
        for (const path of paths) {
          const json = bodyOf(method, template, { ...attacker, objects: own });
          const r = await api.request(method, path, { ...auth, ...(json ? { json } : {}) });
          calls++;
          const read = method === 'GET';
          if ((read && ![403, 404].includes(r.status)) || (!read && r.status < 400) || r.status === 401 || r.status >= 500) {
            leaks.push(`${method} ${path} as ${who} of ${attacker.id}: ${r.status} ${r.json?.code ?? ''}`);
          }
        }
      }
    }
  }
  console.log(`BOLA matrix: ${routes.length} routes with ids x ${tenants.filter((t) => !t.dead).length * 4} principals = ${calls} calls`);
  assert.deepEqual(leaks, []);
  assert.equal(checksum(), before, 'no customer\'s data changed');
});
