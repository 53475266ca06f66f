// Admin: the customer list (search, status chips, sortable columns, state in the address bar, CSV),
// the create form, and the customer profile with its tabs and actions.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime, DATE_FORMATS } from '../i18n.js';
import { confirmDialog, formDialog, toast } from '../ui.js';
import { statusBadge as messageBadge } from './messages.js';
import { tokenTable } from './tokens.js';
import { individualsSection, groupsSection } from './people.js';

const STATUSES = ['active', 'pending', 'suspended', 'banned', 'deleted'];
const BADGE = { active: 'badge-ok', pending: 'badge-warn', suspended: 'badge-warn', banned: 'badge-bad', deleted: 'badge-muted' };
const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

/** A status badge: its color and its word (never the color alone). */
export const customerBadge = (status) => html`<span class="badge ${BADGE[status]}" data-testid="status-badge">${t(`customers.status.${status}`)}</span>`;

const fullName = (c) => [c.first_name, c.last_name].filter(Boolean).join(' ') || c.email;

/* ---- the list ---- */

const list = { key: null, items: [], total: null, next: null, loading: false };

/** The list's state lives in the address bar: q, status, sort. */
function query() {
  const p = new URLSearchParams(location.search);
  return { q: p.get('q') || '', status: p.get('status') || '', sort: p.get('sort') || 'name' };
}

function setQuery(router, changes) {
  const q = { ...query(), ...changes };
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v && !(k === 'sort' && v === 'name')) p.set(k, v);
  const s = p.toString();
  history.replaceState({}, '', `${router.href('/customers')}${s ? `?${s}` : ''}`);
}

function apiQuery(q, cursor) {
  const p = new URLSearchParams({ limit: '25', sort: q.sort });
  if (q.q) p.set('q', q.q);
  if (q.status) p.set('status', q.status);
  if (cursor) p.set('cursor', cursor);
  return p;
}

async function load(refresh, more = false) {
  const q = query();
  list.loading = true;
  refresh();
  try {
    const page = await api('GET', `/api/v1/customers?${apiQuery(q, more ? list.next : null)}`);
    list.items = more ? [...list.items, ...page.items] : page.items;
    list.total = page.total;
    list.next = page.next_cursor;
  } finally {
    list.loading = false;
    refresh();
  }
}

async function exportCsv() {
  const q = query();
  const p = apiQuery(q);
  p.delete('limit');
  const text = await api('GET', `/api/v1/customers/export?${p}`);
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = 'customers.csv';
  a.click();
  URL.revokeObjectURL(a.href);
}

// "/" focuses the search box, as in most admin tools
document.addEventListener('keydown', (e) => {
  if (e.key !== '/' || e.ctrlKey || e.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName)) return;
  const box = document.querySelector('[data-testid="customer-search"]');
  if (box) {
    e.preventDefault();
    box.focus();
  }
});

let searchTimer = null;

