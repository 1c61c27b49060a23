// The store contract the compatible dialects use: vendor-shaped credentials and small pieces of dialect state.

/** Credentials in a vendor's own shape, bound to one account. */
export interface DialectCredential {
  id: string;
  accountId: string;
  dialect: string;
  /**
   * What the vendor's client presents to name itself, unique per dialect: an Account SID, a merchant
   * id, a client id, or the keyed hash of a bearer token that is its own identifier.
   */
  lookup: string;
  /** Keyed hash of a secret the client presents in clear (a Basic-auth password, a bearer token). */
  secretHash: Buffer | null;
  /** A secret the server needs in clear to check a signature (an HMAC or checksum key), sealed at rest. */
  secretSealed: Buffer | null;
  /** Vendor-specific public fields: an initiator id, a channel id, a partner's public key PEM. */
  extra: Record<string, string>;
  sandbox: boolean;
  createdAt: number;
  revokedAt: number | null;
}

/** One small keyed record a dialect keeps: a service, a reference binding, a spent nonce, a token. */
export interface DialectState {
  dialect: string;
  accountId: string;
  kind: string;
  key: string;
  value: string;
  /** Epoch ms after which the entry is dead and may be replaced or purged; null keeps it. */
  expiresAt: number | null;
}

export interface DialectStore {
  createCredential(c: DialectCredential): Promise<void>;
  /** The live (unrevoked) credential of `dialect` with this lookup value. */
  findCredential(dialect: string, lookup: string): Promise<DialectCredential | null>;
  listCredentials(accountId?: string): Promise<DialectCredential[]>;
  revokeCredential(id: string, now: number): Promise<boolean>;

  /**
   * Inserts the entry unless a live one (unexpired at `now`) has the same key; an expired one is
   * replaced. False when a live entry exists: a replayed nonce, a duplicate reference.
   */
  putStateIfAbsent(s: DialectState, now: number): Promise<boolean>;
  /** Inserts or overwrites the entry. */
  putState(s: DialectState): Promise<void>;
  /** The live entry with this key, or null. */
  getState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null>;
  /** Removes the entry; true when a live one was removed (so a one-time value is spent exactly once). */
  takeState(dialect: string, accountId: string, kind: string, key: string, now: number): Promise<DialectState | null>;
  /** Deletes up to `limit` entries that expired before `now`; returns how many. */
  purgeState(now: number, limit: number): Promise<number>;
}
