// A customer's people: its individuals (invite, role among the allowed ones, suspend, remove, resend
// the invitation) and its groups (create, rename, members, delete). The same screens serve the portal
// (the signed-in customer's own people) and the admin panel's customer profile.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { linkToken } from '../router.js';
import { confirmDialog, toast } from '../ui.js';
import { currentPrincipal } from '../session.js';

const people = { key: null, items: [], roles: [], error: '' };
const teams = { key: null, items: [], editing: null };

const base = (customerId) => `/api/v1/customers/${customerId}`;

async function loadPeople(customerId, refresh) {
  people.key = customerId;
  try {
    const r = await api('GET', `${base(customerId)}/individuals`);
    people.items = r.items;
    people.roles = r.allowed_roles;
    people.error = '';
  } catch (err) {
    people.error = err.message;
  }
  refresh();
}

const badge = (status) => html`<span class=${`badge ${status === 'active' ? 'badge-ok' : status === 'invited' ? 'badge-warn' : 'badge-bad'}`}>${t(`people.status.${status}`)}</span>`;

async function invite(e, customerId, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = { email: d.get('email').trim(), first_name: d.get('first_name').trim(), last_name: d.get('last_name').trim() };
  if (d.get('role_id')) json.role_id = d.get('role_id');
  if (d.get('send') === 'credentials') json.send = 'credentials';
  try {
    await api('POST', `${base(customerId)}/individuals`, { json, quiet: true });
    form.reset();
    toast(t(json.send ? 'people.credentials_sent' : 'people.invited', { email: json.email }), 'success');
  } catch (err) {
    showFieldErrors(form, err);
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
  loadPeople(customerId, refresh);
}

async function change(customerId, person, json, refresh, done) {
  try {
    await api('PATCH', `${base(customerId)}/individuals/${person.id}`, { json, quiet: true });
    if (done) toast(done, 'success');
  } catch (err) {
    toast(err.problem?.errors?.[0]?.message || err.message, 'error');
  }
  loadPeople(customerId, refresh);
}

async function remove(customerId, person, refresh) {
  if (!(await confirmDialog({ title: t('people.remove'), message: t('people.remove_body', { email: person.email }), confirmLabel: t('people.remove'), danger: true }))) return;
  try {
    await api('DELETE', `${base(customerId)}/individuals/${person.id}`, { quiet: true });
    toast(t('people.removed'), 'success');
  } catch (err) {
    toast(err.message, 'error');
  }
  loadPeople(customerId, refresh);
}

async function resend(customerId, person, refresh) {
  try {
    await api('POST', `${base(customerId)}/individuals/${person.id}/invitation`, { quiet: true });
    toast(t('people.invited', { email: person.email }), 'success');
  } catch (err) {
    toast(err.message, 'error');
  }
  loadPeople(customerId, refresh);
}

/**
 * The individuals of customerId. options.staff: the admin panel (credentials may be sent);
 * options.onLogInAs(person): a "log in as" button per active person.
 */
export function individualsSection(customerId, refresh, options = {}) {
  if (people.key !== customerId) loadPeople(customerId, refresh);
  if (people.error) return html`<p role="alert">${people.error}</p>`;
  const me = currentPrincipal();
  const roleSelect = (p) => html`<select aria-label=${t('people.role_of', { email: p.email })} ?disabled=${p.id === me?.id}
      @change=${(e) => change(customerId, p, { role_id: e.target.value }, refresh, t('people.role_changed'))}>
      ${people.roles.map((r) => html`<option value=${r.id} ?selected=${r.id === p.role.id}>${r.name}</option>`)}
      ${people.roles.some((r) => r.id === p.role.id) ? '' : html`<option value=${p.role.id} selected disabled>${p.role.name}</option>`}
    </select>`;
  return html`
    ${people.items.length ? html`<div class="table-wrap"><table class="striped" data-testid="people">
      <thead><tr><th scope="col">${t('people.person')}</th><th scope="col">${t('people.role')}</th>
        <th scope="col">${t('customers.col.last_login')}</th><th scope="col"></th></tr></thead>
      <tbody>${people.items.map((p) => html`<tr>
        <td><strong>${`${p.first_name} ${p.last_name}`.trim() || p.email}</strong> ${badge(p.status)}<br><small>${p.email}${p.phone ? ` · ${p.phone}` : ''}</small></td>
        <td>${roleSelect(p)}</td>
        <td>${p.last_login_at ? formatDateTime(p.last_login_at) : '—'}</td>
        <td class="row-actions">
          ${p.status === 'invited' ? html`<button type="button" class="outline small" @click=${() => resend(customerId, p, refresh)}>${t('people.resend')}</button>` : ''}
          ${p.status === 'active' && p.id !== me?.id ? html`<button type="button" class="outline secondary small" @click=${() => change(customerId, p, { status: 'suspended' }, refresh, t('people.suspended'))}>${t('people.suspend')}</button>` : ''}
          ${p.status === 'suspended' ? html`<button type="button" class="outline small" @click=${() => change(customerId, p, { status: 'active' }, refresh, t('people.reactivated'))}>${t('people.reactivate')}</button>` : ''}
          ${options.onLogInAs && p.status === 'active' ? html`<button type="button" class="outline small" @click=${() => options.onLogInAs(p)}>${t('people.log_in_as')}</button>` : ''}
          ${p.id !== me?.id ? html`<button type="button" class="outline secondary small" @click=${() => remove(customerId, p, refresh)}>${t('people.remove')}</button>` : ''}
        </td>
      </tr>`)}</tbody>
    </table></div>` : html`<p data-testid="people-empty">${t('people.none')}</p>`}
    <article>
      <h2>${t('people.invite_title')}</h2>
      <form @submit=${(e) => invite(e, customerId, refresh)} novalidate data-testid="invite-form">
        <div class="grid">
          <div><label>${t('register.first_name')}<input name="first_name" maxlength="100" autocomplete="off"></label></div>
          <div><label>${t('register.last_name')}<input name="last_name" maxlength="100" autocomplete="off"></label></div>
        </div>
        <label>${t('customers.col.email')}<input name="email" type="email" required autocomplete="off"></label>
        <small data-error-for="email" id=${`err-person-email-${customerId}`}></small>
        <label>${t('people.role')}
          <select name="role_id">${people.roles.map((r) => html`<option value=${r.id}>${r.name}</option>`)}</select>
        </label>
        <small data-error-for="role_id" id=${`err-person-role-${customerId}`}></small>
        ${options.staff ? html`<label><input type="checkbox" name="send" value="credentials"> ${t('people.send_credentials')}</label>` : ''}
        <button type="submit">${t('people.invite')}</button>
        <small>${t('people.invite_hint')}</small>
      </form>
    </article>`;
}

/* ---- groups ---- */

async function loadTeams(customerId, refresh) {
  teams.key = customerId;
  try {
    teams.items = (await api('GET', `${base(customerId)}/groups`)).items;
  } catch {
    teams.items = [];
  }
  if (people.key !== customerId) await loadPeople(customerId, () => {});
  refresh();
}

async function saveGroup(e, customerId, group, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    const json = { name: d.get('name').trim(), description: d.get('description').trim() };
    const saved = group
      ? await api('PATCH', `${base(customerId)}/groups/${group.id}`, { json, quiet: true })
      : await api('POST', `${base(customerId)}/groups`, { json, quiet: true });
    if (group) await api('PUT', `${base(customerId)}/groups/${saved.id}/members`, { json: { individual_ids: d.getAll('members') }, quiet: true });
    toast(t('groups.saved'), 'success');
    teams.editing = null;
    form.reset();
  } catch (err) {
    showFieldErrors(form, err);
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
  loadTeams(customerId, refresh);
}

async function deleteGroup(customerId, group, refresh) {
  if (!(await confirmDialog({ title: t('groups.delete'), message: group.name, confirmLabel: t('groups.delete'), danger: true }))) return;
  await api('DELETE', `${base(customerId)}/groups/${group.id}`);
  loadTeams(customerId, refresh);
}

function groupForm(customerId, group, refresh) {
  const members = new Set((group?.members || []).map((m) => m.id));
  return html`<form @submit=${(e) => saveGroup(e, customerId, group, refresh)} novalidate data-testid=${group ? 'group-edit' : 'group-form'}>
    <div class="grid">
      <div><label>${t('groups.name')}<input name="name" maxlength="100" .value=${group?.name || ''} required></label>
        <small data-error-for="name" id=${`err-group-name-${group?.id || 'new'}`}></small></div>
      <div><label>${t('groups.description')}<input name="description" maxlength="500" .value=${group?.description || ''}></label></div>
    </div>
    ${group ? html`<fieldset><legend>${t('groups.members')}</legend>
      ${people.items.filter((p) => p.status !== 'deleted').map((p) => html`<label><input type="checkbox" name="members" value=${p.id} ?checked=${members.has(p.id)}>
        ${`${p.first_name} ${p.last_name}`.trim() || p.email} (${p.email})</label>`)}
      ${people.items.length ? '' : html`<p>${t('people.none')}</p>`}
    </fieldset>` : ''}
    <button type="submit">${t(group ? 'groups.save' : 'groups.create')}</button>
  </form>`;
}

/** The groups of customerId. */
export function groupsSection(customerId, refresh) {
  if (teams.key !== customerId) loadTeams(customerId, refresh);
  return html`
    ${teams.items.length ? html`<div class="table-wrap"><table class="striped" data-testid="groups">
      <thead><tr><th scope="col">${t('groups.name')}</th><th scope="col">${t('groups.members')}</th><th scope="col"></th></tr></thead>
      <tbody>${teams.items.map((g) => html`<tr>
        <td><strong>${g.name}</strong><br><small>${g.description}</small></td>
        <td><small>${g.members.map((m) => m.name || m.email).join(', ') || '—'}</small></td>
        <td class="row-actions"><button type="button" class="outline small" @click=${() => { teams.editing = g.id; refresh(); }}>${t('groups.edit')}</button>
          <button type="button" class="outline secondary small" @click=${() => deleteGroup(customerId, g, refresh)}>${t('groups.delete')}</button></td>
      </tr>${teams.editing === g.id ? html`<tr><td colspan="3">${groupForm(customerId, g, refresh)}</td></tr>` : ''}`)}</tbody>
    </table></div>` : html`<p data-testid="groups-empty">${t('groups.none')}</p>`}
    <article><h2>${t('groups.new')}</h2>${groupForm(customerId, null, refresh)}</article>`;
}

/** /people in the portal: the signed-in customer's own individuals. */
export function peopleView({ refresh }) {
  const who = currentPrincipal();
  return html`<h1>${t('people.title')}</h1><p>${t('people.intro')}</p>${individualsSection(who.customer_id, refresh)}`;
}

/** /groups in the portal. */
export function groupsView({ refresh }) {
  const who = currentPrincipal();
  return html`<h1>${t('groups.title')}</h1><p>${t('groups.intro')}</p>${groupsSection(who.customer_id, refresh)}`;
}

/* ---- accepting an invitation (public) ---- */

const invitation = { done: false, busy: false };

async function accept(e, token, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  if (d.get('new_password') !== d.get('confirm')) {
    showFieldErrors(form, { fieldErrors: { confirm: t('security.mismatch') } });
    return;
  }
  invitation.busy = true;
  refresh();
  try {
    await api('POST', '/api/v1/auth/invitation', { json: { token, new_password: d.get('new_password') }, quiet: true });
    invitation.done = true;
  } catch (err) {
    showFieldErrors(form, err);
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  } finally {
    invitation.busy = false;
    refresh();
  }
}

/** /invitation?token=...: the invited person chooses a password. */
export function invitationView({ router, refresh }) {
  const token = linkToken();
  if (invitation.done) {
    return html`<article class="login-card"><h1>${t('invitation.title')}</h1>
      <p role="status">${t('invitation.done')}</p>
      <a role="button" href=${router.href('/login')}>${t('login.submit')}</a></article>`;
  }
  return html`<article class="login-card">
    <h1>${t('invitation.title')}</h1>
    <p>${t('invitation.body')}</p>
    <form @submit=${(e) => accept(e, token, refresh)} novalidate data-testid="invitation-form">
      <label>${t('security.new')}<input name="new_password" type="password" autocomplete="new-password" required minlength="8"></label>
      <small data-error-for="new_password" id="err-invitation-password"></small>
      <label>${t('security.confirm')}<input name="confirm" type="password" autocomplete="new-password" required></label>
      <small data-error-for="confirm" id="err-invitation-confirm"></small>
      <button type="submit" ?disabled=${invitation.busy} aria-busy=${invitation.busy ? 'true' : 'false'}>${t('invitation.submit')}</button>
    </form>
  </article>`;
}
