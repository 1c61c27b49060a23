// Periodic clean-up that keeps the store small: expired idempotency keys, in bounded batches.
import type { Logger } from 'pino';
import type { Clock } from './core/clock.js';
import type { Store } from './store/types.js';

export const HOUSEKEEPING = { intervalMs: 60_000, batch: 1_000 } as const;

export class Housekeeping {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), HOUSEKEEPING.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; batches keep each delete short so requests never wait behind it. */
  async run(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const n = await this.store.purgeIdempotency(this.clock.now(), HOUSEKEEPING.batch);
        total += n;
        if (n < HOUSEKEEPING.batch) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (e) {
      this.log.error({ err: e }, 'housekeeping failed');
    }
    return total;
  }
}
