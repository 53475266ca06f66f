// The customer's profile and preferences; the language and time zone chosen here drive the portal.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, setLanguage, setDateFormats, DATE_FORMATS } from '../i18n.js';
import { toast } from '../ui.js';

const state = { loaded: false, profile: null, email: '' };
const ZONES = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];

/** Makes the portal follow the account's preferences (language, time zone for every date shown). */
export async function applyPreferences(profile) {
  if (profile?.time_zone) localStorage.setItem('cabinet.tz', profile.time_zone);
  if (profile) setDateFormats(profile.date_input_format, profile.date_output_format);
  if (profile?.language) await setLanguage(profile.language);
}

async function load(refresh) {
  state.loaded = true;
  const me = await api('GET', '/api/v1/me');
  state.profile = me.profile;
  state.email = me.email;
  refresh();
}

async function save(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  const json = {};
  // an individual's profile has no company: only the fields the account has are sent
  for (const key of ['first_name', 'last_name', 'company', 'language', 'time_zone', 'date_input_format', 'date_output_format']) {
    if (key in state.profile) json[key] = d.get(key);
  }
  // the phone signs in and receives codes: it is sent (with the password) only when it changes
  const phone = d.get('phone').trim();
  if (phone !== (state.profile.phone ?? '')) {
    json.phone = phone || null;
    json.current_password = d.get('current_password');
  }
  try {
    state.profile = (await api('PATCH', '/api/v1/me', { json, quiet: true })).profile;
    await applyPreferences(state.profile);
    const pending = json.phone && state.profile.phone_pending;
    toast(t(pending ? 'profile.saved_phone_pending' : 'profile.saved', { phone: pending?.phone ?? '' }), 'success');
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

/* The code sent by SMS to a new number applies it. */
async function confirmPhone(e, refresh) {
  e.preventDefault();
  const form = e.target;
  showFieldErrors(form, null);
  try {
    state.profile = (await api('POST', '/api/v1/me/phone', { json: { code: new FormData(form).get('code').trim() }, quiet: true })).profile;
    toast(t('profile.phone_confirmed'), 'success');
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

async function changeEmail(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    await api('PUT', '/api/v1/me/email', { json: { email: d.get('email'), current_password: d.get('current_password') }, quiet: true });
    form.reset();
    toast(t('profile.email_sent', { email: d.get('email') }), 'success');
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

export function profileView({ refresh }) {
  if (!state.loaded) load(refresh);
  const p = state.profile;
  if (!p) return html`<h1>${t('profile.title')}</h1><p aria-busy="true">${t('status.checking')}</p>`;
  const text = (name, label, autocomplete) => html`
    <label>${t(label)}<input name=${name} .value=${p[name] ?? ''} autocomplete=${autocomplete}></label>
    <small data-error-for=${name} id=${`err-${name}`}></small>`;
  const select = (name, label, options, labelOf = (o) => o) => html`
    <label>${t(label)}
      <select name=${name}>${options.map((o) => html`<option value=${o} ?selected=${p[name] === o}>${labelOf(o)}</option>`)}</select>
    </label>
    <small data-error-for=${name} id=${`err-${name}`}></small>`;
  return html`
    <h1>${t('profile.title')}</h1>
    <form @submit=${(e) => save(e, refresh)} novalidate data-testid="profile">
      <div class="grid">
        <div>${text('first_name', 'register.first_name', 'given-name')}</div>
        <div>${text('last_name', 'register.last_name', 'family-name')}</div>
      </div>
      ${'company' in p ? text('company', 'profile.company', 'organization') : ''}
      ${text('phone', 'register.phone', 'tel')}
      ${p.phone_pending ? html`<p data-testid="phone-pending"><small>${t('profile.phone_pending', { phone: p.phone_pending.phone })}</small></p>` : ''}
      <label>${t('profile.phone_password')}<input type="password" name="current_password" autocomplete="current-password"></label>
      <small data-error-for="current_password" id="err-current_password"></small>
      <h2>${t('profile.preferences')}</h2>
      <div class="grid">
        <div>${select('language', 'prefs.language', ['en', 'fr'], (l) => t(`lang.${l}`))}</div>
        <div>${select('time_zone', 'profile.time_zone', ZONES.includes(p.time_zone) ? ZONES : [p.time_zone, ...ZONES])}</div>
      </div>
      <div class="grid">
        <div>${select('date_input_format', 'profile.date_input', DATE_FORMATS)}</div>
        <div>${select('date_output_format', 'profile.date_output', DATE_FORMATS)}</div>
      </div>
      <button type="submit">${t('profile.save')}</button>
    </form>
    ${p.phone_pending ? html`
      <form @submit=${(e) => confirmPhone(e, refresh)} novalidate data-testid="phone-confirm">
        <label>${t('profile.phone_code', { phone: p.phone_pending.phone })}
          <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
        </label>
        <small data-error-for="code" id="err-phone-code"></small>
        <button type="submit" class="secondary">${t('profile.phone_confirm')}</button>
      </form>` : ''}
    <h2>${t('profile.email_title')}</h2>
    <form @submit=${(e) => changeEmail(e, refresh)} novalidate data-testid="email-change">
      <p>${t('profile.email_current', { email: state.email })}</p>
      <label>${t('profile.email_new')}<input type="email" name="email" autocomplete="email" required></label>
      <small data-error-for="email" id="err-email"></small>
      <label>${t('security.current')}<input type="password" name="current_password" autocomplete="current-password" required></label>
      <small data-error-for="current_password" id="err-email-current_password"></small>
      <button type="submit" class="secondary">${t('profile.email_change')}</button>
      <small>${t('profile.email_hint')}</small>
    </form>`;
}
