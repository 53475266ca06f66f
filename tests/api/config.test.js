// Start-up configuration: precise refusals, --help, --routes against the contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BINARY } from '../lib/server.js';
import { contractOperations } from '../lib/contract.js';

function run(args, env) {
  return spawnSync(BINARY, args, { env: { PATH: process.env.PATH, ASAN_OPTIONS: 'detect_leaks=1', ...env }, encoding: 'utf8' });
}

test('a short JWT secret is refused with a precise message and exit code 2', () => {
  const r = run([], { CABINET_JWT_SECRET: 'short' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CABINET_JWT_SECRET must be at least 32 bytes long/);
});

test('a missing JWT secret is refused', () => {
  const r = run([], {});
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CABINET_JWT_SECRET \(or CABINET_JWT_SECRET_FILE\) is required/);
});

test('an out-of-range value names the variable and the range', () => {
  const r = run([], { CABINET_JWT_SECRET: 'x'.repeat(40), CABINET_DB_POOL_SIZE: '1000' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /CABINET_DB_POOL_SIZE must be between 1 and 256, got 1000/);
});

test('--help lists every variable the docs list', async () => {
  const r = run(['--help'], {});
  assert.equal(r.status, 0);
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { ROOT } = await import('../lib/pg.js');
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const inHelp = new Set(r.stdout.match(/^ {2}(CABINET_[A-Z0-9_]+)/gm).map((s) => s.trim()));
  const inDocs = new Set(doc.match(/^\| `(CABINET_[A-Z0-9_]+)`/gm).map((s) => s.slice(3, -1)));
  assert.ok(inHelp.size >= 20);
  assert.deepEqual([...inHelp].sort(), [...inDocs].sort(), 'docs/configuration.md and --help agree');
});

test('every route is in openapi.yaml and every openapi.yaml operation has a route', () => {
  const r = run(['--routes'], {});
  assert.equal(r.status, 0);
  const routes = r.stdout.trim().split('\n').sort();
  assert.deepEqual(routes, contractOperations());
});
