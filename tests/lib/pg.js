// PostgreSQL for tests: a fresh database per test file on the suite's cluster, or a private cluster
// (for tests that stop and restart PostgreSQL). Uses psql and scripts/pg-cluster, no npm driver.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG_CLUSTER = join(ROOT, 'scripts', 'pg-cluster');

/** Runs SQL through psql; returns the unaligned, tuples-only output. */
export function psql(url, sql) {
  return execFileSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** Replaces the database name of a postgresql:///name?... URL. */
export function withDatabase(url, name) {
  return url.replace(/^postgresql:\/\/\/[^?]*/, `postgresql:///${name}`);
}

/** A private cluster: { url, dir, stop(), start() }. Always stop() it (in an after hook). */
export function startCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'cabinet-pg-'));
  chmodSync(dir, 0o755); // the cluster owner (postgres when root) creates its data folder inside
  const data = join(dir, 'data');
  const run = (cmd) =>
    execFileSync(PG_CLUSTER, [cmd, data], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const url = run('start');
  return {
    url,
    dir: data,
    start: () => run('start'),
    stop: () => run('stop'),
    destroy() {
      try { run('stop'); } finally { rmSync(dir, { recursive: true, force: true }); }
    },
  };
}

let shared = null;

/** The admin URL of the suite's cluster (CABINET_TEST_PG_ADMIN_URL) or a private one started once. */
export function adminUrl() {
  if (process.env.CABINET_TEST_PG_ADMIN_URL) return process.env.CABINET_TEST_PG_ADMIN_URL;
  if (!shared) {
    shared = startCluster();
    process.on('exit', () => shared.destroy());
  }
  return shared.url;
}

/** Creates an empty database; returns { url, drop() }. */
export function createDatabase(admin = adminUrl()) {
  const name = `cabinet_t_${randomBytes(6).toString('hex')}`;
  psql(admin, `CREATE DATABASE ${name}`);
  return {
    name,
    url: withDatabase(admin, name),
    drop: () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
