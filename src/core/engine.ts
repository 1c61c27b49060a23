// The verification engine: each call is pure decisions plus one or two atomic store primitives.
import { createHash } from 'node:crypto';
import { generateCode, type Secrets } from './code.js';
import type { Clock } from './clock.js';
import { OtpError } from './errors.js';
import type { EventBus, EventType } from './events.js';
import type { Guard, SendContext } from '../guard/guard.js';
import type { CounterHit } from '../store/guard-types.js';
import { newId } from './ids.js';
import { DEFAULT_POLICY, IDEMPOTENCY_TTL_MS, type VerificationPolicy } from './policy.js';
import { normaliseAnyRecipient, normaliseRecipient } from './recipient.js';
import type { Account, Channel, CheckReason, CodeType, Scope, SendRecord, VerificationRecord } from './types.js';
import { attemptsRemaining, decideCheck, reasonNotCheckable, resendRefusal } from './verification.js';
import type { AttemptResult, IdempotencyInput, InsertResult, NewSend, Store } from '../store/types.js';

/** The largest `payload` a verification carries (it is stored and echoed in every event). */
export const MAX_PAYLOAD_BYTES = 4096;

/** Who is calling: the account and whether its key is a sandbox key. */
export interface Caller {
  account: Account;
  sandbox: boolean;
  /** The key's scopes; absent for dialect credentials, which may do everything a verification needs. */
  scopes?: readonly Scope[];
}

export interface CreateInput {
  to: string;
  channel: Channel;
  codeLength?: number;
  codeType?: CodeType;
  code?: string;
  ttl?: number;
  maxAttempts?: number;
  locale?: string;
  templateId?: string;
  sender?: string;
  reference?: string;
  metadata?: Record<string, string>;
  /** Names the app in the message instead of the account's app name. */
  appName?: string;
  /** A message body for this verification only; must contain {code}. */
  message?: string;
  /** Opaque JSON echoed in event webhooks. */
  payload?: unknown;
  /** The end user's IP, for the per-IP limits. */
  clientIp?: string;
  /** `disable` skips the SMS-pumping guard; only for keys with the risk_override scope. */
  riskCheck?: 'enable' | 'disable';
}

export interface VerificationResult {
  record: VerificationRecord;
  sends: SendRecord[];
  /** Only for sandbox keys: the code, so app tests can complete the flow. */
  code?: string;
}

export interface CheckResult {
  id: string;
  record: VerificationRecord;
  valid: boolean;
  reason: CheckReason;
  attemptsRemaining: number;
  token?: string;
  tokenExpiresAt?: number;
}

/** Which channels can deliver for an account right now; implemented by the delivery layer. */
export interface ChannelDirectory {
  isAvailable(account: Account, channel: Channel): boolean;
}

export interface TokenIssuer {
  /** A signed proof token; synchronous where signing is (a promise is awaited, a value is not). `prepared` is `prepare`'s handle. */
  issue(claims: { sub: string; verification_id: string; account: string; channel: string }, prepared?: number): IssuedProof | Promise<IssuedProof>;
  /** A verification was just created (its token may then be signed ahead of its check). */
  expect?(v: { id: string; account: string; to: string; channel: string; codeHash: Buffer }): void;
  /** A check arrived: start on the token it gets if it approves; a handle, or undefined. */
  prepare?(account: string, verificationId: string, codeHash: Buffer): number | undefined;
  /** The check with this handle did not approve. */
  release?(handle: number): void;
}

export interface IssuedProof {
  token: string;
  expiresAt: number;
}

/** Observers for metrics; the engine never waits on them. */
export interface EngineEvents {
  created?(channel: Channel): void;
  checked?(reason: CheckReason): void;
  queued?(): void;
}

export interface EngineDeps {
  store: Store;
  secrets: Secrets;
  clock: Clock;
  channels: ChannelDirectory;
  tokens: TokenIssuer;
  policy?: VerificationPolicy;
  events?: EngineEvents;
  /** Lifecycle events (created, approved, canceled, max attempts) for webhooks and dialects. */
  bus?: EventBus;
  /** Rate limits, geo permissions and the pumping guard. */
  guard?: Guard;
}

