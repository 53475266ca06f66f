// The signed-in person's security: change the password (also forced after a one-time password),
// see the sessions, end one or all the others.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { passwordChanged } from '../session.js';

const form = { busy: false, error: '' };

async function submitPassword(e, refresh) {
  e.preventDefault();
  const el = e.target;
  const data = new FormData(el);
  showFieldErrors(el, null);
  form.error = '';
  if (data.get('new_password') !== data.get('confirm')) {
    showFieldErrors(el, { fieldErrors: { confirm: t('security.mismatch') } });
    return;
  }
  form.busy = true;
  refresh();
  try {
    await api('PUT', '/api/v1/me/password', {
      json: { current_password: data.get('current_password'), new_password: data.get('new_password') }, quiet: true,
    });
    el.reset();
    passwordChanged();
    sessions.loaded = false;
    toast(t('security.changed'), 'success');
  } catch (err) {
    showFieldErrors(el, err);
    form.error = Object.keys(err.fieldErrors || {}).length ? '' : err.message;
  } finally {
    form.busy = false;
    refresh();
  }
}

function passwordForm(refresh) {
  return html`
    <form @submit=${(e) => submitPassword(e, refresh)} novalidate data-testid="password-form">
      <label>${t('security.current')}
        <input name="current_password" type="password" autocomplete="current-password" required>
      </label>
      <small data-error-for="current_password" id="err-current_password"></small>
      <label>${t('security.new')}
        <input name="new_password" type="password" autocomplete="new-password" required minlength="8" aria-describedby="password-rules">
      </label>
      <small data-error-for="new_password" id="err-new_password"></small>
      <p id="password-rules"><small>${t('security.rules')}</small></p>
      <label>${t('security.confirm')}
        <input name="confirm" type="password" autocomplete="new-password" required>
      </label>
      <small data-error-for="confirm" id="err-confirm"></small>
      <p class="form-error" role="alert">${form.error}</p>
      <button type="submit" ?disabled=${form.busy} aria-busy=${form.busy ? 'true' : 'false'}>${t('security.change')}</button>
    </form>`;
}

/** Shown instead of every page while the account must choose a new password. */
export function passwordRequiredView({ refresh }) {
  return html`
    <article class="login-card">
      <h1>${t('security.required_title')}</h1>
      <p>${t('security.required_body')}</p>
      ${passwordForm(refresh)}
    </article>`;
}

const sessions = { loaded: false, items: [] };

async function loadSessions(refresh) {
  sessions.loaded = true;
  sessions.items = (await api('GET', '/api/v1/me/sessions')).items;
  refresh();
}

async function endSession(s, refresh) {
  if (!(await confirmDialog({ title: t('security.end_title'), message: s.user_agent || s.ip || s.id, confirmLabel: t('security.end') }))) return;
  await api('DELETE', `/api/v1/me/sessions/${s.id}`);
  toast(t('security.ended'), 'success');
  loadSessions(refresh);
}

async function endOthers(refresh) {
  if (!(await confirmDialog({ title: t('security.everywhere_title'), message: t('security.everywhere_body'), confirmLabel: t('security.everywhere') }))) return;
  await api('DELETE', '/api/v1/me/sessions');
  toast(t('security.everywhere_done'), 'success');
  loadSessions(refresh);
}

export function securityView({ refresh }) {
  if (!sessions.loaded) loadSessions(refresh);
  return html`
    <h1>${t('security.title')}</h1>
    <div class="grid">
      <article>
        <h2>${t('security.password')}</h2>
        ${passwordForm(refresh)}
      </article>
      <article>
        <h2>${t('security.sessions')}</h2>
        <ul class="sessions" data-testid="sessions">
          ${sessions.items.map((s) => html`<li>
            <strong>${s.user_agent || t('security.unknown_device')}</strong>
            ${s.current ? html`<span class="badge badge-ok">${t('security.this_device')}</span>` : ''}<br>
            <small>${s.ip || ''} · ${t('security.last_used', { time: formatDateTime(s.last_used_at) })}</small>
            ${s.current ? '' : html` <button type="button" class="outline secondary small" @click=${() => endSession(s, refresh)}>${t('security.end')}</button>`}
          </li>`)}
        </ul>
        <button type="button" class="secondary" ?disabled=${sessions.items.length < 2} @click=${() => endOthers(refresh)}>${t('security.everywhere')}</button>
      </article>
    </div>`;
}
