// System status: what /readyz and /healthz say, refreshed on demand.
import { html } from '/vendor/lit-html/lit-html.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';

const state = { loading: false, ready: null, detail: '', live: null, checkedAt: null };

async function check(refresh) {
  state.loading = true;
  refresh();
  const [ready, live] = await Promise.allSettled([
    api('GET', '/readyz', { quiet: true }),
    api('GET', '/healthz', { quiet: true }),
  ]);
  state.ready = ready.status === 'fulfilled';
  state.detail = ready.status === 'rejected' ? ready.reason.message : '';
  state.live = live.status === 'fulfilled';
  state.checkedAt = new Date();
  state.loading = false;
  refresh();
}

export function statusView({ refresh }) {
  if (state.checkedAt === null && !state.loading) check(refresh);
  const badge = (ok) => html`<span class="badge ${ok ? 'badge-ok' : 'badge-bad'}">${ok ? t('status.ok') : t('status.down')}</span>`;
  return html`
    <h1>${t('status.title')}</h1>
    <article aria-busy=${state.loading ? 'true' : 'false'} data-testid="status">
      ${state.checkedAt === null ? html`<p>${t('status.checking')}</p>` : html`
        <dl class="status-list">
          <dt>${t('status.service')}</dt><dd>${badge(state.live)}</dd>
          <dt>${t('status.ready')}</dt>
          <dd>${badge(state.ready)} ${state.ready ? '' : html`<span data-testid="status-detail">${state.detail}</span>`}</dd>
        </dl>
        <p><small>${t('status.checked_at', { time: formatDateTime(state.checkedAt) })}</small></p>`}
      <button type="button" class="secondary" ?disabled=${state.loading} @click=${() => check(refresh)}>${t('status.refresh')}</button>
    </article>`;
}
