// The signed-in person's security: change the password (also forced after a one-time password),
// see the sessions, end one or all the others.
import { html } from '/vendor/lit-html/lit-html.js';
import { api, showFieldErrors } from '../api.js';
import { t, formatDateTime } from '../i18n.js';
import { confirmDialog, toast } from '../ui.js';
import { passwordChanged, currentPrincipal, reloadPrincipal } from '../session.js';
import { generate } from '/vendor/lean-qr/index.mjs';
import { ref } from '/vendor/lit-html/directives/ref.js';

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
  sessions.items = can('sessions.manage') ? (await api('GET', '/api/v1/me/sessions')).items : [];
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

const tfa = { enrolment: null, codes: null, error: '', action: null };

async function tfaCall(refresh, fn) {
  tfa.error = '';
  try {
    await fn();
  } catch (err) {
    tfa.error = err.message;
  }
  refresh();
}

function downloadCodes(codes) {
  const blob = new Blob([`${codes.join('\n')}\n`], { type: 'text/plain' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'recovery-codes.txt';
  a.click();
  URL.revokeObjectURL(a.href);
}

/** The QR code and typed key of a new TOTP secret ({secret, otpauth_uri}). */
export function enrolmentQr(enrolment) {
  return html`
    <p>${t('mfa.scan')}</p>
    <canvas class="qr" aria-label=${t('mfa.qr')} role="img" ${ref((el) => el && generate(enrolment.otpauth_uri).toCanvas(el, { on: [0, 0, 0], off: [255, 255, 255] }))}></canvas>
    <p>${t('mfa.or_type')} <code data-testid="totp-secret">${enrolment.secret}</code></p>`;
}

/** Recovery codes shown once, with copy and download; onDone when the person has saved them. */
export function recoveryCodes(codes, onDone, doneLabel = 'mfa.saved_them') {
  return html`
    <p role="status">${t('mfa.codes_intro')}</p>
    <ul class="recovery-codes" data-testid="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    <div class="grid">
      <button type="button" class="secondary" @click=${() => navigator.clipboard?.writeText(codes.join('\n'))}>${t('mfa.copy')}</button>
      <button type="button" class="secondary" @click=${() => downloadCodes(codes)}>${t('mfa.download')}</button>
      <button type="button" @click=${onDone}>${t(doneLabel)}</button>
    </div>`;
}

function twoFactorSection(refresh) {
  const who = currentPrincipal();
  const codeForm = (label, onCode) => html`
    <form @submit=${(e) => { e.preventDefault(); const code = new FormData(e.target).get('code'); tfaCall(refresh, () => onCode(code)); }} novalidate>
      <label>${t('mfa.code')}
        <input name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required>
      </label>
      <button type="submit">${t(label)}</button>
    </form>`;
  let body;
  if (tfa.codes) {
    body = recoveryCodes(tfa.codes, () => { tfa.codes = null; refresh(); });
  } else if (tfa.enrolment) {
    body = html`
      ${enrolmentQr(tfa.enrolment)}
      ${codeForm('mfa.turn_on', async (code) => {
        tfa.codes = (await api('POST', '/api/v1/me/2fa/confirm', { json: { code }, quiet: true })).recovery_codes;
        tfa.enrolment = null;
        await reloadPrincipal();
      })}`;
  } else if (who?.two_factor) {
    body = html`
      <p><span class="badge badge-ok">${t('mfa.on')}</span></p>
      ${tfa.action === 'codes' ? codeForm('mfa.new_codes', async (code) => {
        tfa.codes = (await api('POST', '/api/v1/me/2fa/recovery-codes', { json: { code }, quiet: true })).recovery_codes;
        tfa.action = null;
      }) : tfa.action === 'off' ? codeForm('mfa.turn_off', async (code) => {
        await api('DELETE', '/api/v1/me/2fa', { json: { code }, quiet: true });
        tfa.action = null;
        await reloadPrincipal();
      }) : html`<div class="grid">
        <button type="button" class="secondary" @click=${() => { tfa.action = 'codes'; refresh(); }}>${t('mfa.new_codes')}</button>
        <button type="button" class="outline" @click=${() => { tfa.action = 'off'; refresh(); }}>${t('mfa.turn_off')}</button>
      </div>`}`;
  } else {
    body = html`
      <p>${t('mfa.off')}</p>
      <button type="button" @click=${() => tfaCall(refresh, async () => { tfa.enrolment = await api('POST', '/api/v1/me/2fa', { quiet: true }); })}>${t('mfa.set_up')}</button>`;
  }
  return html`<article data-testid="two-factor"><h2>${t('mfa.section')}</h2>${body}
    <p class="form-error" role="alert">${tfa.error}</p></article>`;
}

const question = { loaded: false, current: null };

async function loadQuestion(refresh) {
  question.loaded = true;
  question.current = (await api('GET', '/api/v1/me')).profile.security_question;
  refresh();
}

async function saveQuestion(e, refresh, remove) {
  e.preventDefault();
  const form = e.target.closest('form');
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    if (remove) {
      await api('DELETE', '/api/v1/me/security-question', { quiet: true, json: { current_password: d.get('current_password') } });
    } else {
      await api('PUT', '/api/v1/me/security-question', {
        quiet: true, json: { question: d.get('question'), answer: d.get('answer'), current_password: d.get('current_password') },
      });
    }
    form.reset();
    toast(t(remove ? 'question.removed' : 'question.saved'), 'success');
    question.loaded = false;
  } catch (err) {
    showFieldErrors(form, err);
  }
  refresh();
}

function questionSection(refresh) {
  if (!question.loaded) loadQuestion(refresh);
  return html`
    <article>
      <h2>${t('question.title')}</h2>
      <p data-testid="question-state">${question.current ? t('question.current', { question: question.current }) : t('question.none')}</p>
      <form @submit=${(e) => saveQuestion(e, refresh, false)} novalidate data-testid="security-question">
        <label>${t('question.question')}<input name="question" maxlength="200" required></label>
        <small data-error-for="question" id="err-question"></small>
        <label>${t('question.answer')}<input name="answer" autocomplete="off" required></label>
        <small data-error-for="answer" id="err-answer"></small>
        <label>${t('security.current')}
          <input name="current_password" type="password" autocomplete="current-password" required>
        </label>
        <small data-error-for="current_password" id="err-current_password-question"></small>
        <div class="grid">
          <button type="submit">${t('question.save')}</button>
          ${question.current ? html`<button type="button" class="outline secondary" @click=${(e) => saveQuestion(e, refresh, true)}>${t('question.remove')}</button>` : ''}
        </div>
      </form>
    </article>`;
}

const ips = { loaded: false, text: '', needsYes: false };
const history = { loaded: false, items: [] };

/** Whether the signed-in principal's role grants permission (the sections follow it). */
const can = (permission) => !!currentPrincipal()?.permissions?.includes(permission);

async function loadExtras(refresh) {
  ips.loaded = history.loaded = true;
  const [list, log] = await Promise.all([
    can('security.manage') ? api('GET', '/api/v1/me/trusted-ips') : null,
    can('history.read') ? api('GET', '/api/v1/me/history?limit=20') : null,
  ]);
  ips.text = list?.trusted_ips ?? '';
  history.items = log?.items ?? [];
  refresh();
}

async function saveIps(e, refresh) {
  e.preventDefault();
  const form = e.target;
  const d = new FormData(form);
  showFieldErrors(form, null);
  try {
    const r = await api('PUT', '/api/v1/me/trusted-ips', {
      quiet: true,
      json: { trusted_ips: d.get('trusted_ips'), current_password: d.get('current_password'), exclude_current: d.get('exclude_current') === 'on' },
    });
    ips.text = r.trusted_ips;
    ips.needsYes = false;
    form.reset();
    toast(t('ips.saved'), 'success');
  } catch (err) {
    ips.needsYes = Object.values(err.problem?.errors || []).some((x) => x.code === 'excludes_current_address');
    showFieldErrors(form, err);
  }
  refresh();
}

function ipsSection(refresh) {
  return html`
    <article>
      <h2>${t('ips.title')}</h2>
      <p>${t('ips.intro')}</p>
      <form @submit=${(e) => saveIps(e, refresh)} novalidate data-testid="trusted-ips">
        <label>${t('ips.list')}
          <textarea name="trusted_ips" rows="4" .value=${ips.text} placeholder="203.0.113.7&#10;10.0.0.0/8"></textarea>
        </label>
        <small data-error-for="trusted_ips" id="err-trusted_ips"></small>
        <label>${t('security.current')}
          <input name="current_password" type="password" autocomplete="current-password" required>
        </label>
        <small data-error-for="current_password" id="err-current_password-ips"></small>
        ${ips.needsYes ? html`<label><input type="checkbox" name="exclude_current"> ${t('ips.exclude')}</label>` : ''}
        <button type="submit">${t('ips.save')}</button>
      </form>
    </article>`;
}

function historySection() {
  return html`
    <article>
      <h2>${t('history.title')}</h2>
      <ul class="sessions" data-testid="history">
        ${history.items.map((i) => html`<li><strong>${t(`history.${i.action}`) === `history.${i.action}` ? i.action : t(`history.${i.action}`)}</strong>
          ${i.details?.staff_name ? ` (${i.details.staff_name})` : ''}${i.impersonator_name ? html` <span class="badge badge-warn">${t('history.by_support', { name: i.impersonator_name })}</span>` : ''}<br>
          <small>${formatDateTime(i.occurred_at)}${i.ip ? ` · ${i.ip}` : ''}</small></li>`)}
      </ul>
    </article>`;
}

export function securityView({ refresh }) {
  if (!sessions.loaded) loadSessions(refresh);
  if (!ips.loaded) loadExtras(refresh);
  return html`
    <h1>${t('security.title')}</h1>
    <div class="grid">
      <article>
        <h2>${t('security.password')}</h2>
        ${passwordForm(refresh)}
      </article>
      ${twoFactorSection(refresh)}
    </div>
    <div class="grid">
      ${can('sessions.manage') ? html`<article>
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
      </article>` : ''}
      ${can('security.manage') ? ipsSection(refresh) : ''}
    </div>
    <div class="grid">
      ${questionSection(refresh)}
      ${can('history.read') ? historySection() : ''}
    </div>`;
}
