// A drain loop for an outbox that keeps up to `capacity` jobs in flight: a freed slot is refilled within milliseconds, so one slow job never holds up the rest.
import type { Logger } from 'pino';

/**
 * While jobs are in flight, a claim waits until this long after the previous one. Under load every
 * queued job wakes the pool; gathering the wakes of a few milliseconds into one claim keeps claims
 * (a write transaction each) from running once per job, and costs a delivery at most this much.
 */
export const CLAIM_GATHER_MS = 10;

/**
 * Claims due jobs into free slots and handles each on its own. It never waits for a batch to finish
 * before claiming more: a provider or receiver that answers slowly (up to its timeout) holds its own
 * slot and nothing else. The store's claim (a lease) keeps two nodes from taking the same job.
 */
export abstract class WorkPool<J> {
  private timer: NodeJS.Timeout | null = null;
  /** When `timer` fires (performance.now()). */
  private timerDue = 0;
  private stopped = true;
  /** stop() was called (and start() not since): no claim starts. */
  private closed = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  /** A claim came back full, or work was queued while every slot was busy: refill as slots free up. */
  private backlog = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** When the last claim started (performance.now()): scheduling only, never a business time. */
  private lastClaimAt = -Infinity;

  constructor(
    private readonly poolName: string,
    private readonly pollMs: number,
    private readonly poolLog: Logger,
    private readonly capacity: number,
  ) {}

  /** Claims up to `limit` due jobs (leasing them). */
  protected abstract claim(limit: number): Promise<J[]>;
  /** Handles one claimed job to its outcome; a throw is logged and the job's lease runs out. */
  protected abstract handle(job: J): Promise<void>;

  start(): void {
    this.stopped = false;
    this.closed = false;
    this.schedule(0);
  }

  /** Work was queued: claim it now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.pumping) this.again = true;
    else if (this.inFlight.size === 0) this.schedule(0, true);
    else this.schedule(Math.max(0, this.lastClaimAt + CLAIM_GATHER_MS - performance.now()), true);
  }

  /** Jobs being handled right now. */
  get busy(): number {
    return this.inFlight.size;
  }

  /** Stops claiming and waits for the jobs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pumping;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Handles every due job now and waits until none is left in flight (tests, and callers that need it done). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      // A claim under way may have missed jobs committed after it looked: wait for it, then claim afresh.
      while (this.pumping) await this.pumping;
      await this.pump();
      if (this.inFlight.size === 0) return;
      await Promise.race(this.inFlight);
    }
  }

  /**
   * Fills the free slots with due jobs, claiming again at once while claims come back full; never waits
   * for a job. A wake that came in during the claim is served after the gather delay.
   */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    // `pumping` is cleared in a callback, which runs after the assignment below even when the loop ends
    // without awaiting anything (every slot busy); clearing it inside the loop's own `finally` would
    // run first, leave a settled promise in `pumping`, and stop the pool for good.
    this.pumping = this.fill()
      .catch((e: unknown) => this.poolLog.error({ err: e }, `${this.poolName}: claim failed`))
      .finally(() => {
        this.pumping = null;
        this.schedule(this.pollMs);
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
    return this.pumping;
  }

  private async fill(): Promise<void> {
    this.again = false;
    for (;;) {
      if (this.closed) return;
      const room = this.capacity - this.inFlight.size;
      if (room <= 0) {
        // A slot that frees up takes the next job (see track).
        this.backlog = true;
        return;
      }
      this.lastClaimAt = performance.now();
      const jobs = await this.claim(room);
      for (const j of jobs) this.track(j);
      this.backlog = jobs.length === room;
      if (!this.backlog) return;
    }
  }

  private track(job: J): void {
    const p: Promise<void> = this.handle(job)
      .catch((e: unknown) => this.poolLog.error({ err: e }, `${this.poolName}: job failed`))
      .finally(() => {
        this.inFlight.delete(p);
        // A freed slot takes the next due job (after the gather delay) when some were left waiting.
        if (this.backlog) this.wake();
      });
    this.inFlight.add(p);
  }

  /**
   * Pumps in `ms`. A timer already set to fire as soon is kept: under load every queued job calls
   * wake(), and setting a timer anew for each would cost more than the claims it gathers.
   */
  private schedule(ms: number, keepSooner = false): void {
    if (this.stopped) return;
    const due = performance.now() + ms;
    if (this.timer) {
      if (keepSooner && this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, ms);
    this.timer.unref();
  }
}
