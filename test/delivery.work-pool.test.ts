// The outbox pool's scheduling: slots refill after a wake while full, drain() finishes everything, stop() ends claiming, capacity holds.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WorkPool } from '../src/delivery/work-pool.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pool over an in-memory queue whose jobs run until released (or at once when `hold` is off). */
class QueuePool extends WorkPool<number> {
  queue: number[] = [];
  handled: number[] = [];
  claims = 0;
  inHandle = 0;
  maxInHandle = 0;
  hold = true;
  failClaims = 0;
  private releases: (() => void)[] = [];

  constructor(capacity: number, pollMs = 60_000) {
    super('test pool', pollMs, pino({ level: 'silent' }), capacity);
  }

  protected async claim(limit: number): Promise<number[]> {
    this.claims++;
    if (this.failClaims > 0) {
      this.failClaims--;
      throw new Error('store unavailable');
    }
    await sleep(Math.random() * 2);
    return this.queue.splice(0, limit);
  }

  protected async handle(job: number): Promise<void> {
    this.inHandle++;
    this.maxInHandle = Math.max(this.maxInHandle, this.inHandle);
    if (this.hold) await new Promise<void>((r) => this.releases.push(r));
    else await sleep(Math.random() * 3);
    this.inHandle--;
    this.handled.push(job);
  }

  release(): void {
    this.hold = false;
    this.releases.splice(0).forEach((r) => r());
  }

  /** Waits (polling, bounded) until `n` jobs have been handled. */
  async handledCount(n: number, timeoutMs = 3_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (this.handled.length < n && Date.now() < end) await sleep(5);
    return this.handled.length;
  }
}

describe('work pool', () => {
  it('with every slot busy, a wake still gets its job handled once a slot frees (capacity 1, no poll to rescue it)', async () => {
    const p = new QueuePool(1);
    p.start();
    p.queue.push(1);
    p.wake();
    while (p.busy === 0) await sleep(2);
    // The only slot is busy: this wake must not leave the pool stuck.
    p.queue.push(2);
    p.wake();
    await sleep(30);
    expect(p.handled).toEqual([]);
    p.release();
    expect(await p.handledCount(2)).toBe(2);
    p.queue.push(3);
    p.wake();
    expect(await p.handledCount(3)).toBe(3);
    await p.stop();
  });

  it('a poll that finds every slot busy does not stop later claims', async () => {
    const p = new QueuePool(3, 20);
    p.start();
    p.queue.push(1, 2, 3);
    p.wake();
    await sleep(100); // several polls while all three slots are busy
    p.release();
    p.queue.push(4);
    p.wake();
    expect(await p.handledCount(4)).toBe(4);
    await p.stop();
  });

  it('drain() handles every due job, more than its capacity, and returns with none in flight; also when called at capacity', async () => {
    const p = new QueuePool(2);
    p.hold = false;
    p.queue.push(1, 2, 3, 4, 5);
    await p.drain();
    expect(p.handled.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(p.busy).toBe(0);

    p.hold = true;
    p.queue.push(6, 7);
    const first = p.drain();
    while (p.busy < 2) await sleep(2);
    p.queue.push(8);
    const second = p.drain(); // at capacity
    setTimeout(() => p.release(), 20);
    await Promise.all([first, second]);
    expect(p.handled.sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(p.maxInHandle).toBeLessThanOrEqual(2);
  });

  it('never has more jobs in flight than its capacity, and handles every job, under random wakes and drains', async () => {
    for (const capacity of [1, 3, 50]) {
      const p = new QueuePool(capacity);
      p.hold = false;
      p.start();
      let n = 0;
      for (let t = 0; t < 150; t++) {
        for (let k = Math.floor(Math.random() * 3); k > 0; k--) {
          p.queue.push(n++);
          p.wake();
        }
        if (t % 37 === 0) void p.drain();
        await sleep(Math.random() * 2);
      }
      expect(await p.handledCount(n, 5_000)).toBe(n);
      expect(p.maxInHandle).toBeLessThanOrEqual(capacity);
      await p.stop();
    }
  });

  it('stop() waits for the jobs in flight, and nothing is claimed after it, not even by a drain under way', async () => {
    const p = new QueuePool(2);
    p.start();
    p.queue.push(1, 2, 3, 4);
    const draining = p.drain();
    while (p.busy < 2) await sleep(2);
    setTimeout(() => p.release(), 20);
    await p.stop();
    expect(p.busy).toBe(0);
    expect(p.handled.sort()).toEqual([1, 2]);
    const claims = p.claims;
    await draining;
    p.wake();
    await sleep(30);
    expect(p.claims).toBe(claims);
    expect(p.queue).toEqual([3, 4]);
    // Started again, it takes up where it stopped.
    p.start();
    expect(await p.handledCount(4)).toBe(4);
    await p.stop();
  });

  it('a claim that fails is logged and the pool claims again on the next wake', async () => {
    const p = new QueuePool(2);
    p.hold = false;
    p.failClaims = 1;
    p.start();
    await sleep(20);
    p.queue.push(1);
    p.wake();
    expect(await p.handledCount(1)).toBe(1);
    await p.stop();
  });
});
