// Admin: the dashboard, staff members, settings and the audit log.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { customerBadge } from './customers.js';
import { currentPrincipal } from '../session.js';
import { homeView, permissionBoxes } from './common.js';

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

const staff = { loaded: false, items: [], roles: [], catalogue: [] };

async function loadStaff(refresh) {
  staff.loaded = true;
  const [list, roles] = await Promise.all([api('GET', '/api/v1/staff'), api('GET', '/api/v1/staff/roles')]);
  staff.items = list.items;
  staff.roles = roles.items;
  staff.catalogue = roles.permissions;
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

async function addRole(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    await api('POST', '/api/v1/staff/roles', { quiet: true, json: { name: d.get('name'), description: d.get('description'), permissions: d.getAll('permissions') } });
    form.reset();
    toast(t('staff.role_created'), 'success');
    staff.loaded = false;
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

async function deleteRole(r, refresh) {
  if (!(await confirmDialog({ title: t('staff.role_delete'), message: r.name, confirmLabel: t('staff.role_delete'), danger: true }))) return;
  await api('DELETE', `/api/v1/staff/roles/${r.name}`);
  staff.loaded = false;
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
    <ul class="sessions" data-testid="staff-roles">${staff.roles.map((r) => html`<li><strong>${r.name}</strong> — ${r.description}<br><small>${r.permissions.join(', ')}</small>
      ${r.system ? '' : html` <button type="button" class="outline secondary small" @click=${() => deleteRole(r, refresh)}>${t('staff.role_delete')}</button>`}</li>`)}</ul>
    <article>
      <h2>${t('staff.role_new')}</h2>
      <form @submit=${(e) => addRole(e, refresh)} novalidate data-testid="role-form">
        <div class="grid">
          <div><label>${t('staff.role_name')}<input name="name" required pattern="[a-z][a-z0-9_-]{1,31}"></label><small data-error-for="name" id="err-role-name"></small></div>
          <div><label>${t('staff.role_description')}<input name="description" maxlength="200"></label></div>
        </div>
        <fieldset><legend>${t('staff.permissions')}</legend>
          <div class="grid settings-grid">${staff.catalogue.map((p) => html`<label><input type="checkbox" name="permissions" value=${p}> ${p}</label>`)}</div>
        </fieldset>
        <small data-error-for="permissions" id="err-role-permissions"></small>
        <button type="submit">${t('staff.role_create')}</button>
      </form>
    </article>`;
}

/* ---- settings ---- */

const settings = { loaded: false, values: null, branding: null };
const FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'];

/** The settings form, group by group: key, kind (bool, select, number, text, color) and bounds. */
const GROUPS = [
  ['settings.group.sign_in', [
    ['registration.open', 'bool'], ['registration.auto_confirm', 'bool'], ['portal.sign_in', 'bool'],
    ['session.idle_seconds', 'number', 60, 604800], ['session.max_seconds', 'number', 300, 2592000],
  ]],
  ['mfa.section', [['two_factor.default_policy', 'select', ['optional', 'required']], ['two_factor.staff_required', 'bool']]],
  ['settings.passwords', [
    ['password.hash_driver', 'select', ['argon2id', 'bcrypt']], ['password.bcrypt_cost', 'number', 10, 14], ['password.min_length', 'number', 8, 128],
    ['lockout.threshold', 'number', 3, 20], ['lockout.base_seconds', 'number', 10, 3600], ['lockout.max_seconds', 'number', 60, 86400],
  ]],
  ['settings.group.defaults', [
    ['defaults.language', 'select', ['en', 'fr']], ['defaults.time_zone', 'text'],
    ['defaults.date_input_format', 'select', FORMATS], ['defaults.date_output_format', 'select', FORMATS],
  ]],
  ['settings.group.branding', [['branding.portal_name', 'text'], ['branding.primary_color', 'color']]],
];

function settingInput([key, kind, a, b], v) {
  const id = `setting-${key.replace(/\./g, '-')}`;
  const label = t(`settings.key.${key}`);
  const error = html`<small data-error-for=${key} id=${`err-${id}`}></small>`;
  if (kind === 'bool') return html`<label><input type="checkbox" name=${key} ?checked=${v[key]}> ${label}</label>${error}`;
  if (kind === 'select') {
    return html`<label>${label}<select name=${key}>${a.map((o) => html`<option value=${o} ?selected=${v[key] === o}>${o}</option>`)}</select></label>${error}`;
  }
  if (kind === 'number') return html`<label>${label}<input type="number" name=${key} min=${a} max=${b} .value=${String(v[key])}></label>${error}`;
  return html`<label>${label}<input type=${kind === 'color' ? 'color' : 'text'} name=${key} .value=${v[key]}></label>${error}`;
}

async function saveSettings(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = {};
  for (const [, fields] of GROUPS) {
    for (const [key, kind] of fields) {
      json[key] = kind === 'bool' ? d.get(key) === 'on' : kind === 'number' ? Number(d.get(key)) : d.get(key);
    }
  }
  try {
    settings.values = await api('PATCH', '/api/v1/settings', { json, quiet: true });
    toast(t('settings.saved'), 'success');
  } catch (err) {
    showFieldErrors(form, err);
    toast(err.message, 'error');
  }
  refresh();
}

async function uploadLogo(e, refresh) {
  const file = e.target.files?.[0];
  if (!file) return;
  try {
    settings.branding = await api('PUT', '/api/v1/settings/logo', { file, quiet: true });
    toast(t('settings.logo_saved'), 'success');
  } catch (err) {
    toast(err.problem?.errors?.[0]?.message || err.message, 'error');
  }
  e.target.value = '';
  refresh();
}

export function settingsView({ refresh }) {
  if (!settings.loaded) {
    settings.loaded = true;
    Promise.all([api('GET', '/api/v1/settings'), api('GET', '/api/v1/branding')]).then(([v, b]) => { settings.values = v; settings.branding = b; refresh(); });
  }
  const v = settings.values;
  if (!v) return html`<h1>${t('settings.title')}</h1><p aria-busy="true">${t('status.checking')}</p>`;
  return html`
    <h1>${t('settings.title')}</h1>
    <form @submit=${(e) => saveSettings(e, refresh)} novalidate data-testid="settings">
      ${GROUPS.map(([legend, fields]) => html`<fieldset><legend>${t(legend)}</legend>
        <div class="grid settings-grid">${fields.map((f) => html`<div>${settingInput(f, v)}</div>`)}</div></fieldset>`)}
      <button type="submit">${t('settings.save')}</button>
    </form>
    <article>
      <h2>${t('settings.logo')}</h2>
      ${settings.branding?.logo_url ? html`<p><img class="logo-preview" src=${settings.branding.logo_url} alt=${t('settings.logo')}></p>` : html`<p>${t('settings.no_logo')}</p>`}
      <label>${t('settings.logo_upload')}<input type="file" accept="image/png,image/jpeg,image/webp" data-testid="logo-upload" @change=${(e) => uploadLogo(e, refresh)}></label>
      ${settings.branding?.logo_url ? html`<button type="button" class="outline secondary" @click=${async () => { await api('DELETE', '/api/v1/settings/logo'); settings.branding = await api('GET', '/api/v1/branding'); refresh(); }}>${t('settings.logo_remove')}</button>` : ''}
    </article>`;
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

/* ---- portal roles ---- */

const proles = { loaded: false, items: [], catalogue: [], editing: null };

async function loadPortalRoles(refresh) {
  proles.loaded = true;
  const [roles, perms] = await Promise.all([api('GET', '/api/v1/roles'), api('GET', '/api/v1/permissions')]);
  proles.items = roles.items;
  proles.catalogue = perms.items;
  refresh();
}

async function saveRole(e, refresh, role) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = { description: d.get('description'), ...(role?.system ? {} : { name: d.get('name'), permissions: d.getAll('permissions') }) };
  try {
    if (role) await api('PATCH', `/api/v1/roles/${role.id}`, { json, quiet: true });
    else await api('POST', '/api/v1/roles', { json, quiet: true });
    toast(t('roles.saved'), 'success');
    proles.loaded = false;
    proles.editing = null;
    form.reset();
  } catch (err) {
    showFieldErrors(form, err);
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
  refresh();
}

async function deleteRole2(role, refresh) {
  if (!(await confirmDialog({ title: t('roles.delete'), message: role.name, confirmLabel: t('roles.delete'), danger: true }))) return;
  try {
    await api('DELETE', `/api/v1/roles/${role.id}`, { quiet: true });
    proles.loaded = false;
  } catch (err) {
    const w = err.problem?.where;
    toast(w ? t('roles.in_use', { assigned: w.assigned, allowed: w.allowed, individuals: w.individuals, fallback: w.default ? t('roles.is_default') : '' }) : err.message, 'error');
  }
  refresh();
}

function roleForm(refresh, role) {
  return html`<form @submit=${(e) => saveRole(e, refresh, role)} novalidate data-testid=${role ? 'role-edit' : 'portal-role-form'}>
    <div class="grid">
      <div><label>${t('roles.name')}<input name="name" .value=${role?.name || ''} ?disabled=${role?.system}></label><small data-error-for="name" id=${`err-prole-name-${role?.id || 'new'}`}></small></div>
      <div><label>${t('staff.role_description')}<input name="description" maxlength="200" .value=${role?.description || ''}></label></div>
    </div>
    ${permissionBoxes(proles.catalogue.map((p) => p.name), role?.permissions || [], role?.system)}
    <small data-error-for="permissions" id=${`err-prole-perms-${role?.id || 'new'}`}></small>
    <button type="submit">${t(role ? 'roles.save' : 'roles.create')}</button>
  </form>`;
}

export function portalRolesView({ refresh }) {
  if (!proles.loaded) loadPortalRoles(refresh);
  return html`
    <h1>${t('roles.title')}</h1>
    <p>${t('roles.intro')}</p>
    <div class="table-wrap"><table class="striped" data-testid="portal-roles">
      <thead><tr><th scope="col">${t('roles.name')}</th><th scope="col">${t('staff.permissions')}</th><th scope="col">${t('roles.customers')}</th><th scope="col"></th></tr></thead>
      <tbody>${proles.items.map((r) => html`<tr>
        <td><strong>${r.name}</strong>${r.system ? html` <span class="badge badge-muted">${t('roles.system')}</span>` : ''}<br><small>${r.description}</small></td>
        <td><small>${r.permissions.join(', ')}</small></td><td>${r.customers}</td>
        <td><button type="button" class="outline small" @click=${() => { proles.editing = r.id; refresh(); }}>${t('roles.edit')}</button>
          ${r.system ? '' : html`<button type="button" class="outline secondary small" @click=${() => deleteRole2(r, refresh)}>${t('roles.delete')}</button>`}</td>
      </tr>${proles.editing === r.id ? html`<tr><td colspan="4">${roleForm(refresh, r)}</td></tr>` : ''}`)}</tbody>
    </table></div>
    <article><h2>${t('roles.new')}</h2>${roleForm(refresh, null)}</article>`;
}
