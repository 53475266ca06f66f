// The one body reader: 413 before anything else, 415, 400 for syntax, duplicates and non-objects,
// field errors for validation; exercised through the test-only clock endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const LIMIT = 4096;
let db, server, api;
before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_MAX_BODY_BYTES: String(LIMIT) } });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

const CLOCK = '/api/v1/test/clock';

test('a valid body is accepted', async () => {
  const r = await api.post(CLOCK, { json: { offset_seconds: 3600 } });
  assert.equal(r.status, 200);
  assert.equal(r.json.offset_seconds, 3600);
  assert.ok(Math.abs(r.json.now - (Date.now() / 1000 + 3600)) < 5);
  await api.post(CLOCK, { json: { offset_seconds: 0 } });
});

test('a body over the limit is 413, never truncated', async () => {
  const big = JSON.stringify({ offset_seconds: 1, pad: 'x'.repeat(LIMIT) });
  const r = await api.post(CLOCK, { body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 413);
  assert.equal(r.json.code, 'payload_too_large');
  // also on paths that do not exist, and on the web app
  const r2 = await api.post('/api/v1/nowhere', { body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(r2.status, 413);
});

test('a chunked body over the limit is 413 too', async () => {
  const status = await new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${CLOCK}`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    for (let i = 0; i < 10; i++) req.write('x'.repeat(1000));
    req.end();
  });
  assert.equal(status, 413);
});

test('a body that is not JSON is 415', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const r = await api.post(CLOCK, { body: '{"offset_seconds":1}', headers: { 'content-type': type } });
    assert.equal(r.status, 415, type);
    assert.equal(r.json.code, 'unsupported_media_type');
  }
  const r = await api.post(CLOCK, { body: '{"offset_seconds":1}' }); // fetch sends text/plain
  assert.equal(r.status, 415);
});

test('syntax errors, duplicate keys and non-objects are 400', async () => {
  const cases = [
    ['{"offset_seconds":1,"offset_seconds":2}', 'invalid_json'],
    ['{"a":1,"a":2}', 'invalid_json'],
    ['{"offset_seconds":', 'invalid_json'],
    ['', 'invalid_json'],
    ['[1]', 'body_not_object'],
    ['"text"', 'body_not_object'],
    ['null', 'body_not_object'],
  ];
  for (const [body, code] of cases) {
    const r = await api.post(CLOCK, { body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400, body);
    assert.equal(r.json.code, code, body);
    assert.doesNotMatch(r.text, /jansson|json_loadb|\.c:/, 'no internals');
  }
});

test('validation lists every field error at once', async () => {
  const r = await api.post(CLOCK, { json: { offset_seconds: 'soon', role_id: 1 } });
  assert.equal(r.status, 400);
  assert.equal(r.json.code, 'validation_failed');
  const fields = Object.fromEntries(r.json.errors.map((e) => [e.field, e.code]));
  assert.deepEqual(fields, { offset_seconds: 'invalid', role_id: 'unknown_field' });
  const r2 = await api.post(CLOCK, { json: {} });
  assert.equal(r2.json.errors[0].code, 'required');
  const r3 = await api.post(CLOCK, { json: { offset_seconds: 1e12 } });
  assert.equal(r3.status, 400);
});

test('bad input changes nothing', async () => {
  await api.post(CLOCK, { json: { offset_seconds: 120 } });
  await api.post(CLOCK, { json: { offset_seconds: 'x' } });
  const r = await api.post(CLOCK, { json: { offset_seconds: 120 } });
  assert.equal(r.json.offset_seconds, 120);
  await api.post(CLOCK, { json: { offset_seconds: 0 } });
});
