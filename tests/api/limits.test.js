// Bounded resources: a body announced over its limit is refused before it is read, bodies in
// flight share one memory budget, and a request head must arrive in time. Before: every body could
// be buffered up to the import limit (8 MiB) before its 413, and 1,100 connections trickling a
// header line every 5 s from 5 addresses held all 1,024 slots (/healthz answered 0 of 1,185).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db;

before(() => { db = createDatabase(); });
after(() => db?.drop());

const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens a socket (from local, a loopback address) and writes head. Resolves with it once open, or
 * once refused (s.ended then): s.answer collects what the server says.
 */
function open(port, head, local = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: local }, () => { s.opened = true; s.write(head); resolve(s); });
    s.answer = '';
    s.ended = false;
    s.on('data', (d) => { s.answer += d; });
    s.on('close', () => { s.ended = true; resolve(s); });
    s.on('error', () => { s.ended = true; resolve(s); });
  });
}
const send = (s, text) => { if (!s.ended && s.writable) s.write(text); };

const post = (path, length, extra = '') => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

test('a body announced over the limit is a 413 before a byte of it is read; only a staff token opens the import limit', async () => {
  const server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  try {
    const api = client(server.url);
    const s = await open(server.port, post('/api/v1/auth/login', 8 * 1024 * 1024));
    const started = Date.now();
    while (!s.answer.includes('\r\n\r\n') && Date.now() - started < 5000) await sleep(10);
    assert.match(s.answer, /^HTTP\/1\.1 413/, 'answered without waiting for the body');
    assert.match(s.answer, /"code":"payload_too_large"/);
    s.destroy();
    // the import's limit needs a staff access token whose signature verifies
    const big = 2 * 1024 * 1024;
    const anon = await open(server.port, post('/api/v1/customers/import', big));
    while (!anon.answer && !anon.ended) await sleep(10);
    assert.match(anon.answer, /^HTTP\/1\.1 413/, 'no token: the general limit');
    anon.destroy();
    const token = (await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } })).json.access_token;
    const r = await fetch(`${server.url}/api/v1/customers/import?dry_run=true`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
      body: `email,first_name\n${'x'.repeat(big)}\n`,
    });
    assert.notEqual(r.status, 413, 'a staff member may send the import its 8 MiB');
  } finally {
    await server.stop();
  }
});

test('1,000 connections announcing 8 MiB bodies, then 1,000 sending 1 MiB ones: RSS stays under 256 MiB', async () => {
  // the sanitizer's quarantine keeps freed memory for a while: measure what the server holds
  const server = await startServer({ databaseUrl: db.url, env: { CABINET_HTTP_PER_IP_LIMIT: '0', CABINET_HTTP_CONNECTION_LIMIT: '2048', ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86:quarantine_size_mb=0:thread_local_quarantine_size_kb=0' } });
  const sockets = [];
  try {
    const base = rssMiB(server.proc.pid);
    for (let i = 0; i < 1000; i += 100) {
      sockets.push(...await Promise.all(Array.from({ length: 100 }, () => open(server.port, post('/api/v1/auth/login', 8 * 1024 * 1024) + '{"login":'))));
    }
    await sleep(500);
    const refused = sockets.filter((s) => /^HTTP\/1\.1 413/.test(s.answer)).length;
    assert.equal(refused, 1000, 'every one refused at its head');
    const afterLarge = rssMiB(server.proc.pid);
    sockets.forEach((s) => s.destroy());
    sockets.length = 0;
    // bodies under the limit: the budget (64 MiB) lets some in, the others wait for a 503
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 1000; i += 100) {
      sockets.push(...await Promise.all(Array.from({ length: 100 }, () => open(server.port, post('/api/v1/auth/login', 1024 * 1024)))));
    }
    for (let k = 0; k < 15; k++) { // nearly the whole megabyte of each, never the end
      for (const s of sockets) send(s, chunk);
      await sleep(20);
    }
    await sleep(1000);
    const busy = sockets.filter((s) => /^HTTP\/1\.1 503/.test(s.answer)).length;
    const receiving = sockets.filter((s) => !s.answer && !s.ended).length;
    const peak = rssMiB(server.proc.pid);
    console.log(`RSS: ${base.toFixed(0)} MiB at rest, ${afterLarge.toFixed(0)} MiB with 1,000 announced 8 MiB bodies, ${peak.toFixed(0)} MiB with 1,000 bodies of 1 MiB sent (${receiving} being received, ${busy} told 503)`);
    assert.ok(receiving <= 64, `${receiving} bodies held at once for a budget of 64 MiB`);
    // the others were told 503 and closed (some answers are lost to the reset of a socket the
    // client still writes to); none was let in beyond the budget
    assert.ok(busy > 0);
    assert.equal(sockets.filter((s) => s.answer && !/^HTTP\/1\.1 503/.test(s.answer)).length, 0);
    assert.equal(sockets.filter((s) => !s.answer && s.ended).length + busy + receiving, 1000);
    assert.ok(peak < 256, `RSS ${peak.toFixed(0)} MiB`);
    assert.equal((await client(server.url).get('/healthz')).status, 200);
  } finally {
    sockets.forEach((s) => s.destroy());
    await server.stop();
  }
});

test('1,100 connections from 5 addresses trickling header lines: closed at the deadline, /healthz p99 under 100 ms', async () => {
  const server = await startServer({ databaseUrl: db.url, env: { CABINET_HTTP_HEAD_TIMEOUT_S: '3', CABINET_HTTP_PER_IP_LIMIT: '64' } });
  const sockets = [];
  let trickle;
  try {
    const attempts = await Promise.allSettled(Array.from({ length: 1100 }, (_, i) =>
      open(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', `127.0.0.${2 + (i % 5)}`)));
    await sleep(500); // connections over the per-address limit are closed as soon as accepted
    for (const a of attempts) if (a.status === 'fulfilled' && a.value.opened && !a.value.ended) sockets.push(a.value);
    trickle = setInterval(() => { for (const s of sockets) send(s, 'X-Slow: 1\r\n'); }, 1000);
    const times = [];
    const until = Date.now() + 6000;
    while (Date.now() < until) {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/healthz`);
      await r.text();
      times.push(performance.now() - t0);
      assert.equal(r.status, 200);
      await sleep(20);
    }
    times.sort((a, b) => a - b);
    const p99 = times[Math.floor(times.length * 0.99)];
    const closed = sockets.filter((s) => s.ended).length;
    console.log(`slow clients: ${sockets.length} accepted of 1,100, ${closed} closed by the deadline; /healthz p99 ${p99.toFixed(1)} ms over ${times.length}`);
    assert.ok(p99 < 100, `p99 ${p99.toFixed(1)} ms`);
    assert.ok(sockets.length <= 5 * 64, 'at most 64 per address');
    assert.equal(closed, sockets.length, 'every trickling connection was closed by the head deadline');
    assert.match(server.output(), /did not arrive in time/);
  } finally {
    clearInterval(trickle);
    sockets.forEach((s) => s.destroy());
    await server.stop();
  }
});