export class Engine {
  private readonly store: Store;
  private readonly secrets: Secrets;
  private readonly clock: Clock;
  private readonly policy: VerificationPolicy;
  private readonly events: EngineEvents;

  constructor(private readonly deps: EngineDeps) {
    this.store = deps.store;
    this.secrets = deps.secrets;
    this.clock = deps.clock;
    this.policy = deps.policy ?? DEFAULT_POLICY;
    this.events = deps.events ?? {};
  }

  private get cooldownMs(): number {
    return this.policy.resendCooldownSeconds * 1000;
  }

  /** Creates a verification, or sends the pending one for the same recipient again (never resetting attempts). */
  async create(caller: Caller, input: CreateInput, idempotencyKey?: string): Promise<VerificationResult> {
    const accountId = caller.account.id;
    const to = normaliseRecipient(input.to, input.channel);
    refuseNul(input);
    const channelRead = this.requireChannel(caller, input.channel);
    if (channelRead) await channelRead;
    if (input.code !== undefined && input.codeLength !== undefined) {
      throw new OtpError('invalid_request', '`code` and `code_length` cannot be used together.', {
        fields: [{ field: 'code_length', detail: 'must be omitted when code is given' }],
      });
    }
    if (input.payload !== undefined && JSON.stringify(input.payload).length > MAX_PAYLOAD_BYTES) {
      throw new OtpError('invalid_request', `\`payload\` must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON.`, {
        fields: [{ field: 'payload', detail: `larger than ${MAX_PAYLOAD_BYTES} bytes` }],
      });
    }
    if (input.templateId !== undefined) await this.requireTemplate(accountId, input.templateId, input.channel);
    if (input.riskCheck === 'disable' && caller.scopes && !caller.scopes.includes('risk_override')) {
      throw new OtpError('forbidden', '`risk_check: disable` needs an API key with the risk_override scope.');
    }
    const taken = await this.guarded(caller, to, {
      account: caller.account,
      to,
      channel: input.channel,
      clientIp: input.clientIp,
      riskCheck: input.riskCheck !== 'disable',
      isCreate: true,
    });

    const now = this.clock.now();
    const idem: IdempotencyInput | undefined = idempotencyKey
      ? { key: idempotencyKey, requestHash: requestHash(input), expiresAt: now + IDEMPOTENCY_TTL_MS }
      : undefined;
    const send: NewSend = { channel: input.channel, status: caller.sandbox ? 'sandbox' : 'queued' };

    for (let tries = 0; tries < 3; tries++) {
      const record = this.newRecord(caller, input, to, now);
      const code = input.code ?? generateCode(record.codeLength, record.codeType);
      record.codeHash = this.secrets.hashCode(record.id, code);
      record.codeSealed = this.secrets.seal(code);
      const res: InsertResult = await this.store.insertVerification(record, send, now, idem);
      if (res.kind !== 'idempotent_replay') for (const x of res.expired ?? []) this.publish('verification.expired', x, now);
      if (res.kind === 'created') {
        const r = res.record;
        this.deps.tokens.expect?.({ id: r.id, account: accountId, to: r.to, channel: r.channel, codeHash: record.codeHash });
        this.events.created?.(input.channel);
        this.publish('verification.created', res.record, now);
        if (!caller.sandbox) this.events.queued?.();
        // The code is at hand: no need to open the sealed copy for a sandbox caller.
        return { record: res.record, sends: res.sends, ...(caller.sandbox ? { code } : {}) };
      }
      if (res.kind === 'idempotent_replay') {
        await this.refund(taken);
        if (res.requestHash !== idem?.requestHash) {
          throw new OtpError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
        }
        return this.get(caller, res.verificationId);
      }
      // A live verification exists for this recipient: one more send of the same code.
      const sent = await this.store.recordSend(accountId, res.record.id, send, now, this.cooldownMs, idem);
      if (sent.sent) {
        if (!caller.sandbox) this.events.queued?.();
        return this.withCode(caller, { record: sent.record, sends: sent.sends });
      }
      // It was closed in between (approved, canceled, expired): create afresh; otherwise explain the refusal.
      if (sent.record && sent.record.status === 'pending' && now < sent.record.expiresAt) {
        await this.refund(taken);
        throw resendRefusal(sent.record, now, this.cooldownMs);
      }
    }
    await this.refund(taken);
    throw new OtpError('internal', 'Could not create the verification; please retry.');
  }

