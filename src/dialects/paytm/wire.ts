// Paytm's {head, body} envelope: reading request fields in Paytm's terms, and writing responses.
import type { FastifyReply } from 'fastify';
import { illegal, missing, PaytmError, RESULTS, type PaytmApi, type ResultInfo } from './errors.js';

export type Obj = Record<string, unknown>;

export interface Envelope {
  head: Obj;
  body: Obj;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's head and body; a body that is not a JSON object is 400 2222, a missing head or body Paytm's "missing" code. */
export function envelope(raw: unknown, api: PaytmApi): Envelope {
  if (!isObj(raw)) throw new PaytmError(RESULTS.invalidBody, 400);
  if (raw['head'] === undefined || raw['body'] === undefined || raw['head'] === null || raw['body'] === null) throw missing(api);
  if (!isObj(raw['head']) || !isObj(raw['body'])) throw new PaytmError(RESULTS.invalidBody);
  return { head: raw['head'], body: raw['body'] };
}

export interface FieldRule {
  required?: boolean;
  max?: number;
  pattern?: RegExp;
  /** Numbers are accepted and read as their decimal text (some clients send an OTP or a timestamp as a number). */
  numberOk?: boolean;
}

/** A string field of `o` in Paytm's terms: absent -> undefined (or the API's "missing" code), wrong type or shape -> "illegal". */
export function field(o: Obj, name: string, api: PaytmApi, rule: FieldRule = {}): string | undefined {
  let v = o[name];
  if (v === undefined || v === null || v === '') {
    if (rule.required) throw missing(api);
    return undefined;
  }
  if (typeof v === 'number' && rule.numberOk && Number.isSafeInteger(v) && v >= 0) v = String(v);
  if (typeof v !== 'string') throw illegal(api);
  if (v.length > (rule.max ?? 256) || (rule.pattern && !rule.pattern.test(v))) throw illegal(api);
  return v;
}

/** Query parameters are strings; a repeated one (an array) is illegal. */
export function queryParam(q: unknown, name: string, api: PaytmApi, rule: FieldRule = {}): string {
  return field(isObj(q) ? q : {}, name, api, { ...rule, required: true }) as string;
}

/** Paytm ids (mid, orderId): letters, digits and @ - _ . as Paytm allows in an order id. */
export const ID = /^[A-Za-z0-9@\-_.]+$/;

/**
 * Checks the head's request timestamp, when sent (Paytm documents it as optional), against the
 * allowed skew. Epoch seconds and epoch milliseconds are both read; both spellings of the name are.
 */
export function checkTimestamp(head: Obj, api: PaytmApi, now: number, windowMs: number): void {
  const name = head['requestTimeStamp'] !== undefined ? 'requestTimeStamp' : 'requestTimestamp';
  const raw = field(head, name, api, { max: 16, pattern: /^\d{1,16}$/, numberOk: true });
  if (raw === undefined) return;
  const n = Number(raw);
  // Below 1e11 it can only be seconds (1e11 ms is 1973; 1e11 s is the year 5138).
  const ms = n < 1e11 ? n * 1000 : n;
  if (Math.abs(now - ms) > windowMs) throw new PaytmError(RESULTS.authFailed);
}

/** The response head Paytm sends: the time as epoch-millisecond text, and the API version. */
export function responseHead(now: number, signature?: string): Obj {
  return signature === undefined ? { responseTimestamp: String(now), version: 'v1' } : { responseTimestamp: String(now), version: 'v1', signature };
}

/** Sends `{head, body: {resultInfo, ...extra}}`. */
export function send(reply: FastifyReply, now: number, result: ResultInfo, extra: Obj = {}, http = 200, retryAfter?: number): FastifyReply {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(http).type('application/json; charset=utf-8').send({ head: responseHead(now), body: { resultInfo: result, ...extra } });
}
