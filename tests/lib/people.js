// Accounts for API tests, made through the API as an operator would: staff members (their e-mailed
// one-time password changed on first sign-in) and customers that can sign in.
import assert from 'node:assert/strict';
import { psql } from './pg.js';
import { deliveredText } from './outbox.js';

export const bearer = (accessToken) => ({ headers: { authorization: `Bearer ${accessToken}` } });

/** Signs in; returns the whole answer. */
export const signIn = (api, login, password, realm = 'portal') => api.post('/api/v1/auth/login', { json: { login, password, realm } });

/** A staff member with role, created by owner (an auth object); returns its auth object. */
export async function staffMember(api, db, owner, { email, role, password, displayName = role }) {
  const r = await api.post('/api/v1/staff', { ...owner, json: { email, display_name: displayName, role } });
  assert.equal(r.status, 201, r.text);
  const once = deliveredText(db.url, `address = '${email}' AND event = 'generated_credentials'`).match(/Password: (\S+)/)[1];
  const first = await signIn(api, email, once, 'staff');
  const changed = await api.request('PUT', '/api/v1/me/password', { ...bearer(first.json.access_token), json: { current_password: once, new_password: password } });
  assert.equal(changed.status, 204, changed.text);
  return bearer((await signIn(api, email, password, 'staff')).json.access_token);
}

/** A customer with a confirmed e-mail and a password, created by staff; returns its id. */
export async function customerAccount(api, staff, { email, password, firstName = 'Casey', lastName = 'Client', extra = {} }) {
  const r = await api.post('/api/v1/customers', { ...staff, json: { email, first_name: firstName, last_name: lastName, login: { password, password_confirm: password, email_confirmed: true }, ...extra } });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

/** An individual of customerId invited by staff, its invitation accepted with password; returns its id. */
export async function individualAccount(api, db, staff, customerId, { email, password, roleId = null, firstName = 'Indy' }) {
  const r = await api.post(`/api/v1/customers/${customerId}/individuals`, { ...staff, json: { email, first_name: firstName, role_id: roleId } });
  assert.equal(r.status, 201, r.text);
  const token = deliveredText(db.url, `individual_id = '${r.json.id}' AND event = 'individual_invitation'`).match(/invitation\?token=([0-9a-f]{64})/)[1];
  const accepted = await api.post('/api/v1/auth/invitation', { json: { token, new_password: password } });
  assert.equal(accepted.status, 204, accepted.text);
  return r.json.id;
}
