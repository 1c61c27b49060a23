// Code generation (CSPRNG), HMAC hashing, constant-time comparison and sealing of codes at rest.
import { createCipheriv, createDecipheriv, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { randomView } from './random.js';
import type { CodeType } from './types.js';

const ALPHABETS: Record<CodeType, string> = {
  numeric: '0123456789',
  alpha: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
  alphanumeric: '23456789ABCDEFGHJKLMNPQRSTUVWXYZ',
};

/** A fresh code of `length` characters drawn uniformly with crypto.randomInt. */
export function generateCode(length: number, type: CodeType): string {
  const alphabet = ALPHABETS[type];
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Canonical form of a code for hashing: letters compare case-insensitively, surrounding spaces dropped. */
export function normaliseCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Keyed secrets derived from OTPD_SECRET, one per purpose so no key is used for two jobs. */
export class Secrets {
  private readonly codeKey: Buffer;
  private readonly apiKeyKey: Buffer;
  private readonly sealKey: Buffer;
  private readonly callbackKey: Buffer;

  constructor(secret: string) {
    const derive = (label: string) => createHmac('sha256', secret).update(`otpd:${label}`).digest();
    this.codeKey = derive('code-hmac');
    this.apiKeyKey = derive('api-key-hmac');
    this.sealKey = derive('seal-aes-256-gcm');
    this.callbackKey = derive('status-callback-hmac');
  }

  /** A tag that makes a provider status-callback URL unforgeable: HMAC over the message id, 128 bits. */
  callbackTag(messageId: string): string {
    return createHmac('sha256', this.callbackKey).update(messageId).digest().subarray(0, 16).toString('base64url');
  }

  /** Constant-time check of a callback URL's tag. */
  callbackTagMatches(messageId: string, tag: string): boolean {
    const want = Buffer.from(this.callbackTag(messageId));
    const got = Buffer.from(tag);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  /** HMAC-SHA256 over verification id and code: binds a hash to one verification. */
  hashCode(verificationId: string, code: string): Buffer {
    return createHmac('sha256', this.codeKey).update(verificationId).update('\0').update(normaliseCode(code)).digest();
  }

  /** Constant-time comparison of a candidate's `hashCode` against the stored hash. */
  hashMatches(candidateHash: Buffer, stored: Buffer): boolean {
    return candidateHash.length === stored.length && timingSafeEqual(candidateHash, stored);
  }

  /** Hash under which an API key is stored and looked up. */
  hashApiKey(key: string): Buffer {
    return createHmac('sha256', this.apiKeyKey).update(key).digest();
  }

  /** AES-256-GCM seal: iv(12) | tag(16) | ciphertext. */
  seal(plain: string): Buffer {
    // A fresh 96-bit random IV per seal (copied out of the pool, which is reused).
    const iv = Buffer.from(randomView(12));
    const c = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }

  /** Opens what seal() produced; throws if it was tampered with or sealed under another secret. */
  open(sealed: Buffer): string {
    const d = createDecipheriv('aes-256-gcm', this.sealKey, sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
  }
}
