// Customer search at scale: grows the customers table to each size, then measures the p95 latency of
// GET /api/v1/customers for a name fragment, an e-mail fragment, a phone fragment and plain list
// pages, with GET /readyz (one database round trip) as the baseline of the same run.
//   node bench/search.mjs URL DATABASE_URL PASSWORD [SIZES...]   (the owner is owner@example.com)
// Used by bench/search (10,000 and 1,000,000 rows) and by the test suite (a small version).
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const psql = (url, sql) => execFileSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], { encoding: 'utf8' }).trim();

/**
 * Adds generated customers until the table holds `size` of them: names with accents over a large
 * set of distinct family names (as real customer bases have), companies, phones.
 */
export function grow(dbUrl, size) {
  const have = Number(psql(dbUrl, 'SELECT count(*) FROM customers'));
  if (have >= size) return;
  psql(dbUrl, `INSERT INTO customers (email, first_name, last_name, company, phone, status, created_at)
    SELECT cabinet_fold(first || '.' || family) || i || '@' || (ARRAY['example.org','mail.fr','corp.de','isp.net'])[1 + i % 4],
      first, family || ' ' || (i % 99991),
      CASE WHEN i % 3 = 0 THEN 'Company ' || (i % 5003) ELSE '' END,
      '+336' || lpad(i::text, 8, '0'),
      (ARRAY['active','active','active','pending','suspended','banned'])[1 + i % 6],
      now() - make_interval(secs => i)
    FROM (SELECT i, (ARRAY['Ada','Élodie','Zoë','Marc','Chloé','Grace','Alan','Jean','Søren','Ana'])[1 + i % 10] AS first,
            (ARRAY['Lovelace','Dupré','Ångström','Dupont','Martin','Hopper','Turing','Müller','Núñez',
                   'Kowalski','Okafor','Tanaka','Silva','Rossi','Novák'])[1 + (i / 10) % 15] AS family
          FROM generate_series(${have + 1}, ${size}) i) g;
    ANALYZE customers;`);
}

/** fetch, once more on a fresh connection when the server closed an idle kept-alive one. */
async function request(url, init) {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, { ...init, headers: { ...init?.headers, connection: 'close' } });
  }
}

const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

/** p95 in ms of `requests` sequential GETs cycling through paths. */
async function timeGets(url, paths, headers, requests) {
  const times = [];
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const r = await request(url + paths[i % paths.length], { headers });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${paths[i % paths.length]}: ${r.status}`);
    times.push(performance.now() - t0);
  }
  return p95(times);
}

const QUERIES = {
  // what staff type to find someone: part of a family name, accents left out
  name: ['dupre 4821', 'lovelace 7351', 'angstrom 9901', 'turing 4242', 'muller 5000', 'nunez 3133', 'okafor 6161', 'novak 8080'].map((q) => `?q=${encodeURIComponent(q)}`),
  email: ['dupre4821', 'lovelace9', 'martin3141@', 'angstrom77', 'turing42@isp'].map((q) => `?q=${encodeURIComponent(q)}`),
  phone: ['06 12 34', '61 23 45', '0600 0042', '6 99 88'].map((q) => `?q=${encodeURIComponent(q)}`),
  list: ['?sort=name', '?sort=-created', '?status=active&sort=last_login', '?status=suspended,banned'],
};

/** Measures every kind at every size: { size: { kind: p95 } }, and the readyz baseline per size. */
export async function measure({ url, dbUrl, password, sizes, requests = 200, log = console.log }) {
  const login = await request(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'owner@example.com', password, realm: 'staff' }),
  });
  if (login.status !== 200) throw new Error(`sign-in: ${login.status}`);
  const token = (await login.json()).access_token;
  const results = {};
  for (const size of sizes) {
    const t0 = Date.now();
    grow(dbUrl, size);
    log(`${size} customers ready (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // a fresh token each size: growing a million rows outlasts the access token
    const fresh = await request(`${url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'owner@example.com', password, realm: 'staff' }),
    });
    const headers = { authorization: `Bearer ${(await fresh.json()).access_token ?? token}` };
    // /api/v1/me: the principal lookup every authenticated request makes, which must not follow the row count
    const row = { readyz: await timeGets(url, ['/readyz'], {}, requests), me: await timeGets(url, ['/api/v1/me'], headers, requests) };
    for (const [kind, paths] of Object.entries(QUERIES)) {
      row[kind] = await timeGets(url, paths.map((p) => `/api/v1/customers${p}${p.includes('?') ? '&' : '?'}limit=50`), headers, requests);
    }
    results[size] = row;
    log(`${size}: ${Object.entries(row).map(([k, v]) => `${k} p95 ${v.toFixed(1)} ms`).join(', ')}`);
  }
  if (sizes.length > 1) {
    const [small, large] = [sizes[0], sizes[sizes.length - 1]];
    log(`ratios ${large}/${small}: ${['me', ...Object.keys(QUERIES)].map((k) => `${k} ${(results[large][k] / results[small][k]).toFixed(2)}`).join(', ')}`);
    log(`ratios to readyz at ${large}: ${Object.keys(QUERIES).map((k) => `${k} ${(results[large][k] / results[large].readyz).toFixed(1)}`).join(', ')}`);
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, dbUrl, password, ...sizes] = process.argv.slice(2);
  await measure({ url, dbUrl, password, sizes: (sizes.length ? sizes : ['10000', '1000000']).map(Number) });
}
