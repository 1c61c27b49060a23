// Token signing keys: generated on first start, sealed in the store, published as a JWKS.
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { SigningKeyRecord, Store } from '../store/types.js';

export type TokenAlg = 'ES256' | 'EdDSA';

export interface LoadedKey {
  kid: string;
  alg: TokenAlg;
  publicJwk: JWK;
  signer: KeyObject;
}

/** The keys tokens are signed and checked with: the current key signs, current and previous verify. */
export class KeyRing {
  private keys: LoadedKey[] = [];

  private constructor(
    private readonly store: Store,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    private readonly alg: TokenAlg,
  ) {}

  /** Loads the ring from the store, generating the first key when there is none. */
  static async open(store: Store, secrets: Secrets, clock: Clock, alg: TokenAlg): Promise<KeyRing> {
    const ring = new KeyRing(store, secrets, clock, alg);
    await ring.reload();
    if (!ring.keys.some((k) => k.alg === alg) || ring.current.alg !== alg) await ring.rotate();
    return ring;
  }

  get current(): LoadedKey {
    const k = this.keys[0];
    if (!k) throw new Error('no signing key loaded');
    return k;
  }

  /** Public keys of every key still trusted. */
  get jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Re-reads the keys (another node may have rotated). */
  async reload(): Promise<void> {
    const rows = await this.store.listSigningKeys();
    const loaded: LoadedKey[] = [];
    for (const r of rows) loaded.push(await this.load(r));
    this.keys = loaded;
  }

  /** Generates a new current key; the old current key stays published as previous. */
  async rotate(): Promise<LoadedKey> {
    const { publicKey, privateKey } = await generateKeyPair(this.alg, { extractable: true, ...(this.alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    const publicJwk: JWK = { ...pub, kid, alg: this.alg, use: 'sig' };
    const priv = await exportJWK(privateKey);
    await this.store.rotateSigningKey({
      kid,
      alg: this.alg,
      publicJwk: JSON.stringify(publicJwk),
      privateSealed: this.secrets.seal(JSON.stringify(priv)),
      createdAt: this.clock.now(),
      state: 'current',
    });
    await this.reload();
    return this.current;
  }

  private async load(r: SigningKeyRecord): Promise<LoadedKey> {
    const priv = JSON.parse(this.secrets.open(r.privateSealed)) as JWK;
    // A node:crypto KeyObject: signing with it is synchronous and skips WebCrypto's job queue.
    const signer = createPrivateKey({ key: priv as JsonWebKey, format: 'jwk' });
    return { kid: r.kid, alg: r.alg as TokenAlg, publicJwk: JSON.parse(r.publicJwk) as JWK, signer };
  }
}
