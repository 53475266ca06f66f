// The audit log is a hash chain: `cabinetctl audit verify` passes on a real run (with appends racing
// each other) and names the first broken entry after a row is changed or removed behind the
// server's back, with the append-only trigger disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, BINARY } from '../lib/server.js';
import { client } from '../lib/client.js';

let db, server, api;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: 'owner@example.com', CABINET_BOOTSTRAP_ADMIN_PASSWORD: 'a chain of trust passphrase' } });
  api = client(server.url);
});
after(async () => {
  await server?.stop();
  db?.drop();
});

const verify = () => spawnSync(BINARY.replace(/cabinetd$/, 'cabinetctl'), ['audit', 'verify'], {
  env: { PATH: process.env.PATH, CABINET_DATABASE_URL: db.url, ASAN_OPTIONS: 'detect_leaks=1' },
  encoding: 'utf8',
});

test('a real run verifies, parallel appends included', async () => {
  const login = (password) => api.post('/api/v1/auth/login', { json: { login: 'owner@example.com', password, realm: 'staff' } });
  const s = await login('a chain of trust passphrase');
  const auth = { headers: { authorization: `Bearer ${s.json.access_token}` } };
  await Promise.all(Array.from({ length: 12 }, (_, i) => api.post('/api/v1/customers', { ...auth, json: { email: `chain${i}@example.org` } })));
  await Promise.all(Array.from({ length: 4 }, (_, i) => login(`wrong ${i}`)));
  const entries = Number(psql(db.url, 'SELECT count(*) FROM audit_log'));
  assert.ok(entries >= 18);
  assert.equal(psql(db.url, 'SELECT count(DISTINCT chain_seq) = count(*) AND max(chain_seq) = count(*) FROM audit_log'), 't', 'one gapless chain');
  const r = verify();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), `audit chain intact: ${entries} entries`);
  assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
});

test('an entry changed with the trigger disabled breaks the chain there; a removed one too', () => {
  const tamper = (sql) => psql(db.url, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; ${sql}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  tamper("UPDATE audit_log SET details = '{\"forged\": true}' WHERE chain_seq = 5");
  let r = verify();
  assert.equal(r.status, 1);
  assert.match(r.stdout, /audit chain BROKEN at chain position 5 \(entry id \d+, /);
  tamper('DELETE FROM audit_log WHERE chain_seq = 3');
  r = verify();
  assert.equal(r.status, 1);
  assert.match(r.stdout, /BROKEN at chain position 4/, 'the entry after the hole names it');
  assert.throws(() => psql(db.url, "UPDATE audit_log SET action = 'x' WHERE chain_seq = 6"), /append-only/);
});
