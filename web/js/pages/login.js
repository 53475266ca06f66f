// The sign-in form (the admin panel's staff realm now; the portal's with the identity issue).
import { html } from '/vendor/lit-html/lit-html.js';
import { t } from '../i18n.js';
import { signIn, signInMfa } from '../session.js';
import { showFieldErrors } from '../api.js';
import { enrolmentQr, recoveryCodes } from './security.js';

// enrolment: the new secret when the account must set up 2FA now; codes: its first recovery codes
const state = { busy: false, error: '', mfaToken: null, useRecovery: false, enrolment: null, codes: null };

/** The sign-in form; onDone runs after a successful sign-in (the portal goes home). */
export function loginView({ realm, refresh, onDone }) {
  const forgotHref = realm === 'staff' ? '/admin/forgot' : '/forgot';
  async function submit(e) {
    e.preventDefault();
    const form = e.target;
    const data = new FormData(form);
    state.busy = true;
    state.error = '';
    refresh();
    try {
      if (state.mfaToken) {
        state.codes = await signInMfa(state.mfaToken, state.useRecovery ? { recoveryCode: data.get('recovery_code') } : { code: data.get('code') });
        state.mfaToken = null;
        state.enrolment = null;
      } else {
        await signIn(data.get('login'), data.get('password'), realm);
      }
      if (!state.codes) onDone?.(); // else the codes are shown first
    } catch (err) {
      if (err.code === 'mfa_required' || err.code === 'mfa_enrolment_required') {
        state.mfaToken = err.problem.mfa_token; // the password was right: now the code
        state.enrolment = err.problem.enrolment || null;
        state.useRecovery = false;
      } else if (err.code === 'invalid_mfa_token') {
        state.mfaToken = null;
        state.enrolment = null;
        state.error = err.message;
      } else {
        state.error = err.code === 'invalid_credentials' ? t('login.invalid') : err.message;
        showFieldErrors(form, err);
      }
    } finally {
      state.busy = false;
      refresh();
    }
  }
  if (state.codes) {
    return html`
      <article class="login-card">
        <h1>${t('login.enrol_title')}</h1>
        <p>${t('login.enrol_codes')}</p>
        ${recoveryCodes(state.codes, () => { state.codes = null; refresh(); onDone?.(); }, 'login.enrol_continue')}
      </article>`;
  }
  if (state.mfaToken && state.enrolment) {
    return html`
      <article class="login-card" data-testid="enrol-at-login">
        <h1>${t('login.enrol_title')}</h1>
        <p>${t('login.enrol_help')}</p>
        ${enrolmentQr(state.enrolment)}
        <form @submit=${submit} novalidate>
          <label>${t('mfa.code')}
            <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
          </label>
          <p class="form-error" role="alert">${state.error}</p>
          <button type="submit" ?disabled=${state.busy}>${t('mfa.turn_on')}</button>
        </form>
      </article>`;
  }
  if (state.mfaToken) {
    return html`
      <article class="login-card">
        <h1>${t('mfa.title')}</h1>
        <form @submit=${submit} novalidate>
          ${state.useRecovery ? html`
            <label>${t('mfa.recovery_code')}
              <input name="recovery_code" autocomplete="off" required>
            </label>` : html`
            <label>${t('mfa.code')}
              <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
            </label>`}
          <p class="form-error" role="alert">${state.error}</p>
          <button type="submit" ?disabled=${state.busy}>${t('mfa.verify')}</button>
        </form>
        <p><button type="button" class="outline secondary" @click=${() => { state.useRecovery = !state.useRecovery; state.error = ''; refresh(); }}>
          ${t(state.useRecovery ? 'mfa.use_app' : 'mfa.use_recovery')}</button></p>
      </article>`;
  }
  return html`
    <article class="login-card">
      <h1>${t('login.title')}</h1>
      <form @submit=${submit} novalidate>
        <label>${t(realm === 'portal' ? 'login.email_or_phone' : 'login.email')}
          <input name="login" type=${realm === 'portal' ? 'text' : 'email'} autocomplete="username" required aria-describedby="login-error">
        </label>
        <small data-error-for="login" id="err-login"></small>
        <label>${t('login.password')}
          <input name="password" type="password" autocomplete="current-password" required>
        </label>
        <small data-error-for="password" id="err-password"></small>
        <p id="login-error" class="form-error" role="alert">${state.error}</p>
        <button type="submit" ?disabled=${state.busy} aria-busy=${state.busy ? 'true' : 'false'}>${t('login.submit')}</button>
      </form>
      <p><a href=${forgotHref}>${t('recovery.link')}</a></p>
    </article>`;
}
