// Customer import for migrations: 10,000 rows with bcrypt and argon2 hashes made by the real tools
// (htpasswd, argon2) complete and a sample signs in with the old passwords; a dry run reports per
// row and writes nothing; a second run updates instead of duplicating; bad rows are refused one by one;
// CSV and JSON; cabinetctl import does the same from a file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer, BINARY } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, dir;

// one hash of each kind per old password, made by the tools other systems use
const OLD = ['old bcrypt secret one', 'old argon2i secret two', 'old argon2id secret three'];
let HASHES;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_DEFAULT_COUNTRY: 'FR' } });
  api = client(server.url);
  owner = { headers: { authorization: `Bearer ${(await api.post('/api/v1/auth/login', { json: { login: OWNER, password: PASSWORD, realm: 'staff' } })).json.access_token}` } };
  HASHES = [
    execFileSync('htpasswd', ['-nbB', '-C', '5', 'u', OLD[0]], { encoding: 'utf8' }).trim().split(':')[1],
    execFileSync('argon2', ['saltsaltsalt', '-i', '-t', '2', '-m', '10', '-p', '1', '-e'], { input: OLD[1], encoding: 'utf8' }).trim(),
    execFileSync('argon2', ['othersaltsalt', '-id', '-t', '1', '-m', '12', '-p', '2', '-e'], { input: OLD[2], encoding: 'utf8' }).trim(),
  ];
  dir = mkdtempSync(join(tmpdir(), 'cabinet-import-'));
});
after(async () => {
  await server?.stop();
  db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const importRows = (body, { type = 'application/json', dry = false } = {}) => api.request('POST', `/api/v1/customers/import${dry ? '?dry_run=true' : ''}`, {
  headers: { ...owner.headers, 'content-type': type },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const count = (sql) => Number(psql(db.url, sql));

test('bad rows are refused one by one; a dry run writes nothing', async () => {
  psql(db.url, "INSERT INTO customers (email, phone, status) VALUES ('holder@example.org', '+33600000001', 'active')");
  const rows = [
    { email: 'fine@example.org', first_name: 'Fine', phone: '06 00 00 00 02', password_hash: HASHES[0], email_confirmed: 'yes' },
    { email: 'nope' },
    { email: 'hash@example.org', password_hash: 'plaintext-password' },
    { email: 'FINE@example.org' },
    { email: 'phone@example.org', phone: '+33 6 00 00 00 01' },
    { email: 'tz@example.org', time_zone: 'Mars/Olympus', language: 'de', colour: 'red' },
  ];
  const dry = await importRows(rows, { dry: true });
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual({ ...dry.json, items: undefined }, { dry_run: true, rows: 6, created: 1, updated: 0, errors: 5, items: undefined });
  const codes = dry.json.items.map((i) => [i.row, i.result, (i.errors || []).map((e) => `${e.field}:${e.code}`).sort().join(' ')]);
  assert.deepEqual(codes, [
    [1, 'created', ''],
    [2, 'error', 'email:invalid'],
    [3, 'error', 'password_hash:unknown_format'],
    [4, 'error', 'email:duplicate'],
    [5, 'error', 'phone:taken'],
    [6, 'error', 'colour:unknown_field language:invalid time_zone:invalid'],
  ]);
  assert.equal(count("SELECT count(*) FROM customers WHERE email = 'fine@example.org'"), 0, 'a dry run writes nothing');
  const real = await importRows(rows);
  assert.equal(real.json.created, 1);
  assert.equal(psql(db.url, "SELECT status || ' ' || phone || ' ' || (email_confirmed_at IS NOT NULL) FROM customers WHERE email = 'fine@example.org'"), 'active +33600000002 true');
  assert.equal((await api.post('/api/v1/auth/login', { json: { login: 'fine@example.org', password: OLD[0] } })).status, 200);
  assert.equal(count("SELECT count(*) FROM audit_log WHERE action = 'customer.imported'"), 1);
  assert.match(psql(db.url, "SELECT details::text FROM audit_log WHERE action = 'customer.import'"), /"errors": 5/);
});

test('unreadable files, the wrong type and too many rows are refused whole', async () => {
  assert.equal((await importRows('{"customers": 3}')).status, 400);
  assert.equal((await importRows('email,name\n"open', { type: 'text/csv' })).json.errors[0].message, 'line 2: a quoted field is not closed');
  assert.equal((await importRows('email\nx@example.org', { type: 'text/plain' })).status, 415);
  const many = Array.from({ length: 10001 }, (_, i) => ({ email: `m${i}@example.org` }));
  const r = await importRows(many);
  assert.equal(r.status, 400);
  assert.match(r.json.detail, /10001 rows: at most 10000/);
  const ro = await api.post('/api/v1/staff', { ...owner, json: { email: 'ro@example.com', role: 'read_only' } });
  assert.equal(ro.status, 201);
});

test('10,000 rows with mixed hashes import; a sample signs in with the old passwords; a re-run updates', async () => {
  const header = 'email,first_name,last_name,phone,language,email_confirmed,password_hash\n';
  const line = (i) => `mig${i}@example.org,Émile${i},"Dupont, ${i}",+3370${String(i).padStart(7, '0')},${i % 2 ? 'fr' : 'en'},true,"${HASHES[i % 3]}"\n`; // argon2 hashes hold commas
  let csv = header;
  for (let i = 0; i < 10000; i++) csv += line(i);
  const t0 = Date.now();
  const r = await importRows(csv, { type: 'text/csv' });
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.deepEqual([r.json.rows, r.json.created, r.json.updated, r.json.errors], [10000, 10000, 0, 0]);
  console.log(`10,000 rows imported in ${Date.now() - t0} ms`);
  assert.equal(count("SELECT count(*) FROM customers WHERE email LIKE 'mig%'"), 10000);
  assert.equal(psql(db.url, "SELECT last_name FROM customers WHERE email = 'mig7@example.org'"), 'Dupont, 7');
  for (const i of [0, 1, 2, 4242, 9999]) {
    const s = await api.post('/api/v1/auth/login', { json: { login: `mig${i}@example.org`, password: OLD[i % 3] } });
    assert.equal(s.status, 200, `row ${i}`);
    assert.match(psql(db.url, `SELECT password_hash FROM customers WHERE email = 'mig${i}@example.org'`), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, 're-hashed at sign-in');
  }
  assert.equal(psql(db.url, "SELECT password_hash FROM customers WHERE email = 'mig3@example.org'"), HASHES[0], 'kept as it was until then');
  // the same file again: nothing new, every row an update
  const again = await importRows(csv, { type: 'text/csv' });
  assert.deepEqual([again.json.created, again.json.updated], [0, 10000]);
  assert.equal(count("SELECT count(*) FROM customers WHERE email LIKE 'mig%'"), 10000);
  assert.equal(count("SELECT count(*) FROM audit_log WHERE action = 'customer.imported'"), 10001);
});

test('cabinetctl import does the same from a file', () => {
  const file = join(dir, 'customers.json');
  writeFileSync(file, JSON.stringify({ customers: [{ email: 'cli@example.org', first_name: 'Cli', password_hash: HASHES[1] }, { email: 'bad' }] }));
  const ctl = (...args) => spawnSync(BINARY.replace(/cabinetd$/, 'cabinetctl'), args, {
    env: { PATH: process.env.PATH, CABINET_DATABASE_URL: db.url, ASAN_OPTIONS: 'detect_leaks=1' },
    encoding: 'utf8',
  });
  let r = ctl('import', file, '--dry-run');
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stdout, /row 2 \(bad\): email: An e-mail address\./);
  assert.match(r.stdout, /dry run, nothing written: 2 row\(s\): 1 created, 0 updated, 1 refused/);
  assert.equal(count("SELECT count(*) FROM customers WHERE email = 'cli@example.org'"), 0);
  r = ctl('import', file);
  assert.equal(r.status, 3);
  assert.equal(psql(db.url, "SELECT status FROM customers WHERE email = 'cli@example.org'"), 'pending');
  assert.equal(psql(db.url, "SELECT actor_kind || ' ' || (details->>'source') FROM audit_log WHERE action = 'customer.import' ORDER BY id DESC LIMIT 1"), 'system cabinetctl');
  assert.doesNotMatch(r.stderr, /Sanitizer|runtime error/);
  r = ctl('import', join(dir, 'missing.csv'));
  assert.equal(r.status, 1);
});
