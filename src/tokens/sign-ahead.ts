// Sign-ahead: a check whose code matches has its proof token signed on another thread while the event loop commits the attempt.
import { MessageChannel, Worker } from 'node:worker_threads';
import type { KeyRing } from './keys.js';
import * as L from './sign-ahead-layout.js';
import { SIGN_AHEAD_PROGRAM } from './sign-ahead-thread.js';

/** How many created verifications the thread remembers (oldest forgotten first): minutes of traffic. */
export const MAX_EXPECTED = 10_000;
/** How long a check waits for a token the thread is signing right now before signing its own (ms). */
const WAIT_MS = 0.04;

/** A created verification, as the thread needs it to sign a later check's token. */
export interface Expected {
  id: string;
  account: string;
  to: string;
  channel: string;
  codeHash: Buffer;
}

/** A token the thread signed. */
export interface AheadToken {
  token: string;
  /** When it was issued (seconds), as `prepare` was told. */
  iat: number;
}

/**
 * The ES256 signature is the largest single cost of a check on the event loop (about a tenth of a
 * pair's work), and the second core sits partly idle. Handing each signature to a thread by message
 * and waking the loop for the answer cost more than it saved (bench/RESULTS.md), so nothing here
 * wakes the loop: main writes requests into shared memory and reads the answer in the same turn.
 *
 * A check for a verification created on this node posts its id, the typed code's hash and the time
 * as soon as it arrives; while main commits the attempt (the rest of the turn), the thread compares the
 * hash with the one it was told at create and signs the token that check would get. If the check
 * approves, main takes that token; if the thread has not got to it, or anything is off, main signs as
 * it always did. A wrong code gets nothing signed, so guessing costs the thread nothing.
 */
export class SignAhead {
  private readonly sab = new SharedArrayBuffer(L.SHARED_BYTES);
  private readonly i32 = new Int32Array(this.sab);
  private readonly buf = Buffer.from(this.sab);
  private readonly worker: Worker;
  private readonly port: MessageChannel['port1'];
  private readonly exited: Promise<void>;
  private readonly sentKids = new Set<string>();
  private seq = 0;
  private dead = false;
  /** Tokens handed over and checks that signed their own (for tests and the bench). */
  readonly counts = { taken: 0, inline: 0 };

