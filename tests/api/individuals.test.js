// Individuals: people inside a customer, invited by the customer's own portal (or by staff), signing
// in like customers with the role the customer may give them; scoped to their customer, unable to
// raise themselves, unique logins across customers and individuals, and stopped by suspension,
// expiry, deletion and their customer's suspension.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredMessages, deliveredText, jobsDone } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, signIn, customerAccount } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the people owner passphrase';
const ORG_PASSWORD = 'copper lantern seventy 3';
const PERSON_PASSWORD = 'violet tractor umbrella 88';
let db, server, api, owner, org, orgId, other, otherId, managerRole, plainRole;

/** The token of the live invitation link e-mailed to email (an older, killed one is skipped). */
/** The token of the invitation of email that is still live (a resend kills the older ones). */
const invitationToken = (email) => deliveredMessages(db.url, `address = '${email}' AND event = 'individual_invitation'`)
  .map((m) => m.body_text.match(/invitation\?token=([0-9a-f]{64})/)?.[1])
  .find((t) => t && psql(db.url, `SELECT count(*) FROM individual_invitations WHERE token_hash = sha256(convert_to('${t}', 'UTF8')) AND used_at IS NULL AND killed_at IS NULL`) === '1') ?? '';
const people = (customerId, auth = org) => `/api/v1/customers/${customerId}/individuals`;
const add = (json, auth = org, customerId = orgId) => api.post(people(customerId), { ...auth, json });
const patch = (id, json, auth = org, customerId = orgId) => api.request('PATCH', `${people(customerId)}/${id}`, { ...auth, json });
const accept = (token, password = PERSON_PASSWORD) => api.post('/api/v1/auth/invitation', { json: { token, new_password: password } });

/** Invites email, accepts the invitation, signs in; returns { id, auth }. */
async function person(email, extra = {}) {
  const r = await add({ email, first_name: 'Pat', last_name: 'Person', ...extra });
  assert.equal(r.status, 201, r.text);
  assert.equal((await accept(invitationToken(email))).status, 204);
  const s = await signIn(api, email, PERSON_PASSWORD);
  assert.equal(s.status, 200, s.text);
  return { id: r.json.id, auth: bearer(s.json.access_token), login: s.json };
}

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_DEFAULT_COUNTRY: 'FR', CABINET_PUBLIC_URL: 'https://portal.example.com' } });
  api = client(server.url);
  owner = bearer((await signIn(api, OWNER, PASSWORD, 'staff')).json.access_token);
  managerRole = (await api.post('/api/v1/roles', { ...owner, json: { name: 'People manager', permissions: ['profile.read', 'individuals.manage', 'tokens.manage'] } })).json;
  plainRole = (await api.post('/api/v1/roles', { ...owner, json: { name: 'Not allowed here', permissions: ['profile.read'] } })).json;
  orgId = await customerAccount(api, owner, { email: 'org@example.org', password: ORG_PASSWORD, extra: { company: 'Analytical Engines' } });
  await api.request('PATCH', `/api/v1/customers/${orgId}`, { ...owner, json: { allowed_role_ids: [managerRole.id] } });
  org = bearer((await signIn(api, 'org@example.org', ORG_PASSWORD)).json.access_token);
  otherId = await customerAccount(api, owner, { email: 'rival@example.org', password: ORG_PASSWORD });
  other = bearer((await signIn(api, 'rival@example.org', ORG_PASSWORD)).json.access_token);
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