  /** One verification of the caller's account with its sends; another account's id is `not_found`. */
  async get(caller: Caller, id: string): Promise<VerificationResult> {
    const record = await this.store.getVerification(caller.account.id, id);
    if (!record) throw notFound();
    return this.withCode(caller, { record, sends: await this.store.listSends(id) });
  }

  /** Sends the same code again, on the same or another channel; attempts are never restored. */
  async resend(caller: Caller, id: string, channel?: Channel): Promise<VerificationResult> {
    const current = await this.store.getVerification(caller.account.id, id);
    if (!current) throw notFound();
    const ch = channel ?? current.channel;
    if (ch !== current.channel) normaliseRecipient(current.to, ch);
    const channelRead = this.requireChannel(caller, ch);
    if (channelRead) await channelRead;
    const taken = await this.guarded(caller, current.to, { account: caller.account, to: current.to, channel: ch, riskCheck: true, isCreate: false });
    const now = this.clock.now();
    const res = await this.store.recordSend(caller.account.id, id, { channel: ch, status: caller.sandbox ? 'sandbox' : 'queued' }, now, this.cooldownMs);
    if (!res.sent) {
      await this.refund(taken);
      throw res.record ? resendRefusal(res.record, now, this.cooldownMs) : notFound();
    }
    if (!caller.sandbox) this.events.queued?.();
    return this.withCode(caller, { record: res.record, sends: res.sends });
  }

  /** Cancels a pending verification; canceling a finished one answers its state unchanged. */
  async cancel(caller: Caller, id: string): Promise<VerificationResult> {
    const current = await this.store.getVerification(caller.account.id, id);
    if (!current) throw notFound();
    const now = this.clock.now();
    if (current.status === 'pending' && now < current.expiresAt) {
      if (await this.store.finish(id, 'canceled', now)) {
        this.publish('verification.canceled', { ...current, status: 'canceled', codeSealed: null, updatedAt: now }, now);
      } else {
        const after = await this.store.getVerification(caller.account.id, id);
        if (after?.status !== 'canceled') {
          throw new OtpError('verification_not_pending', `This verification is ${after?.status ?? 'gone'} and can no longer be canceled.`);
        }
      }
    } else if (current.status !== 'canceled') {
      throw new OtpError('verification_not_pending', `This verification is ${current.status === 'pending' ? 'expired' : current.status} and can no longer be canceled.`);
    }
    return this.get(caller, id);
  }

