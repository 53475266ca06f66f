// The API client: JSON in and out; problem+json answers become ApiError with field errors, and a
// toast unless the caller handles the error itself ({ quiet: true }).
import { toast } from './ui.js';
import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(problem, status) {
    super(problem.detail || problem.title || t('error.generic'));
    this.status = status;
    this.code = problem.code || 'unknown';
    this.requestId = problem.request_id || null;
    this.problem = problem;
    /** { field: message } from the problem's errors[] */
    this.fieldErrors = Object.fromEntries((problem.errors || []).map((e) => [e.field, e.message]));
  }
}

// Set by session.js: where the access token comes from, and how to get a new one.
let auth = { token: () => null, refresh: async () => false };
export function setAuth(provider) {
  auth = provider;
}

/**
 * api(method, path, { json, file, quiet }): json is sent as application/json; file (a File or Blob)
 * as its own bytes with its own type (an upload).
 */
export async function api(method, path, { json, file, quiet = false, signal, retried = false } = {}) {
  const headers = { accept: 'application/json, application/problem+json' };
  const token = auth.token();
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (file) {
    headers['content-type'] = file.type || 'application/octet-stream';
    body = file;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body, signal, credentials: 'same-origin' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    const err = new ApiError({ code: 'network', detail: t('error.network') }, 0);
    if (!quiet) toast(err.message, 'error');
    throw err;
  }
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  // an expired access token: refresh once (the cookie) and try again
  if (res.status === 401 && token && !retried && data?.code === 'invalid_token' && (await auth.refresh())) {
    return api(method, path, { json, file, quiet, signal, retried: true });
  }
  if (res.status === 204) return null;
  if (!res.ok) {
    const err = new ApiError(data && typeof data === 'object' ? data : { detail: t('error.generic') }, res.status);
    if (!quiet) toast(err.message, 'error');
    throw err;
  }
  return data;
}

/** Marks a form's inputs from an ApiError: aria-invalid and the message under each field. */
export function showFieldErrors(form, err) {
  for (const input of form.querySelectorAll('[name]')) {
    const message = err?.fieldErrors?.[input.name];
    const hint = form.querySelector(`[data-error-for="${input.name}"]`);
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      if (hint?.id) input.setAttribute('aria-errormessage', hint.id);
    } else {
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-errormessage');
    }
    if (hint) hint.textContent = message || '';
  }
}
