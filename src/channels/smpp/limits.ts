// Flow control for submit_sm: a window of unacknowledged requests and a token bucket for throughput.

/** At most `size` holders at once; the others wait in arrival order until a slot frees or their deadline passes. */
export class Window {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Resolves with the slot's release function; rejects with `timedOut()` if no slot frees by `deadline`. */
  acquire(deadline: number, timedOut: () => Error): Promise<() => void> {
    if (this.used < this.size && this.waiting.length === 0) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        this.used++;
        resolve(this.releaser());
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(timedOut());
      }, Math.max(0, deadline - Date.now()));
      this.waiting.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      this.waiting.shift()?.();
    };
  }
}

/**
 * `perSecond` tokens a second, holding at most `burst` (default 1: submits evenly spaced, so the SMSC
 * never sees more than the limit in any one-second window). Each take reserves the next token, so
 * waiters are served in order.
 */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst = 1,
  ) {
    this.tokens = burst;
  }

  /** Waits for a token; rejects at once with `timedOut()` (taking nothing) when it would come after `deadline`. */
  async take(deadline: number, timedOut: () => Error): Promise<void> {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    const wait = this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.perSecond;
    if (now + wait > deadline) throw timedOut();
    this.tokens -= 1;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
  }
}
