// Starts the sanitizer build of cabinetd on a free port against a given database, and stops it,
// failing the test if it crashed, exited non-zero or printed a sanitizer report.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './pg.js';

export const BINARY = process.env.CABINET_TEST_BINARY || join(ROOT, 'build-test', 'api', 'cabinetd');
const SANITIZER = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const secretDir = mkdtempSync(join(tmpdir(), 'cabinet-secret-'));
const secretFile = join(secretDir, 'jwt');
/** The signing secret every test server uses (tests forge tokens with it). */
export const TEST_JWT_SECRET = 'test-secret-0123456789-0123456789-0123456789';
writeFileSync(secretFile, `${TEST_JWT_SECRET}\n`, { mode: 0o600 });
const running = new Set();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(secretDir, { recursive: true, force: true });
});

/**
 * Starts cabinetd. options: { databaseUrl, env } -> { url, port, proc, output(), stop() }.
 * stop() sends SIGTERM and resolves with { code, signal, output, elapsedMs }.
 */
export async function startServer({ databaseUrl, env = {}, waitReady = true } = {}) {
  const port = await freePort();
  let output = '';
  const proc = spawn(BINARY, [], {
    env: {
      PATH: process.env.PATH,
      CABINET_DATABASE_URL: databaseUrl,
      CABINET_LISTEN: `127.0.0.1:${port}`,
      CABINET_PUBLIC_URL: `http://127.0.0.1:${port}`,
      CABINET_JWT_SECRET_FILE: secretFile,
      CABINET_WEB_ROOT: join(ROOT, 'web'),
      CABINET_LOG_FORMAT: 'json',
      CABINET_HTTP_THREADS: '4',
      CABINET_DB_POOL_SIZE: '4',
      // as behind a proxy: tests fire bursts from one address (tests/api/limits.test.js sets it)
      CABINET_HTTP_PER_IP_LIMIT: '0',
      ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
      UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=87',
      LSAN_OPTIONS: `suppressions=${join(ROOT, 'tests', 'lsan.supp')}:print_suppressions=0`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // a failed assertion must not leave the test process waiting on a server: unref it, and kill
  // whatever is still running when the process exits
  proc.unref();
  proc.stdout.unref?.();
  proc.stderr.unref?.();
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 30000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`cabinetd exited at start (${proc.exitCode}):\n${output}`);
    try {
      const r = await fetch(`${url}${waitReady ? '/readyz' : '/healthz'}`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`cabinetd did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    port,
    proc,
    output: () => output,
    exited,
    /** Sends SIGTERM; throws on a non-zero exit or any sanitizer report. */
    async stop({ allowFailure = false } = {}) {
      const started = Date.now();
      if (proc.exitCode === null) proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 20000);
      const { code, signal } = await exited;
      clearTimeout(killer);
      const result = { code, signal, output, elapsedMs: Date.now() - started };
      if (SANITIZER.test(output)) throw new Error(`sanitizer report from cabinetd:\n${output}`);
      if (!allowFailure && code !== 0) throw new Error(`cabinetd exited with ${code ?? signal}:\n${output}`);
      return result;
    },
  };
}