test('an organization invites a person: a 7-day link to choose a password, then sign-in as an individual', async () => {
  const bad = await add({ email: 'not-an-address', phone: 'call me', role_id: plainRole.id, status: 'active', customer_id: otherId, send: 'credentials' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['customer_id', 'email', 'phone', 'send', 'status'], 'every error at once');
  const notAllowed = await add({ email: 'ann@example.org', role_id: plainRole.id });
  assert.equal(notAllowed.json.errors[0].code, 'not_allowed', 'a role the customer may not give');
  assert.equal(psql(db.url, 'SELECT count(*) FROM individuals'), '0', 'nothing was saved');

  const r = await add({ email: 'Ann@Example.org', first_name: 'Ann', last_name: 'Able', phone: '06 11 22 33 44' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.status, 'invited');
  assert.equal(r.json.role.name, 'user', 'the default role');
  assert.equal(r.json.phone, '+33611223344');
  assert.ok(r.json.invitation_expires_at);
  const days = (Date.parse(r.json.invitation_expires_at) - Date.now()) / 86400e3;
  assert.ok(days > 6.9 && days <= 7, `${days} days`);
  const message = psql(db.url, "SELECT subject FROM messages WHERE event = 'individual_invitation'");
  assert.equal(message, 'You are invited to Cabinet', 'no text the customer typed in the subject');
  assert.match(deliveredText(db.url, "event = 'individual_invitation'"), /Analytical Engines gives you access/);
  const token = invitationToken('Ann@Example.org');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal((await signIn(api, 'ann@example.org', 'anything at all 123')).status, 401, 'no password before accepting');

  const weak = await accept(token, 'ann@example.org');
  assert.equal(weak.json.errors[0].field, 'new_password');
  assert.equal((await accept(token)).status, 204);
  assert.equal((await accept(token)).json.code, 'invalid_token', 'single use');

  const s = await signIn(api, '+33 6 11 22 33 44', PERSON_PASSWORD);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.principal.kind, 'individual');
  assert.equal(s.json.principal.customer_id, orgId);
  assert.deepEqual(s.json.principal.permissions, ['profile.read', 'profile.write', 'security.manage', 'sessions.manage', 'history.read', 'licenses.read', 'releases.download', 'bookings.read']);
  const ann = bearer(s.json.access_token);
  const me = await api.get('/api/v1/me', ann);
  assert.equal(me.json.profile.first_name, 'Ann');
  assert.equal((await api.request('PATCH', '/api/v1/me', { ...ann, json: { last_name: 'Able-Baker', company: 'x' } })).json.errors[0].field, 'company', 'an individual has no company');
  assert.equal((await api.request('PATCH', '/api/v1/me', { ...ann, json: { last_name: 'Able-Baker' } })).json.profile.last_name, 'Able-Baker');
  assert.equal((await api.get('/api/v1/me/sessions', ann)).json.items.length, 1);
  assert.equal((await api.get(people(orgId), ann)).status, 403, 'the role user does not manage people');
  const history = await api.get(`/api/v1/customers/${orgId}/history`, owner);
  const actions = history.json.items.map((i) => i.action);
  assert.ok(actions.includes('individual.created') && actions.includes('individual.invitation_accepted') && actions.includes('auth.login'), actions.join());
});

test('identity applies to an individual: recovery by link, 2FA at sign-in, trusted addresses, lockout', async () => {
  const gus = await person('gus@example.org');
  // recovery: the link of the portal, a new password, every session ended
  assert.equal((await api.post('/api/v1/auth/recovery', { json: { login: 'gus@example.org' } })).status, 202);
  await jobsDone(db.url);
  const link = deliveredText(db.url, "address = 'gus@example.org' AND event = 'password_reset_link'").match(/reset\?token=([0-9a-f]{64})/)[1];
  assert.equal((await api.post('/api/v1/auth/recovery/confirm', { json: { token: link, new_password: 'a recovered passphrase 12' } })).status, 200);
  assert.equal((await api.get('/api/v1/me', gus.auth)).status, 401);
  let s = await signIn(api, 'gus@example.org', 'a recovered passphrase 12');
  assert.equal(s.status, 200);
  const auth = bearer(s.json.access_token);

  // two-factor: enrol, then the sign-in asks for the code
  const e = await api.post('/api/v1/me/2fa', auth);
  let offset = 0; // a code is never accepted twice: the next one comes with the next 30 s step
  const code = () => execFileSync('oathtool', ['--totp', '-b', '--now', `@${Math.floor(Date.now() / 1000) + offset}`, e.json.secret], { encoding: 'utf8' }).trim();
  assert.equal((await api.post('/api/v1/me/2fa/confirm', { ...auth, json: { code: code() } })).status, 200);
  offset = 31;
  await api.post('/api/v1/test/clock', { json: { offset_seconds: offset } });
  s = await signIn(api, 'gus@example.org', 'a recovered passphrase 12');
  assert.equal(s.json.code, 'mfa_required');
  const credentials = psql(db.url, "SELECT count(*) FROM totp_credentials t JOIN individuals i ON i.id = t.account_id WHERE i.email = 'gus@example.org' AND t.account_kind = 'individual'");
  assert.equal(credentials, '1', 'its own TOTP credential');
  assert.equal((await api.get(`${people(orgId)}/${gus.id}`, org)).json.two_factor, true, 'its organization sees it');

  // trusted addresses: its own list, refused elsewhere after the right password
  const last = await api.post('/api/v1/auth/login/mfa', { json: { mfa_token: s.json.mfa_token, code: code() } });
  assert.equal(last.status, 200, last.text);
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  const ips = await api.request('PUT', '/api/v1/me/trusted-ips', { ...bearer(last.json.access_token), json: { trusted_ips: '203.0.113.0/24', current_password: 'a recovered passphrase 12', exclude_current: true } });
  assert.equal(ips.status, 200, ips.text);
  assert.equal((await api.get('/api/v1/me', bearer(last.json.access_token))).json.code, 'ip_not_allowed');

  // its own e-mail change: a link to the new address, the old one told; an address taken gets nothing
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  psql(db.url, `UPDATE individuals SET trusted_ips = '' WHERE id = '${gus.id}'`); // open again, as staff would
  const gusAuth = bearer(last.json.access_token);
  const before = psql(db.url, 'SELECT count(*) FROM messages');
  assert.equal((await api.request('PUT', '/api/v1/me/email', { ...gusAuth, json: { email: 'org@example.org', current_password: 'a recovered passphrase 12' } })).status, 202);
  assert.equal(Number(psql(db.url, 'SELECT count(*) FROM messages')), Number(before) + 1, 'taken by a customer: no link, only a word to the holder');
  assert.equal(psql(db.url, "SELECT address FROM messages WHERE event = 'address_in_use' ORDER BY created_at DESC LIMIT 1"), 'org@example.org');
  assert.equal((await api.request('PUT', '/api/v1/me/email', { ...gusAuth, json: { email: 'gus.new@example.org', current_password: 'a recovered passphrase 12' } })).status, 202);
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE address = 'gus@example.org' AND event = 'email_change_notice'"), '1');
  const change = deliveredText(db.url, "address = 'gus.new@example.org' AND event = 'email_confirmation'").match(/confirm\?token=([0-9a-f]{64})/)[1];
  const confirmed = await api.post('/api/v1/auth/confirm', { json: { token: change } });
  assert.equal(confirmed.json.purpose, 'email_change');
  assert.equal(psql(db.url, `SELECT email FROM individuals WHERE id = '${gus.id}'`), 'gus.new@example.org');
  assert.equal(psql(db.url, `SELECT actor_kind FROM audit_log WHERE action = 'account.email_changed' AND target_id = '${gus.id}'`), 'individual');

  // five wrong passwords lock it, like any account
  for (let i = 0; i < 5; i++) await signIn(api, 'gus.new@example.org', `wrong password number ${i}`);
  assert.ok(psql(db.url, "SELECT count(*) FROM audit_log WHERE action = 'auth.locked' AND actor_kind = 'individual'") >= '1');
});

test('twenty acceptances of one invitation at once: exactly one wins', async () => {
  await add({ email: 'race@example.org' });
  const token = invitationToken('race@example.org');
  const results = await Promise.all(Array.from({ length: 20 }, () => accept(token)));
  assert.equal(results.filter((r) => r.status === 204).length, 1);
  assert.equal(results.filter((r) => r.status === 400).length, 19);
});

test('a people manager stays within the allowed roles and cannot raise or remove itself', async () => {
  const mgr = await person('mgr@example.org', { role_id: managerRole.id });
  assert.deepEqual(mgr.login.principal.permissions, ['profile.read', 'individuals.manage', 'tokens.manage']);
  const list = await api.get(people(orgId), mgr.auth);
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.allowed_roles.map((r) => r.name), ['user', 'People manager']);
  const bob = await add({ email: 'bob@example.org' }, mgr.auth);
  assert.equal(bob.status, 201);
  assert.equal((await patch(bob.json.id, { role_id: plainRole.id }, mgr.auth)).json.errors[0].code, 'not_allowed');
  assert.equal((await patch(mgr.id, { role_id: null }, mgr.auth)).json.errors[0].code, 'own_account');
  assert.equal((await patch(mgr.id, { status: 'suspended' }, mgr.auth)).json.errors[0].code, 'own_account');
  assert.equal((await api.request('DELETE', `${people(orgId)}/${mgr.id}`, mgr.auth)).status, 403);
  assert.equal((await patch(bob.json.id, { status: 'active' }, mgr.auth)).json.code, 'invitation_pending');
  assert.equal((await patch(mgr.id, { first_name: 'Morgan' }, mgr.auth)).json.first_name, 'Morgan', 'its own name is fine');

  // its token cannot exceed its own permissions
  const wide = await api.post('/api/v1/tokens', { ...mgr.auth, json: { name: 'x', permissions: ['profile.read', 'history.read'] } });
  assert.equal(wide.json.errors[0].code, 'not_held');
  const tok = await api.post('/api/v1/tokens', { ...mgr.auth, json: { name: 'people sync', permissions: ['individuals.manage'] } });
  assert.equal(tok.status, 201, tok.text);
  assert.equal((await api.get(people(orgId), bearer(tok.json.secret))).status, 200);
  const synced = await add({ email: 'synced@example.org' }, bearer(tok.json.secret));
  assert.equal(synced.status, 201);
  assert.equal(psql(db.url, `SELECT details->>'api_token_id' FROM audit_log WHERE action = 'individual.created' AND target_id = '${synced.json.id}'`), tok.json.id, 'the audit log names the token that acted');
  assert.ok((await api.get(`/api/v1/customers/${orgId}/tokens`, owner)).json.items.some((t) => t.id === tok.json.id), 'staff see it among the customer\'s tokens');

  // the customer no longer allows the role: the manager falls back to user on its next request
  await api.request('PATCH', `/api/v1/customers/${orgId}`, { ...owner, json: { allowed_role_ids: [] } });
  assert.equal((await api.get(people(orgId), mgr.auth)).status, 403);
  assert.equal((await api.get(people(orgId), bearer(tok.json.secret))).status, 403, 'and so does its token');
  await api.request('PATCH', `/api/v1/customers/${orgId}`, { ...owner, json: { allowed_role_ids: [managerRole.id] } });
  assert.equal((await api.get(people(orgId), mgr.auth)).status, 200);
});

