// Admin: the outbox. A filtered, paged list; a message's detail with its bodies and a retry action.
import { html } from '/vendor/lit-html/lit-html.js';
import { api } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';

const STATUSES = ['queued', 'sending', 'sent', 'failed', 'held'];
const BADGE = { sent: 'badge-ok', failed: 'badge-bad', queued: 'badge-warn', sending: 'badge-warn', held: 'badge-warn' };

const list = { filters: { status: '', channel: '' }, items: [], total: null, next: null, loading: false, key: '' };

export const statusBadge = (status) => html`<span class="badge ${BADGE[status]}">${t(`messages.status.${status}`)}</span>`;

async function load(refresh, { more = false } = {}) {
  const q = new URLSearchParams({ limit: '25' });
  for (const [k, v] of Object.entries(list.filters)) if (v) q.set(k, v);
  if (more && list.next) q.set('cursor', list.next);
  list.loading = true;
  refresh();
  try {
    const page = await api('GET', `/api/v1/messages?${q}`);
    list.items = more ? [...list.items, ...page.items] : page.items;
    list.total = page.total;
    list.next = page.next_cursor;
  } finally {
    list.loading = false;
    refresh();
  }
}

export function messagesView({ router, refresh }) {
  const key = JSON.stringify(list.filters);
  if (list.key !== key && !list.loading) {
    list.key = key;
    load(refresh);
  }
  const setFilter = (name) => (e) => { list.filters[name] = e.target.value; refresh(); };
  return html`
    <h1>${t('messages.title')}</h1>
    <form class="filters" role="search" @submit=${(e) => e.preventDefault()}>
      <label>${t('messages.filter.status')}
        <select name="status" @change=${setFilter('status')}>
          <option value="">${t('messages.filter.any')}</option>
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${list.filters.status === s}>${t(`messages.status.${s}`)}</option>`)}
        </select>
      </label>
      <label>${t('messages.filter.channel')}
        <select name="channel" @change=${setFilter('channel')}>
          <option value="">${t('messages.filter.any')}</option>
          <option value="email" ?selected=${list.filters.channel === 'email'}>${t('messages.channel.email')}</option>
          <option value="sms" ?selected=${list.filters.channel === 'sms'}>${t('messages.channel.sms')}</option>
        </select>
      </label>
    </form>
    <p data-testid="messages-total" aria-live="polite">${list.total === null ? '' : t('messages.total', { count: list.total })}</p>
    <div class="table-wrap">
      <table class="striped" aria-busy=${list.loading ? 'true' : 'false'}>
        <thead><tr>
          <th scope="col">${t('messages.col.created')}</th><th scope="col">${t('messages.col.channel')}</th>
          <th scope="col">${t('messages.col.to')}</th><th scope="col">${t('messages.col.subject')}</th>
          <th scope="col">${t('messages.col.status')}</th><th scope="col">${t('messages.col.attempts')}</th>
        </tr></thead>
        <tbody>
          ${list.items.map((m) => html`<tr>
            <td><a href=${router.href(`/messages/${m.id}`)}>${formatDateTime(m.created_at)}</a></td>
            <td>${t(`messages.channel.${m.channel}`)}</td>
            <td>${m.address}</td>
            <td>${m.subject || html`<span class="muted">${t('messages.no_subject')}</span>`}</td>
            <td>${statusBadge(m.status)}</td>
            <td>${m.attempts}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    ${list.items.length === 0 && !list.loading ? html`<p>${t('messages.empty')}</p>` : ''}
    ${list.next ? html`<button type="button" class="secondary" @click=${() => load(refresh, { more: true })}>${t('messages.more')}</button>` : ''}`;
}

const detail = { id: null, message: null, error: '' };

async function loadOne(id, refresh) {
  detail.id = id;
  detail.message = null;
  detail.error = '';
  try {
    detail.message = await api('GET', `/api/v1/messages/${id}`, { quiet: true });
  } catch (e) {
    detail.error = e.message;
  }
  refresh();
}

async function retry(m, refresh) {
  const ok = await confirmDialog({ title: t('messages.retry_title'), message: t('messages.retry_body', { to: m.address }), confirmLabel: t('messages.retry') });
  if (!ok) return;
  detail.message = await api('POST', `/api/v1/messages/${m.id}/retry`);
  list.key = ''; // the list is stale now
  toast(t('messages.retried'), 'success');
  refresh();
}

export function messageView({ params, router, refresh }) {
  if (detail.id !== params.id) loadOne(params.id, refresh);
  const m = detail.message;
  const back = html`<p><a href=${router.href('/messages')}>← ${t('messages.back')}</a></p>`;
  if (detail.error) return html`${back}<h1>${t('messages.one')}</h1><p role="alert">${detail.error}</p>`;
  if (!m) return html`${back}<h1>${t('messages.one')}</h1><p aria-busy="true">${t('status.checking')}</p>`;
  return html`
    ${back}
    <h1>${m.subject || t('messages.one')}</h1>
    <dl class="status-list" data-testid="message-detail">
      <dt>${t('messages.col.status')}</dt><dd>${statusBadge(m.status)}</dd>
      <dt>${t('messages.col.to')}</dt><dd>${m.address} (${t(`messages.channel.${m.channel}`)})</dd>
      <dt>${t('messages.col.created')}</dt><dd>${formatDateTime(m.created_at)}</dd>
      ${m.sent_at ? html`<dt>${t('messages.sent_at')}</dt><dd>${formatDateTime(m.sent_at)}</dd>` : ''}
      <dt>${t('messages.col.attempts')}</dt><dd>${m.attempts}</dd>
      ${m.event ? html`<dt>${t('messages.event')}</dt><dd>${t(`templates.event.${m.event}`)} (${m.language})</dd>` : ''}
      ${m.last_error ? html`<dt>${t('messages.last_error')}</dt><dd><code data-testid="last-error">${m.last_error}</code></dd>` : ''}
    </dl>
    ${['failed', 'held'].includes(m.status) ? html`<p><button type="button" @click=${() => retry(m, refresh)}>${t('messages.retry')}</button></p>` : ''}
    ${m.sensitive ? html`<p data-testid="secret-note"><small>${t('messages.secret_note')}</small></p>` : ''}
    <h2>${t('messages.text')}</h2>
    <pre class="message-text">${m.body_text}</pre>
    ${m.body_html ? html`<h2>${t('messages.html')}</h2>
      <iframe class="message-html" sandbox="" title=${t('messages.html')} srcdoc=${m.body_html}></iframe>` : ''}`;
}
