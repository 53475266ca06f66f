// Hashes imported from other systems sign in and are replaced by argon2id with the current
// parameters; a wrong password leaves them as they were. Made by the real tools: htpasswd -B, argon2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const PASSWORD = 'legacy passphrase 1998';
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

const htpasswd = () => execFileSync('htpasswd', ['-nbB', '-C', '5', 'u', PASSWORD], { encoding: 'utf8' }).trim().split(':')[1];
const argon2cli = (kind, t, m) => execFileSync('argon2', ['saltsaltsalt', kind, '-t', t, '-m', m, '-p', '1', '-e'],
  { input: PASSWORD, encoding: 'utf8' }).trim();

const cases = {
  'bcrypt $2y$ from htpasswd -B': htpasswd,
  'bcrypt $2b$': () => htpasswd().replace(/^\$2y\$/, '$2b$'),
  '$argon2i$ from the argon2 tool': () => argon2cli('-i', '1', '10'),
  '$argon2id$ with other parameters': () => argon2cli('-id', '3', '12'),
};

for (const [name, make] of Object.entries(cases)) {
  test(`${name}: signs in once re-hashed; a wrong password changes nothing`, async () => {
    const email = `${name.replace(/[^a-z0-9]+/gi, '').toLowerCase()}@example.com`;
    const legacy = make();
    psql(db.url, `INSERT INTO staff (email, password_hash, role) VALUES ('${email}', '${legacy}', 'support')`);
    const wrong = await api.post('/api/v1/auth/login', { json: { login: email, password: 'not it at all', realm: 'staff' } });
    assert.equal(wrong.status, 401);
    assert.equal(psql(db.url, `SELECT password_hash FROM staff WHERE email = '${email}'`), legacy);
    const right = await api.post('/api/v1/auth/login', { json: { login: email, password: PASSWORD, realm: 'staff' } });
    assert.equal(right.status, 200);
    const now = psql(db.url, `SELECT password_hash FROM staff WHERE email = '${email}'`);
    assert.match(now, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal((await api.post('/api/v1/auth/login', { json: { login: email, password: PASSWORD, realm: 'staff' } })).status, 200);
    assert.equal(psql(db.url, `SELECT password_hash FROM staff WHERE email = '${email}'`), now, 'no second re-hash');
  });
}

test('an unknown hash format is a failed sign-in, never a server error', async () => {
  psql(db.url, "INSERT INTO staff (email, password_hash, role) VALUES ('md5@example.com', '$1$abc$KJHGFDSAqwerty', 'support')");
  const r = await api.post('/api/v1/auth/login', { json: { login: 'md5@example.com', password: PASSWORD, realm: 'staff' } });
  assert.equal(r.status, 401);
  assert.equal(r.json.code, 'invalid_credentials');
});
