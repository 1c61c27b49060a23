// Authenticates SNAP requests: the asymmetric token request and the HMAC-signed service call.
import type { FastifyRequest } from 'fastify';
import type { ResolvedCredential } from '../credentials.js';
import type { DialectContext } from '../types.js';
import { invalidFormat, invalidMerchant, invalidToken, missingField, unauthorized, type ServiceCode } from './codes.js';
import { bodyCandidates, decodeHmac, hmacMatches, partnerKey, serviceStringToSign, verifyTokenSignature } from './signature.js';
import { tokenIsLive } from './state.js';
import { parseTimestamp, withinWindow, type SnapTimestamp } from './timestamp.js';

/** A partner that proved itself, with the verified timestamp of its request. */
export interface SnapPartner extends ResolvedCredential {
  timestamp: SnapTimestamp;
  /** X-TIMESTAMP exactly as signed. */
  rawTimestamp: string;
}

export interface ServiceAuth extends SnapPartner {
  externalId: string;
}

// Header values are printable ASCII; bounds follow Finpay's header table (X-PARTNER-ID String(36), CHANNEL-ID String(5)).
const PARTNER_ID = /^[\x21-\x7e]{1,36}$/;
const EXTERNAL_ID = /^[A-Za-z0-9._-]{1,36}$/;
const CHANNEL_ID = /^[\x21-\x7e]{1,5}$/;
const BEARER = /^Bearer +([\x21-\x7e]+)$/i;

/** A mandatory header's value: 400xx02 when absent or empty. */
function required(req: FastifyRequest, name: string, service: ServiceCode): string {
  const v = req.headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s.trim() === '') throw missingField(service, name);
  return s.trim();
}

function timestampOf(req: FastifyRequest, service: ServiceCode): { raw: string; ts: SnapTimestamp } {
  const raw = required(req, 'X-TIMESTAMP', service);
  const ts = parseTimestamp(raw);
  if (!ts) throw invalidFormat(service, 'X-TIMESTAMP');
  return { raw, ts };
}

/** POST /v1.0/access-token/b2b: X-CLIENT-KEY names the partner, X-SIGNATURE = SHA256withRSA(`client_id|X-TIMESTAMP`). */
export async function authenticateTokenRequest(req: FastifyRequest, ctx: DialectContext, service: ServiceCode): Promise<SnapPartner> {
  const { raw, ts } = timestampOf(req, service);
  const clientId = required(req, 'X-CLIENT-KEY', service);
  const signature = required(req, 'X-SIGNATURE', service);
  if (!PARTNER_ID.test(clientId)) throw invalidFormat(service, 'X-CLIENT-KEY');
  const found = await ctx.credentials.find('snap', clientId);
  if (!found) throw unauthorized(service, 'Unknown client');
  if (!withinWindow(ts.at, ctx.clock.now(), ctx.signatureWindowMs)) throw unauthorized(service, 'X-TIMESTAMP is outside the allowed window');
  const pem = found.credential.extra['publicKeyPem'];
  if (!pem || !verifyTokenSignature(partnerKey(pem), clientId, raw, signature)) throw unauthorized(service, 'Invalid Signature');
  return { ...found, timestamp: ts, rawTimestamp: raw };
}

/**
 * A service call: Bearer B2B token, X-PARTNER-ID, CHANNEL-ID, X-EXTERNAL-ID, and X-SIGNATURE =
 * HMAC-SHA512(client secret, `METHOD:path:token:sha256hex(minified body):X-TIMESTAMP`). The path is
 * the one after the mount point; the path as seen on the wire (prefix included) is accepted too.
 */
export async function authenticateServiceCall(req: FastifyRequest, ctx: DialectContext, service: ServiceCode, rawBody: string): Promise<ServiceAuth> {
  const authorization = required(req, 'Authorization', service);
  const bearer = BEARER.exec(authorization);
  if (!bearer) throw invalidFormat(service, 'Authorization');
  const token = bearer[1] as string;
  const { raw, ts } = timestampOf(req, service);
  const signature = required(req, 'X-SIGNATURE', service);
  const partnerId = required(req, 'X-PARTNER-ID', service);
  if (!PARTNER_ID.test(partnerId)) throw invalidFormat(service, 'X-PARTNER-ID');
  const externalId = required(req, 'X-EXTERNAL-ID', service);
  if (!EXTERNAL_ID.test(externalId)) throw invalidFormat(service, 'X-EXTERNAL-ID');
  const channelId = required(req, 'CHANNEL-ID', service);
  if (!CHANNEL_ID.test(channelId)) throw invalidFormat(service, 'CHANNEL-ID');

  const found = await ctx.credentials.find('snap', partnerId);
  if (!found) throw invalidMerchant(service);
  if (channelId !== found.credential.extra['channelId']) throw unauthorized(service, 'Unknown CHANNEL-ID');
  if (!(await tokenIsLive(ctx, found.credential, token))) throw invalidToken(service);
  if (!withinWindow(ts.at, ctx.clock.now(), ctx.signatureWindowMs)) throw unauthorized(service, 'X-TIMESTAMP is outside the allowed window');

  const presented = decodeHmac(signature);
  const secret = ctx.credentials.openSecret(found.credential);
  const onWire = req.url;
  const relative = ctx.prefix && onWire.startsWith(ctx.prefix) ? onWire.slice(ctx.prefix.length) : onWire;
  const paths = relative === onWire ? [onWire] : [relative, onWire];
  const bodies = bodyCandidates(rawBody);
  const candidates = paths.flatMap((p) => bodies.map((b) => serviceStringToSign(req.method, p, token, b, raw)));
  if (!presented || !hmacMatches(secret, candidates, presented)) throw unauthorized(service, 'Invalid Signature');
  return { ...found, timestamp: ts, rawTimestamp: raw, externalId };
}
