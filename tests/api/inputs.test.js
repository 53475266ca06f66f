// Small defects of input handling found by the security review, each with what it used to do:
// custom_fields {"n": 1e300} answered 500; names with CR, LF or NUL were stored; a cell starting with
// spaces then "=" or with a full-width "＝" reached spreadsheets as a formula; limit=4294967297 read
// as 1. Every answer here is a 400 that changes nothing (or a defused cell).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const count = (sql) => Number(psql(db.url, sql));
const create = (json) => api.post('/api/v1/customers', { ...owner, json: { email: 'x@example.org', first_name: 'X', ...json } });

test('numbers in custom fields that could not come back are refused, not a 500', async () => {
  for (const n of ['1e300', '1e16', '-1.5e20', '10000000000000000']) {
    const r = await api.request('POST', '/api/v1/customers', { ...owner, headers: { ...owner.headers, 'content-type': 'application/json' }, body: `{"email":"n@example.org","first_name":"N","custom_fields":{"n":${n}}}` });
    assert.equal(r.status, 400, `${n}: ${r.text}`);
    assert.equal(r.json.errors?.[0]?.field, 'custom_fields', r.text);
  }
  assert.equal((await create({ email: 'ok@example.org', custom_fields: { seats: 12, ratio: 0.25, big: 999999999999999 } })).status, 201);
  assert.equal(count("SELECT count(*) FROM customers WHERE email = 'n@example.org'"), 0);
});

test('control characters are refused in names and other one-line fields', async () => {
  for (const bad of ['Ada\r\nBcc: victim@example.org', 'Ada\u0000Admin', 'Tab\tbed', 'Bell\u0007', 'Del\u007f']) {
    for (const field of ['first_name', 'last_name', 'company']) {
      const r = await create({ email: 'ctl@example.org', [field]: bad });
      assert.equal(r.status, 400, `${field}=${JSON.stringify(bad)}`);
      assert.ok(r.json.errors?.some((e) => e.field === field) || r.json.code === 'invalid_json', r.text);
    }
    const reg = await api.post('/api/v1/auth/register', { json: { email: 'ctl@example.org', password: 'a careful passphrase 1', first_name: bad } });
    assert.equal(reg.status, 400, `registration with ${JSON.stringify(bad)}`);
    const role = await api.post('/api/v1/roles', { ...owner, json: { name: bad, permissions: [] } });
    assert.equal(role.status, 400);
  }
  assert.equal(count("SELECT count(*) FROM customers WHERE email = 'ctl@example.org'"), 0);
  // a portal account's own profile too
  const id = await customerAccount(api, owner, { email: 'self@example.org', password: 'my own passphrase 12' });
  const me = bearer((await signIn(api, 'self@example.org', 'my own passphrase 12')).json.access_token);
  const r = await api.request('PATCH', '/api/v1/me', { ...me, json: { first_name: 'Eve\nIT Support' } });
  assert.equal(r.status, 400);
  assert.equal(psql(db.url, `SELECT first_name FROM customers WHERE id = '${id}'`), 'Casey');
});

test('CSV export defuses formulas after white space and in full-width forms', async () => {
  const names = ['  =HYPERLINK("http://evil")', '\n@SUM(A1)', '\uFF1D1+1', ' \uFF0B2', '\uFF0D3', '\uFF20cmd', 'Plain'];
  for (const [i, first] of names.entries()) {
    const r = await api.request('POST', '/api/v1/customers', { ...owner, json: { email: `f${i}@example.org`, first_name: 'F', last_name: first.replace(/\n/g, ' ') } });
    assert.equal(r.status, 201, r.text);
  }
  const csv = await (await fetch(`${server.url}/api/v1/customers/export?q=example.org&limit=200`, owner)).text();
  for (const first of names.slice(0, 6)) {
    const cell = first.replace(/\n/g, ' ').replace(/"/g, '""');
    assert.ok(csv.includes(`"'${cell}"`), `${JSON.stringify(first)} is prefixed with an apostrophe`);
  }
  assert.ok(csv.includes('"Plain"'));
});

test('query numbers are whole numbers in range: 4294967297 is not 1', async () => {
  for (const path of ['/api/v1/customers', '/api/v1/me/history', '/api/v1/audit', '/api/v1/messages']) {
    for (const limit of ['4294967297', '18446744073709551617', '-1', '+5', ' 5', '5x', '0', '201']) {
      const r = await api.get(`${path}?limit=${encodeURIComponent(limit)}`, owner);
      assert.equal(r.status, 400, `${path}?limit=${limit}`);
      assert.equal(r.json.errors[0].field, 'limit');
    }
    assert.equal((await api.get(`${path}?limit=200`, owner)).status, 200);
  }
});
