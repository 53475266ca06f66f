// A flood of wrong sign-ins at a steady rate, each from its own address (X-Forwarded-For, so the
// server must trust 127.0.0.1 as a proxy) and for a login nobody holds: the password hash still runs
// for each (no enumeration), so this is the costliest traffic an attacker can send without an account.
//   node bench/flood.mjs URL RATE SECONDS      prints the count of each status answered
const [url, rate, seconds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const counts = {};
const pending = new Set();
const started = Date.now();
let sent = 0;

function one(n) {
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const p = fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ login: `nobody${n}@flood.example`, password: 'wrong password', realm: 'portal' }),
    signal: AbortSignal.timeout(10000),
  }).then((r) => r.arrayBuffer().then(() => r.status), () => 'error')
    .then((status) => { counts[status] = (counts[status] || 0) + 1; pending.delete(p); });
  pending.add(p);
}

while (Date.now() - started < seconds * 1000) {
  // as many as the schedule says by now, so a slow answer never lowers the offered rate
  const due = Math.floor(((Date.now() - started) / 1000) * rate);
  // at most three seconds' worth in flight (a sign-in waits 2 s at most for a hashing slot):
  // beyond that the server is not answering, and the flood waits for it
  while (sent < due && pending.size < rate * 3) one(++sent);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
await Promise.all([...pending]);
console.log(JSON.stringify({ sent, seconds, counts }));
