// Admin: the dashboard, staff members, settings and the audit log.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { customerBadge } from './customers.js';
import { currentPrincipal } from '../session.js';
import { homeView } from './common.js';

/* ---- dashboard: customers by status, recent sign-ups, recent lockouts ---- */

const dash = { loaded: false, counts: {}, recent: [], lockouts: [] };

async function loadDashboard(refresh) {
  dash.loaded = true;
  const statuses = ['active', 'pending', 'suspended', 'banned'];
  const [counts, recent, lockouts] = await Promise.all([
    Promise.all(statuses.map((s) => api('GET', `/api/v1/customers?status=${s}&limit=1`).then((p) => [s, p.total]))),
    api('GET', '/api/v1/customers?sort=-created&limit=5'),
    api('GET', '/api/v1/audit?action=auth.locked&limit=5', { quiet: true }).catch(() => ({ items: [] })),
  ]);
  dash.counts = Object.fromEntries(counts);
  dash.recent = recent.items;
  dash.lockouts = lockouts.items;
  refresh();
}

export function dashboardView(ctx) {
  const { router, refresh } = ctx;
  // staff who cannot read customers get the general home page
  if (!currentPrincipal()?.permissions?.includes('customers.read')) return homeView('admin')(ctx);
  if (!dash.loaded) loadDashboard(refresh);
  return html`
    <h1>${t('dashboard.title')}</h1>
    <div class="grid" data-testid="counts">
      ${Object.entries(dash.counts).map(([s, n]) => html`<article><a href=${router.href(`/customers?status=${s}`)}>${customerBadge(s)}</a><p class="stat">${n}</p></article>`)}
    </div>
    <div class="grid">
      <article>
        <h2>${t('dashboard.recent')}</h2>
        <ul class="sessions">${dash.recent.map((c) => html`<li><a href=${router.href(`/customers/${c.id}`)}>${[c.first_name, c.last_name].filter(Boolean).join(' ') || c.email}</a>
          ${customerBadge(c.status)}<br><small>${formatDateTime(c.created_at)}</small></li>`)}</ul>
      </article>
      <article>
        <h2>${t('dashboard.lockouts')}</h2>
        <ul class="sessions">${dash.lockouts.map((e) => html`<li>${e.customer_id ? html`<a href=${router.href(`/customers/${e.customer_id}`)}>${e.actor_name || e.actor_id}</a>` : e.actor_name || e.actor_id}
          <br><small>${formatDateTime(e.occurred_at)} · ${e.ip || ''}</small></li>`)}</ul>
        ${dash.lockouts.length ? '' : html`<p>${t('dashboard.no_lockouts')}</p>`}
      </article>
    </div>`;
}

/* ---- staff ---- */

const staff = { loaded: false, items: [], roles: [] };

async function loadStaff(refresh) {
  staff.loaded = true;
  const [list, roles] = await Promise.all([api('GET', '/api/v1/staff'), api('GET', '/api/v1/staff/roles')]);
  staff.items = list.items;
  staff.roles = roles.items;
  refresh();
}

