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

export function formatDateTime(value, options = { dateStyle: 'medium', timeStyle: 'medium' }) {
  const d = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(lang, { ...options, timeZone: timeZone() }).format(d);
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(lang, options).format(value);
}
