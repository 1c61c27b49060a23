// Property: the WhatsApp Cloud provider sends Meta's authentication-template message with the code in the body and the copy-code button, picks the template language from the locale, and classifies each documented failure correctly.
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WhatsappCloudProvider, type WhatsappCloudOptions } from '../src/channels/whatsapp/whatsapp-cloud-provider.js';
import { closeServer, failure, jsonPeer, listenLocal, outboundMessage, unreachablePeerCases } from './helpers/provider.js';

const TOKEN = 'EAAJBwhatsapp-access-token-0123456789';
const PHONE_ID = '106540352242922';
const TEMPLATE = 'otp_copy_code';
const TIMEOUT = 300;
const TRACE = 'Az8or2yhqkZfEZ-_4Qn_Bam';

const message = (over: Parameters<typeof outboundMessage>[0] = {}) => outboundMessage({ channel: 'whatsapp', ...over });

// ---- a stand-in for graph.facebook.com that checks requests the way the Cloud API does ----

interface Seen {
  url: string | undefined;
  contentType: string | undefined;
  body: SentBody;
}
interface SentBody {
  messaging_product: string;
  to: string;
  type: string;
  template: { name: string; language: { code: string }; components: unknown[] };
}
type Answer = { status: number; json?: unknown; raw?: string };

let peer: Server;
let base: string;
const seen: Seen[] = [];
let answer: (body: SentBody) => Answer = () => ({ status: 500 });

/** A Graph API error as the Cloud API documents it: the code, its title in the message, details in error_data. */
function metaError(status: number, code: number, title: string, details?: string, subcode?: number): Answer {
  return {
    status,
    json: {
      error: {
        message: `(#${code}) ${title}`,
        type: 'OAuthException',
        code,
        error_data: { messaging_product: 'whatsapp', details: details ?? title },
        ...(subcode === undefined ? {} : { error_subcode: subcode }),
        fbtrace_id: TRACE,
      },
    },
  };
}

beforeAll(async () => {
  peer = jsonPeer((req, raw) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return {
        status: 401,
        json: { error: { message: 'Error validating access token: Session has expired on Friday, 01-Mar-24 10:00:00 PST.', type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: TRACE } },
      };
    }
    const path = /^\/(v\d+\.\d+)\/(\d+)\/messages$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !path || path[2] !== PHONE_ID) {
      return { status: 400, json: { error: { message: 'Unsupported post request.', type: 'GraphMethodException', code: 100, error_subcode: 33, fbtrace_id: TRACE } } };
    }
    let body: SentBody;
    try {
      body = JSON.parse(raw) as SentBody;
    } catch {
      return metaError(400, 100, 'Invalid parameter', 'Request body is not valid JSON');
    }
    seen.push({ url: req.url, contentType: req.headers['content-type'], body });
    return answer(body);
  });
  base = await listenLocal(peer);
});
afterAll(() => closeServer(peer));
afterEach(() => {
  seen.length = 0;
});

// The documented answer to a template send: the contact, and the message id with its status.
const accepted = (b: SentBody): Answer => ({
  status: 200,
  json: {
    messaging_product: 'whatsapp',
    contacts: [{ input: b.to, wa_id: b.to }],
    messages: [{ id: 'wamid.HBgLMTQxNTU1NTAxMjMVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA', message_status: 'accepted' }],
  },
});

/** Approves the template in `languages` only; any other translation is Meta's 132001. */
const approvedIn =
  (...languages: string[]) =>
  (b: SentBody): Answer =>
    languages.includes(b.template.language.code)
      ? accepted(b)
      : metaError(404, 132001, 'Template name does not exist in the translation', `template name (${b.template.name}) does not exist in ${b.template.language.code}`);

const provider = (over: Partial<WhatsappCloudOptions> = {}) =>
  new WhatsappCloudProvider({ accessToken: TOKEN, phoneNumberId: PHONE_ID, templateName: TEMPLATE, baseUrl: base, timeoutMs: TIMEOUT, ...over });

