// Trusted IP lists: sign-in, refresh and every request from elsewhere are refused, whatever
// X-Forwarded-For says unless a configured proxy says it; the three formats parse; bad entries are
// field errors; a list that would lock the caller out needs an explicit yes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { checkResponse } from '../lib/contract.js';

const EMAIL = 'owner@example.com';
const PASSWORD = 'owner passphrase for ip lists';
let db, server, api;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

/** A JSON request sent from a chosen local address (the loopback range is ours). */
function from(localAddress, method, path, { json, headers = {} } = {}, srv = server) {
  return new Promise((resolve, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const req = httpRequest({ host: '127.0.0.1', port: srv.port, method, path, localAddress,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } },
    (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        checkResponse(method, path, res.statusCode, res.headers['content-type'], text);
        resolve({ status: res.statusCode, json: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
const login = (addr, extra = {}, srv = server) => from(addr, 'POST', '/api/v1/auth/login', { json: { login: EMAIL, password: PASSWORD, realm: 'staff' }, ...extra }, srv);

test('a list allowing only 127.0.0.1 refuses 127.0.0.2 everywhere, even with a forged X-Forwarded-For', async () => {
  const here = await login('127.0.0.1');
  const elsewhere = await login('127.0.0.2');
  assert.equal(elsewhere.status, 200, 'no list yet: any address');
  const auth = { headers: { authorization: `Bearer ${here.json.access_token}` } };
  const put = await api.request('PUT', '/api/v1/me/trusted-ips', { ...auth, json: { trusted_ips: '127.0.0.1/32', current_password: PASSWORD } });
  assert.equal(put.status, 200);
  assert.equal((await api.get('/api/v1/me/trusted-ips', auth)).json.trusted_ips, '127.0.0.1/32');

  const refused = await login('127.0.0.2');
  assert.equal(refused.status, 403);
  assert.equal(refused.json.code, 'ip_not_allowed');
  const forged = await login('127.0.0.2', { headers: { 'x-forwarded-for': '127.0.0.1' } });
  assert.equal(forged.status, 403, 'X-Forwarded-For from a peer that is no configured proxy is ignored');
  const wrong = await from('127.0.0.2', 'POST', '/api/v1/auth/login', { json: { login: EMAIL, password: 'wrong', realm: 'staff' } });
  assert.equal(wrong.json.code, 'invalid_credentials', 'the address is told only after the right password');

  const token = { headers: { authorization: `Bearer ${elsewhere.json.access_token}` } };
  const call = await from('127.0.0.2', 'GET', '/api/v1/me', token);
  assert.equal(call.status, 403);
  assert.equal(call.json.code, 'ip_not_allowed');
  assert.equal((await from('127.0.0.1', 'GET', '/api/v1/me', token)).status, 200, 'the same token from a trusted address');
  const refresh = await from('127.0.0.2', 'POST', '/api/v1/auth/refresh', { json: { refresh_token: elsewhere.json.refresh_token } });
  assert.equal(refresh.status, 403);
  assert.equal((await from('127.0.0.1', 'POST', '/api/v1/auth/refresh', { json: { refresh_token: elsewhere.json.refresh_token } })).status, 200, 'the refused refresh did not spend the token');
});

test('all three formats parse; bad entries are named; excluding oneself needs a yes', async () => {
  const here = await login('127.0.0.1');
  const auth = { headers: { authorization: `Bearer ${here.json.access_token}` } };
  const put = (json) => api.request('PUT', '/api/v1/me/trusted-ips', { ...auth, json: { current_password: PASSWORD, ...json } });
  const ok = await put({ trusted_ips: '127.0.0.0/255.255.255.0\n2001:db8::1; 10.0.0.0/8' });
  assert.equal(ok.status, 200);
  assert.equal((await login('127.0.0.2')).status, 200, 'the netmask entry covers 127.0.0.2');
  const bad = await put({ trusted_ips: '127.0.0.1\n10.0.0.300' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.errors[0].field, 'trusted_ips');
  assert.match(bad.json.errors[0].message, /entry 2 "10\.0\.0\.300"/);
  const out = await put({ trusted_ips: '192.0.2.1' });
  assert.equal(out.json.errors[0].code, 'excludes_current_address');
  assert.equal((await put({ trusted_ips: '127.0.0.1', current_password: 'not it' })).json.errors[0].code, 'wrong_password');
  const yes = await put({ trusted_ips: '192.0.2.1', exclude_current: true });
  assert.equal(yes.status, 200);
  assert.equal((await api.get('/api/v1/me', auth)).status, 403, 'from here on this address is refused');
});

test('behind a configured proxy, the forwarded client address is the one checked', async () => {
  const db2 = createDatabase();
  const s = await startServer({ databaseUrl: db2.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_TRUSTED_PROXIES: '127.0.0.1' } });
  try {
    const first = await login('127.0.0.1', { headers: { 'x-forwarded-for': '203.0.113.9' } }, s);
    const auth = { headers: { authorization: `Bearer ${first.json.access_token}`, 'x-forwarded-for': '203.0.113.9' } };
    assert.equal((await from('127.0.0.1', 'PUT', '/api/v1/me/trusted-ips', { ...auth, json: { trusted_ips: '203.0.113.0/24', current_password: PASSWORD } }, s)).status, 200);
    assert.equal((await login('127.0.0.1', { headers: { 'x-forwarded-for': '203.0.113.77' } }, s)).status, 200);
    assert.equal((await login('127.0.0.1', { headers: { 'x-forwarded-for': '198.51.100.1' } }, s)).status, 403);
    assert.equal((await login('127.0.0.2', { headers: { 'x-forwarded-for': '203.0.113.77' } }, s)).status, 403, '127.0.0.2 is no proxy: its header is ignored');
  } finally {
    await s.stop();
    db2.drop();
  }
});