  /** Checks a code against a verification by id: one transaction counts the attempt, compares in constant time, transitions. */
  async check(caller: Caller, id: string, code: string, clientIp?: string): Promise<CheckResult> {
    const ipBudget = this.deps.guard?.beforeCheck(caller.account, clientIp);
    if (ipBudget) await ipBudget;
    const now = this.clock.now();
    // One HMAC serves both stores: PostgreSQL compares it in SQL, SQLite in `decide` (the row's id is `id`).
    const codeHash = this.secrets.hashCode(id, code);
    const tokens = this.deps.tokens;
    // While the attempt commits, another thread may sign the token this check gets if it approves.
    const prepared = tokens.prepare?.(caller.account.id, id, codeHash);
    let res: AttemptResult;
    try {
      res = await this.store.attempt(caller.account.id, id, now, (r) => decideCheck(r, this.secrets.hashMatches(codeHash, r.codeHash)), { codeHash });
    } catch (e) {
      if (prepared !== undefined) tokens.release?.(prepared);
      throw e;
    }
    if (prepared !== undefined && !(res.counted && res.transition === 'approved')) tokens.release?.(prepared);
    if (!res.record) throw notFound();
    if (!res.counted) return this.result(res.record, reasonNotCheckable(res.record, now));
    if (res.transition) this.publish(`verification.${res.transition}`, res.record, now);
    if (res.transition !== 'approved') {
      // The recipient's hourly budget of wrong codes spans verifications: once spent, this one closes too.
      if (res.transition === null && (await this.deps.guard?.failedCheck(caller.account, res.record.to))) {
        if (await this.store.finish(id, 'max_attempts_reached', now)) {
          const closed = { ...res.record, status: 'max_attempts_reached' as const, codeSealed: null };
          this.publish('verification.max_attempts_reached', closed, now);
          return { ...this.result(closed, 'incorrect_code'), attemptsRemaining: 0 };
        }
      } else if (res.transition === 'max_attempts_reached') await this.deps.guard?.failedCheck(caller.account, res.record.to);
      return this.result(res.record, 'incorrect_code');
    }
    const r = res.record;
    // The pumping guard's conversion count, written later with a send's counters.
    this.deps.guard?.approved(caller.account, r.to);
    const issued = tokens.issue({ sub: r.to, verification_id: r.id, account: r.accountId, channel: r.channel }, prepared);
    const token = 'then' in issued ? await issued : issued;
    this.events.checked?.('approved');
    const approved = this.result(r, 'approved');
    approved.token = token.token;
    approved.tokenExpiresAt = token.expiresAt;
    return approved;
  }

  /** Checks a code against the newest pending verification for `to` (else the newest of any status). */
  async checkRecipient(caller: Caller, rawTo: string, code: string, clientIp?: string): Promise<CheckResult> {
    const to = normaliseAnyRecipient(rawTo);
    await this.deps.guard?.beforeCheckRecipient(caller.account, to);
    const latest = await this.store.findLatestForRecipient(caller.account.id, to);
    // The same answer as an unknown id: nobody learns which recipients have verifications.
    if (!latest) throw notFound();
    return this.check(caller, latest.id, code, clientIp);
  }

  /**
   * The guard's verdict on a send. When a recipient send limit trips but the recipient's pending
   * verification would refuse the send anyway (cooldown, send cap), that more precise refusal is given.
   */
  private async guarded(caller: Caller, to: string, ctx: SendContext): Promise<CounterHit[]> {
    try {
      return (await this.deps.guard?.beforeSend(ctx)) ?? [];
    } catch (e) {
      if (e instanceof OtpError && e.limit?.startsWith('recipient_sends')) {
        const now = this.clock.now();
        const pending = await this.store.findLatestForRecipient(caller.account.id, to);
        const open = pending && pending.status === 'pending' && now < pending.expiresAt;
        if (open && (pending.sendCount >= pending.maxSends || now < pending.lastSentAt + this.cooldownMs)) throw resendRefusal(pending, now, this.cooldownMs);
      }
      throw e;
    }
  }

  /** Gives back the guard's counts for a send that did not happen; a failure here must not hide the real answer. */
  private async refund(taken: CounterHit[]): Promise<void> {
    await this.deps.guard?.refund(taken).catch(() => undefined);
  }

  private publish(type: EventType, verification: VerificationRecord, at: number): void {
    this.deps.bus?.emit({ type, at, verification });
  }

  private result(r: VerificationRecord, reason: CheckReason): CheckResult {
    if (reason !== 'approved') this.events.checked?.(reason);
    return { id: r.id, record: r, valid: reason === 'approved', reason, attemptsRemaining: attemptsRemaining(r) };
  }

  /** Refuses a channel nothing can deliver on; answers a promise only when it must read the account again. */
  private requireChannel(caller: Caller, channel: Channel): Promise<void> | undefined {
    if (caller.sandbox) return undefined;
    // The caller's account may be a few seconds old (auth cache): a webhook just configured counts.
    if (channel === 'webhook' && !caller.account.webhookUrl) {
      return this.store.getAccount(caller.account.id).then((fresh) => this.refuseUnavailable(fresh ?? caller.account, channel));
    }
    this.refuseUnavailable(caller.account, channel);
    return undefined;
  }