test('another customer\'s people are not found; its logins are unique across customers and individuals', async () => {
  const ann = JSON.parse(psql(db.url, "SELECT row_to_json(i) FROM (SELECT id FROM individuals WHERE lower(email) = 'ann@example.org') i")).id;
  for (const r of [await api.get(people(orgId), other), await api.get(`${people(orgId)}/${ann}`, other),
    await patch(ann, { first_name: 'Hacked' }, other), await api.request('DELETE', `${people(orgId)}/${ann}`, other),
    await add({ email: 'spy@example.org' }, other)]) {
    assert.equal(r.status, 404);
  }
  assert.equal((await api.get(`${people(otherId)}/${ann}`, other)).status, 404, 'not through its own customer either');
  assert.equal(psql(db.url, "SELECT first_name FROM individuals WHERE lower(email) = 'ann@example.org'"), 'Ann');

  // staff are told; the organization gets the answer of a free address, and the holder is told
  assert.equal((await add({ email: 'RIVAL@example.org' }, owner)).json.errors[0].code, 'taken', 'a customer\'s e-mail');
  assert.equal((await add({ email: 'x@example.org', phone: '+33611223344' }, owner)).json.errors[0].field, 'phone', 'an individual\'s phone');
  const quiet = await add({ email: 'RIVAL@example.org', first_name: 'Rival' });
  assert.equal(quiet.status, 201, 'no "taken" for a portal account');
  assert.equal(quiet.json.status, 'invited');
  assert.equal(psql(db.url, `SELECT count(*) FROM messages WHERE individual_id = '${quiet.json.id}'`), '0', 'no invitation to a taken address');
  assert.equal(psql(db.url, "SELECT count(*) FROM messages WHERE address = 'rival@example.org' AND event = 'address_in_use'"), '1', 'its holder is told');
  assert.equal(psql(db.url, "SELECT count(*) FROM portal_logins WHERE email = 'rival@example.org'"), '1', 'the holder keeps its login');
  const made = await api.post('/api/v1/customers', { ...owner, json: { email: 'ann@example.org', first_name: 'Copy' } });
  assert.equal(made.json.errors[0].code, 'taken', 'and the other way round');
  const reg = await api.post('/api/v1/auth/register', { json: { email: 'ann@example.org', password: 'a registration passphrase 1', first_name: 'Ann' } });
  assert.equal(reg.status, 202, 'registration answers the same');
  assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE lower(email) = 'ann@example.org'"), '0');
  const imported = await api.post('/api/v1/customers/import', { ...owner, headers: { ...owner.headers, 'content-type': 'text/csv' }, body: 'email,phone,first_name\nann@example.org,,Ann\nnew@example.org,+33611223344,New\n' });
  assert.deepEqual(imported.json.items.map((i) => `${i.result}:${(i.errors || []).map((e) => e.field).join()}`), ['error:email', 'error:phone'], 'an import cannot take them either');
  assert.equal(psql(db.url, "SELECT count(*) FROM customers WHERE lower(email) IN ('ann@example.org', 'new@example.org')"), '0');
});

