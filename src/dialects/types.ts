// The contract every compatible dialect implements: routes over the engine, and vendor-shaped credentials.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Secrets } from '../core/code.js';
import type { Clock } from '../core/clock.js';
import type { Engine } from '../core/engine.js';
import type { EventBus } from '../core/events.js';
import type { Account } from '../core/types.js';
import type { DialectCredential } from '../store/dialect-types.js';
import type { Store } from '../store/types.js';
import type { DialectCredentials } from './credentials.js';

import type { DialectName } from './names.js';

export { DIALECT_NAMES, type DialectName } from './names.js';

/** What a dialect gets to work with; it keeps no verification logic of its own. */
export interface DialectContext {
  engine: Engine;
  store: Store;
  secrets: Secrets;
  clock: Clock;
  logger: Logger;
  credentials: DialectCredentials;
  /** Lifecycle events of verifications this node changes (created, delivered, delivery_failed, approved, …). */
  events: EventBus;
  /** Allowed clock skew, either way, for a signed request's timestamp. */
  signatureWindowMs: number;
  /** The mount point as clients see it: '/twilio', or '' when served at / on a port of its own. */
  prefix: string;
}

export interface CredentialOptions {
  account: Account;
  sandbox: boolean;
  /** A partner's RSA public key (PEM), for schemes where the partner signs with its private key (SNAP). */
  publicKeyPem?: string;
  now: number;
}

export interface IssuedCredentials {
  /** Stored: secrets hashed or sealed, never in clear. Usually one; Twilio issues an Account SID and an API key pair. */
  records: DialectCredential[];
  /** Printed once, labelled the way the vendor's dashboard labels them. */
  display: Array<[label: string, value: string]>;
}

export interface Dialect {
  name: DialectName;
  /** The vendor's name for humans: "Twilio Verify v2". */
  vendor: string;
  defaultPrefix: string;
  /**
   * Adds the vendor's routes to `app`, an encapsulated Fastify context mounted at the prefix. The
   * dialect sets its own error and not-found handlers and body parsers there, in the vendor's shape.
   */
  register(app: FastifyInstance, ctx: DialectContext): Promise<void>;
  /** Makes a fresh set of credentials in the vendor's shape for `otpd credentials create`. */
  issueCredentials(o: CredentialOptions, creds: DialectCredentials): IssuedCredentials;
}
