// A Finpay (BI SNAP) partner written from the published formulas with node:crypto only, for the snap dialect tests.
import { createHash, createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { TestServer } from './server.js';
import { readResponse } from './http.js';

export interface SnapResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface RsaPair {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** A fresh 2048-bit RSA key pair, as a partner generates before uploading its public key. */
export function rsaPair(): RsaPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** `yyyy-MM-ddTHH:mm:ss+07:00` (Jakarta time, SNAP's usual form) for epoch ms `ms`. */
export function snapTimestamp(ms: number, offsetMinutes = 420): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** X-SIGNATURE of a token request: base64(SHA256withRSA(privateKey, client_id + "|" + X-TIMESTAMP)). */
export function tokenSignature(privateKey: KeyObject, clientId: string, timestamp: string): string {
  return sign('RSA-SHA256', Buffer.from(`${clientId}|${timestamp}`), privateKey).toString('base64');
}

/**
 * X-SIGNATURE of a service call: HMAC_SHA512(clientSecret, METHOD:path:token:lowercase(hex(sha256(minify(body)))):X-TIMESTAMP).
 * Minify here is JSON.stringify(JSON.parse(body)), independent of the server's own minifier.
 */
export function serviceSignature(secret: string, method: string, path: string, token: string, body: string, timestamp: string, encoding: 'base64' | 'hex' = 'base64'): string {
  let minified = body;
  try {
    minified = JSON.stringify(JSON.parse(body));
  } catch {
    // Not JSON (a bad-input test): sign the text as sent.
  }
  const digest = createHash('sha256').update(minified).digest('hex').toLowerCase();
  return createHmac('sha512', secret).update(`${method}:${path}:${token}:${digest}:${timestamp}`).digest(encoding);
}

let counter = 0;
/** A numeric X-EXTERNAL-ID unique within this test process. */
export function externalId(): string {
  counter += 1;
  return `${Date.now()}${String(process.pid).padStart(7, '0')}${String(counter).padStart(6, '0')}`.slice(0, 32);
}

export interface Partner {
  clientId: string;
  clientSecret: string;
  channelId: string;
  keys: RsaPair;
}

export interface CallOptions {
  token?: string;
  timestamp?: string;
  externalId?: string;
  secret?: string;
  encoding?: 'base64' | 'hex';
  /** The path that is signed (default: the path relative to the mount point). */
  signedPath?: string;
  /** Replaces or removes (null) a header after signing. */
  headers?: Record<string, string | null>;
  /** Sends this text instead of JSON.stringify(body) (and signs it). */
  raw?: string;
}

export class SnapClient {
  accessToken = '';

  constructor(
    /** The dialect's base URL, e.g. http://127.0.0.1:1234/snap. */
    readonly base: string,
    readonly partner: Partner,
    readonly now: () => number = () => Date.now(),
  ) {}

  private async send(path: string, headers: Record<string, string | null>, body: string): Promise<SnapResponse> {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== null) h[k] = v;
    const res = await fetch(this.base + path, { method: 'POST', headers: h, body });
    return readResponse(res);
  }

  /** POST /v1.0/access-token/b2b; remembers the token on success. */
  async token(o: { timestamp?: string; signWith?: KeyObject; clientId?: string; headers?: Record<string, string | null>; raw?: string } = {}): Promise<SnapResponse> {
    const ts = o.timestamp ?? snapTimestamp(this.now());
    const clientId = o.clientId ?? this.partner.clientId;
    const headers = {
      'content-type': 'application/json',
      'x-timestamp': ts,
      'x-client-key': clientId,
      'x-signature': tokenSignature(o.signWith ?? this.partner.keys.privateKey, clientId, ts),
      ...o.headers,
    };
    const r = await this.send('/v1.0/access-token/b2b', headers, o.raw ?? JSON.stringify({ grantType: 'client_credentials' }));
    if (r.status === 200) this.accessToken = r.body.accessToken;
    return r;
  }

  /** A signed service call. */
  async call(path: string, body: unknown, o: CallOptions = {}): Promise<SnapResponse> {
    const text = o.raw ?? JSON.stringify(body);
    const ts = o.timestamp ?? snapTimestamp(this.now());
    const token = o.token ?? this.accessToken;
    const sig = serviceSignature(o.secret ?? this.partner.clientSecret, 'POST', o.signedPath ?? path, token, text, ts, o.encoding);
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'x-timestamp': ts,
      'x-signature': sig,
      origin: 'www.partner.example',
      'x-partner-id': this.partner.clientId,
      'x-external-id': o.externalId ?? externalId(),
      'channel-id': this.partner.channelId,
      ...o.headers,
    };
    return this.send(path, headers, text);
  }

  /** Account Creation: sends the OTP to phoneNo. */
  register(partnerReferenceNo: string, phoneNo: string, o: CallOptions = {}): Promise<SnapResponse> {
    return this.call('/v1.0/registration-account-creation', { partnerReferenceNo, phoneNo, name: 'Budi Santoso' }, o);
  }

  /** Verify OTP. */
  verify(originalPartnerReferenceNo: string, otp: string, action = 'otpLinkage', o: CallOptions = {}): Promise<SnapResponse> {
    return this.call('/v1.0/otp-verification', { originalPartnerReferenceNo, action, otp }, o);
  }
}

/** Issues SNAP credentials on `s` for a fresh key pair and returns a client holding a B2B token. */
export async function snapPartner(s: TestServer, o: { sandbox?: boolean; base?: string; now?: () => number; keys?: RsaPair } = {}): Promise<SnapClient> {
  const keys = o.keys ?? rsaPair();
  const { display } = await s.credentials('snap', { sandbox: o.sandbox ?? true, publicKeyPem: keys.publicKeyPem });
  const partner: Partner = {
    clientId: display['Client ID (X-PARTNER-ID / X-CLIENT-KEY)']!,
    clientSecret: display['Client Secret']!,
    channelId: display['Channel ID (CHANNEL-ID)']!,
    keys,
  };
  const c = new SnapClient(o.base ?? `${s.url}/snap`, partner, o.now);
  const t = await c.token();
  if (t.status !== 200) throw new Error(`token request failed: ${t.text}`);
  return c;
}

let phoneCounter = 0;
/** A distinct valid Indonesian mobile number (+62 812 …) per call. */
export function idPhone(): string {
  phoneCounter += 1;
  return `+62812${String(process.pid % 10000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}
