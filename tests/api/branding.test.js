// Branding: name and color from the settings, a logo upload checked by its bytes (not its declared
// type), served to anyone with its type, an ETag and a versioned URL; audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
// a 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
let db, server, api, owner;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
  owner = { authorization: `Bearer ${(await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } })).json.access_token}` };
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const put = (body, type) => api.request('PUT', '/api/v1/settings/logo', { headers: { ...owner, 'content-type': type }, body });

test('anyone reads the branding; staff change the name and color', async () => {
  const b = await api.get('/api/v1/branding');
  assert.deepEqual(b.json, { portal_name: 'Cabinet', primary_color: '#0172ad', logo_url: null });
  await api.request('PATCH', '/api/v1/settings', { headers: owner, json: { 'branding.portal_name': 'Client Space', 'branding.primary_color': '#7a2e0e' } });
  assert.deepEqual((await api.get('/api/v1/branding')).json, { portal_name: 'Client Space', primary_color: '#7a2e0e', logo_url: null });
});

test('a logo is checked by its bytes, served with its type and an ETag, and removed', async () => {
  const liar = await put(Buffer.from('<svg onload="alert(1)"/>'), 'image/png');
  assert.equal(liar.json.errors[0].code, 'invalid_image', 'not a PNG whatever it says');
  assert.equal((await put(PNG, 'image/jpeg')).json.errors[0].code, 'invalid_image', 'the type must match the bytes');
  assert.equal((await put(PNG, 'image/svg+xml')).json.errors[0].code, 'invalid_image');
  const big = Buffer.concat([PNG, Buffer.alloc(300 * 1024)]);
  assert.equal((await put(big, 'image/png')).json.errors[0].code, 'too_large');
  assert.equal((await api.request('PUT', '/api/v1/settings/logo', { headers: { 'content-type': 'image/png' }, body: PNG })).status, 401);
  const ok = await put(PNG, 'image/png');
  assert.equal(ok.status, 200, ok.text);
  assert.match(ok.json.logo_url, /^\/api\/v1\/branding\/logo\?v=[0-9a-f]{16}$/);
  const r = await fetch(server.url + ok.json.logo_url);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/png');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('cache-control'), /max-age=3600/);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), PNG);
  const again = await fetch(server.url + ok.json.logo_url, { headers: { 'if-none-match': r.headers.get('etag') } });
  assert.equal(again.status, 304);
  assert.equal(psql(db.url, "SELECT details->>'content_type' FROM audit_log WHERE action = 'settings.logo_updated'"), 'image/png');
  assert.equal((await api.request('DELETE', '/api/v1/settings/logo', { headers: owner })).status, 204);
  assert.equal((await api.request('DELETE', '/api/v1/settings/logo', { headers: owner })).status, 404);
  assert.equal((await fetch(`${server.url}/api/v1/branding/logo`)).status, 404);
  assert.equal((await api.get('/api/v1/branding')).json.logo_url, null);
});
