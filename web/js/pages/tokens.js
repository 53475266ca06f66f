// API tokens: the signed-in person's own (portal and admin alike), and the list staff see on a
// customer's profile. The secret is shown once, right after creation, with a copy button.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDate, formatDateTime, parseDate } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { currentPrincipal } from '../session.js';
import { permissionBoxes } from './common.js';

const mine = { loaded: false, items: [], created: null };

async function load(refresh) {
  mine.loaded = true;
  try {
    mine.items = (await api('GET', '/api/v1/tokens')).items;
  } catch {
    mine.items = [];
  }
  refresh();
}

/** A table of tokens; onRevoke(token) adds a revoke button to the live ones. */
export function tokenTable(items, onRevoke, testid = 'tokens') {
  if (!items.length) return html`<p data-testid=${`${testid}-empty`}>${t('tokens.none')}</p>`;
  const state = (tk) => html`<span class=${`badge ${tk.state === 'active' ? 'badge-ok' : 'badge-muted'}`}>${t(`tokens.state.${tk.state}`)}</span>`;
  return html`<div class="table-wrap"><table class="striped" data-testid=${testid}>
    <thead><tr>
      <th scope="col">${t('tokens.name')}</th><th scope="col">${t('staff.permissions')}</th>
      <th scope="col">${t('tokens.expires')}</th><th scope="col">${t('tokens.last_use')}</th><th scope="col"></th>
    </tr></thead>
    <tbody>${items.map((tk) => html`<tr>
      <td><strong>${tk.name}</strong> ${state(tk)}<br><small><code>${tk.prefix}…</code></small></td>
      <td><small>${tk.permissions.join(', ')}</small></td>
      <td>${tk.expires_at ? formatDate(tk.expires_at) : t('tokens.never')}</td>
      <td>${tk.last_used_at ? html`${formatDateTime(tk.last_used_at)}<br><small>${tk.last_used_ip || ''}</small>` : '—'}</td>
      <td>${tk.state === 'active' && onRevoke ? html`<button type="button" class="outline secondary small"
        @click=${() => onRevoke(tk)}>${t('tokens.revoke')}</button>` : ''}</td>
    </tr>`)}</tbody>
  </table></div>`;
}

async function revoke(tk, refresh) {
  if (!(await confirmDialog({ title: t('tokens.revoke'), message: t('tokens.revoke_body', { name: tk.name }), confirmLabel: t('tokens.revoke'), danger: true }))) return;
  try {
    await api('DELETE', `/api/v1/tokens/${tk.id}`, { quiet: true });
    toast(t('tokens.revoked'), 'success');
  } catch (err) {
    toast(err.message, 'error');
  }
  load(refresh);
}

async function create(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = { name: d.get('name').trim(), permissions: d.getAll('permissions') };
  const expiry = d.get('expires').trim();
  if (expiry) {
    const day = parseDate(expiry);
    if (!day) {
      showFieldErrors(form, { fieldErrors: { expires_at: t('tokens.bad_date') } });
      return;
    }
    json.expires_at = `${day}T23:59:59Z`; // the end of that day
  }
  if (d.get('trusted_ips').trim()) json.trusted_ips = d.get('trusted_ips').trim();
  if (d.get('rate_limit')) json.rate_limit = Number(d.get('rate_limit'));
  try {
    mine.created = await api('POST', '/api/v1/tokens', { json, quiet: true });
    form.reset();
  } catch (err) {
    showFieldErrors(form, err);
    if (!Object.keys(err.fieldErrors || {}).length) toast(err.message, 'error');
  }
  load(refresh);
}

async function copySecret(secret) {
  try {
    await navigator.clipboard.writeText(secret);
    toast(t('tokens.copied'), 'success');
  } catch {
    toast(t('tokens.copy_failed'), 'error');
  }
}

/** /tokens: the signed-in person's API tokens. */
export function tokensView({ refresh }) {
  if (!mine.loaded) load(refresh);
  const who = currentPrincipal();
  const names = (who?.permissions || []).filter((p) => p.includes('.'));
  const created = mine.created;
  return html`
    <h1>${t('tokens.title')}</h1>
    <p>${t('tokens.intro')}</p>
    ${created ? html`<article class="secret-once" data-testid="token-secret" role="status">
      <h2>${t('tokens.created', { name: created.name })}</h2>
      <p>${t('tokens.once')}</p>
      <p><code data-testid="token-secret-value">${created.secret}</code></p>
      <div class="grid">
        <button type="button" @click=${() => copySecret(created.secret)}>${t('tokens.copy')}</button>
        <button type="button" class="secondary" @click=${() => { mine.created = null; refresh(); }}>${t('tokens.done')}</button>
      </div>
    </article>` : ''}
    ${tokenTable(mine.items, (tk) => revoke(tk, refresh))}
    <article>
      <h2>${t('tokens.new')}</h2>
      <form @submit=${(e) => create(e, refresh)} novalidate data-testid="token-form">
        <label>${t('tokens.name')}<input name="name" maxlength="100" required></label>
        <small data-error-for="name" id="err-token-name"></small>
        ${permissionBoxes(names)}
        <small data-error-for="permissions" id="err-token-permissions"></small>
        <div class="grid">
          <div><label>${t('tokens.expires_on')}<input name="expires" placeholder=${t('tokens.expires_hint')} autocomplete="off"></label>
            <small data-error-for="expires_at" id="err-token-expires"></small></div>
          <div><label>${t('tokens.rate_limit')}<input name="rate_limit" type="number" min="1" max="100000" placeholder="600"></label>
            <small data-error-for="rate_limit" id="err-token-rate"></small></div>
        </div>
        <label>${t('tokens.trusted_ips')}<textarea name="trusted_ips" rows="2" placeholder="203.0.113.0/24"></textarea></label>
        <small data-error-for="trusted_ips" id="err-token-ips"></small>
        <button type="submit">${t('tokens.create')}</button>
      </form>
    </article>`;
}
