// A circuit breaker per provider: after repeated failures a provider is skipped for a while, so sends fail over at once.
import type { Clock } from '../core/clock.js';

export const CIRCUIT = { failureThreshold: 5, openMs: 30_000 } as const;

export type CircuitState = 'closed' | 'open' | 'half_open';

export class Circuit {
  private failures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly clock: Clock,
    private readonly threshold: number = CIRCUIT.failureThreshold,
    private readonly openMs: number = CIRCUIT.openMs,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === null) return 'closed';
    return this.clock.now() - this.openedAt >= this.openMs ? 'half_open' : 'open';
  }

  /** Whether a call may go to the provider now; in half-open state only one trial call at a time. */
  allow(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  /** Only failures that say the provider is unwell count (timeouts, 5xx); a refused number does not. */
  failure(): void {
    this.trialInFlight = false;
    if (this.openedAt !== null) {
      this.openedAt = this.clock.now();
      return;
    }
    if (++this.failures >= this.threshold) this.openedAt = this.clock.now();
  }
}
