// A NUL character in any stored field is the caller's error (400), on SQLite and PostgreSQL alike, and never fails the requests that share its turn.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshSchema, postgresAvailable } from './helpers/postgres.js';
import { startServer, type TestServer } from './helpers/server.js';

const BAD: Array<[string, Record<string, unknown>, string, string?]> = [
  ['reference', { reference: 'a\u0000b' }, 'reference'],
  ['sender', { sender: 'Ac\u0000me' }, 'sender'],
  ['metadata value', { metadata: { order: '1\u00002' } }, 'metadata.order'],
  ['metadata key', { metadata: { 'or\u0000der': '1' } }, 'metadata'],
  ['email recipient', { to: 'a\u0000b@example.com', channel: 'email' }, 'to', 'invalid_recipient'],
];

function suite(name: string, env: () => Record<string, string>, enabled = true): void {
  describe.runIf(enabled)(`NUL characters on ${name}`, () => {
    let s: TestServer;
    let drop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const e = env();
      if (e['OTPD_DATABASE_URL'] === 'fresh') {
        const schema = await freshSchema();
        drop = schema.drop;
        e['OTPD_DATABASE_URL'] = schema.url;
      }
      s = await startServer({ env: e });
    });
    afterAll(async () => {
      await s?.close();
      await drop?.();
    });

    it.each(BAD.map(([label, extra, field, code], i) => [label, extra, field, code ?? 'invalid_request', i] as const))('%s: 400 naming the field; the creates beside it succeed', async (_label, extra, field, code, i) => {
      const create = (body: Record<string, unknown>) => s.req('POST', '/v1/verifications', { channel: 'sms', ...body }, { key: s.sandboxKey });
      const [bad, ...good] = await Promise.all([
        create({ to: `+1415555${4000 + i}`, ...extra }),
        ...[1, 2, 3].map((n) => create({ to: `+1415555${4100 + i * 10 + n}`, reference: 'fine', metadata: { order: String(n) } })),
      ]);
      expect(bad!.status).toBe(400);
      expect(bad!.body.code).toBe(code);
      expect(JSON.stringify(bad!.body)).toContain(field);
      expect(good.map((g) => g.status)).toEqual([201, 201, 201]);
    });
  });
}

suite('SQLite', () => ({}));
suite('PostgreSQL', () => ({ OTPD_DATABASE_URL: 'fresh' }), postgresAvailable('NUL characters on PostgreSQL'));
