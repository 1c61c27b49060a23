// The production logger's redaction: one-time codes and keys hidden wherever they are named so, an error's own code kept.
import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/load.js';
import { createLogger } from '../src/main.js';
import { Capture } from './helpers/server.js';

/** One line through the logger otpd runs with, parsed back. */
function logged(obj: object): { line: string; json: Record<string, unknown> } {
  const out = new Capture();
  createLogger({ logLevel: 'info' } as Readonly<Config>, out).error(obj, 'something failed');
  const line = out.text.trim();
  return { line, json: JSON.parse(line) as Record<string, unknown> };
}

describe('log redaction', () => {
  it("keeps an error's own code, which says what failed (ECONNREFUSED, a SQLSTATE)", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2775'), { code: 'ECONNREFUSED' });
    expect((logged({ err: refused }).json['err'] as { code: string }).code).toBe('ECONNREFUSED');
    const pg = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect((logged({ err: pg }).json['err'] as { code: string }).code).toBe('57P01');
  });

  it('hides a code under the names a request or a verification carries it, keys, and authorization headers', () => {
    const { line, json } = logged({
      code: '482913',
      body: { code: '771046', to: '+14155550100' },
      req: { headers: { authorization: 'Basic QUNhYmM6c2VjcmV0' }, query: { code: '390127' } },
      verification: { id: 'ver_1', code: '118342' },
      otp: '550912',
      key: 'otpd_live_notarealkey0123456789',
      headers: { authorization: 'Bearer otpd_live_notarealkey9876543210' },
    });
    for (const secret of ['482913', '771046', '390127', '118342', '550912', 'otpd_live_notarealkey0123456789', 'otpd_live_notarealkey9876543210', 'QUNhYmM6c2VjcmV0']) expect(line).not.toContain(secret);
    expect(json['code']).toBe('[redacted]');
    expect(json['body']).toEqual({ code: '[redacted]', to: '+14155550100' });
  });
});
