// No API answer carries a live secret: every kind of secret-bearing message (confirmation and
// reset links, codes by e-mail and SMS, generated passwords, invitations, "this wasn't me" links)
// is read back through every route that shows messages, as the owner, support and read-only staff,
// and none holds the link, code or password the message delivers. The attack of the review
// (support asks a reset for the owner and reads the link before it is sent) finds nothing to use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredMessages, jobsDone } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, staffMember, customerAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, support, readOnly, customerId;

before(async () => {
  db = createDatabase();
  server = await startServer({
    databaseUrl: db.url,
    env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_PUBLIC_URL: 'https://portal.example.com', CABINET_TRUSTED_PROXIES: '127.0.0.1' },
  });
  api = client(server.url);
  owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  support = await staffMember(api, db, owner, { email: 'support@example.com', role: 'support', password: 'helpdesk lantern 4417' });
  readOnly = await staffMember(api, db, owner, { email: 'viewer@example.com', role: 'read_only', password: 'quiet harbour 2931' });
  customerId = await customerAccount(api, owner, { email: 'cleo@example.org', password: 'the customer passphrase', extra: { phone: '+33612345678' } });
});
after(async () => {
  await server?.stop();
  db?.drop();
});

/** Every message as the API shows it to auth: the list, each one, and the customer profile's tab. */
async function everythingShown(auth) {
  const shown = [];
  let cursor = '';
  for (;;) {
    const page = await api.get(`/api/v1/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`, auth);
    assert.equal(page.status, 200, page.text);
    shown.push(page.text);
    for (const m of page.json.items) shown.push((await api.get(`/api/v1/messages/${m.id}`, auth)).text);
    if (!page.json.next_cursor) break;
    cursor = encodeURIComponent(page.json.next_cursor);
  }
  shown.push((await api.get(`/api/v1/customers/${customerId}/messages`, auth)).text);
  return shown.join('\n');
}

/** The secret each delivered message carries (link token, code or password). */
function secretsDelivered() {
  return deliveredMessages(db.url, 'sensitive').map((m) => {
    const secret = m.body_text.match(/token=([0-9a-f]{64})/)?.[1] ?? m.body_text.match(/Password: (\S+)/)?.[1]
      ?? m.body_text.match(/Mot de passe : (\S+)/)?.[1] ?? m.body_text.match(/\b(\d{6})\b/)?.[1];
    assert.ok(secret, `a secret in the delivered ${m.event}`);
    return { event: m.event, secret };
  });
}

test('support asks a reset for the owner and reads the messages at once: no link to use', async () => {
  const asked = await api.post('/api/v1/auth/recovery', { ...support, json: { login: OWNER, realm: 'staff' } });
  assert.equal(asked.status, 202);
  await jobsDone(db.url);
  const shown = await everythingShown(support);
  assert.doesNotMatch(shown, /token=[0-9a-f]{64}/, 'no live link in what support reads');
  assert.match(shown, /\[hidden\]/, 'the reset message is listed with its link masked');
  const [link] = deliveredMessages(db.url, `address = '${OWNER}' AND event = 'password_reset_link'`);
  assert.match(link.body_text, /\/admin\/reset\?token=[0-9a-f]{64}/, 'the owner still gets a working link');
});

test('no secret of any kind reaches the owner, support or read-only staff through the API', async () => {
  // one of each secret-bearing kind
  for (const [path, json] of [
    ['/api/v1/auth/register', { email: 'newcomer@example.org', password: 'orchard velvet 5521', first_name: 'Nia' }],
    ['/api/v1/auth/recovery', { login: 'cleo@example.org', method: 'code' }],
    ['/api/v1/auth/recovery', { login: '+33612345678', channel: 'sms' }],
  ]) {
    const r = await api.post(path, { json });
    assert.equal(r.status, 202, r.text);
  }
  await jobsDone(db.url);
  const c = await api.post(`/api/v1/customers/${customerId}/actions/send-credentials`, { ...owner, json: {} });
  assert.equal(c.status, 200, c.text);
  assert.equal((await api.post(`/api/v1/customers/${customerId}/individuals`, { ...owner, json: { email: 'ivy@example.org', first_name: 'Ivy' } })).status, 201);
  const creds = psql(db.url, "SELECT count(*) FROM messages WHERE event = 'generated_credentials' AND address = 'cleo@example.org'");
  assert.equal(creds, '1');
  // a sign-in from a new device and network: the "this wasn't me" link
  const password = deliveredMessages(db.url, "event = 'generated_credentials' AND address = 'cleo@example.org'")[0].body_text.match(/Password: (\S+)/)[1];
  await api.post('/api/v1/auth/login', { json: { login: 'cleo@example.org', password }, headers: { 'user-agent': 'Firefox/128.0 (X11; Linux)', 'x-forwarded-for': '198.51.100.7' } });
  await api.post('/api/v1/auth/login', { json: { login: 'cleo@example.org', password }, headers: { 'user-agent': 'Chrome/126.0 (Windows NT 10.0)', 'x-forwarded-for': '203.0.113.9' } });

  const secrets = secretsDelivered();
  const kinds = new Set(secrets.map((s) => s.event));
  for (const kind of ['email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials', 'individual_invitation', 'new_device_login']) {
    assert.ok(kinds.has(kind), `a ${kind} was queued`);
  }
  for (const [who, auth] of [['owner', owner], ['support', support], ['read_only', readOnly]]) {
    const shown = await everythingShown(auth);
    for (const { event, secret } of secrets) assert.ok(!shown.includes(secret), `${who} reads the secret of a ${event}`);
  }
  // nor does the database hold one in the clear
  const plain = psql(db.url, "SELECT string_agg(subject || body_text || coalesce(body_html, ''), ' ') FROM messages");
  for (const { event, secret } of secrets) assert.ok(!plain.includes(secret), `the row of a ${event} holds its secret in the clear`);
});
