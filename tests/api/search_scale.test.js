// A small version of bench/search: the customer list's searches and pages keep their latency as the
// table grows tenfold (5,000 to 50,000 rows here; the bench runs 10,000 and 1,000,000 on the release
// build). Bounds are loose: this is the sanitizer build, on a machine shared with other tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase } from '../lib/pg.js';
import { startServer } from '../lib/server.js';
import { measure } from '../../bench/search.mjs';

const PASSWORD = 'the search owner passphrase';
let db, server;

before(async () => {
  db = createDatabase();
  server = await startServer({ databaseUrl: db.url, env: { CABINET_BOOTSTRAP_ADMIN_EMAIL: 'owner@example.com', CABINET_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD } });
});
after(async () => {
  await server?.stop();
  db?.drop();
});

test('searches, pages and the principal of every request stay fast as the table grows tenfold', async () => {
  const r = await measure({ url: server.url, dbUrl: db.url, password: PASSWORD, sizes: [5000, 50000], requests: 60, log: (s) => console.log(s) });
  for (const kind of ['me', 'name', 'email', 'phone', 'list']) {
    assert.ok(r[50000][kind] < 400, `${kind} p95 ${r[50000][kind].toFixed(1)} ms at 50,000 rows`);
    // the indexes keep the cost from following the row count (10× the rows, far less than 10× the time)
    assert.ok(r[50000][kind] / r[5000][kind] < 5, `${kind}: ${r[5000][kind].toFixed(1)} ms -> ${r[50000][kind].toFixed(1)} ms`);
  }
});
