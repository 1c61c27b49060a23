// Reading Twilio's form-encoded parameters: one value each, typed, bounded, or a 60200 naming the parameter.
import { invalidParam } from './errors.js';

/** A parsed form body (or query string): names as Twilio spells them. */
export type Form = Readonly<Record<string, unknown>>;

// Control characters other than tab and newlines never belong in a parameter value.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The request body as a form; a request without a body has no parameters. */
export function formOf(body: unknown): Form {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidParam('body', 'send the parameters form-encoded');
  return body as Form;
}

/** A string parameter; empty means absent, as in Twilio's helper libraries which omit unset values. */
export function str(f: Form, name: string, o: { max?: number; required?: boolean } = {}): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(f, name) ? f[name] : undefined;
  if (Array.isArray(v)) throw invalidParam(name, 'must be given once');
  if (v !== undefined && typeof v !== 'string') throw invalidParam(name, 'must be a string');
  if (v === undefined || v === '') {
    if (o.required) throw invalidParam(name, 'is required');
    return undefined;
  }
  if (v.length > (o.max ?? 1024)) throw invalidParam(name, `must be at most ${o.max ?? 1024} characters`);
  if (CONTROL.test(v)) throw invalidParam(name, 'contains control characters');
  return v;
}

/** A required string parameter. */
export function need(f: Form, name: string, max?: number): string {
  return str(f, name, { max, required: true })!;
}

/** `true` / `false` (any case), as Twilio's helpers serialize booleans. */
export function bool(f: Form, name: string): boolean | undefined {
  const v = str(f, name, { max: 5 });
  if (v === undefined) return undefined;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw invalidParam(name, 'must be true or false');
}

/** An integer within [min, max]. */
export function int(f: Form, name: string, min: number, max: number): number | undefined {
  const v = str(f, name, { max: 12 });
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw invalidParam(name, `must be an integer from ${min} to ${max}`);
  return Number(v);
}

/** One of a closed set of values, compared case-insensitively and returned as listed. */
export function oneOf<T extends string>(f: Form, name: string, values: readonly T[]): T | undefined {
  const v = str(f, name, { max: 64 });
  if (v === undefined) return undefined;
  const hit = values.find((x) => x.toLowerCase() === v.toLowerCase());
  if (!hit) throw invalidParam(name, `must be one of ${values.join(', ')}`);
  return hit;
}

/** A parameter carrying a JSON object (RateLimits, ChannelConfiguration, Tags, …). */
export function jsonObject(f: Form, name: string, max = 4096): Record<string, unknown> | undefined {
  const v = str(f, name, { max });
  if (v === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw invalidParam(name, 'must be a JSON object');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParam(name, 'must be a JSON object');
  return parsed as Record<string, unknown>;
}