  constructor(
    private readonly ring: KeyRing,
    issuer: string,
    ttlSeconds: number,
    /** Told once if the thread fails (its signing then falls back to the event loop for good). */
    onFailure: (e: unknown) => void = () => undefined,
    maxExpected = MAX_EXPECTED,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(SIGN_AHEAD_PROGRAM, {
      eval: true,
      workerData: { sab: this.sab, port: port2, issuer, ttl: ttlSeconds, maxExpected, L: L.LAYOUT },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 2 },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // A failed thread only means main signs every token itself again.
    this.worker.on('error', (e) => onFailure(e));
    this.worker.once('exit', () => (this.dead = true));
    this.worker.unref();
    this.port.unref();
  }

  /** Tells the thread about a verification this node just created. Never waits; may drop it. */
  expect(v: Expected): void {
    const i = this.claim();
    if (i < 0) return;
    const end = L.requestAt(i) + L.REQUEST_BYTES;
    let at = L.requestAt(i);
    // The first 8 bytes are a SIGN's issue time; an EXPECT leaves them unused.
    at = this.put(at + 8, end, v.id);
    if (at >= 0) at = this.put(at, end, v.account);
    if (at >= 0) at = this.put(at, end, v.to);
    if (at >= 0) at = this.put(at, end, v.channel);
    if (at >= 0) at = this.putBytes(at, end, v.codeHash);
    // Too long to fit (a very long address): that one is signed on the event loop later.
    this.post(i, L.KIND_EXPECT, at >= 0);
  }

  /**
   * Asks for the token of a check that has just arrived, issued at `iat` (seconds); a handle for
   * `take` or `release`, or undefined when the thread cannot help.
   */
  prepare(account: string, id: string, codeHash: Buffer, iat: number): number | undefined {
    if (this.dead) return undefined;
    const key = this.ring.current;
    if (!this.sentKids.has(key.kid)) {
      this.port.postMessage({ kid: key.kid, alg: key.alg, signer: key.signer });
      this.sentKids.add(key.kid);
    }
    const i = this.claim();
    if (i < 0) return undefined;
    const end = L.requestAt(i) + L.REQUEST_BYTES;
    let at = L.requestAt(i);
    this.buf.writeDoubleLE(iat, at);
    at = this.put(at + 8, end, id);
    if (at >= 0) at = this.put(at, end, account);
    if (at >= 0) at = this.put(at, end, key.kid);
    if (at >= 0) at = this.putBytes(at, end, codeHash);
    if (!this.post(i, L.KIND_SIGN, at >= 0)) return undefined;
    if (Atomics.compareExchange(this.i32, L.CTL_SLEEPING, 1, 0) === 1) Atomics.notify(this.i32, L.CTL_SLEEPING, 1);
    return this.seq - 1;
  }

  /**
   * The token signed for `handle` if it was signed for recipient `to` on `channel` (a resend may have
   * moved the verification to another channel since the create) at most a second before `nowSeconds`,
   * or undefined: main signs it itself.
   * The slot is free again either way.
   */
  take(handle: number, to: string, channel: string, nowSeconds: number): AheadToken | undefined {
    const i = handle & (L.SLOTS - 1);
    const s = L.stateAt(i);
    if (this.i32[s + 1] !== (handle | 0)) return this.inline();
    // Read the clock only if the thread is signing this one right now (most answers are already done).
    let deadline = 0;
    for (;;) {
      const was = Atomics.compareExchange(this.i32, s, L.QUEUED, L.FREE);
      if (was === L.DONE) {
        const o = { at: L.answerAt(i) };
        const t = { iat: this.buf.readDoubleLE(L.requestAt(i)), token: this.field(o, 'latin1'), to: this.field(o, 'utf8'), channel: this.field(o, 'utf8') };
        Atomics.store(this.i32, s, L.FREE);
        // Issued when the check arrived: an attempt that took over a second (a lock wait) gets a fresh token.
        if (t.to !== to || t.channel !== channel || nowSeconds - t.iat > 1) return this.inline();
        this.counts.taken++;
        return t;
      }
      if (was === L.BUSY && deadline === 0) deadline = performance.now() + WAIT_MS;
      if (was === L.BUSY && !this.dead && performance.now() < deadline) {
        // The thread is signing it now: a signature takes tens of microseconds, less than a sleep and a wake-up.
        while (Atomics.load(this.i32, s) === L.BUSY && performance.now() < deadline);
        continue;
      }
      if (was === L.BUSY) {
        if (Atomics.compareExchange(this.i32, s, L.BUSY, L.ABANDONED) !== L.BUSY) continue;
      } else if (was === L.FAILED) Atomics.store(this.i32, s, L.FREE);
      // QUEUED (now taken back: the thread never saw it), FAILED, or given up on.
      return this.inline();
    }
  }

  /** Whether the thread has answered `handle` (signed it, or found it could not). */
  settled(handle: number): boolean {
    const s = L.stateAt(handle & (L.SLOTS - 1));
    const st = Atomics.load(this.i32, s);
    return this.i32[s + 1] === (handle | 0) && (st === L.DONE || st === L.FAILED);
  }

  /** Slots not free (for tests): requests queued or being answered, answers not yet taken. */
  inUse(): number {
    let n = 0;
    for (let i = 0; i < L.SLOTS; i++) if (Atomics.load(this.i32, L.stateAt(i)) !== L.FREE) n++;
    return n;
  }

  /** Hands back a handle whose check did not approve. */
  release(handle: number): void {
    const i = handle & (L.SLOTS - 1);
    const s = L.stateAt(i);
    if (this.i32[s + 1] !== (handle | 0)) return;
    for (;;) {
      const was = Atomics.compareExchange(this.i32, s, L.QUEUED, L.FREE);
      if (was === L.DONE || was === L.FAILED) Atomics.store(this.i32, s, L.FREE);
      else if (was === L.BUSY && Atomics.compareExchange(this.i32, s, L.BUSY, L.ABANDONED) !== L.BUSY) continue;
      return;
    }
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    Atomics.store(this.i32, L.CTL_STOP, 1);
    // Cleared first, so a thread that is just about to wait does not wait out its timeout.
    Atomics.store(this.i32, L.CTL_SLEEPING, 0);
    Atomics.notify(this.i32, L.CTL_SLEEPING);
    this.worker.ref();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, 2_000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
    this.port.close();
  }

  private inline(): undefined {
    this.counts.inline++;
    return undefined;
  }

  /** The next slot, when it is free (a slot still held by a slow check is skipped, not waited for); -1 otherwise. */
  private claim(): number {
    if (this.dead) return -1;
    const i = this.seq & (L.SLOTS - 1);
    if (Atomics.load(this.i32, L.stateAt(i)) !== L.FREE) {
      this.seq++;
      return -1;
    }
    return i;
  }

  /** Publishes slot `i` when its request was written whole; false (and the slot left free) otherwise. */
  private post(i: number, kind: number, whole: boolean): boolean {
    const s = L.stateAt(i);
    const seq = this.seq++;
    if (!whole) return false;
    this.i32[s + 1] = seq | 0;
    this.i32[s + 2] = kind;
    Atomics.store(this.i32, s, L.QUEUED);
    return true;
  }

  private put(at: number, end: number, s: string): number {
    const max = end - at - 2;
    // Most fields are ASCII: their length is their byte count, so the exact count is needed only near the end.
    if (s.length * 3 > max && Buffer.byteLength(s) > max) return -1;
    const n = this.buf.write(s, at + 2, max, 'utf8');
    this.buf.writeUInt16LE(n, at);
    return at + 2 + n;
  }

  private putBytes(at: number, end: number, b: Buffer): number {
    if (b.length > end - at - 2) return -1;
    this.buf.set(b, at + 2);
    this.buf.writeUInt16LE(b.length, at);
    return at + 2 + b.length;
  }

  private field(o: { at: number }, encoding: 'latin1' | 'utf8'): string {
    const n = this.buf.readUInt16LE(o.at);
    const s = this.buf.toString(encoding, o.at + 2, o.at + 2 + n);
    o.at += 2 + n;
    return s;
  }
}
