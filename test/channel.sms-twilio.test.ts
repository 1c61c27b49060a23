// Property: the Twilio provider sends what Twilio's Messages API expects and classifies each documented failure correctly.
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TwilioSmsProvider, type TwilioSmsOptions } from '../src/channels/sms-http/twilio/twilio-sms-provider.js';
import { closeServer, failure, jsonPeer, listenLocal, outboundMessage, unreachablePeerCases } from './helpers/provider.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-0123456789';
const FROM = '+15005550006';
const TIMEOUT = 300;

const message = outboundMessage;

// ---- a stand-in for api.twilio.com that checks requests the way Twilio does ----

interface Seen {
  fields: Record<string, string>;
  contentType: string | undefined;
}
type Answer = { status: number; json?: unknown; raw?: string };

let peer: Server;
let base: string;
const seen: Seen[] = [];
let answer: (fields: Record<string, string>) => Answer = () => ({ status: 500 });

function twilioError(status: number, code: number, message: string): Answer {
  return { status, json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

beforeAll(async () => {
  peer = jsonPeer((req, raw) => {
    const auth = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;
    if (req.headers.authorization !== auth) {
      return { status: 401, json: { code: 20003, detail: 'Your AccountSid or AuthToken was incorrect.', message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 } };
    }
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Messages.json`) {
      return twilioError(404, 20404, 'The requested resource was not found');
    }
    const fields = Object.fromEntries(new URLSearchParams(raw));
    seen.push({ fields, contentType: req.headers['content-type'] });
    return answer(fields);
  });
  base = await listenLocal(peer);
});
afterAll(() => closeServer(peer));
afterEach(() => {
  seen.length = 0;
});

const created = (f: Record<string, string>): Answer => ({
  status: 201,
  json: {
    account_sid: SID,
    api_version: '2010-04-01',
    body: f.Body,
    date_created: 'Thu, 24 Aug 2023 05:01:45 +0000',
    date_sent: null,
    date_updated: 'Thu, 24 Aug 2023 05:01:45 +0000',
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: f.From ?? null,
    messaging_service_sid: f.MessagingServiceSid ?? null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: 'SM0123456789abcdef0123456789abcdef',
    status: f.MessagingServiceSid ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${SID}/Messages/SM0123456789abcdef0123456789abcdef/Media.json` },
    to: f.To,
    uri: `/2010-04-01/Accounts/${SID}/Messages/SM0123456789abcdef0123456789abcdef.json`,
  },
});

const provider = (over: Partial<TwilioSmsOptions> = {}) =>
  new TwilioSmsProvider({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: base, timeoutMs: TIMEOUT, ...over });


describe('twilio sms provider', () => {
  it('is named twilio', () => {
    expect(provider().name).toBe('twilio');
  });

  it('posts To (with +), From and Body as a form with Basic auth, and a 201 is sent', async () => {
    answer = created;
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(seen[0]!.fields).toEqual({ To: '+14155550123', From: FROM, Body: 'Your Acme code is 482913' });
  });

  it('sends MessagingServiceSid instead of From when only a messaging service is configured', async () => {
    answer = created;
    const p = provider({ from: undefined, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef' });
    await expect(p.deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen[0]!.fields).toEqual({ To: '+14155550123', MessagingServiceSid: 'MG0123456789abcdef0123456789abcdef', Body: 'Your Acme code is 482913' });
  });

  it('keeps non-ASCII bodies intact', async () => {
    answer = created;
    const body = 'आपका Acme कोड 482913 है';
    await provider().deliver(message({ body }));
    expect(seen[0]!.fields.Body).toBe(body);
  });

  it('treats wrong credentials (401, error 20003) as permanent so failover moves on', async () => {
    answer = created;
    const e = await failure(provider({ authToken: 'wrong-token' }).deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('20003');
    expect(seen).toHaveLength(0);
  });

  const permanent: Array<[number, number, string]> = [
    [400, 21211, "The 'To' number +14155550123 is not a valid phone number."],
    [400, 21614, "'To' number is not a valid mobile number"],
    [400, 21610, 'Attempt to send to unsubscribed recipient'],
    [400, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +14155550123."],
    [400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account"],
    [400, 21212, "The 'From' number +15005550006 is not a valid phone number, shortcode, or alphanumeric sender ID."],
    [400, 21608, 'The number +14155550123 is unverified. Trial accounts cannot send messages to unverified numbers.'],
    [400, 21611, "This 'From' number has exceeded the maximum number of queued messages"],
    [403, 20403, 'Account suspended'],
  ];
  it.each(permanent)('HTTP %i with error %i is permanent', async (status, code, text) => {
    answer = () => twilioError(status, code, text);
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain(String(code));
  });

  const transient: Array<[number, number | null]> = [
    [429, 20429],
    [500, 20500],
    [503, null],
  ];
  it.each(transient)('HTTP %i (error %s) is transient', async (status, code) => {
    answer = () => (code === null ? { status, raw: '<html>Service Unavailable</html>' } : twilioError(status, code, 'Too Many Requests'));
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
  });

  it('never puts the code or the body into the error, even when Twilio echoes them', async () => {
    answer = (f) => twilioError(400, 21617, `The concatenated message body exceeds the 1600 character limit: ${f.Body} (code 482913)`);
    const e = await failure(provider().deliver(message()));
    expect(e.message).not.toContain('482913');
    expect(e.message).not.toContain('Your Acme code is');
    expect(e.message).not.toContain(TOKEN);
  });

  unreachablePeerCases((baseUrl) => provider({ baseUrl }), TIMEOUT);

  it('refuses a configuration with neither from nor messagingServiceSid', () => {
    expect(() => provider({ from: undefined })).toThrow(/messagingServiceSid/);
  });
});
