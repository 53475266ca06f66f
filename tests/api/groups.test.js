// Groups: a customer's individuals under a name, managed by the customer's portal (groups.manage)
// and by staff; members only ever from the same customer; another customer's groups are not found.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount, individualAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the groups owner passphrase';
const PW = 'granite orchard whistle 19';
let db, server, api, owner, org, orgId, rival, rivalId, ann, bob, stranger;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  orgId = await customerAccount(api, owner, { email: 'org@example.org', password: PW });
  rivalId = await customerAccount(api, owner, { email: 'rival@example.org', password: PW });
  org = bearer((await signIn(api, 'org@example.org', PW)).json.access_token);
  rival = bearer((await signIn(api, 'rival@example.org', PW)).json.access_token);
  ann = await individualAccount(api, db, owner, orgId, { email: 'ann@example.org', password: PW });
  bob = await individualAccount(api, db, owner, orgId, { email: 'bob@example.org', password: PW });
  stranger = await individualAccount(api, db, owner, rivalId, { email: 'sam@example.org', password: PW });
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const groups = (customerId) => `/api/v1/customers/${customerId}/groups`;

let sales;
test('a customer makes groups of its own people', async () => {
  const bad = await api.post(groups(orgId), { ...org, json: { name: '', owner_id: rivalId } });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['name', 'owner_id']);
  const r = await api.post(groups(orgId), { ...org, json: { name: 'Sales', description: 'The sales team' } });
  assert.equal(r.status, 201, r.text);
  sales = r.json;
  assert.equal((await api.post(groups(orgId), { ...org, json: { name: 'SALES' } })).json.errors[0].code, 'taken');
  assert.equal((await api.post(groups(rivalId), { ...rival, json: { name: 'Sales' } })).status, 201, 'names are per customer');

  const set = await api.request('PUT', `${groups(orgId)}/${sales.id}/members`, { ...org, json: { individual_ids: [ann, bob, ann] } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.members.map((m) => m.email), ['ann@example.org', 'bob@example.org']);
  const foreign = await api.request('PUT', `${groups(orgId)}/${sales.id}/members`, { ...org, json: { individual_ids: [ann, stranger] } });
  assert.equal(foreign.json.errors[0].code, 'unknown_individual', 'another customer\'s person');
  assert.equal(psql(db.url, `SELECT count(*) FROM group_members WHERE group_id = '${sales.id}'`), '2', 'nothing changed');

  const renamed = await api.request('PATCH', `${groups(orgId)}/${sales.id}`, { ...org, json: { name: 'Sales EMEA' } });
  assert.equal(renamed.json.name, 'Sales EMEA');
  assert.equal(renamed.json.members.length, 2);
  const list = await api.get(groups(orgId), owner);
  assert.deepEqual(list.json.items.map((g) => g.name), ['Sales EMEA'], 'staff see them too');
});

test('another customer\'s groups are not found; a person without groups.manage is refused', async () => {
  for (const r of [await api.get(groups(orgId), rival), await api.get(`${groups(orgId)}/${sales.id}`, rival),
    await api.request('PATCH', `${groups(orgId)}/${sales.id}`, { ...rival, json: { name: 'x' } }),
    await api.request('PUT', `${groups(orgId)}/${sales.id}/members`, { ...rival, json: { individual_ids: [] } }),
    await api.request('DELETE', `${groups(orgId)}/${sales.id}`, rival)]) {
    assert.equal(r.status, 404);
  }
  assert.equal((await api.get(`${groups(rivalId)}/${sales.id}`, rival)).status, 404, 'not through its own customer either');
  const annAuth = bearer((await signIn(api, 'ann@example.org', PW)).json.access_token);
  assert.equal((await api.get(groups(orgId), annAuth)).status, 403, 'the role user');
  assert.equal(psql(db.url, `SELECT name FROM groups WHERE id = '${sales.id}'`), 'Sales EMEA');
});

test('a deleted person leaves its groups; deleting a group keeps its people; all audited', async () => {
  await api.request('DELETE', `/api/v1/customers/${orgId}/individuals/${bob}`, org);
  assert.deepEqual((await api.get(`${groups(orgId)}/${sales.id}`, org)).json.members.map((m) => m.email), ['ann@example.org']);
  assert.equal((await api.request('DELETE', `${groups(orgId)}/${sales.id}`, org)).status, 204);
  assert.equal((await api.get(`${groups(orgId)}/${sales.id}`, org)).status, 404);
  assert.equal(psql(db.url, `SELECT status FROM individuals WHERE id = '${ann}'`), 'active');
  const actions = psql(db.url, `SELECT string_agg(action, ',' ORDER BY id) FROM audit_log WHERE target_kind = 'group' AND customer_id = '${orgId}'`);
  assert.equal(actions, 'group.created,group.members_set,group.updated,group.deleted');
});
