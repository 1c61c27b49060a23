// Picks the template for a send (explicit id, account override, built-in) and renders it.
import { builtinTemplate, renderTemplate } from '../core/templates.js';
import type { Account, Channel, VerificationRecord } from '../core/types.js';
import type { Store } from '../store/types.js';

/**
 * The text of a send on `channel`. A per-verification message wins; then the explicit template, when it
 * is for this channel (a resend or fallback on another channel is worded by that channel's own
 * template); then the account's template for the channel and locale (or the locale's language); then
 * the built-in one.
 */
export async function renderMessage(store: Pick<Store, 'getTemplate' | 'findTemplate'>, account: Account, v: VerificationRecord, code: string, channel: Channel): Promise<string> {
  const lang = v.locale.split(/[-_]/)[0] ?? v.locale;
  const explicit = !v.message && v.templateId ? await store.getTemplate(account.id, v.templateId) : null;
  const custom = v.message
    ? null
    : ((explicit?.channel === channel ? explicit : null) ??
      (await store.findTemplate(account.id, channel, v.locale)) ??
      (lang !== v.locale ? await store.findTemplate(account.id, channel, lang) : null));
  const minutes = Math.max(1, Math.ceil((v.expiresAt - v.createdAt) / 60_000));
  return renderTemplate(v.message ?? custom?.body ?? builtinTemplate(v.locale), { code, app: v.appName ?? account.appName, minutes });
}
