// SNAP's two X-SIGNATURE schemes: SHA256withRSA for token requests, HMAC-SHA512 for service calls.
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+$/;
const HEX_SHA512 = /^[0-9a-fA-F]{128}$/;
/** RSA signatures of keys up to 8192 bits are under 1,400 base64 characters. */
const MAX_RSA_SIGNATURE = 1_400;

/** The asymmetric string to sign: `client_id|X-TIMESTAMP`. */
export function tokenStringToSign(clientId: string, timestamp: string): string {
  return `${clientId}|${timestamp}`;
}

/** Verifies a base64 SHA256withRSA (PKCS#1 v1.5) signature with the partner's public key. */
export function verifyTokenSignature(key: KeyObject, clientId: string, timestamp: string, signature: string): boolean {
  if (signature.length > MAX_RSA_SIGNATURE || !BASE64.test(signature)) return false;
  try {
    return verify('RSA-SHA256', Buffer.from(tokenStringToSign(clientId, timestamp)), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The partner's public key object from its stored PEM. */
export function partnerKey(pem: string): KeyObject {
  return createPublicKey(pem);
}

/**
 * JSON with the whitespace between tokens removed and every token kept as written: what "minify"
 * means in SNAP, without re-serialising numbers or escapes the way JSON.stringify would.
 */
export function minifyJson(raw: string): string {
  const out: string[] = [];
  let inString = false;
  let escaped = false;
  for (const ch of raw) {
    if (inString) {
      out.push(ch);
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out.push(ch);
    } else if (ch !== ' ' && ch !== '\n' && ch !== '\r' && ch !== '\t') {
      out.push(ch);
    }
  }
  return out.join('');
}

/** lowercase(hex(sha256(text))). */
export function bodyDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The symmetric string to sign: `METHOD:path:accessToken:digest:X-TIMESTAMP`. */
export function serviceStringToSign(method: string, path: string, accessToken: string, minifiedBody: string, timestamp: string): string {
  return `${method.toUpperCase()}:${path}:${accessToken}:${bodyDigest(minifiedBody)}:${timestamp}`;
}

/** The presented HMAC-SHA512 in bytes: lowercase hex (Finnet's wording) or base64 (most SNAP PJPs). */
export function decodeHmac(signature: string): Buffer | null {
  if (HEX_SHA512.test(signature)) return Buffer.from(signature, 'hex');
  if (signature.length <= 90 && BASE64.test(signature)) {
    const b = Buffer.from(signature, 'base64');
    return b.length === 64 ? b : null;
  }
  return null;
}

/** The body forms a client may have hashed: tokens kept as written, and JSON.stringify's output. */
export function bodyCandidates(raw: string): string[] {
  const minified = minifyJson(raw);
  const out = [minified];
  try {
    const again = JSON.stringify(JSON.parse(raw));
    if (again !== undefined && again !== minified) out.push(again);
  } catch {
    // Not JSON: only the raw minified form can have been signed.
  }
  return out;
}

/**
 * Constant-time check of `presented` against HMAC-SHA512(secret, s) for each candidate string;
 * every candidate is computed and compared so the time does not depend on which one matched.
 */
export function hmacMatches(secret: string, candidates: readonly string[], presented: Buffer): boolean {
  let ok = false;
  for (const s of candidates) {
    const mac = createHmac('sha512', secret).update(s, 'utf8').digest();
    if (mac.length === presented.length && timingSafeEqual(mac, presented)) ok = true;
  }
  return ok;
}
