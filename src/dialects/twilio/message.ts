// What a Verification's parameters do to the message: Locale, CustomMessage, PSD2 amount/payee, Android AppHash.
import { builtinTemplate } from '../../core/templates.js';
import { invalidParam } from './errors.js';

// The locales Twilio's default Verify template supports; any other Locale is refused as Twilio refuses it.
const LOCALES = [
  'af', 'ar', 'bg', 'bn', 'ca', 'cs', 'da', 'de', 'el', 'en', 'en-gb', 'es', 'es-419', 'et', 'fi', 'fr', 'gu', 'he', 'hi', 'hr', 'hu', 'id',
  'it', 'ja', 'kn', 'ko', 'lt', 'lv', 'ml', 'mr', 'ms', 'nb', 'nl', 'pa', 'pl', 'pt', 'pt-br', 'ro', 'ru', 'sk', 'sl', 'sv', 'sw', 'ta', 'te',
  'th', 'tl', 'tr', 'uk', 'ur', 'vi', 'zh', 'zh-cn', 'zh-hk',
];

/** The Locale as otpd stores it (`pt_BR` -> `pt-BR`), or null when Twilio would not support it. */
export function supportedLocale(raw: string): string | null {
  const l = raw.replace(/_/g, '-');
  if (!LOCALES.includes(l.toLowerCase())) return null;
  const [lang, region] = l.split('-');
  return region ? `${lang!.toLowerCase()}-${region.length === 2 ? region.toUpperCase() : region}` : lang!.toLowerCase();
}

// Values from the request must not inject otpd placeholders into the body.
const plain = (s: string): string => s.replace(/[{}]/g, '');

export interface MessageInput {
  locale: string;
  customMessage?: string;
  psd2?: { amount: string; payee: string };
  appHash?: string;
}

/**
 * A per-verification body, or undefined to let the account's templates and the built-in ones apply.
 * Only the parameters that change the text produce one.
 */
export function messageFor(m: MessageInput): string | undefined {
  let body: string | undefined;
  if (m.customMessage !== undefined) {
    body = m.customMessage.replace(/\{\{\s*code\s*\}\}/g, '{code}');
    if (!body.includes('{code}')) throw invalidParam('CustomMessage', 'must contain the {code} placeholder');
  }
  if (m.psd2) body = `${body ?? builtinTemplate(m.locale)} Amount: ${plain(m.psd2.amount)}. Payee: ${plain(m.psd2.payee)}.`;
  // Android's SMS Retriever wants "<#> " first and the app hash on the last line.
  if (m.appHash) body = `<#> ${body ?? builtinTemplate(m.locale)}\n${plain(m.appHash)}`;
  return body;
}
