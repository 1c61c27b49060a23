// A send on another channel than the verification's (a resend, a fallback) is worded by that channel's template, not the first channel's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, waitFor, type TestServer } from './helpers/server.js';

describe('templates follow the channel of each send', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ env: { OTPD_RESEND_COOLDOWN: '0' } });
    for (const [channel, body] of [['voice', 'VOICE-SV {code}'], ['sms', 'SMS-SV {code}']]) {
      expect((await s.req('POST', '/v1/templates', { channel, locale: 'sv', body })).status).toBe(201);
    }
  });
  afterAll(async () => s?.close());

  /** The console deliveries printed so far for verification `id`, oldest first. */
  const lines = (id: string) => s.consoleOut.text.split('\n').filter((l) => l.includes(`(${id}):`));

  it("uses the account's template for the resend's channel", async () => {
    const v = await s.req('POST', '/v1/verifications', { to: '+14155550901', channel: 'voice', locale: 'sv' });
    expect(v.status).toBe(201);
    const id = v.body.id as string;
    await waitFor('the voice delivery', () => (lines(id).length >= 1 ? true : undefined));
    expect(lines(id)[0]).toContain('VOICE-SV');

    expect((await s.req('POST', `/v1/verifications/${id}/resend`, { channel: 'sms' })).status).toBe(200);
    await waitFor('the sms delivery', () => (lines(id).length >= 2 ? true : undefined));
    expect(lines(id)[1]).toMatch(/^\[otpd console\] sms /);
    expect(lines(id)[1]).toContain('SMS-SV');
  });

  it('uses an explicit template only on its own channel', async () => {
    const t = await s.req('POST', '/v1/templates', { channel: 'voice', locale: 'sv', body: 'EXPLICIT-VOICE {code}' });
    const v = await s.req('POST', '/v1/verifications', { to: '+14155550902', channel: 'voice', locale: 'sv', template_id: t.body.id });
    const id = v.body.id as string;
    await waitFor('the voice delivery', () => (lines(id).length >= 1 ? true : undefined));
    expect(lines(id)[0]).toContain('EXPLICIT-VOICE');

    await s.req('POST', `/v1/verifications/${id}/resend`, { channel: 'sms' });
    await waitFor('the sms delivery', () => (lines(id).length >= 2 ? true : undefined));
    expect(lines(id)[1]).toContain('SMS-SV');
  });
});
