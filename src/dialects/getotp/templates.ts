// GetOTP message templates, referenced by UUID: the dialect's own (kept under the client's existing UUID) or otpd's native ones.
import { templateHasCode } from '../../core/templates.js';
import type { DialectContext } from '../types.js';
import { fail } from './errors.js';
import { isUuid } from './ids.js';

const DIALECT = 'getotp';
const KIND = 'template';
export const MAX_TEMPLATE_BODY = 1600;
const MAX_TEMPLATE_NAME = 100;

export interface GetOtpTemplate {
  id: string;
  name: string | null;
  body: string;
  createdAt: number;
  /** 'getotp' for a template registered through this dialect, 'native' for one made with otpd's /v1/templates. */
  source: 'getotp' | 'native';
}

/** The template id of a request, checked for shape: missing is 1622, not a UUID is 1512. */
export function templateIdOf(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') throw fail('1622');
  if (typeof raw !== 'string' || !isUuid(raw.trim())) throw fail('1512');
  return raw.trim().toLowerCase();
}

/** The template named `id` in the caller's account, dialect ones first (so an app keeps the UUIDs it used with GetOTP); null when unknown. */
export async function findTemplate(ctx: DialectContext, accountId: string, id: string): Promise<GetOtpTemplate | null> {
  const own = await ctx.store.dialects.getState(DIALECT, accountId, KIND, id, ctx.clock.now());
  if (own) {
    const v = JSON.parse(own.value) as { name: string | null; body: string; createdAt: number };
    return { id, name: v.name, body: v.body, createdAt: v.createdAt, source: 'getotp' };
  }
  const native = await ctx.store.getTemplate(accountId, id);
  return native ? { id, name: null, body: native.body, createdAt: native.createdAt, source: 'native' } : null;
}

/** The template a verification uses: unknown is 1513, a body without {code} is 1624. */
export async function resolveTemplate(ctx: DialectContext, accountId: string, id: string): Promise<GetOtpTemplate> {
  const t = await findTemplate(ctx, accountId, id);
  if (!t) throw fail('1513');
  // Bodies are checked when saved too; this guards templates written by other means (an import, an older version).
  if (!templateHasCode(t.body)) throw fail('1624');
  return t;
}

/** Validated fields of a template upsert body `{data: {body, name?}}`. */
export function parseTemplateBody(raw: unknown): { body: string; name: string | null } {
  const data = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>)['data'] : undefined;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw fail('1900', 'The body must be {"data": {"body": "... {code} ..."}}.');
  const d = data as Record<string, unknown>;
  const body = d['body'];
  if (typeof body !== 'string' || body.trim() === '' || body.length > MAX_TEMPLATE_BODY) {
    throw fail('1915', `'body' is missing or invalid: a non-empty string of at most ${MAX_TEMPLATE_BODY} characters.`);
  }
  if (!templateHasCode(body)) throw fail('1624');
  const name = d['name'];
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_TEMPLATE_NAME)) {
    throw fail('1900', `'name' must be a string of at most ${MAX_TEMPLATE_NAME} characters.`);
  }
  return { body, name: typeof name === 'string' ? name : null };
}

/** Creates or replaces the dialect template `id` of an account. */
export async function putTemplate(ctx: DialectContext, accountId: string, id: string, t: { body: string; name: string | null }): Promise<GetOtpTemplate> {
  const now = ctx.clock.now();
  const prev = await ctx.store.dialects.getState(DIALECT, accountId, KIND, id, now);
  const createdAt = prev ? (JSON.parse(prev.value) as { createdAt: number }).createdAt : now;
  await ctx.store.dialects.putState({ dialect: DIALECT, accountId, kind: KIND, key: id, value: JSON.stringify({ ...t, createdAt }), expiresAt: null });
  return { id, ...t, createdAt, source: 'getotp' };
}

/** Removes the dialect template `id`; false when there was none (native templates are removed with otpd's own API). */
export async function deleteTemplate(ctx: DialectContext, accountId: string, id: string): Promise<boolean> {
  return (await ctx.store.dialects.takeState(DIALECT, accountId, KIND, id, ctx.clock.now())) !== null;
}

/** A template as the dialect's template endpoints show it. */
export function templateView(t: GetOtpTemplate): Record<string, unknown> {
  return { id: t.id, name: t.name, body: t.body, source: t.source, create_date: new Date(t.createdAt).toISOString() };
}