export function customersView({ router, refresh }) {
  const q = query();
  const key = JSON.stringify(q);
  if (list.key !== key && !list.loading) {
    list.key = key;
    load(refresh);
  }
  const sortHeader = (name, label) => {
    const active = q.sort.replace('-', '') === name;
    const desc = q.sort.startsWith('-');
    return html`<th scope="col" aria-sort=${active ? (desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" class="link" @click=${() => { setQuery(router, { sort: active && !desc ? `-${name}` : name }); refresh(); }}>
        ${t(label)}${active ? (desc ? ' ↓' : ' ↑') : ''}</button></th>`;
  };
  const chip = (status) => html`<button type="button" class="chip ${q.status === status ? '' : 'outline'}" aria-pressed=${q.status === status ? 'true' : 'false'}
    @click=${() => { setQuery(router, { status }); refresh(); }}>${status ? t(`customers.status.${status}`) : t('customers.all')}</button>`;
  return html`
    <div class="page-head">
      <h1>${t('customers.title')}</h1>
      <div>
        <button type="button" class="secondary" @click=${exportCsv}>${t('customers.export')}</button>
        <a role="button" class="secondary" href=${router.href('/customers/import')}>${t('import.title')}</a>
        <a role="button" href=${router.href('/customers/new')}>${t('customers.new')}</a>
      </div>
    </div>
    <form role="search" @submit=${(e) => e.preventDefault()}>
      <input type="search" data-testid="customer-search" aria-label=${t('customers.search')} placeholder=${t('customers.search_hint')} .value=${q.q}
        @input=${(e) => { clearTimeout(searchTimer); const v = e.target.value; searchTimer = setTimeout(() => { setQuery(router, { q: v }); refresh(); }, 250); }}>
    </form>
    <div class="chips" role="group" aria-label=${t('customers.filter')}>${chip('')}${STATUSES.map(chip)}</div>
    <p data-testid="customers-total" aria-live="polite">${list.total === null ? '' : t('customers.total', { count: list.total })}</p>
    <div class="table-wrap">
      <table class="striped" aria-busy=${list.loading ? 'true' : 'false'}>
        <thead><tr>
          ${sortHeader('name', 'customers.col.name')}<th scope="col">${t('customers.col.email')}</th>
          <th scope="col">${t('customers.col.phone')}</th><th scope="col">${t('customers.col.status')}</th>
          ${sortHeader('created', 'customers.col.created')}${sortHeader('last_login', 'customers.col.last_login')}
        </tr></thead>
        <tbody>
          ${list.items.map((c) => html`<tr>
            <td><a href=${router.href(`/customers/${c.id}`)}>${fullName(c)}</a>${c.company ? html`<br><small>${c.company}</small>` : ''}</td>
            <td>${c.email}</td><td>${c.phone || ''}</td><td>${customerBadge(c.status)}</td>
            <td>${formatDateTime(c.created_at)}</td><td>${c.last_login_at ? formatDateTime(c.last_login_at) : '—'}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    ${list.items.length === 0 && !list.loading ? html`<p>${t('customers.empty')}</p>` : ''}
    ${list.next ? html`<button type="button" class="secondary" @click=${() => load(refresh, true)}>${t('customers.more')}</button>` : ''}`;
}

/* ---- create ---- */

const create = { generate: true };

function bodyOf(form, { creating }) {
  const d = new FormData(form);
  const json = {};
  for (const k of ['email', 'first_name', 'last_name', 'company', 'language', 'time_zone', 'date_input_format', 'date_output_format', 'two_factor_policy', 'trusted_ips']) {
    if (d.has(k)) json[k] = d.get(k);
  }
  if (d.has('phone')) json.phone = d.get('phone') || null;
  if (d.has('role_id')) { // only where the roles could be read (roles.manage)
    json.role_id = d.get('role_id') || null;
    json.allowed_role_ids = d.getAll('allowed_role_ids');
  }
  const login = { enabled: d.get('login_enabled') === 'on', email_confirmed: d.get('email_confirmed') === 'on' };
  if (creating && create.generate) login.generate_and_send = true;
  else if (d.get('password')) Object.assign(login, { password: d.get('password'), password_confirm: d.get('password_confirm') });
  json.login = login;
  return json;
}

async function submitCreate(e, router) {
  e.preventDefault();
  const form = e.target;
  showFieldErrors(form, null);
  try {
    const c = await api('POST', '/api/v1/customers', { json: bodyOf(form, { creating: true }), quiet: true });
    toast(t('customers.created'), 'success');
    list.key = null;
    router.navigate(`/customers/${c.id}`);
  } catch (err) {
    showFieldErrors(form, normalizeErrors(err));
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
}

/** Field errors of the login section come as "login.password": the inputs are named without it. */
function normalizeErrors(err) {
  if (!err.fieldErrors) return err;
  const fieldErrors = {};
  for (const [k, v] of Object.entries(err.fieldErrors)) fieldErrors[k.replace(/^login\./, '')] = v;
  return { ...err, fieldErrors };
}

function field(name, label, value = '', type = 'text', attrs = {}) {
  return html`<label>${t(label)}<input name=${name} type=${type} .value=${value ?? ''} ?required=${!!attrs.required} autocomplete=${attrs.autocomplete || 'off'}></label>
    <small data-error-for=${name} id=${`err-${name}`}></small>`;
}

function select(name, label, options, value, labelOf = (o) => o) {
  return html`<label>${t(label)}<select name=${name}>${options.map((o) => html`<option value=${o} ?selected=${o === value}>${labelOf(o)}</option>`)}</select></label>
    <small data-error-for=${name} id=${`err-${name}`}></small>`;
}

function detailsFields(c = {}) {
  const zone = c.time_zone || 'UTC'; // browsers list UTC under other names, or not at all
  return html`
    <div class="grid"><div>${field('first_name', 'register.first_name', c.first_name)}</div><div>${field('last_name', 'register.last_name', c.last_name)}</div></div>
    <div class="grid"><div>${field('email', 'login.email', c.email, 'email', { required: true })}</div><div>${field('phone', 'customers.col.phone', c.phone, 'tel')}</div></div>
    ${field('company', 'profile.company', c.company)}
    <div class="grid">
      <div>${select('language', 'prefs.language', ['en', 'fr'], c.language || 'en', (l) => t(`lang.${l}`))}</div>
      <div>${select('time_zone', 'profile.time_zone', ZONES.includes(zone) ? ZONES : [zone, ...ZONES], zone)}</div>
    </div>
    <div class="grid">
      <div>${select('date_input_format', 'profile.date_input', DATE_FORMATS, c.date_input_format)}</div>
      <div>${select('date_output_format', 'profile.date_output', DATE_FORMATS, c.date_output_format)}</div>
    </div>
    <div class="grid">
      <div>${select('two_factor_policy', 'customers.two_factor_policy', ['inherit', 'required', 'off'], c.two_factor_policy || 'inherit', (p) => t(`customers.policy.${p}`))}</div>
      <div><label>${t('customers.trusted_ips')}<textarea name="trusted_ips" rows="2" .value=${c.trusted_ips || ''}></textarea></label>
        <small data-error-for="trusted_ips" id="err-trusted_ips"></small></div>
    </div>`;
}

export function customerNewView({ router, refresh }) {
  return html`
    <p><a href=${router.href('/customers')}>← ${t('customers.back')}</a></p>
    <h1>${t('customers.new')}</h1>
    <form @submit=${(e) => submitCreate(e, router)} novalidate data-testid="customer-form">
      ${detailsFields()}
      <fieldset>
        <legend>${t('customers.login')}</legend>
        <label><input type="checkbox" name="login_enabled" checked> ${t('customers.login_enabled')}</label>
        <label><input type="checkbox" name="email_confirmed" checked> ${t('customers.email_confirmed')}</label>
        <label><input type="radio" name="password_mode" value="generate" ?checked=${create.generate} @change=${() => { create.generate = true; refresh(); }}> ${t('customers.generate_and_send')}</label>
        <label><input type="radio" name="password_mode" value="set" ?checked=${!create.generate} @change=${() => { create.generate = false; refresh(); }}> ${t('customers.set_password')}</label>
        ${create.generate ? '' : html`
          ${field('password', 'login.password', '', 'password', { autocomplete: 'new-password' })}
          ${field('password_confirm', 'security.confirm', '', 'password', { autocomplete: 'new-password' })}`}
      </fieldset>
      <button type="submit">${t('customers.create')}</button>
    </form>`;
}

/* ---- the profile ---- */

const one = { id: null, customer: null, tab: 'details', tabData: null, tabKey: null, error: '', roles: null };

async function loadCustomer(id, refresh) {
  one.id = id;
  one.customer = null;
  one.error = '';
  one.tabKey = null;
  try {
    one.customer = await api('GET', `/api/v1/customers/${id}`, { quiet: true });
    one.roles = (await api('GET', '/api/v1/roles', { quiet: true }).catch(() => null))?.items || null;
  } catch (e) {
    one.error = e.message;
  }
  refresh();
}

/** The customer's portal role and the roles it may give (for staff who may read the roles). */
function rolesFields(c) {
  if (!one.roles) return '';
  return html`<fieldset data-testid="customer-roles"><legend>${t('customers.role')}</legend>
    <select name="role_id" aria-label=${t('customers.role')}>
      <option value="" ?selected=${!c.role_id}>${t('customers.role_default')}</option>
      ${one.roles.map((r) => html`<option value=${r.id} ?selected=${c.role_id === r.id}>${r.name}</option>`)}
    </select>
    <p><small>${t('customers.allowed_roles')}</small></p>
    ${one.roles.map((r) => html`<label><input type="checkbox" name="allowed_role_ids" value=${r.id} ?checked=${c.allowed_role_ids.includes(r.id)}> ${r.name}</label>`)}
  </fieldset>`;
}

const TABS = {
  history: (id) => `/api/v1/customers/${id}/history?limit=50`,
  notes: (id) => `/api/v1/customers/${id}/notes`,
  messages: (id) => `/api/v1/customers/${id}/messages?limit=50`,
  sessions: (id) => `/api/v1/customers/${id}/sessions`,
  tokens: (id) => `/api/v1/customers/${id}/tokens`,
};

async function loadTab(refresh) {
  one.tabKey = `${one.id}:${one.tab}`;
  one.tabData = null;
  if (TABS[one.tab]) one.tabData = await api('GET', TABS[one.tab](one.id));
  refresh();
}

async function saveDetails(e, refresh) {
  e.preventDefault();
  const form = e.target;
  showFieldErrors(form, null);
  const json = bodyOf(form, { creating: false });
  try {
    one.customer = await api('PATCH', `/api/v1/customers/${one.id}`, { json, quiet: true });
    list.key = null;
    toast(t('customers.saved'), 'success');
    form.querySelectorAll('input[type=password]').forEach((i) => { i.value = ''; });
  } catch (err) {
    showFieldErrors(form, normalizeErrors(err));
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
  refresh();
}

/** Runs an action after its dialog; suspend and ban show their dry-run impact first. */
async function runAction(name, refresh) {
  const c = one.customer;
  const path = `/api/v1/customers/${c.id}/actions/${name}`;
  let body = {};
  if (name === 'suspend' || name === 'ban') {
    const dry = await api('POST', path, { json: { reason: 'preview', dry_run: true } });
    const values = await formDialog({
      title: t(`customers.action.${name}`),
      fields: [
        { name: 'reason', label: t('customers.reason'), type: 'textarea', required: true },
        { name: 'cascade', label: t('customers.cascade'), type: 'checkbox', checked: true },
        { name: 'notify', label: t('customers.notify'), type: 'checkbox' },
      ],
      impact: t('customers.impact', { sessions: dry.result.impact.sessions }),
      typeToConfirm: name === 'ban' ? c.email : '',
      confirmLabel: t(`customers.action.${name}`),
      danger: true,
    });
    if (!values) return;
    body = values;
  } else if (name === 'reactivate') {
    const values = await formDialog({
      title: t('customers.action.reactivate'),
      message: c.status_history.filter((h) => h.reason).map((h) => `${t(`customers.status.${h.to}`)}: ${h.reason}`).join(' · '),
      fields: [
        { name: 'restore_services', label: t('customers.restore_services'), type: 'checkbox', checked: true },
        { name: 'notify', label: t('customers.notify'), type: 'checkbox' },
      ],
      confirmLabel: t('customers.action.reactivate'),
    });
    if (!values) return;
    body = values;
  } else if (name === 'send-email') {
    const values = await formDialog({
      title: t('customers.action.send-email'),
      fields: [
        { name: 'subject', label: t('customers.subject'), required: true },
        { name: 'body', label: t('customers.message'), type: 'textarea', required: true },
      ],
      confirmLabel: t('customers.send'),
    });
    if (!values) return;
    body = values;
  } else if (!(await confirmDialog({ title: t(`customers.action.${name}`), message: t(`customers.confirm.${name}`, { email: c.email }), confirmLabel: t(`customers.action.${name}`) }))) {
    return;
  }
  try {
    const r = await api('POST', path, { json: body });
    one.customer = r.customer;
    one.tabKey = null;
    list.key = null;
    toast(t('customers.done', { action: t(`customers.action.${name}`) }), 'success');
  } catch {
    /* the toast said why */
  }
  refresh();
}

/** "Log in as customer": the portal opens in a new tab on a session that names the staff member. */
/** Opens a portal tab signed in as the customer, or as one of its individuals (person). */
async function impersonate(person = null) {
  const c = one.customer;
  const values = await formDialog({
    title: person ? t('impersonation.start_individual', { email: person.email }) : t('impersonation.start'),
    message: t('impersonation.start_body', { email: person ? person.email : c.email }),
    fields: [
      { name: 'reason', label: t('customers.reason'), type: 'textarea', required: true },
      { name: 'default_role', label: t('impersonation.default_role'), type: 'checkbox' },
    ],
    confirmLabel: person ? t('impersonation.start_individual', { email: person.email }) : t('impersonation.start'),
  });
  if (!values) return;
  const tab = window.open('about:blank', '_blank'); // opened now, while the click still counts
  try {
    const json = { mode: values.default_role ? 'default_role' : 'assigned_role', reason: values.reason };
    if (person) json.individual_id = person.id;
    const r = await api('POST', `/api/v1/customers/${c.id}/impersonate`, { json });
    if (tab) tab.location = r.handoff_url;
    else window.location.assign(r.handoff_url);
  } catch {
    tab?.close();
  }
}

async function deleteCustomer(router) {
  const c = one.customer;
  const dry = await api('DELETE', `/api/v1/customers/${c.id}?dry_run=true`);
  const values = await formDialog({
    title: t('customers.delete'),
    message: t('customers.delete_body'),
    impact: t('customers.impact', { sessions: dry.impact.sessions }),
    typeToConfirm: c.email,
    confirmLabel: t('customers.delete'),
    danger: true,
  });
  if (!values) return;
  await api('DELETE', `/api/v1/customers/${c.id}`);
  toast(t('customers.deleted'), 'success');
  list.key = null;
  router.navigate('/customers');
}

async function addNote(e, refresh) {
  e.preventDefault();
  const form = e.target;
  await api('POST', `/api/v1/customers/${one.id}/notes`, { json: { body: new FormData(form).get('body') } });
  form.reset();
  loadTab(refresh);
}

function actionsFor(c) {
  const a = [];
  if (!c.email_confirmed_at) a.push('confirm', 'resend-confirmation');
  a.push('send-password-reset', 'send-credentials', 'send-email');
  if (c.status === 'active' || c.status === 'pending') a.push('suspend');
  if (c.status !== 'banned') a.push('ban');
  if (c.status === 'suspended' || c.status === 'banned') a.push('reactivate');
  if (c.two_factor) a.push('remove-2fa');
  a.push('reset-2fa');
  if (c.security_question_set) a.push('disable-security-question');
  if (c.locked_until) a.push('unlock');
  a.push('revoke-sessions');
  return a;
}

function tabBody(refresh) {
  const c = one.customer;
  if (one.tab === 'details') {
    return html`<form @submit=${(e) => saveDetails(e, refresh)} novalidate data-testid="customer-edit">
      ${detailsFields(c)}
      <fieldset>
        <legend>${t('customers.login')}</legend>
        <label><input type="checkbox" name="login_enabled" ?checked=${c.login_enabled}> ${t('customers.login_enabled')}</label>
        <label><input type="checkbox" name="email_confirmed" ?checked=${!!c.email_confirmed_at}> ${t('customers.email_confirmed')}</label>
        <p><small>${t('customers.password_hint')}</small></p>
        <div class="grid"><div>${field('password', 'login.password', '', 'password', { autocomplete: 'new-password' })}</div>
          <div>${field('password_confirm', 'security.confirm', '', 'password', { autocomplete: 'new-password' })}</div></div>
      </fieldset>
      ${rolesFields(c)}
      <button type="submit">${t('customers.save')}</button>
    </form>`;
  }
  if (one.tab === 'individuals') return individualsSection(one.id, refresh, { staff: true, onLogInAs: (p) => impersonate(p) });
  if (one.tab === 'groups') return groupsSection(one.id, refresh);
  if (one.tabKey !== `${one.id}:${one.tab}`) loadTab(refresh);
  const d = one.tabData;
  if (!d) return html`<p aria-busy="true">${t('status.checking')}</p>`;
  if (one.tab === 'history') {
    return html`<ul class="sessions" data-testid="customer-history">${d.items.map((i) => html`<li>
      <strong>${i.action}</strong> · ${i.actor_name || t(`customers.actor.${i.actor_kind}`)}${i.details?.reason ? html` · <em>${i.details.reason}</em>` : ''}<br>
      <small>${formatDateTime(i.occurred_at)}${i.ip ? ` · ${i.ip}` : ''}</small></li>`)}</ul>`;
  }
  if (one.tab === 'notes') {
    return html`<form @submit=${(e) => addNote(e, refresh)} data-testid="note-form">
        <label>${t('customers.note')}<textarea name="body" rows="3" required maxlength="10000"></textarea></label>
        <button type="submit">${t('customers.add_note')}</button></form>
      <ul class="sessions" data-testid="notes">${d.items.map((n) => html`<li>${n.body}<br><small>${n.author_name || ''} · ${formatDateTime(n.created_at)}</small></li>`)}</ul>`;
  }
  if (one.tab === 'messages') {
    return html`<ul class="sessions">${d.items.map((m) => html`<li>${m.subject || m.event} ${messageBadge(m.status)}<br><small>${m.address} · ${formatDateTime(m.created_at)}</small></li>`)}</ul>
      ${d.items.length ? '' : html`<p>${t('messages.empty')}</p>`}`;
  }
  if (one.tab === 'tokens') {
    return tokenTable(d.items, async (tk) => {
      if (!(await confirmDialog({ title: t('tokens.revoke'), message: t('tokens.revoke_body', { name: tk.name }), confirmLabel: t('tokens.revoke'), danger: true }))) return;
      await api('DELETE', `/api/v1/customers/${one.id}/tokens/${tk.id}`);
      loadTab(refresh);
    }, 'customer-tokens');
  }
  return html`<ul class="sessions" data-testid="customer-sessions">${d.items.map((s) => html`<li><strong>${s.user_agent || t('security.unknown_device')}</strong><br>
      <small>${s.ip || ''} · ${t('security.last_used', { time: formatDateTime(s.last_used_at) })}</small>
      <button type="button" class="outline secondary small" @click=${async () => { await api('DELETE', `/api/v1/customers/${one.id}/sessions/${s.id}`); loadTab(refresh); }}>${t('security.end')}</button></li>`)}</ul>
    ${d.items.length ? '' : html`<p>${t('customers.no_sessions')}</p>`}`;
}

export function customerView({ params, router, refresh }) {
  if (one.id !== params.id) loadCustomer(params.id, refresh);
  const c = one.customer;
  const back = html`<p><a href=${router.href('/customers')}>← ${t('customers.back')}</a></p>`;
  if (one.error) return html`${back}<h1>${t('customers.one')}</h1><p role="alert">${one.error}</p>`;
  if (!c) return html`${back}<h1>${t('customers.one')}</h1><p aria-busy="true">${t('status.checking')}</p>`;
  const tab = (name) => html`<li><a href="#" aria-current=${one.tab === name ? 'page' : 'false'} @click=${(e) => { e.preventDefault(); one.tab = name; refresh(); }}>${t(`customers.tab.${name}`)}</a></li>`;
  return html`
    ${back}
    <div class="page-head">
      <div>
        <h1>${fullName(c)} ${customerBadge(c.status)}</h1>
        <p>${c.email}${c.phone ? ` · ${c.phone}` : ''}${c.company ? ` · ${c.company}` : ''}</p>
      </div>
      ${c.status === 'deleted' ? '' : html`<details class="dropdown" data-testid="actions">
        <summary role="button" class="secondary">${t('customers.actions')}</summary>
        <ul>
          ${actionsFor(c).map((a) => html`<li><a href="#" @click=${(e) => { e.preventDefault(); e.target.closest('details').open = false; runAction(a, refresh); }}>${t(`customers.action.${a}`)}</a></li>`)}
          ${c.status === 'active' ? html`<li><a href="#" data-testid="impersonate" @click=${(e) => { e.preventDefault(); e.target.closest('details').open = false; impersonate(); }}>${t('impersonation.start')}</a></li>` : ''}
          <li><a href="#" class="danger" @click=${(e) => { e.preventDefault(); e.target.closest('details').open = false; deleteCustomer(router); }}>${t('customers.delete')}</a></li>
        </ul>
      </details>`}
    </div>
    <dl class="status-list" data-testid="customer-facts">
      <dt>${t('customers.col.created')}</dt><dd>${formatDateTime(c.created_at)}</dd>
      <dt>${t('customers.col.last_login')}</dt><dd>${c.last_login_at ? `${formatDateTime(c.last_login_at)} · ${c.last_login_ip || ''}` : '—'}</dd>
      <dt>${t('mfa.section')}</dt><dd>${c.two_factor ? t('mfa.on') : t('mfa.off_short')} (${t(`customers.policy.${c.two_factor_policy}`)})</dd>
      ${c.locked_until ? html`<dt>${t('customers.locked')}</dt><dd data-testid="locked">${formatDateTime(c.locked_until)}</dd>` : ''}
      ${c.status_history.length ? html`<dt>${t('customers.reasons')}</dt><dd data-testid="reasons">${c.status_history.filter((h) => h.reason).map((h) => html`<div>${customerBadge(h.to)} ${h.reason} <small>${formatDateTime(h.occurred_at)}</small></div>`)}</dd>` : ''}
    </dl>
    <nav aria-label=${t('customers.tabs')} class="tabs"><ul>${['details', 'individuals', 'groups', 'history', 'notes', 'messages', 'sessions', 'tokens'].map(tab)}</ul></nav>
    ${tabBody(refresh)}`;
}

/* ---- import ---- */

const imp = { file: null, report: null, busy: false };

async function runImport(refresh, dryRun) {
  imp.busy = true;
  refresh();
  try {
    const type = imp.file.name.toLowerCase().endsWith('.json') ? 'application/json' : 'text/csv';
    const file = new Blob([await imp.file.arrayBuffer()], { type });
    imp.report = await api('POST', `/api/v1/customers/import${dryRun ? '?dry_run=true' : ''}`, { file, quiet: true });
    if (!dryRun) {
      list.key = null;
      toast(t('import.done', { created: imp.report.created, updated: imp.report.updated }), 'success');
    }
  } catch (err) {
    imp.report = null;
    toast(err.problem?.errors?.[0]?.message || err.message, 'error');
  } finally {
    imp.busy = false;
    refresh();
  }
}

export function customerImportView({ router, refresh }) {
  const r = imp.report;
  const refused = r ? r.items.filter((i) => i.result === 'error') : [];
  return html`
    <p><a href=${router.href('/customers')}>← ${t('customers.back')}</a></p>
    <h1>${t('import.title')}</h1>
    <p>${t('import.intro')}</p>
    <label>${t('import.file')}
      <input type="file" accept=".csv,.json,text/csv,application/json" data-testid="import-file"
        @change=${(e) => { imp.file = e.target.files?.[0] || null; imp.report = null; refresh(); }}>
    </label>
    <div class="grid">
      <button type="button" class="secondary" ?disabled=${!imp.file || imp.busy} @click=${() => runImport(refresh, true)}>${t('import.check')}</button>
      <button type="button" ?disabled=${!imp.file || imp.busy || !r || !r.dry_run || r.created + r.updated === 0} @click=${() => runImport(refresh, false)}>${t('import.run')}</button>
    </div>
    ${r ? html`
      <article data-testid="import-report" aria-live="polite">
        <h2>${t(r.dry_run ? 'import.report_dry' : 'import.report_done')}</h2>
        <p>${t('import.summary', { rows: r.rows, created: r.created, updated: r.updated, errors: r.errors })}</p>
        ${refused.length ? html`<div class="table-wrap"><table class="striped">
          <thead><tr><th scope="col">${t('import.row')}</th><th scope="col">${t('customers.col.email')}</th><th scope="col">${t('import.problems')}</th></tr></thead>
          <tbody>${refused.map((i) => html`<tr><td>${i.row}</td><td>${i.email || ''}</td>
            <td>${i.errors.map((e) => html`<div><code>${e.field}</code> ${e.message}</div>`)}</td></tr>`)}</tbody>
        </table></div>` : ''}
      </article>` : ''}`;
}
