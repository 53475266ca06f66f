// Customer management by staff: staff members and roles, create (every field error at once), search,
// pages and CSV export, profile, update, every action with its audit row and its effect on sign-in,
// soft delete, notes, history, sessions; read-only staff get 403 for every write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { deliveredText } from '../lib/outbox.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
let db, server, api, owner, support, readOnly;

const bearer = (token) => ({ headers: { authorization: `Bearer ${token}` } });
const login = (l, password, realm = 'portal') => api.post('/api/v1/auth/login', { json: { login: l, password, realm } });
const lastMessage = (address, event) => deliveredText(db.url, `address = '${address}' AND event = '${event}'`);
const patch = (path, json, auth = owner) => api.request('PATCH', path, { ...auth, json });
const del = (path, auth = owner) => api.request('DELETE', path, auth);
const action = (id, name, json, auth = owner) => api.post(`/api/v1/customers/${id}/actions/${name}`, { ...auth, ...(json ? { json } : {}) });
const create = (json, auth = owner) => api.post('/api/v1/customers', { ...auth, json });
const auditCount = (name, id) => Number(psql(db.url, `SELECT count(*) FROM audit_log WHERE action = '${name}' AND customer_id = '${id}'`));

/** A staff member created through the API, signed in with its e-mailed one-time password, then changed. */
async function staffMember(email, role) {
  const r = await api.post('/api/v1/staff', { ...owner, json: { email, display_name: role === 'support' ? 'Sam Helper' : 'Rita Reader', role } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.must_change_password, true);
  const once = lastMessage(email, 'generated_credentials').match(/Password: (\S+)/)[1];
  const s = await login(email, once, 'staff');
  assert.equal(s.status, 200);
  const blocked = await api.get('/api/v1/customers', bearer(s.json.access_token));
  assert.equal(blocked.status, 403);
  assert.equal(blocked.json.code, 'password_change_required', 'a one-time password must be changed first');
  const changed = await api.request('PUT', '/api/v1/me/password', { ...bearer(s.json.access_token), json: { current_password: once, new_password: `a fresh staff passphrase ${role.length}` } });
  assert.equal(changed.status, 204, changed.text);
  return bearer((await login(email, `a fresh staff passphrase ${role.length}`, 'staff')).json.access_token);
}

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD, CABINET_DEFAULT_COUNTRY: 'FR', CABINET_PUBLIC_URL: 'https://portal.example.com' } });
  api = client(server.url);
  owner = bearer((await login(OWNER, PASSWORD, 'staff')).json.access_token);
  support = await staffMember('support@example.com', 'support');
  readOnly = await staffMember('ro@example.com', 'read_only');
});
after(async () => {
  await api?.post('/api/v1/test/clock', { json: { offset_seconds: 0 } });
  await server?.stop();
  db?.drop();
});

test('create: every field error at once, and nothing created', async () => {
  const r = await create({ email: 'not-an-address', phone: 'call me', language: 'de', time_zone: 'Mars/Olympus', date_output_format: 'YY', two_factor_policy: 'always', trusted_ips: '10.0.0.0/33', custom_fields: [], status: 'active', login: { password: 'one passphrase here', password_confirm: 'another one', colour: true } });
  assert.equal(r.status, 400);
  const fields = r.json.errors.map((e) => `${e.field}:${e.code}`).sort();
  assert.deepEqual(fields, ['custom_fields:invalid', 'date_output_format:invalid', 'email:invalid', 'language:invalid', 'login.colour:unknown_field', 'login.password_confirm:mismatch', 'phone:invalid', 'status:unknown_field', 'time_zone:invalid', 'trusted_ips:invalid', 'two_factor_policy:invalid']);
  const tz = await create({ email: 'tz@example.org', time_zone: 'Mars/Olympus', login: { password: 'password', password_confirm: 'password' } });
  assert.deepEqual(tz.json.errors.map((e) => e.field).sort(), ['login.password', 'time_zone'], 'the database checks and the password policy too');
  assert.equal(psql(db.url, 'SELECT count(*) FROM customers'), '0');
});

