// The CRM example of docs/examples/crm-token.sh, run as it is against a real server: the customer
// creates a token in the portal, the CRM calls the API with it, and is refused after revocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createDatabase, ROOT } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the crm owner passphrase';
let db, server;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
  const api = client(server.url);
  const owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  await customerAccount(api, owner, { email: 'shop@example.org', password: 'tangerine skylight 71' });
});
after(async () => {
  await server?.stop();
  db?.drop();
});

test('docs/examples/crm-token.sh: create, use, revoke, refused', () => {
  const out = execFileSync('bash', [join(ROOT, 'docs', 'examples', 'crm-token.sh')], {
    env: { ...process.env, CABINET_URL: server.url, LOGIN: 'shop@example.org', PASSWORD: 'tangerine skylight 71' },
    encoding: 'utf8',
  });
  assert.match(out, /created token cab_[0-9a-f]{8}…/);
  assert.match(out, /the CRM acts for shop@example.org with \["profile.read","history.read"\]/);
  assert.match(out, /revoked: the CRM's next call is refused \(401\)/);
});
