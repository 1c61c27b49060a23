// The sign-ahead thread's whole program: it signs proof tokens for checks whose code matched, while the event loop does other work.

/**
 * Eval'd CommonJS, so it runs the same from src/ (tests) and dist/. It never returns to its own event
 * loop: it waits on the shared memory, and reads new signing keys off its port synchronously.
 *
 * Main posts two kinds of request into the ring. EXPECT (8 bytes unused; id, account, to, channel,
 * code hash) says a verification was created here. SIGN (f64 iat; id, account, kid, code hash) says a
 * check for it arrived: when the hash is the one expected, the thread signs the token that check would
 * be answered with if it approves, and answers (token, to, channel). Anything else answers FAILED, and
 * main signs on its own as before. The EXPECTs a scan finds are handled before its SIGNs: a check's
 * create was announced a round trip to the client earlier, so its EXPECT is already queued or done.
 */
export const SIGN_AHEAD_PROGRAM = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { sign, randomUUID } = require('node:crypto');
const { sab, port, issuer, ttl, maxExpected } = workerData;
// The same offsets as sign-ahead-layout.ts, from the numbers it sent.
const L = Object.assign({}, workerData.L);
L.stateAt = (i) => (L.CTL_BYTES + i * L.SLOT_BYTES) / 4;
L.requestAt = (i) => L.CTL_BYTES + i * L.SLOT_BYTES + L.HEAD_BYTES;
L.answerAt = (i) => L.requestAt(i) + L.REQUEST_BYTES;
L.answerEnd = (i) => L.CTL_BYTES + (i + 1) * L.SLOT_BYTES;
const i32 = new Int32Array(sab);
const buf = Buffer.from(sab);
const expected = new Map();
const keys = new Map();

function field(o) {
  const n = buf.readUInt16LE(o.at);
  const s = buf.toString('utf8', o.at + 2, o.at + 2 + n);
  o.at += 2 + n;
  return s;
}
// Raw bytes (the code hash) as a one-byte string: far smaller to keep than a Buffer.
function bytes(o) {
  const n = buf.readUInt16LE(o.at);
  const b = buf.toString('latin1', o.at + 2, o.at + 2 + n);
  o.at += 2 + n;
  return b;
}
function put(at, end, s) {
  const max = end - at - 2;
  if (Buffer.byteLength(s) > max) return -1;
  const n = buf.write(s, at + 2, max, 'utf8');
  buf.writeUInt16LE(n, at);
  return at + 2 + n;
}
function drainKeys() {
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
    const k = m.message;
    const header = Buffer.from(JSON.stringify({ alg: k.alg, kid: k.kid, typ: 'JWT' })).toString('base64url');
    keys.set(k.kid, { alg: k.alg, signer: k.signer, header });
  }
}
function expect(i) {
  const o = { at: L.requestAt(i) + 8 };
  const id = field(o), account = field(o), to = field(o), channel = field(o), hash = bytes(o);
  if (expected.size >= maxExpected) expected.delete(expected.keys().next().value);
  expected.set(id, { account, to, channel, hash });
}
function signFor(i) {
  const o = { at: L.requestAt(i) + 8 };
  const iat = buf.readDoubleLE(o.at - 8);
  const id = field(o), account = field(o), kid = field(o), hash = bytes(o);
  const e = expected.get(id);
  // Not constant-time, and it need not be: nothing a caller sees depends on it (a wrong code is
  // answered the same whether or not anything was signed), and it compares HMACs, not codes.
  if (!e || e.account !== account || e.hash !== hash) return false;
  // One token per verification (it is approved once): forgotten before signing, so a replayed
  // correct code never costs a second signature, even when this one fails.
  expected.delete(id);
  let k = keys.get(kid);
  if (!k) { drainKeys(); k = keys.get(kid); }
  if (!k) return false;
  const payload = Buffer.from(JSON.stringify({
    verification_id: id, account, channel: e.channel, sub: e.to, iss: issuer, jti: randomUUID(), iat, exp: iat + ttl,
  })).toString('base64url');
  const input = k.header + '.' + payload;
  const sig = k.alg === 'ES256'
    ? sign('sha256', Buffer.from(input), { key: k.signer, dsaEncoding: 'ieee-p1363' })
    : sign(null, Buffer.from(input), k.signer);
  const end = L.answerEnd(i);
  let at = put(L.answerAt(i), end, input + '.' + sig.toString('base64url'));
  if (at >= 0) at = put(at, end, e.to);
  if (at >= 0) at = put(at, end, e.channel);
  return at >= 0;
}
/** Handles every queued slot, EXPECTs first; answers how many it found. */
function work() {
  const signs = [];
  let found = 0;
  for (let i = 0; i < L.SLOTS; i++) {
    const s = L.stateAt(i);
    if (Atomics.load(i32, s) !== L.QUEUED) continue;
    found++;
    if (i32[s + 2] === L.KIND_SIGN) { signs.push(i); continue; }
    if (Atomics.compareExchange(i32, s, L.QUEUED, L.BUSY) !== L.QUEUED) continue;
    try { expect(i); } catch {}
    Atomics.store(i32, s, L.FREE);
  }
  for (const i of signs) {
    const s = L.stateAt(i);
    // Main may have taken it back meanwhile (its check was answered first).
    if (Atomics.compareExchange(i32, s, L.QUEUED, L.BUSY) !== L.QUEUED) continue;
    // Taken back and filled again since the scan: it may hold an EXPECT now.
    if (i32[s + 2] === L.KIND_EXPECT) {
      try { expect(i); } catch {}
      Atomics.store(i32, s, L.FREE);
      continue;
    }
    let ok = false;
    try { ok = signFor(i); } catch {}
    if (Atomics.compareExchange(i32, s, L.BUSY, ok ? L.DONE : L.FAILED) === L.ABANDONED) Atomics.store(i32, s, L.FREE);
    Atomics.notify(i32, s);
  }
  return found;
}
function anyQueued() {
  for (let i = 0; i < L.SLOTS; i++) if (Atomics.load(i32, L.stateAt(i)) === L.QUEUED) return true;
  return false;
}
drainKeys();
// No spinning before sleeping: on two cores shared with other work, looking a moment longer for the
// next request (50 us) cost more than being woken for it (bench/RESULTS.md).
while (Atomics.load(i32, L.CTL_STOP) === 0) {
  if (work() > 0) continue;
  Atomics.store(i32, L.CTL_SLEEPING, 1);
  if (!anyQueued() && Atomics.load(i32, L.CTL_STOP) === 0) Atomics.wait(i32, L.CTL_SLEEPING, 1, 1000);
  Atomics.store(i32, L.CTL_SLEEPING, 0);
}
`;
