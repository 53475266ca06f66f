// Password recovery: links and codes by e-mail or SMS, single use under concurrency, killed by a newer
// request or five wrong codes, expiring, limited sends, the same answer for unknown logins.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText, jobsDone } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OLD = 'the forgotten passphrase';
let db, server, api, n = 0, offset = 0;

/** Moves the server clock one second on, so that messages of successive requests sort in order. */
async function tick(seconds = 1) {
  offset += seconds;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
}

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_PASSWORD: OLD, CABINET_PUBLIC_URL: 'https://portal.example.com' } });
  api = client(server.url);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

/** A fresh active customer with the old password and a phone. */
function customer() {
  n++;
  const email = `c${n}@example.org`;
  psql(db.url, `INSERT INTO customers (email, phone, first_name, status, email_confirmed_at, password_hash)
    SELECT '${email}', '+3361234${String(n).padStart(4, '0')}', 'Cleo', 'active', now(), password_hash FROM staff LIMIT 1`);
  return email;
}
/** Asks for recovery and waits for the worker to have run the request (it answers before). */
const ask = async (body) => {
  const r = await api.post('/api/v1/auth/recovery', { json: body });
  await jobsDone(db.url);
  return r;
};
const confirm = (body) => api.post('/api/v1/auth/recovery/confirm', { json: body });
const lastBody = (address) => deliveredText(db.url, `address = '${address}'`);
const codeFor = (address) => lastBody(address).match(/\b(\d{6})\b/)[1];
const login = (l, p) => api.post('/api/v1/auth/login', { json: { login: l, password: p } });

test('a link by e-mail sets a new password once and ends every session', async () => {
  const email = customer();
  const session = await login(email, OLD);
  const r = await ask({ login: email });
  assert.equal(r.status, 202);
  const token = lastBody(email).match(/https:\/\/portal\.example\.com\/reset\?token=([0-9a-f]{64})/)[1];
  const c = await confirm({ token, new_password: 'a brand new passphrase' });
  assert.equal(c.status, 200);
  assert.equal((await api.get('/api/v1/me', { headers: { authorization: `Bearer ${session.json.access_token}` } })).status, 401);
  assert.equal((await login(email, OLD)).status, 401);
  assert.equal((await login(email, 'a brand new passphrase')).status, 200);
  const again = await confirm({ token, new_password: 'yet another passphrase' });
  assert.equal(again.status, 400);
  assert.equal(again.json.errors[0].code, 'invalid_or_expired');
  assert.match(psql(db.url, "SELECT string_agg(action, ',') FROM audit_log WHERE action LIKE 'auth.recovery%'"), /auth\.recovery_requested.*auth\.recovery_used/);
});

test('a 6-digit code by e-mail or SMS', async () => {
  const email = customer();
  await ask({ login: email, method: 'code' });
  assert.match(psql(db.url, `SELECT event FROM messages WHERE address = '${email}' ORDER BY created_at DESC, id DESC LIMIT 1`), /recovery_code/);
  assert.equal((await confirm({ login: email, code: codeFor(email), new_password: 'code by mail works fine' })).status, 200);
  const phone = psql(db.url, `SELECT phone FROM customers WHERE email = '${email}'`);
  await ask({ login: phone, channel: 'sms' });
  assert.equal(psql(db.url, `SELECT channel FROM messages WHERE address = '${phone}'`), 'sms');
  assert.equal((await confirm({ login: phone, code: codeFor(phone), new_password: 'code by sms works too' })).status, 200);
  assert.equal((await login(email, 'code by sms works too')).status, 200);
});

test('unknown logins get the same answer and nothing is sent', async () => {
  const before = psql(db.url, 'SELECT count(*) FROM messages');
  const known = await ask({ login: customer() });
  const unknown = await ask({ login: 'nobody@example.org' });
  assert.deepEqual(unknown.json, known.json);
  assert.equal(unknown.status, known.status);
  assert.equal(Number(psql(db.url, 'SELECT count(*) FROM messages')), Number(before) + 1);
  const wrong = await confirm({ login: 'nobody@example.org', code: '123456', new_password: 'whatever passphrase' });
  assert.equal(wrong.json.errors[0].code, 'invalid_or_expired');
});