describe('whatsapp cloud provider', () => {
  it('is named whatsapp-cloud', () => {
    expect(provider().name).toBe('whatsapp-cloud');
  });

  it('posts the authentication template with the code in the body and the copy-code button, and a 200 with a message id is sent', async () => {
    answer = accepted;
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.url).toBe(`/v21.0/${PHONE_ID}/messages`);
    expect(seen[0]!.contentType).toBe('application/json');
    expect(seen[0]!.body).toEqual({
      messaging_product: 'whatsapp',
      to: '14155550123',
      type: 'template',
      template: {
        name: TEMPLATE,
        language: { code: 'en' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] },
        ],
      },
    });
  });

  it('uses the configured API version and tolerates a trailing slash on baseUrl', async () => {
    answer = accepted;
    await provider({ apiVersion: 'v23.0', baseUrl: `${base}/` }).deliver(message());
    expect(seen[0]!.url).toBe(`/v23.0/${PHONE_ID}/messages`);
  });

  const languages: Array<[string, string]> = [
    ['en', 'en'],
    ['en-GB', 'en_GB'],
    ['es', 'es'],
    ['es-MX', 'es_MX'],
    ['pt-BR', 'pt_BR'],
    ['pt', 'pt_BR'],
    ['pt-PT', 'pt_PT'],
    ['fr-FR', 'fr'],
    ['de', 'de'],
    ['id', 'id'],
    ['hi-IN', 'hi'],
    ['ms_MY', 'ms'],
    ['ar', 'ar'],
    ['zh', 'zh_CN'],
    ['zh-Hant-TW', 'zh_TW'],
    ['ja', 'ja'],
    ['no', 'nb'],
    ['xx-YY', 'en'],
  ];
  it.each(languages)('locale %s asks for template language %s first', async (locale, code) => {
    answer = accepted;
    await provider().deliver(message({ locale }));
    expect(seen.map((s) => s.body.template.language.code)).toEqual([code]);
  });

  it('falls back region -> language -> languageFallback when Meta has no approved translation (132001)', async () => {
    answer = approvedIn('en');
    await expect(provider().deliver(message({ locale: 'es-MX' }))).resolves.toEqual({ status: 'sent' });
    expect(seen.map((s) => s.body.template.language.code)).toEqual(['es_MX', 'es', 'en']);
  });

  it('stops at the first language that is approved', async () => {
    answer = approvedIn('es', 'en');
    await provider().deliver(message({ locale: 'es-MX' }));
    expect(seen.map((s) => s.body.template.language.code)).toEqual(['es_MX', 'es']);
  });

  it('uses languageFallback for a locale Meta has no template language for', async () => {
    answer = approvedIn('en_US');
    await expect(provider({ languageFallback: 'en_US' }).deliver(message({ locale: 'xx' }))).resolves.toEqual({ status: 'sent' });
    expect(seen.map((s) => s.body.template.language.code)).toEqual(['en_US']);
  });

  it('is permanent, naming every language tried, when no translation exists at all', async () => {
    answer = approvedIn();
    const e = await failure(provider().deliver(message({ locale: 'pt-BR' })));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('132001');
    expect(e.message).toContain('pt_BR, en');
    expect(seen).toHaveLength(2);
  });

  it('treats an expired or wrong access token (401, code 190) as permanent so failover moves on', async () => {
    answer = accepted;
    const e = await failure(provider({ accessToken: 'EAAJBwrong-token' }).deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('190');
    expect(e.message).not.toContain('EAAJBwrong-token');
    expect(seen).toHaveLength(0);
  });

  // Codes, titles and statuses from the Cloud API error reference.
  const permanent: Array<[number, number, string]> = [
    [400, 131026, 'Message Undeliverable'],
    [400, 131047, 'Re-engagement message'],
    [400, 131030, 'Recipient phone number not in allowed list'],
    [400, 132000, 'Number of parameters does not match the expected number of params'],
    [400, 132012, 'Parameter format does not match format in the created template'],
    [400, 132015, 'Template is Paused'],
    [400, 132016, 'Template is Disabled'],
    [400, 100, 'Invalid parameter'],
    [403, 10, 'Permission denied'],
    [403, 200, 'Requires whatsapp_business_messaging permission'],
    [403, 368, 'Temporarily blocked for policies violations'],
    [403, 131031, 'Business Account locked'],
    // Code 3 comes with a 500, yet it is a missing capability that no retry will fix.
    [500, 3, 'Capability or permissions issue'],
  ];
  it.each(permanent)('HTTP %i with code %i is permanent', async (status, code, title) => {
    answer = () => metaError(status, code, title);
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain(`error ${code}`);
    expect(e.message).toContain(TRACE);
    expect(seen).toHaveLength(1);
  });

  // Meta returns its throttles as HTTP 400 with a code, so the code has to decide.
  const transient: Array<[number, number | null, string, number?]> = [
    [400, 130429, 'Rate limit hit', 2494055],
    [400, 131048, 'Spam rate limit hit'],
    [400, 131056, '(Business Account, Consumer Account) pair rate limit hit'],
    [400, 4, 'Application request limit reached'],
    [400, 80007, 'Rate limit issues'],
    [400, 1, 'An unknown error occurred'],
    [503, 2, 'Service temporarily unavailable'],
    [500, 131000, 'Something went wrong'],
    [500, 131016, 'Service unavailable'],
    [503, null, ''],
    [429, null, ''],
  ];
  it.each(transient)('HTTP %i with code %s is transient', async (status, code, title, subcode) => {
    answer = () => (code === null ? { status, raw: '<html>Service Unavailable</html>' } : metaError(status, code, title, undefined, subcode));
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
    if (code !== null) expect(e.message).toContain(`error ${code}`);
    if (subcode !== undefined) expect(e.message).toContain(`subcode ${subcode}`);
  });

  it('treats a 200 without a message id as transient: Meta may not have taken it', async () => {
    answer = () => ({ status: 200, json: { messaging_product: 'whatsapp', contacts: [] } });
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(false);
  });

  it('never puts the code or the token into the error, even when Meta echoes them', async () => {
    answer = (b) =>
      metaError(400, 131009, 'Parameter value is not valid', `Invalid text parameter ${JSON.stringify(b.template.components)} (482913) for token ${TOKEN}`);
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('131009');
    expect(e.message).not.toContain('482913');
    expect(e.message).not.toContain(TOKEN);
  });

  unreachablePeerCases((baseUrl) => provider({ baseUrl }), TIMEOUT);

  it('refuses a configuration without a token, phone number ID or template', () => {
    expect(() => provider({ accessToken: '' })).toThrow(/accessToken/);
    expect(() => provider({ phoneNumberId: '' })).toThrow(/phoneNumberId/);
    expect(() => provider({ templateName: '' })).toThrow(/templateName/);
  });
});
