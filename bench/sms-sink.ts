// A stand-in for Twilio's Messages API on 127.0.0.1: otpd's twilio provider delivers to it, and the load client reads each code from it.
import { createServer, type Server } from 'node:http';

export interface SmsSink {
  /** Base URL to give otpd as OTPD_TWILIO_BASE_URL. */
  url: string;
  /** Messages accepted so far. */
  received(): number;
  /**
   * The code of the next message to `to`. Ask before creating the verification: a message can reach
   * the sink before the create's answer reaches the client, and one that nobody waits for yet is kept.
   */
  codeFor(to: string): Promise<string>;
  /** Forgets a number nobody will ask for again (its create failed). */
  forget(to: string): void;
  close(): Promise<void>;
}

/** The code in a message body: the first run of 4 to 10 digits (otpd's built-in templates carry nothing else that long). */
export function codeIn(body: string): string | null {
  return /(?<!\d)\d{4,10}(?!\d)/.exec(body)?.[0] ?? null;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/;

/** How long the sink takes to answer, like a real provider's API: most calls `ms`, one in `slowEvery` `slowMs`. */
export interface SinkLatency {
  ms: number;
  slowMs: number;
  slowEvery: number;
}

const NO_LATENCY: SinkLatency = { ms: 0, slowMs: 0, slowEvery: 0 };

/** Starts the sink on a free port of 127.0.0.1; the code is handed to the client when the answer goes out. */
export async function startSmsSink(latency: SinkLatency = NO_LATENCY): Promise<SmsSink> {
  const waiting = new Map<string, (code: string) => void>();
  const early = new Map<string, string>();
  let received = 0;
  let sid = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To');
      const code = codeIn(form.get('Body') ?? '');
      if (req.method !== 'POST' || !MESSAGES_PATH.test(req.url ?? '') || !to || !code) {
        // Twilio's shape for a refusal; otpd treats a 400 as permanent, which the bench counts as an error.
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 21211, message: 'the bench sink wants a POST to Messages.json with To and a code in Body', status: 400 }));
        return;
      }
      received++;
      const n = ++sid;
      const answer = () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sid: `SM${String(n).padStart(32, '0')}`, status: 'queued', to }));
        const w = waiting.get(to);
        if (w) {
          waiting.delete(to);
          w(code);
        } else early.set(to, code);
      };
      const ms = latency.slowEvery > 0 && n % latency.slowEvery === 0 ? latency.slowMs : latency.ms;
      if (ms > 0) setTimeout(answer, ms);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    codeFor(to) {
      const code = early.get(to);
      if (code !== undefined) {
        early.delete(to);
        return Promise.resolve(code);
      }
      return new Promise((ok) => waiting.set(to, ok));
    },
    forget(to) {
      waiting.delete(to);
      early.delete(to);
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