test('recovery for a known and an unknown login: the same answer, in about the same time (100 tries each)', async () => {
  // a fresh account each time: every known request has a message to send, none hits the cap
  const known = Array.from({ length: 100 }, () => customer());
  const times = { known: [], unknown: [] };
  const bodies = new Set();
  for (let i = 0; i < 100; i++) {
    // alternate, so both see the same load from the rest of the suite
    for (const [kind, login] of [['known', known[i]], ['unknown', `ghost${i}@example.org`]]) {
      const t0 = performance.now();
      const r = await api.post('/api/v1/auth/recovery', { json: { login } });
      times[kind].push(performance.now() - t0);
      assert.equal(r.status, 202);
      bodies.add(JSON.stringify(r.json));
    }
  }
  assert.equal(bodies.size, 1, 'one body for every answer');
  const median = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const [k, u] = [median(times.known), median(times.unknown)];
  console.log(`recovery answer medians: known ${k.toFixed(2)} ms, unknown ${u.toFixed(2)} ms`);
  // the same work for both (one insert): before, a known login cost 4.1 ms against 2.4 ms
  assert.ok(Math.abs(k - u) <= Math.max(0.75, 0.2 * Math.max(k, u)), `medians ${k.toFixed(2)} ms and ${u.toFixed(2)} ms`);
  await jobsDone(db.url);
});

test('20 parallel confirmations of one code: exactly one succeeds', async () => {
  const email = customer();
  await ask({ login: email, method: 'code' });
  const code = codeFor(email);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    confirm({ login: email, code, new_password: `parallel passphrase number ${i}` })));
  assert.equal(answers.filter((a) => a.status === 200).length, 1);
  assert.ok(answers.every((a) => a.status === 200 || a.status === 400));
});

test('a newer request kills the older; five wrong codes kill it; codes expire', async () => {
  const email = customer();
  await ask({ login: email, method: 'code' });
  const first = codeFor(email);
  await tick();
  await ask({ login: email, method: 'code' });
  const second = codeFor(email);
  if (first !== second) assert.equal((await confirm({ login: email, code: first, new_password: 'first code passphrase' })).status, 400);
  for (let i = 0; i < 5; i++) {
    const wrong = String((Number(second) + 1 + i) % 1000000).padStart(6, '0');
    assert.equal((await confirm({ login: email, code: wrong, new_password: 'wrong code passphrase' })).status, 400);
  }
  assert.equal((await confirm({ login: email, code: second, new_password: 'right code too late' })).status, 400, 'killed by five wrong codes');

  const other = customer();
  await ask({ login: other, method: 'code' });
  await tick(601);
  assert.equal((await confirm({ login: other, code: codeFor(other), new_password: 'expired code passphrase' })).status, 400, 'expired after 10 minutes');
});

test('at most three sends per account per hour; the policy applies and keeps the code usable', async () => {
  const email = customer();
  for (let i = 0; i < 5; i++) {
    await tick();
    assert.equal((await ask({ login: email, method: 'code' })).status, 202);
  }
  assert.equal(psql(db.url, `SELECT count(*) FROM messages WHERE address = '${email}'`), '3');
  const code = codeFor(email);
  const weak = await confirm({ login: email, code, new_password: 'password123' });
  assert.equal(weak.status, 400);
  assert.equal(weak.json.errors[0].field, 'new_password');
  const ok = await confirm({ login: email, code, new_password: 'a strong new passphrase' });
  assert.equal(ok.status, 200, ok.text);
});

test('bad requests are refused before anything happens', async () => {
  const r = await ask({ login: 'x@example.org', channel: 'fax', method: 'link', extra: 1 });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json.errors.map((e) => e.field).sort(), ['channel', 'extra']);
  assert.equal((await ask({ login: '+33612345678', channel: 'sms', method: 'link' })).status, 400, 'links go by e-mail only');
  assert.equal((await confirm({ new_password: 'something long enough' })).status, 400);
  assert.equal((await confirm({ token: 'short', new_password: 'something long enough' })).json.errors[0].code, 'invalid_or_expired');
});

test('staff recover through the staff realm; the link leads to the admin panel', async () => {
  const r = await ask({ login: 'admin@example.com', realm: 'staff' });
  assert.equal(r.status, 202);
  const body = lastBody('admin@example.com');
  const token = body.match(/https:\/\/portal\.example\.com\/admin\/reset\?token=([0-9a-f]{64})/)[1];
  assert.equal((await confirm({ token, new_password: 'staff recovered passphrase', realm: 'staff' })).status, 200);
  assert.equal((await api.post('/api/v1/auth/login', { json: { login: 'admin@example.com', password: 'staff recovered passphrase', realm: 'staff' } })).status, 200);
  assert.equal((await ask({ login: 'admin@example.com', realm: 'staff', channel: 'sms' })).status, 202, 'staff have no phone: nothing sent, same answer');
});