  private refuseUnavailable(account: Account, channel: Channel): void {
    if (!this.deps.channels.isAvailable(account, channel)) {
      throw new OtpError('channel_unavailable', `No provider is configured for the '${channel}' channel.`, {
        fields: [{ field: 'channel', detail: `'${channel}' has no configured provider` }],
      });
    }
  }

  private async requireTemplate(accountId: string, templateId: string, channel: Channel): Promise<void> {
    const t = await this.store.getTemplate(accountId, templateId);
    if (!t) throw new OtpError('invalid_request', 'Unknown template.', { fields: [{ field: 'template_id', detail: 'no such template in this account' }] });
    if (t.channel !== channel) {
      throw new OtpError('invalid_request', `That template is for the '${t.channel}' channel.`, {
        fields: [{ field: 'template_id', detail: `template channel '${t.channel}' does not match '${channel}'` }],
      });
    }
  }

  private newRecord(caller: Caller, input: CreateInput, to: string, now: number): VerificationRecord {
    const p = this.policy;
    const ttl = input.ttl ?? p.ttlSeconds;
    return {
      id: newId('ver', now),
      accountId: caller.account.id,
      to,
      channel: input.channel,
      status: 'pending',
      codeHash: Buffer.alloc(0),
      codeSealed: null,
      codeType: input.code !== undefined ? 'alphanumeric' : (input.codeType ?? p.codeType),
      codeLength: input.code?.length ?? input.codeLength ?? p.codeLength,
      attempts: 0,
      maxAttempts: input.maxAttempts ?? p.maxAttempts,
      sendCount: 1,
      maxSends: p.maxSends,
      lastSentAt: now,
      createdAt: now,
      updatedAt: now,
      expiresAt: now + ttl * 1000,
      locale: input.locale ?? p.locale,
      templateId: input.templateId ?? null,
      sender: input.sender ?? null,
      reference: input.reference ?? null,
      metadata: input.metadata ?? null,
      sandbox: caller.sandbox,
      appName: input.appName ?? null,
      message: input.message ?? null,
      payload: input.payload ?? null,
    };
  }

  private withCode(caller: Caller, res: VerificationResult): VerificationResult {
    // Only a sandbox verification's code is shown: a sandbox key that lands on a live verification
    // (same recipient, same account) must not read the code sent to a real person.
    if (caller.sandbox && res.record.sandbox && res.record.codeSealed) res.code = this.secrets.open(res.record.codeSealed);
    return res;
  }
}

/**
 * NUL characters cannot be stored (PostgreSQL refuses them in text, SQLite's functions cut at them):
 * a create carrying one is the caller's error, whichever dialect it came through.
 */
function refuseNul(input: CreateInput): void {
  // Field by field, with no list built: this runs on every create.
  hasNul('sender', input.sender);
  hasNul('reference', input.reference);
  hasNul('app_name', input.appName);
  hasNul('message', input.message);
  hasNul('locale', input.locale);
  hasNul('template_id', input.templateId);
  hasNul('code', input.code);
  if (input.metadata) {
    for (const [k, v] of Object.entries(input.metadata)) {
      hasNul('metadata', k);
      hasNul(`metadata.${k}`, v);
    }
  }
}

/** Throws `invalid_request` naming `field` when `v` is a string with a NUL in it. */
function hasNul(field: string, v: unknown): void {
  if (typeof v === 'string' && v.includes('\u0000')) {
    throw new OtpError('invalid_request', `\`${field}\` must not contain NUL characters.`, { fields: [{ field, detail: 'contains a NUL character' }] });
  }
}

function notFound(): OtpError {
  return new OtpError('not_found', 'No such verification in this account.');
}

/** A stable hash of the create input, so an Idempotency-Key replay can tell a changed body apart. */
function requestHash(input: CreateInput): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
      : v;
  return createHash('sha256').update(JSON.stringify(sorted(input))).digest('base64url');
}
