// The principal cache across instances: two servers on one database, each caching who a credential
// is. Every change that can alter a principal, made through instance A, must be refused (or narrow
// what is allowed) on instance B within a second, although B answered from its cache just before.
// And when B's listening connection is lost, B must stop trusting its cache until it is back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, psql } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { client } from '../lib/client.js';
import { bearer, customerAccount, individualAccount, signIn, staffMember } from '../lib/people.js';

const OWNER = 'owner@example.com';
const PASSWORD = 'the owner passphrase 2026';
const TRIALS = Number(process.env.REVOCATION_TRIALS || 100);
let db, a, b, apiA, apiB, owner, n = 0;

before(async () => {
  db = createDatabase();
  const env = {
    CABINET_BOOTSTRAP_ADMIN_EMAIL: OWNER, CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    CABINET_PUBLIC_URL: 'https://portal.example.com', CABINET_TRUSTED_PROXIES: '127.0.0.1',
    // a TTL far beyond every wait below: only the announcements can explain a refusal in time
    CABINET_PRINCIPAL_CACHE_TTL_MS: '600000',
  };
  a = await startServer({ databaseUrl: db.url, env });
  b = await startServer({ databaseUrl: db.url, env });
  apiA = client(a.url);
  apiB = client(b.url);
  owner = bearer((await signIn(apiA, OWNER, PASSWORD, 'staff')).json.access_token);
});
after(async () => {
  await a?.stop();
  await b?.stop();
  db?.drop();
});

/** A fresh customer with PASSWORD, signed in through A: { id, email, auth }. */
async function customer(extra = {}) {
  n++;
  const email = `cached${n}@example.org`;
  const id = await customerAccount(apiA, owner, { email, password: PASSWORD, extra });
  const s = await signIn(apiA, email, PASSWORD);
  assert.equal(s.status, 200, s.text);
  return { id, email, auth: bearer(s.json.access_token) };
}

