// What a verification call says: the per-locale sentence, the Twilio <Say> voice that speaks it, and the TwiML around the code.

export interface VoiceLocale {
  /** Twilio <Say> `language`: the locale of the voice below, as Twilio's text-to-speech table names it. */
  language: string;
  /** Twilio <Say> `voice`. */
  voice: string;
  /** Spoken before the code; {app} is the account's app name. */
  intro: string;
}

/**
 * One entry per built-in locale of src/core/templates.ts. Twilio's basic voices (man, woman) speak
 * only a few languages and its Polly voices miss Indonesian and Malay, so every language uses a
 * Google standard voice from Twilio's text-to-speech table
 * (https://www.twilio.com/docs/voice/twiml/say/text-speech): one vendor, one price tier, and all fifteen
 * languages covered. Google names Arabic ar-XA and Mandarin cmn-CN, and Twilio's `language` must match
 * the voice. A locale without an entry (region, then language) falls back to en-US.
 */
export const VOICE_LOCALES: Readonly<Record<string, VoiceLocale>> = Object.freeze({
  en: { language: 'en-US', voice: 'Google.en-US-Standard-C', intro: 'Your {app} verification code is' },
  es: { language: 'es-ES', voice: 'Google.es-ES-Standard-B', intro: 'Tu código de verificación de {app} es' },
  pt: { language: 'pt-BR', voice: 'Google.pt-BR-Standard-B', intro: 'Seu código de verificação do {app} é' },
  fr: { language: 'fr-FR', voice: 'Google.fr-FR-Standard-A', intro: 'Votre code de vérification {app} est' },
  de: { language: 'de-DE', voice: 'Google.de-DE-Standard-A', intro: 'Ihr {app}-Bestätigungscode lautet' },
  id: { language: 'id-ID', voice: 'Google.id-ID-Standard-A', intro: 'Kode verifikasi {app} Anda adalah' },
  hi: { language: 'hi-IN', voice: 'Google.hi-IN-Standard-A', intro: 'आपका {app} सत्यापन कोड है' },
  ms: { language: 'ms-MY', voice: 'Google.ms-MY-Standard-A', intro: 'Kod pengesahan {app} anda ialah' },
  ar: { language: 'ar-XA', voice: 'Google.ar-XA-Standard-A', intro: 'رمز التحقق الخاص بك في {app} هو' },
  zh: { language: 'cmn-CN', voice: 'Google.cmn-CN-Standard-A', intro: '您的 {app} 验证码是' },
  it: { language: 'it-IT', voice: 'Google.it-IT-Standard-B', intro: 'Il tuo codice di verifica {app} è' },
  nl: { language: 'nl-NL', voice: 'Google.nl-NL-Standard-A', intro: 'Je {app}-verificatiecode is' },
  ja: { language: 'ja-JP', voice: 'Google.ja-JP-Standard-B', intro: '{app} の認証コードは' },
  ru: { language: 'ru-RU', voice: 'Google.ru-RU-Standard-A', intro: 'Ваш код подтверждения {app}:' },
  tr: { language: 'tr-TR', voice: 'Google.tr-TR-Standard-A', intro: '{app} doğrulama kodunuz' },
});

/** The voice entry for `locale`: region, then language, then English (en-US). */
export function voiceFor(locale: string): VoiceLocale {
  const lc = locale.toLowerCase().replace(/_/g, '-');
  const lang = lc.split('-')[0] ?? 'en';
  return VOICE_LOCALES[lc] ?? VOICE_LOCALES[lang] ?? VOICE_LOCALES['en']!;
}

/**
 * The code as it is spoken: one character at a time, separated by ", " so the voice reads "4, 8, 2"
 * rather than "four hundred eighty-two", and pauses briefly between them. Letters are upper-cased
 * (codes compare case-insensitively) so a lone "a" or "i" is read as a letter, not as a word.
 */
export function spokenCode(code: string): string {
  return [...code.toUpperCase()].join(', ');
}

/** Escapes text for an XML element or a double-quoted attribute. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Inline TwiML for one verification call: the sentence, a pause, the code character by character,
 * and all of it a second time, so a listener who missed the start still hears the whole code.
 */
export function codeTwiml(locale: string, appName: string, code: string): string {
  const v = voiceFor(locale);
  // Control characters are not allowed in XML 1.0 and would make Twilio refuse the whole document.
  const app = appName.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  // A replacer function, so a `$&` in the app name is taken literally.
  const intro = v.intro.replace('{app}', () => app);
  const say = (text: string) => `<Say language="${escapeXml(v.language)}" voice="${escapeXml(v.voice)}">${escapeXml(text)}</Say>`;
  const once = `${say(intro)}<Pause length="1"/>${say(`${spokenCode(code)}.`)}`;
  return `<Response>${once}<Pause length="2"/>${once}</Response>`;
}
