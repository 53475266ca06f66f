// "Forgot your password?": ask for a link or a code, then choose a new password with it.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { takeImpersonation } from '../session.js';
import { t } from '../i18n.js';
import { linkToken } from '../router.js';

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
  if (reset.question) json.security_answer = d.get('security_answer');
  try {
    await api('POST', '/api/v1/auth/recovery/confirm', { quiet: true, json });
    ask.sent = false;
    reset.done = true;
    reset.question = null;
    refresh();
  } catch (err) {
    // the account has a security question: it is shown once the code or link proved valid
    if (err.code === 'security_answer_required') reset.question = err.problem.security_question;
    refresh();
    showFieldErrors(form, err);
  }
}

const reset = { done: false, question: null };

function newPasswordFields() {
  return html`
    ${reset.question ? html`
      <p data-testid="security-question">${t('recovery.question', { question: reset.question })}</p>
      <label>${t('recovery.answer')}
        <input name="security_answer" autocomplete="off" required>
      </label>
      <small data-error-for="security_answer" id="err-security_answer"></small>` : ''}
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
      <p>${t('recovery.ends_access')}</p>
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
  const token = linkToken();
  if (reset.done) return doneView(router, realm);
  return html`
    <article class="login-card">
      <h1>${t('recovery.title')}</h1>
      <p>${t('recovery.ends_access')}</p>
      <form @submit=${(e) => submitReset(e, realm, token, router, refresh)} novalidate>
        ${newPasswordFields()}
        <small data-error-for="token" id="err-token"></small>
        <button type="submit">${t('recovery.set')}</button>
      </form>
    </article>`;
}

const notMe = { token: null, state: 'ready' };

async function reportNotMe(token, refresh) {
  notMe.state = 'working';
  refresh();
  try {
    await api('POST', '/api/v1/auth/not-me', { json: { token }, quiet: true });
    notMe.state = 'done';
  } catch {
    notMe.state = 'failed';
  }
  refresh();
}

/**
 * /not-me?token=…: the "this wasn't me" link of a new-device notice. It acts only when the person
 * presses the button: a mail client or a chat that opens links to preview them must not sign anyone
 * out.
 */
export function notMeView({ router, refresh }) {
  const token = linkToken();
  if (notMe.token !== token) {
    notMe.token = token;
    notMe.state = 'ready';
  }
  return html`
    <article class="login-card" aria-busy=${notMe.state === 'working' ? 'true' : 'false'} data-testid="not-me">
      <h1>${t('notme.title')}</h1>
      ${notMe.state === 'ready' ? html`<p>${t('notme.intro')}</p>
        <button type="button" class="danger" @click=${() => reportNotMe(token, refresh)}>${t('notme.button')}</button>` : ''}
      ${notMe.state === 'working' ? html`<p>${t('notme.working')}</p>` : ''}
      ${notMe.state === 'done' ? html`<p role="status">${t('notme.done')}</p>` : ''}
      ${notMe.state === 'failed' ? html`<p role="alert" class="form-error">${t('notme.invalid')}</p>` : ''}
      <p><a href=${router.href('/forgot')}>${t('recovery.link')}</a></p>
    </article>`;
}

const handoff = { state: 'idle', message: '' };

/**
 * /impersonate#code=…: the tab a staff member's "log in as customer" opened. The code (in the
 * fragment, so no server log sees it) is exchanged once for the session; after "end session" the
 * page says it is over.
 */
export function impersonateView({ router, refresh }) {
  const code = new URLSearchParams(location.hash.slice(1)).get('code');
  if (code && handoff.state === 'idle') {
    handoff.state = 'working';
    history.replaceState({}, '', location.pathname); // the code is used once: drop it from the bar
    takeImpersonation(code)
      .then(() => { handoff.state = 'done'; router.navigate('/'); })
      .catch((err) => { handoff.state = 'failed'; handoff.message = err.message; refresh(); });
  }
  return html`
    <article class="login-card" aria-busy=${handoff.state === 'working' ? 'true' : 'false'} data-testid="impersonate">
      <h1>${t('impersonation.title')}</h1>
      ${handoff.state === 'failed' ? html`<p role="alert" class="form-error">${handoff.message}</p>`
        : handoff.state === 'working' ? html`<p>${t('impersonation.opening')}</p>`
          : html`<p role="status">${t('impersonation.ended')}</p>`}
    </article>`;
}