test('suspension, expiry, deletion and the customer\'s suspension stop an individual', async () => {
  const cat = await person('cat@example.org');
  assert.equal((await patch(cat.id, { status: 'suspended' })).json.status, 'suspended');
  assert.equal((await api.get('/api/v1/me', cat.auth)).status, 401, 'its session ended');
  assert.equal((await signIn(api, 'cat@example.org', PERSON_PASSWORD)).json.code, 'account_suspended');
  await patch(cat.id, { status: 'active' });
  let s = await signIn(api, 'cat@example.org', PERSON_PASSWORD);
  assert.equal(s.status, 200);

  const soon = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d+Z$/, 'Z');
  assert.equal((await patch(cat.id, { expires_at: soon, active_from: '2030-01-01T00:00:00Z' })).json.errors[0].code, 'before_start');
  assert.equal((await patch(cat.id, { expires_at: soon })).status, 200);
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 3700 } });
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401, 'expired: its session stops');
  assert.equal((await signIn(api, 'cat@example.org', PERSON_PASSWORD)).json.code, 'account_expired');
  await api.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await patch(cat.id, { expires_at: null });

  s = await signIn(api, 'cat@example.org', PERSON_PASSWORD);
  const dry = await api.post(`/api/v1/customers/${orgId}/actions/suspend`, { ...owner, json: { reason: 'unpaid', dry_run: true } });
  assert.ok(dry.json.result.impact.sessions >= 2, 'the customer\'s sessions and its people\'s');
  assert.ok(dry.json.result.impact.api_tokens >= 1, 'the people manager\'s token');
  await api.post(`/api/v1/customers/${orgId}/actions/suspend`, { ...owner, json: { reason: 'unpaid' } });
  assert.equal(psql(db.url, `SELECT revoked_reason FROM sessions WHERE individual_id = '${cat.id}' ORDER BY created_at DESC LIMIT 1`), 'account_disabled', 'its people\'s sessions end with the customer\'s');
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401, 'its customer suspended');
  assert.equal((await signIn(api, 'cat@example.org', PERSON_PASSWORD)).json.code, 'account_suspended');
  await api.post(`/api/v1/customers/${orgId}/actions/reactivate`, { ...owner, json: {} });
  org = bearer((await signIn(api, 'org@example.org', ORG_PASSWORD)).json.access_token);

  s = await signIn(api, 'cat@example.org', PERSON_PASSWORD);
  assert.equal((await api.request('DELETE', `${people(orgId)}/${cat.id}`)).status, 401);
  assert.equal((await api.request('DELETE', `${people(orgId)}/${cat.id}`, org)).status, 204);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  assert.equal((await api.get(`${people(orgId)}/${cat.id}`, org)).status, 404);
  assert.equal((await add({ email: 'cat@example.org' })).status, 201, 'its e-mail is free again');
});

