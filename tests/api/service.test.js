// Service endpoints, headers, routing errors and the static web app, against a real server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

let db, server, api;
before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url });
  api = client(server.url);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

/** A raw HTTP/1.1 request, for paths fetch would normalise ("/../"). */
function raw(port, text) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.end(text));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

test('healthz answers ok', async () => {
  const r = await api.get('/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
});

test('readyz reports database and migrations', async () => {
  const r = await api.get('/readyz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ready', database: 'ok', migrations: 'current' });
});

test('every response carries the security headers and a request id', async () => {
  for (const path of ['/healthz', '/nope', '/', '/api/v1/nothing']) {
    const r = await fetch(server.url + path);
    const csp = r.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
    assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  }
  const apiAnswer = await fetch(`${server.url}/api/v1/nothing`);
  assert.equal(apiAnswer.headers.get('cache-control'), 'no-store');
});

test('a client request id is echoed when well formed, replaced otherwise', async () => {
  let r = await api.get('/healthz', { headers: { 'x-request-id': 'trace-42.a_b' } });
  assert.equal(r.headers.get('x-request-id'), 'trace-42.a_b');
  r = await api.get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  // and it reaches the access log
  await api.get('/healthz', { headers: { 'x-request-id': 'find-me-in-the-log' } });
  await new Promise((res) => setTimeout(res, 50));
  const line = server.output().split('\n').find((l) => l.includes('"find-me-in-the-log"'));
  const entry = JSON.parse(line);
  assert.equal(entry.event, 'access');
  assert.equal(entry.route, '/healthz');
  assert.equal(entry.status, 200);
});

test('unknown API paths are 404 problem+json', async () => {
  const r = await api.get('/api/v1/does-not-exist');
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal(r.json.code, 'not_found');
  assert.equal(r.json.status, 404);
  assert.equal(r.json.request_id, r.headers.get('x-request-id'));
});

test('a wrong method is 405 problem+json with Allow', async () => {
  for (const m of ['POST', 'DELETE', 'PUT', 'PATCH']) {
    const r = await api.request(m, '/healthz');
    assert.equal(r.status, 405, m);
    assert.equal(r.headers.get('allow'), 'GET');
    assert.equal(r.json.code, 'method_not_allowed');
  }
  const r = await api.request('DELETE', '/');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
});

test('metrics count requests by route and status', async () => {
  await api.get('/healthz');
  await api.get('/api/v1/nope');
  const r = await api.get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  assert.match(r.text, /cabinet_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  assert.match(r.text, /cabinet_http_requests_total\{method="",route="unmatched",status="404"\} \d+/);
  assert.match(r.text, /cabinet_http_request_duration_seconds_bucket\{method="GET",route="\/healthz",le="\+Inf"\} \d+/);
  assert.match(r.text, /cabinet_db_pool_size 4/);
  assert.match(r.text, /cabinet_db_pool_in_use \d+/);
  assert.match(r.text, /cabinet_db_pool_waits_total \d+/);
  assert.match(r.text, /cabinet_build_info\{version="[^"]+"\} 1/);
  assert.match(r.text, /cabinet_http_closed_slow_total \d+/);
  assert.match(r.text, /cabinet_http_bodies_refused_total\{reason="too_large"\} \d+/);
  assert.match(r.text, /cabinet_http_body_bytes \d+/);
});

test('metrics are not public: a forwarded request gets 404; with a token, only its bearer reads them', async () => {
  const forwarded = await api.get('/metrics', { headers: { 'x-forwarded-for': '203.0.113.5' } });
  assert.equal(forwarded.status, 404, 'what came through a proxy (nginx) is refused');
  const token = 'a-scraper-token-of-enough-length-0123456789';
  const guarded = await startServer({ databaseUrl: db.url, env: { CABINET_METRICS_TOKEN: token } });
  try {
    const c = client(guarded.url);
    assert.equal((await c.get('/metrics')).status, 404, 'loopback is not enough once a token is set');
    assert.equal((await c.get('/metrics', { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token-00' } })).status, 404);
    const ok = await c.get('/metrics', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /cabinet_build_info/);
  } finally {
    await guarded.stop();
  }
});

test('the contract is served as YAML and /docs as a page', async () => {
  const y = await api.get('/openapi.yaml');
  assert.equal(y.status, 200);
  assert.match(y.headers.get('content-type'), /^application\/yaml/);
  assert.match(y.text, /^openapi: 3\.1\.0/);
  const d = await api.get('/docs');
  assert.equal(d.status, 200);
  assert.match(d.headers.get('content-type'), /^text\/html/);
  assert.match(d.text, /swagger-ui-bundle\.js/);
});

test('the web app: portal, admin, SPA fallback, missing assets', async () => {
  let r = await fetch(`${server.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(await r.text(), /data-app="portal"/);
  r = await fetch(`${server.url}/admin/`);
  assert.match(await r.text(), /data-app="admin"/);
  r = await fetch(`${server.url}/admin/customers/123`);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /data-app="admin"/);
  r = await fetch(`${server.url}/settings`);
  assert.match(await r.text(), /data-app="portal"/);
  r = await fetch(`${server.url}/js/missing-module.js`);
  assert.equal(r.status, 404);
  assert.match(r.headers.get('content-type'), /problem\+json/);
  r = await fetch(`${server.url}/js/shell.js`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  const etag = r.headers.get('etag');
  r = await fetch(`${server.url}/js/shell.js`, { headers: { 'if-none-match': etag } });
  assert.equal(r.status, 304);
});

test('traversal and dot files never leave the web root', async () => {
  for (const path of ['/../CMakeLists.txt', '/js/../../openapi.yaml', '/%2e%2e/CMakeLists.txt',
    '/..%2fCMakeLists.txt', '/.gitignore', '/vendor/../../package.json']) {
    const out = await raw(server.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const status = Number(out.split(' ')[1]);
    assert.ok(status === 404 || status === 400, `${path} -> ${status}`);
    assert.doesNotMatch(out, /cmake_minimum_required|"devDependencies"|^openapi:/m, path);
  }
});

test('HEAD answers headers without a body', async () => {
  const r = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
});
