// Maps a verification's BCP 47 locale to the WhatsApp template language codes to try, most specific first.

/**
 * Language codes Meta accepts for message templates
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages).
 * Meta spells them with an underscore and is case-sensitive: `pt_BR`, never `pt-BR` or `pt_br`.
 * Only codes on this list are ever sent, because Meta may refuse an unknown code outright instead of
 * answering "template not found in this language", and only the latter lets us fall back.
 */
export const META_TEMPLATE_LANGUAGES: ReadonlySet<string> = new Set([
  'af', 'sq', 'ar', 'ar_AE', 'ar_EG', 'ar_LB', 'ar_MA', 'ar_QA', 'az', 'bn', 'bn_IN', 'bg', 'ca',
  'zh_CN', 'zh_HK', 'zh_TW', 'hr', 'cs', 'da', 'nl', 'nl_BE', 'en', 'en_AE', 'en_AU', 'en_CA', 'en_GB',
  'en_GH', 'en_US', 'et', 'fil', 'fi', 'fr', 'de', 'el', 'gu', 'ha', 'he', 'hi', 'hu', 'id', 'ga', 'it',
  'ja', 'kn', 'kk', 'ko', 'lo', 'lv', 'lt', 'mk', 'ms', 'ml', 'mr', 'nb', 'fa', 'pl', 'pt_BR', 'pt_PT',
  'pa', 'ro', 'ru', 'sr', 'sk', 'sl', 'es', 'es_AR', 'es_ES', 'es_MX', 'sw', 'sv', 'ta', 'te', 'th',
  'tr', 'uk', 'ur', 'uz', 'vi', 'zu',
]);

/** Languages Meta lists only with a region: the bare language picks the most common one. */
const DEFAULT_REGION: Readonly<Record<string, string>> = { pt: 'pt_BR', zh: 'zh_CN' };

/** BCP 47 language subtags Meta spells differently. */
const ALIASES: Readonly<Record<string, string>> = { no: 'nb', tl: 'fil', iw: 'he', in: 'id' };

/**
 * The codes to try for `locale`, in order: the exact region (es-MX -> es_MX), then the language
 * (es, or pt_BR / zh_CN where Meta has no bare code), then `fallback`. A template is approved per
 * language, so an integrator who created only some translations still reaches every user.
 */
export function templateLanguages(locale: string, fallback: string): string[] {
  const [rawLang = '', ...rest] = locale.split(/[-_]/);
  const lang = ALIASES[rawLang.toLowerCase()] ?? rawLang.toLowerCase();
  // The region is the two-letter subtag, wherever a script subtag puts it (zh-Hant-TW -> TW).
  const region = rest.find((p) => /^[A-Za-z]{2}$/.test(p))?.toUpperCase();
  const out: string[] = [];
  const add = (c: string | undefined) => {
    if (c && META_TEMPLATE_LANGUAGES.has(c) && !out.includes(c)) out.push(c);
  };
  if (region) add(`${lang}_${region}`);
  add(META_TEMPLATE_LANGUAGES.has(lang) ? lang : DEFAULT_REGION[lang]);
  // The fallback is the integrator's own choice, so it is sent even if it is missing from our list.
  if (fallback && !out.includes(fallback)) out.push(fallback);
  return out;
}