test('staff log in as an individual, with its role or the default one; never as another customer\'s', async () => {
  const fay = await person('fay@example.org', { role_id: managerRole.id });
  const as = async (json) => {
    const r = await api.post(`/api/v1/customers/${orgId}/impersonate`, { ...owner, json: { reason: 'ticket 77', ...json } });
    if (r.status !== 201) return r;
    const t = await api.post('/api/v1/auth/impersonation', { json: { code: r.json.handoff_url.split('#code=')[1] } });
    return t;
  };
  const assigned = await as({ mode: 'assigned_role', individual_id: fay.id });
  assert.equal(assigned.status, 200, assigned.text);
  assert.equal(assigned.json.principal.kind, 'individual');
  assert.equal(assigned.json.principal.id, fay.id);
  assert.equal(assigned.json.principal.impersonator.name, 'Owner');
  assert.deepEqual(assigned.json.principal.permissions, ['profile.read', 'individuals.manage', 'tokens.manage']);
  const pw = await api.request('PUT', '/api/v1/me/password', { ...bearer(assigned.json.access_token), json: { current_password: 'x', new_password: 'y' } });
  assert.equal(pw.json.code, 'impersonation_restricted');
  const byDefault = await as({ mode: 'default_role', individual_id: fay.id });
  assert.ok(!byDefault.json.principal.permissions.includes('individuals.manage'), 'the role user');
  const orgDefault = await as({ mode: 'default_role' });
  assert.equal(orgDefault.json.principal.kind, 'customer');
  assert.equal(orgDefault.json.principal.permissions.length, 15, 'the default role organization-admin');
  const elsewhere = await api.post(`/api/v1/customers/${otherId}/impersonate`, { ...owner, json: { mode: 'assigned_role', reason: 'x', individual_id: fay.id } });
  assert.equal(elsewhere.status, 404, 'an individual of another customer');
  await patch(fay.id, { status: 'suspended' });
  assert.equal((await as({ mode: 'assigned_role', individual_id: fay.id })).json.code, 'not_active');
  const history = await api.get(`/api/v1/customers/${orgId}/history?limit=100`, owner);
  const started = history.json.items.filter((i) => i.action === 'customer.impersonation_started' && i.details.individual_id === fay.id);
  assert.equal(started.length, 2, 'the history names the individual');
});

