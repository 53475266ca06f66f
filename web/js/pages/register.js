// The portal's registration form and the landing page of the confirmation link.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, language } from '../i18n.js';
import { linkToken } from '../router.js';

const reg = { busy: false, done: false };

async function submit(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  if (d.get('password') !== d.get('confirm')) {
    showFieldErrors(form, { fieldErrors: { confirm: t('security.mismatch') } });
    return;
  }
  reg.busy = true;
  refresh();
  try {
    await api('POST', '/api/v1/auth/register', {
      quiet: true,
      json: {
        email: d.get('email'), password: d.get('password'), first_name: d.get('first_name'),
        last_name: d.get('last_name') || null, phone: d.get('phone') || null, language: language(),
      },
    });
    reg.done = true;
  } catch (err) {
    showFieldErrors(form, err);
  } finally {
    reg.busy = false;
    refresh();
  }
}

export function registerView({ router, refresh }) {
  if (reg.done) {
    return html`<article class="login-card"><h1>${t('register.done_title')}</h1>
      <p role="status">${t('register.done_body')}</p>
      <p><a href=${router.href('/login')}>${t('register.to_login')}</a></p></article>`;
  }
  const field = (name, type, label, autocomplete, required = true) => html`
    <label>${t(label)}
      <input name=${name} type=${type} autocomplete=${autocomplete} ?required=${required}>
    </label>
    <small data-error-for=${name} id=${`err-${name}`}></small>`;
  return html`
    <article class="login-card">
      <h1>${t('register.title')}</h1>
      <form @submit=${(e) => submit(e, refresh)} novalidate>
        <div class="grid">
          <div>${field('first_name', 'text', 'register.first_name', 'given-name')}</div>
          <div>${field('last_name', 'text', 'register.last_name', 'family-name', false)}</div>
        </div>
        ${field('email', 'email', 'login.email', 'email')}
        ${field('phone', 'tel', 'register.phone', 'tel', false)}
        ${field('password', 'password', 'login.password', 'new-password')}
        <p><small>${t('security.rules')}</small></p>
        ${field('confirm', 'password', 'security.confirm', 'new-password')}
        <button type="submit" ?disabled=${reg.busy} aria-busy=${reg.busy ? 'true' : 'false'}>${t('register.submit')}</button>
      </form>
      <p>${t('register.have_account')} <a href=${router.href('/login')}>${t('login.submit')}</a></p>
    </article>`;
}

const confirm = { token: null, state: 'working', message: '' };

export function confirmView({ router, refresh }) {
  const token = linkToken();
  if (confirm.token !== token) {
    confirm.token = token;
    confirm.state = 'working';
    api('POST', '/api/v1/auth/confirm', { json: { token }, quiet: true })
      .then((r) => { confirm.state = 'done'; confirm.purpose = r.purpose; })
      .catch((err) => { confirm.state = 'failed'; confirm.message = err.message; })
      .finally(refresh);
  }
  return html`
    <article class="login-card" aria-busy=${confirm.state === 'working' ? 'true' : 'false'}>
      <h1>${t('confirm.title')}</h1>
      ${confirm.state === 'done' ? html`<p role="status">${t(confirm.purpose === 'email_change' ? 'confirm.email_changed'
    : confirm.purpose === 'email_change_undone' ? 'confirm.email_change_undone' : 'confirm.done')}</p>
        <p><a role="button" href=${router.href('/login')}>${t('login.submit')}</a></p>` : ''}
      ${confirm.state === 'failed' ? html`<p role="alert" class="form-error">${confirm.message}</p>` : ''}
    </article>`;
}
