// Real peers for delivery tests: an SMTP server (python3-aiosmtpd) and an SMS webhook receiver.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './pg.js';

/** Starts the SMTP sink on port; resolves to { port, messages(), stop() }. */
export async function startSmtpSink(port) {
  const out = mkdtempSync(join(tmpdir(), 'cabinet-smtp-'));
  const proc = spawn('/usr/bin/python3', [join(ROOT, 'tests', 'lib', 'smtp_sink.py'), '--port', String(port), '--out', out],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve(); });
    proc.on('exit', (code) => reject(new Error(`smtp sink exited ${code}: ${log}`)));
  });
  return {
    port,
    /** Every message received so far, decoded by Python's email package. */
    messages: () => readdirSync(out).filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(out, f), 'utf8'))),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      rmSync(out, { recursive: true, force: true });
    },
  };
}

/** An HTTP server recording every request: { url, requests: [{ headers, body }], stop() }. */
export async function startWebhook({ status = 200 } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/sms`,
    requests,
    stop: () => new Promise((r) => server.close(r)),
  };
}

/** Polls fn until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeout = 15000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
