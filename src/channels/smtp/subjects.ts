// Localised email subject lines for the built-in locales, with {app} filled in from the account.

/**
 * One subject per built-in locale of src/core/templates.ts. The code is left out on purpose:
 * subjects show in notification previews and mailbox lists, where the code should not sit.
 */
export const SUBJECTS: Readonly<Record<string, string>> = Object.freeze({
  en: 'Your {app} verification code',
  es: 'Tu código de verificación de {app}',
  pt: 'Seu código de verificação do {app}',
  fr: 'Votre code de vérification {app}',
  de: 'Ihr {app}-Bestätigungscode',
  id: 'Kode verifikasi {app} Anda',
  hi: 'आपका {app} सत्यापन कोड',
  ms: 'Kod pengesahan {app} anda',
  ar: 'رمز التحقق الخاص بك في {app}',
  zh: '您的 {app} 验证码',
  it: 'Il tuo codice di verifica {app}',
  nl: 'Je {app}-verificatiecode',
  ja: '{app} の認証コード',
  ru: 'Ваш код подтверждения {app}',
  tr: '{app} doğrulama kodunuz',
});

/** The subject for `locale` (region, then language, then English), naming `appName`. */
export function subjectFor(locale: string, appName: string): string {
  const lc = locale.toLowerCase();
  const lang = lc.split(/[-_]/)[0] ?? 'en';
  const template = SUBJECTS[lc] ?? SUBJECTS[lang] ?? SUBJECTS['en']!;
  // Control characters in an account's app name must not reach a header line.
  const app = appName.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  // A replacer function, so a `$&` or `$'` in the app name is taken literally.
  return template.replace('{app}', () => app);
}