/** Reads a metric of a server's /metrics (labels included in name). */
async function metric(server, name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

/**
 * B answers status for the request, from its cache: a hit is counted. (A change announced just
 * before, still in flight to B, may drop the first entry: then it is read and cached again.)
 */
async function cachedOnB(path, auth, status = 200) {
  for (let attempt = 1; ; attempt++) {
    const first = await apiB.get(path, auth);
    assert.equal(first.status, status, `B answers ${path} before the change: ${first.text}`);
    const hits = await metric(b, 'cabinet_principal_cache_lookups_total{result="hit"}');
    assert.equal((await apiB.get(path, auth)).status, status);
    if (await metric(b, 'cabinet_principal_cache_lookups_total{result="hit"}') > hits) return;
    assert.ok(attempt < 5, `B answers ${path} from its cache`);
  }
}

/** Polls B until it answers status (1 s at most); resolves to the milliseconds it took. */
async function untilB(path, auth, status, { within = 1000 } = {}) {
  const started = performance.now();
  for (;;) {
    const r = await apiB.get(path, auth);
    const took = performance.now() - started;
    if (r.status === status) return took;
    assert.ok(took < within, `B still answers ${r.status} for ${path} ${Math.round(took)} ms after the change`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a session ended through A (sign-out, password change, sign-out everywhere) is refused by B', async () => {
  const c = await customer();
  await cachedOnB('/api/v1/me', c.auth);
  assert.equal((await apiA.post('/api/v1/auth/logout', c.auth)).status, 204);
  await untilB('/api/v1/me', c.auth, 401);

  const d = await customer();
  const other = bearer((await signIn(apiA, d.email, PASSWORD)).json.access_token);
  await cachedOnB('/api/v1/me', other);
  const changed = await apiA.request('PUT', '/api/v1/me/password', { ...d.auth, json: { current_password: PASSWORD, new_password: 'another passphrase 2027' } });
  assert.equal(changed.status, 204, changed.text);
  await untilB('/api/v1/me', other, 401);

  const e = await customer();
  const second = bearer((await signIn(apiA, e.email, PASSWORD)).json.access_token);
  await cachedOnB('/api/v1/me', second);
  assert.equal((await apiA.request('DELETE', '/api/v1/me/sessions', e.auth)).status, 204, 'signed out everywhere else');
  await untilB('/api/v1/me', second, 401);
});

test('an account suspended, banned or deleted through A is refused by B, sessions kept or not', async () => {
  for (const action of ['suspend', 'ban']) {
    const c = await customer();
    await cachedOnB('/api/v1/me', c.auth);
    // cascade false: the sessions stay, only the account's status changes
    const r = await apiA.post(`/api/v1/customers/${c.id}/actions/${action}`, { ...owner, json: { reason: 'cache test', cascade: false } });
    assert.equal(r.status, 200, r.text);
    await untilB('/api/v1/me', c.auth, 401);
  }
  const c = await customer();
  await cachedOnB('/api/v1/me', c.auth);
  assert.equal((await apiA.request('DELETE', `/api/v1/customers/${c.id}`, owner)).status, 200);
  await untilB('/api/v1/me', c.auth, 401);
});

test('a portal role edited, the allowed roles and the trusted addresses changed through A narrow B', async () => {
  const role = await apiA.post('/api/v1/roles', { ...owner, json: { name: `Reader ${n}`, permissions: ['profile.read', 'history.read'] } });
  assert.equal(role.status, 201, role.text);
  const c = await customer({ role_id: role.json.id });
  await cachedOnB('/api/v1/me/history', c.auth);
  const edited = await apiA.request('PATCH', `/api/v1/roles/${role.json.id}`, { ...owner, json: { permissions: ['profile.read'] } });
  assert.equal(edited.status, 200, edited.text);
  await untilB('/api/v1/me/history', c.auth, 403);

  // an individual's role counts only while its customer allows it
  const manager = await apiA.post('/api/v1/roles', { ...owner, json: { name: `Manager ${n}`, permissions: ['profile.read', 'individuals.manage'] } });
  const org = await customer({ allowed_role_ids: [manager.json.id] });
  const indId = await individualAccount(apiA, db, owner, org.id, { email: `ind${n}@example.org`, password: PASSWORD, roleId: manager.json.id });
  const ind = bearer((await signIn(apiA, `ind${n}@example.org`, PASSWORD)).json.access_token);
  const people = `/api/v1/customers/${org.id}/individuals`;
  await cachedOnB(people, ind);
  assert.equal((await apiA.request('PATCH', `/api/v1/customers/${org.id}`, { ...owner, json: { allowed_role_ids: [] } })).status, 200);
  await untilB(people, ind, 403);

  // the individual's window: it ends now
  await cachedOnB('/api/v1/me', ind);
  const past = await apiA.request('PATCH', `${people}/${indId}`, { ...owner, json: { expires_at: new Date(Date.now() + 2000).toISOString().replace(/\.\d+Z$/, 'Z') } });
  assert.equal(past.status, 200, past.text);
  await untilB('/api/v1/me', ind, 401, { within: 3500 });

  const t = await customer();
  const from = (ip) => ({ headers: { ...t.auth.headers, 'x-forwarded-for': ip } });
  await cachedOnB('/api/v1/me', from('198.51.100.7'));
  const ips = await apiA.request('PUT', '/api/v1/me/trusted-ips', { ...from('203.0.113.9'), json: { trusted_ips: '203.0.113.0/24', current_password: PASSWORD } });
  assert.equal(ips.status, 200, ips.text);
  await untilB('/api/v1/me', from('198.51.100.7'), 403);
  assert.equal((await apiB.get('/api/v1/me', from('203.0.113.9'))).status, 200, 'still allowed from the listed network');
});

test('an API token revoked and an impersonation ended through A are refused by B', async () => {
  const c = await customer();
  const made = await apiA.post('/api/v1/tokens', { ...c.auth, json: { name: 'crm', permissions: ['profile.read'] } });
  assert.equal(made.status, 201, made.text);
  const token = bearer(made.json.secret);
  await cachedOnB('/api/v1/me', token);
  assert.equal((await apiA.request('DELETE', `/api/v1/tokens/${made.json.id}`, c.auth)).status, 204);
  await untilB('/api/v1/me', token, 401);

  const r = await apiA.post(`/api/v1/customers/${c.id}/impersonate`, { ...owner, json: { mode: 'assigned_role', reason: 'cache test' } });
  assert.equal(r.status, 201, r.text);
  const t = await apiA.post('/api/v1/auth/impersonation', { json: { code: r.json.handoff_url.split('#code=')[1] } });
  const acting = bearer(t.json.access_token);
  await cachedOnB('/api/v1/me', acting);
  assert.equal((await apiA.post('/api/v1/auth/logout', acting)).status, 204);
  await untilB('/api/v1/me', acting, 401);

  // the impersonating staff member removed: every impersonation of theirs stops too
  const email = `agent${n}@example.com`;
  const agent = await staffMember(apiA, db, owner, { email, role: 'support', password: 'an agent passphrase 7' });
  const r2 = await apiA.post(`/api/v1/customers/${c.id}/impersonate`, { ...agent, json: { mode: 'assigned_role', reason: 'cache test' } });
  assert.equal(r2.status, 201, r2.text);
  const acting2 = bearer((await apiA.post('/api/v1/auth/impersonation', { json: { code: r2.json.handoff_url.split('#code=')[1] } })).json.access_token);
  await cachedOnB('/api/v1/me', acting2);
  const id = (await apiA.get('/api/v1/staff', owner)).json.items.find((x) => x.email === email).id;
  assert.equal((await apiA.request('DELETE', `/api/v1/staff/${id}`, owner)).status, 204);
  await untilB('/api/v1/me', acting2, 401);
});

test(`revocations through A reach B within 1 s: ${TRIALS} trials of each kind`, async () => {
  const worst = { session: 0, suspension: 0, role: 0, token: 0 };
  const role = await apiA.post('/api/v1/roles', { ...owner, json: { name: 'Trial role', permissions: ['profile.read', 'history.read', 'tokens.manage'] } });
  const c = await customer({ role_id: role.json.id });
  const made = await apiA.post('/api/v1/tokens', { ...c.auth, json: { name: 'trials', permissions: ['profile.read'] } });
  assert.equal(made.status, 201, made.text);
  for (let i = 0; i < TRIALS; i++) {
    // a session: its own sign-in each time (the token exchange costs no password hash)
    const s = await apiA.post('/api/v1/auth/token', { json: { login: c.email, api_token: made.json.secret, realm: 'portal' } });
    assert.equal(s.status, 200, s.text);
    const session = bearer(s.json.access_token);
    await cachedOnB('/api/v1/me', session);
    await apiA.post('/api/v1/auth/logout', session);
    worst.session = Math.max(worst.session, await untilB('/api/v1/me', session, 401));

    await cachedOnB('/api/v1/me', c.auth);
    await apiA.post(`/api/v1/customers/${c.id}/actions/suspend`, { ...owner, json: { reason: 'trial', cascade: false } });
    worst.suspension = Math.max(worst.suspension, await untilB('/api/v1/me', c.auth, 401));
    await apiA.post(`/api/v1/customers/${c.id}/actions/reactivate`, { ...owner, json: { reason: 'trial' } });

    await cachedOnB('/api/v1/me/history', c.auth);
    await apiA.request('PATCH', `/api/v1/roles/${role.json.id}`, { ...owner, json: { permissions: ['profile.read', 'tokens.manage'] } });
    worst.role = Math.max(worst.role, await untilB('/api/v1/me/history', c.auth, 403));
    await apiA.request('PATCH', `/api/v1/roles/${role.json.id}`, { ...owner, json: { permissions: ['profile.read', 'history.read', 'tokens.manage'] } });

    const t = await apiA.post('/api/v1/tokens', { ...c.auth, json: { name: `t${i}`, permissions: ['profile.read'] } });
    assert.equal(t.status, 201, t.text);
    await cachedOnB('/api/v1/me', bearer(t.json.secret));
    await apiA.request('DELETE', `/api/v1/tokens/${t.json.id}`, c.auth);
    worst.token = Math.max(worst.token, await untilB('/api/v1/me', bearer(t.json.secret), 401));
  }
  console.log(`revocation reached the other instance within (max of ${TRIALS}): ${Object.entries(worst).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ')}`);
});

test('B stops trusting its cache while its listening connection is down', async () => {
  // a change B cannot hear (triggers off, as a missed notification) stays unseen while B listens...
  const c = await customer();
  await cachedOnB('/api/v1/me', c.auth);
  const unheard = (sql) => psql(db.url, `BEGIN; SET LOCAL session_replication_role = replica; ${sql}; COMMIT;`);
  unheard(`UPDATE sessions SET revoked_at = now(), revoked_reason = 'revoked' WHERE customer_id = '${c.id}'`);
  assert.equal((await apiB.get('/api/v1/me', c.auth)).status, 200, 'the cache answered (the control)');

  // ...but losing the connection flushes the cache, and it answers nothing until it listens again
  const flushes = await metric(b, 'cabinet_principal_cache_flushes_total');
  assert.equal(psql(db.url, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'cabinetd listener ${b.proc.pid}'`), '1');
  assert.equal(await untilB('/api/v1/me', c.auth, 401) >= 0, true);
  assert.ok(await metric(b, 'cabinet_principal_cache_flushes_total') > flushes, 'flushed when lost');
  // back to listening within a second or so, and caching again
  const started = Date.now();
  while (await metric(b, 'cabinet_principal_cache_listening') !== 1) {
    assert.ok(Date.now() - started < 5000, 'B listens again');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const d = await customer();
  await cachedOnB('/api/v1/me', d.auth);
});

test('a setting changed through A holds on B at once (settings are cached too)', async () => {
  const c = await customer();
  const signInB = () => signIn(apiB, c.email, PASSWORD);
  assert.equal((await signInB()).status, 200, 'B reads the setting (and keeps it)');
  const closed = await apiA.request('PATCH', '/api/v1/settings', { ...owner, json: { 'portal.sign_in': false } });
  assert.equal(closed.status, 200, closed.text);
  const started = performance.now();
  for (;;) {
    const r = await signInB();
    if (r.status === 403) {
      assert.equal(r.json.code, 'portal_closed');
      break;
    }
    assert.ok(performance.now() - started < 1000, `B still lets customers in: ${r.status}`);
  }
  assert.equal((await apiA.request('PATCH', '/api/v1/settings', { ...owner, json: { 'portal.sign_in': true } })).status, 200);
  assert.equal((await signIn(apiA, c.email, PASSWORD)).status, 200, 'A sees its own change at once');
});
