// PostgreSQL going away and coming back; SIGTERM while requests are in flight.
import { test } from 'node:test';
import { connect } from 'node:net';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { startCluster, createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

test('readyz follows PostgreSQL down and back up without a restart of cabinetd', async () => {
  const cluster = startCluster(); // private: this test stops it
  let server;
  try {
    psql(cluster.url, 'CREATE DATABASE app');
    const url = cluster.url.replace('/postgres?', '/app?');
    server = await startServer({ databaseUrl: url });
    const api = client(server.url);
    assert.equal((await api.get('/readyz')).status, 200);

    cluster.stop();
    const down = await api.get('/readyz');
    assert.equal(down.status, 503);
    assert.equal(down.json.code, 'not_ready');
    assert.match(down.json.detail, /database unreachable/);
    assert.equal(down.headers.get('retry-after'), '1');
    assert.equal((await api.get('/healthz')).status, 200, 'liveness does not depend on the database');

    cluster.start();
    const back = Date.now();
    let status = 0;
    while (Date.now() - back < 5000) {
      status = (await api.get('/readyz')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, 'ready again within 5 s');
    assert.ok(Date.now() - back < 5000);
  } finally {
    await server?.stop();
    cluster.destroy();
  }
});

test('after an idle restart of PostgreSQL, no request answers 503: stale pooled connections are replaced', async () => {
  const cluster = startCluster();
  let server;
  try {
    psql(cluster.url, 'CREATE DATABASE app');
    const url = cluster.url.replace('/postgres?', '/app?');
    server = await startServer({ databaseUrl: url, env: { CABINET_DB_POOL_SIZE: '4' } });
    const api = client(server.url);
    // warm every pooled connection, then restart the server under them while they are idle
    await Promise.all(Array.from({ length: 8 }, () => api.get('/readyz')));
    cluster.stop();
    cluster.start();
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push((await api.get('/readyz')).status);
    answers.push(...(await Promise.all(Array.from({ length: 8 }, () => api.get('/readyz')))).map((r) => r.status));
    assert.deepEqual(answers, Array(16).fill(200), 'each stale connection was replaced and its request retried');
    assert.match(server.output(), /retried on a new one/);
  } finally {
    await server?.stop();
    cluster.destroy();
  }
});

test('a serialization failure or deadlock is retried by the transaction helper, then 503', async () => {
  const db = createDatabase();
  let server;
  try {
    server = await startServer({ databaseUrl: db.url });
    const api = client(server.url);
    const twice = await api.post('/api/v1/test/transaction', { json: { failures: 2 } });
    assert.equal(twice.status, 200);
    assert.equal(twice.json.attempts, 3, 'two failures, then the third attempt commits');
    const never = await api.post('/api/v1/test/transaction', { json: { failures: 5 } });
    assert.equal(never.status, 503);
    assert.equal(never.headers.get('retry-after'), '1');
  } finally {
    await server?.stop();
    db.drop();
  }
});

test('SIGTERM lets in-flight requests finish, refuses new ones, exits within 10 s', async () => {
  const db = createDatabase();
  try {
    const server = await startServer({ databaseUrl: db.url });
    const api = client(server.url);
    const inflight = [1500, 1200, 800].map((ms) => api.post('/api/v1/test/sleep', { json: { milliseconds: ms } }));
    await new Promise((r) => setTimeout(r, 300));
    const stopping = server.stop();
    const results = await Promise.all(inflight);
    for (const r of results) assert.equal(r.status, 200);
    assert.deepEqual(results.map((r) => r.json.slept_ms), [1500, 1200, 800]);
    await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(new Promise((resolve, reject) => {
      const sock = connect(server.port, '127.0.0.1', () => { sock.destroy(); resolve(); });
      sock.on('error', reject);
    }), /ECONNREFUSED/, 'no new connections while draining');
    const { code, elapsedMs, output } = await stopping;
    assert.equal(code, 0);
    assert.ok(elapsedMs < 10000, `exited after ${elapsedMs} ms`);
    assert.doesNotMatch(output, /grace period over/, 'it exited when the requests were done, not at the deadline');
    assert.match(output, /draining: \d+ request\(s\) in flight/);
  } finally {
    db.drop();
  }
});

test('a busy pool answers 503 after the checkout deadline, then recovers', async () => {
  const db = createDatabase();
  let locker, server;
  try {
    server = await startServer({
      databaseUrl: db.url,
      env: { CABINET_DB_POOL_SIZE: '1', CABINET_DB_CHECKOUT_TIMEOUT_MS: '200', CABINET_DB_STATEMENT_TIMEOUT_MS: '1500' },
    });
    const api = client(server.url);
    // hold a lock readyz's query needs: the only pooled connection waits on it
    locker = spawn('psql', ['-qX', db.url, '-c',
      'BEGIN; LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;'], { stdio: 'ignore' });
    const lockerDone = new Promise((resolve) => locker.on('exit', resolve));
    for (let i = 0; i < 100; i++) {
      const held = psql(db.url, "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'schema_migrations'::regclass");
      if (held === '1') break;
      await new Promise((r) => setTimeout(r, 30));
    }
    // several connections, so that requests run on several worker threads at once: one holds the
    // only database connection (and hits the statement timeout), the others give up waiting for it
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.get('/readyz')));
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([503]));
    assert.ok(answers.every((a) => a.headers.get('retry-after') === '1'));
    const metrics = (await api.get('/metrics')).text;
    assert.match(metrics, /cabinet_db_pool_timeouts_total [1-9]/, 'requests gave up waiting for the pool');
    assert.match(metrics, /cabinet_db_pool_waits_total [1-9]/);
    psql(db.url, "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE relation = 'schema_migrations'::regclass AND mode = 'AccessExclusiveLock'");
    await lockerDone;
    assert.equal((await api.get('/readyz')).status, 200, 'the pool recovers once the lock is gone');
  } finally {
    locker?.kill();
    await server?.stop();
    db.drop();
  }
});
