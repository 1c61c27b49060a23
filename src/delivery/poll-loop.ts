// A drain loop for an outbox: runs a batch step until it reports no more work, then sleeps; wake() runs it now.
import type { Logger } from 'pino';

export abstract class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = true;
  private draining: Promise<void> = Promise.resolve();

  constructor(
    private readonly loopName: string,
    private readonly pollMs: number,
    private readonly loopLog: Logger,
  ) {}

  /** Handles one batch; answers whether a full batch was taken (so there may be more). */
  protected abstract step(): Promise<boolean>;

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Drain soon: called when work was queued, so it does not wait for the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops polling and waits for the batch under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.draining;
  }

  /** Handles every due item, batch by batch, then sleeps until the next poll. */
  async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      do {
        this.again = false;
        if (await this.step()) this.again = true;
      } while (this.again && !this.stopped);
    } catch (e) {
      this.loopLog.error({ err: e }, `${this.loopName}: drain failed`);
    } finally {
      this.running = false;
      this.schedule(this.pollMs);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.draining = this.drain();
    }, ms);
    this.timer.unref();
  }
}
