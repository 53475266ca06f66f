// Admin: the message templates editor, with placeholders and a live preview rendered by the server.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t } from '../i18n.js';
import { toast } from '../ui.js';

const EVENTS = ['welcome', 'email_confirmation', 'password_reset_link', 'recovery_code', 'generated_credentials',
  'staff_message', 'new_device_login', 'email_change_notice', 'registration_attempt'];
const state = { event: 'welcome', language: 'en', loaded: '', template: null, draft: null, preview: null, saving: false };
let timer = null;

async function load(refresh) {
  const key = `${state.event}/${state.language}`;
  state.loaded = key;
  state.template = state.draft = state.preview = null;
  refresh();
  const tpl = await api('GET', `/api/v1/templates/${key}`);
  if (state.loaded !== key) return; // another template was chosen meanwhile: this answer is stale
  state.template = tpl;
  state.draft = { subject: tpl.subject, body_text: tpl.body_text, body_html: tpl.body_html };
  state.preview = tpl.preview;
  refresh();
}

/** Re-renders the preview on the server shortly after typing stops; errors show under the fields. */
function schedulePreview(form, refresh) {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    try {
      const r = await api('PUT', `/api/v1/templates/${state.event}/${state.language}?preview=1`, { json: state.draft, quiet: true });
      state.preview = r.preview;
      showFieldErrors(form, null);
    } catch (err) {
      showFieldErrors(form, err);
    }
    refresh();
  }, 300);
}

async function save(form, refresh) {
  state.saving = true;
  refresh();
  try {
    state.template = await api('PUT', `/api/v1/templates/${state.event}/${state.language}`, { json: state.draft, quiet: true });
    state.preview = state.template.preview;
    showFieldErrors(form, null);
    toast(t('templates.saved'), 'success');
  } catch (err) {
    showFieldErrors(form, err);
    toast(err.message, 'error');
  } finally {
    state.saving = false;
    refresh();
  }
}

export function templatesView({ refresh }) {
  if (state.loaded !== `${state.event}/${state.language}`) load(refresh);
  const choose = (name) => (e) => { state[name] = e.target.value; refresh(); };
  const edit = (e) => { state.draft[e.target.name] = e.target.value; schedulePreview(e.target.form, refresh); };
  const d = state.draft;
  return html`
    <h1>${t('templates.title')}</h1>
    <div class="grid">
      <label>${t('templates.event')}
        <select data-testid="template-event" @change=${choose('event')}>
          ${EVENTS.map((e) => html`<option value=${e} ?selected=${state.event === e}>${t(`templates.event.${e}`)}</option>`)}
        </select>
      </label>
      <label>${t('prefs.language')}
        <select data-testid="template-language" @change=${choose('language')}>
          ${['en', 'fr'].map((l) => html`<option value=${l} ?selected=${state.language === l}>${t(`lang.${l}`)}</option>`)}
        </select>
      </label>
    </div>
    ${!d ? html`<p aria-busy="true">${t('status.checking')}</p>` : html`
    <p class="placeholders">${t('templates.placeholders')}
      ${state.template.placeholders.map((p) => html`<code>{{${p}}}</code> `)}</p>
    <div class="grid editor">
      <form @submit=${(e) => { e.preventDefault(); save(e.target, refresh); }} novalidate>
        <label>${t('templates.subject')}
          <input name="subject" .value=${d.subject} @input=${edit}>
        </label>
        <small data-error-for="subject" id="err-subject"></small>
        <label>${t('templates.body_text')}
          <textarea name="body_text" rows="8" .value=${d.body_text} @input=${edit}></textarea>
        </label>
        <small data-error-for="body_text" id="err-body_text"></small>
        <label>${t('templates.body_html')}
          <textarea name="body_html" rows="8" .value=${d.body_html} @input=${edit}></textarea>
        </label>
        <small data-error-for="body_html" id="err-body_html"></small>
        <button type="submit" ?disabled=${state.saving} aria-busy=${state.saving ? 'true' : 'false'}>${t('templates.save')}</button>
      </form>
      <section aria-labelledby="preview-title" data-testid="preview">
        <h2 id="preview-title">${t('templates.preview')}</h2>
        <p><strong data-testid="preview-subject">${state.preview?.subject}</strong></p>
        <pre class="message-text" data-testid="preview-text">${state.preview?.body_text}</pre>
        <iframe class="message-html" sandbox="" title=${t('templates.preview')} srcdoc=${state.preview?.body_html ?? ''}></iframe>
      </section>
    </div>`}`;
}