async function addStaff(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    await api('POST', '/api/v1/staff', { quiet: true, json: { email: d.get('email'), display_name: d.get('display_name'), role: d.get('role') } });
    form.reset();
    toast(t('staff.added'), 'success');
    staff.loaded = false;
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

async function changeStaff(s, json, refresh) {
  if (json.status === 'disabled' && !(await confirmDialog({ title: t('staff.disable'), message: s.email, confirmLabel: t('staff.disable'), danger: true }))) return;
  await api('PATCH', `/api/v1/staff/${s.id}`, { json });
  staff.loaded = false;
  refresh();
}

export function staffView({ refresh }) {
  if (!staff.loaded) loadStaff(refresh);
  return html`
    <h1>${t('staff.title')}</h1>
    <div class="table-wrap"><table class="striped" data-testid="staff">
      <thead><tr><th scope="col">${t('login.email')}</th><th scope="col">${t('staff.name')}</th><th scope="col">${t('staff.role')}</th>
        <th scope="col">${t('customers.col.status')}</th><th scope="col">${t('customers.col.last_login')}</th><th scope="col"></th></tr></thead>
      <tbody>${staff.items.map((s) => html`<tr>
        <td>${s.email}</td><td>${s.display_name}</td>
        <td><select aria-label=${t('staff.role')} @change=${(e) => changeStaff(s, { role: e.target.value }, refresh)}>
          ${staff.roles.map((r) => html`<option value=${r.name} ?selected=${r.name === s.role}>${r.name}</option>`)}</select></td>
        <td>${t(`staff.status.${s.status}`)}</td><td>${s.last_login_at ? formatDateTime(s.last_login_at) : '—'}</td>
        <td>${s.status === 'active' ? html`<button type="button" class="outline secondary small" @click=${() => changeStaff(s, { status: 'disabled' }, refresh)}>${t('staff.disable')}</button>`
          : html`<button type="button" class="outline small" @click=${() => changeStaff(s, { status: 'active' }, refresh)}>${t('staff.enable')}</button>`}</td>
      </tr>`)}</tbody>
    </table></div>
    <article>
      <h2>${t('staff.add')}</h2>
      <form @submit=${(e) => addStaff(e, refresh)} novalidate data-testid="staff-form">
        <div class="grid">
          <div><label>${t('login.email')}<input name="email" type="email" required></label><small data-error-for="email" id="err-staff-email"></small></div>
          <div><label>${t('staff.name')}<input name="display_name"></label></div>
          <div><label>${t('staff.role')}<select name="role">${staff.roles.map((r) => html`<option value=${r.name}>${r.name}</option>`)}</select></label></div>
        </div>
        <button type="submit">${t('staff.add')}</button>
      </form>
      <p><small>${t('staff.add_hint')}</small></p>
    </article>
    <h2>${t('staff.roles')}</h2>
    <ul class="sessions">${staff.roles.map((r) => html`<li><strong>${r.name}</strong> — ${r.description}<br><small>${r.permissions.join(', ')}</small></li>`)}</ul>`;
}

/* ---- settings ---- */

const settings = { loaded: false, values: null };

async function saveSettings(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = {
    'two_factor.default_policy': d.get('two_factor.default_policy'),
    'two_factor.staff_required': d.get('two_factor.staff_required') === 'on',
    'password.hash_driver': d.get('password.hash_driver'),
    'password.bcrypt_cost': Number(d.get('password.bcrypt_cost')),
  };
  try {
    settings.values = await api('PATCH', '/api/v1/settings', { json, quiet: true });
    toast(t('settings.saved'), 'success');
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

export function settingsView({ refresh }) {
  if (!settings.loaded) {
    settings.loaded = true;
    api('GET', '/api/v1/settings').then((v) => { settings.values = v; refresh(); });
  }
  const v = settings.values;
  if (!v) return html`<h1>${t('settings.title')}</h1><p aria-busy="true">${t('status.checking')}</p>`;
  return html`
    <h1>${t('settings.title')}</h1>
    <form @submit=${(e) => saveSettings(e, refresh)} novalidate data-testid="settings">
      <fieldset>
        <legend>${t('mfa.section')}</legend>
        <label>${t('settings.2fa_default')}
          <select name="two_factor.default_policy">${['optional', 'required'].map((p) => html`<option value=${p} ?selected=${v['two_factor.default_policy'] === p}>${t(`settings.2fa.${p}`)}</option>`)}</select>
        </label>
        <label><input type="checkbox" name="two_factor.staff_required" ?checked=${v['two_factor.staff_required']}> ${t('settings.2fa_staff')}</label>
      </fieldset>
      <fieldset>
        <legend>${t('settings.passwords')}</legend>
        <div class="grid">
          <label>${t('settings.hash_driver')}
            <select name="password.hash_driver">${['argon2id', 'bcrypt'].map((p) => html`<option value=${p} ?selected=${v['password.hash_driver'] === p}>${p}</option>`)}</select></label>
          <label>${t('settings.bcrypt_cost')}<input type="number" min="10" max="14" name="password.bcrypt_cost" .value=${String(v['password.bcrypt_cost'])}></label>
        </div>
        <small data-error-for="password.bcrypt_cost" id="err-bcrypt"></small>
      </fieldset>
      <button type="submit">${t('settings.save')}</button>
    </form>`;
}

/* ---- audit log ---- */

const audit = { key: null, items: [], next: null, total: null, filters: { action: '', customer_id: '' } };

async function loadAudit(refresh, more = false) {
  const q = new URLSearchParams({ limit: '50' });
  for (const [k, v] of Object.entries(audit.filters)) if (v) q.set(k, v);
  if (more && audit.next) q.set('cursor', audit.next);
  try {
    const page = await api('GET', `/api/v1/audit?${q}`, { quiet: true });
    audit.items = more ? [...audit.items, ...page.items] : page.items;
    audit.next = page.next_cursor;
    audit.total = page.total;
  } catch (err) {
    toast(err.message, 'error');
  }
  refresh();
}

export function auditView({ router, refresh }) {
  const key = JSON.stringify(audit.filters);
  if (audit.key !== key) {
    audit.key = key;
    loadAudit(refresh);
  }
  return html`
    <h1>${t('audit.title')}</h1>
    <form class="filters" role="search" @submit=${(e) => { e.preventDefault(); const d = new FormData(e.target); audit.filters = { action: d.get('action').trim(), customer_id: d.get('customer_id').trim() }; refresh(); }}>
      <label>${t('audit.action')}<input name="action" placeholder="customer." .value=${audit.filters.action}></label>
      <label>${t('audit.customer')}<input name="customer_id" .value=${audit.filters.customer_id}></label>
      <button type="submit">${t('audit.filter')}</button>
    </form>
    <p aria-live="polite">${audit.total === null ? '' : t('audit.total', { count: audit.total })}</p>
    <div class="table-wrap"><table class="striped" data-testid="audit">
      <thead><tr><th scope="col">${t('audit.time')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.action')}</th>
        <th scope="col">${t('audit.subject')}</th><th scope="col">IP</th></tr></thead>
      <tbody>${audit.items.map((e) => html`<tr>
        <td>${formatDateTime(e.occurred_at)}</td>
        <td>${e.actor_name || t(`customers.actor.${e.actor_kind}`)}${e.impersonator_name ? html`<br><small>${t('audit.via', { name: e.impersonator_name })}</small>` : ''}</td>
        <td><code>${e.action}</code></td>
        <td>${e.customer_id ? html`<a href=${router.href(`/customers/${e.customer_id}`)}>${t('audit.customer_link')}</a>` : e.target_kind || ''}</td>
        <td>${e.ip || ''}</td></tr>`)}</tbody>
    </table></div>
    ${audit.next ? html`<button type="button" class="secondary" @click=${() => loadAudit(refresh, true)}>${t('customers.more')}</button>` : ''}`;
}
