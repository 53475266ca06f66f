// Brute force: account locks that double, identical answers while locked, the per-address limit,
// bounded hashing. Time moves with the test clock instead of sleeping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const EMAIL = 'locked@example.com';
const PASSWORD = 'the right passphrase here';
let db, server, api, offset = 0;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: EMAIL, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

/** Moves the server's clock forward; a new minute also clears the per-address count. */
async function advance(seconds) {
  offset += seconds;
  const r = await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
  assert.equal(r.status, 200);
}

const login = (password, login = EMAIL) => api.post('/api/v1/auth/login', { json: { login, password, realm: 'staff' } });
const strip = (r) => ({ status: r.status, body: { ...r.json, request_id: undefined } });

test('five failures lock the account for 60 s; the answer while locked is a wrong password\'s', async () => {
  const wrong = await login('wrong 1');
  for (let i = 2; i <= 5; i++) await login(`wrong ${i}`);
  const locked = await login(PASSWORD);
  assert.deepEqual(strip(locked), strip(wrong), 'indistinguishable from a wrong password');
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.locked'"), '1');
  // real time passes too and the clock counts whole seconds: keep a margin of a few seconds
  await advance(56);
  assert.equal((await login(PASSWORD)).status, 401, 'still locked at +56 s');
  await advance(5);
  assert.equal((await login(PASSWORD)).status, 200, 'open again at +61 s');
});

test('failures during a lock do not count; a further lock lasts twice as long; success starts over', async () => {
  await advance(120);
  for (let i = 0; i < 5; i++) await login('wrong');           // lock 1: 60 s
  for (let i = 0; i < 10; i++) await login('still wrong');    // during the lock: not counted
  await advance(61);
  for (let i = 0; i < 5; i++) await login('wrong again');     // lock 2: 120 s
  await advance(115);
  assert.equal((await login(PASSWORD)).status, 401, 'the second lock is twice as long');
  await advance(6);
  assert.equal((await login(PASSWORD)).status, 200);
  await advance(120);
  for (let i = 0; i < 5; i++) await login('wrong');           // after a success: 60 s again
  await advance(61);
  assert.equal((await login(PASSWORD)).status, 200);
  assert.equal(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.locked'"), '4');
});

test('an address with 20 failures within a minute or two gets 429 with Retry-After, for any account', async () => {
  await advance(120);
  for (let i = 0; i < 20; i++) {
    const r = await login('guess', `nobody${i}@example.com`);
    assert.equal(r.status, 401);
  }
  const limited = await login(PASSWORD);
  assert.equal(limited.status, 429);
  assert.equal(limited.json.code, 'rate_limited');
  assert.equal(limited.headers.get('retry-after'), '60');
  await advance(121); // counted over this minute and the previous one
  assert.equal((await login(PASSWORD)).status, 200);
});

test('unknown and existing accounts answer alike, in about the same time', async () => {
  await advance(120);
  const times = { known: [], unknown: [] };
  for (let i = 0; i < 24; i++) {
    if (i % 4 === 0) await advance(121); // stay under the per-address limit
    for (const kind of ['known', 'unknown']) {
      const started = performance.now();
      const r = await login('not the password', kind === 'known' ? EMAIL : `ghost${i}@example.com`);
      times[kind].push(performance.now() - started);
      assert.equal(r.status, 401);
      assert.equal(r.json.code, 'invalid_credentials');
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const [k, u] = [median(times.known), median(times.unknown)];
  // the suite runs other tests in parallel on 2 cores: allow for their noise, not for a real leak
  assert.ok(Math.abs(k - u) <= Math.max(10, 0.25 * Math.max(k, u)), `medians ${k.toFixed(1)} ms and ${u.toFixed(1)} ms`);
});

test('hashing is bounded: a burst gets 503 busy while other requests are served at once', async () => {
  const db2 = createDatabase();
  const s = await startServer({
    databaseUrl: db2.url,
    env: { CABINET_HASH_CONCURRENCY: '1', CABINET_HASH_WAIT_MS: '10', CABINET_ARGON2_MEMORY_KIB: '131072', CABINET_HTTP_THREADS: '6' },
  });
  try {
    const c = client(s.url);
    const burst = Promise.all(Array.from({ length: 5 }, (_, i) =>
      c.post('/api/v1/auth/login', { json: { login: `x${i}@example.com`, password: 'whatever it is', realm: 'staff' } })));
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    assert.equal((await c.get('/healthz')).status, 200);
    const healthMs = performance.now() - started;
    const answers = await burst;
    const busy = answers.filter((r) => r.status === 503);
    assert.ok(busy.length >= 1, `statuses ${answers.map((r) => r.status)}`);
    assert.equal(busy[0].json.code, 'busy');
    assert.equal(busy[0].headers.get('retry-after'), '1');
    assert.ok(answers.every((r) => r.status === 503 || r.status === 401));
    assert.ok(healthMs < 250, `healthz took ${healthMs.toFixed(0)} ms during the burst`);
  } finally {
    await s.stop();
    db2.drop();
  }
});
