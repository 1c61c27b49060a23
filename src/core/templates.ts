// Built-in message templates per locale, and rendering of {code}, {app} and {minutes}.

/** Default message bodies; the language part of a locale (pt-BR -> pt) picks one, else English. */
export const BUILTIN_TEMPLATES: Readonly<Record<string, string>> = Object.freeze({
  en: 'Your {app} verification code is {code}. It expires in {minutes} minutes. Do not share it with anyone.',
  es: 'Tu código de verificación de {app} es {code}. Caduca en {minutes} minutos. No lo compartas con nadie.',
  pt: 'Seu código de verificação do {app} é {code}. Ele expira em {minutes} minutos. Não o compartilhe com ninguém.',
  fr: 'Votre code de vérification {app} est {code}. Il expire dans {minutes} minutes. Ne le partagez avec personne.',
  de: 'Ihr {app}-Bestätigungscode lautet {code}. Er läuft in {minutes} Minuten ab. Geben Sie ihn an niemanden weiter.',
  id: 'Kode verifikasi {app} Anda adalah {code}. Berlaku selama {minutes} menit. Jangan berikan kode ini kepada siapa pun.',
  hi: 'आपका {app} सत्यापन कोड {code} है। यह {minutes} मिनट में समाप्त हो जाएगा। इसे किसी के साथ साझा न करें।',
  ms: 'Kod pengesahan {app} anda ialah {code}. Ia tamat tempoh dalam {minutes} minit. Jangan kongsi dengan sesiapa.',
  ar: 'رمز التحقق الخاص بك في {app} هو {code}. تنتهي صلاحيته خلال {minutes} دقائق. لا تشاركه مع أي شخص.',
  zh: '您的 {app} 验证码是 {code}，{minutes} 分钟内有效。请勿与任何人分享。',
  it: 'Il tuo codice di verifica {app} è {code}. Scade tra {minutes} minuti. Non condividerlo con nessuno.',
  nl: 'Je {app}-verificatiecode is {code}. Deze verloopt over {minutes} minuten. Deel hem met niemand.',
  ja: '{app} の認証コードは {code} です。有効期限は {minutes} 分です。誰にも教えないでください。',
  ru: 'Ваш код подтверждения {app}: {code}. Он действует {minutes} мин. Никому его не сообщайте.',
  tr: '{app} doğrulama kodunuz {code}. {minutes} dakika içinde geçerliliğini yitirir. Kimseyle paylaşmayın.',
});

export const BUILTIN_LOCALES = Object.keys(BUILTIN_TEMPLATES);

/** The built-in body for `locale`, falling back from region to language to English. */
export function builtinTemplate(locale: string): string {
  const lang = locale.toLowerCase().split(/[-_]/)[0] ?? 'en';
  return BUILTIN_TEMPLATES[locale.toLowerCase()] ?? BUILTIN_TEMPLATES[lang] ?? BUILTIN_TEMPLATES['en']!;
}

export interface TemplateVars {
  code: string;
  app: string;
  minutes: number;
}

/** Substitutes the three placeholders; unknown placeholders are left as written. */
export function renderTemplate(body: string, vars: TemplateVars): string {
  return body.replace(/\{(code|app|minutes)\}/g, (_, k: keyof TemplateVars) => String(vars[k]));
}

/** A template body is usable only if it carries the code. */
export function templateHasCode(body: string): boolean {
  return body.includes('{code}');
}
