// Translations (English, French) and formatting through Intl, in the user's language and time zone.
const SUPPORTED = ['en', 'fr'];
const listeners = new Set();
let lang = 'en';
let messages = {};
let fallback = {};

function preferred() {
  const saved = localStorage.getItem('cabinet.lang');
  if (SUPPORTED.includes(saved)) return saved;
  const nav = (navigator.language || 'en').slice(0, 2);
  return SUPPORTED.includes(nav) ? nav : 'en';
}

async function load(code) {
  const res = await fetch(`/i18n/${code}.json`);
  if (!res.ok) throw new Error(`missing translations for ${code}`);
  return res.json();
}

export const languages = () => SUPPORTED;
export const language = () => lang;

export async function initI18n() {
  fallback = await load('en');
  await setLanguage(preferred(), { save: false });
}

export async function setLanguage(code, { save = true } = {}) {
  if (!SUPPORTED.includes(code)) return;
  messages = code === 'en' ? fallback : await load(code);
  lang = code;
  document.documentElement.lang = code;
  if (save) localStorage.setItem('cabinet.lang', code);
  for (const fn of listeners) fn();
}

/** Calls fn whenever the language changes. */
export const onLanguageChange = (fn) => listeners.add(fn);

/** t('status.ready') or t('greeting', { name }) with {name} placeholders. */
export function t(key, params = {}) {
  const text = messages[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (k in params ? String(params[k]) : `{${k}}`));
}

/** The user's time zone: saved preference, else the browser's. */
export function timeZone() {
  return localStorage.getItem('cabinet.tz') || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The account's date formats (display and input): YYYY-MM-DD, DD/MM/YYYY, MM/DD/YYYY or DD.MM.YYYY. */
export const DATE_FORMATS = ['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'];
const dateFormat = (which) => {
  const saved = localStorage.getItem(`cabinet.date_${which}`);
  return DATE_FORMATS.includes(saved) ? saved : null;
};

/** Remembers the account's date formats (null forgets them: the language's own style is used). */
export function setDateFormats(input, output) {
  for (const [which, value] of [['in', input], ['out', output]]) {
    if (DATE_FORMATS.includes(value)) localStorage.setItem(`cabinet.date_${which}`, value);
    else localStorage.removeItem(`cabinet.date_${which}`);
  }
  for (const fn of listeners) fn();
}

/** The date part of value in the user's time zone, written in the account's display format. */
export function formatDate(value) {
  const d = value instanceof Date ? value : new Date(value);
  const format = dateFormat('out');
  if (!format) return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: timeZone() }).format(d);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: timeZone() })
    .formatToParts(d).map((p) => [p.type, p.value]));
  return format.replace('YYYY', parts.year).replace('MM', parts.month).replace('DD', parts.day);
}

/** Date and time: the date in the account's display format, the time in the language's style. */
export function formatDateTime(value) {
  const d = value instanceof Date ? value : new Date(value);
  const time = new Intl.DateTimeFormat(lang, { timeStyle: 'medium', timeZone: timeZone() }).format(d);
  return `${formatDate(d)} ${time}`;
}

/**
 * Reads a date typed in the account's input format (ISO YYYY-MM-DD is always understood too):
 * "YYYY-MM-DD", or null when it is not a real date.
 */
export function parseDate(text) {
  const format = dateFormat('in') || 'YYYY-MM-DD';
  const s = String(text || '').trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let y, m, d;
  if (iso) [, y, m, d] = iso;
  else {
    const digits = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
    if (!digits || format === 'YYYY-MM-DD') return null;
    [, d, m, y] = digits;
    if (format === 'MM/DD/YYYY') [d, m] = [m, d];
  }
  const date = new Date(Date.UTC(+y, +m - 1, +d));
  if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +m - 1 || date.getUTCDate() !== +d) return null;
  return date.toISOString().slice(0, 10);
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(lang, options).format(value);
}
