// The signed-in principal. The access token lives in memory only; the refresh token is an HttpOnly
// cookie the server sets on /api/v1/auth, so a reload restores the session through /auth/refresh.
import { api, setAuth } from './api.js';

let accessToken = null;
let principal = null;
let refreshing = null;
const listeners = new Set();

const notify = () => listeners.forEach((fn) => fn(principal));
export const currentPrincipal = () => principal;
export const onSessionChange = (fn) => listeners.add(fn);

// The realm of this app (staff for the admin panel, portal for the portal): each has its own
// refresh cookie, so both can be signed in at once in one browser.
let realm = 'portal';
export function setRealm(r) {
  realm = r;
}

// A hint, not a secret: whether a refresh cookie is worth trying, so that an anonymous page load
// does not start with a 401. The cookie itself stays HttpOnly.
const hint = () => `cabinet.session.${realm}`;

function accept(tokens) {
  accessToken = tokens.access_token;
  principal = tokens.principal;
  localStorage.setItem(hint(), '1');
  notify();
}

function forget() {
  accessToken = null;
  principal = null;
  localStorage.removeItem(hint());
  notify();
}

/** Signs in; throws the ApiError (invalid_credentials, validation) for the form to show. */
export async function signIn(login, password, realm) {
  accept(await api('POST', '/api/v1/auth/login', { json: { login, password, realm }, quiet: true }));
}

/** The second step of a sign-in with 2FA: a code of the app, or a recovery code. */
export async function signInMfa(mfaToken, { code, recoveryCode }) {
  const json = { mfa_token: mfaToken, ...(code ? { code } : { recovery_code: recoveryCode }) };
  const tokens = await api('POST', '/api/v1/auth/login/mfa', { json, quiet: true });
  accept(tokens);
  return tokens.recovery_codes || null; // the first codes, after an enrolment at sign-in
}

/** Takes the session of a "log in as customer" hand-off (the code of the URL's fragment). */
export async function takeImpersonation(code) {
  accept(await api('POST', '/api/v1/auth/impersonation', { json: { code }, quiet: true }));
}

/** Re-reads the principal (after turning 2FA on or off). */
export async function reloadPrincipal() {
  principal = await api('GET', '/api/v1/me');
  notify();
}

/** Restores or renews the session from the refresh cookie; false when there is none. */
export function restore() {
  if (!localStorage.getItem(hint())) return Promise.resolve(false);
  refreshing ??= api('POST', `/api/v1/auth/refresh?realm=${realm}`, { quiet: true })
    .then((tokens) => { accept(tokens); return true; })
    .catch(() => { if (principal) forget(); return false; })
    .finally(() => { refreshing = null; });
  return refreshing;
}

/** The account chose a new password: no longer ask for one. */
export function passwordChanged() {
  if (principal) principal = { ...principal, must_change_password: false };
  notify();
}

export async function signOut() {
  try {
    await api('POST', '/api/v1/auth/logout', { quiet: true });
  } finally {
    forget();
  }
}

setAuth({ token: () => accessToken, refresh: restore });
