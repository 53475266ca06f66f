// The audit log is a hash chain, linked by a sealer shortly after entries commit, so that audited
// transactions never wait for one another: `cabinetctl audit verify` passes on a real run (200
// parallel audited writes across two instances) and names the first broken entry after a row is
// changed, removed or moved behind the server's back, with the append-only trigger disabled. A
// failed sign-in does not wait for another audited transaction still open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, BINARY } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'a chain of trust passphrase';
let db, a, b, apiA, apiB, auth;

before(async () => {
  db = createDatabase();
  const env = { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_PUBLIC_URL: 'https://cabinet.example.com' };
  a = await startServer({ databaseUrl: db.url, env });
  b = await startServer({ databaseUrl: db.url, env });
  apiA = client(a.url);
  apiB = client(b.url);
  const s = await apiA.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } });
  auth = { headers: { authorization: `Bearer ${s.json.access_token}` } };
});
after(async () => {
  await a?.stop();
  await b?.stop();
  db?.drop();
});

const verify = () => spawnSync(BINARY.replace(/cabinetd$/, 'cabinetctl'), ['audit', 'verify'], {
  env: { PATH: process.env.PATH, CABINET_DATABASE_URL: db.url, ASAN_OPTIONS: 'detect_leaks=1' },
  encoding: 'utf8',
});

/** Waits until the sealers have linked every committed entry. */
async function sealed() {
  const started = Date.now();
  while (psql(db.url, 'SELECT count(*) FROM audit_log WHERE chain_seq IS NULL') !== '0') {
    assert.ok(Date.now() - started < 5000, 'every entry sealed within seconds');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('200 parallel audited writes across two instances make one gapless chain that verifies', async () => {
  const { id } = (await apiA.post('/api/v1/customers', { ...auth, json: { email: 'chain@example.org' } })).json;
  const writes = await Promise.all(Array.from({ length: 200 }, (_, i) =>
    (i % 2 ? apiA : apiB).post(`/api/v1/customers/${id}/notes`, { ...auth, json: { body: `note ${i}` } })));
  assert.deepEqual([...new Set(writes.map((w) => w.status))], [201]);
  await Promise.all(Array.from({ length: 4 }, (_, i) => apiB.post('/api/v1/auth/login', { json: { login: OWNER, password: `wrong ${i}`, realm: 'staff' } })));
  await sealed();
  const entries = Number(psql(db.url, 'SELECT count(*) FROM audit_log'));
  assert.ok(entries >= 205, `${entries} entries`);
  assert.equal(psql(db.url, 'SELECT count(DISTINCT chain_seq) = count(*) AND max(chain_seq) = count(*) FROM audit_log'), 't', 'one gapless chain');
  const r = verify();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(r.stdout.trim(), `audit chain intact: ${entries} entries`);
  assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
});

test('a failed sign-in does not wait for an audited transaction still open elsewhere', async () => {
  // an audited transaction that stays open for 3 s (under the old chain lock, every audited write
  // in the cluster waited for its commit)
  const held = spawn('psql', ['-qAtX', db.url, '-c',
    "BEGIN; INSERT INTO audit_log (actor_kind, action) VALUES ('system', 'test.held_open'); SELECT pg_sleep(3); COMMIT;"]);
  const done = new Promise((resolve) => held.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  const wrong = await apiA.post('/api/v1/auth/login', { json: { login: OWNER, password: 'not the passphrase', realm: 'staff' } });
  const took = performance.now() - started;
  assert.equal(wrong.status, 401);
  assert.ok(took < 1500, `the failed sign-in took ${Math.round(took)} ms`);
  assert.equal(await done, 0);
  await sealed();
  const r = verify();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal(psql(db.url, "SELECT chain_seq > (SELECT min(chain_seq) FROM audit_log WHERE action = 'auth.login_failed' AND occurred_at > now() - interval '10 seconds') FROM audit_log WHERE action = 'test.held_open'"), 't',
    'the entry that committed later is sealed later, whatever its id');
});

test('verify reports the tail not sealed yet, and a sealed entry cannot be changed', async () => {
  // the chain's lock held: the sealers wait, entries stay unsealed
  const holder = spawn('psql', ['-qAtX', db.url, '-c', 'BEGIN; SELECT pg_advisory_xact_lock(7367283650912); SELECT pg_sleep(2); COMMIT;']);
  const released = new Promise((resolve) => holder.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await apiA.post('/api/v1/auth/login', { json: { login: OWNER, password: 'wrong again', realm: 'staff' } });
  const r = verify();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^audit chain intact: \d+ entries; [1-9]\d* newer not sealed yet \(the oldest \d+ s ago\)$/m);
  await released;
  await sealed();
  assert.throws(() => psql(db.url, 'UPDATE audit_log SET action = \'x\' WHERE chain_seq = 6'), /append-only/);
  assert.throws(() => psql(db.url, 'UPDATE audit_log SET chain_seq = NULL, prev_hash = NULL, row_hash = NULL WHERE chain_seq = 6'), /append-only/, 'nor unsealed');
  assert.throws(() => psql(db.url, "INSERT INTO audit_log (actor_kind, action) VALUES ('system', 'x'); UPDATE audit_log SET chain_seq = 1000000, prev_hash = '\\x00', row_hash = '\\x00' WHERE action = 'x'"), /append-only/, 'only the sealer seals');
});

test('an entry changed, moved or removed with the trigger disabled breaks the chain there', () => {
  const tamper = (sql) => psql(db.url, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; ${sql}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  tamper("UPDATE audit_log SET details = '{\"forged\": true}' WHERE chain_seq = 5");
  let r = verify();
  assert.equal(r.status, 1);
  assert.match(r.stdout, /audit chain BROKEN at chain position 5 \(entry id \d+, /);
  // two entries swap places in the chain (their positions exchanged)
  tamper('UPDATE audit_log SET chain_seq = -chain_seq WHERE chain_seq IN (8, 9); UPDATE audit_log SET chain_seq = CASE chain_seq WHEN -8 THEN 9 ELSE 8 END WHERE chain_seq IN (-8, -9)');
  r = verify();
  assert.match(r.stdout, /BROKEN at chain position 5/, 'still the first break');
  tamper('DELETE FROM audit_log WHERE chain_seq = 3');
  r = verify();
  assert.equal(r.status, 1);
  assert.match(r.stdout, /BROKEN at chain position 4/, 'the entry after the hole names it');
});

test('a reordered entry alone is found', async () => {
  const tamper = (sql) => psql(db.url, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; ${sql}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  // what the test before broke, unsealed: the sealers link it all again, in order
  tamper('UPDATE audit_log SET chain_seq = NULL, prev_hash = NULL, row_hash = NULL');
  await sealed();
  assert.equal(verify().status, 0, 'resealed whole');
  tamper('UPDATE audit_log SET chain_seq = -chain_seq WHERE chain_seq IN (8, 9); UPDATE audit_log SET chain_seq = CASE chain_seq WHEN -8 THEN 9 ELSE 8 END WHERE chain_seq IN (-8, -9)');
  const r = verify();
  assert.equal(r.status, 1);
  assert.match(r.stdout, /BROKEN at chain position 8 /);
});
