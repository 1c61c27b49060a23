// Collects the calls made during one event-loop turn and runs them together at its end: one round trip for many requests.
import { OtpError } from '../core/errors.js';

interface Call<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/**
 * Requests that arrive in the same turn (one read from each of many sockets) each want a statement;
 * on a network database every statement is a round trip and a wake-up of the server's process.
 * `run` gets the turn's inputs in call order and answers one output per input, in the same order.
 */
export class TurnBatch<I, O> {
  private pending: Call<I, O>[] = [];

  /**
   * `one` runs a single input on its own. When a batch fails for anything but the database being
   * unreachable (an `OtpError`), each input is tried alone, so one request's bad value fails that
   * request only and not the others that happened to share its turn. A failed statement wrote nothing.
   */
  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly one: (input: I) => Promise<O>,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const calls = this.pending;
    this.pending = [];
    Promise.resolve()
      .then(() => this.run(calls.map((c) => c.input)))
      .then(
        (outs) => calls.forEach((c, i) => c.resolve(outs[i]!)),
        (e: unknown) => {
          if (calls.length === 1 || e instanceof OtpError) for (const c of calls) c.reject(e);
          else for (const c of calls) this.one(c.input).then(c.resolve, c.reject);
        },
      );
  }
}
