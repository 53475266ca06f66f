// "Forgot your password?": ask for a link or a code, then choose a new password with it.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t } from '../i18n.js';

const ask = { busy: false, sent: false, login: '', channel: 'email' };

async function submitAsk(e, realm, refresh) {
  e.preventDefault();
  const d = new FormData(e.target);
  ask.login = d.get('login');
  ask.channel = d.get('channel') || 'email';
  ask.busy = true;
  refresh();
  try {
    await api('POST', '/api/v1/auth/recovery', {
      quiet: true, json: { login: ask.login, channel: ask.channel, method: 'code', realm },
    });
    ask.sent = true;
  } catch (err) {
    showFieldErrors(e.target, err);
  } finally {
    ask.busy = false;
    refresh();
  }
}

async function submitReset(e, realm, token, router, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  if (d.get('new_password') !== d.get('confirm')) {
    showFieldErrors(form, { fieldErrors: { confirm: t('security.mismatch') } });
    return;
  }
  const json = token ? { token, new_password: d.get('new_password'), realm }
    : { login: ask.login, code: d.get('code'), new_password: d.get('new_password'), realm };
  try {
    await api('POST', '/api/v1/auth/recovery/confirm', { quiet: true, json });
    ask.sent = false;
    reset.done = true;
    refresh();
  } catch (err) {
    showFieldErrors(form, err);
  }
}

const reset = { done: false };

function newPasswordFields() {
  return html`
    <label>${t('security.new')}
      <input name="new_password" type="password" autocomplete="new-password" required>
    </label>
    <small data-error-for="new_password" id="err-new_password"></small>
    <p><small>${t('security.rules')}</small></p>
    <label>${t('security.confirm')}
      <input name="confirm" type="password" autocomplete="new-password" required>
    </label>
    <small data-error-for="confirm" id="err-confirm"></small>`;
}

function doneView(router, realm) {
  return html`<article class="login-card"><h1>${t('recovery.title')}</h1>
    <p role="status">${t('recovery.done')}</p>
    <p><a role="button" href=${router.href(realm === 'staff' ? '/' : '/login')}>${t('login.submit')}</a></p></article>`;
}

/** /forgot: a code by e-mail or SMS, then the new password. realm: 'portal' or 'staff'. */
export function forgotView({ router, refresh, realm }) {
  if (reset.done) return doneView(router, realm);
  if (!ask.sent) {
    return html`
      <article class="login-card">
        <h1>${t('recovery.title')}</h1>
        <p>${t('recovery.intro')}</p>
        <form @submit=${(e) => submitAsk(e, realm, refresh)} novalidate>
          <label>${t(realm === 'portal' ? 'login.email_or_phone' : 'login.email')}
            <input name="login" type="text" autocomplete="username" required>
          </label>
          <small data-error-for="login" id="err-login"></small>
          ${realm === 'portal' ? html`<fieldset>
            <legend>${t('recovery.channel')}</legend>
            <label><input type="radio" name="channel" value="email" checked> ${t('messages.channel.email')}</label>
            <label><input type="radio" name="channel" value="sms"> ${t('messages.channel.sms')}</label>
          </fieldset>` : ''}
          <button type="submit" ?disabled=${ask.busy}>${t('recovery.send')}</button>
        </form>
      </article>`;
  }
  return html`
    <article class="login-card">
      <h1>${t('recovery.title')}</h1>
      <p role="status">${t('recovery.sent')}</p>
      <form @submit=${(e) => submitReset(e, realm, null, router, refresh)} novalidate>
        <label>${t('recovery.code')}
          <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
        </label>
        <small data-error-for="code" id="err-code"></small>
        ${newPasswordFields()}
        <button type="submit">${t('recovery.set')}</button>
      </form>
    </article>`;
}

/** /reset?token=…: the page of the e-mailed link. */
export function resetView({ router, refresh, realm }) {
  if (reset.done) return doneView(router, realm);
  const token = new URLSearchParams(location.search).get('token') || '';
  return html`
    <article class="login-card">
      <h1>${t('recovery.title')}</h1>
      <form @submit=${(e) => submitReset(e, realm, token, router, refresh)} novalidate>
        ${newPasswordFields()}
        <small data-error-for="token" id="err-token"></small>
        <button type="submit">${t('recovery.set')}</button>
      </form>
    </article>`;
}