test('staff: credentials instead of an invitation, a new invitation, and the customer\'s deletion', async () => {
  assert.equal((await add({ email: 'dan@example.org', send: 'credentials' })).json.errors[0].code, 'not_allowed', 'not from the portal');
  const dan = await add({ email: 'dan@example.org', first_name: 'Dan', send: 'credentials' }, owner);
  assert.equal(dan.status, 201, dan.text);
  assert.equal(dan.json.status, 'active');
  const once = deliveredText(db.url, "address = 'dan@example.org' AND event = 'generated_credentials'").match(/Password: (\S+)/)[1];
  const s = await signIn(api, 'dan@example.org', once);
  assert.equal(s.json.principal.must_change_password, true);

  const eve = await add({ email: 'eve@example.org' }, owner);
  const first = invitationToken('eve@example.org');
  assert.equal((await api.post(`${people(orgId)}/${eve.json.id}/invitation`, owner)).status, 204);
  assert.equal((await accept(first)).json.code, 'invalid_token', 'the old link died');
  assert.equal((await accept(invitationToken('eve@example.org'))).status, 204);
  assert.equal((await api.post(`${people(orgId)}/${eve.json.id}/invitation`, owner)).json.code, 'not_invited');

  const list = await api.get(people(orgId), owner);
  assert.ok(list.json.items.length >= 5);
  assert.equal((await api.request('DELETE', `/api/v1/customers/${orgId}`, owner)).status, 200);
  assert.equal(psql(db.url, `SELECT count(*) FROM individuals WHERE customer_id = '${orgId}' AND status <> 'deleted'`), '0', 'deleted with their customer');
  assert.equal(psql(db.url, `SELECT count(*) FROM api_tokens WHERE customer_id = '${orgId}' AND revoked_at IS NULL`), '0', 'their tokens revoked');
  assert.equal((await signIn(api, 'eve@example.org', PERSON_PASSWORD)).status, 401);
});
