// Property (native API and dialects): codes, API keys, dialect credentials and webhook secrets never appear in logs, in the database as text, or in any response (except a sandbox key's `code`).
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { d7Code, d7For } from '../helpers/d7-client.js';
import { basicAuth, codeFor, twilioCreds } from '../helpers/twilio-client.js';
import { assertNoSecretsInLogs, startServer, type TestResponse, type TestServer, waitFor } from '../helpers/server.js';

interface HookDelivery {
  verification_id: string;
  code: string;
  message: string;
}

let s: TestServer;
let hook: Server;
let hookUrl: string;
const deliveries: HookDelivery[] = [];

beforeAll(async () => {
  // Cooldown 0 so the flows can resend at once; everything else is the default configuration.
  s = await startServer({ env: { OTPD_RESEND_COOLDOWN: '0' } });
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      deliveries.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as HookDelivery);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/otp-hook`;
});
afterAll(async () => {
  await s.close();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

/** The `n`-th webhook delivery (1-based) for verification `id`. */
const nthDelivery = (id: string, n: number): Promise<HookDelivery> =>
  waitFor(`webhook delivery #${n} for ${id}`, () => deliveries.filter((d) => d.verification_id === id)[n - 1]);

/**
 * Whether `haystack` contains `secret`. A purely numeric code only counts when it is not part of a longer
 * run of digits, so that a 6-digit code is not "found" inside a timestamp or a phone number by chance.
 */
function leaks(haystack: string, secret: string): boolean {
  if (/^\d+$/.test(secret)) return new RegExp(`(?<!\\d)${secret}(?!\\d)`).test(haystack);
  return haystack.includes(secret);
}

describe('secrets never leak', () => {
  it('keeps codes, keys and the webhook secret out of logs, responses and the database', async () => {
    const webhookSecret = await s.otpd.accounts.setWebhook('default', hookUrl);
    expect(webhookSecret).toMatch(/^whsec_/);

    const codes: string[] = [];
    const liveResponses: TestResponse[] = [];
    const sandboxResponses: TestResponse[] = [];

    // ---- live key, webhook channel: the code is only ever learnt from the webhook ----
    const liveFlow = async (to: string, extra: Record<string, unknown>) => {
      const created = await s.req('POST', '/v1/verifications', { to, channel: 'webhook', ...extra });
      expect(created.status).toBe(201);
      expect(created.body.sandbox).toBe(false);
      const id = created.body.id as string;
      const first = await nthDelivery(id, 1);
      const code = first.code;
      expect(first.message).toContain(code);
      codes.push(code);

      const got = await s.req('GET', `/v1/verifications/${id}`);
      const resent = await s.req('POST', `/v1/verifications/${id}/resend`);
      expect(resent.status).toBe(200);
      expect((await nthDelivery(id, 2)).code).toBe(code);
      const wrong = await s.req('POST', `/v1/verifications/${id}/check`, { code: code === '000000' ? '111111' : '000000' });
      expect(wrong.body.reason).toBe('incorrect_code');
      const right = await s.req('POST', `/v1/verifications/${id}/check`, { code });
      expect(right.body).toMatchObject({ valid: true, reason: 'approved' });
      const verdict = await s.req('POST', '/v1/tokens/verify', { token: right.body.token });
      expect(verdict.body.valid).toBe(true);
      // Every send delivered, so every delivery log line has been written.
      const final = await waitFor('both sends delivered', async () => {
        const g = await s.req('GET', `/v1/verifications/${id}`);
        return g.body.sends.every((x: { status: string }) => x.status === 'sent') ? g : undefined;
      });

      for (const r of [created, got, resent, final]) {
        expect(r.status).toBeLessThan(300);
        expect(r.body).not.toHaveProperty('code');
      }
      liveResponses.push(created, got, resent, wrong, right, verdict, final);
    };
    await liveFlow('+14155550501', { code_type: 'alphanumeric', code_length: 10 });
    await liveFlow('+14155550502', {});

    // ---- sandbox key: the code comes back in the `code` field and nowhere else ----
    const sandboxFlow = async (to: string, extra: Record<string, unknown>) => {
      const key = s.sandboxKey;
      const created = await s.req('POST', '/v1/verifications', { to, channel: 'sms', ...extra }, { key });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const code = created.body.code as string;
      expect(typeof code).toBe('string');
      expect(leaks(created.text, code)).toBe(true); // the detector itself works
      codes.push(code);
      const got = await s.req('GET', `/v1/verifications/${id}`, undefined, { key });
      const resent = await s.req('POST', `/v1/verifications/${id}/resend`, undefined, { key });
      expect(resent.body.code).toBe(code);
      const wrong = await s.req('POST', `/v1/verifications/${id}/check`, { code: code === '000000' ? '111111' : '000000' }, { key });
      const right = await s.req('POST', `/v1/verifications/${id}/check`, { code }, { key });
      expect(right.body).toMatchObject({ valid: true, reason: 'approved' });
      const after = await s.req('GET', `/v1/verifications/${id}`, undefined, { key });
      expect(after.body).not.toHaveProperty('code'); // the sealed copy is gone once approved
      sandboxResponses.push(created, got, resent, wrong, right, after);
    };
    await sandboxFlow('+14155550503', { code_type: 'alphanumeric', code_length: 10 });
    await sandboxFlow('+14155550504', {});

    const keys = [s.liveKey, s.sandboxKey, webhookSecret, webhookSecret.slice('whsec_'.length)];
    const secrets = [...codes, ...keys];

    // ---- responses ----
    for (const r of liveResponses) {
      for (const x of secrets) expect(leaks(r.text, x), `live response leaks ${x}: ${r.text}`).toBe(false);
    }
    for (const r of sandboxResponses) {
      const { code: _shown, ...rest } = (r.body ?? {}) as Record<string, unknown>;
      const withoutCode = JSON.stringify(rest);
      for (const x of secrets) expect(leaks(withoutCode, x), `sandbox response leaks ${x} outside \`code\`: ${r.text}`).toBe(false);
    }

    // ---- logs (all pino output of the server) ----
    const logs = s.logs.text;
    expect(logs).toContain('code delivered');
    expect(logs).toContain('"route":"/v1/verifications/:id/check"');
    for (const x of secrets) expect(leaks(logs, x), `logs contain ${x}`).toBe(false);

    // ---- the database file ----
    const db = new Database(s.dbPath, { readonly: true, fileMustExist: true });
    try {
      const verifications = db.prepare('SELECT id, status, code_hash, code_sealed FROM verifications').all() as Array<{
        id: string;
        status: string;
        code_hash: Buffer;
        code_sealed: Buffer | null;
      }>;
      expect(verifications).toHaveLength(4);
      for (const v of verifications) {
        expect(Buffer.isBuffer(v.code_hash)).toBe(true);
        expect(v.code_hash).toHaveLength(32);
        expect(v.status).toBe('approved');
        expect(v.code_sealed).toBeNull();
      }

      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['accounts', 'api_keys', 'verifications', 'sends', 'signing_keys']));
      let textCells = 0;
      for (const table of tables) {
        const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>;
        for (const row of rows) {
          for (const [col, value] of Object.entries(row)) {
            if (typeof value === 'string') {
              textCells++;
              for (const x of secrets) {
                expect(value === x || leaks(value, x), `${table}.${col} holds ${x}`).toBe(false);
              }
            } else if (Buffer.isBuffer(value)) {
              for (const x of secrets) expect(value.includes(Buffer.from(x, 'utf8')), `${table}.${col} (blob) holds ${x}`).toBe(false);
            }
          }
        }
      }
      expect(textCells).toBeGreaterThan(0);

      const apiKeys = db.prepare('SELECT * FROM api_keys').all() as Array<Record<string, unknown>>;
      expect(apiKeys.length).toBeGreaterThanOrEqual(2);
      const apiKeyText = JSON.stringify(apiKeys.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => !Buffer.isBuffer(v)))));
      expect(apiKeyText).not.toContain(s.liveKey);
      expect(apiKeyText).not.toContain(s.sandboxKey);
    } finally {
      db.close();
    }
  });

  it('keeps dialect credentials, their codes and event-webhook secrets out of logs and the database', async () => {
    const d7 = await d7For(s);
    const tw = await twilioCreds(s);
    const hooks = await s.req('POST', '/v1/webhooks', { url: hookUrl, events: ['verification.approved'] });
    const whsec = hooks.body.secret as string;
    const sent = await d7.sendOtp({ originator: 'Acme', recipient: '+14155554201', content: 'Code: {}' });
    expect(sent.status).toBe(200);
    const d7code = await d7Code(s, sent.body.otp_id, 'Code: {}');
    expect((await d7.verifyOtp(sent.body.otp_id, d7code)).body.status).toBe('APPROVED');
    const auth = basicAuth(tw.accountSid, tw.authToken);
    const svc = await fetch(`${s.url}/twilio/v2/Services`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'FriendlyName=Acme' });
    const va = ((await svc.json()) as { sid: string }).sid;
    const ver = await fetch(`${s.url}/twilio/v2/Services/${va}/Verifications`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'To=%2B14155554202&Channel=sms' });
    const ve = ((await ver.json()) as { sid: string }).sid;
    const twCode = await codeFor(s, ve);
    const check = await fetch(`${s.url}/twilio/v2/Services/${va}/VerificationCheck`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: `To=%2B14155554202&Code=${twCode}` });
    expect(((await check.json()) as { status: string }).status).toBe('approved');

    const secrets = [d7.token, tw.authToken, tw.apiKeySecret, whsec, d7code, twCode];
    for (const x of secrets) expect(s.logs.text.includes(x), `logs contain a secret`).toBe(false);
    const db = new Database(s.dbPath, { readonly: true, fileMustExist: true });
    try {
      for (const table of ['dialect_credentials', 'dialect_state', 'webhook_subscriptions', 'webhook_deliveries', 'verifications']) {
        const rows = db.prepare(`SELECT * FROM "${table}"`).all() as Array<Record<string, unknown>>;
        const dump = rows.flatMap((r) => Object.values(r).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v)))).join('\n');
        for (const x of [d7.token, tw.authToken, tw.apiKeySecret, whsec]) expect(dump.includes(x), `${table} holds a secret`).toBe(false);
      }
    } finally {
      db.close();
    }
  });

  it('the log scan every test server runs on close finds a leaked secret, and not a number that merely matches', () => {
    expect(() => assertNoSecretsInLogs('{"level":30,"msg":"sent 482913 to +1415"}', ['482913'])).toThrow(/secrets leaked/);
    expect(() => assertNoSecretsInLogs('{"level":30,"key":"otpd_live_abc123"}', ['otpd_live_abc123'])).toThrow(/secrets leaked/);
    expect(() => assertNoSecretsInLogs('{"level":30,"pid":482913,"time":1764000482913,"ms":4829.13}', ['482913'])).not.toThrow();
    expect(() => assertNoSecretsInLogs('{"id":"ver_01K482913X"}', ['482913'])).not.toThrow();
  });
});
