// Migrations, the staff bootstrap and the append-only audit log, on fresh databases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDatabase, psql, ROOT } from '../lib/pg.js';
import { spawnSync } from 'node:child_process';
import { startServer, BINARY } from '../lib/server.js';

const MIGRATIONS = readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d{4}_.*\.sql$/.test(f));

test('two instances started together on an empty database apply each migration once', async () => {
  const db = createDatabase();
  try {
    const [a, b] = await Promise.all([startServer({ databaseUrl: db.url }), startServer({ databaseUrl: db.url })]);
    const rows = psql(db.url, 'SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY version');
    assert.equal(rows.split('\n').length, MIGRATIONS.length);
    for (const row of rows.split('\n')) assert.match(row, /^\d+\|1$/);
    const applied = (a.output() + b.output()).match(/migration 0001_foundation\.sql applied/g) || [];
    assert.equal(applied.length, 1, 'exactly one instance applied it');
    // and exactly one owner was bootstrapped
    assert.equal(psql(db.url, "SELECT count(*) FROM staff WHERE role = 'owner'"), '1');
    await Promise.all([a.stop(), b.stop()]);
  } finally {
    db.drop();
  }
});

test('the first staff member gets a one-time password printed once, hashed with argon2id', async () => {
  const db = createDatabase();
  try {
    const s1 = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: 'boss@example.org' } });
    const out = s1.output();
    const m = out.match(/one-time password:\s+(\S+)/);
    assert.ok(m, 'password printed');
    assert.match(m[1], /^[A-Za-z2-9]{20}$/);
    const row = psql(db.url, 'SELECT email, role, must_change_password, password_hash FROM staff');
    const [email, role, mustChange, hash] = row.split('|');
    assert.equal(email, 'boss@example.org');
    assert.equal(role, 'owner');
    assert.equal(mustChange, 't');
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(!hash.includes(m[1]));
    // the password never reaches a structured log line
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) assert.ok(!line.includes(m[1]));
    const audit = psql(db.url, "SELECT actor_kind, action, target_kind, details->>'email' FROM audit_log");
    assert.equal(audit, 'system|staff.bootstrap|staff|boss@example.org');
    await s1.stop();
    // a second start keeps the data and prints nothing
    const s2 = await startServer({ databaseUrl: db.url });
    assert.doesNotMatch(s2.output(), /one-time password/);
    assert.equal(psql(db.url, 'SELECT count(*) FROM staff'), '1');
    await s2.stop();
  } finally {
    db.drop();
  }
});

test('bootstrap variables set the owner and its password', async () => {
  const db = createDatabase();
  try {
    const s = await startServer({
      databaseUrl: db.url,
      env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: 'ops@example.net', CABINET_BOOTSTRAP_ADMIN_PASSWORD: 'a long chosen passphrase' },
    });
    assert.doesNotMatch(s.output(), /one-time password/);
    assert.equal(psql(db.url, 'SELECT email, must_change_password FROM staff'), 'ops@example.net|f');
    await s.stop();
  } finally {
    db.drop();
  }
});

test('the audit log is append-only', async () => {
  const db = createDatabase();
  try {
    const s = await startServer({ databaseUrl: db.url });
    await s.stop();
    for (const sql of ['UPDATE audit_log SET action = \'x\'', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      assert.throws(() => psql(db.url, sql), /append-only/, sql);
    }
    assert.equal(psql(db.url, 'SELECT count(*) FROM audit_log'), '1');
  } finally {
    db.drop();
  }
});

test('a landed migration edited afterwards stops the server with a clear message', async () => {
  const db = createDatabase();
  try {
    const s = await startServer({ databaseUrl: db.url });
    await s.stop();
    psql(db.url, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    await assert.rejects(startServer({ databaseUrl: db.url }), /0001_foundation\.sql was edited after it was applied/);
  } finally {
    db.drop();
  }
});

test('readyz is 503 until migrations are applied', async () => {
  const db = createDatabase();
  try {
    const s = await startServer({ databaseUrl: db.url, env: { CABINET_MIGRATE_ON_START: 'false' }, waitReady: false });
    const r = await fetch(`${s.url}/readyz`);
    assert.equal(r.status, 503);
    const body = await r.json();
    assert.equal(body.code, 'not_ready');
    assert.match(body.detail, /migrations pending/);
    await s.stop();
  } finally {
    db.drop();
  }
});

test('cabinetctl status and migrate work on their own', async () => {
  const db = createDatabase();
  try {
    const ctl = (cmd) => spawnSync(BINARY.replace(/cabinetd$/, 'cabinetctl'), [cmd], {
      env: { PATH: process.env.PATH, CABINET_DATABASE_URL: db.url, ASAN_OPTIONS: 'detect_leaks=1' },
      encoding: 'utf8',
    });
    let r = ctl('status');
    assert.equal(r.status, 1);
    assert.match(r.stdout, /NOT current: run cabinetctl migrate/);
    r = ctl('migrate');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${MIGRATIONS.length} migration\\(s\\) applied; schema current`));
    r = ctl('migrate');
    assert.match(r.stdout, /^0 migration\(s\) applied/);
    r = ctl('status');
    assert.equal(r.status, 0);
    for (const m of MIGRATIONS) assert.match(r.stdout, new RegExp(m.replace('.', '\\.')));
    assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
    r = ctl('frobnicate');
    assert.equal(r.status, 2);
  } finally {
    db.drop();
  }
});
