// Property: the Twilio voice provider places the call Twilio's Calls API expects, reads the code digit by digit twice in the verification's language, and classifies each documented failure correctly.
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TwilioVoiceProvider, type TwilioVoiceOptions } from '../src/channels/voice/twilio-voice-provider.js';
import { VOICE_LOCALES, voiceFor } from '../src/channels/voice/voice-script.js';
import { BUILTIN_LOCALES } from '../src/core/templates.js';
import { closeServer, failure, jsonPeer, listenLocal, outboundMessage, unreachablePeerCases } from './helpers/provider.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-auth-token-0123456789';
const FROM = '+15005550006';
const TIMEOUT = 300;
const CALL_SID = 'CA0123456789abcdef0123456789abcdef';

const message = (over: Parameters<typeof outboundMessage>[0] = {}) => outboundMessage({ channel: 'voice', ...over });

// ---- a stand-in for api.twilio.com that checks requests the way Twilio does ----

interface Seen {
  method: string | undefined;
  url: string | undefined;
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
    if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${SID}/Calls.json`) {
      return twilioError(404, 20404, 'The requested resource was not found');
    }
    const fields = Object.fromEntries(new URLSearchParams(raw));
    seen.push({ method: req.method, url: req.url, fields, contentType: req.headers['content-type'] });
    return answer(fields);
  });
  base = await listenLocal(peer);
});
afterAll(() => closeServer(peer));
afterEach(() => {
  seen.length = 0;
});

// Twilio's documented answer to a create-call request: the call resource, queued.
const created = (f: Record<string, string>): Answer => ({
  status: 201,
  json: {
    account_sid: SID,
    annotation: null,
    answered_by: null,
    api_version: '2010-04-01',
    caller_name: null,
    date_created: null,
    date_updated: null,
    direction: 'outbound-api',
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: f.From,
    from_formatted: '(500) 555-0006',
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: 'PN0123456789abcdef0123456789abcdef',
    price: null,
    price_unit: 'USD',
    sid: CALL_SID,
    start_time: null,
    status: 'queued',
    subresource_uris: { notifications: `/2010-04-01/Accounts/${SID}/Calls/${CALL_SID}/Notifications.json` },
    to: f.To,
    to_formatted: '(415) 555-0123',
    trunk_sid: null,
    uri: `/2010-04-01/Accounts/${SID}/Calls/${CALL_SID}.json`,
    queue_time: '1000',
  },
});

const provider = (over: Partial<TwilioVoiceOptions> = {}) =>
  new TwilioVoiceProvider({ accountSid: SID, authToken: TOKEN, from: FROM, baseUrl: base, timeoutMs: TIMEOUT, ...over });

// ---- reading the TwiML back the way Twilio would ----

type Verb = { verb: 'Say'; language: string; voice: string; text: string } | { verb: 'Pause'; length: number };

const unescape = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);

/** Parses the TwiML this provider writes: a Response holding only Say (language, voice) and Pause (length) verbs. */
function parseTwiml(twiml: string): Verb[] {
  const inner = /^<Response>(.*)<\/Response>$/s.exec(twiml);
  expect(inner, `not a <Response> document: ${twiml}`).not.toBeNull();
  const verbs: Verb[] = [];
  const token = /<Say language="([^"<>&]*)" voice="([^"<>&]*)">([^<]*)<\/Say>|<Pause length="(\d+)"\/>/gy;
  let rest = inner![1]!;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = token.exec(rest)) !== null) {
    at = token.lastIndex;
    verbs.push(m[4] !== undefined ? { verb: 'Pause', length: Number(m[4]) } : { verb: 'Say', language: m[1]!, voice: m[2]!, text: unescape(m[3]!) });
  }
  rest = rest.slice(at);
  expect(rest, 'TwiML has content that is neither <Say> nor <Pause>').toBe('');
  return verbs;
}

const says = (verbs: Verb[]) => verbs.filter((v): v is Extract<Verb, { verb: 'Say' }> => v.verb === 'Say');

async function twimlFor(over: Parameters<typeof outboundMessage>[0]): Promise<Verb[]> {
  answer = created;
  await expect(provider().deliver(message(over))).resolves.toEqual({ status: 'sent' });
  expect(seen).toHaveLength(1);
  return parseTwiml(seen[0]!.fields.Twiml!);
}

describe('twilio voice provider', () => {
  it('is named twilio-voice', () => {
    expect(provider().name).toBe('twilio-voice');
  });

  it('posts To, From and inline Twiml as a form with Basic auth to Calls.json, and a 201 is sent', async () => {
    answer = created;
    await expect(provider().deliver(message())).resolves.toEqual({ status: 'sent' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    expect(seen[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.keys(seen[0]!.fields).sort()).toEqual(['From', 'To', 'Twiml']);
    expect(seen[0]!.fields.To).toBe('+14155550123');
    expect(seen[0]!.fields.From).toBe(FROM);
  });

  it('says the sentence and then the code one digit at a time, twice, with pauses, in en-US', async () => {
    const verbs = await twimlFor({ locale: 'en', code: '482913' });
    const voice = { language: 'en-US', voice: VOICE_LOCALES['en']!.voice };
    const intro = { verb: 'Say', ...voice, text: 'Your Acme verification code is' };
    const digits = { verb: 'Say', ...voice, text: '4, 8, 2, 9, 1, 3.' };
    expect(verbs).toEqual([intro, { verb: 'Pause', length: 1 }, digits, { verb: 'Pause', length: 2 }, intro, { verb: 'Pause', length: 1 }, digits]);
    // Each spoken group is a single character, and together they are the code, in both readings.
    const readings = says(verbs).filter((s) => s.text !== intro.text);
    expect(readings).toHaveLength(2);
    for (const r of readings) {
      const chars = r.text.replace(/\.$/, '').split(', ');
      expect(chars.every((c) => c.length === 1)).toBe(true);
      expect(chars.join('')).toBe('482913');
    }
  });

  const languages: Array<[string, string, string]> = [
    ['es', 'es-ES', 'Tu código de verificación de Acme es'],
    ['pt-BR', 'pt-BR', 'Seu código de verificação do Acme é'],
    ['fr-FR', 'fr-FR', 'Votre code de vérification Acme est'],
    ['de', 'de-DE', 'Ihr Acme-Bestätigungscode lautet'],
    ['id', 'id-ID', 'Kode verifikasi Acme Anda adalah'],
    ['hi-IN', 'hi-IN', 'आपका Acme सत्यापन कोड है'],
    ['ms', 'ms-MY', 'Kod pengesahan Acme anda ialah'],
    ['ar', 'ar-XA', 'رمز التحقق الخاص بك في Acme هو'],
    ['zh-CN', 'cmn-CN', '您的 Acme 验证码是'],
    ['ja_JP', 'ja-JP', 'Acme の認証コードは'],
    ['tr', 'tr-TR', 'Acme doğrulama kodunuz'],
    // No voice for these: English, not silence or an invalid language.
    ['sw-KE', 'en-US', 'Your Acme verification code is'],
    ['xx', 'en-US', 'Your Acme verification code is'],
  ];
  it.each(languages)('locale %s is spoken in %s', async (locale, language, intro) => {
    const verbs = says(await twimlFor({ locale }));
    expect(verbs.map((s) => s.text)).toEqual([intro, '4, 8, 2, 9, 1, 3.', intro, '4, 8, 2, 9, 1, 3.']);
    expect(new Set(verbs.map((s) => s.language))).toEqual(new Set([language]));
    // The voice must be one that speaks that language, or Twilio refuses the <Say>.
    for (const s of verbs) expect(s.voice).toMatch(new RegExp(`^Google\\.${language}-`));
  });

  it('has its own voice and sentence for every built-in locale', () => {
    for (const locale of BUILTIN_LOCALES) {
      expect(voiceFor(locale), locale).toBe(VOICE_LOCALES[locale]);
      expect(VOICE_LOCALES[locale]!.intro, locale).toContain('{app}');
    }
  });

  it('reads letters of an alphanumeric code one by one, upper-cased', async () => {
    const verbs = says(await twimlFor({ code: 'a7kx' }));
    expect(verbs[1]!.text).toBe('A, 7, K, X.');
  });

  it('XML-escapes the app name and drops control characters, so the TwiML stays valid', async () => {
    const appName = 'Tom & Jerry\'s <"Q">\u0007';
    const verbs = await twimlFor({ account: { ...outboundMessage().account, appName } });
    expect(says(verbs)[0]!.text).toBe('Your Tom & Jerry\'s <"Q"> verification code is');
    expect(seen[0]!.fields.Twiml).not.toContain('<"Q">');
    expect(seen[0]!.fields.Twiml).not.toContain('\u0007');
  });

  it('treats wrong credentials (401, error 20003) as permanent so failover moves on', async () => {
    answer = created;
    const e = await failure(provider({ authToken: 'wrong-token' }).deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).toContain('20003');
    expect(e.message).not.toContain('wrong-token');
    expect(seen).toHaveLength(0);
  });

  // Error texts as Twilio documents them (https://www.twilio.com/docs/api/errors/<code>).
  const permanent: Array<[number, number, string]> = [
    [400, 21211, "The 'To' number +14155550123 is not a valid phone number."],
    [400, 21214, "'To' phone number cannot be reached"],
    [400, 21215, 'Account not authorized to call +14155550123. Perhaps you need to enable some international permissions: https://www.twilio.com/console/voice/calls/geo-permissions/low-risk'],
    [400, 21216, 'Account not allowed to call +14155550123'],
    [400, 21217, 'Phone number does not appear to be valid'],
    [400, 21210, "The source phone number provided, +15005550006, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio."],
    [400, 21219, "The number +14155550123 is unverified. Trial accounts may only make calls to verified numbers."],
    [403, 20403, 'Forbidden'],
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

  it('never puts the code into the error, even when Twilio echoes the TwiML or the code', async () => {
    answer = (f) => twilioError(400, 21217, `Phone number does not appear to be valid for call ${f.Twiml} (reading 4, 8, 2, 9, 1, 3 / 482913)`);
    const e = await failure(provider().deliver(message()));
    expect(e.permanent).toBe(true);
    expect(e.message).not.toContain('482913');
    expect(e.message).not.toContain('4, 8, 2, 9, 1, 3');
    expect(e.message).not.toContain(TOKEN);
  });

  unreachablePeerCases((baseUrl) => provider({ baseUrl }), TIMEOUT);

  it('refuses a configuration without a from number or credentials', () => {
    expect(() => provider({ from: '' })).toThrow(/from/);
    expect(() => provider({ authToken: '' })).toThrow(/authToken/);
  });
});
