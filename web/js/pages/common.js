// Pages both apps use.
import { html } from '/vendor/lit-html/lit-html.js';
import { t } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';

export function notFoundView({ router }) {
  return html`
    <h1>${t('notfound.title')}</h1>
    <p>${t('notfound.body')}</p>
    <p><a href=${router.href('/')}>${t('notfound.home')}</a></p>`;
}

/** The home page: what this app is for, and where to go. */
export function homeView(app) {
  return ({ router }) => html`
    <h1>${t(`home.${app}.title`)}</h1>
    <p>${t(`home.${app}.body`)}</p>
    <div class="grid">
      <article>
        <h2>${t('status.title')}</h2>
        <p>${t('home.status_hint')}</p>
        <a role="button" href=${router.href('/status')}>${t('home.open_status')}</a>
      </article>
      <article>
        <h2>${t('nav.docs')}</h2>
        <p>${t('home.docs_hint')}</p>
        <a role="button" class="secondary" href="/docs" data-external>${t('home.open_docs')}</a>
      </article>
    </div>
    <p>
      <button type="button" class="outline" data-testid="reset-preferences" @click=${async () => {
        if (await confirmDialog({ title: t('prefs.reset_title'), message: t('prefs.reset_body'), confirmLabel: t('prefs.reset') })) {
          localStorage.removeItem('cabinet.theme');
          localStorage.removeItem('cabinet.lang');
          toast(t('prefs.reset_done'), 'success');
        }
      }}>${t('prefs.reset')}</button>
    </p>`;
}

/** Permission names as checkboxes (name "permissions") grouped by their first word (profile, licenses...). */
export function permissionBoxes(names, checked = [], disabled = false) {
  const groupOf = (name) => name.split('.')[0];
  const groups = [...new Set(names.map(groupOf))];
  return html`<div class="grid settings-grid">${groups.map((g) => html`<fieldset><legend>${t(`permission.group.${g}`)}</legend>
    ${names.filter((n) => groupOf(n) === g).map((n) => html`<label><input type="checkbox" name="permissions" value=${n}
      ?checked=${checked.includes(n)} ?disabled=${disabled}> ${n}</label>`)}</fieldset>`)}</div>`;
}