let ada;
test('create with generate-and-send: active, credentials e-mailed, signs in and must change them', async () => {
  const r = await create({ email: 'Ada@Example.org', first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', phone: '06 12 34 56 78', language: 'en', time_zone: 'Europe/London', custom_fields: { plan: 'gold', seats: 3 }, two_factor_policy: 'inherit', login: { enabled: true, generate_and_send: true, email_confirmed: true } });
  assert.equal(r.status, 201, r.text);
  ada = r.json;
  assert.equal(ada.status, 'active');
  assert.equal(ada.phone, '+33612345678');
  assert.equal(ada.must_change_password, true);
  assert.deepEqual(ada.custom_fields, { plan: 'gold', seats: 3 });
  const mail = lastMessage('Ada@Example.org', 'generated_credentials');
  const password = mail.match(/Password: (\S+)/)[1];
  const s = await login('ada@example.org', password);
  assert.equal(s.status, 200);
  assert.equal(s.json.principal.must_change_password, true);
  assert.equal((await api.request('PUT', '/api/v1/me/password', { ...bearer(s.json.access_token), json: { current_password: password, new_password: 'a passphrase of her own choosing' } })).status, 204);
  assert.equal(auditCount('customer.created', ada.id), 1);
  assert.doesNotMatch(psql(db.url, `SELECT details::text FROM audit_log WHERE action = 'customer.created'`), new RegExp(password), 'no secret in the audit log');
});

test('create with a password and no confirmation: pending with a link; the e-mail is unique', async () => {
  const r = await create({ email: 'bob@example.org', first_name: 'Bob', login: { password: 'a decent passphrase of his', password_confirm: 'a decent passphrase of his' } });
  assert.equal(r.status, 201);
  assert.equal(r.json.status, 'pending');
  assert.match(lastMessage('bob@example.org', 'email_confirmation'), /confirm\?token=/);
  assert.equal((await login('bob@example.org', 'a decent passphrase of his')).json.code, 'email_unconfirmed');
  const again = await create({ email: 'BOB@example.org' });
  assert.deepEqual(again.json.errors.map((e) => `${e.field}:${e.code}`), ['email:taken']);
  const phone = await create({ email: 'other@example.org', phone: '+33 6 12 34 56 78' });
  assert.deepEqual(phone.json.errors.map((e) => `${e.field}:${e.code}`), ['phone:taken']);
  // staff confirm it for the customer
  const c = await action(r.json.id, 'confirm');
  assert.equal(c.json.customer.status, 'active');
  assert.equal((await action(r.json.id, 'confirm')).json.code, 'already_confirmed');
  assert.equal((await action(r.json.id, 'resend-confirmation')).status, 409);
  assert.equal((await login('bob@example.org', 'a decent passphrase of his')).status, 200);
});

test('search: partial, case- and accent-insensitive over names, company, e-mail and phone; filters; pages', async () => {
  for (const [first, last, company, email, phone] of [
    ['Élodie', 'Dupré', 'Société Générale', 'elodie@banque.fr', '+33698765432'],
    ['Zoë', 'Ångström', '', 'zoe@example.se', null],
    ['Chloé', 'Martin', 'Martin & Fils', 'chloe@martin.fr', null],
    ['Marc', 'Dupont', '', 'marc@example.org', '+14155552671'],
  ]) assert.equal((await create({ email, first_name: first, last_name: last, company, phone, login: { email_confirmed: true } })).status, 201);
  const names = async (q, extra = '') => (await api.get(`/api/v1/customers?q=${encodeURIComponent(q)}${extra}`, owner)).json.items.map((i) => i.first_name).sort();
  assert.deepEqual(await names('elodie'), ['Élodie']);
  assert.deepEqual(await names('DUPRE'), ['Élodie']);
  assert.deepEqual(await names('generale'), ['Élodie']);
  assert.deepEqual(await names('angstr'), ['Zoë']);
  assert.deepEqual(await names('dup'), ['Marc', 'Élodie']);
  assert.deepEqual(await names('martin.fr'), ['Chloé']);
  assert.deepEqual(await names('06 98 76'), ['Élodie'], 'a phone fragment as people type it');
  assert.deepEqual(await names('415 555'), ['Marc']);
  assert.deepEqual(await names('100%'), [], 'LIKE wildcards are plain characters');
  assert.deepEqual(await names('', '&status=pending'), []);
  const bad = await api.get('/api/v1/customers?status=gone&sort=height&limit=0', owner);
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['limit', 'sort', 'status']);

  // keyset pages by name, both ways, add up to the total
  const all = (await api.get('/api/v1/customers?limit=200', owner)).json;
  assert.equal(all.total, all.items.length);
  for (const sort of ['name', '-name', 'created', '-created', 'last_login', '-last_login']) {
    const seen = [];
    let cursor = null;
    do {
      const page = (await api.get(`/api/v1/customers?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, owner)).json;
      assert.equal(page.total, all.total);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.equal(seen.length, all.total, sort);
    assert.equal(new Set(seen).size, all.total, `${sort}: no duplicates`);
  }
  const byName = (await api.get('/api/v1/customers?sort=name', owner)).json.items.map((i) => i.id);
  const reversed = (await api.get('/api/v1/customers?sort=-name', owner)).json.items.map((i) => i.id);
  assert.deepEqual(reversed, [...byName].reverse());
  assert.equal((await api.get('/api/v1/customers?cursor=zz.not-a-cursor', owner)).status, 400);
});

test('CSV export: the filter, every page, safe against formulas', async () => {
  await create({ email: 'formula@example.org', first_name: '=HYPERLINK("http://evil")', last_name: '+1', company: '@SUM(A1)' });
  const r = await fetch(`${server.url}/api/v1/customers/export?q=formula`, owner);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  const lines = (await r.text()).trim().split('\n');
  assert.equal(lines[0], '"id","email","phone","first_name","last_name","company","status","created_at","last_login_at"');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /"'=HYPERLINK\(""http:\/\/evil""\)","'\+1","'@SUM\(A1\)"/);
});

test('profile and update; a new password ends the sessions; a deleted customer is 404 or 409', async () => {
  const got = await api.get(`/api/v1/customers/${ada.id}`, owner);
  assert.equal(got.status, 200);
  assert.equal(got.json.last_login_ip, '127.0.0.1');
  assert.equal(got.json.locked_until, null);
  assert.equal((await api.get('/api/v1/customers/6b1d6f0e-0000-4000-8000-000000000000', owner)).status, 404);
  assert.equal((await api.get('/api/v1/customers/not-a-uuid', owner)).status, 404);
  const s = await login('ada@example.org', 'a passphrase of her own choosing');
  const changed = await patch(`/api/v1/customers/${ada.id}`, { company: 'Engines Ltd', login: { password: '', password_confirm: '' } });
  assert.equal(changed.json.company, 'Engines Ltd');
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 200, 'an empty password changes nothing');
  const mismatch = await patch(`/api/v1/customers/${ada.id}`, { login: { password: 'a staff chosen passphrase', password_confirm: 'something else' } });
  assert.equal(mismatch.json.errors[0].code, 'mismatch');
  const pw = await patch(`/api/v1/customers/${ada.id}`, { login: { password: 'a staff chosen passphrase', password_confirm: 'a staff chosen passphrase' } });
  assert.equal(pw.status, 200);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401, 'its sessions ended');
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).status, 200);
  const taken = await patch(`/api/v1/customers/${ada.id}`, { email: 'bob@example.org' });
  assert.equal(taken.json.errors[0].code, 'taken');
  const off = await patch(`/api/v1/customers/${ada.id}`, { login: { enabled: false } });
  assert.equal(off.json.login_enabled, false);
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).json.code, 'login_disabled');
  await patch(`/api/v1/customers/${ada.id}`, { login: { enabled: true } });
});

test('suspend (dry run, reason, cascade), reactivate with the past reasons, ban; each audited', async () => {
  const s = await login('ada@example.org', 'a staff chosen passphrase');
  const dry = await action(ada.id, 'suspend', { reason: 'unpaid invoices', dry_run: true });
  assert.equal(dry.status, 200);
  assert.equal(dry.json.dry_run, true);
  assert.ok(dry.json.result.impact.sessions >= 1);
  assert.equal(dry.json.customer.status, 'active', 'nothing changed');
  assert.equal(auditCount('customer.suspend', ada.id), 0);
  const noReason = await action(ada.id, 'suspend', {});
  assert.equal(noReason.json.errors[0].field, 'reason');
  const bad = await action(ada.id, 'suspend', { reason: 'x', cascade: 'yes', colour: 1 });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['cascade', 'colour']);
  const r = await action(ada.id, 'suspend', { reason: 'unpaid invoices', notify: true });
  assert.equal(r.json.customer.status, 'suspended');
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).json.code, 'account_suspended');
  assert.match(lastMessage('Ada@Example.org', 'account_suspended'), /unpaid invoices/);
  assert.equal((await action(ada.id, 'suspend', { reason: 'again' })).json.code, 'unchanged');
  const back = await action(ada.id, 'reactivate', { restore_services: true });
  assert.equal(back.json.customer.status, 'active');
  assert.deepEqual(back.json.customer.status_history.map((h) => [h.from, h.to, h.reason]), [['suspended', 'active', ''], ['active', 'suspended', 'unpaid invoices']]);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401, 'the cascade ended the sessions for good');
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).status, 200);
  const ban = await action(ada.id, 'ban', { reason: 'fraud', cascade: false });
  assert.equal(ban.json.customer.status, 'banned');
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).json.code, 'account_banned');
  assert.equal((await action(ada.id, 'suspend', { reason: 'x' })).json.code, 'not_allowed_from_status');
  await action(ada.id, 'reactivate', {});
  for (const name of ['customer.suspend', 'customer.reactivate', 'customer.ban']) assert.ok(auditCount(name, ada.id) >= 1, name);
  assert.match(psql(db.url, `SELECT details::text FROM audit_log WHERE action = 'customer.suspend' AND customer_id = '${ada.id}'`), /unpaid invoices/);
  assert.throws(() => psql(db.url, `UPDATE customers SET status = 'pending' WHERE id = '${ada.id}'`), /cannot go from active to pending/, 'the database guards the transitions');
});

test('send-credentials, send-email, send-password-reset, revoke-sessions, unlock', async () => {
  const s = await login('ada@example.org', 'a staff chosen passphrase');
  const c = await action(ada.id, 'send-credentials');
  assert.equal(c.json.customer.must_change_password, true);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  assert.equal((await login('ada@example.org', 'a staff chosen passphrase')).status, 401, 'the old password died');
  const fresh = lastMessage('Ada@Example.org', 'generated_credentials').match(/Password: (\S+)/)[1];
  assert.equal((await login('ada@example.org', fresh)).status, 200);

  const e = await action(ada.id, 'send-email', { subject: 'Your renewal', body: 'Renew before Friday.' });
  assert.match(e.json.result.message_id, /^[0-9a-f-]{36}$/);
  assert.match(lastMessage('Ada@Example.org', 'staff_message'), /Renew before Friday/);
  assert.deepEqual((await action(ada.id, 'send-email', {})).json.errors.map((x) => x.field).sort(), ['body', 'subject']);
  await action(ada.id, 'send-password-reset');
  assert.match(lastMessage('Ada@Example.org', 'password_reset_link'), /reset\?token=/);
  const msgs = await api.get(`/api/v1/customers/${ada.id}/messages`, owner);
  assert.ok(msgs.json.total >= 5);
  assert.ok(msgs.json.items.every((m) => m.customer_id === ada.id));

  const s2 = await login('ada@example.org', fresh);
  const sessions = await api.get(`/api/v1/customers/${ada.id}/sessions`, owner);
  assert.ok(sessions.json.items.length >= 2);
  assert.equal((await del(`/api/v1/customers/${ada.id}/sessions/${sessions.json.items[0].id}`)).status, 204);
  const rv = await action(ada.id, 'revoke-sessions');
  assert.ok(rv.json.result.sessions_revoked >= 1);
  assert.equal((await api.get('/api/v1/me', bearer(s2.json.access_token))).status, 401);

  for (let i = 0; i < 5; i++) await login('ada@example.org', `wrong guess ${i}`);
  const locked = await api.get(`/api/v1/customers/${ada.id}`, owner);
  assert.match(locked.json.locked_until, /^\d{4}-/);
  assert.equal((await login('ada@example.org', fresh)).status, 401, 'locked');
  const u = await action(ada.id, 'unlock');
  assert.equal(u.json.result.was_locked, true);
  assert.equal(u.json.customer.locked_until, null);
  assert.equal((await login('ada@example.org', fresh)).status, 200);
});

test('2FA and security question: remove, reset (the next sign-in enrols), disable', async () => {
  assert.equal((await action(ada.id, 'remove-2fa')).json.code, 'two_factor_off');
  psql(db.url, `INSERT INTO totp_credentials (account_id, account_kind, secret_sealed, confirmed_at, created_at) VALUES ('${ada.id}', 'customer', 'x', now(), now())`);
  const removed = await action(ada.id, 'remove-2fa');
  assert.equal(removed.json.customer.two_factor, false);
  const reset = await action(ada.id, 'reset-2fa');
  assert.equal(reset.json.customer.must_enrol_two_factor, true);
  const fresh = lastMessage('Ada@Example.org', 'generated_credentials').match(/Password: (\S+)/)[1];
  assert.equal((await login('ada@example.org', fresh)).json.code, 'mfa_enrolment_required');
  assert.equal((await action(ada.id, 'disable-security-question')).json.code, 'no_security_question');
  psql(db.url, `UPDATE customers SET security_question = 'Pet?', security_answer_hash = 'x' WHERE id = '${ada.id}'`);
  assert.equal((await action(ada.id, 'disable-security-question')).json.customer.security_question_set, false);
  psql(db.url, `UPDATE customers SET must_enrol_two_factor = false WHERE id = '${ada.id}'`);
});

test('notes and history: who did what, filtered by kind', async () => {
  const n = await api.post(`/api/v1/customers/${ada.id}/notes`, { ...owner, json: { body: 'Called about the renewal.' } });
  assert.equal(n.status, 201);
  assert.equal(n.json.author_name, 'Owner');
  assert.equal((await api.post(`/api/v1/customers/${ada.id}/notes`, { ...owner, json: { body: '' } })).status, 400);
  const notes = await api.get(`/api/v1/customers/${ada.id}/notes`, owner);
  assert.equal(notes.json.items[0].body, 'Called about the renewal.');
  const h = await api.get(`/api/v1/customers/${ada.id}/history?kind=customer.&limit=100`, owner);
  const actions = h.json.items.map((i) => i.action);
  for (const a of ['customer.created', 'customer.suspend', 'customer.ban', 'customer.send_credentials', 'customer.note_added']) assert.ok(actions.includes(a), a);
  assert.ok(h.json.items.every((i) => i.action.startsWith('customer.')));
  assert.equal(h.json.items.find((i) => i.action === 'customer.suspend').actor_name, 'Owner');
  const auth = await api.get(`/api/v1/customers/${ada.id}/history?kind=auth.login`, owner);
  assert.ok(auth.json.items.length > 0 && auth.json.items.every((i) => i.action === 'auth.login'));
  const audit = await api.get(`/api/v1/audit?action=customer.&customer_id=${ada.id}&limit=5`, owner);
  assert.equal(audit.json.items.length, 5);
  assert.ok(audit.json.next_cursor);
  const next = await api.get(`/api/v1/audit?action=customer.&customer_id=${ada.id}&limit=5&cursor=${audit.json.next_cursor}`, owner);
  assert.ok(Number(next.json.items[0].id) < Number(audit.json.items[4].id));
  assert.equal((await api.get('/api/v1/audit?ip=not-an-ip', owner)).status, 400);
});

test('delete is soft: dry run first; sessions end; the address is free again; the row stays', async () => {
  const r = await create({ email: 'leaving@example.org', first_name: 'Leo', login: { password: 'a fine passphrase to go', password_confirm: 'a fine passphrase to go', email_confirmed: true } });
  const s = await login('leaving@example.org', 'a fine passphrase to go');
  const dry = await del(`/api/v1/customers/${r.json.id}?dry_run=true`);
  assert.deepEqual(dry.json, { dry_run: true, impact: { sessions: 1, api_tokens: 0 } });
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 200, 'a dry run changes nothing');
  const gone = await del(`/api/v1/customers/${r.json.id}`);
  assert.equal(gone.status, 200);
  assert.equal((await api.get('/api/v1/me', bearer(s.json.access_token))).status, 401);
  assert.equal((await login('leaving@example.org', 'a fine passphrase to go')).status, 401);
  assert.equal((await del(`/api/v1/customers/${r.json.id}`)).status, 404);
  assert.equal((await action(r.json.id, 'reactivate', {})).json.code, 'deleted');
  assert.equal((await api.get('/api/v1/customers?q=leaving', owner)).json.total, 0, 'not listed by default');
  assert.equal((await api.get('/api/v1/customers?q=leaving&status=deleted', owner)).json.total, 1);
  assert.equal((await create({ email: 'leaving@example.org' })).status, 201, 'the address is free');
  assert.equal(auditCount('customer.deleted', r.json.id), 1);
});

test('permissions: read-only staff read everything and write nothing; support cannot ban or delete', async () => {
  const id = ada.id;
  assert.equal((await api.get('/api/v1/customers', readOnly)).status, 200);
  assert.equal((await api.get(`/api/v1/customers/${id}`, readOnly)).status, 200);
  assert.equal((await api.get(`/api/v1/customers/${id}/history`, readOnly)).status, 200);
  assert.equal((await api.get('/api/v1/audit', readOnly)).status, 200);
  const writes = [
    () => create({ email: 'ro@example.org' }, readOnly),
    () => patch(`/api/v1/customers/${id}`, { company: 'x' }, readOnly),
    () => del(`/api/v1/customers/${id}`, readOnly),
    () => api.post(`/api/v1/customers/${id}/notes`, { ...readOnly, json: { body: 'x' } }),
    () => del(`/api/v1/customers/${id}/sessions/6b1d6f0e-0000-4000-8000-000000000000`, readOnly),
    ...['resend-confirmation', 'confirm', 'send-password-reset', 'send-credentials', 'send-email', 'suspend', 'ban', 'reactivate', 'remove-2fa', 'reset-2fa', 'disable-security-question', 'unlock', 'revoke-sessions'].map((a) => () => action(id, a, { reason: 'x' }, readOnly)),
    () => api.post('/api/v1/staff', { ...readOnly, json: { email: 'x@example.com', role: 'owner' } }),
    () => api.request('PATCH', '/api/v1/settings', { ...readOnly, json: {} }),
  ];
  for (const w of writes) {
    const r = await w();
    assert.equal(r.status, 403, `${r.status} ${r.text}`);
  }
  const before = psql(db.url, `SELECT status || updated_at FROM customers WHERE id = '${id}'`);
  assert.equal(psql(db.url, `SELECT status || updated_at FROM customers WHERE id = '${id}'`), before);
  assert.equal((await action(id, 'suspend', { reason: 'support can' }, support)).status, 200);
  assert.equal((await action(id, 'ban', { reason: 'support cannot' }, support)).status, 403);
  assert.equal((await action(id, 'reactivate', {}, support)).status, 200);
  assert.equal((await del(`/api/v1/customers/${id}?dry_run=true`, support)).status, 403);
  assert.equal((await api.get('/api/v1/staff', support)).status, 403);
});

test('custom staff roles: made from the catalogue, effective on the next request, deletable when unused', async () => {
  const bad = await api.post('/api/v1/staff/roles', { ...owner, json: { name: 'Bad Name', permissions: ['*', 'customers.fly'], colour: 1 } });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['colour', 'name', 'permissions']);
  const made = await api.post('/api/v1/staff/roles', { ...owner, json: { name: 'billing', description: 'Reads customers', permissions: ['customers.read'] } });
  assert.equal(made.status, 201, made.text);
  assert.deepEqual(made.json, { name: 'billing', description: 'Reads customers', permissions: ['customers.read'], system: false });
  assert.equal((await api.post('/api/v1/staff/roles', { ...owner, json: { name: 'billing', permissions: [] } })).json.errors[0].code, 'taken');
  await api.post('/api/v1/staff', { ...owner, json: { email: 'bill@example.com', display_name: 'Bill', role: 'billing' } });
  const once = lastMessage('bill@example.com', 'generated_credentials').match(/Password: (\S+)/)[1];
  let s = await login('bill@example.com', once, 'staff');
  await api.request('PUT', '/api/v1/me/password', { ...bearer(s.json.access_token), json: { current_password: once, new_password: 'a ledger passphrase 77' } });
  s = await login('bill@example.com', 'a ledger passphrase 77', 'staff');
  const bill = bearer(s.json.access_token);
  assert.deepEqual(s.json.principal.permissions, ['customers.read', 'profile.read', 'profile.write', 'security.manage', 'sessions.manage', 'tokens.manage', 'history.read'], 'the role\'s, and those of its own account');
  assert.equal((await api.get('/api/v1/customers', bill)).status, 200);
  assert.equal((await api.post(`/api/v1/customers/${ada.id}/notes`, { ...bill, json: { body: 'x' } })).status, 403);
  const widened = await patch('/api/v1/staff/roles/billing', { permissions: ['customers.read', 'customers.write'] });
  assert.deepEqual(widened.json.permissions, ['customers.read', 'customers.write']);
  assert.equal((await api.post(`/api/v1/customers/${ada.id}/notes`, { ...bill, json: { body: 'a note from billing' } })).status, 201, 'the change applies to the next request');
  assert.equal((await patch('/api/v1/staff/roles/owner', { permissions: [] })).json.code, 'system_role');
  assert.equal((await del('/api/v1/staff/roles/admin')).json.code, 'system_role');
  assert.equal((await del('/api/v1/staff/roles/billing')).json.code, 'role_in_use');
  assert.equal((await del('/api/v1/staff/roles/nope')).status, 404);
  const list = await api.get('/api/v1/staff', owner);
  await patch(`/api/v1/staff/${list.json.items.find((m) => m.email === 'bill@example.com').id}`, { role: 'read_only' });
  assert.equal((await del('/api/v1/staff/roles/billing')).status, 204);
  assert.equal(Number(psql(db.url, "SELECT count(*) FROM audit_log WHERE action LIKE 'staff.role_%'")), 3);
});

test('staff: roles listed; the last owner can be neither demoted nor disabled', async () => {
  const roles = await api.get('/api/v1/staff/roles', owner);
  assert.deepEqual(roles.json.items.map((r) => r.name).sort(), ['admin', 'owner', 'read_only', 'support']);
  assert.ok(roles.json.permissions.includes('customers.ban'));
  const list = await api.get('/api/v1/staff', owner);
  const me = list.json.items.find((s) => s.email === OWNER);
  const demote = await patch(`/api/v1/staff/${me.id}`, { role: 'admin' });
  assert.equal(demote.status, 403, 'nobody changes its own staff row');
  assert.equal(demote.json.code, 'own_account');
  assert.equal((await del(`/api/v1/staff/${me.id}`)).status, 403);
  const bad = await api.post('/api/v1/staff', { ...owner, json: { email: 'nope', role: 'emperor', age: 3 } });
  assert.deepEqual(bad.json.errors.map((e) => e.field).sort(), ['age', 'email', 'role']);
  const second = await api.post('/api/v1/staff', { ...owner, json: { email: 'second@example.com', role: 'owner' } });
  assert.equal(second.status, 201);
  assert.equal((await api.post('/api/v1/staff', { ...owner, json: { email: 'SECOND@example.com', role: 'owner' } })).json.errors[0].code, 'taken');
  const ro = list.json.items.find((s) => s.email === 'ro@example.com');
  assert.equal((await del(`/api/v1/staff/${ro.id}`)).status, 204);
  assert.equal((await api.get('/api/v1/customers', readOnly)).status, 401, 'a disabled member is out at once');
  assert.equal((await patch(`/api/v1/staff/${second.json.id}`, { role: 'admin' })).status, 200, 'an owner changes another owner');
  assert.equal(Number(psql(db.url, "SELECT count(*) FROM audit_log WHERE action IN ('staff.created', 'staff.updated')")), 7, 'four created (one for the custom role), two role changes, one disabled; refusals change nothing');
});

test('every action left its audit row, with the staff member as the actor', () => {
  for (const a of ['confirm', 'send_password_reset', 'send_credentials', 'send_email', 'suspend', 'ban', 'reactivate', 'remove_2fa', 'reset_2fa', 'disable_security_question', 'unlock', 'revoke_sessions']) {
    assert.ok(Number(psql(db.url, `SELECT count(*) FROM audit_log WHERE action = 'customer.${a}' AND actor_kind = 'staff' AND customer_id IS NOT NULL`)) >= 1, a);
  }
});
