// The texts a message delivers, as the delivery worker opens them: secrets are stored sealed
// (AES-256-GCM under HMAC-SHA256(server secret, "cabinet-seal-v1"), bound to "message:<id>"), and
// only tests holding the server secret can read them back.
import { createHmac, createDecipheriv } from 'node:crypto';
import { psql } from './pg.js';
import { TEST_JWT_SECRET } from './server.js';

/** Opens the hex of a seal made with context; returns the plaintext string. */
export function openSeal(hex, context, secret = TEST_JWT_SECRET) {
  const key = createHmac('sha256', secret).update('cabinet-seal-v1').digest();
  const raw = Buffer.from(hex, 'hex');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
}

/**
 * The messages matching an SQL condition, newest first, each {id, event, address, subject,
 * body_text, body_html} with the texts it delivers (opened from its seal while it has one).
 */
export function deliveredMessages(url, where = 'true') {
  const rows = JSON.parse(psql(url, `SELECT coalesce(json_agg(json_build_object('id', id, 'event', event,
    'address', address, 'subject', subject, 'body_text', body_text, 'body_html', body_html,
    'sealed', encode(sealed, 'hex')) ORDER BY created_at DESC, id DESC), '[]') FROM messages WHERE ${where}`));
  return rows.map((m) => (m.sealed ? { ...m, ...JSON.parse(openSeal(m.sealed, `message:${m.id}`)) } : m));
}

/** The newest matching message's delivered text body ('' when there is none). */
export function deliveredText(url, where) {
  return deliveredMessages(url, where)[0]?.body_text ?? '';
}

/**
 * Waits for the newest message matching where (recovery requests are run by a worker a moment
 * after their 202) and returns the match of re in its delivered text (group 1 when re has one).
 */
export async function awaitDelivered(url, where, re, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const m = deliveredText(url, where).match(re);
    if (m) return m[1] ?? m[0];
    if (Date.now() > deadline) throw new Error(`no message where ${where} matching ${re}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the workers have run every queued recovery request (a moment after their 202). */
export async function jobsDone(url, { timeout = 10000 } = {}) {
  const deadline = Date.now() + timeout;
  while (psql(url, 'SELECT count(*) FROM recovery_jobs') !== '0') {
    if (Date.now() > deadline) throw new Error('recovery jobs still queued');
    await new Promise((r) => setTimeout(r, 20));
  }
}
