// Picks the template for a send (explicit id, account override, built-in) and renders it.
import { builtinTemplate, renderTemplate } from '../core/templates.js';
import type { Account, VerificationRecord } from '../core/types.js';
import type { Store } from '../store/types.js';

export async function renderMessage(store: Pick<Store, 'getTemplate' | 'findTemplate'>, account: Account, v: VerificationRecord, code: string): Promise<string> {
  const lang = v.locale.split(/[-_]/)[0] ?? v.locale;
  // A per-verification message wins; then an explicit template, the account's override, the built-in one.
  const custom = v.message
    ? null
    : ((v.templateId ? await store.getTemplate(account.id, v.templateId) : null) ??
      (await store.findTemplate(account.id, v.channel, v.locale)) ??
      (lang !== v.locale ? await store.findTemplate(account.id, v.channel, lang) : null));
  const minutes = Math.max(1, Math.ceil((v.expiresAt - v.createdAt) / 60_000));
  return renderTemplate(v.message ?? custom?.body ?? builtinTemplate(v.locale), { code, app: v.appName ?? account.appName, minutes });
}
